//! One visitor turn on a generated bot with 1,000 dialogs started by patterns.
//! Run with `cargo bench -p chatlet-engine`.

use std::hint::black_box;
use std::sync::Arc;

use chatlet_engine::{internals::load_native, Input, Session};
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "shared/big_bot.rs"]
mod big_bot;
use big_bot::big_bot;

/// A bot whose one question has `n` regex rules, each re-asking it; "code 00199" matches
/// the 200th.
fn regex_bot(n: usize) -> String {
    let rules: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"regex":"^code {i:05}$","then":"repeat"}}"#))
        .collect();
    format!(
        r#"{{"dialogs":[{{"name":"Q","patterns":["ask"],"flow":[{{"ask":"Code?","rules":[{}]}},{{"say":"ok"}}]}}]}}"#,
        rules.join(",")
    )
}

/// A turn on `bot` for `message`, after `setup` (a message that asks a question whose
/// rules then re-ask it, so every turn finds it waiting).
fn bench_turn(c: &mut Criterion, name: &str, bot: &str, setup: Option<&str>, message: &str) {
    let bot = Arc::new(load_native(bot).unwrap());
    let mut session = Session::new(bot, Default::default());
    if let Some(s) = setup {
        session.handle(Input::Text(s.to_string()));
    }
    let message = message.to_string();
    c.bench_function(name, |b| {
        b.iter(|| session.handle(Input::Text(black_box(message.clone()))))
    });
}

fn turn(c: &mut Criterion) {
    let source = big_bot(1000);
    c.bench_function("load a 1,000-dialog bot", |b| {
        b.iter(|| load_native(black_box(&source)).unwrap())
    });
    // The last dialog's second pattern: every starter before it is tried first.
    let last = "Tell me about item999 please";
    bench_turn(
        c,
        "turn: last of 1,000 starters matches",
        &source,
        None,
        last,
    );
    let none = "nothing here matches any of the starters at all, so the fallback answers";
    bench_turn(
        c,
        "turn: no starter matches (fallback)",
        &source,
        None,
        none,
    );
    // A question's rules decide (a noMatch re-asks it, so it waits again each time).
    let asking = big_bot(1000).replace(
        r#"{"name":"Fallback""#,
        r#"{"name":"Ask","patterns":["question please"],"flow":[{"ask":"Which?","rules":[{"pattern":"*topic7*","then":"next"},{"noMatch":"Again?","then":"repeat"}]},{"say":"done"}]},{"name":"Fallback""#,
    );
    bench_turn(
        c,
        "turn: a question's rules decide (1,000 dialogs)",
        &asking,
        Some("question please"),
        "nothing of the sort",
    );
    let source = big_bot(10_000);
    bench_turn(
        c,
        "turn: no starter matches, 10,000 dialogs",
        &source,
        None,
        none,
    );
    let long = "lorem ipsum dolor sit amet ".repeat(380);
    bench_turn(
        c,
        "turn: a 10 KB message, 1,000 dialogs",
        &big_bot(1000),
        None,
        &long,
    );
    bench_turn(
        c,
        "turn: 200 regex rules on one question, the last matches",
        &regex_bot(200),
        Some("ask"),
        "code 00199",
    );
}

/// Backtracking traps for a JavaScript engine on hostile texts of 1,000 and 50,000
/// characters: the `regex` crate's search stays linear (compare the two sizes).
fn regex_traps(c: &mut Criterion) {
    use chatlet_engine::internals::JsRegex;
    let email = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$";
    /// A name, the expression, and the hostile text of a length.
    type Trap = (&'static str, &'static str, fn(usize) -> String);
    let traps: [Trap; 5] = [
        ("^(a+)+$", "^(a+)+$", |n| format!("{}!", "a".repeat(n))),
        ("(a|a)*b", "(a|a)*b", |n| "a".repeat(n)),
        ("(a{1,100}){1,100}", "(a{1,100}){1,100}", |n| "b".repeat(n)),
        // Anchored, the same program must run over the whole text: the costliest
        // expression family found (linear, with a constant as large as its program).
        ("^(a{1,100}){1,100}$", "^(a{1,100}){1,100}$", |n| {
            format!("{}!", "a".repeat(n))
        }),
        ("the demo bot's email", email, |n| {
            format!("{}@{}", "a".repeat(n / 2), "a".repeat(n / 2))
        }),
    ];
    for (name, source, text) in traps {
        let re = JsRegex::compile(source).unwrap();
        for n in [1_000, 50_000] {
            let text = text(n);
            c.bench_function(&format!("regex: {name} on {n} characters"), |b| {
                b.iter(|| re.is_match(black_box(&text)))
            });
        }
    }
}

criterion_group!(benches, turn, regex_traps);
criterion_main!(benches);
