//! Tests of `botcontext` (the module's own file holds the code).

use super::*;
use serde_json::json;

#[test]
fn scopes_follow_the_flags() {
    let mut c = BotContext::default();
    c.call("setBotVariable", &[json!("r"), json!("1")]).unwrap();
    c.call(
        "setBotVariable",
        &[json!("s"), json!(2), json!(true), json!(false)],
    )
    .unwrap();
    c.call(
        "setBotVariable",
        &[json!("f"), json!("3"), json!(false), json!(true)],
    )
    .unwrap();
    c.vars.end_request();
    assert_eq!(
        c.call("getBotVariable", &[json!("r")]).unwrap(),
        Value::Null
    );
    c.vars.end_session();
    assert_eq!(
        c.call("getBotVariable", &[json!("s")]).unwrap(),
        Value::Null
    );
    assert_eq!(c.call("getBotVariable", &[json!("f")]).unwrap(), json!("3"));
}

#[test]
fn fields_and_counts() {
    let mut c = BotContext::default();
    c.fields.insert(
        ("Stores".into(), "city".into()),
        vec![json!("Oslo"), json!("Lima")],
    );
    assert_eq!(c.variable("Stores.city"), Some(json!("Oslo")));
    assert_eq!(c.variable("Stores.city.count"), Some(json!(2)));
    // Names with dots of their own still meet at the one dot between them.
    c.fields
        .insert(("Geo.v2".into(), "zip".into()), vec![json!("0150")]);
    assert_eq!(c.variable("Geo.v2.zip"), Some(json!("0150")));
    assert_eq!(c.field_of("Geo.v2", "zip.count", 0), Some(json!(1)));
    assert_eq!(c.variable("Geo.v2zip"), None);
}

#[test]
fn context_service_in_memory() {
    let mut c = BotContext::default();
    let ok = c
        .call(
            "setContextDataForConversation",
            &[json!("ns"), json!("k"), json!({"a": 1})],
        )
        .unwrap();
    assert_eq!(ok, json!(true));
    let got = c
        .call("getContextDataForConversation", &[json!("ns"), json!("k")])
        .unwrap();
    assert_eq!(got, json!({"a": 1}));
    let all = c
        .call("getContextDataForConversation", &[json!("ns")])
        .unwrap();
    assert_eq!(all, json!({"k": {"a": 1}}));
    let user = c
        .call("getContextDataForUser", &[json!("ns"), json!("k")])
        .unwrap();
    assert_eq!(user, Value::Null);
    c.call(
        "setGlobalContextData",
        &[json!("g"), json!("x"), json!("1")],
    )
    .unwrap();
    assert_eq!(
        c.call("getGlobalContextData", &[json!("g"), json!("x")])
            .unwrap(),
        json!("1")
    );
    assert!(c.call("getSentiment", &[]).is_err());
}

#[test]
fn one_table_names_every_function_once_and_the_docs_list_them() {
    let docs = include_str!("../../../../docs/cb-compatibility.md");
    for (i, f) in FUNCTIONS.iter().enumerate() {
        assert!(
            FUNCTIONS[..i].iter().all(|g| g.name != f.name),
            "{} twice",
            f.name
        );
        assert!(f.arity <= 4, "{}", f.name);
        assert!(prelude().contains(&format!("\"{}\"", f.name)));
        assert!(
            docs.contains(f.name),
            "docs/cb-compatibility.md lacks {}",
            f.name
        );
    }
    let mut c = BotContext::default();
    assert!(c.call("setContextDataForNobody", &[]).is_err());
}

#[test]
fn effects_and_scans() {
    let mut c = BotContext::default();
    c.call("sendMessages", &[json!(["a", "b"])]).unwrap();
    c.call(
        "sendMessageWithQuickReplies",
        &[json!("pick"), json!(["Yes~y", "No"])],
    )
    .unwrap();
    c.call("setTriggerNextMessage", &[json!("x")]).unwrap();
    c.call("setTriggerNextMessage", &[json!("y")]).unwrap();
    assert!(c.call("sendImmediateReply", &[json!("now")]).is_err());
    let e = c.take_effects();
    assert_eq!(e.sent.len(), 4);
    assert_eq!(e.sent[2].replies[0], ("Yes".into(), "y".into()));
    assert_eq!(e.trigger.as_deref(), Some("y"));
    assert!(e.immediate);
    #[cfg(feature = "checks")]
    assert_eq!(
        scan::unknown_calls("botContext.getBotVariable('a'); botContext.askMaven(); botContext.x"),
        ["askMaven"]
    );
    #[cfg(feature = "checks")]
    assert_eq!(
        trigger_names("botContext.setTriggerNextMessage('Welcome Back'); botContext.setTriggerNextMessage(n);"),
        ["Welcome Back"]
    );
    assert!(prelude().contains("\"getBotVariable\""));
}
