//! The chat window's state: what the visitor sees, changed only through [`Action`]s.
//! Plain Rust (no browser types), so it is tested natively.

use std::rc::Rc;

use chatlet_engine::{ChoiceOut, Output};
use serde::{Deserialize, Serialize};

use crate::rich;
use crate::strings::Strings;

pub use entry::{Author, Body, Entry, FileState, Note, Person, Stamp};

/// Where the widget is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The bot file is being fetched.
    Loading,
    /// Ready to chat.
    Ready,
    /// The bot could not be loaded (the console and a `chatlet:error` event say why).
    Failed,
}

/// The chat window's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chat {
    /// Messages, oldest first.
    pub entries: Vec<Rc<Entry>>,
    /// Loading, ready or failed.
    pub status: Status,
    /// The bot's name, for the header (until the bot is loaded: none).
    pub title: Option<String>,
    /// The bot is busy (an integration call is in flight): show it typing.
    pub typing: bool,
    /// The file extensions the bot is asking for, while it asks for a file.
    pub accept: Option<Vec<String>>,
    /// A file is being dragged over the window: show the drop zone.
    pub dragging: bool,
    /// Transfers requested so far, the latest last (the host page hears of each); a
    /// reset keeps them.
    pub transfers: Vec<Transfer>,
    /// The id the next message gets. Ids are never reused, not even after a reset, so
    /// the page hears of each message once and the list's keys stay unique.
    pub next_id: usize,
    /// The conversation was kept from an earlier page load and redrawn.
    pub resumed: Option<Resumed>,
    /// The browser is offline: the window says so.
    pub offline: bool,
    /// Messages held back for their delay: the bot shows as typing meanwhile.
    pub pacing: u32,
    /// The time new messages get.
    pub clock: Stamp,
    /// The time now, for "now" labels (milliseconds since the epoch).
    pub now: u64,
    /// The person who took over, as the page last named them.
    pub agent: Option<Rc<Person>>,
}

/// What was redrawn from an earlier page load: the page heard of it then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resumed {
    /// Messages with a smaller id were redrawn.
    pub before: usize,
    /// How many transfers were redrawn.
    pub transfers: usize,
    /// The last of them is still under way (awaiting the page, or with a person): the
    /// page hears of it again, marked resumed, so its desk can re-attach.
    pub transfer_active: bool,
}

/// A hand-over to a person, as the host page hears of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The skill id.
    pub skill: String,
    /// A preferred agent, if any.
    pub agent: Option<String>,
    /// The transfer message, if any.
    pub message: Option<String>,
    /// Pass the bot's context along.
    pub context: bool,
}

impl Default for Chat {
    fn default() -> Self {
        Chat {
            entries: vec![],
            status: Status::Loading,
            title: None,
            typing: false,
            accept: None,
            dragging: false,
            transfers: vec![],
            resumed: None,
            next_id: 0,
            offline: false,
            pacing: 0,
            clock: Stamp::default(),
            now: 0,
            agent: None,
        }
    }
}

/// Everything that changes the chat window. Those that change the transcript
/// ([`Action::kept`]) are stored with the conversation, as serde writes them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The bot loaded; its name titles the window.
    Loaded(String),
    /// The bot failed to load.
    Failed,
    /// Loading the bot again (after a failure).
    Retry,
    /// The page asked to start over: an empty conversation with the same bot.
    Reset,
    /// The visitor sent a message (typed, or a choice's title).
    Visitor(String),
    /// The engine produced an output to show.
    Bot(Output),
    /// The bot started or stopped working on an answer.
    Typing(bool),
    /// A message held back for its delay (the bot "types" meanwhile), or one let out.
    Pace(bool),
    /// The time messages from now on arrive at.
    Clock(Stamp),
    /// The time now (milliseconds since the epoch): "now" labels age.
    Tick(u64),
    /// The page named the person who took over.
    Person(Person),
    /// The bot asks for a file of these extensions, or (`None`) does not.
    Expect(Option<Vec<String>>),
    /// A file started or stopped being dragged over the window.
    Dragging(bool),
    /// The visitor offered a file.
    FileOffered {
        /// The widget's handle for it.
        handle: u64,
        /// Its name.
        name: String,
        /// Its size in bytes.
        size: u64,
    },
    /// A file's upload moved on.
    File(u64, FileState),
    /// A note from the widget itself (transfer outcomes, refused drops).
    Note(Note),
    /// A person took the conversation over (`true`) or handed it back (`false`).
    WithAgent(bool),
    /// The person who took over wrote this.
    Agent(String),
    /// The transcript kept from an earlier page load has been redrawn; whether its last
    /// transfer is still under way.
    Resumed(bool),
    /// The visitor wrote this while offline: shown, sent when the network is back.
    Pending(String),
    /// The pending messages were sent.
    Sent,
    /// The browser went offline (`true`) or back online.
    Offline(bool),
}

