//! A session as data: snapshots survive their JSON form, restore against the same or a
//! changed bot, and bad ones are refused with a clear reason.

use std::sync::Arc;

use chatlet_engine::{load, Input, Output, RestoreError, Session, SessionOptions, Snapshot};
use serde_json::{json, Value};

const BOT: &str = r#"{"chatlet": 1, "name": "Balance",
  "integrations": {"Balance": {"url": "https://api.example/balance?acct={$botContext.account}",
                               "fields": {"amount": "$.api_Balance.amount"}}},
  "dialogs": [
    {"name": "Balance", "patterns": ["*balance*"], "flow": [
      {"ask": "Account number?", "name": "account", "rules": [
        {"regex": "^\\d{6}$", "set": {"account": "{$query}"}, "scope": "dialog"},
        {"noMatch": "Six digits, please.", "then": "repeat"}]},
      {"call": "Balance", "rules": [{"result": "success", "then": "ok"}, {"result": "failure", "then": "failed"}]},
      {"say": "You have {Balance.amount} on {$botContext.account}.", "name": "ok", "then": "stop"},
      {"say": "The bank does not answer.", "name": "failed"}]},
    {"name": "Remember", "patterns": ["remember *"], "flow": [
      {"say": "Noted.", "pre": "x"}]},
    {"name": "Help", "patterns": ["help"], "flow": [{"say": "I can tell your balance."}]}
  ]}"#;

fn bot(text: &str) -> Arc<chatlet_engine::Bot> {
    Arc::new(load(text).unwrap())
}

fn texts(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Through JSON text and back, as a host stores it.
fn stored(session: &Session) -> Snapshot {
    let text = serde_json::to_string(&session.snapshot()).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn request_id(outputs: &[Output]) -> u64 {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Request(r) => Some(r.id),
            _ => None,
        })
        .expect("a request")
}

#[test]
fn a_restored_session_goes_on_where_it_was() {
    let b = bot(BOT);
    let mut s = Session::new(b.clone(), SessionOptions::default());
    assert_eq!(
        texts(&s.handle(Input::Text("my balance".into()))),
        ["Account number?"]
    );
    let mut s = Session::restore(b.clone(), stored(&s), SessionOptions::default()).unwrap();
    assert_eq!(
        texts(&s.handle(Input::Text("12".into()))),
        ["Six digits, please.", "Account number?"]
    );
    let mut s = Session::restore(b.clone(), stored(&s), SessionOptions::default()).unwrap();
    let out = s.handle(Input::Text("123456".into()));
    let id = request_id(&out);
    // A call in flight and what the visitor typed meanwhile survive too.
    assert!(s.is_waiting());
    assert!(s.handle(Input::Text("help".into())).is_empty());
    let mut s = Session::restore(b.clone(), stored(&s), SessionOptions::default()).unwrap();
    assert!(s.is_waiting());
    let out = s.handle(Input::Response {
        id,
        status: 200,
        body: json!({"amount": "42 EUR"}).to_string(),
    });
    assert_eq!(
        texts(&out),
        ["You have 42 EUR on 123456.", "I can tell your balance."]
    );
}

#[test]
fn equal_sessions_give_equal_snapshots_and_the_json_form_is_stable() {
    let b = bot(BOT);
    let mut s = Session::new(b.clone(), SessionOptions::default());
    s.handle(Input::Text("balance".into()));
    let snapshot = s.snapshot();
    let restored = Session::restore(b, stored(&s), SessionOptions::default()).unwrap();
    assert_eq!(restored.snapshot(), snapshot);
    let value: Value = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(value["schema"], 1);
    assert_eq!(value["bot"], json!(load(BOT).unwrap().fingerprint()));
    assert_eq!(value["pending"], json!("account"));
}

