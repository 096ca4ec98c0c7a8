//! Bot authors write JavaScript regular expressions; this module reads and runs them
//! with JavaScript's meanings, in linear time:
//!
//! - `\d \w \s \b` and their negations are JavaScript's classes (`\d` is `[0-9]`, `\w` is
//!   `[A-Za-z0-9_]`, `\s` is JavaScript's whitespace list);
//! - `.` excludes JavaScript's line terminators; `\uHHHH`, `\u{H…}`, `\xHH`, `\cX`, `\/`
//!   and friends are accepted, and so is the web's lenient grammar (a `{` that begins no
//!   quantifier is a character, a `-` next to a class in brackets too);
//! - look-around, back-references and Unicode property escapes are rejected with an
//!   error naming the construct: a linear-time matcher cannot express them.
//!
//! A rule's regex is *searched* in the message (unanchored) and is case-sensitive.
//!
//! [`parse`] reads the syntax into a tree; [`program`] compiles the tree to a Thompson
//! program and runs it as a Pike VM. Both are Chatlet's own: the `regex` crate's parser
//! and engine had cost the widget about 40 KB of its compressed size for what a rule
//! needs, a yes or no on a short message (docs/performance.md). A property test checks
//! this matcher against the `regex` crate on the syntax the two share.
//!
//! ```
//! use chatlet_engine::internals::JsRegex;
//! let re = JsRegex::compile(r"^\d{6}$").unwrap();
//! assert!(re.is_match("123456"));
//! assert!(!re.is_match("12345٦")); // an Arabic-Indic digit is not \d in JavaScript
//! assert!(JsRegex::compile(r"(?=x)").is_err());
//! ```

use std::fmt;

mod parse;
mod program;

/// A compiled JavaScript regular expression.
#[derive(Clone, Debug)]
pub struct JsRegex {
    source: String,
    /// Boxed: a rule's condition stays small.
    program: Box<program::Program>,
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

impl JsRegex {
    /// Reads and compiles a JavaScript regular expression.
    pub fn compile(source: &str) -> Result<JsRegex, RegexError> {
        let node = parse::parse(source)?;
        let program = program::Program::new(&node, || {
            RegexError {
            message: format!(
                "regular expression {source:?} is not supported: it compiles to more than {} instructions",
                program::MAX_PROGRAM
            ),
        }
        })?;
        Ok(JsRegex {
            source: source.to_string(),
            program: Box::new(program),
        })
    }

    /// The expression as the author wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Is the expression found anywhere in `text`?
    pub fn is_match(&self, text: &str) -> bool {
        self.program.is_match(text)
    }
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

    #[test]
    fn the_webs_lenient_grammar() {
        assert!(yes(r"^a{$", "a{"));
        assert!(yes(r"^a{1,x}$", "a{1,x}"));
        assert!(yes(r"^x{2,3}$", "xxx"));
        assert!(!yes(r"^x{2,3}$", "xxxx"));
        assert!(yes(r"^[\d-z]+$", "1-z"));
        assert!(yes(r"^]$", "]"));
        assert!(!yes(r"[]", "anything"));
        assert!(yes(r"^[^]$", "\n"));
        assert!(yes(r"^\cJ$", "\n"));
        assert!(yes(r"^\u{1F600}$", "😀"));
        assert!(yes(r"^(?:^a)*$", ""));
        assert!(yes(r"^[\b]$", "\u{8}"));
        assert!(yes(r"a+?b", "aab"));
        for bad in [
            r"^*", r"a**", r"\b+", "*a", "a{3,2}", "[z-a]", "(?x)", "a)", "(a", "[a", "\\",
            "a{1001}",
        ] {
            assert!(JsRegex::compile(bad).is_err(), "{bad}");
        }
        assert!(JsRegex::compile("(a{1000}){1000}").is_err());
        assert!(JsRegex::compile(&"(".repeat(5000)).is_err());
    }

    #[test]
    fn linear_on_a_backtracking_trap() {
        let re = JsRegex::compile(r"^(a+)+$").unwrap();
        let text = format!("{}!", "a".repeat(20_000));
        assert!(!re.is_match(&text));
        assert!(re.is_match(&"a".repeat(20_000)));
    }

    mod reference {
        use super::super::JsRegex;
        use proptest::prelude::*;

        /// Expressions in the syntax JavaScript and the `regex` crate share, with the
        /// same meaning on ASCII text without `\r` (where Unicode classes are ASCII
        /// classes and both `.` exclude only `\n`).
        fn expression() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                "[abc1_ -]".prop_map(|c| if c == "-" { r"\-".to_string() } else { c }),
                Just(r"\d".to_string()),
                Just(r"\w".to_string()),
                Just(r"\s".to_string()),
                Just(r"\W".to_string()),
                Just(".".to_string()),
                Just("[a-c]".to_string()),
                Just("[^a1]".to_string()),
                Just(r"[\d_]".to_string()),
                Just("^".to_string()),
                Just("$".to_string()),
                Just(r"\b".to_string()),
                Just(r"\B".to_string()),
            ];
            leaf.prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
                    prop::collection::vec(inner.clone(), 2..4)
                        .prop_map(|v| format!("(?:{})", v.join("|"))),
                    (
                        inner.clone(),
                        prop_oneof![
                            Just("*"),
                            Just("+"),
                            Just("?"),
                            Just("{2}"),
                            Just("{1,3}"),
                            Just("{0,}"),
                            Just("*?")
                        ]
                    )
                        .prop_map(|(r, q)| format!("(?:{r}){q}")),
                    inner.prop_map(|r| format!("({r})")),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]
            /// Any text as an expression: refused or compiled, never a panic, and a
            /// compiled one runs on any text.
            #[test]
            fn any_source_is_refused_or_runs(re in "[a\\\\()\\[\\]{}|*+?^$.,:=!<>0-9bBdDwWsSuxck-]{0,16}", text in ".{0,12}") {
                if let Ok(ours) = JsRegex::compile(&re) {
                    ours.is_match(&text);
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn agrees_with_the_regex_crate(re in expression(), texts in prop::collection::vec("[abc1_ \n-]{0,10}", 1..6)) {
                let ours = JsRegex::compile(&re).unwrap();
                let reference = regex::Regex::new(&re).unwrap();
                for text in &texts {
                    prop_assert_eq!(ours.is_match(text), reference.is_match(text), "{:?} on {:?}", re, text);
                }
            }
        }
    }
}
