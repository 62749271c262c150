//! The phrase-pattern language of rule files, and its matcher.
//!
//! A pattern is a sequence of elements separated by spaces, matched against the normalised words
//! of one sentence (lower case, straight apostrophes; punctuation is not a word):
//!
//! | element        | matches                                                      |
//! |----------------|--------------------------------------------------------------|
//! | `word`         | that word                                                    |
//! | `chang*`       | a word starting with `chang` (`change`, `changing`, ...)     |
//! | `*ed`          | a word ending in `ed`                                        |
//! | `_`            | any one word                                                 |
//! | `a\|b\|@lex`   | any of the alternatives; `@lex` is a lexicon (phrases allowed) |
//! | `the+team\|we` | `+` joins words into one alternative (`the team`, or `we`)   |
//! | `x?`           | an optional element (`the?`, `@adverb?`, `a\|the?`)          |
//! | `..` / `..5`   | a gap of 0 to 3 (or 0 to 5) words                            |
//! | `!a\|b`        | the next word is not one of these (matches no word itself)   |
//! | `!to+me\|us`   | ... and the next words are not `to me` (nor the word `us`)   |
//!
//! Matching is anchored on the possible first words of a pattern: an index maps each such word
//! to the patterns that can start with it, so one hash look-up per word of the story finds every
//! candidate, whatever the number of patterns (see [`PatternIndex`]).

use rustc_hash::FxHashMap;

/// One word-level test.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WordPat {
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Any,
}

impl WordPat {
    pub fn parse(s: &str) -> Result<WordPat, String> {
        if s == "_" {
            return Ok(WordPat::Any);
        }
        let s = s.trim();
        if s.is_empty() {
            return Err("empty word".into());
        }
        // Rule files are almost all lower-case ASCII: skip the two copies of the general case
        // (rule loading is most of a one-story `starl lint`).
        let lower: std::borrow::Cow<'_, str> = if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            std::borrow::Cow::Borrowed(s)
        } else {
            std::borrow::Cow::Owned(s.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'"))
        };
        if let Some(p) = lower.strip_suffix('*') {
            if p.is_empty() || p.contains('*') {
                return Err(format!("bad wildcard word `{s}`"));
            }
            return Ok(WordPat::Prefix(p.into()));
        }
        if let Some(p) = lower.strip_prefix('*') {
            if p.is_empty() || p.contains('*') {
                return Err(format!("bad wildcard word `{s}`"));
            }
            return Ok(WordPat::Suffix(p.into()));
        }
        if lower.contains(|c: char| c.is_whitespace() || c == '*') {
            return Err(format!("bad word `{s}`"));
        }
        Ok(WordPat::Exact(lower.into()))
    }

    #[inline]
    pub fn matches(&self, w: &str) -> bool {
        match self {
            WordPat::Exact(e) => **e == *w,
            WordPat::Prefix(p) => starts_with(w, p),
            WordPat::Suffix(p) => w.len() > p.len() && ends_with(w, p),
            WordPat::Any => true,
        }
    }
}

/// The exact words of every pattern and lexicon of a rule set, each with a small id: a story
/// word is looked up once, then every exact test is an integer comparison.
///
/// Every story word is looked up here, so short words (nearly all of them) have a table of their
/// own: a word of 1 to 15 bytes is read as its length and two integers, and found by comparing
/// those, without hashing or comparing strings byte by byte. Other words use the map.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Vocab {
    map: FxHashMap<Box<str>, u32>,
    /// Rebuilt from `map` when read back from bytes ([`Vocab::restore_short`]).
    #[serde(skip)]
    short: ShortWords,
}

/// An open-addressing table (linear probing, at most half full) of the short words of a
/// [`Vocab`], keyed by [`ShortWords::key`].
#[derive(Debug, Default)]
struct ShortWords {
    /// `(key, id)`; `id == NO_WORD` marks an empty slot.
    slots: Vec<(ShortKey, u32)>,
    len: usize,
}

/// A word of 1 to 15 bytes as its length and two integers read from it (overlapping reads: with
/// the length known, they determine every byte, so equal keys mean equal words).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct ShortKey {
    lo: u64,
    hi: u64,
    len: u8,
}

impl ShortWords {
    /// The key of `w`; `None` for an empty word or one longer than 15 bytes.
    #[inline]
    fn key(w: &str) -> Option<ShortKey> {
        let b = w.as_bytes();
        let n = b.len();
        let le8 = |c: &[u8; 8]| u64::from_le_bytes(*c);
        let le4 = |c: &[u8; 4]| u64::from(u32::from_le_bytes(*c));
        let (lo, hi) = match n {
            0 | 16.. => return None,
            // Bytes 0, n/2 and n-1 are every byte.
            1..=3 => (u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16, 0),
            // Bytes 0..4 and n-4..n.
            4..=7 => (le4(b.first_chunk()?) | le4(b.last_chunk()?) << 32, 0),
            // Bytes 0..8 and n-8..n.
            _ => (le8(b.first_chunk()?), le8(b.last_chunk()?)),
        };
        Some(ShortKey { lo, hi, len: n as u8 })
    }

    #[inline]
    fn slot(&self, k: ShortKey) -> usize {
        let h = (k.lo ^ k.hi.rotate_left(29) ^ u64::from(k.len) << 59).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 32) as usize & (self.slots.len() - 1)
    }

    #[inline]
    fn get(&self, key: ShortKey) -> u32 {
        if self.slots.is_empty() {
            return NO_WORD;
        }
        let mut i = self.slot(key);
        loop {
            let (k, id) = self.slots[i];
            if id == NO_WORD || k == key {
                return id;
            }
            i = (i + 1) & (self.slots.len() - 1);
        }
    }

    fn insert(&mut self, key: ShortKey, id: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            self.slots = vec![(ShortKey::default(), NO_WORD); (old.len() * 2).max(64)];
            self.len = 0;
            for (k, id) in old.into_iter().filter(|s| s.1 != NO_WORD) {
                self.insert(k, id);
            }
        }
        let mut i = self.slot(key);
        while self.slots[i].1 != NO_WORD {
            i = (i + 1) & (self.slots.len() - 1);
        }
        self.slots[i] = (key, id);
        self.len += 1;
    }
}

/// The id of a word that no pattern or lexicon names.
pub const NO_WORD: u32 = u32::MAX;

