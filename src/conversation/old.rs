//! One window's conversation: it owns the engine session (through its [`Runner`], which
//! runs it in a worker when the bot has code), feeds it the visitor's and the page's
//! input, and performs what comes out (messages after their delays, fetches,
//! uploads, transfers, events for the page). The window's view (`components`) only
//! renders the [`Chat`] state this updates through its reducer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chatlet_engine::succeeded;
use chatlet_engine::{Bot, FileIn, Input, Output};
use js_sys::Reflect;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, HtmlInputElement};
use yew::platform::{spawn_local, time::sleep};
use yew::{NodeRef, UseReducerDispatcher};

use crate::chat::{Action, Chat, FileState, Note, Stamp};
use crate::embed::MountOptions;
use crate::files;
use crate::host::{self, obj, HostCall};
use crate::protocol::{Step, Turn};
use crate::runner::{Runner, Setup};
use crate::saved::{Answering, ListText, Parts, Saved};
use crate::store::{self, Persist};

/// Who answers the visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The bot.
    Bot,
    /// Nobody yet: a transfer was handed to the page and its outcome is not in. The
    /// visitor's messages are held for the person.
    AwaitingTransfer,
    /// A person, through the page.
    Agent,
}

/// What came before the bot was loaded, in order.
enum Early {
    Input(Input),
    Variable(String, Value),
}

/// Files the visitor offered that are still needed (until their upload ends), by handle.
/// Handles are never reused, not even after a reset.
#[derive(Default)]
struct Files {
    next: u64,
    held: Vec<(u64, File)>,
}

/// A window's conversation, shared by its callbacks and async work.
pub struct Conversation {
    /// The conversation id (in every event for the page).
    pub id: Rc<str>,
    /// What the window was mounted with.
    pub options: Rc<MountOptions>,
    /// The text box (focused on open, after a choice, after a file is picked).
    pub input: NodeRef,
    dispatch: UseReducerDispatcher<Chat>,
    runner: RefCell<Option<Rc<Runner>>>,
    /// The file types the bot waits for, after the last turn.
    expect: RefCell<Option<Vec<String>>>,
    /// Input and variables that came before the bot was loaded.
    early: RefCell<Vec<Early>>,
    files: RefCell<Files>,
    mode: Cell<Mode>,
    /// Visitor messages written while a transfer waits for the page's answer.
    held: RefCell<Vec<String>>,
    /// Counts transfers, so that a timeout only ends the transfer it was set for.
    transfers: Cell<u32>,
    /// The page's variables (mount options, then `setVariable`), set again after a reset.
    variables: RefCell<Vec<(String, Value)>>,
    /// Counts resets, so that a delayed message of the old conversation stays unshown.
    epoch: Cell<u32>,
    /// Messages held back for their delays, in order, each with when it is due
    /// (`Date.now()`, ms); one task lets them out, so they keep their order across turns.
    paced: RefCell<std::collections::VecDeque<(f64, Output)>>,
    /// That task is running.
    pacing: Cell<bool>,
    /// The text box should take focus when it is drawn.
    pub wants_focus: Cell<bool>,
    /// What is kept between page loads.
    keep: RefCell<Keep>,
    /// This window runs the session and writes what is kept. A window whose
    /// conversation another tab runs (`data-persist="local"`) follows it: it draws what
    /// that tab stores and hands the visitor's messages to it, until it leads in turn.
    lead: Cell<bool>,
    /// What starts the session, until this window leads.
    setup: RefCell<Option<Setup>>,
    /// The browser is offline.
    offline: Cell<bool>,
    /// Listeners on the page's window (storage, online, offline, pagehide).
    listeners: RefCell<Vec<(&'static str, Listener)>>,
    /// Lets go of the lock this window leads by.
    release: RefCell<Option<js_sys::Function>>,
    /// Where a follower sends the files the visitor gives it (a file cannot go through
    /// the storage), and the leader's listener.
    channel: RefCell<Option<(web_sys::BroadcastChannel, Listener)>>,
    /// When the last message time was taken (ms since the epoch).
    pub stamped: Cell<u64>,
    /// The bot's picture, checked: the page's `data-avatar`, else the bot's `avatar`.
    pub avatar: RefCell<Option<yew::AttrValue>>,
    /// What the widget says for the visitor, unshown, when a conversation begins (the
    /// bot's `greeting`): at the start, and after a reset.
    greeting: RefCell<Option<String>>,
}

impl Drop for Conversation {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            for (name, listener) in self.listeners.take() {
                let f = listener.as_ref().unchecked_ref();
                let _ = window.remove_event_listener_with_callback(name, f);
            }
        }
        if let Some((channel, _)) = self.channel.take() {
            channel.close();
        }
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
        if self.keep.get_mut().due {
            save(self);
        }
        store::release(&self.options.key);
    }
}

/// What a window keeps of its conversation between page loads (`crate::saved`), and
/// where.
#[derive(Default)]
struct Keep {
    area: Option<web_sys::Storage>,
    /// The revision of the state last written or taken.
    rev: u64,
    /// How long a kept conversation may stay idle.
    idle_ms: f64,
    /// What the visitor wrote offline, not sent yet.
    pending: Vec<String>,
    /// The bot's fingerprint; empty until the bot is loaded (nothing is kept before).
    bot: String,
    /// The actions that drew the transcript (as `crate::saved::action_value` wrote them):
    /// change them through [`Keep::set_actions`] and [`Keep::push_action`], which keep
    /// `actions_text` in step.
    actions: Vec<Value>,
    /// `actions` as stored text.
    actions_text: ListText,
    /// The runner's steps from `from` on, as stored text (those written so far).
    steps_text: ListText,
    /// Requests and uploads not answered yet.
    flight: Vec<Output>,
    /// The first step kept: a reset forgets the steps before it (replaying the rest into
    /// a new session gives the same state).
    from: usize,
    /// A refusal by the storage was warned about.
    warned: Cell<bool>,
    /// A save is due: it runs once the browser has drawn what changed (one save for all
    /// the changes of a turn, outside the time from Enter to the reply), or when the
    /// page is left.
    due: bool,
    /// Saves when due (a timer's callback).
    saver: Option<Listener>,
}

