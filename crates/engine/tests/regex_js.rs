//! Chatlet's JavaScript regular expressions against JavaScript itself: every case (an
//! expression, its flags and a text) runs through `node` (`regex_js/run.mjs`) and
//! through the engine's translation to the `regex` crate, and the two must agree:
//!
//! - node matches or does not: Chatlet says the same, or refuses the expression by name
//!   (look-around, back-references: counted, never a syntax error of its own);
//! - node refuses it (a SyntaxError): Chatlet refuses it too;
//! - node runs past its time limit (its backtracking engine on a hostile text): skipped,
//!   and counted.
//!
//! The cases are the hand-picked `regex_js/edge-cases.jsonl` (each class escape, case
//! folding beyond ASCII, line terminators, empty alternatives, the lenient grammar,
//! astral characters) and expressions generated from a fixed seed over the grammar
//! Chatlet accepts, each tried on a few generated texts.

use std::io::Write;
use std::process::{Command, Stdio};

use chatlet_engine::internals::{JsRegex, RegexKind};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Expressions generated, each tried on `TEXTS_PER_EXPRESSION` texts.
const GENERATED: usize = 300;
const TEXTS_PER_EXPRESSION: usize = 3;

struct Case {
    source: String,
    flags: String,
    text: String,
}

fn edge_cases() -> Vec<Case> {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/regex_js/edge-cases.jsonl"
    );
    let text = std::fs::read_to_string(file).expect("edge cases");
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let (source, flags, texts): (String, String, Vec<String>) =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        for text in texts {
            cases.push(Case {
                source: source.clone(),
                flags: flags.clone(),
                text,
            });
        }
    }
    cases
}

/// One piece of an expression, as a bot author might write it.
fn atom() -> impl Strategy<Value = String> {
    let literal = prop::sample::select(vec![
        "a", "b", "c", "A", "B", "1", " ", "_", "-", ",", "é", "É", "ß", "ſ", "k", "K", "s", "σ",
        "ς", "Σ", "😀", "\n", "\r", "\u{2028}", "{", "}", "]", "/",
    ]);
    let escape = prop::sample::select(vec![
        r"\d",
        r"\D",
        r"\w",
        r"\W",
        r"\s",
        r"\S",
        r"\b",
        r"\B",
        r"\n",
        r"\r",
        r"\t",
        r"\.",
        r"\-",
        r"\/",
        r"\x41",
        r"\x4",
        r"\u00e9",
        r"\uD83D",
        r"\uDE00",
        r"\u{1F600}",
        r"\u{2}",
        r"\cJ",
        r"\c",
        r"\0",
        r"\1",
        r"\8",
        r"\12",
        r"\k",
        r"\q",
        r"\p",
        r"\{",
        r"\*",
    ]);
    let class_item = prop::sample::select(vec![
        "a", "b-d", "A-Z", r"\d", r"\w", r"\s", r"\W", "é", "😀", r"\uD83D", "-", r"\]", r"\b",
        r"\-", r"\cJ", r"\c_", "^", r"\n", r"\u2028", "ſ", "K", r"\d-z", ".", "$",
    ]);
    let class = (any::<bool>(), prop::collection::vec(class_item, 0..4))
        .prop_map(|(neg, items)| format!("[{}{}]", if neg { "^" } else { "" }, items.concat()));
    prop_oneof![
        4 => literal.prop_map(str::to_string),
        3 => escape.prop_map(str::to_string),
        2 => class,
        1 => prop::sample::select(vec!["^", "$", "."]).prop_map(str::to_string),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 16, 4, |inner| {
        let quantifier = prop::sample::select(vec![
            "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?", "{2,1}", "{", "{1",
        ]);
        prop_oneof![
            3 => prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
            1 => prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.join("|")),
            2 => (inner.clone(), prop::sample::select(vec!["(", "(?:", "(?<n>"]))
                .prop_map(|(r, open)| format!("{open}{r})")),
            2 => (inner, quantifier).prop_map(|(r, q)| {
                // A quantifier repeats the last unit, so group what it should repeat.
                if r.chars().count() == 1 { format!("{r}{q}") } else { format!("(?:{r}){q}") }
            }),
        ]
    })
}

