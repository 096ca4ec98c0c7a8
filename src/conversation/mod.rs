//! One window's conversation: it owns the engine session (through its [`Runner`], which
//! runs it in a worker when the bot has code), feeds it the visitor's and the page's
//! input, and performs what comes out. The window's view (`components`) only renders
//! the [`Chat`] state this updates through its reducer.
//!
//! By concern: this file holds the conversation's state, what the visitor and the page
//! send it, and where that goes; [`tabs`] who leads among the tabs that share it and
//! the browser going offline; [`keep`] what is stored and restored; [`deliver`] the
//! session's turns (pacing, typing, the transfer timeout); [`calls`] integration calls;
//! [`files`] files offered and uploaded.
//!
//! **Lifecycle.** Everything the conversation starts is owned by its state: timers
//! (`gloo-timers`), listeners (`gloo-events`), the fetches' abort controllers, the
//! upload's request, the runner and its worker. Long tasks hold a `Weak` and stop when
//! the window goes; when the window is destroyed, dropping the state cancels the timers,
//! removes the listeners, aborts what is in flight and terminates the worker: no event
//! fires, no request is sent and nothing is written afterwards.

mod calls;
mod deliver;
mod files;
mod keep;
mod tabs;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use chatlet_engine::{Bot, Input, Output};
use gloo_timers::callback::Timeout;
use js_sys::Reflect;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::{NodeRef, UseReducerDispatcher};

use crate::chat::{Action, Chat, Note, Stamp};
use crate::embed::MountOptions;
use crate::host::{self, HostCall};
use crate::protocol::Step;
use crate::runner::{Runner, Setup};
use crate::store::Persist;

use crate::protocol::Inbox;
pub use files::offer;
use keep::Keep;

/// Who answers the visitor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Mode {
    /// The bot.
    #[default]
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

/// A window's conversation, shared by its callbacks and async work.
pub struct Conversation {
    /// The conversation id (in every event for the page).
    pub id: Rc<str>,
    /// What the window was mounted with.
    pub options: Rc<MountOptions>,
    /// The text box (focused on open, after a choice, after a file is picked).
    pub input: NodeRef,
    /// The text box should take focus when it is drawn.
    pub wants_focus: Cell<bool>,
    /// When the last message time was taken (ms since the epoch).
    pub stamped: Cell<u64>,
    /// The bot's picture, checked: the page's `data-avatar`, else the bot's `avatar`.
    pub avatar: RefCell<Option<yew::AttrValue>>,
    dispatch: UseReducerDispatcher<Chat>,
    /// The conversation itself, for the timers it sets.
    me: Weak<Conversation>,
    /// Everything else the conversation holds: borrowed briefly, never across a call out.
    state: RefCell<State>,
}

/// A conversation's state.
#[derive(Default)]
struct State {
    runner: Option<Rc<Runner>>,
    /// What starts the session, until this window leads.
    setup: Option<Setup>,
    /// The file types the bot waits for, after the last turn.
    expect: Option<Vec<String>>,
    /// Input and variables that came before the bot was loaded.
    early: Vec<Early>,
    /// The page's variables (mount options, then `setVariable`), set again after a reset.
    variables: Vec<(String, Value)>,
    /// What the widget says for the visitor, unshown, when a conversation begins (the
    /// bot's `greeting`): at the start, and after a reset.
    greeting: Option<String>,
    mode: Mode,
    /// Visitor messages written while a transfer waits for the page's answer.
    held: Vec<String>,
    /// Counts transfers, so that a timeout only ends the transfer it was set for.
    transfers: u32,
    /// The page's last transfer timeout, running.
    transfer_timer: Option<Timeout>,
    /// Counts resets, so that what the old conversation had started stays unshown.
    epoch: u32,
    /// Messages (and uploads) held back for their delays, in order, each with when it is
    /// due (`Date.now()`, ms); one timer lets them out, so they keep their order.
    paced: VecDeque<(f64, Output)>,
    /// That timer.
    pacer: Option<Timeout>,
    /// Integration calls in flight, by request id: aborted when the window goes.
    fetches: Vec<(u64, web_sys::AbortController)>,
    files: files::Files,
    /// This window runs the session and writes what is kept; see [`tabs`].
    lead: bool,
    /// The browser is offline.
    offline: bool,
    /// What is kept between page loads.
    keep: Keep,
    /// The page's window events (online, offline, storage, pagehide), the leader's
    /// channel for files from other tabs, and the release of the leader's lock.
    tabs: tabs::Tabs,
}

