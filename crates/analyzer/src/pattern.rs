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
//!
//! Matching is anchored on the possible first words of a pattern: an index maps each such word
//! to the patterns that can start with it, so one hash look-up per word of the story finds every
//! candidate, whatever the number of patterns (see [`PatternIndex`]).

use rustc_hash::FxHashMap;

/// One word-level test.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        let lower = s.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
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
            WordPat::Prefix(p) => w.starts_with(&**p),
            WordPat::Suffix(p) => w.len() > p.len() && w.ends_with(&**p),
            WordPat::Any => true,
        }
    }
}

/// A lexicon: named list of phrases, each a sequence of word tests, compiled into a trie so that
/// matching at a word walks only the continuations the text can take.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub phrases: Vec<Vec<WordPat>>,
    trie: Vec<TrieNode>,
}

#[derive(Debug, Clone, Default)]
struct TrieNode {
    exact: FxHashMap<Box<str>, u32>,
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
    fn ends(&self, words: &[&str], pos: usize) -> ([u32; MAX_PHRASE], usize) {
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
            let Some(w) = words.get(at as usize) else { continue };
            if let Some(&next) = node.exact.get(*w) {
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

#[derive(Debug, Clone)]
enum Alt {
    Word(WordPat),
    /// A hyphenated alternative: several words in a row.
    Seq(Vec<WordPat>),
    Lex(usize),
}

#[derive(Debug, Clone)]
enum Elem {
    /// Alternatives: exact words in a hash set (one look-up, however long the list), the rest
    /// (wildcards, sequences, lexicons) tried in order.
    Alts {
        exact: rustc_hash::FxHashSet<Box<str>>,
        alts: Vec<Alt>,
        optional: bool,
    },
    Gap(usize),
    Not(Vec<WordPat>),
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    elems: Vec<Elem>,
}

/// Lexicons by name, for compiling patterns.
pub trait LexiconLookup {
    fn lexicon_id(&self, name: &str) -> Option<usize>;
    fn lexicon(&self, id: usize) -> &Lexicon;
}

impl Pattern {
    pub fn compile(src: &str, lex: &dyn LexiconLookup) -> Result<Pattern, String> {
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
                let words: Result<Vec<_>, _> = n.split('|').map(WordPat::parse).collect();
                elems.push(Elem::Not(words?));
                continue;
            }
            let (body, optional) = match raw.strip_suffix('?') {
                Some(b) => (b, true),
                None => (raw, false),
            };
            let mut alts = Vec::new();
            for a in body.split('|') {
                if let Some(name) = a.strip_prefix('@') {
                    let id = lex.lexicon_id(name).ok_or_else(|| format!("unknown lexicon `@{name}`"))?;
                    alts.push(Alt::Lex(id));
                } else if a.contains(['-', '/', '+']) && a.len() > 1 {
                    let words: Result<Vec<_>, _> = split_words(a).map(WordPat::parse).collect();
                    alts.push(Alt::Seq(words?));
                } else {
                    alts.push(Alt::Word(WordPat::parse(a)?));
                }
            }
            let mut exact = rustc_hash::FxHashSet::default();
            alts.retain(|a| match a {
                Alt::Word(WordPat::Exact(w)) => {
                    exact.insert(w.clone());
                    false
                }
                _ => true,
            });
            elems.push(Elem::Alts { exact, alts, optional });
        }
        let p = Pattern { elems };
        match p.elems.iter().find(|e| !matches!(e, Elem::Not(_))) {
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
    fn first_words(&self, lex: &dyn LexiconLookup) -> Vec<WordPat> {
        let mut out = Vec::new();
        for e in &self.elems {
            match e {
                Elem::Not(_) => continue,
                Elem::Gap(_) => break,
                Elem::Alts { exact, alts, optional } => {
                    out.extend(exact.iter().map(|w| WordPat::Exact(w.clone())));
                    for a in alts {
                        match a {
                            Alt::Word(w) => out.push(w.clone()),
                            Alt::Seq(ws) => out.push(ws[0].clone()),
                            Alt::Lex(id) => out.extend(lex.lexicon(*id).phrases.iter().map(|p| p[0].clone())),
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

    /// Match at word `at` of `words`; returns the end (exclusive) of the shortest match.
    pub fn match_at(&self, words: &[&str], at: usize, lex: &dyn LexiconLookup) -> Option<usize> {
        self.go(0, words, at, at, lex)
    }

    fn go(&self, ei: usize, words: &[&str], pos: usize, start: usize, lex: &dyn LexiconLookup) -> Option<usize> {
        let Some(e) = self.elems.get(ei) else {
            return (pos > start).then_some(pos);
        };
        match e {
            Elem::Not(ws) => {
                if words.get(pos).is_some_and(|w| ws.iter().any(|p| p.matches(w))) {
                    None
                } else {
                    self.go(ei + 1, words, pos, start, lex)
                }
            }
            Elem::Gap(max) => {
                for skip in 0..=*max {
                    if pos + skip > words.len() {
                        break;
                    }
                    if let Some(end) = self.go(ei + 1, words, pos + skip, start, lex) {
                        return Some(end);
                    }
                }
                None
            }
            Elem::Alts { exact, alts, optional } => {
                if words.get(pos).is_some_and(|w| exact.contains(*w)) {
                    if let Some(end) = self.go(ei + 1, words, pos + 1, start, lex) {
                        return Some(end);
                    }
                }
                for a in alts {
                    match a {
                        Alt::Word(w) => {
                            if words.get(pos).is_some_and(|x| w.matches(x)) {
                                if let Some(end) = self.go(ei + 1, words, pos + 1, start, lex) {
                                    return Some(end);
                                }
                            }
                        }
                        Alt::Seq(phrase) => {
                            if let Some(end) = self.phrase(phrase, ei, words, pos, start, lex) {
                                return Some(end);
                            }
                        }
                        Alt::Lex(id) => {
                            let (ends, n) = lex.lexicon(*id).ends(words, pos);
                            for &end in &ends[..n] {
                                if let Some(e) = self.go(ei + 1, words, end as usize, start, lex) {
                                    return Some(e);
                                }
                            }
                        }
                    }
                }
                if *optional {
                    self.go(ei + 1, words, pos, start, lex)
                } else {
                    None
                }
            }
        }
    }
}

impl Pattern {
    fn phrase(
        &self,
        phrase: &[WordPat],
        ei: usize,
        words: &[&str],
        pos: usize,
        start: usize,
        lex: &dyn LexiconLookup,
    ) -> Option<usize> {
        if phrase.len() + pos <= words.len() && phrase.iter().zip(&words[pos..]).all(|(p, w)| p.matches(w)) {
            self.go(ei + 1, words, pos + phrase.len(), start, lex)
        } else {
            None
        }
    }
}

/// Which patterns may start at a word: exact first words by hash, the few wildcard first words by
/// a short scan.
#[derive(Debug, Default)]
pub struct PatternIndex<K: Copy> {
    exact: FxHashMap<Box<str>, Vec<K>>,
    wild: Vec<(WordPat, K)>,
}

impl<K: Copy + PartialEq> PatternIndex<K> {
    pub fn add(&mut self, key: K, p: &Pattern, lex: &dyn LexiconLookup) {
        for w in p.first_words(lex) {
            match w {
                WordPat::Exact(e) => {
                    let v = self.exact.entry(e).or_default();
                    if !v.contains(&key) {
                        v.push(key);
                    }
                }
                other => {
                    if !self.wild.iter().any(|(w, k)| *w == other && *k == key) {
                        self.wild.push((other, key));
                    }
                }
            }
        }
    }

    /// Calls `f` once for each pattern that may start with `word`.
    #[inline]
    pub fn candidates(&self, word: &str, mut f: impl FnMut(K)) {
        if let Some(v) = self.exact.get(word) {
            v.iter().for_each(|&k| f(k));
        }
        for (w, k) in &self.wild {
            if w.matches(word) {
                f(*k);
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

    fn lex() -> Lex {
        Lex(vec![(
            "team".into(),
            Lexicon::parse(&["qa".into(), "the qa team".into(), "product".into(), "the other team".into()]).unwrap(),
        )])
    }

    fn m(p: &str, s: &str) -> Option<(usize, usize)> {
        let l = lex();
        let p = Pattern::compile(p, &l).unwrap();
        let words: Vec<&str> = s.split_whitespace().collect();
        (0..words.len()).find_map(|i| p.match_at(&words, i, &l).map(|e| (i, e)))
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
    fn negative_lookahead() {
        assert_eq!(m("was responsible !for", "i was responsible for the release"), None);
        assert_eq!(m("was responsible !for", "i was responsible"), Some((1, 3)));
        assert_eq!(m("kind !of", "kind of"), None);
    }

    #[test]
    fn bad_patterns_are_rejected() {
        let l = lex();
        assert!(Pattern::compile(".. foo", &l).is_err());
        assert!(Pattern::compile("foo ..", &l).is_err());
        assert!(Pattern::compile("foo? bar?", &l).is_err());
        assert!(Pattern::compile("@nope", &l).is_err());
        assert!(Pattern::compile("a ..99 b", &l).is_err());
    }
}
