//! Case-insensitive matching, done here rather than by the `regex` crate: every class of
//! a case-insensitive expression (a literal is a class of one) is widened to each unit
//! that stands for the same one, and the crate matches it as written. The crate's own
//! `(?i)` would bring its Unicode case-folding table (47 KB of wasm, 9.7 KB brotli, where
//! this module costs 0.4 KB) for what the host's upper and lower case (the browser's, in
//! the widget) already answer.
//!
//! - **Without `u`**, as ECMAScript's Canonicalize defines it: a code unit stands for its
//!   upper case when that is one code unit, except that no character beyond ASCII stands
//!   for an ASCII one (so `ſ` is not `s`, and `K`, the Kelvin sign, is not `k`).
//! - **With `u`**, by Unicode's simple case folding: a character stands for the lower case
//!   of its upper case where both are one character (`ſ` → `S` → `s`, `ς` → `Σ` → `σ`,
//!   the Kelvin sign → itself → `k`), else for its own lower case where that is one
//!   character (`ẞ` → `ß`), else for itself (`İ`, whose lower case is two); the one
//!   exceptions are the dotless `ı`, which folds to nothing else (its `I` is Turkish
//!   casing, which simple folding leaves out), and three pairs [`SAME`] joins. The tests hold this against the
//!   `regex-syntax` crate's folding table for every character.

use std::sync::OnceLock;

use super::set::Set;
use crate::case::{lower_each, upper_each};

/// The last character scanned for case with `u` (every cased character of Unicode 16 is
/// below U+1E944; the scan goes on to the end of the plane).
const LAST_CASED: u32 = 0x1_FFFF;

/// What unit `u` stands for, case-insensitively, without the `u` flag, given its upper
/// case when that is one character.
fn canonical(u: u32, upper: Option<char>) -> u32 {
    match upper.map(|c| c as u32) {
        Some(up) if up <= 0xFFFF && !(u >= 128 && up < 128) => up,
        _ => u,
    }
}

/// What character `c` stands for with the `u` flag (its simple case folding), given its
/// upper case, that upper case's lower case and its own lower case, each where it is one
/// character.
fn folding(c: char, upper: Option<char>, lower_of_upper: Option<char>, lower: Option<char>) -> u32 {
    let to = match (upper, lower_of_upper) {
        _ if c == '\u{131}' => c, // ı
        (Some(_), Some(l)) => l,
        _ => lower.unwrap_or(c),
    };
    SAME.iter()
        .find(|&&(from, _)| from == to as u32)
        .map_or(to as u32, |&(_, to)| to)
}

/// Characters that simple case folding joins though their cases do not: each has a
/// case of two characters, and is canonically the same as the other (`ΐ` twice, `ΰ`
/// twice, and the two `st` ligatures).
const SAME: [(u32, u32); 3] = [(0x1FD3, 0x390), (0x1FE3, 0x3B0), (0xFB05, 0xFB06)];

/// The units that stand for another: (canonical, unit) pairs sorted by canonical unit,
/// and the units alone, sorted. Made once per mode, on the first case-insensitive
/// expression of that mode.
struct Moved {
    pairs: Vec<(u32, u32)>,
    units: Vec<u32>,
}

impl Moved {
    /// From (canonical, unit) pairs in ascending order of unit.
    fn new(pairs: impl Iterator<Item = (u32, u32)>) -> Moved {
        let mut pairs: Vec<(u32, u32)> = pairs.filter(|&(canon, u)| canon != u).collect();
        let units = pairs.iter().map(|&(_, u)| u).collect(); // ascending: made in order
        pairs.sort_unstable();
        Moved { pairs, units }
    }
}

fn moved(unicode: bool) -> &'static Moved {
    static UNITS: OnceLock<Moved> = OnceLock::new();
    static CHARS: OnceLock<Moved> = OnceLock::new();
    if !unicode {
        return UNITS.get_or_init(|| {
            // Surrogates have no case.
            let units: Vec<char> = (0..=0xFFFF).filter_map(char::from_u32).collect();
            let upper = upper_each(&units);
            Moved::new(
                units
                    .iter()
                    .zip(upper)
                    .map(|(&c, upper)| (canonical(c as u32, upper), c as u32)),
            )
        });
    }
    CHARS.get_or_init(|| {
        let chars: Vec<char> = (0..=LAST_CASED).filter_map(char::from_u32).collect();
        let upper = upper_each(&chars);
        let uppers: Vec<char> = upper
            .iter()
            .zip(&chars)
            .map(|(u, &c)| u.unwrap_or(c))
            .collect();
        let lower_of_upper = lower_each(&uppers);
        let lower = lower_each(&chars);
        Moved::new(
            chars
                .iter()
                .enumerate()
                .map(|(k, &c)| (folding(c, upper[k], lower_of_upper[k], lower[k]), c as u32)),
        )
    })
}

