//! `starl export` and `starl import`: JSON (one file), Markdown (one file per entry, story and
//! practice attempt, with front matter), and jrnl's JSON export. A round trip is exact; an import
//! is all or nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use starl_store::{Bundle, Entry, Feedback, PracticeAttempt, Story};

use super::format::{
    attempt_from_markdown, attempt_to_markdown, entry_from_markdown, entry_to_markdown, feedback_from_markdown,
    feedback_to_markdown, kind_of, story_from_markdown, story_to_markdown,
};
use super::progress::Progress;
use super::{now, DbArgs, StoreResult};

/// The version of the JSON export format. 2 added `attempts` (practice attempts); a version 1
/// file, which has none, still imports.
const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON document with every entry, story and practice attempt.
    Json,
    /// A folder: entries/NNNN-title.md, stories/NNNN-title.md and attempts/NNNN-question.md,
    /// with front matter.
    Markdown,
}

/// Write the whole journal and story bank out, for backup or to move it.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
EXAMPLES:
  starl export --format json -o journal.json
  starl export --format markdown -o journal/
  starl import journal.json")]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    /// Where to write: a file for JSON (default: standard output), a folder for Markdown.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Read entries, stories and practice attempts back from an export, or entries from jrnl.
///
/// PATH is a starl JSON export, a folder (or file) of starl Markdown, or a jrnl JSON export
/// (`jrnl --export json`), whose entries become journal entries. Everything is read and checked
/// first; then all of it is imported in one transaction, or nothing. Records already present
/// unchanged are skipped. A progress bar shows on a terminal when the import takes a while.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    pub path: PathBuf,
    /// No progress bar and no summary: only errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonExport {
    starl: u32,
    entries: Vec<Entry>,
    stories: Vec<Story>,
    /// Version 1 files have none.
    #[serde(default)]
    attempts: Vec<PracticeAttempt>,
    /// Peer reviews; files without any have no key (as before feedback existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    feedback: Vec<Feedback>,
}

/// "3 entries, 1 story and 2 practice attempts".
fn counts(entries: usize, stories: usize, attempts: usize) -> String {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    format!(
        "{}, {} and {}",
        n(entries, "entry", "entries"),
        n(stories, "story", "stories"),
        n(attempts, "practice attempt", "practice attempts")
    )
}

