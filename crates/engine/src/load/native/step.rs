//! One step of a dialog's flow: its common keys, then its kind (`say`, `image`, `ask`,
//! `call`, `transfer`, `upload`) and what each kind has.

use serde_json::{Map, Value};

use super::super::build::{self, UploadTexts};
use super::super::json;
use super::{Loader, KIND_KEYS, STEP_KEYS, STEP_KINDS};
use crate::error::{At, FindingKind};
use crate::model::{
    Action, Card, Choice, Condition, Interaction, Kind, OptionStyle, Rule, CHIPS_PER_ROW,
};
use crate::upload::UploadSpec;

impl Loader<'_> {
    pub(super) fn step(
        &mut self,
        value: &Value,
        at: &At,
        name: String,
        dialog: usize,
        id: usize,
        next: Option<usize>,
    ) -> Interaction {
        let mut it = Interaction::new(
            name.clone(),
            name,
            dialog,
            Kind::Unsupported("invalid step".into()),
        );
        it.next = next;
        let Some(obj) = json::object(self.b.f, value, at, Some(&it.name)) else {
            return it;
        };
        let who = Some(it.name.clone());
        let who = who.as_deref();
        json::known_keys(self.b.f, obj, at, who, STEP_KEYS);
        it.delay_ms = build::delay(obj.get("delay").and_then(Value::as_u64).unwrap_or(0));
        it.enabled = obj.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        let kinds: Vec<&str> = STEP_KINDS
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        if kinds.len() != 1 {
            self.b.f.error(FindingKind::Invalid,
                at,
                who,
                "a step has exactly one of \"say\", \"image\", \"ask\", \"call\", \"transfer\", \"upload\", \"card\", \"carousel\", \"rich\"",
            );
            return it;
        }
        let mut hook = |key: &'static str| {
            let at = at.key(key);
            Some((self.source(obj.get(key)?, &at, who)?, at))
        };
        let hooks = [hook("pre"), hook("post"), hook("reply")];
        it.code = self.b.hooks(&it.key, who, hooks);
        for (key, owners) in KIND_KEYS {
            if obj.contains_key(key) && !owners.contains(&kinds[0]) {
                let mut owners: Vec<String> = owners.iter().map(|k| format!("{k:?}")).collect();
                let last = owners.pop().unwrap_or_default();
                let owners = match owners.is_empty() {
                    true => last,
                    false => format!("{} and {last}", owners.join(", ")),
                };
                self.b.f.error(
                    FindingKind::Invalid,
                    at.key(key),
                    who,
                    format!("only {owners} steps have {key:?}"),
                );
            }
        }
        let text_of = |key: &str| obj.get(key).and_then(Value::as_str);
        match kinds[0] {
            "call" => {
                let name = text_of("call").unwrap_or_default();
                match self.b.integration(name) {
                    Some(i) => it.kind = Kind::Call(i),
                    None => {
                        self.b.f.error(
                            FindingKind::Dangling,
                            at.key("call"),
                            who,
                            format!("no integration is named {name:?}"),
                        );
                        return it;
                    }
                }
                self.rules_or_then(obj, at, who, id, &mut it.rules);
            }
            "transfer" => {
                it.kind = self.transfer(&obj["transfer"], &at.key("transfer"), who);
                self.rules_or_then(obj, at, who, id, &mut it.rules);
            }
            "upload" => {
                if let Some(spec) = self.upload(&obj["upload"], &at.key("upload"), who) {
                    it.kind = Kind::Upload(spec);
                }
            }
            "card" | "carousel" | "rich" => {
                it.kind = self.rich(obj, kinds[0], &at.key(kinds[0]), who);
                self.rules_or_then(obj, at, who, id, &mut it.rules);
            }
            "say" | "image" => self.statement(obj, kinds[0], at, who, id, &mut it),
            _ => self.question(obj, at, who, id, &mut it),
        }
        it
    }

    /// A `say` or `image` step: its text or URL, and where the flow goes after it.
    fn statement(
        &mut self,
        obj: &Map<String, Value>,
        kind: &str,
        at: &At,
        who: Option<&str>,
        id: usize,
        it: &mut Interaction,
    ) {
        let text_of = |key: &str| obj.get(key).and_then(Value::as_str);
        let Some(text) = text_of(kind) else {
            self.b
                .f
                .error(FindingKind::Invalid, at.key(kind), who, "must be a string");
            return;
        };
        it.kind = if kind == "say" {
            Kind::Text(self.template(text))
        } else {
            Kind::Image {
                url: self.template(text),
                caption: self.template(text_of("caption").unwrap_or_default()),
            }
        };
        let action = match obj.get("then") {
            Some(then) => self.action(then, &at.key("then"), who, id),
            None => Action::Next,
        };
        it.rules.push(Rule::always(action));
    }

    /// An `ask` step: its text, choices, option style and rules (at most one `noMatch`).
    fn question(
        &mut self,
        obj: &Map<String, Value>,
        at: &At,
        who: Option<&str>,
        id: usize,
        it: &mut Interaction,
    ) {
        let text_of = |key: &str| obj.get(key).and_then(Value::as_str);
        let Some(text) = text_of("ask") else {
            self.b
                .f
                .error(FindingKind::Invalid, at.key("ask"), who, "must be a string");
            return;
        };
        if obj.contains_key("then") {
            self.b.f.error(
                FindingKind::Invalid,
                at.key("then"),
                who,
                "a question's rules say where to go: use \"then\" in its rules",
            );
        }
        let choices = self.choices(obj.get("choices"), &at.key("choices"), who);
        let style = match obj.get("optionStyle").and_then(Value::as_str) {
            None => OptionStyle::None,
            Some("numbers") => OptionStyle::Numbers,
            Some("letters") => OptionStyle::Letters,
            Some(other) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at.key("optionStyle"),
                    who,
                    format!("unknown option style {other:?} (numbers, letters)"),
                );
                OptionStyle::None
            }
        };
        // `"chips": true` (or how many to a row): the choices are quick replies.
        let chips = match obj.get("chips") {
            None | Some(Value::Bool(false)) => 0,
            Some(Value::Bool(true)) => CHIPS_PER_ROW,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| (1..=8).contains(&n)) => {
                n.as_u64().unwrap_or(8) as u8
            }
            Some(_) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at.key("chips"),
                    who,
                    "\"chips\" is true, false or how many to a row (1 to 8)",
                );
                0
            }
        };
        it.kind = Kind::Question {
            style,
            text: self.template(text),
            choices,
            chips,
        };
        match obj.get("rules") {
            Some(Value::Array(rules)) => {
                for (r, rule) in rules.iter().enumerate() {
                    if let Some(rule) = self.rule(rule, &at.key("rules").key(r), who, id) {
                        it.rules.push(rule);
                    }
                }
            }
            Some(_) => self.b.f.error(
                FindingKind::Invalid,
                at.key("rules"),
                who,
                "\"rules\" must be a list",
            ),
            None => it.rules.push(Rule::always(Action::Next)),
        }
        let no_match = it
            .rules
            .iter()
            .filter(|r| matches!(r.condition, Condition::NoMatch(_)))
            .count();
        if no_match > 1 {
            self.b.f.error(
                FindingKind::Duplicate,
                at.key("rules"),
                who,
                "a question has at most one \"noMatch\" rule",
            );
        }
    }

    /// A call's or transfer's rules, or its `then` (default `next`).
    fn rules_or_then(
        &mut self,
        obj: &Map<String, Value>,
        at: &At,
        who: Option<&str>,
        id: usize,
        out: &mut Vec<Rule>,
    ) {
        match (obj.get("rules"), obj.get("then")) {
            (Some(_), Some(_)) => self.b.f.error(
                FindingKind::Invalid,
                at.key("then"),
                who,
                "a step has \"rules\" or \"then\", not both",
            ),
            (Some(Value::Array(rules)), None) => {
                for (r, rule) in rules.iter().enumerate() {
                    if let Some(rule) = self.rule(rule, &at.key("rules").key(r), who, id) {
                        out.push(rule);
                    }
                }
            }
            (Some(_), None) => self.b.f.error(
                FindingKind::Invalid,
                at.key("rules"),
                who,
                "\"rules\" must be a list",
            ),
            (None, then) => {
                let action = match then {
                    Some(t) => self.action(t, &at.key("then"), who, id),
                    None => Action::Next,
                };
                out.push(Rule::always(action));
            }
        }
    }

    /// A `card` (`{"title", "subtitle", "image", "buttons"}`), a `carousel` (a list of
    /// them, at most ten shown) or `rich` content (LivePerson's JSON, its strings
    /// templates). With rules it waits for the visitor, like a question.
    fn rich(&mut self, obj: &Map<String, Value>, kind: &str, at: &At, who: Option<&str>) -> Kind {
        let value = &obj[kind];
        // Like a question, it waits for the visitor when it has rules.
        let wait = obj.contains_key("rules");
        let cards = match kind {
            "rich" if value.is_object() => {
                return Kind::Rich {
                    json: self.template(&value.to_string()),
                    wait,
                }
            }
            "rich" => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at,
                    who,
                    "rich content is a JSON object",
                );
                return Kind::Unsupported("invalid rich content".into());
            }
            "card" => self.card(value, at, who).into_iter().collect(),
            _ => match value.as_array() {
                Some(list) => list
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| self.card(c, &at.key(i), who))
                    .collect(),
                None => {
                    self.b.f.error(
                        FindingKind::Invalid,
                        at,
                        who,
                        "a carousel is a list of cards",
                    );
                    return Kind::Unsupported("invalid carousel".into());
                }
            },
        };
        Kind::Cards { cards, wait }
    }

    /// One card: `{"title", "subtitle", "image", "buttons": [choices]}`.
    fn card(&mut self, value: &Value, at: &At, who: Option<&str>) -> Option<Card> {
        let o = json::object(self.b.f, value, at, who)?;
        json::known_keys(
            self.b.f,
            o,
            at,
            who,
            &["title", "subtitle", "image", "buttons"],
        );
        let text =
            |s: &Self, k: &str| s.template(o.get(k).and_then(Value::as_str).unwrap_or_default());
        if !o.contains_key("title") {
            self.b.f.error(
                FindingKind::Missing,
                at.key("title"),
                who,
                "a card needs a \"title\"",
            );
        }
        Some(Card {
            title: text(self, "title"),
            subtitle: text(self, "subtitle"),
            image: text(self, "image"),
            buttons: self.choices(o.get("buttons"), &at.key("buttons"), who),
        })
    }

    /// A transfer: `{"skill": …, "message": …, "context": bool}`.
    fn transfer(&mut self, value: &Value, at: &At, who: Option<&str>) -> Kind {
        let Some(o) = json::object(self.b.f, value, at, who) else {
            return Kind::Unsupported("invalid transfer".into());
        };
        json::known_keys(
            self.b.f,
            o,
            at,
            who,
            &["skill", "agent", "message", "context"],
        );
        let skill = match o.get("skill") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                self.b.f.error(
                    FindingKind::Missing,
                    at.key("skill"),
                    who,
                    "a transfer needs a \"skill\": a skill id or a template",
                );
                String::new()
            }
        };
        let agent = match o.get("agent") {
            None => None,
            Some(Value::String(a)) => Some(a.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at.key("agent"),
                    who,
                    "an agent is an agent id or a template",
                );
                None
            }
        };
        self.b.transfer(
            &skill,
            agent.as_deref(),
            o.get("message").and_then(Value::as_str),
            o.get("context").and_then(Value::as_bool).unwrap_or(false),
        )
    }

    /// A File Upload: `{"text", "accept": [types], "success", "failure", "invalid",
    /// "progress"}`.
    fn upload(&mut self, value: &Value, at: &At, who: Option<&str>) -> Option<UploadSpec> {
        let o = json::object(self.b.f, value, at, who)?;
        json::known_keys(
            self.b.f,
            o,
            at,
            who,
            &[
                "text", "accept", "success", "failure", "invalid", "progress",
            ],
        );
        // A text that is given is a non-empty string; one that is not takes the default.
        let mut text = |key: &str| match o.get(key)? {
            Value::String(t) if !t.trim().is_empty() => Some(t.as_str()),
            _ => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at.key(key),
                    who,
                    "must be a non-empty string",
                );
                None
            }
        };
        let texts = UploadTexts {
            text: text("text").unwrap_or_default(),
            success: text("success"),
            failure: text("failure"),
            progress: text("progress"),
            invalid: o
                .contains_key("invalid")
                .then(|| text("invalid").unwrap_or_default()),
        };
        if !o.contains_key("text") {
            self.b.f.error(
                FindingKind::Missing,
                at.key("text"),
                who,
                "a File Upload needs a \"text\" asking for the file",
            );
        }
        let list = at.key("accept");
        let names = json::strings(self.b.f, o.get("accept"), &list, who);
        Some(
            self.b
                .upload(texts, &names, &list, &|i| list.key(i).to_string(), who),
        )
    }

    fn choices(&mut self, value: Option<&Value>, at: &At, who: Option<&str>) -> Vec<Choice> {
        let Some(value) = value else { return vec![] };
        let Some(list) = value.as_array() else {
            self.b
                .f
                .error(FindingKind::Invalid, at, who, "\"choices\" must be a list");
            return vec![];
        };
        let mut choices = Vec::new();
        for (i, c) in list.iter().enumerate() {
            match c {
                Value::String(s) => choices.push(Choice {
                    title: self.template(s),
                    payload: None,
                    url: None,
                }),
                Value::Object(o) => {
                    let here = at.key(i);
                    json::known_keys(self.b.f, o, &here, who, &["title", "payload", "url"]);
                    let template =
                        |k: &str| o.get(k).and_then(Value::as_str).map(|p| self.template(p));
                    match o.get("title").and_then(Value::as_str) {
                        Some(title) => choices.push(Choice {
                            title: self.template(title),
                            payload: template("payload"),
                            url: template("url"),
                        }),
                        None => self.b.f.error(
                            FindingKind::Missing,
                            here,
                            who,
                            "a choice needs a \"title\"",
                        ),
                    }
                }
                _ => self.b.f.error(
                    FindingKind::Invalid,
                    at.key(i),
                    who,
                    "a choice is a string or {\"title\", \"payload\"}",
                ),
            }
        }
        choices
    }
}
