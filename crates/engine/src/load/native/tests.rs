//! Tests of `native` (the module's own file holds the code).

use super::*;

#[test]
fn keys_belong_to_their_kind_of_step() {
    let bot = r#"{"integrations": {"A": {"url": "https://a.example"}}, "dialogs": [{"name": "D", "flow": [
        {"say": "hi", "choices": ["x"], "rules": []},
        {"call": "A", "rules": [{"result": "success"}], "reply": "x();"},
        {"transfer": {"skill": 1}, "optionStyle": "numbers"},
        {"call": "B"}]}]}"#;
    let errors: Vec<String> = load(bot)
        .unwrap_err()
        .findings
        .iter()
        .map(|f| format!("{} {}", f.pointer, f.message))
        .collect();
    assert_eq!(
        errors,
        [
            "/dialogs/0/flow/0/choices only \"ask\" steps have \"choices\"",
            "/dialogs/0/flow/0/rules only \"ask\", \"call\", \"card\", \"carousel\" and \"rich\" steps have \"rules\"",
            "/dialogs/0/flow/1/reply only \"ask\" steps have \"reply\"",
            "/dialogs/0/flow/2/optionStyle only \"ask\" steps have \"optionStyle\"",
            "/dialogs/0/flow/3/call no integration is named \"B\"",
        ]
    );
}
