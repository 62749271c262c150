//! The domain: failure-journal entries with their follow-ups, stories for the bank, and practice
//! attempts at the common questions.
//!
//! These types are what every backend stores and what `starl export --format json` writes, so
//! they derive `Serialize`/`Deserialize` once, here. Fields may be added (with a serde default);
//! none is renamed.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// An entry, story or practice-attempt id. Ids are small positive integers, assigned by the
/// store, never reused while the row exists.
pub type Id = i64;

/// The largest id a record may have: ids fit in 32 bits (a PostgreSQL `integer`), which also lets
/// a backend pack an entry's date and id into one 64-bit sort key.
pub const MAX_ID: Id = i32::MAX as Id;

fn check_id(kind: &str, id: Id) -> Result<(), StoreError> {
    if (0..=MAX_ID).contains(&id) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("{kind} id {id} is out of range (1 to {MAX_ID})")))
    }
}

/// How many days after an entry is logged its follow-up falls due, unless the user says otherwise.
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 30;

/// The three story categories of the coaching model (section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Technical,
    Leadership,
    Communication,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Technical, Category::Leadership, Category::Communication];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Technical => "technical",
            Category::Leadership => "leadership",
            Category::Communication => "communication",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Category, StoreError> {
        let s = s.trim().to_ascii_lowercase();
        Category::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            StoreError::Invalid(format!("category `{s}`: expected technical, leadership or communication"))
        })
    }
}

/// Whether the change promised in "what I will change" stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FollowUpStatus {
    /// Not checked yet.
    Open,
    /// The change stuck.
    Held,
    /// The change did not stick.
    DidntHold,
}

impl FollowUpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpStatus::Open => "open",
            FollowUpStatus::Held => "held",
            FollowUpStatus::DidntHold => "didnt-hold",
        }
    }
}

impl fmt::Display for FollowUpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FollowUpStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<FollowUpStatus, StoreError> {
        match s.trim() {
            "open" => Ok(FollowUpStatus::Open),
            "held" => Ok(FollowUpStatus::Held),
            "didnt-hold" => Ok(FollowUpStatus::DidntHold),
            other => Err(StoreError::Invalid(format!("follow-up status `{other}`: expected open, held or didnt-hold"))),
        }
    }
}

/// The check, some weeks later, that "what I will change" really changed. Its evidence is what
/// makes a story's `applied-later` strength true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub due: Date,
    pub status: FollowUpStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
    /// When the outcome was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Timestamp>,
}

impl FollowUp {
    /// An open follow-up due on `due`.
    pub fn open(due: Date) -> FollowUp {
        FollowUp { due, status: FollowUpStatus::Open, evidence: String::new(), recorded: None }
    }
}

/// One failure in the journal: what went wrong, why, and what was learned (the seeds' failure log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Assigned by the store; ignored by `create_entry`.
    #[serde(default)]
    pub id: Id,
    pub title: String,
    /// When it happened.
    pub happened: Date,
    #[serde(default)]
    pub what_happened: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub my_part: String,
    /// Why it happened.
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    pub what_i_did: String,
    #[serde(default)]
    pub learned: String,
    #[serde(default)]
    pub will_change: String,
    #[serde(default)]
    pub category: Option<Category>,
    /// Normalised by [`normalize_tag`]; sorted, no duplicates.
    #[serde(default)]
    pub tags: Vec<String>,
    /// 1 (minor) to 5 (severe).
    #[serde(default)]
    pub severity: Option<u8>,
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
    pub created: Timestamp,
    pub updated: Timestamp,
}

impl Entry {
    /// A new entry with only a title and a date; `created`/`updated` are `now`, to the second.
    pub fn new(title: impl Into<String>, happened: Date, now: Timestamp) -> Entry {
        let now = truncate(now);
        Entry {
            id: 0,
            title: title.into(),
            happened,
            what_happened: String::new(),
            impact: String::new(),
            my_part: String::new(),
            root_cause: String::new(),
            what_i_did: String::new(),
            learned: String::new(),
            will_change: String::new(),
            category: None,
            tags: Vec::new(),
            severity: None,
            follow_up: None,
            created: now,
            updated: now,
        }
    }

