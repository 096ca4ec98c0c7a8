//! What the widget keeps of a conversation between page loads (`data-persist`), as JSON
//! text: the session's numbered steps (the runner's log, replayed into a new session on
//! the next load), the visible transcript (the actions that drew it), the requests and
//! uploads in flight, and who answers (the bot, or a person after a transfer).
//!
//! The widget keeps the steps rather than the engine's `Snapshot`: it has them anyway
//! (the worker's watchdog replays them) and their reader is already in the wasm, where
//! the snapshot's derived reader and writer would cost about 20 KB brotli. A stored
//! conversation is used only with the same bot file (its fingerprint) and at most
//! [`IDLE_MS`] after its last save; anything else starts a new conversation, with the
//! reason on the console.
//!
//! Plain Rust: the codec is tested natively; `conversation` reads and writes the storage.

use serde_json::Value;

use crate::chat::{Action, FileState, Note, Person, Stamp};
use crate::protocol::{output_value, read_output, read_step, step_value, Step};
use chatlet_engine::Output;

/// The stored format's version: another one is set aside (a new conversation starts).
pub const VERSION: u64 = 1;
/// By default, a conversation idle for longer than this (30 minutes) starts over.
pub const IDLE_MS: f64 = 30.0 * 60.0 * 1000.0;

/// Who answered the visitor when the conversation was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answering {
    /// The bot.
    Bot,
    /// Nobody yet: a transfer waited for the page's answer.
    Transfer,
    /// A person, through the page.
    Agent,
}

/// A conversation as kept between loads.
#[derive(Clone, Debug, PartialEq)]
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

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// An action worth keeping (it changes the transcript), as JSON; `None` for the others
/// (typing, dragging, progress).
#[inline(never)]
pub fn action_value(action: &Action) -> Option<Value> {
    let file = |state: &FileState| match state {
        FileState::Refused => Some(1),
        FileState::Sent => Some(2),
        FileState::Failed => Some(3),
        FileState::Checking | FileState::Sending(_) => None,
    };
    Some(match action {
        Action::Visitor(text) => Value::from(vec![Value::from("v"), Value::from(text.as_str())]),
        Action::Bot(output) => Value::from(vec![Value::from("b"), output_value(output)]),
        Action::Agent(text) => Value::from(vec![Value::from("a"), Value::from(text.as_str())]),
        Action::Note(note) => Value::from(vec![Value::from("n"), Value::from(note.key())]),
        Action::FileOffered { handle, name, size } => Value::from(vec![
            Value::from("o"),
            Value::from(*handle),
            Value::from(name.as_str()),
            Value::from(*size),
        ]),
        Action::File(handle, state) => Value::from(vec![
            Value::from("f"),
            Value::from(*handle),
            Value::from(file(state)?),
        ]),
        Action::WithAgent(on) => Value::from(vec![Value::from("w"), Value::from(*on)]),
        Action::Clock(stamp) => Value::from(vec![
            Value::from("t"),
            Value::from(stamp.ms),
            Value::from(&*stamp.clock),
        ]),
        Action::Person(p) => Value::from(vec![
            Value::from("i"),
            Value::from(p.name.clone()),
            Value::from(p.avatar.clone()),
        ]),
        Action::Pending(text) => Value::from(vec![Value::from("p"), Value::from(text.as_str())]),
        Action::Sent => Value::from(vec![Value::from("s")]),
        _ => return None,
    })
}

