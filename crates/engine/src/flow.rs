//! Static checks of a bot's flow, run once after loading.

use crate::model::{Action, Bot, InteractionId, Kind};

/// Does the flow stop at this interaction to wait for something (the visitor, a call's
/// answer, a hand-over)?
fn waits(kind: &Kind) -> bool {
    match kind {
        Kind::Question { .. } | Kind::Upload(_) | Kind::Call(_) | Kind::Transfer { .. } => true,
        Kind::Rich { wait, .. } | Kind::Cards { wait, .. } => *wait,
        _ => false,
    }
}

/// Where the flow goes after `id` when nothing else decides (no code, no rule but the
/// unconditional one).
fn onward(bot: &Bot, id: InteractionId) -> Option<InteractionId> {
    let it = bot.interactions.get(id)?;
    match it.onward() {
        Action::Next => it.next,
        Action::Goto(to) => Some(*to),
        Action::Dialog(d) => bot.dialogs.get(*d)?.head,
        _ => None,
    }
}

/// Statement loops: cycles of interactions that lead back to themselves without anything
/// on the way that waits. Each loop is named once, by the interactions on it in order,
/// starting from the lowest id. At run time such a turn stops at the step budget with the
/// bot's error text; `chatlet check` warns about it.
pub fn statement_loops(bot: &Bot) -> Vec<Vec<InteractionId>> {
    // 0: not seen, 1: on the current path, 2: done.
    let mut state = vec![0u8; bot.interactions.len()];
    let mut loops = Vec::new();
    for start in 0..bot.interactions.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(id) = at {
            if state[id] == 2 || waits(&bot.interactions[id].kind) {
                break;
            }
            if state[id] == 1 {
                let from = path.iter().position(|p| *p == id).unwrap_or(0);
                let mut cycle: Vec<InteractionId> = path[from..].to_vec();
                let low = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, v)| **v)
                    .map_or(0, |(i, _)| i);
                cycle.rotate_left(low);
                loops.push(cycle);
                break;
            }
            state[id] = 1;
            path.push(id);
            at = onward(bot, id);
        }
        for id in path {
            state[id] = 2;
        }
    }
    loops
}

/// The warning for a loop, naming its interactions.
pub fn loop_message(bot: &Bot, cycle: &[InteractionId]) -> String {
    let names: Vec<String> = cycle
        .iter()
        .chain(cycle.first())
        .map(|id| format!("{:?}", bot.interactions[*id].name))
        .collect();
    format!(
        "{} loops without waiting for the visitor; a visitor who reaches it gets the error text after {} steps",
        names.join(" → "),
        bot.settings.max_steps
    )
}