/// Every unit that matches some unit of `set` case-insensitively, with the `u` flag or
/// without.
pub fn closure(set: &Set, unicode: bool) -> Set {
    let Moved { pairs, units } = moved(unicode);
    let is_moved = |u: u32| units.binary_search(&u).is_ok();
    // The canonical units the set stands for.
    let mut canon: Vec<(u32, u32)> = pairs
        .iter()
        .filter(|&&(_, m)| set.contains(m))
        .map(|&(c, _)| (c, c))
        .collect();
    canon.extend(
        pairs
            .iter()
            .filter(|&&(c, _)| set.contains(c) && !is_moved(c))
            .map(|&(c, _)| (c, c)),
    );
    // As a set: sorted and merged by the one sort of (u32, u32) pairs in the wasm.
    let canon = Set::of(&canon);
    let mut extra: Vec<(u32, u32)> = Vec::new();
    for c in canon.0.iter().flat_map(|&(lo, hi)| lo..=hi) {
        if !is_moved(c) {
            extra.push((c, c));
        }
        let from = pairs.partition_point(|&(k, _)| k < c);
        for &(k, m) in &pairs[from..] {
            if k != c {
                break;
            }
            extra.push((m, m));
        }
    }
    set.union(&Set::of(&extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folds(a: char) -> Vec<char> {
        folds_in(a, false)
    }

    fn folds_in(a: char, unicode: bool) -> Vec<char> {
        let s = closure(&Set::unit(a as u32), unicode);
        s.0.iter()
            .flat_map(|&(lo, hi)| lo..=hi)
            .filter_map(char::from_u32)
            .collect()
    }

    #[test]
    #[cfg(feature = "unicode-case")] // else the host's upper case (the browser's)
    fn javascript_canonicalize() {
        assert_eq!(folds('a'), vec!['A', 'a']);
        assert_eq!(folds('K'), vec!['K', 'k']); // not the Kelvin sign
        assert_eq!(folds('\u{212A}'), vec!['\u{212A}']);
        assert_eq!(folds('s'), vec!['S', 's']); // not ſ
        assert_eq!(folds('ß'), vec!['ß']); // its upper case is two letters
        assert_eq!(folds('σ'), vec!['Σ', 'ς', 'σ']);
        assert_eq!(folds('ς'), vec!['Σ', 'ς', 'σ']);
        assert_eq!(folds('é'), vec!['É', 'é']);
        assert_eq!(folds('1'), vec!['1']);
    }

    #[test]
    #[cfg(feature = "unicode-case")]
    fn unicode_simple_case_folding() {
        assert_eq!(folds_in('k', true), vec!['K', 'k', '\u{212A}']);
        assert_eq!(folds_in('\u{212A}', true), vec!['K', 'k', '\u{212A}']);
        assert_eq!(folds_in('s', true), vec!['S', 's', 'ſ']);
        assert_eq!(folds_in('ß', true), vec!['ß', 'ẞ']);
        assert_eq!(folds_in('ı', true), vec!['ı']);
        assert_eq!(folds_in('İ', true), vec!['İ']);
        assert_eq!(folds_in('i', true), vec!['I', 'i']);
        assert_eq!(folds_in('θ', true), vec!['Θ', 'θ', 'ϑ', 'ϴ']);
        assert_eq!(folds_in('1', true), vec!['1']);
    }

    /// With `u`, every character folds with exactly the characters `regex-syntax`'s
    /// simple case-folding table (the `regex` crate's own `(?i)`) folds it with, among
    /// the characters of the table's Unicode version (the standard library's, which the
    /// tests fold by, may be newer).
    #[test]
    #[cfg(feature = "unicode-case")]
    fn unicode_folding_is_the_crates_table() {
        use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
        use std::collections::HashMap;
        let Moved { pairs, .. } = moved(true);
        let mut classes: HashMap<u32, Vec<u32>> = HashMap::new();
        for &(canon, m) in pairs {
            classes.entry(canon).or_insert_with(|| vec![canon]).push(m);
        }
        let mut class_of: HashMap<u32, Vec<u32>> = HashMap::new();
        for members in classes.values() {
            let mut members = members.clone();
            members.sort_unstable();
            for &m in &members {
                class_of.insert(m, members.clone());
            }
        }
        let known = match regex_syntax::parse(r"\p{age:16.0}").unwrap().into_kind() {
            regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => c,
            other => panic!("{other:?}"),
        };
        let known: Vec<(u32, u32)> = known
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect();
        let known = |u: u32| {
            let k = known.partition_point(|&(_, end)| end < u);
            known.get(k).is_some_and(|&(start, _)| start <= u)
        };
        let mut differ = Vec::new();
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            if !known(c as u32) {
                continue;
            }
            let mut theirs = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            theirs.case_fold_simple();
            let theirs: Vec<u32> = theirs
                .iter()
                .flat_map(|r| r.start() as u32..=r.end() as u32)
                .collect();
            let mut ours = class_of.get(&(c as u32)).cloned().unwrap_or(vec![c as u32]);
            ours.retain(|&u| known(u));
            if ours != theirs {
                differ.push((c, ours, theirs));
            }
        }
        assert!(differ.is_empty(), "{} differ: {:x?}", differ.len(), &differ);
    }
}
