//! File uploads as the engine sees them: what it judges before anything is sent, how
//! uploads run beside the conversation, and where their outcomes go.

mod common;

use std::sync::Arc;

use chatlet_engine::MAX_UPLOAD_BYTES as MAX_BYTES;
use chatlet_engine::{load, FileIn, Input, Output, Session, Upload};
use common::{session, texts};

const BOT: &str = include_str!("../../../tests/transcripts/native-upload/bot.json");

fn uploads(out: &[Output]) -> Vec<Upload> {
    out.iter()
        .filter_map(|o| match o {
            Output::Upload(u) => Some(u.clone()),
            _ => None,
        })
        .collect()
}

fn file(handle: u64, name: &str, size: u64, head: &[u8]) -> Input {
    Input::File(FileIn {
        handle,
        name: name.into(),
        size,
        head: head.to_vec(),
        caption: String::new(),
    })
}

const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3";

#[test]
fn a_file_too_large_gets_the_size_text_unless_the_author_set_one() {
    let mut s = session(BOT);
    s.handle(Input::Text("documents".into()));
    assert_eq!(s.expected_file(), Some((vec!["pdf", "png"], MAX_BYTES)));
    let out = s.handle(file(1, "big.pdf", MAX_BYTES + 1, PDF));
    assert_eq!(
        texts(&out),
        ["The file is too large. Upload a file of at most 5 MB."]
    );
    assert!(uploads(&out).is_empty());
    assert!(out.contains(&Output::FileRefused { file: 1 }), "{out:?}");
    // The question stays open: the visitor may try again.
    assert!(s.expected_file().is_some());
    let out = s.handle(file(2, "ok.pdf", MAX_BYTES, PDF));
    assert_eq!(uploads(&out).len(), 1);
    // The second upload sets its own validation text: it is used for size too.
    let out = s.handle(file(3, "big.pdf", MAX_BYTES + 1, PDF));
    assert_eq!(texts(&out), ["Only PDF files, please."]);
}

/// A native bot without code: an upload, an API call, and a dialog for successes.
const PLAIN: &str = r#"{
  "integrations": {
    "Store": {"type": "file", "method": "PUT", "url": "https://files.example/{$conversationId}",
              "headers": {"Authorization": "Bearer t"}, "fields": {"id": "$.api_Store.id"}},
    "Api": {"url": "https://api.example/now"}},
  "dialogs": [
    {"name": "Docs", "patterns": ["docs"], "flow": [
      {"upload": {"text": "Your file?", "accept": ["pdf"]}}, {"call": "Store"},
      {"say": "On its way."}]},
    {"name": "Done", "patterns": ["file_upload_success:*"], "flow": [{"say": "Stored as {Store.id}."}]},
    {"name": "Call", "patterns": ["call"], "flow": [{"call": "Api"}, {"say": "Called."}]},
    {"name": "Other", "fallback": true, "flow": [{"say": "Pardon?"}]}]}"#;

#[test]
fn uploads_run_beside_the_conversation_and_queue_behind_a_call() {
    let mut s = Session::new(
        Arc::new(load(PLAIN).unwrap()),
        chatlet_engine::SessionOptions {
            conversation_id: "c 1".into(),
            ..Default::default()
        },
    );
    s.handle(Input::Text("docs".into()));
    let out = s.handle(file(7, "id.pdf", 2000, PDF));
    assert_eq!(texts(&out), ["Processing the file...", "On its way."]);
    let [upload] = &uploads(&out)[..] else {
        panic!("one upload: {out:?}")
    };
    assert_eq!(upload.file, 7);
    assert_eq!(upload.method, "PUT");
    assert_eq!(upload.url, "https://files.example/c%201");
    assert_eq!(
        upload.headers,
        [("Authorization".to_string(), "Bearer t".to_string())]
    );
    assert_eq!(s.uploads_in_flight(), 1);
    // The conversation goes on: the visitor can talk while the file travels.
    assert_eq!(texts(&s.handle(Input::Text("hello?".into()))), ["Pardon?"]);
    // A call is in flight when the upload finishes: its outcome waits for the call.
    let out = s.handle(Input::Text("call".into()));
    let call = out
        .iter()
        .find_map(|o| match o {
            Output::Request(r) => Some(r.id),
            _ => None,
        })
        .expect("a call");
    let out = s.handle(Input::Response {
        id: upload.id,
        status: 201,
        body: r#"{"id":"U-777777"}"#.into(),
    });
    assert!(texts(&out).is_empty(), "{out:?}");
    let out = s.handle(Input::Response {
        id: call,
        status: 200,
        body: "{}".into(),
    });
    assert_eq!(texts(&out), ["Called.", "Stored as U-777777."]);
    assert_eq!(s.uploads_in_flight(), 0);
}

#[test]
fn an_answer_after_reset_is_ignored_and_no_file_is_taken_unasked() {
    let mut s = session(BOT);
    s.handle(Input::Text("documents".into()));
    let out = s.handle(file(1, "id.png", 100, b"\x89PNG\r\n\x1a\n"));
    let id = uploads(&out)[0].id;
    s.handle(Input::Reset);
    let out = s.handle(Input::Response {
        id,
        status: 201,
        body: "{}".into(),
    });
    assert!(texts(&out).is_empty(), "{out:?}");
    assert_eq!(s.expected_file(), None);
    let out = s.handle(file(2, "id.pdf", 100, PDF));
    assert!(
        texts(&out).is_empty() && uploads(&out).is_empty(),
        "{out:?}"
    );
    assert!(out.iter().any(|o| matches!(o,
        Output::Debug { message } if message.contains("not asking for a file"))));
}

#[test]
fn a_file_call_without_an_upload_before_it_does_not_load() {
    let bot = r#"{"integrations": {"Store": {"type": "file", "url": "https://x.example/u"}},
        "dialogs": [{"name": "D", "patterns": ["go"], "flow": [
            {"say": "hi"}, {"call": "Store"},
            {"upload": {"text": "File?", "accept": ["pdf", "exe"]}}, {"say": "no call"}]}]}"#;
    let err = load(bot).unwrap_err().to_string();
    assert!(
        err.contains("/dialogs/0/flow/1") && err.contains("this call has none"),
        "{err}"
    );
    assert!(
        err.contains("/dialogs/0/flow/2") && err.contains("followed directly by a call"),
        "{err}"
    );
    assert!(
        err.contains("/dialogs/0/flow/2/upload/accept/1")
            && err.contains("unknown file type \"exe\""),
        "{err}"
    );
}

#[test]
fn result_rules_on_a_file_call_are_refused_since_they_never_fire() {
    let bot = r#"{"integrations": {"Store": {"type": "file", "url": "https://x.example/u"}},
        "dialogs": [{"name": "D", "patterns": ["go"], "flow": [
            {"upload": {"text": "File?", "accept": ["pdf"]}},
            {"call": "Store", "rules": [{"result": "failure", "then": "next"}]}]}]}"#;
    let err = load(bot).unwrap_err().to_string();
    assert!(
        err.contains("/dialogs/0/flow/1/rules") && err.contains("result rules here never fire"),
        "{err}"
    );
}