impl Keep {
    fn push_action(&mut self, value: Value) {
        self.actions_text.push(&value);
        self.actions.push(value);
    }

    fn set_actions(&mut self, values: Vec<Value>) {
        self.actions_text = values.iter().cloned().collect();
        self.actions = values;
    }

    fn take_actions(&mut self) -> Vec<Value> {
        self.actions_text.clear();
        std::mem::take(&mut self.actions)
    }
}

/// A listener on the page's window.
type Listener = Closure<dyn Fn(JsValue)>; // the runner's type: one instantiation in the wasm

/// A shared [`Conversation`].
pub type Shared = Rc<Conversation>;

impl Conversation {
    /// A conversation not yet started: the bot is being loaded.
    pub fn new(
        id: Rc<str>,
        options: Rc<MountOptions>,
        dispatch: UseReducerDispatcher<Chat>,
    ) -> Conversation {
        Conversation {
            id,
            variables: RefCell::new(options.variables.clone()),
            options,
            input: NodeRef::default(),
            dispatch,
            runner: RefCell::new(None),
            expect: RefCell::new(None),
            early: RefCell::default(),
            files: RefCell::default(),
            mode: Cell::new(Mode::Bot),
            held: RefCell::default(),
            transfers: Cell::new(0),
            epoch: Cell::new(0),
            paced: RefCell::default(),
            pacing: Cell::new(false),
            wants_focus: Cell::new(false),
            keep: RefCell::default(),
            lead: Cell::new(false),
            setup: RefCell::default(),
            offline: Cell::new(false),
            listeners: RefCell::default(),
            release: RefCell::default(),
            channel: RefCell::default(),
            stamped: Cell::new(0),
            avatar: RefCell::default(),
            greeting: RefCell::default(),
        }
    }

    /// Dispatches `name` on the widget's host element, with the conversation id.
    pub fn emit(&self, name: &str, mut detail: Value) {
        detail["conversationId"] = Value::from(&*self.id);
        host::emit(&self.options.host, name, &detail);
    }

    /// Changes the window's state; what changes the transcript is kept. A new message
    /// gets the time, taken again when a second has passed (kept too, so a restored
    /// conversation shows when its messages arrived).
    pub fn act(&self, action: Action) {
        let now = js_sys::Date::now() as u64;
        if action.adds_message() && now.saturating_sub(self.stamped.get()) >= 1000 {
            self.stamped.set(now);
            self.act(Action::Clock(Stamp {
                ms: now,
                clock: clock_time(now, self.options.strings.get("lang")).into(),
            }));
        }
        let kept = crate::saved::action_value(&action);
        let save_now = kept.is_some();
        if let Some(value) = kept {
            self.keep.borrow_mut().push_action(value);
        }
        self.dispatch.dispatch(action);
        if save_now {
            save_soon(self);
        }
    }
}

/// `ms` as the page's language writes a clock time ("14:05", "2:05 PM"); a language the
/// browser does not take (a RangeError) gives way to the browser's own.
fn clock_time(ms: u64, lang: &str) -> String {
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"hour".into(), &"numeric".into());
    let _ = Reflect::set(&options, &"minute".into(), &"2-digit".into());
    let date = js_sys::Date::new(&(ms as f64).into());
    let format = Reflect::get(&date, &"toLocaleTimeString".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(format) = format else {
        return String::new();
    };
    [JsValue::from(lang), JsValue::UNDEFINED]
        .iter()
        .find_map(|locale| format.call2(&date, locale, &options).ok()?.as_string())
        .unwrap_or_default()
}

/// The bot (loaded from `text`) is ready: the conversation starts (or goes on where an
/// earlier page load left it), with what came before. A window whose conversation another
/// tab leads follows that tab until it leads in turn (see [`Conversation::lead`]).
#[inline(never)] // not inside the loading future's state machine
pub fn start(conv: &Shared, bot: Bot, text: String) {
    let title = bot.name().to_string();
    let shown = bot.display_name();
    let options = &conv.options;
    // The page's picture (relative to the page), else the bot's (relative to its file).
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    let avatar = match (&options.avatar, &bot.settings().avatar) {
        (Some(page), _) => web_sys::Url::new_with_base(page, &base).ok(),
        (None, Some(own)) => web_sys::Url::new_with_base(own, &options.bot_url).ok(),
        (None, None) => None,
    };
    *conv.avatar.borrow_mut() = avatar
        .map(|url| url.href())
        .filter(|url| crate::rich::safe_image(url).is_some())
        .map(yew::AttrValue::from);
    {
        let mut keep = conv.keep.borrow_mut();
        let weak = Rc::downgrade(conv);
        keep.saver = Some(Listener::new(move |_| {
            if let Some(conv) = weak.upgrade().filter(|c| c.keep.borrow().due) {
                save(&conv);
            }
        }));
        keep.area = options.persist.area();
        keep.bot = bot.fingerprint().to_string();
        keep.idle_ms = options
            .idle_minutes
            .map(|m| m * 60_000.0)
            .or(bot
                .settings()
                .session_length_s
                .map(|s| f64::from(s) * 1000.0))
            .unwrap_or(crate::saved::IDLE_MS);
    }
    let forever = forever_area(conv)
        .and_then(|a| store::read(&a, &forever_key(conv)))
        .and_then(|t| serde_json::from_str(&t).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Default::default()));
    *conv.setup.borrow_mut() = Some(Setup {
        bot: Arc::new(bot),
        text,
        conversation_id: conv.id.to_string(),
        host: options.host_info.clone(),
        glue: options.glue.clone(),
        forever,
    });
    // The messages the visitor sent while the bot was loading (shown, and the page
    // heard of them): they go after a kept transcript, or to the tab that leads.
    let early_shown = conv.keep.borrow_mut().take_actions();
    conv.act(Action::Loaded(shown));
    listen(conv);
    // Tabs share a conversation through the storage: without it (refused), each leads.
    let shared = options.persist == Persist::Local && conv.keep.borrow().area.is_some();
    if !shared || !ask_to_lead(conv) {
        lead(conv, early_shown);
    } else {
        if !early_shown.is_empty() {
            conv.dispatch.dispatch(Action::Reset);
        }
        if let Some(saved) = kept(conv) {
            follow_saved(conv, saved);
        }
    }
    conv.emit("chatlet:ready", obj([("bot", title.into())]));
    for early in conv.early.take() {
        match early {
            Early::Input(Input::Text(text)) if following(conv) => {
                to_leader(conv, Inbox::Send(text.clone(), text))
            }
            Early::Input(input) => feed(conv, input),
            Early::Variable(name, value) => set_variable(conv, name, value),
        }
    }
}

