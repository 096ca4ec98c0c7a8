//! JavaScript regular expression syntax read into a tree of [`Node`]s, as ECMAScript
//! reads it: with the `u` flag the strict grammar over code points; without it the web's
//! lenient grammar (Annex B) over UTF-16 code units, where `a{`, `]`, `\p`, `\q`, `\8`
//! and an octal `\12` are characters and `[\d-z]` holds a `-`.
//!
//! What JavaScript rejects is refused as [`Kind::Invalid`]; what it accepts but the
//! `regex` crate cannot match in linear time (look-around, back-references, Unicode
//! property escapes) is refused by name as [`Kind::Unsupported`].
//!
//! Over 600 lines on purpose: it is one recursive-descent parser of one grammar (terms,
//! atoms, escapes, classes, quantifiers, each with its Annex B reading), whose functions
//! call one another; split, each file would hold half of a rule. Its tests are in
//! `regex_dialect::tests` and `crates/engine/tests/regex_js.rs`.

use super::set::{Set, DIGIT, LINE_TERMINATORS, MAX_CHAR, SPACE, WORD, WORD_UNICODE_CASELESS};
use super::{Flags, Kind, RegexError};

/// The deepest nesting of groups accepted (parsing and emitting recurse per level).
pub const MAX_DEPTH: usize = 100;

/// A regular expression's structure. Units are code points with the `u` flag, UTF-16
/// code units without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// One unit of a set, or (negated) one unit not in it.
    Class { set: Set, negated: bool },
    /// A condition on the position: no unit is consumed.
    Look(Look),
    /// Each in turn.
    Concat(Vec<Node>),
    /// Any one of them.
    Alt(Vec<Node>),
    /// `node` at least `min` and at most `max` (unbounded: none) times.
    Repeat {
        node: Box<Node>,
        min: u64,
        max: Option<u64>,
    },
}

/// A position's condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// `^`: the start of the text (of a line with `m`).
    Start,
    /// `$`: the end of the text (of a line with `m`).
    End,
    /// `\b`: between a word character and another.
    Word,
    /// `\B`: not at a word boundary.
    NotWord,
}

impl Node {
    /// Does the tree hold this condition anywhere?
    pub fn has_look(&self, want: impl Fn(Look) -> bool + Copy) -> bool {
        match self {
            Node::Class { .. } => false,
            Node::Look(l) => want(*l),
            Node::Concat(v) | Node::Alt(v) => v.iter().any(|n| n.has_look(want)),
            Node::Repeat { node, .. } => node.has_look(want),
        }
    }
}

/// Parses `source` with `flags`.
pub fn parse(source: &str, flags: Flags) -> Result<Node, RegexError> {
    let units: Vec<u32> = if flags.unicode {
        source.chars().map(|c| c as u32).collect()
    } else {
        source.encode_utf16().map(u32::from).collect()
    };
    let (groups, named) = scan_groups(&units);
    let mut p = Parser {
        source,
        flags,
        units,
        pos: 0,
        depth: 0,
        groups,
        named: named || flags.unicode,
        names: Vec::new(),
    };
    let node = p.alternation()?;
    if p.pos < p.units.len() {
        return Err(p.invalid("an unmatched ')'"));
    }
    Ok(node)
}

