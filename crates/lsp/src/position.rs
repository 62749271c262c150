//! Byte offsets (what the analyzer counts) and LSP positions (what editors count), both ways.
//!
//! An LSP [`Position`] is a zero-based line and a column counted in the code units of the
//! negotiated position encoding: UTF-16 code units by default (so an emoji outside the Basic
//! Multilingual Plane counts 2, `é` counts 1, `日` counts 1), or bytes when the client accepts
//! `utf-8`. Lines end at `\n`, `\r\n` or a lone `\r`, as the protocol specifies.
//!
//! Every conversion is total: an offset past the end, inside a character or between the `\r` and
//! `\n` of a line break, and a position past the end of its line or of the document, are clamped
//! to the nearest place that exists, never a panic.

use lsp_types::{Position, PositionEncodingKind, Range};

/// The unit LSP columns are counted in, as negotiated at `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units: the protocol's default, and the only encoding every client supports.
    #[default]
    Utf16,
}

impl Encoding {
    /// Choose from what the client offers: UTF-8 when offered (no conversion needed), else UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
        }
    }

    /// The length of `s` in this encoding's units.
    pub fn len(self, s: &str) -> u32 {
        match self {
            Encoding::Utf8 => s.len() as u32,
            Encoding::Utf16 => s.chars().map(char::len_utf16).sum::<usize>() as u32,
        }
    }
}

