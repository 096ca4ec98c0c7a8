//! An interaction's rules (`responseMatches`): conditions, variable conditions, the
//! variables and slots they set, and where they go.

use serde_json::Value;

use super::super::json::{list_of, str_of};
use super::Importer;
use crate::error::{At, FindingKind};
use crate::model::{Action, Assign, Condition, ContextCondition, ContextOp, Rule};
use crate::pattern::Pattern;
use crate::regex_dialect::JsRegex;

impl Importer<'_> {
    pub(super) fn rule(&mut self, rule: &Value, at: &At, who: Option<&str>) -> Option<Rule> {
        let conditions = list_of(rule, "conditions");
        if conditions.len() > 1 {
            self.b.f.unsupported(
                at.key("conditions"),
                who,
                "only the first condition of a rule is used",
            );
        }
        let condition = match conditions.first() {
            None => Condition::Always,
            Some(c) => self.condition(c, &at.key("conditions").key(0), who)?,
        };
        let mut context = Vec::new();
        for (k, cc) in list_of(rule, "contextConditions").iter().enumerate() {
            let list = at.key("contextConditions");
            let here = list.key(k);
            let op = match str_of(cc, "matchType").to_ascii_uppercase().as_str() {
                "CONTAINS" => ContextOp::Contains,
                "NOT_CONTAINS" => ContextOp::NotContains,
                "EQUALS" | "EQUAL_TO" => ContextOp::Equals,
                "NOT_EQUALS" | "NOT_EQUAL_TO" => ContextOp::NotEquals,
                other => {
                    self.b.f.unsupported(
                        here.key("matchType"),
                        who,
                        format!(
                            "variable condition {other:?} is not supported; the rule never matches"
                        ),
                    );
                    return None;
                }
            };
            let name = str_of(cc, "contextName").trim();
            context.push(ContextCondition {
                subject: self.b.condition_subject(name),
                op,
                value: self.template(str_of(cc, "value")),
            });
        }
        let context_all = str_of(rule, "contextMatchConditionType").eq_ignore_ascii_case("ALL");
        let mut set = Vec::new();
        for (k, var) in list_of(rule, "contextDataVariables").iter().enumerate() {
            let list = at.key("contextDataVariables");
            let here = list.key(k);
            let value = str_of(var, "value");
            if value.trim_start().starts_with('@') {
                self.b.f.unsupported(
                    here.key("value"),
                    who,
                    format!("entity slot value {value:?} needs NLU; the slot is not filled"),
                );
                continue;
            }
            let scope = self.b.scope(
                var.get("scope").and_then(Value::as_str),
                &here.key("scope"),
                who,
            );
            // The wire name of a slot assignment is unseen; Chatlet reads `"slot": true`
            // (or `"isSlot": true`, or `"type": "SLOT"`) on the entry (docs/cb-compatibility.md).
            let flag = |k: &str| var.get(k).and_then(Value::as_bool).unwrap_or(false);
            let slot =
                flag("slot") || flag("isSlot") || str_of(var, "type").eq_ignore_ascii_case("SLOT");
            set.push(Assign {
                name: str_of(var, "name").to_string(),
                value: self.template(value),
                scope,
                slot,
            });
        }
        let action = self.action(rule.get("action"), &at.key("action"), who);
        Some(Rule {
            condition,
            context,
            context_all,
            set,
            action,
        })
    }

    fn condition(&mut self, c: &Value, at: &At, who: Option<&str>) -> Option<Condition> {
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array).map_or(vec![], |l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
        };
        let kind = str_of(c, "matchType").to_ascii_uppercase();
        Some(match kind.as_str() {
            "PATTERN" => {
                let pm = c.get("patternMatch");
                let mut patterns = Vec::new();
                for (p, source) in strings(pm.and_then(|p| p.get("patterns")))
                    .iter()
                    .enumerate()
                {
                    match Pattern::parse(source) {
                        Ok(pattern) => patterns.push(pattern),
                        Err(e) => self.b.f.error(
                            FindingKind::Pattern,
                            at.key("patternMatch").key("patterns").key(p),
                            who,
                            e.message,
                        ),
                    }
                }
                Condition::Pattern {
                    patterns,
                    exclude: strings(pm.and_then(|p| p.get("excludeKeywords"))),
                }
            }
            "REGEX" => {
                let source = c
                    .pointer("/regexMatch/regexText")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match JsRegex::compile(source) {
                    Ok(re) => Condition::Regex(re),
                    Err(e) => {
                        self.b.f.unsupported(
                            at.key("regexMatch").key("regexText"),
                            who,
                            format!("{}; the rule never matches", e.message),
                        );
                        return None;
                    }
                }
            }
            "EVAL_OPTION" => Condition::Option(
                c.pointer("/evaluateOptionMatch/value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
            "NO_MATCH" => {
                let message = c
                    .pointer("/noMatch/fallbackMessage")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Condition::NoMatch((!message.trim().is_empty()).then(|| self.template(message)))
            }
            "EXACT" | "EXACT_VALUE" | "EXACT_MATCH" => Condition::Exact(
                c.pointer("/exactMatch/value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
            "API_RESULT" => {
                let status = c
                    .pointer("/apiResultsMatch/status")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                match status.as_str() {
                    "SUCCESS" => Condition::ApiResult(true),
                    "FAILURE" | "FAILED" | "FAIL" | "ERROR" => Condition::ApiResult(false),
                    other => {
                        self.b.f.unsupported(
                            at.key("apiResultsMatch").key("status"),
                            who,
                            format!("integration result {other:?} is not supported; the rule never matches"),
                        );
                        return None;
                    }
                }
            }
            other => {
                self.b.f.unsupported(
                    at.key("matchType"),
                    who,
                    format!("match type {other:?} is not supported; the rule never matches"),
                );
                return None;
            }
        })
    }

    pub(super) fn action(&mut self, action: Option<&Value>, at: &At, who: Option<&str>) -> Action {
        let Some(action) = action else {
            return Action::Next;
        };
        let kind = str_of(action, "name").to_ascii_uppercase();
        let value = str_of(action, "value").trim();
        match (kind.as_str(), value.to_ascii_lowercase().as_str()) {
            ("INTERACTION", "next" | "") => Action::Next,
            ("INTERACTION", "none") => Action::Stop,
            ("INTERACTION", "close_dialog") => Action::CloseDialog,
            ("INTERACTION", "close_conversation") => Action::CloseConversation,
            ("INTERACTION", _) => match self.ids.get(value) {
                Some(&i) => Action::Goto(i), // its own id: "current interaction" (repeat)
                None => {
                    self.b.f.warn(
                        FindingKind::Dangling,
                        at.key("value"),
                        who,
                        format!("target interaction {value:?} does not exist; the flow ends there"),
                    );
                    Action::Dangling
                }
            },
            ("DIALOG", _) => match self.dialogs.get(value) {
                Some(&d) => Action::Dialog(d),
                None => {
                    self.b.f.warn(
                        FindingKind::Dangling,
                        at.key("value"),
                        who,
                        format!("target dialog {value:?} does not exist; the flow ends there"),
                    );
                    Action::Dangling
                }
            },
            (other, _) => {
                self.b.f.unsupported(
                    at.key("name"),
                    who,
                    format!(
                        "action {other:?} is not supported; the flow goes to the next interaction"
                    ),
                );
                Action::Next
            }
        }
    }
}
