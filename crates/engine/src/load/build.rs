//! The lowering both loaders share: once a format's reader has found a value, the
//! `Builder` turns it into the model the same way whatever the format (templates that
//! know the bot's integrations, code blocks and their scan, the delay cap, transfers and
//! their default message, upload specs and their default texts, scopes, the subject of a
//! variable condition, custom data fields), reports problems by the format's
//! [`Strictness`], and runs the checks of the lowered bot once (`finish`).

use serde_json::Value;

use crate::check::{self, Strictness};
use crate::error::{At, FindingKind, Findings};
use crate::jsonpath::JsonPath;
use crate::model::{Bot, Hooks, InteractionId, Kind, Scope, Script, MAX_DELAY_MS};
use crate::template::Template;
use crate::upload::{self, UploadSpec};

/// What a transfer says when its interaction gives no text.
pub const TRANSFER_MESSAGE: &str = "Transferring to an agent...";

/// Lowers what a format's reader found, and collects the findings.
pub struct Builder<'a> {
    /// Where problems go.
    pub f: &'a mut Findings,
    strictness: Strictness,
    /// Integration names, in [`Bot::integrations`] order (`{Name.field}` in templates).
    integrations: Vec<&'a str>,
}

/// The texts of a File Upload as its file gives them (`None`: the default).
pub struct UploadTexts<'v> {
    pub text: &'v str,
    pub success: Option<&'v str>,
    pub failure: Option<&'v str>,
    pub progress: Option<&'v str>,
    /// The text for a refused file; without it the failure text is shown.
    pub invalid: Option<&'v str>,
}