impl Vocab {
    /// The id of `w`, adding it if new.
    pub fn intern(&mut self, w: &str) -> u32 {
        if let Some(&i) = self.map.get(w) {
            return i;
        }
        let i = self.map.len() as u32;
        self.map.insert(w.into(), i);
        if let Some(key) = ShortWords::key(w) {
            self.short.insert(key, i);
        }
        i
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Fill the short-word table from the map, in id order as [`Vocab::intern`] did (so the
    /// table is the same): for a vocabulary read back from bytes, which leave the table out.
    pub(crate) fn restore_short(&mut self) {
        // Ids are 0..len; bytes that say otherwise leave gaps, not a panic.
        let mut by_id: Vec<Option<&str>> = vec![None; self.map.len()];
        for (w, &id) in &self.map {
            if let Some(slot) = by_id.get_mut(id as usize) {
                *slot = Some(w);
            }
        }
        let mut short = ShortWords::default();
        for (id, w) in by_id.into_iter().enumerate() {
            if let Some(key) = w.and_then(ShortWords::key) {
                short.insert(key, id as u32);
            }
        }
        self.short = short;
    }

    /// The id of `w`, or [`NO_WORD`].
    #[inline]
    pub fn get(&self, w: &str) -> u32 {
        match ShortWords::key(w) {
            Some(key) => self.short.get(key),
            None => self.map.get(w).copied().unwrap_or(NO_WORD),
        }
    }
}

/// A compiled word test: exact words by id, wildcards by string.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Test {
    Id(u32),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Any,
}

impl Test {
    fn new(w: &WordPat, vocab: &mut Vocab) -> Test {
        match w {
            WordPat::Exact(e) => Test::Id(vocab.intern(e)),
            WordPat::Prefix(p) => Test::Prefix(p.clone()),
            WordPat::Suffix(p) => Test::Suffix(p.clone()),
            WordPat::Any => Test::Any,
        }
    }

    #[inline]
    fn matches(&self, w: &str, id: u32) -> bool {
        match self {
            Test::Id(e) => *e == id,
            Test::Prefix(p) => starts_with(w, p),
            Test::Suffix(p) => w.len() > p.len() && ends_with(w, p),
            Test::Any => true,
        }
    }
}

/// The words of one sentence: normalised text and vocabulary ids, side by side.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    pub text: &'a [&'a str],
    pub ids: &'a [u32],
}

impl Words<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.text.len()
    }

    /// Do the words from `pos` pass the tests of `seq`, one word each?
    #[inline]
    fn seq_at(&self, seq: &[Test], pos: usize) -> bool {
        seq.len() + pos <= self.len()
            && seq.iter().zip(&self.text[pos..]).zip(&self.ids[pos..]).all(|((p, w), &id)| p.matches(w, id))
    }
}

/// `str::starts_with`, without a call to `memcmp` for the short strings of patterns.
#[inline]
fn starts_with(w: &str, p: &str) -> bool {
    let (w, p) = (w.as_bytes(), p.as_bytes());
    w.len() >= p.len() && w.iter().zip(p).all(|(a, b)| a == b)
}

/// `str::ends_with`, without a call to `memcmp`.
#[inline]
fn ends_with(w: &str, p: &str) -> bool {
    let (w, p) = (w.as_bytes(), p.as_bytes());
    w.len() >= p.len() && w[w.len() - p.len()..].iter().zip(p).all(|(a, b)| a == b)
}

/// A lexicon: named list of phrases, each a sequence of word tests, compiled into a trie so that
/// matching at a word walks only the continuations the text can take.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Lexicon {
    pub phrases: Vec<Vec<WordPat>>,
    trie: Vec<TrieNode>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct TrieNode {
    /// Children by word, for building the trie ([`Lexicon::extend`], [`Lexicon::intern`]); not
    /// kept in the rule cache: a cached set is only matched with, through `ids`.
    #[serde(skip)]
    exact: FxHashMap<Box<str>, u32>,
    /// `exact` by vocabulary id, filled by [`Lexicon::intern`].
    #[serde(with = "crate::cache::raw::map")]
    ids: FxHashMap<u32, u32>,
    wild: Vec<(WordPat, u32)>,
    terminal: bool,
}

/// The longest phrase a lexicon may hold, in words.
const MAX_PHRASE: usize = 16;

impl Lexicon {
    /// Add phrases (a user file extending a built-in lexicon).
    pub fn extend(&mut self, other: Lexicon) {
        self.phrases.extend(other.phrases);
        self.reindex();
    }

    /// Key the trie by vocabulary ids; to be called once all phrases are in.
    pub fn intern(&mut self, vocab: &mut Vocab) {
        for node in &mut self.trie {
            node.ids = node.exact.iter().map(|(w, &n)| (vocab.intern(w), n)).collect();
        }
    }

    /// The ids of the words every phrase may start with, when each starts with an exact word
    /// (after [`Lexicon::intern`]); `None` when some phrase starts with a wildcard.
    fn first_ids(&self) -> Option<impl Iterator<Item = u32> + '_> {
        let root = self.trie.first()?;
        root.wild.is_empty().then(|| root.ids.keys().copied())
    }

    fn reindex(&mut self) {
        self.trie = vec![TrieNode::default()];
        for p in &self.phrases {
            let mut node = 0usize;
            for w in p {
                let existing = match w {
                    WordPat::Exact(e) => self.trie[node].exact.get(e).copied(),
                    other => self.trie[node].wild.iter().find(|(x, _)| x == other).map(|&(_, n)| n),
                };
                node = match existing {
                    Some(n) => n as usize,
                    None => {
                        let n = self.trie.len() as u32;
                        self.trie.push(TrieNode::default());
                        match w {
                            WordPat::Exact(e) => {
                                self.trie[node].exact.insert(e.clone(), n);
                            }
                            other => self.trie[node].wild.push((other.clone(), n)),
                        }
                        n as usize
                    }
                };
            }
            self.trie[node].terminal = true;
        }
    }

    /// The end positions (exclusive) of every phrase that matches `words` at `pos`, shortest first.
    fn ends(&self, words: Words, pos: usize) -> ([u32; MAX_PHRASE], usize) {
        let mut out = [0u32; MAX_PHRASE];
        let mut n = 0;
        // (node, position) pairs still to explore; a tiny explicit stack.
        let mut stack: [(u32, u32); 32] = [(0, 0); 32];
        let mut top = 1;
        stack[0] = (0, pos as u32);
        while top > 0 {
            top -= 1;
            let (node, at) = stack[top];
            let node = &self.trie[node as usize];
            if node.terminal && at as usize > pos && n < MAX_PHRASE && !out[..n].contains(&at) {
                out[n] = at;
                n += 1;
            }
            let Some(w) = words.text.get(at as usize) else { continue };
            if let Some(&next) = node.ids.get(&words.ids[at as usize]) {
                if top < stack.len() {
                    stack[top] = (next, at + 1);
                    top += 1;
                }
            }
            for (p, next) in &node.wild {
                if top < stack.len() && p.matches(w) {
                    stack[top] = (*next, at + 1);
                    top += 1;
                }
            }
        }
        out[..n].sort_unstable();
        (out, n)
    }

    pub fn parse(entries: &[String]) -> Result<Lexicon, String> {
        let mut phrases = Vec::with_capacity(entries.len());
        for e in entries {
            let words: Result<Vec<_>, _> = split_words(e).map(WordPat::parse).collect();
            let words = words.map_err(|m| format!("in entry `{e}`: {m}"))?;
            if words.is_empty() {
                return Err("empty entry".into());
            }
            if words.len() > MAX_PHRASE {
                return Err(format!("entry `{e}` is longer than {MAX_PHRASE} words"));
            }
            phrases.push(words);
        }
        let mut l = Lexicon { phrases, ..Lexicon::default() };
        l.reindex();
        Ok(l)
    }
}

