//! The warnings only `chatlet check` shows about a loaded bot, for both formats: slot
//! reads that read variables (spec §4.1), statement loops, and starters that share a
//! pattern (§2.3: only the first of them can ever fire). Each loader says where an
//! interaction is in its file and what its rules are called there.

use serde_json::Value;

use crate::error::{pointer, FindingKind, Findings};
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
                findings.warn(
                    FindingKind::Flow,
                    &where_,
                    Some(name),
                    slots::message(&fallback, Some(&rule)),
                );
            }
            None => findings.warn(FindingKind::Flow, "", None, slots::message(&fallback, None)),
        }
    }
    for cycle in flow::statement_loops(bot) {
        let name = &bot.interactions[cycle[0]].name;
        findings.warn(
            FindingKind::Flow,
            &at(cycle[0]),
            Some(name),
            flow::loop_message(bot, &cycle),
        );
    }
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for dialog in bot.dialogs.iter().filter(|d| d.enabled) {
        for pattern in &dialog.patterns {
            let key = crate::case::lower(pattern.source().trim());
            match seen.get(&key) {
                Some(first) if *first != dialog.name => findings.warn(FindingKind::Duplicate,
                    &dialog.head.map(at).unwrap_or_default(),
                    Some(&dialog.name),
                    format!(
                        "the starter pattern {:?} is also {first:?}'s, which comes first: it never starts this dialog",
                        pattern.source()
                    ),
                ),
                Some(_) => {}
                None => {
                    seen.insert(key, &dialog.name);
                }
            }
        }
    }
}
