//! The counter: `source` read token by token, with the frames and levels open at each.

use super::*;

/// Reads `source` as tokens and counts the levels open at each one; see the module.
pub(crate) fn measure(source: &str) -> Nesting {
    Counter::new(source).run()
}

struct Counter<'a> {
    src: &'a str,
    at: usize,
    /// Open frames, each with its links; the first is [`Frame::Top`].
    frames: Vec<Open>,
    depth: usize,
    counts: [usize; Level::ALL.len()],
    deepest: Nesting,
    /// The token before, and whether a line ended since.
    prev: Option<Token<'a>>,
    newline: bool,
    /// The token before closed a statement's header, or a block that may end a statement.
    after_header: bool,
    after_block: bool,
    /// The token before was a name where a statement starts (so a `:` makes it a label).
    name_at_start: bool,
    /// How many open frames each closer closes (`)`, `]`, `}`; the top frame's none).
    unclosed: [usize; 4],
}

fn closer_index(closer: u8) -> usize {
    match closer {
        b')' => 0,
        b']' => 1,
        b'}' => 2,
        _ => 3,
    }
}

impl<'a> Counter<'a> {
    fn new(src: &'a str) -> Counter<'a> {
        Counter {
            src,
            at: 0,
            frames: vec![Open::new(Frame::Top)],
            depth: 0,
            counts: [0; Level::ALL.len()],
            deepest: Nesting::default(),
            prev: None,
            newline: false,
            after_header: false,
            after_block: false,
            name_at_start: false,
            unclosed: [0, 0, 0, 1],
        }
    }

    fn run(mut self) -> Nesting {
        while let Some(token) = self.next_token() {
            self.take(token);
        }
        self.deepest
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn at_end(&self) -> bool {
        self.at >= self.src.len()
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes().get(self.at + ahead).copied().unwrap_or(0)
    }

    // ---- the count ----

    fn record(&mut self) {
        if self.depth > self.deepest.depth {
            self.deepest = Nesting {
                depth: self.depth,
                counts: self.counts,
            };
        }
    }

    fn push_frame(&mut self, frame: Frame) {
        self.unclosed[closer_index(frame.closer())] += 1;
        self.frames.push(Open::new(frame));
        self.depth += 1;
        self.counts[Level::Bracket as usize] += 1;
        self.record();
    }

    fn push_link(&mut self, level: Level) {
        let open = level == Level::Conditional;
        let current = self.current();
        current.links.push(Link { level, open });
        current.conditionals += usize::from(open);
        current.waiting += usize::from(open);
        self.depth += 1;
        self.counts[level as usize] += 1;
        self.record();
    }

    fn pop_link(&mut self) -> Option<Link> {
        let current = self.current();
        let link = current.links.pop()?;
        if link.level == Level::Conditional {
            current.conditionals -= 1;
            current.waiting -= usize::from(link.open);
        }
        self.depth -= 1;
        self.counts[link.level as usize] -= 1;
        Some(link)
    }

    fn top_link(&self) -> Option<Link> {
        self.frames
            .last()
            .and_then(|open| open.links.last().copied())
    }

    /// Pops the links on top of the current frame's while `ends` says they end.
    fn pop_while(&mut self, ends: impl Fn(Link) -> bool) {
        while self.top_link().is_some_and(&ends) {
            self.pop_link();
        }
    }

    /// A statement ended (`;`, or a line end where JavaScript inserts one).
    fn end_statement(&mut self) {
        self.pop_while(|_| true);
    }

    fn frame(&self) -> Frame {
        self.frames.last().expect("the top frame").frame
    }

    /// Whether a frame that `closer` closes is open.
    fn closable(&self, closer: u8) -> bool {
        self.unclosed[closer_index(closer)] > 0
    }

    fn current(&mut self) -> &mut Open {
        self.frames.last_mut().expect("the top frame")
    }

    /// Closes the innermost frame that `closer` closes, with what is open inside it.
    fn close(&mut self, closer: u8) -> Option<Frame> {
        // A closer with nothing to close is passed over without a search (which, done
        // for every one of many stray closers, would take quadratic time).
        if !self.closable(closer) {
            return None;
        }
        let index = self
            .frames
            .iter()
            .rposition(|open| open.frame.closer() == closer)?;
        let mut frame = Frame::Top;
        while self.frames.len() > index {
            self.end_statement();
            let popped = self.frames.pop().expect("a frame").frame;
            self.unclosed[closer_index(popped.closer())] -= 1;
            self.depth -= 1;
            self.counts[Level::Bracket as usize] -= 1;
            frame = popped;
        }
        Some(frame)
    }

    /// Whether the token before ended an expression (so `/` divides, `+` adds, and a line
    /// end before a new statement ends the statement).
    fn after_operand(&self) -> bool {
        match self.prev {
            Some(Token::Literal) => true,
            Some(Token::Word(w)) => !OPERATOR_WORDS.contains(&w),
            Some(Token::Punct(p)) => matches!(p, ")" | "]" | "}" | "++" | "--"),
            _ => false,
        }
    }

    /// Whether a statement may start here (for labels and statements that nest).
    fn at_statement_start(&self) -> bool {
        if !self.frame().holds_statements() {
            return false;
        }
        self.after_header
            || match self.prev {
                None => true,
                Some(Token::Punct(p)) => matches!(p, ";" | "{" | "}" | ":"),
                Some(Token::Word(w)) => matches!(w, "else" | "do"),
                _ => false,
            }
            || (self.newline && self.after_operand())
    }

    fn take(&mut self, token: Token<'a>) {
        let after_block = std::mem::take(&mut self.after_block);
        if after_block && !matches!(token, Token::Word("else" | "catch" | "finally")) {
            // The block ended its statement: what held it ends too.
            self.pop_while(|l| matches!(l.level, Level::Statement | Level::Label));
        }
        let dotted = matches!(self.prev, Some(Token::Punct("." | "?.")));
        // JavaScript ends a statement at a line end when what follows cannot go on with it.
        if self.newline && self.frame().holds_statements() && !dotted {
            let starts = match token {
                Token::Word(w) => {
                    !matches!(w, "in" | "instanceof" | "of" | "else" | "catch" | "finally")
                }
                Token::Literal => true,
                Token::TemplateHead => false,
                Token::Punct(p) => matches!(p, "{" | "!" | "~" | "++" | "--"),
            };
            let ended = matches!(
                self.prev,
                Some(Token::Word("return" | "break" | "continue" | "debugger"))
            );
            if starts && (self.after_operand() || ended) {
                self.end_statement();
            }
        }
        let statement_start = self.at_statement_start();
        let operand_before = self.after_operand();
        self.after_header = false;
        match token {
            Token::Word(word) if !dotted => self.word(word, statement_start),
            Token::Word(_) | Token::Literal => {}
            Token::TemplateHead => self.push_frame(Frame::Template),
            Token::Punct(p) => self.punct(p, operand_before),
        }
        self.name_at_start = statement_start
            && matches!(token, Token::Word(w) if !OPERATOR_WORDS.contains(&w) && w != "default");
        self.prev = Some(token);
        self.newline = false;
    }

    fn word(&mut self, word: &'a str, statement_start: bool) {
        match word {
            "typeof" | "void" | "delete" | "new" | "await" | "yield" => {
                self.push_link(Level::Prefix)
            }
            "if" if matches!(self.prev, Some(Token::Word("else"))) => {}
            "if" | "else" | "for" | "while" | "with" | "do" if statement_start => {
                self.push_link(Level::Statement)
            }
            "in" | "instanceof" => self.pop_while(|l| l.level == Level::Prefix),
            _ => {}
        }
    }

    fn punct(&mut self, p: &'a str, operand_before: bool) {
        match p {
            "(" => {
                let header = matches!(
                    self.prev,
                    Some(Token::Word(
                        "if" | "for" | "while" | "with" | "switch" | "catch"
                    ))
                );
                self.push_frame(if header { Frame::Header } else { Frame::Paren });
            }
            "[" => self.push_frame(Frame::Square),
            "{" => {
                let frame = if self.object_here() {
                    Frame::Object
                } else {
                    Frame::Block
                };
                self.push_frame(frame);
            }
            ")" | "]" | "}" => {
                let closed = self.close(p.as_bytes()[0]);
                match closed {
                    Some(Frame::Header) => self.after_header = true,
                    Some(Frame::Block) => self.after_block = true,
                    Some(Frame::Template) => {
                        // The template literal goes on after its `${…}`.
                        if let Some(token) = self.template() {
                            if token == Token::TemplateHead {
                                self.push_frame(Frame::Template);
                            }
                        }
                    }
                    _ => {}
                }
            }
            ";" => self.end_statement(),
            "," => self.pop_while(|l| l.level.in_expression()),
            "?" => {
                self.pop_while(|l| l.level == Level::Prefix);
                self.push_link(Level::Conditional);
            }
            ":" => {
                if self.current().waiting > 0 {
                    // The conditional's alternative: what its consequent opened is closed.
                    while let Some(link) = self.top_link() {
                        if link.level == Level::Conditional && link.open {
                            let current = self.current();
                            current.waiting -= 1;
                            if let Some(last) = current.links.last_mut() {
                                last.open = false;
                            }
                            break;
                        }
                        self.pop_link();
                    }
                } else if self.name_at_start && self.frame().holds_statements() {
                    // `name:` where a statement starts: a label.
                    self.push_link(Level::Label);
                }
            }
            "=>" => {
                self.pop_while(|l| l.level == Level::Prefix);
                self.push_link(Level::Arrow);
            }
            "!" | "~" | "..." => self.push_link(Level::Prefix),
            "+" | "-" | "++" | "--" if !operand_before => self.push_link(Level::Prefix),
            "++" | "--" => {}
            p if ASSIGNMENTS.contains(&p) => {
                self.pop_while(|l| l.level == Level::Prefix);
                self.push_link(Level::Assignment);
            }
            p if BINARY.contains(&p) => self.pop_while(|l| l.level == Level::Prefix),
            _ => {}
        }
    }

    /// Whether a `{` here opens an object literal rather than a block.
    fn object_here(&self) -> bool {
        match self.prev {
            None | Some(Token::Literal) => false,
            Some(Token::TemplateHead) => true,
            Some(Token::Punct(p)) => match p {
                ")" | "]" | "}" | ";" | "{" | "=>" => false,
                // A value in an object or a conditional's alternative; else a label's block.
                ":" => self.frame() == Frame::Object || self.conditional_here(),
                _ => true,
            },
            Some(Token::Word(w)) => OPERATOR_WORDS.contains(&w) && !matches!(w, "do" | "else"),
        }
    }

    /// Whether a conditional is open in the current frame.
    fn conditional_here(&self) -> bool {
        self.frames.last().is_some_and(|open| open.conditionals > 0)
    }

    // ---- the tokens ----

    /// Skips white space and comments, noting line ends.
    fn skip_space(&mut self) {
        loop {
            let b = self.peek(0);
            match b {
                b'\n' | b'\r' => {
                    self.newline = true;
                    self.at += 1;
                }
                b' ' | b'\t' | 0x0b | 0x0c => self.at += 1,
                b'/' if self.peek(1) == b'/' => {
                    while !self.at_end() && !matches!(self.peek(0), b'\n' | b'\r') {
                        self.at += 1;
                    }
                }
                b'/' if self.peek(1) == b'*' => {
                    let end = self.src[self.at + 2..]
                        .find("*/")
                        .map_or(self.src.len(), |i| self.at + 2 + i + 2);
                    if self.src[self.at..end].contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
                        self.newline = true;
                    }
                    self.at = end;
                }
                0x80.. => {
                    let c = self.src[self.at..].chars().next().expect("a character");
                    if !c.is_whitespace() {
                        return;
                    }
                    if matches!(c, '\u{2028}' | '\u{2029}') {
                        self.newline = true;
                    }
                    self.at += c.len_utf8();
                }
                _ => return,
            }
        }
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        self.skip_space();
        let start = self.at;
        let b = self.peek(0);
        if start >= self.src.len() {
            return None;
        }
        let token = match b {
            b'`' => {
                self.at += 1;
                return self.template();
            }
            b'"' | b'\'' => {
                self.at += 1;
                while !self.at_end() && !matches!(self.peek(0), b'\n' | b'\r') && self.peek(0) != b
                {
                    self.skip_escaped();
                }
                self.at = (self.at + 1).min(self.src.len());
                Token::Literal
            }
            b'0'..=b'9' => {
                self.word_bytes();
                Token::Literal
            }
            b'.' if self.peek(1).is_ascii_digit() => {
                self.at += 1;
                self.word_bytes();
                Token::Literal
            }
            b'/' if !self.after_operand() => {
                self.regex();
                Token::Literal
            }
            b if is_word_byte(b) => {
                self.word_bytes();
                Token::Word(&self.src[start..self.at])
            }
            _ => {
                let rest = &self.src[self.at..];
                let p = PUNCTUATORS
                    .iter()
                    .find(|p| rest.starts_with(**p))
                    .copied()
                    .filter(|p| *p != "?." || !self.peek(2).is_ascii_digit());
                match p {
                    Some(p) => {
                        self.at += p.len();
                        Token::Punct(p)
                    }
                    None => {
                        let len = rest.chars().next().map_or(1, char::len_utf8);
                        self.at += len;
                        let single = &self.src[start..self.at];
                        if SINGLES.contains(single) {
                            Token::Punct(single)
                        } else {
                            // Not JavaScript: passed over.
                            return self.next_token();
                        }
                    }
                }
            }
        };
        Some(token)
    }

    /// Skips a `\` and the character it escapes (whole, so that reading stays on
    /// character boundaries), or a lone byte that is not a backslash.
    fn skip_escaped(&mut self) {
        if self.peek(0) == b'\\' {
            self.at += 1;
        }
        let len = match self.peek(0) {
            0xf0.. => 4,
            0xe0.. => 3,
            0xc0.. => 2,
            _ => 1,
        };
        self.at = (self.at + len).min(self.src.len());
    }

    /// Skips the rest of a word or a number (a number's `.` and exponent sign included).
    fn word_bytes(&mut self) {
        let number = self.peek(0).is_ascii_digit() || self.peek(0) == b'.';
        loop {
            let b = self.peek(0);
            if b == b'\\' {
                self.skip_escaped();
            } else if number && (b == b'.' || ((b == b'+' || b == b'-') && self.exponent())) {
                self.at += 1;
            } else if is_word_byte(b) {
                if b >= 0x80 {
                    let c = self.src[self.at..].chars().next().expect("a character");
                    if c.is_whitespace() {
                        return;
                    }
                    self.at += c.len_utf8();
                } else {
                    self.at += 1;
                }
            } else {
                return;
            }
        }
    }

    /// Whether the number read so far ends in an exponent's `e` (and is not hexadecimal).
    fn exponent(&self) -> bool {
        let read = &self.src.as_bytes()[..self.at];
        matches!(read.last(), Some(b'e' | b'E'))
            && !read
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphanumeric())
                .any(|b| matches!(b, b'x' | b'X'))
    }

    /// Skips a regular expression literal (its `/` first).
    fn regex(&mut self) {
        self.at += 1;
        let mut class = false;
        loop {
            match self.peek(0) {
                _ if self.at_end() => return,
                b'\n' | b'\r' => return,
                b'\\' => {
                    self.skip_escaped();
                    continue;
                }
                b'[' => class = true,
                b']' => class = false,
                b'/' if !class => break,
                _ => {}
            }
            self.at += 1;
        }
        self.at += 1;
        self.word_bytes();
    }

    /// Reads a template literal's text from just after its `` ` `` or a `}` that closed
    /// one of its `${`: the whole rest of it, or up to the next `${`.
    fn template(&mut self) -> Option<Token<'a>> {
        loop {
            match self.peek(0) {
                0 if self.at >= self.src.len() => return Some(Token::Literal),
                b'\\' => self.skip_escaped(),
                b'`' => {
                    self.at += 1;
                    return Some(Token::Literal);
                }
                b'$' if self.peek(1) == b'{' => {
                    self.at += 2;
                    return Some(Token::TemplateHead);
                }
                _ => self.at += 1,
            }
        }
    }
}
