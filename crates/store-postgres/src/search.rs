//! Full-text search as SQLite's FTS5 index does it (`unicode61 remove_diacritics 2`, prefix
//! queries), on a plain `tsvector` column.
//!
//! PostgreSQL's text-search parser has its own ideas (`web/api` is one "file" token, `a@b.c` an
//! e-mail) and folding accents needs the `unaccent` extension, which a managed database may not
//! let us install. So the store does the words itself, in Rust, the same way on both sides: text
//! is folded (lower case, accents removed: NFD without combining marks) and split into runs of
//! letters and digits; the entry's distinct words go in as lexemes (`array_to_tsvector`, no
//! parser, no dictionary), and a search becomes `'word':* & ...` cast straight to `tsquery`
//! (again no parser). Query syntax characters are never syntax: only letters and digits reach
//! the query.

use std::collections::BTreeSet;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The longest word kept: PostgreSQL refuses lexemes over 2 KiB.
const MAX_WORD_BYTES: usize = 1000;

/// Lower case, accents removed.
pub(crate) fn fold(text: &str) -> String {
    text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The words of `text`, folded, in order (with repeats).
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.len() <= MAX_WORD_BYTES)
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The distinct words of an entry's searchable text, for `array_to_tsvector`.
pub(crate) fn lexemes<'a>(parts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut set = BTreeSet::new();
    for p in parts {
        set.extend(words(p));
    }
    set.into_iter().collect()
}

/// The `tsquery` for what a user typed: every word, as a word prefix; `None` when nothing
/// searchable was typed (a blank search is no search).
pub(crate) fn query(search: &str) -> Option<String> {
    let terms: Vec<String> = words(search).map(|w| format!("'{w}':*")).collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_words() {
        assert_eq!(fold("Café NAÏVE Zürich"), "cafe naive zurich");
        assert_eq!(
            words("web/api on-call didn't 🚀 x").collect::<Vec<_>>(),
            ["web", "api", "on", "call", "didn", "t", "x"]
        );
        assert_eq!(lexemes(["b a", "a"]), ["a", "b"]);
    }

    #[test]
    fn queries_are_literal() {
        assert_eq!(query("deploy \"x\" OR *").as_deref(), Some("'deploy':* & 'x':* & 'or':*"));
        assert_eq!(query("a:b 'quoted'").as_deref(), Some("'a':* & 'b':* & 'quoted':*"));
        assert_eq!(query("  * ( \" ' ^ "), None);
    }
}