#[test]
fn a_changed_bot_keeps_the_conversation_when_what_it_refers_to_remains() {
    let b = bot(BOT);
    let mut s = Session::new(b.clone(), SessionOptions::default());
    s.handle(Input::Text("balance".into()));
    let snapshot = stored(&s);
    // A new version: another dialog, reworded texts; the question is still there.
    let newer = BOT
        .replace("I can tell your balance.", "Ask me for your balance.")
        .replace(r#"{"name": "Help""#, r#"{"name": "Hours", "patterns": ["hours"], "flow": [{"say": "9 to 5."}]}, {"name": "Help""#);
    let nb = bot(&newer);
    assert_ne!(nb.fingerprint(), b.fingerprint());
    let mut s = Session::restore(nb, snapshot, SessionOptions::default()).unwrap();
    let out = s.handle(Input::Text("1234".into()));
    assert_eq!(texts(&out), ["Six digits, please.", "Account number?"]);
}

#[test]
fn a_changed_bot_without_the_pending_question_is_refused_with_the_reason() {
    let b = bot(BOT);
    let mut s = Session::new(b, SessionOptions::default());
    s.handle(Input::Text("balance".into()));
    let snapshot = stored(&s);
    let newer = BOT.replace(r#""name": "account""#, r#""name": "acct""#);
    let err = Session::restore(bot(&newer), snapshot, SessionOptions::default())
        .err()
        .expect("refused");
    assert!(
        matches!(&err, RestoreError::BotChanged { missing } if missing.contains("\"account\""))
    );
    assert!(err.to_string().contains("the bot changed"), "{err}");
}

#[test]
fn another_schema_and_malformed_json_are_refused() {
    let b = bot(BOT);
    let s = Session::new(b.clone(), SessionOptions::default());
    let mut value = serde_json::to_value(s.snapshot()).unwrap();
    value["schema"] = json!(99);
    let old: Snapshot = serde_json::from_value(value.clone()).unwrap();
    let err = Session::restore(b, old, SessionOptions::default())
        .err()
        .unwrap();
    assert_eq!(err, RestoreError::Schema { found: 99 });
    assert!(err.to_string().contains("format 99"));
    // Truncated or edited JSON does not even read as a snapshot.
    let text = serde_json::to_string(&value).unwrap();
    assert!(serde_json::from_str::<Snapshot>(&text[..text.len() / 2]).is_err());
    value["stack"] = json!("nonsense");
    assert!(serde_json::from_value::<Snapshot>(value).is_err());
}

#[test]
fn forever_variables_are_kept_apart_and_given_back() {
    let text = r#"{"dialogs": [{"name": "Set", "patterns": ["set *"], "flow": [
        {"ask": "Colour?", "rules": [{"set": {"colour": "{$query}"}, "scope": "forever"}]},
        {"say": "Colour {$botContext.colour}."}]},
      {"name": "Get", "patterns": ["get"], "flow": [{"say": "Colour {$botContext.colour}."}]}]}"#;
    let b = bot(text);
    let mut s = Session::new(b.clone(), SessionOptions::default());
    s.handle(Input::Text("set it".into()));
    assert_eq!(
        texts(&s.handle(Input::Text("blue".into()))),
        ["Colour blue."]
    );
    let snapshot = stored(&s);
    assert!(!serde_json::to_string(&snapshot).unwrap().contains("blue"));
    assert_eq!(s.forever(), [("colour".to_string(), json!("blue"))]);
    let options = SessionOptions {
        forever: s.forever(),
        ..Default::default()
    };
    let mut restored = Session::restore(b.clone(), snapshot.clone(), options).unwrap();
    assert_eq!(
        texts(&restored.handle(Input::Text("get".into()))),
        ["Colour blue."]
    );
    let mut without = Session::restore(b, snapshot, SessionOptions::default()).unwrap();
    assert_eq!(
        texts(&without.handle(Input::Text("get".into()))),
        ["Colour ."]
    );
}

#[test]
fn the_bots_session_length_is_read_from_both_formats() {
    let native = |settings: &str| {
        load(&format!(
            r#"{{"chatlet": 1, "settings": {settings}, "dialogs": [{{"name": "D", "patterns": ["*"], "flow": [{{"say": "x"}}]}}]}}"#
        ))
        .unwrap()
        .settings()
        .session_length_s
    };
    assert_eq!(native(r#"{"sessionLength": 900}"#), Some(900));
    assert_eq!(native(r#"{"sessionLength": 0}"#), None, "0 is unset");
    assert_eq!(native("{}"), None);
    let cb = |length: u64| {
        let export = json!({
            "bot": {"id": "b", "name": "Shop", "sessionLength": length},
            "groups": [{"id": "g", "name": "Hi", "dialogType": "DIALOG"}],
            "conversationMessage": [
                {"id": "s", "name": "start", "group": "g", "interactionType": "DIALOG_STARTER",
                 "pattern": ["*"]}]
        });
        load(&export.to_string())
            .unwrap()
            .settings()
            .session_length_s
    };
    assert_eq!(cb(3600), Some(3600));
    assert_eq!(cb(0), None, "every public export says 0: unset");
}
