//! `starl practice` and `starl practice history`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde::Serialize;
use starl_analyzer::Severity;
use starl_coach::chart::{self, Bar};
use starl_coach::practice::{self as coach, AttemptSummary, History, PaceVerdict, Pick, PracticeQuestion};
use starl_config::Overrides;
use starl_store::{AttemptFilter, Id, StoryFilter};

use super::{countdown, read_input, term_width};
use crate::journal::{now, print_json, DbArgs, ListFormat, StoreResult};
use crate::settings::{self, ConfigArgs};

/// Rehearse an answer to a common interview question, against three minutes.
///
/// Picks the question your ready stories cover least (or --question ID, or --random), shows what
/// interviewers look for in it, and takes your answer: typed on the terminal under a visible
/// three-minute countdown (end with a line holding only `.`, or Ctrl-D), from a file or standard
/// input (--answer-file, - for standard input), or as the transcript of an answer you spoke
/// aloud (--transcript FILE --duration 2:41), which adds your pace in words per minute (aim for
/// 130-160) and your filler words (um, uh, like, you know, basically). Then the analyzer's
/// feedback, and the attempt is saved with its scores (see `starl practice history`).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl practice                                   The least-covered question, typed against the clock
  starl practice --question missed-deadline --answer-file answer.md
  starl practice --random --transcript talk.txt --duration 2:41
  cat answer.txt | starl practice --question failed --answer-file -
  starl practice history --question failed         Scores and time over your attempts")]
