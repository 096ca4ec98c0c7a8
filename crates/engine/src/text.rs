//! How a statement's rendered text becomes messages: `BLANK_MESSAGE` sends nothing, the
//! `LP_CLOSEDIALOG` / `LP_CLOSECONVERSATION` keywords close the conversation,
//! `tag::breakWithDelay=<ms>` splits a message with a pause, and long texts are split on
//! a word boundary at [`MAX_MESSAGE_CHARS`] characters.

/// CB splits texts longer than this (in characters) on a word boundary.
pub const MAX_MESSAGE_CHARS: usize = 320;

/// The statement text that sends nothing (CB's keyword).
pub const BLANK_MESSAGE: &str = "BLANK_MESSAGE";

/// What a rendered text turns into.
#[derive(Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// Nothing is sent (`BLANK_MESSAGE`, or the text is empty).
    Nothing,
    /// The conversation is closed.
    Close {
        /// `LP_CLOSEDIALOG` lets a survey run; `LP_CLOSECONVERSATION` does not.
        survey: bool,
    },
    /// One or more messages.
    Parts(Vec<Part>),
}

/// One message of a split text.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    /// Its text.
    pub text: String,
    /// The pause before it (from `tag::breakWithDelay`); 0 for the first part.
    pub delay_ms: u32,
}

#[cfg(test)]
/// Decides what `text` sends.
pub fn outgoing(text: &str) -> Outgoing {
    outgoing_split(text, true)
}

/// Decides what `text` sends; `split` off keeps long texts whole (`setAllowMaxTextResponse`).
pub fn outgoing_split(text: &str, split: bool) -> Outgoing {
    match text.trim() {
        "" | BLANK_MESSAGE => return Outgoing::Nothing,
        "LP_CLOSEDIALOG" => return Outgoing::Close { survey: true },
        "LP_CLOSECONVERSATION" => return Outgoing::Close { survey: false },
        _ => {}
    }
    const BREAK: &str = "tag::breakWithDelay=";
    let mut parts = Vec::new();
    let mut delay_ms = 0;
    let mut rest = text;
    loop {
        let (piece, next) = match rest.find(BREAK) {
            Some(at) => {
                let after = &rest[at + BREAK.len()..];
                let digits = after.chars().take_while(char::is_ascii_digit).count();
                // Capped like every other pause.
                let next_delay = after[..digits]
                    .parse::<u32>()
                    .map_or(0, |d| d.min(crate::model::MAX_DELAY_MS));
                (&rest[..at], Some((next_delay, &after[digits..])))
            }
            None => (rest, None),
        };
        let chunks = match split {
            true => split_long(piece.trim()),
            false => Some(piece.trim().to_string())
                .filter(|p| !p.is_empty())
                .into_iter()
                .collect(),
        };
        for (i, chunk) in chunks.into_iter().enumerate() {
            parts.push(Part {
                text: chunk,
                delay_ms: if i == 0 { delay_ms } else { 0 },
            });
        }
        match next {
            Some((d, r)) => {
                delay_ms = d;
                rest = r;
            }
            None => break,
        }
    }
    if parts.is_empty() {
        Outgoing::Nothing
    } else {
        Outgoing::Parts(parts)
    }
}

/// Splits `text` into chunks of at most [`MAX_MESSAGE_CHARS`] characters, at the last
/// white space before the limit (or hard, inside a word longer than the limit).
fn split_long(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if rest.chars().count() <= MAX_MESSAGE_CHARS {
            chunks.push(rest.to_string());
            break;
        }
        let limit = rest
            .char_indices()
            .nth(MAX_MESSAGE_CHARS)
            .map_or(rest.len(), |(i, _)| i);
        let cut = if rest[limit..].starts_with(char::is_whitespace) {
            limit
        } else {
            rest[..limit]
                .rfind(char::is_whitespace)
                .filter(|&c| c > 0)
                .unwrap_or(limit)
        };
        chunks.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(o: Outgoing) -> Vec<(String, u32)> {
        match o {
            Outgoing::Parts(p) => p.into_iter().map(|p| (p.text, p.delay_ms)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn control_words() {
        assert_eq!(outgoing("BLANK_MESSAGE"), Outgoing::Nothing);
        assert_eq!(outgoing("  "), Outgoing::Nothing);
        assert_eq!(outgoing("LP_CLOSEDIALOG"), Outgoing::Close { survey: true });
        assert_eq!(
            outgoing("LP_CLOSECONVERSATION"),
            Outgoing::Close { survey: false }
        );
    }

    #[test]
    fn break_with_delay() {
        assert_eq!(
            texts(outgoing("one tag::breakWithDelay=1500 two")),
            vec![("one".to_string(), 0), ("two".to_string(), 1500)]
        );
        // Capped like every pause; a number too large for any pause counts as none.
        assert_eq!(
            texts(outgoing(
                "a tag::breakWithDelay=60000 b tag::breakWithDelay=99999999999 c"
            )),
            vec![
                ("a".to_string(), 0),
                ("b".to_string(), crate::model::MAX_DELAY_MS),
                ("c".to_string(), 0)
            ]
        );
    }

    #[test]
    fn long_text_splits_on_words() {
        let word = "abcd ";
        let text = word.repeat(100); // 500 chars
        let parts = texts(outgoing(&text));
        assert_eq!(parts.len(), 2);
        assert!(parts[0].0.chars().count() <= MAX_MESSAGE_CHARS);
        assert!(parts[0].0.ends_with("abcd"));
        assert_eq!(
            parts.iter().map(|p| p.0.split(' ').count()).sum::<usize>(),
            100
        );
        // Multi-byte characters at the limit (a cut inside one would panic).
        for text in [
            "é".repeat(700),
            format!("{} {}", "é".repeat(319), "ü".repeat(50)),
            "é ".repeat(400),
        ] {
            let parts = texts(outgoing(&text));
            assert!(
                parts
                    .iter()
                    .all(|p| p.0.chars().count() <= MAX_MESSAGE_CHARS),
                "{text}"
            );
            let joined: String = parts.iter().map(|p| p.0.replace(' ', "")).collect();
            assert_eq!(joined, text.replace(' ', ""));
        }
        let long_word = "x".repeat(700);
        let parts = texts(outgoing(&long_word));
        assert_eq!(
            parts.iter().map(|p| p.0.len()).collect::<Vec<_>>(),
            vec![320, 320, 60]
        );
    }
}