    /// The free-text fields, with their names, in template order.
    pub fn text_fields(&self) -> [(&'static str, &str); 7] {
        [
            ("what_happened", &self.what_happened),
            ("impact", &self.impact),
            ("my_part", &self.my_part),
            ("root_cause", &self.root_cause),
            ("what_i_did", &self.what_i_did),
            ("learned", &self.learned),
            ("will_change", &self.will_change),
        ]
    }

    /// Mutable access to a free-text field by name.
    pub fn text_field_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "what_happened" => &mut self.what_happened,
            "impact" => &mut self.impact,
            "my_part" => &mut self.my_part,
            "root_cause" => &mut self.root_cause,
            "what_i_did" => &mut self.what_i_did,
            "learned" => &mut self.learned,
            "will_change" => &mut self.will_change,
            _ => return None,
        })
    }

    /// Check the entry and bring it to its canonical form (trimmed title, normalised and sorted
    /// tags, timestamps to the second). Every backend calls this before writing.
    pub fn normalize(&mut self) -> Result<(), StoreError> {
        check_id("entry", self.id)?;
        self.title = self.title.trim().to_owned();
        if self.title.is_empty() {
            return Err(StoreError::Invalid("an entry needs a title".into()));
        }
        if let Some(s) = self.severity {
            if !(1..=5).contains(&s) {
                return Err(StoreError::Invalid(format!("severity must be 1 to 5, not {s}")));
            }
        }
        let mut tags = Vec::with_capacity(self.tags.len());
        for t in &self.tags {
            tags.push(normalize_tag(t)?);
        }
        tags.sort();
        tags.dedup();
        self.tags = tags;
        self.created = truncate(self.created);
        self.updated = truncate(self.updated);
        if let Some(f) = &mut self.follow_up {
            f.recorded = f.recorded.map(truncate);
        }
        Ok(())
    }
}

/// A story for interviews, usually grown from an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    #[serde(default)]
    pub id: Id,
    pub title: String,
    /// `star`, `star-l`, `four-part` or `arc`; `None` lets the analyzer infer it.
    #[serde(default)]
    pub framework: Option<String>,
    /// The story itself, in Markdown.
    pub body: String,
    /// The entry it came from; cleared if that entry is removed.
    #[serde(default)]
    pub entry_id: Option<Id>,
    /// Marked ready for the bank.
    #[serde(default)]
    pub ready: bool,
    /// Question ids the user says this story answers, whatever the analyzer thinks. Sorted.
    #[serde(default)]
    pub pinned: Vec<String>,
    /// Question ids the user says this story does not answer, whatever the analyzer thinks. Sorted.
    #[serde(default)]
    pub unpinned: Vec<String>,
    /// The analyzer's score when the body was last saved (a cache for listings).
    #[serde(default)]
    pub score: Option<u8>,
    pub created: Timestamp,
    pub updated: Timestamp,
}

impl Story {
    pub fn new(title: impl Into<String>, body: impl Into<String>, now: Timestamp) -> Story {
        let now = truncate(now);
        Story {
            id: 0,
            title: title.into(),
            framework: None,
            body: body.into(),
            entry_id: None,
            ready: false,
            pinned: Vec::new(),
            unpinned: Vec::new(),
            score: None,
            created: now,
            updated: now,
        }
    }

    /// Check the story and bring it to its canonical form. Every backend calls this before writing.
    pub fn normalize(&mut self) -> Result<(), StoreError> {
        check_id("story", self.id)?;
        self.title = self.title.trim().to_owned();
        if self.title.is_empty() {
            return Err(StoreError::Invalid("a story needs a title".into()));
        }
        if let Some(f) = &self.framework {
            let f = f.trim().to_ascii_lowercase();
            self.framework = (!f.is_empty()).then_some(f);
        }
        if self.score.is_some_and(|s| s > 100) {
            return Err(StoreError::Invalid("a score is 0 to 100".into()));
        }
        for list in [&mut self.pinned, &mut self.unpinned] {
            for q in list.iter_mut() {
                *q = normalize_tag(q)?;
            }
            list.sort();
            list.dedup();
        }
        if let Some(q) = self.pinned.iter().find(|q| self.unpinned.contains(q)) {
            return Err(StoreError::Invalid(format!("question `{q}` is both pinned and unpinned")));
        }
        self.created = truncate(self.created);
        self.updated = truncate(self.updated);
        Ok(())
    }
}

