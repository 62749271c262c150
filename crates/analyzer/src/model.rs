//! Rule files: their strict TOML format, and the compiled [`RuleSet`].
//!
//! Every rule file has the same shape; built-in files and users' files are merged in order:
//! a `[[rule]]` (or `[[part]]`, `[[framework]]`, `[[category]]`, `[[question]]`, `[[theme]]`)
//! with the id of an earlier one replaces it; a `[lexicons]` entry with the name of an earlier
//! lexicon extends it; `[score]` and `[analysis]` replace the fields they set. Unknown keys are
//! errors, and every error names the file and line.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use toml::Spanned;

use crate::pattern::{Lexicon, LexiconLookup, Lists, Pattern, PatternIndex, Vocab, WordPat};

/// No gate: a pattern without a one-word requirement.
pub(crate) const NO_GATE: u32 = u32::MAX;

/// Groups of at most this many words are tested by reading the word marks of their words (see
/// [`RuleSet::may_match`]); larger ones are marked when a word of theirs is seen.
const SMALL_GROUP: usize = 16;

/// In an index key: the pattern starts with `_` and is offered at its second word (see
/// [`PatternIndex::add`]).
pub(crate) const LEAD: u32 = 1 << 31;

/// In an index key: the pattern is one word ([`Pattern::is_one_word`]), so being offered is
/// matching.
pub(crate) const ONE_WORD: u32 = 1 << 30;

/// What a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A red flag found in the words of the story (reported as a diagnostic with a span).
    RedFlag,
    /// A positive signal (reported under `strengths`).
    Strength,
    /// A story-level check computed by the engine (no span); the file carries its words.
    Story,
    /// An internal signal used by story-level checks and scores; never reported.
    Signal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Whose clause a match must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Subject {
    /// The nearest subject before the match, in its clause, is `I` or `we` (or there is none).
    FirstPerson,
    /// The nearest subject before the match, in its clause, is `I`.
    Singular,
}