pub struct PracticeArgs {
    #[command(subcommand)]
    pub command: Option<PracticeCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum PracticeCommand {
    History(HistoryArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The question to practise: failed, mistake-affected-others, project-not-as-planned,
    /// negative-feedback, admitted-wrong, missed-deadline, didnt-scale.
    #[arg(long, value_name = "ID", conflicts_with = "random")]
    pub question: Option<String>,
    /// A question at random.
    #[arg(long)]
    pub random: bool,
    /// The seed for --random (the same seed picks the same question).
    #[arg(long, value_name = "N", requires = "random")]
    pub seed: Option<u64>,
    /// Read the answer from this file (- for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "transcript")]
    pub answer_file: Option<PathBuf>,
    /// The transcript of an answer spoken aloud (needs --duration).
    #[arg(long, value_name = "FILE", requires = "duration")]
    pub transcript: Option<PathBuf>,
    /// How long the spoken answer took: M:SS (2:41), H:MM:SS or seconds.
    #[arg(long, value_name = "TIME")]
    pub duration: Option<String>,
    /// The story of your bank the answer tells.
    #[arg(long, value_name = "STORY")]
    pub story: Option<Id>,
    /// Give the feedback but do not save the attempt.
    #[arg(long)]
    pub no_save: bool,
    /// human, or json (the attempt's summary).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// Your practice attempts over time: scores and time, with a chart.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl practice history
  starl practice history --question failed --format json")]
pub struct HistoryArgs {
    /// Only attempts at this question.
    #[arg(long, value_name = "ID")]
    pub question: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(a: PracticeArgs) -> Result<ExitCode> {
    match a.command {
        Some(PracticeCommand::History(h)) => history(&h),
        None => practice(&a.run),
    }
}

#[derive(Serialize)]
struct Output<'a> {
    question: &'a PracticeQuestion,
    attempt_id: Option<Id>,
    summary: &'a AttemptSummary,
}

fn practice(a: &RunArgs) -> Result<ExitCode> {
    // Check what can be checked before asking for an answer.
    let duration = a.duration.as_deref().map(coach::parse_duration).transpose()?;
    let config = a.config.load()?;
    let analyzer = settings::analyzer(&config, &Overrides::default())?;
    let mut store = a.db.open()?;
    if let Some(id) = a.story {
        store.story(id).or_user()?;
    }
    let ready = store.stories(&StoryFilter { ready: Some(true), ..Default::default() }).or_user()?;
    let fits: Vec<Vec<String>> = ready.iter().map(|s| analyzer.analyze(&s.body).fits).collect();
    let pairs: Vec<(&starl_store::Story, &[String])> =
        ready.iter().zip(&fits).map(|(s, f)| (s, f.as_slice())).collect();
    let attempts = store.attempts(&AttemptFilter::default()).or_user()?;
    let coverage = coach::coverage(analyzer.rules(), &pairs, &attempts);
    let pick = match (&a.question, a.random) {
        (Some(id), _) => Pick::Id(id.clone()),
        (None, true) => Pick::Random { seed: a.seed.unwrap_or_else(|| now().as_nanosecond() as u64) },
        (None, false) => Pick::LeastCovered,
    };
    let chosen = coach::choose(&coverage, &pick)?;
    let q = &chosen.question;
    let human = a.format == Format::Human;
    let limit = coach::limit_seconds();

    let source = a.transcript.as_ref().or(a.answer_file.as_ref());
    let interactive = source.is_none() && std::io::stdin().is_terminal();
    if human || interactive {
        // On a terminal the question goes where the person looks; with JSON, out of its way.
        let mut out: Box<dyn Write> = if human { Box::new(std::io::stdout()) } else { Box::new(std::io::stderr()) };
        writeln!(out, "Question ({}): {}", q.id, q.text)?;
        let why = if chosen.stories.is_empty() {
            "no ready story answers it yet".to_owned()
        } else {
            format!("ready stories: {}", chosen.stories.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", "))
        };
        writeln!(
            out,
            "  {} · practised {} times{}",
            why,
            chosen.attempts,
            chosen.best_score.map(|b| format!(", best {b}")).unwrap_or_default()
        )?;
        writeln!(out, "\nWhat interviewers look for:")?;
        for l in &q.looks_for {
            writeln!(out, "  - {l}")?;
        }
        if !q.tip.is_empty() {
            writeln!(out, "Tip: {}", q.tip)?;
        }
        if interactive {
            writeln!(
                out,
                "\nSay it aloud as you type it: {} or less. End with a line holding only `.` (or Ctrl-D).\n",
                coach::format_duration(limit)
            )?;
        }
        out.flush()?;
    }
    let answer = match source {
        Some(path) => read_input(path)?,
        None if interactive && countdown::available() => {
            let (text, took) = countdown::read_with_countdown(limit)?;
            if !text.trim().is_empty() {
                eprintln!("(typed in {})", coach::format_duration(took.as_secs() as u32));
            }
            text
        }
        None => countdown::read_plain()?.0,
    };
    if answer.trim().is_empty() {
        crate::report_note("no answer given: nothing saved");
        return Ok(ExitCode::from(1));
    }
    let report = analyzer.analyze(&answer);
    let summary = coach::summarize(&q.id, &answer, &report, duration, &attempts);
    let saved = if a.no_save {
        None
    } else {
        let attempt = summary.to_attempt(&answer, a.story, now());
        Some(store.record_attempt(&attempt).or_user()?)
    };
    if human {
        print_summary(&summary)?;
        match &saved {
            Some(s) => println!("\nsaved attempt {} (see `starl practice history --question {}`)", s.id, q.id),
            None => println!("\nnot saved (--no-save)"),
        }
    } else {
        print_json(&Output { question: q, attempt_id: saved.as_ref().map(|s| s.id), summary: &summary })?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &AttemptSummary) -> Result<()> {
    let mut o = anstream::stdout().lock();
    let bold = anstyle::Style::new().bold();
    let sev_style = |sev: Severity| match sev {
        Severity::Error => anstyle::AnsiColor::BrightRed.on_default().bold(),
        Severity::Warning => anstyle::AnsiColor::Yellow.on_default().bold(),
        Severity::Info => anstyle::AnsiColor::Cyan.on_default().bold(),
    };
    writeln!(o, "\n{bold}Score {}/100{bold:#}", s.score)?;
    writeln!(
        o,
        "  themes   {}",
        s.themes.iter().iter().map(|(n, v)| format!("{n} {v}")).collect::<Vec<_>>().join(" · ")
    )?;
    let time = match s.duration_seconds {
        Some(d) => format!("{} spoken", coach::format_duration(d)),
        None => format!("~{} spoken (estimated from {} words)", coach::format_duration(s.spoken_seconds), s.words),
    };
    writeln!(
        o,
        "  time     {time}; limit {}{}",
        coach::format_duration(s.limit_seconds),
        if s.within_limit { "" } else { "  <- too long" }
    )?;
    if let Some(p) = &s.pace {
        let verdict = match p.verdict {
            PaceVerdict::Slow => "slow",
            PaceVerdict::Good => "good",
            PaceVerdict::Fast => "fast",
        };
        writeln!(o, "  pace     {} words a minute ({verdict}; aim for {}-{})", p.wpm, p.min_wpm, p.max_wpm)?;
    }
    if let Some(f) = &s.fillers {
        let list = if f.counts.is_empty() {
            "none".to_owned()
        } else {
            f.counts.iter().map(|c| format!("{} x{}", c.phrase, c.count)).collect::<Vec<_>>().join(", ")
        };
        writeln!(o, "  fillers  {} ({} per 100 words): {list}", f.total, f.per_100_words)?;
    }
    let fits = if s.fits_question {
        "yes, the answer fits the question".to_owned()
    } else if s.fits.is_empty() {
        "not clearly: the analyzer hears no common question in it".to_owned()
    } else {
        format!("not clearly; it sounds more like: {}", s.fits.join(", "))
    };
    writeln!(o, "  fits     {fits}")?;
    if !s.strengths.is_empty() {
        writeln!(o, "  strengths {}", s.strengths.join(", "))?;
    }
    if !s.findings.is_empty() {
        writeln!(o, "\nFindings")?;
        for f in &s.findings {
            let st = sev_style(f.severity);
            let quote =
                f.excerpt.as_deref().map(|x| format!(" \"{}\"", crate::journal::clip(x, 50))).unwrap_or_default();
            writeln!(o, "  {st}{}[{}]{st:#}{quote}: {}", f.severity.as_str(), f.rule, f.message)?;
            writeln!(o, "    help: {}", f.help)?;
        }
    }
    if let Some(p) = s.previous {
        let delta = i32::from(s.score) - i32::from(p.last);
        writeln!(
            o,
            "\nBefore: {} attempts, best {}, last {} -> now {} ({delta:+})",
            p.attempts, p.best, p.last, s.score
        )?;
    }
    writeln!(o, "\n{bold}Next:{bold:#} {}", s.next_step)?;
    Ok(())
}

fn history(a: &HistoryArgs) -> Result<ExitCode> {
    let config = a.config.load()?;
    if let Some(q) = &a.question {
        let analyzer = settings::analyzer(&config, &Overrides::default())?;
        if !analyzer.rules().questions.iter().any(|x| &x.id == q) {
            let known: Vec<_> = analyzer.rules().questions.iter().map(|x| x.id.as_str()).collect();
            bail!("unknown question `{q}` (questions: {})", known.join(", "));
        }
    }
    let attempts =
        a.db.open()?.attempts(&AttemptFilter { question: a.question.clone(), ..Default::default() }).or_user()?;
    let wpm = config.options(&Overrides::default()).words_per_minute;
    let h = coach::history(&attempts, a.question.as_deref(), wpm);
    match a.format {
        ListFormat::Json => print_json(&h)?,
        ListFormat::Table => print_history(&h)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_history(h: &History) -> Result<()> {
    let what = h.question.as_deref().map_or("all questions".to_owned(), |q| format!("`{q}`"));
    if h.points.is_empty() {
        crate::report_note(&format!("no practice attempts at {what} yet: `starl practice` takes three minutes"));
        return Ok(());
    }
    let width = term_width();
    let mut o = std::io::stdout().lock();
    let mut head = format!("Practice history, {what}: {} attempts", h.points.len());
    if let (Some(best), Some(avg)) = (h.best, h.average) {
        head.push_str(&format!(", best {best}, average {avg}"));
    }
    if let Some(t) = h.trend {
        head.push_str(&format!(", trend {t:+}"));
    }
    writeln!(o, "{}", chart::clip(&head, width))?;
    writeln!(o)?;
    let table_w = 52;
    if width >= table_w {
        writeln!(o, "{:>5}  {:<10}  {:<24}  {:>5}  TIME", "ID", "DATE", "QUESTION", "SCORE")?;
        for p in &h.points {
            writeln!(
                o,
                "{:>5}  {:<10}  {:<24}  {:>5}  {}{}",
                p.id,
                p.created.to_zoned(jiff::tz::TimeZone::system()).date(),
                chart::clip(&p.question, 24),
                p.score,
                coach::format_duration(p.seconds),
                if p.timed { "" } else { "~" }
            )?;
        }
        writeln!(o, "(~ estimated from the words; no duration was given)\n")?;
    }
    let label = |p: &coach::HistoryPoint| {
        format!("#{} {}", p.id, p.created.to_zoned(jiff::tz::TimeZone::system()).date().strftime("%m-%d"))
    };
    let shown = &h.points[h.points.len().saturating_sub(30)..];
    writeln!(o, "Score")?;
    let bars: Vec<Bar> = shown.iter().map(|p| Bar::new(label(p), f64::from(p.score))).collect();
    for l in chart::bar_chart_scaled(&bars, width.saturating_sub(2), Some(100.0)).lines() {
        writeln!(o, "  {l}")?;
    }
    writeln!(o, "{}", chart::clip(&format!("Time (limit {})", coach::format_duration(coach::limit_seconds())), width))?;
    let bars: Vec<Bar> = shown
        .iter()
        .map(|p| Bar::new(label(p), f64::from(p.seconds)).shown_as(coach::format_duration(p.seconds)))
        .collect();
    let max = bars.iter().map(|b| b.value).fold(f64::from(coach::limit_seconds()), f64::max);
    for l in chart::bar_chart_scaled(&bars, width.saturating_sub(2), Some(max)).lines() {
        writeln!(o, "  {l}")?;
    }
    if h.points.len() > 1 {
        let values: Vec<f64> = h.points.iter().map(|p| f64::from(p.score)).collect();
        writeln!(
            o,
            "{}",
            chart::clip(
                &format!("Trend  {}", chart::sparkline(&values, width.saturating_sub(7), Some((0.0, 100.0)))),
                width
            )
        )?;
    }
    Ok(())
}