/// The number of capturing groups, and whether one has a name (ECMAScript's
/// CountLeftCapturingParensWithin, found before parsing as engines do).
fn scan_groups(units: &[u32]) -> (u64, bool) {
    let (mut count, mut named, mut in_class) = (0u64, false, false);
    let mut i = 0;
    while i < units.len() {
        match char::from_u32(units[i]) {
            Some('\\') => i += 1,
            Some('[') => in_class = true,
            Some(']') => in_class = false,
            Some('(') if !in_class => {
                let at = |k: usize| units.get(i + k).copied().and_then(char::from_u32);
                if at(1) != Some('?') {
                    count += 1;
                } else if at(2) == Some('<') && !matches!(at(3), Some('=') | Some('!')) {
                    count += 1;
                    named = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    (count, named)
}

struct Parser<'s> {
    source: &'s str,
    flags: Flags,
    units: Vec<u32>,
    pos: usize,
    depth: usize,
    /// Capturing groups in the whole expression.
    groups: u64,
    /// `\k` is a named back-reference (the `u` flag, or a named group somewhere).
    named: bool,
    /// Group names seen so far.
    names: Vec<String>,
}

/// A member of a character class: a unit (which may begin a range) or a class escape.
enum Item {
    Unit(u32),
    Class(Set),
}

fn is(u: Option<u32>, c: char) -> bool {
    u == Some(c as u32)
}

fn hex_digit(u: u32) -> Option<u32> {
    char::from_u32(u)?.to_digit(16)
}

fn is_syntax_character(u: u32) -> bool {
    char::from_u32(u).is_some_and(|c| "^$\\.*+?()[]{}|/".contains(c))
}

impl Parser<'_> {
    fn peek(&self) -> Option<u32> {
        self.units.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u32> {
        self.units.get(self.pos + k).copied()
    }

    fn peek_is(&self, c: char) -> bool {
        is(self.peek(), c)
    }

    fn eat(&mut self, c: char) -> bool {
        let yes = self.peek_is(c);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn ahead(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(k, c)| is(self.peek_at(k), c))
    }

    /// The largest unit: a code point, or a code unit without `u`.
    fn max_unit(&self) -> u32 {
        if self.flags.unicode {
            MAX_CHAR
        } else {
            0xFFFF
        }
    }

    fn word(&self) -> &'static [(u32, u32)] {
        if self.flags.unicode && self.flags.ignore_case {
            WORD_UNICODE_CASELESS
        } else {
            WORD
        }
    }

    fn invalid(&self, why: &str) -> RegexError {
        RegexError::new(
            Kind::Invalid,
            format!(
                "regular expression {} is not valid JavaScript: {why}",
                super::shown(self.source, self.flags)
            ),
        )
    }

    fn unsupported(&self, what: &str) -> RegexError {
        RegexError::unsupported(self.source, self.flags, what)
    }

    fn alternation(&mut self) -> Result<Node, RegexError> {
        let mut alts = vec![self.alternative()?];
        while self.eat('|') {
            alts.push(self.alternative()?);
        }
        Ok(if alts.len() == 1 {
            alts.remove(0)
        } else {
            Node::Alt(alts)
        })
    }

    fn alternative(&mut self) -> Result<Node, RegexError> {
        let mut items = Vec::new();
        while let Some(u) = self.peek() {
            if is(Some(u), '|') || is(Some(u), ')') {
                break;
            }
            items.push(self.term()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Concat(items)
        })
    }

    fn term(&mut self) -> Result<Node, RegexError> {
        if self.ahead("(?=") || self.ahead("(?!") {
            return Err(self.unsupported("a look-ahead"));
        }
        if self.ahead("(?<=") || self.ahead("(?<!") {
            return Err(self.unsupported("a look-behind"));
        }
        let look = if self.eat('^') {
            Some(Look::Start)
        } else if self.eat('$') {
            Some(Look::End)
        } else if self.ahead("\\b") || self.ahead("\\B") {
            self.pos += 2;
            Some(if is(self.units.get(self.pos - 1).copied(), 'b') {
                Look::Word
            } else {
                Look::NotWord
            })
        } else {
            None
        };
        if let Some(look) = look {
            if self.quantifier()?.is_some() {
                return Err(self.invalid("nothing to repeat"));
            }
            return Ok(Node::Look(look));
        }
        let atom = self.atom()?;
        Ok(match self.quantifier()? {
            Some((min, max)) => Node::Repeat {
                node: Box::new(atom),
                min,
                max,
            },
            None => atom,
        })
    }

    /// `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}`, and a `?` after it (lazy: the same for
    /// finding whether there is a match). A `{` that begins no quantifier is left.
    fn quantifier(&mut self) -> Result<Option<(u64, Option<u64>)>, RegexError> {
        let q = match self.peek().and_then(char::from_u32) {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => match self.braces() {
                Some((q, end)) => {
                    self.pos = end - 1;
                    q
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        self.pos += 1;
        self.eat('?');
        if q.1.is_some_and(|max| max < q.0) {
            return Err(self.invalid("numbers out of order in a {} quantifier"));
        }
        Ok(Some(q))
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at the position without moving: the counts and
    /// the position after the `}`.
    fn braces(&self) -> Option<((u64, Option<u64>), usize)> {
        let mut at = self.pos + 1;
        let number = |at: &mut usize| {
            let start = *at;
            let mut n: u64 = 0;
            while let Some(d) = self
                .units
                .get(*at)
                .and_then(|&u| char::from_u32(u)?.to_digit(10))
            {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                *at += 1;
            }
            (*at > start).then_some(n)
        };
        let min = number(&mut at)?;
        let max = if is(self.units.get(at).copied(), ',') {
            at += 1;
            number(&mut at)
        } else {
            Some(min)
        };
        is(self.units.get(at).copied(), '}').then_some(((min, max), at + 1))
    }

    fn atom(&mut self) -> Result<Node, RegexError> {
        let u = self.peek().unwrap_or_default();
        self.pos += 1;
        let unicode = self.flags.unicode;
        Ok(match char::from_u32(u) {
            Some('.') => {
                let set = if self.flags.dot_all {
                    Set::default()
                } else {
                    Set::of(&LINE_TERMINATORS.map(|t| (t, t)))
                };
                Node::Class { set, negated: true }
            }
            Some('(') => self.group()?,
            Some('[') => self.class()?,
            Some('\\') => self.atom_escape()?,
            Some('*' | '+' | '?') => return Err(self.invalid("nothing to repeat")),
            Some('{') if unicode => return Err(self.invalid("a lone quantifier bracket")),
            Some('{') => {
                self.pos -= 1;
                if self.braces().is_some() {
                    return Err(self.invalid("nothing to repeat"));
                }
                self.pos += 1;
                unit(u)
            }
            Some('}' | ']') if unicode => return Err(self.invalid("a lone bracket")),
            _ => unit(u),
        })
    }

    fn group(&mut self) -> Result<Node, RegexError> {
        if self.eat('?') {
            if self.eat('<') {
                let name = self.group_name()?;
                if self.names.contains(&name) {
                    return Err(self.invalid("a duplicate group name"));
                }
                self.names.push(name);
            } else if !self.eat(':') {
                if self
                    .peek()
                    .and_then(char::from_u32)
                    .is_some_and(|c| "ims-".contains(c))
                {
                    return Err(self.unsupported("a pattern modifier group such as (?i:…)"));
                }
                return Err(self.invalid("an invalid group"));
            }
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.unsupported(&format!("groups nested deeper than {MAX_DEPTH}")));
        }
        let node = self.alternation()?;
        self.depth -= 1;
        if !self.eat(')') {
            return Err(self.invalid("an unterminated group"));
        }
        Ok(node)
    }

    /// A group's name, after `(?<` or `\k<`, and its `>`: letters, digits, `$` and `_`
    /// (not first: a digit), written or as `\u` escapes.
    fn group_name(&mut self) -> Result<String, RegexError> {
        let mut name = String::new();
        loop {
            let Some(u) = self.peek() else {
                return Err(self.invalid("an invalid group name"));
            };
            self.pos += 1;
            if is(Some(u), '>') {
                break;
            }
            let code = if is(Some(u), '\\') {
                if !self.eat('u') {
                    return Err(self.invalid("an invalid group name"));
                }
                self.unicode_escape(true)
            } else if (0xD800..0xDC00).contains(&u)
                && self.peek().is_some_and(|t| (0xDC00..0xE000).contains(&t))
            {
                let t = self.peek().unwrap_or_default();
                self.pos += 1;
                Some(0x10000 + ((u - 0xD800) << 10) + (t - 0xDC00))
            } else {
                Some(u)
            };
            let ok = code.and_then(char::from_u32).filter(|&c| {
                c == '$'
                    || c == '_'
                    || if name.is_empty() {
                        c.is_alphabetic()
                    } else {
                        c.is_alphanumeric() || c == '\u{200C}' || c == '\u{200D}'
                    }
            });
            match ok {
                Some(c) => name.push(c),
                None => return Err(self.invalid("an invalid group name")),
            }
        }
        if name.is_empty() {
            return Err(self.invalid("an invalid group name"));
        }
        Ok(name)
    }

    fn class_escape_set(&self, e: char) -> Option<Node> {
        let (ranges, negated) = match e {
            'd' => (DIGIT, false),
            'D' => (DIGIT, true),
            's' => (SPACE, false),
            'S' => (SPACE, true),
            'w' => (self.word(), false),
            'W' => (self.word(), true),
            _ => return None,
        };
        Some(Node::Class {
            set: Set::of(ranges),
            negated,
        })
    }

    /// After a backslash, outside a class (`\b` and `\B` are assertions, read before).
    fn atom_escape(&mut self) -> Result<Node, RegexError> {
        let Some(e) = self.peek() else {
            return Err(self.invalid("a backslash at the end"));
        };
        self.pos += 1;
        let unicode = self.flags.unicode;
        if let Some(node) = char::from_u32(e).and_then(|c| self.class_escape_set(c)) {
            return Ok(node);
        }
        Ok(match char::from_u32(e).unwrap_or_default() {
            'p' | 'P' if unicode => return Err(self.unsupported("a Unicode property escape")),
            '1'..='9' => {
                let start = self.pos - 1;
                let mut n = u64::from(e - 0x30);
                while let Some(d) = self
                    .peek()
                    .and_then(char::from_u32)
                    .and_then(|c| c.to_digit(10))
                {
                    n = n.saturating_mul(10).saturating_add(u64::from(d));
                    self.pos += 1;
                }
                if n <= self.groups {
                    return Err(self.unsupported("a back-reference"));
                }
                if unicode {
                    return Err(self.invalid("a back-reference to a group that does not exist"));
                }
                // Annex B: not a group's number, so an octal escape or the digit itself.
                self.pos = start + 1;
                if matches!(char::from_u32(e), Some('8' | '9')) {
                    unit(e)
                } else {
                    unit(self.octal(e))
                }
            }
            '0' if self.peek().is_some_and(|d| (0x30..=0x39).contains(&d)) => {
                if unicode {
                    return Err(self.invalid("a decimal escape after \\0"));
                }
                unit(self.octal(e))
            }
            'k' if self.named => {
                if self.eat('<') {
                    self.group_name()?;
                    return Err(self.unsupported("a named back-reference"));
                }
                return Err(self.invalid("an invalid named reference"));
            }
            'c' => match self.control_letter(false) {
                Some(c) => unit(c),
                None if unicode => return Err(self.invalid("an invalid control escape")),
                // Annex B: the backslash stands for itself, and `c` is read next.
                None => {
                    self.pos -= 1;
                    unit('\\' as u32)
                }
            },
            _ => unit(self.character_escape(e)?),
        })
    }

    /// After `\c`: the control character of the letter that follows (or, in a class
    /// without `u`, a digit or `_`), consumed; none if there is no such letter.
    fn control_letter(&mut self, in_class: bool) -> Option<u32> {
        let l = self.peek().and_then(char::from_u32)?;
        let ok = l.is_ascii_alphabetic()
            || (in_class && !self.flags.unicode && (l.is_ascii_digit() || l == '_'));
        ok.then(|| {
            self.pos += 1;
            l as u32 % 32
        })
    }

    /// An octal escape without `u` (Annex B), its first digit `first` read: up to
    /// three digits, at most `\377`.
    fn octal(&mut self, first: u32) -> u32 {
        let digit = |p: &Self| {
            p.peek()
                .and_then(char::from_u32)
                .and_then(|c| c.to_digit(8))
        };
        let first = first - 0x30;
        let mut v = first;
        if let Some(d) = digit(self) {
            v = v * 8 + d;
            self.pos += 1;
            if first <= 3 {
                if let Some(d) = digit(self) {
                    v = v * 8 + d;
                    self.pos += 1;
                }
            }
        }
        v
    }

    /// A character escape after the backslash and `e`: controls, `\0`, `\x`, `\u`, and
    /// identity escapes (any character without `u`; syntax characters and `/` with it).
    fn character_escape(&mut self, e: u32) -> Result<u32, RegexError> {
        let unicode = self.flags.unicode;
        Ok(match char::from_u32(e).unwrap_or_default() {
            'f' => 12,
            'n' => 10,
            'r' => 13,
            't' => 9,
            'v' => 11,
            '0' => 0,
            'x' => match (
                self.peek().and_then(hex_digit),
                self.peek_at(1).and_then(hex_digit),
            ) {
                (Some(a), Some(b)) => {
                    self.pos += 2;
                    a * 16 + b
                }
                _ if unicode => return Err(self.invalid("an invalid \\x escape")),
                _ => e,
            },
            'u' => match self.unicode_escape(unicode) {
                Some(v) => v,
                None if unicode => return Err(self.invalid("an invalid Unicode escape")),
                None => e,
            },
            _ if unicode && !is_syntax_character(e) => {
                return Err(self.invalid("an invalid escape"))
            }
            _ => e,
        })
    }

    /// After `\u`: four hexadecimal digits, or with `unicode` also `{…}` and a
    /// surrogate pair written as two escapes. None (nothing consumed) if there are none.
    fn unicode_escape(&mut self, unicode: bool) -> Option<u32> {
        let four = |p: &Self, at: usize| {
            (0..4).try_fold(0, |v, k| {
                Some(v * 16 + p.peek_at(at + k).and_then(hex_digit)?)
            })
        };
        if unicode && self.peek_is('{') {
            let mut v: u32 = 0;
            let mut k = 1;
            while let Some(d) = self.peek_at(k).and_then(hex_digit) {
                v = v.saturating_mul(16).saturating_add(d);
                k += 1;
            }
            if k == 1 || !is(self.peek_at(k), '}') || v > MAX_CHAR {
                return None;
            }
            self.pos += k + 1;
            return Some(v);
        }
        let v = four(self, 0)?;
        self.pos += 4;
        if unicode && (0xD800..0xDC00).contains(&v) && self.ahead("\\u") {
            if let Some(t) = four(self, 2).filter(|t| (0xDC00..0xE000).contains(t)) {
                self.pos += 6;
                return Some(0x10000 + ((v - 0xD800) << 10) + (t - 0xDC00));
            }
        }
        Some(v)
    }

    /// After `[`.
    fn class(&mut self) -> Result<Node, RegexError> {
        let negated = self.eat('^');
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        loop {
            if self.peek().is_none() {
                return Err(self.invalid("an unterminated character class"));
            }
            if self.eat(']') {
                break;
            }
            let first = self.class_atom()?;
            // A range `a-z`; a `-` first, last or after a range is a character.
            let is_range =
                self.peek_is('-') && self.peek_at(1).is_some() && !is(self.peek_at(1), ']');
            if !is_range {
                add(&mut ranges, first);
                continue;
            }
            self.pos += 1;
            let last = self.class_atom()?;
            match (first, last) {
                (Item::Unit(lo), Item::Unit(hi)) => {
                    if lo > hi {
                        return Err(self.invalid("a range out of order in a character class"));
                    }
                    ranges.push((lo, hi));
                }
                _ if self.flags.unicode => {
                    return Err(self.invalid("a class escape as the end of a range"))
                }
                // Annex B: `[\d-z]` is `\d`, `-` and `z`.
                (first, last) => {
                    add(&mut ranges, first);
                    add(&mut ranges, last);
                    ranges.push(('-' as u32, '-' as u32));
                }
            }
        }
        Ok(Node::Class {
            set: Set::of(&ranges),
            negated,
        })
    }

    fn class_atom(&mut self) -> Result<Item, RegexError> {
        let u = self.peek().unwrap_or_default();
        self.pos += 1;
        if !is(Some(u), '\\') {
            return Ok(Item::Unit(u));
        }
        let Some(e) = self.peek() else {
            return Err(self.invalid("a backslash at the end"));
        };
        self.pos += 1;
        let unicode = self.flags.unicode;
        if let Some(Node::Class { set, negated }) =
            char::from_u32(e).and_then(|c| self.class_escape_set(c))
        {
            return Ok(Item::Class(if negated {
                set.negate(self.max_unit())
            } else {
                set
            }));
        }
        Ok(Item::Unit(match char::from_u32(e).unwrap_or_default() {
            'b' => 8,
            '-' => e,
            'c' => match self.control_letter(true) {
                Some(c) => c,
                None if unicode => return Err(self.invalid("an invalid class escape")),
                None => {
                    // Annex B: the backslash stands for itself, and `c` is read next.
                    self.pos -= 1;
                    '\\' as u32
                }
            },
            'p' | 'P' if unicode => return Err(self.unsupported("a Unicode property escape")),
            '0' if !self.peek().is_some_and(|d| (0x30..=0x39).contains(&d)) => 0,
            '0'..='9' if unicode => return Err(self.invalid("an invalid class escape")),
            '8' | '9' => e,
            '0'..='7' => self.octal(e),
            'k' if self.named => return Err(self.invalid("an invalid escape")),
            'B' if unicode => return Err(self.invalid("an invalid class escape")),
            _ => self.character_escape(e)?,
        }))
    }
}

fn add(ranges: &mut Vec<(u32, u32)>, item: Item) {
    match item {
        Item::Unit(u) => ranges.push((u, u)),
        Item::Class(set) => ranges.extend(set.0),
    }
}

fn unit(u: u32) -> Node {
    Node::Class {
        set: Set::unit(u),
        negated: false,
    }
}
