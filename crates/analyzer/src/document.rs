//! Text -> [`Document`]: what the rules see.
//!
//! The input is never copied into a different shape: every offset here is a byte offset into the
//! original text. Markup that is not prose (YAML front matter, Markdown syntax, code, HTML, link
//! destinations, part labels such as `**Task:**`) is *masked*: replaced by spaces in a working copy
//! of the same length, so sentence and word segmentation run on prose only while offsets stay
//! exact.

use pulldown_cmark::{Event, Options as MdOptions, Parser, Tag, TagEnd};
use unicode_segmentation::UnicodeSegmentation;

use crate::model::{PartId, PartLabels};

/// How to read the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    /// CommonMark: markup, code and HTML are skipped. The default.
    #[default]
    Markdown,
    /// Plain text (a `.txt` transcript): only front matter and part labels are skipped.
    Plain,
}

/// A word of the story.
#[derive(Debug, Clone)]
pub struct Token {
    /// Byte range in the original text.
    pub start: usize,
    pub end: usize,
    /// Where the normalised (lower-case, straight apostrophe) form is.
    norm: Norm,
    /// Clause index within the sentence (bumped at `,;:()` and dashes).
    pub clause: u16,
    /// Inside a quotation embedded in running text ("...instead of saying "it was QA's fault"").
    pub quoted: bool,
}

/// Where a token's normalised form is kept.
#[derive(Debug, Clone, Copy)]
enum Norm {
    /// The word as written is already normalised (lower-case ASCII, the common case): no copy.
    AsWritten,
    /// A range of [`Document::norm`].
    Arena(u32, u32),
}

/// A sentence: a run of tokens.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    /// Token range in [`Document::tokens`].
    pub tokens: std::ops::Range<usize>,
    /// Index into [`Document::sections`] when the story has part labels.
    pub section: Option<usize>,
}

/// A labelled part of the story (`## Situation`, `Task:` ...), from the end of its label to the
/// start of the next label.
#[derive(Debug, Clone)]
pub struct Section {
    pub part: PartId,
    /// Byte range of the label itself (e.g. `Task:`), masked from analysis.
    pub label: (usize, usize),
    /// Byte range of the content, trimmed.
    pub start: usize,
    pub end: usize,
}

/// The analysed form of one story.
#[derive(Debug)]
pub struct Document<'a> {
    pub text: &'a str,
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
    pub sections: Vec<Section>,
    /// Rule ids silenced by `<!-- starl-disable RULE -->` comments.
    pub disabled: Vec<String>,
    /// All normalised token text, concatenated.
    norm: String,
    line_starts: Vec<usize>,
    /// The characters of more than one byte: where each starts, and how many bytes beyond one
    /// it and all before it take (so a column is a subtraction, not a count of characters).
    wide: Vec<(usize, usize)>,
}

impl<'a> Document<'a> {
    pub fn parse(text: &'a str, syntax: Syntax, labels: &PartLabels) -> Document<'a> {
        let mut masked = text.as_bytes().to_vec();
        let mut disabled = Vec::new();
        let body_start = mask_front_matter(text, &mut masked);
        match syntax {
            Syntax::Markdown => mask_markdown(text, body_start, &mut masked, &mut disabled),
            Syntax::Plain => collect_directives(text, &mut disabled),
        }
        let sections = find_sections(text, &mut masked, labels, syntax);
        let (line_starts, wide) = line_starts(text);
        let mut doc = Document {
            text,
            tokens: Vec::with_capacity(text.len() / 5),
            sentences: Vec::with_capacity(text.len() / 80),
            sections,
            disabled,
            norm: String::with_capacity(text.len()),
            line_starts,
            wide,
        };
        doc.segment(&masked);
        doc
    }

    /// The normalised form of a token: lower case, with typographic apostrophes made straight.
    #[inline]
    pub fn norm(&self, token: usize) -> &str {
        let t = &self.tokens[token];
        match t.norm {
            Norm::AsWritten => &self.text[t.start..t.end],
            Norm::Arena(a, b) => &self.norm[a as usize..b as usize],
        }
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        (line + 1, self.chars_before(offset) - self.chars_before(start) + 1)
    }

    /// How many characters come before byte `offset` (a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let i = self.wide.partition_point(|&(at, _)| at < offset);
        offset - i.checked_sub(1).map_or(0, |i| self.wide[i].1)
    }

    /// Number of words that would be spoken (labels and markup excluded).
    pub fn word_count(&self) -> usize {
        self.tokens.len()
    }

    /// Split the masked text into blocks (paragraphs, and the text of each part), then into
    /// sentences and words. A blank line or a part label ends a block: no sentence runs across one.
    fn segment(&mut self, masked: &[u8]) {
        let labels: Vec<(usize, usize)> = self.sections.iter().map(|s| s.label).collect();
        let mut scratch = Scratch::new(masked);
        let mut next_label = 0;
        let mut block_start: Option<usize> = None;
        let mut pos = 0;
        let len = masked.len();
        while pos < len {
            let line_end = memchr::memchr(b'\n', &masked[pos..]).map_or(len, |i| pos + i);
            while next_label < labels.len() && labels[next_label].0 < pos {
                next_label += 1;
            }
            if next_label < labels.len() && labels[next_label].0 < line_end {
                // A label on this line: what came before is one block, what follows starts one.
                if let Some(bs) = block_start.take() {
                    self.segment_block(masked, &mut scratch, bs, labels[next_label].0);
                }
                let after = labels[next_label].1;
                if masked[after..line_end].iter().any(|b| !b.is_ascii_whitespace()) {
                    block_start = Some(after);
                }
            } else if masked[pos..line_end].iter().all(|b| b.is_ascii_whitespace()) {
                if let Some(bs) = block_start.take() {
                    self.segment_block(masked, &mut scratch, bs, pos);
                }
            } else if block_start.is_none() {
                block_start = Some(pos);
            }
            pos = line_end + 1;
        }
        if let Some(bs) = block_start {
            self.segment_block(masked, &mut scratch, bs, len);
        }
    }

    /// The section (index into `sections`) that a byte offset belongs to, if any.
    fn section_at(&self, offset: usize) -> Option<usize> {
        let i = self.sections.partition_point(|s| s.label.1 <= offset);
        i.checked_sub(1)
    }

