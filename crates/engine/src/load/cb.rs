//! Loads Conversation Builder bot exports, unchanged, into the engine's model
//! (`shared/spec/cb-export-format.md` describes the format).
//!
//! The loader is tolerant the way real exports need: dangling references are warnings
//! (and behave as "no target" at run time), unknown interaction, match, dialog and scope
//! kinds are reported as unsupported and passed over. Only a file that is not an export
//! at all, or a structure that cannot be read, is an error.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::build::{self, Builder, UploadTexts};
use super::json::{list_of, str_of};
#[cfg(feature = "checks")]
use crate::botcontext::trigger_names;
use crate::check::Strictness;
use crate::error::{parse_json, pointer, FindingKind, Findings, LoadError};
use crate::model::{
    Action, Assign, Bot, Card, Choice, Condition, ContextCondition, ContextOp, Dialog, Integration,
    Interaction, Kind, OptionStyle, Rule, Script, Settings,
};
use crate::pattern::Pattern;
use crate::regex_dialect::JsRegex;
use crate::template::Template;

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
    ids: HashMap<&'a str, usize>,
    /// Group id → dialog index.
    dialogs: HashMap<&'a str, usize>,
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
            ids: HashMap::new(),
            dialogs: HashMap::new(),
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
            ..Settings::default()
        };
        for key in ["requiredContext", "menus"] {
            if !self.top(key).is_empty() {
                self.b.f.unsupported(
                    &pointer("", key),
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
                self.b
                    .code(code, "/globalFunctions/methods", None, "globals".into())
            });
        (settings, globals)
    }

    /// The dialogs (`groups`), with their ids recorded and the fallback dialog found.
    fn dialog_list(&mut self) -> (Vec<Dialog>, Option<usize>) {
        let mut dialogs = Vec::new();
        let mut fallback = None;
        for (g, group) in self.groups.iter().enumerate() {
            let at = pointer("/groups", g);
            let name = str_of(group, "name").to_string();
            let id = str_of(group, "id");
            if id.is_empty() {
                self.b.f.warn(
                    FindingKind::Invalid,
                    &pointer(&at, "id"),
                    Some(&name),
                    "a dialog without an id cannot hold interactions",
                );
            } else if self.dialogs.insert(id, g).is_some() {
                self.b.f.warn(
                    FindingKind::Duplicate,
                    &pointer(&at, "id"),
                    Some(&name),
                    "two dialogs share this id",
                );
            }
            match str_of(group, "dialogType") {
                "DIALOG" | "" => {}
                "FALLBACK_DIALOG" if fallback.is_none() => fallback = Some(g),
                "FALLBACK_DIALOG" => self.b.f.warn(
                    FindingKind::Duplicate,
                    &pointer(&at, "dialogType"),
                    Some(&name),
                    "a second fallback dialog is ignored",
                ),
                other => self.b.f.unsupported(
                    &pointer(&at, "dialogType"),
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
            if !id.is_empty() && self.ids.insert(id, i).is_some() {
                self.b.f.warn(
                    FindingKind::Duplicate,
                    &pointer(&pointer("/conversationMessage", i), "id"),
                    Some(str_of(m, "name")),
                    "two interactions share this id",
                );
            }
        }

        let mut interactions = Vec::new();
        let mut starters: HashMap<usize, usize> = HashMap::new();
        let mut seen_patterns: HashMap<String, String> = HashMap::new();
        for (i, m) in self.messages.iter().enumerate() {
            let at = pointer("/conversationMessage", i);
            let name = str_of(m, "name").to_string();
            let dialog = match self.dialogs.get(str_of(m, "group")) {
                Some(d) => *d,
                None => {
                    self.b.f.warn(
                        FindingKind::Dangling,
                        &pointer(&at, "group"),
                        Some(&name),
                        "belongs to no dialog of this bot; it is reachable only by jumps",
                    );
                    usize::MAX
                }
            };
            let it = self.interaction(m, &at, dialog);
            if matches!(it.kind, Kind::Starter) && dialog != usize::MAX {
                if starters.insert(dialog, i).is_some() {
                    self.b.f.warn(
                        FindingKind::Duplicate,
                        &at,
                        Some(&name),
                        "a dialog has more than one starter; the first in the file starts it",
                    );
                } else {
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
        let bot = Bot {
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
        };
        let raw: Vec<&Value> = ["conversationMessage", "responder"]
            .iter()
            .filter_map(|k| self.root.get(*k))
            .collect();
        let at = |id| pointer("/conversationMessage", id);
        self.b.finish(&bot, &at, "responseMatches", &raw);
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
                        &pointer(&pointer("/conversationMessage", i), key),
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
        at: &str,
        name: &str,
        d: &mut Dialog,
        seen_patterns: &mut HashMap<String, String>,
    ) {
        for (p, source) in list_of(m, "pattern").iter().enumerate() {
            let here = pointer(&pointer(at, "pattern"), p);
            let Some(source) = source.as_str() else {
                continue;
            };
            if let Some(other) =
                seen_patterns.insert(crate::case::lower(source.trim()), d.name.clone())
            {
                self.b.f.warn(FindingKind::Duplicate, &here, Some(name), format!("dialogs {other:?} and {:?} share the starter pattern {source:?}; the first wins", d.name));
            }
            match Pattern::parse(source) {
                Ok(p) => d.patterns.push(p),
                Err(e) => self
                    .b
                    .f
                    .error(FindingKind::Pattern, &here, Some(name), e.message),
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
                &pointer(at, "intentId"),
                Some(name),
                format!("intent starters need NLU{only}"),
            );
        }
    }

    /// The intent name of each dialog's starter (resolved through `associatedIntents`).
    fn intents(&self, dialogs: &[Dialog], starters: &HashMap<usize, usize>) -> Vec<Option<String>> {
        let known = self
            .top("associatedIntents")
            .iter()
            .map(|i| (str_of(i, "id").to_string(), str_of(i, "name").to_string()))
            .collect::<HashMap<_, _>>();
        (0..dialogs.len())
            .map(|d| {
                let m = &self.messages[*starters.get(&d)?];
                let id = str_of(m, "intentId");
                (!id.is_empty()).then(|| known.get(id).cloned().unwrap_or_else(|| id.to_string()))
            })
            .collect()
    }

    /// Reports `{$…}` forms Chatlet does not fill, in interactions and integrations.
    #[cfg(feature = "checks")]
    fn unknown_placeholders(&mut self) {
        fn walk(v: &Value, at: String, out: &mut Vec<(String, String)>) {
            match v {
                Value::String(s) if s.contains("{$") => {
                    for form in crate::template::unknown_forms(s) {
                        out.push((at.clone(), form));
                    }
                }
                Value::Array(list) => {
                    for (i, item) in list.iter().enumerate() {
                        walk(item, pointer(&at, i), out);
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
                            walk(item, pointer(&at, k), out);
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
                walk(item, pointer(base, i), &mut found);
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
            let at = pointer("/responder", r);
            let name = str_of(spec, "name").to_string();
            let who = Some(name.as_str());
            let kind = str_of(spec, "integrationType");
            let file = kind.eq_ignore_ascii_case("FILE");
            if !kind.is_empty() && !kind.eq_ignore_ascii_case("API") && !file {
                self.b.f.unsupported(
                    &pointer(&at, "integrationType"),
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
            for (k, field) in list_of(spec, "customDataFields").iter().enumerate() {
                let here = pointer(&pointer(&pointer(&at, "customDataFields"), k), "value");
                let value = Some(str_of(field, "value"));
                fields.extend(self.b.field(str_of(field, "key"), value, &here, who));
            }
            let transform = self.b.code(
                str_of(spec, "transformResultsScript"),
                &pointer(&at, "transformResultsScript"),
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

    fn interaction(&mut self, m: &'a Value, at: &str, dialog: usize) -> Interaction {
        let name = str_of(m, "name").to_string();
        let who = Some(name.as_str());
        let mut it = Interaction::new(
            str_of(m, "id").to_string(),
            name.clone(),
            dialog,
            Kind::Starter,
        );
        it.enabled = m
            .get("status")
            .and_then(Value::as_str)
            .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
        if let Some(next) = m
            .get("nextMessageId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            it.next = self.ids.get(next).copied();
            if it.next.is_none() {
                self.b.f.warn(
                    FindingKind::Dangling,
                    &pointer(at, "nextMessageId"),
                    who,
                    format!("next interaction {next:?} does not exist; the flow ends here"),
                );
            }
        }
        it.delay_ms = build::delay(match m.get("interactionDelay") {
            Some(Value::String(s)) => s.trim().parse::<u64>().unwrap_or(0),
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
            _ => 0,
        });
        let hook = |key: &str| {
            let code = m.get(key).and_then(Value::as_str)?;
            Some((code.to_string(), pointer(at, key)))
        };
        it.code = self.b.hooks(
            &it.key,
            who,
            [
                hook("preProcessMessage"),
                hook("postProcessMessage"),
                hook("processUserResponse"),
            ],
        );

        let tile_at = pointer(
            &pointer(
                &pointer(&pointer(&pointer(at, "content"), "results"), "tile"),
                "tileData",
            ),
            0,
        );
        let tile = m
            .pointer("/content/results/tile/tileData/0")
            .cloned()
            .unwrap_or(Value::Null);
        let text = |s: &Self| s.template(str_of(&tile, "text"));
        let kind_name = str_of(m, "interactionType");
        it.kind = match kind_name {
            "DIALOG_STARTER" => Kind::Starter,
            "TEXT" => Kind::Text(text(self)),
            "IMAGE" => Kind::Image {
                url: self.template(str_of(&tile, "url")),
            },
            "TEXT_QUESTION" => Kind::Question {
                text: text(self),
                choices: vec![],
                style: OptionStyle::None,
            },
            "QUICK_REPLY" => self.quick_replies(m, at, &tile, who),
            "MULTIPLE_CHOICE_QUESTION" => self.multiple_choice(&tile, &tile_at, who),
            "BUTTON" => self.buttons(&tile, &tile_at, who),
            "STRUCTURED" => self.cards(m, at, who),
            "UNIVERSAL" => self.universal(m, &tile, &tile_at, who),
            "ESCALATION" => self.escalation(&tile, &tile_at, who),
            "API_INTEGRATION" => self.api_call(m, at, who),
            "FILE_UPLOAD" => self.file_upload(&tile, &tile_at, who),
            other => {
                self.b.f.unsupported(
                    &pointer(at, "interactionType"),
                    who,
                    format!("{other}: this interaction type is not supported; the interaction is passed over"),
                );
                Kind::Unsupported(other.to_string())
            }
        };

        for (r, rule) in list_of(m, "responseMatches").iter().enumerate() {
            if let Some(rule) = self.rule(rule, &pointer(&pointer(at, "responseMatches"), r), who) {
                it.rules.push(rule);
            }
        }
        // NO_MATCH is tried last, wherever it stands (a partition: a sort would cost the
        // widget a sorting routine of its own).
        let (last, first): (Vec<_>, Vec<_>) = std::mem::take(&mut it.rules)
            .into_iter()
            .partition(|r| matches!(r.condition, Condition::NoMatch(_)));
        it.rules = first;
        it.rules.extend(last);
        it
    }

    /// QUICK_REPLY: text chips (other kinds of reply are unsupported).
    fn quick_replies(&mut self, m: &Value, at: &str, tile: &Value, who: Option<&str>) -> Kind {
        let mut choices = Vec::new();
        for (q, reply) in list_of(m, "quickReplies").iter().enumerate() {
            let title = str_of(reply, "title");
            match str_of(reply, "type") {
                "text" | "" => choices.push(Choice {
                    title: self.template(title),
                    payload: reply
                        .get("payload")
                        .and_then(Value::as_str)
                        .filter(|p| !p.is_empty())
                        .map(|p| self.template(p)),
                    url: None,
                }),
                other => self.b.f.unsupported(
                    &pointer(&pointer(at, "quickReplies"), q),
                    who,
                    format!("{other:?} quick replies are not supported; {title:?} is not offered"),
                ),
            }
        }
        Kind::Question {
            text: self.template(str_of(tile, "text")),
            choices,
            style: OptionStyle::None,
        }
    }

    /// MULTIPLE_CHOICE_QUESTION: options numbered or lettered.
    fn multiple_choice(&mut self, tile: &Value, tile_at: &str, who: Option<&str>) -> Kind {
        let mc = tile.get("multipleChoice").cloned().unwrap_or(Value::Null);
        let choices = list_of(&mc, "multipleChoices")
            .iter()
            .filter_map(Value::as_str)
            .map(|c| Choice {
                title: self.template(c.trim()),
                payload: None,
                url: None,
            })
            .collect();
        let style = match str_of(&mc, "textStyle").to_ascii_uppercase().as_str() {
            "NUMBERS" | "" => OptionStyle::Numbers,
            "LETTERS" => OptionStyle::Letters,
            other => {
                self.b.f.unsupported(
                    &pointer(&pointer(tile_at, "multipleChoice"), "textStyle"),
                    who,
                    format!("option style {other:?} is not supported; options are numbered"),
                );
                OptionStyle::Numbers
            }
        };
        Kind::Question {
            text: self.template(str_of(tile, "text")),
            choices,
            style,
        }
    }

    /// BUTTON: a question whose choices are buttons.
    fn buttons(&mut self, tile: &Value, tile_at: &str, who: Option<&str>) -> Kind {
        let choices = list_of(tile, "buttons")
            .iter()
            .enumerate()
            .filter_map(|(b, button)| {
                self.button(button, &pointer(&pointer(tile_at, "buttons"), b), who)
            })
            .collect();
        Kind::Question {
            text: self.template(str_of(tile, "text")),
            choices,
            style: OptionStyle::None,
        }
    }

    /// STRUCTURED: a card per tile.
    fn cards(&mut self, m: &Value, at: &str, who: Option<&str>) -> Kind {
        let tiles = m
            .pointer("/content/results/tile/tileData")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let mut cards = Vec::new();
        for (t, tile) in tiles.iter().enumerate() {
            let here = pointer(
                &pointer(
                    &pointer(&pointer(&pointer(at, "content"), "results"), "tile"),
                    "tileData",
                ),
                t,
            );
            let buttons = list_of(tile, "buttons")
                .iter()
                .enumerate()
                .filter_map(|(b, button)| {
                    self.button(button, &pointer(&pointer(&here, "buttons"), b), who)
                })
                .collect();
            cards.push(Card {
                title: self.template(str_of(tile, "title")),
                subtitle: self.template(str_of(tile, "subTitle")),
                image: self.template(str_of(tile, "image")),
                buttons,
            });
        }
        Kind::Cards(cards)
    }

    /// UNIVERSAL: LivePerson rich content, as JSON (a template).
    fn universal(&mut self, m: &Value, tile: &Value, tile_at: &str, who: Option<&str>) -> Kind {
        let json = tile
            .pointer("/universalWidget/leMessageJson")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if json.trim().is_empty() {
            self.b.f.warn(
                FindingKind::Invalid,
                &pointer(tile_at, "universalWidget"),
                who,
                "rich content without JSON sends nothing",
            );
        }
        Kind::Rich {
            json: self.template(json),
            wait: m
                .get("userInputRequired")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }

    /// ESCALATION: a transfer to a person.
    fn escalation(&mut self, tile: &Value, tile_at: &str, who: Option<&str>) -> Kind {
        let escalation = tile.get("escalation").unwrap_or(&Value::Null);
        let message = match str_of(tile, "text") {
            "" => None,
            t => Some(t.replace("\\n", "\n")),
        };
        for (key, value) in escalation.as_object().into_iter().flatten() {
            if !matches!(
                key.as_str(),
                "agentSkillId" | "tangoContextEnabled" | "agentSkillName" | "agentId"
            ) {
                self.b.f.unsupported(
                    &pointer(&pointer(tile_at, "escalation"), key),
                    who,
                    format!("transfer setting {key:?} ({value}) is not supported"),
                );
            }
        }
        let agent = match escalation.get("agentId") {
            Some(Value::String(a)) if !a.trim().is_empty() => Some(a.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        self.b.transfer(
            str_of(escalation, "agentSkillId"),
            agent.as_deref(),
            message.as_deref(),
            escalation
                .get("tangoContextEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        )
    }

    /// API_INTEGRATION: a call of one of the bot's integrations, by id or name.
    fn api_call(&mut self, m: &Value, at: &str, who: Option<&str>) -> Kind {
        let content = m.get("content").unwrap_or(&Value::Null);
        let id = str_of(content, "responderId");
        let name = str_of(content, "responderName");
        let list = self.top("responder");
        let found = list
            .iter()
            .position(|r| !id.is_empty() && str_of(r, "id") == id)
            .or_else(|| {
                list.iter()
                    .position(|r| !name.is_empty() && str_of(r, "name") == name)
            });
        let runs = |kind: &str| {
            kind.is_empty() || kind.eq_ignore_ascii_case("API") || kind.eq_ignore_ascii_case("FILE")
        };
        match found {
            Some(i) if runs(str_of(&list[i], "integrationType")) => Kind::Call(i),
            Some(i) => Kind::Unsupported(format!(
                "{} integration",
                str_of(&list[i], "integrationType")
            )),
            None => {
                self.b.f.warn(FindingKind::Dangling, &pointer(&pointer(at, "content"), "responderId"), who, format!("integration {name:?} ({id}) does not exist; the interaction is passed over"));
                Kind::Unsupported("missing integration".into())
            }
        }
    }

    /// A File Upload interaction. Its wire names are unseen in public exports; Chatlet
    /// reads `tileData[0].text` and `tileData[0].fileUpload` (see docs/cb-compatibility.md).
    fn file_upload(&mut self, tile: &Value, tile_at: &str, who: Option<&str>) -> Kind {
        let settings = tile.get("fileUpload").unwrap_or(&Value::Null);
        let here = pointer(tile_at, "fileUpload");
        for (key, value) in settings.as_object().into_iter().flatten() {
            if !matches!(
                key.as_str(),
                "acceptedTypes"
                    | "successMessage"
                    | "failureMessage"
                    | "validationFailureMessage"
                    | "inProgressMessage"
            ) {
                self.b.f.unsupported(
                    &pointer(&here, key),
                    who,
                    format!("file upload setting {key:?} ({value}) is not supported"),
                );
            }
        }
        let types: Vec<&str> = list_of(settings, "acceptedTypes")
            .iter()
            .map(|t| t.as_str().unwrap_or(""))
            .collect();
        let message = |key: &str| Some(str_of(settings, key).trim());
        let invalid = str_of(settings, "validationFailureMessage");
        let texts = UploadTexts {
            text: str_of(tile, "text"),
            success: message("successMessage"),
            failure: message("failureMessage"),
            progress: message("inProgressMessage"),
            invalid: (!invalid.trim().is_empty()).then_some(invalid),
        };
        let list = pointer(&here, "acceptedTypes");
        Kind::Upload(
            self.b
                .upload(texts, &types, &list, &|i| pointer(&list, i), who),
        )
    }

    fn button(&mut self, button: &Value, at: &str, who: Option<&str>) -> Option<Choice> {
        let title = self.template(str_of(button, "name"));
        let callback = str_of(button, "callback");
        match str_of(button, "type") {
            "postback" | "" => Some(Choice {
                title,
                payload: Some(self.template(if callback.is_empty() {
                    str_of(button, "name")
                } else {
                    callback
                })),
                url: None,
            }),
            "web_url" => Some(Choice {
                title,
                payload: None,
                url: Some(self.template(callback)),
            }),
            other => {
                self.b.f.unsupported(
                    &pointer(at, "type"),
                    who,
                    format!("{other:?} buttons are not supported; the button is not offered"),
                );
                None
            }
        }
    }

    fn rule(&mut self, rule: &Value, at: &str, who: Option<&str>) -> Option<Rule> {
        let conditions = list_of(rule, "conditions");
        if conditions.len() > 1 {
            self.b.f.unsupported(
                &pointer(at, "conditions"),
                who,
                "only the first condition of a rule is used",
            );
        }
        let condition = match conditions.first() {
            None => Condition::Always,
            Some(c) => self.condition(c, &pointer(&pointer(at, "conditions"), 0), who)?,
        };
        let mut context = Vec::new();
        for (k, cc) in list_of(rule, "contextConditions").iter().enumerate() {
            let here = pointer(&pointer(at, "contextConditions"), k);
            let op = match str_of(cc, "matchType").to_ascii_uppercase().as_str() {
                "CONTAINS" => ContextOp::Contains,
                "NOT_CONTAINS" => ContextOp::NotContains,
                "EQUALS" | "EQUAL_TO" => ContextOp::Equals,
                "NOT_EQUALS" | "NOT_EQUAL_TO" => ContextOp::NotEquals,
                other => {
                    self.b.f.unsupported(
                        &pointer(&here, "matchType"),
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
            let here = pointer(&pointer(at, "contextDataVariables"), k);
            let value = str_of(var, "value");
            if value.trim_start().starts_with('@') {
                self.b.f.unsupported(
                    &pointer(&here, "value"),
                    who,
                    format!("entity slot value {value:?} needs NLU; the slot is not filled"),
                );
                continue;
            }
            let scope = self.b.scope(
                var.get("scope").and_then(Value::as_str),
                &pointer(&here, "scope"),
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
        let action = self.action(rule.get("action"), &pointer(at, "action"), who);
        Some(Rule {
            condition,
            context,
            context_all,
            set,
            action,
        })
    }

    fn condition(&mut self, c: &Value, at: &str, who: Option<&str>) -> Option<Condition> {
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
                            &pointer(&pointer(&pointer(at, "patternMatch"), "patterns"), p),
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
                            &pointer(&pointer(at, "regexMatch"), "regexText"),
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
                            &pointer(&pointer(at, "apiResultsMatch"), "status"),
                            who,
                            format!("integration result {other:?} is not supported; the rule never matches"),
                        );
                        return None;
                    }
                }
            }
            other => {
                self.b.f.unsupported(
                    &pointer(at, "matchType"),
                    who,
                    format!("match type {other:?} is not supported; the rule never matches"),
                );
                return None;
            }
        })
    }

    fn action(&mut self, action: Option<&Value>, at: &str, who: Option<&str>) -> Action {
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
                        &pointer(at, "value"),
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
                        &pointer(at, "value"),
                        who,
                        format!("target dialog {value:?} does not exist; the flow ends there"),
                    );
                    Action::Dangling
                }
            },
            (other, _) => {
                self.b.f.unsupported(
                    &pointer(at, "name"),
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

/// Where each dialog's flow begins: its starter, else the member nobody points to.
fn heads(dialogs: &mut [Dialog], interactions: &[Interaction], starters: &HashMap<usize, usize>) {
    for (d, dialog) in dialogs.iter_mut().enumerate() {
        dialog.head = starters.get(&d).copied().or_else(|| {
            let members: Vec<usize> = (0..interactions.len())
                .filter(|&i| interactions[i].dialog == d)
                .collect();
            let pointed: Vec<Option<usize>> =
                members.iter().map(|&i| interactions[i].next).collect();
            members
                .iter()
                .copied()
                .find(|i| !pointed.contains(&Some(*i)))
                .or(members.first().copied())
        });
    }
}