/// Which sentences a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    #[default]
    Any,
    /// Only sentences that state a lesson (or lie in the learning part).
    Lesson,
    /// Not the sentences under a label that sets the scene (situation, context, task or role): a
    /// checklist that existed before the failure is not a fix for it. Prose is not filtered.
    AfterSetup,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: Spanned<String>,
    kind: Kind,
    severity: Option<Severity>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    seeds: Vec<String>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    negatable: Option<bool>,
    quotable: Option<bool>,
    #[serde(default)]
    not_followed_by: Vec<String>,
    #[serde(default)]
    not_preceded_by: Vec<String>,
    subject: Option<Subject>,
    #[serde(default)]
    scope: Scope,
    #[serde(default)]
    unless: Vec<String>,
    #[serde(default)]
    unless_later_in_sentence: Vec<String>,
    #[serde(default)]
    rewrites: BTreeMap<String, String>,
    bad: Option<String>,
    good: Option<String>,
    #[serde(default)]
    fire: Vec<String>,
    #[serde(default)]
    pass: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartDef {
    id: Spanned<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    same_as: Vec<String>,
    #[serde(default)]
    cues: Vec<Spanned<String>>,
    /// Where in plain prose this part usually sits: "first" or "last".
    position: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkDef {
    id: Spanned<String>,
    #[serde(default)]
    name: String,
    parts: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryDef {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "unit")]
    weight: f32,
    cues: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionDef {
    id: Spanned<String>,
    text: String,
    #[serde(default)]
    looks_for: Vec<String>,
    #[serde(default)]
    cues: Vec<Spanned<String>>,
    #[serde(default = "one")]
    min_cues: usize,
    #[serde(default)]
    requires_any: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
}

fn unit() -> f32 {
    1.0
}

fn one() -> usize {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeDef {
    id: Spanned<String>,
    base: i32,
    weight: f32,
    #[serde(default)]
    raise: BTreeMap<String, i32>,
    #[serde(default)]
    lower: BTreeMap<String, i32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ScoreDef {
    cap: Option<u8>,
    cap_rules: Option<Vec<String>>,
    penalties: Option<BTreeMap<String, i32>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AnalysisDef {
    default_framework: Option<String>,
    prose_required_parts: Option<Vec<String>>,
    setup_parts: Option<Vec<String>>,
    headed_min_labels: Option<usize>,
    we_min: Option<u32>,
    we_ratio: Option<f32>,
    negation_window: Option<usize>,
    closing_lesson_sentences: Option<usize>,
    closing_lesson_past: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    lexicons: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    rule: Vec<RuleDef>,
    #[serde(default)]
    part: Vec<PartDef>,
    #[serde(default)]
    framework: Vec<FrameworkDef>,
    #[serde(default)]
    category: Vec<CategoryDef>,
    #[serde(default)]
    question: Vec<QuestionDef>,
    #[serde(default)]
    theme: Vec<ThemeDef>,
    score: Option<ScoreDef>,
    analysis: Option<AnalysisDef>,
}

/// An error in a rule file, with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RuleError {
    pub file: String,
    /// 1-based; 0 when the error is about the set as a whole.
    pub line: usize,
    pub message: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

/// A compiled rule.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub summary: String,
    pub message: String,
    pub help: String,
    pub explanation: String,
    pub seeds: Vec<String>,
    pub negatable: bool,
    pub quotable: bool,
    pub not_followed_by: Vec<WordPat>,
    pub not_preceded_by: Vec<WordPat>,
    pub subject: Option<Subject>,
    pub scope: Scope,
    pub unless: Vec<String>,
    /// Rule ids whose hit later in the same sentence, past a word of the `contrast` lexicon,
    /// silences a hit of this rule (`blame-shifting`, then `owns-it`: "QA approved it too, but
    /// the call was mine"; not "It was my call, although QA should have caught it", nor "the spec
    /// kept changing, so I rushed it").
    pub unless_later_in_sentence: Vec<String>,
    pub rewrites: Vec<(String, String)>,
    pub bad: Option<String>,
    pub good: Option<String>,
    pub fire: Vec<String>,
    pub pass: Vec<String>,
    pub patterns: Vec<String>,
    /// The file the rule came from.
    pub source: String,
}

/// Index of a part in [`RuleSet::parts`].
pub type PartId = u8;

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Part {
    pub id: String,
    pub name: String,
    pub same_as: Vec<PartId>,
    pub position: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub parts: Vec<PartId>,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub description: String,
    pub weight: f32,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub looks_for: Vec<String>,
    pub min_cues: usize,
    pub requires_any: Vec<String>,
    pub excludes: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Theme {
    pub id: String,
    pub base: i32,
    pub weight: f32,
    pub raise: Vec<(String, i32)>,
    pub lower: Vec<(String, i32)>,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct ScoreModel {
    pub cap: u8,
    pub cap_rules: Vec<String>,
    pub penalties: Vec<(String, i32)>,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct AnalysisModel {
    pub default_framework: String,
    pub prose_required_parts: Vec<PartId>,
    /// Parts that set the scene (situation, task, ...): `scope = "after-setup"` rules skip
    /// sentences under their labels.
    pub setup_parts: Vec<PartId>,
    pub headed_min_labels: usize,
    pub we_min: u32,
    pub we_ratio: f32,
    pub negation_window: usize,
    /// In unlabelled prose, the last this-many sentences count as lesson sentences for rules
    /// with `scope = "lesson"`: a story that ends on a platitude ("Communication is everything.")
    /// states a generic lesson without saying "I learned". A closing sentence counts only where
    /// the match is in the present tense ("X is key", not "the launch was important"): the past
    /// tells what happened, the present states what the speaker believes now.
    pub closing_lesson_sentences: usize,
    /// Words that put a closing sentence's match in the past tense (`was`, `were`).
    pub closing_lesson_past: Vec<String>,
}

/// What a pattern is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum Target {
    Rule(u16),
    PartCue(PartId),
    Category(u8),
    Question(u8),
}

/// Part labels, longest first, for heading detection.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize)]
pub struct PartLabels {
    labels: Vec<(String, PartId)>,
    /// For each first byte (ASCII lower case), the indices of the labels starting with it, longest
    /// first: every line of a story is tried, and most lines start with no label's first letter.
    by_first: Vec<Vec<u16>>,
}

impl PartLabels {
    fn new(labels: Vec<(String, PartId)>) -> PartLabels {
        let mut by_first = vec![Vec::new(); 256];
        for (i, (label, _)) in labels.iter().enumerate() {
            match label.as_bytes().first() {
                Some(&b) => by_first[b.to_ascii_lowercase() as usize].push(i as u16),
                // An empty label (longest first: it comes last) can start any line.
                None => by_first.iter_mut().for_each(|v| v.push(i as u16)),
            }
        }
        PartLabels { labels, by_first }
    }

    /// The label that `b` starts with (case-insensitive, whole words), and its length in bytes.
    pub fn match_prefix(&self, b: &[u8]) -> Option<(PartId, usize)> {
        let first = b.first().map_or(0, u8::to_ascii_lowercase);
        for &i in self.by_first.get(first as usize)? {
            let (label, part) = &self.labels[i as usize];
            let n = label.len();
            if b.len() >= n
                && b[..n].eq_ignore_ascii_case(label.as_bytes())
                && b.get(n).is_none_or(|c| !c.is_ascii_alphanumeric())
            {
                return Some((*part, n));
            }
        }
        None
    }
}

/// The part ids of an `[analysis]` list of part names (`prose_required_parts`, `setup_parts`);
/// `place` is the file and line that set the list, for the error.
fn analysis_parts(
    set: &RuleSet,
    key: &str,
    names: Option<Vec<String>>,
    place: &Option<(String, usize)>,
) -> Result<Vec<PartId>, RuleError> {
    names
        .unwrap_or_default()
        .iter()
        .map(|name| {
            set.part_id(name).ok_or_else(|| {
                let (file, line) = place.clone().unwrap_or_else(|| ("[analysis]".into(), 0));
                RuleError { file, line, message: format!("[analysis] {key}: unknown part `{name}`") }
            })
        })
        .collect()
}

/// The 1-based line of `text` that sets `key` (`key = ...`, leading blanks allowed); 1 when none
/// does (the key came from an inline table).
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('=')))
        .map_or(1, |i| i + 1)
}

/// Everything the analyzer knows, compiled from rule files.
#[derive(Debug, serde::Serialize, Deserialize)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub parts: Vec<Part>,
    pub frameworks: Vec<Framework>,
    pub categories: Vec<Category>,
    pub questions: Vec<Question>,
    pub themes: Vec<Theme>,
    pub score: ScoreModel,
    pub analysis: AnalysisModel,
    pub labels: PartLabels,
    pub(crate) lexicons: Vec<Lexicon>,
    lexicon_names: FxHashMap<String, usize>,
    pub(crate) patterns: Vec<(Target, Pattern)>,
    /// Pattern keys by first word, each with a word id (its gate) that a sentence must hold for the
    /// pattern to match there (or [`NO_GATE`]), checked before anything else.
    pub(crate) index: PatternIndex<(u32, u32)>,
    /// Every exact word of the patterns and lexicons.
    pub(crate) vocab: Vocab,
    /// For each pattern, a range of `required`: the groups of word ids one word of each of which
    /// a sentence must hold for the pattern to match there (see [`Pattern::required`]).
    #[serde(with = "crate::cache::raw::vec")]
    pub(crate) required_at: Vec<(u32, u32)>,
    #[serde(with = "crate::cache::raw::vec")]
    pub(crate) required: Vec<u32>,
    /// How many distinct groups there are: many patterns share one (every pattern that ends in
    /// `@party_failed`, say). A pattern's first one-word group, if any, is not a group but its
    /// gate: the word's id, kept in the index next to its key.
    pub(crate) group_count: u32,
    /// The groups, by their words, while compiling; not kept in the rule cache.
    #[serde(skip)]
    group_ids: FxHashMap<Vec<u32>, u32>,
    /// For each group, its word ids.
    group_words: Lists<u32>,
    /// For each word id, the large groups (more than [`SMALL_GROUP`] words) that hold it. The
    /// engine marks a word once per sentence, and the large groups of each word, so that testing
    /// a group is one array read (a large group) or a few (a small one). Marking every group of every word cost ~22 writes a word: common words are in
    /// dozens of small groups (`i|we`, `the|our|my`), most of them never asked about.
    word_groups: Lists<u32>,
    rule_ids: FxHashMap<String, u16>,
}

impl LexiconLookup for RuleSet {
    fn lexicon_id(&self, name: &str) -> Option<usize> {
        self.lexicon_names.get(name).copied()
    }
    fn lexicon(&self, id: usize) -> &Lexicon {
        &self.lexicons[id]
    }
}

/// The rule files built into the binary: `(file name, contents)`.
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

struct Loaded<'a> {
    name: &'a str,
    text: &'a str,
    file: RuleFile,
}

