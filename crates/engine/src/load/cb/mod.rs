//! Loads Conversation Builder bot exports, unchanged, into the engine's model
//! (`shared/spec/cb-export-format.md` describes the format).
//!
//! The loader is tolerant the way real exports need: dangling references are warnings
//! (and behave as "no target" at run time), unknown interaction, match, dialog and scope
//! kinds are reported as unsupported and passed over. Only a file that is not an export
//! at all, or a structure that cannot be read, is an error.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::build::Builder;
use super::json::{list_of, str_of};
use super::names::{self, Names};
#[cfg(feature = "checks")]
use crate::botcontext::trigger_names;
use crate::check::Strictness;
use crate::error::{parse_json, At, FindingKind, Findings, LoadError};
use crate::model::{Bot, Dialog, Integration, Interaction, Kind, Script, Settings};
use crate::pattern::Pattern;
use crate::template::Template;

mod interaction;
mod rules;

/// Loads a Conversation Builder export from JSON text.
pub fn load(text: &str) -> Result<Bot, LoadError> {
    from_value(&parse_json(text)?)
}

/// Loads a Conversation Builder export from parsed JSON.
pub fn from_value(value: &Value) -> Result<Bot, LoadError> {
    let mut findings = Findings::default();
    let bot = Importer::new(&mut findings, value).map(|mut i| i.bot());
    let list = findings.finish()?;
    let bot = bot.expect("no errors means the importer ran");
    Ok(Bot {
        findings: list,
        ..bot
    })
}

struct Importer<'a> {
    b: Builder<'a>,
    root: &'a Map<String, Value>,
    messages: &'a [Value],
    groups: &'a [Value],
    /// Interaction id → index.
    ids: Names,
    /// Group id → dialog index.
    dialogs: Names,
}

