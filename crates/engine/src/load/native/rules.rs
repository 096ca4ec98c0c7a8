//! A step's rules: the test (pattern, regex, exact, option, no match, result), variable
//! conditions (`when`), the variables and slots they set, and where they go (`then`).

use serde_json::{Map, Value};

use super::super::json;
use super::{Loader, RULE_KEYS};
use crate::error::{At, FindingKind};
use crate::model::{Action, Assign, Condition, ContextCondition, ContextOp, Rule};
use crate::regex_dialect::{Flags, JsRegex};

impl Loader<'_> {
    pub(super) fn rule(
        &mut self,
        value: &Value,
        at: &At,
        who: Option<&str>,
        current: usize,
    ) -> Option<Rule> {
        let obj = json::object(self.b.f, value, at, who)?;
        json::known_keys(self.b.f, obj, at, who, RULE_KEYS);
        let tests: Vec<&str> = ["pattern", "regex", "exact", "option", "noMatch", "result"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        if tests.len() > 1 {
            self.b.f.error(
                FindingKind::Invalid,
                at,
                who,
                format!(
                    "a rule tests one thing; this one has {}",
                    tests.join(" and ")
                ),
            );
        }
        if obj.contains_key("flags") && !tests.contains(&"regex") {
            self.b.f.error(
                FindingKind::Invalid,
                at.key("flags"),
                who,
                "`flags` belongs to a `regex` rule",
            );
        }
        let condition = self.test(obj, at, who, tests.first().copied())?;
        let set = self.assignments(obj, at, who);
        let (context, context_all) = self.when(obj.get("when"), &at.key("when"), who);
        let action = match obj.get("then") {
            Some(then) => self.action(then, &at.key("then"), who, current),
            None => Action::Next,
        };
        Some(Rule {
            condition,
            context,
            context_all,
            set,
            action,
        })
    }

    /// What a rule tests (`test`: the one key it has, if any).
    fn test(
        &mut self,
        obj: &Map<String, Value>,
        at: &At,
        who: Option<&str>,
        test: Option<&str>,
    ) -> Option<Condition> {
        let exclude: Vec<String> =
            json::strings(self.b.f, obj.get("exclude"), &at.key("exclude"), who)
                .into_iter()
                .map(str::to_string)
                .collect();
        Some(match test {
            None => Condition::Always,
            Some("pattern") => {
                let here = at.key("pattern");
                let sources = json::strings(self.b.f, obj.get("pattern"), &here, who);
                let patterns = sources
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| self.pattern(p, &here.key(i), who.unwrap_or_default()))
                    .collect();
                Condition::Pattern { patterns, exclude }
            }
            Some("regex") => {
                let here = at.key("regex");
                let source = json::string_or(self.b.f, obj, "regex", at, "");
                let flags = json::string_or(self.b.f, obj, "flags", at, "");
                let compiled = Flags::parse(&flags, &source)
                    .map_err(|e| (at.key("flags"), e))
                    .and_then(|flags| JsRegex::new(&source, flags).map_err(|e| (here, e)));
                match compiled {
                    Ok(re) => Condition::Regex(re),
                    Err((at, e)) => {
                        self.b.f.error(FindingKind::Pattern, at, who, e.message);
                        return None;
                    }
                }
            }
            Some("option") => Condition::Option(
                obj.get("option")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
            Some("exact") => Condition::Exact(
                obj.get("exact")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
            Some("result") => match obj.get("result").and_then(Value::as_str) {
                Some("success") => Condition::ApiResult(true),
                Some("failure") => Condition::ApiResult(false),
                _ => {
                    self.b.f.error(
                        FindingKind::Invalid,
                        at.key("result"),
                        who,
                        "\"result\" is \"success\" or \"failure\"",
                    );
                    return None;
                }
            },
            Some(_) => match obj.get("noMatch") {
                Some(Value::String(m)) => Condition::NoMatch(Some(self.template(m))),
                Some(Value::Bool(true)) => Condition::NoMatch(None),
                _ => {
                    self.b.f.error(
                        FindingKind::Invalid,
                        at.key("noMatch"),
                        who,
                        "\"noMatch\" is the message to send, or true",
                    );
                    Condition::NoMatch(None)
                }
            },
        })
    }

    /// The variables and slots a rule sets, with its scope.
    fn assignments(&mut self, obj: &Map<String, Value>, at: &At, who: Option<&str>) -> Vec<Assign> {
        let scope = self.b.scope(
            obj.get("scope").and_then(Value::as_str),
            &at.key("scope"),
            who,
        );
        let mut set = Vec::new();
        for (key, slot) in [("set", false), ("slots", true)] {
            match obj.get(key) {
                None => {}
                Some(Value::Object(vars)) => {
                    for (name, v) in vars {
                        match v.as_str() {
                            Some(t) => set.push(Assign {
                                name: name.clone(),
                                value: self.template(t),
                                scope,
                                slot,
                            }),
                            None => self.b.f.error(
                                FindingKind::Invalid,
                                at.key(key).key(name),
                                who,
                                "a value is a template string",
                            ),
                        }
                    }
                }
                Some(_) => self.b.f.error(
                    FindingKind::Invalid,
                    at.key(key),
                    who,
                    format!("\"{key}\" maps names to templates"),
                ),
            }
        }
        set
    }

    fn when(
        &mut self,
        value: Option<&Value>,
        at: &At,
        who: Option<&str>,
    ) -> (Vec<ContextCondition>, bool) {
        let Some(value) = value else {
            return (vec![], true);
        };
        let Some(obj) = json::object(self.b.f, value, at, who) else {
            return (vec![], true);
        };
        json::known_keys(self.b.f, obj, at, who, &["all", "any"]);
        let (all, list) = match (obj.get("all"), obj.get("any")) {
            (Some(list), None) => (true, list),
            (None, Some(list)) => (false, list),
            _ => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at,
                    who,
                    "\"when\" has exactly one of \"all\" or \"any\"",
                );
                return (vec![], true);
            }
        };
        let mut conditions = Vec::new();
        for (i, c) in list
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
        {
            let list = at.key(if all { "all" } else { "any" });
            let here = list.key(i);
            let Some(o) = json::object(self.b.f, c, &here, who) else {
                continue;
            };
            json::known_keys(
                self.b.f,
                o,
                &here,
                who,
                &["var", "contains", "notContains", "equals", "notEquals"],
            );
            let subject = match o.get("var").and_then(Value::as_str) {
                Some(v) => self.b.condition_subject(v),
                None => {
                    self.b
                        .f
                        .error(FindingKind::Missing, here, who, "a condition needs \"var\"");
                    continue;
                }
            };
            let ops = [
                ("contains", ContextOp::Contains),
                ("notContains", ContextOp::NotContains),
                ("equals", ContextOp::Equals),
                ("notEquals", ContextOp::NotEquals),
            ];
            match ops.iter().find(|(k, _)| o.contains_key(*k)) {
                Some((k, op)) => conditions.push(ContextCondition {
                    subject,
                    op: *op,
                    value: self.template(o[*k].as_str().unwrap_or_default()),
                }),
                None => self.b.f.error(
                    FindingKind::Missing,
                    here,
                    who,
                    "a condition needs contains, notContains, equals or notEquals",
                ),
            }
        }
        (conditions, all)
    }

    pub(super) fn action(
        &mut self,
        value: &Value,
        at: &At,
        who: Option<&str>,
        current: usize,
    ) -> Action {
        let Some(text) = value.as_str() else {
            self.b
                .f
                .error(FindingKind::Invalid, at, who, "an action is a string");
            return Action::Next;
        };
        match text {
            "next" => Action::Next,
            "stop" => Action::Stop,
            "repeat" => Action::Goto(current),
            "closeDialog" => Action::CloseDialog,
            "closeConversation" => Action::CloseConversation,
            _ => {
                if let Some(dialog) = text.strip_prefix("dialog:") {
                    if let Some(d) = self.dialogs.get(dialog.trim()) {
                        return Action::Dialog(*d);
                    }
                    self.b.f.error(
                        FindingKind::Dangling,
                        at,
                        who,
                        format!("no dialog is named {dialog:?}"),
                    );
                } else if let Some(&id) = self.names.get(text) {
                    return Action::Goto(id);
                } else {
                    self.b.f.error(FindingKind::Invalid, at, who, format!("{text:?} is not an action (next, stop, repeat, closeDialog, closeConversation, dialog:NAME) nor a step name"));
                }
                Action::Dangling
            }
        }
    }
}