pub fn export(a: &ExportArgs) -> Result<ExitCode> {
    let bundle = a.db.open()?.export().or_user()?;
    let summary = counts(bundle.entries.len(), bundle.stories.len(), bundle.attempts.len());
    match a.format {
        ExportFormat::Json => {
            let doc = JsonExport {
                starl: FORMAT_VERSION,
                entries: bundle.entries,
                stories: bundle.stories,
                attempts: bundle.attempts,
                feedback: bundle.feedback,
            };
            let mut text = serde_json::to_string_pretty(&doc)?;
            text.push('\n');
            match &a.output {
                Some(p) => write_atomically(p, text.as_bytes())?,
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
            if let Some(p) = a.output.as_ref().filter(|_| !a.quiet) {
                eprintln!("exported {summary} to {}", p.display());
            }
        }
        ExportFormat::Markdown => {
            let Some(dir) = &a.output else { bail!("a Markdown export needs a folder: -o PATH") };
            let mut progress = Progress::new(a.quiet);
            progress.phase("writing", Some(bundle.len() as u64));
            let mut done = 0;
            let attempts = bundle.attempts.iter().map(|t| (t.id, &t.question, attempt_to_markdown(t)));
            let reviewer =
                |f: &Feedback| if f.reviewer.is_empty() { "feedback".to_string() } else { f.reviewer.clone() };
            let reviewers: Vec<String> = bundle.feedback.iter().map(reviewer).collect();
            let feedback = bundle.feedback.iter().zip(&reviewers).map(|(f, r)| (f.id, r, feedback_to_markdown(f)));
            for (sub, files) in [
                (
                    "entries",
                    bundle.entries.iter().map(|e| (e.id, &e.title, entry_to_markdown(e, false))).collect::<Vec<_>>(),
                ),
                ("stories", bundle.stories.iter().map(|s| (s.id, &s.title, story_to_markdown(s))).collect()),
                ("attempts", attempts.collect()),
                ("feedback", feedback.collect()),
            ] {
                if files.is_empty() && (sub == "attempts" || sub == "feedback") {
                    continue; // no empty folder for what the journal does not have yet
                }
                let d = dir.join(sub);
                std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
                for (id, title, text) in files {
                    write_atomically(&d.join(format!("{id:04}-{}.md", slug(title))), text.as_bytes())?;
                    done += 1;
                    progress.set(done);
                }
            }
            progress.finish();
            if !a.quiet {
                eprintln!("exported {summary} to {}", dir.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
        if s.chars().count() >= 40 {
            break;
        }
    }
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        "untitled".to_owned()
    } else {
        s
    }
}

/// Write via a temporary file and a rename, so a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn import(a: &ImportArgs) -> Result<ExitCode> {
    let mut progress = Progress::new(a.quiet);
    let bundle = read_bundle(&a.path, &mut progress)?;
    let mut store = a.db.open()?;
    let total = bundle.len() as u64;
    progress.phase("importing", Some(total));
    let sum = store
        .import_with_progress(&bundle, &mut |done| {
            progress.set(done as u64);
            if done as u64 == total {
                progress.phase("saving", None);
            }
        })
        .or_user()?;
    progress.finish();
    if !a.quiet {
        println!(
            "imported {} ({} already there; {} renumbered)",
            counts(
                sum.entries_added + sum.entries_renumbered,
                sum.stories_added + sum.stories_renumbered,
                sum.attempts_added + sum.attempts_renumbered
            ),
            counts(sum.entries_unchanged, sum.stories_unchanged, sum.attempts_unchanged),
            sum.entries_renumbered + sum.stories_renumbered + sum.attempts_renumbered,
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Read and check everything at `path` before anything is written.
fn read_bundle(path: &Path, progress: &mut Progress) -> Result<Bundle> {
    if path.is_dir() {
        progress.phase("listing", None);
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        progress.phase("reading", Some(files.len() as u64));
        let mut b = Bundle::default();
        for (i, f) in files.iter().enumerate() {
            read_markdown(f, &mut b)?;
            progress.set(i as u64 + 1);
        }
        b.entries.sort_by_key(|e| e.id);
        b.stories.sort_by_key(|s| s.id);
        b.attempts.sort_by_key(|a| a.id);
        b.feedback.sort_by_key(|f| f.id);
        return Ok(b);
    }
    progress.phase("reading", None);
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if path.extension().is_some_and(|x| x == "md" || x == "markdown") {
        let mut b = Bundle::default();
        read_markdown(path, &mut b)?;
        return Ok(b);
    }
    let at = |e: serde_json::Error| anyhow::anyhow!("{}:{}:{}: {e}", path.display(), e.line(), e.column());
    let value: serde_json::Value = serde_json::from_str(&text).map_err(at)?;
    if let Some(version) = value.get("starl") {
        // Before the fields: a newer format may have fields this starl does not know.
        if version.as_u64().is_some_and(|v| v > u64::from(FORMAT_VERSION)) {
            bail!("{}: written by a newer starl (export format {version}); upgrade starl to import it", path.display());
        }
        let doc: JsonExport = serde_json::from_str(&text).map_err(at)?;
        return Ok(Bundle {
            entries: doc.entries,
            stories: doc.stories,
            attempts: doc.attempts,
            feedback: doc.feedback,
        });
    }
    if value.get("entries").is_some_and(|e| e.is_array()) {
        let jrnl: Jrnl = serde_json::from_str(&text).map_err(at)?;
        return jrnl_entries(path, &text, jrnl);
    }
    bail!("{}:1: not a starl export (no \"starl\" key) nor a jrnl export (no \"entries\" list)", path.display())
}

fn read_markdown(f: &Path, b: &mut Bundle) -> Result<()> {
    let text = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
    let at = |e: super::format::ParseError| anyhow::anyhow!("{}:{}: {}", f.display(), e.line, e.message);
    let id = front_id(&text);
    let now = now();
    match kind_of(&text).map_err(at)? {
        "entry" => {
            let mut e = entry_from_markdown(&text, &Entry::new("", jiff::civil::date(1970, 1, 1), now)).map_err(at)?;
            e.id = id;
            b.entries.push(e);
        }
        "attempt" => {
            let mut a = attempt_from_markdown(&text, &PracticeAttempt::new("", "", now)).map_err(at)?;
            a.id = id;
            b.attempts.push(a);
        }
        "feedback" => {
            let mut f = feedback_from_markdown(&text, &Feedback::new(0, now)).map_err(at)?;
            f.id = id;
            b.feedback.push(f);
        }
        _ => {
            let mut s = story_from_markdown(&text, &Story::new("", "", now)).map_err(at)?;
            s.id = id;
            b.stories.push(s);
        }
    }
    Ok(())
}

/// The `id:` of a Markdown file's front matter, 0 if none.
fn front_id(text: &str) -> i64 {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return 0;
    }
    lines
        .take_while(|l| l.trim_end() != "---")
        .find_map(|l| l.strip_prefix("id:").and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0)
}

/// jrnl's JSON export (`jrnl --export json`).
#[derive(Debug, Deserialize)]
struct Jrnl {
    entries: Vec<JrnlEntry>,
}

#[derive(Debug, Deserialize)]
struct JrnlEntry {
    title: String,
    #[serde(default)]
    body: String,
    date: String,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

fn jrnl_entries(path: &Path, text: &str, j: Jrnl) -> Result<Bundle> {
    let mut out = Vec::with_capacity(j.entries.len());
    for (i, je) in j.entries.into_iter().enumerate() {
        // For messages: the line of this entry's "date".
        let line = text.match_indices("\"date\"").nth(i).map_or(1, |(at, _)| text[..at].lines().count());
        let date: jiff::civil::Date = je
            .date
            .parse()
            .map_err(|_| anyhow::anyhow!("{}:{line}: `{}` is not a date (YYYY-MM-DD)", path.display(), je.date))?;
        let time: jiff::civil::Time =
            je.time.as_deref().and_then(|t| t.parse().ok()).unwrap_or(jiff::civil::Time::midnight());
        let at = date
            .to_datetime(time)
            .to_zoned(jiff::tz::TimeZone::system())
            .map(|z| z.timestamp())
            .unwrap_or_else(|_| now());
        let mut e = Entry::new(je.title.trim(), date, at);
        e.what_happened = je.body.trim().to_owned();
        e.tags = je.tags;
        e.normalize().map_err(|err| anyhow::anyhow!("{}:{line}: {err}", path.display()))?;
        out.push(e);
    }
    Ok(Bundle { entries: out, ..Bundle::default() })
}