impl RuleSet {
    /// The built-in rules alone.
    pub fn builtin() -> RuleSet {
        RuleSet::load(&[]).expect("the built-in rule files are valid (tested)")
    }

    /// The built-in rules, then `extra` files (`(name, contents)`) merged over them in order.
    pub fn load(extra: &[(String, String)]) -> Result<RuleSet, RuleError> {
        let mut files: Vec<Loaded> = Vec::new();
        let sources = BUILTIN.iter().map(|&(n, t)| (n, t)).chain(extra.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        for (name, text) in sources {
            let file: RuleFile = toml::from_str(text).map_err(|e| RuleError {
                file: name.to_owned(),
                line: e.span().map_or(1, |s| line_of(text, s.start)),
                message: e.message().trim().to_owned(),
            })?;
            files.push(Loaded { name, text, file });
        }
        Self::compile(files)
    }

    fn compile(files: Vec<Loaded>) -> Result<RuleSet, RuleError> {
        let err = |f: &Loaded, offset: usize, message: String| RuleError {
            file: f.name.to_owned(),
            line: line_of(f.text, offset),
            message,
        };
        // 1. Lexicons first: patterns in any file may use lexicons of any file.
        let mut set = RuleSet {
            rules: Vec::new(),
            parts: Vec::new(),
            frameworks: Vec::new(),
            categories: Vec::new(),
            questions: Vec::new(),
            themes: Vec::new(),
            score: ScoreModel { cap: 40, cap_rules: Vec::new(), penalties: Vec::new() },
            analysis: AnalysisModel {
                default_framework: "star-l".into(),
                prose_required_parts: Vec::new(),
                setup_parts: Vec::new(),
                headed_min_labels: 2,
                we_min: 2,
                we_ratio: 2.0,
                negation_window: 4,
                closing_lesson_sentences: 0,
                closing_lesson_past: Vec::new(),
            },
            labels: PartLabels::default(),
            lexicons: Vec::new(),
            lexicon_names: FxHashMap::default(),
            patterns: Vec::new(),
            index: PatternIndex::default(),
            vocab: Vocab::default(),
            required_at: Vec::new(),
            required: Vec::new(),
            group_count: 0,
            group_ids: FxHashMap::default(),
            group_words: Lists::default(),
            word_groups: Lists::default(),
            rule_ids: FxHashMap::default(),
        };
        for f in &files {
            for (name, entries) in &f.file.lexicons {
                let lex = Lexicon::parse(entries).map_err(|m| RuleError {
                    file: f.name.to_owned(),
                    line: f.text.find(&format!("{name} =")).map_or(1, |o| line_of(f.text, o)),
                    message: format!("lexicon `{name}`: {m}"),
                })?;
                match set.lexicon_names.get(name) {
                    Some(&id) => set.lexicons[id].extend(lex),
                    None => {
                        set.lexicon_names.insert(name.clone(), set.lexicons.len());
                        set.lexicons.push(lex);
                    }
                }
            }
        }
        for lex in &mut set.lexicons {
            lex.intern(&mut set.vocab);
        }
        // 2. Definitions, later ones replacing earlier ones of the same id.
        let mut rule_defs: Vec<(usize, RuleDef)> = Vec::new();
        let mut part_defs: Vec<(usize, PartDef)> = Vec::new();
        let mut fw_defs: Vec<(usize, FrameworkDef)> = Vec::new();
        let mut cat_defs: Vec<(usize, CategoryDef)> = Vec::new();
        let mut q_defs: Vec<(usize, QuestionDef)> = Vec::new();
        let mut theme_defs: Vec<(usize, ThemeDef)> = Vec::new();
        fn upsert<T>(v: &mut Vec<(usize, T)>, fi: usize, item: T, id: impl Fn(&T) -> &str) {
            match v.iter().position(|(_, x)| id(x) == id(&item)) {
                Some(i) => v[i] = (fi, item),
                None => v.push((fi, item)),
            }
        }
        let mut prose_names: Option<Vec<String>> = None;
        let mut setup_names: Option<Vec<String>> = None;
        // Where `prose_required_parts`, `setup_parts` and `default_framework` were last set, for
        // errors found once every file is read.
        let (mut prose_at, mut setup_at, mut framework_at) = (None, None, None);
        let mut files = files;
        for (fi, f) in files.iter_mut().enumerate() {
            let file = std::mem::take(&mut f.file);
            for r in file.rule {
                upsert(&mut rule_defs, fi, r, |r| r.id.get_ref());
            }
            for p in file.part {
                upsert(&mut part_defs, fi, p, |p| p.id.get_ref());
            }
            for x in file.framework {
                upsert(&mut fw_defs, fi, x, |x| x.id.get_ref());
            }
            for x in file.category {
                upsert(&mut cat_defs, fi, x, |x| x.id.get_ref());
            }
            for x in file.question {
                upsert(&mut q_defs, fi, x, |x| x.id.get_ref());
            }
            for x in file.theme {
                upsert(&mut theme_defs, fi, x, |x| x.id.get_ref());
            }
            if let Some(s) = file.score {
                if let Some(c) = s.cap {
                    set.score.cap = c;
                }
                if let Some(c) = s.cap_rules {
                    set.score.cap_rules = c;
                }
                if let Some(p) = s.penalties {
                    set.score.penalties = p.into_iter().collect();
                }
            }
            if let Some(a) = file.analysis {
                let m = &mut set.analysis;
                if let Some(x) = a.default_framework {
                    m.default_framework = x;
                    framework_at = Some((f.name.to_owned(), key_line(f.text, "default_framework")));
                }
                if let Some(x) = a.headed_min_labels {
                    m.headed_min_labels = x;
                }
                if let Some(x) = a.we_min {
                    m.we_min = x;
                }
                if let Some(x) = a.we_ratio {
                    m.we_ratio = x;
                }
                if let Some(x) = a.negation_window {
                    m.negation_window = x;
                }
                if let Some(x) = a.closing_lesson_sentences {
                    m.closing_lesson_sentences = x;
                }
                if let Some(x) = a.closing_lesson_past {
                    m.closing_lesson_past = x.iter().map(|w| w.to_lowercase()).collect();
                }
                if let Some(x) = a.prose_required_parts {
                    // Resolved once parts are known (below).
                    prose_names = Some(x);
                    prose_at = Some((f.name.to_owned(), key_line(f.text, "prose_required_parts")));
                }
                if let Some(x) = a.setup_parts {
                    setup_names = Some(x);
                    setup_at = Some((f.name.to_owned(), key_line(f.text, "setup_parts")));
                }
            }
        }

        // Parts.
        for (_, p) in &part_defs {
            set.parts.push(Part {
                id: p.id.get_ref().clone(),
                name: if p.name.is_empty() { p.id.get_ref().clone() } else { p.name.clone() },
                same_as: Vec::new(),
                position: p.position.clone(),
            });
        }
        let part_id = |set: &RuleSet, name: &str| set.parts.iter().position(|p| p.id == name).map(|i| i as PartId);
        let mut labels = Vec::new();
        for (pi, (fi, p)) in part_defs.iter().enumerate() {
            let f = &files[*fi];
            let mut same = vec![pi as PartId];
            for s in &p.same_as {
                same.push(part_id(&set, s).ok_or_else(|| {
                    err(f, p.id.span().start, format!("part `{}`: unknown part `{s}` in same_as", p.id.get_ref()))
                })?);
            }
            set.parts[pi].same_as = same;
            for l in &p.labels {
                labels.push((l.to_ascii_lowercase(), pi as PartId));
            }
            if let Some(pos) = &p.position {
                if pos != "first" && pos != "last" {
                    return Err(err(
                        f,
                        p.id.span().start,
                        format!("part `{}`: position must be \"first\" or \"last\"", p.id.get_ref()),
                    ));
                }
            }
        }
        labels.sort_by_key(|l| std::cmp::Reverse(l.0.len()));
        set.labels = PartLabels::new(labels);
        set.analysis.prose_required_parts = analysis_parts(&set, "prose_required_parts", prose_names, &prose_at)?;
        set.analysis.setup_parts = analysis_parts(&set, "setup_parts", setup_names, &setup_at)?;
        for (fi, x) in &fw_defs {
            let f = &files[*fi];
            let mut parts = Vec::new();
            for p in &x.parts {
                parts.push(part_id(&set, p).ok_or_else(|| {
                    err(f, x.id.span().start, format!("framework `{}`: unknown part `{p}`", x.id.get_ref()))
                })?);
            }
            set.frameworks.push(Framework {
                id: x.id.get_ref().clone(),
                name: if x.name.is_empty() { x.id.get_ref().clone() } else { x.name.clone() },
                parts,
            });
        }
        if !set.frameworks.iter().any(|f| f.id == set.analysis.default_framework) && !set.frameworks.is_empty() {
            let (file, line) = framework_at.unwrap_or_else(|| ("[analysis]".into(), 0));
            return Err(RuleError {
                file,
                line,
                message: format!(
                    "[analysis] default_framework `{}` is not a framework",
                    set.analysis.default_framework
                ),
            });
        }

        // Rules.
        for (fi, r) in &rule_defs {
            let f = &files[*fi];
            let id = r.id.get_ref().clone();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                return Err(err(f, r.id.span().start, format!("rule id `{id}` must be kebab-case")));
            }
            let severity = match (r.kind, r.severity) {
                (Kind::RedFlag | Kind::Story, None) => {
                    return Err(err(f, r.id.span().start, format!("rule `{id}` needs a severity")));
                }
                (_, s) => s.unwrap_or(Severity::Info),
            };
            if matches!(r.kind, Kind::RedFlag | Kind::Story) && (r.message.is_empty() || r.help.is_empty()) {
                return Err(err(f, r.id.span().start, format!("rule `{id}` needs a message and a help text")));
            }
            let words = |v: &[String]| -> Result<Vec<WordPat>, RuleError> {
                v.iter()
                    .map(|w| WordPat::parse(w).map_err(|m| err(f, r.id.span().start, format!("rule `{id}`: {m}"))))
                    .collect()
            };
            let idx = set.rules.len() as u16;
            set.rule_ids.insert(id.clone(), idx);
            set.rules.push(Rule {
                id: id.clone(),
                kind: r.kind,
                severity,
                summary: r.summary.clone(),
                message: r.message.clone(),
                help: r.help.clone(),
                explanation: r.explanation.trim().to_owned(),
                seeds: r.seeds.clone(),
                negatable: r.negatable.unwrap_or(true),
                quotable: r.quotable.unwrap_or(r.kind == Kind::RedFlag),
                not_followed_by: words(&r.not_followed_by)?,
                not_preceded_by: words(&r.not_preceded_by)?,
                subject: r.subject,
                scope: r.scope,
                unless: r.unless.clone(),
                unless_later_in_sentence: r.unless_later_in_sentence.clone(),
                rewrites: r.rewrites.iter().map(|(k, v)| (k.to_lowercase(), v.clone())).collect(),
                bad: r.bad.clone(),
                good: r.good.clone(),
                fire: r.fire.clone(),
                pass: r.pass.clone(),
                patterns: r.patterns.iter().map(|p| p.get_ref().clone()).collect(),
                source: f.name.to_owned(),
            });
            for p in &r.patterns {
                set.add_pattern(Target::Rule(idx), p)
                    .map_err(|m| err(f, p.span().start, format!("rule `{id}`: pattern `{}`: {m}", p.get_ref())))?;
            }
        }
        for (fi, r) in &rule_defs {
            if let Some(u) = r.unless_later_in_sentence.iter().find(|u| !set.rule_ids.contains_key(u.as_str())) {
                let id = r.id.get_ref();
                return Err(err(
                    &files[*fi],
                    r.id.span().start,
                    format!("rule `{id}`: unless_later_in_sentence: unknown rule `{u}`"),
                ));
            }
        }
        for (pi, (fi, p)) in part_defs.iter().enumerate() {
            for c in &p.cues {
                set.add_pattern(Target::PartCue(pi as PartId), c).map_err(|m| {
                    err(&files[*fi], c.span().start, format!("part `{}`: cue `{}`: {m}", p.id.get_ref(), c.get_ref()))
                })?;
            }
        }
        for (ci, (fi, c)) in cat_defs.iter().enumerate() {
            set.categories.push(Category {
                id: c.id.get_ref().clone(),
                description: c.description.clone(),
                weight: c.weight,
            });
            for cue in &c.cues {
                set.add_pattern(Target::Category(ci as u8), cue).map_err(|m| {
                    err(
                        &files[*fi],
                        cue.span().start,
                        format!("category `{}`: cue `{}`: {m}", c.id.get_ref(), cue.get_ref()),
                    )
                })?;
            }
        }
        for (qi, (fi, q)) in q_defs.iter().enumerate() {
            set.questions.push(Question {
                id: q.id.get_ref().clone(),
                text: q.text.clone(),
                looks_for: q.looks_for.clone(),
                min_cues: q.min_cues,
                requires_any: q.requires_any.clone(),
                excludes: q.excludes.clone(),
            });
            for cue in &q.cues {
                set.add_pattern(Target::Question(qi as u8), cue).map_err(|m| {
                    err(
                        &files[*fi],
                        cue.span().start,
                        format!("question `{}`: cue `{}`: {m}", q.id.get_ref(), cue.get_ref()),
                    )
                })?;
            }
        }
        for (_, t) in &theme_defs {
            set.themes.push(Theme {
                id: t.id.get_ref().clone(),
                base: t.base,
                weight: t.weight,
                raise: t.raise.clone().into_iter().collect(),
                lower: t.lower.clone().into_iter().collect(),
            });
        }
        set.index.finish();
        set.index_groups();
        Ok(set)
    }

