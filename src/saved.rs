//! What the widget keeps of a conversation between page loads (`data-persist`), as JSON
//! text written and read by serde: the session's numbered steps (the runner's log,
//! replayed into a new session on the next load), the visible transcript (the actions
//! that drew it), the requests and uploads in flight, and who answers (the bot, or a
//! person after a transfer).
//!
//! The widget keeps the steps rather than the engine's `Snapshot`: it has them anyway
//! (the worker's watchdog replays them). A stored conversation is used only in the same
//! schema ([`VERSION`]), with the same bot file (its fingerprint) and at most
//! [`IDLE_MS`] after its last save; anything else, or anything that does not read (an
//! unknown variant, a missing field), starts a new conversation, with the reason on the
//! console: never a silent partial one.
//!
//! Plain Rust: tested natively; `conversation` reads and writes the storage.

use chatlet_engine::Output;
use serde::{Deserialize, Serialize};

use crate::chat::Action;
use crate::protocol::Step;

/// The stored format's version: another one is set aside (a new conversation starts).
/// 1 was the hand-written format of arrays; 2 is serde's.
pub const VERSION: u64 = 2;
/// By default, a conversation idle for longer than this (30 minutes) starts over.
pub const IDLE_MS: f64 = 30.0 * 60.0 * 1000.0;

/// Who answered the visitor when the conversation was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answering {
    /// The bot.
    Bot,
    /// Nobody yet: a transfer waited for the page's answer.
    Transfer,
    /// A person, through the page.
    Agent,
}

/// A conversation as kept between loads.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Saved {
    /// The conversation id (the page's events keep it across loads).
    pub id: String,
    /// The revision: one more at every write.
    pub rev: u64,
    /// The bot file's fingerprint.
    pub bot: String,
    /// When it was saved (milliseconds since the epoch).
    pub time: f64,
    /// The session's steps, in order.
    pub steps: Vec<Step>,
    /// What drew the visible transcript, in order.
    pub actions: Vec<Action>,
    /// Requests and uploads that had not been answered.
    pub flight: Vec<Output>,
    /// Who answered.
    pub answering: Answering,
    /// What the visitor wrote while offline, not sent yet, in order.
    pub pending: Vec<String>,
    /// The file types the bot asks for, while it asks for a file.
    pub expect: Option<Vec<String>>,
}

/// The parts of a stored conversation, borrowed from where the window keeps them.
pub struct Parts<'a> {
    /// See [`Saved::id`].
    pub id: &'a str,
    /// See [`Saved::rev`].
    pub rev: u64,
    /// See [`Saved::bot`].
    pub bot: &'a str,
    /// See [`Saved::time`].
    pub time: f64,
    /// See [`Saved::steps`], written as a list.
    pub steps: &'a ListText,
    /// See [`Saved::actions`], written as a list.
    pub actions: &'a ListText,
    /// See [`Saved::flight`].
    pub flight: &'a [Output],
    /// See [`Saved::answering`].
    pub answering: Answering,
    /// See [`Saved::pending`].
    pub pending: &'a [String],
    /// See [`Saved::expect`].
    pub expect: Option<&'a [String]>,
}

/// The short fields, as serde writes them; the long lists follow as written.
#[derive(Serialize)]
struct Head<'a> {
    version: u64,
    id: &'a str,
    rev: u64,
    bot: &'a str,
    time: f64,
    flight: &'a [Output],
    answering: Answering,
    pending: &'a [String],
    expect: Option<&'a [String]>,
}

/// What is read first: whether the rest can be used.
#[derive(Deserialize)]
struct Check {
    version: Option<u64>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    rev: u64,
    bot: Option<String>,
    #[serde(default)]
    time: f64,
}

/// A JSON list written an item at a time: the stored state's long lists (the steps and
/// the transcript) are turned into text once per item, not again at every save, so a
/// save costs the same at the thousandth message as at the first (but for copying text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListText {
    /// The items' JSON, comma-separated.
    text: String,
    len: usize,
}

