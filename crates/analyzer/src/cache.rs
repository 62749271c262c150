//! A compiled [`RuleSet`] as bytes, so that a program can keep it between runs instead of
//! compiling the rule files at every start (most of a one-story `starl lint`). This module only
//! turns a rule set into bytes and back; where the bytes are kept is the caller's business
//! (`starl-config` keeps them in the user's cache folder).
//!
//! The bytes are a header, then the rule set in [postcard](https://docs.rs/postcard):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | [`MAGIC`] |
//! | 4 | [`CACHE_FORMAT`], little-endian |
//! | 1 + n | the length of this crate's version, then the version (`0.1.0`) |
//! | 8 | [`BUILD_FINGERPRINT`]: the sources, dependencies and built-in rules of the build |
//! | 8 | the length of the payload |
//! | 8 | a checksum of the payload |
//!
//! Bytes made by another format, version or build, and bytes cut short or damaged, are an error
//! ([`CacheError`]), never a panic and never a rule set that differs from the one written.

pub(crate) mod raw;

use crate::model::RuleSet;

/// The first bytes of every cache.
pub const MAGIC: &[u8; 8] = b"starl\0rs";

/// The layout of the header and payload; raise it when either changes in a way that
/// [`BUILD_FINGERPRINT`] would not catch.
pub const CACHE_FORMAT: u32 = 1;

/// A hash of the built-in rule files ([`crate::BUILTIN`]: name, then contents, each preceded by
/// its length as 8 bytes little-endian, FNV-1a 64), computed when the crate is built.
pub const BUILTIN_HASH: u64 = include!(concat!(env!("OUT_DIR"), "/builtin_hash.rs"));

/// A hash of what decides what compiling rules gives in this build: the built-in rules, this
/// crate's sources, and the versions of its dependencies. Two builds of the same version number
/// (two commits in between releases) have different fingerprints when their compilers differ.
pub const BUILD_FINGERPRINT: u64 = include!(concat!(env!("OUT_DIR"), "/build_fingerprint.rs"));

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why bytes are not a usable rule set.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("not a starl rule cache")]
    NotACache,
    #[error("rule cache format {found}, this starl reads format {CACHE_FORMAT}")]
    Format { found: u32 },
    #[error("rule cache of starl {found}, this is starl {VERSION}")]
    Version { found: String },
    #[error("rule cache made by another build of starl")]
    Build,
    #[error("rule cache cut short or too long ({found} bytes of payload, {expected} expected)")]
    Length { found: u64, expected: u64 },
    #[error("rule cache damaged (checksum mismatch)")]
    Checksum,
    #[error("rule cache does not decode: {0}")]
    Decode(#[source] postcard::Error),
    #[error("rule cache has {0} bytes after the rule set")]
    Trailing(usize),
}

