//! Small, fast, deterministic hashing for token keys.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A 64-bit FNV-1a hash of a string, mixed at the end so that the low bits
/// are well distributed. Token keys are compared by this value.
pub(crate) fn key_of(s: &str) -> u64 {
    key_of_bytes(s.as_bytes())
}

/// Like [`key_of`], with a one-byte namespace so that different key kinds
/// (concepts, phonetic keys, bigrams…) never collide with plain tokens.
pub(crate) fn key_ns(ns: u8, s: &str) -> u64 {
    let mut h = Fnv::with_ns(ns);
    h.write(s.as_bytes());
    h.finish()
}

pub(crate) fn key_of_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for x in b {
        h ^= *x as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// An incremental [`key_of`]: `Fnv::new().write(a).write(b).finish()` is
/// `key_of(a + b)`.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    /// Starts a [`key_ns`] hash.
    pub fn with_ns(ns: u8) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325 ^ (ns as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
    pub fn byte(&mut self, x: u8) {
        self.0 ^= x as u64;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
    pub fn write(&mut self, b: &[u8]) -> &mut Fnv {
        for x in b {
            self.0 ^= *x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }
    pub fn finish(&self) -> u64 {
        mix(self.0)
    }
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// A hasher for keys that are already well-mixed `u64`s (and a tolerable
/// one for short strings).
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ *b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64)
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(n as u64)
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64)
    }
}

/// A `HashMap` using [`KeyHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_key() {
        assert_eq!(
            Fnv::new().write(b"co").write(b" ltd").finish(),
            key_of("co ltd")
        );
    }

    #[test]
    fn namespaces_differ() {
        assert_ne!(key_ns(1, "abc"), key_ns(2, "abc"));
        assert_eq!(key_of("abc"), key_of("abc"));
        assert_ne!(key_of("abc"), key_of("abd"));
    }
}
