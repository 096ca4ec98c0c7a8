//! The page's worker, shared by every window whose bot has code: each window has a
//! [`Seat`] in it (a session id), and the worker's messages come back to the window by
//! that id. One worker per page because each is a wasm instance with a memory of its
//! own: with one per window, a page with a couple of hundred windows ran out of them.
//!
//! The pool times the block the worker runs (one at a time: a worker is one thread). A
//! block over its budget gets the worker terminated and replaced; every seated session
//! is started again in the new one and replays its log, the block that hung stopped
//! instead of run. A worker that cannot start, or that keeps failing, leaves every seated
//! session to the page's thread ([`super::Runner::to_page`]), with the reason ([`Why`]).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use chatlet_engine::BLOCK_BUDGET_MS;
use gloo_events::EventListener;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Url, Worker, WorkerOptions};
use yew::platform::{spawn_local, time::sleep};

use super::Runner;
use crate::protocol::{Addressed, BlockId, FromWorker, SessionId, ToWorker};

/// Slack on top of the block budget for the two messages that frame a block.
const WATCHDOG_SLACK_MS: u32 = 250;
/// A worker that started and then failed this many times is not started again.
const MAX_CRASHES: u32 = 3;

thread_local! {
    /// The page's pools, one per widget build (its glue's URL): in practice one.
    static POOLS: RefCell<Vec<Rc<Pool>>> = const { RefCell::new(Vec::new()) };
    /// The page's CSP refused a `blob:` worker (a `securitypolicyviolation` said so).
    static CSP_REFUSED: Cell<bool> = const { Cell::new(false) };
    /// What the console was told already (once per page, not once per window).
    static TOLD: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Why no worker runs a session's code.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    /// The page's Content-Security-Policy refuses `blob:` workers.
    Csp,
    /// The browser had no memory for another worker (its message).
    Memory(String),
    /// The worker could not start, or failed [`MAX_CRASHES`] times (the browser's message).
    Browser(String),
    /// Mounted without the glue's URL (the wasm's own browser tests).
    NoGlue,
}

impl Why {
    /// From what the browser said when a worker failed to start.
    fn of(message: String) -> Why {
        let lower = message.to_ascii_lowercase();
        if CSP_REFUSED.get() || lower.contains("content security policy") {
            Why::Csp
        } else if lower.contains("memory") {
            Why::Memory(message)
        } else {
            Why::Browser(message)
        }
    }

    fn reason(&self) -> String {
        match self {
            Why::Csp => "this page's Content-Security-Policy refuses the widget's worker \
                         (its worker-src, or its script-src where worker-src is not set, \
                         does not allow blob:)"
                .into(),
            Why::Memory(m) => format!("the browser has no memory for the widget's worker ({m})"),
            Why::Browser(m) => format!("the widget's worker could not run ({m})"),
            Why::NoGlue => "the widget was mounted without its worker's script".into(),
        }
    }

    fn remedy(&self) -> &'static str {
        match self {
            Why::Csp => "allow blob: in the policy's worker-src",
            Why::Memory(_) => "mount fewer widgets on the page, or reload it",
            Why::Browser(_) | Why::NoGlue => "see the browser's error above",
        }
    }

    /// The script error of each block that does not run.
    pub fn short(&self) -> String {
        let what = match self {
            Why::Csp => "the page's Content-Security-Policy refuses it",
            Why::Memory(_) => "no memory for it",
            Why::Browser(_) | Why::NoGlue => "it could not start",
        };
        format!("not run: bot code needs the widget's worker and {what} (see the console)")
    }

    /// Tells the console, once per page, what happens to the bot's code and why: it runs
    /// on the page's thread (`on_page`: the page asked for that), or not at all.
    pub fn tell_once(&self, on_page: bool) {
        let message = if on_page {
            format!(
                "chatlet: the bot's code runs on the page's thread: {}; the page allows that \
                 (data-code-on-page), and a block that never ends would freeze the page",
                self.reason()
            )
        } else {
            format!(
                "chatlet: the bot's code does not run: {}. Each block of its code is a \
                 script error and the bot goes on by its rules. To run it: {}; or load the \
                 bot's precompiled scripts (chatlet scripts, docs/embedding.md \"Strict \
                 mode\"); or add data-code-on-page (the mount option codeOnPage: true) to \
                 run it on the page's thread, where nothing can stop a block that never ends",
                self.reason(),
                self.remedy()
            )
        };
        let told = TOLD.with(|t| {
            let mut told = t.borrow_mut();
            let new = !told.contains(&message);
            if new {
                told.push(message.clone());
            }
            !new
        });
        if told {
            return;
        }
        if on_page {
            web_sys::console::warn_1(&message.into());
        } else {
            web_sys::console::error_1(&message.into());
        }
    }
}

