//! An index of the dialogs' starter patterns, so that a turn tries only the dialogs whose
//! patterns could fit the message, not all of them: a turn's cost stays linear in the
//! message and grows with the number of dialogs only through a binary search.
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
    /// A key (the hash of four characters of a pattern's literal, the rarest four in the
    /// bot) and its dialog, as `key << 16 | dialog`, sorted: one number, so one sort.
    entries: Vec<u64>,
    /// Dialogs with a pattern the index cannot narrow: always tried.
    always: Vec<DialogId>,
    /// How many dialogs the bot has.
    dialogs: usize,
}

/// Four characters as a 48-bit key (FNV-1a): a collision only adds a candidate.
fn key(chars: &[char]) -> u64 {
    let hash = chars.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, c| {
        (h ^ u64::from(u32::from(*c))).wrapping_mul(0x0100_0000_01b3)
    });
    hash >> DIALOG_BITS
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
        let mut all: Vec<u64> = literals
            .iter()
            .flat_map(|(_, l)| l.windows(GRAM).map(key))
            .collect();
        all.sort_unstable();
        let count = |k: u64| all.partition_point(|x| *x <= k) - all.partition_point(|x| *x < k);
        for (d, literal) in &literals {
            if let Some(k) = literal.windows(GRAM).map(key).min_by_key(|k| count(*k)) {
                index.entries.push(k << DIALOG_BITS | *d as u64);
            }
        }
        index.entries.sort_unstable();
        index.entries.dedup();
        index
    }

    /// The dialogs whose patterns may fit `subject`, in file order.
    pub fn candidates(&self, subject: &Subject) -> Vec<DialogId> {
        let mut marked = vec![0u64; self.dialogs.div_ceil(64)];
        let mut mark = |d: DialogId| marked[d / 64] |= 1 << (d % 64);
        self.always.iter().for_each(|d| mark(*d));
        for window in subject.chars().windows(GRAM) {
            let k = key(window);
            let first = self.entries.partition_point(|e| e >> DIALOG_BITS < k);
            for e in self.entries[first..]
                .iter()
                .take_while(|e| *e >> DIALOG_BITS == k)
            {
                mark((e & ((1 << DIALOG_BITS) - 1)) as DialogId);
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
