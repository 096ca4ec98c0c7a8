//! One message in the window, as drawn: who wrote it, what it shows, when it arrived.

use std::rc::Rc;

use chatlet_engine::ChoiceOut;
use serde::{Deserialize, Serialize};
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    /// Their name.
    pub name: Option<String>,
    /// Their picture's URL (checked where it is drawn).
    pub avatar: Option<String>,
}

/// When a message arrived: milliseconds since the epoch, and the clock time as the page's
/// language writes it ("14:05", "2:05 PM"), made by the browser when the time was taken.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