/// The five themes of the coaching model (section 4), each 0-100, as the analyzer scored them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThemeScores {
    pub ownership: u8,
    pub transparency: u8,
    pub learning: u8,
    pub resilience: u8,
    pub prevention: u8,
}

impl ThemeScores {
    /// The themes with their names, in the coaching model's order.
    pub fn iter(&self) -> [(&'static str, u8); 5] {
        [
            ("ownership", self.ownership),
            ("transparency", self.transparency),
            ("learning", self.learning),
            ("resilience", self.resilience),
            ("prevention", self.prevention),
        ]
    }

    /// Mutable access to a theme by name.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut u8> {
        Some(match name {
            "ownership" => &mut self.ownership,
            "transparency" => &mut self.transparency,
            "learning" => &mut self.learning,
            "resilience" => &mut self.resilience,
            "prevention" => &mut self.prevention,
            _ => return None,
        })
    }
}

/// One rehearsal of an answer to a common interview question (the practice loop, coaching model
/// section 7): what was said, how long it took, and what the analyzer made of it. Attempts are
/// records of what happened: they are added, listed and exported, never edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeAttempt {
    /// Assigned by the store; as for entries, a non-zero id is kept by `record_attempt`.
    #[serde(default)]
    pub id: Id,
    /// The question practised: a question id of the coaching model (`failed`, `missed-deadline`, ...).
    pub question: String,
    /// The story the answer told, when it was one of the bank's; cleared if that story is removed.
    #[serde(default)]
    pub story_id: Option<Id>,
    /// The answer, as typed or transcribed.
    pub answer: String,
    /// How long the answer took aloud, when it was timed.
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    /// Words in the answer.
    pub words: u32,
    /// The analyzer's score, 0-100.
    pub score: u8,
    pub themes: ThemeScores,
    pub created: Timestamp,
}

impl PracticeAttempt {
    /// An attempt at `question` with `answer`; everything else zero, `created` is `now`.
    pub fn new(question: impl Into<String>, answer: impl Into<String>, now: Timestamp) -> PracticeAttempt {
        PracticeAttempt {
            id: 0,
            question: question.into(),
            story_id: None,
            answer: answer.into(),
            duration_seconds: None,
            words: 0,
            score: 0,
            themes: ThemeScores::default(),
            created: truncate(now),
        }
    }

    /// Check the attempt and bring it to its canonical form. Every backend calls this before writing.
    pub fn normalize(&mut self) -> Result<(), StoreError> {
        check_id("practice attempt", self.id)?;
        self.question = normalize_tag(&self.question)
            .map_err(|_| StoreError::Invalid(format!("question `{}` is not a question id", self.question.trim())))?;
        if self.answer.trim().is_empty() {
            return Err(StoreError::Invalid("a practice attempt needs an answer".into()));
        }
        if self.score > 100 || self.themes.iter().iter().any(|&(_, v)| v > 100) {
            return Err(StoreError::Invalid("scores are 0 to 100".into()));
        }
        if self.story_id.is_some_and(|id| id <= 0) {
            self.story_id = None;
        }
        self.created = truncate(self.created);
        Ok(())
    }
}

/// A peer's review of a story (coaching model section 7, 004 exercise 2): the rubric filled in by
/// someone the story was shared with. Added and listed, never edited; removed with its story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// Assigned by the store; as for entries, a non-zero id is kept by `add_feedback`.
    #[serde(default)]
    pub id: Id,
    pub story_id: Id,
    /// Who reviewed it, as they signed the rubric (free text; may be empty).
    #[serde(default)]
    pub reviewer: String,
    /// How authentic the story feels, 1 to 5.
    #[serde(default)]
    pub authenticity: Option<u8>,
    /// How compelling the learning is, 1 to 5.
    #[serde(default)]
    pub learning: Option<u8>,
    /// Where to strengthen the story.
    #[serde(default)]
    pub strengthen: String,
    /// Anything else the reviewer wrote.
    #[serde(default)]
    pub comments: String,
    pub received: Timestamp,
}

impl Feedback {
    /// An empty review of story `story_id`, received `now`.
    pub fn new(story_id: Id, now: Timestamp) -> Feedback {
        Feedback {
            id: 0,
            story_id,
            reviewer: String::new(),
            authenticity: None,
            learning: None,
            strengthen: String::new(),
            comments: String::new(),
            received: truncate(now),
        }
    }

