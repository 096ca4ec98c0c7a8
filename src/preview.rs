//! What the previewer's own build adds (the `preview` feature: `chatlet-preview`, a wasm
//! of its own that only `preview.html` loads; the visitors' widget carries none of it).
//!
//! - [`check`]: a bot file's findings as `chatlet check` lists them (the engine with its
//!   `checks` feature): errors, unsupported features and warnings, each with its JSON
//!   pointer and interaction.
//! - Every turn of a window's session as a `chatlet:turn` event ([`TurnDetail`]): the
//!   step that made it, its outputs (requests, script errors and `printDebugMessage`
//!   output included), each output's transcript lines (`chatlet_engine::transcript`, the
//!   format `chatlet test` replays) and the session's state after it (variables, slots,
//!   custom data fields, the last call's outcome, the dialog stack, the question that
//!   waits), so the page can show inside every turn and record the conversation.

use chatlet_engine::{transcript, Output};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::events::{Event, Finding};
use crate::protocol::{BlockRun, Step, Turn};

/// `chatlet:turn` (the previewer's build only): one turn of the session.
#[derive(Serialize)]
pub struct TurnDetail<'a> {
    /// The step's number in the conversation.
    pub seq: u64,
    /// What made the turn: the visitor's text, an API's answer, a variable the page set…
    pub step: Option<Step>,
    /// What the session answered, in order.
    pub outputs: &'a [Output],
    /// Each output's lines in the transcript format (none for requests and notes).
    pub lines: Vec<Vec<String>>,
    /// Why the turn went where it went: the starter that matched and its pattern (or
    /// the fallback), the rule that fired (or none).
    pub why: &'a [String],
    /// The blocks of bot code the turn ran: their script keys, times and errors.
    pub blocks: &'a [BlockRun],
    /// A call or an upload is in flight.
    pub waiting: bool,
    /// The session's state after the turn (its snapshot, as stored).
    pub state: Option<&'a Value>,
    /// The forever-scoped variables, when the turn changed them (kept apart from the
    /// snapshot, as CB keeps them).
    pub forever: Option<&'a Value>,
}

impl Event for TurnDetail<'_> {
    const NAME: &'static str = "chatlet:turn";
}

/// The turn's event, from the turn and the step that made it.
pub fn turn_detail(turn: &Turn, step: Option<Step>) -> TurnDetail<'_> {
    TurnDetail {
        seq: turn.seq,
        step,
        outputs: &turn.outputs,
        lines: turn.outputs.iter().map(transcript::bot_lines).collect(),
        why: &turn.why,
        blocks: &turn.blocks,
        waiting: turn.waiting,
        state: turn.inspect.as_ref(),
        forever: turn.forever.as_ref(),
    }
}

/// What [`check`] found.
#[derive(Serialize)]
struct Checked {
    /// The bot loaded (its findings are warnings and unsupported features at most).
    loaded: bool,
    /// Its name, when it loaded.
    name: Option<String>,
    /// Its dialogs and interactions, when it loaded.
    size: Option<(usize, usize)>,
    findings: Vec<Finding>,
    /// `chatlet check`'s lines.
    lines: Vec<String>,
    /// (script key, the name an author knows it by) for each code hook: turns name
    /// blocks by key, an interaction id in a Conversation Builder export.
    labels: Vec<(String, String)>,
}

/// A bot file's findings, as `chatlet check` lists them (code the browser cannot parse
/// included, where `chatlet check` names what QuickJS cannot).
#[wasm_bindgen]
pub fn check(text: &str) -> JsValue {
    // Loading compiles the bot's expressions, whose case folding is built once, from the
    // browser's case mappings: they must be there before the first load (mount installs
    // them too, but the page checks a bot before it mounts one).
    crate::install_case();
    chatlet_engine::set_syntax_check(syntax_error);
    let loaded = chatlet_engine::load(text);
    let found = match &loaded {
        Ok(bot) => bot.findings(),
        Err(e) => &e.findings,
    };
    let bot = loaded.as_ref().ok();
    crate::wire::to_js(&Checked {
        loaded: bot.is_some(),
        name: bot.map(|b| b.display_name()),
        size: bot.map(|b| b.size()),
        findings: found.iter().map(Finding::of).collect(),
        lines: found.iter().map(|f| f.to_string()).collect(),
        labels: bot
            .map(chatlet_engine::precompiled::labels)
            .unwrap_or_default(),
    })
}

/// Why `code` does not parse as a function body, by the browser's own parser: the
/// `Function` constructor parses without running. Only a `SyntaxError` counts (a page
/// whose Content-Security-Policy forbids it gets an `EvalError`, which says nothing of
/// the code).
fn syntax_error(code: &str) -> Option<String> {
    let function: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Function"))
            .ok()?
            .unchecked_into();
    let args = js_sys::Array::of1(&JsValue::from_str(code));
    let thrown = js_sys::Reflect::construct(&function, &args).err()?;
    let error: js_sys::Error = thrown.dyn_into().ok()?;
    (error.name() == "SyntaxError")
        .then(|| format!("SyntaxError: {}", String::from(error.message())))
}
