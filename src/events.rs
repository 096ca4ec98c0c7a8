//! The `chatlet:*` events the widget dispatches on its host element: one serde type
//! each, what the page's listeners read (`event.detail`), every one with the
//! `conversationId` added ([`crate::host::emit`]). An event's name is part of its type
//! ([`Event`]): [`EVENTS`] below is the one list of names and types, which the widget
//! dispatches by and the package's TypeScript declarations are written from (the
//! `types` feature, `chatlet-types`). The loader dispatches [`Open`], [`Close`] and the
//! `widget` kind of [`Error`] itself.

use serde::Serialize;
use serde_json::Value;

#[cfg(feature = "types")]
use ts_rs::TS;

/// The detail of a `chatlet:*` event.
pub trait Event: Serialize {
    /// The event's name.
    const NAME: &'static str;
}

/// Every event: its name and its detail's type.
macro_rules! events {
    ($($name:literal => $detail:ident),* $(,)?) => {
        $(impl Event for $detail {
            const NAME: &'static str = $name;
        })*
        /// Every event's name and (with the `types` feature) its detail's TypeScript
        /// declaration.
        #[cfg(feature = "types")]
        pub fn declarations(cfg: &ts_rs::Config) -> Vec<(&'static str, String, String)> {
            vec![$(($name, <$detail as TS>::name(cfg), <$detail as TS>::decl(cfg))),*]
        }
        /// Every event's name.
        pub const EVENTS: &[&str] = &[$($name),*];
    };
}

events! {
    "chatlet:ready" => Ready,
    "chatlet:open" => Open,
    "chatlet:close" => Close,
    "chatlet:message" => Message,
    "chatlet:transfer" => Transfer,
    "chatlet:visitor-message" => VisitorMessage,
    "chatlet:upload" => Upload,
    "chatlet:click" => Click,
    "chatlet:error" => Error,
}

/// `chatlet:open`: the window opened (dispatched by the loader).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "OpenDetail"))]
pub struct Open {}

/// `chatlet:close`: the window closed (dispatched by the loader).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "CloseDetail"))]
pub struct Close {}

/// `chatlet:ready`: the bot is loaded and the conversation can start.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "ReadyDetail"))]
pub struct Ready {
    /// The bot's name.
    pub bot: String,
}

/// `chatlet:message`: a message was shown.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "MessageDetail"))]
pub struct Message {
    /// `bot`, `visitor` or `agent`.
    #[cfg_attr(feature = "types", ts(type = "'bot' | 'visitor' | 'agent'"))]
    pub author: &'static str,
    /// Its text (an image, card or file as `[image] URL`, `[card] title`, `[file] name`).
    pub text: String,
}

/// `chatlet:transfer`: the bot hands the conversation to a person.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "TransferDetail"))]
pub struct Transfer {
    /// The skill id.
    pub skill: String,
    /// A preferred agent, if any.
    pub agent: Option<String>,
    /// The transfer message, if any.
    pub message: Option<String>,
    /// Pass the bot's context along.
    pub context: bool,
    /// The conversation so far.
    pub transcript: Vec<Line>,
    /// Redrawn from an earlier page load, still under way: the desk can re-attach.
    pub resumed: bool,
}

/// One message of a transcript.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "TranscriptLine"))]
pub struct Line {
    /// `visitor`, `bot`, `agent` or `system`.
    #[cfg_attr(feature = "types", ts(type = "'visitor' | 'bot' | 'agent' | 'system'"))]
    pub author: &'static str,
    /// Its text.
    pub text: String,
}

/// `chatlet:visitor-message`: while a person has the conversation, what the visitor wrote.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "VisitorMessageDetail"))]
pub struct VisitorMessage {
    /// The text.
    pub text: String,
}

/// `chatlet:upload`: a file's upload ended.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "UploadDetail"))]
pub struct Upload {
    /// The file's name.
    pub name: String,
    /// Its size in bytes.
    pub size: f64,
    /// `sent`, `failed` or `refused`.
    #[cfg_attr(feature = "types", ts(type = "'sent' | 'failed' | 'refused'"))]
    pub outcome: &'static str,
}

/// `chatlet:click`: the visitor clicked a rich-content element that carries
/// `click.metadata`.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "ClickDetail"))]
pub struct Click {
    /// The metadata, as the bot gave it.
    #[cfg_attr(feature = "types", ts(type = "unknown"))]
    pub metadata: Value,
}

/// `chatlet:error`: what went wrong.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS), ts(rename = "ErrorDetail"))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Error {
    /// The bot file could not be fetched or loaded.
    Bot {
        /// The bot file's URL.
        bot: String,
        /// What went wrong, in words.
        message: String,
        /// Its errors (empty when it could not be fetched).
        findings: Vec<Finding>,
    },
    /// The bot file loaded, but parts of it will not run.
    BotWarnings {
        /// The bot file's URL.
        bot: String,
        /// What will not run, in words.
        message: String,
        /// The findings.
        findings: Vec<Finding>,
    },
    /// A `mount` option has the wrong type: the window goes on without it.
    Options {
        /// The option's key.
        key: String,
        /// What is wrong, in words.
        message: String,
    },
    /// The widget's files could not be fetched or run (dispatched by the loader).
    Widget {
        /// What went wrong, in words.
        message: String,
    },
    /// An integration call failed.
    Call {
        /// The integration's name.
        integration: String,
        /// The URL called.
        url: String,
        /// The HTTP status of an answer that is not a success.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "types", ts(optional))]
        status: Option<u16>,
        /// Why there is no answer.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "types", ts(optional))]
        error: Option<String>,
    },
}

/// A finding of the bot file, as `chatlet check` prints it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "types", derive(TS))]
pub struct Finding {
    /// `error`, `unsupported` or `warning`.
    #[cfg_attr(feature = "types", ts(type = "'error' | 'unsupported' | 'warning'"))]
    pub severity: &'static str,
    /// What it is about: `unknown-key`, `missing`, `invalid`, `dangling`, `pattern`…
    #[cfg_attr(feature = "types", ts(type = "string"))]
    pub kind: &'static str,
    /// Where, as a JSON pointer.
    pub pointer: String,
    /// The interaction's name, if any.
    pub interaction: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl Finding {
    /// The engine's finding, for the page.
    pub fn of(f: &chatlet_engine::Finding) -> Finding {
        Finding {
            severity: f.severity.label(),
            kind: f.kind.label(),
            pointer: f.pointer.clone(),
            interaction: f.interaction.clone(),
            message: f.message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_their_kind() {
        let e = Error::Call {
            integration: "Balance".into(),
            url: "/api".into(),
            status: Some(500),
            error: None,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "call", "integration": "Balance", "url": "/api", "status": 500})
        );
        let w = Error::BotWarnings {
            bot: "b.json".into(),
            message: "m".into(),
            findings: vec![],
        };
        assert_eq!(serde_json::to_value(&w).unwrap()["kind"], "bot-warnings");
    }
}