/// Words of a phrase as the tokenizer sees them: hyphens separate words (`post-mortem` is
/// `post mortem`), apostrophes do not (`didn't` is one word).
fn split_words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_whitespace() || c == '-' || c == '/' || c == '+').filter(|w| !w.is_empty())
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Alt {
    Word(Test),
    /// A hyphenated alternative: several words in a row.
    Seq(Vec<Test>),
    Lex(usize),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Elem {
    /// Alternatives: exact words in a hash set (one look-up, however long the list), the rest
    /// (wildcards, sequences, lexicons) tried in order.
    Alts {
        /// Vocabulary ids, sorted and deduplicated.
        #[serde(with = "crate::cache::raw::vec")]
        exact: Vec<u32>,
        alts: Vec<Alt>,
        optional: bool,
    },
    Gap(usize),
    /// A zero-width look-ahead: the next word (if any) must pass none of these tests, and the
    /// words from here must not start with any of `seqs` (`!to+me`). Exact words are sorted ids,
    /// as in `Alts`: the frame patterns test long lists here at every gap.
    Not {
        #[serde(with = "crate::cache::raw::vec")]
        exact: Vec<u32>,
        wild: Vec<Test>,
        seqs: Vec<Vec<Test>>,
    },
}

/// A compiled pattern.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Pattern {
    elems: Vec<Elem>,
}

/// Lexicons by name, for compiling patterns.
pub trait LexiconLookup {
    fn lexicon_id(&self, name: &str) -> Option<usize>;
    fn lexicon(&self, id: usize) -> &Lexicon;
}

impl Pattern {
    pub fn compile(src: &str, lex: &dyn LexiconLookup, vocab: &mut Vocab) -> Result<Pattern, String> {
        let mut elems = Vec::new();
        for raw in src.split_whitespace() {
            if let Some(n) = raw.strip_prefix("..") {
                let max = if n.is_empty() { 3 } else { n.parse().map_err(|_| format!("bad gap `{raw}`"))? };
                if max > 12 {
                    return Err(format!("gap `{raw}` is too wide (12 words at most)"));
                }
                elems.push(Elem::Gap(max));
                continue;
            }
            if let Some(n) = raw.strip_prefix('!') {
                let (mut exact, mut wild, mut seqs) = (Vec::new(), Vec::new(), Vec::new());
                for a in n.split('|') {
                    if a.contains(['-', '/', '+']) && a.len() > 1 {
                        // Several words: `!to+me` (as `+` joins the words of an alternative).
                        let words: Result<Vec<_>, _> = split_words(a).map(WordPat::parse).collect();
                        let words = words?;
                        if words.is_empty() {
                            return Err(format!("bad look-ahead `{raw}`"));
                        }
                        seqs.push(words.iter().map(|w| Test::new(w, vocab)).collect());
                        continue;
                    }
                    match Test::new(&WordPat::parse(a)?, vocab) {
                        Test::Id(id) => exact.push(id),
                        t => wild.push(t),
                    }
                }
                exact.sort_unstable();
                exact.dedup();
                elems.push(Elem::Not { exact, wild, seqs });
                continue;
            }
            let (body, optional) = match raw.strip_suffix('?') {
                Some(b) => (b, true),
                None => (raw, false),
            };
            if body.contains('?') {
                return Err(format!("`?` makes a whole element optional: write it once, at the end (`{raw}`)"));
            }
            let mut alts = Vec::new();
            let mut exact = Vec::new();
            for a in body.split('|') {
                if let Some(name) = a.strip_prefix('@') {
                    let id = lex.lexicon_id(name).ok_or_else(|| format!("unknown lexicon `@{name}`"))?;
                    alts.push(Alt::Lex(id));
                } else if a.contains(['-', '/', '+']) && a.len() > 1 {
                    let words: Result<Vec<_>, _> = split_words(a).map(WordPat::parse).collect();
                    alts.push(Alt::Seq(words?.iter().map(|w| Test::new(w, vocab)).collect()));
                } else {
                    match Test::new(&WordPat::parse(a)?, vocab) {
                        Test::Id(id) => exact.push(id),
                        t => alts.push(Alt::Word(t)),
                    }
                }
            }
            exact.sort_unstable();
            exact.dedup();
            elems.push(Elem::Alts { exact, alts, optional });
        }
        let p = Pattern { elems };
        match p.elems.iter().find(|e| !matches!(e, Elem::Not { .. })) {
            None => return Err("empty pattern".into()),
            Some(Elem::Gap(_)) => return Err("a pattern cannot start with a gap".into()),
            _ => {}
        }
        if matches!(p.elems.last(), Some(Elem::Gap(_))) {
            return Err("a pattern cannot end with a gap".into());
        }
        if p.elems.iter().all(|e| !matches!(e, Elem::Alts { optional: false, .. })) {
            return Err("a pattern needs at least one element that is not optional".into());
        }
        Ok(p)
    }

    /// The word tests one of which the first matched word must pass.
    fn first_words(&self, from: usize, lex: &dyn LexiconLookup, vocab: &mut Vocab) -> Vec<Test> {
        let mut out = Vec::new();
        for e in &self.elems[from..] {
            match e {
                Elem::Not { .. } => continue,
                Elem::Gap(_) => break,
                Elem::Alts { exact, alts, optional } => {
                    out.extend(exact.iter().map(|&w| Test::Id(w)));
                    for a in alts {
                        match a {
                            Alt::Word(w) => out.push(w.clone()),
                            Alt::Seq(ws) => out.push(ws[0].clone()),
                            Alt::Lex(id) => {
                                out.extend(lex.lexicon(*id).phrases.iter().map(|p| Test::new(&p[0], vocab)))
                            }
                        }
                    }
                    if !optional {
                        break;
                    }
                }
            }
        }
        out
    }

