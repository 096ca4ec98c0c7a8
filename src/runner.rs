//! Where a window's session runs: in its own worker when the bot has code, so that no
//! block of bot JavaScript can freeze the page; on the page's thread otherwise.
//!
//! The runner numbers the steps it is given and keeps them (the conversation's log).
//! With a worker, a watchdog times every block the worker announces; one still running
//! after [`BLOCK_BUDGET_MS`] (plus a little for the messages) gets the worker
//! terminated and replaced by a new one that replays the log, told to stop that block
//! instead of running it. The replayed turns already shown are not shown again; the turn
//! that hung goes on as after any script error (the bot's error rules, its next step).
//!
//! The page's thread runs the session when a worker cannot help or cannot start: a bot
//! without code, precompiled scripts (strict-CSP mode: their functions live in the page),
//! a page whose CSP refuses `blob:` workers, a browser without module workers, a worker
//! that fails. The log is replayed there, so nothing is lost.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::time::Duration;

use chatlet_engine::BLOCK_BUDGET_MS;
use chatlet_engine::{Bot, HostInfo, SessionOptions};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Url, Worker, WorkerOptions};
use yew::platform::{spawn_local, time::sleep};

use crate::protocol::{BlockId, FromWorker, Step, Stepper, ToWorker, Turn};
use crate::scripts::BrowserScripts;

/// Slack on top of the block budget for the two messages that frame a block.
const WATCHDOG_SLACK_MS: u32 = 250;

/// What a session needs, wherever it runs.
pub struct Setup {
    /// The loaded bot.
    pub bot: Arc<Bot>,
    /// Its file's text (a worker loads it again).
    pub text: String,
    /// The conversation id.
    pub conversation_id: String,
    /// What the page knows about the visitor.
    pub host: HostInfo,
    /// The URL of the widget's JavaScript glue (the worker imports it); none: no worker.
    pub glue: Option<String>,
    /// The forever-scoped variables kept from earlier conversations (a JSON object).
    pub forever: serde_json::Value,
}

impl Setup {
    fn options(&self) -> SessionOptions {
        SessionOptions {
            conversation_id: self.conversation_id.clone(),
            user_id: format!("visitor-{}", self.conversation_id),
            host: self.host.clone(),
            forever: crate::protocol::forever_list(&self.forever),
            ..Default::default()
        }
    }
}

/// A window's session and the steps it was given.
pub struct Runner {
    setup: Setup,
    engine: RefCell<Engine>,
    log: RefCell<Vec<Step>>,
    /// The last step whose turn was handed on.
    delivered: Cell<u64>,
    /// The last step of a kept log: its turn's status (typing, a file asked for) is
    /// handed on, without its outputs.
    resumed: u64,
    on_turn: Box<dyn Fn(Turn)>,
}

/// A handler of the worker's events.
type Handler = Closure<dyn Fn(JsValue)>;

enum Engine {
    Page(Box<Stepper>),
    Worker(Remote),
}

/// A worker and what the page knows of it.
struct Remote {
    worker: Worker,
    url: String,
    /// Counts workers, so that a stale timer or message is ignored.
    generation: u32,
    started: bool,
    running: Option<BlockId>,
    stopped: Vec<BlockId>,
    /// Its `message` and `error` handlers, kept alive with it.
    _handlers: [Handler; 2],
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.url);
    }
}

impl Runner {
    /// Starts the session: in a worker if the bot has code that is not precompiled and
    /// the window knows its glue; on the page's thread otherwise. The steps of `log` (a
    /// conversation kept from an earlier page load) are given first, their turns not
    /// handed on: they were shown then.
    pub fn start(setup: Setup, log: Vec<Step>, on_turn: Box<dyn Fn(Turn)>) -> Rc<Runner> {
        let scripts = BrowserScripts::for_bot(&setup.bot);
        if scripts.precompiled() {
            web_sys::console::info_1(&"chatlet: running the bot's precompiled scripts".into());
        }
        let wants_worker = chatlet_engine::precompiled::has_code(&setup.bot)
            && !scripts.precompiled()
            && setup.glue.is_some();
        let page = Stepper::new(
            setup.bot.clone(),
            setup.options(),
            scripts,
            Box::new(|_| {}),
        );
        let delivered = log.len() as u64;
        let runner = Rc::new(Runner {
            setup,
            engine: RefCell::new(Engine::Page(Box::new(page))),
            log: RefCell::new(log),
            delivered: Cell::new(delivered),
            resumed: delivered,
            on_turn,
        });
        if wants_worker {
            // A first worker replays the log as a replacement does (or, failing to
            // start, hands the session to the page's thread, which replays it).
            runner.replace(0, vec![]);
        } else {
            let mut turns = vec![];
            if let Engine::Page(page) = &mut *runner.engine.borrow_mut() {
                for (i, step) in runner.log.borrow().iter().enumerate() {
                    turns.push(page.apply(i as u64 + 1, step.clone()));
                }
            }
            turns.into_iter().for_each(|t| runner.hand_on(t));
        }
        runner
    }