impl ListText {
    /// Appends `item`, as serde writes it.
    pub fn push<T: Serialize>(&mut self, item: &T) {
        let json = crate::json::to_text(item);
        if self.len > 0 {
            self.text.push(',');
        }
        self.text.push_str(&json);
        self.len += 1;
    }

    /// How many items it holds.
    pub fn count(&self) -> usize {
        self.len
    }

    /// Empties it.
    pub fn clear(&mut self) {
        self.text.clear();
        self.len = 0;
    }

    /// The list as JSON.
    fn write_to(&self, out: &mut String) {
        out.push('[');
        out.push_str(&self.text);
        out.push(']');
    }
}

impl<'a, T: Serialize + 'a> FromIterator<&'a T> for ListText {
    fn from_iter<I: IntoIterator<Item = &'a T>>(items: I) -> ListText {
        let mut list = ListText::default();
        items.into_iter().for_each(|v| list.push(v));
        list
    }
}

impl Saved {
    /// The stored form: JSON text.
    pub fn to_json(&self) -> String {
        let actions: ListText = self.actions.iter().filter(|a| a.kept()).collect();
        let steps: ListText = self.steps.iter().collect();
        Saved::write(Parts {
            id: &self.id,
            rev: self.rev,
            bot: &self.bot,
            time: self.time,
            steps: &steps,
            actions: &actions,
            flight: &self.flight,
            answering: self.answering,
            pending: &self.pending,
            expect: self.expect.as_deref(),
        })
    }

    /// [`Saved::to_json`] of the parts, without gathering them first: the short parts
    /// are written now, the long lists are copied as they are.
    pub fn write(p: Parts) -> String {
        let head = Head {
            version: VERSION,
            id: p.id,
            rev: p.rev,
            bot: p.bot,
            time: p.time,
            flight: p.flight,
            answering: p.answering,
            pending: p.pending,
            expect: p.expect,
        };
        let head = crate::json::to_text(&head);
        let mut out =
            String::with_capacity(head.len() + p.steps.text.len() + p.actions.text.len() + 32);
        // The head without its closing brace, then the lists.
        out.push_str(head.strip_suffix('}').unwrap_or("{"));
        out.push_str(",\"steps\":");
        p.steps.write_to(&mut out);
        out.push_str(",\"actions\":");
        p.actions.write_to(&mut out);
        out.push('}');
        out
    }

    /// The conversation id and revision in stored `text`, without checking the rest.
    pub fn id_of(text: &str) -> Option<(String, u64)> {
        let check: Check = crate::json::from_text(text).ok()?;
        Some((check.id, check.rev))
    }

