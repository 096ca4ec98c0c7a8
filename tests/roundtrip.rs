//! Every variant of every type the widget sends or stores survives its JSON form, over
//! generated values (not a hand-picked list): the steps and turns between the page and
//! its worker, the transcript's actions, the messages tabs leave each other and the
//! stored conversation. The codecs are serde's derives; this checks the derives' shapes
//! (untagged enums, skipped fields and their defaults, maps, numbers) fit together.
//!
//! In the browser the same derives run through `serde-wasm-bindgen` and the browser's
//! `JSON` (`src/json.rs`); the end-to-end tests store and restore conversations there.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use chatlet_engine::{CardOut, ChoiceOut, FileIn, HostInfo, Input, Output, Request, Upload};
use chatlet_widget::chat::{Action, FileState, Note, Person, Stamp};
use chatlet_widget::protocol::{Addressed, FromWorker, Inbox, Step, ToWorker, Turn};
use chatlet_widget::saved::{Answering, Saved, IDLE_MS};
use proptest::prelude::*;
use serde_json::Value;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ]{0,12}",
        1 => "\\PC{0,8}",
        1 => Just("quote \" back\\slash \n new line \u{0} nul 😀".to_string()),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // serde_json reads every float back exactly with its `float_roundtrip` feature (on
        // for these tests); the browser's JSON.parse, which the widget stores through, does.
        (-1e12f64..1e12).prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((text(), json()), 0..3)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

fn choice() -> impl Strategy<Value = ChoiceOut> {
    (text(), text(), proptest::option::of(text())).prop_map(|(title, payload, url)| ChoiceOut {
        title,
        payload,
        url,
    })
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(), text()), 0..3)
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        text().prop_map(Input::Text),
        Just(Input::Reset),
        (any::<u64>(), any::<u16>(), text()).prop_map(|(id, status, body)| Input::Response {
            id,
            status,
            body
        }),
        (any::<u64>(), text()).prop_map(|(id, error)| Input::NetworkError { id, error }),
        (
            any::<u64>(),
            text(),
            any::<u64>(),
            prop::collection::vec(any::<u8>(), 0..8),
            text()
        )
            .prop_map(|(handle, name, size, head, caption)| Input::File(FileIn {
                handle,
                name,
                size,
                head,
                caption
            })),
        Just(Input::TransferFailed),
        Just(Input::TransferAccepted),
    ]
}