    fn segment_block(&mut self, masked: &[u8], scratch: &mut Scratch, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let slice = &masked[start..end];
        if slice.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        let Scratch { joined, joined_bytes, bounds, wbounds, classes } = scratch;
        let Some(block) = Scratch::block(joined, joined_bytes.as_deref(), start, end) else {
            return;
        };
        let quotes = quoted_regions(self.text, start, end, masked);
        let section = self.section_at(start);
        bounds.clear();
        sentence_bounds_with(block, bounds, classes);
        for &(s_off, s_end) in bounds.iter() {
            let sentence = &block[s_off..s_end];
            let first = self.tokens.len();
            let s_start = start + s_off;
            let mut clause: u16 = 0;
            let mut prev_end = s_start;
            wbounds.clear();
            word_bounds(sentence, wbounds);
            for &(w_off, w_off_end) in wbounds.iter() {
                let word = &sentence[w_off..w_off_end];
                let w_start = s_start + w_off;
                let w_end = s_start + w_off_end;
                if self.tokens.len() > first && clause_break(&self.text.as_bytes()[prev_end..w_start]) {
                    clause = clause.saturating_add(1);
                }
                // `word` holds the same bytes as `text[w_start..w_end]`: joining and masking
                // change only blanks, and a word holds none.
                let (norm, normalised) = if is_normalised(word) {
                    (Norm::AsWritten, word)
                } else {
                    let a = self.norm.len() as u32;
                    normalise_into(word, &mut self.norm);
                    let b = self.norm.len() as u32;
                    (Norm::Arena(a, b), &self.norm[a as usize..b as usize])
                };
                if is_clause_word(normalised) && self.tokens.len() > first {
                    clause = clause.saturating_add(1);
                }
                let quoted = quotes.iter().any(|&(qa, qb)| w_start >= qa && w_end <= qb);
                self.tokens.push(Token { start: w_start, end: w_end, norm, clause, quoted });
                prev_end = w_end;
            }
            if self.tokens.len() > first {
                let t0 = &self.tokens[first];
                let t1 = &self.tokens[self.tokens.len() - 1];
                let s_end = sentence_end(self.text, t1.end, start + slice.len());
                self.sentences.push(Sentence {
                    start: t0.start,
                    end: s_end,
                    tokens: first..self.tokens.len(),
                    section,
                });
            }
        }
    }
}

/// Buffers reused by every block of one document (one allocation each per story, not per block).
struct Scratch {
    /// The masked text with newlines made spaces: inside a block, newlines are soft (same byte
    /// length, so offsets are unchanged).
    joined: String,
    /// The joined bytes instead, if they are not UTF-8 (never in practice: masking replaces whole
    /// characters with spaces); each block is then checked alone, and skipped if it is not.
    joined_bytes: Option<Vec<u8>>,
    bounds: Vec<(usize, usize)>,
    wbounds: Vec<(usize, usize)>,
    classes: SbScratch,
}

impl Scratch {
    fn new(masked: &[u8]) -> Scratch {
        let joined: Vec<u8> = masked.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }).collect();
        let (joined, joined_bytes) = match String::from_utf8(joined) {
            Ok(s) => (s, None),
            Err(e) => (String::new(), Some(e.into_bytes())),
        };
        Scratch {
            joined,
            joined_bytes,
            bounds: Vec::new(),
            wbounds: Vec::with_capacity(64),
            classes: SbScratch::default(),
        }
    }

    /// The joined text of the block `start..end`, if it is UTF-8 (a block whose bounds are not
    /// on char boundaries is not, exactly as when it was checked alone).
    fn block<'s>(joined: &'s str, joined_bytes: Option<&'s [u8]>, start: usize, end: usize) -> Option<&'s str> {
        match joined_bytes {
            None => joined.get(start..end),
            Some(b) => std::str::from_utf8(&b[start..end]).ok(),
        }
    }
}

/// The per-byte classes [`sentence_bounds_with`] fills, kept between blocks.
#[derive(Default)]
struct SbScratch {
    cls: Vec<Sb>,
}

/// [`sentence_bounds_with`] with buffers of its own (tests).
#[cfg(test)]
fn sentence_bounds(block: &str, out: &mut Vec<(usize, usize)>) {
    sentence_bounds_with(block, out, &mut SbScratch::default());
}

/// The UAX #29 sentences of `block` as byte ranges, exactly as `split_sentence_bound_indices`
/// gives them. Blocks made only of characters whose Sentence_Break class is known here (printable
/// ASCII, tab, Latin-1 and Latin Extended-A letters, typographic quotes and dashes, common CJK,
/// a few symbols and emoji: see [`sb_char`]) take a fast path; any other character sends the
/// whole block to the crate. Most stories are English with curly quotes and an occasional name
/// or CJK phrase, so nearly every block takes the fast path.
fn sentence_bounds_with(block: &str, out: &mut Vec<(usize, usize)>, scratch: &mut SbScratch) {
    let b = block.as_bytes();
    // First, is every char one whose class is known here, and is every terminator ASCII? Then
    // classes are looked up only around the terminators (most blocks: printable ASCII with curly
    // quotes and dashes). Otherwise each byte's class goes into a table.
    let mut ascii_terms = true;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\t' || (b' '..=b'~').contains(&c) {
            i += 1 + printable_ascii_prefix(&b[i + 1..]);
            continue;
        }
        let ch = block[i..].chars().next().unwrap_or_default();
        let Some(k) = sb_char(ch) else {
            out.extend(block.split_sentence_bound_indices().map(|(o, s)| (o, o + s.len())));
            return;
        };
        ascii_terms &= !matches!(k, Sb::ATerm | Sb::STerm);
        i += ch.len_utf8();
    }
    if ascii_terms {
        let at = |i: usize| class_at(block, i);
        sentence_breaks(&at, b.len(), memchr::memchr3_iter(b'.', b'!', b'?', b), out);
        return;
    }
    // The class of each byte: a char of several bytes gives its class to each of them. The rules
    // below ask only whether a run of Close or Sp is empty, never how long it is, and a break is
    // never found inside such a char (its bytes are `Close Close`, `Sp Sp`, `STerm STerm`, or
    // start with a class no break follows), so byte classes split exactly as char classes do.
    let SbScratch { cls } = scratch;
    cls.clear();
    cls.resize(b.len(), Sb::Other);
    let mut i = 0;
    while i < b.len() {
        let ch = block[i..].chars().next().unwrap_or_default();
        let n = ch.len_utf8();
        cls[i..i + n].fill(sb_char(ch).unwrap_or(Sb::Other));
        i += n;
    }
    let cls: &[Sb] = cls;
    let terms = cls.iter().enumerate().filter(|(_, c)| matches!(c, Sb::ATerm | Sb::STerm)).map(|(t, _)| t);
    sentence_breaks(&|i: usize| cls[i], cls.len(), terms, out);
}

