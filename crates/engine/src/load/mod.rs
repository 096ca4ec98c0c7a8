//! Loading a bot file: telling its format, reading it (`native` for Chatlet's own format,
//! strict: problems are errors; `cb` for Conversation Builder exports, tolerant: what CB
//! tolerates is a warning, what Chatlet does not run is listed as unsupported), then the
//! checks every bot gets once it is lowered (`crate::check`), the size limits and the
//! file's fingerprint.

mod build;
pub(crate) mod cb;
mod json;
pub(crate) mod names;
pub(crate) mod native;

use crate::error::{self, LoadError};
use crate::model::Bot;
use crate::precompiled;

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

/// Loads a bot file's bytes as a browser's `fetch` reads them as text (`Response.text()`):
/// UTF-8, a byte-order mark dropped, bad sequences replaced. The widget's bot reader and
/// the previewer read files this way.
pub fn load_bytes(bytes: &[u8]) -> Result<Bot, LoadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    load(&String::from_utf8_lossy(bytes))
}

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