/// A shared [`Conversation`].
pub type Shared = Rc<Conversation>;

impl Drop for Conversation {
    fn drop(&mut self) {
        // The state's timers and listeners go with it; what is in flight stops now.
        let state = self.state.get_mut();
        for (_, controller) in state.fetches.drain(..) {
            controller.abort();
        }
        state.files.abort();
        tabs::release(&mut state.tabs);
        crate::store::release(&self.options.key);
    }
}

impl Conversation {
    /// A conversation not yet started: the bot is being loaded. `me` is its own
    /// [`Shared`] handle (`Rc::new_cyclic`).
    pub fn new(
        id: Rc<str>,
        options: Rc<MountOptions>,
        dispatch: UseReducerDispatcher<Chat>,
        me: Weak<Conversation>,
    ) -> Conversation {
        let state = State {
            variables: options.variables.clone(),
            ..State::default()
        };
        Conversation {
            id,
            options,
            input: NodeRef::default(),
            wants_focus: Cell::new(false),
            stamped: Cell::new(0),
            avatar: RefCell::default(),
            dispatch,
            me,
            state: RefCell::new(state),
        }
    }

    /// Runs `f` on the state (a short borrow: `f` must not call out of the conversation).
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.borrow_mut())
    }

    /// Dispatches the event of `detail` on the widget's host element, with the
    /// conversation id.
    pub fn emit(&self, detail: &impl crate::events::Event) {
        host::emit(&self.options.host, &self.id, detail);
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
        let save_now = action.kept();
        if save_now {
            self.with(|s| s.keep.push_action(action.clone()));
        }
        self.dispatch.dispatch(action);
        if save_now {
            keep::save_soon(self);
        }
    }

    pub(crate) fn runner(&self) -> Option<Rc<Runner>> {
        self.with(|s| s.runner.clone())
    }
}

/// A weak handle that a long task holds: it stops when the window is gone.
fn weak(conv: &Shared) -> Weak<Conversation> {
    Rc::downgrade(conv)
}

/// Drops `value` (a timer or a listener) after the callback running now: one must not
/// be freed while its own callback runs.
fn drop_later<T: 'static>(value: T) {
    spawn_local(async move { drop(value) });
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

/// What the visitor wrote, for the person who has the conversation.
fn to_person(conv: &Conversation, text: String) {
    conv.emit(&crate::events::VisitorMessage { text });
}

/// The bot (loaded from `text`) is ready: the conversation starts (or goes on where an
/// earlier page load left it), with what came before. A window whose conversation another
/// tab leads follows that tab until it leads in turn (see [`tabs`]).
#[inline(never)] // not inside the loading future's state machine
pub fn start(conv: &Shared, bot: Bot, compiled: Vec<u8>) {
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
    let forever = keep::forever(conv);
    conv.with(|s| {
        s.keep.open(options, &bot);
        s.greeting = bot.settings().greeting.clone();
        s.setup = Some(Setup {
            bot: Arc::new(bot),
            compiled,
            conversation_id: conv.id.to_string(),
            host: options.host_info.clone(),
            glue: options.glue.clone(),
            forever,
            code_on_page: options.code_on_page,
        });
    });
    // The messages the visitor sent while the bot was loading (shown, and the page
    // heard of them): they go after a kept transcript, or to the tab that leads.
    let early_shown = conv.with(|s| s.keep.take_actions());
    conv.act(Action::Loaded(shown));
    tabs::listen(conv);
    // Tabs share a conversation through the storage: without it (refused), each leads.
    let shared = options.persist == Persist::Local && conv.with(|s| s.keep.area.is_some());
    if !shared || !tabs::ask_to_lead(conv) {
        tabs::lead(conv, early_shown);
    } else {
        if !early_shown.is_empty() {
            conv.dispatch.dispatch(Action::Reset);
        }
        if let Some(saved) = keep::kept(conv) {
            tabs::follow_saved(conv, saved);
        }
    }
    conv.emit(&crate::events::Ready { bot: title });
    for early in conv.with(|s| std::mem::take(&mut s.early)) {
        match early {
            Early::Input(Input::Text(text)) if tabs::following(conv) => {
                tabs::to_leader(conv, Inbox::Send(text.clone(), text))
            }
            Early::Input(input) => feed(conv, input),
            Early::Variable(name, value) => set_variable(conv, name, value),
        }
    }
}

