//! Loads Chatlet's native bot format (JSON; described in `docs/bot-format.md`).
//!
//! The format is strict: an unknown key is an error with its JSON pointer, so typos
//! never go unnoticed. Dialog flows are lists of steps; each step's `next` is the step
//! after it.

use serde_json::Value;

use super::build::Builder;
use super::json;
use super::names::{self, Names};
use crate::check::Strictness;
use crate::error::{parse_json, At, FindingKind, Findings, LoadError};
use crate::jsonpath::JsonPath;
use crate::model::{Bot, Dialog, Integration, Script, Settings};
use crate::pattern::Pattern;
use crate::template::Template;

mod rules;
mod step;

/// Loads a native-format bot from JSON text.
pub fn load(text: &str) -> Result<Bot, LoadError> {
    from_value(&parse_json(text)?)
}

/// Loads a native-format bot from parsed JSON.
pub fn from_value(value: &Value) -> Result<Bot, LoadError> {
    let mut findings = Findings::default();
    let bot = Loader {
        b: Builder::new(&mut findings, Strictness::Strict),
        names: names::names(),
        step_names: Vec::new(),
        dialogs: names::names(),
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
    names: Names,
    /// Each step's name by interaction id, from pass 1 (pass 2 takes them).
    step_names: Vec<String>,
    /// Dialog name → dialog id.
    dialogs: Names,
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
    "caption",
    "ask",
    "name",
    "delay",
    "then",
    "choices",
    "optionStyle",
    "chips",
    "rules",
    "enabled",
    "call",
    "transfer",
    "upload",
    "card",
    "carousel",
    "rich",
    "pre",
    "post",
    "reply",
];
/// What a step does: exactly one of these keys.
const STEP_KINDS: [&str; 9] = [
    "say", "image", "ask", "call", "transfer", "upload", "card", "carousel", "rich",
];
/// Step keys that only some kinds of step have.
const KIND_KEYS: [(&str, &[&str]); 7] = [
    ("choices", &["ask"]),
    ("caption", &["image"]),
    ("chips", &["ask"]),
    ("optionStyle", &["ask"]),
    ("reply", &["ask"]),
    ("rules", &["ask", "call", "card", "carousel", "rich"]),
    // Questions get their own message (their rules say where to go).
    (
        "then",
        &[
            "say", "image", "ask", "call", "transfer", "card", "carousel", "rich",
        ],
    ),
];
const RULE_KEYS: &[&str] = &[
    "pattern", "regex", "flags", "exact", "option", "noMatch", "result", "exclude", "when", "set",
    "slots", "scope", "then",
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
            starters: Default::default(),
        };
        let Some(obj) = json::object(self.b.f, value, &At::ROOT, None) else {
            return bot;
        };
        json::known_keys(self.b.f, obj, &At::ROOT, None, BOT_KEYS);
        bot.id = json::string_or(self.b.f, obj, "id", &At::ROOT, "chatlet-bot");
        bot.name = json::string_or(self.b.f, obj, "name", &At::ROOT, "Chatlet bot");
        if let Some(settings) = obj.get("settings") {
            bot.settings = self.settings(settings);
        }
        bot.globals = self.script(obj.get("code"), &At::raw("/code"), None, "globals".into());
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
        // Each step's place: (dialog, step), written out only for a finding.
        let mut where_: Vec<(usize, usize)> = Vec::new();
        for (d, dialog) in dialogs.iter().enumerate() {
            self.dialog(d, dialog, &mut bot, &mut where_);
        }
        self.b.finish(
            &mut bot,
            &|id| {
                let (d, s) = where_[id];
                format!("/dialogs/{d}/flow/{s}")
            },
            "rules",
            &[value],
        );
        bot
    }

    /// Pass 1: the names of dialogs and steps, so that actions can refer forward.
    fn names(&mut self, dialogs: &[Value]) {
        let mut next_id = 0;
        for (d, dialog) in dialogs.iter().enumerate() {
            let at = At::new("/dialogs", d);
            let name = dialog
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if name.is_empty() {
                self.b.f.error(
                    FindingKind::Missing,
                    at.key("name"),
                    None,
                    "a dialog needs a \"name\"",
                );
            } else if self.dialogs.insert(name.clone(), d).is_some() {
                self.b.f.error(
                    FindingKind::Duplicate,
                    at.key("name"),
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
                        at.key("flow").key(s),
                        Some(&step_name),
                        "two steps have this name",
                    );
                }
                self.step_names.push(step_name);
                next_id += 1;
            }
        }
    }

    /// Pass 2: dialog `d` and its steps, added to `bot`; `where_` gets each step's place.
    fn dialog(
        &mut self,
        d: usize,
        dialog: &Value,
        bot: &mut Bot,
        where_: &mut Vec<(usize, usize)>,
    ) {
        let at = At::new("/dialogs", d);
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
            &at.key("patterns"),
            Some(&name),
        );
        let patterns = patterns
            .iter()
            .enumerate()
            .filter_map(|(i, p)| self.pattern(p, &at.key("patterns").key(i), &name))
            .collect();
        let exclude = json::strings(
            self.b.f,
            obj.get("exclude"),
            &at.key("exclude"),
            Some(&name),
        )
        .into_iter()
        .map(str::to_string)
        .collect();
        if obj.get("fallback").and_then(Value::as_bool) == Some(true) {
            if bot.fallback.is_some() {
                self.b.f.error(
                    FindingKind::Duplicate,
                    at.key("fallback"),
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
                    at.key("flow"),
                    Some(&name),
                    "\"flow\" must be a list of steps",
                );
                &[]
            }
            None => &[],
        };
        let first = bot.interactions.len();
        for (s, step) in steps.iter().enumerate() {
            let list = at.key("flow");
            let step_at = list.key(s);
            let id = bot.interactions.len();
            let next = (s + 1 < steps.len()).then_some(id + 1);
            let step_name = match self.step_names.get_mut(id) {
                Some(taken) => std::mem::take(taken),
                None => step_name(&name, s, step),
            };
            let interaction = self.step(step, &step_at, step_name, d, id, next);
            bot.interactions.push(interaction);
        }
        where_.extend((0..steps.len()).map(|s| (d, s)));
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
        at: &At,
        who: Option<&str>,
        key: String,
    ) -> Option<Script> {
        let source = self.source(value?, at, who)?;
        self.b.code(&source, at, who, key)
    }

    /// The text of a block of JavaScript: a string, or a list of lines.
    fn source(&mut self, value: &Value, at: &At, who: Option<&str>) -> Option<String> {
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
        let Some(obj) = json::object(self.b.f, value, &At::raw("/integrations"), None) else {
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
        let at = At::new("/integrations", name);
        let who = Some(name);
        let o = json::object(self.b.f, spec, &at, who)?;
        json::known_keys(self.b.f, o, &at, who, INTEGRATION_KEYS);
        let method = json::string_or(self.b.f, o, "method", &at, "GET").to_ascii_uppercase();
        const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        if !METHODS.contains(&method.as_str()) {
            self.b.f.error(
                FindingKind::Invalid,
                at.key("method"),
                who,
                format!("unknown HTTP method {method:?} ({})", METHODS.join(", ")),
            );
        }
        let url = match o.get("url").and_then(Value::as_str) {
            Some(u) if !u.trim().is_empty() => self.template(u),
            _ => {
                self.b.f.error(
                    FindingKind::Missing,
                    at.key("url"),
                    who,
                    "an integration needs a \"url\"",
                );
                self.template("")
            }
        };
        let query = self.pairs(o.get("query"), &at.key("query"), who);
        let headers = self.pairs(o.get("headers"), &at.key("headers"), who);
        let body_is_json = o.get("body").is_some_and(|v| v.is_object() || v.is_array());
        let body = match o.get("body") {
            None => None,
            Some(Value::String(b)) => Some(self.template(b)),
            // A JSON value is the body as written; its strings are templates.
            Some(v) if body_is_json => Some(self.template(&v.to_string())),
            Some(_) => {
                self.b.f.error(
                    FindingKind::Invalid,
                    at.key("body"),
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
                    at.key("type"),
                    who,
                    format!("unknown integration type {t} (\"api\", \"file\")"),
                );
                false
            }
        };
        if file && body.is_some() {
            self.b.f.error(
                FindingKind::Invalid,
                at.key("body"),
                who,
                "a File integration sends the visitor's file as its body; it has no \"body\"",
            );
        }
        let transform = self.script(
            o.get("transform"),
            &at.key("transform"),
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
        at: &At,
        who: Option<&str>,
    ) -> Vec<(String, JsonPath)> {
        let mut fields = Vec::new();
        if let Some(f) = value {
            let here = at.key("fields");
            if let Some(map) = json::object(self.b.f, f, &here, who) {
                for (key, path) in map {
                    let at = here.key(key);
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
        at: &At,
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
                    at.key(key),
                    who,
                    "a value is a template string",
                ),
            }
        }
        out
    }

    fn settings(&mut self, value: &Value) -> Settings {
        let mut settings = Settings::default();
        let Some(obj) = json::object(self.b.f, value, &At::raw("/settings"), None) else {
            return settings;
        };
        json::known_keys(
            self.b.f,
            obj,
            &At::raw("/settings"),
            None,
            &[
                "debug",
                "defaultErrorMessage",
                "maxSteps",
                "apiTimeoutMs",
                "sessionLength",
                "greeting",
                "avatar",
            ],
        );
        if let Some(n) = obj.get("apiTimeoutMs").and_then(Value::as_u64) {
            let (least, most) = crate::model::API_TIMEOUT_MS;
            settings.api_timeout_ms = n.clamp(u64::from(least), u64::from(most)) as u32;
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
        settings.greeting = obj
            .get("greeting")
            .and_then(Value::as_str)
            .filter(|g| !g.trim().is_empty())
            .map(str::to_string);
        if let Some(n) = obj.get("maxSteps").and_then(Value::as_u64) {
            settings.max_steps = n.clamp(1, u64::from(crate::model::MAX_STEPS)) as u32;
        }
        settings.avatar = obj
            .get("avatar")
            .and_then(Value::as_str)
            .filter(|a| !a.trim().is_empty())
            .map(str::to_string);
        settings
    }

    fn pattern(&mut self, source: &str, at: &At, who: &str) -> Option<Pattern> {
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
mod tests;
