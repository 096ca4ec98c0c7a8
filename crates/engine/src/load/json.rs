//! Reading JSON for the two loaders. Tolerant lookups (`str_of`, `list_of`: a missing or
//! mistyped value reads as empty) serve the Conversation Builder loader, which reports
//! what matters itself; checked ones (a mistyped value or an unknown key is an error)
//! serve the native format's loader.

use serde_json::{Map, Value};

use crate::error::{At, FindingKind, Findings};

/// The string at `key`, or "".
pub fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The list at `key`, or none.
pub fn list_of<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `value` as an object; anything else is an error at `at`.
pub fn object<'v>(
    findings: &mut Findings,
    value: &'v Value,
    at: &At,
    who: Option<&str>,
) -> Option<&'v Map<String, Value>> {
    let obj = value.as_object();
    if obj.is_none() {
        findings.error(FindingKind::Invalid, at, who, "expected an object");
    }
    obj
}

/// Every key of `obj` not in `known` is an error (the native format is strict).
pub fn known_keys(
    findings: &mut Findings,
    obj: &Map<String, Value>,
    at: &At,
    who: Option<&str>,
    known: &[&str],
) {
    for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
        findings.error(
            FindingKind::UnknownKey,
            at.key(key),
            who,
            format!("unknown key {key:?} (known: {})", known.join(", ")),
        );
    }
}

/// The string at `key`, `default` when absent; another type is an error.
pub fn string_or(
    findings: &mut Findings,
    obj: &Map<String, Value>,
    key: &str,
    at: &At,
    default: &str,
) -> String {
    match obj.get(key) {
        None => default.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            findings.error(FindingKind::Invalid, at.key(key), None, "must be a string");
            default.to_string()
        }
    }
}

/// A string or a list of strings.
pub fn strings<'v>(
    findings: &mut Findings,
    value: Option<&'v Value>,
    at: &At,
    who: Option<&str>,
) -> Vec<&'v str> {
    match value {
        None => vec![],
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let s = v.as_str();
                if s.is_none() {
                    findings.error(FindingKind::Invalid, at.key(i), who, "must be a string");
                }
                s
            })
            .collect(),
        Some(_) => {
            findings.error(
                FindingKind::Invalid,
                at,
                who,
                "must be a string or a list of strings",
            );
            vec![]
        }
    }
}
