//! Property tests: whatever the input, `Analyzer::analyze` does not panic and every span in the
//! report is a true span of the input (see `shared/design/report-format.md`).
//!
//! Two kinds of input: arbitrary Unicode strings, and story-like text built from the fragments
//! that exercise the document parser (part labels in every form, front matter, code fences, HTML
//! comments, quotes, CRLF, emoji, CJK, combining marks) and the rules (red flags, strengths).
//!
//! Case counts are kept small enough for the whole file to run in a few seconds in debug mode;
//! `PROPTEST_CASES=5000 cargo test --release -p starl-analyzer --test properties` runs longer.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::Config;
use starl_analyzer::{Analyzer, Report, Syntax};

/// The built-in analyzer, compiled once for the whole file.
fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::builtin)
}

/// Line and column of a byte offset, computed independently of the analyzer: line is one more
/// than the number of `\n` before the offset, column one more than the number of characters
/// between the last `\n` before it and the offset.
fn line_col(s: &str, offset: usize) -> (usize, usize) {
    let before = &s[..offset];
    let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, 1 + before[line_start..].chars().count())
}

/// A span of `s`: in order, in bounds, on character boundaries.
fn check_span(s: &str, what: &str, start: usize, end: usize) -> Result<(), String> {
    if start > end || end > s.len() {
        return Err(format!("{what}: span {start}..{end} out of order or past the end ({} bytes)", s.len()));
    }
    if !s.is_char_boundary(start) || !s.is_char_boundary(end) {
        return Err(format!("{what}: span {start}..{end} is not on character boundaries"));
    }
    Ok(())
}

fn check_located(
    s: &str,
    what: &str,
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    excerpt: &str,
) -> Result<(), String> {
    check_span(s, what, start, end)?;
    if &s[start..end] != excerpt {
        return Err(format!("{what}: excerpt {excerpt:?} is not the text of {start}..{end}: {:?}", &s[start..end]));
    }
    let expected = line_col(s, start);
    if (line, column) != expected {
        return Err(format!("{what}: at {start} says line {line} column {column}, expected {expected:?}"));
    }
    Ok(())
}

/// Every invariant of a report about `s`.
fn check_report(s: &str, r: &Report) -> Result<(), String> {
    for d in &r.diagnostics {
        let what = format!("diagnostic {}", d.rule);
        match (d.start, d.end, d.line, d.column, &d.excerpt) {
            (Some(start), Some(end), Some(line), Some(column), Some(excerpt)) => {
                check_located(s, &what, start, end, line, column, excerpt)?;
            }
            (None, None, None, None, None) => {}
            _ => {
                return Err(format!(
                    "{what}: span fields must be all present or all absent: start {:?} end {:?} line {:?} column {:?} \
                     excerpt {:?}",
                    d.start, d.end, d.line, d.column, d.excerpt
                ))
            }
        }
    }
    for st in &r.strengths {
        check_located(s, &format!("strength {}", st.rule), st.start, st.end, st.line, st.column, &st.excerpt)?;
    }
    for p in &r.parts {
        let what = format!("part {}", p.part);
        check_span(s, &what, p.start, p.end)?;
        let line = line_col(s, p.start).0;
        if p.line != line {
            return Err(format!("{what}: at {} says line {}, expected {line}", p.start, p.line));
        }
    }
    for (name, v) in r.themes.iter() {
        if v > 100 {
            return Err(format!("theme {name} is {v}"));
        }
    }
    if r.score > 100 {
        return Err(format!("score is {}", r.score));
    }
    // 150 words a minute, rounded to the nearest second.
    let expected = (r.words as f64 * 60.0 / 150.0).round() as u32;
    if r.spoken_seconds != expected {
        return Err(format!("{} words give {} s spoken, expected {expected}", r.words, r.spoken_seconds));
    }
    Ok(())
}

/// Analyse `s` as Markdown and as plain text; check both reports.
fn check(s: &str) -> Result<(), String> {
    check_report(s, &analyzer().analyze_as(s, Syntax::Markdown)).map_err(|e| format!("markdown: {e}"))?;
    check_report(s, &analyzer().analyze_as(s, Syntax::Plain)).map_err(|e| format!("plain: {e}"))
}

fn assert_ok(s: &str) {
    if let Err(e) = check(s) {
        panic!("{e}\ninput: {s:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Generators.

/// Characters that mean something to the parser, more often than chance would pick them.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => proptest::char::range('a', 'z'),
        2 => proptest::sample::select(vec![
            ' ', '\n', '\r', '\t', '#', '*', '_', '>', '-', ':', '`', '~', '"', '\'', '<', '!', '/', '.', ',', ';',
            '(', ')', '[', ']', '|', '&', '\\', '1', '\u{2019}', '\u{2018}', '\u{201c}', '\u{201d}', '\u{2014}',
            '\u{2013}', '\u{02bc}', '\u{feff}', '\u{200d}', '\u{301}', '\u{130}', '\u{df}', 'é', '日', '😀',
        ]),
    ]
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
        proptest::collection::vec(interesting_char(), 0..400).prop_map(String::from_iter),
    ]
}