/// How many bytes at the start of `b` are printable ASCII (`' '..='~'`), eight at a time.
#[inline]
fn printable_ascii_prefix(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut n = 0;
    for chunk in b.chunks_exact(8) {
        let x = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        // A byte is outside `0x20..0x7f` if its high bit is set, if it is below 0x20, or if it
        // is 0x7f (each test exact for bytes below 0x80, which the first leaves).
        let below_space = x.wrapping_sub(ONES * 0x20) & !x;
        let del = (x ^ (ONES * 0x7f)).wrapping_sub(ONES) & !(x ^ (ONES * 0x7f));
        if (x | below_space | del) & HIGH != 0 {
            break;
        }
        n += 8;
    }
    n + b[n..].iter().take_while(|&&c| (b' '..=b'~').contains(&c)).count()
}

/// The class of byte `i` of `block`, all of whose chars [`sb_char`] knows: the class of the char
/// that holds it.
#[inline]
fn class_at(block: &str, i: usize) -> Sb {
    let b = block.as_bytes();
    if b[i] < 0x80 {
        return sb(b[i]);
    }
    let mut s = i;
    while s > 0 && b[s] & 0xc0 == 0x80 {
        s -= 1;
    }
    block.get(s..).and_then(|r| r.chars().next()).and_then(sb_char).unwrap_or(Sb::Other)
}

/// The sentences of a block of `n` bytes whose classes `at` gives, where `terms` are the
/// positions (ascending) of its terminator bytes (ATerm or STerm).
fn sentence_breaks(
    at: &impl Fn(usize) -> Sb,
    n: usize,
    terms: impl Iterator<Item = usize>,
    out: &mut Vec<(usize, usize)>,
) {
    // A break can only follow `SATerm Close* Sp*` (SB11): test the positions after each
    // terminator, over its closing punctuation and spaces.
    let mut from = 0;
    for t in terms {
        let mut k = t + 1;
        while k < n && at(k) == Sb::Close {
            k += 1;
        }
        while k < n && at(k) == Sb::Sp {
            k += 1;
        }
        let last = k.min(n - 1);
        for i in t + 1..=last {
            if sentence_break(at, n, i) {
                out.push((from, i));
                from = i;
            }
        }
    }
    if from < n {
        out.push((from, n));
    }
}

/// Sentence_Break classes of the characters [`sentence_bounds_with`] handles itself (UAX #29; the
/// blocks hold no CR or LF, and characters of class Extend, Format or Sep are left to the crate).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sb {
    Sp,
    Lower,
    Upper,
    OLetter,
    Numeric,
    ATerm,
    STerm,
    Close,
    SContinue,
    Other,
}

#[inline]
fn sb(c: u8) -> Sb {
    SB_TABLE[c as usize]
}

static SB_TABLE: [Sb; 256] = {
    let mut t = [Sb::Other; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = sb_of(c as u8);
        c += 1;
    }
    t
};

const fn sb_of(c: u8) -> Sb {
    match c {
        b' ' | b'\t' => Sb::Sp,
        b'a'..=b'z' => Sb::Lower,
        b'A'..=b'Z' => Sb::Upper,
        b'0'..=b'9' => Sb::Numeric,
        b'.' => Sb::ATerm,
        b'!' | b'?' => Sb::STerm,
        b'"' | b'\'' | b'(' | b')' | b'[' | b']' | b'{' | b'}' => Sb::Close,
        b',' | b'-' | b':' | b';' => Sb::SContinue,
        _ => Sb::Other,
    }
}

/// The Sentence_Break class of `c`, for the characters whose class is known here; `None` for the
/// rest (and for ASCII control characters other than tab). Checked against `unicode-segmentation`
/// for every character it accepts (tests below).
#[inline]
fn sb_char(c: char) -> Option<Sb> {
    Some(match c {
        '\t' | ' '..='~' => sb(c as u8),
        '\u{a0}' => Sb::Sp,
        '\u{ab}' | '\u{bb}' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' | '\u{ff08}' | '\u{ff09}' => Sb::Close,
        '\u{d7}' | '\u{f7}' | '\u{a3}' | '\u{a5}' | '\u{b0}' | '\u{2026}' | '\u{20ac}' | '\u{20b9}' => Sb::Other,
        '\u{2190}'..='\u{2193}' => Sb::Other,
        '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' => {
            if c.is_lowercase() {
                Sb::Lower
            } else if c.is_uppercase() {
                Sb::Upper
            } else {
                return None;
            }
        }
        '\u{2013}' | '\u{2014}' | '\u{3001}' | '\u{ff0c}' => Sb::SContinue,
        '\u{3002}' | '\u{ff01}' | '\u{ff1f}' => Sb::STerm,
        '\u{3041}'..='\u{3096}' | '\u{30a1}'..='\u{30fa}' | '\u{30fc}' | '\u{4e00}'..='\u{9fff}' => Sb::OLetter,
        // Pictographs (skin-tone modifiers, U+1F3FB..U+1F3FF, are Extend: not here).
        '\u{1f300}'..='\u{1f3fa}'
        | '\u{1f400}'..='\u{1f64f}'
        | '\u{1f680}'..='\u{1f6ff}'
        | '\u{1f900}'..='\u{1f9ff}' => Sb::Other,
        _ => return None,
    })
}

/// Is there a sentence boundary between chars `i - 1` and `i` (`0 < i < n`), given the classes
/// `at` gives? Rules SB6 to SB11 of UAX #29.
#[inline]
fn sentence_break(at: &impl Fn(usize) -> Sb, n: usize, i: usize) -> bool {
    // The left side must be `SATerm Close* Sp*` for any break (SB11); otherwise SB998.
    if !matches!(at(i - 1), Sb::Sp | Sb::Close | Sb::ATerm | Sb::STerm) {
        return false;
    }
    let mut j = i;
    while j > 0 && at(j - 1) == Sb::Sp {
        j -= 1;
    }
    let spaces = i - j;
    while j > 0 && at(j - 1) == Sb::Close {
        j -= 1;
    }
    let closes = i - spaces - j;
    if j == 0 {
        return false;
    }
    let term = at(j - 1);
    if term != Sb::ATerm && term != Sb::STerm {
        return false;
    }
    let next = at(i);
    if term == Sb::ATerm {
        if spaces == 0 && closes == 0 {
            // SB6: ATerm × Numeric; SB7: (Upper | Lower) ATerm × Upper.
            if next == Sb::Numeric {
                return false;
            }
            if next == Sb::Upper && j >= 2 && matches!(at(j - 2), Sb::Upper | Sb::Lower) {
                return false;
            }
        }
        // SB8: ATerm Close* Sp* × (¬(OLetter | Upper | Lower | ParaSep | SATerm))* Lower.
        let k = (i..n).map(at).find(|&c| matches!(c, Sb::OLetter | Sb::Upper | Sb::Lower | Sb::ATerm | Sb::STerm));
        if k == Some(Sb::Lower) {
            return false;
        }
    }
    // SB8a: SATerm Close* Sp* × (SContinue | SATerm).
    if matches!(next, Sb::SContinue | Sb::ATerm | Sb::STerm) {
        return false;
    }
    // SB9: SATerm Close* × (Close | Sp | ParaSep); SB10: SATerm Close* Sp* × (Sp | ParaSep).
    if (spaces == 0 && next == Sb::Close) || next == Sb::Sp {
        return false;
    }
    true
}

