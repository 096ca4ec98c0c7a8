//! The list of messages, with the latest bot message's choices as buttons.

use chatlet_engine::ChoiceOut;
use web_sys::Element;
use yew::prelude::*;

use crate::chat::{Author, Body, Entry, FileState};
use crate::markup::{self, Node};

/// The message list's properties.
#[derive(Properties, PartialEq)]
pub struct MessageListProps {
    /// Messages, oldest first.
    pub entries: Vec<Entry>,
    /// Show the bot typing after the last message.
    #[prop_or_default]
    pub typing: bool,
    /// Called with (title, payload) when the visitor picks a choice.
    pub on_choice: Callback<(String, String)>,
}

/// A live region that screen readers announce; it scrolls to the newest message.
#[function_component(MessageList)]
pub fn message_list(props: &MessageListProps) -> Html {
    let list = use_node_ref();
    {
        let list = list.clone();
        use_effect_with((props.entries.len(), props.typing), move |_| {
            if let Some(el) = list.cast::<Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let last = props.entries.len().checked_sub(1);
    html! {
        <ol ref={list} class="chatlet-messages" role="log" aria-live="polite" aria-label="Conversation">
            { for props.entries.iter().map(|e| {
                let live = Some(e.id) == last && e.author == Author::Bot;
                message(e, live.then_some(&props.on_choice))
            }) }
            if props.typing {
                <li class="chatlet-msg chatlet-bot chatlet-typing">
                    <span class="chatlet-dots" aria-hidden="true"><span></span><span></span><span></span></span>
                    <span class="chatlet-sr">{ "The bot is typing…" }</span>
                </li>
            }
        </ol>
    }
}

fn message(entry: &Entry, on_choice: Option<&Callback<(String, String)>>) -> Html {
    let class = match entry.author {
        Author::Visitor => "chatlet-msg chatlet-visitor",
        Author::Bot => "chatlet-msg chatlet-bot",
        Author::Agent => "chatlet-msg chatlet-agent",
        Author::System => "chatlet-msg chatlet-system",
    };
    let body = match &entry.body {
        // Bot text may hold CB's allowed HTML subset; a visitor's text never does.
        Body::Text(text) if entry.author == Author::Bot && markup::has_markup(text) => html! {
            <div class="chatlet-text">{ for markup::parse(text).iter().map(node) }</div>
        },
        Body::Text(text) => html! { <p class="chatlet-text">{ text.clone() }</p> },
        Body::Image(url) => html! { <img class="chatlet-image" src={url.clone()} alt="" /> },
        Body::Card {
            title,
            subtitle,
            image,
        } => html! {
            <div class="chatlet-card">
                if !image.is_empty() { <img class="chatlet-image" src={image.clone()} alt="" /> }
                <p class="chatlet-card-title">{ title.clone() }</p>
                if !subtitle.is_empty() { <p class="chatlet-card-subtitle">{ subtitle.clone() }</p> }
            </div>
        },
        Body::File {
            name, size, state, ..
        } => file(name, *size, *state),
    };
    let choices = match on_choice {
        Some(cb) if !entry.choices.is_empty() => html! {
            <div class="chatlet-choices" role="group" aria-label="Choices">
                { for entry.choices.iter().map(|c| choice(c, cb)) }
            </div>
        },
        _ => html! {},
    };
    html! { <li key={entry.id} {class}>{ body }{ choices }</li> }
}

/// A file the visitor offered: its name and size, then how its upload is going (a
/// progress bar while it is sent).
fn file(name: &str, size: u64, state: FileState) -> Html {
    let status = match state {
        FileState::Checking => html! { <span class="chatlet-file-status">{ "Checking…" }</span> },
        FileState::Refused => html! { <span class="chatlet-file-status">{ "Not sent" }</span> },
        FileState::Sent => html! { <span class="chatlet-file-status">{ "Sent" }</span> },
        FileState::Failed => html! { <span class="chatlet-file-status">{ "Upload failed" }</span> },
        FileState::Sending(sent) => {
            let percent = (sent.min(size) * 100).checked_div(size).unwrap_or(0);
            html! {
                <>
                    <progress class="chatlet-progress" max={size.to_string()} value={sent.min(size).to_string()}
                        aria-label={format!("Uploading {name}")}></progress>
                    <span class="chatlet-file-status">{ format!("{percent}%") }</span>
                </>
            }
        }
    };
    html! {
        <div class="chatlet-file" data-state={state_name(state)}>
            <p class="chatlet-file-name">{ super::composer::paperclip() }{ name.to_string() }
                <span class="chatlet-file-size">{ format!(" ({})", human_size(size)) }</span></p>
            { status }
        </div>
    }
}

fn state_name(state: FileState) -> &'static str {
    match state {
        FileState::Checking => "checking",
        FileState::Refused => "refused",
        FileState::Sending(_) => "sending",
        FileState::Sent => "sent",
        FileState::Failed => "failed",
    }
}

/// `1.2 MB`, `34 KB`, `512 B`.
fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!(
            "{}.{} MB",
            b / (1024 * 1024),
            b % (1024 * 1024) * 10 / (1024 * 1024)
        ),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} B"),
    }
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
