//! The translator's own cases. The comparison with JavaScript itself is
//! `tests/regex_js.rs`, which runs node.

use super::*;

fn yes(re: &str, s: &str) -> bool {
    flags_yes(re, "", s)
}

fn flags_yes(re: &str, flags: &str, s: &str) -> bool {
    JsRegex::with_flags(re, flags)
        .unwrap_or_else(|e| panic!("{e}"))
        .is_match(s)
}

fn refused(re: &str, flags: &str) -> RegexError {
    JsRegex::with_flags(re, flags).expect_err(re)
}

#[test]
fn classes_are_javascripts() {
    assert!(yes(r"^\d{6}$", "123456"));
    assert!(!yes(r"^\d{6}$", "١٢٣٤٥٦"));
    assert!(yes(r"^\w+$", "abc_09"));
    assert!(!yes(r"^\w+$", "é"));
    assert!(yes(r"^\s$", "\u{a0}"));
    assert!(yes(r"^\s$", "\u{feff}"));
    assert!(!yes(r"^\s$", "\u{85}"));
    assert!(yes(r"^[\d\s-]+$", "12 34-5"));
    assert!(yes(r"^\D+$", "abc"));
    assert!(yes(r"^[^\d]+$", "abc"));
    assert!(!yes(r"^[^\d]+$", "ab1"));
    assert!(yes(r"\bcat\b", "a cat."));
    assert!(!yes(r"\bcat\b", "concat"));
    assert!(!yes(r"\bé", "é")); // é is no word character: no boundary on either side
    assert!(!yes(r"a\Bé", "aé"));
}

#[test]
#[cfg(feature = "unicode-case")] // else the host's upper case (the browser's)
fn search_semantics_and_case() {
    assert!(yes(r"Product #: [0-9]", "Product #: 40276532"));
    assert!(!yes(r"product", "Product"));
    assert!(yes(r"^[^0-9]*$", "no digits"));
    assert!(flags_yes(r"product", "i", "PRODUCT"));
    assert!(!flags_yes(r"^[a-z]+$", "i", "ÀB"));
    assert!(flags_yes(r"^é$", "i", "É"));
    assert!(flags_yes(r"^σ$", "i", "ς"));
    // Without u, no letter beyond ASCII stands for an ASCII one; with u, folding does.
    assert!(!flags_yes(r"^s$", "i", "ſ"));
    assert!(flags_yes(r"^s$", "iu", "ſ"));
    assert!(!flags_yes(r"^k$", "i", "\u{212A}"));
    assert!(flags_yes(r"^k$", "iu", "\u{212A}"));
    assert!(!flags_yes(r"^ß$", "i", "ẞ"));
    assert!(flags_yes(r"^ß$", "iu", "ẞ"));
    // \w and \b fold too with u and i.
    assert!(flags_yes(r"^\w$", "iu", "ſ"));
    assert!(!flags_yes(r"^\W$", "iu", "S"));
    assert!(flags_yes(r"ſ\b", "iu", "ſ"));
    assert!(!flags_yes(r"a\b", "iu", "aſ"));
    assert!(!flags_yes(r"[^k]", "i", "K"));
}

#[test]
fn flags_for_lines_and_dots() {
    assert!(yes(r"^a.c$", "abc"));
    assert!(!yes(r"^a.c$", "a\nc"));
    assert!(flags_yes(r"^a.c$", "s", "a\nc"));
    assert!(!yes(r"^b", "a\nb"));
    assert!(flags_yes(r"^b", "m", "a\nb"));
    assert!(flags_yes(r"^b", "m", "a\rb"));
    assert!(flags_yes(r"^b$", "m", "a\u{2028}b\u{2029}c"));
    assert!(flags_yes(r"a$", "m", "a\r\nb"));
    assert!(flags_yes(r"^$", "m", "a\r\nb")); // between \r and \n
    assert!(flags_yes(r"a\r^$\n^b", "m", "a\r\nb"));
    assert!(!flags_yes(r"a\n", "m", "a\rb"));
    assert!(flags_yes(r"a[^x]b", "m", "a\rb"));
    assert!(!flags_yes(r"a.b", "m", "a\rb"));
    assert!(flags_yes(r"a\sb", "m", "a\u{2028}b"));
    assert!(!flags_yes(r"^\B", "m", "b\rb"));
    assert!(flags_yes(r"^b", "y", "bc"));
    assert!(!flags_yes(r"c", "y", "bc"));
}

#[test]
fn code_units_without_u() {
    // JavaScript without u sees an emoji as two code units.
    assert!(!yes(r"^.$", "😀"));
    assert!(yes(r"^..$", "😀"));
    assert!(flags_yes(r"^.$", "u", "😀"));
    assert!(yes(r"^\uD83D\uDE00$", "😀"));
    assert!(flags_yes(r"^\uD83D\uDE00$", "u", "😀"));
    assert!(yes(r"^\uD83D", "😀"));
    assert!(!flags_yes(r"\uD83D", "u", "😀"));
    assert!(yes(r"^[\uD800-\uDBFF][\uDC00-\uDFFF]$", "😀"));
    assert!(yes(r"^😀+$", "😀"));
    assert!(!yes(r"^😀+$", "😀😀")); // the + repeats the low surrogate alone
    assert!(yes(r"^[😀]{2}$", "😀"));
    assert!(flags_yes(r"^[😀]$", "u", "😀"));
    assert!(yes(r"^\u{3}$", "uuu"));
    assert!(flags_yes(r"^\u{1F600}$", "u", "😀"));
    assert!(yes(r"^[^a]$", "é"));
    assert!(!yes(r"^[^a]$", "😀"));
    assert!(yes(r"^[^a][^a]$", "😀"));
}

