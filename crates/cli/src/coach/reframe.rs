//! `starl reframe`: 004's failureToStrength walk, weakness -> learning -> improvement.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use jiff::civil::Date;
use serde::Serialize;
use starl_analyzer::{Analyzer, Severity};
use starl_coach::reframe::{self as coach, Answers, Reframe, Scenario, StepCheck};
use starl_config::Overrides;
use starl_store::DEFAULT_FOLLOW_UP_DAYS;

use super::read_input;
use crate::journal::{now, parse_date, print_json, today, DbArgs, StoreResult};
use crate::settings::{self, ConfigArgs};

/// Reframe a failure as a strength: weakness, then learning, then improvement (004).
///
/// Pick one of 004's scenarios: a feature you shipped with a major bug (shipped-bug), a deadline
/// you missed (missed-deadline), a solution that didn't scale (didnt-scale). On a terminal,
/// starl asks for each step in turn and checks your answer with the analyzer before the next;
/// otherwise give the answers with --weakness, --learning and --improvement, or in a file with
/// `## Weakness`, `## Learning` and `## Improvement` sections. The result is saved as a journal
/// entry (with a follow-up on the improvement) or a story draft to finish with `starl story edit`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl reframe                                      Choose a scenario, then answer step by step
  starl reframe --scenario missed-deadline --save story
  starl reframe --scenario shipped-bug --weakness 'I skipped the load test' \\
      --learning 'I learned to test with production-sized data' \\
      --improvement 'Since then every release runs a 10x load test; it caught two regressions'
  starl reframe --scenario didnt-scale --answers answers.md --save none --format json")]
pub struct ReframeArgs {
    /// shipped-bug, missed-deadline or didnt-scale [default: ask].
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: Option<String>,
    /// The weakness: the root cause in you.
    #[arg(long, value_name = "TEXT", conflicts_with = "answers")]
    pub weakness: Option<String>,
    /// The learning: the specific lesson.
    #[arg(long, value_name = "TEXT", conflicts_with = "answers")]
    pub learning: Option<String>,
    /// The improvement: the change and its evidence.
    #[arg(long, value_name = "TEXT", conflicts_with = "answers")]
    pub improvement: Option<String>,
    /// Read the answers from a Markdown file with ## Weakness, ## Learning and ## Improvement
    /// sections (- for standard input).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// What to save: entry (a journal entry), story (a story draft) or none [default: ask on a
    /// terminal, else entry].
    #[arg(long, value_enum, value_name = "WHAT")]
    pub save: Option<Save>,
    /// The title of the entry or story [default: the scenario's].
    #[arg(long)]
    pub title: Option<String>,
    /// When it happened (for an entry): YYYY-MM-DD, today or yesterday [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub happened: Option<Date>,
    /// human, or json (the checks and what was saved).
    #[arg(long, value_enum, default_value_t = super::practice::Format::Human)]
    pub format: super::practice::Format,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Save {
    Entry,
    Story,
    None,
}

#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    reframe: &'a Reframe,
    saved: Save,
    id: Option<i64>,
}

