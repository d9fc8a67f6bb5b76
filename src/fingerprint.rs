//! Hashes, in one place. Two kinds, for two jobs:
//! - [`stable`] and [`fnv1a`] are the same on every machine and in every version of Rust,
//!   for what is written into the output or kept on disk (asset names, shard choice);
//! - [`hash_of`], [`hash_json`] and [`in_run`] are fast (foldhash), and stable only within
//!   one run of the program, which is all a rebuild in a session needs; never part of a
//!   name, nor of anything another run reads back.
//!
//! A leaf module: it depends on no other module of the crate.

use std::hash::{BuildHasher, Hash, Hasher};

/// The hasher for in-run hashes: foldhash's quality variant, with a fixed seed so that
/// two hashes of one value in one run agree. Several times faster than SipHash on the
/// short strings and numbers a rebuild hashes.
pub type InRunHasher = foldhash::quality::FoldHasher<'static>;

/// A fresh [`InRunHasher`].
pub fn in_run() -> InRunHasher {
    const SEED: u64 = 0x6578_706c_6169_6e65; // "explaine"
    static STATE: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(SEED);
    STATE.build_hasher()
}

/// FNV-1a: a small hash that is the same on every machine and in every version of Rust,
/// for names and places in the output that must not move between builds.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A short stable fingerprint of `bytes` ([`fnv1a`]), for asset names.
pub fn stable(bytes: &[u8]) -> String {
    format!("{:010x}", fnv1a(bytes) >> 24)
}

/// The hash of a value, stable within one run of the program.
pub fn hash_of(v: &impl Hash) -> u64 {
    let mut h = in_run();
    v.hash(&mut h);
    h.finish()
}

/// The hash of a serialisable value, through its JSON form, stable within one run.
pub fn hash_json(v: &impl serde::Serialize) -> u64 {
    let mut h = in_run();
    h.write(&serde_json::to_vec(v).unwrap_or_default());
    h.finish()
}

/// The hash of `bytes` and their length, stable within one run, for telling whether a
/// file changed between two builds of a session.
pub fn of_bytes(bytes: &[u8]) -> String {
    let mut h = in_run();
    h.write(bytes);
    format!("{:016x}:{}", h.finish(), bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_fingerprints_do_not_move() {
        // Asset names depend on these values: they must never change.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable(b"a"), stable(b"a"));
        assert_ne!(stable(b"a"), stable(b"b"));
        assert_eq!(stable(b"body{}").len(), 10);
    }
}
