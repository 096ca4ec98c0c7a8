//! Sets of units (code points, or UTF-16 code units without the `u` flag) as sorted,
//! disjoint, non-adjacent inclusive ranges, and JavaScript's character classes.

/// A set of units.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Set(pub Vec<(u32, u32)>);

/// The largest code point.
pub const MAX_CHAR: u32 = 0x10_FFFF;

/// JavaScript's `\s`: WhiteSpace and LineTerminator code points.
pub const SPACE: &[(u32, u32)] = &[
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
/// JavaScript's `\d`.
pub const DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];
/// JavaScript's `\w`.
pub const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];
/// `\w` with the `u` and `i` flags: also `ſ` and the Kelvin sign, whose simple case
/// foldings are `s` and `k`.
pub const WORD_UNICODE_CASELESS: &[(u32, u32)] = &[
    (0x30, 0x39),
    (0x41, 0x5A),
    (0x5F, 0x5F),
    (0x61, 0x7A),
    (0x17F, 0x17F),
    (0x212A, 0x212A),
];
/// JavaScript's line terminators, in the order their tags are numbered.
pub const LINE_TERMINATORS: [u32; 4] = [0x0A, 0x0D, 0x2028, 0x2029];

impl Set {
    /// The set of these ranges, in any order, overlapping or not.
    pub fn of(ranges: &[(u32, u32)]) -> Set {
        let mut ranges = ranges.to_vec();
        ranges.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Set(out)
    }

    /// One unit.
    pub fn unit(u: u32) -> Set {
        Set(vec![(u, u)])
    }

    /// The units of both.
    pub fn union(&self, other: &Set) -> Set {
        let mut all = self.0.clone();
        all.extend_from_slice(&other.0);
        Set::of(&all)
    }

    /// Every unit up to `max` not in the set.
    pub fn negate(&self, max: u32) -> Set {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut next = 0;
        for &(lo, hi) in &self.0 {
            if lo > max {
                break;
            }
            if lo > next {
                out.push((next, lo - 1));
            }
            next = hi.saturating_add(1);
        }
        if next <= max {
            out.push((next, max));
        }
        Set(out)
    }

    /// The units of `self` not in `other`.
    pub fn minus(&self, other: &Set) -> Set {
        let mut out = Vec::new();
        for &(lo, hi) in &self.0 {
            let mut lo = lo;
            for &(olo, ohi) in &other.0 {
                if ohi < lo || olo > hi {
                    continue;
                }
                if olo > lo {
                    out.push((lo, olo - 1));
                }
                lo = ohi.saturating_add(1);
                if lo > hi {
                    break;
                }
            }
            if lo <= hi {
                out.push((lo, hi));
            }
        }
        Set(out)
    }

    /// Is `u` in the set?
    pub fn contains(&self, u: u32) -> bool {
        let i = self.0.partition_point(|&(_, hi)| hi < u);
        self.0.get(i).is_some_and(|&(lo, _)| lo <= u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations() {
        let s = Set::of(&[(5, 9), (1, 2), (3, 3), (20, 30)]);
        assert_eq!(s.0, vec![(1, 3), (5, 9), (20, 30)]);
        assert_eq!(s.negate(40).0, vec![(0, 0), (4, 4), (10, 19), (31, 40)]);
        assert_eq!(s.negate(25).0, vec![(0, 0), (4, 4), (10, 19)]);
        assert_eq!(
            s.minus(&Set::of(&[(2, 6), (25, 40)])).0,
            vec![(1, 1), (7, 9), (20, 24)]
        );
        assert!(s.contains(25) && !s.contains(15));
        assert_eq!(Set::default().negate(MAX_CHAR).0, vec![(0, MAX_CHAR)]);
    }
}
