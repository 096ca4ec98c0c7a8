//! The count of [`super::nesting`] on each kind of level, and on code made to mislead it.

use super::*;

fn depth(source: &str) -> usize {
    nesting(source)
}

#[test]
fn brackets_count_outside_strings_comments_and_regular_expressions() {
    assert_eq!(depth("f(a[0], {b: [1]})"), 3);
    assert_eq!(depth("var s = '((([[['; // (((\n/* [[[ */ x(1)"), 1);
    assert_eq!(depth("var r = /[(]{2}\\//.test(s) / 2;"), 2);
    assert_eq!(depth("var t = `(${ f([1]) }[[`;"), 4);
    assert_eq!(
        depth(&format!("f({}1{})", "[".repeat(300), "]".repeat(300))),
        301
    );
}

/// The shapes that overflowed the command line's stack before (issue 27), a level each.
#[test]
fn every_kind_of_nesting_counts() {
    let n = 1000;
    let shapes = [
        (format!("var x = {}1;", "!".repeat(n)), Level::Prefix),
        (format!("var x = {}1;", "typeof ".repeat(n)), Level::Prefix),
        (format!("var x = {}1;", "- ".repeat(n)), Level::Prefix),
        (format!("var x = {}1;", "new ".repeat(n)), Level::Prefix),
        (format!("{}{{}}", "if(1)".repeat(n)), Level::Statement),
        (
            format!("{}{{}}", "if(0){}else ".repeat(n)),
            Level::Statement,
        ),
        (format!("{};", "while(1)".repeat(n)), Level::Statement),
        (format!("var f = {}1;", "()=>".repeat(n)), Level::Arrow),
        (format!("var x; {}1;", "x=".repeat(n)), Level::Assignment),
        (
            format!("var x = {}1;", "1?1:".repeat(n)),
            Level::Conditional,
        ),
        (
            format!("var x = {}1{};", "1?".repeat(n), ":1".repeat(n)),
            Level::Conditional,
        ),
        (
            (0..n).map(|i| format!("l{i}:")).collect::<String>() + ";",
            Level::Label,
        ),
        (
            (1..n).fold("if (x === 0) {\n  y = 0;\n}".into(), |code, i| {
                format!("{code}\nelse if (x === {i}) {{\n  y = {i};\n}}")
            }),
            Level::Statement,
        ),
    ];
    for (code, level) in shapes {
        let m = measure(&code);
        assert!(
            m.depth >= n && m.depth <= n + 3,
            "{level:?}: {m:?} in {}",
            &code[..40]
        );
        assert!(m.counts[level as usize] >= n - 1, "{level:?}: {m:?}");
    }
}

#[test]
fn lists_and_statements_in_a_row_do_not_nest() {
    let n = 10_000;
    assert!(depth(&format!("var x = ({}1);", "1,".repeat(n))) <= 3);
    assert!(depth(&format!("var x = {}1;", "1+".repeat(n))) <= 2);
    assert!(depth(&format!("var x = {}1;", "!a && ".repeat(n))) <= 2);
    assert!(depth(&format!("var x = {}1;", "typeof a === 'x' || ".repeat(n))) <= 2);
    assert!(depth(&"if (a) { b(); } else { c(); }\n".repeat(n)) <= 4);
    assert!(depth(&"if (a) b = 1; else c = -2;\n".repeat(n)) <= 3);
    assert!(depth(&"for (var i = 0; i < 3; i++) x += i;\n".repeat(n)) <= 3);
    // No semicolons: JavaScript ends the statements at the line ends.
    assert!(depth(&"a = !b\nif (c) d = -e\nx++\n".repeat(n)) <= 3);
    assert!(depth(&"var f = function () { return a ? b : c }\n".repeat(n)) <= 4);
    assert!(depth(&"switch (x) { case A: y = 1; break; default: y = 2 }\n".repeat(n)) <= 3);
    assert!(depth(&"var o = {a: 1, b: {c: [2]}, d: x ? y : z}\n".repeat(n)) <= 4);
    assert!(depth(&"l: for (;;) { break l }\n".repeat(n)) <= 4);
    assert!(depth(&"var s = `a${b}c${d ? `e${f}` : g}`\n".repeat(n)) <= 5);
    assert!(depth(&"x = a\n  ? b\n  : c\n".repeat(n)) <= 3);
}

#[test]
fn stray_and_crossed_brackets_take_linear_time() {
    let n = 100_000;
    assert_eq!(depth(&format!("{}{}", "(".repeat(n), "]".repeat(n))), n);
    assert_eq!(
        depth(&format!("[{}{}", "(".repeat(n), "]".repeat(n))),
        n + 1
    );
    assert_eq!(depth(&")]}".repeat(n)), 0);
    assert_eq!(depth(&format!("{}x", "?:".repeat(n))), n);
}

#[test]
fn any_text_is_read_to_its_end() {
    let sample =
        "var é = '\\é\\\u{2028}' + `a${ {b: /[\\é/]+é/g} }\\é` \u{2028} /*é*/ x\\é\0 // é\n\
                  \"\\\u{1F600}\" ? a\u{a0}: b\\";
    for (end, _) in sample.char_indices() {
        for start in sample.char_indices().map(|(i, _)| i).filter(|i| *i <= end) {
            measure(&sample[start..end]);
        }
    }
    assert_eq!(depth("'\\é(' + (1)"), 1);
    assert_eq!(depth("/\\é(/.test((1))"), 2);
}

#[test]
fn the_deepest_point_says_what_nests_there() {
    let m = measure("if (a) { x = !(b ? [1] : 2); }");
    assert_eq!(m.depth, 7);
    assert_eq!(
        m.parts(),
        "3 brackets, 1 prefix operator, 1 assignment, 1 conditional, 1 statement"
    );
}
