//! The conversation: a log region holding a list of messages (each keyed, so a new
//! message adds one node and the rest stay as they are), the latest bot message's
//! choices, and the typing indicator after the list.

use std::rc::Rc;

use chatlet_engine::ChoiceOut;
use yew::prelude::*;

use super::file_entry::file;
use crate::chat::{Author, Body, Entry};
use crate::markup::{self, Node};
use crate::strings::Strings;

/// The message list's properties.
pub struct MessageListProps<'a> {
    /// Messages, oldest first.
    pub entries: &'a [Entry],
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
}

/// The messages.
pub fn message_list(props: &MessageListProps) -> Html {
    let region = props.region.clone();
    let s = &props.strings;
    let last = props.entries.len().checked_sub(1);
    let typing = props.typing.then(|| {
        html! {
            <p class="chatlet-typing">
                <span class="chatlet-dots" aria-hidden="true"><span></span><span></span><span></span></span>
                <span class="chatlet-sr">{ s.fill("typing", "name", &props.bot) }</span>
            </p>
        }
    });
    html! {
        <div ref={region} class="chatlet-messages" part="messages" role="log" aria-live="polite"
            aria-label={s.get("conversation").to_string()} tabindex="0">
            <ol class="chatlet-list">
                { for props.entries.iter().map(|e| {
                    let live = Some(e.id) == last && e.author == Author::Bot;
                    message(e, props, live.then_some(&props.on_choice))
                }) }
            </ol>
            { for typing }
        </div>
    }
}

fn message(
    entry: &Entry,
    props: &MessageListProps,
    on_choice: Option<&Callback<(String, String)>>,
) -> Html {
    let s = &props.strings;
    let (class, who) = match entry.author {
        Author::Visitor => ("chatlet-msg chatlet-visitor", Some(s.get("you"))),
        Author::Bot => ("chatlet-msg chatlet-bot", Some(props.bot.as_str())),
        Author::Agent => ("chatlet-msg chatlet-agent", Some(s.get("agent"))),
        Author::System => ("chatlet-msg chatlet-system", None),
    };
    let who = who.map(|w| html! { <span class="chatlet-sr">{ format!("{w}: ") }</span> });
    let body = match &entry.body {
        // Bot text may hold CB's allowed HTML subset; a visitor's text never does.
        Body::Text(text) if entry.author == Author::Bot && markup::has_markup(text) => html! {
            <div class="chatlet-text">{ for markup::parse(text).iter().map(node) }</div>
        },
        Body::Text(text) => html! { <p class="chatlet-text">{ text.clone() }</p> },
        Body::Note(note) => html! { <p class="chatlet-text">{ s.get(note.key()) }</p> },
        Body::Image { url, alt } => html! {
            <img class="chatlet-image" src={url.clone()} alt={alt.clone()} loading="lazy" />
        },
        Body::Card {
            title,
            subtitle,
            image,
        } => html! {
            <div class="chatlet-card">
                if !image.is_empty() { <img class="chatlet-image" src={image.clone()} alt="" loading="lazy" /> }
                <p class="chatlet-card-title">{ title.clone() }</p>
                if !subtitle.is_empty() { <p class="chatlet-card-subtitle">{ subtitle.clone() }</p> }
            </div>
        },
        Body::File {
            name, size, state, ..
        } => file(name, *size, *state, s),
    };
    // Written offline: marked, and said to screen readers, until it is sent.
    let (class, pending) = match entry.pending {
        true => (
            "chatlet-msg chatlet-visitor chatlet-pending",
            Some(html! { <span class="chatlet-note">{ s.get("pending") }</span> }),
        ),
        false => (class, None),
    };
    let choices = match on_choice {
        Some(cb) if !entry.choices.is_empty() => html! {
            <div class="chatlet-choices" role="group" aria-label={s.get("choices").to_string()}>
                { for entry.choices.iter().map(|c| choice(c, cb)) }
            </div>
        },
        _ => html! {},
    };
    html! { <li key={entry.id} {class}>{ for who }{ body }{ for pending }{ choices }</li> }
}

fn choice(choice: &ChoiceOut, on_choice: &Callback<(String, String)>) -> Html {
    if let Some(url) = &choice.url {
        // A link button opens its URL and sends nothing; only web, mail and phone links.
        let safe = ["https://", "http://", "mailto:", "tel:"]
            .iter()
            .any(|p| url.to_ascii_lowercase().starts_with(p));
        return match safe {
            true => html! {
                <a class="chatlet-choice" href={url.clone()} target="_blank" rel="noopener noreferrer">{ choice.title.clone() }</a>
            },
            false => {
                html! { <span class="chatlet-choice chatlet-disabled">{ choice.title.clone() }</span> }
            }
        };
    }
    let pick = (choice.title.clone(), choice.payload.clone());
    let onclick = on_choice.reform(move |_: MouseEvent| pick.clone());
    html! { <button type="button" class="chatlet-choice" {onclick}>{ choice.title.clone() }</button> }
}

/// One node of sanitized bot markup as DOM: elements from the allowed list, text as text.
fn node(n: &Node) -> Html {
    match n {
        Node::Text(text) => html! { { text.clone() } },
        Node::Element {
            tag: "a",
            href,
            children,
        } => html! {
            <a href={href.clone()} target="_blank" rel="noopener noreferrer">{ for children.iter().map(node) }</a>
        },
        Node::Element { tag, children, .. } => html! {
            <@{*tag}>{ for children.iter().map(node) }</@>
        },
    }
}