/// This window starts the session (from what is kept, if anything) and from now on
/// writes what is kept; messages other tabs left for it are handled. `early_shown`: what
/// the window showed before the bot was loaded (it goes after a kept transcript).
fn lead(conv: &Shared, early_shown: Vec<Value>) {
    let Some(setup) = conv.setup.take() else {
        return;
    };
    conv.lead.set(true);
    let saved = kept(conv);
    let on_turn = {
        let weak = Rc::downgrade(conv);
        Box::new(move |turn: Turn| {
            if let Some(conv) = weak.upgrade() {
                on_turn(&conv, turn);
            }
        })
    };
    let log = saved.as_ref().map(|s| s.steps.clone()).unwrap_or_default();
    // A bot that speaks first: its greeting goes as the visitor's first message, unshown,
    // when a new conversation opens with nothing the visitor sent yet.
    *conv.greeting.borrow_mut() = setup.bot.settings().greeting.clone();
    let greeting =
        setup.bot.settings().greeting.clone().filter(|_| {
            saved.is_none() && early_shown.is_empty() && conv.early.borrow().is_empty()
        });
    let runner = Runner::start(setup, log, on_turn);
    if runner.in_worker() {
        web_sys::console::info_1(&"chatlet: the bot's code runs in a worker".into());
    }
    if saved.is_none() {
        for (name, value) in conv.variables.borrow().iter() {
            runner.post(Step::Variable(name.clone(), value.clone()));
        }
    }
    if let Some(greeting) = greeting {
        runner.post(Step::Input(Input::Text(greeting)));
    }
    *conv.runner.borrow_mut() = Some(runner);
    match saved {
        Some(saved) => resume(conv, saved, early_shown),
        None => conv.keep.borrow_mut().set_actions(early_shown),
    }
    save(conv);
    // Messages other tabs left while none led, oldest first.
    let keep = conv.keep.borrow();
    if let Some(area) = keep.area.clone() {
        let prefix = inbox_prefix(conv);
        let mut keys: Vec<String> = (0..area.length().unwrap_or(0))
            .filter_map(|i| area.key(i).ok().flatten())
            .filter(|k| k.starts_with(&prefix))
            .collect();
        drop(keep);
        // Oldest first (a few keys: no sort code for them in the wasm).
        while let Some(i) = (0..keys.len()).min_by(|&x, &y| keys[x].cmp(&keys[y])) {
            let key = keys.swap_remove(i);
            take_inbox(conv, &area, &key);
        }
    }
}

/// Asks for the lock that makes a window the leader of its conversation among the tabs
/// that share it (the Web Locks API); [`lead`] runs when it is granted, at once when no
/// other tab holds it. `false`: the browser has no such lock (not a secure context), so
/// this window leads on its own.
fn ask_to_lead(conv: &Shared) -> bool {
    let locks = Reflect::get(&navigator(), &"locks".into()).unwrap_or_default();
    let Ok(request) =
        Reflect::get(&locks, &"request".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        store::warn("this page has no Web Locks (not a secure context): tabs do not share the conversation safely");
        return false;
    };
    let weak = Rc::downgrade(conv);
    let granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        // Held until the window is gone (the promise resolves when it lets go).
        let mut release = None;
        let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
        if let Some(conv) = weak.upgrade() {
            *conv.release.borrow_mut() = release;
            spawn_local(async move { lead(&conv, vec![]) });
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

/// The window listens to the browser going offline and online, and to the storage other
/// tabs write (their states while this window follows, their messages while it leads).
fn listen(conv: &Shared) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let online = Reflect::get(&navigator(), &"onLine".into()).unwrap_or_default();
    if online == JsValue::FALSE {
        set_offline(conv, true);
    }
    let weak = Rc::downgrade(conv);
    let handler = move |name: &'static str| {
        let weak = weak.clone();
        Listener::new(move |e: JsValue| {
            let Some(conv) = weak.upgrade() else { return };
            match name {
                "online" => set_offline(&conv, false),
                "offline" => set_offline(&conv, true),
                // The page is left: a save still due is made now.
                "pagehide" => {
                    if conv.keep.borrow().due {
                        save(&conv);
                    }
                }
                _ => on_storage(&conv, &e),
            }
        })
    };
    let mut listeners = conv.listeners.borrow_mut();
    for name in ["online", "offline", "storage", "pagehide"] {
        let listener = handler(name);
        let _ = window.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        listeners.push((name, listener));
    }
    if conv.options.persist != Persist::Local {
        return;
    }
    let Ok(channel) = web_sys::BroadcastChannel::new(&conv.options.key) else {
        return;
    };
    let weak = Rc::downgrade(conv);
    let listener = Listener::new(move |e: JsValue| {
        let Some(conv) = weak.upgrade().filter(|c| c.lead.get()) else {
            return;
        };
        let data = Reflect::get(&e, &"data".into()).unwrap_or_default();
        let field = |k: &str| Reflect::get(&data, &k.into()).unwrap_or_default();
        if let Ok(file) = field("file").dyn_into::<File>() {
            offer(
                &conv,
                file,
                field("caption").as_string().unwrap_or_default(),
            );
        }
    });
    let _ = channel.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    *conv.channel.borrow_mut() = Some((channel, listener));
}