impl<'a> Builder<'a> {
    pub fn new(f: &'a mut Findings, strictness: Strictness) -> Builder<'a> {
        Builder {
            f,
            strictness,
            integrations: Vec::new(),
        }
    }

    /// Tells the builder the bot's integration names, before any template is parsed.
    pub fn set_integrations(&mut self, names: Vec<&'a str>) {
        self.integrations = names;
    }

    /// The index of the integration named `name`.
    pub fn integration(&self, name: &str) -> Option<usize> {
        self.integrations.iter().position(|n| *n == name)
    }

    /// A template; `{Name.field}` refers to the bot's integrations.
    pub fn template(&self, source: &str) -> Template {
        Template::parse(source, &self.integrations)
    }

    /// A block of bot code, scanned for `botContext` functions Chatlet lacks; blank code
    /// is no code.
    pub fn code(
        &mut self,
        source: &str,
        at: &At,
        who: Option<&str>,
        key: String,
    ) -> Option<Script> {
        crate::botcontext::check_code(self.f, source, at, who);
        (!source.trim().is_empty()).then(|| Script {
            key,
            source: source.to_string(),
        })
    }

    /// An interaction's three code hooks, given as (source, pointer) per hook: its
    /// pre-process code, post-process code and reply code. Their keys are
    /// `<interaction key>/pre`, `/post` and `/reply`.
    pub fn hooks(
        &mut self,
        key: &str,
        who: Option<&str>,
        [pre, post, reply]: [Option<(String, At)>; 3],
    ) -> Hooks {
        let mut one = |hook: Option<(String, At)>, suffix: &str| {
            let (source, at) = hook?;
            self.code(&source, &at, who, format!("{key}/{suffix}"))
        };
        Hooks {
            pre: one(pre, "pre"),
            post: one(post, "post"),
            reply: one(reply, "reply"),
        }
    }

    /// A transfer to a person; without a message, [`TRANSFER_MESSAGE`].
    pub fn transfer(
        &self,
        skill: &str,
        agent: Option<&str>,
        message: Option<&str>,
        context: bool,
    ) -> Kind {
        Kind::Transfer {
            skill: self.template(skill),
            message: self.template(message.unwrap_or(TRANSFER_MESSAGE)),
            agent: agent.map(|a| self.template(a)),
            context,
        }
    }

    /// A File Upload: its texts (blank or absent ones take CB's defaults) and the file
    /// types it accepts, by name. `type_at` gives the pointer of the i-th type and `at`
    /// the pointer of the list.
    pub fn upload(
        &mut self,
        texts: UploadTexts,
        types: &[&str],
        at: &At,
        type_at: &dyn Fn(usize) -> String,
        who: Option<&str>,
    ) -> UploadSpec {
        let (accept, labels, unknown) = upload::accepted(types.iter().copied());
        let known = upload::known_types();
        for (i, name) in unknown {
            match self.strictness {
                Strictness::Strict => self.f.error(
                    FindingKind::Invalid,
                    type_at(i),
                    who,
                    format!("unknown file type {name:?} (known: {known})"),
                ),
                Strictness::Tolerant => self.f.unsupported(
                    type_at(i),
                    who,
                    format!(
                        "file type {name:?} is not supported (known: {known}); it is not accepted"
                    ),
                ),
            }
        }
        match self.strictness {
            Strictness::Strict if types.is_empty() => self.f.error(
                FindingKind::Missing,
                at,
                who,
                "a File Upload needs \"accept\": the file types it takes",
            ),
            Strictness::Tolerant if accept.is_empty() => self.f.error(
                FindingKind::Invalid,
                at,
                who,
                "a File Upload accepts no file type Chatlet knows",
            ),
            _ => {}
        }
        let text_or = |text: Option<&str>, default: &str| match text {
            Some(t) if !t.trim().is_empty() => self.template(t),
            _ => self.template(default),
        };
        UploadSpec {
            text: self.template(texts.text),
            success: text_or(texts.success, upload::DEFAULT_SUCCESS),
            failure: text_or(texts.failure, upload::DEFAULT_FAILURE),
            progress: text_or(texts.progress, upload::DEFAULT_PROGRESS),
            invalid: texts.invalid.map(|t| self.template(t)),
            accept,
            labels,
        }
    }

    /// The scope a rule's assignments get: session when none is given or (reported) when
    /// the name is unknown.
    pub fn scope(&mut self, name: Option<&str>, at: &At, who: Option<&str>) -> Scope {
        let Some(name) = name else {
            return Scope::Session;
        };
        Scope::parse(name).unwrap_or_else(|| {
            match self.strictness {
                Strictness::Strict => self.f.error(
                    FindingKind::Invalid,
                    at,
                    who,
                    format!("unknown scope {name:?} (request, dialog, session, forever)"),
                ),
                Strictness::Tolerant => self.f.unsupported(
                    at,
                    who,
                    format!("scope {name:?} is not supported; session scope is used"),
                ),
            }
            Scope::Session
        })
    }

    /// What a variable condition tests: a template as written, or a bare name read as
    /// the variable `{$botContext.NAME}`.
    pub fn condition_subject(&self, name: &str) -> Template {
        if name.starts_with('{') {
            self.template(name)
        } else {
            self.template(&format!("{{$botContext.{name}}}"))
        }
    }

    /// A custom data field: its name and JSON path (`None`: not a string).
    pub fn field(
        &mut self,
        name: &str,
        path: Option<&str>,
        at: &At,
        who: Option<&str>,
    ) -> Option<(String, JsonPath)> {
        let parsed = path
            .ok_or_else(|| "a field is a JSON path string".to_string())
            .and_then(JsonPath::parse);
        match parsed {
            Ok(p) => Some((name.to_string(), p)),
            Err(e) => {
                self.f.error(FindingKind::Invalid, at, who, e);
                None
            }
        }
    }

    /// Indexes the lowered bot's starters, and runs its checks: the cross references
    /// (by strictness) and, with the `checks` feature, the analyses of `chatlet check`
    /// over the `raw` file. `at` gives an interaction's pointer, `rules` the key of its
    /// rules in the file.
    pub fn finish(
        &mut self,
        bot: &mut Bot,
        at: &dyn Fn(InteractionId) -> String,
        rules: &str,
        raw: &[&Value],
    ) {
        bot.starters = crate::starters::StarterIndex::new(&bot.dialogs);
        check::cross_references(bot, self.f, at, rules, self.strictness);
        #[cfg(feature = "checks")]
        check::warnings(bot, raw, self.f, at, rules);
        #[cfg(not(feature = "checks"))]
        let _ = raw;
    }
}

/// An interaction's delay, capped at [`MAX_DELAY_MS`].
pub fn delay(ms: u64) -> u32 {
    ms.min(u64::from(MAX_DELAY_MS)) as u32
}
