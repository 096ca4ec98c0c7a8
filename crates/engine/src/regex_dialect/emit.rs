//! A parsed JavaScript expression written in the `regex` crate's syntax, for a text
//! prepared by [`Form::prepare`] so that the crate, which reads code points, sees what
//! JavaScript sees:
//!
//! - **Without `u`**, JavaScript matches UTF-16 code units: `.` takes half of an emoji.
//!   Each astral character of the text becomes two characters of a private range, one
//!   per surrogate (`SURROGATES`), and every surrogate unit of the expression is written
//!   as its character there.
//! - **With `m`**, `^` and `$` hold at any of JavaScript's four line terminators, the
//!   crate's only at `\n`. Each line terminator of the text becomes `\n`, a tag naming
//!   it (a noncharacter) and `\n` again; the expression takes the three as one unit, and
//!   the search may begin only between units.
//! - **With `i`**, every class is widened to the units that fold with its own
//!   ([`fold`]); the crate's `(?i)` is never used. With `u` too, `ſ` and the Kelvin sign
//!   are word characters for `\b`; the text carries them as `s` and `k`, their case
//!   foldings (every class already folds them).
//!
//! Every character is written as `\x{…}`: no character of the expression is read by the
//! crate's own syntax, so nothing needs escaping.

use std::borrow::Cow;
use std::fmt::Write;

use super::fold;
use super::parse::{Look, Node};
use super::set::{Set, LINE_TERMINATORS};
use super::{Flags, RegexError};

/// Where the text's surrogates go without `u`: high ones from here, low ones 1,024 later.
const SURROGATES: u32 = 0xF_0000;
/// The tags of `\n`, `\r`, U+2028 and U+2029 (noncharacters: for a program's own use).
const TAGS: [u32; 4] = [0xF_FFFE, 0xF_FFFF, 0x10_FFFE, 0x10_FFFF];
/// Matches nothing: an empty class.
const NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";

/// How a text is prepared for one expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Form {
    /// Astral characters as two surrogate characters (without `u`).
    split_astral: bool,
    /// Line terminators as `\n`, tag, `\n` (with `m`, when the expression has `^` or `$`).
    lines: bool,
    /// `ſ` and `K` as `s` and `k` (with `u` and `i`).
    fold_text: bool,
}

/// The crate's pattern for `node` and the form of text it is matched on.
pub fn emit(node: &Node, flags: Flags, source: &str) -> Result<(String, Form), RegexError> {
    let form = Form {
        split_astral: !flags.unicode,
        lines: flags.multiline && node.has_look(|l| matches!(l, Look::Start | Look::End)),
        fold_text: flags.unicode && flags.ignore_case,
    };
    let w = Writer {
        flags,
        form,
        source,
    };
    let mut out = String::new();
    if flags.sticky {
        out.push_str(r"\A");
    } else if form.lines {
        // The search begins only between units, never inside a line terminator's three.
        let tags = TAGS.map(|t| (t, t));
        out.push_str(r"\A(?:[^\x{A}");
        write_ranges(&mut out, &tags);
        out.push_str(r"]|\x{A}[");
        write_ranges(&mut out, &tags);
        out.push_str(r"]\x{A})*?");
    }
    out.push_str("(?:");
    w.node(&mut out, node)?;
    out.push(')');
    Ok((out, form))
}

struct Writer<'s> {
    flags: Flags,
    form: Form,
    source: &'s str,
}

