//! Helpers shared by the engine's integration tests.

use std::sync::Arc;

use chatlet_engine::{load, Output, Session};

/// A session with `bot` (either format), without JavaScript.
pub fn session(bot: &str) -> Session {
    Session::new(Arc::new(load(bot).unwrap()), Default::default())
}

/// The texts among `out`, in order.
pub fn texts(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}
