//! Bot authors write JavaScript-flavoured regular expressions; this module translates them
//! into the `regex` crate's syntax with JavaScript's meanings:
//!
//! - `\d \w \s \b` and their negations are JavaScript's classes (`\d` is `[0-9]`, `\w` is
//!   `[A-Za-z0-9_]`, `\s` is JavaScript's whitespace list), spelled out so the `regex`
//!   crate needs no Unicode tables;
//! - `.` excludes JavaScript's line terminators; `\uHHHH`, `\/` and friends are accepted;
//! - look-around and back-references are rejected with an error naming the construct:
//!   `regex` matches in linear time and cannot express them.
//!
//! A rule's regex is *searched* in the message (unanchored) and is case-sensitive.
//!
//! ```
//! use chatlet_engine::internals::JsRegex;
//! let re = JsRegex::compile(r"^\d{6}$").unwrap();
//! assert!(re.is_match("123456"));
//! assert!(!re.is_match("12345٦")); // an Arabic-Indic digit is not \d in JavaScript
//! assert!(JsRegex::compile(r"(?=x)").is_err());
//! ```

use std::fmt;
use std::sync::Mutex;

use regex_automata::nfa::thompson::pikevm::{Cache, PikeVM};
use regex_automata::nfa::thompson::{self, WhichCaptures};

/// A compiled JavaScript-flavoured regular expression.
#[derive(Clone, Debug)]
pub struct JsRegex {
    source: String,
    /// Boxed: a rule's condition stays small.
    regex: Box<Compiled>,
}

/// The matcher, and its scratch space, reused from match to match.
#[derive(Debug)]
struct Compiled {
    vm: PikeVM,
    cache: Mutex<Option<Cache>>,
}

impl Clone for Compiled {
    fn clone(&self) -> Compiled {
        Compiled {
            vm: self.vm.clone(),
            cache: Mutex::new(None),
        }
    }
}

/// Why a regular expression was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexError {
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
/// JavaScript's `\s`: WhiteSpace and LineTerminator code points.
const SPACE: &str = r"\t\n\x0B\x0C\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

impl JsRegex {
    /// Translates and compiles a JavaScript regular expression.
    pub fn compile(source: &str) -> Result<JsRegex, RegexError> {
        let translated = translate(source)?;
        let refused = |why: String| RegexError {
            message: format!("regular expression {source:?} is not supported: {why}"),
        };
        // Parsed here, so a syntax error is read by its kind (its full report would
        // bring a pretty-printer into the wasm).
        let hir = regex_syntax::Parser::new()
            .parse(&translated)
            .map_err(|e| refused(syntax_error(&e)))?;
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .nfa_size_limit(Some(1 << 20))
                    .which_captures(WhichCaptures::None),
            )
            .build_from_hir(&hir)
            .map_err(|e| refused(e.to_string()))?;
        let regex = PikeVM::new_from_nfa(nfa).map_err(|e| refused(e.to_string()))?;
        Ok(JsRegex {
            source: source.to_string(),
            regex: Box::new(Compiled {
                vm: regex,
                cache: Mutex::new(None),
            }),
        })
    }

    /// The expression as the author wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Is the expression found anywhere in `text`?
    pub fn is_match(&self, text: &str) -> bool {
        let Compiled { vm, cache } = &*self.regex;
        let mut slot = cache.lock().unwrap_or_else(|e| e.into_inner());
        let cache = slot.get_or_insert_with(|| vm.create_cache());
        vm.is_match(cache, text)
    }
}

/// What is wrong with a pattern, in the parser's own words.
fn syntax_error(e: &regex_syntax::Error) -> String {
    match e {
        regex_syntax::Error::Parse(p) => p.kind().to_string(),
        regex_syntax::Error::Translate(t) => t.kind().to_string(),
        _ => "invalid syntax".to_string(),
    }
}

fn unsupported(source: &str, what: &str) -> RegexError {
    RegexError {
        message: format!(
            "regular expression {source:?} uses {what}, which Chatlet does not support (matching is linear-time)"
        ),
    }
}

