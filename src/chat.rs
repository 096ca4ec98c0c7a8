//! The chat window's state: what the visitor sees, changed only through [`Action`]s.
//! Plain Rust (no browser types), so it is tested natively.

use std::rc::Rc;

use chatlet_engine::{ChoiceOut, Output};
use serde_json::Value;

use crate::rich;
use crate::strings::Strings;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author {
    /// The visitor.
    Visitor,
    /// The bot.
    Bot,
    /// The person the conversation was transferred to.
    Agent,
    /// The widget itself (errors, conversation ended).
    System,
}

impl Author {
    /// How the host page's events name it.
    pub fn name(self) -> &'static str {
        match self {
            Author::Visitor => "visitor",
            Author::Bot => "bot",
            Author::Agent => "agent",
            Author::System => "system",
        }
    }
}

/// What a message shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Plain text (rendered as text, never as markup; web addresses in a bot's or an
    /// agent's become links).
    Text(String),
    /// A bot's text in CB's allowed HTML subset, as its author wrote it (the values in it
    /// are escaped by the engine), drawn by `markup.rs`.
    Markup(String),
    /// A note from the widget itself, in the page's language.
    Note(Note),
    /// An image.
    Image {
        /// Its URL.
        url: String,
        /// Its caption, shown under it (may be empty).
        caption: String,
    },
    /// LivePerson rich content, drawn as its structure says (STRUCTURED cards too, as
    /// a card or a carousel: [`rich::from_cards`]).
    Rich(Rc<Value>),
    /// A file the visitor offered, with how its upload is going.
    File {
        /// The widget's handle for it.
        handle: u64,
        /// Its name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// Where its upload is.
        state: FileState,
    },
}

impl Body {
    /// The message as one line of text for the host page (an image or a file as its
    /// kind and name).
    pub fn plain(&self, strings: &Strings) -> String {
        match self {
            Body::Text(t) | Body::Markup(t) => t.clone(),
            Body::Note(note) => strings.get(note.key()).to_string(),
            Body::Image { url, .. } => format!("[image] {url}"),
            Body::Rich(content) => {
                let mut words = Vec::new();
                rich::words_of(content, &mut words);
                format!("[card] {}", words.join(" "))
            }
            Body::File { name, .. } => format!("[file] {name}"),
        }
    }
}

/// What the widget itself says in the conversation (keys of `www/strings.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// The bot handed the conversation to a person.
    Transferring,
    /// The page reported that the transfer failed.
    TransferFailed,
    /// A person took the conversation.
    AgentJoined,
    /// The person handed the conversation back to the bot.
    BackToBot,
    /// The bot closed the conversation.
    Ended,
    /// A file arrived while the bot was not asking for one.
    NotAsked,
}

impl Note {
    /// Every note.
    pub const ALL: [Note; 6] = [
        Note::Transferring,
        Note::TransferFailed,
        Note::AgentJoined,
        Note::BackToBot,
        Note::Ended,
        Note::NotAsked,
    ];

    /// Its key in the strings table.
    pub fn key(self) -> &'static str {
        match self {
            Note::Transferring => "transferring",
            Note::TransferFailed => "transferFailed",
            Note::AgentJoined => "agentJoined",
            Note::BackToBot => "backToBot",
            Note::Ended => "ended",
            Note::NotAsked => "notAsked",
        }
    }
}

/// Where a file the visitor offered is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileState {
    /// The bot is judging it (size, type).
    Checking,
    /// Refused before any byte was sent.
    Refused,
    /// Being sent: bytes sent so far.
    Sending(u64),
    /// Sent, and the File integration accepted it.
    Sent,
    /// Sending failed, or the File integration refused it.
    Failed,
}

/// The person who took the conversation over, as the page names them (both optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// Their name.
    pub name: Option<String>,
    /// Their picture's URL (checked where it is drawn).
    pub avatar: Option<String>,
}

/// When a message arrived: milliseconds since the epoch, and the clock time as the page's
/// language writes it ("14:05", "2:05 PM"), made by the browser when the time was taken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    /// Milliseconds since the epoch (0: unknown, as in a conversation kept before times were).
    pub ms: u64,
    /// The clock time, written out.
    pub clock: Rc<str>,
}

impl Stamp {
    /// The time as `<time datetime>` wants it: `2026-12-07T14:05:00Z` (UTC).
    pub fn iso(&self) -> String {
        let secs = self.ms / 1000;
        let (days, rest) = (secs / 86_400, secs % 86_400);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        )
    }
}

/// One message in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its number in the window's life (a stable key for rendering, never reused).
    pub id: usize,
    /// Who wrote it.
    pub author: Author,
    /// The person, for a message from the person who took over (when the page named them).
    pub person: Option<Rc<Person>>,
    /// When it arrived.
    pub at: Stamp,
    /// What it shows.
    pub body: Body,
    /// Choices offered with it.
    pub choices: Vec<ChoiceOut>,
    /// Quick replies: its choices are chips, this many to a row, gone once the visitor
    /// answers (0: buttons, disabled once answered).
    pub chips: u8,
    /// A visitor's message written offline, not sent yet.
    pub pending: bool,
}

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

