//! What the editor shows, from one analysed text: diagnostics, hovers, code actions, the lens.
//! Pure functions of the text, its report and the negotiated encoding.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeLens, Command, DiagnosticSeverity, Hover, HoverContents,
    MarkupContent, MarkupKind, NumberOrString, Position, Range, TextEdit, Url, WorkspaceEdit,
};
use starl_analyzer::{Diagnostic, Report, RuleSet, Severity};

use crate::position::{Encoding, LineIndex};
use crate::render;

/// The command of the summary lens: shows the summary as a message.
pub const SHOW_SUMMARY: &str = "starl.showSummary";

/// One analysed text and everything needed to talk about it in LSP terms.
pub struct View<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
    pub report: &'a Report,
    pub rules: &'a RuleSet,
    pub enc: Encoding,
}

impl View<'_> {
    /// Where a finding is shown: its words, or the whole first line for the story as a whole.
    pub fn range_of(&self, d: &Diagnostic) -> Range {
        match (d.start, d.end) {
            (Some(s), Some(e)) => self.index.range(self.text, s, e, self.enc),
            _ => self.index.first_line(self.text, self.enc),
        }
    }

    pub fn diagnostic(&self, d: &Diagnostic) -> lsp_types::Diagnostic {
        let message = if d.help.trim().is_empty() {
            d.message.clone()
        } else {
            format!("{}\n{}", d.message.trim_end(), d.help.trim())
        };
        lsp_types::Diagnostic {
            range: self.range_of(d),
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Info => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(d.rule.clone())),
            source: Some("starl".to_owned()),
            message,
            ..Default::default()
        }
    }

    pub fn diagnostics(&self) -> Vec<lsp_types::Diagnostic> {
        self.report.diagnostics.iter().map(|d| self.diagnostic(d)).collect()
    }

    /// The explanation of each rule flagged under `pos`, and on the first line the summary.
    pub fn hover(&self, pos: Position) -> Option<Hover> {
        let at = self.index.offset(self.text, pos, self.enc);
        let mut sections: Vec<String> = Vec::new();
        let mut span: Option<(usize, usize)> = None;
        for d in &self.report.diagnostics {
            let (Some(s), Some(e)) = (d.start, d.end) else { continue };
            // The character after `at` is in the span (an empty span: the cursor is on it).
            if !(s <= at && (at < e || s == e)) {
                continue;
            }
            let Some(rule) = self.rules.rule(&d.rule) else { continue };
            let text = render::explain(rule, d.severity);
            if !sections.contains(&text) {
                sections.push(text);
            }
            span = Some(span.map_or((s, e), |(a, b)| (a.min(s), b.max(e))));
        }
        let mut range = span.map(|(s, e)| self.index.range(self.text, s, e, self.enc));
        if pos.line == 0 {
            sections.push(render::summary(self.rules, self.report));
            range = range.or_else(|| Some(self.index.first_line(self.text, self.enc)));
        }
        if sections.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: sections.join("\n\n---\n\n"),
            }),
            range,
        })
    }

    /// Quick fixes for the findings that touch `range`: a rewrite where the rule has one, and
    /// "Disable RULE in this story" once per rule.
    pub fn code_actions(&self, uri: &Url, range: Range, only: Option<&[CodeActionKind]>) -> Vec<CodeActionOrCommand> {
        let kind = CodeActionKind::QUICKFIX;
        if !wanted(only, &kind) {
            return Vec::new();
        }
        let mut fixes = Vec::new();
        let mut disables = Vec::new();
        let mut rules_done: Vec<&str> = Vec::new();
        for d in &self.report.diagnostics {
            let r = self.range_of(d);
            if !(r.start <= range.end && range.start <= r.end) {
                continue;
            }
            let lsp = self.diagnostic(d);
            if let (Some(s), Some(e), Some(rep)) = (d.start, d.end, &d.replacement) {
                let (s2, e2) = replacement_range(self.text, s, e, rep);
                let words = &self.text[s..e];
                let title = if rep.is_empty() {
                    format!("Delete “{words}”")
                } else {
                    format!("Replace “{words}” with “{rep}”")
                };
                fixes.push(action(title, uri, self.edit(s2, e2, rep), lsp.clone(), true));
            }
            if !rules_done.contains(&d.rule.as_str()) {
                rules_done.push(&d.rule);
                let title = format!("Disable {} in this story", d.rule);
                disables.push(action(title, uri, self.disable_edit(&d.rule), lsp, false));
            }
        }
        fixes.into_iter().chain(disables).map(CodeActionOrCommand::CodeAction).collect()
    }

    fn edit(&self, start: usize, end: usize, new_text: &str) -> TextEdit {
        TextEdit { range: self.index.range(self.text, start, end, self.enc), new_text: new_text.to_owned() }
    }

    /// Insert `<!-- starl-disable RULE -->` on a line of its own at the top of the story, after
    /// YAML front matter if there is any.
    pub fn disable_edit(&self, rule: &str) -> TextEdit {
        let nl = if self.text.contains("\r\n") { "\r\n" } else { "\n" };
        let comment = format!("<!-- starl-disable {rule} -->");
        let at = body_start(self.text);
        let new_text = if at == self.text.len() && at > 0 && !self.text.ends_with('\n') {
            format!("{nl}{comment}")
        } else {
            format!("{comment}{nl}")
        };
        self.edit(at, at, &new_text)
    }

    /// The summary lens on the first line.
    pub fn code_lens(&self, uri: &Url) -> Vec<CodeLens> {
        vec![CodeLens {
            range: Range::new(Position::new(0, 0), Position::new(0, 0)),
            command: Some(Command {
                title: render::summary_line(self.rules, self.report),
                command: SHOW_SUMMARY.to_owned(),
                arguments: Some(vec![serde_json::Value::String(uri.to_string())]),
            }),
            data: None,
        }]
    }
}

