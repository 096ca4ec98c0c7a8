//! The conversation: a log region holding a list of messages, and the typing indicator
//! after the list. The messages are drawn in runs of 32, each a `Chunk` component whose
//! properties compare message by message, by pointer, in a box of its own (a generic
//! `div`, transparent to the list's semantics) that the browser skips while it is out of
//! sight (`content-visibility`): a turn draws and lays out the last run again, not the
//! whole conversation, so a long conversation costs each turn about what the first did.
//!
//! The log region only ever grows: every message is keyed by its id and draws the same
//! children whatever its state (what comes and goes is `hidden`, an answered choice is
//! disabled in place), and the typing indicator is always there, hidden and silent when
//! the bot is not typing. So a turn inserts its new messages' nodes and nothing else,
//! and a screen reader hears only them (Yew matches unkeyed children from the end: a
//! child that came and went used to shift its siblings' content into other nodes).

use std::rc::Rc;

use chatlet_engine::ChoiceOut;
use yew::prelude::*;

use super::file_entry::file;
use super::rich as draw;
use crate::chat::{Author, Body, Entry};
use crate::markup::{self, Node};
use crate::rich;
use crate::strings::Strings;

/// The message list's properties.
pub struct MessageListProps<'a> {
    /// Messages, oldest first.
    pub entries: &'a [Rc<Entry>],
    /// Show the bot typing after the last message.
    pub typing: bool,
    /// The scrolled region (the window keeps it scrolled to the newest).
    pub region: NodeRef,
    /// The bot's name (who wrote a bot message, for screen readers).
    pub bot: AttrValue,
    /// The widget's texts.
    pub strings: Rc<Strings>,
    /// Called with (title, payload) when the visitor picks a choice.
    pub on_choice: Callback<(String, String)>,
    /// Called with a rich element's `click.metadata` when it is clicked.
    pub on_metadata: Callback<serde_json::Value>,
    /// The bot's picture (a checked URL), shown once per run of its messages.
    pub avatar: Option<AttrValue>,
    /// The time now (milliseconds since the epoch): a run of the last minute says "now".
    pub now: u64,
}

/// The messages.
pub fn message_list(props: &MessageListProps) -> Html {
    let region = props.region.clone();
    let s = &props.strings;
    // Always there, hidden while the bot is not typing: shown, it is announced once.
    let typing = html! {
        <p class="chatlet-typing" hidden={!props.typing}>
            <span class="chatlet-dots" aria-hidden="true"><span></span><span></span><span></span></span>
            <span class="chatlet-sr">{ s.fill("typing", "name", &props.bot) }</span>
        </p>
    };
    // For each message, the visitor's next message: what answered its choices, if any.
    let mut answers = vec![None; props.entries.len()];
    let mut next: Option<&str> = None;
    for (i, e) in props.entries.iter().enumerate().rev() {
        answers[i] = next;
        if let (Author::Visitor, Body::Text(t)) = (e.author, &e.body) {
            next = Some(t.as_str());
        }
    }
    let cx = Rc::new(ListCx {
        bot: props.bot.clone(),
        avatar: props.avatar.clone(),
        strings: props.strings.clone(),
        on_choice: props.on_choice.clone(),
        on_metadata: props.on_metadata.clone(),
    });
    // Only a bot message with choices depends on its answer ("": none yet); only the
    // first message of a run from one author shows who and when, and its time label is
    // "now" for a minute, then the clock time (so an older run is drawn once).
    let now = s.get("now");
    let items: Vec<Item> = props
        .entries
        .iter()
        .zip(answers)
        .enumerate()
        .map(|(i, (e, answer))| {
            let answer = (e.author == Author::Bot && !e.choices.is_empty())
                .then(|| AttrValue::from(answer.unwrap_or_default().to_string()));
            let first = e.author != Author::System
                && (i == 0 || {
                    let before = &props.entries[i - 1];
                    before.author != e.author || before.person != e.person
                });
            let time = first.then(|| match e.at.ms {
                0 => AttrValue::default(),
                ms if props.now.saturating_sub(ms) < 60_000 => AttrValue::from(now.to_string()),
                _ => AttrValue::from(e.at.clock.to_string()),
            });
            Item {
                entry: e.clone(),
                answer,
                time,
            }
        })
        .collect();
    // In runs of CHUNK: a run whose messages are all as they were is not drawn again.
    let chunk = |(i, run): (usize, &[Item])| {
        html! { <Chunk key={i} items={run.to_vec()} cx={cx.clone()} /> }
    };
    html! {
        <div ref={region} class="chatlet-messages" part="messages" role="log" aria-live="polite"
            aria-label={s.get("conversation").to_string()} tabindex="0">
            <div class="chatlet-list" role="list">
                { for items.chunks(CHUNK).enumerate().map(chunk) }
            </div>
            { typing }
        </div>
    }
}