/// Reads an action [`action_value`] wrote.
#[inline(never)]
pub fn read_action(v: &Value) -> Option<Action> {
    let a = v.as_array()?;
    let at = |i: usize| a.get(i).unwrap_or(&Value::Null);
    Some(match at(0).as_str()? {
        "v" => Action::Visitor(string(at(1))?),
        "b" => Action::Bot(read_output(at(1))?),
        "a" => Action::Agent(string(at(1))?),
        "n" => Action::Note(*Note::ALL.iter().find(|n| Some(n.key()) == at(1).as_str())?),
        "o" => Action::FileOffered {
            handle: at(1).as_u64()?,
            name: string(at(2))?,
            size: at(3).as_u64()?,
        },
        "f" => {
            let state = match at(2).as_u64()? {
                1 => FileState::Refused,
                2 => FileState::Sent,
                _ => FileState::Failed,
            };
            Action::File(at(1).as_u64()?, state)
        }
        "w" => Action::WithAgent(at(1).as_bool()?),
        "t" => Action::Clock(Stamp {
            ms: at(1).as_u64()?,
            clock: at(2).as_str()?.into(),
        }),
        "i" => Action::Person(Person {
            name: string(at(1)),
            avatar: string(at(2)),
        }),
        "p" => Action::Pending(string(at(1))?),
        "s" => Action::Sent,
        _ => return None,
    })
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
    /// The actions as [`action_value`] wrote them, as a list.
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
    /// Appends `item`.
    pub fn push(&mut self, item: &Value) {
        if self.len > 0 {
            self.text.push(',');
        }
        self.text.push_str(&item.to_string());
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

impl FromIterator<Value> for ListText {
    fn from_iter<I: IntoIterator<Item = Value>>(items: I) -> ListText {
        let mut list = ListText::default();
        items.into_iter().for_each(|v| list.push(&v));
        list
    }
}

impl Saved {
    /// The stored form: JSON text.
    pub fn to_json(&self) -> String {
        let actions: ListText = self.actions.iter().filter_map(action_value).collect();
        let steps: ListText = self.steps.iter().map(step_value).collect();
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
        let answering = match p.answering {
            Answering::Bot => 0,
            Answering::Transfer => 1,
            Answering::Agent => 2,
        };
        let mut head = serde_json::Map::new();
        head.insert("v".into(), Value::from(VERSION));
        head.insert("id".into(), Value::from(p.id));
        head.insert("rev".into(), Value::from(p.rev));
        head.insert("bot".into(), Value::from(p.bot));
        head.insert("time".into(), Value::from(p.time));
        head.insert(
            "flight".into(),
            Value::Array(p.flight.iter().map(output_value).collect()),
        );
        head.insert("answering".into(), Value::from(answering));
        head.insert("pending".into(), Value::from(p.pending));
        head.insert("expect".into(), p.expect.map_or(Value::Null, Value::from));
        let head = Value::Object(head).to_string();
        let mut out =
            String::with_capacity(head.len() + p.steps.text.len() + p.actions.text.len() + 32);
        // The head without its closing brace, then the lists.
        out.push_str(&head[..head.len() - 1]);
        out.push_str(",\"steps\":");
        p.steps.write_to(&mut out);
        out.push_str(",\"actions\":");
        p.actions.write_to(&mut out);
        out.push('}');
        out
    }

    /// The conversation id and revision in stored `text`, without checking the rest.
    pub fn id_of(text: &str) -> Option<(String, u64)> {
        let v: Value = serde_json::from_str(text).ok()?;
        let rev = v.get("rev").and_then(Value::as_u64).unwrap_or(0);
        Some((string(v.get("id")?)?, rev))
    }

    /// Reads what [`Saved::to_json`] wrote, for the bot with `fingerprint` at time `now`,
    /// idle for at most `idle_ms`; the error says why it cannot be used.
    pub fn from_json(
        text: &str,
        fingerprint: &str,
        now: f64,
        idle_ms: f64,
    ) -> Result<Saved, String> {
        let v: Value = serde_json::from_str(text)
            .map_err(|_| "the stored conversation is not valid JSON".to_string())?;
        if v.get("v").and_then(Value::as_u64) != Some(VERSION) {
            return Err("the stored conversation is of another format".into());
        }
        if v.get("bot").and_then(Value::as_str) != Some(fingerprint) {
            return Err("the bot file changed since the conversation was stored".into());
        }
        let time = v.get("time").and_then(Value::as_f64).unwrap_or(0.0);
        if now - time > idle_ms {
            return Err(format!(
                "the stored conversation was idle for more than {} min",
                (idle_ms / 60_000.0).round() as u64
            ));
        }
        let bad = |_: &str| "the stored conversation cannot be read".to_string();
        let list = |key: &str| v.get(key).and_then(Value::as_array).ok_or_else(|| bad(key));
        let steps = list("steps")?
            .iter()
            .map(read_step)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("steps"))?;
        let actions = list("actions")?
            .iter()
            .map(read_action)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("transcript"))?;
        let flight = list("flight")?
            .iter()
            .map(read_output)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("calls in flight"))?;
        let answering = match v.get("answering").and_then(Value::as_u64) {
            Some(1) => Answering::Transfer,
            Some(2) => Answering::Agent,
            _ => Answering::Bot,
        };
        let pending = match v.get("pending") {
            None => vec![],
            Some(p) => p
                .as_array()
                .and_then(|p| p.iter().map(string).collect::<Option<Vec<_>>>())
                .ok_or_else(|| bad("pending"))?,
        };
        Ok(Saved {
            id: v.get("id").and_then(string).unwrap_or_default(),
            rev: v.get("rev").and_then(Value::as_u64).unwrap_or(0),
            pending,
            expect: v
                .get("expect")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(string).collect()),
            bot: fingerprint.to_string(),
            time,
            steps,
            actions,
            flight,
            answering,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let items = [
            serde_json::json!(["v", "a \"quoted\" line"]),
            serde_json::json!({"b": [1, 2]}),
        ];
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
            serde_json::from_str::<Value>(&out).unwrap(),
            Value::from(items.to_vec())
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
    fn a_version_1_conversation_without_the_later_fields_reads_with_defaults() {
        let text = r#"{"v":1,"bot":"f00d","time":1000,"steps":[],"actions":[["v","hi"]],"flight":[],"answering":0}"#;
        let saved = Saved::from_json(text, "f00d", 2_000.0, IDLE_MS).unwrap();
        assert_eq!((saved.id.as_str(), saved.rev), ("", 0));
        assert!(saved.pending.is_empty() && saved.expect.is_none());
        assert_eq!(saved.actions, vec![Action::Visitor("hi".into())]);
    }

    #[test]
    fn progress_and_typing_are_not_kept() {
        assert_eq!(action_value(&Action::Typing(true)), None);
        assert_eq!(action_value(&Action::File(1, FileState::Sending(10))), None);
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
        let old = text.replace("\"v\":1", "\"v\":0");
        assert!(reason(&old, "f00d", 2_000.0).contains("another format"));
        let edited = text.replace("\"steps\":[", "\"steps\":[[\"nonsense\"],");
        assert!(reason(&edited, "f00d", 2_000.0).contains("cannot be read"));
    }
}
