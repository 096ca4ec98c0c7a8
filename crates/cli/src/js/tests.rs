//! Tests of `js` (the module's own file holds the code).

use super::*;
use serde_json::json;

fn script(source: &str) -> Script {
    Script {
        key: "test".into(),
        source: source.into(),
    }
}

#[test]
fn a_block_over_its_time_budget_is_stopped_and_the_next_one_runs() {
    let mut js = QuickJs::with_budget(Duration::from_millis(300));
    let mut ctx = BotContext::default();
    js.start(
        Some(&script("function twice(a) { return a + a; }")),
        &mut ctx,
    )
    .unwrap();
    // A backtracking regular expression: the interrupt reaches into the matcher.
    let hang = "botContext.setBotVariable('seen', 'yes', false, false);\n\
                /^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab');";
    let started = Instant::now();
    let error = js.run(&script(hang), &mut ctx).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(error.contains("ran longer than 300 ms"), "{error}");
    assert!(
        ctx.call("getBotVariable", &[json!("seen")])
            .unwrap()
            .is_null(),
        "the context is as before the block"
    );
    js.run(
        &script("botContext.setBotVariable('x', twice('ab'), false, false);"),
        &mut ctx,
    )
    .unwrap();
    assert_eq!(
        ctx.call("getBotVariable", &[json!("x")]).unwrap(),
        json!("abab")
    );
    let error = js.run(&script("for (;;) {}"), &mut ctx).unwrap_err();
    assert!(error.contains("ran longer than 300 ms"), "{error}");
}

/// Nesting of every kind, written out in the block (the loaders refuse such bots;
/// this is every other way in), past what any stack holds.
fn deep_shapes() -> Vec<(&'static str, String)> {
    vec![
        (
            "brackets",
            format!("var a = {}1{};", "[".repeat(300_000), "]".repeat(300_000)),
        ),
        ("bangs", format!("var x = {}1;", "!".repeat(105_460))),
        ("ifs", format!("{}{{}}", "if(1)".repeat(89_840))),
        ("arrows", format!("var f = {}1;", "()=>".repeat(144_520))),
        ("ternaries", format!("var x = {}1;", "1?1:".repeat(100_000))),
        (
            "else ifs",
            format!("{}{{}}", "if(0){}else ".repeat(100_000)),
        ),
        (
            "labels",
            (0..20_000).map(|i| format!("l{i}:")).collect::<String>() + ";",
        ),
    ]
}

#[test]
fn deeply_nested_code_is_an_error_not_a_stack_overflow() {
    let mut js = QuickJs::default();
    let mut ctx = BotContext::default();
    for (name, code) in deep_shapes() {
        // Where the stack runs out in an arrow's lookahead, QuickJS drops the stack's
        // error and reports a syntax error instead.
        let named = |e: &str| {
            e.contains("MiB of stack") || (name == "arrows" && e.starts_with("SyntaxError"))
        };
        let error = syntax_error(&code).unwrap_or_else(|| panic!("{name} parses"));
        assert!(named(&error), "{name}: {error}");
        let error = js.run(&script(&code), &mut ctx).unwrap_err();
        assert!(named(&error), "{name}: {error}");
    }
    // The realm goes on.
    js.run(
        &script("botContext.setBotVariable('n', 1, false, false);"),
        &mut ctx,
    )
    .unwrap();
    assert_eq!(ctx.call("getBotVariable", &[json!("n")]).unwrap(), json!(1));
}

#[test]
fn deep_values_stop_at_the_stack_and_at_botcontext() {
    let mut js = QuickJs::default();
    let mut ctx = BotContext::default();
    let deep = |n: u32, then: &str| {
        script(&format!(
            "var a = []; for (var i = 0; i < {n}; i++) {{ a = [a]; }} {then}"
        ))
    };
    for then in [
        "JSON.stringify(a);",
        "String(a);",
        "botContext.setBotVariable('a', a, false, false);",
    ] {
        let error = js.run(&deep(390_620, then), &mut ctx).unwrap_err();
        assert!(error.contains("MiB of stack"), "{then}: {error}");
    }
    let error = js
        .run(
            &deep(200, "botContext.setBotVariable('a', a, false, false);"),
            &mut ctx,
        )
        .unwrap_err();
    assert!(error.contains("more than 127 deep"), "{error}");
    js.run(
        &deep(100, "botContext.setBotVariable('a', a, false, false);"),
        &mut ctx,
    )
    .unwrap();
}