    /// Reads what [`Saved::to_json`] wrote, for the bot with `fingerprint` at time `now`,
    /// idle for at most `idle_ms`; the error says why it cannot be used.
    pub fn from_json(
        text: &str,
        fingerprint: &str,
        now: f64,
        idle_ms: f64,
    ) -> Result<Saved, String> {
        let check: Check = crate::json::from_text(text)
            .map_err(|_| "the stored conversation is not valid JSON".to_string())?;
        match check.version {
            Some(VERSION) => {}
            Some(v) if v > VERSION => {
                return Err(format!(
                    "the stored conversation was written by a newer widget (format {v}, this one reads {VERSION})"
                ))
            }
            _ => return Err("the stored conversation is of another format".into()),
        }
        if check.bot.as_deref() != Some(fingerprint) {
            return Err("the bot file changed since the conversation was stored".into());
        }
        if now - check.time > idle_ms {
            return Err(format!(
                "the stored conversation was idle for more than {} min",
                (idle_ms / 60_000.0).round() as u64
            ));
        }
        crate::json::from_text(text)
            .map_err(|e| format!("the stored conversation cannot be read ({e})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{FileState, Note, Person, Stamp};
    use chatlet_engine::{ChoiceOut, Input, Request};

    fn sample() -> Saved {
        Saved {
            id: "c0ffee".into(),
            rev: 7,
            pending: vec!["still there?".into()],
            expect: Some(vec!["pdf".into()]),
            bot: "f00d".into(),
            time: 1_000.0,
            steps: vec![
                Step::Variable("plan".into(), serde_json::json!("gold")),
                Step::Input(Input::Text("balance".into())),
            ],
            actions: vec![
                Action::Visitor("balance".into()),
                Action::Bot(Output::Text {
                    text: "Account?".into(),
                    markup: false,
                    choices: vec![ChoiceOut {
                        title: "Help".into(),
                        payload: "help".into(),
                        url: None,
                    }],
                    chips: 8,
                    delay_ms: 0,
                }),
                Action::Note(Note::TransferFailed),
                Action::FileOffered {
                    handle: 3,
                    name: "a.pdf".into(),
                    size: 9,
                },
                Action::File(3, FileState::Sent),
                Action::Clock(Stamp {
                    ms: 1_796_655_900_000,
                    clock: "15:05".into(),
                }),
                Action::Person(Person {
                    name: Some("Sam".into()),
                    avatar: None,
                }),
                Action::Agent("Hello, I am Sam.".into()),
                Action::WithAgent(true),
                Action::Pending("still there?".into()),
                Action::Sent,
            ],
            flight: vec![Output::Request(Request {
                id: 4,
                integration: "Balance".into(),
                method: "GET".into(),
                url: "/api/balance?account=1".into(),
                headers: vec![],
                body: None,
                timeout_ms: 10_000,
            })],
            answering: Answering::Agent,
        }
    }

    #[test]
    fn lists_written_an_item_at_a_time_are_json_lists() {
        let items = [Action::Visitor("a \"quoted\" line".into()), Action::Sent];
        let mut list = ListText::default();
        let mut out = String::new();
        list.write_to(&mut out);
        assert_eq!(out, "[]");
        for item in &items {
            list.push(item);
        }
        let mut out = String::new();
        list.write_to(&mut out);
        assert_eq!(
            serde_json::from_str::<Vec<Action>>(&out).unwrap(),
            items.to_vec()
        );
        assert_eq!(list.count(), 2);
    }

    #[test]
    fn a_saved_conversation_reads_back() {
        let saved = sample();
        let text = saved.to_json();
        assert_eq!(Saved::from_json(&text, "f00d", 2_000.0, IDLE_MS), Ok(saved));
        assert_eq!(Saved::id_of(&text), Some(("c0ffee".into(), 7)));
    }

    #[test]
    fn progress_and_typing_are_not_kept() {
        assert!(!Action::Typing(true).kept());
        assert!(!Action::File(1, FileState::Sending(10)).kept());
        assert!(Action::File(1, FileState::Sent).kept());
    }

    #[test]
    fn what_cannot_be_used_says_why() {
        let text = sample().to_json();
        let reason =
            |t: &str, fp: &str, now: f64| Saved::from_json(t, fp, now, IDLE_MS).unwrap_err();
        assert!(reason(&text[..text.len() / 2], "f00d", 2_000.0).contains("not valid JSON"));
        assert!(reason(&text, "beef", 2_000.0).contains("bot file changed"));
        assert!(
            reason(&text, "f00d", 1_000.0 + IDLE_MS + 1.0).contains("idle for more than 30 min")
        );
        let short = Saved::from_json(&text, "f00d", 1_000.0 + 61_000.0, 60_000.0);
        assert!(short.unwrap_err().contains("more than 1 min"));
        let old = r#"{"v":1,"bot":"f00d","time":1000,"steps":[],"actions":[["v","hi"]],"flight":[],"answering":0}"#;
        assert!(reason(old, "f00d", 2_000.0).contains("another format"));
        let newer = text.replace("\"version\":2", "\"version\":3");
        assert!(reason(&newer, "f00d", 2_000.0).contains("newer widget"));
        // A variant this widget does not know: refused whole, never read in part.
        let edited = text.replace("\"steps\":[", "\"steps\":[{\"nonsense\":1},");
        assert!(reason(&edited, "f00d", 2_000.0).contains("cannot be read"));
        let edited = text.replace("\"actions\":[", "\"actions\":[{\"hologram\":\"x\"},");
        assert!(reason(&edited, "f00d", 2_000.0).contains("unknown variant"));
    }
}
