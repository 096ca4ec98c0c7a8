//! Tabs that share a conversation (`data-persist="local"`), and the browser's network.
//! One tab leads (it runs the session and writes what is kept) by holding a Web Lock;
//! the others follow: they draw the states it stores (the `storage` event) and leave it
//! the visitor's messages in the storage (it survives the leader closing before it reads
//! them; the next leader does), and files through a `BroadcastChannel` (a file cannot go
//! through the storage). Offline, what the visitor writes waits, shown as pending.

use gloo_events::EventListener;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::File;
use yew::platform::spawn_local;

use super::{files, keep, Conversation, Shared};
use crate::chat::Action;
use crate::protocol::{Inbox, Step};
use crate::runner::Runner;
use crate::saved::Saved;
use crate::store::{self, Persist};

/// What a window listens to, and the lock it leads by.
#[derive(Default)]
pub struct Tabs {
    /// The page's window events: online, offline, storage, pagehide.
    listeners: Vec<EventListener>,
    /// Where a follower sends the files the visitor gives it, and the leader's listener.
    channel: Option<(web_sys::BroadcastChannel, EventListener)>,
    /// Lets go of the lock this window leads by.
    release: Option<js_sys::Function>,
}

/// The window is gone: its channel closes and its lock goes to another tab (the
/// listeners go with the state).
pub fn release(tabs: &mut Tabs) {
    if let Some((channel, _)) = tabs.channel.take() {
        channel.close();
    }
    if let Some(release) = tabs.release.take() {
        let _ = release.call0(&JsValue::NULL);
    }
}

/// Whether this window follows another tab's conversation (its bot is loaded and it does
/// not lead).
pub fn following(conv: &Conversation) -> bool {
    conv.with(|s| !s.lead && s.setup.is_some())
}

/// This window starts the session (from what is kept, if anything) and from now on
/// writes what is kept; messages other tabs left for it are handled. `early_shown`: what
/// the window showed before the bot was loaded (it goes after a kept transcript).
pub fn lead(conv: &Shared, early_shown: Vec<Action>) {
    let Some(setup) = conv.with(|s| s.setup.take()) else {
        return;
    };
    conv.with(|s| s.lead = true);
    let saved = keep::kept(conv);
    let on_turn = {
        let weak = super::weak(conv);
        Box::new(move |turn| {
            if let Some(conv) = weak.upgrade() {
                super::deliver::on_turn(&conv, turn);
            }
        })
    };
    let log = saved.as_ref().map(|s| s.steps.clone()).unwrap_or_default();
    // A bot that speaks first: its greeting goes as the visitor's first message, unshown,
    // when a new conversation opens with nothing the visitor sent yet.
    let greeting = conv.with(|s| {
        s.greeting
            .clone()
            .filter(|_| saved.is_none() && early_shown.is_empty() && s.early.is_empty())
    });
    let runner = Runner::start(setup, log, on_turn);
    if runner.in_worker() {
        web_sys::console::info_1(&"chatlet: the bot's code runs in a worker".into());
    }
    if saved.is_none() {
        for (name, value) in conv.with(|s| s.variables.clone()) {
            runner.post(Step::Variable(name, value));
        }
    }
    if let Some(greeting) = greeting {
        runner.post(Step::Input(chatlet_engine::Input::Text(greeting)));
    }
    conv.with(|s| s.runner = Some(runner));
    match saved {
        Some(saved) => keep::resume(conv, saved, early_shown),
        None => conv.with(|s| s.keep.set_actions(early_shown)),
    }
    keep::save(conv);
    // Messages other tabs left while none led, oldest first.
    let Some(area) = conv.with(|s| s.keep.area.clone()) else {
        return;
    };
    let prefix = inbox_prefix(conv);
    let mut keys: Vec<String> = (0..area.length().unwrap_or(0))
        .filter_map(|i| area.key(i).ok().flatten())
        .filter(|k| k.starts_with(&prefix))
        .collect();
    // Oldest first (a few keys: no sort code for them in the wasm).
    while let Some(i) = (0..keys.len()).min_by(|&x, &y| keys[x].cmp(&keys[y])) {
        let key = keys.swap_remove(i);
        take_inbox(conv, &area, &key);
    }
}