/// How many messages a run holds.
const CHUNK: usize = 32;

/// A message as drawn.
#[derive(Clone)]
struct Item {
    entry: Rc<Entry>,
    /// For a bot message with choices, the visitor's next message.
    answer: Option<AttrValue>,
    /// For the first message of a run, its time label ("now", "14:05"; empty: unknown).
    time: Option<AttrValue>,
}

/// A run of messages' properties.
#[derive(Properties)]
pub struct ChunkProps {
    items: Vec<Item>,
    cx: Rc<ListCx>,
}

// By pointer, message by message: an entry changes by being replaced.
impl PartialEq for ChunkProps {
    fn eq(&self, other: &Self) -> bool {
        self.items.len() == other.items.len()
            && self.items.iter().zip(&other.items).all(|(a, b)| {
                Rc::ptr_eq(&a.entry, &b.entry) && a.answer == b.answer && a.time == b.time
            })
            && self.cx.same(&other.cx)
    }
}

#[function_component(Chunk)]
fn chunk_view(props: &ChunkProps) -> Html {
    let messages = props.items.iter().map(|item| message(item, &props.cx));
    // Its own box, which the browser lays out once while it is out of sight.
    html! { <div class="chatlet-run">{ for messages }</div> }
}

/// What every message needs from the window.
pub struct ListCx {
    bot: AttrValue,
    avatar: Option<AttrValue>,
    strings: Rc<Strings>,
    on_choice: Callback<(String, String)>,
    on_metadata: Callback<serde_json::Value>,
}

impl ListCx {
    /// The same for drawing. The callbacks are not compared: they always do the same
    /// (they hold the conversation only).
    fn same(&self, other: &ListCx) -> bool {
        self.bot == other.bot
            && self.avatar == other.avatar
            && Rc::ptr_eq(&self.strings, &other.strings)
    }
}

/// One message (the first of a run says who wrote it and when).
fn message(item: &Item, props: &ListCx) -> Html {
    let (entry, answer) = (&*item.entry, item.answer.as_deref());
    let s = &props.strings;
    let person = entry.person.as_deref();
    let agent = person
        .and_then(|p| p.name.as_deref())
        .unwrap_or(s.get("agent"));
    let (class, who) = match entry.author {
        Author::Visitor => ("chatlet-msg chatlet-visitor", Some(s.get("you"))),
        Author::Bot => ("chatlet-msg chatlet-bot", Some(props.bot.as_str())),
        Author::Agent => ("chatlet-msg chatlet-agent", Some(agent)),
        Author::System => ("chatlet-msg chatlet-system", None),
    };
    let meta = item.time.as_ref().map_or_else(Html::default, |time| {
        let (name, avatar) = match entry.author {
            Author::Bot => (Some(props.bot.as_str()), props.avatar.clone()),
            Author::Agent => (
                Some(agent),
                person
                    .and_then(|p| p.avatar.as_deref())
                    .and_then(rich::safe_image)
                    .map(|a| AttrValue::from(a.to_string())),
            ),
            _ => (None, None),
        };
        // For the eyes: screen readers hear who from each message, and a label that
        // turns from "now" into the clock time is not news.
        // A picture, or the name's first letter in a circle.
        let picture = match (avatar, name) {
            (Some(src), _) => html! { <img class="chatlet-avatar" {src} alt="" width="22" height="22" /> },
            (None, Some(n)) => {
                let initial: String = n.chars().find(|c| c.is_alphanumeric()).into_iter().collect();
                html! { <span class="chatlet-avatar chatlet-initial">{ initial.to_uppercase() }</span> }
            }
            (None, None) => Html::default(),
        };
        html! {
            <div class="chatlet-meta" aria-hidden="true">
                { picture }
                { for name.map(|n| html! { <span class="chatlet-name">{ n.to_string() }</span> }) }
                if !time.is_empty() {
                    <time datetime={entry.at.iso()}>{ time.clone() }</time>
                }
            </div>
        }
    });
    let who = who.map_or_else(
        Html::default,
        |w| html! { <span class="chatlet-sr">{ format!("{w}: ") }</span> },
    );
    let speaks = matches!(entry.author, Author::Bot | Author::Agent);
    let body = match &entry.body {
        // CB's allowed HTML subset, where the bot's author wrote it; any other text is
        // text, whatever it holds.
        Body::Markup(text) => html! {
            <div class="chatlet-text">{ for markup::parse(text).iter().map(node) }</div>
        },
        Body::Text(text) if speaks => html! { <p class="chatlet-text">{ draw::linkify(text) }</p> },
        Body::Text(text) => html! { <p class="chatlet-text">{ text.clone() }</p> },
        Body::Note(note) => html! { <p class="chatlet-text">{ s.get(note.key()) }</p> },
        Body::Image { url, caption } => {
            // Without a caption, the file's name stands in should it not load.
            let file = url.split(['?', '#']).next().unwrap_or_default();
            let alt = match (caption.is_empty(), url.starts_with("http")) {
                (false, _) => caption.as_str(),
                (true, true) => file.rsplit('/').next().unwrap_or_default(),
                (true, false) => "",
            };
            draw::image(url, alt, caption)
        }
        Body::Rich(content) => {
            let cx = draw::Ctx {
                on_choice: &props.on_choice,
                on_metadata: &props.on_metadata,
                strings: s,
            };
            html! { <div class="chatlet-rich">{ draw::view(content, &cx) }</div> }
        }
        Body::File {
            name, size, state, ..
        } => file(name, *size, *state, s),
    };
    // Written offline: marked, and said to screen readers, until it is sent.
    let class = match entry.pending {
        true => "chatlet-msg chatlet-visitor chatlet-pending",
        false => class,
    };
    let pending = (entry.author == Author::Visitor).then(|| {
        html! { <span class="chatlet-note" hidden={!entry.pending}>{ s.get("pending") }</span> }
    });
    let class = match &entry.body {
        Body::Rich(_) => "chatlet-msg chatlet-bot chatlet-wide",
        _ => class,
    };
    let choices = match answer {
        Some(answer) if !entry.choices.is_empty() => choices(entry, answer, props),
        _ => html! {},
    };
    let pending = pending.unwrap_or_default();
    let class = match item.time.is_some() {
        true => format!("{class} chatlet-first"),
        false => class.to_string(),
    };
    html! { <div key={entry.id} role="listitem" {class}>{ meta }{ who }{ body }{ pending }{ choices }</div> }
}

