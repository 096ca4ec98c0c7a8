//! Bot files that are wrong in ways a loader can trip over: each gives findings with a
//! pointer, never a panic.

use chatlet_engine::{load, Severity};

/// Loads `bot` and returns its error findings as `pointer: message` lines.
fn errors(bot: &str) -> Vec<String> {
    let findings = match load(bot) {
        Ok(bot) => bot.findings,
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