/// Another tab wrote the storage: a follower takes a newer state of its conversation, a
/// leader handles a message left for it.
fn on_storage(conv: &Shared, e: &JsValue) {
    let field = |k: &str| Reflect::get(e, &k.into()).ok().and_then(|v| v.as_string());
    let Some(key) = field("key") else { return };
    let area = conv.keep.borrow().area.clone();
    let Some(area) = area else { return };
    if conv.lead.get() {
        if key.starts_with(&inbox_prefix(conv)) {
            take_inbox(conv, &area, &key);
        }
    } else if key == conv.options.key {
        let (fingerprint, now, idle) = {
            let keep = conv.keep.borrow();
            (keep.bot.clone(), js_sys::Date::now(), keep.idle_ms)
        };
        let saved = field("newValue").map(|t| Saved::from_json(&t, &fingerprint, now, idle));
        match saved {
            Some(Ok(saved)) if saved.rev > conv.keep.borrow().rev => follow_saved(conv, saved),
            _ => {}
        }
    }
}

/// A follower draws a state of its conversation.
fn follow_saved(conv: &Shared, saved: Saved) {
    conv.keep.borrow_mut().rev = saved.rev;
    conv.expect.replace(saved.expect.clone());
    conv.dispatch.dispatch(Action::Expect(saved.expect));
    draw(conv, saved.actions);
    // The page heard of these messages in the tab that leads.
    conv.dispatch.dispatch(Action::Resumed(false));
}

/// Shows `actions` as the transcript: only those after what is shown when it is the
/// start of them, else the whole transcript again.
fn draw(conv: &Conversation, actions: Vec<Action>) {
    let values: Vec<Value> = actions
        .iter()
        .filter_map(crate::saved::action_value)
        .collect();
    let mut keep = conv.keep.borrow_mut();
    let shown = keep.actions.len();
    let from = if values.len() >= shown && values[..shown] == keep.actions[..] {
        shown
    } else {
        conv.dispatch.dispatch(Action::Reset);
        0
    };
    keep.set_actions(values);
    drop(keep);
    for action in actions.into_iter().skip(from) {
        conv.dispatch.dispatch(action);
    }
}

/// What a follower hands to the tab that leads (through the storage: it survives that
/// tab closing before it reads it; the next leader does).
enum Inbox {
    /// The visitor wrote (shown, payload).
    Send(String, String),
    /// The page set a variable.
    Variable(String, Value),
    /// The page started over.
    Reset,
}

fn inbox_prefix(conv: &Conversation) -> String {
    format!("{}#in:", conv.options.key)
}

/// Leaves a message for the tab that leads.
fn to_leader(conv: &Conversation, message: Inbox) {
    let value = Value::from(match message {
        Inbox::Send(shown, payload) => vec!["t".into(), shown.into(), payload.into()],
        Inbox::Variable(name, value) => vec!["v".into(), name.into(), value],
        Inbox::Reset => vec!["r".into()],
    });
    let keep = conv.keep.borrow();
    if let Some(area) = &keep.area {
        // Time first, so that the next leader takes them in order.
        let key = format!(
            "{}{:015}{:06}",
            inbox_prefix(conv),
            js_sys::Date::now() as u64,
            (js_sys::Math::random() * 1e6) as u32
        );
        store::write(area, &key, &value.to_string(), &keep.warned);
    }
}

