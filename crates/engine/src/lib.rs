//! Chatlet's dialog engine: runs Conversation Builder bots as a pure state machine.
//!
//! Load a bot once ([`load`] detects the format), then give each visitor a [`Session`]
//! and feed it [`Input`]s; it returns [`Output`]s: messages to show and effects for the
//! host to perform. The engine never touches the network, the clock or a screen, so the
//! same code runs in the browser widget and in the `chatlet` command line.
//!
//! ```
//! use std::sync::Arc;
//! use chatlet_engine::{load, Input, Output, Session};
//!
//! let bot = load(r#"{"dialogs": [
//!   {"name": "Account", "patterns": ["*account*"], "flow": [
//!     {"ask": "Your 6-digit account number?", "name": "number", "rules": [
//!       {"regex": "^\\d{6}$", "set": {"account": "{$query}"}},
//!       {"noMatch": "Six digits, please.", "then": "repeat"}]},
//!     {"say": "Thanks, {$botContext.account}."}]}]}"#).unwrap();
//! let mut s = Session::new(Arc::new(bot), Default::default());
//! let texts = |out: Vec<Output>| out.into_iter().filter_map(|o| match o {
//!     Output::Text { text, .. } => Some(text), _ => None }).collect::<Vec<_>>();
//! assert_eq!(texts(s.handle(Input::Text("my account".into()))), ["Your 6-digit account number?"]);
//! assert_eq!(texts(s.handle(Input::Text("12".into()))), ["Six digits, please.", "Your 6-digit account number?"]);
//! assert_eq!(texts(s.handle(Input::Text("123456".into()))), ["Thanks, 123456."]);
//! ```

pub mod botcontext;
pub mod case;
pub mod cb;
pub mod check;
pub mod error;
pub mod event;
pub mod flow;
pub mod jsonpath;
pub mod model;
pub mod native;
pub mod options;
pub mod pattern;
pub mod precompiled;
pub mod regex_dialect;
pub mod session;
pub mod slots;
mod small_map;
pub mod snapshot;
pub mod template;
pub mod text;
pub mod upload;
pub mod value;
pub mod vars;

pub use botcontext::{BotContext, HostInfo, ScriptHost};
pub use error::{Finding, FindingKind, LoadError, Severity};
pub use event::{CardOut, ChoiceOut, FileIn, Input, Output, Request, Upload};
pub use model::Bot;
pub use session::{Session, SessionOptions};
pub use snapshot::{RestoreError, Snapshot};

/// Which format a bot file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Chatlet's native format.
    Native,
    /// A Conversation Builder bot export.
    ConversationBuilder,
}

/// Tells the format of a parsed bot file from its content.
pub fn detect(value: &serde_json::Value) -> Result<Format, LoadError> {
    let Some(obj) = value.as_object() else {
        return Err(LoadError::at_root("a bot file is a JSON object"));
    };
    if obj.contains_key("bot") && obj.contains_key("conversationMessage") {
        Ok(Format::ConversationBuilder)
    } else if obj.contains_key("dialogs") {
        Ok(Format::Native)
    } else if obj.contains_key("type") && obj.contains_key("elements") {
        Err(LoadError::at_root(
            "this is a Conversation Builder universal tile (rich content), not a bot",
        ))
    } else {
        Err(LoadError::at_root(
            "not a bot: expected a native bot (\"dialogs\") or a Conversation Builder export (\"bot\" and \"conversationMessage\")",
        ))
    }
}

/// The largest bot file loaded, in bytes.
pub const MAX_BOT_BYTES: usize = 16 << 20;
/// The most dialogs a bot may have.
pub const MAX_DIALOGS: usize = 20_000;
/// The most interactions (steps) a bot may have.
pub const MAX_INTERACTIONS: usize = 200_000;

/// Loads a bot in either format. Files over [`MAX_BOT_BYTES`], and bots with more than
/// [`MAX_DIALOGS`] dialogs or [`MAX_INTERACTIONS`] interactions, are refused (nesting
/// deeper than 128 levels is a JSON error).
pub fn load(text: &str) -> Result<Bot, LoadError> {
    if text.len() > MAX_BOT_BYTES {
        return Err(LoadError::at_root(format!(
            "the file has {} bytes; a bot file may have at most {MAX_BOT_BYTES}",
            text.len()
        )));
    }
    let value = error::parse_json(text)?;
    let mut bot = match detect(&value)? {
        Format::Native => native::from_value(&value),
        Format::ConversationBuilder => cb::from_value(&value),
    }?;
    let too_many = |what: &str, n: usize, max: usize| {
        LoadError::at_root(format!("the bot has {n} {what}; at most {max} are allowed"))
    };
    if bot.dialogs.len() > MAX_DIALOGS {
        return Err(too_many("dialogs", bot.dialogs.len(), MAX_DIALOGS));
    }
    if bot.interactions.len() > MAX_INTERACTIONS {
        return Err(too_many(
            "interactions",
            bot.interactions.len(),
            MAX_INTERACTIONS,
        ));
    }
    bot.fingerprint = precompiled::hash(&[text]);
    Ok(bot)
}