#[test]
fn memory_is_limited_in_the_realm_and_at_botcontext() {
    let mut js = QuickJs::default();
    let mut ctx = BotContext::default();
    let flat = "var s = 'x'; for (var i = 0; i < 29; i++) { s = s + s; } s.indexOf('y');";
    let error = js.run(&script(flat), &mut ctx).unwrap_err();
    assert!(error.contains("128 MiB of memory"), "{error}");
    let arrays = "var a = []; for (;;) { a.push(new Array(1e6).fill(1)); }";
    let error = js.run(&script(arrays), &mut ctx).unwrap_err();
    assert!(error.contains("128 MiB of memory"), "{error}");
    let flood = "var m = 'x'.repeat(1 << 20); \
                 for (var i = 0; ; i++) { botContext.setBotVariable('v' + i, m, false, false); }";
    let error = js.run(&script(flood), &mut ctx).unwrap_err();
    assert!(error.contains("at most 8 MiB"), "{error}");
    // The memory came back: the realm still works.
    js.run(
        &script("botContext.setBotVariable('ok', 'x'.repeat(1e6).length, false, false);"),
        &mut ctx,
    )
    .unwrap();
    assert_eq!(
        ctx.call("getBotVariable", &[json!("ok")]).unwrap(),
        json!(1_000_000)
    );
}

#[test]
fn a_global_changed_by_one_block_is_seen_by_the_next() {
    let mut js = QuickJs::default();
    let mut ctx = BotContext::default();
    let counter = "var turns = 0; function count() { turns += 1; return turns; }";
    js.start(Some(&script(counter)), &mut ctx).unwrap();
    for _ in 0..2 {
        js.run(&script("count();"), &mut ctx).unwrap();
    }
    js.run(
        &script("botContext.setBotVariable('n', count(), true, false);"),
        &mut ctx,
    )
    .unwrap();
    assert_eq!(ctx.call("getBotVariable", &[json!("n")]).unwrap(), json!(3));
}

#[test]
fn globals_blocks_and_values_round_trip() {
    let mut js = QuickJs::default();
    let mut ctx = BotContext::default();
    js.start(
        Some(&script("function twice(a) { return a.concat(a); }")),
        &mut ctx,
    )
    .unwrap();
    js.run(
        &script("var v = twice([1, {x: 'y'}]); botContext.setBotVariable('v', v, true, false);"),
        &mut ctx,
    )
    .unwrap();
    assert_eq!(
        ctx.call("getBotVariable", &[json!("v")]).unwrap(),
        json!([1, {"x": "y"}, 1, {"x": "y"}])
    );
    js.run(
        &script("if (botContext.getBotVariable('v').length !== 4) throw new Error('lost');"),
        &mut ctx,
    )
    .unwrap();
}

#[test]
fn promise_jobs_run_after_the_block_within_its_budget() {
    let mut js = QuickJs::with_budget(Duration::from_millis(300));
    let mut ctx = BotContext::default();
    let then = "Promise.resolve(2).then(function (n) { \
                botContext.setBotVariable('p', n, false, false); });";
    js.run(&script(then), &mut ctx).unwrap();
    assert_eq!(ctx.call("getBotVariable", &[json!("p")]).unwrap(), json!(2));
    let forever = "function again() { Promise.resolve().then(again); } again();";
    let error = js.run(&script(forever), &mut ctx).unwrap_err();
    assert!(error.contains("ran longer than 300 ms"), "{error}");
}

#[test]
fn syntax_is_checked_without_running() {
    assert_eq!(syntax_error("while (true) {} return 1;"), None);
    // Sloppy-mode code, as pages run it.
    assert_eq!(syntax_error("with (Math) { var x = 010; }"), None);
    let e = syntax_error("var a = ;").expect("a syntax error");
    assert!(e.starts_with("SyntaxError"), "{e}");
    assert!(syntax_error("}); evil(); (function () {").is_some());
    // Where the error is: in the block's own lines, or at its end.
    let e = syntax_error("var a = 1;\nvar b = ;").expect("a syntax error");
    assert!(e.ends_with(", line 2 column 9"), "{e}");
    let e = syntax_error("if (a) {\n  b();").expect("an unclosed bracket");
    assert!(e.ends_with(", at the end of the block"), "{e}");
    // A NUL in a string literal is JavaScript; one outside a string is not.
    assert_eq!(syntax_error("var s = '\0';"), None);
    assert!(syntax_error("var s = 1;\0").is_some());
}

#[test]
fn errors_are_reported_not_fatal() {
    let mut js = QuickJs::default();
    let mut ctx = BotContext::default();
    let e = js
        .run(&script("undefinedThing.x = 1;"), &mut ctx)
        .unwrap_err();
    assert!(e.contains("undefinedThing"), "{e}");
    let e = js
        .run(&script("botContext.askMaven();"), &mut ctx)
        .unwrap_err();
    assert!(
        e.contains("not a function") || e.contains("askMaven"),
        "{e}"
    );
    let e = js.run(&script("throw 'plain';"), &mut ctx).unwrap_err();
    assert_eq!(e, "uncaught plain");
    // Blocks have their own scope.
    js.run(&script("var local = 1;"), &mut ctx).unwrap();
    assert!(js
        .run(
            &script("if (typeof local !== 'undefined') throw 'leak';"),
            &mut ctx
        )
        .is_ok());
}