    /// The (first word, later word) keys that any match starting with element `e0` must have:
    /// `(w, Some((d, b)))` says the match starts with word `w` and has word `b` at offset `d` (1
    /// to [`MAX_OFFSET`]); `(w, None)` says only that it starts with `w` (what follows is not
    /// pinned to an exact word within reach). `None` when a first word may be other than an exact
    /// word. A necessary condition only: it lets the index key a pattern by two of its words
    /// (see [`PatternIndex`]). The later word is the first exact word at offset 1 to 3 that every
    /// way through the pattern passes (`the _ team`: `team` at 2; `the|our _ _? never`: `never`
    /// at 2 and at 3). An optional first element adds the keys of the pattern without it.
    fn first_pairs(&self, e0: usize, lex: &dyn LexiconLookup, vocab: &Vocab) -> Option<Vec<IndexKey>> {
        let e0 = (e0..self.elems.len()).find(|&i| !matches!(self.elems[i], Elem::Not { .. }))?;
        let Elem::Alts { exact, alts, optional } = &self.elems[e0] else { return None };
        // The later keys once the first element has taken `len` words, by `len` (computed once).
        let mut after: Vec<Option<Option<Vec<LaterKey>>>> = vec![None; MAX_OFFSET + 2];
        let mut later = |len: usize, out: &mut Vec<IndexKey>, w: u32| {
            let keys = after[len.min(MAX_OFFSET + 1)].get_or_insert_with(|| {
                let mut v = Vec::new();
                self.keys_after(e0 + 1, len, lex, vocab, &mut v).then(|| {
                    v.sort_unstable();
                    v.dedup();
                    v
                })
            });
            match keys {
                Some(v) => out.extend(v.iter().map(|&k| (w, Some(k)))),
                None => out.push((w, None)),
            }
        };
        let id_of = |t: &Test| match t {
            Test::Id(b) => Some(*b),
            _ => None,
        };
        let word_id = |w: &WordPat| match w {
            WordPat::Exact(e) => Some(vocab.get(e)).filter(|&i| i != NO_WORD),
            _ => None,
        };
        // A phrase (first word `w`, then `rest`) of `len` words: the first exact word of `rest`
        // within reach, else what follows the phrase.
        let mut phrase = |w: u32, len: usize, rest: &mut dyn Iterator<Item = Option<u32>>, out: &mut Vec<_>| match rest
            .take(MAX_OFFSET)
            .enumerate()
            .find_map(|(d, b)| b.map(|b| (d + 1, b)))
        {
            Some((d, b)) => out.push((w, Some((d as u8, b)))),
            None => later(len, out, w),
        };
        let mut out = Vec::new();
        for &w in exact {
            phrase(w, 1, &mut std::iter::empty(), &mut out);
        }
        for a in alts {
            match a {
                Alt::Word(_) => return None,
                Alt::Seq(ws) => {
                    let w = id_of(ws.first()?)?;
                    phrase(w, ws.len(), &mut ws[1..].iter().map(id_of), &mut out);
                }
                Alt::Lex(id) => {
                    for p in &lex.lexicon(*id).phrases {
                        let w = word_id(&p[0])?;
                        phrase(w, p.len(), &mut p[1..].iter().map(word_id), &mut out);
                    }
                }
            }
        }
        if *optional {
            out.extend(self.first_pairs(e0 + 1, lex, vocab)?);
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// Adds to `out` the (offset, word id) pairs one of which any match must have, when the
    /// elements `ei..` start at offset `d` from the first word: the first exact word, at offset
    /// [`MAX_OFFSET`] at most, along every way through them. False when some way has none (a gap,
    /// the end of the pattern, a lexicon phrase of wildcards, or only wildcards within reach).
    fn keys_after(
        &self,
        ei: usize,
        d: usize,
        lex: &dyn LexiconLookup,
        vocab: &Vocab,
        out: &mut Vec<(u8, u32)>,
    ) -> bool {
        if d > MAX_OFFSET {
            return false;
        }
        let id_at = |t: &Test| match t {
            Test::Id(b) => Some(*b),
            _ => None,
        };
        match self.elems.get(ei) {
            None | Some(Elem::Gap(_)) => false,
            // A look-ahead consumes nothing; ignoring it only widens the keys.
            Some(Elem::Not { .. }) => self.keys_after(ei + 1, d, lex, vocab, out),
            Some(Elem::Alts { exact, alts, optional }) => {
                out.extend(exact.iter().map(|&b| (d as u8, b)));
                for a in alts {
                    let ok = match a {
                        Alt::Word(Test::Id(b)) => {
                            out.push((d as u8, *b));
                            true
                        }
                        // Any word here: the key is further on.
                        Alt::Word(_) => self.keys_after(ei + 1, d + 1, lex, vocab, out),
                        Alt::Seq(ws) => match ws.iter().position(|t| id_at(t).is_some()) {
                            Some(j) if d + j <= MAX_OFFSET => {
                                out.extend(id_at(&ws[j]).map(|b| ((d + j) as u8, b)));
                                true
                            }
                            Some(_) => false,
                            None => self.keys_after(ei + 1, d + ws.len(), lex, vocab, out),
                        },
                        Alt::Lex(id) => lex.lexicon(*id).phrases.iter().all(|p| {
                            match p.iter().position(|w| matches!(w, WordPat::Exact(_))) {
                                Some(j) if d + j <= MAX_OFFSET => match &p[j] {
                                    WordPat::Exact(e) if vocab.get(e) != NO_WORD => {
                                        out.push(((d + j) as u8, vocab.get(e)));
                                        true
                                    }
                                    _ => false,
                                },
                                Some(_) => false,
                                None => self.keys_after(ei + 1, d + p.len(), lex, vocab, out),
                            }
                        }),
                    };
                    if !ok {
                        return false;
                    }
                }
                !*optional || self.keys_after(ei + 1, d, lex, vocab, out)
            }
        }
    }

    /// Is the first element one word that may be anything (`_ later`)? Such a pattern is keyed
    /// by what follows, one word on.
    pub(crate) fn leads_with_any(&self) -> bool {
        matches!(self.elems.first(), Some(Elem::Alts { exact, alts, optional: false })
            if exact.is_empty() && matches!(alts.as_slice(), [Alt::Word(Test::Any)]))
    }

    /// Is the pattern one word, each of its alternatives a test of that word alone (exact
    /// words, wildcards, lexicons of one-word entries)? The index offers such a pattern only
    /// where its word passes, so an offer is a match of one word: the matcher is not needed.
    pub(crate) fn is_one_word(&self, lex: &dyn LexiconLookup) -> bool {
        match self.elems.as_slice() {
            [Elem::Alts { alts, optional: false, .. }] => alts.iter().all(|a| match a {
                Alt::Word(t) => !matches!(t, Test::Any),
                Alt::Seq(_) => false,
                Alt::Lex(l) => lex.lexicon(*l).phrases.iter().all(|p| p.len() == 1 && p[0] != WordPat::Any),
            }),
            _ => false,
        }
    }

    /// Sets of word ids one of which a sentence must contain for the pattern to match there, one
    /// set for each element that is not optional and whose every alternative starts with an exact
    /// word: its exact words, the first word of each hyphenated sequence, the first words of each
    /// lexicon whose phrases all start with an exact word (the first element excepted: the index
    /// has already checked it). Each set sorted and deduplicated.
    pub fn required(&self, lex: &dyn LexiconLookup) -> Vec<Vec<u32>> {
        let first = self.elems.iter().position(|e| !matches!(e, Elem::Not { .. }));
        self.elems
            .iter()
            .enumerate()
            .filter(|&(i, _)| Some(i) != first)
            .filter_map(|(_, e)| {
                let Elem::Alts { exact, alts, optional: false } = e else { return None };
                let mut group = exact.clone();
                for a in alts {
                    match a {
                        Alt::Word(Test::Id(id)) => group.push(*id),
                        Alt::Word(_) => return None,
                        Alt::Seq(ws) => match ws.first() {
                            Some(Test::Id(id)) => group.push(*id),
                            _ => return None,
                        },
                        Alt::Lex(l) => group.extend(lex.lexicon(*l).first_ids()?),
                    }
                }
                group.sort_unstable();
                group.dedup();
                Some(group)
            })
            .collect()
    }

    /// Match at word `at` of `words`; returns the end (exclusive) of the shortest match.
    pub fn match_at(&self, words: Words, at: usize, lex: &dyn LexiconLookup) -> Option<usize> {
        let mut cx = Cx { words, start: at, lex, failed: [0; MEMO_ELEMS] };
        self.go(0, at, &mut cx)
    }

    /// The backtracking matcher: the end of the first match of elements `ei..` at word `pos`.
    ///
    /// Its result depends only on `(ei, pos)` (for one start), and the first success returns at
    /// once through every caller, so reaching a state a second time means it failed the first
    /// time: `cx.failed` remembers the states seen and cuts those paths. Frame patterns (a
    /// subject, up to four optional words each guarded by a look-ahead, then a verb phrase) reach
    /// the same place by many paths.
    fn go(&self, ei: usize, pos: usize, cx: &mut Cx) -> Option<usize> {
        let words = cx.words;
        let Some(e) = self.elems.get(ei) else {
            return (pos > cx.start).then_some(pos);
        };
        let rel = pos - cx.start;
        if ei < MEMO_ELEMS && rel < 64 {
            let bit = 1u64 << rel;
            if cx.failed[ei] & bit != 0 {
                return None;
            }
            cx.failed[ei] |= bit;
        }
        match e {
            Elem::Not { exact, wild, seqs } => {
                if words
                    .ids
                    .get(pos)
                    .is_some_and(|&id| contains(exact, id) || wild.iter().any(|p| p.matches(words.text[pos], id)))
                    || seqs.iter().any(|seq| words.seq_at(seq, pos))
                {
                    None
                } else {
                    self.go(ei + 1, pos, cx)
                }
            }
            Elem::Gap(max) => {
                for skip in 0..=*max {
                    if pos + skip > words.len() {
                        break;
                    }
                    if let Some(end) = self.go(ei + 1, pos + skip, cx) {
                        return Some(end);
                    }
                }
                None
            }
            Elem::Alts { exact, alts, optional } => {
                if words.ids.get(pos).is_some_and(|id| contains(exact, *id)) {
                    if let Some(end) = self.go(ei + 1, pos + 1, cx) {
                        return Some(end);
                    }
                }
                for a in alts {
                    match a {
                        Alt::Word(w) => {
                            if words.text.get(pos).is_some_and(|x| w.matches(x, words.ids[pos])) {
                                if let Some(end) = self.go(ei + 1, pos + 1, cx) {
                                    return Some(end);
                                }
                            }
                        }
                        Alt::Seq(phrase) => {
                            if words.seq_at(phrase, pos) {
                                if let Some(end) = self.go(ei + 1, pos + phrase.len(), cx) {
                                    return Some(end);
                                }
                            }
                        }
                        Alt::Lex(id) => {
                            let (ends, n) = cx.lex.lexicon(*id).ends(words, pos);
                            for &end in &ends[..n] {
                                if let Some(e) = self.go(ei + 1, end as usize, cx) {
                                    return Some(e);
                                }
                            }
                        }
                    }
                }
                if *optional {
                    self.go(ei + 1, pos, cx)
                } else {
                    None
                }
            }
        }
    }
}

/// How many elements of a pattern [`Pattern::go`] remembers failed states for (and, in each, the
/// first 64 words from the start).
const MEMO_ELEMS: usize = 32;

/// What one [`Pattern::match_at`] carries through [`Pattern::go`].
struct Cx<'a> {
    words: Words<'a>,
    start: usize,
    lex: &'a dyn LexiconLookup,
    /// Bit `pos - start` of `failed[ei]`: state `(ei, pos)` was reached before.
    failed: [u64; MEMO_ELEMS],
}

/// A later key word: its offset from the first word (1 to [`MAX_OFFSET`]) and its id.
type LaterKey = (u8, u32);

/// How the index keys a pattern: its first word's id, and a later key word if any.
type IndexKey = (u32, Option<LaterKey>);

/// The most (first word, later word) keys a pattern is indexed under; a pattern that would need
/// more stays keyed by its first word.
const MAX_PAIRS: usize = 4096;

/// How far after the first word the index looks for a second key word.
pub const MAX_OFFSET: usize = 3;

#[inline]
fn pair(a: u32, d: u8, b: u32) -> u64 {
    (d as u64) << 60 | (a as u64) << 30 | b as u64
}

/// Is `id` in the sorted list `ids`?
#[inline]
fn contains(ids: &[u32], id: u32) -> bool {
    if ids.len() <= 8 {
        ids.contains(&id)
    } else {
        ids.binary_search(&id).is_ok()
    }
}

/// Which patterns may start at a word: exact first words by hash, the few wildcard first words by
/// a short scan.
///
/// A pattern whose first word and some word at offset 1 to [`MAX_OFFSET`] are both among short
/// lists of exact words is keyed by the pair instead (`pairs`): most patterns start with a common
/// word (`i`, `we`, `the`) that is followed by only a few of the words the pattern allows next,
/// so keying by the first word alone made every `i` of a story a candidate for a hundred
/// patterns, and every `the` for each pattern about a third party (`the _ team`).
///
/// A pattern may be keyed under several offsets for one first word (`the vendor`, `the _ team`),
/// so a place can be offered the same pattern twice: callers skip repeats.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "K: serde::Serialize + crate::cache::raw::Raw",
    deserialize = "K: serde::Deserialize<'de> + crate::cache::raw::Raw"
))]
pub struct PatternIndex<K: Copy> {
    /// The lists as they are built ([`PatternIndex::add`]); [`PatternIndex::finish`] turns them
    /// into `exact` and `pairs`. Not kept in the rule cache.
    #[serde(skip)]
    building: Building<K>,
    /// By vocabulary id.
    exact: Lists<K>,
    /// By the ids of the first word, the offset and the word there ([`pair`]).
    pairs: PairTable<K>,
    /// By id: bit `d - 1` says the word is the first word of some pair at offset `d`; and is the
    /// word the later word of some pair. Array reads that spare most words a hash look-up.
    #[serde(with = "crate::cache::raw::vec")]
    pair_first: Vec<u8>,
    #[serde(with = "crate::cache::raw::vec")]
    pair_second: Vec<bool>,
    wild: Vec<(Test, K)>,
    /// For each first byte of a word, the indices into `wild` of the tests it may pass, in order.
    #[serde(with = "crate::cache::raw::vecs")]
    by_byte: Vec<Vec<u32>>,
}