/// The UAX #29 words of `s` (segments holding a letter or digit) as byte ranges, exactly as
/// `unicode_word_indices` gives them.
///
/// No word runs across a space or tab (UAX #29 breaks on both sides of one, WB3d and WB999),
/// unless the character after it is Extend, Format or ZWJ (WB4): so the sentence is cut into
/// blank-separated chunks, each segmented alone, and a chunk whose first character could join the
/// blank before it sends the whole sentence to the crate. A chunk made only of characters that
/// [`wc`] knows (ASCII other than `_` and controls, curly quotes and apostrophes, dashes, a few
/// symbols) is segmented here ([`simple_chunk_words`]); any other chunk goes to the crate.
///
/// Kept out of line: inlined into [`Document::segment_block`] it measured 2.7M instructions
/// more over the 300 bench stories (callgrind), not less.
#[inline(never)]
fn word_bounds(s: &str, out: &mut Vec<(usize, usize)>) {
    let b = s.as_bytes();
    let first = out.len();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' || c == b'\t' {
            i += 1;
            continue;
        }
        if i > 0 && !c.is_ascii() && s[i..].chars().next().and_then(sb_char).is_none() {
            out.truncate(first);
            out.extend(s.unicode_word_indices().map(|(o, w)| (o, o + w.len())));
            return;
        }
        // One chunk. A run of letters and digits with only punctuation around it (the common
        // case: `word`, `word,`, `(word.)`) is the word: a middle character (`.`, `'`, `:`)
        // joins only what stands on both its sides. Anything else is segmented by the classes
        // of its characters.
        let start = i;
        let class = |c: u8| WB_BYTE[c as usize];
        while i < b.len() && class(b[i]).is_punct() {
            i += 1;
        }
        let p = i;
        while i < b.len() && class(b[i]).is_alnum() {
            i += 1;
        }
        let q = i;
        while i < b.len() && class(b[i]).is_punct() {
            i += 1;
        }
        if i == b.len() || class(b[i]) == Wb::Blank {
            if p < q {
                out.push((p, q));
            }
            continue;
        }
        let end = b[i..].iter().position(|&c| c == b' ' || c == b'\t').map_or(b.len(), |n| i + n);
        if !simple_chunk_words(s, start, end, out) {
            out.extend(s[start..end].unicode_word_indices().map(|(o, w)| (start + o, start + o + w.len())));
        }
        i = end;
    }
}

/// Word_Break classes (UAX #29) of the characters [`word_bounds`] segments itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Wb {
    /// ASCII letter (ALetter).
    Alpha,
    /// ASCII digit (Numeric).
    Digit,
    /// `:` (MidLetter): joins two letters (WB6/WB7).
    MidLetter,
    /// `,` `;` (MidNum): joins two digits (WB11/WB12).
    MidNum,
    /// `.` `'` `’` `‘` (MidNumLet, Single_Quote): joins two letters or two digits.
    MidNumLetQ,
    /// Punctuation and symbols: join nothing.
    Other,
    /// Space or tab: ends a chunk.
    Blank,
    /// A byte whose character is left to the crate: `_` (ExtendNumLet), `"` (Double_Quote),
    /// controls, and every byte of a character outside ASCII.
    Unknown,
}

impl Wb {
    #[inline]
    fn is_alnum(self) -> bool {
        matches!(self, Wb::Alpha | Wb::Digit)
    }

    /// Known punctuation: joins nothing at the edge of a chunk.
    #[inline]
    fn is_punct(self) -> bool {
        matches!(self, Wb::Other | Wb::MidLetter | Wb::MidNum | Wb::MidNumLetQ)
    }
}

/// [`Wb`] of each byte: exact for ASCII; `Unknown` for the bytes of other characters, which
/// [`wc`] classifies. `"` is Double_Quote, which joins only Hebrew letters (WB7b/WB7c): among
/// these characters it joins nothing.
static WB_BYTE: [Wb; 256] = {
    let mut t = [Wb::Unknown; 256];
    let mut c = 0;
    while c < 128 {
        t[c] = match c as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => Wb::Alpha,
            b'0'..=b'9' => Wb::Digit,
            b':' => Wb::MidLetter,
            b',' | b';' => Wb::MidNum,
            b'.' | b'\'' => Wb::MidNumLetQ,
            b'_' => Wb::Unknown,
            b' ' | b'\t' => Wb::Blank,
            b'!'..=b'~' => Wb::Other,
            _ => Wb::Unknown,
        };
        c += 1;
    }
    t
};

/// The Word_Break class of a character that [`word_bounds`] may segment itself, `None` for any
/// other (its chunk goes to the crate).
fn wc(c: char) -> Option<Wb> {
    match c {
        '\0'..='\u{7f}' => Some(WB_BYTE[c as usize]).filter(|&k| k != Wb::Unknown && k != Wb::Blank),
        '\u{2018}' | '\u{2019}' => Some(Wb::MidNumLetQ),
        '\u{201c}' | '\u{201d}' | '\u{2013}' | '\u{2014}' | '\u{2026}' | '\u{ab}' | '\u{bb}' => Some(Wb::Other),
        '\u{2190}'..='\u{2193}' => Some(Wb::Other),
        _ => None,
    }
}

