//! The checks of a lowered bot, for both formats, run once after loading: the cross
//! references every bot must get right (File Uploads paired with File integration calls,
//! no result rules on those calls), and the warnings only `chatlet check` shows (the
//! `checks` feature): slot reads that read variables (spec §4.1), statement loops, and
//! starters that share a pattern (§2.3: only the first of them can ever fire). Each
//! loader says where an interaction is in its file and what its rules are called there.

#[cfg(feature = "checks")]
use serde_json::Value;

use crate::error::{pointer, FindingKind, Findings};
#[cfg(feature = "checks")]
use crate::flow;
use crate::model::{Bot, Condition, InteractionId, Kind};
#[cfg(feature = "checks")]
use crate::slots;

/// How a format reports a broken cross reference its runtime tolerates: the native
/// format refuses the bot, a Conversation Builder export loads with a warning.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Problems are errors.
    Strict,
    /// What CB tolerates is a warning.
    Tolerant,
}

/// Checks the cross references of `bot`: `at` gives an interaction's JSON pointer and
/// `rules` the key of its rules in the file.
pub fn cross_references(
    bot: &Bot,
    findings: &mut Findings,
    at: &dyn Fn(InteractionId) -> String,
    rules: &str,
    strictness: Strictness,
) {
    for (id, problem) in pairing(bot) {
        let name = &bot.interactions[id].name;
        findings.error(FindingKind::Invalid, at(id), Some(name), problem);
    }
    for id in result_rules(bot) {
        let name = &bot.interactions[id].name;
        let here = pointer(&at(id), rules);
        match strictness {
            Strictness::Strict => {
                findings.error(FindingKind::Invalid, &here, Some(name), RESULT_RULES_NOTE)
            }
            Strictness::Tolerant => {
                findings.warn(FindingKind::Invalid, &here, Some(name), RESULT_RULES_NOTE)
            }
        }
    }
}

/// Checks that every File Upload interaction is followed by a call of a File integration,
/// and every such call follows a File Upload interaction. Returns the offending
/// interactions with what is wrong; the loaders report them as errors.
pub fn pairing(bot: &Bot) -> Vec<(InteractionId, String)> {
    let file_call = |id: Option<InteractionId>| {
        id.and_then(|i| match bot.interactions.get(i)?.kind {
            Kind::Call(c) if bot.integrations.get(c)?.file => Some(i),
            _ => None,
        })
    };
    let mut problems = Vec::new();
    let mut fed = Vec::new();
    for (id, it) in bot.interactions.iter().enumerate() {
        if let Kind::Upload(_) = it.kind {
            match file_call(bot.after(id)) {
                Some(call) => fed.push(call),
                None => problems.push((
                    id,
                    "a File Upload must be followed directly by a call of a File integration"
                        .to_string(),
                )),
            }
        }
    }
    for (id, _) in bot.interactions.iter().enumerate() {
        if file_call(Some(id)).is_some() && !fed.contains(&id) {
            problems.push((
                id,
                "a File integration receives the file of the File Upload just before it; this call has none".to_string(),
            ));
        }
    }
    problems
}

/// File integration calls with rules that test the call's result: they never fire,
/// since the flow goes on before the upload ends.
pub fn result_rules(bot: &Bot) -> Vec<InteractionId> {
    (0..bot.interactions.len())
        .filter(|&i| {
            let it = &bot.interactions[i];
            matches!(it.kind, Kind::Call(c) if bot.integrations[c].file)
                && it
                    .rules
                    .iter()
                    .any(|r| matches!(r.condition, Condition::ApiResult(_)))
        })
        .collect()
}

/// What to say about [`result_rules`].
pub const RESULT_RULES_NOTE: &str = "a File integration's outcome arrives later as file_upload_success:/file_upload_failed: (route it with a dialog pattern); result rules here never fire";

#[cfg(feature = "checks")]
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
            at(cycle[0]),
            Some(name),
            flow::loop_message(bot, &cycle),
        );
    }
    // By the lowered pattern the matcher uses.
    let patterns = bot.dialogs.iter().map(|d| d.patterns.len()).sum();
    let mut seen: crate::load::names::Map<&[char], &str> =
        crate::load::names::Map::with_capacity_and_hasher(patterns, Default::default());
    for dialog in bot.dialogs.iter().filter(|d| d.enabled) {
        for pattern in &dialog.patterns {
            let key = pattern.lowered();
            match seen.get(key) {
                Some(first) if *first != dialog.name => findings.warn(FindingKind::Duplicate,
                    dialog.head.map(at).unwrap_or_default(),
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