pub fn run(a: &ReframeArgs) -> Result<ExitCode> {
    let config = a.config.load()?;
    let analyzer = settings::analyzer(&config, &Overrides::default())?;
    let given = a.weakness.is_some() || a.learning.is_some() || a.improvement.is_some() || a.answers.is_some();
    let interactive = !given && std::io::stdin().is_terminal();
    let scenario = match &a.scenario {
        Some(id) => find(id)?,
        None if interactive => choose_scenario()?,
        None => bail!("give --scenario ({})", ids().join(", ")),
    };
    let human = a.format == super::practice::Format::Human;
    let answers = if let Some(path) = &a.answers {
        parse_answers(&read_input(path)?).map_err(|(line, m)| anyhow!("{}:{line}: {m}", path.display()))?
    } else if given {
        let mut ans = Answers::default();
        for (step, v) in [("weakness", &a.weakness), ("learning", &a.learning), ("improvement", &a.improvement)] {
            match v {
                Some(t) if !t.trim().is_empty() => ans.set(step, t.trim().to_owned()),
                _ => bail!("missing --{step} (give all three: --weakness, --learning, --improvement)"),
            }
        }
        ans
    } else if interactive {
        walk(scenario, &analyzer)?
    } else {
        bail!(
            "give the answers with --weakness, --learning and --improvement, or --answers FILE (or run on a terminal)"
        )
    };
    let result = coach::check(scenario, &answers, &analyzer);
    if human && !interactive {
        println!("Reframing: {}", scenario.title);
        for (step, c) in coach::steps().iter().zip(&result.checks) {
            println!("\n{}: {}", step.name, crate::journal::clip(answers.get(&step.id), 200));
            print_check(c);
        }
    }
    let save = match a.save {
        Some(s) => s,
        None if interactive => ask_save()?,
        None => Save::Entry,
    };
    let title = a.title.clone().unwrap_or_else(|| scenario.title.clone());
    let mut store = if save == Save::None { None } else { Some(a.db.open()?) };
    let id = match (save, store.as_mut()) {
        (Save::Entry, Some(store)) => {
            let happened = a.happened.unwrap_or_else(today);
            let due = today().checked_add(jiff::Span::new().days(DEFAULT_FOLLOW_UP_DAYS)).unwrap_or(today());
            let e = store.create_entry(&coach::to_entry(scenario, &answers, &title, happened, due, now())).or_user()?;
            Some(e.id)
        }
        (Save::Story, Some(store)) => {
            let mut s = coach::to_story(scenario, &answers, &title, now());
            let analyzer =
                settings::analyzer(&config, &Overrides { framework: s.framework.clone(), ..Overrides::default() })?;
            s.score = Some(analyzer.analyze(&s.body).score);
            Some(store.create_story(&s).or_user()?.id)
        }
        _ => None,
    };
    if human {
        println!(
            "\n{} of 3 steps do their job; the three together score {}/100.",
            result.checks.iter().filter(|c| c.ok).count(),
            result.score
        );
        match (save, id) {
            (Save::Entry, Some(id)) => {
                println!("saved entry {id}: {title} (`starl show {id}`; `starl story new --from {id}` for a story)")
            }
            (Save::Story, Some(id)) => {
                println!("saved story draft {id}: {title} (finish it with `starl story edit {id}`)")
            }
            _ => println!("not saved"),
        }
    } else {
        print_json(&Output { reframe: &result, saved: save, id })?;
    }
    Ok(ExitCode::SUCCESS)
}

fn ids() -> Vec<&'static str> {
    coach::scenarios().iter().map(|s| s.id.as_str()).collect()
}

fn find(id: &str) -> Result<&'static Scenario> {
    coach::scenarios()
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| anyhow!("unknown scenario `{id}` (scenarios: {})", ids().join(", ")))
}

fn prompt_line(question: &str) -> Result<String> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read standard input")?;
    Ok(line.trim().to_owned())
}

fn choose_scenario() -> Result<&'static Scenario> {
    eprintln!("Which failure do you want to reframe?");
    for (i, s) in coach::scenarios().iter().enumerate() {
        eprintln!("  {}. {} ({})", i + 1, s.title, s.id);
    }
    loop {
        let answer = prompt_line("Number or id [1]: ")?;
        if answer.is_empty() {
            return Ok(&coach::scenarios()[0]);
        }
        if let Ok(n) = answer.parse::<usize>() {
            if let Some(s) = coach::scenarios().get(n.wrapping_sub(1)) {
                return Ok(s);
            }
        }
        if let Ok(s) = find(&answer) {
            return Ok(s);
        }
        eprintln!("  not a scenario: type 1 to {} or an id", coach::scenarios().len());
    }
}