impl Action {
    /// Is it kept with the conversation (it changes the transcript)? Typing, dragging,
    /// progress and the like are not.
    pub fn kept(&self) -> bool {
        match self {
            Action::File(_, state) => {
                matches!(
                    state,
                    FileState::Refused | FileState::Sent | FileState::Failed
                )
            }
            Action::Visitor(_)
            | Action::Bot(_)
            | Action::Agent(_)
            | Action::Note(_)
            | Action::FileOffered { .. }
            | Action::WithAgent(_)
            | Action::Clock(_)
            | Action::Person(_)
            | Action::Pending(_)
            | Action::Sent => true,
            Action::Loaded(_)
            | Action::Failed
            | Action::Retry
            | Action::Reset
            | Action::Typing(_)
            | Action::Pace(_)
            | Action::Tick(_)
            | Action::Expect(_)
            | Action::Dragging(_)
            | Action::Resumed(_)
            | Action::Offline(_) => false,
        }
    }

    /// Does it add a message to the list (so it is stamped with the time)?
    pub fn adds_message(&self) -> bool {
        match self {
            Action::Visitor(_)
            | Action::Pending(_)
            | Action::Agent(_)
            | Action::Note(_)
            | Action::WithAgent(_)
            | Action::FileOffered { .. } => true,
            Action::Bot(output) => !matches!(
                output,
                Output::Request(_)
                    | Output::Upload(_)
                    | Output::AskFile { .. }
                    | Output::FileRefused { .. }
                    | Output::Debug { .. }
                    | Output::ScriptError { .. }
            ),
            _ => false,
        }
    }
}