/// The page's call, checked now (an `Err` is thrown to the page) and performed outside
/// whatever is running (see [`crate::host`]).
pub fn on_host(conv: &Shared, call: HostCall) -> Result<(), String> {
    if let HostCall::TransferOutcome(accepted, _) = &call {
        let accepted = *accepted;
        let waiting = conv.with(|s| {
            let waiting = s.mode == Mode::AwaitingTransfer;
            if waiting {
                s.mode = if accepted { Mode::Agent } else { Mode::Bot };
                s.transfer_timer = None;
            }
            waiting
        });
        if !waiting {
            return Err("chatlet.reportTransfer: no transfer is waiting for an outcome".into());
        }
    }
    let conv = weak(conv);
    spawn_local(async move {
        if let Some(conv) = conv.upgrade() {
            perform_call(&conv, call)
        }
    });
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
            for text in conv.with(|s| std::mem::take(&mut s.held)) {
                to_person(conv, text);
            }
        }
        HostCall::TransferOutcome(false, _) => {
            // What the visitor wrote meanwhile stays in the transcript; the bot answers
            // the failure (CB's __agent_escalation_failed__ event), not those messages.
            conv.with(|s| s.held.clear());
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
            conv.with(|s| {
                s.held.clear();
                s.mode = Mode::Bot;
            });
            conv.act(Action::WithAgent(false));
        }
    }
}

/// A page variable: for the session now (or once the bot is loaded, in its turn among
/// the early input), and again after every reset.
fn set_variable(conv: &Shared, name: String, value: Value) {
    if tabs::following(conv) {
        return tabs::to_leader(conv, Inbox::Variable(name, value));
    }
    match conv.runner() {
        Some(r) => r.post(Step::Variable(name.clone(), value.clone())),
        None => conv.with(|s| s.early.push(Early::Variable(name.clone(), value.clone()))),
    }
    conv.with(|s| {
        s.variables.retain(|(n, _)| *n != name);
        s.variables.push((name, value));
    });
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
    if tabs::following(conv) {
        return tabs::to_leader(conv, Inbox::Send(shown, payload));
    }
    let offline = conv.with(|s| {
        if s.offline {
            s.keep.pending.push(payload.clone());
        }
        s.offline
    });
    if offline {
        return conv.act(Action::Pending(shown));
    }
    conv.act(Action::Visitor(shown));
    route(conv, payload);
}

/// Hands what the visitor wrote to whoever answers.
fn route(conv: &Shared, payload: String) {
    match conv.with(|s| s.mode) {
        Mode::Bot => {
            let conv = weak(conv);
            spawn_local(async move {
                if let Some(conv) = conv.upgrade() {
                    feed(&conv, Input::Text(payload))
                }
            });
        }
        Mode::AwaitingTransfer => conv.with(|s| s.held.push(payload)),
        Mode::Agent => to_person(conv, payload),
    }
}

/// Starts the conversation over with the same bot: the page's variables stay.
fn reset(conv: &Shared) {
    if tabs::following(conv) {
        return tabs::to_leader(conv, Inbox::Reset);
    }
    let runner = conv.with(|s| {
        s.epoch += 1;
        s.paced.clear();
        s.pacer = None;
        s.mode = Mode::Bot;
        s.transfer_timer = None;
        s.held.clear();
        s.early.clear();
        s.files.forget();
        s.runner.clone()
    });
    if let Some(r) = &runner {
        conv.with(|s| s.keep.forget_steps(r.log().len()));
        r.post(Step::Input(Input::Reset));
        for (name, value) in conv.with(|s| s.variables.clone()) {
            r.post(Step::Variable(name, value));
        }
    }
    conv.with(|s| s.keep.forget_transcript());
    conv.act(Action::Reset);
    // A new conversation: a bot that speaks first does so again.
    if let (Some(r), Some(greeting)) = (&runner, conv.with(|s| s.greeting.clone())) {
        r.post(Step::Input(Input::Text(greeting)));
    }
    keep::save(conv);
}

/// Gives the session an input (or keeps it until the bot is loaded); its turn comes to
/// [`deliver::on_turn`].
pub fn feed(conv: &Shared, input: Input) {
    match conv.runner() {
        Some(r) => r.post(Step::Input(input)),
        None => conv.with(|s| s.early.push(Early::Input(input))),
    }
}
