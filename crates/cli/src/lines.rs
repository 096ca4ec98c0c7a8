//! How the engine's outputs read as transcript bot lines (without the leading `< `).

use chatlet_engine::Output;

use crate::transcript::escape;

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
        Output::Image { url, .. } => vec![format!("image: {url}")],
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
        Output::Debug { .. } => vec![],
        _ => vec![format!("unknown output: {output:?}")],
    }
}

/// The debug note of an output, if it is one (printed to standard error with `--debug`).
pub fn debug_note(output: &Output) -> Option<&str> {
    match output {
        Output::Debug { message } => Some(message),
        _ => None,
    }
}