/// Asks for the lock that makes a window the leader of its conversation among the tabs
/// that share it (the Web Locks API); [`lead`] runs when it is granted, at once when no
/// other tab holds it. `false`: the browser has no such lock (not a secure context), so
/// this window leads on its own.
pub fn ask_to_lead(conv: &Shared) -> bool {
    let locks = Reflect::get(&navigator(), &"locks".into()).unwrap_or_default();
    let Ok(request) =
        Reflect::get(&locks, &"request".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        store::warn("this page has no Web Locks (not a secure context): tabs do not share the conversation safely");
        return false;
    };
    let weak = super::weak(conv);
    let granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        // Held until the window is gone (the promise resolves when it lets go).
        let mut release = None;
        let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
        match weak.upgrade() {
            Some(conv) => {
                conv.with(|s| s.tabs.release = release);
                let weak = super::weak(&conv);
                spawn_local(async move {
                    if let Some(conv) = weak.upgrade() {
                        lead(&conv, vec![]);
                    }
                });
            }
            // Gone before it was granted: let go at once.
            None => {
                if let Some(release) = release {
                    let _ = release.call0(&JsValue::NULL);
                }
            }
        }
        held.into()
    });
    request
        .call2(&locks, &JsValue::from_str(&conv.options.key), &granted)
        .is_ok()
}

/// The browser's `navigator`.
fn navigator() -> JsValue {
    Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or_default()
}

/// The window listens to the browser going offline and online, to the page being left,
/// and to the storage other tabs write (their states while this window follows, their
/// messages while it leads).
pub fn listen(conv: &Shared) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let online = Reflect::get(&navigator(), &"onLine".into()).unwrap_or_default();
    if online == JsValue::FALSE {
        set_offline(conv, true);
    }
    let on = |name: &'static str| {
        let weak = super::weak(conv);
        EventListener::new(&window, name, move |e| {
            let Some(conv) = weak.upgrade() else { return };
            match name {
                "online" => set_offline(&conv, false),
                "offline" => set_offline(&conv, true),
                // The page is left: a save still due is made now.
                "pagehide" => {
                    if conv.with(|s| s.keep.is_due()) {
                        keep::save(&conv);
                    }
                }
                _ => on_storage(&conv, e),
            }
        })
    };
    let listeners: Vec<EventListener> = ["online", "offline", "storage", "pagehide"]
        .into_iter()
        .map(on)
        .collect();
    conv.with(|s| s.tabs.listeners = listeners);
    if conv.options.persist != Persist::Local {
        return;
    }
    let Ok(channel) = web_sys::BroadcastChannel::new(&conv.options.key) else {
        return;
    };
    let weak = super::weak(conv);
    let listener = EventListener::new(&channel, "message", move |e| {
        let Some(conv) = weak.upgrade().filter(|c| c.with(|s| s.lead)) else {
            return;
        };
        let data = Reflect::get(e, &"data".into()).unwrap_or_default();
        let field = |k: &str| Reflect::get(&data, &k.into()).unwrap_or_default();
        if let Ok(file) = field("file").dyn_into::<File>() {
            files::offer(
                &conv,
                file,
                field("caption").as_string().unwrap_or_default(),
            );
        }
    });
    conv.with(|s| s.tabs.channel = Some((channel, listener)));
}

/// A follower gives the tab that leads a file the visitor offered.
pub fn file_to_leader(conv: &Conversation, file: &File, caption: &str) {
    conv.with(|s| {
        if let Some((channel, _)) = &s.tabs.channel {
            let message = js_sys::Object::new();
            let _ = Reflect::set(&message, &"file".into(), file);
            let _ = Reflect::set(&message, &"caption".into(), &caption.into());
            let _ = channel.post_message(&message);
        }
    });
}

