//! A parsed regular expression compiled to a Thompson program, and a Pike VM that runs
//! it: every thread advances in step over the text, one character at a time, so a
//! search costs at most (program size × text length), whatever the expression.

use super::parse::{Look, Node, Set};
use super::RegexError;

/// The largest program accepted, in instructions (`(a{1000}){1000}` is refused).
pub const MAX_PROGRAM: usize = 20_000;

/// One instruction.
#[derive(Clone, Debug)]
enum Inst {
    /// Consume a character of `sets[i]`.
    Char(u32),
    /// Go on only if the position satisfies the condition.
    Look(Look),
    /// Go on at both.
    Split(u32, u32),
    Jump(u32),
    Match,
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Program {
    insts: Vec<Inst>,
    sets: Vec<Set>,
}

impl Program {
    /// Compiles `node`; a program over [`MAX_PROGRAM`] instructions is an error, found
    /// before anything is built.
    pub fn new(node: &Node, too_large: impl FnOnce() -> RegexError) -> Result<Program, RegexError> {
        if size(node) >= MAX_PROGRAM {
            return Err(too_large());
        }
        let mut p = Program {
            insts: Vec::new(),
            sets: Vec::new(),
        };
        p.emit(node);
        p.insts.push(Inst::Match);
        Ok(p)
    }

    fn push(&mut self, inst: Inst) -> usize {
        self.insts.push(inst);
        self.insts.len() - 1
    }

    fn here(&self) -> u32 {
        self.insts.len() as u32
    }

    fn emit(&mut self, node: &Node) {
        match node {
            Node::Set(set) => {
                // Literals recur (`a{3}` emits `a` thrice): one copy of each set, looked
                // for among the first few (a long expression of distinct characters
                // would otherwise search all of them for each).
                let i = match self.sets.iter().take(256).position(|s| s == set) {
                    Some(i) => i,
                    None => {
                        self.sets.push(set.clone());
                        self.sets.len() - 1
                    }
                };
                self.push(Inst::Char(i as u32));
            }
            Node::Look(look) => {
                self.push(Inst::Look(*look));
            }
            Node::Concat(items) => items.iter().for_each(|n| self.emit(n)),
            Node::Alt(alts) => {
                let mut jumps = Vec::new();
                for (i, alt) in alts.iter().enumerate() {
                    if i + 1 == alts.len() {
                        self.emit(alt);
                        break;
                    }
                    let split = self.push(Inst::Split(0, 0));
                    self.emit(alt);
                    jumps.push(self.push(Inst::Jump(0)));
                    self.insts[split] = Inst::Split(split as u32 + 1, self.here());
                }
                let end = self.here();
                for j in jumps {
                    self.insts[j] = Inst::Jump(end);
                }
            }
            Node::Repeat { node, min, max } => {
                for _ in 0..*min {
                    self.emit(node);
                }
                match max {
                    None => {
                        let split = self.push(Inst::Split(0, 0));
                        self.emit(node);
                        self.push(Inst::Jump(split as u32));
                        self.insts[split] = Inst::Split(split as u32 + 1, self.here());
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.push(Inst::Split(0, 0)));
                            self.emit(node);
                        }
                        let end = self.here();
                        for s in splits {
                            self.insts[s] = Inst::Split(s as u32 + 1, end);
                        }
                    }
                }
            }
        }
    }

    /// Is the expression found anywhere in `text`?
    pub fn is_match(&self, text: &str) -> bool {
        let n = self.insts.len();
        let mut now = Threads::new(n);
        let mut next = Threads::new(n);
        let mut stack = Vec::new();
        // An expression that begins with `^` can only match from the start.
        let anchored = matches!(self.insts.first(), Some(Inst::Look(Look::Start)));
        let mut chars = text.chars();
        let mut at = Around {
            before: None,
            after: chars.next(),
        };
        loop {
            // Unanchored: a match may begin at every position.
            if (!anchored || at.before.is_none()) && self.follow(&mut now, 0, at, &mut stack) {
                return true;
            }
            let Some(c) = at.after else {
                return false;
            };
            if now.len == 0 && anchored {
                return false;
            }
            let step = Around {
                before: Some(c),
                after: chars.next(),
            };
            next.clear();
            for i in 0..now.len {
                let pc = now.dense[i] as usize;
                if let Inst::Char(set) = self.insts[pc] {
                    if self.sets[set as usize].contains(c as u32)
                        && self.follow(&mut next, pc as u32 + 1, step, &mut stack)
                    {
                        return true;
                    }
                }
            }
            std::mem::swap(&mut now, &mut next);
            at = step;
        }
    }

    /// Adds `pc` and what it leads to without consuming a character at a position
    /// (`at`); true if that reaches the match.
    fn follow(&self, threads: &mut Threads, pc: u32, at: Around, stack: &mut Vec<u32>) -> bool {
        stack.clear();
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !threads.insert(pc) {
                continue;
            }
            match self.insts[pc as usize] {
                Inst::Char(_) => {}
                Inst::Look(look) => {
                    if at.holds(look) {
                        stack.push(pc + 1);
                    }
                }
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Jump(to) => stack.push(to),
                Inst::Match => return true,
            }
        }
        false
    }
}

/// A position in the text: the characters on either side (none at either end).
#[derive(Clone, Copy)]
struct Around {
    before: Option<char>,
    after: Option<char>,
}

impl Around {
    fn holds(self, look: Look) -> bool {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let boundary = word(self.before) != word(self.after);
        match look {
            Look::Start => self.before.is_none(),
            Look::End => self.after.is_none(),
            Look::Word => boundary,
            Look::NotWord => !boundary,
        }
    }
}

/// The number of instructions `node` compiles to (saturating).
fn size(node: &Node) -> usize {
    match node {
        Node::Set(_) | Node::Look(_) => 1,
        Node::Concat(items) => items.iter().fold(0, |n, i| n.saturating_add(size(i))),
        Node::Alt(alts) => alts
            .iter()
            .fold(0, |n, a| n.saturating_add(size(a)).saturating_add(2)),
        Node::Repeat { node, min, max } => {
            let copies = max.unwrap_or(*min).max(*min) as usize + 1;
            size(node).saturating_add(1).saturating_mul(copies)
        }
    }
}

/// A set of program counters in insertion order, cleared in constant time.
struct Threads {
    dense: Vec<u32>,
    sparse: Vec<u32>,
    len: usize,
}

impl Threads {
    fn new(n: usize) -> Threads {
        Threads {
            dense: vec![0; n],
            sparse: vec![0; n],
            len: 0,
        }
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Adds `pc`; false if it was there.
    fn insert(&mut self, pc: u32) -> bool {
        let i = self.sparse[pc as usize] as usize;
        if i < self.len && self.dense[i] == pc {
            return false;
        }
        self.dense[self.len] = pc;
        self.sparse[pc as usize] = self.len as u32;
        self.len += 1;
        true
    }
}
