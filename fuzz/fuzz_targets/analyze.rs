//! Arbitrary bytes -> `Analyzer::analyze`, as Markdown and as plain text: no panic, and every span
//! of the report is a true span of the input (the invariants of
//! `crates/analyzer/tests/properties.rs`).
//!
//! Bytes that are valid UTF-8 are analysed as they are (`from_utf8`); others after
//! `from_utf8_lossy`, which replaces each bad sequence with U+FFFD.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use starl_analyzer::{Analyzer, Report, Syntax};

/// The built-in analyzer, compiled once per fuzzing process.
fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::builtin)
}

fuzz_target!(|data: &[u8]| {
    let lossy;
    let text = match std::str::from_utf8(data) {
        Ok(s) => s,
        Err(_) => {
            lossy = String::from_utf8_lossy(data);
            &*lossy
        }
    };
    check(text, &analyzer().analyze_as(text, Syntax::Markdown), "markdown");
    check(text, &analyzer().analyze_as(text, Syntax::Plain), "plain");
});

fn line_col(s: &str, offset: usize) -> (usize, usize) {
    let before = &s[..offset];
    let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, 1 + before[line_start..].chars().count())
}

fn span(s: &str, what: &str, start: usize, end: usize) {
    assert!(start <= end && end <= s.len(), "{what}: span {start}..{end} past the end ({} bytes)", s.len());
    assert!(s.is_char_boundary(start) && s.is_char_boundary(end), "{what}: span {start}..{end} off char boundaries");
}

fn located(s: &str, what: &str, start: usize, end: usize, line: usize, column: usize, excerpt: &str) {
    span(s, what, start, end);
    assert_eq!(&s[start..end], excerpt, "{what}: excerpt is not the text of {start}..{end}");
    assert_eq!((line, column), line_col(s, start), "{what}: line/column of offset {start}");
}

fn check(s: &str, r: &Report, syntax: &str) {
    for d in &r.diagnostics {
        let what = format!("{syntax}: diagnostic {}", d.rule);
        match (d.start, d.end, d.line, d.column, &d.excerpt) {
            (Some(a), Some(b), Some(l), Some(c), Some(e)) => located(s, &what, a, b, l, c, e),
            (None, None, None, None, None) => {}
            _ => panic!("{what}: span fields partly present: {d:?}"),
        }
    }
    for st in &r.strengths {
        located(s, &format!("{syntax}: strength {}", st.rule), st.start, st.end, st.line, st.column, &st.excerpt);
    }
    for p in &r.parts {
        let what = format!("{syntax}: part {}", p.part);
        span(s, &what, p.start, p.end);
        assert_eq!(p.line, line_col(s, p.start).0, "{what}: line of offset {}", p.start);
    }
    for (name, v) in r.themes.iter() {
        assert!(v <= 100, "{syntax}: theme {name} is {v}");
    }
    assert!(r.score <= 100, "{syntax}: score is {}", r.score);
    let expected = (r.words as f64 * 60.0 / 150.0).round() as u32;
    assert_eq!(r.spoken_seconds, expected, "{syntax}: {} words spoken in {} s", r.words, r.spoken_seconds);
}
