//! What a window's conversation gives its session and gets back, as data: the same
//! steps whether the session runs on the page's thread or in the page's worker
//! ([`crate::runner`]), and the messages between the page and that worker, each
//! [`Addressed`] to one of the sessions the worker runs.
//!
//! Every step is numbered. The page keeps the numbered steps of the conversation (its
//! log), so a worker that is stopped (bot code over its time budget) is replaced by one
//! that replays the log, told which blocks to stop instead of running them: the session
//! comes back as it was, and the turn that hung goes on as after any script error.
//!
//! Every type here derives serde's traits: the messages cross to the worker as
//! JavaScript objects (`serde-wasm-bindgen`, structured clone: [`crate::wire`]), and the
//! steps are stored as JSON with the conversation (`crate::saved`).
//!
//! ```
//! use chatlet_widget::protocol::{Step, Stepper};
//! use chatlet_widget::engine::{load, Input, NoScripts};
//! use std::sync::Arc;
//! let bot = load(r#"{"chatlet": 1, "dialogs": [{"name": "Hi", "patterns": ["hi"], "flow": [{"say": "Hello"}]}]}"#).unwrap();
//! let mut session = Stepper::new(Arc::new(bot), Default::default(), NoScripts, Box::new(|_| {}));
//! let turn = session.apply(1, Step::Input(Input::Text("hi".into())));
//! assert_eq!((turn.seq, turn.outputs.len(), turn.waiting), (1, 1, false));
//! ```

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use chatlet_engine::Script;
use chatlet_engine::{over_budget, BotContext, ScriptHost, BLOCK_BUDGET_MS};
use chatlet_engine::{Bot, HostInfo, Input, Output, Session, SessionOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One thing the session is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// An input (the visitor's, the page's, or an answer to a request).
    Input(Input),
    /// A session variable from the page.
    Variable(String, Value),
}

/// What a step gave: the outputs, and what the window shows about the session after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// The step's number.
    pub seq: u64,
    /// What to show and do, in order.
    pub outputs: Vec<Output>,
    /// A call is in flight: the window shows the bot typing.
    pub waiting: bool,
    /// The file types the bot waits for, when it waits for a file.
    pub expect: Option<Vec<String>>,
    /// The forever-scoped variables (a JSON object), when the step changed them: the
    /// page keeps them for the bot's later conversations.
    pub forever: Option<Value>,
    /// The previewer's build: the session's state after the step (its snapshot).
    #[cfg(feature = "preview")]
    #[serde(default)]
    pub inspect: Option<Value>,
    /// The previewer's build: why the step went where it went (the engine's trace).
    #[cfg(feature = "preview")]
    #[serde(default)]
    pub why: Vec<String>,
    /// The previewer's build: the blocks of bot code the step ran.
    #[cfg(feature = "preview")]
    #[serde(default)]
    pub blocks: Vec<BlockRun>,
}

/// What a tab that follows hands to the tab that leads its conversation (through the
/// storage: it survives that tab closing before it reads it; the next leader does).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inbox {
    /// The visitor wrote (shown, payload).
    Send(String, String),
    /// The page set a variable.
    Variable(String, Value),
    /// The page started over.
    Reset,
}

/// A block of bot code, as the n-th block run during step `seq`. Replays run the same
/// blocks in the same order, so this names one block across a worker's replacement.
pub type BlockId = (u64, u32);

/// Names one of the sessions a worker runs (every window of a page with bot code shares
/// one worker).
pub type SessionId = u32;

/// A message to or from one session of the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Addressed<T> {
    /// The session.
    pub session: SessionId,
    /// The message.
    pub message: T,
}

/// From the page to its worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // `Start` goes once per session: boxing it gains nothing
pub enum ToWorker {
    /// Load the bot and start its session. Comes first, once per session and worker.
    Start {
        /// The bot, compiled (`chatlet_engine::compiled`): a `Uint8Array` to the worker.
        #[serde(with = "serde_bytes")]
        bot: Vec<u8>,
        /// The conversation id.
        conversation_id: String,
        /// What the page knows about the visitor.
        host: HostInfo,
        /// The forever-scoped variables kept from earlier conversations (an object).
        forever: Value,
        /// Blocks to stop (a script error) instead of running: an earlier worker spent
        /// its whole budget on them.
        stopped: Vec<BlockId>,
    },
    /// A step, in order.
    Step {
        /// Its number.
        seq: u64,
        /// The step.
        step: Step,
    },
    /// The window went: the session ends.
    End,
}

/// From the worker to its page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromWorker {
    /// The session is ready.
    Started,
    /// A block of bot code starts: the page's watchdog starts counting.
    Block(BlockId),
    /// That block ended.
    BlockDone(BlockId),
    /// A step's turn.
    Turn(Turn),
}

