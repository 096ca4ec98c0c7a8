//! Slots and the variables a slot read falls back to (spec §4.1). No public export shows
//! how CB marks a rule's assignment as a slot, so a bot whose rules store answers in
//! ordinary variables but whose texts read `{$botContext.slot.NAME}` (as the tutorial's
//! do) would show empty values. Decided: a read of slot NAME in a bot where no rule fills
//! a slot NAME reads the variable NAME, and `chatlet check` warns, naming the rule that
//! sets the variable.

#[cfg(feature = "checks")]
use std::collections::BTreeSet;

#[cfg(feature = "checks")]
use serde_json::Value;

use crate::model::Bot;
#[cfg(feature = "checks")]
use crate::model::InteractionId;

/// The slot names some rule of `bot` fills.
pub fn filled(bot: &Bot) -> Vec<String> {
    bot.interactions
        .iter()
        .flat_map(|it| &it.rules)
        .flat_map(|rule| &rule.set)
        .filter(|a| a.slot)
        .map(|a| a.name.clone())
        .collect()
}

#[cfg(feature = "checks")]
/// A slot read that falls back to a variable: the name, and the first rule that sets
/// the variable (interaction, rule index), if any.
pub struct Fallback {
    /// The slot's (and the variable's) name.
    pub name: String,
    /// The rule that sets the variable: its interaction and its index.
    pub setter: Option<(InteractionId, usize)>,
}

#[cfg(feature = "checks")]
/// Every `{$botContext.slot.NAME}` in the parts of the bot file given (`raw`, any string
/// in them) whose NAME no rule fills as a slot.
pub fn fallbacks(raw: &[&Value], bot: &Bot) -> Vec<Fallback> {
    let mut read = BTreeSet::new();
    raw.iter().for_each(|v| collect(v, &mut read));
    let filled = filled(bot);
    read.into_iter()
        .filter(|name| !filled.contains(name))
        .map(|name| {
            let setter = bot.interactions.iter().enumerate().find_map(|(id, it)| {
                let rule = it
                    .rules
                    .iter()
                    .position(|r| r.set.iter().any(|a| !a.slot && a.name == name))?;
                Some((id, rule))
            });
            Fallback { name, setter }
        })
        .collect()
}

#[cfg(feature = "checks")]
/// The warning's text for a fallback.
pub fn message(fallback: &Fallback, setter_name: Option<&str>) -> String {
    let name = &fallback.name;
    match setter_name {
        Some(rule) => format!(
            "{{$botContext.slot.{name}}} is read but no rule fills a slot {name:?}: it reads the variable {name:?}, which {rule} sets"
        ),
        None => format!(
            "{{$botContext.slot.{name}}} is read but no rule fills a slot or sets a variable {name:?}: it stays empty"
        ),
    }
}

#[cfg(feature = "checks")]
fn collect(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            // Each brace tried in place (a searcher for the whole form costs more to set
            // up than most strings are long).
            const FORM: &str = "{$botContext.slot.";
            for (at, _) in s.match_indices('{') {
                let Some(rest) = s[at..].strip_prefix(FORM) else {
                    continue;
                };
                if let Some(end) = rest.find('}') {
                    let name = rest[..end].trim();
                    if !name.is_empty() && !name.contains('{') {
                        out.insert(name.to_string());
                    }
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|v| collect(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}