/// Another tab wrote the storage: a follower takes a newer state of its conversation, a
/// leader handles a message left for it.
fn on_storage(conv: &Shared, e: &web_sys::Event) {
    let field = |k: &str| Reflect::get(e, &k.into()).ok().and_then(|v| v.as_string());
    let Some(key) = field("key") else { return };
    let Some(area) = conv.with(|s| s.keep.area.clone()) else {
        return;
    };
    if conv.with(|s| s.lead) {
        if key.starts_with(&inbox_prefix(conv)) {
            take_inbox(conv, &area, &key);
        }
    } else if key == conv.options.key {
        if let Some(saved) = field("newValue").and_then(|t| keep::newer(conv, &t)) {
            follow_saved(conv, saved);
        }
    }
}

/// A follower draws a state of its conversation.
pub fn follow_saved(conv: &Shared, saved: Saved) {
    conv.with(|s| {
        s.keep.rev = saved.rev;
        s.expect = saved.expect.clone();
    });
    conv.dispatch.dispatch(Action::Expect(saved.expect));
    draw(conv, saved.actions);
    // The page heard of these messages in the tab that leads.
    conv.dispatch.dispatch(Action::Resumed(false));
}

/// Shows `actions` as the transcript: only those after what is shown when it is the
/// start of them, else the whole transcript again.
pub fn draw(conv: &Conversation, actions: Vec<Action>) {
    let values: Vec<Action> = actions.iter().filter(|a| a.kept()).cloned().collect();
    let from = conv.with(|s| {
        let shown = s.keep.actions.len();
        let from =
            (values.len() >= shown && values[..shown] == s.keep.actions[..]).then_some(shown);
        s.keep.set_actions(values);
        from
    });
    let from = from.unwrap_or_else(|| {
        conv.dispatch.dispatch(Action::Reset);
        0
    });
    for action in actions.into_iter().skip(from) {
        conv.dispatch.dispatch(action);
    }
}

fn inbox_prefix(conv: &Conversation) -> String {
    format!("{}#in:", conv.options.key)
}

/// Leaves a message for the tab that leads.
pub fn to_leader(conv: &Conversation, message: Inbox) {
    let text = crate::json::to_text(&message);
    let Some(area) = conv.with(|s| s.keep.area.clone()) else {
        return;
    };
    // Time first, so that the next leader takes them in order.
    let key = format!(
        "{}{:015}{:06}",
        inbox_prefix(conv),
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e6) as u32
    );
    conv.with(|s| store::write(&area, &key, &text, &s.keep.warned));
}

/// The leader takes a message another tab left under `key`.
fn take_inbox(conv: &Shared, area: &web_sys::Storage, key: &str) {
    let Some(text) = store::read(area, key) else {
        return;
    };
    store::remove(area, key);
    match crate::json::from_text::<Inbox>(&text) {
        Ok(Inbox::Send(shown, payload)) => super::send(conv, shown, payload),
        Ok(Inbox::Variable(name, value)) => super::set_variable(conv, name, value),
        Ok(Inbox::Reset) => super::reset(conv),
        Err(e) => store::warn(&format!(
            "a message another tab left could not be read ({e}); it is dropped"
        )),
    }
}

/// The browser went offline or came back: the window says so; back online, what the
/// visitor wrote meanwhile is sent, in order.
fn set_offline(conv: &Shared, offline: bool) {
    conv.with(|s| s.offline = offline);
    conv.dispatch.dispatch(Action::Offline(offline));
    if !offline {
        flush_pending(conv);
    }
}

/// Sends what the visitor wrote offline, when this window leads and the network is back.
pub fn flush_pending(conv: &Shared) {
    let pending = conv.with(|s| match s.lead && !s.offline {
        true => std::mem::take(&mut s.keep.pending),
        false => vec![],
    });
    if pending.is_empty() {
        return;
    }
    conv.act(Action::Sent);
    for payload in pending {
        super::route(conv, payload);
    }
}
