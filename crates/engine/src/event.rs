//! What goes into a session and what comes out of it.

use serde::{Deserialize, Serialize};

/// Something that happened on the visitor's side. Exhaustive, like [`Output`]: a host
/// that carries inputs (the widget keeps them, and hands them to its worker) matches
/// every one, so a new input is a compile error there until it is carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The visitor sent text (typed, or a choice's payload).
    Text(String),
    /// Start the conversation over (persist-forever variables survive).
    Reset,
    /// The answer to an [`Output::Request`].
    Response {
        /// The request's id.
        id: u64,
        /// The HTTP status.
        status: u16,
        /// The response body, as text.
        body: String,
    },
    /// An [`Output::Request`] or [`Output::Upload`] failed without an HTTP answer (network
    /// error, CORS, timeout).
    NetworkError {
        /// The request's id.
        id: u64,
        /// What went wrong (for the bot author's debug output).
        error: String,
    },
    /// The visitor offers a file (dropped or picked). Only its description comes in; the
    /// host keeps the file and sends it if the engine answers with an [`Output::Upload`].
    File(FileIn),
    /// The host reports that a transfer ([`Output::Transfer`]) failed: the bot receives
    /// the platform's escalation-failure event (CB's `__agent_escalation_failed__`). The
    /// same words typed by the visitor are only text (spec §9).
    TransferFailed,
    /// The host reports that a person took the conversation.
    TransferAccepted,
}

/// A file the visitor offers, as the engine sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIn {
    /// The host's handle for the file (echoed in [`Upload::file`]).
    pub handle: u64,
    /// Its name, as on the visitor's device.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its first bytes (up to [`crate::upload::HEAD_BYTES`]), for the type check.
    pub head: Vec<u8>,
    /// What the visitor wrote with it (`getFileCaption()`); may be empty.
    pub caption: String,
}

/// Something the host must show or do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
// Not `#[non_exhaustive]`: the hosts match every output, so a new one is a compile error
// in each host until it handles it.
pub enum Output {
    /// Show a text message.
    Text {
        /// The rendered text.
        text: String,
        /// The text is CB's allowed HTML subset, as the bot's author wrote it (values in
        /// it are escaped); otherwise it is plain text, whatever characters it holds.
        #[serde(default, skip_serializing_if = "is_false")]
        markup: bool,
        /// Choices offered with it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        choices: Vec<ChoiceOut>,
        /// Quick replies: the choices are chips, this many to a row, gone once the
        /// visitor answers (0: they are buttons, disabled once answered).
        #[serde(default, skip_serializing_if = "is_zero_u8")]
        chips: u8,
        /// Wait this long before showing it.
        #[serde(default, skip_serializing_if = "is_zero")]
        delay_ms: u32,
    },
    /// Show an image.
    Image {
        /// Its URL.
        url: String,
        /// Its caption (may be empty).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        caption: String,
        /// Wait this long before showing it.
        #[serde(default, skip_serializing_if = "is_zero")]
        delay_ms: u32,
    },
    /// STRUCTURED cards: one card, or a carousel of up to [`MAX_CARDS`].
    Cards {
        /// The cards, in order.
        cards: Vec<CardOut>,
    },
    /// LivePerson rich content (CB UNIVERSAL), rendered and parsed.
    Rich {
        /// The JSON, keys in their written order.
        content: serde_json::Value,
    },
    /// Call an HTTP API; answer with [`Input::Response`] or [`Input::NetworkError`].
    Request(Request),
    /// Hand the conversation to a human (or another bot). If the hand-over fails later,
    /// send [`ESCALATION_FAILED`] as a visitor message.
    Transfer {
        /// The skill id.
        skill: String,
        /// A preferred agent on that skill, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        /// The message sent with the transfer, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Pass the bot's context along.
        context: bool,
        /// Wait this long before handing over.
        #[serde(default, skip_serializing_if = "is_zero")]
        delay_ms: u32,
    },
    /// The bot now accepts a file ([`Input::File`]) of these types, up to this size.
    AskFile {
        /// Accepted extensions, lower case, without dots.
        accept: Vec<String>,
        /// The size limit in bytes.
        max_bytes: u64,
    },
    /// The file the visitor offered ([`Input::File`]) is refused and will not be sent; the
    /// bot's reply (the validation text) comes with it.
    FileRefused {
        /// The file's handle.
        file: u64,
    },
    /// Send the file the visitor offered to a File integration; answer with
    /// [`Input::Response`] or [`Input::NetworkError`]. The conversation goes on meanwhile.
    Upload(Upload),
    /// The bot closed the conversation; the next message starts a new one.
    End {
        /// A post-conversation survey may run (close dialog) or not (close conversation).
        survey: bool,
    },
    /// A note for the bot author (script output, warnings); never shown to visitors.
    Debug {
        /// The note.
        message: String,
    },
    /// A block of bot code threw (or ran out of time); what it did before stands and the
    /// flow goes on. For the bot author, never shown to visitors.
    ScriptError {
        /// Which block (`"pre-process of ask account"`).
        block: String,
        /// The error.
        error: String,
    },
}

impl Output {
    /// The note for the bot author a [`Output::Debug`] or [`Output::ScriptError`] carries.
    pub fn note(&self) -> Option<String> {
        match self {
            Output::Debug { message } => Some(message.clone()),
            Output::ScriptError { block, error } => {
                Some(format!("{SCRIPT_ERROR} in {block}: {error}"))
            }
            _ => None,
        }
    }
}

/// An HTTP request the host performs for an integration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Identifies the answer.
    pub id: u64,
    /// The integration's name.
    pub integration: String,
    /// The HTTP method.
    pub method: String,
    /// The full URL, query included, every value percent-encoded.
    pub url: String,
    /// Headers, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Give up (and answer [`Input::NetworkError`]) after this long.
    pub timeout_ms: u32,
}

/// A file upload the host performs: the file with handle `file` is the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// Identifies the answer.
    pub id: u64,
    /// The file's handle (from [`FileIn::handle`]).
    pub file: u64,
    /// The File integration's name.
    pub integration: String,
    /// The HTTP method.
    pub method: String,
    /// The full URL, query included, every value percent-encoded.
    pub url: String,
    /// Headers, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

/// A STRUCTURED card as shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardOut {
    /// The title.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The subtitle.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
    /// The image URL.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// Buttons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<ChoiceOut>,
}

/// A choice as offered to the visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOut {
    /// What the visitor sees.
    pub title: String,
    /// What choosing it sends.
    pub payload: String,
    /// A link: opening it sends nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero_u8(n: &u8) -> bool {
    *n == 0
}

/// The most cards a carousel shows (as Conversation Builder).
pub const MAX_CARDS: usize = 10;

/// How [`Output::note`] begins for a script error.
const SCRIPT_ERROR: &str = "script error";

/// The event message the bot receives when a transfer fails ([`Input::TransferFailed`]).
pub const ESCALATION_FAILED: &str = "__agent_escalation_failed__";
