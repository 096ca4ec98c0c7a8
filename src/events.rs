//! The details of the `chatlet:*` events the widget dispatches on its host element, one
//! serde type each: what the page's listeners read (`event.detail`), every one with the
//! `conversationId` added ([`crate::host::emit`]). The loader dispatches `chatlet:open`,
//! `chatlet:close` and the `widget` kind of `chatlet:error` itself.

use serde::Serialize;
use serde_json::Value;

/// `chatlet:ready`: the bot is loaded and the conversation can start.
#[derive(Clone, Debug, Serialize)]
pub struct Ready {
    /// The bot's name.
    pub bot: String,
}

/// `chatlet:message`: a message was shown.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    /// `bot`, `visitor` or `agent`.
    pub author: &'static str,
    /// Its text (an image, card or file as `[image] URL`, `[card] title`, `[file] name`).
    pub text: String,
}

/// `chatlet:transfer`: the bot hands the conversation to a person.
#[derive(Clone, Debug, Serialize)]
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
pub struct Line {
    /// `visitor`, `bot`, `agent` or `system`.
    pub author: &'static str,
    /// Its text.
    pub text: String,
}

/// `chatlet:visitor-message`: while a person has the conversation, what the visitor wrote.
#[derive(Clone, Debug, Serialize)]
pub struct VisitorMessage {
    /// The text.
    pub text: String,
}

/// `chatlet:upload`: a file's upload ended.
#[derive(Clone, Debug, Serialize)]
pub struct Upload {
    /// The file's name.
    pub name: String,
    /// Its size in bytes.
    pub size: f64,
    /// `sent`, `failed` or `refused`.
    pub outcome: &'static str,
}

/// `chatlet:click`: the visitor clicked a rich-content element that carries
/// `click.metadata`.
#[derive(Clone, Debug, Serialize)]
pub struct Click {
    /// The metadata, as the bot gave it.
    pub metadata: Value,
}

/// `chatlet:error`: what went wrong.
#[derive(Clone, Debug, Serialize)]
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
    /// An integration call failed.
    Call {
        /// The integration's name.
        integration: String,
        /// The URL called.
        url: String,
        /// The HTTP status of an answer that is not a success.
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// Why there is no answer.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// A finding of the bot file, as `chatlet check` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// `error`, `unsupported` or `warning`.
    pub severity: &'static str,
    /// What it is about: `unknown-key`, `missing`, `invalid`, `dangling`, `pattern`…
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
