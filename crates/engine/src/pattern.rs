//! Conversation Builder patterns: `*` wildcards and `(a|b|)` alternate groups, matched
//! against the whole message, case-insensitively, after trimming it.
//!
//! ```
//! use chatlet_engine::internals::Pattern;
//! let p = Pattern::parse("*(agent|representative|human)*").unwrap();
//! assert!(p.matches("  I want a HUMAN please "));
//! assert!(!p.matches("no thanks"));
//! ```
//!
//! Matching walks the pattern once, carrying the set of message positions reachable so
//! far, so it takes time proportional to pattern size × message length: no backtracking,
//! no regex engine.

use std::fmt;

/// A compiled CB pattern.
///
/// Stored (in a compiled bot) as its source, and compiled again when read.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Pattern {
    source: String,
    /// The pattern lower-cased, as characters: literals are ranges of it.
    chars: Vec<char>,
    seq: Vec<Node>,
    /// Written for a platform event (see [`Pattern::is_event`]).
    event: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// Lower-cased literal characters: `chars[start..end]` of the pattern.
    Lit(usize, usize),
    /// `*`: any run of characters, including none.
    Star,
    /// `( … | … )`: one of the alternatives (an alternative may be empty).
    Group(Vec<Vec<Node>>),
}

/// Why a pattern could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The longest pattern accepted, in characters.
pub const MAX_LENGTH: usize = 2000;
/// How deep groups may nest: parsing and matching recurse once per level.
pub const MAX_DEPTH: usize = 20;

impl From<Pattern> for String {
    fn from(pattern: Pattern) -> String {
        pattern.source
    }
}

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(source: String) -> Result<Pattern, String> {
        Pattern::parse(&source).map_err(|e| e.message)
    }
}

