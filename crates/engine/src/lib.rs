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

// The modules are private: hosts use the chosen list below (and `precompiled`, the
// strict-CSP scripts file). `internals` is for the fuzz targets and property tests.
mod botcontext;
mod case;
mod cb;
mod check;
mod error;
mod event;
#[cfg(feature = "checks")]
mod flow;
mod jsonpath;
mod model;
mod native;
mod options;
mod pattern;
pub mod precompiled;
mod regex_dialect;
mod session;
mod slots;
mod small_map;
mod snapshot;
mod template;
mod text;
mod upload;
mod value;
mod vars;

// The bot, loading it and what loading finds.
pub use error::{Finding, FindingKind, LoadError, Severity};
pub use model::{succeeded, Bot, Script, Settings, DEFAULT_FALLBACK_TEXT, MAX_DELAY_MS};
// A conversation: inputs in, outputs out; kept as data between runs.
pub use event::{CardOut, ChoiceOut, FileIn, Input, Output, Request, Upload, ESCALATION_FAILED};
pub use session::{
    Session, SessionOptions, MAX_MESSAGE_CHARS, MAX_QUEUED, MAX_RESPONSE_BYTES, MAX_STACK,
};
pub use snapshot::{RestoreError, Snapshot};
// Bot code: what a host that runs JavaScript implements and needs.
pub use botcontext::{
    nesting, over_budget, prelude, BotContext, Function, HostInfo, NoScripts, ScriptHost,
    BLOCK_BUDGET_MS, FUNCTIONS, MAX_CODE_DEPTH,
};
// Files the visitor sends.
pub use upload::{
    HEAD_BYTES as UPLOAD_HEAD_BYTES, MAX_BYTES as MAX_UPLOAD_BYTES, TIMEOUT_MS as UPLOAD_TIMEOUT_MS,
};
// Lower case for hosts that bring their own (the widget: the browser's).
#[cfg(not(feature = "unicode-case"))]
pub use case::set_lower;

/// The engine's parsers, for the fuzz targets and property tests: not an API.
#[doc(hidden)]
pub mod internals {
    pub use crate::cb::load as load_cb;
    pub use crate::jsonpath::JsonPath;
    pub use crate::native::load as load_native;
    pub use crate::pattern::Pattern;
    pub use crate::regex_dialect::JsRegex;
    pub use crate::template::{percent_encode, Placeholder, Template};
}

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