/// Rewrites JavaScript syntax into `regex` syntax.
fn translate(source: &str) -> Result<String, RegexError> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 16);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err(RegexError {
                        message: format!(
                            "regular expression {source:?} ends with a lone backslash"
                        ),
                    });
                };
                i += 2;
                match e {
                    'd' | 'w' | 's' => {
                        let set = class_body(e);
                        if in_class {
                            out.push_str(set);
                        } else {
                            out.push('[');
                            out.push_str(set);
                            out.push(']');
                        }
                    }
                    'D' | 'W' | 'S' => {
                        out.push_str("[^");
                        out.push_str(class_body(e.to_ascii_lowercase()));
                        out.push(']');
                    }
                    'b' if in_class => out.push_str(r"\x08"),
                    // JavaScript's word boundary is ASCII, as is `regex`'s with Unicode off.
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' => out.push_str(r"(?-u:\B)"),
                    '1'..='9' => return Err(unsupported(source, "a back-reference")),
                    'k' if chars.get(i) == Some(&'<') => {
                        return Err(unsupported(source, "a named back-reference"))
                    }
                    'p' | 'P' => return Err(unsupported(source, "a Unicode property escape")),
                    '0' => out.push_str(r"\x00"),
                    't' | 'n' | 'r' | 'f' | 'v' => {
                        out.push_str(match e {
                            't' => r"\t",
                            'n' => r"\n",
                            'r' => r"\r",
                            'f' => r"\x0C",
                            _ => r"\x0B",
                        });
                    }
                    'x' => {
                        let hex: String = chars.iter().skip(i).take(2).collect();
                        if hex.len() == 2 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            out.push_str(&format!(r"\x{{{hex}}}"));
                            i += 2;
                        } else {
                            out.push('x');
                        }
                    }
                    'u' => {
                        if chars.get(i) == Some(&'{') {
                            let end = chars[i..].iter().position(|&c| c == '}').map(|p| p + i);
                            let hex: String = end
                                .map(|end| chars[i + 1..end].iter().collect())
                                .unwrap_or_default();
                            if !hex.is_empty() && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                                out.push_str(&format!(r"\x{{{hex}}}"));
                                i = end.unwrap_or(i) + 1;
                                continue;
                            }
                        }
                        let hex: String = chars.iter().skip(i).take(4).collect();
                        if hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            out.push_str(&format!(r"\x{{{hex}}}"));
                            i += 4;
                        } else {
                            out.push('u');
                        }
                    }
                    'c' => match chars.get(i) {
                        Some(l) if l.is_ascii_alphabetic() => {
                            out.push_str(&format!(r"\x{{{:02X}}}", (*l as u8) % 32));
                            i += 1;
                        }
                        _ => out.push_str(r"\\c"),
                    },
                    // Any other escaped character stands for itself (`\/`, `\.`, `\-`, `\q`…).
                    other => push_literal(&mut out, other, in_class),
                }
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // `[]` matches nothing and `[^]` anything in JavaScript.
                if chars.get(i + 1) == Some(&']') {
                    let negated = out.ends_with('^');
                    out.truncate(out.len() - if negated { 2 } else { 1 });
                    out.push_str(if negated { "(?s:.)" } else { "[a&&b]" });
                    in_class = false;
                    i += 2;
                    continue;
                }
            }
            '[' => out.push_str(r"\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' if in_class => push_literal(&mut out, c, true),
            '(' if !in_class && chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().take(2).collect();
                if rest.starts_with('=') || rest.starts_with('!') {
                    return Err(unsupported(source, "a look-ahead"));
                }
                if rest == "<=" || rest == "<!" {
                    return Err(unsupported(source, "a look-behind"));
                }
                out.push('(');
            }
            '.' if !in_class => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

fn class_body(kind: char) -> &'static str {
    match kind {
        'd' => DIGIT,
        'w' => WORD,
        _ => SPACE,
    }
}

fn push_literal(out: &mut String, c: char, in_class: bool) {
    if c.is_ascii_punctuation() || (in_class && c == ' ') {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes(re: &str, s: &str) -> bool {
        JsRegex::compile(re)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_match(s)
    }

    #[test]
    fn classes_are_ascii_like_javascript() {
        assert!(yes(r"^\d{6}$", "123456"));
        assert!(!yes(r"^\d{6}$", "١٢٣٤٥٦"));
        assert!(yes(r"^\w+$", "abc_09"));
        assert!(!yes(r"^\w+$", "é"));
        assert!(yes(r"^\s$", "\u{a0}"));
        assert!(yes(r"^[\d\s-]+$", "12 34-5"));
        assert!(yes(r"^\D+$", "abc"));
        assert!(yes(r"^[^\d]+$", "abc"));
        assert!(!yes(r"^[^\d]+$", "ab1"));
    }

    #[test]
    fn search_semantics_and_case() {
        assert!(yes(r"Product #: [0-9]", "Product #: 40276532"));
        assert!(!yes(r"product", "Product"));
        assert!(yes(r"^[^0-9]*$", "no digits"));
    }

    #[test]
    fn email_like_patterns() {
        let re = r"^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$";
        assert!(yes(re, "a.b@example.com"));
        assert!(!yes(re, "a.b@example"));
    }

    #[test]
    fn word_boundary_and_escapes() {
        assert!(yes(r"\bcat\b", "a cat."));
        assert!(!yes(r"\bcat\b", "concat"));
        assert!(yes(r"^a\/b$", "a/b"));
        assert!(yes(r"^\u0041$", "A"));
        assert!(yes(r"^\x41$", "A"));
        assert!(yes(r"^a.c$", "abc"));
        assert!(!yes(r"^a.c$", "a\nc"));
        assert!(yes(r"^(?:ab)+$", "abab"));
        assert!(yes(r"^(?<year>\d{4})$", "2024"));
    }

    #[test]
    fn unsupported_constructs_are_named() {
        for (re, what) in [
            (r"a(?=b)", "look-ahead"),
            (r"a(?!b)", "look-ahead"),
            (r"(?<=a)b", "look-behind"),
            (r"(a)\1", "back-reference"),
            (r"\p{L}", "Unicode property"),
        ] {
            let err = JsRegex::compile(re).unwrap_err();
            assert!(err.message.contains(what), "{re}: {err}");
        }
        assert!(JsRegex::compile("(a").is_err());
    }
}