impl<'a> Importer<'a> {
    fn new(f: &'a mut Findings, value: &'a Value) -> Option<Importer<'a>> {
        let Some(root) = value.as_object() else {
            f.error(
                FindingKind::File,
                "",
                None,
                "a Conversation Builder export is a JSON object",
            );
            return None;
        };
        let messages = match root.get("conversationMessage") {
            Some(Value::Array(list)) => list.as_slice(),
            _ => {
                f.error(
                    FindingKind::Invalid,
                    "/conversationMessage",
                    None,
                    "must be a list of interactions",
                );
                return None;
            }
        };
        let groups = match root.get("groups") {
            Some(Value::Array(list)) => list.as_slice(),
            None => &[],
            Some(_) => {
                f.error(
                    FindingKind::Invalid,
                    "/groups",
                    None,
                    "must be a list of dialogs",
                );
                return None;
            }
        };
        if !root.get("bot").is_some_and(Value::is_object) {
            f.error(
                FindingKind::Invalid,
                "/bot",
                None,
                "must be an object with the bot's settings",
            );
            return None;
        }
        let integrations = list_of(value, "responder")
            .iter()
            .map(|r| str_of(r, "name"))
            .filter(|n| !n.is_empty())
            .collect();
        let mut b = Builder::new(f, Strictness::Tolerant);
        b.set_integrations(integrations);
        Some(Importer {
            b,
            root,
            messages,
            groups,
            ids: names::names(),
            dialogs: names::names(),
        })
    }

    /// A top-level list of the export (empty when absent).
    fn top(&self, key: &str) -> &'a [Value] {
        self.root
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    fn template(&self, text: &str) -> Template {
        self.b.template(text)
    }

    /// The bot's settings (its attributes, `sessionLength`), legacy parts it does not run,
    /// and its global functions.
    fn settings(&mut self) -> (Settings, Option<Script>) {
        let meta = &self.root["bot"];
        let attributes = meta.get("botAttributes");
        let attribute = |k: &str| attributes.and_then(|a| a.get(k)).and_then(Value::as_str);
        let settings = Settings {
            debug_commands: attribute("ENABLE_DEBUG")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            default_error_message: attribute("DEFAULT_ERROR_MESSAGE")
                .filter(|m| !m.trim().is_empty())
                .map(str::to_string),
            // Seconds; 0 (every public export) means unset.
            session_length_s: meta
                .get("sessionLength")
                .and_then(Value::as_u64)
                .filter(|s| *s > 0)
                .map(|s| s.min(u64::from(u32::MAX)) as u32),
            greeting: Some(str_of(meta, "getStartedButtonPayload"))
                .filter(|g| !g.trim().is_empty())
                .map(str::to_string),
            ..Settings::default()
        };
        for key in ["requiredContext", "menus"] {
            if !self.top(key).is_empty() {
                self.b.f.unsupported(
                    At::new("", key),
                    None,
                    format!("\"{key}\" (legacy) is not supported"),
                );
            }
        }
        let root = self.root;
        let globals = root
            .get("globalFunctions")
            .and_then(|g| g.get("methods"))
            .and_then(Value::as_str)
            .and_then(|code| {
                self.b.code(
                    code,
                    &At::raw("/globalFunctions/methods"),
                    None,
                    "globals".into(),
                )
            });
        (settings, globals)
    }

    /// The dialogs (`groups`), with their ids recorded and the fallback dialog found.
    fn dialog_list(&mut self) -> (Vec<Dialog>, Option<usize>) {
        let mut dialogs = Vec::new();
        let mut fallback = None;
        for (g, group) in self.groups.iter().enumerate() {
            let at = At::new("/groups", g);
            let name = str_of(group, "name").to_string();
            let id = str_of(group, "id");
            if id.is_empty() {
                self.b.f.warn(
                    FindingKind::Invalid,
                    at.key("id"),
                    Some(&name),
                    "a dialog without an id cannot hold interactions",
                );
            } else if self.dialogs.insert(id.to_string(), g).is_some() {
                self.b.f.warn(
                    FindingKind::Duplicate,
                    at.key("id"),
                    Some(&name),
                    "two dialogs share this id",
                );
            }
            match str_of(group, "dialogType") {
                "DIALOG" | "" => {}
                "FALLBACK_DIALOG" if fallback.is_none() => fallback = Some(g),
                "FALLBACK_DIALOG" => self.b.f.warn(
                    FindingKind::Duplicate,
                    at.key("dialogType"),
                    Some(&name),
                    "a second fallback dialog is ignored",
                ),
                other => self.b.f.unsupported(
                    at.key("dialogType"),
                    Some(&name),
                    format!("dialog type {other:?} is not supported; it runs as a standard dialog"),
                ),
            }
            let enabled = group
                .get("status")
                .and_then(Value::as_str)
                .is_none_or(|s| s.eq_ignore_ascii_case("ENABLED"));
            dialogs.push(Dialog {
                name,
                enabled,
                patterns: vec![],
                exclude: vec![],
                head: None,
            });
        }
        (dialogs, fallback)
    }

    fn bot(&mut self) -> Bot {
        let (settings, globals) = self.settings();
        let integrations = self.integrations();
        #[cfg(feature = "checks")]
        self.unknown_placeholders();

        let (mut dialogs, fallback) = self.dialog_list();

        // Interaction ids first, so rules can point anywhere.
        for (i, m) in self.messages.iter().enumerate() {
            let id = str_of(m, "id");
            if !id.is_empty() && self.ids.insert(id.to_string(), i).is_some() {
                self.b.f.warn(
                    FindingKind::Duplicate,
                    At::new("/conversationMessage", i).key("id"),
                    Some(str_of(m, "name")),
                    "two interactions share this id",
                );
            }
        }

        let mut interactions = Vec::new();
        // The starter of each dialog (one map type for the loaders: each costs the wasm).
        let mut starters: Vec<Option<usize>> = vec![None; dialogs.len()];
        let mut seen_patterns: HashMap<String, String> = HashMap::new();
        for (i, m) in self.messages.iter().enumerate() {
            let at = At::new("/conversationMessage", i);
            let name = str_of(m, "name").to_string();
            let dialog = match self.dialogs.get(str_of(m, "group")) {
                Some(d) => *d,
                None => {
                    self.b.f.warn(
                        FindingKind::Dangling,
                        at.key("group"),
                        Some(&name),
                        "belongs to no dialog of this bot; it is reachable only by jumps",
                    );
                    usize::MAX
                }
            };
            let it = self.interaction(m, &at, dialog);
            if matches!(it.kind, Kind::Starter) && dialog != usize::MAX {
                // The first starter in the file starts the dialog: its patterns and its
                // flow (a later one is passed over, as the warning says).
                if starters[dialog].is_some() {
                    self.b.f.warn(
                        FindingKind::Duplicate,
                        at,
                        Some(&name),
                        "a dialog has more than one starter; the first in the file starts it",
                    );
                } else {
                    starters[dialog] = Some(i);
                    self.starter(m, &at, &name, &mut dialogs[dialog], &mut seen_patterns);
                }
            }
            interactions.push(it);
        }

        heads(&mut dialogs, &interactions, &starters);
        // Interactions outside every dialog get the first dialog, so jumps to them work.
        for it in interactions.iter_mut().filter(|it| it.dialog == usize::MAX) {
            it.dialog = 0;
        }
        if dialogs.is_empty() && !interactions.is_empty() {
            dialogs.push(Dialog {
                name: "(no dialog)".into(),
                enabled: false,
                patterns: vec![],
                exclude: vec![],
                head: None,
            });
        }

        #[cfg(feature = "checks")]
        self.unknown_triggers(&interactions);
        let intents = self.intents(&dialogs, &starters);

        let meta = &self.root["bot"];
        let mut bot = Bot {
            id: str_of(meta, "id").to_string(),
            name: str_of(meta, "name").to_string(),
            dialogs,
            interactions,
            fallback,
            integrations,
            globals,
            intents,
            settings,
            fingerprint: String::new(),
            findings: vec![],
            starters: Default::default(),
        };
        let raw: Vec<&Value> = ["conversationMessage", "responder"]
            .iter()
            .filter_map(|k| self.root.get(*k))
            .collect();
        let at = |id| At::new("/conversationMessage", id).to_string();
        self.b.finish(&mut bot, &at, "responseMatches", &raw);
        bot
    }

    /// Literal `setTriggerNextMessage` names in the bot's code that no interaction has.
    #[cfg(feature = "checks")]
    fn unknown_triggers(&mut self, interactions: &[Interaction]) {
        let scripts: Vec<(usize, &'static str, String)> = interactions
            .iter()
            .enumerate()
            .flat_map(|(i, it)| {
                [
                    ("preProcessMessage", &it.code.pre),
                    ("postProcessMessage", &it.code.post),
                    ("processUserResponse", &it.code.reply),
                ]
                .into_iter()
                .filter_map(move |(k, s)| s.as_ref().map(|s| (i, k, s.source.clone())))
            })
            .collect();
        for (i, key, source) in scripts {
            for target in trigger_names(&source) {
                if !interactions.iter().any(|it| it.name == target) {
                    self.b.f.warn(FindingKind::Dangling,
                        At::new("/conversationMessage", i).key(key),
                        Some(&interactions[i].name),
                        format!("setTriggerNextMessage({target:?}): no interaction has that name; the call is ignored"),
                    );
                }
            }
        }
    }

    /// A dialog's starter `m`: its patterns (each shared one named) and an intent
    /// trigger, which needs an NLU.
    fn starter(
        &mut self,
        m: &Value,
        at: &At,
        name: &str,
        d: &mut Dialog,
        seen_patterns: &mut HashMap<String, String>,
    ) {
        for (p, source) in list_of(m, "pattern").iter().enumerate() {
            let list = at.key("pattern");
            let here = list.key(p);
            let Some(source) = source.as_str() else {
                continue;
            };
            if let Some(other) =
                seen_patterns.insert(crate::case::lower(source.trim()), d.name.clone())
            {
                self.b.f.warn(FindingKind::Duplicate, here, Some(name), format!("dialogs {other:?} and {:?} share the starter pattern {source:?}; the first wins", d.name));
            }
            match Pattern::parse(source) {
                Ok(p) => d.patterns.push(p),
                Err(e) => self
                    .b
                    .f
                    .error(FindingKind::Pattern, here, Some(name), e.message),
            }
        }
        if m.get("intentId")
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        {
            let only = if d.patterns.is_empty() {
                " (its only trigger: the dialog cannot start from a message)"
            } else {
                ""
            };
            self.b.f.unsupported(
                at.key("intentId"),
                Some(name),
                format!("intent starters need NLU{only}"),
            );
        }
    }

    /// The intent name of each dialog's starter (resolved through `associatedIntents`).
    fn intents(&self, dialogs: &[Dialog], starters: &[Option<usize>]) -> Vec<Option<String>> {
        let known = self.top("associatedIntents");
        (0..dialogs.len())
            .map(|d| {
                let m = &self.messages[starters.get(d).copied().flatten()?];
                let id = str_of(m, "intentId");
                let named = known.iter().find(|i| str_of(i, "id") == id);
                (!id.is_empty()).then(|| named.map_or(id, |i| str_of(i, "name")).to_string())
            })
            .collect()
    }

    /// Reports `{$…}` forms Chatlet does not fill, in interactions and integrations.
    #[cfg(feature = "checks")]
    fn unknown_placeholders(&mut self) {
        fn walk(v: &Value, at: &At, out: &mut Vec<(String, String)>) {
            match v {
                Value::String(s) if s.contains("{$") => {
                    for form in crate::template::unknown_forms(s) {
                        out.push((at.to_string(), form));
                    }
                }
                Value::Array(list) => {
                    for (i, item) in list.iter().enumerate() {
                        walk(item, &at.key(i), out);
                    }
                }
                Value::Object(map) => {
                    for (k, item) in map {
                        // Code is JavaScript and fields are JSON paths, not templates.
                        if !k.ends_with("Message")
                            && !k.ends_with("Script")
                            && k != "processUserResponse"
                            && k != "customDataFields"
                        {
                            walk(item, &at.key(k), out);
                        }
                    }
                }
                _ => {}
            }
        }
        for (base, list) in [
            ("/conversationMessage", self.messages),
            ("/responder", self.top("responder")),
        ] {
            for (i, item) in list.iter().enumerate() {
                let mut found = Vec::new();
                walk(item, &At::new(base, i), &mut found);
                for (at, form) in found {
                    self.b.f.unsupported(
                        &at,
                        Some(str_of(item, "name")),
                        format!("{form} is not supported; it is shown as written"),
                    );
                }
            }
        }
    }

    /// The integrations (`responder[]`).
    fn integrations(&mut self) -> Vec<Integration> {
        let mut out = Vec::new();
        for (r, spec) in self.top("responder").iter().enumerate() {
            let at = At::new("/responder", r);
            let name = str_of(spec, "name").to_string();
            let who = Some(name.as_str());
            let kind = str_of(spec, "integrationType");
            let file = kind.eq_ignore_ascii_case("FILE");
            if !kind.is_empty() && !kind.eq_ignore_ascii_case("API") && !file {
                self.b.f.unsupported(
                    at.key("integrationType"),
                    who,
                    format!("{kind} integrations are not supported; interactions calling it are passed over"),
                );
            }
            let pairs = |s: &Self, key: &str| -> Vec<(String, Template)> {
                list_of(spec, key)
                    .iter()
                    .map(|p| (str_of(p, "key").to_string(), s.template(str_of(p, "value"))))
                    .filter(|(k, _)| !k.is_empty())
                    .collect()
            };
            let mut fields = Vec::new();
            let fields_at = at.key("customDataFields");
            for (k, field) in list_of(spec, "customDataFields").iter().enumerate() {
                let field_at = fields_at.key(k);
                let here = field_at.key("value");
                let value = Some(str_of(field, "value"));
                fields.extend(self.b.field(str_of(field, "key"), value, &here, who));
            }
            let transform = self.b.code(
                str_of(spec, "transformResultsScript"),
                &at.key("transformResultsScript"),
                who,
                format!("{}/transform", str_of(spec, "id")),
            );
            let rdv = match str_of(spec, "responseDataVariable") {
                "" => name.clone(),
                v => v.to_string(),
            };
            let method = match str_of(spec, "method").to_ascii_uppercase() {
                m if m.is_empty() => "GET".to_string(),
                m => m,
            };
            let body = str_of(spec, "postBody");
            out.push(Integration {
                rdv,
                method,
                url: self.template(str_of(spec, "webhook")),
                query: pairs(self, "requestParameters"),
                headers: pairs(self, "headers"),
                body: (!body.trim().is_empty()).then(|| self.template(body)),
                transform,
                fields,
                name,
                file,
            });
        }
        out
    }
}

/// Where each dialog's flow begins: its starter, else the first member that no member of
/// its dialog points to, else its first member. One pass over the interactions (a large
/// export has thousands).
fn heads(dialogs: &mut [Dialog], interactions: &[Interaction], starters: &[Option<usize>]) {
    let mut pointed = vec![false; interactions.len()];
    for it in interactions {
        if let Some(n) = it.next {
            if interactions.get(n).is_some_and(|to| to.dialog == it.dialog) {
                pointed[n] = true;
            }
        }
    }
    let mut first: Vec<Option<usize>> = vec![None; dialogs.len()];
    let mut unpointed: Vec<Option<usize>> = vec![None; dialogs.len()];
    for (i, it) in interactions.iter().enumerate() {
        if let (Some(f), Some(u)) = (first.get_mut(it.dialog), unpointed.get_mut(it.dialog)) {
            f.get_or_insert(i);
            if !pointed[i] {
                u.get_or_insert(i);
            }
        }
    }
    for (d, dialog) in dialogs.iter_mut().enumerate() {
        dialog.head = starters
            .get(d)
            .copied()
            .flatten()
            .or(unpointed[d])
            .or(first[d]);
    }
}
