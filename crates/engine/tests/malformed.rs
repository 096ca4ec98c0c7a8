//! Bot files that are wrong in ways a loader can trip over: each gives findings with a
//! pointer, never a panic.

use chatlet_engine::{load, Severity};

/// Loads `bot` and returns its error findings as `pointer: message` lines.
fn errors(bot: &str) -> Vec<String> {
    let findings = match load(bot) {
        Ok(bot) => bot.findings().to_vec(),
        Err(e) => e.findings,
    };
    findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.pointer, f.message))
        .collect()
}

#[test]
fn an_integration_that_is_not_an_object_is_an_error_not_a_wrong_index() {
    // "Broken" comes first and is left out: "Upload" must not shift onto its index.
    let bot = r#"{"integrations": {"Broken": "https://a.example", "Upload": {"type": "file", "url": "/u"}},
        "dialogs": [{"name": "D", "patterns": ["*"], "flow": [
            {"upload": {"text": "A PDF, please.", "accept": ["pdf"]}}, {"call": "Upload"}, {"call": "Broken"}]}]}"#;
    let errors = errors(bot);
    assert!(
        errors.iter().any(|e| e.starts_with("/integrations/Broken")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Broken") && e.starts_with("/dialogs/0/flow/2")),
        "{errors:?}"
    );
    assert!(
        !errors.iter().any(|e| e.starts_with("/dialogs/0/flow/0")),
        "the upload is paired: {errors:?}"
    );
}

#[test]
fn code_nested_too_deep_for_a_javascript_parser_is_an_error() {
    let code = format!("var a = {}1{};", "[".repeat(300), "]".repeat(300));
    let bot = format!(
        r#"{{"dialogs": [{{"name": "D", "patterns": ["*"], "flow": [{{"say": "hi", "pre": {}}}]}}]}}"#,
        serde_json::to_string(&code).unwrap()
    );
    let errors = errors(&bot);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/dialogs/0/flow/0/pre") && e.contains("300 deep")),
        "{errors:?}"
    );
}

#[test]
fn a_pattern_nested_too_deep_is_an_error() {
    let pattern = format!("{}hi{}", "(".repeat(25), ")".repeat(25));
    let bot = format!(
        r#"{{"dialogs": [{{"name": "D", "patterns": [{}], "flow": [{{"say": "hi"}}]}}]}}"#,
        serde_json::to_string(&pattern).unwrap()
    );
    assert!(
        errors(&bot).iter().any(|e| e.contains("nested deeper")),
        "{:?}",
        errors(&bot)
    );
}

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
        .filter(|f| f.message.contains("loops without waiting"))
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

/// Spec §2.3: starters should be unique; a pattern two dialogs share is named.
#[test]
fn two_starters_with_one_pattern_are_named() {
    let bot = r#"{"dialogs": [{"name": "A", "patterns": ["*help*"], "flow": [{"say": "a"}]},
        {"name": "B", "patterns": ["hi", "*HELP*"], "flow": [{"say": "b"}]}]}"#;
    let bot = load(bot).unwrap();
    let shared: Vec<_> = bot
        .findings()
        .iter()
        .filter(|f| f.message.contains("is also"))
        .collect();
    assert_eq!(shared.len(), 1, "{:?}", bot.findings());
    assert_eq!(shared[0].interaction.as_deref(), Some("B"));
    assert_eq!(shared[0].pointer, "/dialogs/1/flow/0");
}