/// Everything that changes the chat window.
#[derive(Clone, Debug, PartialEq)]
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
                Output::Cards(cards) if cards.is_empty() => {}
                Output::Cards(cards) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str, choices: &[&str]) -> Output {
        let choices = choices
            .iter()
            .map(|c| ChoiceOut {
                title: c.to_string(),
                payload: c.to_lowercase(),
                url: None,
            })
            .collect();
        Output::Text {
            text: t.into(),
            markup: false,
            choices,
            chips: 0,
            delay_ms: 0,
        }
    }

    #[test]
    fn messages_accumulate_with_stable_ids() {
        let mut chat = Chat::default();
        assert_eq!(chat.status, Status::Loading);
        chat.apply(Action::Loaded("Demo".into()));
        chat.apply(Action::Visitor("hi".into()));
        chat.apply(Action::Bot(text("Hello", &[])));
        chat.apply(Action::Bot(Output::Debug {
            message: "never shown".into(),
        }));
        assert_eq!(
            (chat.status.clone(), chat.title.as_deref()),
            (Status::Ready, Some("Demo"))
        );
        let ids: Vec<_> = chat.entries.iter().map(|e| (e.id, e.author)).collect();
        assert_eq!(ids, vec![(0, Author::Visitor), (1, Author::Bot)]);
    }

    #[test]
    fn messages_written_offline_are_pending_until_sent() {
        let mut chat = Chat::default();
        chat.apply(Action::Offline(true));
        chat.apply(Action::Visitor("hi".into()));
        chat.apply(Action::Pending("still there?".into()));
        chat.apply(Action::Pending("hello?".into()));
        let pending: Vec<_> = chat.entries.iter().map(|e| e.pending).collect();
        assert_eq!(pending, [false, true, true]);
        assert!(chat.offline);
        chat.apply(Action::Reset);
        assert!(chat.offline, "a reset does not change the network");
        chat.apply(Action::Pending("again".into()));
        chat.apply(Action::Offline(false));
        chat.apply(Action::Sent);
        assert!(!chat.offline && chat.entries.iter().all(|e| !e.pending));
    }

    #[test]
    fn transfers_are_recorded_for_the_host() {
        let mut chat = Chat::default();
        chat.apply(Action::Visitor("agent".into()));
        chat.apply(Action::Bot(Output::Transfer {
            skill: "12".into(),
            agent: Some("7".into()),
            message: Some("One moment.".into()),
            context: false,
            delay_ms: 0,
        }));
        assert_eq!(chat.transfers.len(), 1);
        assert_eq!(chat.transfers[0].agent.as_deref(), Some("7"));
        chat.apply(Action::WithAgent(true));
        chat.apply(Action::Agent("Hi, I am Ana.".into()));
        let strings = Strings::new(vec![("agentJoined".to_string(), "Ana joined".to_string())]);
        let transcript = chat.transcript(&strings);
        let authors: Vec<_> = transcript.iter().map(|(a, _)| *a).collect();
        assert_eq!(authors, ["visitor", "bot", "system", "system", "agent"]);
        assert_eq!(
            transcript[2].1, "transferring",
            "a key the table lacks shows itself"
        );
        assert_eq!(transcript[3].1, "Ana joined");
    }

    #[test]
    fn a_reset_empties_the_conversation_and_keeps_the_bot() {
        let mut chat = Chat::default();
        chat.apply(Action::Loaded("Demo".into()));
        chat.apply(Action::Visitor("hi".into()));
        chat.apply(Action::Typing(true));
        chat.apply(Action::Reset);
        assert!(chat.entries.is_empty() && !chat.typing);
        assert_eq!(
            (chat.status, chat.title.as_deref()),
            (Status::Ready, Some("Demo"))
        );
    }

    #[test]
    fn a_file_entry_follows_its_upload() {
        let mut chat = Chat::default();
        chat.apply(Action::Expect(Some(vec!["pdf".into()])));
        chat.apply(Action::Dragging(true));
        chat.apply(Action::FileOffered {
            handle: 7,
            name: "a.pdf".into(),
            size: 1000,
        });
        assert!(!chat.dragging);
        let state = |chat: &Chat| match &chat.entries[0].body {
            Body::File { state, .. } => *state,
            other => panic!("{other:?}"),
        };
        assert_eq!(state(&chat), FileState::Checking);
        chat.apply(Action::File(7, FileState::Sending(500)));
        assert_eq!(state(&chat), FileState::Sending(500));
        chat.apply(Action::File(8, FileState::Failed));
        assert_eq!(state(&chat), FileState::Sending(500));
        chat.apply(Action::File(7, FileState::Sent));
        chat.apply(Action::File(7, FileState::Sending(1000)));
        assert_eq!(state(&chat), FileState::Sent);
    }

    #[test]
    fn messages_carry_their_time_and_person() {
        let mut chat = Chat::default();
        let stamp = Stamp {
            ms: 1_796_655_900_000,
            clock: "20:25".into(),
        };
        chat.apply(Action::Clock(stamp.clone()));
        chat.apply(Action::Visitor("hi".into()));
        chat.apply(Action::Person(Person {
            name: Some("Ana".into()),
            avatar: None,
        }));
        chat.apply(Action::Agent("Hello".into()));
        assert_eq!(chat.entries[0].at, stamp);
        assert_eq!(chat.entries[0].person, None);
        let ana = chat.entries[1]
            .person
            .as_deref()
            .and_then(|p| p.name.as_deref());
        assert_eq!(ana, Some("Ana"));
        assert_eq!(stamp.iso(), "2026-12-07T15:05:00Z");
        assert_eq!(Stamp::default().iso(), "1970-01-01T00:00:00Z");
        chat.apply(Action::Tick(1_796_655_960_000));
        assert_eq!(chat.now, 1_796_655_960_000);
    }

    #[test]
    fn only_the_latest_bot_message_offers_choices() {
        let mut chat = Chat::default();
        chat.apply(Action::Bot(text("Pick", &["A", "B"])));
        assert_eq!(chat.live_choices().len(), 2);
        chat.apply(Action::Visitor("A".into()));
        assert!(chat.live_choices().is_empty());
        chat.apply(Action::Bot(Output::End { survey: false }));
        assert_eq!(chat.entries.last().unwrap().author, Author::System);
    }
}
