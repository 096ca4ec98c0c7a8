//! Loads Chatlet's native bot format (JSON; described in `docs/bot-format.md`).
//!
//! The format is strict: an unknown key is an error with its JSON pointer, so typos
//! never go unnoticed. Dialog flows are lists of steps; each step's `next` is the step
//! after it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::build::{self, Builder, UploadTexts};
use super::json;
use crate::check::Strictness;
use crate::error::{parse_json, pointer, FindingKind, Findings, LoadError};
use crate::jsonpath::JsonPath;
use crate::model::{
    Action, Assign, Bot, Choice, Condition, ContextCondition, ContextOp, Dialog, Integration,
    Interaction, Kind, OptionStyle, Rule, Script, Settings,
};
use crate::pattern::Pattern;
use crate::regex_dialect::JsRegex;
use crate::template::Template;
use crate::upload::UploadSpec;

/// Loads a native-format bot from JSON text.
pub fn load(text: &str) -> Result<Bot, LoadError> {
    from_value(&parse_json(text)?)
}

/// Loads a native-format bot from parsed JSON.
pub fn from_value(value: &Value) -> Result<Bot, LoadError> {
    let mut findings = Findings::default();
    let bot = Loader {
        b: Builder::new(&mut findings, Strictness::Strict),
        names: HashMap::new(),
        dialogs: HashMap::new(),
    }
    .bot(value);
    let list = findings.finish()?;
    Ok(Bot {
        findings: list,
        ..bot
    })
}

struct Loader<'a> {
    b: Builder<'a>,
    /// Step name → interaction id.
    names: HashMap<String, usize>,
    /// Dialog name → dialog id.
    dialogs: HashMap<String, usize>,
}

const BOT_KEYS: &[&str] = &[
    "chatlet",
    "id",
    "name",
    "settings",
    "code",
    "integrations",
    "dialogs",
];
const INTEGRATION_KEYS: &[&str] = &[
    "type",
    "method",
    "url",
    "query",
    "headers",
    "body",
    "variable",
    "transform",
    "fields",
];
const DIALOG_KEYS: &[&str] = &["name", "patterns", "exclude", "fallback", "enabled", "flow"];
const STEP_KEYS: &[&str] = &[
    "say",
    "image",
    "ask",
    "name",
    "delay",
    "then",
    "choices",
    "optionStyle",
    "rules",
    "enabled",
    "call",
    "transfer",
    "upload",
    "pre",
    "post",
    "reply",
];
/// What a step does: exactly one of these keys.
const STEP_KINDS: [&str; 6] = ["say", "image", "ask", "call", "transfer", "upload"];
/// Step keys that only some kinds of step have.
const KIND_KEYS: [(&str, &[&str]); 5] = [
    ("choices", &["ask"]),
    ("optionStyle", &["ask"]),
    ("reply", &["ask"]),
    ("rules", &["ask", "call"]),
    // Questions get their own message (their rules say where to go).
    ("then", &["say", "image", "ask", "call", "transfer"]),
];
const RULE_KEYS: &[&str] = &[
    "pattern", "regex", "exact", "option", "noMatch", "result", "exclude", "when", "set", "slots",
    "scope", "then",
];

impl<'a> Loader<'a> {
    fn bot(&mut self, value: &'a Value) -> Bot {
        let mut bot = Bot {
            id: String::new(),
            name: String::new(),
            dialogs: vec![],
            interactions: vec![],
            fallback: None,
            integrations: vec![],
            globals: None,
            intents: vec![],
            settings: Settings::default(),
            findings: vec![],
            fingerprint: String::new(),
        };
        let Some(obj) = json::object(self.b.f, value, "", None) else {
            return bot;
        };
        json::known_keys(self.b.f, obj, "", None, BOT_KEYS);
        bot.id = json::string_or(self.b.f, obj, "id", "", "chatlet-bot");
        bot.name = json::string_or(self.b.f, obj, "name", "", "Chatlet bot");
        if let Some(settings) = obj.get("settings") {
            bot.settings = self.settings(settings);
        }
        bot.globals = self.script(obj.get("code"), "/code", None, "globals".into());
        bot.integrations = self.integrations(obj.get("integrations"));
        let Some(dialogs) = obj.get("dialogs").and_then(Value::as_array) else {
            self.b.f.error(
                FindingKind::Missing,
                "/dialogs",
                None,
                "a bot needs a \"dialogs\" list",
            );
            return bot;
        };

        self.names(dialogs);
        let mut where_: Vec<String> = Vec::new();
        for (d, dialog) in dialogs.iter().enumerate() {
            self.dialog(d, dialog, &mut bot, &mut where_);
        }
        self.b
            .finish(&bot, &|id| where_[id].clone(), "rules", &[value]);
        bot
    }