fn text() -> impl Strategy<Value = String> {
    let unit = prop::sample::select(vec![
        'a', 'b', 'c', 'A', 'B', '1', '9', ' ', '_', '-', 'é', 'É', 'ß', 'ẞ', 'ſ', 'k', 'K', 's',
        'S', 'σ', 'ς', '😀', '\n', '\r', '\u{2028}', '{', '}', '\u{212A}',
    ]);
    prop::collection::vec(unit, 0..8).prop_map(|v| v.into_iter().collect())
}

fn generated_cases() -> Vec<Case> {
    let seed = *b"chatlet regex vs javascript seed";
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let flags = prop::sample::select(vec!["", "", "", "i", "m", "s", "u", "iu", "im", "mu", "y"]);
    let strategy = (
        expression(),
        flags,
        prop::collection::vec(text(), TEXTS_PER_EXPRESSION),
    );
    let mut cases = Vec::new();
    for _ in 0..GENERATED {
        let (source, flags, texts) = strategy.new_tree(&mut runner).unwrap().current();
        for text in texts {
            cases.push(Case {
                source: source.clone(),
                flags: flags.to_string(),
                text,
            });
        }
    }
    cases
}

/// JavaScript's answers, from node.
fn node_answers(cases: &[Case]) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/regex_js/run.mjs");
    let input = serde_json::to_string(
        &cases
            .iter()
            .map(|c| [&c.source, &c.flags, &c.text])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the differential regex test needs node on the PATH");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed");
    serde_json::from_slice(&out.stdout).expect("node's answers")
}

#[test]
fn javascript_and_chatlet_agree() {
    let mut cases = edge_cases();
    let edge = cases.len();
    cases.extend(generated_cases());
    let answers = node_answers(&cases);
    assert_eq!(answers.len(), cases.len());

    let (mut matched, mut unmatched, mut refused_both, mut ours_only, mut skipped) =
        (0, 0, 0, 0, 0);
    let mut differences = Vec::new();
    for (case, js) in cases.iter().zip(&answers) {
        let ours = JsRegex::with_flags(&case.source, &case.flags);
        let shown = format!(
            "/{}/{} on {:?}: node says {js}",
            case.source, case.flags, case.text
        );
        match (js.as_str(), &ours) {
            ("timeout", _) => skipped += 1,
            ("refused", Err(_)) => refused_both += 1,
            ("refused", Ok(re)) => differences.push(format!(
                "{shown}, Chatlet accepts it (as {})",
                re.translation()
            )),
            (_, Err(e)) if e.kind == RegexKind::Unsupported => ours_only += 1,
            (_, Err(e)) => differences.push(format!("{shown}, Chatlet refuses it: {e}")),
            (answer, Ok(re)) => {
                let yes = re.is_match(&case.text);
                if yes != (answer == "match") {
                    differences.push(format!(
                        "{shown}, Chatlet says {} (as {})",
                        if yes { "match" } else { "no match" },
                        re.translation()
                    ));
                } else if yes {
                    matched += 1;
                } else {
                    unmatched += 1;
                }
            }
        }
    }
    println!(
        "{} cases ({edge} hand-picked, {} generated): {} agreed ({matched} match, {unmatched} no match), \
         {refused_both} refused by both, {ours_only} refused by Chatlet by name, \
         {skipped} skipped (node ran past its time limit)",
        cases.len(),
        cases.len() - edge,
        matched + unmatched,
    );
    assert!(
        differences.is_empty(),
        "{} differences from JavaScript:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(cases.len() >= 400);
    // The generator must reach both answers and both kinds of refusal.
    assert!(matched >= 100 && unmatched >= 100 && refused_both >= 20 && ours_only >= 5);
}