/// Counts the blocks of bot code run during a step and stops those named.
#[derive(Default)]
pub struct Watch {
    seq: Cell<u64>,
    blocks: Cell<u32>,
    /// Few (one per stopped block): a list, not a set.
    stopped: RefCell<Vec<BlockId>>,
    /// The previewer's build: the blocks run during the step (see [`BlockRun`]).
    #[cfg(feature = "preview")]
    runs: RefCell<Vec<BlockRun>>,
}

/// A block of bot code run during a step, for the previewer: the script's key
/// (`"<interaction key>/pre"`, `"…/post"`, `"…/reply"`, `"<integration>/transform"`,
/// `"globals"`), how long it ran and its error, if any.
#[cfg(feature = "preview")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockRun {
    /// The script's key.
    pub key: String,
    /// Milliseconds it ran (the browser's clock).
    pub ms: f64,
    /// What it threw, or why it was stopped.
    pub error: Option<String>,
}

impl Watch {
    /// Blocks to stop instead of running.
    pub fn stop(&self, blocks: impl IntoIterator<Item = BlockId>) {
        self.stopped.borrow_mut().extend(blocks);
    }
}

/// A script host whose blocks are numbered ([`BlockId`]) and announced (the worker tells
/// the page, which times them); a block named in the [`Watch`] is a script error, over
/// budget, without running.
pub struct Watched<S> {
    inner: S,
    watch: Rc<Watch>,
    notify: Box<dyn Fn(FromWorker)>,
}

impl<S: ScriptHost> Watched<S> {
    #[cfg_attr(not(feature = "preview"), allow(unused_variables))]
    fn guard(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut S) -> Result<(), String>,
    ) -> Result<(), String> {
        let id = (self.watch.seq.get(), self.watch.blocks.get());
        self.watch.blocks.set(id.1 + 1);
        if self.watch.stopped.borrow().contains(&id) {
            return Err(over_budget(BLOCK_BUDGET_MS.into()));
        }
        (self.notify)(FromWorker::Block(id));
        #[cfg(all(feature = "preview", target_arch = "wasm32"))]
        let started = js_sys::Date::now();
        let result = f(&mut self.inner);
        (self.notify)(FromWorker::BlockDone(id));
        #[cfg(feature = "preview")]
        {
            #[cfg(target_arch = "wasm32")]
            let ms = js_sys::Date::now() - started;
            #[cfg(not(target_arch = "wasm32"))]
            let ms = 0.0;
            self.watch.runs.borrow_mut().push(BlockRun {
                key: key.to_string(),
                ms,
                error: result.clone().err(),
            });
        }
        result
    }
}

impl<S: ScriptHost> ScriptHost for Watched<S> {
    fn start(&mut self, globals: Option<&Script>, ctx: &mut BotContext) -> Result<(), String> {
        let key = globals.map_or("globals", |g| g.key.as_str());
        self.guard(key, |s| s.start(globals, ctx))
    }
    fn run(&mut self, script: &Script, ctx: &mut BotContext) -> Result<(), String> {
        self.guard(&script.key, |s| s.run(script, ctx))
    }
}

/// A session whose steps are numbered and whose blocks are watched.
pub struct Stepper {
    session: Session,
    watch: Rc<Watch>,
    /// The forever-scoped variables as last reported.
    forever: Value,
}

