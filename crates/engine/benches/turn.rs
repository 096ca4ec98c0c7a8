//! One visitor turn on a generated bot with 1,000 dialogs started by patterns.
//! Run with `cargo bench -p chatlet-engine`.

use std::hint::black_box;
use std::sync::Arc;

use chatlet_engine::{internals::load_native, Input, Session};
use criterion::{criterion_group, criterion_main, Criterion};

/// A native bot with `n` dialogs, each started by two patterns and answering one line.
fn big_bot(n: usize) -> String {
    let dialogs: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"name":"D{i}","patterns":["*topic{i} (info|details)*","(what|tell me) about item{i}*"],"flow":[{{"say":"Dialog {i} for {{$query}}"}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"dialogs":[{},{{"name":"Fallback","fallback":true,"flow":[{{"say":"Sorry?"}}]}}]}}"#,
        dialogs.join(",")
    )
}

fn turn(c: &mut Criterion) {
    let source = big_bot(1000);
    c.bench_function("load a 1,000-dialog bot", |b| {
        b.iter(|| load_native(black_box(&source)).unwrap())
    });
    let bot = Arc::new(load_native(&source).unwrap());
    let mut session = Session::new(bot, Default::default());
    // The last dialog's second pattern: every starter before it is tried first.
    let last = "Tell me about item999 please".to_string();
    c.bench_function("turn: last of 1,000 starters matches", |b| {
        b.iter(|| session.handle(Input::Text(black_box(last.clone()))))
    });
    let none =
        "nothing here matches any of the starters at all, so the fallback answers".to_string();
    c.bench_function("turn: no starter matches (fallback)", |b| {
        b.iter(|| session.handle(Input::Text(black_box(none.clone()))))
    });
}

criterion_group!(benches, turn);
criterion_main!(benches);