    /// The steps given so far, in order.
    pub fn log(&self) -> std::cell::Ref<'_, Vec<Step>> {
        self.log.borrow()
    }

    /// Does a worker run the session?
    pub fn in_worker(&self) -> bool {
        matches!(*self.engine.borrow(), Engine::Worker(_))
    }

    /// Gives the session its next step; its turn comes to `on_turn` (at once on the
    /// page's thread). A step given while a turn runs (bot code that submits the window)
    /// waits for that turn to end.
    pub fn post(self: &Rc<Self>, step: Step) {
        let Ok(mut engine) = self.engine.try_borrow_mut() else {
            let runner = self.clone();
            spawn_local(async move { runner.post(step) });
            return;
        };
        let seq = {
            let mut log = self.log.borrow_mut();
            if let Engine::Worker(remote) = &*engine {
                send(
                    &remote.worker,
                    &ToWorker::Step {
                        seq: log.len() as u64 + 1,
                        step: step.clone(),
                    },
                );
            }
            log.push(step);
            log.len() as u64
        };
        if let Engine::Page(stepper) = &mut *engine {
            let step = self.log.borrow()[seq as usize - 1].clone();
            let turn = stepper.apply(seq, step);
            drop(engine);
            self.hand_on(turn);
        }
    }

    fn hand_on(&self, turn: Turn) {
        if turn.seq > self.delivered.get() {
            self.delivered.set(turn.seq);
            (self.on_turn)(turn);
        } else if turn.seq == self.resumed {
            (self.on_turn)(Turn {
                outputs: vec![],
                ..turn
            });
        }
    }

    /// A message from the worker of `generation`.
    fn receive(self: &Rc<Self>, generation: u32, message: FromWorker) {
        let mut engine = self.engine.borrow_mut();
        let Engine::Worker(remote) = &mut *engine else {
            return;
        };
        if remote.generation != generation {
            return;
        }
        match message {
            FromWorker::Started => {
                remote.started = true;
                let _ = Url::revoke_object_url(&remote.url);
            }
            FromWorker::Block(id) => {
                remote.running = Some(id);
                let runner = Rc::downgrade(self);
                spawn_local(async move {
                    sleep(Duration::from_millis(u64::from(
                        BLOCK_BUDGET_MS + WATCHDOG_SLACK_MS,
                    )))
                    .await;
                    if let Some(runner) = runner.upgrade() {
                        runner.overdue(generation, id);
                    }
                });
            }
            FromWorker::BlockDone(id) => {
                if remote.running == Some(id) {
                    remote.running = None;
                }
            }
            FromWorker::Turn(turn) => {
                drop(engine);
                self.hand_on(turn);
            }
        }
    }

    /// The watchdog: block `id` of worker `generation` may still run.
    fn overdue(self: &Rc<Self>, generation: u32, id: BlockId) {
        let engine = self.engine.borrow();
        let Engine::Worker(remote) = &*engine else {
            return;
        };
        if remote.generation != generation || remote.running != Some(id) {
            return;
        }
        let mut stopped = remote.stopped.clone();
        stopped.push(id);
        drop(engine);
        // The block's script error (a console warning) names it.
        crate::store::warn("the bot's worker was replaced: a block of code ran over its time");
        self.replace(generation + 1, stopped);
    }

    /// The worker died (it could not start, or an error it did not catch): the page's
    /// thread takes over.
    fn crashed(self: &Rc<Self>, generation: u32, why: String) {
        let current = matches!(&*self.engine.borrow(),
            Engine::Worker(r) if r.generation == generation);
        if current {
            self.to_page(&why);
        }
    }

    /// A new worker, which replays the log.
    fn replace(self: &Rc<Self>, generation: u32, stopped: Vec<BlockId>) {
        match spawn(self, generation, stopped) {
            Ok(remote) => {
                for (i, step) in self.log.borrow().iter().enumerate() {
                    let seq = i as u64 + 1;
                    let step = step.clone();
                    send(&remote.worker, &ToWorker::Step { seq, step });
                }
                *self.engine.borrow_mut() = Engine::Worker(remote);
            }
            Err(why) => self.to_page(&why),
        }
    }

    /// The page's thread takes the session over, replaying the log.
    fn to_page(self: &Rc<Self>, why: &str) {
        warn_on_page(why);
        let scripts = BrowserScripts::for_bot(&self.setup.bot);
        let mut page = Stepper::new(
            self.setup.bot.clone(),
            self.setup.options(),
            scripts,
            Box::new(|_| {}),
        );
        if let Engine::Worker(remote) = &*self.engine.borrow() {
            page.watch().stop(remote.stopped.iter().copied());
        }
        let log = self.log.borrow().clone();
        let turns: Vec<Turn> = log
            .into_iter()
            .enumerate()
            .map(|(i, step)| page.apply(i as u64 + 1, step))
            .collect();
        *self.engine.borrow_mut() = Engine::Page(Box::new(page));
        for turn in turns {
            self.hand_on(turn);
        }
    }
}

