//! What goes into a session and what comes out of it.

use serde::Serialize;

/// Something that happened on the visitor's side.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// The visitor sent text (typed, or a choice's payload).
    Text(String),
    /// Start the conversation over (persist-forever variables survive).
    Reset,
}

/// Something the host must show or do.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Output {
    /// Show a text message.
    Text {
        /// The rendered text (may hold CB's allowed HTML subset).
        text: String,
        /// Choices offered with it.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        choices: Vec<ChoiceOut>,
        /// Wait this long before showing it.
        #[serde(skip_serializing_if = "is_zero")]
        delay_ms: u32,
    },
    /// Show an image.
    Image {
        /// Its URL.
        url: String,
        /// Wait this long before showing it.
        #[serde(skip_serializing_if = "is_zero")]
        delay_ms: u32,
    },
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
}

/// A choice as offered to the visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChoiceOut {
    /// What the visitor sees.
    pub title: String,
    /// What choosing it sends.
    pub payload: String,
    /// A link: opening it sends nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
