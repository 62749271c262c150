//! `starl share` (a review packet for a peer) and `starl feedback` (the filled-in rubric back).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use starl_coach::packet::{self, parse_rubric};
use starl_coach::redact::{RedactOptions, Redactor};
use starl_store::{Feedback, Id};

use super::{read_input, write_file};
use crate::journal::{now, DbArgs, StoreResult};
use crate::settings::ConfigArgs;

/// Write a review packet of a story for a peer (004, exercise 2).
///
/// The packet holds the story and a rubric: how authentic it feels (1-5), whether the learning
/// is compelling (1-5), where it could be strengthened, and comments. The peer fills it in and
/// sends it back for `starl feedback`. With --redact, confidential details are replaced by
/// placeholders ([Person A], [Company A], [email], [url]; [amount] with --redact-numbers): the
/// names in `[share] names` and `companies` of starl.toml, words that look like people's or
/// companies' names, e-mail addresses and URLs. What was replaced is listed on standard error,
/// for you only; check it before you send the packet.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl share 3 --redact -o review.md              Markdown packet, redacted
  starl share 3 --redact -o review.md --html       ... and review.html beside it
  starl share 3 --redact --redact-numbers --html > review.html
  starl feedback 3 --from review.md                Import the filled-in rubric")]
pub struct ShareArgs {
    /// The story (see `starl story list`).
    pub story: Id,
    /// Replace names, companies, e-mail addresses and URLs by placeholders.
    #[arg(long)]
    pub redact: bool,
    /// Also replace numbers and amounts by [amount] (implies --redact).
    #[arg(long)]
    pub redact_numbers: bool,
    /// Write the Markdown packet to this file [default: standard output].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a self-contained HTML page (beside FILE, as .html; without -o, the HTML goes
    /// to standard output instead of the Markdown).
    #[arg(long)]
    pub html: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Import a peer's filled-in review packet as feedback on a story.
///
/// Reads the rubric under `## Your review` of the packet `starl share` wrote: Reviewer,
/// Authenticity (1-5), Learning (1-5), and the text under the strengthen and comments headings.
/// A file that cannot be read is reported with its line, and nothing is saved (exit 2).
/// `starl story show STORY` shows the feedback.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl feedback 3 --from review.md
  starl story show 3")]
pub struct FeedbackArgs {
    /// The story the feedback is on.
    pub story: Id,
    /// The filled-in packet (- for standard input).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn share(a: &ShareArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let story = store.story(a.story).or_user()?;
    let redactor = if a.redact || a.redact_numbers {
        let config = a.config.load()?;
        Some(Redactor::new(RedactOptions {
            names: config.file.share.names.clone(),
            companies: config.file.share.companies.clone(),
            numbers: a.redact_numbers,
        }))
    } else {
        None
    };
    let (p, legend) = packet::packet(&story, redactor.as_ref());
    let markdown = packet::render_markdown(&p);
    match &a.output {
        Some(path) => {
            write_file(path, &markdown)?;
            eprintln!("wrote {}", path.display());
            if a.html {
                let html_path = if path.extension().is_some_and(|e| e == "html") {
                    path.with_extension("review.html")
                } else {
                    path.with_extension("html")
                };
                write_file(&html_path, &packet::render_html(&p))?;
                eprintln!("wrote {}", html_path.display());
            }
        }
        None if a.html => print!("{}", packet::render_html(&p)),
        None => print!("{markdown}"),
    }
    if redactor.is_some() {
        if legend.is_empty() {
            crate::report_note("nothing needed redacting; read the packet before you send it");
        } else {
            eprintln!("Redacted (this list is not in the packet):");
            for l in &legend {
                eprintln!("  {:<13} {} ({}x)", l.placeholder, l.originals.join(", "), l.count);
            }
        }
    } else {
        crate::report_note("not redacted: add --redact to replace names, companies, e-mail addresses and URLs");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn feedback(a: &FeedbackArgs) -> Result<ExitCode> {
    let text = read_input(&a.from)?;
    let name = a.from.display();
    let rubric = parse_rubric(&text).map_err(|e| anyhow!("{name}:{}: {}", e.line, e.message))?;
    if let Some(id) = rubric.story.filter(|&id| id != a.story) {
        let line = text.lines().position(|l| l.trim_start().starts_with("story:")).map_or(1, |i| i + 1);
        bail!("{name}:{line}: this review is of story {id}, not story {}", a.story);
    }
    let mut store = a.db.open()?;
    let story = store.story(a.story).or_user()?;
    let mut f = Feedback::new(story.id, now());
    f.reviewer = rubric.reviewer;
    f.authenticity = rubric.authenticity;
    f.learning = rubric.learning;
    f.strengthen = rubric.strengthen;
    f.comments = rubric.comments;
    let saved = store.add_feedback(&f).or_user()?;
    let score = |v: Option<u8>| v.map_or("-".to_owned(), |v| format!("{v}/5"));
    println!(
        "saved feedback {} on story {} from {} (authenticity {}, learning {}); see `starl story show {}`",
        saved.id,
        story.id,
        if saved.reviewer.is_empty() { "an unnamed reviewer" } else { &saved.reviewer },
        score(saved.authenticity),
        score(saved.learning),
        story.id
    );
    Ok(ExitCode::SUCCESS)
}