fn action(title: String, uri: &Url, edit: TextEdit, d: lsp_types::Diagnostic, preferred: bool) -> CodeAction {
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d]),
        edit: Some(WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), vec![edit])])), ..Default::default() }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    }
}

/// Whether a client that asked `only` these kinds wants actions of `kind` (kinds are
/// hierarchical: asking for `quickfix` includes `quickfix.x`).
fn wanted(only: Option<&[CodeActionKind]>, kind: &CodeActionKind) -> bool {
    let Some(only) = only else { return true };
    only.iter().any(|k| {
        let k = k.as_str();
        k.is_empty() || kind.as_str() == k || kind.as_str().strip_prefix(k).is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Byte offset where the story starts: after a byte-order mark and YAML front matter (the same
/// front matter the analyzer skips), at the start of the line after its closing `---`.
pub use starl_analyzer::body_start;

/// The bytes to replace for a rewrite of `start..end`. Deleting words (an empty rewrite) also
/// takes one side's spaces, so that no double space (or space before punctuation) is left.
pub fn replacement_range(text: &str, start: usize, end: usize, replacement: &str) -> (usize, usize) {
    if !replacement.is_empty() {
        return (start, end);
    }
    let is_space = |c: char| c == ' ' || c == '\t';
    let before = text[..start].chars().next_back();
    let spaces = |s: &str| s.len() - s.trim_start_matches(is_space).len();
    let spaces_after = spaces(&text[end..]);
    let spaces_before = start - text[..start].trim_end_matches(is_space).len();
    if before.is_none_or(|c| c == '\n' || c == '\r') {
        // At the start of a line: "Basically, we shipped" -> "we shipped".
        let e = end + usize::from(text[end..].starts_with(','));
        return (start, e + spaces(&text[e..]));
    }
    let opens = |c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '“' | '‘' | '\'' | '—');
    if spaces_after > 0 && before.is_some_and(opens) {
        // "We kind of noticed" -> "We noticed"; "(kind of late)" -> "(late)".
        return (start, end + spaces_after);
    }
    if spaces_before > 0 {
        // "it was kind of." -> "it was."; "late, basically, and" -> "late, and".
        let s = start - spaces_before;
        let commas = text[..s].ends_with(',') && text[end..].starts_with(',');
        return (s, end + usize::from(commas));
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use starl_analyzer::Analyzer;

    fn apply(text: &str, (s, e): (usize, usize), with: &str) -> String {
        format!("{}{}{}", &text[..s], with, &text[e..])
    }

    fn delete(text: &str, words: &str) -> String {
        let s = text.find(words).unwrap();
        apply(text, replacement_range(text, s, s + words.len(), ""), "")
    }

    #[test]
    fn deleting_words_tidies_the_spaces() {
        assert_eq!(delete("We kind of noticed it.", "kind of"), "We noticed it.");
        assert_eq!(delete("Kind of late, we shipped.", "Kind of"), "late, we shipped.");
        assert_eq!(delete("It was kind of.", "kind of"), "It was.");
        assert_eq!(delete("It was late, basically, and", "basically"), "It was late, and");
        assert_eq!(delete("Basically, we shipped.", "Basically"), "we shipped.");
        assert_eq!(delete("x\nbasically late", "basically"), "x\nlate");
        assert_eq!(delete("(kind of late)", "kind of"), "(late)");
        assert_eq!(delete("a basically", "basically"), "a");
        assert_eq!(delete("basically", "basically"), "");
        let text = "We kind of noticed";
        assert_eq!(replacement_range(text, 3, 10, "sort of"), (3, 10));
    }

    #[test]
    fn the_story_starts_after_front_matter() {
        assert_eq!(body_start("We kind of"), 0);
        assert_eq!(body_start("---\ntitle: x\n---\nWe"), 17);
        assert_eq!(body_start("---\r\ntitle: x\r\n---\r\nWe"), 20);
        assert_eq!(body_start("---\ntitle: x\n---"), 16);
        assert_eq!(body_start("---\nnot closed\n"), 0);
        assert_eq!(body_start("\u{feff}We"), 3);
        assert_eq!(body_start("--- no\n---\n"), 0);
    }

    #[test]
    fn code_action_kinds_are_hierarchical() {
        let q = CodeActionKind::QUICKFIX;
        assert!(wanted(None, &q));
        assert!(wanted(Some(&[CodeActionKind::QUICKFIX]), &q));
        assert!(wanted(Some(&[CodeActionKind::EMPTY]), &q));
        assert!(!wanted(Some(&[CodeActionKind::REFACTOR]), &q));
        assert!(!wanted(Some(&[CodeActionKind::new("quickfix.special")]), &q));
    }

    #[test]
    fn edits_in_utf16_after_emoji_and_cjk() {
        let a = Analyzer::builtin();
        let text = "---\ntitle: 😀\n---\n日本 😀: We kind of noticed it late. Mistakes were made.\n";
        let report = a.analyze(text);
        let index = LineIndex::new(text);
        let v = View { text, index: &index, report: &report, rules: a.rules(), enc: Encoding::Utf16 };
        let uri = Url::parse("file:///tmp/story.md").unwrap();
        let hedge = report.diagnostics.iter().find(|d| d.rule == "hedging").unwrap();
        let r = v.range_of(hedge);
        // "日本 😀: We " is 2 + 1 + 2 + 1 + 1 + 3 = 10 UTF-16 units (17 bytes).
        assert_eq!((r.start, r.end), (Position::new(3, 10), Position::new(3, 17)));
        let actions = v.code_actions(&uri, Range::new(r.start, r.start), None);
        let CodeActionOrCommand::CodeAction(fix) = &actions[0] else { panic!() };
        assert_eq!(fix.title, "Delete “kind of”");
        let edit = &fix.edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri][0];
        assert_eq!(edit.range, Range::new(Position::new(3, 10), Position::new(3, 18)));
        assert_eq!(edit.new_text, "");
        let disable = v.disable_edit("hedging");
        assert_eq!(disable.range, Range::new(Position::new(3, 0), Position::new(3, 0)));
        assert_eq!(disable.new_text, "<!-- starl-disable hedging -->\n");
        assert!(v.hover(Position::new(3, 12)).is_some());
        assert!(v.hover(Position::new(3, 2)).is_none());
        let Some(Hover { contents: HoverContents::Markup(m), .. }) = v.hover(Position::new(0, 1)) else { panic!() };
        assert!(m.value.contains("score"));
    }
}
