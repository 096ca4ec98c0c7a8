//! The chat window's state: what the visitor sees, changed only through [`Action`]s.
//! Plain Rust (no browser types), so it is tested natively.

use chatlet_engine::{ChoiceOut, Output};

use crate::rich;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author {
    /// The visitor.
    Visitor,
    /// The bot.
    Bot,
    /// The widget itself (errors, conversation ended).
    System,
}

/// What a message shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Plain text (rendered as text, never as markup).
    Text(String),
    /// An image.
    Image(String),
    /// A card: title, subtitle and image (its buttons are the entry's choices).
    Card {
        /// The title.
        title: String,
        /// The subtitle.
        subtitle: String,
        /// The image URL (may be empty).
        image: String,
    },
}

/// One message in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its position in the conversation (a stable key for rendering).
    pub id: usize,
    /// Who wrote it.
    pub author: Author,
    /// What it shows.
    pub body: Body,
    /// Choices offered with it.
    pub choices: Vec<ChoiceOut>,
}

/// Where the widget is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The bot file is being fetched.
    Loading,
    /// Ready to chat.
    Ready,
    /// The bot could not be loaded; the text says why.
    Failed(String),
}

/// The chat window's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chat {
    /// Messages, oldest first.
    pub entries: Vec<Entry>,
    /// Loading, ready or failed.
    pub status: Status,
    /// The bot's name, for the header.
    pub title: String,
    /// The bot is busy (an integration call is in flight): show it typing.
    pub typing: bool,
}

impl Default for Chat {
    fn default() -> Self {
        Chat {
            entries: vec![],
            status: Status::Loading,
            title: "Chat".into(),
            typing: false,
        }
    }
}

/// Everything that changes the chat window.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The bot loaded; its name titles the window.
    Loaded(String),
    /// The bot failed to load.
    Failed(String),
    /// The visitor sent a message (typed, or a choice's title).
    Visitor(String),
    /// The engine produced an output to show.
    Bot(Output),
    /// The bot started or stopped working on an answer.
    Typing(bool),
}

impl Chat {
    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Loaded(title) => {
                self.status = Status::Ready;
                self.title = title;
            }
            Action::Failed(why) => self.status = Status::Failed(why),
            Action::Typing(busy) => self.typing = busy,
            Action::Visitor(text) => self.push(Author::Visitor, Body::Text(text), vec![]),
            Action::Bot(output) => match output {
                Output::Text { text, choices, .. } => {
                    self.push(Author::Bot, Body::Text(text), choices)
                }
                Output::Image { url, .. } => self.push(Author::Bot, Body::Image(url), vec![]),
                Output::End { .. } => self.push(
                    Author::System,
                    Body::Text("The conversation has ended.".into()),
                    vec![],
                ),
                Output::Card(card) => self.push(
                    Author::Bot,
                    Body::Card {
                        title: card.title,
                        subtitle: card.subtitle,
                        image: card.image,
                    },
                    card.buttons,
                ),
                Output::Rich { content } => {
                    let (texts, images, choices) = rich::flatten(&content);
                    for url in images {
                        self.push(Author::Bot, Body::Image(url), vec![]);
                    }
                    self.push(Author::Bot, Body::Text(texts.join("\n")), choices);
                }
                Output::Transfer { message, .. } => {
                    if let Some(text) = message {
                        self.push(Author::Bot, Body::Text(text), vec![]);
                    }
                    self.push(
                        Author::System,
                        Body::Text("You are being transferred to a person.".into()),
                        vec![],
                    );
                }
                _ => {}
            },
        }
    }

    /// The choices the visitor can still pick: those of the latest message, if it is the bot's.
    pub fn live_choices(&self) -> &[ChoiceOut] {
        match self.entries.last() {
            Some(e) if e.author == Author::Bot => &e.choices,
            _ => &[],
        }
    }

    fn push(&mut self, author: Author, body: Body, choices: Vec<ChoiceOut>) {
        let id = self.entries.len();
        self.entries.push(Entry {
            id,
            author,
            body,
            choices,
        });
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
            choices,
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
            (chat.status.clone(), chat.title.as_str()),
            (Status::Ready, "Demo")
        );
        let ids: Vec<_> = chat.entries.iter().map(|e| (e.id, e.author)).collect();
        assert_eq!(ids, vec![(0, Author::Visitor), (1, Author::Bot)]);
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