/// The words of the chunk `s[a..e]` (no blanks inside) by UAX #29 rules WB5 to WB12, if every
/// character of it is one that [`wc`] knows (`false`, with nothing added, otherwise). Letters and
/// digits next to each other always join (WB5, WB8-WB10); a single middle character joins the two
/// it stands between when its class allows (WB6/WB7: letters; WB11/WB12: digits); everything else
/// breaks, and only segments with a letter or digit are words.
fn simple_chunk_words(s: &str, a: usize, e: usize, out: &mut Vec<(usize, usize)>) -> bool {
    let b = s.as_bytes();
    let mark = out.len();
    // The word being built: start, end and the class of its last character.
    let mut cur: Option<(usize, usize, Wb)> = None;
    // A middle character right after `cur`: its class and where it ends.
    let mut pending: Option<(Wb, usize)> = None;
    let mut i = a;
    while i < e {
        let (k, n) = match WB_BYTE[b[i] as usize] {
            Wb::Unknown => {
                let Some(ch) = s[i..].chars().next() else { break };
                match wc(ch) {
                    Some(k) => (k, ch.len_utf8()),
                    None => {
                        out.truncate(mark);
                        return false;
                    }
                }
            }
            k => (k, 1),
        };
        match k {
            Wb::Alpha | Wb::Digit => {
                cur = match (cur, pending.take()) {
                    (Some((w0, w1, _)), None) if w1 == i => Some((w0, i + n, k)),
                    (Some((w0, _, last)), Some((mid, m1))) if m1 == i && joins(last, mid, k) => Some((w0, i + n, k)),
                    (c, _) => {
                        if let Some((w0, w1, _)) = c {
                            out.push((w0, w1));
                        }
                        Some((i, i + n, k))
                    }
                };
            }
            Wb::MidLetter | Wb::MidNum | Wb::MidNumLetQ if pending.is_none() && cur.is_some_and(|c| c.1 == i) => {
                pending = Some((k, i + n));
            }
            _ => {
                if let Some((w0, w1, _)) = cur.take() {
                    out.push((w0, w1));
                }
                pending = None;
            }
        }
        i += n;
    }
    if let Some((w0, w1, _)) = cur {
        out.push((w0, w1));
    }
    true
}

/// Does middle character `mid` join a `left` letter or digit to a `right` one (WB6/WB7, WB11/WB12)?
#[inline]
fn joins(left: Wb, mid: Wb, right: Wb) -> bool {
    match (left, right) {
        (Wb::Alpha, Wb::Alpha) => matches!(mid, Wb::MidLetter | Wb::MidNumLetQ),
        (Wb::Digit, Wb::Digit) => matches!(mid, Wb::MidNum | Wb::MidNumLetQ),
        _ => false,
    }
}

/// Extend a sentence's end over its closing punctuation (`.`, `!`, `?`, quotes), within the block.
fn sentence_end(text: &str, mut end: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    while end < limit && matches!(bytes[end], b'.' | b'!' | b'?' | b'"' | b')') {
        end += 1;
    }
    end
}

fn clause_break(gap: &[u8]) -> bool {
    // Most words are one space apart.
    if gap.len() == 1 && gap[0] == b' ' {
        return false;
    }
    // `,` `;` `:` parentheses, and dashes (ASCII " - ", en dash, em dash).
    gap.iter().any(|&b| matches!(b, b',' | b';' | b':' | b'(' | b')'))
        || gap.windows(3).any(|w| w == "—".as_bytes() || w == "–".as_bytes())
        || gap.windows(3).any(|w| w == b" - ")
}

fn is_clause_word(w: &str) -> bool {
    // Length and first byte rule out nearly every word before any string comparison.
    match (w.len(), w.as_bytes().first()) {
        (2, Some(b's')) => w == "so",
        (3, Some(b'b')) => w == "but",
        (4, Some(b't')) => w == "then",
        (5, Some(b'w')) => w == "while" || w == "which",
        (6, Some(b't')) => w == "though",
        (7, Some(b'b')) => w == "because",
        (7, Some(b'w')) => w == "whereas",
        (8, Some(b'a')) => w == "although",
        _ => false,
    }
}

/// Is `word` its own normal form ([`normalise_into`] would copy it unchanged)? True for ASCII
/// without capitals.
#[inline]
fn is_normalised(word: &str) -> bool {
    word.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

fn normalise_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        let from = out.len();
        out.push_str(word);
        out[from..].make_ascii_lowercase();
    } else {
        for c in word.chars() {
            match c {
                '\u{2019}' | '\u{2018}' | '\u{02BC}' => out.push('\''),
                c => out.extend(c.to_lowercase()),
            }
        }
    }
}

/// The byte offset where each line starts, and where each character of more than one byte starts
/// with the extra bytes of it and all before it ([`Document::chars_before`]). Most lines of most
/// stories are ASCII: only the others are read byte by byte.
fn line_starts(text: &str) -> (Vec<usize>, Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut starts = Vec::with_capacity(text.len() / 64 + 1);
    let mut wide = Vec::new();
    let mut extra = 0;
    let mut pos = 0;
    loop {
        starts.push(pos);
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let line = &bytes[pos..end];
        let mut i = 0;
        while i < line.len() {
            // Eight ASCII bytes at a time.
            if line[i..].first_chunk::<8>().is_some_and(|c| u64::from_le_bytes(*c) & 0x8080_8080_8080_8080 == 0) {
                i += 8;
                continue;
            }
            // The text is UTF-8: a byte from 0xC0 up starts a character of 2, 3 or 4 bytes.
            let n = match line[i] {
                0xf0.. => 4,
                0xe0.. => 3,
                0xc0.. => 2,
                _ => 1,
            };
            if n > 1 {
                extra += n - 1;
                wide.push((pos + i, extra));
            }
            i += n;
        }
        if end == bytes.len() {
            return (starts, wide);
        }
        pos = end + 1;
    }
}

fn mask(masked: &mut [u8], start: usize, end: usize) {
    let end = end.min(masked.len());
    for b in &mut masked[start..end] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

/// Byte offset where the story itself starts: after a byte-order mark and YAML front matter
/// (`---` ... `---` or `...` at the very start), at the start of the line after the closing line.
/// Front matter is read past, never analysed.
pub fn body_start(text: &str) -> usize {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let Some(rest) = body.strip_prefix("---") else { return bom };
    let Some(first_nl) = rest.find('\n') else { return bom };
    if !rest[..first_nl].trim().is_empty() {
        return bom;
    }
    let mut pos = bom + 3 + first_nl + 1;
    while pos <= text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..line_end].trim_end();
        if line == "---" || line == "..." {
            return (line_end + 1).min(text.len());
        }
        if line_end == text.len() {
            break;
        }
        pos = line_end + 1;
    }
    bom
}

fn mask_front_matter(text: &str, masked: &mut [u8]) -> usize {
    let start = body_start(text);
    mask(masked, 0, start);
    start
}

fn collect_directives(text: &str, out: &mut Vec<String>) {
    let mut rest = text;
    while let Some(i) = rest.find("<!--") {
        let after = &rest[i + 4..];
        let Some(j) = after.find("-->") else { break };
        parse_directive(&after[..j], out);
        rest = &after[j + 3..];
    }
}

/// `<!-- starl-disable blame-shifting, hedging -->`
fn parse_directive(comment: &str, out: &mut Vec<String>) {
    let c = comment.trim();
    if let Some(list) = c.strip_prefix("starl-disable") {
        out.extend(list.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned));
    }
}