/// Where each line of one text starts; build it once per version of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0. Never empty.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let b = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if b.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts, len: text.len() }
    }

    /// Number of lines (a text ending in a line break has an empty last line).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// Byte range of line `line`'s content, without its line break; `None` past the last line.
    pub fn line_range(&self, text: &str, line: usize) -> Option<(usize, usize)> {
        let start = *self.starts.get(line)?;
        let mut end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let b = text.as_bytes();
        if end > start && b.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && b.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some((start, end))
    }

    /// The position of byte `offset` of `text` (the text this index was built from).
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let (start, end) = self.line_range(text, line).unwrap_or((self.len, self.len));
        let col = enc.len(&text[start..offset.min(end)]);
        Position::new(line as u32, col)
    }

    /// The byte offset of `pos` in `text` (the text this index was built from).
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let Some((start, end)) = self.line_range(text, pos.line as usize) else { return self.len };
        let want = pos.character;
        let mut units = 0u32;
        for (i, c) in text[start..end].char_indices() {
            let w = enc.width(c);
            if units + w > want {
                // `want` is inside this character (a surrogate pair, a UTF-8 sequence): its start.
                return start + i;
            }
            units += w;
        }
        end
    }

    pub fn range(&self, text: &str, start: usize, end: usize, enc: Encoding) -> Range {
        Range::new(self.position(text, start, enc), self.position(text, end.max(start), enc))
    }

    /// Byte offsets of an LSP range, ordered.
    pub fn offsets(&self, text: &str, range: Range, enc: Encoding) -> (usize, usize) {
        let a = self.offset(text, range.start, enc);
        let b = self.offset(text, range.end, enc);
        (a.min(b), a.max(b))
    }

    /// The whole first line, for findings about the story as a whole.
    pub fn first_line(&self, text: &str, enc: Encoding) -> Range {
        let (start, end) = self.line_range(text, 0).unwrap_or((0, 0));
        Range::new(Position::new(0, 0), Position::new(0, enc.len(&text[start..end])))
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn ascii_lines_with_every_line_break() {
        for (text, second) in [("ab\ncd", 3), ("ab\r\ncd", 4), ("ab\rcd", 3)] {
            let ix = LineIndex::new(text);
            assert_eq!(ix.lines(), 2, "{text:?}");
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                assert_eq!(ix.position(text, 0, enc), pos(0, 0));
                assert_eq!(ix.position(text, 2, enc), pos(0, 2));
                assert_eq!(ix.position(text, second, enc), pos(1, 0));
                assert_eq!(ix.position(text, second + 2, enc), pos(1, 2));
                assert_eq!(ix.offset(text, pos(1, 1), enc), second + 1);
                assert_eq!(ix.offset(text, pos(0, 2), enc), 2);
            }
        }
    }

    #[test]
    fn inside_a_crlf_is_the_end_of_the_line() {
        let text = "ab\r\ncd";
        let ix = LineIndex::new(text);
        assert_eq!(ix.position(text, 3, Encoding::Utf16), pos(0, 2));
        assert_eq!(ix.line_range(text, 0), Some((0, 2)));
    }

    #[test]
    fn trailing_line_break_makes_an_empty_last_line() {
        let text = "ab\r\n";
        let ix = LineIndex::new(text);
        assert_eq!(ix.lines(), 2);
        assert_eq!(ix.position(text, 4, Encoding::Utf16), pos(1, 0));
        assert_eq!(ix.offset(text, pos(1, 0), Encoding::Utf16), 4);
        assert_eq!(ix.offset(text, pos(7, 3), Encoding::Utf16), 4);
    }

    #[test]
    fn empty_text() {
        let ix = LineIndex::new("");
        assert_eq!(ix.position("", 10, Encoding::Utf16), pos(0, 0));
        assert_eq!(ix.offset("", pos(3, 3), Encoding::Utf16), 0);
        assert_eq!(ix.first_line("", Encoding::Utf16), Range::new(pos(0, 0), pos(0, 0)));
    }

    #[test]
    fn emoji_accents_and_cjk_before_and_inside_a_span() {
        // 😀 is 4 bytes / 2 UTF-16 units; é is 2 / 1; 日本 are 3 / 1 each.
        let text = "😀 café 日本: we kind of 😀 missed it\nsecond 😀 line";
        let ix = LineIndex::new(text);
        let start = text.find("kind").unwrap();
        let end = text.find(" missed").unwrap(); // the span "kind of 😀"
        let r16 = ix.range(text, start, end, Encoding::Utf16);
        // "😀 café 日本: we " = 2+1+4+1+2+1+1+2+1 = 15 UTF-16 units.
        assert_eq!(r16.start, pos(0, 15));
        assert_eq!(r16.end, pos(0, 15 + "kind of ".len() as u32 + 2));
        let r8 = ix.range(text, start, end, Encoding::Utf8);
        assert_eq!(r8.start, pos(0, start as u32));
        assert_eq!(r8.end, pos(0, end as u32));
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let r = ix.range(text, start, end, enc);
            assert_eq!(ix.offsets(text, r, enc), (start, end));
        }
        let second = text.find("line").unwrap();
        assert_eq!(ix.position(text, second, Encoding::Utf16), pos(1, 10));
        assert_eq!(ix.position(text, second, Encoding::Utf8), pos(1, 12));
    }

    #[test]
    fn columns_inside_a_character_snap_to_its_start() {
        let text = "a😀b";
        let ix = LineIndex::new(text);
        // UTF-16 column 2 is between the two halves of the surrogate pair.
        assert_eq!(ix.offset(text, pos(0, 2), Encoding::Utf16), 1);
        assert_eq!(ix.offset(text, pos(0, 3), Encoding::Utf16), 5);
        // Byte 3 is inside the emoji.
        assert_eq!(ix.offset(text, pos(0, 3), Encoding::Utf8), 1);
        assert_eq!(ix.position(text, 3, Encoding::Utf16), pos(0, 1));
        // Past the end of the line: its end.
        assert_eq!(ix.offset(text, pos(0, 99), Encoding::Utf16), text.len());
    }

    #[test]
    fn negotiation_prefers_utf8() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(Some(&[PositionEncodingKind::UTF32])), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["a", "Z", " ", "é", "日", "本", "😀", "🎉", "\n", "\r\n", "\r", "\t", "ß"])
    }

    /// Offsets that are a place in the text: char boundaries not between a `\r` and its `\n`.
    fn places(text: &str) -> Vec<usize> {
        (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .filter(|&i| !(i > 0 && text.as_bytes()[i - 1] == b'\r' && text.as_bytes().get(i) == Some(&b'\n')))
            .collect()
    }

    proptest! {
        #[test]
        fn round_trips_every_place(parts in prop::collection::vec(piece(), 0..40)) {
            let text: String = parts.concat();
            let ix = LineIndex::new(&text);
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                let mut last = pos(0, 0);
                for o in places(&text) {
                    let p = ix.position(&text, o, enc);
                    prop_assert_eq!(ix.offset(&text, p, enc), o);
                    prop_assert!(p >= last);
                    last = p;
                }
            }
        }

        #[test]
        fn utf16_columns_count_code_units(parts in prop::collection::vec(piece(), 0..40)) {
            let text: String = parts.concat();
            let ix = LineIndex::new(&text);
            for o in places(&text) {
                let p = ix.position(&text, o, Encoding::Utf16);
                let (start, _) = ix.line_range(&text, p.line as usize).unwrap();
                prop_assert_eq!(p.character as usize, text[start..o].encode_utf16().count());
                let line_breaks = text[..o].matches("\r\n").count()
                    + text[..o].matches('\n').count() - text[..o].matches("\r\n").count()
                    + text[..o].matches('\r').count() - text[..o].matches("\r\n").count();
                prop_assert_eq!(p.line as usize, line_breaks);
            }
        }

        #[test]
        fn any_position_gives_a_char_boundary(parts in prop::collection::vec(piece(), 0..20), line in 0u32..8, character in 0u32..30) {
            let text: String = parts.concat();
            let ix = LineIndex::new(&text);
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                let o = ix.offset(&text, pos(line, character), enc);
                prop_assert!(text.is_char_boundary(o));
            }
        }
    }
}