#[test]
fn the_webs_lenient_grammar() {
    assert!(yes(r"^a{$", "a{"));
    assert!(yes(r"^a{1,x}$", "a{1,x}"));
    assert!(yes(r"^x{2,3}$", "xxx"));
    assert!(!yes(r"^x{2,3}$", "xxxx"));
    assert!(yes(r"^[\d-z]+$", "1-z"));
    assert!(yes(r"^]$", "]"));
    assert!(yes(r"^}$", "}"));
    assert!(!yes(r"[]", "anything"));
    assert!(yes(r"^[^]$", "\n"));
    assert!(yes(r"^\cJ$", "\n"));
    assert!(yes(r"^\c$", "\\c"));
    assert!(yes(r"^[\c_]$", "\u{1f}"));
    assert!(yes(r"^\p{L}$", "p{L}"));
    assert!(yes(r"^\q$", "q"));
    assert!(yes(r"^\1$", "\u{1}"));
    assert!(yes(r"^\12$", "\n"));
    assert!(yes(r"^\8$", "8"));
    assert!(yes(r"^\0$", "\0"));
    assert!(yes(r"^[\1]$", "\u{1}"));
    assert!(yes(r"^\k$", "k"));
    assert!(yes(r"^(?:^a)*$", ""));
    assert!(yes(r"^[\b]$", "\u{8}"));
    assert!(yes(r"a+?b", "aab"));
    assert!(yes(r"^(?<year>\d{4})$", "2024"));
    assert!(yes(r"^a|$", "b"));
    for bad in [
        r"^*",
        r"a**",
        r"\b+",
        "*a",
        "a{3,2}",
        "[z-a]",
        "(?x)",
        "a)",
        "(a",
        "[a",
        "\\",
        "{1}",
        r"(?<a>x)(?<a>y)",
        r"(?<1a>x)",
        r"(?<a>x)\k",
    ] {
        assert_eq!(refused(bad, "").kind, Kind::Invalid, "{bad}");
    }
}

#[test]
fn the_strict_grammar_with_u() {
    for bad in [
        r"a{",
        "]",
        "}",
        r"\q",
        r"[\d-z]",
        r"\c",
        r"\-",
        r"\00",
        r"[\1]",
        r"\u{110000}",
        r"\k",
        r"\1",
    ] {
        assert_eq!(refused(bad, "u").kind, Kind::Invalid, "{bad}");
    }
    assert!(flags_yes(r"^[\-]$", "u", "-"));
    assert!(flags_yes(r"^\/$", "u", "/"));
}

#[test]
fn unsupported_constructs_are_named() {
    for (re, flags, what) in [
        (r"a(?=b)", "", "look-ahead"),
        (r"a(?!b)", "", "look-ahead"),
        (r"(?<=a)b", "", "look-behind"),
        (r"(a)\1", "", "back-reference"),
        (r"(?<n>a)\k<n>", "", "back-reference"),
        (r"\p{L}", "u", "Unicode property"),
        (r"(?i:a)", "", "modifier"),
        (r"a", "v", "v flag"),
    ] {
        let err = refused(re, flags);
        assert_eq!(err.kind, Kind::Unsupported, "{re}");
        assert!(err.message.contains(what), "{re}: {err}");
    }
    assert_eq!(refused("a", "x").kind, Kind::Invalid);
    assert_eq!(refused("a", "ii").kind, Kind::Invalid);
    assert!(refused(&"(".repeat(5000), "")
        .message
        .contains("nested deeper"));
    let big = refused("(a{1000}){1000}", "");
    assert!(big.message.contains("too big"), "{big}");
    assert!(refused("a{99999999999}", "")
        .message
        .contains("repetition count"));
}

/// The crate's promise, kept: no expression makes a search slower than linear. Each
/// trap runs on 1,000 and 50,000 characters; the longer may take at most 100 times as
/// long (it would take far more if it backtracked), with a floor for timer noise.
#[test]
fn linear_on_backtracking_traps() {
    use std::time::{Duration, Instant};
    let email = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$";
    let traps: [(&str, &dyn Fn(usize) -> String); 4] = [
        (r"^(a+)+$", &|n| format!("{}!", "a".repeat(n))),
        (r"(a|a)*b", &|n| "a".repeat(n)),
        (r"(a{1,100}){1,100}", &|n| "b".repeat(n)),
        (email, &|n| {
            format!("{}@{}", "a".repeat(n / 2), "a".repeat(n / 2))
        }),
    ];
    for (re, text) in traps {
        let re = JsRegex::compile(re).unwrap();
        let time = |n: usize| {
            let text = text(n);
            let start = Instant::now();
            assert!(!re.is_match(&text));
            start.elapsed()
        };
        time(1_000);
        let short = time(1_000);
        let long = time(50_000);
        assert!(
            long < short * 100 + Duration::from_millis(20),
            "{}: {short:?} on 1,000 characters, {long:?} on 50,000",
            re.source()
        );
    }
}

mod properties {
    use super::super::JsRegex;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Any text as an expression, with any flags: refused or compiled, never a
        /// panic, and a compiled one runs on any text.
        #[test]
        fn any_source_is_refused_or_runs(
            re in "[a\\\\()\\[\\]{}|*+?^$.,:=!<>0-9bBdDwWsSuxckp😀\u{2028}-]{0,16}",
            flags in "[imsuy]{0,3}",
            text in "(.|\n|\r|😀){0,12}",
        ) {
            if let Ok(ours) = JsRegex::with_flags(&re, &flags) {
                ours.is_match(&text);
            }
        }
    }
}
