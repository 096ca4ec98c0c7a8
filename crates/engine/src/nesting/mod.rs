//! How deep JavaScript nests, read without a JavaScript parser: the load-time guard that
//! keeps bot code within what every engine's parser can take.
//!
//! Parsers recurse for more than brackets. Each of these opens a level that lasts until
//! its operand, its body or its statement ends, and a run of them nests as deep as
//! brackets do: a prefix operator (`!`, `-`, `typeof`, `new`, …), an assignment (`a = b =
//! c`), a conditional (`a ? b : c ? …`), an arrow (`() => () => …`), a statement inside
//! another without braces (`if (a) if (b) …`, loops, `with`, `else if` chains) and a
//! label. [`measure`] reads the code as tokens (strings, template literals, regular
//! expressions and comments skipped as such, semicolons inserted at line ends the way
//! JavaScript inserts them) and counts the levels open at each point; lists that do not
//! nest (`a, b, c`, `a + b + c`, statements one after another) count once.
//!
//! Where code cannot be read without a parser (a `{` that opens a block or an object, a
//! `/` that divides or starts a regular expression, a line end that may end a statement),
//! the count reads it as JavaScript reads ordinary code. Code written to mislead it still
//! meets each engine's own stack limit when it runs; this check is what tells the bot's
//! author, with the interaction named, before any visitor does.

/// The deepest code a bot may have: code nested deeper than this, in any of the ways
/// [`nesting`] counts, is refused at load time. Each level costs a parser up to about
/// 2 KB of stack (an arrow in Chromium's worker, which holds 540 of them); 128 levels fit
/// every engine measured with room to spare (docs/performance.md).
pub const MAX_CODE_DEPTH: usize = 128;

/// How deep JavaScript `source` nests: brackets, prefix operators, assignments,
/// conditionals, arrows, statements and labels, as counted by [`measure`].
pub fn nesting(source: &str) -> usize {
    measure(source).depth
}

/// What nests, at the deepest point of some code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Nesting {
    /// The levels open there.
    pub depth: usize,
    /// How many of them are each kind of [`Level`], in the order of [`Level::ALL`].
    pub counts: [usize; Level::ALL.len()],
}

impl Nesting {
    /// The kinds of level open at the deepest point, most first: `"3 brackets, 1
    /// assignment"`.
    pub fn parts(&self) -> String {
        // (fewer, level) pairs, sorted as the regex sets' ranges are: one instance of the
        // sort in the wasm, and ties stay in the order of `Level::ALL`.
        let mut parts: Vec<(u32, u32)> = Level::ALL
            .iter()
            .filter(|&&level| self.counts[level as usize] > 0)
            .map(|&level| (u32::MAX - self.counts[level as usize] as u32, level as u32))
            .collect();
        parts.sort_unstable();
        let named: Vec<String> = parts
            .iter()
            .map(|&(fewer, level)| {
                let count = u32::MAX - fewer;
                let (one, many) = Level::ALL[level as usize].names();
                format!("{count} {}", if count == 1 { one } else { many })
            })
            .collect();
        named.join(", ")
    }
}

/// A kind of nesting level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// `(`, `[`, `{` or a template literal's `${`.
    Bracket = 0,
    /// A prefix operator: `!`, `~`, `+`, `-`, `++`, `--`, `typeof`, `void`, `delete`,
    /// `new`, `await`, `yield`.
    Prefix,
    /// `=` and the compound assignments.
    Assignment,
    /// `? :`.
    Conditional,
    /// `=>`.
    Arrow,
    /// A statement that holds the next one: `if`, `else`, `for`, `while`, `do`, `with`.
    Statement,
    /// `name:` before a statement.
    Label,
}

impl Level {
    /// Every kind, in the order of [`Nesting::counts`].
    pub const ALL: [Level; 7] = [
        Level::Bracket,
        Level::Prefix,
        Level::Assignment,
        Level::Conditional,
        Level::Arrow,
        Level::Statement,
        Level::Label,
    ];

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Level::Bracket => ("bracket", "brackets"),
            Level::Prefix => ("prefix operator", "prefix operators"),
            Level::Assignment => ("assignment", "assignments"),
            Level::Conditional => ("conditional", "conditionals"),
            Level::Arrow => ("arrow function", "arrow functions"),
            Level::Statement => ("statement", "statements"),
            Level::Label => ("label", "labels"),
        }
    }

    /// Whether the level belongs to an expression (and ends with it).
    fn in_expression(self) -> bool {
        matches!(
            self,
            Level::Prefix | Level::Assignment | Level::Conditional | Level::Arrow
        )
    }
}

/// What a bracket opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// The whole code.
    Top,
    /// Statements: a block, a function's body, a class's body.
    Block,
    /// An object literal.
    Object,
    /// Parentheses after `if`, `for`, `while`, `with`, `switch` or `catch`.
    Header,
    /// Other parentheses.
    Paren,
    /// `[`.
    Square,
    /// A template literal's `${`.
    Template,
}

impl Frame {
    fn holds_statements(self) -> bool {
        matches!(self, Frame::Top | Frame::Block)
    }

    fn closer(self) -> u8 {
        match self {
            Frame::Top => 0,
            Frame::Block | Frame::Object | Frame::Template => b'}',
            Frame::Header | Frame::Paren => b')',
            Frame::Square => b']',
        }
    }
}

/// A level open inside a frame; `open` is whether a conditional still waits for its `:`.
#[derive(Clone, Copy, Debug)]
struct Link {
    level: Level,
    open: bool,
}

/// A frame and the levels open inside it.
#[derive(Debug)]
struct Open {
    frame: Frame,
    links: Vec<Link>,
    /// How many of the links are conditionals, and how many of those wait for their `:`
    /// (kept so that a `:` or a `{` is read in constant time).
    conditionals: usize,
    waiting: usize,
}

impl Open {
    fn new(frame: Frame) -> Open {
        Open {
            frame,
            links: Vec::new(),
            conditionals: 0,
            waiting: 0,
        }
    }
}

/// A token, as much as the count needs to know of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    /// An identifier or a keyword.
    Word(&'a str),
    /// A number, a string, a regular expression or a whole template literal.
    Literal,
    /// A template literal's text up to a `${`.
    TemplateHead,
    /// An operator or a punctuator.
    Punct(&'a str),
}

/// Punctuators, longest first.
const PUNCTUATORS: [&str; 50] = [
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "**", "<<", ">>", "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%",
    "&", "|",
];

/// Single characters not in [`PUNCTUATORS`].
const SINGLES: &str = "^!~?:=.@#";

/// Words after which an expression starts (so `/` is a regular expression and `{` an
/// object), and that do not end one.
const OPERATOR_WORDS: [&str; 20] = [
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
    "extends",
    "var",
    "let",
    "const",
    "export",
    "default",
];

const ASSIGNMENTS: [&str; 16] = [
    "=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=", "&&=", "||=",
    "??=",
];

const BINARY: [&str; 22] = [
    "+", "-", "*", "/", "%", "**", "==", "!=", "===", "!==", "<", ">", "<=", ">=", "&&", "||",
    "??", "&", "|", "^", "<<", ">>",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'\\' || b >= 0x80
}

mod count;
#[cfg(test)]
mod tests;

pub(crate) use count::measure;
