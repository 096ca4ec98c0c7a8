//! The loaders' maps from a name (a dialog's, a step's, an interaction's id) to its
//! index. Their keys come from the bot file, which its author wrote, so they need no
//! defence against chosen collisions: a multiply-rotate hash, eight bytes at a step,
//! does instead of the standard library's SipHash (hashing had been a tenth of loading
//! a large bot).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map on [`NameHasher`].
pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;

/// Name → index.
pub type Names = Map<String, usize>;

/// A new, empty map.
pub fn names() -> Names {
    Names::default()
}

/// The hash of [`Names`].
#[derive(Default)]
pub struct NameHasher(u64);

impl NameHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, word: u32) {
        self.mix(u64::from(word));
    }

    fn write_usize(&mut self, word: usize) {
        self.mix(word as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_what_it_holds() {
        let mut map = super::names();
        for i in 0..2000 {
            map.insert(format!("Dialog {i} step"), i);
        }
        assert!((0..2000).all(|i| map[&format!("Dialog {i} step")] == i));
        assert!(!map.contains_key("Dialog 2000 step"));
    }
}
