//! A tiny xorshift64* pseudo-random generator for demo amounts and ticket
//! numbers. Not for anything that needs real randomness.
//!
//! Seeded from [`RandomState`] (which the standard library seeds from the
//! operating system) mixed with the clock and the process id, so two runs
//! give different numbers without a `rand` dependency.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

/// A xorshift64* generator shared between request threads.
#[derive(Debug)]
pub struct Rng {
    state: Mutex<u64>,
}

impl Rng {
    /// A generator seeded from the process's hash seed, the time and the pid.
    pub fn from_entropy() -> Self {
        let mut hasher = RandomState::new().build_hasher();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or(0);
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        Self::with_seed(hasher.finish())
    }

    /// A generator with a fixed seed (0, which xorshift cannot use, is
    /// replaced by a constant).
    pub fn with_seed(seed: u64) -> Self {
        let state = if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        };
        Rng {
            state: Mutex::new(state),
        }
    }

    /// The next 64 pseudo-random bits.
    pub fn next_u64(&self) -> u64 {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `low..=high` (the modulo bias is negligible for the small
    /// ranges used here). Returns `low` if `high < low`.
    pub fn between(&self, low: u64, high: u64) -> u64 {
        if high < low {
            return low;
        }
        match (high - low).checked_add(1) {
            Some(span) => low + self.next_u64() % span,
            None => self.next_u64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_in_range() {
        let rng = Rng::with_seed(0);
        for _ in 0..10_000 {
            let n = rng.between(1_000, 9_999_999);
            assert!((1_000..=9_999_999).contains(&n));
        }
        assert_eq!(rng.between(7, 7), 7);
        assert_eq!(rng.between(9, 3), 9);
        rng.between(0, u64::MAX);
    }

    #[test]
    fn seeds_differ() {
        let a = Rng::from_entropy();
        let b = Rng::from_entropy();
        assert_ne!((a.next_u64(), a.next_u64()), (b.next_u64(), b.next_u64()));
    }
}