    /// Check the review and bring it to its canonical form. Every backend calls this before writing.
    pub fn normalize(&mut self) -> Result<(), StoreError> {
        check_id("feedback", self.id)?;
        if self.story_id <= 0 {
            return Err(StoreError::Invalid("feedback needs the story it is about".into()));
        }
        for (name, v) in [("authenticity", self.authenticity), ("learning", self.learning)] {
            if v.is_some_and(|v| !(1..=5).contains(&v)) {
                return Err(StoreError::Invalid(format!("{name} is rated 1 to 5")));
            }
        }
        self.reviewer = self.reviewer.trim().to_string();
        self.strengthen = self.strengthen.trim().to_string();
        self.comments = self.comments.trim().to_string();
        if self.authenticity.is_none()
            && self.learning.is_none()
            && self.strengthen.is_empty()
            && self.comments.is_empty()
        {
            return Err(StoreError::Invalid("the feedback is empty: no rating and no comment".into()));
        }
        self.received = truncate(self.received);
        Ok(())
    }
}

/// Which practice attempts to list. Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    /// Only attempts at this question.
    pub question: Option<String>,
    /// Only attempts that told this story.
    pub story_id: Option<Id>,
    /// Made at or after this instant.
    pub since: Option<Timestamp>,
    /// Made before this instant (a half-open range: a quarter is `[start, next start)`).
    pub until: Option<Timestamp>,
}

/// What the analyzer concluded about a story's text: the bank's cache, so that it need not
/// analyse every ready story on every run. `key` names the text and the rules that produced the
/// analysis (the caller hashes them); an analysis whose key is not the current one is stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryAnalysis {
    pub key: String,
    pub score: u8,
    /// `technical`, `leadership` or `communication` (as the analyzer names them).
    pub category: String,
    /// The question ids the story fits, sorted.
    pub fits: Vec<String>,
}

/// A tag in its stored form: trimmed, lower-case, a leading `#` or `@` dropped; letters, digits,
/// `-`, `_`, `.` and `/` only.
pub fn normalize_tag(tag: &str) -> Result<String, StoreError> {
    let t = tag.trim().trim_start_matches(['#', '@']).to_lowercase();
    if t.is_empty() || !t.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')) {
        return Err(StoreError::Invalid(format!(
            "tag `{}`: use letters, digits, `-`, `_`, `.` or `/` (no spaces)",
            tag.trim()
        )));
    }
    Ok(t)
}

/// Timestamps are kept to the second, so every backend and every export round-trips them exactly.
pub fn truncate(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

/// Which entries to list. Every condition given must hold; `tags` must all be present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    pub tags: Vec<String>,
    pub category: Option<Category>,
    /// Happened on or after.
    pub since: Option<Date>,
    /// Happened on or before.
    pub until: Option<Date>,
    /// Full-text search over the title, the text fields and the tags: every word must occur
    /// (as a word prefix), in any field.
    pub search: Option<String>,
    pub limit: Option<usize>,
}

/// Which stories to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryFilter {
    pub ready: Option<bool>,
    pub entry_id: Option<Id>,
}

/// Everything a store holds, as exported and imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub entries: Vec<Entry>,
    pub stories: Vec<Story>,
    /// Older exports have none.
    #[serde(default)]
    pub attempts: Vec<PracticeAttempt>,
    /// Peer reviews of the stories. Older exports have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<Feedback>,
}

impl Bundle {
    /// How many records: entries, stories, attempts and feedback.
    pub fn len(&self) -> usize {
        self.entries.len() + self.stories.len() + self.attempts.len() + self.feedback.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub entries_added: usize,
    /// Already present, identical: skipped, which makes importing the same file twice harmless.
    pub entries_unchanged: usize,
    /// Their id was taken by a different entry: added under a new id (stories follow them).
    pub entries_renumbered: usize,
    pub stories_added: usize,
    pub stories_unchanged: usize,
    pub stories_renumbered: usize,
    pub attempts_added: usize,
    pub attempts_unchanged: usize,
    pub attempts_renumbered: usize,
    pub feedback_added: usize,
    pub feedback_unchanged: usize,
    pub feedback_renumbered: usize,
}
