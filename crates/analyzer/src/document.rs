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
    /// Range of the normalised (lower-case, straight apostrophe) form in [`Document::norm`].
    norm: (u32, u32),
    /// Clause index within the sentence (bumped at `,;:()` and dashes).
    pub clause: u16,
    /// Inside a quotation embedded in running text ("...instead of saying "it was QA's fault"").
    pub quoted: bool,
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
        let mut doc = Document {
            text,
            tokens: Vec::with_capacity(text.len() / 5),
            sentences: Vec::with_capacity(text.len() / 80),
            sections,
            disabled,
            norm: String::with_capacity(text.len()),
            line_starts: line_starts(text),
        };
        doc.segment(&masked);
        doc
    }

    /// The normalised form of a token: lower case, with typographic apostrophes made straight.
    #[inline]
    pub fn norm(&self, token: usize) -> &str {
        let (a, b) = self.tokens[token].norm;
        &self.norm[a as usize..b as usize]
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// Number of words that would be spoken (labels and markup excluded).
    pub fn word_count(&self) -> usize {
        self.tokens.len()
    }

    /// Split the masked text into blocks (paragraphs, and the text of each part), then into
    /// sentences and words. A blank line or a part label ends a block: no sentence runs across one.
    fn segment(&mut self, masked: &[u8]) {
        let labels: Vec<(usize, usize)> = self.sections.iter().map(|s| s.label).collect();
        let mut next_label = 0;
        let mut block_start: Option<usize> = None;
        let mut pos = 0;
        let len = masked.len();
        while pos < len {
            let line_end = masked[pos..].iter().position(|&b| b == b'\n').map_or(len, |i| pos + i);
            while next_label < labels.len() && labels[next_label].0 < pos {
                next_label += 1;
            }
            if next_label < labels.len() && labels[next_label].0 < line_end {
                // A label on this line: what came before is one block, what follows starts one.
                if let Some(bs) = block_start.take() {
                    self.segment_block(masked, bs, labels[next_label].0);
                }
                let after = labels[next_label].1;
                if masked[after..line_end].iter().any(|b| !b.is_ascii_whitespace()) {
                    block_start = Some(after);
                }
            } else if masked[pos..line_end].iter().all(|b| b.is_ascii_whitespace()) {
                if let Some(bs) = block_start.take() {
                    self.segment_block(masked, bs, pos);
                }
            } else if block_start.is_none() {
                block_start = Some(pos);
            }
            pos = line_end + 1;
        }
        if let Some(bs) = block_start {
            self.segment_block(masked, bs, len);
        }
    }

    /// The section (index into `sections`) that a byte offset belongs to, if any.
    fn section_at(&self, offset: usize) -> Option<usize> {
        let i = self.sections.partition_point(|s| s.label.1 <= offset);
        i.checked_sub(1)
    }

    fn segment_block(&mut self, masked: &[u8], start: usize, end: usize) {
        if start >= end {
            return;
        }
        let slice = &masked[start..end];
        if slice.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        // Newlines inside a block are soft: join the lines (same byte length).
        let joined: Vec<u8> = slice.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }).collect();
        // Masking replaces whole characters with spaces, so this is still UTF-8.
        let Ok(block) = std::str::from_utf8(&joined) else {
            return;
        };
        let quotes = quoted_regions(self.text, start, end, masked);
        let section = self.section_at(start);
        let mut bounds = Vec::new();
        sentence_bounds(block, &mut bounds);
        for &(s_off, s_end) in &bounds {
            let sentence = &block[s_off..s_end];
            let first = self.tokens.len();
            let s_start = start + s_off;
            let mut clause: u16 = 0;
            let mut prev_end = s_start;
            for (w_off, word) in sentence.unicode_word_indices() {
                let w_start = s_start + w_off;
                let w_end = w_start + word.len();
                if self.tokens.len() > first && clause_break(&self.text.as_bytes()[prev_end..w_start]) {
                    clause = clause.saturating_add(1);
                }
                let a = self.norm.len() as u32;
                normalise_into(word, &mut self.norm);
                let b = self.norm.len() as u32;
                if is_clause_word(&self.norm[a as usize..b as usize]) && self.tokens.len() > first {
                    clause = clause.saturating_add(1);
                }
                let quoted = quotes.iter().any(|&(qa, qb)| w_start >= qa && w_end <= qb);
                self.tokens.push(Token { start: w_start, end: w_end, norm: (a, b), clause, quoted });
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

/// The UAX #29 sentences of `block` as byte ranges, exactly as `split_sentence_bound_indices`
/// gives them; text of printable ASCII (and tabs) takes a fast path.
fn sentence_bounds(block: &str, out: &mut Vec<(usize, usize)>) {
    let b = block.as_bytes();
    if !b.iter().all(|&c| c == b'\t' || (b' '..=b'~').contains(&c)) {
        out.extend(block.split_sentence_bound_indices().map(|(o, s)| (o, o + s.len())));
        return;
    }
    let mut from = 0;
    for i in 1..b.len() {
        if ascii_sentence_break(b, i) {
            out.push((from, i));
            from = i;
        }
    }
    if from < b.len() {
        out.push((from, b.len()));
    }
}

/// Sentence_Break classes of printable ASCII and tab (UAX #29; no ASCII character is Extend,
/// Format, OLetter or Sep, and the blocks hold no CR or LF).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sb {
    Sp,
    Lower,
    Upper,
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

/// Is there a sentence boundary between `b[i - 1]` and `b[i]` (`0 < i < b.len()`)? Rules SB6 to
/// SB11 of UAX #29, for the classes of [`sb`].
fn ascii_sentence_break(b: &[u8], i: usize) -> bool {
    // The left side must be `SATerm Close* Sp*` for any break (SB11); otherwise SB998.
    if !matches!(sb(b[i - 1]), Sb::Sp | Sb::Close | Sb::ATerm | Sb::STerm) {
        return false;
    }
    let mut j = i;
    while j > 0 && sb(b[j - 1]) == Sb::Sp {
        j -= 1;
    }
    let spaces = i - j;
    while j > 0 && sb(b[j - 1]) == Sb::Close {
        j -= 1;
    }
    let closes = i - spaces - j;
    if j == 0 {
        return false;
    }
    let term = sb(b[j - 1]);
    if term != Sb::ATerm && term != Sb::STerm {
        return false;
    }
    let next = sb(b[i]);
    if term == Sb::ATerm {
        if spaces == 0 && closes == 0 {
            // SB6: ATerm × Numeric; SB7: (Upper | Lower) ATerm × Upper.
            if next == Sb::Numeric {
                return false;
            }
            if next == Sb::Upper && j >= 2 && matches!(sb(b[j - 2]), Sb::Upper | Sb::Lower) {
                return false;
            }
        }
        // SB8: ATerm Close* Sp* × (¬(OLetter | Upper | Lower | ParaSep | SATerm))* Lower.
        let k = b[i..].iter().position(|&c| matches!(sb(c), Sb::Upper | Sb::Lower | Sb::ATerm | Sb::STerm));
        if k.is_some_and(|k| sb(b[i + k]) == Sb::Lower) {
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

/// Extend a sentence's end over its closing punctuation (`.`, `!`, `?`, quotes), within the block.
fn sentence_end(text: &str, mut end: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    while end < limit && matches!(bytes[end], b'.' | b'!' | b'?' | b'"' | b')') {
        end += 1;
    }
    end
}

fn clause_break(gap: &[u8]) -> bool {
    // `,` `;` `:` parentheses, and dashes (ASCII " - ", en dash, em dash).
    gap.iter().any(|&b| matches!(b, b',' | b';' | b':' | b'(' | b')'))
        || gap.windows(3).any(|w| w == "—".as_bytes() || w == "–".as_bytes())
        || gap.windows(3).any(|w| w == b" - ")
}

fn is_clause_word(w: &str) -> bool {
    matches!(w, "but" | "so" | "because" | "although" | "though" | "while" | "whereas" | "then" | "which")
}

fn normalise_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        for b in word.bytes() {
            out.push(b.to_ascii_lowercase() as char);
        }
    } else {
        for c in word.chars() {
            match c {
                '\u{2019}' | '\u{2018}' | '\u{02BC}' => out.push('\''),
                c => out.extend(c.to_lowercase()),
            }
        }
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
    v
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
    let mut keep = vec![false; masked.len()];
    let mut code_depth = 0usize;
    let parser = Parser::new_ext(body, MdOptions::ENABLE_STRIKETHROUGH | MdOptions::ENABLE_TABLES).into_offset_iter();
    for (event, range) in parser {
        let (a, b) = (range.start + body_start, range.end + body_start);
        match event {
            Event::Text(_) if code_depth == 0 => keep[a..b].iter_mut().for_each(|k| *k = true),
            Event::Start(Tag::CodeBlock(_)) => code_depth += 1,
            Event::End(TagEnd::CodeBlock) => code_depth = code_depth.saturating_sub(1),
            Event::Html(h) | Event::InlineHtml(h) => collect_directives(&h, disabled),
            _ => {}
        }
    }
    // Keep line breaks so line structure survives; mask the rest of the non-prose bytes.
    let mut i = body_start;
    while i < masked.len() {
        if !keep[i] && masked[i] != b'\n' {
            masked[i] = b' ';
        }
        i += 1;
    }
}

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
    let rest = std::str::from_utf8(&masked[start..line_end]).ok()?;
    let (part, len) = labels.match_prefix(rest)?;
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
    if !block.contains(['"', '\u{201c}', '\u{201d}']) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut open: Option<(usize, bool)> = None;
    let mut line_has_prose = false;
    for (i, c) in block.char_indices() {
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

    #[test]
    fn every_ascii_pair_and_triple_splits_as_uax29() {
        let chars: Vec<u8> = (b' '..=b'~').chain([b'\t']).collect();
        for &a in &chars {
            for &b in &chars {
                for &c in b" aA1.\",\t#" {
                    let s = String::from_utf8(vec![a, b, c, b'x', a, b' ', b'y']).unwrap();
                    assert_eq!(fast(&s), reference(&s), "{s:?}");
                }
            }
        }
    }

    proptest! {
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