fn ask_save() -> Result<Save> {
    loop {
        match prompt_line("\nSave as a journal (e)ntry, a (s)tory draft, or (n)othing? [e] ")?.to_lowercase().as_str() {
            "" | "e" | "entry" => return Ok(Save::Entry),
            "s" | "story" => return Ok(Save::Story),
            "n" | "nothing" | "none" => return Ok(Save::None),
            _ => eprintln!("  type e, s or n"),
        }
    }
}

/// Read one answer: lines until an empty line.
fn read_paragraph() -> Result<String> {
    let mut text = String::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read standard input")?;
        if line.trim().is_empty() {
            break;
        }
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text.trim().to_owned())
}

/// The interactive walk: each step's prompt, the answer, its check, and a chance to revise.
fn walk(scenario: &Scenario, analyzer: &Analyzer) -> Result<Answers> {
    let mut answers = Answers::default();
    eprintln!("\nReframing: {}\nType each answer, then an empty line.", scenario.title);
    for step in coach::steps() {
        eprintln!("\n== {} ==\n{}\n{}\n  e.g. \"{}\"", step.name, step.asks, scenario.prompt(&step.id), step.example);
        let mut text = read_paragraph()?;
        loop {
            let c = coach::check_step(step, &text, analyzer);
            print_check(&c);
            if c.ok {
                break;
            }
            eprintln!("Type a better answer (then an empty line), or just an empty line to keep this one:");
            let better = read_paragraph()?;
            if better.is_empty() {
                break;
            }
            text = better;
        }
        answers.set(&step.id, text);
    }
    Ok(answers)
}

fn print_check(c: &StepCheck) {
    let mut err = anstream::stderr().lock();
    let (mark, style) = if c.ok {
        ("ok", anstyle::AnsiColor::Green.on_default().bold())
    } else {
        ("needs work", anstyle::AnsiColor::Yellow.on_default().bold())
    };
    let _ = writeln!(err, "  {style}{mark}{style:#}: {}", c.advice);
    for f in &c.findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let quote = f.excerpt.as_deref().map(|x| format!(" \"{}\"", crate::journal::clip(x, 50))).unwrap_or_default();
        let _ = writeln!(err, "  {sev}[{}]{quote}: {}", f.rule, f.message);
    }
    if !c.strengths.is_empty() {
        let _ = writeln!(err, "  strengths: {}", c.strengths.join(", "));
    }
}

/// `## Weakness`, `## Learning`, `## Improvement` sections; errors are `(line, message)`.
fn parse_answers(text: &str) -> std::result::Result<Answers, (usize, String)> {
    let mut answers = Answers::default();
    let mut current: Option<&str> = None;
    let mut seen: Vec<&str> = Vec::new();
    let mut buf = String::new();
    let flush = |current: Option<&str>, buf: &mut String, answers: &mut Answers| {
        if let Some(step) = current {
            answers.set(step, buf.trim().to_owned());
        }
        buf.clear();
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some(h) = line.trim().strip_prefix('#') {
            let h = h.trim_start_matches('#').trim().trim_end_matches(':').to_lowercase();
            let step = match h.as_str() {
                "weakness" => "weakness",
                "learning" => "learning",
                "improvement" => "improvement",
                other => {
                    return Err((
                        n,
                        format!("unknown section `{other}`: expected ## Weakness, ## Learning or ## Improvement"),
                    ))
                }
            };
            if seen.contains(&step) {
                return Err((n, format!("`## {}` appears twice", h)));
            }
            seen.push(step);
            flush(current, &mut buf, &mut answers);
            current = Some(step);
        } else if current.is_none() {
            if !line.trim().is_empty() {
                return Err((n, "text before the first section: start with ## Weakness".into()));
            }
        } else {
            buf.push_str(line);
            buf.push('\n');
        }
    }
    flush(current, &mut buf, &mut answers);
    for step in ["weakness", "learning", "improvement"] {
        if answers.get(step).is_empty() {
            return Err((
                text.lines().count().max(1),
                format!("the `## {}` section is missing or empty", capitalise(step)),
            ));
        }
    }
    Ok(answers)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