/// The growable form of [`PatternIndex`]'s lists, while patterns are added.
#[derive(Debug)]
struct Building<K> {
    exact: Vec<Vec<K>>,
    pairs: FxHashMap<u64, Vec<K>>,
}

impl<K> Default for Building<K> {
    fn default() -> Self {
        Building { exact: Vec::new(), pairs: FxHashMap::default() }
    }
}

/// Lists by a dense number, in one array (compressed rows): read at every word, and kept in the
/// rule cache as two fixed-width tables instead of thousands of small vectors (each one an
/// allocation when the cache is read).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "K: serde::Serialize + crate::cache::raw::Raw",
    deserialize = "K: serde::Deserialize<'de> + crate::cache::raw::Raw"
))]
pub(crate) struct Lists<K: Copy> {
    /// List `i` is `items[starts[i]..starts[i + 1]]`; empty, or one more than the lists.
    #[serde(with = "crate::cache::raw::vec")]
    starts: Vec<u32>,
    #[serde(with = "crate::cache::raw::vec")]
    items: Vec<K>,
}

impl<K: Copy> Default for Lists<K> {
    fn default() -> Self {
        Lists { starts: Vec::new(), items: Vec::new() }
    }
}

impl<K: Copy> Lists<K> {
    pub(crate) fn new<'a>(lists: impl Iterator<Item = &'a [K]>) -> Lists<K>
    where
        K: 'a,
    {
        let mut out = Lists { starts: vec![0], items: Vec::new() };
        for l in lists {
            out.items.extend_from_slice(l);
            out.starts.push(out.items.len() as u32);
        }
        out
    }

    /// List `i`; empty past the end (and, in a damaged cache, where the bounds make no sense).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> &[K] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Lists by a [`pair`] key: open addressing with linear probing over a power-of-two table of