fn output() -> impl Strategy<Value = Output> {
    prop_oneof![
        (
            text(),
            any::<bool>(),
            prop::collection::vec(choice(), 0..3),
            any::<u8>(),
            any::<u32>()
        )
            .prop_map(|(text, markup, choices, chips, delay_ms)| Output::Text {
                text,
                markup,
                choices,
                chips,
                delay_ms
            }),
        (text(), text(), any::<u32>()).prop_map(|(url, caption, delay_ms)| Output::Image {
            url,
            caption,
            delay_ms
        }),
        prop::collection::vec(
            (
                text(),
                text(),
                text(),
                prop::collection::vec(choice(), 0..2)
            ),
            0..3
        )
        .prop_map(|cards| Output::Cards {
            cards: cards
                .into_iter()
                .map(|(title, subtitle, image, buttons)| CardOut {
                    title,
                    subtitle,
                    image,
                    buttons
                })
                .collect()
        }),
        json().prop_map(|content| Output::Rich { content }),
        (
            any::<u64>(),
            text(),
            text(),
            text(),
            headers(),
            proptest::option::of(text()),
            any::<u32>()
        )
            .prop_map(
                |(id, integration, method, url, headers, body, timeout_ms)| {
                    Output::Request(Request {
                        id,
                        integration,
                        method,
                        url,
                        headers,
                        body,
                        timeout_ms,
                    })
                }
            ),
        (
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
            any::<bool>(),
            any::<u32>()
        )
            .prop_map(
                |(skill, agent, message, context, delay_ms)| Output::Transfer {
                    skill,
                    agent,
                    message,
                    context,
                    delay_ms
                }
            ),
        (prop::collection::vec(text(), 0..3), any::<u64>())
            .prop_map(|(accept, max_bytes)| Output::AskFile { accept, max_bytes }),
        any::<u64>().prop_map(|file| Output::FileRefused { file }),
        (
            any::<u64>(),
            any::<u64>(),
            text(),
            text(),
            text(),
            headers()
        )
            .prop_map(
                |(id, file, integration, method, url, headers)| Output::Upload(Upload {
                    id,
                    file,
                    integration,
                    method,
                    url,
                    headers
                })
            ),
        any::<bool>().prop_map(|survey| Output::End { survey }),
        text().prop_map(|message| Output::Debug { message }),
        (text(), text()).prop_map(|(block, error)| Output::ScriptError { block, error }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        input().prop_map(Step::Input),
        (text(), json()).prop_map(|(n, v)| Step::Variable(n, v)),
    ]
}

fn turn() -> impl Strategy<Value = Turn> {
    (
        any::<u64>(),
        prop::collection::vec(output(), 0..4),
        any::<bool>(),
        proptest::option::of(prop::collection::vec(text(), 0..3)),
        proptest::option::of(object()),
    )
        .prop_map(|(seq, outputs, waiting, expect, forever)| Turn {
            seq,
            outputs,
            waiting,
            expect,
            forever,
        })
}

fn to_worker() -> impl Strategy<Value = ToWorker> {
    prop_oneof![
        (
            prop::collection::vec(any::<u8>(), 0..64),
            text(),
            proptest::option::of(json()),
            proptest::option::of(json()),
            proptest::option::of(object()),
            object(),
            prop::collection::vec((any::<u64>(), any::<u32>()), 0..3)
        )
            .prop_map(|(bot, conversation_id, c, p, e, forever, stopped)| {
                ToWorker::Start {
                    bot,
                    conversation_id,
                    host: HostInfo {
                        // A present null and an absent value are one (CB's null).
                        customer_info: c.filter(|v| !v.is_null()),
                        personal_info: p.filter(|v| !v.is_null()),
                        engagement_attributes: e,
                    },
                    forever,
                    stopped,
                }
            }),
        (any::<u64>(), step()).prop_map(|(seq, step)| ToWorker::Step { seq, step }),
        Just(ToWorker::End),
    ]
}

fn from_worker() -> impl Strategy<Value = FromWorker> {
    prop_oneof![
        Just(FromWorker::Started),
        (any::<u64>(), any::<u32>()).prop_map(FromWorker::Block),
        (any::<u64>(), any::<u32>()).prop_map(FromWorker::BlockDone),
        turn().prop_map(FromWorker::Turn),
    ]
}

fn note() -> impl Strategy<Value = Note> {
    prop::sample::select(Note::ALL.to_vec())
}

fn file_state() -> impl Strategy<Value = FileState> {
    prop_oneof![
        Just(FileState::Checking),
        Just(FileState::Refused),
        any::<u64>().prop_map(FileState::Sending),
        Just(FileState::Sent),
        Just(FileState::Failed),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        text().prop_map(Action::Loaded),
        Just(Action::Failed),
        Just(Action::Retry),
        Just(Action::Reset),
        text().prop_map(Action::Visitor),
        output().prop_map(Action::Bot),
        any::<bool>().prop_map(Action::Typing),
        any::<bool>().prop_map(Action::Pace),
        (any::<u64>(), text()).prop_map(|(ms, clock)| Action::Clock(Stamp {
            ms,
            clock: clock.into()
        })),
        any::<u64>().prop_map(Action::Tick),
        (proptest::option::of(text()), proptest::option::of(text()))
            .prop_map(|(name, avatar)| Action::Person(Person { name, avatar })),
        proptest::option::of(prop::collection::vec(text(), 0..3)).prop_map(Action::Expect),
        any::<bool>().prop_map(Action::Dragging),
        (any::<u64>(), text(), any::<u64>())
            .prop_map(|(handle, name, size)| { Action::FileOffered { handle, name, size } }),
        (any::<u64>(), file_state()).prop_map(|(h, s)| Action::File(h, s)),
        note().prop_map(Action::Note),
        any::<bool>().prop_map(Action::WithAgent),
        text().prop_map(Action::Agent),
        any::<bool>().prop_map(Action::Resumed),
        text().prop_map(Action::Pending),
        Just(Action::Sent),
        any::<bool>().prop_map(Action::Offline),
    ]
}

fn inbox() -> impl Strategy<Value = Inbox> {
    prop_oneof![
        (text(), text()).prop_map(|(a, b)| Inbox::Send(a, b)),
        (text(), json()).prop_map(|(n, v)| Inbox::Variable(n, v)),
        Just(Inbox::Reset),
    ]
}

/// The value through its JSON text and back.
fn round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let text = serde_json::to_string(value).expect("serializes");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The name of an action's variant (exhaustive: a new variant must be named here, and
/// the test below then requires the generator to make it).
fn variant(a: &Action) -> &'static str {
    match a {
        Action::Loaded(_) => "loaded",
        Action::Failed => "failed",
        Action::Retry => "retry",
        Action::Reset => "reset",
        Action::Visitor(_) => "visitor",
        Action::Bot(_) => "bot",
        Action::Typing(_) => "typing",
        Action::Pace(_) => "pace",
        Action::Clock(_) => "clock",
        Action::Tick(_) => "tick",
        Action::Person(_) => "person",
        Action::Expect(_) => "expect",
        Action::Dragging(_) => "dragging",
        Action::FileOffered { .. } => "file offered",
        Action::File(..) => "file",
        Action::Note(_) => "note",
        Action::WithAgent(_) => "with agent",
        Action::Agent(_) => "agent",
        Action::Resumed(_) => "resumed",
        Action::Pending(_) => "pending",
        Action::Sent => "sent",
        Action::Offline(_) => "offline",
    }
}