fn warn_on_page(why: &str) {
    crate::store::warn(&format!(
        "the bot's code runs on the page's thread ({why}): a block that never ends would \
         freeze the page"
    ));
}

/// Posts a message to the worker, as a JavaScript object (structured clone).
fn send(worker: &Worker, message: &ToWorker) {
    let _ = worker.post_message(&crate::wire::to_js(message));
}

/// The worker's bootstrap: it imports the glue, instantiates the module the page sends,
/// and hands the messages that came meanwhile to [`crate::worker::worker`].
fn bootstrap(glue: &str) -> String {
    let glue = serde_json::Value::from(glue).to_string(); // a JavaScript string literal
    format!(
        "import i,{{chatletWorker as w}}from {glue};let q=[];onmessage=e=>{{\
         if(!(e.data instanceof WebAssembly.Module))return void q.push(e.data);\
         i({{module_or_path:e.data}}).then(()=>w(q),r=>setTimeout(()=>{{throw r}}))}}"
    )
}

/// Starts worker `generation` and sends it the module and the session's start.
fn spawn(runner: &Rc<Runner>, generation: u32, stopped: Vec<BlockId>) -> Result<Remote, String> {
    let setup = &runner.setup;
    let glue = setup.glue.as_deref().ok_or("no glue")?;
    let error = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| e.as_string().unwrap_or_default())
    };
    let parts = js_sys::Array::of1(&bootstrap(glue).into());
    let kind = BlobPropertyBag::new();
    kind.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &kind).map_err(error)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(error)?;
    let options = WorkerOptions::new();
    let _ = Reflect::set(&options, &"type".into(), &"module".into());
    let worker = Worker::new_with_options(&url, &options).map_err(|e| {
        let _ = Url::revoke_object_url(&url);
        format!("no worker: {}", error(e))
    })?;
    let weak: Weak<Runner> = Rc::downgrade(runner);
    let on_message = {
        let weak = weak.clone();
        Handler::new(move |e: JsValue| {
            let data = Reflect::get(&e, &"data".into()).unwrap_or_default();
            let message = crate::wire::from_js::<FromWorker>(data).ok();
            if let (Some(runner), Some(message)) = (weak.upgrade(), message) {
                runner.receive(generation, message);
            }
        })
    };
    let on_error = Handler::new(move |e: JsValue| {
        let why = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "the worker could not load the widget".into());
        if let Some(runner) = weak.upgrade() {
            // Not inside the event: the runner may be busy.
            spawn_local(async move { runner.crashed(generation, why) });
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let _ = worker.post_message(&wasm_bindgen::module());
    let start = ToWorker::Start {
        bot: setup.text.clone(),
        conversation_id: setup.conversation_id.clone(),
        host: setup.host.clone(),
        forever: setup.forever.clone(),
        stopped: stopped.clone(),
    };
    send(&worker, &start);
    Ok(Remote {
        worker,
        url,
        generation,
        started: false,
        running: None,
        stopped,
        _handlers: [on_message, on_error],
    })
}
