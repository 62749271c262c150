//! `starl story new | list | show | edit | lint | rm | ready | pin | unpin`.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use starl_analyzer::{Analyzer, Report, Severity};
use starl_config::{Fnv, Overrides};
use starl_store::{Entry, FollowUpStatus, Id, Store, Story, StoryAnalysis, StoryFilter};

use super::editor::{edit_until_valid, Edited};
use super::entries::confirm;
use super::format::{story_from_markdown, story_to_markdown};
use super::{clip, now, print_json, DbArgs, ListFormat, StoreResult};
use crate::settings::{self, ConfigArgs};

#[derive(Debug, clap::Subcommand)]
pub enum StoryCommand {
    New(NewArgs),
    List(ListArgs),
    Show(IdArgs),
    Edit(IdArgs),
    Lint(LintArgs),
    Rm(RmArgs),
    Ready(ReadyArgs),
    Pin(PinArgs),
    Unpin(PinArgs),
}

/// Write a story for interviews, from a journal entry or a file.
///
/// With --from-file, the story is read from a Markdown file (front matter optional). With
/// --from ENTRY on a terminal (or with --wizard), a wizard goes through the framework's parts
/// one at a time, with the seeds' guidance for each, pre-filled from the entry, and the
/// analyzer's feedback after each part and on the whole story. Without a terminal, --from saves
/// the pre-filled draft for you to `starl story edit`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
EXAMPLES:
  starl story new --from 12 --framework star-l
  starl story new --from-file stories/migration.md --from 12")]
pub struct NewArgs {
    /// The journal entry the story comes from.
    #[arg(long, value_name = "ENTRY")]
    pub from: Option<Id>,
    /// star, star-l, four-part or arc [default: star-l, or inferred for --from-file].
    #[arg(long)]
    pub framework: Option<String>,
    /// Read the story from this Markdown file (- for standard input).
    #[arg(long, value_name = "PATH")]
    pub from_file: Option<PathBuf>,
    /// The story's title [default: the entry's title].
    #[arg(long)]
    pub title: Option<String>,
    /// Run the part-by-part wizard even without a terminal (answers from standard input).
    #[arg(long, conflicts_with = "from_file")]
    pub wizard: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

/// List stories with their score, readiness and the entry they came from.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only stories marked ready.
    #[arg(long)]
    pub ready: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    #[command(flatten)]
    pub db: DbArgs,
}

