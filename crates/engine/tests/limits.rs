//! What a visitor, a server or a bot file can send is bounded: each limit gives a clear
//! behaviour (a cut, a failure, a finding), never unbounded growth.

mod common;

use chatlet_engine::{load, Input, Output, MAX_BOT_BYTES, MAX_DIALOGS};
use chatlet_engine::{MAX_MESSAGE_CHARS, MAX_QUEUED, MAX_RESPONSE_BYTES, MAX_STACK};
use common::{session, texts};

fn debug(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::Debug { message } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

const ECHO: &str = r#"{"dialogs":[{"name":"Echo","patterns":["*"],"flow":[{"say":"{$query}"}]}]}"#;

#[test]
fn a_long_visitor_message_is_cut_with_a_note() {
    let mut s = session(ECHO);
    let out = s.handle(Input::Text("é".repeat(MAX_MESSAGE_CHARS + 500)));
    assert_eq!(texts(&out).concat().chars().count(), MAX_MESSAGE_CHARS);
    assert!(
        debug(&out).iter().any(|d| d.contains("is cut to")),
        "{:?}",
        debug(&out)
    );
}

const CALL: &str = r#"{"integrations":{"Api":{"url":"https://api.example/x"}},"dialogs":[
    {"name":"Call","patterns":["call"],"flow":[{"call":"Api","rules":[
        {"result":"success","then":"ok"},{"result":"failure","then":"no"}]},
        {"say":"ok","name":"ok","then":"stop"},{"say":"failed","name":"no"}]},
    {"name":"Echo","patterns":["*"],"flow":[{"say":"{$query}"}]}]}"#;

fn request_id(out: &[Output]) -> u64 {
    out.iter()
        .find_map(|o| match o {
            Output::Request(r) => Some(r.id),
            _ => None,
        })
        .expect("a request")
}

#[test]
fn an_oversized_answer_is_a_failure() {
    let mut s = session(CALL);
    let id = request_id(&s.handle(Input::Text("call".into())));
    let body = format!("\"{}\"", "x".repeat(MAX_RESPONSE_BYTES));
    let out = s.handle(Input::Response {
        id,
        status: 200,
        body,
    });
    assert_eq!(texts(&out), ["failed"]);
}

#[test]
fn inputs_waiting_for_a_call_are_bounded() {
    let mut s = session(CALL);
    let id = request_id(&s.handle(Input::Text("call".into())));
    let mut notes = 0;
    for i in 0..MAX_QUEUED + 10 {
        notes += debug(&s.handle(Input::Text(format!("m{i}")))).len();
    }
    assert_eq!(notes, 10, "each dropped input is noted");
    let out = s.handle(Input::Response {
        id,
        status: 200,
        body: "{}".into(),
    });
    let said = texts(&out);
    assert_eq!(said.len(), 1 + MAX_QUEUED);
    assert_eq!(said.last().unwrap(), &format!("m{}", MAX_QUEUED - 1));
}

#[test]
fn the_dialog_stack_is_bounded() {
    // Every message interrupts the open question with another dialog, which asks again.
    let bot = r#"{"dialogs":[{"name":"Ask","patterns":["*"],"flow":[
        {"ask":"Number?","rules":[{"regex":"^\\d+$"}]}]}]}"#;
    let mut s = session(bot);
    for i in 0..MAX_STACK * 4 {
        let out = s.handle(Input::Text(format!("interrupt {i}")));
        assert!(!texts(&out).is_empty());
    }
    assert_eq!(s.stack_depth(), MAX_STACK);
}

#[test]
fn bot_files_over_the_limits_are_refused() {
    let huge = format!(
        r#"{{"dialogs": [], "padding": "{}"}}"#,
        "x".repeat(MAX_BOT_BYTES)
    );
    let e = load(&huge).unwrap_err();
    assert!(e.to_string().contains("at most"), "{e}");
    let dialogs: Vec<String> = (0..=MAX_DIALOGS)
        .map(|i| format!(r#"{{"name":"D{i}","flow":[]}}"#))
        .collect();
    let many = format!(r#"{{"dialogs": [{}]}}"#, dialogs.join(","));
    let e = load(&many).unwrap_err();
    assert!(e.to_string().contains("dialogs; at most"), "{e}");
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(load(&deep).is_err());
}
