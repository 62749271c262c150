//! `starl bank`: the story bank at a glance (coaching model, section 6).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use starl_store::{Id, StoryFilter};
use starl_web::bank::{Bank, STRETCH};

use super::story::Analyzers;
use super::{clip, print_json, DbArgs, ListFormat, StoreResult};
use crate::settings::ConfigArgs;

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
    let analyses: Vec<_> = analyses
        .into_iter()
        .map(|a| a.unwrap_or_else(|| from_fresh.next().expect("one fresh analysis per stale story")))
        .collect();
    if !fresh.is_empty() {
        // Only a cache: a database this user may not write still shows its bank.
        let _ = store.save_story_analyses(&fresh);
    }
    let bank = starl_web::bank::compute(&mut *store, threshold, &questions, &ready, analyses).or_user()?;
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