/// A message's choices. Quick replies (chips) go once the visitor answers; buttons stay,
/// disabled, the chosen one marked.
fn choices(entry: &Entry, answer: &str, props: &ListCx) -> Html {
    let answered = !answer.is_empty();
    let label = props.strings.get("choices").to_string();
    if entry.chips > 0 {
        // Gone once answered: hidden, not removed.
        let rows = entry.choices.chunks(usize::from(entry.chips));
        return html! {
            <div class="chatlet-choices chatlet-chips" role="group" aria-label={label} hidden={answered}>
                { for rows.map(|row| html! {
                    <div class="chatlet-row">{ for row.iter().map(|c| choice(c, &props.on_choice, None)) }</div>
                }) }
            </div>
        };
    }
    let state = |c: &ChoiceOut| answered.then_some(c.title == answer);
    html! {
        <div class="chatlet-choices" role="group" aria-label={label}>
            { for entry.choices.iter().map(|c| choice(c, &props.on_choice, state(c))) }
        </div>
    }
}

/// One choice: a link, or a button that sends it; `chosen` is `Some` once the question
/// is answered (whether this was the answer).
fn choice(
    choice: &ChoiceOut,
    on_choice: &Callback<(String, String)>,
    chosen: Option<bool>,
) -> Html {
    if let Some(url) = &choice.url {
        // A link button opens its URL and sends nothing; only web, mail and phone links.
        return match rich::safe_link(url) {
            Some(href) => html! {
                <a class="chatlet-choice" href={href.to_string()} target="_blank" rel="noopener noreferrer">{ choice.title.clone() }</a>
            },
            None => {
                html! { <button type="button" class="chatlet-choice" disabled=true>{ choice.title.clone() }</button> }
            }
        };
    }
    if let Some(picked) = chosen {
        let class = match picked {
            true => "chatlet-choice chatlet-chosen",
            false => "chatlet-choice",
        };
        let pressed = picked.then_some("true");
        return html! {
            <button type="button" {class} disabled=true aria-pressed={pressed}>{ choice.title.clone() }</button>
        };
    }
    let pick = (choice.title.clone(), choice.payload.clone());
    let onclick = on_choice.reform(move |_: MouseEvent| pick.clone());
    html! { <button type="button" class="chatlet-choice" {onclick}>{ choice.title.clone() }</button> }
}

/// One node of sanitized bot markup as DOM: elements from the allowed list, text as text
/// (its web addresses as links, but not inside a link).
fn node(n: &Node) -> Html {
    node_in(n, false)
}

fn node_in(n: &Node, in_link: bool) -> Html {
    match n {
        Node::Text(text) if in_link => html! { { text.clone() } },
        Node::Text(text) => draw::linkify(text),
        Node::Element {
            tag: "a",
            href,
            children,
        } => html! {
            <a href={href.clone()} target="_blank" rel="noopener noreferrer">{ for children.iter().map(|c| node_in(c, true)) }</a>
        },
        Node::Element { tag, children, .. } => html! {
            <@{*tag}>{ for children.iter().map(|c| node_in(c, in_link)) }</@>
        },
    }
}