/// slots (key 0, which no pair is, marks a free slot), each slot holding its key and the bounds of
/// its list in `items`. Read from the rule cache as two fixed-width tables, with no hashing.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "K: serde::Serialize + crate::cache::raw::Raw",
    deserialize = "K: serde::Deserialize<'de> + crate::cache::raw::Raw"
))]
struct PairTable<K: Copy> {
    #[serde(with = "crate::cache::raw::vec")]
    slots: Vec<(u64, (u32, u32))>,
    #[serde(with = "crate::cache::raw::vec")]
    items: Vec<K>,
}

impl<K: Copy> Default for PairTable<K> {
    fn default() -> Self {
        PairTable { slots: Vec::new(), items: Vec::new() }
    }
}

impl<K: Copy> PairTable<K> {
    /// Fibonacci hashing: the high bits of the product, masked to the table.
    #[inline]
    fn slot(key: u64, mask: usize) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask
    }

    fn new(map: &FxHashMap<u64, Vec<K>>) -> PairTable<K> {
        if map.is_empty() {
            return PairTable::default();
        }
        // At most three quarters full.
        let size = (map.len() * 4 / 3 + 1).next_power_of_two();
        let mask = size - 1;
        let mut slots = vec![(0u64, (0u32, 0u32)); size];
        let mut items = Vec::new();
        let mut sorted: Vec<(&u64, &Vec<K>)> = map.iter().collect();
        sorted.sort_unstable_by_key(|(k, _)| **k);
        for (&k, v) in sorted {
            debug_assert_ne!(k, 0);
            let mut i = Self::slot(k, mask);
            while slots[i].0 != 0 {
                i = (i + 1) & mask;
            }
            let start = items.len() as u32;
            items.extend_from_slice(v);
            slots[i] = (k, (start, items.len() as u32));
        }
        PairTable { slots, items }
    }

    #[inline]
    fn get(&self, key: u64) -> &[K] {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = Self::slot(key, mask);
        // Bounded, so that a damaged cache with no free slot cannot loop.
        let mut left = self.slots.len();
        while let Some(&(k, (a, b))) = self.slots.get(i) {
            if k == key {
                return self.items.get(a as usize..b as usize).unwrap_or(&[]);
            }
            if k == 0 || left == 0 {
                break;
            }
            left -= 1;
            i = (i + 1) & mask;
        }
        &[]
    }
}

impl<K: Copy + PartialEq> PatternIndex<K> {
    /// Index pattern `p` under `key`. A pattern that starts with `_` ([`Pattern::leads_with_any`])
    /// is indexed by its second element: the caller must mark its key so that it is matched from
    /// the word before the one it is offered at.
    pub fn add(&mut self, key: K, p: &Pattern, lex: &dyn LexiconLookup, vocab: &mut Vocab) {
        let from = usize::from(p.leads_with_any());
        if let Some(pairs) = p.first_pairs(from, lex, vocab).filter(|v| v.len() <= MAX_PAIRS) {
            // A first word that may be followed by anything is keyed by itself alone, and then
            // by no pair.
            let mut alone: Vec<u32> = pairs.iter().filter(|(_, b)| b.is_none()).map(|&(a, _)| a).collect();
            alone.sort_unstable();
            alone.dedup();
            for &a in &alone {
                self.add_exact(a, key);
            }
            for (a, b) in pairs {
                if let (Some((d, b)), Err(_)) = (b, alone.binary_search(&a)) {
                    if self.pair_first.len() <= a as usize {
                        self.pair_first.resize(a as usize + 1, 0);
                    }
                    self.pair_first[a as usize] |= 1 << (d - 1);
                    if self.pair_second.len() <= b as usize {
                        self.pair_second.resize(b as usize + 1, false);
                    }
                    self.pair_second[b as usize] = true;
                    let v = self.building.pairs.entry(pair(a, d, b)).or_default();
                    if !v.contains(&key) {
                        v.push(key);
                    }
                }
            }
            return;
        }
        let firsts = p.first_words(from, lex, vocab);
        for w in firsts {
            match w {
                Test::Id(e) => self.add_exact(e, key),
                other => {
                    if !self.wild.iter().any(|(w, k)| *w == other && *k == key) {
                        if self.by_byte.is_empty() {
                            self.by_byte = vec![Vec::new(); 256];
                        }
                        let i = self.wild.len() as u32;
                        match &other {
                            Test::Prefix(p) => self.by_byte[p.as_bytes()[0] as usize].push(i),
                            _ => self.by_byte.iter_mut().for_each(|v| v.push(i)),
                        }
                        self.wild.push((other, key));
                    }
                }
            }
        }
    }