impl RuleSet {
    /// The rule set as bytes, for [`RuleSet::from_bytes`] in a later run of the same build.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Every type of a rule set has a known length, so encoding into a vector cannot fail; if
        // it ever did, no bytes at all are a cache that `from_bytes` rejects.
        let Ok(payload) = postcard::to_allocvec(self) else { return Vec::new() };
        let mut out = Vec::with_capacity(payload.len() + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&CACHE_FORMAT.to_le_bytes());
        out.push(VERSION.len() as u8);
        out.extend_from_slice(VERSION.as_bytes());
        out.extend_from_slice(&BUILD_FINGERPRINT.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&checksum(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// The rule set that [`RuleSet::to_bytes`] wrote, if `bytes` are exactly that, from this build.
    pub fn from_bytes(bytes: &[u8]) -> Result<RuleSet, CacheError> {
        let mut r = Reader(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(CacheError::NotACache);
        }
        let found = u32::from_le_bytes(r.array()?);
        if found != CACHE_FORMAT {
            return Err(CacheError::Format { found });
        }
        let [n] = r.array()?;
        let version = r.take(n as usize)?;
        if version != VERSION.as_bytes() {
            return Err(CacheError::Version { found: String::from_utf8_lossy(version).into_owned() });
        }
        if u64::from_le_bytes(r.array()?) != BUILD_FINGERPRINT {
            return Err(CacheError::Build);
        }
        let expected = u64::from_le_bytes(r.array()?);
        let sum = u64::from_le_bytes(r.array()?);
        let payload = r.0;
        if payload.len() as u64 != expected {
            return Err(CacheError::Length { found: payload.len() as u64, expected });
        }
        if checksum(payload) != sum {
            return Err(CacheError::Checksum);
        }
        decode(payload)
    }
}

/// The rule set in a payload, all of it.
fn decode(payload: &[u8]) -> Result<RuleSet, CacheError> {
    let (mut set, rest) = postcard::take_from_bytes::<RuleSet>(payload).map_err(CacheError::Decode)?;
    if !rest.is_empty() {
        return Err(CacheError::Trailing(rest.len()));
    }
    // Left out of the bytes: rebuilding it costs less than reading it.
    set.vocab.restore_short();
    Ok(set)
}

/// The header, read front to back; running out of bytes is [`CacheError::NotACache`] (the
/// header is too short to be one).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CacheError> {
        if self.0.len() < n {
            return Err(CacheError::NotACache);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CacheError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

/// A checksum of the payload against damage (a partly written or bit-flipped file), not against
/// a forger: FxHash's step over 8-byte words. Each step is a bijection of the running value for a
/// given word, so a change confined to one word always changes the result; the length is hashed
/// too. About a tenth of the cost of byte-wise FNV over the ~1 MB payload.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h = step(0, bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = step(h, u64::from_le_bytes(w));
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    step(h, u64::from_le_bytes(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin_bytes() -> &'static [u8] {
        static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        BYTES.get_or_init(|| RuleSet::builtin().to_bytes())
    }

    /// The offset of the payload length in the header.
    fn header_len() -> usize {
        MAGIC.len() + 4 + 1 + VERSION.len() + 8 + 8 + 8
    }

    #[test]
    fn round_trip_keeps_everything() {
        let bytes = builtin_bytes();
        assert!(bytes.len() > header_len() + 1000);
        // Compiling is deterministic, so the bytes are too.
        assert_eq!(RuleSet::builtin().to_bytes(), bytes);
        let back = RuleSet::from_bytes(bytes).unwrap();
        // The same entries (hash maps may list them in another order).
        let again = back.to_bytes();
        assert_eq!(again.len(), bytes.len());
        assert!(RuleSet::from_bytes(&again).is_ok());
        assert_eq!(back.rules.len(), RuleSet::builtin().rules.len());
    }

    #[test]
    fn other_formats_versions_and_builds_are_rejected() {
        let good = builtin_bytes();
        let with = |at: usize, b: &[u8]| {
            let mut v = good.to_vec();
            v[at..at + b.len()].copy_from_slice(b);
            v
        };
        assert!(matches!(RuleSet::from_bytes(&with(0, b"starl\0xx")), Err(CacheError::NotACache)));
        assert!(matches!(RuleSet::from_bytes(&with(8, &2u32.to_le_bytes())), Err(CacheError::Format { found: 2 })));
        // Another version of the same length, and one of another length.
        let other = VERSION.replace(|c: char| c.is_ascii_digit(), "9");
        let e = RuleSet::from_bytes(&with(13, other.as_bytes())).unwrap_err();
        assert!(matches!(&e, CacheError::Version { found } if *found == other), "{e}");
        let mut longer = good[..12].to_vec();
        longer.push(6);
        longer.extend_from_slice(b"99.0.0");
        longer.extend_from_slice(&good[13 + VERSION.len()..]);
        assert!(matches!(RuleSet::from_bytes(&longer), Err(CacheError::Version { .. })));
        let fp = 13 + VERSION.len();
        assert!(matches!(
            RuleSet::from_bytes(&with(fp, &(BUILD_FINGERPRINT ^ 1).to_le_bytes())),
            Err(CacheError::Build)
        ));
    }

    #[test]
    fn truncated_extended_and_damaged_bytes_are_rejected() {
        let good = builtin_bytes();
        for n in [0, 1, 7, 8, 12, 13, header_len() - 1, header_len(), header_len() + 1, good.len() / 2, good.len() - 1]
        {
            assert!(RuleSet::from_bytes(&good[..n]).is_err(), "cut at {n}");
        }
        let mut longer = good.to_vec();
        longer.push(0);
        assert!(matches!(RuleSet::from_bytes(&longer), Err(CacheError::Length { .. })));
        for at in [header_len(), header_len() + 1, good.len() / 2, good.len() - 1] {
            let mut v = good.to_vec();
            v[at] ^= 0x10;
            assert!(matches!(RuleSet::from_bytes(&v), Err(CacheError::Checksum)), "flip at {at}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Random bytes, alone or after a valid header, are an error and never a panic.
        #[test]
        fn random_bytes_are_an_error(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            proptest::prop_assert!(RuleSet::from_bytes(&bytes).is_err());
            let _ = decode(&bytes);
            let mut v = builtin_bytes()[..header_len() - 16].to_vec();
            v.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            v.extend_from_slice(&checksum(&bytes).to_le_bytes());
            v.extend_from_slice(&bytes);
            proptest::prop_assert!(RuleSet::from_bytes(&v).is_err());
        }
    }

    proptest::proptest! {
        // Each case decodes the whole ~0.7 MB payload twice: slow in a debug build.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Damage anywhere in a real cache (a byte changed, or the end cut off) is an error: the
        /// decoder is never handed it. And the decoder itself never panics on what it is handed.
        #[test]
        fn damaged_caches_are_an_error(at in 0usize..usize::MAX, flip in 1u8..=255, cut in 0usize..usize::MAX) {
            let good = builtin_bytes();
            let mut v = good.to_vec();
            let at = at % v.len();
            v[at] ^= flip;
            proptest::prop_assert!(RuleSet::from_bytes(&v).is_err());
            proptest::prop_assert!(RuleSet::from_bytes(&good[..cut % good.len()]).is_err());
            let _ = decode(&v[header_len()..]);
            let _ = decode(&good[header_len()..][..cut % (good.len() - header_len())]);
        }
    }
}
