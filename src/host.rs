//! The host page's side of a conversation. The widget tells the page things with DOM
//! events dispatched on its window (they bubble to the host element and the document),
//! and the page answers through `window.chatlet`:
//!
//! - `chatlet:transfer` (detail: `conversationId`, `skill`, `agent`, `message`,
//!   `context`, `transcript`): the bot hands the conversation to a person. The page
//!   answers `chatlet.reportTransfer(conversationId, "accepted" | "failed")`. A failure
//!   reaches the bot as `__agent_escalation_failed__`.
//! - While a person has the conversation, each visitor message is a
//!   `chatlet:visitor-message` event (detail: `conversationId`, `text`), the page shows
//!   the person's messages with `chatlet.agentMessage(conversationId, text)`, and hands
//!   the conversation back to the bot with `chatlet.endTransfer(conversationId)`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// What the host page says about a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostCall {
    /// The transfer went through (`true`) or failed (`false`).
    TransferOutcome(bool),
    /// The person who took over wrote this.
    AgentMessage(String),
    /// The person handed the conversation back to the bot.
    EndTransfer,
}

/// A window's handler for the page's calls; an `Err` is thrown to the page.
pub type Handler = Rc<dyn Fn(HostCall) -> Result<(), String>>;

thread_local! {
    static WINDOWS: RefCell<HashMap<String, Handler>> = RefCell::new(HashMap::new());
}

/// Routes the page's calls for `conversation_id` to `callback`; installs `window.chatlet`
/// the first time.
pub fn register(conversation_id: &str, callback: Handler) {
    WINDOWS.with(|w| w.borrow_mut().insert(conversation_id.to_string(), callback));
    install();
}

/// Forgets a conversation (its window is gone, or it started over).
pub fn unregister(conversation_id: &str) {
    WINDOWS.with(|w| w.borrow_mut().remove(conversation_id));
}

fn route(conversation_id: String, call: HostCall) -> Result<(), JsValue> {
    let callback = WINDOWS.with(|w| w.borrow().get(&conversation_id).cloned());
    match callback {
        Some(handle) => handle(call).map_err(|e| js_sys::Error::new(&e).into()),
        None => Err(js_sys::Error::new(&format!(
            "chatlet: no conversation {conversation_id:?} on this page"
        ))
        .into()),
    }
}

fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // `window.chatlet` may also be an element with id "chatlet" (named access): only an
    // object we installed counts.
    let existing = Reflect::get(&window, &"chatlet".into()).unwrap_or(JsValue::UNDEFINED);
    if Reflect::get(&existing, &"reportTransfer".into()).is_ok_and(|f| f.is_function()) {
        return;
    }
    let api = Object::new();
    let report = Closure::<dyn Fn(String, String) -> Result<(), JsValue>>::new(
        |id: String, outcome: String| match outcome.as_str() {
            "accepted" => route(id, HostCall::TransferOutcome(true)),
            "failed" => route(id, HostCall::TransferOutcome(false)),
            other => Err(js_sys::TypeError::new(&format!(
                "chatlet.reportTransfer: outcome {other:?} is neither \"accepted\" nor \"failed\""
            ))
            .into()),
        },
    );
    let message = Closure::<dyn Fn(String, String) -> Result<(), JsValue>>::new(
        |id: String, text: String| route(id, HostCall::AgentMessage(text)),
    );
    let end = Closure::<dyn Fn(String) -> Result<(), JsValue>>::new(|id: String| {
        route(id, HostCall::EndTransfer)
    });
    for (name, f) in [
        ("reportTransfer", report.into_js_value()),
        ("agentMessage", message.into_js_value()),
        ("endTransfer", end.into_js_value()),
    ] {
        let _ = Reflect::set(&api, &name.into(), f.unchecked_ref::<Function>());
    }
    let _ = Reflect::set(&window, &"chatlet".into(), &api);
}

/// Dispatches `name` with `detail` (JSON) on `element`; it bubbles to the page.
pub fn emit(element: &Element, name: &str, detail: &serde_json::Value) {
    let detail = js_sys::JSON::parse(&detail.to_string()).unwrap_or(JsValue::NULL);
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = element.dispatch_event(&event);
    }
}