    /// Pass 1: the names of dialogs and steps, so that actions can refer forward.
    fn names(&mut self, dialogs: &[Value]) {
        let mut next_id = 0;
        for (d, dialog) in dialogs.iter().enumerate() {
            let at = pointer("/dialogs", d);
            let name = dialog
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if name.is_empty() {
                self.b.f.error(
                    FindingKind::Missing,
                    &pointer(&at, "name"),
                    None,
                    "a dialog needs a \"name\"",
                );
            } else if self.dialogs.insert(name.clone(), d).is_some() {
                self.b.f.error(
                    FindingKind::Duplicate,
                    &pointer(&at, "name"),
                    Some(&name),
                    "two dialogs have this name",
                );
            }
            let steps = dialog
                .get("flow")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for (s, step) in steps.iter().enumerate() {
                let step_name = step_name(&name, s, step);
                if self.names.insert(step_name.clone(), next_id).is_some() {
                    self.b.f.error(
                        FindingKind::Duplicate,
                        &pointer(&pointer(&at, "flow"), s),
                        Some(&step_name),
                        "two steps have this name",
                    );
                }
                next_id += 1;
            }
        }
    }

    /// Pass 2: dialog `d` and its steps, added to `bot`; `where_` gets each step's pointer.
    fn dialog(&mut self, d: usize, dialog: &Value, bot: &mut Bot, where_: &mut Vec<String>) {
        let at = pointer("/dialogs", d);
        let Some(obj) = json::object(self.b.f, dialog, &at, None) else {
            return;
        };
        json::known_keys(self.b.f, obj, &at, None, DIALOG_KEYS);
        let name = obj
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let patterns = json::strings(
            self.b.f,
            obj.get("patterns"),
            &pointer(&at, "patterns"),
            Some(&name),
        );
        let patterns = patterns
            .iter()
            .enumerate()
            .filter_map(|(i, p)| self.pattern(p, &pointer(&pointer(&at, "patterns"), i), &name))
            .collect();
        let exclude = json::strings(
            self.b.f,
            obj.get("exclude"),
            &pointer(&at, "exclude"),
            Some(&name),
        );
        if obj.get("fallback").and_then(Value::as_bool) == Some(true) {
            if bot.fallback.is_some() {
                self.b.f.error(
                    FindingKind::Duplicate,
                    &pointer(&at, "fallback"),
                    Some(&name),
                    "a bot has at most one fallback dialog",
                );
            }
            bot.fallback = Some(d);
        }
        let enabled = obj.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        let steps = match obj.get("flow") {
            Some(Value::Array(steps)) => steps.as_slice(),
            Some(_) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(&at, "flow"),
                    Some(&name),
                    "\"flow\" must be a list of steps",
                );
                &[]
            }
            None => &[],
        };
        let first = bot.interactions.len();
        for (s, step) in steps.iter().enumerate() {
            let step_at = pointer(&pointer(&at, "flow"), s);
            let id = bot.interactions.len();
            let next = (s + 1 < steps.len()).then_some(id + 1);
            let interaction = self.step(step, &step_at, step_name(&name, s, step), d, id, next);
            bot.interactions.push(interaction);
        }
        where_.extend((0..steps.len()).map(|s| pointer(&pointer(&at, "flow"), s)));
        let head = (!steps.is_empty()).then_some(first);
        bot.dialogs.push(Dialog {
            name,
            enabled,
            patterns,
            exclude,
            head,
        });
    }

    /// Parses a template; `{Name.field}` refers to the bot's integrations.
    fn template(&self, source: &str) -> Template {
        self.b.template(source)
    }

    /// A block of JavaScript (a string, or a list of lines), scanned for `botContext`
    /// functions Chatlet lacks.
    fn script(
        &mut self,
        value: Option<&Value>,
        at: &str,
        who: Option<&str>,
        key: String,
    ) -> Option<Script> {
        let source = self.source(value?, at, who)?;
        self.b.code(&source, at, who, key)
    }

    /// The text of a block of JavaScript: a string, or a list of lines.
    fn source(&mut self, value: &Value, at: &str, who: Option<&str>) -> Option<String> {
        Some(match value {
            Value::String(s) => s.clone(),
            Value::Array(lines) if lines.iter().all(Value::is_string) => lines
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            _ => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at,
                    who,
                    "code is a string or a list of lines",
                );
                return None;
            }
        })
    }

    /// The `integrations` object: name → HTTP API.
    fn integrations(&mut self, value: Option<&'a Value>) -> Vec<Integration> {
        let Some(value) = value else { return vec![] };
        let Some(obj) = json::object(self.b.f, value, "/integrations", None) else {
            return vec![];
        };
        self.b
            .set_integrations(obj.keys().map(String::as_str).collect());
        let mut out = Vec::new();
        let mut names = Vec::new();
        for (name, spec) in obj {
            if let Some(integration) = self.integration(name, spec) {
                out.push(integration);
                names.push(name.as_str());
            }
        }
        // A malformed entry is reported above and left out: calls that name it are
        // "unknown integration" errors, never an index into the wrong one.
        self.b.set_integrations(names);
        out
    }

    /// One integration: its request, its result variable and custom data fields.
    fn integration(&mut self, name: &str, spec: &Value) -> Option<Integration> {
        let at = pointer("/integrations", name);
        let who = Some(name);
        let o = json::object(self.b.f, spec, &at, who)?;
        json::known_keys(self.b.f, o, &at, who, INTEGRATION_KEYS);
        let method = json::string_or(self.b.f, o, "method", &at, "GET").to_ascii_uppercase();
        const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        if !METHODS.contains(&method.as_str()) {
            self.b.f.error(
                FindingKind::Invalid,
                &pointer(&at, "method"),
                who,
                format!("unknown HTTP method {method:?} ({})", METHODS.join(", ")),
            );
        }
        let url = match o.get("url").and_then(Value::as_str) {
            Some(u) if !u.trim().is_empty() => self.template(u),
            _ => {
                self.b.f.error(
                    FindingKind::Missing,
                    &pointer(&at, "url"),
                    who,
                    "an integration needs a \"url\"",
                );
                self.template("")
            }
        };
        let query = self.pairs(o.get("query"), &pointer(&at, "query"), who);
        let headers = self.pairs(o.get("headers"), &pointer(&at, "headers"), who);
        let body_is_json = o.get("body").is_some_and(|v| v.is_object() || v.is_array());
        let body = match o.get("body") {
            None => None,
            Some(Value::String(b)) => Some(self.template(b)),
            // A JSON value is the body as written; its strings are templates.
            Some(v) if body_is_json => Some(self.template(&v.to_string())),
            Some(_) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(&at, "body"),
                    who,
                    "a body is a template string or a JSON object",
                );
                None
            }
        };
        let rdv = json::string_or(self.b.f, o, "variable", &at, name);
        let file = match o.get("type").map(|t| (t, t.as_str())) {
            None | Some((_, Some("api"))) => false,
            Some((_, Some("file"))) => true,
            Some((t, _)) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(&at, "type"),
                    who,
                    format!("unknown integration type {t} (\"api\", \"file\")"),
                );
                false
            }
        };
        if file && body.is_some() {
            self.b.f.error(
                FindingKind::Invalid,
                &pointer(&at, "body"),
                who,
                "a File integration sends the visitor's file as its body; it has no \"body\"",
            );
        }
        let transform = self.script(
            o.get("transform"),
            &pointer(&at, "transform"),
            who,
            format!("{name}/transform"),
        );
        let fields = self.fields(o.get("fields"), &at, who);
        let mut headers = headers;
        if body_is_json
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), self.template("application/json")));
        }
        Some(Integration {
            name: name.to_string(),
            rdv,
            method,
            url,
            query,
            headers,
            body,
            transform,
            fields,
            file,
        })
    }

    /// Custom data fields: name → JSON path.
    fn fields(
        &mut self,
        value: Option<&Value>,
        at: &str,
        who: Option<&str>,
    ) -> Vec<(String, JsonPath)> {
        let mut fields = Vec::new();
        if let Some(f) = value {
            let here = pointer(at, "fields");
            if let Some(map) = json::object(self.b.f, f, &here, who) {
                for (key, path) in map {
                    let at = pointer(&here, key);
                    fields.extend(self.b.field(key, path.as_str(), &at, who));
                }
            }
        }
        fields
    }

    /// An object of name → template string (query parameters, headers), in key order.
    fn pairs(
        &mut self,
        value: Option<&Value>,
        at: &str,
        who: Option<&str>,
    ) -> Vec<(String, Template)> {
        let Some(value) = value else { return vec![] };
        let Some(obj) = json::object(self.b.f, value, at, who) else {
            return vec![];
        };
        let mut out = Vec::new();
        for (key, v) in obj {
            match v.as_str() {
                Some(t) => out.push((key.clone(), self.template(t))),
                None => self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(at, key),
                    who,
                    "a value is a template string",
                ),
            }
        }
        out
    }

    fn settings(&mut self, value: &Value) -> Settings {
        let mut settings = Settings::default();
        let Some(obj) = json::object(self.b.f, value, "/settings", None) else {
            return settings;
        };
        json::known_keys(
            self.b.f,
            obj,
            "/settings",
            None,
            &[
                "debug",
                "defaultErrorMessage",
                "maxSteps",
                "apiTimeoutMs",
                "sessionLength",
            ],
        );
        if let Some(n) = obj.get("apiTimeoutMs").and_then(Value::as_u64) {
            settings.api_timeout_ms = n.clamp(100, 120_000) as u32;
        }
        if let Some(b) = obj.get("debug").and_then(Value::as_bool) {
            settings.debug_commands = b;
        }
        settings.default_error_message = obj
            .get("defaultErrorMessage")
            .and_then(Value::as_str)
            .map(str::to_string);
        settings.session_length_s = obj
            .get("sessionLength")
            .and_then(Value::as_u64)
            .filter(|s| *s > 0)
            .map(|s| s.min(u64::from(u32::MAX)) as u32);
        if let Some(n) = obj.get("maxSteps").and_then(Value::as_u64) {
            settings.max_steps = n.clamp(1, 10_000) as u32;
        }
        settings
    }

    fn step(
        &mut self,
        value: &Value,
        at: &str,
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
                "a step has exactly one of \"say\", \"image\", \"ask\", \"call\", \"transfer\", \"upload\"",
            );
            return it;
        }
        let mut hook = |key: &str| {
            let at = pointer(at, key);
            Some((self.source(obj.get(key)?, &at, who)?, at))
        };
        let hooks = [hook("pre"), hook("post"), hook("reply")];
        it.code = self.b.hooks(&it.key, who, hooks);
        for (key, owners) in KIND_KEYS {
            if obj.contains_key(key) && !owners.contains(&kinds[0]) {
                let owners: Vec<String> = owners.iter().map(|k| format!("{k:?}")).collect();
                self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(at, key),
                    who,
                    format!("only {} steps have {key:?}", owners.join(" and ")),
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
                            &pointer(at, "call"),
                            who,
                            format!("no integration is named {name:?}"),
                        );
                        return it;
                    }
                }
                self.rules_or_then(obj, at, who, id, &mut it.rules);
            }
            "transfer" => {
                it.kind = self.transfer(&obj["transfer"], &pointer(at, "transfer"), who);
                self.rules_or_then(obj, at, who, id, &mut it.rules);
            }
            "upload" => {
                if let Some(spec) = self.upload(&obj["upload"], &pointer(at, "upload"), who) {
                    it.kind = Kind::Upload(spec);
                }
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
        at: &str,
        who: Option<&str>,
        id: usize,
        it: &mut Interaction,
    ) {
        let text_of = |key: &str| obj.get(key).and_then(Value::as_str);
        let Some(text) = text_of(kind) else {
            self.b.f.error(
                FindingKind::Invalid,
                &pointer(at, kind),
                who,
                "must be a string",
            );
            return;
        };
        it.kind = if kind == "say" {
            Kind::Text(self.template(text))
        } else {
            Kind::Image {
                url: self.template(text),
            }
        };
        let action = match obj.get("then") {
            Some(then) => self.action(then, &pointer(at, "then"), who, id),
            None => Action::Next,
        };
        it.rules.push(Rule::always(action));
    }

    /// An `ask` step: its text, choices, option style and rules (at most one `noMatch`).
    fn question(
        &mut self,
        obj: &Map<String, Value>,
        at: &str,
        who: Option<&str>,
        id: usize,
        it: &mut Interaction,
    ) {
        let text_of = |key: &str| obj.get(key).and_then(Value::as_str);
        let Some(text) = text_of("ask") else {
            self.b.f.error(
                FindingKind::Invalid,
                &pointer(at, "ask"),
                who,
                "must be a string",
            );
            return;
        };
        if obj.contains_key("then") {
            self.b.f.error(
                FindingKind::Invalid,
                &pointer(at, "then"),
                who,
                "a question's rules say where to go: use \"then\" in its rules",
            );
        }
        let choices = self.choices(obj.get("choices"), &pointer(at, "choices"), who);
        let style = match obj.get("optionStyle").and_then(Value::as_str) {
            None => OptionStyle::None,
            Some("numbers") => OptionStyle::Numbers,
            Some("letters") => OptionStyle::Letters,
            Some(other) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(at, "optionStyle"),
                    who,
                    format!("unknown option style {other:?} (numbers, letters)"),
                );
                OptionStyle::None
            }
        };
        it.kind = Kind::Question {
            style,
            text: self.template(text),
            choices,
        };
        match obj.get("rules") {
            Some(Value::Array(rules)) => {
                for (r, rule) in rules.iter().enumerate() {
                    if let Some(rule) = self.rule(rule, &pointer(&pointer(at, "rules"), r), who, id)
                    {
                        it.rules.push(rule);
                    }
                }
            }
            Some(_) => self.b.f.error(
                FindingKind::Invalid,
                &pointer(at, "rules"),
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
                &pointer(at, "rules"),
                who,
                "a question has at most one \"noMatch\" rule",
            );
        }
    }

    /// A call's or transfer's rules, or its `then` (default `next`).
    fn rules_or_then(
        &mut self,
        obj: &Map<String, Value>,
        at: &str,
        who: Option<&str>,
        id: usize,
        out: &mut Vec<Rule>,
    ) {
        match (obj.get("rules"), obj.get("then")) {
            (Some(_), Some(_)) => self.b.f.error(
                FindingKind::Invalid,
                &pointer(at, "then"),
                who,
                "a step has \"rules\" or \"then\", not both",
            ),
            (Some(Value::Array(rules)), None) => {
                for (r, rule) in rules.iter().enumerate() {
                    if let Some(rule) = self.rule(rule, &pointer(&pointer(at, "rules"), r), who, id)
                    {
                        out.push(rule);
                    }
                }
            }
            (Some(_), None) => self.b.f.error(
                FindingKind::Invalid,
                &pointer(at, "rules"),
                who,
                "\"rules\" must be a list",
            ),
            (None, then) => {
                let action = match then {
                    Some(t) => self.action(t, &pointer(at, "then"), who, id),
                    None => Action::Next,
                };
                out.push(Rule::always(action));
            }
        }
    }

    /// A transfer: `{"skill": …, "message": …, "context": bool}`.
    fn transfer(&mut self, value: &Value, at: &str, who: Option<&str>) -> Kind {
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
                    &pointer(at, "skill"),
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
                    &pointer(at, "agent"),
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
    fn upload(&mut self, value: &Value, at: &str, who: Option<&str>) -> Option<UploadSpec> {
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
                    &pointer(at, key),
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
                &pointer(at, "text"),
                who,
                "a File Upload needs a \"text\" asking for the file",
            );
        }
        let list = pointer(at, "accept");
        let names = json::strings(self.b.f, o.get("accept"), &list, who);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Some(
            self.b
                .upload(texts, &names, &list, &|i| pointer(&list, i), who),
        )
    }

    fn choices(&mut self, value: Option<&Value>, at: &str, who: Option<&str>) -> Vec<Choice> {
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
                    let here = pointer(at, i);
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
                            &here,
                            who,
                            "a choice needs a \"title\"",
                        ),
                    }
                }
                _ => self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(at, i),
                    who,
                    "a choice is a string or {\"title\", \"payload\"}",
                ),
            }
        }
        choices
    }

    fn rule(&mut self, value: &Value, at: &str, who: Option<&str>, current: usize) -> Option<Rule> {
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
        let condition = self.test(obj, at, who, tests.first().copied())?;
        let set = self.assignments(obj, at, who);
        let (context, context_all) = self.when(obj.get("when"), &pointer(at, "when"), who);
        let action = match obj.get("then") {
            Some(then) => self.action(then, &pointer(at, "then"), who, current),
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
        at: &str,
        who: Option<&str>,
        test: Option<&str>,
    ) -> Option<Condition> {
        let exclude = json::strings(self.b.f, obj.get("exclude"), &pointer(at, "exclude"), who);
        Some(match test {
            None => Condition::Always,
            Some("pattern") => {
                let here = pointer(at, "pattern");
                let sources = json::strings(self.b.f, obj.get("pattern"), &here, who);
                let patterns = sources
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        self.pattern(p, &pointer(&here, i), who.unwrap_or_default())
                    })
                    .collect();
                Condition::Pattern { patterns, exclude }
            }
            Some("regex") => {
                let here = pointer(at, "regex");
                let source = obj.get("regex").and_then(Value::as_str).unwrap_or_default();
                match JsRegex::compile(source) {
                    Ok(re) => Condition::Regex(re),
                    Err(e) => {
                        self.b.f.error(FindingKind::Pattern, &here, who, e.message);
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
                        &pointer(at, "result"),
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
                        &pointer(at, "noMatch"),
                        who,
                        "\"noMatch\" is the message to send, or true",
                    );
                    Condition::NoMatch(None)
                }
            },
        })
    }

    /// The variables and slots a rule sets, with its scope.
    fn assignments(
        &mut self,
        obj: &Map<String, Value>,
        at: &str,
        who: Option<&str>,
    ) -> Vec<Assign> {
        let scope = self.b.scope(
            obj.get("scope").and_then(Value::as_str),
            &pointer(at, "scope"),
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
                                &pointer(&pointer(at, key), name),
                                who,
                                "a value is a template string",
                            ),
                        }
                    }
                }
                Some(_) => self.b.f.error(
                    FindingKind::Invalid,
                    &pointer(at, key),
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
        at: &str,
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
            let here = pointer(&pointer(at, if all { "all" } else { "any" }), i);
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
                    self.b.f.error(
                        FindingKind::Missing,
                        &here,
                        who,
                        "a condition needs \"var\"",
                    );
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
                    &here,
                    who,
                    "a condition needs contains, notContains, equals or notEquals",
                ),
            }
        }
        (conditions, all)
    }

    fn action(&mut self, value: &Value, at: &str, who: Option<&str>, current: usize) -> Action {
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

    fn pattern(&mut self, source: &str, at: &str, who: &str) -> Option<Pattern> {
        Pattern::parse(source)
            .map_err(|e| {
                self.b.f.error(
                    FindingKind::Pattern,
                    at,
                    Some(who).filter(|w| !w.is_empty()),
                    e.message,
                )
            })
            .ok()
    }
}

