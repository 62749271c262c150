//! The report: what the analyzer says about one story.
//!
//! These types are the public contract of `../shared/design/report-format.md` (`starl lint
//! --format json`, `POST /api/analyze`), so they derive `Serialize` here, once, rather than being
//! copied into DTOs at every edge. Fields may be added; none is renamed.

use serde::Serialize;

use crate::model::Severity;

/// A red flag or story-level finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub rule: String,
    pub severity: Severity,
    /// What is wrong: what an interviewer hears.
    pub message: String,
    /// What to do instead (the seeds' advice).
    pub help: String,
    /// Byte offsets into the input, end exclusive; `None` for story-level findings.
    pub start: Option<usize>,
    pub end: Option<usize>,
    /// 1-based line; column in Unicode scalar values.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub excerpt: Option<String>,
    /// A concrete rewrite of the excerpt, where the rule has one (`""` means delete it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
}

/// A positive signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strength {
    pub rule: String,
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub excerpt: String,
}

/// Where a part of the story's framework was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartSpan {
    pub part: String,
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

/// The five themes of 001's table, each 0-100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Themes {
    pub ownership: u8,
    pub transparency: u8,
    pub learning: u8,
    pub resilience: u8,
    pub prevention: u8,
}

impl Themes {
    pub fn iter(&self) -> [(&'static str, u8); 5] {
        [
            ("ownership", self.ownership),
            ("transparency", self.transparency),
            ("learning", self.learning),
            ("resilience", self.resilience),
            ("prevention", self.prevention),
        ]
    }
}

/// Everything the analyzer says about one story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub words: usize,
    pub spoken_seconds: u32,
    pub framework: String,
    /// Whether the parts came from labels (`## Situation`, `Task:`) or were inferred from prose.
    pub structure: Structure,
    pub parts: Vec<PartSpan>,
    pub diagnostics: Vec<Diagnostic>,
    pub strengths: Vec<Strength>,
    pub themes: Themes,
    pub score: u8,
    pub category: String,
    pub fits: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Structure {
    Headings,
    Prose,
}

impl Report {
    /// The most severe diagnostic, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }
}
