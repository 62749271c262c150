//! The story bank at a glance (coaching model, section 6): the computation shared by `starl bank`
//! and the web app's bank page and `GET /api/bank`.
//!
//! The caller analyses the ready stories (the CLI through its analysis cache, the server
//! directly) and hands the results to [`compute`], which builds the coverage matrix, the
//! categories, the seeds' checklist, the stretched and weak stories and one suggestion of what to
//! write next. Only the suggestion's candidate entry is read from the store.

use std::collections::BTreeSet;

use serde::Serialize;
use starl_store::{Category, EntryFilter, Id, Store, StoreError, Story, StoryAnalysis, StoryFilter};

/// A ready story answering more questions alone than this is stretched too thin.
pub const STRETCH: usize = 2;

/// The seeds' "stories to prepare", each with the question that proves it covered.
pub const CHECKLIST: &[(&str, &str)] = &[
    ("failed", "a genuine failure where you were responsible"),
    ("project-not-as-planned", "a project that didn't achieve its goals"),
    ("mistake-affected-others", "a mistake that affected others"),
    ("negative-feedback", "receiving and acting on critical feedback"),
    ("admitted-wrong", "changing your mind when proven wrong"),
];

/// A ready story as the bank sees it.
#[derive(Debug, Clone, Serialize)]
pub struct BankStory {
    pub id: Id,
    pub title: String,
    pub score: u8,
    pub category: String,
    /// The questions it answers: the analyzer's fits plus pins, minus unpins.
    pub answers: Vec<String>,
    /// Whether it scores at least the threshold.
    pub counts: bool,
}

/// One common question and the counting stories that answer it.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionRow {
    pub id: String,
    pub question: String,
    pub stories: Vec<Id>,
}

/// One item of the seeds' checklist.
#[derive(Debug, Clone, Serialize)]
pub struct CheckItem {
    pub question: String,
    pub what: String,
    pub done: bool,
}

/// The whole bank, as `starl bank --format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Bank {
    pub threshold: u8,
    pub stories: Vec<BankStory>,
    pub questions: Vec<QuestionRow>,
    pub categories: Vec<(String, usize)>,
    pub checklist: Vec<CheckItem>,
    pub stretched: Vec<Id>,
    pub below_threshold: Vec<Id>,
    pub suggestion: String,
}

/// Build the bank from the ready stories and their analyses (in the same order), the common
/// questions `(id, text)` and the threshold. Reads the store only for the suggestion's candidate
/// entry (the most severe entry with no story yet, of a missing category if one is).
pub fn compute(
    store: &mut dyn Store,
    threshold: u8,
    questions: &[(String, String)],
    ready: &[Story],
    analyses: Vec<StoryAnalysis>,
) -> Result<Bank, StoreError> {
    let mut stories = Vec::with_capacity(ready.len());
    for (s, r) in ready.iter().zip(analyses) {
        let mut answers: BTreeSet<String> = r.fits.into_iter().collect();
        answers.extend(s.pinned.iter().cloned());
        for u in &s.unpinned {
            answers.remove(u);
        }
        stories.push(BankStory {
            id: s.id,
            title: s.title.clone(),
            score: r.score,
            category: r.category,
            answers: answers.into_iter().collect(),
            counts: r.score >= threshold,
        });
    }
    let counting = || stories.iter().filter(|s| s.counts);
    let rows: Vec<QuestionRow> = questions
        .iter()
        .map(|(id, text)| QuestionRow {
            id: id.clone(),
            question: text.clone(),
            stories: counting().filter(|s| s.answers.contains(id)).map(|s| s.id).collect(),
        })
        .collect();
    let categories: Vec<(String, usize)> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), counting().filter(|s| s.category == c.as_str()).count()))
        .collect();
    let checklist: Vec<CheckItem> = CHECKLIST
        .iter()
        .map(|(q, what)| CheckItem {
            question: q.to_string(),
            what: what.to_string(),
            done: rows.iter().any(|r| r.id == *q && !r.stories.is_empty()),
        })
        .collect();
    let stretched: Vec<Id> =
        counting().filter(|s| rows.iter().filter(|r| r.stories == [s.id]).count() > STRETCH).map(|s| s.id).collect();
    let below_threshold: Vec<Id> = stories.iter().filter(|s| !s.counts).map(|s| s.id).collect();

    // One concrete suggestion.
    let missing_cat = categories.iter().find(|(_, n)| *n == 0).map(|(c, _)| c.clone());
    let missing_item = checklist.iter().find(|c| !c.done);
    let with_story: BTreeSet<Id> = store.stories(&StoryFilter::default())?.iter().filter_map(|s| s.entry_id).collect();
    let candidate = {
        let cat = missing_cat.as_deref().and_then(|c| c.parse::<Category>().ok());
        let mut list = store.entries(&EntryFilter { category: cat, limit: Some(200), ..Default::default() })?;
        list.retain(|e| !with_story.contains(&e.id));
        list.sort_by_key(|e| std::cmp::Reverse(e.severity.unwrap_or(0)));
        list.into_iter().next()
    };
    let suggestion = if let Some(s) = below_threshold.first().and_then(|&id| stories.iter().find(|s| s.id == id)) {
        format!(
            "Strengthen story {id} \"{}\" (score {} < {}): `starl story lint {id}`, then `starl story edit {id}`.",
            clip(&s.title, 40),
            s.score,
            threshold,
            id = s.id
        )
    } else if let Some(item) = missing_item {
        let cat = missing_cat.as_ref().map(|c| format!(", ideally a {c} one")).unwrap_or_default();
        match &candidate {
            Some(e) => format!(
                "Write a story about {}{cat}: entry {} \"{}\" could be it: `starl story new --from {}`.",
                item.what,
                e.id,
                clip(&e.title, 40),
                e.id
            ),
            None => format!(
                "Write a story about {}{cat}: log it with `starl log`, then `starl story new --from ID`.",
                item.what
            ),
        }
    } else if let Some(c) = &missing_cat {
        format!("Add a {c} story: your ready stories cover the questions but no {c} failure.")
    } else if let Some(&id) = stretched.first() {
        format!("Story {id} is the only answer to too many questions: prepare a second story for some of them.")
    } else {
        "Your bank covers the checklist and all three categories: practise them aloud, three minutes each.".to_owned()
    };

    Ok(Bank { threshold, stories, questions: rows, categories, checklist, stretched, below_threshold, suggestion })
}

/// Cut `s` to `width` characters, with an ellipsis (as the CLI's listings do).
fn clip(s: &str, width: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= width {
        one
    } else {
        let mut c: String = one.chars().take(width.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}
