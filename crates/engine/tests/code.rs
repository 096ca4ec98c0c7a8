//! What a bot author is told of the bot's code: the host's JavaScript syntax check at
//! load time (a test binary of its own: the check, once installed, is the process's),
//! and the names blocks go by.

use chatlet_engine::{load, set_syntax_check, Severity};
use serde_json::Value;

/// A stand-in parser: code holding `@@` does not parse.
fn refuses_at_signs(code: &str) -> Option<String> {
    code.contains("@@")
        .then(|| "SyntaxError: @@ is not JavaScript".to_string())
}

#[test]
fn code_the_host_cannot_parse_is_a_warning_where_it_is() {
    // Before a host installs a check, nothing is checked.
    let native = r#"{"dialogs":[{"name":"D","patterns":["hi"],"flow":[
        {"say":"a","pre":"@@"},{"say":"b","post":"ok();"}]}]}"#;
    assert!(load(native).unwrap().findings().is_empty());
    set_syntax_check(refuses_at_signs);
    let found: Vec<String> = load(native)
        .unwrap()
        .findings()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            r#"warning: /dialogs/0/flow/0/pre ("D 1"): the code does not parse (SyntaxError: @@ is not JavaScript); running it is a script error"#
        ]
    );

    // A Conversation Builder export: an interaction's hook and the global functions.
    let mut cb: Value = serde_json::from_str(include_str!(
        "../../../tests/transcripts/cb-scripts/bot.json"
    ))
    .unwrap();
    let messages = cb["conversationMessage"].as_array_mut().unwrap();
    let i = messages
        .iter()
        .position(|m| m.get("preProcessMessage").is_some())
        .expect("an interaction with pre-process code");
    messages[i]["preProcessMessage"] = Value::from("var x = 1; @@");
    let name = messages[i]["name"].as_str().map(str::to_string);
    cb["globalFunctions"]["methods"] = Value::from("function f() { @@ }");
    let bot = load(&cb.to_string()).unwrap();
    let warnings: Vec<_> = bot
        .findings()
        .iter()
        .filter(|f| f.severity == Severity::Warning && f.message.contains("does not parse"))
        .map(|f| (f.pointer.as_str(), f.interaction.clone()))
        .collect();
    assert_eq!(
        warnings,
        [
            ("/globalFunctions/methods", None),
            (
                format!("/conversationMessage/{i}/preProcessMessage").as_str(),
                name
            ),
        ]
    );
}

/// A Conversation Builder export keys its blocks by interaction id; authors know them by
/// the interaction's name.
#[test]
fn blocks_are_labelled_by_their_interactions_names() {
    let text = include_str!("../../../tests/transcripts/cb-scripts/bot.json");
    let raw: Value = serde_json::from_str(text).unwrap();
    let bot = load(text).unwrap();
    let labels = chatlet_engine::precompiled::labels(&bot);
    assert!(!labels.is_empty());
    for (key, label) in &labels {
        let (id, hook) = key.rsplit_once('/').unwrap();
        let message = raw["conversationMessage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{key} names no interaction"));
        assert_eq!(
            label,
            &format!("{}/{hook}", message["name"].as_str().unwrap())
        );
        assert!(["pre", "post", "reply"].contains(&hook), "{key}");
    }
}

/// A name two interactions share, or none, keeps the id beside it.
#[test]
fn shared_or_blank_names_keep_their_ids() {
    let mut cb: Value = serde_json::from_str(include_str!(
        "../../../tests/transcripts/cb-scripts/bot.json"
    ))
    .unwrap();
    let messages = cb["conversationMessage"].as_array_mut().unwrap();
    let with_code: Vec<usize> = (0..messages.len())
        .filter(|&i| messages[i].get("preProcessMessage").is_some())
        .collect();
    assert!(
        with_code.len() >= 2,
        "the fixture has two interactions with code"
    );
    let (a, b) = (with_code[0], with_code[1]);
    messages[a]["name"] = Value::from("same");
    messages[b]["name"] = Value::from("same");
    let (id_a, id_b) = (messages[a]["id"].clone(), messages[b]["id"].clone());
    let bot = load(&cb.to_string()).unwrap();
    let labels = chatlet_engine::precompiled::labels(&bot);
    let label = |id: &Value| {
        let prefix = format!("{}/pre", id.as_str().unwrap());
        labels
            .iter()
            .find(|(k, _)| *k == prefix)
            .map(|(_, l)| l.clone())
            .unwrap()
    };
    assert_eq!(
        label(&id_a),
        format!("same ({})/pre", id_a.as_str().unwrap())
    );
    assert_eq!(
        label(&id_b),
        format!("same ({})/pre", id_b.as_str().unwrap())
    );
}