const ACTIONS: usize = 22;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn worker_messages_round_trip(to in to_worker(), from in from_worker(), session in any::<u32>()) {
        let to = Addressed { session, message: to };
        let from = Addressed { session, message: from };
        prop_assert_eq!(round_trip(&to), to);
        prop_assert_eq!(round_trip(&from), from);
    }

    #[test]
    fn actions_and_inbox_messages_round_trip(action in action(), message in inbox()) {
        prop_assert_eq!(round_trip(&action), action);
        prop_assert_eq!(round_trip(&message), message);
    }

    #[test]
    fn a_stored_conversation_round_trips(
        steps in prop::collection::vec(step(), 0..6),
        actions in prop::collection::vec(action(), 0..8),
        flight in prop::collection::vec(output(), 0..3),
        pending in prop::collection::vec(text(), 0..3),
        expect in proptest::option::of(prop::collection::vec(text(), 0..3)),
        answering in prop_oneof![Just(Answering::Bot), Just(Answering::Transfer), Just(Answering::Agent)],
        rev in any::<u64>(),
    ) {
        let saved = Saved {
            id: "c".into(),
            rev,
            bot: "fp".into(),
            time: 1_000.0,
            steps,
            // Only what changes the transcript is stored.
            actions: actions.into_iter().filter(Action::kept).collect(),
            flight,
            answering,
            pending,
            expect,
        };
        let back = Saved::from_json(&saved.to_json(), "fp", 2_000.0, IDLE_MS);
        prop_assert_eq!(back, Ok(saved));
    }
}

/// The generator reaches every variant of every enum it draws (so the properties above
/// cover each, and a new variant left out of the generator fails here).
#[test]
fn the_generators_reach_every_variant() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    let (mut outputs, mut inputs) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    for _ in 0..3000 {
        let a = action().new_tree(&mut runner).unwrap().current();
        seen.insert(variant(&a));
        let o = output().new_tree(&mut runner).unwrap().current();
        outputs.insert(std::mem::discriminant(&o));
        let i = input().new_tree(&mut runner).unwrap().current();
        inputs.insert(std::mem::discriminant(&i));
    }
    assert_eq!(seen.len(), ACTIONS, "{seen:?}");
    assert_eq!(outputs.len(), 12, "every output");
    assert_eq!(inputs.len(), 7, "every input");
}
