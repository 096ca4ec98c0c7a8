//! An index of the dialogs' starter patterns, so that a turn tries only the dialogs whose
//! patterns could fit the message, not all of them: a turn's cost stays linear in the
//! message and barely grows with the number of dialogs (a hash-table lookup per window, a
//! bit per dialog for the candidates).
//!
//! Each pattern has a literal it cannot match without (its longest literal outside any
//! group: `*topic5 (info|details)*` needs `topic5 `). The index keys each such literal by
//! its four characters that are rarest among all literals. A message's candidates are the
//! dialogs one of whose keys occurs somewhere in the message, and the dialogs the index
//! cannot narrow (one of their patterns has no literal of four characters, such as
//! `(hi|hello)*`). Those candidates are then tried exactly as before, in file order: a
//! dialog the index leaves out has no pattern that could fit.

use crate::model::{Dialog, DialogId};
use crate::pattern::Subject;

/// How many characters a key covers.
const GRAM: usize = 4;
/// The bits of an entry that hold its dialog (there are at most 20,000).
const DIALOG_BITS: u32 = 16;

/// The starter index of a bot's dialogs (built once, at load).
#[derive(Debug, Default)]
pub struct StarterIndex {
    /// An open-addressing table (linear probing, 0 for empty) of `key << 16 | dialog`:
    /// each dialog under the key of each of its patterns' literals (the hash of the
    /// literal's rarest four characters in the bot). A table of numbers, written here:
    /// a sort or a hash map would each bring code of their own into the wasm.
    slots: Vec<u64>,
    /// Dialogs with a pattern the index cannot narrow: always tried.
    always: Vec<DialogId>,
    /// How many dialogs the bot has.
    dialogs: usize,
}

/// Four characters as a 47-bit key (FNV-1a) with its top bit set, so never 0: a
/// collision only adds a candidate.
fn key(chars: &[char]) -> u64 {
    let hash = chars.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, c| {
        (h ^ u64::from(u32::from(*c))).wrapping_mul(0x0100_0000_01b3)
    });
    hash >> (DIALOG_BITS + 1) | 1 << (63 - DIALOG_BITS)
}

/// Where probing for `k` starts in a table of `len` (a power of two) slots.
fn home(k: u64, len: usize) -> usize {
    (k as usize ^ (k >> 24) as usize) & (len - 1)
}

impl StarterIndex {
    /// Indexes the enabled dialogs' patterns.
    pub fn new(dialogs: &[Dialog]) -> StarterIndex {
        let mut index = StarterIndex {
            dialogs: dialogs.len(),
            ..StarterIndex::default()
        };
        let mut literals: Vec<(DialogId, &[char])> = Vec::new();
        for (d, dialog) in dialogs.iter().enumerate() {
            if !dialog.enabled || dialog.patterns.is_empty() {
                continue;
            }
            let needed: Option<Vec<&[char]>> = dialog
                .patterns
                .iter()
                .map(|p| p.required().filter(|l| l.len() >= GRAM))
                .collect();
            match needed {
                Some(needed) => literals.extend(needed.into_iter().map(|l| (d, l))),
                None => index.always.push(d),
            }
        }
        // How often each key occurs among all literals: each literal is keyed by its
        // rarest four characters, so `topic17 ` is found by `c17 `, not by `topi`.
        let windows: usize = literals.iter().map(|(_, l)| l.len() - GRAM + 1).sum();
        // Counted by 32 bits of the key (never 0): a collision only merges two counts,
        // and the table stays small enough for the cache.
        let short = |k: u64| (k as u32 ^ (k >> 32) as u32) | 1;
        let mut counts = vec![(0u32, 0u32); (windows * 2).next_power_of_two()];
        let slot = |counts: &[(u32, u32)], k: u64| {
            let k = short(k);
            let mut i = home(u64::from(k), counts.len());
            while counts[i].0 != 0 && counts[i].0 != k {
                i = (i + 1) & (counts.len() - 1);
            }
            i
        };
        for (_, literal) in &literals {
            for k in literal.windows(GRAM).map(key) {
                let i = slot(&counts, k);
                counts[i] = (short(k), counts[i].1 + 1);
            }
        }
        index.slots = vec![0; (literals.len() * 2).next_power_of_two()];
        let mask = index.slots.len() - 1;
        for (d, literal) in &literals {
            let rarest = literal
                .windows(GRAM)
                .map(key)
                .min_by_key(|k| counts[slot(&counts, *k)].1);
            if let Some(k) = rarest {
                let entry = k << DIALOG_BITS | *d as u64;
                let mut i = home(k, index.slots.len());
                while index.slots[i] != 0 && index.slots[i] != entry {
                    i = (i + 1) & mask;
                }
                index.slots[i] = entry;
            }
        }
        index
    }