/// The leader takes a message another tab left under `key`.
fn take_inbox(conv: &Shared, area: &web_sys::Storage, key: &str) {
    let Some(text) = store::read(area, key) else {
        return;
    };
    store::remove(area, key);
    let Ok(Value::Array(a)) = serde_json::from_str::<Value>(&text) else {
        return;
    };
    let text = |i: usize| {
        a.get(i)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match a.first().and_then(Value::as_str) {
        Some("t") => send(conv, text(1), text(2)),
        Some("v") => set_variable(conv, text(1), a.get(2).cloned().unwrap_or_default()),
        Some("r") => reset(conv),
        _ => {}
    }
}

/// The browser went offline or came back: the window says so; back online, what the
/// visitor wrote meanwhile is sent, in order.
fn set_offline(conv: &Shared, offline: bool) {
    conv.offline.set(offline);
    conv.dispatch.dispatch(Action::Offline(offline));
    if !offline {
        flush_pending(conv);
    }
}

fn flush_pending(conv: &Shared) {
    if !conv.lead.get() || conv.offline.get() {
        return;
    }
    let pending = std::mem::take(&mut conv.keep.borrow_mut().pending);
    if pending.is_empty() {
        return;
    }
    conv.act(Action::Sent);
    for payload in pending {
        route(conv, payload);
    }
}

/// Where forever-scoped variables are kept: the browser's `localStorage`, for all the
/// bot's conversations on the site (nowhere with `data-persist="none"`).
fn forever_area(conv: &Conversation) -> Option<web_sys::Storage> {
    match conv.options.persist {
        Persist::None => None,
        _ => Persist::Local.area(),
    }
}

fn forever_key(conv: &Conversation) -> String {
    format!("chatlet:forever:{}", conv.options.bot_url)
}

/// The conversation kept for this bot from an earlier page load (or by the tab that
/// leads), if it can be used; one that cannot is forgotten, with the reason on the
/// console.
fn kept(conv: &Conversation) -> Option<Saved> {
    let mut keep = conv.keep.borrow_mut();
    let area = keep.area.clone()?;
    let key = &conv.options.key;
    let text = store::read(&area, key)?;
    match Saved::from_json(&text, &keep.bot, js_sys::Date::now(), keep.idle_ms) {
        Ok(saved) => {
            keep.rev = saved.rev;
            Some(saved)
        }
        Err(why) => {
            store::warn(&(why + "; a new conversation starts"));
            store::remove(&area, key);
            None
        }
    }
}

/// Redraws a kept conversation and deals with what was in flight when the page was left:
/// a GET is sent again, any other call is not (a POST must never go twice) and takes its
/// failure rule, an upload (its file went with the page) fails. What the visitor wrote
/// offline is sent if the network is back. `early_shown` (shown before the bot was
/// loaded) is drawn after the kept transcript.
fn resume(conv: &Shared, saved: Saved, early_shown: Vec<Value>) {
    let handles = saved.actions.iter().filter_map(|a| match a {
        Action::FileOffered { handle, .. } => Some(*handle),
        _ => None,
    });
    let last = handles.max().unwrap_or(0);
    let mut files = conv.files.borrow_mut();
    files.next = files.next.max(last);
    drop(files);
    if !early_shown.is_empty() {
        conv.dispatch.dispatch(Action::Reset);
    }
    draw(conv, saved.actions);
    for value in early_shown {
        if let Some(action) = crate::saved::read_action(&value) {
            conv.keep.borrow_mut().push_action(value);
            conv.dispatch.dispatch(action);
        }
    }
    conv.keep.borrow_mut().pending = saved.pending;
    let mode = match saved.answering {
        Answering::Bot => Mode::Bot,
        Answering::Transfer => Mode::AwaitingTransfer,
        Answering::Agent => Mode::Agent,
    };
    conv.mode.set(mode);
    if mode == Mode::AwaitingTransfer {
        conv.transfers.set(conv.transfers.get() + 1);
        give_up_transfer(conv, 0);
    }
    conv.dispatch.dispatch(Action::Resumed(mode != Mode::Bot));
    for output in saved.flight {
        match output {
            Output::Request(request) if request.method == "GET" => call(conv, request),
            Output::Request(request) => feed(
                conv,
                Input::NetworkError {
                    id: request.id,
                    error: "the page was left during this call (not a GET): it is not sent again"
                        .into(),
                },
            ),
            Output::Upload(upload) => {
                settle_file(conv, upload.file, FileState::Failed);
                let error = "the page was left during the upload; the file went with it".into();
                feed(
                    conv,
                    Input::NetworkError {
                        id: upload.id,
                        error,
                    },
                );
            }
            _ => {}
        }
    }
    flush_pending(conv);
}

/// Stores the conversation soon: after the browser has drawn what changed (a timer),
/// once for all that changed meanwhile.
fn save_soon(conv: &Conversation) {
    let Ok(mut keep) = conv.keep.try_borrow_mut() else {
        return;
    };
    if keep.due {
        return;
    }
    let timer = keep
        .saver
        .as_ref()
        .zip(web_sys::window())
        .and_then(|(saver, window)| {
            window
                .set_timeout_with_callback(saver.as_ref().unchecked_ref())
                .ok()
        });
    keep.due = timer.is_some();
    drop(keep);
    if timer.is_none() {
        save(conv);
    }
}

/// Stores the conversation (after each turn and each change to the transcript), when
/// this window leads it.
fn save(conv: &Conversation) {
    let Ok(mut keep) = conv.keep.try_borrow_mut() else {
        return;
    };
    keep.due = false;
    let (Some(area), Some(runner)) = (keep.area.clone(), runner(conv)) else {
        return;
    };
    let answering = match conv.mode.get() {
        Mode::Bot => Answering::Bot,
        Mode::AwaitingTransfer => Answering::Transfer,
        Mode::Agent => Answering::Agent,
    };
    // Revisions grow with the clock, so that a new conversation's first write is newer
    // than anything a follower took before.
    keep.rev = (keep.rev + 1).max(js_sys::Date::now() as u64);
    // The steps taken since the last save are written; the rest is text already.
    let log = runner.log();
    let steps = log.get(keep.from..).unwrap_or_default();
    if keep.steps_text.count() > steps.len() {
        keep.steps_text.clear();
    }
    for step in &steps[keep.steps_text.count()..] {
        keep.steps_text.push(&crate::protocol::step_value(step));
    }
    drop(log);
    let text = Saved::write(Parts {
        id: &conv.id,
        rev: keep.rev,
        bot: &keep.bot,
        time: js_sys::Date::now(),
        steps: &keep.steps_text,
        actions: &keep.actions_text,
        flight: &keep.flight,
        answering,
        pending: &keep.pending,
        expect: conv.expect.borrow().as_deref(),
    });
    store::write(&area, &conv.options.key, &text, &keep.warned);
}

/// The page's call, checked now (an `Err` is thrown to the page) and performed outside
/// whatever is running (see [`crate::host`]).
pub fn on_host(conv: &Shared, call: HostCall) -> Result<(), String> {
    if let HostCall::TransferOutcome(accepted, _) = &call {
        let accepted = *accepted;
        if conv.mode.get() != Mode::AwaitingTransfer {
            return Err("chatlet.reportTransfer: no transfer is waiting for an outcome".into());
        }
        conv.mode
            .set(if accepted { Mode::Agent } else { Mode::Bot });
    }
    let conv = conv.clone();
    spawn_local(async move { perform_call(&conv, call) });
    Ok(())
}

fn perform_call(conv: &Shared, call: HostCall) {
    match call {
        HostCall::Send(text) => send(conv, text.clone(), text),
        HostCall::SetVariable(name, value) => set_variable(conv, name, value),
        HostCall::Reset => reset(conv),
        HostCall::Focus => focus(conv),
        HostCall::TransferOutcome(true, who) => {
            if let Some(person) = who {
                conv.act(Action::Person(person));
            }
            conv.act(Action::WithAgent(true));
            for text in conv.held.take() {
                conv.emit("chatlet:visitor-message", obj([("text", text.into())]));
            }
        }
        HostCall::TransferOutcome(false, _) => {
            // What the visitor wrote meanwhile stays in the transcript; the bot answers
            // the failure (CB's __agent_escalation_failed__ event), not those messages.
            conv.held.take();
            conv.act(Action::Note(Note::TransferFailed));
            feed(conv, Input::TransferFailed);
        }
        HostCall::AgentMessage(text, who) => {
            if let Some(person) = who {
                conv.act(Action::Person(person));
            }
            conv.act(Action::Agent(text))
        }
        HostCall::EndTransfer => {
            conv.held.take();
            conv.mode.set(Mode::Bot);
            conv.act(Action::WithAgent(false));
        }
    }
}

/// A page variable: for the session now (or once the bot is loaded, in its turn among
/// the early input), and again after every reset.
fn set_variable(conv: &Shared, name: String, value: Value) {
    if following(conv) {
        return to_leader(conv, Inbox::Variable(name, value));
    }
    match runner(conv) {
        Some(r) => r.post(Step::Variable(name.clone(), value.clone())),
        None => {
            let early = Early::Variable(name.clone(), value.clone());
            conv.early.borrow_mut().push(early);
        }
    }
    let mut vars = conv.variables.borrow_mut();
    vars.retain(|(n, _)| *n != name);
    vars.push((name, value));
}

/// Puts the text box in focus, or asks the window to when it is drawn.
pub fn focus(conv: &Conversation) {
    match conv.input.cast::<HtmlInputElement>() {
        Some(input) if !input.disabled() => {
            let _ = input.focus();
            conv.wants_focus.set(false);
        }
        _ => conv.wants_focus.set(true),
    }
}

/// The visitor sends a message (`shown` in their bubble, `payload` to whoever answers).
/// The bot's turn runs after the event that sent it: bot code may click and submit the
/// widget itself, which must not happen inside the widget's own event handling.
pub fn send(conv: &Shared, shown: String, payload: String) {
    if following(conv) {
        return to_leader(conv, Inbox::Send(shown, payload));
    }
    if conv.offline.get() {
        conv.keep.borrow_mut().pending.push(payload);
        return conv.act(Action::Pending(shown));
    }
    conv.act(Action::Visitor(shown));
    route(conv, payload);
}

/// Whether this window follows another tab's conversation (its bot is loaded and it does
/// not lead).
fn following(conv: &Conversation) -> bool {
    !conv.lead.get() && conv.setup.borrow().is_some()
}

/// Hands what the visitor wrote to whoever answers.
fn route(conv: &Shared, payload: String) {
    match conv.mode.get() {
        Mode::Bot => {
            let conv = conv.clone();
            spawn_local(async move { feed(&conv, Input::Text(payload)) });
        }
        Mode::AwaitingTransfer => conv.held.borrow_mut().push(payload),
        Mode::Agent => conv.emit("chatlet:visitor-message", obj([("text", payload.into())])),
    }
}

/// Starts the conversation over with the same bot: the page's variables stay.
fn reset(conv: &Shared) {
    if following(conv) {
        return to_leader(conv, Inbox::Reset);
    }
    conv.epoch.set(conv.epoch.get() + 1);
    conv.paced.borrow_mut().clear();
    conv.mode.set(Mode::Bot);
    conv.held.take();
    conv.early.take();
    conv.files.borrow_mut().held.clear();
    if let Some(r) = runner(conv) {
        let mut keep = conv.keep.borrow_mut();
        keep.from = r.log().len();
        keep.steps_text.clear();
        drop(keep);
        r.post(Step::Input(Input::Reset));
        for (name, value) in conv.variables.borrow().iter() {
            r.post(Step::Variable(name.clone(), value.clone()));
        }
    }
    {
        let mut keep = conv.keep.borrow_mut();
        keep.take_actions();
        keep.flight.clear();
        keep.pending.clear();
    }
    conv.act(Action::Reset);
    // A new conversation: a bot that speaks first does so again.
    if let (Some(r), Some(greeting)) = (runner(conv), conv.greeting.borrow().clone()) {
        r.post(Step::Input(Input::Text(greeting)));
    }
    save(conv);
}

fn runner(conv: &Conversation) -> Option<Rc<Runner>> {
    conv.runner.borrow().clone()
}

/// Gives the session an input (or keeps it until the bot is loaded); its turn comes to
/// [`on_turn`].
pub fn feed(conv: &Shared, input: Input) {
    match runner(conv) {
        Some(r) => r.post(Step::Input(input)),
        None => conv.early.borrow_mut().push(Early::Input(input)),
    }
}

/// A turn of the session: its outputs are performed; while an integration call is in
/// flight the window shows the bot typing.
fn on_turn(conv: &Shared, turn: Turn) {
    if let (Some(forever), Some(area)) = (&turn.forever, forever_area(conv)) {
        let warned = &conv.keep.borrow().warned;
        store::write(&area, &forever_key(conv), &forever.to_string(), warned);
    }
    deliver(conv, turn.outputs);
    *conv.expect.borrow_mut() = turn.expect.clone();
    conv.act(Action::Typing(turn.waiting));
    conv.act(Action::Expect(turn.expect));
    save_soon(conv);
}

/// Shows the engine's outputs in order, each after its delay (after those of earlier
/// turns still held back; the bot shows as typing meanwhile), and performs its requests
/// and uploads.
fn deliver(conv: &Shared, outputs: Vec<Output>) {
    let now = js_sys::Date::now();
    let mut wait = 0u64;
    for output in outputs {
        if let Output::Rich { content } = &output {
            report_rich(content);
        }
        let output = match output {
            Output::Debug { .. } | Output::ScriptError { .. } => {
                let line = format!("chatlet: {}", output.note().unwrap_or_default()).into();
                match output {
                    Output::ScriptError { .. } => web_sys::console::warn_1(&line),
                    _ => web_sys::console::debug_1(&line),
                }
                continue;
            }
            Output::Request(request) => {
                call(conv, request);
                continue;
            }
            // Started in its place among the messages: the file's chip moves on after
            // the bot's messages before it ("Uploading your statement…").
            Output::Upload(upload) if wait == 0 && conv.paced.borrow().is_empty() => {
                upload_file(conv, upload);
                continue;
            }
            Output::Upload(_) => {
                // In flight from now on: a page left meanwhile reports it failed.
                conv.keep.borrow_mut().flight.push(output.clone());
                conv.paced
                    .borrow_mut()
                    .push_back((now + wait as f64, output));
                if !conv.pacing.replace(true) {
                    spawn_local(let_out(conv.clone()));
                }
                continue;
            }
            Output::FileRefused { file } => {
                settle_file(conv, file, FileState::Refused);
                continue;
            }
            Output::Transfer { delay_ms, .. } => {
                // From now on the visitor's messages wait for the page's answer.
                conv.mode.set(Mode::AwaitingTransfer);
                conv.transfers.set(conv.transfers.get() + 1);
                give_up_transfer(conv, wait + u64::from(delay_ms));
                output
            }
            other => other,
        };
        wait += match &output {
            Output::Text { delay_ms, .. }
            | Output::Image { delay_ms, .. }
            | Output::Transfer { delay_ms, .. } => u64::from(*delay_ms),
            _ => 0,
        };
        if wait == 0 && conv.paced.borrow().is_empty() {
            conv.act(Action::Bot(output));
        } else {
            conv.act(Action::Pace(true));
            conv.paced
                .borrow_mut()
                .push_back((now + wait as f64, output));
            if !conv.pacing.replace(true) {
                spawn_local(let_out(conv.clone()));
            }
        }
    }
}

/// Lets the held messages out, in order, each when it is due (and not before the one
/// before it).
async fn let_out(conv: Shared) {
    loop {
        let next = conv.paced.borrow().front().map(|(due, _)| *due);
        let Some(due) = next else { break };
        let ms = (due - js_sys::Date::now()).max(0.0) as u64;
        let epoch = conv.epoch.get();
        sleep(Duration::from_millis(ms)).await;
        // A reset meanwhile emptied the queue: what was held is not shown.
        let out = match conv.epoch.get() == epoch {
            true => conv.paced.borrow_mut().pop_front(),
            false => None,
        };
        match out {
            Some((_, Output::Upload(upload))) => upload_file(&conv, upload),
            Some((_, output)) => {
                conv.act(Action::Bot(output));
                conv.act(Action::Pace(false));
            }
            None => {}
        }
    }
    conv.pacing.set(false);
}

/// Tells the console, once per message, what of a rich content is not drawn.
fn report_rich(content: &Value) {
    let mut problems = Vec::new();
    crate::rich::audit(content, &mut problems);
    for p in problems {
        web_sys::console::warn_1(&format!("chatlet: rich content: {p}").into());
    }
}

/// Performs an integration call, kept as in flight until its answer goes to the session.
fn call(conv: &Shared, request: chatlet_engine::Request) {
    conv.keep
        .borrow_mut()
        .flight
        .push(Output::Request(request.clone()));
    let conv = conv.clone();
    spawn_local(async move {
        let id = request.id;
        let input = perform(&conv, request).await;
        landed(&conv, id);
        feed(&conv, input);
    });
}

/// The request or upload `id` was answered: no longer in flight.
fn landed(conv: &Conversation, id: u64) {
    conv.keep.borrow_mut().flight.retain(|o| match o {
        Output::Request(r) => r.id != id,
        Output::Upload(u) => u.id != id,
        _ => true,
    });
}

/// A transfer the page leaves unanswered for the window's transfer timeout counts as
/// failed, so a page without an agent desk never leaves the visitor waiting for good.
fn give_up_transfer(conv: &Shared, delay_ms: u64) {
    let Some(seconds) = conv.options.transfer_timeout.filter(|s| *s > 0) else {
        return;
    };
    let (conv, transfer) = (conv.clone(), conv.transfers.get());
    spawn_local(async move {
        sleep(Duration::from_millis(delay_ms + u64::from(seconds) * 1000)).await;
        if conv.transfers.get() == transfer && conv.mode.get() == Mode::AwaitingTransfer {
            web_sys::console::warn_1(
                &format!("chatlet: the page did not answer the transfer within {seconds} s (chatlet.reportTransfer): it failed").into(),
            );
            conv.mode.set(Mode::Bot);
            perform_call(&conv, HostCall::TransferOutcome(false, None));
        }
    });
}

/// The visitor offers a file: the engine judges it from its name, size and first bytes;
/// a refused file is marked and nothing is sent.
pub fn offer(conv: &Shared, file: File, caption: String) {
    if following(conv) {
        // The tab that leads uploads it; the file appears here with its state.
        if let Some((channel, _)) = &*conv.channel.borrow() {
            let message = js_sys::Object::new();
            let _ = Reflect::set(&message, &"file".into(), &file);
            let _ = Reflect::set(&message, &"caption".into(), &caption.into());
            let _ = channel.post_message(&message);
        }
        return;
    }
    if conv.expect.borrow().is_none() {
        conv.act(Action::Note(Note::NotAsked));
        return;
    }
    let handle = {
        let mut files = conv.files.borrow_mut();
        files.next += 1;
        let handle = files.next;
        files.held.push((handle, file.clone()));
        handle
    };
    let (name, size) = (file.name(), file.size() as u64);
    conv.act(Action::FileOffered {
        handle,
        name: name.clone(),
        size,
    });
    let conv = conv.clone();
    let epoch = conv.epoch.get();
    spawn_local(async move {
        let head = files::head(&file).await;
        if conv.epoch.get() != epoch {
            return; // offered to a conversation that was reset since
        }
        let input = Input::File(FileIn {
            handle,
            name,
            size,
            head,
            caption,
        });
        feed(&conv, input);
    });
}

/// A file's upload ended (or never began): the window marks it and the page hears of it.
fn settle_file(conv: &Conversation, handle: u64, state: FileState) {
    let file = {
        let held = &mut conv.files.borrow_mut().held;
        let at = held.iter().position(|(h, _)| *h == handle);
        at.map(|i| held.swap_remove(i).1)
    };
    conv.act(Action::File(handle, state));
    if let Some(file) = file {
        let outcome = match state {
            FileState::Sent => "sent",
            FileState::Refused => "refused",
            _ => "failed",
        };
        let detail = obj([
            ("name", file.name().into()),
            ("size", file.size().into()),
            ("outcome", outcome.into()),
        ]);
        conv.emit("chatlet:upload", detail);
    }
}

/// Streams an accepted file to its File integration, showing its progress; the answer
/// goes back to the engine, which routes `file_upload_success:` or `…failed:`.
fn upload_file(conv: &Shared, upload: chatlet_engine::Upload) {
    let handle = upload.file;
    let file = conv
        .files
        .borrow()
        .held
        .iter()
        .find(|(h, _)| *h == handle)
        .map(|(_, f)| f.clone());
    let Some(file) = file else {
        let error = "the file is no longer available".into();
        feed(
            conv,
            Input::NetworkError {
                id: upload.id,
                error,
            },
        );
        return;
    };
    let mut keep = conv.keep.borrow_mut();
    if !keep
        .flight
        .iter()
        .any(|o| matches!(o, Output::Upload(u) if u.id == upload.id))
    {
        keep.flight.push(Output::Upload(upload.clone()));
    }
    drop(keep);
    conv.act(Action::File(handle, FileState::Sending(0)));
    let progress = {
        let dispatch = conv.dispatch.clone();
        move |sent| dispatch.dispatch(Action::File(handle, FileState::Sending(sent)))
    };
    let done = {
        let conv = conv.clone();
        let id = upload.id;
        move |input: Input| {
            let ok = matches!(input, Input::Response { status, .. } if succeeded(status));
            settle_file(
                &conv,
                handle,
                if ok {
                    FileState::Sent
                } else {
                    FileState::Failed
                },
            );
            landed(&conv, id);
            feed(&conv, input);
        }
    };
    files::send(&upload, &file, progress, done);
}

/// Performs an integration call with the browser's fetch. It is aborted after the
/// request's timeout; a timeout, a network error and a CORS refusal all come back as
/// [`Input::NetworkError`], which the bot's failure rules handle. A failed call is also
/// a `chatlet:error` event for the page.
async fn perform(conv: &Conversation, request: chatlet_engine::Request) -> Input {
    let id = request.id;
    // Offline, the call waits for the network, up to its timeout (and is made once).
    let deadline = js_sys::Date::now() + f64::from(request.timeout_ms);
    while conv.offline.get() {
        if js_sys::Date::now() >= deadline {
            let error = format!("offline: no network within {} ms", request.timeout_ms);
            return failed(conv, &request, Input::NetworkError { id, error });
        }
        sleep(Duration::from_millis(200)).await;
    }
    let left = (deadline - js_sys::Date::now()).max(1.0) as u32;
    let signal = web_sys::AbortSignal::timeout_with_u32(left);
    let answer = async {
        // The request is built as the engine wrote it (gloo's builder would re-serialise
        // the URL and append a stray `&` to its query).
        let init = web_sys::RequestInit::new();
        init.set_method(&request.method);
        init.set_signal(Some(&signal));
        let headers = web_sys::Headers::new()?;
        for (key, value) in &request.headers {
            headers.append(key, value)?;
        }
        init.set_headers(&headers);
        if let Some(body) = &request.body {
            init.set_body(&wasm_bindgen::JsValue::from_str(body));
        }
        let sent = web_sys::Request::new_with_str_and_init(&request.url, &init)?;
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&sent))
            .await?
            .dyn_into()?;
        // The body is read under the same deadline, decoded as UTF-8 with replacement
        // characters for bad bytes (as the command line does).
        let body = JsFuture::from(response.text()?).await?;
        let body = body.as_string().unwrap_or_default();
        Ok::<_, wasm_bindgen::JsValue>((response.status(), body))
    };
    let input = match answer.await {
        Ok((status, body)) => Input::Response { id, status, body },
        Err(_) if signal.aborted() => Input::NetworkError {
            id,
            error: format!("no answer within {} ms", request.timeout_ms),
        },
        // The browser does not say why a fetch failed: the network, or CORS.
        Err(e) => Input::NetworkError {
            id,
            error: format!(
                "{} (a network error, or the API refused this page's origin (CORS))",
                String::from(e.unchecked_into::<js_sys::Error>().to_string())
            ),
        },
    };
    failed(conv, &request, input)
}

/// Tells the page about a call that failed (`chatlet:error`); gives back its input.
fn failed(conv: &Conversation, request: &chatlet_engine::Request, input: Input) -> Input {
    let failure = match &input {
        Input::Response { status, .. } if !succeeded(*status) => {
            obj([("status", (*status).into())])
        }
        Input::NetworkError { error, .. } => obj([("error", error.as_str().into())]),
        _ => Value::Null,
    };
    if let Value::Object(mut detail) = failure {
        detail.insert("kind".into(), "call".into());
        detail.insert("integration".into(), request.integration.as_str().into());
        detail.insert("url".into(), request.url.as_str().into());
        conv.emit("chatlet:error", Value::Object(detail));
    }
    input
}