impl Pattern {
    /// Compiles `source`; unbalanced parentheses, groups nested deeper than [`MAX_DEPTH`]
    /// and patterns longer than [`MAX_LENGTH`] characters are errors.
    pub fn parse(source: &str) -> Result<Pattern, PatternError> {
        // Lower case first: the pattern's own signs (`*`, `(`, `|`, `)`) have none.
        let trimmed = source.trim();
        let mut chars = Vec::with_capacity(trimmed.len());
        if trimmed.is_ascii() {
            chars.extend(trimmed.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            chars.extend(crate::case::lower(trimmed).chars());
        }
        if chars.len() > MAX_LENGTH {
            return Err(PatternError {
                message: format!(
                    "a pattern of {} characters is longer than {MAX_LENGTH}",
                    chars.len()
                ),
            });
        }
        let mut pos = 0;
        let seq = parse_seq(&chars, &mut pos, 0)?;
        if pos < chars.len() {
            return Err(PatternError {
                message: format!(
                    "unbalanced ')' at character {} of pattern {source:?}",
                    pos + 1
                ),
            });
        }
        let s = trimmed;
        let begins = |prefix: &str| {
            s.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        let event = begins(crate::upload::SUCCESS_PREFIX)
            || begins(crate::upload::FAILURE_PREFIX)
            || s.eq_ignore_ascii_case(crate::event::ESCALATION_FAILED);
        Ok(Pattern {
            source: source.to_string(),
            chars,
            seq,
            event,
        })
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The pattern trimmed and lower-cased, as the matcher reads it.
    pub fn lowered(&self) -> &[char] {
        &self.chars
    }

    /// Does the pattern match through a wildcard? A pattern without `*` spells out the
    /// whole message (alternates allowed) and is more specific (spec §2.3).
    pub fn has_wildcard(&self) -> bool {
        self.source.contains('*')
    }

    /// Is the pattern written for a platform event (spec §9): it begins with
    /// `file_upload_success:` or `file_upload_failed:`, or is `__agent_escalation_failed__`?
    /// Such a pattern fits only the engine's own event messages, never visitor text.
    pub fn is_event(&self) -> bool {
        self.event
    }

    /// The longest literal outside any group: no message without it can fit (the
    /// starter index keys patterns by it).
    pub(crate) fn required(&self) -> Option<&[char]> {
        self.seq
            .iter()
            .filter_map(|n| match n {
                Node::Lit(start, end) => Some(&self.chars[*start..*end]),
                _ => None,
            })
            .max_by_key(|l| l.len())
    }

    /// Does the pattern fit the whole (trimmed) message?
    pub fn matches(&self, message: &str) -> bool {
        self.fits(&Subject::new(message))
    }

    /// Does the pattern fit a prepared message? (Prepare once, test many patterns.)
    pub fn fits(&self, subject: &Subject) -> bool {
        let text = &subject.0;
        let mut start = vec![false; text.len() + 1];
        start[0] = true;
        reach(&self.seq, &self.chars, text, start)[text.len()]
    }
}

/// A message prepared for pattern matching: trimmed and lower-cased once.
#[derive(Clone, Debug)]
pub struct Subject(Vec<char>);

impl Subject {
    /// Prepares `message`.
    pub fn new(message: &str) -> Subject {
        Subject(crate::case::lower(message.trim()).chars().collect())
    }

    /// The prepared message's characters.
    pub(crate) fn chars(&self) -> &[char] {
        &self.0
    }
}

fn parse_seq(chars: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Node>, PatternError> {
    let mut seq = Vec::new();
    while let Some(&c) = chars.get(*pos) {
        match c {
            ')' | '|' if depth > 0 => break,
            ')' => break,
            '*' => {
                *pos += 1;
                if seq.last() != Some(&Node::Star) {
                    seq.push(Node::Star);
                }
            }
            '(' => {
                *pos += 1;
                seq.push(parse_group(chars, pos, depth + 1)?);
            }
            _ => {
                // A literal runs to the next sign (`|` is one only inside a group).
                let start = *pos;
                let len = chars[start..]
                    .iter()
                    .position(|&c| matches!(c, '*' | '(' | ')') || (c == '|' && depth > 0))
                    .unwrap_or(chars.len() - start);
                *pos += len;
                seq.push(Node::Lit(start, *pos));
            }
        }
    }
    Ok(seq)
}

fn parse_group(chars: &[char], pos: &mut usize, depth: usize) -> Result<Node, PatternError> {
    let open = *pos;
    if depth > MAX_DEPTH {
        return Err(PatternError {
            message: format!("groups nested deeper than {MAX_DEPTH} at character {open}"),
        });
    }
    let mut alts = vec![parse_seq(chars, pos, depth)?];
    loop {
        match chars.get(*pos) {
            Some('|') => {
                *pos += 1;
                alts.push(parse_seq(chars, pos, depth)?);
            }
            Some(')') => {
                *pos += 1;
                return Ok(Node::Group(alts));
            }
            _ => {
                return Err(PatternError {
                    message: format!(
                        "unbalanced '(' at character {} of pattern {:?}",
                        open,
                        chars.iter().collect::<String>()
                    ),
                })
            }
        }
    }
}

/// Given the positions reachable before `seq`, the positions reachable after it.
/// `chars` holds the literals' characters.
fn reach(seq: &[Node], chars: &[char], text: &[char], mut at: Vec<bool>) -> Vec<bool> {
    for node in seq {
        at = match node {
            Node::Lit(start, end) => {
                let lit = &chars[*start..*end];
                let mut next = vec![false; at.len()];
                for (p, _) in at.iter().enumerate().filter(|(_, on)| **on) {
                    if text[p..].starts_with(lit) {
                        next[p + lit.len()] = true;
                    }
                }
                next
            }
            Node::Star => {
                let first = at.iter().position(|on| *on);
                let mut next = vec![false; at.len()];
                if let Some(first) = first {
                    next[first..].iter_mut().for_each(|on| *on = true);
                }
                next
            }
            Node::Group(alts) => {
                let mut next = vec![false; at.len()];
                for alt in alts {
                    for (p, on) in reach(alt, chars, text, at.clone()).into_iter().enumerate() {
                        next[p] |= on;
                    }
                }
                next
            }
        };
        if !at.iter().any(|on| *on) {
            break;
        }
    }
    at
}

/// Does `keyword` occur in `message` as a whole word (case-insensitive)? Used for
/// exclude keywords, which stop a starter or a rule from matching.
pub fn contains_word(message: &str, keyword: &str) -> bool {
    let keyword = crate::case::lower(keyword.trim());
    if keyword.is_empty() {
        return false;
    }
    let text = crate::case::lower(message);
    text.match_indices(&keyword).any(|(i, m)| {
        let before = text[..i].chars().next_back();
        let after = text[i + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Pattern::parse(p).unwrap().matches(s)
    }

    #[test]
    fn deep_or_long_patterns_are_errors_not_crashes() {
        let deep = format!("{}a{}", "(".repeat(30_000), ")".repeat(30_000));
        assert!(Pattern::parse(&deep).is_err());
        let nested = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(Pattern::parse(&nested).unwrap().matches("a"));
        let too_deep = format!(
            "{}a{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(Pattern::parse(&too_deep)
            .unwrap_err()
            .message
            .contains("nested deeper"));
        assert!(Pattern::parse(&"a".repeat(MAX_LENGTH + 1)).is_err());
    }

    #[test]
    fn whole_message_and_wildcards() {
        assert!(m("hello", "Hello"));
        assert!(!m("hello", "hello there"));
        assert!(m("*home*", "homes"));
        assert!(m("*home*", "a home run"));
        assert!(m("*", ""));
        assert!(m("*balance*", "  what is my BALANCE? "));
    }

    #[test]
    fn groups_nest_and_allow_empty_alternates() {
        assert!(m("thank(|s)", "thank"));
        assert!(m("thank(|s)", "thanks"));
        assert!(!m("thank(|s)", "thanksss"));
        let p = "* (some|a pair of) (headphones|earbuds)*";
        assert!(m(p, "I want a pair of earbuds now"));
        assert!(!m(p, "a pair of earbuds"));
        assert!(m("((a|b)c|d)", "bc"));
        assert!(m("(hi|hello|hey) *", "hey you"));
        assert!(!m("(hi|hello|hey) *", "heyyou"));
    }

    #[test]
    fn punctuation_is_literal() {
        assert!(m("what's up?", "What's up?"));
        assert!(!m("what's up?", "whats up"));
        assert!(m("#1.", "#1."));
        assert!(m(
            "file_upload_success:*",
            "file_upload_success:Successfully processed the file."
        ));
        // Outside a group a bar is a character like any other.
        assert!(m("a|b*", "A|B and more"));
        assert!(!m("a|b", "a"));
        assert!(m("(x|y) a|b", "y a|b"));
        assert!(Pattern::parse("File_Upload_Failed:*").unwrap().is_event());
        assert!(!Pattern::parse("file upload failed").unwrap().is_event());
    }

    #[test]
    fn unicode_case() {
        // Without `unicode-case` the host's lower case is used: here, the same mapping.
        #[cfg(not(feature = "unicode-case"))]
        crate::case::set_lower(|s| s.to_lowercase());
        assert!(m("*ÉTÉ*", "un été chaud"));
        assert!(m("*(привет|здравствуйте)*", "ПРИВЕТ, бот"));
        assert!(!m("*été*", "un ete chaud"));
    }

    #[test]
    fn unbalanced_is_an_error() {
        assert!(Pattern::parse("(a|b").is_err());
        assert!(Pattern::parse("a)b").is_err());
    }

    #[test]
    fn long_messages_stay_linear() {
        let text = "a".repeat(5000);
        assert!(!m("*a*a*a*a*a*b", &text));
    }

    #[test]
    fn exclude_keywords_are_words() {
        assert!(contains_word("I said Bye now", "bye"));
        assert!(!contains_word("byebye", "bye"));
        assert!(!contains_word("anything", ""));
    }
}
