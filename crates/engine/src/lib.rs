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

#![deny(missing_docs)]

// The modules are private: hosts use the chosen list below (and `precompiled`, the
// strict-CSP scripts file, and `transcript`, the test language, with the `transcript`
// feature). `internals` is for the fuzz targets and property tests.
mod botcontext;
mod case;
mod check;
pub mod compiled;
mod error;
mod event;
#[cfg(feature = "checks")]
mod flow;
mod jsonpath;
mod load;
mod model;
mod nesting;
mod options;
mod pattern;
pub mod precompiled;
mod regex_dialect;
mod session;
mod slots;
mod small_map;
mod snapshot;
mod starters;
#[cfg(feature = "checks")]
mod syntax;
mod template;
mod text;
#[cfg(feature = "transcript")]
pub mod transcript;
mod upload;
mod value;
mod vars;

// The bot, loading it and what loading finds.
pub use error::{Finding, FindingKind, LoadError, Severity};
pub use load::{detect, load, load_bytes, Format, MAX_BOT_BYTES, MAX_DIALOGS, MAX_INTERACTIONS};
pub use model::{
    succeeded, Bot, Script, Settings, CHIPS_PER_ROW, DEFAULT_FALLBACK_TEXT, MAX_DELAY_MS,
};
// A conversation: inputs in, outputs out; kept as data between runs.
pub use event::{
    CardOut, ChoiceOut, FileIn, Input, Output, Request, Upload, ESCALATION_FAILED, MAX_CARDS,
};
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
pub use case::{set_lower, set_upper};
#[cfg(feature = "checks")]
pub use syntax::{set_syntax_check, SyntaxCheck};

/// The engine's parsers, for the fuzz targets and property tests: not an API.
#[doc(hidden)]
pub mod internals {
    pub use crate::jsonpath::JsonPath;
    pub use crate::load::cb::load as load_cb;
    pub use crate::load::native::load as load_native;
    pub use crate::pattern::Pattern;
    pub use crate::regex_dialect::{JsRegex, Kind as RegexKind};
    pub use crate::template::{percent_encode, Placeholder, Template};
}