const LABELS: &[&str] = &[
    "Situation",
    "situation",
    "The situation",
    "Background",
    "Context",
    "Task",
    "My role",
    "Action",
    "My response",
    "What I did",
    "Result",
    "Impact",
    "Outcome",
    "Learning",
    "Lessons learned",
    "What I learned",
    "What went wrong",
    "The mistake",
    "The failure",
    "Since then",
    "Set-up",
];

/// A part label in one of the forms the analyzer accepts, or a near miss.
fn label() -> impl Strategy<Value = String> {
    let forms: &[&str] = &[
        "# {}",
        "## {}",
        "#### {}",
        "## {}:",
        "**{}:**",
        "**{}**:",
        "__{}:__",
        "> **{}:**",
        "> {}:",
        "// {}",
        "//{}:",
        "{}:",
        "{}: ",
        "{} —",
        "{} – ",
        "{} - ",
        "1. {}:",
        "- **{}:**",
        "* {}",
        "   {}:",
        "{}",
        "{}s and more:",
        "{}ing:",
        "`{}:`",
        "<b>{}:</b>",
        "[{}](http://example.com):",
    ];
    (proptest::sample::select(forms), proptest::sample::select(LABELS))
        .prop_map(|(form, label)| form.replacen("{}", label, 1))
}

const PROSE: &[&str] = &[
    "I was the only backend engineer on a payroll product used by about 900 small businesses.",
    "I owned the release and its rollback plan.",
    "On Friday I pushed a migration that locked the orders table for 40 minutes.",
    "The requirements kept changing, so we missed the date.",
    "QA should have caught it before the release.",
    "Mistakes were made.",
    "It was a total disaster and complete chaos.",
    "I guess it was kind of my fault, sort of.",
    "It was only a small bug that affected a few users.",
    "I'm a perfectionist who works too hard.",
    "I've never really failed at anything.",
    "I'm an idiot and I always mess things up.",
    "We didn't have enough time or people.",
    "I learned that communication is key.",
    "I was wrong, and I told my manager the same day.",
    "The root cause was that I never tested a stream that stops.",
    "I added an alert and a runbook so it can't happen silently again.",
    "Since then, I write the failing test first; it caught two bugs last quarter.",
    "Latency went from 120 ms to 2.3 s, and 63 customers were affected.",
    "I didn't blame the platform team, because the logic was mine.",
    "Instead of saying \"it was QA's fault\", I owned it.",
    "My lead said “the requirements kept changing” was no excuse.",
    "He said \"mistakes were made",
    "We we we we we shipped it and we fixed it.",
    "我们的发布失败了。我负责回滚。",
    "日本語の文章です。締め切りに間に合わなかった。",
    "The café's naïve résumé parser broke on “Zoë”.",
    "Cafe\u{301} de\u{301}ploye\u{301} — e\u{301}chec.",
    "🔥🔥 The deploy 🚀 failed 💥 and 👩‍💻 I rolled back.",
    "İstanbul ǅemal ß ﬁle",
    "don’t can’t it’s QA’s fault",
    "a - b — c – d; e: f (g) h, i",
    "...!?!",
    "x",
    "",
];

const BLOCKS: &[&str] = &[
    "---\nverdict: good\nflags: [blame-shifting]\n---\n",
    "---\r\ntitle: x\r\n---\r\n",
    "---\n",
    "---\nunterminated: front matter\n",
    "...\n",
    "```\nthe requirements kept changing\n```\n",
    "```rust\nfn main() {}\n",
    "~~~\nmistakes were made\n~~~\n",
    "    indented code: it was QA's fault\n",
    "`inline code`",
    "<!-- starl-disable blame-shifting, hedging -->\n",
    "<!-- starl-disable -->",
    "<!-- a comment that never ends",
    "-->",
    "<div>\nhtml block\n</div>\n",
    "| a | b |\n|---|---|\n| it was | a disaster |\n",
    "- item one\n- item two\n  - nested\n",
    "1. first\n2) second\n",
    "> quoted paragraph\n> continues\n",
    "[link text](https://example.com \"title\")",
    "![image](x.png)",
    "&amp; &#x1F600; &nbsp;",
    "***\n",
    "\\*escaped\\*",
    "~~struck~~",
    "\u{feff}",
];

const SEPARATORS: &[&str] = &["", " ", "  ", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r", "\t", ". ", ": ", " — "];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(PROSE).prop_map(str::to_owned),
        3 => label(),
        2 => proptest::sample::select(BLOCKS).prop_map(str::to_owned),
        1 => proptest::collection::vec(interesting_char(), 0..12).prop_map(String::from_iter),
    ]
}