    fn add_pattern(&mut self, target: Target, src: &Spanned<String>) -> Result<(), String> {
        let mut vocab = std::mem::take(&mut self.vocab);
        let p = Pattern::compile(src.get_ref(), self, &mut vocab);
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                self.vocab = vocab;
                return Err(e);
            }
        };
        let key = self.patterns.len() as u32;
        let mut required = p.required(self);
        // Small groups first: cheapest to test, and most often absent.
        required.sort_by_key(Vec::len);
        let gate = required.iter().find(|g| g.len() == 1).cloned();
        let gate_word = gate.as_ref().map_or(NO_GATE, |g| g[0]);
        let mut index = std::mem::take(&mut self.index);
        let lead = if p.leads_with_any() { LEAD } else { 0 };
        let one = if p.is_one_word(self) { ONE_WORD } else { 0 };
        index.add((key | lead | one, gate_word), &p, self, &mut vocab);
        self.index = index;
        self.vocab = vocab;
        let from = self.required.len() as u32;
        for group in required.into_iter().filter(|g| Some(g) != gate.as_ref()) {
            let g = self.intern_group(group);
            self.required.push(g);
        }
        self.required_at.push((from, self.required.len() as u32));
        self.patterns.push((target, p));
        Ok(())
    }

    /// The id of a group of word ids, added if new.
    fn intern_group(&mut self, group: Vec<u32>) -> u32 {
        let next = self.group_ids.len() as u32;
        let g = *self.group_ids.entry(group).or_insert(next);
        self.group_count = self.group_ids.len() as u32;
        g
    }

    /// Fills `group_words` (for each group, its words) and `word_groups` (for each word id, the
    /// large groups that hold it). Called once every pattern is in.
    fn index_groups(&mut self) {
        let mut by_group: Vec<&[u32]> = vec![&[]; self.group_ids.len()];
        for (words, &g) in &self.group_ids {
            by_group[g as usize] = words;
        }
        let mut by_word: Vec<Vec<u32>> = vec![Vec::new(); self.vocab.len()];
        for (g, words) in by_group.iter().enumerate().filter(|(_, w)| w.len() > SMALL_GROUP) {
            for &id in *words {
                if let Some(v) = by_word.get_mut(id as usize) {
                    v.push(g as u32);
                }
            }
        }
        self.group_words = Lists::new(by_group.iter().copied());
        self.word_groups = Lists::new(by_word.iter().map(Vec::as_slice));
    }

    /// The large groups that hold the word of id `id` (none for a word no pattern names).
    #[inline]
    pub(crate) fn groups_of(&self, id: u32) -> &[u32] {
        self.word_groups.get(id as usize)
    }

    /// Can pattern `key` match in a sentence? `seen[w] == stamp` for the words `w` the sentence
    /// holds, and `marks[g] == stamp` for the large groups `g` one of whose words it holds.
    #[inline]
    pub(crate) fn may_match(&self, key: u32, marks: &[u32], seen: &[u32], stamp: u32) -> bool {
        let Some(&(from, to)) = self.required_at.get(key as usize) else { return true };
        let required = self.required.get(from as usize..to as usize).unwrap_or(&[]);
        required.iter().all(|&g| {
            let words = self.group_words.get(g as usize);
            if words.len() > SMALL_GROUP {
                marks.get(g as usize) == Some(&stamp)
            } else {
                words.iter().any(|&w| seen.get(w as usize) == Some(&stamp))
            }
        })
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rule_ids.get(id).map(|&i| &self.rules[i as usize])
    }

    pub(crate) fn rule_index(&self, id: &str) -> Option<u16> {
        self.rule_ids.get(id).copied()
    }

    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    pub fn part_id(&self, id: &str) -> Option<PartId> {
        self.parts.iter().position(|p| p.id == id).map(|i| i as PartId)
    }

    /// Lexicon entries by name (for documentation and tests).
    pub fn lexicon_len(&self, name: &str) -> Option<usize> {
        self.lexicon_id(name).map(|i| self.lexicons[i].phrases.len())
    }
}
