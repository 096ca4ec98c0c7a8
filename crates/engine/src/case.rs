//! Lower case for matching (patterns, exact answers, options, conditions, keywords): the
//! one place the engine folds case.
//!
//! With the `unicode-case` feature (default) this is the standard library's Unicode
//! lower-casing. Without it (the widget, where the standard library's tables cost about
//! 5 KB of compressed wasm) the host installs its own with [`set_lower`]: the widget
//! passes the browser's `String.prototype.toLowerCase`, the same Unicode mapping. Until
//! a host does, only ASCII letters are folded (`lower("ÉTÉ Balance")` is `"été balance"`
//! with the feature: see the tests).

#[cfg(not(feature = "unicode-case"))]
use std::sync::OnceLock;

#[cfg(not(feature = "unicode-case"))]
static LOWER: OnceLock<fn(&str) -> String> = OnceLock::new();

/// Installs the host's lower-casing (once; later calls are ignored).
#[cfg(not(feature = "unicode-case"))]
pub fn set_lower(lower: fn(&str) -> String) {
    let _ = LOWER.set(lower);
}

/// `text` in lower case.
pub fn lower(text: &str) -> String {
    // ASCII text needs no table (nor, in the widget, a call into JavaScript).
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    #[cfg(feature = "unicode-case")]
    return text.to_lowercase();
    #[cfg(not(feature = "unicode-case"))]
    match LOWER.get() {
        Some(lower) => lower(text),
        None => text.to_ascii_lowercase(),
    }
}

#[cfg(all(test, feature = "unicode-case"))]
mod tests {
    #[test]
    fn unicode_lower_case() {
        assert_eq!(super::lower("ÉTÉ Balance"), "été balance");
    }
}
