//! Bot files that are wrong in ways a loader can trip over give findings with a pointer,
//! never a panic: `tests/findings/` holds them as data (`findings.rs` checks them). What
//! stays here is what a findings file cannot say: how the bot then runs.

use chatlet_engine::{load, FindingKind};

/// A statement loop is named at load time (a warning: the bot runs, and a visitor who
/// reaches it gets the error text when the step budget runs out).
#[test]
fn a_statement_loop_is_reported_and_stopped() {
    let bot = r#"{"dialogs": [{"name": "D", "patterns": ["go"], "flow": [
        {"say": "one", "name": "one"}, {"say": "two", "name": "two", "then": "one"}]},
        {"name": "Q", "patterns": ["ask"], "flow": [
        {"ask": "Again?", "name": "again"}, {"say": "ok", "then": "again"}]}]}"#;
    let bot = load(bot).unwrap();
    let loops: Vec<_> = bot
        .findings()
        .iter()
        .filter(|f| f.kind == FindingKind::Flow)
        .collect();
    assert_eq!(
        loops.len(),
        1,
        "the question breaks the second cycle: {loops:?}"
    );
    assert_eq!(loops[0].pointer, "/dialogs/0/flow/0");
    assert!(
        loops[0].message.starts_with(r#""one" → "two" → "one""#),
        "{}",
        loops[0].message
    );
    let mut session = chatlet_engine::Session::new(std::sync::Arc::new(bot), Default::default());
    let out = session.handle(chatlet_engine::Input::Text("go".into()));
    let last = out.iter().rev().find_map(|o| match o {
        chatlet_engine::Output::Text { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(last.as_deref(), Some(chatlet_engine::DEFAULT_FALLBACK_TEXT));
}