/// Mask everything that is not prose text of the Markdown document.
fn mask_markdown(text: &str, body_start: usize, masked: &mut [u8], disabled: &mut Vec<String>) {
    let body = &text[body_start..];
    if !may_hold_markdown(body) {
        // Plain prose: every byte is a text event, a space or a newline, so masking would change
        // nothing (and there is no HTML comment to read directives from).
        return;
    }
    mask_with_pulldown(text, body_start, masked, disabled);
}

/// [`mask_markdown`] by pulldown-cmark's events: keep text events outside code blocks.
fn mask_with_pulldown(text: &str, body_start: usize, masked: &mut [u8], disabled: &mut Vec<String>) {
    let body = &text[body_start..];
    // Byte ranges of prose (text outside code), in document order.
    let mut keep: Vec<(usize, usize)> = Vec::new();
    let mut code_depth = 0usize;
    let parser = Parser::new_ext(body, MdOptions::ENABLE_STRIKETHROUGH | MdOptions::ENABLE_TABLES).into_offset_iter();
    for (event, range) in parser {
        let (a, b) = (range.start + body_start, range.end + body_start);
        match event {
            Event::Text(_) if code_depth == 0 => keep.push((a, b)),
            Event::Start(Tag::CodeBlock(_)) => code_depth += 1,
            Event::End(TagEnd::CodeBlock) => code_depth = code_depth.saturating_sub(1),
            Event::Html(h) | Event::InlineHtml(h) => collect_directives(&h, disabled),
            _ => {}
        }
    }
    // Mask every byte outside the prose ranges (keeping line breaks, so line structure survives).
    keep.sort_unstable();
    let mut pos = body_start;
    for (a, b) in keep {
        if a > pos {
            mask(masked, pos, a);
        }
        pos = pos.max(b);
    }
    mask(masked, pos, masked.len());
}

/// Could `body` hold any Markdown construct? `false` only for text that CommonMark (with the
/// strikethrough and table extensions we enable) reads as paragraphs of plain text, whose every
/// byte other than spaces and newlines is inside a text event: then [`mask_markdown`] masks
/// nothing, and pulldown-cmark (about 5% of the analyzer's time) can be skipped.
///
/// Conservative by construction, so a `true` costs only time:
/// - anywhere: the bytes that open or close inline constructs or change a text event's bytes
///   (`*` `_` `` ` `` `[` `]` `<` `&` `\` `~` `|`: emphasis, code, links, HTML, entities,
///   escapes, strikethrough, tables), and tab, CR and other control characters (tabs expand,
///   CR ends lines, NUL is replaced);
/// - at the start of a line: four spaces (indented code), or after up to three spaces one of
///   `#` `>` `-` `+` `=` or a digit (headings, quotes, lists, thematic breaks, setext
///   underlines, ordered lists).
///
/// `-`, `#`, `>`, `+`, `=`, `!` and digits inside a line are literal text. Checked against the
/// pulldown-cmark path by proptest (tests below).
fn may_hold_markdown(body: &str) -> bool {
    let b = body.as_bytes();
    let mut pos = 0;
    while pos < b.len() {
        let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
        let line = &b[pos..end];
        let indent = line.iter().take_while(|&&c| c == b' ').count();
        if indent >= 4 {
            return true;
        }
        if matches!(line.get(indent), Some(b'#' | b'>' | b'-' | b'+' | b'=' | b'0'..=b'9')) {
            return true;
        }
        if line.iter().any(|&c| MARKDOWN_BYTE[c as usize]) {
            return true;
        }
        pos = end + 1;
    }
    false
}

/// The bytes that [`may_hold_markdown`] refuses anywhere in a line.
static MARKDOWN_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = c < 0x20
            || c == 0x7f
            || matches!(c as u8, b'*' | b'_' | b'`' | b'[' | b']' | b'<' | b'&' | b'\\' | b'~' | b'|');
        c += 1;
    }
    t
};

/// Find part labels (`## Situation`, `**Task:**`, `> **Action:**`, `// Situation`, `Situation:`,
/// `What went wrong:`): a known label at the start of a line's prose, followed by `:` or a dash or
/// by the end of the line. Labels are masked; each opens a [`Section`].
fn find_sections(text: &str, masked: &mut [u8], labels: &PartLabels, syntax: Syntax) -> Vec<Section> {
    let mut found: Vec<(PartId, usize, usize)> = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if let Some((part, a, b)) = label_in_line(text, masked, pos, line_end, labels, syntax) {
            found.push((part, a, b));
        }
        pos = line_end + 1;
    }
    let mut sections: Vec<Section> = Vec::with_capacity(found.len());
    for (i, &(part, a, b)) in found.iter().enumerate() {
        mask(masked, a, b);
        let next = found.get(i + 1).map_or(text.len(), |n| n.1);
        let content = &text[b..next];
        let lead = content.len() - content.trim_start().len();
        let trail = content.len() - content.trim_end().len();
        let (start, end) = (b + lead, (next - trail).max(b + lead));
        sections.push(Section { part, label: (a, b), start, end });
    }
    sections
}

fn label_in_line(
    text: &str,
    masked: &[u8],
    line_start: usize,
    line_end: usize,
    labels: &PartLabels,
    syntax: Syntax,
) -> Option<(PartId, usize, usize)> {
    let m = &masked[line_start..line_end];
    // First prose byte on the line, skipping list numbers and `//` comment markers.
    let mut i = 0;
    loop {
        while i < m.len() && (m[i] == b' ' || m[i] == b'\t') {
            i += 1;
        }
        if i + 1 < m.len() && m[i] == b'/' && m[i + 1] == b'/' {
            i += 2;
            continue;
        }
        if syntax == Syntax::Plain && i < m.len() && matches!(m[i], b'#' | b'>' | b'*' | b'-' | b'_') {
            i += 1;
            continue;
        }
        break;
    }
    let start = line_start + i;
    // Most lines hold no label: look for one before checking the line is UTF-8.
    let (part, len) = labels.match_prefix(&masked[start..line_end])?;
    let rest = std::str::from_utf8(&masked[start..line_end]).ok()?;
    // What follows the label: `:` / dash / nothing, possibly with closing markup (masked to spaces).
    let after = &rest[len..];
    let trimmed = after.trim_start_matches([' ', '*', '_']);
    let end_rel;
    if let Some(r) =
        trimmed.strip_prefix(':').or_else(|| trimmed.strip_prefix('—')).or_else(|| trimmed.strip_prefix('–'))
    {
        end_rel = rest.len() - r.len();
    } else if let Some(r) = trimmed.strip_prefix("- ") {
        end_rel = rest.len() - r.len();
    } else if trimmed.trim().is_empty() {
        end_rel = rest.len();
    } else {
        return None;
    }
    // The label must be the start of the line's *text* too (not only of the masked copy).
    let _ = text;
    Some((part, start, start + end_rel))
}