impl Chat {
    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Loaded(title) => {
                self.status = Status::Ready;
                self.title = Some(title);
            }
            Action::Resumed(transfer_active) => {
                self.resumed = Some(Resumed {
                    before: self.next_id,
                    transfers: self.transfers.len(),
                    transfer_active,
                })
            }
            Action::Failed => self.status = Status::Failed,
            Action::Retry => self.status = Status::Loading,
            Action::Reset => {
                *self = Chat {
                    status: self.status.clone(),
                    title: self.title.take(),
                    transfers: std::mem::take(&mut self.transfers),
                    next_id: self.next_id,
                    offline: self.offline,
                    clock: self.clock.clone(),
                    now: self.now,
                    ..Chat::default()
                }
            }
            Action::Typing(busy) => self.typing = busy,
            Action::Clock(stamp) => {
                self.now = self.now.max(stamp.ms);
                self.clock = stamp;
            }
            Action::Tick(now) => self.now = now,
            Action::Person(person) => self.agent = Some(Rc::new(person)),
            Action::Pace(held) => {
                self.pacing = match held {
                    true => self.pacing + 1,
                    false => self.pacing.saturating_sub(1),
                }
            }
            Action::Expect(accept) => self.accept = accept,
            Action::Dragging(on) => self.dragging = on,
            Action::FileOffered { handle, name, size } => {
                self.dragging = false;
                let state = FileState::Checking;
                self.push(
                    Author::Visitor,
                    Body::File {
                        handle,
                        name,
                        size,
                        state,
                    },
                    vec![],
                )
            }
            Action::File(of, next) => {
                for entry in &mut self.entries {
                    let Body::File { handle, state, .. } = &entry.body else {
                        continue;
                    };
                    // A late progress event never undoes the outcome.
                    let settled = matches!(state, FileState::Sent | FileState::Failed);
                    if *handle == of && !(settled && matches!(next, FileState::Sending(_))) {
                        if let Body::File { state, .. } = &mut Rc::make_mut(entry).body {
                            *state = next;
                        }
                    }
                }
            }
            Action::Note(note) => self.push(Author::System, Body::Note(note), vec![]),
            Action::WithAgent(on) => {
                let note = if on {
                    Note::AgentJoined
                } else {
                    Note::BackToBot
                };
                self.push(Author::System, Body::Note(note), vec![]);
            }
            Action::Agent(text) => self.push(Author::Agent, Body::Text(text), vec![]),
            Action::Visitor(text) => self.push(Author::Visitor, Body::Text(text), vec![]),
            Action::Pending(text) => {
                self.push(Author::Visitor, Body::Text(text), vec![]);
                if let Some(e) = self.entries.last_mut() {
                    Rc::make_mut(e).pending = true;
                }
            }
            Action::Sent => self
                .entries
                .iter_mut()
                .filter(|e| e.pending)
                .for_each(|e| Rc::make_mut(e).pending = false),
            Action::Offline(off) => self.offline = off,
            Action::Bot(output) => match output {
                Output::Text {
                    text,
                    markup,
                    choices,
                    chips,
                    ..
                } => {
                    let body = match markup {
                        true => Body::Markup(text),
                        false => Body::Text(text),
                    };
                    self.push(Author::Bot, body, choices);
                    if let Some(e) = self.entries.last_mut() {
                        Rc::make_mut(e).chips = chips;
                    }
                }
                Output::Image { url, caption, .. } => {
                    self.push(Author::Bot, Body::Image { url, caption }, vec![])
                }
                Output::End { .. } => self.push(Author::System, Body::Note(Note::Ended), vec![]),
                Output::Cards { cards } if cards.is_empty() => {}
                Output::Cards { cards } => {
                    let content = rich::from_cards(&cards);
                    self.push(Author::Bot, Body::Rich(Rc::new(content)), vec![])
                }
                Output::Rich { content } => {
                    self.push(Author::Bot, Body::Rich(Rc::new(content)), vec![])
                }
                Output::Transfer {
                    skill,
                    agent,
                    message,
                    context,
                    ..
                } => {
                    if let Some(text) = &message {
                        self.push(Author::Bot, Body::Text(text.clone()), vec![]);
                    }
                    self.push(Author::System, Body::Note(Note::Transferring), vec![]);
                    self.transfers.push(Transfer {
                        skill,
                        agent,
                        message,
                        context,
                    });
                }
                // Performed by the conversation, or notes for the bot author.
                Output::Request(_)
                | Output::Upload(_)
                | Output::AskFile { .. }
                | Output::FileRefused { .. }
                | Output::Debug { .. }
                | Output::ScriptError { .. } => {}
            },
        }
    }

    /// Whether the window shows the bot typing: loading, waiting for a call, or holding
    /// a message for its delay.
    pub fn busy(&self) -> bool {
        self.typing || self.pacing > 0 || self.status == Status::Loading
    }

    /// The choices the visitor can still pick: those of the latest message, if it is the bot's.
    pub fn live_choices(&self) -> &[ChoiceOut] {
        match self.entries.last() {
            Some(e) if e.author == Author::Bot => &e.choices,
            _ => &[],
        }
    }

    /// The conversation so far as `(author, text)` pairs, for the host page.
    pub fn transcript(&self, strings: &Strings) -> Vec<(&'static str, String)> {
        self.entries
            .iter()
            .map(|e| (e.author.name(), e.body.plain(strings)))
            .collect()
    }

    fn push(&mut self, author: Author, body: Body, choices: Vec<ChoiceOut>) {
        let id = self.next_id;
        self.next_id += 1;
        let person = (author == Author::Agent)
            .then(|| self.agent.clone())
            .flatten();
        self.entries.push(Rc::new(Entry {
            id,
            author,
            person,
            at: self.clock.clone(),
            body,
            choices,
            chips: 0,
            pending: false,
        }));
    }
}

mod entry;
#[cfg(test)]
mod tests;
