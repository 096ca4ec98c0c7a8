//! The JSON paths of CB custom data fields: `{$.api_X.a.b[0].c}`, with `[i]` (or `[*]`)
//! meaning "every element".
//!
//! ```
//! use chatlet_engine::internals::JsonPath;
//! use serde_json::json;
//! let doc = json!({"api_Stores": {"stores": [{"city": "Oslo"}, {"city": "Lima"}]}});
//! let every = JsonPath::parse("{$.api_Stores.stores[i].city}").unwrap();
//! assert_eq!(every.select(&doc), [json!("Oslo"), json!("Lima")]);
//! let one = JsonPath::parse("$.api_Stores.stores[1].city").unwrap();
//! assert_eq!(one.select(&doc), [json!("Lima")]);
//! ```

use serde_json::Value;

/// A parsed path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JsonPath {
    steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Step {
    Key(String),
    Index(usize),
    Every,
}

impl JsonPath {
    /// Parses `$.a.b[0]`, optionally wrapped in `{…}` as CB writes it.
    pub fn parse(source: &str) -> Result<JsonPath, String> {
        let s = source.trim();
        let s = s
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(s)
            .trim();
        let Some(mut rest) = s.strip_prefix('$') else {
            return Err(format!("the JSON path {source:?} must start with \"$.\""));
        };
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                let key = &after[..end];
                if key.is_empty() {
                    return Err(format!("the JSON path {source:?} has an empty key"));
                }
                steps.push(Step::Key(key.to_string()));
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let Some(end) = after.find(']') else {
                    return Err(format!("the JSON path {source:?} has an unclosed \"[\""));
                };
                let inner = after[..end].trim();
                let quoted = inner
                    .strip_prefix('\'')
                    .and_then(|k| k.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|k| k.strip_suffix('"')));
                steps.push(match (inner, quoted) {
                    (_, Some(key)) => Step::Key(key.to_string()),
                    ("i" | "*", _) => Step::Every,
                    _ => Step::Index(inner.parse().map_err(|_| {
                        format!("the JSON path {source:?} has an index {inner:?} that is not a number, i or *")
                    })?),
                });
                rest = &after[end + 1..];
            } else {
                return Err(format!(
                    "the JSON path {source:?} is not a path (expected \".key\" or \"[n]\" at {rest:?})"
                ));
            }
        }
        Ok(JsonPath { steps })
    }

    /// Does the path iterate (`[i]`)?
    pub fn iterates(&self) -> bool {
        self.steps.contains(&Step::Every)
    }

    /// The values the path selects in `doc`: one at most, unless the path iterates.
    pub fn select(&self, doc: &Value) -> Vec<Value> {
        let mut current = vec![doc];
        for step in &self.steps {
            current = current
                .into_iter()
                .flat_map(|v| -> Vec<&Value> {
                    match (step, v) {
                        (Step::Key(k), Value::Object(m)) => m.get(k).into_iter().collect(),
                        (Step::Index(n), Value::Array(a)) => a.get(*n).into_iter().collect(),
                        (Step::Every, Value::Array(a)) => a.iter().collect(),
                        _ => vec![],
                    }
                })
                .collect();
        }
        current.into_iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths() {
        let doc = json!({"api_X": [{"a": {"b": [5, 6]}}, {"a": {"b": [7]}}], "k y": 1});
        let sel = |p: &str| JsonPath::parse(p).unwrap().select(&doc);
        assert_eq!(sel("$.api_X[0].a.b[1]"), [json!(6)]);
        assert_eq!(sel("$.api_X[i].a.b[0]"), [json!(5), json!(7)]);
        assert_eq!(sel("$.api_X[*].a.b[1]"), [json!(6)]);
        assert_eq!(sel("$['k y']"), [json!(1)]);
        assert_eq!(sel("$.api_X[9].a"), Vec::<Value>::new());
        assert_eq!(sel("$.api_X.a"), Vec::<Value>::new());
        assert!(JsonPath::parse("{$.api_X[i].a}").unwrap().iterates());
    }

    #[test]
    fn bad_paths_say_why() {
        for bad in ["api_X.a", "$.a[", "$.a[x]", "$..a", "$a"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }
}