    fn add_exact(&mut self, id: u32, key: K) {
        let e = id as usize;
        let exact = &mut self.building.exact;
        if exact.len() <= e {
            exact.resize_with(e + 1, Vec::new);
        }
        let v = &mut exact[e];
        if !v.contains(&key) {
            v.push(key);
        }
    }

    /// Make what was added the lists that [`PatternIndex::candidates`] reads. Call once, after
    /// the last [`PatternIndex::add`].
    pub fn finish(&mut self) {
        let b = std::mem::take(&mut self.building);
        self.exact = Lists::new(b.exact.iter().map(Vec::as_slice));
        self.pairs = PairTable::new(&b.pairs);
    }

    /// Calls `f` for each pattern that may start with `word`, followed by the words of ids
    /// `next` ([`NO_WORD`] past the end of the sentence: no pattern keyed by a pair can match
    /// there). A pattern may be offered more than once.
    #[inline]
    pub fn candidates(&self, word: &str, id: u32, next: [u32; MAX_OFFSET], mut f: impl FnMut(K)) {
        let mask = self.pair_first.get(id as usize).copied().unwrap_or(0);
        if mask != 0 {
            for (d, &b) in next.iter().enumerate() {
                if mask & (1 << d) != 0 && self.pair_second.get(b as usize).copied().unwrap_or(false) {
                    self.pairs.get(pair(id, d as u8 + 1, b)).iter().for_each(|&k| f(k));
                }
            }
        }
        self.exact.get(id as usize).iter().for_each(|&k| f(k));
        // Words are never empty; an empty one is checked against every test.
        match word.as_bytes().first().filter(|_| !self.by_byte.is_empty()) {
            Some(&b) => {
                for &i in &self.by_byte[b as usize] {
                    let (w, k) = &self.wild[i as usize];
                    if w.matches(word, id) {
                        f(*k);
                    }
                }
            }
            None => {
                for (w, k) in &self.wild {
                    if w.matches(word, id) {
                        f(*k);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lex(Vec<(String, Lexicon)>);
    impl LexiconLookup for Lex {
        fn lexicon_id(&self, name: &str) -> Option<usize> {
            self.0.iter().position(|(n, _)| n == name)
        }
        fn lexicon(&self, id: usize) -> &Lexicon {
            &self.0[id].1
        }
    }

    fn lex(vocab: &mut Vocab) -> Lex {
        let mut l =
            Lexicon::parse(&["qa".into(), "the qa team".into(), "product".into(), "the other team".into()]).unwrap();
        l.intern(vocab);
        Lex(vec![("team".into(), l)])
    }

    fn m(p: &str, s: &str) -> Option<(usize, usize)> {
        let mut vocab = Vocab::default();
        let l = lex(&mut vocab);
        let p = Pattern::compile(p, &l, &mut vocab).unwrap();
        let text: Vec<&str> = s.split_whitespace().collect();
        let ids: Vec<u32> = text.iter().map(|w| vocab.get(w)).collect();
        let words = Words { text: &text, ids: &ids };
        (0..text.len()).find_map(|i| p.match_at(words, i, &l).map(|e| (i, e)))
    }

    /// The engine takes an offer of a one-word pattern as its match: that holds only if the
    /// index offers it exactly where the matcher would match.
    #[test]
    fn a_one_word_pattern_is_offered_exactly_where_it_matches() {
        let mut ones = Lexicon::parse(&["qa".into(), "vendor*".into(), "*ops".into()]).unwrap();
        let mut vocab = Vocab::default();
        ones.intern(&mut vocab);
        let mut l = lex(&mut vocab);
        l.0.push(("ones".into(), ones));
        let cases = [
            ("deploy|ship|release", true),
            ("deploy*|ship", true),
            ("*ops|qa", true),
            ("@ones", true),
            ("@ones|product|rollback*", true),
            ("@team", false),
            ("deploy+now|ship", false),
            ("deploy? now", false),
            ("_", false),
            ("deploy it", false),
        ];
        let words = [
            "deploy",
            "deployed",
            "ship",
            "release",
            "qa",
            "vendors",
            "devops",
            "ops",
            "product",
            "rollbacks",
            "the",
            "it",
        ];
        for (src, one) in cases {
            let p = Pattern::compile(src, &l, &mut vocab).unwrap();
            assert_eq!(p.is_one_word(&l), one, "{src}");
            if !one {
                continue;
            }
            let mut index = PatternIndex::<u32>::default();
            index.add(7, &p, &l, &mut vocab);
            index.finish();
            for w in words {
                let id = vocab.get(w);
                let mut offered = false;
                index.candidates(w, id, [NO_WORD; MAX_OFFSET], |k| offered |= k == 7);
                let matched = p.match_at(Words { text: &[w], ids: &[id] }, 0, &l) == Some(1);
                assert_eq!(offered, matched, "`{src}` at `{w}`");
            }
        }
    }

    #[test]
    fn literals_alternatives_and_options() {
        assert_eq!(m("kept chang*", "the requirements kept changing"), Some((2, 4)));
        assert_eq!(m("@team should have caught|noticed it?", "the qa team should have noticed"), Some((0, 6)));
        assert_eq!(m("@team should have caught|noticed it?", "qa should have caught it"), Some((0, 5)));
        assert_eq!(m("@team should have caught", "we should have caught it"), None);
        assert_eq!(m("were *ed", "mistakes were made"), None);
        assert_eq!(m("were made|*ed", "mistakes were made"), Some((1, 3)));
        assert_eq!(m("a post-mortem|retro", "i ran a post mortem"), Some((2, 5)));
        assert_eq!(m("a post-mortem|retro", "i ran a retro"), Some((2, 4)));
        assert_eq!(m("we|the+team was", "the team was late"), Some((0, 3)));
    }

    #[test]
    fn gaps_are_bounded_and_shortest() {
        assert_eq!(m("never .. told me", "product never really told me"), Some((1, 5)));
        assert_eq!(m("never .. told me", "product never a b c d told me"), None);
        assert_eq!(m("never ..5 told me", "product never a b c d told me"), Some((1, 8)));
    }

    #[test]
    fn pair_table_finds_every_key_and_nothing_else() {
        let map: FxHashMap<u64, Vec<u32>> = (1..3000u64)
            .map(|i| (pair(i as u32, (i % 3 + 1) as u8, (i * 7) as u32), (0..i as u32 % 4).collect()))
            .collect();
        let t = PairTable::new(&map);
        assert!(t.slots.len().is_power_of_two() && t.slots.len() * 3 >= map.len() * 4);
        for (k, v) in &map {
            assert_eq!(t.get(*k), v.as_slice());
        }
        assert!(t.get(pair(5, 1, 5)).is_empty() && PairTable::<u32>::default().get(pair(1, 1, 7)).is_empty());
        // A table with no free slot (only a damaged cache could hold one) still answers.
        let full = PairTable { slots: vec![(pair(1, 1, 1), (0, 1)); 8], items: vec![9u32] };
        assert!(full.get(pair(2, 1, 2)).is_empty());
        assert_eq!(full.get(pair(1, 1, 1)), [9]);
    }

    #[test]
    fn negative_lookahead() {
        assert_eq!(m("was responsible !for", "i was responsible for the release"), None);
        assert_eq!(m("was responsible !for", "i was responsible"), Some((1, 3)));
        assert_eq!(m("kind !of", "kind of"), None);
        // Several words: the look-ahead blocks only the whole sequence.
        assert_eq!(m("was sent !to+me|us", "it was sent to me"), None);
        assert_eq!(m("was sent !to+me|to+us", "it was sent to us"), None);
        assert_eq!(m("was sent !to+me|us", "it was sent us"), None);
        assert_eq!(m("was sent !to+me|us", "it was sent to production"), Some((1, 3)));
        assert_eq!(m("was sent !to+me|us", "it was sent to"), Some((1, 3)));
    }

    #[test]
    fn bad_patterns_are_rejected() {
        let mut v = Vocab::default();
        let l = lex(&mut v);
        assert!(Pattern::compile(".. foo", &l, &mut v).is_err());
        assert!(Pattern::compile("foo ..", &l, &mut v).is_err());
        assert!(Pattern::compile("foo? bar?", &l, &mut v).is_err());
        assert!(Pattern::compile("@nope", &l, &mut v).is_err());
        assert!(Pattern::compile("a ..99 b", &l, &mut v).is_err());
        // `?` belongs at the end of an element, not inside one of its alternatives.
        assert!(Pattern::compile("after that one?|incident", &l, &mut v).is_err());
        assert!(Pattern::compile("after that one|incident?", &l, &mut v).is_ok());
    }

    /// Patterns that exercise every way the index keys a pattern: exact and lexicon first words,
    /// pairs at offsets 1 to 3 (through wildcards, optional words, sequences and lexicon phrases
    /// with wildcards), an optional first element, a leading `_`, wildcard first words, and keys
    /// out of reach (gaps, long wildcard runs).
    const INDEX_PATTERNS: &[&str] = &[
        "the|our _ _? never|didn't",
        "the? budget|scope was|were cut",
        "_ later with|using the",
        "@who broke|missed",
        "@who !i|we _? _? @failed",
        "i|we should have? asked|told-them",
        "was|were *ed by",
        "they .. late",
        "re* the _ _ _ team",
        "_ _ pixels|px",
        "a|an? the? qa",
        "my _ lead said|told",
        "the+other+team|the+vendor _? blew|missed it",
    ];

    /// A lexicon with wildcard phrases for [`INDEX_PATTERNS`].
    fn index_lex(vocab: &mut Vocab) -> Lex {
        let mut who = Lexicon::parse(
            &["the _ team", "qa", "the vendor", "my _ _ lead", "they", "the other team"].map(String::from),
        )
        .unwrap();
        who.intern(vocab);
        let mut failed =
            Lexicon::parse(&["broke", "missed the", "did not _ it", "was late"].map(String::from)).unwrap();
        failed.intern(vocab);
        Lex(vec![("who".into(), who), ("failed".into(), failed)])
    }

    /// Words for random sentences: every word the patterns name, some that pass their wildcards,
    /// some that no pattern names.
    const INDEX_WORDS: &[&str] = &[
        "the", "our", "never", "didn't", "budget", "scope", "was", "were", "cut", "later", "with", "using", "broke",
        "missed", "i", "we", "should", "have", "asked", "told", "them", "reviewed", "by", "they", "late", "redid",
        "team", "pixels", "px", "a", "an", "qa", "my", "lead", "said", "other", "vendor", "blew", "it", "did", "not",
        "data", "x", "platform",
    ];

    proptest::proptest! {
        /// The index offers a pattern at every word where it matches (it may offer more): a
        /// missed key would silently lose findings.
        #[test]
        fn index_offers_every_match(sentence in proptest::collection::vec(proptest::sample::select(INDEX_WORDS), 0..14)) {
            let mut vocab = Vocab::default();
            let l = index_lex(&mut vocab);
            let patterns: Vec<Pattern> =
                INDEX_PATTERNS.iter().map(|p| Pattern::compile(p, &l, &mut vocab).unwrap()).collect();
            let mut index: PatternIndex<(u32, bool)> = PatternIndex::default();
            for (k, p) in patterns.iter().enumerate() {
                index.add((k as u32, p.leads_with_any()), p, &l, &mut vocab);
            }
            index.finish();
            let ids: Vec<u32> = sentence.iter().map(|w| vocab.get(w)).collect();
            let words = Words { text: &sentence, ids: &ids };
            let mut offered = std::collections::HashSet::new();
            for i in 0..sentence.len() {
                let next = std::array::from_fn(|d| ids.get(i + 1 + d).copied().unwrap_or(NO_WORD));
                index.candidates(sentence[i], ids[i], next, |(k, lead)| {
                    if !lead {
                        offered.insert((k, i));
                    } else if i > 0 {
                        offered.insert((k, i - 1));
                    }
                });
            }
            for (k, p) in patterns.iter().enumerate() {
                for i in 0..sentence.len() {
                    if p.match_at(words, i, &l).is_some() {
                        proptest::prop_assert!(
                            offered.contains(&(k as u32, i)),
                            "`{}` matches {:?} at {} but was not offered", INDEX_PATTERNS[k], sentence, i
                        );
                    }
                }
            }
        }

        /// The short-word table finds exactly the interned words, with the map's ids.
        #[test]
        fn vocab_short_words_agree_with_the_map(
            words in proptest::collection::vec("[a-c'\u{e9}]{0,17}", 0..200),
            probes in proptest::collection::vec("[a-c'\u{e9}]{0,17}", 0..200),
        ) {
            let mut v = Vocab::default();
            let mut reference = std::collections::HashMap::new();
            for w in &words {
                let id = v.intern(w);
                let n = reference.len() as u32;
                proptest::prop_assert_eq!(id, *reference.entry(w.clone()).or_insert(n));
            }
            for w in words.iter().chain(&probes) {
                proptest::prop_assert_eq!(v.get(w), reference.get(w).copied().unwrap_or(NO_WORD), "{:?}", w);
            }
        }
    }
}