impl Writer<'_> {
    fn node(&self, out: &mut String, node: &Node) -> Result<(), RegexError> {
        match node {
            Node::Class { set, negated } => self.class(out, set, *negated),
            Node::Look(look) => out.push_str(match (look, self.form.lines) {
                (Look::Start, true) => "(?m:^)",
                (Look::Start, false) => r"\A",
                (Look::End, true) => "(?m:$)",
                (Look::End, false) => r"\z",
                (Look::Word, _) => r"(?-u:\b)",
                (Look::NotWord, _) => r"(?-u:\B)",
            }),
            Node::Concat(nodes) => {
                for n in nodes {
                    self.node(out, n)?;
                }
            }
            Node::Alt(nodes) => {
                out.push_str("(?:");
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    self.node(out, n)?;
                }
                out.push(')');
            }
            Node::Repeat { node, min, max } => {
                out.push_str("(?:");
                self.node(out, node)?;
                out.push(')');
                let too_big = |n: u64| u32::try_from(n).is_err();
                if too_big(*min) || max.is_some_and(too_big) {
                    return Err(RegexError::unsupported(
                        self.source,
                        self.flags,
                        "a repetition count above 4294967295",
                    ));
                }
                match (min, max) {
                    (0, None) => out.push('*'),
                    (1, None) => out.push('+'),
                    (0, Some(1)) => out.push('?'),
                    (n, None) => _ = write!(out, "{{{n},}}"),
                    (n, Some(m)) if n == m => _ = write!(out, "{{{n}}}"),
                    (n, Some(m)) => _ = write!(out, "{{{n},{m}}}"),
                }
            }
        }
        Ok(())
    }

    /// One unit of `set` (or, negated, not in it).
    fn class(&self, out: &mut String, set: &Set, negated: bool) {
        let folded;
        let set = if self.flags.ignore_case {
            folded = fold::closure(set, self.flags.unicode);
            &folded
        } else {
            set
        };
        if !self.form.lines {
            let chars = self.chars(set);
            match (negated, chars.is_empty()) {
                (false, true) => out.push_str(NOTHING),
                (true, true) => out.push_str(r"[\x{0}-\x{10FFFF}]"),
                (_, false) => {
                    out.push_str(if negated { "[^" } else { "[" });
                    write_ranges(out, &chars);
                    out.push(']');
                }
            }
            return;
        }
        // Line terminators are three characters each: a class takes the others as one
        // character, and its line terminators as their three.
        let terminators: Vec<(u32, u32)> = LINE_TERMINATORS
            .iter()
            .zip(TAGS)
            .filter(|(t, _)| set.contains(**t) != negated)
            .map(|(_, tag)| (tag, tag))
            .collect();
        let lines = Set::of(&LINE_TERMINATORS.map(|t| (t, t)));
        out.push_str("(?:");
        if negated {
            out.push_str("[^");
            write_ranges(out, &self.chars(&set.union(&lines)));
            write_ranges(out, &TAGS.map(|t| (t, t)));
            out.push(']');
        } else {
            let others = self.chars(&set.minus(&lines));
            if others.is_empty() {
                out.push_str(NOTHING);
            } else {
                out.push('[');
                write_ranges(out, &others);
                out.push(']');
            }
        }
        if !terminators.is_empty() {
            out.push_str(r"|\x{A}[");
            write_ranges(out, &terminators);
            out.push_str(r"]\x{A}");
        }
        out.push(')');
    }

    /// A set of units as ranges of the text's characters: surrogate units as their
    /// characters without `u`, left out with it (no text holds a lone surrogate).
    fn chars(&self, set: &Set) -> Vec<(u32, u32)> {
        let mut out = Vec::with_capacity(set.0.len() + 1);
        for &(lo, hi) in &set.0 {
            let below = (lo, hi.min(0xD7FF));
            let surrogates = (lo.max(0xD800), hi.min(0xDFFF));
            let above = (lo.max(0xE000), hi);
            if below.0 <= below.1 {
                out.push(below);
            }
            if surrogates.0 <= surrogates.1 && !self.flags.unicode {
                let map = |u: u32| SURROGATES + (u - 0xD800);
                out.push((map(surrogates.0), map(surrogates.1)));
            }
            if above.0 <= above.1 {
                out.push(above);
            }
        }
        out
    }
}

/// Ranges of characters as the crate's class items.
fn write_ranges(out: &mut String, ranges: &[(u32, u32)]) {
    for &(lo, hi) in ranges {
        if lo == hi {
            _ = write!(out, r"\x{{{lo:X}}}");
        } else {
            _ = write!(out, r"\x{{{lo:X}}}-\x{{{hi:X}}}");
        }
    }
}

impl Form {
    /// The text as the expression's pattern reads it.
    pub fn prepare<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let special = |c: char| {
            (self.split_astral && c as u32 > 0xFFFF)
                || (self.lines
                    && (LINE_TERMINATORS.contains(&(c as u32)) || TAGS.contains(&(c as u32))))
                || (self.fold_text && (c == 'ſ' || c == '\u{212A}'))
        };
        let quick = !self.lines
            && !self.fold_text
            && (!self.split_astral || !text.bytes().any(|b| b >= 0xF0));
        if quick || !text.chars().any(special) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            let code = c as u32;
            if self.lines {
                if let Some(k) = LINE_TERMINATORS.iter().position(|&t| t == code) {
                    out.push('\n');
                    out.push(char::from_u32(TAGS[k]).unwrap_or_default());
                    out.push('\n');
                    continue;
                }
                if TAGS.contains(&code) && !self.split_astral {
                    // A noncharacter in the visitor's text: it cannot be told from a tag.
                    out.push('\u{FFFD}');
                    continue;
                }
            }
            if self.split_astral && code > 0xFFFF {
                let v = code - 0x10000;
                for unit in [SURROGATES + (v >> 10), SURROGATES + 0x400 + (v & 0x3FF)] {
                    out.push(char::from_u32(unit).unwrap_or_default());
                }
            } else if self.fold_text && c == 'ſ' {
                out.push('s');
            } else if self.fold_text && c == '\u{212A}' {
                out.push('k');
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }
}
