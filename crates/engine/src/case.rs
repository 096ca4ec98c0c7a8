//! Lower case for matching (patterns, exact answers, options, conditions, keywords), and
//! the upper and lower case of single characters that case-insensitive regular
//! expressions fold by (`regex_dialect::fold`): the one place the engine maps case.
//!
//! With the `unicode-case` feature (default) this is the standard library's Unicode
//! mappings. Without it (the widget, where the standard library's tables cost about
//! 5 KB of compressed wasm each) the host installs its own with [`set_lower`] and
//! [`set_upper`]: the widget passes the browser's `String.prototype.toLowerCase` and
//! `toUpperCase`, the same Unicode mappings (regular expressions are folded where the bot
//! is compiled: by the browser's mappings in the previewer, by std's in `chatlet compile`
//! and the widget's bot reader). Until a host does, only ASCII letters are mapped (`lower("ÉTÉ Balance")` is
//! `"été balance"` with the feature: see the tests).

#[cfg(not(feature = "unicode-case"))]
use std::sync::OnceLock;

#[cfg(not(feature = "unicode-case"))]
static LOWER: OnceLock<fn(&str) -> String> = OnceLock::new();
#[cfg(not(feature = "unicode-case"))]
static UPPER: OnceLock<fn(&str) -> String> = OnceLock::new();

/// Installs the host's lower-casing (once; later calls are ignored). With the
/// `unicode-case` feature std's mappings stay: a build where another crate turned the
/// feature on (cargo unites features) still compiles a host that installs its own.
pub fn set_lower(lower: fn(&str) -> String) {
    #[cfg(not(feature = "unicode-case"))]
    let _ = LOWER.set(lower);
    #[cfg(feature = "unicode-case")]
    let _ = lower;
}

/// Installs the host's upper-casing (once; later calls are ignored); see [`set_lower`].
pub fn set_upper(upper: fn(&str) -> String) {
    #[cfg(not(feature = "unicode-case"))]
    let _ = UPPER.set(upper);
    #[cfg(feature = "unicode-case")]
    let _ = upper;
}

/// Each character in upper case, where that is one character (`None` where it is more,
/// as `ß` is `SS`).
pub fn upper_each(chars: &[char]) -> Vec<Option<char>> {
    each(chars, Case::Upper)
}

/// Each character in lower case, where that is one character (`None` where it is more,
/// as `İ` is `i` and a combining dot).
pub fn lower_each(chars: &[char]) -> Vec<Option<char>> {
    each(chars, Case::Lower)
}

#[derive(Clone, Copy)]
enum Case {
    Upper,
    Lower,
}

/// [`upper_each`] and [`lower_each`]: std's mappings with the `unicode-case` feature, else
/// the host's (ASCII only until a host installs its own).
fn each(chars: &[char], case: Case) -> Vec<Option<char>> {
    #[cfg(feature = "unicode-case")]
    return chars
        .iter()
        .map(|c| match case {
            Case::Upper => one(c.to_uppercase()),
            Case::Lower => one(c.to_lowercase()),
        })
        .collect();
    #[cfg(not(feature = "unicode-case"))]
    match (match case {
        Case::Upper => &UPPER,
        Case::Lower => &LOWER,
    })
    .get()
    {
        Some(&map) => each_by(chars, map),
        None => chars
            .iter()
            .map(|c| {
                Some(match case {
                    Case::Upper => c.to_ascii_uppercase(),
                    Case::Lower => c.to_ascii_lowercase(),
                })
            })
            .collect(),
    }
}

fn one(mut upper: impl Iterator<Item = char>) -> Option<char> {
    match (upper.next(), upper.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// [`upper_each`] or [`lower_each`] by a host's mapping of whole texts, in one call: each
/// character followed by NUL, which no mapping holds and which no context rule (the final
/// sigma) looks through (NUL itself, which has no case, is left out).
#[cfg_attr(feature = "unicode-case", allow(dead_code))]
fn each_by(chars: &[char], map: fn(&str) -> String) -> Vec<Option<char>> {
    let mut joined = String::with_capacity(chars.len() * 4);
    for &c in chars.iter().filter(|&&c| c != '\0') {
        joined.push(c);
        joined.push('\0');
    }
    let mapped = map(&joined);
    let mut pieces = mapped.split('\0').map(|piece| one(piece.chars()));
    chars
        .iter()
        .map(|&c| match c {
            '\0' => Some(c),
            _ => pieces.next().flatten(),
        })
        .collect()
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

    /// A host's upper case, called once for all characters, gives what std gives
    /// character by character.
    #[test]
    fn upper_case_by_the_host() {
        let all: Vec<char> = (0..=0xFFFF).filter_map(char::from_u32).collect();
        assert_eq!(
            super::each_by(&all, |s| s.to_uppercase()),
            super::upper_each(&all)
        );
    }

    /// The same for lower case, whose final sigma rule looks at neighbours.
    #[test]
    fn lower_case_by_the_host() {
        let all: Vec<char> = (0..=0x1FFFF).filter_map(char::from_u32).collect();
        assert_eq!(
            super::each_by(&all, |s| s.to_lowercase()),
            super::lower_each(&all)
        );
        assert_eq!(
            super::lower_each(&['Σ', 'İ', 'A', 'ß']),
            vec![Some('σ'), None, Some('a'), Some('ß')]
        );
    }

    #[test]
    fn upper_case_of_single_characters() {
        assert_eq!(
            super::upper_each(&['\0', 'a', 'é', 'ß', 'ſ', '1']),
            vec![Some('\0'), Some('A'), Some('É'), None, Some('S'), Some('1')]
        );
    }
}