/// A story by id.
#[derive(Debug, clap::Args)]
pub struct IdArgs {
    pub id: Id,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Check a story with the analyzer, as `starl lint` does a file.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    pub id: Id,
    #[arg(long, value_enum, default_value_t = crate::render::Format::Human)]
    pub format: crate::render::Format,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Remove a story (asks first).
#[derive(Debug, clap::Args)]
pub struct RmArgs {
    pub id: Id,
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Mark a story ready for the bank (or, with --not, no longer ready).
#[derive(Debug, clap::Args)]
pub struct ReadyArgs {
    pub id: Id,
    #[arg(long)]
    pub not: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Say a story answers (pin) or does not answer (unpin) a question, whatever the analyzer thinks.
#[derive(Debug, clap::Args)]
pub struct PinArgs {
    pub id: Id,
    /// A question id: failed, mistake-affected-others, project-not-as-planned,
    /// negative-feedback, admitted-wrong, missed-deadline, didnt-scale.
    pub question: String,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(c: StoryCommand) -> Result<ExitCode> {
    match c {
        StoryCommand::New(a) => new(&a),
        StoryCommand::List(a) => list(&a),
        StoryCommand::Show(a) => show(&a),
        StoryCommand::Edit(a) => edit(&a),
        StoryCommand::Lint(a) => lint(&a),
        StoryCommand::Rm(a) => rm(&a),
        StoryCommand::Ready(a) => {
            let s = a.db.open()?.set_ready(a.id, !a.not).or_user()?;
            println!("story {} is {}ready: {}", s.id, if s.ready { "" } else { "not " }, s.title);
            Ok(ExitCode::SUCCESS)
        }
        StoryCommand::Pin(a) | StoryCommand::Unpin(a) if !is_question(&a.question) => {
            let all: Vec<_> = starl_config::builtin_rules().questions.iter().map(|q| q.id.clone()).collect();
            bail!("unknown question `{}` (questions: {})", a.question, all.join(", "))
        }
        StoryCommand::Pin(a) => {
            let s = a.db.open()?.pin(a.id, &a.question).or_user()?;
            println!("story {} pinned to `{}`", s.id, a.question);
            Ok(ExitCode::SUCCESS)
        }
        StoryCommand::Unpin(a) => {
            let s = a.db.open()?.unpin(a.id, &a.question).or_user()?;
            println!("story {} unpinned from `{}`", s.id, a.question);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn is_question(id: &str) -> bool {
    starl_config::builtin_rules().questions.iter().any(|q| q.id == id)
}

/// Analyzers by framework (building one compiles the rules: do it once per framework).
pub struct Analyzers {
    config: starl_config::Config,
    by_framework: HashMap<Option<String>, Analyzer>,
    rules_key: Option<u64>,
}

impl Analyzers {
    /// The configuration the analyzers are built from.
    pub fn config(&self) -> &starl_config::Config {
        &self.config
    }

    pub fn new(config: &ConfigArgs) -> Result<Analyzers> {
        Ok(Analyzers { config: config.load()?, by_framework: HashMap::new(), rules_key: None })
    }

    /// A hash of everything besides a story's text that decides its analysis: the key of the
    /// compiled rule set (this version and build of starl, the built-in rules, the
    /// configuration's rule files; see [`starl_config::rules_key`]) and the options.
    fn rules_key(&mut self) -> Result<u64> {
        if let Some(k) = self.rules_key {
            return Ok(k);
        }
        let mut h = Fnv::new();
        h.add(&starl_config::rules_key(&self.config.rule_sources()?).to_le_bytes())
            .add(format!("{:?}", self.config.options(&Overrides::default())).as_bytes());
        self.rules_key = Some(h.finish());
        Ok(h.finish())
    }

    /// The cache key of a story's analysis: its framework and text under these rules.
    pub fn analysis_key(&mut self, s: &Story) -> Result<String> {
        let rules = self.rules_key()?;
        let mut h = Fnv::new();
        h.add(&rules.to_le_bytes()).add(s.framework.as_deref().unwrap_or("").as_bytes()).add(s.body.as_bytes());
        Ok(format!("{:016x}", h.finish()))
    }

    /// What the bank keeps of a report, under the story's key.
    pub fn summary(&mut self, s: &Story, r: &Report) -> Result<StoryAnalysis> {
        let mut fits = r.fits.clone();
        fits.sort();
        Ok(StoryAnalysis { key: self.analysis_key(s)?, score: r.score, category: r.category.clone(), fits })
    }

    /// Keep a fresh analysis for the bank. Only a cache: failing to write it is not an error.
    pub fn remember(&mut self, store: &mut dyn Store, s: &Story, r: &Report) {
        if let Ok(a) = self.summary(s, r) {
            let _ = store.save_story_analyses(&[(s.id, a)]);
        }
    }

    pub fn get(&mut self, framework: Option<&str>) -> Result<&Analyzer> {
        let key = framework.map(str::to_owned);
        if !self.by_framework.contains_key(&key) {
            let a = settings::analyzer(&self.config, &Overrides { framework: key.clone(), ..Overrides::default() })?;
            self.by_framework.insert(key.clone(), a);
        }
        Ok(&self.by_framework[&key])
    }

    pub fn analyze(&mut self, s: &Story) -> Result<Report> {
        Ok(self.get(s.framework.as_deref())?.analyze(&s.body))
    }

    /// Analyse many stories on every core (the analyzer is `Sync`); reports in order.
    pub fn analyze_all(&mut self, stories: &[&Story]) -> Result<Vec<Report>> {
        for s in stories {
            self.get(s.framework.as_deref())?;
        }
        let by_framework = &self.by_framework;
        let analyze = |s: &Story| by_framework[&s.framework].analyze(&s.body);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(stories.len() / 8).max(1);
        if threads == 1 {
            return Ok(stories.iter().map(|s| analyze(s)).collect());
        }
        let chunk = stories.len().div_ceil(threads);
        let reports = std::thread::scope(|scope| {
            let handles: Vec<_> = stories
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(|s| analyze(s)).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("the analyzer never panics")).collect()
        });
        Ok(reports)
    }
}

/// The seeds' guidance for each part of a story.
fn guidance(part: &str) -> &'static str {
    match part {
        "situation" | "context" => "Set the scene in two or three sentences: the project, the stakes, the date.",
        "task" | "role" => "Your responsibility: what was yours to get right. Say \"I\", not \"we\".",
        "action" | "response" => {
            "What you did when it went wrong: who you told and how fast, what you fixed. Own it without excuses."
        }
        "result" | "outcome" => {
            "The outcome with numbers (minutes, users, money), and what happened since. Don't minimise."
        }
        "what-went-wrong" | "failure" => "What went wrong and your part in it, plainly: \"I was wrong\", not \"mistakes were made\".",
        "learning" => {
            "A specific lesson and the change it made, with evidence it stuck (\"since then, I ...\"), not \"I learned a lot\"."
        }
        _ => "",
    }
}

/// What an entry offers for a part.
fn prefill(part: &str, e: &Entry) -> String {
    let evidence = e
        .follow_up
        .as_ref()
        .filter(|f| f.status == FollowUpStatus::Held && !f.evidence.is_empty())
        .map(|f| format!("Since then: {}", f.evidence));
    let fields: Vec<Option<String>> = match part {
        "situation" | "context" => vec![Some(e.what_happened.clone())],
        "task" | "role" => vec![Some(e.my_part.clone())],
        "action" | "response" => vec![Some(e.what_i_did.clone())],
        "result" => vec![Some(e.impact.clone())],
        "what-went-wrong" | "failure" => vec![Some(e.root_cause.clone()), Some(e.impact.clone())],
        "learning" => vec![Some(e.learned.clone()), Some(e.will_change.clone()), evidence],
        "outcome" => vec![Some(e.impact.clone()), evidence],
        _ => vec![],
    };
    fields.into_iter().flatten().filter(|t| !t.trim().is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// The parts of a framework: `(id, name)`.
fn parts(analyzer: &Analyzer, framework: &str) -> Result<Vec<(String, String)>> {
    let rules = analyzer.rules();
    let Some(f) = rules.framework(framework) else {
        let all: Vec<_> = rules.frameworks.iter().map(|f| f.id.as_str()).collect();
        bail!("unknown framework `{framework}` (expected one of: {})", all.join(", "))
    };
    Ok(f.parts.iter().map(|&p| (rules.parts[p as usize].id.clone(), rules.parts[p as usize].name.clone())).collect())
}

fn assemble(parts: &[(String, String, String)]) -> String {
    let mut body = String::new();
    for (_, name, text) in parts {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&format!("## {name}\n{}\n", text.trim()));
    }
    body
}

fn feedback(report: &Report, only_part: Option<&str>) {
    let mut err = std::io::stderr().lock();
    let mut any = false;
    for d in &report.diagnostics {
        if only_part.is_some() && d.start.is_none() {
            continue; // story-level findings wait for the whole story
        }
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let quote = d.excerpt.as_deref().map(|x| format!(" \"{}\"", clip(x, 50))).unwrap_or_default();
        let _ = writeln!(err, "  {sev}[{}]{quote}: {}", d.rule, d.message);
        let _ = writeln!(err, "    help: {}", d.help);
        any = true;
    }
    for s in &report.strengths {
        let _ = writeln!(err, "  strength[{}]: \"{}\"", s.rule, clip(&s.excerpt, 60));
        any = true;
    }
    if !any {
        let _ = writeln!(err, "  nothing to flag");
    }
}

/// The wizard: one part at a time on standard input.
fn wizard(analyzer: &Analyzer, framework: &str, entry: Option<&Entry>) -> Result<String> {
    let parts = parts(analyzer, framework)?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut done: Vec<(String, String, String)> = Vec::new();
    let mut err = std::io::stderr();
    for (id, name) in &parts {
        let pre = entry.map(|e| prefill(id, e)).unwrap_or_default();
        writeln!(err, "\n== {name} ==\n{}", guidance(id))?;
        if !pre.is_empty() {
            writeln!(err, "From the entry:\n{}", indent(&pre))?;
            writeln!(err, "Type the part (end with an empty line); an empty line keeps the text above.")?;
        } else {
            writeln!(err, "Type the part (end with an empty line).")?;
        }
        let mut text = String::new();
        for line in lines.by_ref() {
            let line = line.context("cannot read standard input")?;
            if line.trim().is_empty() {
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
        let text = if text.trim().is_empty() { pre } else { text };
        done.push((id.clone(), name.clone(), text));
        let report = analyzer.analyze(&assemble(&done));
        // Feedback on this part: findings whose span is in it.
        let body = assemble(&done);
        let start = body.rfind(&format!("## {name}\n")).unwrap_or(0);
        let mut part_report = report.clone();
        part_report.diagnostics.retain(|d| d.start.is_some_and(|s| s >= start));
        part_report.strengths.retain(|s| s.start >= start);
        writeln!(err, "Feedback on {name}:")?;
        feedback(&part_report, Some(id));
    }
    Ok(assemble(&done))
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
}

fn new(a: &NewArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let entry = a.from.map(|id| store.entry(id)).transpose().or_user()?;
    let mut analyzers = Analyzers::new(&a.config)?;
    let now = now();
    let mut story = Story::new("", "", now);
    story.entry_id = entry.as_ref().map(|e| e.id);
    if let Some(path) = &a.from_file {
        let text = if path.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
            s
        } else {
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
        };
        story = story_from_markdown(&text, &story)
            .map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.line, e.message))?;
        story.id = 0;
        story.created = now;
        story.updated = now;
        if entry.is_some() {
            story.entry_id = entry.as_ref().map(|e| e.id);
        }
        if a.framework.is_some() {
            story.framework = a.framework.clone();
        }
    } else {
        let framework = a.framework.clone().unwrap_or_else(|| "star-l".to_owned());
        let analyzer = analyzers.get(Some(&framework))?;
        let body = if a.wizard || std::io::stdin().is_terminal() {
            wizard(analyzer, &framework, entry.as_ref())?
        } else {
            let Some(e) = &entry else {
                bail!("give --from ENTRY, --from-file PATH, or run on a terminal for the wizard");
            };
            let ps = parts(analyzer, &framework)?;
            assemble(&ps.into_iter().map(|(id, name)| (id.clone(), name, prefill(&id, e))).collect::<Vec<_>>())
        };
        story.body = body;
        story.framework = Some(framework);
    }
    if let Some(t) = &a.title {
        story.title = t.clone();
    }
    if story.title.trim().is_empty() {
        story.title = entry.as_ref().map(|e| e.title.clone()).unwrap_or_else(|| "Untitled story".to_owned());
    }
    let report = analyzers.analyze(&story)?;
    story.score = Some(report.score);
    let s = store.create_story(&story).or_user()?;
    analyzers.remember(store.as_mut(), &s, &report);
    eprintln!("\nThe whole story:");
    feedback(&report, None);
    println!("saved story {}: {} (score {}; fits: {})", s.id, s.title, report.score, fits_text(&report.fits));
    Ok(ExitCode::SUCCESS)
}

fn fits_text(fits: &[String]) -> String {
    if fits.is_empty() {
        "none yet".to_owned()
    } else {
        fits.join(", ")
    }
}

fn list(a: &ListArgs) -> Result<ExitCode> {
    let stories =
        a.db.open()?.stories(&StoryFilter { ready: a.ready.then_some(true), ..Default::default() }).or_user()?;
    match a.format {
        ListFormat::Json => print_json(&stories)?,
        ListFormat::Table if stories.is_empty() => crate::report_note("no stories (start one with `starl story new`)"),
        ListFormat::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{:>5}  {:>5}  {:<5}  {:<9}  {:>5}  TITLE", "ID", "SCORE", "READY", "FRAMEWORK", "ENTRY")?;
            for s in &stories {
                writeln!(
                    out,
                    "{:>5}  {:>5}  {:<5}  {:<9}  {:>5}  {}",
                    s.id,
                    s.score.map_or("-".into(), |v| v.to_string()),
                    if s.ready { "yes" } else { "no" },
                    s.framework.as_deref().unwrap_or("-"),
                    s.entry_id.map_or("-".into(), |v| v.to_string()),
                    clip(&s.title, 50)
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(a: &IdArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let s = store.story(a.id).or_user()?;
    print!("{}", story_to_markdown(&s));
    // Peer feedback (`starl feedback`), after the story.
    let feedback = store.feedback(s.id).or_user()?;
    print!("{}", starl_coach::packet::feedback_markdown(&feedback, &jiff::tz::TimeZone::system()));
    Ok(ExitCode::SUCCESS)
}

fn edit(a: &IdArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let original = store.story(a.id).or_user()?;
    let text = story_to_markdown(&original);
    let (edited, scratch) =
        edit_until_valid("story", &text, |t| t.trim().is_empty(), |t| story_from_markdown(t, &original))?;
    let Edited::Done(mut s) = edited else {
        crate::report_note(&format!("story {} unchanged", a.id));
        return Ok(ExitCode::SUCCESS);
    };
    s.id = original.id;
    s.created = original.created;
    s.updated = now();
    let mut analyzers = Analyzers::new(&a.config)?;
    let report = analyzers.analyze(&s)?;
    s.score = Some(report.score);
    match store.update_story(&s).or_user() {
        Ok(s) => {
            analyzers.remember(store.as_mut(), &s, &report);
            drop(scratch);
            println!("updated story {}: {} (score {})", s.id, s.title, report.score);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let kept = scratch.keep();
            bail!("{e:#}; your text is kept in {}", kept.display())
        }
    }
}

fn lint(a: &LintArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let s = store.story(a.id).or_user()?;
    let mut analyzers = Analyzers::new(&a.config)?;
    let analyzer = analyzers.get(s.framework.as_deref())?;
    let report = analyzer.analyze(&s.body);
    let name = format!("story {}", s.id);
    let mut printer = crate::render::printer(a.format, crate::render::Detail::default());
    printer.begin()?;
    printer.story(&crate::render::Story { name: &name, text: &s.body, report: &report, analyzer })?;
    let count = |sev| report.diagnostics.iter().filter(|d| d.severity == sev).count();
    let tally = crate::lint::Tally {
        stories: 1,
        unreadable: 0,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
    };
    printer.finish(&tally)?;
    analyzers.remember(store.as_mut(), &s, &report);
    if s.score != Some(report.score) {
        // Keep the cached score in step with the rules.
        let mut updated = s.clone();
        updated.score = Some(report.score);
        let _ = store.update_story(&updated);
    }
    Ok(if tally.errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn rm(a: &RmArgs) -> Result<ExitCode> {
    let mut store: Box<dyn Store> = a.db.open()?;
    let s = store.story(a.id).or_user()?;
    if !a.yes && !confirm(&format!("remove story {}: {}?", s.id, s.title))? {
        crate::report_note("nothing removed");
        return Ok(ExitCode::from(1));
    }
    store.delete_story(a.id).or_user()?;
    println!("removed story {}: {}", s.id, s.title);
    Ok(ExitCode::SUCCESS)
}
