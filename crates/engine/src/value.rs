//! Variable values and how they read as text.
//!
//! Bot variables hold JSON values (scripts store arrays and objects). Rendered into text
//! they follow JavaScript's `String(value)`: arrays join with commas, objects read
//! `[object Object]`, `null` reads as the empty string (a missing variable).

use serde_json::Value;

/// `String(value)` as JavaScript would write it.
pub fn to_text(value: &Value) -> String {
    let mut out = String::new();
    write_text(value, &mut out);
    out
}

fn write_text(value: &Value, out: &mut String) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_text(item, out);
            }
        }
        Value::Object(_) => out.push_str("[object Object]"),
    }
}

/// JavaScript's number-to-string for the common cases (integers print without `.0`).
pub fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    // serde_json writes floats with ryu (already in the binary; Rust's own float
    // formatting would add about 11 KB of wasm): 2.0 as "2.0", which JavaScript writes "2".
    let text = n.to_string();
    match text.strip_suffix(".0") {
        Some("-0") => "0".into(),
        Some(whole) => whole.into(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn javascript_string_semantics() {
        assert_eq!(to_text(&json!("a")), "a");
        assert_eq!(to_text(&json!(12)), "12");
        assert_eq!(to_text(&json!(12.0)), "12");
        assert_eq!(to_text(&json!(1.5)), "1.5");
        assert_eq!(to_text(&json!(88332.0)), "88332");
        assert_eq!(to_text(&json!(-0.0)), "0");
        assert_eq!(to_text(&json!(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(to_text(&json!(-4711.05)), "-4711.05");
        assert_eq!(to_text(&json!([1, "b", [2, 3], null])), "1,b,2,3,");
        assert_eq!(to_text(&json!({"a": 1})), "[object Object]");
        assert_eq!(to_text(&json!(null)), "");
        assert_eq!(to_text(&json!(true)), "true");
    }
}
