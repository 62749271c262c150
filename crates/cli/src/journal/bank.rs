//! `starl bank`: the story bank at a glance (coaching model, section 6).

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use starl_store::{Category, EntryFilter, Id, StoryFilter};

use super::story::Analyzers;
use super::{clip, print_json, DbArgs, ListFormat, StoreResult};
use crate::settings::ConfigArgs;

/// A ready story answering more questions alone than this is stretched too thin.
const STRETCH: usize = 2;

/// The seeds' "stories to prepare", each with the question that proves it covered.
const CHECKLIST: &[(&str, &str)] = &[
    ("failed", "a genuine failure where you were responsible"),
    ("project-not-as-planned", "a project that didn't achieve its goals"),
    ("mistake-affected-others", "a mistake that affected others"),
    ("negative-feedback", "receiving and acting on critical feedback"),
    ("admitted-wrong", "changing your mind when proven wrong"),
];

/// Your story bank: the common interview questions against your ready stories.
///
/// Shows which ready stories answer each question (the analyzer's fit, plus your pins and
/// unpins), how the technical, leadership and communication categories are covered, the seeds'
/// checklist of stories to prepare, a story stretched across too many questions, ready stories
/// below the score threshold, and one suggestion of what to write next. A story counts when it is
/// ready and scores at least the threshold.
///
/// Each story's analysis is kept in the database under a hash of its text and the rules, so a
/// story is analysed again only when it or the rules (starl, starl.toml, rule files) change.
#[derive(Debug, clap::Args)]
pub struct BankArgs {
    /// The score a ready story needs to count (default: `[bank] threshold` in starl.toml, else 70).
    #[arg(long, value_name = "SCORE", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub threshold: Option<u8>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Serialize)]
struct BankStory {
    id: Id,
    title: String,
    score: u8,
    category: String,
    answers: Vec<String>,
    counts: bool,
}

#[derive(Debug, Serialize)]
struct QuestionRow {
    id: String,
    question: String,
    stories: Vec<Id>,
}

#[derive(Debug, Serialize)]
struct CheckItem {
    question: String,
    what: String,
    done: bool,
}

#[derive(Debug, Serialize)]
struct Bank {
    threshold: u8,
    stories: Vec<BankStory>,
    questions: Vec<QuestionRow>,
    categories: Vec<(String, usize)>,
    checklist: Vec<CheckItem>,
    stretched: Vec<Id>,
    below_threshold: Vec<Id>,
    suggestion: String,
}

pub fn bank(a: &BankArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let ready = store.stories(&StoryFilter { ready: Some(true), ..Default::default() }).or_user()?;
    let mut analyzers = Analyzers::new(&a.config)?;
    let threshold = a.threshold.unwrap_or_else(|| analyzers.config().bank_threshold());
    let questions: Vec<(String, String)> =
        analyzers.get(None)?.rules().questions.iter().map(|q| (q.id.clone(), q.text.clone())).collect();
    // Analyses from the cache where the story and the rules are unchanged; the others anew, on
    // every core, and kept for next time.
    let cached = if ready.is_empty() { Default::default() } else { store.story_analyses().or_user()? };
    let mut analyses = Vec::with_capacity(ready.len());
    let mut stale = Vec::new();
    for s in &ready {
        let key = analyzers.analysis_key(s)?;
        match cached.get(&s.id) {
            Some(c) if c.key == key => analyses.push(Some(c.clone())),
            _ => {
                analyses.push(None);
                stale.push(s);
            }
        }
    }
    let reports = analyzers.analyze_all(&stale)?;
    let mut fresh = Vec::with_capacity(stale.len());
    for (s, report) in stale.iter().zip(&reports) {
        fresh.push((s.id, analyzers.summary(s, report)?));
    }
    let mut from_fresh = fresh.iter().map(|(_, a)| a.clone());
    let mut stories = Vec::new();
    for (s, analysis) in ready.iter().zip(analyses) {
        let r = match analysis {
            Some(a) => a,
            None => from_fresh.next().expect("one fresh analysis per stale story"),
        };
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
    if !fresh.is_empty() {
        // Only a cache: a database this user may not write still shows its bank.
        let _ = store.save_story_analyses(&fresh);
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
    let with_story: BTreeSet<Id> =
        store.stories(&StoryFilter::default()).or_user()?.iter().filter_map(|s| s.entry_id).collect();
    let candidate = {
        let cat = missing_cat.as_deref().and_then(|c| c.parse::<Category>().ok());
        let mut list =
            store.entries(&EntryFilter { category: cat, limit: Some(200), ..Default::default() }).or_user()?;
        list.retain(|e| !with_story.contains(&e.id));
        list.sort_by_key(|e| std::cmp::Reverse(e.severity.unwrap_or(0)));
        list.into_iter().next()
    };
    let suggestion = if let Some(&id) = below_threshold.first() {
        let s = stories.iter().find(|s| s.id == id).expect("listed");
        format!(
            "Strengthen story {id} \"{}\" (score {} < {}): `starl story lint {id}`, then `starl story edit {id}`.",
            clip(&s.title, 40),
            s.score,
            threshold
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

    let bank =
        Bank { threshold, stories, questions: rows, categories, checklist, stretched, below_threshold, suggestion };
    match a.format {
        ListFormat::Json => print_json(&bank)?,
        ListFormat::Table => print_bank(&bank)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_bank(b: &Bank) -> Result<()> {
    let mut o = std::io::stdout().lock();
    let title = |id: Id| b.stories.iter().find(|s| s.id == id).map_or(String::new(), |s| clip(&s.title, 30));
    writeln!(o, "Questions (ready stories scoring {}+)", b.threshold)?;
    for q in &b.questions {
        let answer = if q.stories.is_empty() {
            "-- none --".to_owned()
        } else {
            q.stories.iter().map(|&id| format!("#{id} {}", title(id))).collect::<Vec<_>>().join("; ")
        };
        writeln!(o, "  {:<24} {answer}", q.id)?;
    }
    writeln!(o, "\nCategories")?;
    for (c, n) in &b.categories {
        writeln!(o, "  {:<14} {n} {}", c, if *n == 0 { "<- missing" } else { "" })?;
    }
    writeln!(o, "\nStories to prepare")?;
    for c in &b.checklist {
        writeln!(o, "  [{}] {}", if c.done { "x" } else { " " }, c.what)?;
    }
    for &id in &b.stretched {
        writeln!(o, "\nStretched: #{id} {} is the only answer to more than {STRETCH} questions", title(id))?;
    }
    if !b.below_threshold.is_empty() {
        writeln!(o, "\nReady but below {}:", b.threshold)?;
        for &id in &b.below_threshold {
            let s = b.stories.iter().find(|s| s.id == id).expect("listed");
            writeln!(o, "  #{id} {} (score {})", clip(&s.title, 40), s.score)?;
        }
    }
    if b.stories.is_empty() {
        writeln!(o, "\nNo ready stories yet: `starl story ready ID` marks one.")?;
    }
    writeln!(o, "\nNext: {}", b.suggestion)?;
    Ok(())
}
