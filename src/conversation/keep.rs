//! What a conversation stores between page loads and restores (`data-persist`): the
//! transcript's actions and the session's steps as text written an item at a time
//! (`saved::ListText`), the calls in flight, the visitor's offline messages; saved once
//! per turn, after the browser has drawn it (a timer), and when the page is left. The
//! stored form itself is `crate::saved`'s, tested natively.

use std::cell::Cell;

use chatlet_engine::{Bot, Input, Output};
use gloo_timers::callback::Timeout;
use serde_json::Value;

use super::{deliver, files, tabs, Conversation, Mode, Shared};
use crate::chat::{Action, FileState};
use crate::embed::MountOptions;
use crate::saved::{Answering, ListText, Parts, Saved};
use crate::store::{self, Persist};

/// What is kept, and where.
#[derive(Default)]
pub struct Keep {
    pub area: Option<web_sys::Storage>,
    /// The revision of the state last written or taken.
    pub rev: u64,
    /// How long a kept conversation may stay idle.
    idle_ms: f64,
    /// What the visitor wrote offline, not sent yet.
    pub pending: Vec<String>,
    /// The bot's fingerprint; empty until the bot is loaded (nothing is kept before).
    pub bot: String,
    /// The actions that drew the transcript (those [`Action::kept`]): changed through
    /// [`Keep::set_actions`] and [`Keep::push_action`], which keep `actions_text` in step.
    pub actions: Vec<Action>,
    /// `actions` as stored text.
    actions_text: ListText,
    /// The runner's steps from `from` on, as stored text (those written so far).
    steps_text: ListText,
    /// Requests and uploads not answered yet.
    pub flight: Vec<Output>,
    /// The first step kept: a reset forgets the steps before it (replaying the rest into
    /// a new session gives the same state).
    from: usize,
    /// A refusal by the storage was warned about.
    pub warned: Cell<bool>,
    /// A save is due, by this timer: it runs once the browser has drawn what changed
    /// (one save for all the changes of a turn, outside the time from Enter to the
    /// reply), or when the page is left.
    due: Option<Timeout>,
}

impl Keep {
    /// Where and how long the conversation of `bot` is kept.
    pub fn open(&mut self, options: &MountOptions, bot: &Bot) {
        self.area = options.persist.area();
        self.bot = bot.fingerprint().to_string();
        self.idle_ms = options
            .idle_minutes
            .map(|m| m * 60_000.0)
            .or(bot
                .settings()
                .session_length_s
                .map(|s| f64::from(s) * 1000.0))
            .unwrap_or(crate::saved::IDLE_MS);
    }

    pub fn push_action(&mut self, action: Action) {
        self.actions_text.push(&action);
        self.actions.push(action);
    }

    pub fn set_actions(&mut self, actions: Vec<Action>) {
        self.actions_text = actions.iter().collect();
        self.actions = actions;
    }

    pub fn take_actions(&mut self) -> Vec<Action> {
        self.actions_text.clear();
        std::mem::take(&mut self.actions)
    }

    /// A reset: the steps before `from` are not kept.
    pub fn forget_steps(&mut self, from: usize) {
        self.from = from;
        self.steps_text.clear();
    }

    /// A reset: nothing of the transcript is kept.
    pub fn forget_transcript(&mut self) {
        self.take_actions();
        self.flight.clear();
        self.pending.clear();
    }

    /// The request or upload `id` was answered: no longer in flight.
    pub fn landed(&mut self, id: u64) {
        self.flight.retain(|o| match o {
            Output::Request(r) => r.id != id,
            Output::Upload(u) => u.id != id,
            _ => true,
        });
    }