/// Quotations embedded in running text: an opening quote preceded on its line by prose. A whole
/// paragraph in quotes (a transcript, as in the seeds) is not a quotation of someone else's words.
fn quoted_regions(text: &str, start: usize, end: usize, masked: &[u8]) -> Vec<(usize, usize)> {
    let block = &text[start..end];
    let b = block.as_bytes();
    let mut out = Vec::new();
    let mut open: Option<(usize, bool)> = None;
    // Straight quotes, and the curly ones (U+201C, U+201D), whose UTF-8 starts with 0xE2.
    for i in memchr::memchr2_iter(b'"', 0xe2, b) {
        let c = match b[i] {
            b'"' => '"',
            _ => match block[i..].chars().next() {
                Some(c @ ('\u{201c}' | '\u{201d}')) => c,
                _ => continue,
            },
        };
        let at = start + i;
        let closing = match c {
            '\u{201c}' => false,
            '\u{201d}' => true,
            _ => open.is_some(),
        };
        if closing {
            if let Some((o, embedded)) = open.take() {
                if embedded {
                    out.push((o, at));
                }
            }
        } else {
            open = Some((at, prose_before_on_line(block, &masked[start..end], i)));
        }
    }
    if let Some((o, true)) = open {
        out.push((o, end));
    }
    out
}