/// A session's forever-scoped variables as a JSON object.
pub fn forever_value(session: &Session) -> Value {
    Value::Object(
        session
            .forever_vars()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// A JSON object of variables as the engine's list.
pub fn forever_list(value: &Value) -> Vec<(String, Value)> {
    value.as_object().map_or_else(Vec::new, |m| {
        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    })
}

impl Stepper {
    /// A session of `bot` running its code with `scripts`; `notify` hears of each block.
    pub fn new(
        bot: Arc<Bot>,
        options: SessionOptions,
        scripts: impl ScriptHost + 'static,
        notify: Box<dyn Fn(FromWorker)>,
    ) -> Stepper {
        let watch = Rc::new(Watch::default());
        let scripts = Watched {
            inner: scripts,
            watch: watch.clone(),
            notify,
        };
        let session = Session::with_scripts(bot, options, Box::new(scripts));
        Stepper {
            forever: forever_value(&session),
            session,
            watch,
        }
    }

    /// What counts and stops its blocks.
    pub fn watch(&self) -> &Watch {
        &self.watch
    }

    /// Gives the session the step numbered `seq`.
    pub fn apply(&mut self, seq: u64, step: Step) -> Turn {
        self.watch.seq.set(seq);
        self.watch.blocks.set(0);
        let session = &mut self.session;
        let outputs = match step {
            Step::Input(input) => session.handle(input),
            Step::Variable(name, value) => {
                session.set_variable(&name, value);
                vec![]
            }
        };
        let forever = forever_value(session);
        let changed = forever != self.forever;
        if changed {
            self.forever = forever.clone();
        }
        Turn {
            seq,
            outputs,
            waiting: session.is_waiting(),
            expect: session
                .expected_file()
                .map(|(exts, _)| exts.into_iter().map(str::to_string).collect()),
            forever: changed.then_some(forever),
            #[cfg(feature = "preview")]
            inspect: serde_json::to_value(session.snapshot()).ok(),
            #[cfg(feature = "preview")]
            why: session.take_trace(),
            #[cfg(feature = "preview")]
            blocks: std::mem::take(&mut *self.watch.runs.borrow_mut()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatlet_engine::NoScripts;

    use chatlet_engine::{CardOut, ChoiceOut, FileIn, Request, Upload};

    fn to_worker(m: ToWorker) {
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(
            serde_json::from_str::<ToWorker>(&text).ok(),
            Some(m),
            "{text}"
        );
    }

    fn from_worker(m: FromWorker) {
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(
            serde_json::from_str::<FromWorker>(&text).ok(),
            Some(m),
            "{text}"
        );
    }

    #[test]
    fn every_message_survives_its_json_form() {
        to_worker(ToWorker::Start {
            bot: "{}".into(),
            conversation_id: "c1".into(),
            host: HostInfo {
                customer_info: Some(serde_json::json!({"customerType": "vip"})),
                ..Default::default()
            },
            forever: serde_json::json!({"visits": 3}),
            stopped: vec![(3, 1)],
        });
        for step in [
            Step::Input(Input::Text("héllo \u{0}".into())),
            Step::Input(Input::Reset),
            Step::Input(Input::TransferFailed),
            Step::Input(Input::Response {
                id: 7,
                status: 500,
                body: "{\"a\":1}".into(),
            }),
            Step::Input(Input::NetworkError {
                id: 8,
                error: "down".into(),
            }),
            Step::Input(Input::File(FileIn {
                handle: 2,
                name: "a.pdf".into(),
                size: 10,
                head: vec![0x25, 0x50, 0, 255],
                caption: String::new(),
            })),
            Step::Variable("n".into(), serde_json::json!([1, {"b": null}])),
        ] {
            to_worker(ToWorker::Step { seq: 4, step });
        }
        from_worker(FromWorker::Turn(Turn {
            seq: 9,
            outputs: vec![
                Output::Text {
                    text: "Pick".into(),
                    markup: true,
                    choices: vec![ChoiceOut {
                        title: "A".into(),
                        payload: "a".into(),
                        url: None,
                    }],
                    chips: 4,
                    delay_ms: 0,
                },
                Output::Image {
                    url: "https://x/y.png".into(),
                    caption: "A mug".into(),
                    delay_ms: 300,
                },
                Output::Rich {
                    content: serde_json::json!({"type": "vertical", "elements": []}),
                },
                Output::AskFile {
                    accept: vec!["pdf".into()],
                    max_bytes: 5,
                },
                Output::Cards {
                    cards: vec![
                        CardOut {
                            title: "T".into(),
                            subtitle: String::new(),
                            image: "https://x/i.png".into(),
                            buttons: vec![ChoiceOut {
                                title: "Site".into(),
                                payload: String::new(),
                                url: Some("https://x".into()),
                            }],
                        },
                        CardOut::default(),
                    ],
                },
                Output::Request(Request {
                    id: 3,
                    integration: "Balance".into(),
                    method: "POST".into(),
                    url: "https://x/api?a=%20".into(),
                    headers: vec![("X-A".into(), "b".into())],
                    body: Some("{\"k\": \"v\"}".into()),
                    timeout_ms: 10_000,
                }),
                Output::Request(Request {
                    id: 4,
                    integration: "Get".into(),
                    method: "GET".into(),
                    url: "/api".into(),
                    headers: vec![],
                    body: None,
                    timeout_ms: 1,
                }),
                Output::Transfer {
                    skill: "12".into(),
                    agent: Some("a1".into()),
                    message: Some("BLANK_MESSAGE".into()),
                    context: true,
                    delay_ms: 0,
                },
                Output::Transfer {
                    skill: "12".into(),
                    agent: None,
                    message: None,
                    context: false,
                    delay_ms: 5,
                },
                Output::FileRefused { file: 2 },
                Output::Upload(Upload {
                    id: 5,
                    file: 2,
                    integration: "Store".into(),
                    method: "PUT".into(),
                    url: "/upload".into(),
                    headers: vec![("A".into(), "1".into())],
                }),
                Output::End { survey: true },
                Output::Debug {
                    message: "x".into(),
                },
                Output::ScriptError {
                    block: "pre-process of a".into(),
                    error: "nope is not defined".into(),
                },
            ],
            waiting: true,
            expect: Some(vec!["pdf".into()]),
            forever: Some(serde_json::json!({"visits": 4})),
        }));
        from_worker(FromWorker::Block((1, 0)));
        from_worker(FromWorker::BlockDone((1, 0)));
        from_worker(FromWorker::Started);
        assert!(serde_json::from_str::<FromWorker>("[\"nonsense\"]").is_err());
        assert!(serde_json::from_str::<ToWorker>("{").is_err());
    }

    #[test]
    fn a_replayed_log_gives_the_same_turns() {
        let bot = chatlet_engine::load(
            r#"{"chatlet": 1, "dialogs": [{"name": "Ask", "patterns": ["*"], "flow": [
                {"ask": "Name?", "rules": [{"set": {"name": "{$query}"}}]},
                {"say": "Hi {$botContext.name}, {$botContext.v}"}]}]}"#,
        )
        .unwrap();
        let bot = std::sync::Arc::new(bot);
        let log = [
            Step::Variable("v".into(), serde_json::json!("page")),
            Step::Input(Input::Text("hello".into())),
            Step::Input(Input::Text("Ann".into())),
        ];
        let run = || {
            let mut s = Stepper::new(bot.clone(), Default::default(), NoScripts, Box::new(|_| {}));
            log.iter()
                .enumerate()
                .map(|(i, step)| s.apply(i as u64 + 1, step.clone()))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let Output::Text { text, .. } = &first[2].outputs[0] else {
            panic!("{first:?}")
        };
        assert_eq!(text, "Hi Ann, page");
    }

    #[test]
    fn a_turn_carries_the_forever_variables_when_they_change() {
        let bot = chatlet_engine::load(
            r#"{"chatlet": 1, "dialogs": [{"name": "Ask", "patterns": ["colour"], "flow": [
                {"ask": "Colour?", "rules": [{"set": {"colour": "{$query}"}, "scope": "forever"}]},
                {"say": "Noted: {$botContext.colour}"}]}]}"#,
        )
        .unwrap();
        let options = SessionOptions {
            forever: forever_list(&serde_json::json!({"colour": "red"})),
            ..Default::default()
        };
        let mut s = Stepper::new(
            std::sync::Arc::new(bot),
            options,
            NoScripts,
            Box::new(|_| {}),
        );
        let text = |t: &str| Step::Input(Input::Text(t.into()));
        assert_eq!(s.apply(1, text("colour")).forever, None, "unchanged");
        let turn = s.apply(2, text("blue"));
        assert_eq!(turn.forever, Some(serde_json::json!({"colour": "blue"})));
        assert_eq!(s.apply(3, text("colour")).forever, None);
    }

    /// Records the blocks it is asked to run.
    struct Recorder(Rc<RefCell<Vec<String>>>);

    impl ScriptHost for Recorder {
        fn start(&mut self, _: Option<&Script>, _: &mut BotContext) -> Result<(), String> {
            self.0.borrow_mut().push("start".into());
            Ok(())
        }
        fn run(&mut self, script: &Script, _: &mut BotContext) -> Result<(), String> {
            self.0.borrow_mut().push(script.source.clone());
            Ok(())
        }
    }

    #[test]
    fn blocks_are_numbered_announced_and_a_stopped_one_is_a_script_error() {
        let bot = chatlet_engine::load(
            r#"{"chatlet": 1, "dialogs": [{"name": "Go", "patterns": ["*"], "flow": [
                {"say": "one", "pre": "first()"}, {"say": "two", "pre": "second()"}]}]}"#,
        )
        .unwrap();
        let ran = Rc::new(RefCell::new(vec![]));
        let heard = Rc::new(RefCell::new(vec![]));
        let notify = {
            let heard = heard.clone();
            Box::new(move |m: FromWorker| heard.borrow_mut().push(m))
        };
        let mut s = Stepper::new(
            Arc::new(bot),
            Default::default(),
            Recorder(ran.clone()),
            notify,
        );
        s.watch().stop([(1, 1)]);
        let turn = s.apply(1, Step::Input(Input::Text("go".into())));
        assert_eq!(*ran.borrow(), ["start", "second()"]);
        assert_eq!(
            *heard.borrow(),
            [
                FromWorker::Block((1, 0)),
                FromWorker::BlockDone((1, 0)),
                FromWorker::Block((1, 2)),
                FromWorker::BlockDone((1, 2))
            ]
        );
        let texts: Vec<String> = turn
            .outputs
            .iter()
            .map(|o| match o {
                Output::Text { text, .. } => text.clone(),
                Output::Debug { message } => message.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        assert!(texts[0].contains("ran longer than 2000 ms"), "{texts:?}");
        assert_eq!(texts[1..], ["one", "two"]);
        // The next step numbers its blocks afresh: nothing stopped there.
        s.apply(2, Step::Input(Input::Text("go".into())));
        assert_eq!(ran.borrow()[2..], ["first()", "second()"]);
    }
}