/// A handler of the worker's events.
type Handler = Closure<dyn Fn(JsValue)>;

/// The page's worker for one widget build and the sessions seated in it.
pub struct Pool {
    glue: String,
    inner: RefCell<Inner>,
}

#[derive(Default)]
struct Inner {
    remote: Option<Remote>,
    /// Counts workers, so that a stale timer or message is ignored.
    generation: u32,
    /// The last session id given.
    last: SessionId,
    members: Vec<(SessionId, Weak<Runner>)>,
    /// No worker can run here; why.
    broken: Option<Why>,
    crashes: u32,
}

/// A worker and what the page knows of it.
struct Remote {
    worker: Worker,
    url: String,
    started: bool,
    /// The block it runs, of which session.
    running: Option<(SessionId, BlockId)>,
    /// Its `message` and `error` handlers, kept alive with it.
    _handlers: [Handler; 2],
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.worker.terminate();
        let _ = Url::revoke_object_url(&self.url);
    }
}

/// A session's place in the page's worker; leaving it (dropped with its window) ends the
/// session there, and the last to leave ends the worker.
pub struct Seat {
    pool: Rc<Pool>,
    session: SessionId,
    /// Blocks a replacement worker stops instead of running.
    stopped: Vec<BlockId>,
}

impl Seat {
    pub fn send(&self, message: ToWorker) {
        self.pool.send(self.session, &message);
    }

    /// The blocks to stop, `id` added.
    pub fn stopped(&mut self, id: Option<BlockId>) -> Vec<BlockId> {
        self.stopped.extend(id);
        self.stopped.clone()
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.pool.leave(self.session);
    }
}

impl Pool {
    /// The page's pool for the widget whose glue is at `glue`.
    pub fn for_glue(glue: &str) -> Rc<Pool> {
        POOLS.with(|p| {
            let mut pools = p.borrow_mut();
            if let Some(pool) = pools.iter().find(|p| p.glue == glue) {
                return pool.clone();
            }
            if pools.is_empty() {
                watch_csp();
            }
            let pool = Rc::new(Pool {
                glue: glue.to_string(),
                inner: RefCell::default(),
            });
            pools.push(pool.clone());
            pool
        })
    }

    /// Seats `runner`'s session: starts it in the worker (started first if there is
    /// none) and replays its log there.
    pub fn join(self: &Rc<Self>, runner: &Rc<Runner>) -> Result<Seat, Why> {
        if let Some(why) = self.inner.borrow().broken.clone() {
            return Err(why);
        }
        if self.inner.borrow().remote.is_none() {
            let generation = self.inner.borrow().generation + 1;
            let remote = self.spawn(generation).inspect_err(|why| {
                self.inner.borrow_mut().broken = Some(why.clone());
            })?;
            let mut inner = self.inner.borrow_mut();
            inner.generation = generation;
            inner.remote = Some(remote);
        }
        let session = {
            let mut inner = self.inner.borrow_mut();
            inner.last += 1;
            let session = inner.last;
            inner.members.push((session, Rc::downgrade(runner)));
            session
        };
        self.seat_in(session, runner, &[]);
        Ok(Seat {
            pool: self.clone(),
            session,
            stopped: vec![],
        })
    }