/// Story-like text: fragments joined by separators, optionally with CRLF line endings, a byte
/// order mark, and cut at an arbitrary character.
fn story() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((fragment(), proptest::sample::select(SEPARATORS)), 0..40),
        any::<bool>(),
        any::<bool>(),
        any::<Option<proptest::sample::Index>>(),
    )
        .prop_map(|(parts, crlf, bom, cut)| {
            let mut s = String::new();
            if bom {
                s.push('\u{feff}');
            }
            for (f, sep) in parts {
                s.push_str(&f);
                s.push_str(sep);
            }
            if crlf {
                s = s.replace("\r\n", "\n").replace('\n', "\r\n");
            }
            if let Some(cut) = cut {
                let n = s.chars().count();
                if n > 0 {
                    let at = s.char_indices().nth(cut.index(n)).map_or(s.len(), |(i, _)| i);
                    s.truncate(at);
                }
            }
            s
        })
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// `cases` cases, or `PROPTEST_CASES` if set (for long runs); failures are not persisted: the
/// ones found are kept as the named tests at the end of this file.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config { cases, failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config(384))]

    #[test]
    fn arbitrary_text_gives_true_spans(s in arbitrary_text()) {
        check(&s).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn story_like_text_gives_true_spans(s in story()) {
        check(&s).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// A real story with arbitrary text spliced in at an arbitrary character.
    #[test]
    fn spliced_cases_give_true_spans(case in 0usize..1000, at in any::<proptest::sample::Index>(), insert in arbitrary_text()) {
        let cases = cases();
        let base = &cases[case % cases.len()];
        let n = base.chars().count();
        let at = base.char_indices().nth(at.index(n + 1)).map_or(base.len(), |(i, _)| i);
        let s = format!("{}{insert}{}", &base[..at], &base[at..]);
        check(&s).map_err(TestCaseError::fail)?;
    }
}

/// The stories of `tests/cases`, read once.
fn cases() -> &'static [String] {
    static CASES: OnceLock<Vec<String>> = OnceLock::new();
    CASES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("tests/cases is readable")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        paths.sort();
        paths.iter().map(|p| std::fs::read_to_string(p).expect("case is UTF-8")).collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs: the labelled cases, in LF and CRLF, and edge cases.

#[test]
fn every_case_gives_true_spans() {
    for s in cases() {
        assert_ok(s);
        assert_ok(&s.replace('\n', "\r\n"));
    }
}

#[test]
fn edge_cases_give_true_spans() {
    for s in [
        "",
        "\n",
        "\r\n",
        "\u{feff}",
        "\u{feff}---\n---\n",
        "---",
        "---\n",
        "---\n---",
        "## Situation",
        "Situation:",
        "**Task:**",
        "> **Action:**",
        "// Situation",
        "What went wrong:",
        "Situation:\nTask:\nAction:\nResult:\nLearning:",
        "The requirements kept changing.",
        "\"The requirements kept changing.",
        "“The requirements kept changing.”",
        "é\u{301}🔥日本 the requirements kept changing",
        "```\n",
        "<!--",
        "<!-- starl-disable",
        "\r",
        "\r\r\n\n\r",
    ] {
        assert_ok(s);
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: minimal inputs of bugs these properties found. A new one goes here, marked
// `#[ignore = "bug: ..."]` until it is fixed.

/// Label end one byte past the line: `slice index starts at 13 but ends at 12` (fixed in 726dfc8).
#[test]
fn label_dash_at_end_of_line() {
    assert_ok("Situation - \nI was wrong.");
}

/// Label end past the end of the text: `start byte index 13 is out of bounds`.
#[test]
fn label_dash_at_end_of_text() {
    assert_ok("Situation - ");
}

/// Label end inside a character: `start byte index 13 is not a char boundary`.
#[test]
fn label_dash_before_multibyte() {
    assert_ok("Situation - é");
}

/// The first character of the content was masked with the label.
#[test]
fn label_dash_keeps_first_character() {
    let r = analyzer().analyze("Situation - I was wrong.\nAction - I fixed it.");
    let parts: Vec<_> = r.parts.iter().map(|p| (p.part.as_str(), p.start)).collect();
    assert_eq!(parts, [("situation", 12), ("action", 34)]);
}

#[test]
fn line_col_reference_is_right() {
    assert_eq!(line_col("ab\ncé\nx", 0), (1, 1));
    assert_eq!(line_col("ab\ncé\nx", 3), (2, 1));
    assert_eq!(line_col("ab\ncé\nx", 6), (2, 3));
    assert_eq!(line_col("ab\ncé\nx", 7), (3, 1));
    assert_eq!(line_col("a\r\nb", 3), (2, 1));
}
