//! Fixed-width encodings for the large integer tables of a rule set (`#[serde(with = ...)]`).
//!
//! postcard writes each integer as a varint, read back one element at a time through serde's
//! visitors: about 40 instructions a number, and the pattern index alone holds ~60,000. These
//! write a table as one byte string of little-endian fixed-width numbers instead, read back by
//! slicing. Maps are written in their own order (the same for the same compile: `FxHash` has no
//! random seed). Anything malformed is a deserialization error, never a panic.

use std::hash::Hash;
use std::marker::PhantomData;

use rustc_hash::FxHashMap;
use serde::de::{Deserializer, Error, Visitor};
use serde::Serializer;

/// A value of a fixed number of bytes.
pub(crate) trait Raw: Copy {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    /// The value in `b` (exactly [`Raw::SIZE`] bytes), or `None` if it is not one.
    fn get(b: &[u8]) -> Option<Self>;
}

impl Raw for u8 {
    const SIZE: usize = 1;
    fn put(self, out: &mut Vec<u8>) {
        out.push(self);
    }
    fn get(b: &[u8]) -> Option<u8> {
        b.first().copied()
    }
}

impl Raw for bool {
    const SIZE: usize = 1;
    fn put(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    fn get(b: &[u8]) -> Option<bool> {
        match b.first() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        }
    }
}

impl Raw for u32 {
    const SIZE: usize = 4;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Option<u32> {
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }
}

impl Raw for u64 {
    const SIZE: usize = 8;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Option<u64> {
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }
}

impl<A: Raw, B: Raw> Raw for (A, B) {
    const SIZE: usize = A::SIZE + B::SIZE;
    fn put(self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn get(b: &[u8]) -> Option<(A, B)> {
        Some((A::get(b.get(..A::SIZE)?)?, B::get(b.get(A::SIZE..)?)?))
    }
}

/// Bytes read front to back.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn count(&mut self) -> Option<usize> {
        u32::get(self.take(4)?).map(|n| n as usize)
    }

    /// `n` values of `T`, after checking that the bytes are there (so that a bad count cannot
    /// make a large allocation).
    fn values<T: Raw>(&mut self, n: usize) -> Option<Vec<T>> {
        let bytes = self.take(n.checked_mul(T::SIZE)?)?;
        // A loop rather than `collect` into `Option<Vec<_>>`, which cannot size the vector once.
        let mut out = Vec::with_capacity(n);
        for b in bytes.chunks_exact(T::SIZE) {
            out.push(T::get(b)?);
        }
        Some(out)
    }
}

fn put_count(n: usize, out: &mut Vec<u8>) {
    (n as u32).put(out);
}

/// Read one byte string with `parse`, which must use all of it.
fn read<'de, D: Deserializer<'de>, T>(
    d: D,
    what: &'static str,
    parse: impl FnOnce(&mut Cursor) -> Option<T>,
) -> Result<T, D::Error> {
    struct Bytes<F, T>(&'static str, F, PhantomData<T>);
    impl<'de, F: FnOnce(&mut Cursor) -> Option<T>, T> Visitor<'de> for Bytes<F, T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "{} as bytes", self.0)
        }
        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<T, E> {
            let mut c = Cursor(v);
            match (self.1)(&mut c) {
                Some(x) if c.0.is_empty() => Ok(x),
                _ => Err(E::custom(format!("malformed {}", self.0))),
            }
        }
    }
    d.deserialize_bytes(Bytes(what, parse, PhantomData))
}

/// `Vec<T>`: the values.
pub(crate) mod vec {
    use super::*;

    pub(crate) fn serialize<T: Raw, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        let mut out = Vec::with_capacity(v.len() * T::SIZE);
        v.iter().for_each(|x| x.put(&mut out));
        s.serialize_bytes(&out)
    }

    pub(crate) fn deserialize<'de, T: Raw, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        read(d, "table", |c| c.values(c.0.len() / T::SIZE))
    }
}

/// `Vec<Vec<T>>`: the number of lists, each one's length, then all the values.
pub(crate) mod vecs {
    use super::*;

    pub(crate) fn serialize<T: Raw, S: Serializer>(v: &[Vec<T>], s: S) -> Result<S::Ok, S::Error> {
        let total: usize = v.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(4 + 4 * v.len() + total * T::SIZE);
        put_count(v.len(), &mut out);
        v.iter().for_each(|x| put_count(x.len(), &mut out));
        v.iter().flatten().for_each(|x| x.put(&mut out));
        s.serialize_bytes(&out)
    }