/// Is there a letter or digit (not masked) between the start of the line and byte `i` of `block`?
fn prose_before_on_line(block: &str, masked: &[u8], i: usize) -> bool {
    let b = block.as_bytes();
    let mut j = i;
    while j > 0 {
        j -= 1;
        let c = b[j];
        if c == b'\n' {
            return false;
        }
        let alnum = match c {
            0..=0x7f => c.is_ascii_alphanumeric(),
            // A continuation byte: the char is tested at its first byte.
            0x80..=0xbf => false,
            _ => block[j..].chars().next().is_some_and(char::is_alphanumeric),
        };
        if alnum && masked[j] != b' ' {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(s: &str) -> Vec<(usize, usize)> {
        s.split_sentence_bound_indices().map(|(o, x)| (o, o + x.len())).collect()
    }

    fn fast(s: &str) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        sentence_bounds(s, &mut v);
        v
    }

    /// Every pair of printable ASCII characters (and tab), with each of `thirds`.
    fn ascii_triples(thirds: &'static [u8]) -> impl Iterator<Item = (u8, u8, u8)> {
        let chars: Vec<u8> = (b' '..=b'~').chain([b'\t']).collect();
        let pairs: Vec<(u8, u8)> = chars.iter().flat_map(|&a| chars.iter().map(move |&b| (a, b))).collect();
        pairs.into_iter().flat_map(move |(a, b)| thirds.iter().map(move |&c| (a, b, c)))
    }

    #[test]
    fn every_ascii_pair_and_triple_splits_as_uax29() {
        for (a, b, c) in ascii_triples(b" aA1.\",\t#") {
            let s = String::from_utf8(vec![a, b, c, b'x', a, b' ', b'y']).unwrap();
            assert_eq!(fast(&s), reference(&s), "{s:?}");
        }
    }

    /// Every pair of ASCII characters, with a third from each class, between letters and digits:
    /// the middle characters (`.` `'` `:` `,` `;`) join only what their classes allow.
    #[test]
    fn every_ascii_pair_and_triple_splits_words_as_uax29() {
        for (a, b, c) in ascii_triples(b" aZ1.',:;-\"_") {
            for s in
                [vec![a, b, c], vec![b'x', a, b, c, b'y'], vec![b'1', a, b'2', b, c, b'3'], vec![c, a, b'a', b, b'9']]
            {
                let s = String::from_utf8(s).unwrap();
                assert_eq!(fast_words(&s), reference_words(&s), "{s:?}");
            }
        }
    }

    fn reference_words(s: &str) -> Vec<(usize, usize)> {
        s.unicode_word_indices().map(|(o, w)| (o, o + w.len())).collect()
    }

    fn fast_words(s: &str) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        word_bounds(s, &mut v);
        v
    }

    /// The characters the fast paths know, with the large ranges (CJK, emoji) sampled: their
    /// classes are per range.
    fn known_chars(extra: impl Fn(char) -> bool) -> Vec<char> {
        (0..=0x1ffffu32)
            .filter_map(char::from_u32)
            .filter(|&c| sb_char(c).is_some() || extra(c))
            .filter(|&c| {
                (c as u32) < 0x3000
                    || (c as u32) & 0x3f == 0
                    || sb_char(char::from_u32(c as u32 + 1).unwrap_or('\0')).is_none()
            })
            .collect()
    }

    /// Every character [`sb_char`] knows, in contexts that tell the sentence classes apart.
    #[test]
    fn every_known_char_splits_sentences_as_uax29() {
        let known = known_chars(|_| false);
        let probes = ["a", "A", "1", ".", "!", " ", ",", "\"", "\u{4e00}", "\u{2019}", "\u{3002}"];
        for &c in &known {
            for l in probes {
                for r in probes {
                    for s in [
                        format!("{l}{c}{r}"),
                        format!("x{l}. {c}{r} y"),
                        format!("Ab{l}.{c} {r}z"),
                        format!("x{c}. {l}{r}a"),
                        format!("{l}{c}! {r}"),
                    ] {
                        assert_eq!(fast(&s), reference(&s), "{s:?}");
                    }
                }
            }
        }
    }

    /// Every character [`sb_char`] or [`wc`] knows, in contexts that tell the word classes apart.
    #[test]
    fn every_known_char_splits_words_as_uax29() {
        let known = known_chars(|c| wc(c).is_some() || c == '_' || c == '\u{301}' || c == '\u{200d}');
        let probes = ["a", "1", "'", "\u{2019}", ".", ",", ":", "_", " ", "\u{301}", "\u{200d}", "\u{1f525}", "\u{e9}"];
        for &c in &known {
            for l in probes {
                for r in probes {
                    for s in [
                        format!("{l}{c}{r}"),
                        format!("ab{l}{c}{r}cd 1"),
                        format!("x {l}{c} {r}y"),
                        format!("{c}{l} {r}{c}"),
                    ] {
                        assert_eq!(fast_words(&s), reference_words(&s), "{s:?}");
                    }
                }
            }
        }
    }

    /// Text that [`may_hold_markdown`] calls plain is left unchanged by the pulldown-cmark path
    /// (and holds no directive): skipping the parser is exact.
    fn assert_plain_is_unmasked(s: &str) -> Result<(), TestCaseError> {
        if may_hold_markdown(s) {
            return Ok(());
        }
        let mut masked = s.as_bytes().to_vec();
        let mut disabled = Vec::new();
        mask_with_pulldown(s, 0, &mut masked, &mut disabled);
        prop_assert_eq!(String::from_utf8_lossy(&masked), s);
        prop_assert!(disabled.is_empty());
        Ok(())
    }

    #[test]
    fn markdown_bytes_are_detected() {
        for s in [
            "a *b*",
            "a _b_",
            "a `b`",
            "[a](b)",
            "a <b>",
            "a &amp; b",
            "a \\* b",
            "~~a~~",
            "a | b",
            "a\tb",
            "a\r\nb",
            "# a",
            "> a",
            "- a",
            "+ a",
            "1. a",
            "a\n===",
            "a\n---",
            "    a",
            "   # a",
            "<!-- starl-disable x -->",
        ] {
            assert!(may_hold_markdown(s), "{s:?}");
        }
        for s in ["", "I shipped it - late. #1 > #2!", "a\n\nb\n  c\n", "Caf\u{e9} \u{201c}x\u{201d}: 3 + 4 = 7"] {
            assert!(!may_hold_markdown(s), "{s:?}");
        }
    }

    /// The quotation finder as first written: one walk over every char.
    fn quoted_regions_reference(text: &str, start: usize, end: usize, masked: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut open: Option<(usize, bool)> = None;
        let mut line_has_prose = false;
        for (i, c) in text[start..end].char_indices() {
            let at = start + i;
            match c {
                '\n' => line_has_prose = false,
                '"' | '\u{201c}' | '\u{201d}' => {
                    let closing = match c {
                        '\u{201c}' => false,
                        '\u{201d}' => true,
                        _ => open.is_some(),
                    };
                    if closing {
                        if let Some((o, embedded)) = open.take() {
                            if embedded {
                                out.push((o, at));
                            }
                        }
                    } else {
                        open = Some((at, line_has_prose));
                    }
                }
                c if c.is_alphanumeric() && masked[at] != b' ' => line_has_prose = true,
                _ => {}
            }
        }
        if let Some((o, true)) = open {
            out.push((o, end));
        }
        out
    }

    proptest! {
        #[test]
        fn quotations_are_found_as_by_a_walk_over_every_char(
            parts in proptest::collection::vec("[a-z]{1,4}|[ \n]|\"|\u{201c}|\u{201d}|\u{2014}|\u{2019}|\u{e9}|[.,*#]", 0..30),
            mask_every in 0usize..5,
        ) {
            let text = parts.concat();
            // Mask (as spaces) every `mask_every`-th ASCII byte, as the Markdown pass would.
            let masked: Vec<u8> = text
                .bytes()
                .enumerate()
                .map(|(i, c)| if mask_every > 0 && i % mask_every == 0 && c.is_ascii() && c != b'\n' { b' ' } else { c })
                .collect();
            prop_assert_eq!(
                quoted_regions(&text, 0, text.len(), &masked),
                quoted_regions_reference(&text, 0, text.len(), &masked)
            );
        }

        #[test]
        fn printable_prefix_counts_eight_at_a_time_as_one_at_a_time(
            b in proptest::collection::vec(prop_oneof![0x20u8..0x7f, any::<u8>(), Just(0x7f), Just(0x1f), Just(0x80)], 0..40),
        ) {
            let one_at_a_time = b.iter().take_while(|&&c| (b' '..=b'~').contains(&c)).count();
            prop_assert_eq!(printable_ascii_prefix(&b), one_at_a_time);
        }

        #[test]
        fn plain_prose_needs_no_markdown_parser(lines in proptest::collection::vec(
            "( {0,5})([A-Za-z#>+=!:.,?'\"()\\-]|[0-9]|\u{e9}|\u{201c}|\u{2014}|\u{a0}|\u{3000}){0,3}([A-Za-z0-9 #>+=!:.,?'\"()\\-]|\u{e9}|\u{2019}|\u{a0}|\u{1f525}){0,30}( {0,3})",
            0..12,
        )) {
            assert_plain_is_unmasked(&lines.join("\n"))?;
        }

        #[test]
        fn any_text_with_markdown_bytes_is_sent_to_the_parser(s in "([a-z ]{0,6}|\n|[*_`\\[\\]<>&\\\\~|\t\r#+=!0-9.:)-]|    ){0,30}") {
            assert_plain_is_unmasked(&s)?;
        }

        #[test]
        fn story_like_text_splits_words_as_uax29(words in proptest::collection::vec(
            "([\u{201c}\u{2018}(\"]?)(I|we|it's|don\u{2019}t|rock'n'roll|v1\\.2|3\\.5%|1,000|e\\.g\\.|_x|a_b|caf\u{e9}|Zo\u{eb}|\u{4e00}\u{4e01}|\u{30c1}\u{30fc}\u{30e0}|\u{1f525}|\u{1f44d}\u{1f3fd}|a\u{301}|[a-z]{1,6}|[A-Z0-9]{1,3})([.,;:!?\u{201d}\u{2019}'\u{2026})]{0,2})",
            0..30,
        ), seps in proptest::collection::vec("( |  |\t| \u{2014} | \u{301}| \u{200d}|\u{a0}|/|-)", 30)) {
            let mut s = String::new();
            for (w, sep) in words.iter().zip(&seps) {
                s.push_str(w);
                s.push_str(sep);
            }
            prop_assert_eq!(fast_words(&s), reference_words(&s));
            prop_assert_eq!(fast(&s), reference(&s));
        }

        #[test]
        fn ascii_fast_path_splits_as_uax29(s in "([A-Za-z0-9]{1,8}|[ \t]{1,3}|[.!?]{1,2}|[\"'()\\[\\]{}]|[,;:\\-]|[#$%&*+/<=>@^_`|~\\\\]|e\\.g\\.|U\\.S\\.){0,40}") {
            prop_assert_eq!(fast(&s), reference(&s));
        }

        #[test]
        fn story_like_text_splits_as_uax29(words in proptest::collection::vec(
            "(I|We|the|team|release|v1\\.2|3\\.5%|\\$200|\\(QA\\)|\"done\"|it's|e\\.g\\.|etc\\.|Mr\\.|no\\.|[a-z]{1,6}|[A-Z][a-z]{0,5})([.,;:!?]|\\.\\.\\.|\\?!|\\.\\)|\\.\"|)",
            0..40,
        )) {
            let s = words.join(" ");
            prop_assert_eq!(fast(&s), reference(&s));
        }
    }
}
