//! The bot reader: the function the widget's loader calls when a bot file is plain
//! (Chatlet's native format or a Conversation Builder export) rather than compiled
//! (`chatlet compile`). It reads and checks the file as `chatlet_engine::load` does
//! and returns the compiled bot (`chatlet_engine::compiled`), which the widget runs.
//!
//! A wasm of its own so that the widget's visitors' build carries neither reader, their
//! checks nor the translation of regular expressions (docs/performance.md): a page
//! whose bot is compiled never fetches it.

use wasm_bindgen::prelude::*;

/// Compiles the bot file `bytes`: the compiled bot, or the refusal that holds the
/// findings of a file that does not load (`chatlet_engine::compiled::read` reads both).
#[wasm_bindgen]
pub fn compile(bytes: &[u8]) -> Vec<u8> {
    match chatlet_engine::load_bytes(bytes) {
        Ok(bot) => chatlet_engine::compiled::write(&bot),
        Err(e) => chatlet_engine::compiled::refusal(&e),
    }
}

/// The findings of the bot file `bytes`, one line each (`error: /pointer ("name"): …`):
/// the errors `compile` refuses it with, or the warnings its compiled bot keeps. For the
/// package's `chatlet-compile`, which cannot read the engine's bytes (reading them here
/// would bring the compiled bot's reader into this wasm).
#[wasm_bindgen]
pub fn findings(bytes: &[u8]) -> Vec<String> {
    let findings = match chatlet_engine::load_bytes(bytes) {
        Ok(bot) => bot.findings().to_vec(),
        Err(e) => e.findings,
    };
    findings.iter().map(ToString::to_string).collect()
}

fn main() {}
