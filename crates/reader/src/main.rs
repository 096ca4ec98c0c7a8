//! The bot reader: the one function the widget's loader calls when a bot file is plain
//! (Chatlet's native format or a Conversation Builder export) rather than compiled
//! (`chatlet compile`). It reads and checks the file as `chatlet_engine::load` does
//! and returns the compiled bot (`chatlet_engine::compiled`), which the widget runs.
//!
//! A wasm of its own so that the widget's visitors' build carries neither reader, their
//! checks nor the translation of regular expressions (docs/performance.md): a page
//! whose bot is compiled never fetches it.

use wasm_bindgen::prelude::*;

/// Compiles the bot file `bytes` (UTF-8, a byte-order mark allowed, as `fetch`'s `text()`
/// reads it): the compiled bot, or the refusal that holds the findings of a file that
/// does not load (`chatlet_engine::compiled::read` reads both).
#[wasm_bindgen]
pub fn compile(bytes: &[u8]) -> Vec<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match chatlet_engine::load(&String::from_utf8_lossy(bytes)) {
        Ok(bot) => chatlet_engine::compiled::write(&bot),
        Err(e) => chatlet_engine::compiled::refusal(&e),
    }
}

fn main() {}
