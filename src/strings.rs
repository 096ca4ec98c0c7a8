//! The widget's own texts (Send, the placeholder, upload states, transfer notes…). The one
//! table is `www/strings.json`, a language per key. The loader carries the texts it draws
//! itself (the launcher, the placeholder window); the wasm carries the table whole
//! ([`table`]). The loader picks the page's language (`data-lang`), lays the page's own
//! strings over its texts and hands them to `mount`, which lays them over the table's.

/// The table, as written.
const TABLE: &str = include_str!("../www/strings.json");

/// The table's texts for `lang` (English for what it lacks), as (key, text) pairs.
pub fn table(lang: &str) -> Vec<(String, String)> {
    let table: serde_json::Value = serde_json::from_str(TABLE).unwrap_or_default();
    let texts = |l: &str| {
        table
            .get(l)
            .and_then(serde_json::Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect::<Vec<_>>()
    };
    let mut out = texts("en");
    if lang != "en" {
        out.extend(texts(lang));
    }
    out
}

/// The texts of one language, as (key, text) pairs (a few dozen: a list is smaller in
/// the wasm than a hash map, and as fast).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Strings(Vec<(String, String)>);

impl Strings {
    /// Texts by key (a later pair for a key wins).
    pub fn new(texts: Vec<(String, String)>) -> Strings {
        Strings(texts)
    }

    /// The text for `key`; the key itself when the table lacks it, so nothing is blank.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map_or(key, |(_, t)| t.as_str())
    }

    /// The text for `key` with `{name}` replaced by `value`.
    pub fn fill(&self, key: &str, name: &str, value: &str) -> String {
        self.get(key).replace(&format!("{{{name}}}"), value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::HashMap;

    fn language(lang: &str) -> HashMap<String, String> {
        let table: Value = serde_json::from_str(TABLE).unwrap();
        table[lang]
            .as_object()
            .unwrap_or_else(|| panic!("no {lang} in www/strings.json"))
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn every_language_has_every_key_and_the_same_placeholders() {
        let en = language("en");
        let table: Value = serde_json::from_str(TABLE).unwrap();
        for lang in table.as_object().unwrap().keys() {
            let other = language(lang);
            let mut missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            missing.extend(other.keys().filter(|k| !en.contains_key(*k)));
            assert!(missing.is_empty(), "{lang} and en differ in {missing:?}");
            for (key, text) in &en {
                let holes = |t: &str| t.matches('{').count();
                assert_eq!(holes(text), holes(&other[key]), "{lang}.{key}");
                assert!(!other[key].trim().is_empty(), "{lang}.{key} is empty");
            }
        }
    }

    #[test]
    fn every_key_the_widget_uses_is_in_the_table() {
        let en = language("en");
        let sources = [
            include_str!("chat/mod.rs"),
            include_str!("chat/entry.rs"),
            include_str!("components/chat_window.rs"),
            include_str!("components/header.rs"),
            include_str!("components/message_list.rs"),
            include_str!("components/composer.rs"),
            include_str!("components/file_entry.rs"),
            include_str!("components/drop_zone.rs"),
            include_str!("components/rich.rs"),
            include_str!("components/follow.rs"),
        ];
        let mut used = 0;
        for source in sources {
            for call in ["s.get(\"", "s.fill(\"", "status(\""] {
                for piece in source.split(call).skip(1) {
                    let key = &piece[..piece.find('"').unwrap()];
                    assert!(en.contains_key(key), "{key:?} is not in www/strings.json");
                    used += 1;
                }
            }
        }
        assert!(used >= 15, "only {used} uses found: the scan is broken");
        for note in crate::chat::Note::ALL {
            assert!(en.contains_key(note.key()), "{note:?}");
        }
        // And the other way: no text in the table that nothing shows.
        let loader = include_str!("../www/loader.js");
        for key in en.keys() {
            let used = |source: &str| {
                ["s.get(\"", "s.fill(\"", "status(\""]
                    .iter()
                    .any(|call| source.contains(&format!("{call}{key}\"")))
            };
            let shown = sources.iter().any(|s| used(s))
                || crate::chat::Note::ALL.iter().any(|n| n.key() == key)
                || loader.contains(&format!("s.{key}"));
            assert!(shown, "{key:?} in www/strings.json is used nowhere");
        }
    }

    #[test]
    fn missing_keys_show_themselves_and_holes_are_filled() {
        let s = Strings::new(language("fr").into_iter().collect());
        assert_eq!(s.get("send"), "Envoyer");
        assert_eq!(s.get("no-such-key"), "no-such-key");
        assert_eq!(s.fill("uploading", "name", "a.pdf"), "Envoi de a.pdf");
    }
}
