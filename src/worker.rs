//! The page's worker: one dedicated Worker that runs the sessions of every window of the
//! page whose bot has code, so that the bots' JavaScript runs off the page's thread. A
//! block that never ends (a loop, a backtracking regex on the visitor's text) then
//! freezes only the worker, which the page's watchdog ([`crate::runner`]) stops and
//! replaces; the replacement is given every session again.
//!
//! The worker instantiates the widget's own wasm module (the page sends it), so a session
//! is the same code as on the page; only the messages of [`crate::protocol`] cross, each
//! addressed to one session. Before and after each block it tells the page, which is how
//! the page knows what to time and, after a replacement, which block to stop instead of
//! running. One worker for a page, not one per window: each worker is a wasm instance
//! with its own memory, and a browser gives a page only so many (issue 27: about 200).
//! Windows of the same bot file share its loaded bot too.

use std::cell::RefCell;
use std::sync::Arc;

use chatlet_engine::{Bot, HostInfo, SessionOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use crate::protocol::{Addressed, BlockId, FromWorker, SessionId, Stepper, ToWorker};
use crate::scripts::BrowserScripts;

thread_local! {
    /// The sessions, by id (few: a list).
    static SESSIONS: RefCell<Vec<(SessionId, Stepper)>> = const { RefCell::new(Vec::new()) };
    /// The bots read, by their compiled bytes, shared by the sessions of one bot.
    static BOTS: RefCell<Vec<(Vec<u8>, Arc<Bot>)>> = const { RefCell::new(Vec::new()) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(session: SessionId, message: FromWorker) {
    let message = Addressed { session, message };
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
    let Ok(Addressed { session, message }) = crate::wire::from_js::<Addressed<ToWorker>>(data)
    else {
        return;
    };
    match message {
        ToWorker::Start {
            bot,
            conversation_id,
            host,
            forever,
            stopped,
        } => start(session, bot, conversation_id, host, &forever, stopped),
        ToWorker::Step { seq, step } => {
            let turn = SESSIONS.with(|s| {
                let mut sessions = s.borrow_mut();
                let (_, stepper) = sessions.iter_mut().find(|(id, _)| *id == session)?;
                Some(stepper.apply(seq, step))
            });
            if let Some(turn) = turn {
                post(session, FromWorker::Turn(turn));
            }
        }
        ToWorker::End => {
            let ended = SESSIONS.with(|s| {
                let mut sessions = s.borrow_mut();
                let at = sessions.iter().position(|(id, _)| *id == session)?;
                Some(sessions.remove(at))
            });
            drop(ended);
            // A bot no session uses any more goes.
            BOTS.with(|b| b.borrow_mut().retain(|(_, bot)| Arc::strong_count(bot) > 1));
        }
    }
}

/// The bot compiled as `bytes`: the one another session read, else read now.
fn bot(bytes: Vec<u8>) -> Result<Arc<Bot>, String> {
    if let Some(bot) = BOTS.with(|b| {
        let bots = b.borrow();
        bots.iter()
            .find(|(t, _)| *t == bytes)
            .map(|(_, bot)| bot.clone())
    }) {
        return Ok(bot);
    }
    let bot = Arc::new(chatlet_engine::compiled::read(&bytes).map_err(|e| e.to_string())?);
    BOTS.with(|b| b.borrow_mut().push((bytes, bot.clone())));
    Ok(bot)
}

fn start(
    session: SessionId,
    compiled: Vec<u8>,
    conversation_id: String,
    host: HostInfo,
    forever: &serde_json::Value,
    stopped: Vec<BlockId>,
) {
    let bot = match bot(compiled) {
        Ok(bot) => bot,
        // The page read these very bytes: this cannot fail but by a bug. Thrown, the
        // page's `error` handler hears it.
        Err(e) => wasm_bindgen::throw_str(&e),
    };
    let scripts = BrowserScripts::for_bot(&bot);
    let options = SessionOptions {
        user_id: format!("visitor-{conversation_id}"),
        conversation_id,
        host,
        forever: crate::protocol::forever_list(forever),
        ..Default::default()
    };
    let stepper = Stepper::new(
        bot,
        options,
        scripts,
        Box::new(move |message| post(session, message)),
    );
    stepper.watch().stop(stopped);
    SESSIONS.with(|s| {
        let mut sessions = s.borrow_mut();
        sessions.retain(|(id, _)| *id != session);
        sessions.push((session, stepper));
    });
    post(session, FromWorker::Started);
}
