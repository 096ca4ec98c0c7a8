//! JavaScript regular expression syntax (no flags, the web's lenient grammar) read into
//! a tree of [`Node`]s. Characters are Unicode scalar values; the classes `\d \w \s \b`
//! have JavaScript's meanings (`\d` is `[0-9]`, `\w` is `[A-Za-z0-9_]`, `\s` is
//! JavaScript's whitespace list).
//!
//! Look-around, back-references and Unicode property escapes are refused by name: the
//! matcher runs in linear time and cannot express them.

use super::RegexError;

/// The deepest nesting of groups accepted (parsing and compiling recurse per level).
pub const MAX_DEPTH: usize = 100;
/// The largest repetition count accepted (`a{1001}` is refused).
pub const MAX_COUNT: u32 = 1000;

/// A regular expression's structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// One character from a set.
    Set(Set),
    /// A condition on the position: no character is consumed.
    Look(Look),
    /// Each in turn.
    Concat(Vec<Node>),
    /// Any one of them.
    Alt(Vec<Node>),
    /// `node` at least `min` and at most `max` (unbounded: none) times.
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

/// A position's condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// `^`: the start of the text.
    Start,
    /// `$`: the end of the text.
    End,
    /// `\b`: between a word character and another (ASCII, as JavaScript's).
    Word,
    /// `\B`: not at a word boundary.
    NotWord,
}

/// A set of code points: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set(Vec<(u32, u32)>);

const MAX_CHAR: u32 = 0x10_FFFF;
/// JavaScript's `\s`: WhiteSpace and LineTerminator code points.
const SPACE: &[(u32, u32)] = &[
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
];
const DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];
const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];
/// What `.` does not match: JavaScript's line terminators.
const LINE_TERMINATORS: &[(u32, u32)] = &[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)];

impl Set {
    /// The set of these ranges, in any order, overlapping or not.
    pub fn of(ranges: &[(u32, u32)]) -> Set {
        let mut ranges = ranges.to_vec();
        // Few ranges: an insertion sort keeps a sorting routine out of the wasm.
        for i in 1..ranges.len() {
            let mut j = i;
            while j > 0 && ranges[j - 1].0 > ranges[j].0 {
                ranges.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Set(out)
    }

    /// Every code point not in the set.
    pub fn negate(&self) -> Set {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut next = 0;
        for &(lo, hi) in &self.0 {
            if lo > next {
                out.push((next, lo - 1));
            }
            next = hi + 1;
        }
        if next <= MAX_CHAR {
            out.push((next, MAX_CHAR));
        }
        Set(out)
    }

    /// Is `c` in the set?
    pub fn contains(&self, c: u32) -> bool {
        // Binary search: the first range whose end is not below `c`.
        let i = self.0.partition_point(|&(_, hi)| hi < c);
        self.0.get(i).is_some_and(|&(lo, _)| lo <= c)
    }
}

/// Parses `source`.
pub fn parse(source: &str) -> Result<Node, RegexError> {
    let mut p = Parser {
        source,
        chars: source.chars().collect(),
        pos: 0,
        depth: 0,
    };
    let node = p.alternation()?;
    if p.pos < p.chars.len() {
        return Err(p.invalid("an unmatched ')'"));
    }
    Ok(node)
}

struct Parser<'s> {
    source: &'s str,
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

/// An item of a character class: a character (which may begin a range) or a class.
enum Item {
    Char(u32),
    Class(Set),
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let yes = self.peek() == Some(c);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn ahead(&self, s: &str) -> bool {
        (self.pos..)
            .zip(s.chars())
            .all(|(at, c)| self.chars.get(at) == Some(&c))
    }

    fn invalid(&self, why: &str) -> RegexError {
        RegexError {
            message: format!(
                "regular expression {:?} is not supported: {why}",
                self.source
            ),
        }
    }

    fn unsupported(&self, what: &str) -> RegexError {
        RegexError {
            message: format!(
                "regular expression {:?} uses {what}, which Chatlet does not support (matching is linear-time)",
                self.source
            ),
        }
    }

    fn alternation(&mut self) -> Result<Node, RegexError> {
        let mut alts = vec![self.concat()?];
        while self.eat('|') {
            alts.push(self.concat()?);
        }
        Ok(if alts.len() == 1 {
            alts.remove(0)
        } else {
            Node::Alt(alts)
        })
    }

    fn concat(&mut self) -> Result<Node, RegexError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            // `^*` repeats nothing, `(?:^)*` is allowed: as written, not as parsed.
            let assertion = matches!(c, '^' | '$') || self.ahead("\\b") || self.ahead("\\B");
            let atom = self.atom()?;
            match self.quantifier()? {
                Some((min, max)) => {
                    if assertion {
                        return Err(self.invalid("nothing to repeat"));
                    }
                    self.eat('?'); // lazy: the same for finding a match
                    items.push(Node::Repeat {
                        node: Box::new(atom),
                        min,
                        max,
                    });
                }
                None => items.push(atom),
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Concat(items)
        })
    }

