//! Case-insensitive matching without the `u` flag, as ECMAScript's Canonicalize defines
//! it: a code unit stands for its upper case when that is one code unit, except that no
//! character beyond ASCII stands for an ASCII one (so `ſ` is not `s`, and `K`, the Kelvin
//! sign, is not `k`). Two units match when they stand for the same unit.
//!
//! With the `u` flag JavaScript folds by Unicode's simple case folding, which is what
//! the `regex` crate's `(?i)` does; this module is only for the other mode.

use std::sync::OnceLock;

use super::set::Set;
use crate::case::upper_each;

/// What unit `u` stands for, case-insensitively, without the `u` flag, given its upper
/// case when that is one character.
fn canonical(u: u32, upper: Option<char>) -> u32 {
    match upper.map(|c| c as u32) {
        Some(up) if up <= 0xFFFF && !(u >= 128 && up < 128) => up,
        _ => u,
    }
}

/// The units that stand for another: (canonical, unit) pairs sorted by canonical unit,
/// and the units alone, sorted. Made once, on the first case-insensitive expression.
struct Moved {
    pairs: Vec<(u32, u32)>,
    units: Vec<u32>,
}

fn moved() -> &'static Moved {
    static MOVED: OnceLock<Moved> = OnceLock::new();
    MOVED.get_or_init(|| {
        // Surrogates have no case.
        let units: Vec<char> = (0..=0xFFFF).filter_map(char::from_u32).collect();
        let mut pairs: Vec<(u32, u32)> = units
            .iter()
            .zip(upper_each(&units))
            .filter_map(|(&c, upper)| {
                let canon = canonical(c as u32, upper);
                (canon != c as u32).then_some((canon, c as u32))
            })
            .collect();
        let units = pairs.iter().map(|&(_, u)| u).collect(); // ascending: made in order
        pairs.sort_unstable();
        Moved { pairs, units }
    })
}

/// Every unit that matches some unit of `set` case-insensitively (without `u`).
pub fn closure(set: &Set) -> Set {
    let Moved { pairs, units } = moved();
    let is_moved = |u: u32| units.binary_search(&u).is_ok();
    // The canonical units the set stands for.
    let mut canon: Vec<u32> = pairs
        .iter()
        .filter(|&&(_, m)| set.contains(m))
        .map(|&(c, _)| c)
        .collect();
    canon.extend(
        pairs
            .iter()
            .map(|&(c, _)| c)
            .filter(|&c| set.contains(c) && !is_moved(c)),
    );
    canon.sort_unstable();
    canon.dedup();
    let mut extra: Vec<(u32, u32)> = Vec::new();
    for &c in &canon {
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
        let s = closure(&Set::unit(a as u32));
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
}
