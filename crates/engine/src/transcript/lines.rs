//! How the engine's outputs read as transcript bot lines (without the leading `< `).

use serde_json::{json, Map, Value};

use super::format::escape;
use crate::event::{CardOut, Output};

/// The transcript lines for one output; debug notes have none.
pub fn bot_lines(output: &Output) -> Vec<String> {
    match output {
        Output::Text { text, choices, .. } => {
            let mut lines = vec![escape(text)];
            if !choices.is_empty() {
                let titles: Vec<String> = choices.iter().map(|c| escape(&c.title)).collect();
                lines.push(format!("choices: {}", titles.join(" | ")));
            }
            lines
        }
        Output::Image { url, caption, .. } if caption.is_empty() => vec![format!("image: {url}")],
        Output::Image { url, caption, .. } => vec![format!("image: {url} | {}", escape(caption))],
        Output::End { survey } => {
            vec![format!(
                "end: {}",
                if *survey {
                    "close_dialog"
                } else {
                    "close_conversation"
                }
            )]
        }
        Output::Cards { cards } => cards
            .iter()
            .map(|card| format!("card: {}", card_json(card)))
            .collect(),
        Output::Rich { content } => vec![format!("card: {content}")],
        Output::Transfer {
            skill,
            agent,
            message,
            context,
            ..
        } => {
            let mut lines: Vec<String> = message.iter().map(|m| escape(m)).collect();
            let agent = agent
                .as_ref()
                .map_or(String::new(), |a| format!(" agent={a}"));
            let context = if *context { " context=true" } else { "" };
            lines.push(format!("transfer: skill={skill}{agent}{context}"));
            lines
        }
        Output::AskFile { accept, max_bytes } => {
            vec![format!(
                "upload: accept={} max={max_bytes}",
                accept.join(",")
            )]
        }
        Output::Debug { .. }
        | Output::ScriptError { .. }
        | Output::Request(_)
        | Output::Upload(_)
        | Output::FileRefused { .. } => vec![],
    }
}

/// The note for the bot author an output carries, if any (a debug note or a script
/// error: printed to standard error with `--debug`).
pub fn debug_note(output: &Output) -> Option<String> {
    output.note()
}

/// A STRUCTURED card as the transcript prints it: title, subtitle, image, buttons, in
/// that order, empty keys left out.
fn card_json(card: &CardOut) -> Value {
    let mut m = Map::new();
    for (key, value) in [
        ("title", &card.title),
        ("subtitle", &card.subtitle),
        ("image", &card.image),
    ] {
        if !value.is_empty() {
            m.insert(key.into(), json!(value));
        }
    }
    if !card.buttons.is_empty() {
        let buttons = card
            .buttons
            .iter()
            .map(|b| match &b.url {
                Some(url) => json!({"title": b.title, "url": url}),
                None => json!({"title": b.title, "postback": b.payload}),
            })
            .collect();
        m.insert("buttons".into(), Value::Array(buttons));
    }
    Value::Object(m)
}
