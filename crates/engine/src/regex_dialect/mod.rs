//! Bot authors write JavaScript regular expressions; this module translates them into the
//! `regex` crate's syntax with JavaScript's meanings, and the crate compiles and matches
//! them (in linear time, whatever the expression and the text).
//!
//! - [`parse`] reads JavaScript's syntax as ECMAScript does, flags included: the strict
//!   grammar with `u`, the web's lenient one without (Annex B). It refuses what
//!   JavaScript refuses, and by name what the crate cannot match in linear time
//!   (look-around, back-references, Unicode property escapes).
//! - [`emit`] writes the tree in the crate's syntax with JavaScript's classes (`\d`,
//!   `\w`, `\s`, `\b` as ECMAScript defines them), anchors (`^`/`$` by `m`), dot (by
//!   `s`) and case folding (by `i`: [`fold`] widens each class, by JavaScript's
//!   Canonicalize without `u` and Unicode's simple folding with it), and says how a text is prepared so that the crate sees JavaScript's
//!   units (UTF-16 code units without `u`).
//!
//! A rule's regex is *searched* in the message (unanchored), as `RegExp.prototype.test`
//! does. A differential test (`tests/regex_js.rs`) runs a corpus through `node` and
//! through this module and compares.
//!
//! ```
//! use chatlet_engine::internals::JsRegex;
//! let re = JsRegex::compile(r"^\d{6}$").unwrap();
//! assert!(re.is_match("123456"));
//! assert!(!re.is_match("12345٦")); // an Arabic-Indic digit is not \d in JavaScript
//! assert!(JsRegex::compile(r"(?=x)").is_err());
//! let re = JsRegex::with_flags(r"^straße$", "i").unwrap();
//! assert!(re.is_match("STRAßE"));
//! ```

use std::fmt::{self, Write as _};

mod emit;
mod fold;
mod parse;
mod set;

/// Most bytes one expression may compile to (the crate's `size_limit`).
pub const SIZE_LIMIT: usize = 1 << 20;
/// Most bytes of the crate's lazy DFA cache per expression (`dfa_size_limit`).
pub const DFA_SIZE_LIMIT: usize = 1 << 20;
/// Deepest nesting the crate accepts in a translation (`nest_limit`); the translator
/// itself accepts groups [`parse::MAX_DEPTH`] deep.
const NEST_LIMIT: u32 = 600;

/// A JavaScript regular expression, compiled.
///
/// Stored (in a compiled bot) as its source, its flags and its translation: a host that
/// reads it compiles the translation with the crate, without translating again.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(into = "Stored", try_from = "Stored")]
pub struct JsRegex {
    source: String,
    flags: Flags,
    regex: regex::Regex,
    form: emit::Form,
}

/// How a compiled bot stores a [`JsRegex`].
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    source: String,
    flags: Flags,
    translation: String,
    form: emit::Form,
}

impl From<JsRegex> for Stored {
    fn from(re: JsRegex) -> Stored {
        Stored {
            translation: re.regex.as_str().to_string(),
            source: re.source,
            flags: re.flags,
            form: re.form,
        }
    }
}

impl TryFrom<Stored> for JsRegex {
    type Error = String;
    fn try_from(stored: Stored) -> Result<JsRegex, String> {
        let regex =
            build(&stored.translation, &stored.source, stored.flags).map_err(|e| e.message)?;
        Ok(JsRegex {
            source: stored.source,
            flags: stored.flags,
            regex,
            form: stored.form,
        })
    }
}

/// The flags that change what an expression matches (`g` and `d` do not, for a test).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flags {
    /// `i`
    pub ignore_case: bool,
    /// `m`
    pub multiline: bool,
    /// `s`
    pub dot_all: bool,
    /// `u`
    pub unicode: bool,
    /// `y`: the match must begin at the start of the text.
    pub sticky: bool,
}

/// Why an expression was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// JavaScript refuses it too (a syntax error).
    Invalid,
    /// JavaScript accepts it; Chatlet does not (named in the message).
    Unsupported,
}

