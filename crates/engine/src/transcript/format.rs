//! Parses transcripts (`shared/spec/transcript.md`): one event per line.

use std::fmt;

/// One meaningful line of a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// `> TEXT`: the visitor sends TEXT.
    Visitor(String),
    /// `< …`: a bot line, compared exactly (the text after `< `).
    Bot(String),
    /// `! upload PATH` / `! fail NAME`: a visitor-side action.
    Action(String),
    /// `@…`: a directive for the replay (stubs, environment, host context).
    Directive(String),
}

/// A transcript line with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Numbered {
    /// Line number in the file.
    pub number: usize,
    /// The line.
    pub line: Line,
}

/// A line that is not in the transcript format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Line number.
    pub number: usize,
    /// The offending text.
    pub text: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: not a transcript line: {:?} (lines start with '> ', '< ', '! ', '@' or '#')",
            self.number, self.text
        )
    }
}

/// Parses a whole transcript; comments and blank lines are dropped.
pub fn parse(text: &str) -> Result<Vec<Numbered>, ParseError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = raw.trim_end();
        if trimmed.trim_start().is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line = if let Some(t) = raw.strip_prefix("> ") {
            Line::Visitor(unescape(t))
        } else if trimmed == ">" {
            Line::Visitor(String::new())
        } else if let Some(t) = trimmed.strip_prefix("< ") {
            Line::Bot(t.to_string())
        } else if let Some(t) = trimmed.strip_prefix("! ") {
            Line::Action(t.to_string())
        } else if let Some(t) = trimmed.strip_prefix('@') {
            Line::Directive(t.to_string())
        } else {
            return Err(ParseError {
                number,
                text: raw.to_string(),
            });
        };
        out.push(Numbered { number, line });
    }
    Ok(out)
}

/// Writes a message on one line: line breaks as `\n`, backslashes as `\\`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`escape`].
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        let t = parse("# c\n\n> hi there\n< Hello!\n! fail Balance\n@stub Balance 200 {}\n>\n")
            .unwrap();
        let lines: Vec<Line> = t.into_iter().map(|n| n.line).collect();
        assert_eq!(
            lines,
            vec![
                Line::Visitor("hi there".into()),
                Line::Bot("Hello!".into()),
                Line::Action("fail Balance".into()),
                Line::Directive("stub Balance 200 {}".into()),
                Line::Visitor(String::new()),
            ]
        );
        assert_eq!(parse("oops").unwrap_err().number, 1);
    }

    #[test]
    fn escapes_round_trip() {
        let s = "a\nb\\c\\n";
        assert_eq!(escape(s), "a\\nb\\\\c\\\\n");
        assert_eq!(unescape(&escape(s)), s);
    }
}