    /// Is a save waiting for its timer?
    pub fn is_due(&self) -> bool {
        self.due.is_some()
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

/// The forever-scoped variables kept from the bot's earlier conversations (an object).
pub fn forever(conv: &Conversation) -> Value {
    forever_area(conv)
        .and_then(|a| store::read(&a, &forever_key(conv)))
        .and_then(|t| crate::json::from_text::<Value>(&t).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Default::default()))
}

/// Keeps the forever-scoped variables a turn changed.
pub fn keep_forever(conv: &Conversation, forever: &Value) {
    if let Some(area) = forever_area(conv) {
        let text = crate::json::to_text(forever);
        conv.with(|s| store::write(&area, &forever_key(conv), &text, &s.keep.warned));
    }
}

/// The conversation kept for this bot from an earlier page load (or by the tab that
/// leads), if it can be used; one that cannot is forgotten, with the reason on the
/// console.
pub fn kept(conv: &Conversation) -> Option<Saved> {
    let (area, fingerprint, idle) =
        conv.with(|s| (s.keep.area.clone(), s.keep.bot.clone(), s.keep.idle_ms));
    let area = area?;
    let key = &conv.options.key;
    let text = store::read(&area, key)?;
    match Saved::from_json(&text, &fingerprint, js_sys::Date::now(), idle) {
        Ok(saved) => {
            conv.with(|s| s.keep.rev = saved.rev);
            Some(saved)
        }
        Err(why) => {
            store::warn(&(why + "; a new conversation starts"));
            store::remove(&area, key);
            None
        }
    }
}

/// Reads a newer state another tab stored (`text`), if it can be used.
pub fn newer(conv: &Conversation, text: &str) -> Option<Saved> {
    let (fingerprint, idle, rev) = conv.with(|s| (s.keep.bot.clone(), s.keep.idle_ms, s.keep.rev));
    Saved::from_json(text, &fingerprint, js_sys::Date::now(), idle)
        .ok()
        .filter(|saved| saved.rev > rev)
}

/// Redraws a kept conversation and deals with what was in flight when the page was left:
/// a GET is sent again, any other call is not (a POST must never go twice) and takes its
/// failure rule, an upload (its file went with the page) fails. What the visitor wrote
/// offline is sent if the network is back. `early_shown` (shown before the bot was
/// loaded) is drawn after the kept transcript.
pub fn resume(conv: &Shared, saved: Saved, early_shown: Vec<Action>) {
    let last = saved
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::FileOffered { handle, .. } => Some(*handle),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    conv.with(|s| s.files.after(last));
    if !early_shown.is_empty() {
        conv.dispatch.dispatch(Action::Reset);
    }
    tabs::draw(conv, saved.actions);
    for action in early_shown {
        conv.with(|s| s.keep.push_action(action.clone()));
        conv.dispatch.dispatch(action);
    }
    let mode = match saved.answering {
        Answering::Bot => Mode::Bot,
        Answering::Transfer => Mode::AwaitingTransfer,
        Answering::Agent => Mode::Agent,
    };
    conv.with(|s| {
        s.keep.pending = saved.pending;
        s.mode = mode;
    });
    if mode == Mode::AwaitingTransfer {
        deliver::await_transfer(conv, 0);
    }
    conv.dispatch.dispatch(Action::Resumed(mode != Mode::Bot));
    for output in saved.flight {
        match output {
            Output::Request(request) if request.method == "GET" => {
                super::calls::call(conv, request)
            }
            Output::Request(request) => super::feed(
                conv,
                Input::NetworkError {
                    id: request.id,
                    error: "the page was left during this call (not a GET): it is not sent again"
                        .into(),
                },
            ),
            Output::Upload(upload) => {
                files::settle(conv, upload.file, FileState::Failed);
                let error = "the page was left during the upload; the file went with it".into();
                super::feed(
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
    tabs::flush_pending(conv);
}

/// Stores the conversation soon: after the browser has drawn what changed (a timer),
/// once for all that changed meanwhile.
pub fn save_soon(conv: &Conversation) {
    let Ok(mut state) = conv.state.try_borrow_mut() else {
        return;
    };
    if state.keep.is_due() || state.keep.bot.is_empty() {
        return;
    }
    let conv = conv.me.clone();
    state.keep.due = Some(Timeout::new(0, move || {
        if let Some(conv) = conv.upgrade() {
            save(&conv);
        }
    }));
}

/// Stores the conversation (after each turn and each change to the transcript), when
/// this window leads it.
pub fn save(conv: &Conversation) {
    let Ok(mut state) = conv.state.try_borrow_mut() else {
        return;
    };
    let state = &mut *state;
    // Called by its own timer, too: freed after it.
    if let Some(timer) = state.keep.due.take() {
        super::drop_later(timer);
    }
    let (Some(area), Some(runner)) = (state.keep.area.clone(), state.runner.clone()) else {
        return;
    };
    if !state.lead {
        return;
    }
    let answering = match state.mode {
        Mode::Bot => Answering::Bot,
        Mode::AwaitingTransfer => Answering::Transfer,
        Mode::Agent => Answering::Agent,
    };
    let keep = &mut state.keep;
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
        keep.steps_text.push(step);
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
        expect: state.expect.as_deref(),
    });
    store::write(&area, &conv.options.key, &text, &keep.warned);
}
