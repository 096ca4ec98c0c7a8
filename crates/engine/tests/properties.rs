//! Laws the engine keeps whatever the values (proptest): templates without placeholders
//! are themselves, values encoded into a URL, a header or a JSON body come back out as
//! they went in, a JSON body stays JSON, and patterns ignore letter case. (That matching
//! takes time linear in the message holds by construction: patterns by position sets,
//! regexes by the `regex` crate; `benches/turn.rs` measures it.)

use std::sync::Arc;

use chatlet_engine::internals::Pattern;
use chatlet_engine::internals::{percent_encode, Placeholder, Template};
use chatlet_engine::{load, Input, Output, Session};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Percent-decoding, the inverse of the engine's URL encoding.
fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The request the bot sends after the page sets variable `x` to `value`.
fn request_with(value: &str) -> chatlet_engine::Request {
    let bot = r#"{"integrations": {"Api": {"method": "POST", "url": "https://api.example/items/{$botContext.x}",
        "query": {"q": "{$botContext.x}"}, "headers": {"X-Value": "{$botContext.x}"},
        "body": {"text": "{$botContext.x}", "raw": "{$botContext.x}", "list": ["{$botContext.x}"]}}},
        "dialogs": [{"name": "D", "patterns": ["*"], "flow": [{"call": "Api"}]}]}"#;
    let mut s = Session::new(Arc::new(load(bot).unwrap()), Default::default());
    s.set_variable("x", Value::String(value.to_string()));
    s.handle(Input::Text("go".into()))
        .into_iter()
        .find_map(|o| match o {
            Output::Request(r) => Some(r),
            _ => None,
        })
        .expect("a request")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_template_without_placeholders_renders_to_itself(text in ".*") {
        let t = Template::parse(&text, &[]);
        prop_assume!(t.placeholders().next().is_none());
        prop_assert_eq!(t.render(&|_: &Placeholder| Some("X".into())), text);
    }

    #[test]
    fn url_encoding_gives_the_value_back(value in ".*") {
        let mut encoded = String::new();
        percent_encode(&value, &mut encoded);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        prop_assert_eq!(percent_decode(&encoded), value.as_bytes());
    }

    #[test]
    fn a_json_body_stays_json_and_keeps_each_value(value in ".*", n in proptest::option::of(".*")) {
        let t = Template::parse(
            r#"{"a": "{$botContext.x}", "b": {$botContext.y}, "c": [{$botContext.x}, "{$botContext.y}"]}"#,
            &[],
        );
        let body = t.render_json_body(&|p: &Placeholder| match p {
            Placeholder::BotVar(name) if name == "x" => Some(value.clone()),
            Placeholder::BotVar(_) => n.clone(),
            _ => None,
        });
        let parsed: Value = serde_json::from_str(&body).map_err(|e| TestCaseError::fail(format!("{e}: {body}")))?;
        prop_assert_eq!(&parsed["a"], &json!(value));
        prop_assert_eq!(parsed.as_object().unwrap().len(), 3, "no value added a key: {}", body);
    }

    #[test]
    fn a_request_carries_each_value_as_it_was_given(value in "[^\r\n]*") {
        // A path segment of dots only is refused (see encoding.transcript).
        prop_assume!(value != "." && value != "..");
        let r = request_with(&value);
        let path = r.url.split('?').next().unwrap().rsplit('/').next().unwrap().to_string();
        prop_assert_eq!(percent_decode(&path), value.as_bytes());
        let query = r.url.split_once("?q=").unwrap().1;
        prop_assert_eq!(percent_decode(query), value.as_bytes());
        let header = r.headers.iter().find(|(k, _)| k == "X-Value").unwrap();
        prop_assert_eq!(&header.1, &value);
        let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        prop_assert_eq!(&body["text"], &json!(value));
        prop_assert_eq!(&body["list"][0], &json!(value));
    }

    #[test]
    fn a_header_value_with_a_line_break_is_never_sent(before in "[a-z]*", after in "[a-z:]*", br in "\r|\n|\r\n") {
        let value = format!("{before}{br}{after}");
        let bot = r#"{"integrations": {"Api": {"url": "https://api.example/x", "headers": {"X-Value": "{$botContext.x}"}}},
            "dialogs": [{"name": "D", "patterns": ["*"], "flow": [{"call": "Api"}]}]}"#;
        let mut s = Session::new(Arc::new(load(bot).unwrap()), Default::default());
        s.set_variable("x", Value::String(value));
        let out = s.handle(Input::Text("go".into()));
        prop_assert!(!out.iter().any(|o| matches!(o, Output::Request(_))));
    }

    #[test]
    fn patterns_ignore_letter_case(
        pattern in "[a-z *]{0,8}(\\([a-z]{1,3}(\\|[a-z]{0,3}){0,2}\\))?[a-z *]{0,6}",
        message in "[a-zA-Z ]{0,24}",
    ) {
        let p = Pattern::parse(&pattern).unwrap();
        prop_assert_eq!(p.matches(&message), p.matches(&message.to_ascii_uppercase()));
        prop_assert_eq!(p.matches(&message), p.matches(&message.to_ascii_lowercase()));
    }
}
