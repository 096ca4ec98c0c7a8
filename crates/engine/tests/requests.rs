//! Integration calls as the engine describes them: encoding, queuing, answers.

mod common;

use chatlet_engine::{Input, Output, Request};
use common::{session, texts};
use serde_json::json;

const BALANCE: &str = include_str!("../../../tests/transcripts/cb-account-balance/bot.json");

fn request(out: &[Output]) -> Request {
    out.iter()
        .find_map(|o| match o {
            Output::Request(r) => Some(r.clone()),
            _ => None,
        })
        .expect("a request")
}

/// A one-dialog CB bot whose starter calls integration `Echo` (POST, JSON body).
fn echo_bot(headers: &str) -> String {
    json!({
        "bot": {"id": "b", "name": "Echo"},
        "groups": [{"id": "g", "name": "Echo", "dialogType": "DIALOG"}],
        "responder": [{"id": "r", "name": "Echo", "integrationType": "API", "method": "post",
            "webhook": "https://echo.example/say/{$userMessage}",
            "headers": serde_json::from_str::<serde_json::Value>(headers).unwrap(),
            "postBody": "{\"said\": \"{$userMessage}\", \"raw\": {$botContext.n}}"}],
        "conversationMessage": [
            {"id": "s", "name": "start", "group": "g", "interactionType": "DIALOG_STARTER",
             "pattern": ["*"], "nextMessageId": "c",
             "responseMatches": [{"conditions": [], "action": {"name": "INTERACTION", "value": "next"}}]},
            {"id": "c", "name": "call", "group": "g", "interactionType": "API_INTEGRATION",
             "content": {"responderId": "r"}, "nextMessageId": "t",
             "responseMatches": [{"conditions": [], "action": {"name": "INTERACTION", "value": "next"}}]},
            {"id": "t", "name": "told", "group": "g", "interactionType": "TEXT",
             "content": {"results": {"tile": {"tileData": [{"text": "done {$botContext.api_EchoStatus}"}]}}},
             "responseMatches": [{"conditions": [], "action": {"name": "INTERACTION", "value": "none"}}]}
        ]
    })
    .to_string()
}

#[test]
fn values_are_encoded_for_where_they_go() {
    let mut s = session(&echo_bot(
        r#"[{"key": "Content-Type", "value": "application/json"}]"#,
    ));
    let out = s.handle(Input::Text("a \"quote\" / and\nline".into()));
    let r = request(&out);
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.url,
        "https://echo.example/say/a%20%22quote%22%20%2F%20and%0Aline"
    );
    // A missing value outside a string is `null`, so the body stays valid JSON.
    assert_eq!(
        r.body.as_deref(),
        Some(r#"{"said": "a \"quote\" / and\nline", "raw": null}"#)
    );
    let body: Result<serde_json::Value, _> = serde_json::from_str(&r.body.unwrap());
    assert!(body.is_ok(), "the escaped body is valid JSON");
    let out = s.handle(Input::Response {
        id: r.id,
        status: 201,
        body: "{}".into(),
    });
    assert_eq!(texts(&out), ["done 201"]);
}

#[test]
fn a_header_that_would_inject_a_line_stops_the_call() {
    let mut s = session(&echo_bot(
        r#"[{"key": "X-Said", "value": "{$userMessage}"}]"#,
    ));
    let out = s.handle(Input::Text("evil\r\nX-Admin: 1".into()));
    assert!(!out.iter().any(|o| matches!(o, Output::Request(_))));
    // The unconditional rule handles the failure: no default failure text.
    assert_eq!(texts(&out), ["done"]);
    let out = s.handle(Input::Text("fine".into()));
    assert_eq!(request(&out).headers, [("X-Said".into(), "fine".into())]);
}

#[test]
fn visitor_messages_wait_for_the_call_to_answer() {
    let mut s = session(BALANCE);
    s.handle(Input::Text("balance".into()));
    s.handle(Input::Text("123456".into()));
    let out = s.handle(Input::Text("ada@example.com".into()));
    let r = request(&out);
    assert_eq!(r.integration, "Balance");
    assert_eq!(r.timeout_ms, 10_000);
    assert!(s.is_waiting());
    // Typed while the call is in flight: kept, not lost, not answered yet.
    assert!(s.handle(Input::Text("branches?".into())).is_empty());
    // A stale answer is ignored.
    let out = s.handle(Input::Response {
        id: r.id + 7,
        status: 200,
        body: "{}".into(),
    });
    assert!(matches!(&out[..], [Output::Debug { .. }]));
    let out = s.handle(Input::Response {
        id: r.id,
        status: 200,
        body: r#"{"accountBalance": 3, "currency": "EUR"}"#.into(),
    });
    assert_eq!(texts(&out), ["The balance of account 123456 is 3 EUR."]);
    // Then the queued message is handled: it starts the Branches dialog's call.
    assert_eq!(request(&out).integration, "Branches");
}

#[test]
fn a_transfer_needs_a_numeric_skill() {
    let mut s = session(BALANCE);
    let out = s.handle(Input::Text("agent".into()));
    assert!(!out.iter().any(|o| matches!(o, Output::Transfer { .. })));
    assert_eq!(
        texts(&out).last().unwrap(),
        "Not able to understand your question. Can you please re-phrase it?"
    );
    s.set_env("supportSkill", "77");
    let out = s.handle(Input::Text("agent".into()));
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Transfer { skill, message: None, context: false, .. } if skill == "77"
    )));
}