    /// Starts `session` in the current worker and replays its log.
    fn seat_in(&self, session: SessionId, runner: &Runner, stopped: &[BlockId]) {
        self.send(session, &runner.setup.start(stopped));
        for (i, step) in runner.log.borrow().iter().enumerate() {
            let seq = i as u64 + 1;
            let step = step.clone();
            self.send(session, &ToWorker::Step { seq, step });
        }
    }

    /// Posts a message for `session` to the worker, as a JavaScript object (structured
    /// clone). Without a worker (between a failure and the page's thread) it goes nowhere.
    fn send(&self, session: SessionId, message: &ToWorker) {
        if let Some(remote) = &self.inner.borrow().remote {
            post(&remote.worker, session, message);
        }
    }

    /// `session`'s window went: the session ends in the worker, and the worker with the
    /// last one.
    fn leave(&self, session: SessionId) {
        let done = {
            let mut inner = self.inner.borrow_mut();
            inner.members.retain(|(id, _)| *id != session);
            if let Some(remote) = &inner.remote {
                post(&remote.worker, session, &ToWorker::End);
            }
            if inner.members.is_empty() {
                inner.crashes = 0;
                inner.remote.take()
            } else {
                None
            }
        };
        drop(done);
    }

    /// The runners seated now.
    fn live(&self) -> Vec<(SessionId, Rc<Runner>)> {
        let inner = self.inner.borrow();
        let members = inner.members.iter();
        members
            .filter_map(|(id, r)| Some((*id, r.upgrade()?)))
            .collect()
    }

    /// A message from the worker of `generation`.
    fn receive(self: &Rc<Self>, generation: u32, heard: Addressed<FromWorker>) {
        let Addressed { session, message } = heard;
        let turn = {
            let mut inner = self.inner.borrow_mut();
            if inner.generation != generation {
                return;
            }
            let Some(remote) = inner.remote.as_mut() else {
                return;
            };
            match message {
                FromWorker::Started => {
                    if !remote.started {
                        remote.started = true;
                        let _ = Url::revoke_object_url(&remote.url);
                    }
                    None
                }
                FromWorker::Block(id) => {
                    remote.running = Some((session, id));
                    let pool = Rc::downgrade(self);
                    spawn_local(async move {
                        let budget = BLOCK_BUDGET_MS + WATCHDOG_SLACK_MS;
                        sleep(Duration::from_millis(budget.into())).await;
                        if let Some(pool) = pool.upgrade() {
                            pool.overdue(generation, session, id);
                        }
                    });
                    None
                }
                FromWorker::BlockDone(id) => {
                    if remote.running == Some((session, id)) {
                        remote.running = None;
                    }
                    None
                }
                FromWorker::Turn(turn) => {
                    inner.crashes = 0;
                    let member = inner.members.iter().find(|(id, _)| *id == session);
                    member.and_then(|(_, r)| r.upgrade()).map(|r| (r, turn))
                }
            }
        };
        if let Some((runner, turn)) = turn {
            runner.hand_on(turn);
        }
    }

    /// The watchdog: block `id` of `session` in worker `generation` may still run.
    fn overdue(self: &Rc<Self>, generation: u32, session: SessionId, id: BlockId) {
        let current = {
            let inner = self.inner.borrow();
            inner.generation == generation
                && inner
                    .remote
                    .as_ref()
                    .is_some_and(|r| r.running == Some((session, id)))
        };
        if !current {
            return;
        }
        let runner = self.live().into_iter().find(|(s, _)| *s == session);
        if let Some((_, runner)) = runner {
            runner.stopped(Some(id));
        }
        // The block's script error (a console warning) names it.
        crate::store::warn("the bot's worker was replaced: a block of code ran over its time");
        self.replace();
    }

    /// A new worker, in which every seated session starts again and replays its log.
    fn replace(self: &Rc<Self>) {
        let old = self.inner.borrow_mut().remote.take();
        drop(old);
        let generation = {
            let mut inner = self.inner.borrow_mut();
            inner.generation += 1;
            inner.generation
        };
        match self.spawn(generation) {
            Ok(remote) => {
                self.inner.borrow_mut().remote = Some(remote);
                for (session, runner) in self.live() {
                    let stopped = runner.stopped(None);
                    self.seat_in(session, &runner, &stopped);
                }
            }
            Err(why) => self.fail(why),
        }
    }

