//! The window's worker: a dedicated Worker that runs a conversation's session, so that
//! the bot's JavaScript runs off the page's thread. A block that never ends (a loop, a
//! backtracking regex on the visitor's text) then freezes only the worker, which the
//! page's watchdog ([`crate::runner`]) stops and replaces.
//!
//! The worker instantiates the widget's own wasm module (the page sends it), so the
//! session is the same code as on the page; only the messages of [`crate::protocol`]
//! cross. Before and after each block it tells the page, which is how the page knows
//! what to time and, after a replacement, which block to stop instead of running.

use std::cell::RefCell;
use std::sync::Arc;

use chatlet_engine::{HostInfo, SessionOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use crate::protocol::{BlockId, FromWorker, Stepper, ToWorker};
use crate::scripts::BrowserScripts;

thread_local! {
    static SESSION: RefCell<Option<Stepper>> = const { RefCell::new(None) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: FromWorker) {
    let _ = scope().post_message(&crate::wire::to_js(&message));
}

/// The worker's entry point, called by its bootstrap script once the module runs there,
/// with the messages that came meanwhile.
#[wasm_bindgen(js_name = chatletWorker)]
pub fn worker(early: js_sys::Array) {
    crate::install_case();
    let on_message = Closure::<dyn Fn(JsValue)>::new(|e: JsValue| {
        receive(js_sys::Reflect::get(&e, &"data".into()).unwrap_or_default())
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    for message in early.iter() {
        receive(message);
    }
}

fn receive(data: JsValue) {
    // The module the page sends first, and anything else, is not a message of ours.
    let message = crate::wire::from_js::<ToWorker>(data).ok();
    match message {
        Some(ToWorker::Start {
            bot,
            conversation_id,
            host,
            forever,
            stopped,
        }) => start(&bot, conversation_id, host, &forever, stopped),
        Some(ToWorker::Step { seq, step }) => {
            let turn = SESSION.with(|s| s.borrow_mut().as_mut().map(|s| s.apply(seq, step)));
            if let Some(turn) = turn {
                post(FromWorker::Turn(turn));
            }
        }
        None => {} // not for this worker
    }
}

fn start(
    bot: &str,
    conversation_id: String,
    host: HostInfo,
    forever: &serde_json::Value,
    stopped: Vec<BlockId>,
) {
    let bot = match chatlet_engine::load(bot) {
        Ok(bot) => bot,
        // Thrown: the page's `error` handler hands the session to the page's thread.
        Err(e) => wasm_bindgen::throw_str(&e.to_string()),
    };
    let scripts = BrowserScripts::for_bot(&bot);
    let options = SessionOptions {
        user_id: format!("visitor-{conversation_id}"),
        conversation_id,
        host,
        forever: crate::protocol::forever_list(forever),
        ..Default::default()
    };
    let session = Stepper::new(Arc::new(bot), options, scripts, Box::new(post));
    session.watch().stop(stopped);
    SESSION.with(|s| *s.borrow_mut() = Some(session));
    post(FromWorker::Started);
}
