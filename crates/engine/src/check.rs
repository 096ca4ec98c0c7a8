//! The warnings only `chatlet check` shows about a loaded bot, for both formats: slot
//! reads that read variables (spec §4.1) and statement loops. Each loader says where an
//! interaction is in its file and what its rules are called there.

use serde_json::Value;

use crate::error::{pointer, Findings};
use crate::flow;
use crate::model::{Bot, InteractionId};
use crate::slots;

/// Adds the warnings about `bot` to `findings`; `raw` are the parts of the file that hold
/// templates, `at` gives an interaction's JSON pointer and `rules` the key of its rules.
pub fn warnings(
    bot: &Bot,
    raw: &[&Value],
    findings: &mut Findings,
    at: &dyn Fn(InteractionId) -> String,
    rules: &str,
) {
    for fallback in slots::fallbacks(raw, bot) {
        match fallback.setter {
            Some((id, r)) => {
                let name = &bot.interactions[id].name;
                let rule = format!("rule {} of {name:?}", r + 1);
                let where_ = pointer(&pointer(&at(id), rules), r);
                findings.warn(&where_, Some(name), slots::message(&fallback, Some(&rule)));
            }
            None => findings.warn("", None, slots::message(&fallback, None)),
        }
    }
    for cycle in flow::statement_loops(bot) {
        let name = &bot.interactions[cycle[0]].name;
        findings.warn(&at(cycle[0]), Some(name), flow::loop_message(bot, &cycle));
    }
}