    /// The dialogs whose patterns may fit `subject`, in file order.
    pub fn candidates(&self, subject: &Subject) -> Vec<DialogId> {
        let mut marked = vec![0u64; self.dialogs.div_ceil(64)];
        let mut mark = |d: DialogId| marked[d / 64] |= 1 << (d % 64);
        self.always.iter().for_each(|d| mark(*d));
        if !self.slots.is_empty() {
            let mask = self.slots.len() - 1;
            for window in subject.chars().windows(GRAM) {
                let k = key(window);
                let mut i = home(k, self.slots.len());
                while self.slots[i] != 0 {
                    if self.slots[i] >> DIALOG_BITS == k {
                        mark((self.slots[i] & ((1 << DIALOG_BITS) - 1)) as DialogId);
                    }
                    i = (i + 1) & mask;
                }
            }
        }
        let mut out = Vec::new();
        for (w, bits) in marked.iter().enumerate() {
            let mut bits = *bits;
            while bits != 0 {
                out.push(w * 64 + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::Pattern;

    fn dialog(patterns: &[&str]) -> Dialog {
        Dialog {
            name: String::new(),
            enabled: true,
            patterns: patterns
                .iter()
                .map(|p| Pattern::parse(p).unwrap())
                .collect(),
            exclude: vec![],
            head: None,
        }
    }

    #[test]
    fn only_dialogs_whose_literals_occur_are_candidates() {
        let dialogs = [
            dialog(&["*topic1 (info|details)*"]),
            dialog(&["(hi|hello)*"]),
            dialog(&["*balance*", "how much money*"]),
            dialog(&["*topic2*"]),
        ];
        let index = StarterIndex::new(&dialogs);
        let of = |m: &str| index.candidates(&Subject::new(m));
        assert_eq!(of("Tell me about TOPIC2 please"), [1, 3]);
        assert_eq!(of("my balance"), [1, 2]);
        assert_eq!(of("nothing"), [1]);
        assert_eq!(of("topic1 info, my balance, topic2"), [0, 1, 2, 3]);
    }

    proptest::proptest! {
        // Whatever the patterns and the message: every dialog with a pattern that fits the
        // message is a candidate (the index only ever leaves out dialogs that cannot match).
        #[test]
        fn no_dialog_that_fits_is_left_out(
            patterns in proptest::collection::vec(
                proptest::collection::vec("(\\*|topic|item[0-9]|about |info|\\(a\\|bc\\|\\)|x) ?", 1..5), 1..30),
            words in proptest::collection::vec("(topic|item[0-9]|about|info|a|bc|x|Topic ?)", 0..8),
        ) {
            let dialogs: Vec<Dialog> = patterns
                .iter()
                .map(|parts| dialog(&[&parts.concat()]))
                .collect();
            let index = StarterIndex::new(&dialogs);
            let message = words.join(" ");
            let subject = Subject::new(&message);
            let candidates = index.candidates(&subject);
            for (d, dialog) in dialogs.iter().enumerate() {
                if dialog.patterns.iter().any(|p| p.fits(&subject)) {
                    proptest::prop_assert!(candidates.contains(&d), "{d} {:?} fits {message:?}", dialog.patterns[0].source());
                }
            }
        }
    }
}