/// Why a regular expression was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexError {
    /// Invalid in JavaScript, or unsupported here.
    pub kind: Kind,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl RegexError {
    fn new(kind: Kind, message: String) -> RegexError {
        RegexError { kind, message }
    }

    fn unsupported(source: &str, flags: Flags, what: &str) -> RegexError {
        RegexError::new(
            Kind::Unsupported,
            format!(
                "regular expression {} uses {what}, which Chatlet does not support (matching is linear-time)",
                shown(source, flags)
            ),
        )
    }
}

impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, letter) in [
            (self.ignore_case, 'i'),
            (self.multiline, 'm'),
            (self.dot_all, 's'),
            (self.unicode, 'u'),
            (self.sticky, 'y'),
        ] {
            if on {
                f.write_char(letter)?;
            }
        }
        Ok(())
    }
}

/// An expression as findings show it: its source, and its flags if it has any.
fn shown(source: &str, flags: Flags) -> String {
    if flags == Flags::default() {
        format!("{source:?}")
    } else {
        format!("{source:?} (flags \"{flags}\")")
    }
}

impl Flags {
    /// Reads JavaScript's flag letters (`dgimsuy`; each once).
    pub fn parse(letters: &str, source: &str) -> Result<Flags, RegexError> {
        let mut flags = Flags::default();
        let mut seen = String::new();
        for c in letters.chars() {
            let bad = |why: String| {
                RegexError::new(
                    Kind::Invalid,
                    format!("regular expression {source:?} has invalid flags {letters:?}: {why}"),
                )
            };
            if seen.contains(c) {
                return Err(bad(format!("'{c}' twice")));
            }
            seen.push(c);
            match c {
                'd' | 'g' => {}
                'i' => flags.ignore_case = true,
                'm' => flags.multiline = true,
                's' => flags.dot_all = true,
                'u' => flags.unicode = true,
                'y' => flags.sticky = true,
                'v' => {
                    return Err(RegexError::new(
                        Kind::Unsupported,
                        format!(
                            "regular expression {source:?} uses the v flag (Unicode sets), which Chatlet does not support; use u"
                        ),
                    ))
                }
                _ => return Err(bad(format!("'{c}' is not a flag"))),
            }
        }
        Ok(flags)
    }
}

impl JsRegex {
    /// Reads and compiles a JavaScript regular expression without flags.
    pub fn compile(source: &str) -> Result<JsRegex, RegexError> {
        JsRegex::new(source, Flags::default())
    }

    /// Reads and compiles a JavaScript regular expression with flags (`"iu"`).
    pub fn with_flags(source: &str, flags: &str) -> Result<JsRegex, RegexError> {
        JsRegex::new(source, Flags::parse(flags, source)?)
    }

    /// Reads and compiles a JavaScript regular expression.
    pub fn new(source: &str, flags: Flags) -> Result<JsRegex, RegexError> {
        let node = parse::parse(source, flags)?;
        let (pattern, form) = emit::emit(&node, flags, source)?;
        let regex = build(&pattern, source, flags)?;
        Ok(JsRegex {
            source: source.to_string(),
            flags,
            regex,
            form,
        })
    }

    /// The expression as the author wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Its flags.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// Is the expression found anywhere in `text` (`RegExp.prototype.test`)?
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(&self.form.prepare(text))
    }

    /// The pattern the `regex` crate compiled, for tests and the curious.
    pub fn translation(&self) -> &str {
        self.regex.as_str()
    }
}

/// The crate's regex of a translation, within Chatlet's limits.
fn build(pattern: &str, source: &str, flags: Flags) -> Result<regex::Regex, RegexError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .nest_limit(NEST_LIMIT)
        .build()
        .map_err(|e| {
            let why = match e {
                regex::Error::CompiledTooBig(limit) => format!(
                    "it would compile to more than {} KiB, the limit for one expression",
                    limit / 1024
                ),
                other => format!("the regex crate refused its translation ({other})"),
            };
            RegexError::new(
                Kind::Unsupported,
                format!(
                    "regular expression {} is too big for Chatlet: {why}",
                    shown(source, flags)
                ),
            )
        })
}

#[cfg(test)]
mod tests;
