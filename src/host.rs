//! The host page's side of a conversation: events out, calls in.
//!
//! The widget tells the page things with `CustomEvent`s dispatched on the widget's host
//! element; they bubble (and cross the shadow root) to `document` and `window`. The page's
//! calls (`window.chatlet`, set up by the loader, and the handles `mount` returns) reach a
//! conversation through [`call`], by conversation id. A call that arrives before the
//! window registered waits for it; a call never runs inside another: the window's
//! handler checks it at once (so a wrong call throws to the page) and performs it later,
//! outside whatever the widget was doing (bot code may call the page's API).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// What the host page says to a conversation.
#[derive(Clone, Debug, PartialEq)]
pub enum HostCall {
    /// Send this text as the visitor (`chatlet.send`).
    Send(String),
    /// Set a session variable the bot reads as `{$botContext.NAME}`.
    SetVariable(String, serde_json::Value),
    /// Start the conversation over.
    Reset,
    /// Put the text box in focus (the window was opened).
    Focus,
    /// The transfer went through (`true`, with who took it, if the page says) or failed.
    TransferOutcome(bool, Option<crate::chat::Person>),
    /// The person who took over wrote this (and who they are, if the page says).
    AgentMessage(String, Option<crate::chat::Person>),
    /// The person handed the conversation back to the bot.
    EndTransfer,
}

/// A window's handler for the page's calls; an `Err` is thrown to the page.
pub type Handler = Rc<dyn Fn(HostCall) -> Result<(), String>>;

/// A conversation the page may call: its handler once registered, and the calls that
/// came before it.
enum Window {
    Waiting(Vec<HostCall>),
    Ready(Handler),
}

thread_local! {
    // A few windows at most: a list.
    static WINDOWS: RefCell<Vec<(String, Window)>> = const { RefCell::new(Vec::new()) };
}

/// Announces a conversation that will register; calls for it wait until it does.
pub fn expect(conversation_id: &str) {
    put(conversation_id, Window::Waiting(vec![]));
}

/// Sets the entry for `conversation_id`; the one it replaces.
fn put(conversation_id: &str, window: Window) -> Option<Window> {
    WINDOWS.with(|w| {
        let mut w = w.borrow_mut();
        match w.iter_mut().find(|(id, _)| id == conversation_id) {
            Some((_, old)) => Some(std::mem::replace(old, window)),
            None => {
                w.push((conversation_id.to_string(), window));
                None
            }
        }
    })
}

/// Routes the page's calls for `conversation_id` to `handler`, first those that waited.
pub fn register(conversation_id: &str, handler: Handler) {
    let waiting = put(conversation_id, Window::Ready(handler.clone()));
    if let Some(Window::Waiting(calls)) = waiting {
        for c in calls {
            let _ = handler(c);
        }
    }
}

/// Whether a window on this page has the conversation `conversation_id`.
pub fn known(conversation_id: &str) -> bool {
    WINDOWS.with(|w| w.borrow().iter().any(|(id, _)| id == conversation_id))
}

/// Forgets a conversation (its window is gone).
pub fn unregister(conversation_id: &str) {
    WINDOWS.with(|w| w.borrow_mut().retain(|(id, _)| id != conversation_id));
}

/// Delivers the page's call to a conversation; an unknown id or a call that does not fit
/// is an error for the page.
pub fn call(conversation_id: &str, call: HostCall) -> Result<(), JsValue> {
    let handler = WINDOWS.with(|w| {
        match w
            .borrow_mut()
            .iter_mut()
            .find(|(id, _)| id == conversation_id)
            .map(|(_, window)| window)
        {
            Some(Window::Ready(h)) => Ok(Some(h.clone())),
            Some(Window::Waiting(calls)) => {
                calls.push(call.clone());
                Ok(None)
            }
            None => Err(js_sys::Error::new(&format!(
                "chatlet: no conversation {conversation_id:?} on this page"
            ))),
        }
    })?;
    match handler {
        Some(handle) => handle(call).map_err(|e| js_sys::Error::new(&e).into()),
        None => Ok(()),
    }
}

/// Dispatches the event of `detail` (a serde type, as a plain object) on `element`, with
/// the conversation's id in it; it bubbles to the page.
pub fn emit<E: crate::events::Event>(element: &Element, conversation_id: &str, detail: &E) {
    let name = E::NAME;
    let detail = crate::wire::to_js(detail);
    if detail.is_object() {
        let _ = js_sys::Reflect::set(&detail, &"conversationId".into(), &conversation_id.into());
    }
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = element.dispatch_event(&event);
    }
}