    pub(crate) fn deserialize<'de, T: Raw, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<T>>, D::Error> {
        read(d, "list of tables", |c| {
            let n = c.count()?;
            let lens: Vec<u32> = c.values(n)?;
            lens.iter().map(|&len| c.values(len as usize)).collect()
        })
    }
}

/// `FxHashMap<K, V>`: the number of entries, then each key and value.
pub(crate) mod map {
    use super::*;

    pub(crate) fn serialize<K: Raw, V: Raw, S: Serializer>(m: &FxHashMap<K, V>, s: S) -> Result<S::Ok, S::Error> {
        let mut out = Vec::with_capacity(4 + m.len() * (K::SIZE + V::SIZE));
        put_count(m.len(), &mut out);
        m.iter().for_each(|(&k, &v)| (k, v).put(&mut out));
        s.serialize_bytes(&out)
    }

    pub(crate) fn deserialize<'de, K: Raw + Hash + Eq, V: Raw, D: Deserializer<'de>>(
        d: D,
    ) -> Result<FxHashMap<K, V>, D::Error> {
        read(d, "map", |c| {
            let n = c.count()?;
            let entries: Vec<(K, V)> = c.values(n)?;
            let mut m = FxHashMap::with_capacity_and_hasher(n, Default::default());
            m.extend(entries);
            Some(m)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Tables {
        #[serde(with = "vec")]
        pairs: Vec<(u32, u32)>,
        #[serde(with = "vec")]
        flags: Vec<bool>,
        #[serde(with = "vecs")]
        lists: Vec<Vec<u32>>,
        #[serde(with = "map")]
        ids: FxHashMap<u32, u32>,
        after: String,
    }

    fn tables() -> Tables {
        Tables {
            pairs: vec![(1, u32::MAX), (0, 7)],
            flags: vec![true, false, true],
            lists: vec![vec![], vec![1, 2, 3], vec![u32::MAX]],
            ids: (0..50).map(|i| (i * 7919, i)).collect(),
            after: "end".into(),
        }
    }

    #[test]
    fn tables_round_trip() {
        let t = tables();
        let bytes = postcard::to_allocvec(&t).unwrap();
        assert_eq!(postcard::from_bytes::<Tables>(&bytes).unwrap(), t);
        // Malformed: a count past the end, a length past the end, a bool that is 2, a table
        // that is not whole.
        let of = |raw: &[u8]| postcard::to_allocvec(&RawBytes(raw.to_vec())).unwrap();
        assert!(postcard::from_bytes::<OneVecs>(&of(&u32::MAX.to_le_bytes())).is_err());
        assert!(postcard::from_bytes::<OneVecs>(&of(&[1, 0, 0, 0, 5, 0, 0, 0])).is_err());
        assert_eq!(postcard::from_bytes::<OneVecs>(&of(&[1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0])).unwrap().0, [[7]]);
        assert!(postcard::from_bytes::<OneBools>(&of(&[0, 1, 2])).is_err());
        assert_eq!(postcard::from_bytes::<OneBools>(&of(&[0, 1])).unwrap().0, [false, true]);
        assert!(postcard::from_bytes::<OneU32s>(&of(&[1, 0, 0, 0, 9])).is_err());
        assert_eq!(postcard::from_bytes::<OneU32s>(&of(&[1, 0, 0, 0, 2, 0, 0, 0])).unwrap().0, [1, 2]);
    }

    /// Bytes as postcard writes a byte string (serde's `serialize_bytes`).
    struct RawBytes(Vec<u8>);
    impl serde::Serialize for RawBytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct OneVecs(#[serde(with = "vecs")] Vec<Vec<u32>>);
    #[derive(Debug, serde::Deserialize)]
    struct OneBools(#[serde(with = "vec")] Vec<bool>);
    #[derive(Debug, serde::Deserialize)]
    struct OneU32s(#[serde(with = "vec")] Vec<u32>);

    proptest::proptest! {
        /// Any change to the bytes is an error or another value, never a panic.
        #[test]
        fn damaged_tables_do_not_panic(at in 0usize..10_000, byte in proptest::prelude::any::<u8>(), cut in 0usize..10_000) {
            let mut bytes = postcard::to_allocvec(&tables()).unwrap();
            let at = at % bytes.len();
            bytes[at] = byte;
            let _ = postcard::from_bytes::<Tables>(&bytes);
            let _ = postcard::from_bytes::<Tables>(&bytes[..cut % bytes.len()]);
        }

        #[test]
        fn random_bytes_do_not_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = postcard::from_bytes::<Tables>(&bytes);
        }
    }
}
