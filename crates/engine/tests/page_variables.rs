//! Variables the host page sets (`chatlet.setVariable`, `data-var-NAME`): session-scoped
//! bot variables that templates and code read like the bot's own.

mod common;

use chatlet_engine::Input;
use common::{session, texts};
use serde_json::json;

const BOT: &str = r#"{"dialogs":[{"name":"Who","patterns":["who*"],
    "flow":[{"say":"You are {$botContext.firstName} ({$botContext.tier})."}]}]}"#;

#[test]
fn a_page_variable_fills_templates_until_a_reset() {
    let mut s = session(BOT);
    s.set_variable("firstName", json!("Ada"));
    s.set_variable("tier", json!(3));
    assert_eq!(
        texts(&s.handle(Input::Text("who am I".into()))),
        ["You are Ada (3)."]
    );
    s.set_variable("firstName", json!("Grace"));
    assert_eq!(
        texts(&s.handle(Input::Text("who now".into()))),
        ["You are Grace (3)."]
    );
    s.handle(Input::Reset);
    assert_eq!(
        texts(&s.handle(Input::Text("who".into()))),
        ["You are  ()."]
    );
}