    /// `*`, `+`, `?` or a well-formed `{n}`, `{n,}`, `{n,m}` (another `{` is a
    /// character, as on the web).
    fn quantifier(&mut self) -> Result<Option<(u32, Option<u32>)>, RegexError> {
        let q = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => match self.counts() {
                Some((q, end)) => {
                    self.pos = end - 1;
                    q
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        self.pos += 1;
        let (min, max) = q;
        if max.is_some_and(|max| max < min) {
            return Err(self.invalid("numbers out of order in a {} quantifier"));
        }
        if min > MAX_COUNT || max.is_some_and(|max| max > MAX_COUNT) {
            return Err(self.invalid(&format!("a repetition count above {MAX_COUNT}")));
        }
        Ok(Some(q))
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at the position without moving: the counts and
    /// the position after the `}`.
    fn counts(&self) -> Option<((u32, Option<u32>), usize)> {
        let mut at = self.pos + 1;
        let number = |at: &mut usize| {
            let start = *at;
            let mut n: u32 = 0;
            while let Some(d) = self.chars.get(*at).and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d);
                *at += 1;
            }
            (*at > start).then_some(n)
        };
        let min = number(&mut at)?;
        let max = if self.chars.get(at) == Some(&',') {
            at += 1;
            number(&mut at)
        } else {
            Some(min)
        };
        (self.chars.get(at) == Some(&'}')).then_some(((min, max), at + 1))
    }

    fn atom(&mut self) -> Result<Node, RegexError> {
        let c = self.peek().unwrap_or_default();
        self.pos += 1;
        Ok(match c {
            '(' => self.group()?,
            '[' => Node::Set(self.class()?),
            '.' => Node::Set(Set::of(LINE_TERMINATORS).negate()),
            '^' => Node::Look(Look::Start),
            '$' => Node::Look(Look::End),
            '\\' => self.escape()?,
            '*' | '+' | '?' => return Err(self.invalid("nothing to repeat")),
            '{' => {
                self.pos -= 1;
                if self.counts().is_some() {
                    return Err(self.invalid("nothing to repeat"));
                }
                self.pos += 1;
                literal('{' as u32)
            }
            c => literal(c as u32),
        })
    }

    fn group(&mut self) -> Result<Node, RegexError> {
        if self.eat('?') {
            if self.ahead("=") || self.ahead("!") {
                return Err(self.unsupported("a look-ahead"));
            }
            if self.ahead("<=") || self.ahead("<!") {
                return Err(self.unsupported("a look-behind"));
            }
            if self.eat('<') {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    self.pos += 1;
                }
                if self.pos == start || !self.eat('>') {
                    return Err(self.invalid("an invalid group name"));
                }
            } else if !self.eat(':') {
                return Err(self.invalid("an invalid group"));
            }
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.invalid(&format!("groups nested deeper than {MAX_DEPTH}")));
        }
        let node = self.alternation()?;
        self.depth -= 1;
        if !self.eat(')') {
            return Err(self.invalid("an unterminated group"));
        }
        Ok(node)
    }

    /// After a backslash, outside a class.
    fn escape(&mut self) -> Result<Node, RegexError> {
        match self.peek() {
            Some('b') => {
                self.pos += 1;
                Ok(Node::Look(Look::Word))
            }
            Some('B') => {
                self.pos += 1;
                Ok(Node::Look(Look::NotWord))
            }
            _ => Ok(match self.class_escape()? {
                Item::Char(c) => literal(c),
                Item::Class(set) => Node::Set(set),
            }),
        }
    }

    /// After a backslash, inside or outside a class (`\b` is handled by the caller).
    fn class_escape(&mut self) -> Result<Item, RegexError> {
        let Some(e) = self.peek() else {
            return Err(self.invalid("a lone backslash at the end"));
        };
        self.pos += 1;
        let class = |ranges: &[(u32, u32)], negated: bool| {
            let set = Set::of(ranges);
            Item::Class(if negated { set.negate() } else { set })
        };
        Ok(match e {
            'd' | 'D' => class(DIGIT, e == 'D'),
            'w' | 'W' => class(WORD, e == 'W'),
            's' | 'S' => class(SPACE, e == 'S'),
            '1'..='9' => return Err(self.unsupported("a back-reference")),
            'k' if self.peek() == Some('<') => {
                return Err(self.unsupported("a named back-reference"))
            }
            'p' | 'P' => return Err(self.unsupported("a Unicode property escape")),
            '0' => Item::Char(0),
            't' => Item::Char(9),
            'n' => Item::Char(10),
            'v' => Item::Char(11),
            'f' => Item::Char(12),
            'r' => Item::Char(13),
            'x' => Item::Char(self.hex(2).unwrap_or('x' as u32)),
            'u' => {
                if self.peek() == Some('{') {
                    let end = self.chars[self.pos..].iter().position(|&c| c == '}');
                    let value = end.and_then(|end| {
                        let digits = &self.chars[self.pos + 1..self.pos + end];
                        hex_value(digits).filter(|&v| v <= MAX_CHAR)
                    });
                    if let (Some(end), Some(v)) = (end, value) {
                        self.pos += end + 1;
                        return Ok(Item::Char(v));
                    }
                }
                Item::Char(self.hex(4).unwrap_or('u' as u32))
            }
            'c' => match self.peek() {
                Some(l) if l.is_ascii_alphabetic() => {
                    self.pos += 1;
                    Item::Char(l as u32 % 32)
                }
                // Not a control escape: the backslash stands for itself, then `c`.
                _ => {
                    self.pos -= 1;
                    Item::Char('\\' as u32)
                }
            },
            // Any other escaped character stands for itself (`\/`, `\.`, `\-`, `\q`…).
            other => Item::Char(other as u32),
        })
    }

    /// `n` hexadecimal digits at the position, consumed if they are there.
    fn hex(&mut self, n: usize) -> Option<u32> {
        let digits = self.chars.get(self.pos..self.pos + n)?;
        let v = hex_value(digits)?;
        self.pos += n;
        Some(v)
    }

    /// After `[`.
    fn class(&mut self) -> Result<Set, RegexError> {
        let negated = self.eat('^');
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        loop {
            let first = match self.class_item()? {
                None => break,
                Some(item) => item,
            };
            // A range `a-z`; a `-` first, last or next to a class is a character.
            let range_end = if self.peek() == Some('-')
                && self.chars.get(self.pos + 1).is_some_and(|&c| c != ']')
            {
                self.pos += 1;
                self.class_item()?
            } else {
                None
            };
            match (first, range_end) {
                (Item::Char(lo), Some(Item::Char(hi))) => {
                    if lo > hi {
                        return Err(self.invalid("a range out of order in a character class"));
                    }
                    ranges.push((lo, hi));
                }
                (first, end) => {
                    let dash = end.is_some();
                    for item in [Some(first), end].into_iter().flatten() {
                        match item {
                            Item::Char(c) => ranges.push((c, c)),
                            Item::Class(set) => ranges.extend(set.0),
                        }
                    }
                    if dash {
                        ranges.push(('-' as u32, '-' as u32));
                    }
                }
            }
        }
        let set = Set::of(&ranges);
        Ok(if negated { set.negate() } else { set })
    }

    /// One member of a class, or none at its closing `]`.
    fn class_item(&mut self) -> Result<Option<Item>, RegexError> {
        let Some(c) = self.peek() else {
            return Err(self.invalid("an unterminated character class"));
        };
        self.pos += 1;
        Ok(match c {
            ']' => None,
            '\\' => Some(match self.peek() {
                Some('b') => {
                    self.pos += 1;
                    Item::Char(8)
                }
                Some('B') => {
                    self.pos += 1;
                    Item::Char('B' as u32)
                }
                _ => self.class_escape()?,
            }),
            c => Some(Item::Char(c as u32)),
        })
    }
}

fn literal(c: u32) -> Node {
    Node::Set(Set(vec![(c, c)]))
}

fn hex_value(digits: &[char]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    digits
        .iter()
        .try_fold(0u32, |v, c| Some(v * 16 + c.to_digit(16)?))
}