/// A step's name: its `name` key, or "DIALOG N" (1-based).
fn step_name(dialog: &str, index: usize, step: &Value) -> String {
    step.get("name")
        .and_then(Value::as_str)
        .map_or_else(|| format!("{dialog} {}", index + 1), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_belong_to_their_kind_of_step() {
        let bot = r#"{"integrations": {"A": {"url": "https://a.example"}}, "dialogs": [{"name": "D", "flow": [
            {"say": "hi", "choices": ["x"], "rules": []},
            {"call": "A", "rules": [{"result": "success"}], "reply": "x();"},
            {"transfer": {"skill": 1}, "optionStyle": "numbers"},
            {"call": "B"}]}]}"#;
        let errors: Vec<String> = load(bot)
            .unwrap_err()
            .findings
            .iter()
            .map(|f| format!("{} {}", f.pointer, f.message))
            .collect();
        assert_eq!(
            errors,
            [
                "/dialogs/0/flow/0/choices only \"ask\" steps have \"choices\"",
                "/dialogs/0/flow/0/rules only \"ask\" and \"call\" steps have \"rules\"",
                "/dialogs/0/flow/1/reply only \"ask\" steps have \"reply\"",
                "/dialogs/0/flow/2/optionStyle only \"ask\" steps have \"optionStyle\"",
                "/dialogs/0/flow/3/call no integration is named \"B\"",
            ]
        );
    }
}