    /// The worker of `generation` failed (`message`: what the browser said).
    fn crashed(self: &Rc<Self>, generation: u32, message: String) {
        let started = {
            let mut inner = self.inner.borrow_mut();
            if inner.generation != generation || inner.remote.is_none() {
                return;
            }
            inner.crashes += 1;
            inner.remote.as_ref().is_some_and(|r| r.started)
        };
        if !started {
            self.fail(Why::of(message));
        } else if self.inner.borrow().crashes >= MAX_CRASHES {
            self.fail(Why::Browser(format!(
                "it failed {MAX_CRASHES} times; last: {message}"
            )));
        } else {
            self.replace();
        }
    }

    /// No worker can run here: every seated session goes to the page's thread, and so
    /// does every later one.
    fn fail(self: &Rc<Self>, why: Why) {
        let (remote, members) = {
            let mut inner = self.inner.borrow_mut();
            inner.broken = Some(why.clone());
            (inner.remote.take(), std::mem::take(&mut inner.members))
        };
        drop(remote);
        for runner in members.iter().filter_map(|(_, r)| r.upgrade()) {
            let stopped = runner.stopped(None);
            runner.to_page(&why, &stopped);
        }
    }

    /// Starts worker `generation` and sends it the module.
    fn spawn(self: &Rc<Self>, generation: u32) -> Result<Remote, Why> {
        let error = |e: JsValue| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| e.as_string().unwrap_or_default())
        };
        let parts = js_sys::Array::of1(&bootstrap(&self.glue).into());
        let kind = BlobPropertyBag::new();
        kind.set_type("text/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&parts, &kind)
            .map_err(|e| Why::Browser(error(e)))?;
        let url = Url::create_object_url_with_blob(&blob).map_err(|e| Why::Browser(error(e)))?;
        let options = WorkerOptions::new();
        let _ = Reflect::set(&options, &"type".into(), &"module".into());
        let worker = Worker::new_with_options(&url, &options).map_err(|e| {
            let _ = Url::revoke_object_url(&url);
            Why::of(error(e))
        })?;
        let weak: Weak<Pool> = Rc::downgrade(self);
        let on_message = {
            let weak = weak.clone();
            Handler::new(move |e: JsValue| {
                let data = Reflect::get(&e, &"data".into()).unwrap_or_default();
                let heard = crate::wire::from_js::<Addressed<FromWorker>>(data).ok();
                if let (Some(pool), Some(heard)) = (weak.upgrade(), heard) {
                    pool.receive(generation, heard);
                }
            })
        };
        let on_error = Handler::new(move |e: JsValue| {
            let message = Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "the browser gave no reason".into());
            let weak = weak.clone();
            // Not inside the event (a session may be busy), and after the CSP's report.
            spawn_local(async move {
                sleep(Duration::from_millis(20)).await;
                if let Some(pool) = weak.upgrade() {
                    pool.crashed(generation, message);
                }
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let _ = worker.post_message(&wasm_bindgen::module());
        Ok(Remote {
            worker,
            url,
            started: false,
            running: None,
            _handlers: [on_message, on_error],
        })
    }
}

fn post(worker: &Worker, session: SessionId, message: &ToWorker) {
    let _ = worker.post_message(&crate::wire::to_js(&Addressed { session, message }));
}

/// Listens, for the page's life, for the CSP's report of a refused `blob:` worker: the
/// worker's own `error` event does not say why.
fn watch_csp() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    EventListener::new(&document, "securitypolicyviolation", |e| {
        let get = |key: &str| {
            Reflect::get(e, &key.into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        };
        if get("effectiveDirective") == "worker-src" && get("blockedURI").starts_with("blob") {
            CSP_REFUSED.set(true);
        }
    })
    .forget();
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
