//! `starl-bench`: how fast starl is, against the targets of issue 2.
//!
//! ```text
//! cargo build --release -p starl && cargo run --release -p starl-bench -- [--stories 10000] [--out DIR]
//! ```
//!
//! 1. Generates a deterministic corpus of ~2 KB failure stories (`src/corpus.rs`) into `--out`, or
//!    a temporary folder removed afterwards.
//! 2. Reads it all into memory and times `Analyzer::analyze` over every story, `--repeat` times on
//!    this one thread, against a plain Aho-Corasick scan of the same bytes for ~200 phrases.
//! 3. Times `starl lint one-story.md`, process start included, `--runs` times with a warm rule
//!    cache (`STARL_CACHE_DIR` in the output folder, filled by one untimed run first), and
//!    `--runs` times without one (each run compiles the rules and writes the cache, as a first
//!    run does).
//! 4. Measures the peak memory and wall time of `starl lint --format json CORPUS > /dev/null`, for
//!    the corpus and for a 10x smaller subset of it.
//!
//! Prints a table (or `--json`) with each target marked PASS or FAIL, and exits 0 either way.

mod corpus;
mod measure;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use serde_json::{json, Value};
use starl_analyzer::Analyzer;

/// The allocator of the `starl` binary (see crates/cli/src/main.rs), so that the analyzer is timed
/// with the allocator users run it with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: starl-bench [--stories N] [--out DIR] [--repeat N] [--runs N] [--seed N] [--starl PATH] [--json]

  --stories N   stories in the generated corpus (default 10000)
  --out DIR     write the corpus here and keep it (default: a temporary folder, removed after)
  --repeat N    timed passes of the analyzer over the corpus; the median is reported (default 5)
  --runs N      runs of `starl lint one-story.md`, with a warm rule cache and without (default 50)
  --seed N      corpus seed (default 2)
  --starl PATH  the starl binary (default: `starl` next to this executable, i.e. target/release/starl)
  --json        print the figures as JSON instead of a table";

/// Targets of issue 2.
const TARGET_MB_PER_S: f64 = 50.0;
const TARGET_LINT_MS: f64 = 10.0;
const TARGET_RSS_MB: f64 = 100.0;

#[derive(Debug)]
struct Args {
    stories: usize,
    out: Option<PathBuf>,
    repeat: usize,
    runs: usize,
    seed: u64,
    starl: Option<PathBuf>,
    json: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args { stories: 10_000, out: None, repeat: 5, runs: 50, seed: 2, starl: None, json: false };
    fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        v.parse().map_err(|_| format!("{flag}: not a number: {v}"))
    }
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "--stories" => a.stories = num(&flag, value())?,
            "--repeat" => a.repeat = num(&flag, value())?,
            "--runs" => a.runs = num(&flag, value())?,
            "--seed" => a.seed = num(&flag, value())?,
            "--out" => a.out = Some(value().ok_or("--out needs a value")?.into()),
            "--starl" => a.starl = Some(value().ok_or("--starl needs a value")?.into()),
            "--json" => a.json = true,
            "-h" | "--help" => return Err(String::new()),
            // `cargo bench` passes `--bench` to every bench target; tolerate it.
            "--bench" => {}
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if a.stories == 0 || a.repeat == 0 || a.runs == 0 {
        return Err("--stories, --repeat and --runs must be at least 1".into());
    }
    Ok(a)
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().is_some_and(|a| a == measure::HELPER) {
        return match measure::helper_main(&raw[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                println!("{e}");
                ExitCode::from(2)
            }
        };
    }
    let args = match parse_args(raw.into_iter()) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("starl-bench: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("starl-bench: {e}");
            ExitCode::from(2)
        }
    }
}

/// The corpus on disk: every story in `corpus/`, the first tenth (hard links) in `subset/`, and
/// one story of about 2 KB as `one-story.md`.
struct Corpus {
    root: PathBuf,
    all: PathBuf,
    subset: PathBuf,
    subset_len: usize,
    one: PathBuf,
    temporary: bool,
}

const MARKER: &str = ".starl-bench";

fn write_corpus(args: &Args) -> Result<Corpus, String> {
    let (root, temporary) = match &args.out {
        Some(d) => (d.clone(), false),
        None => (std::env::temp_dir().join(format!("starl-bench-{}", std::process::id())), true),
    };
    let io = |what: &str, p: &Path, e: std::io::Error| format!("{what} {}: {e}", p.display());
    let all = root.join("corpus");
    let subset = root.join("subset");
    if root.exists() && root.read_dir().map_err(|e| io("cannot read", &root, e))?.next().is_some() {
        // Only ever clear a folder that this tool made.
        if !root.join(MARKER).exists() {
            return Err(format!(
                "{} is not empty and was not made by starl-bench; choose another --out",
                root.display()
            ));
        }
        for d in [&all, &subset] {
            if d.exists() {
                std::fs::remove_dir_all(d).map_err(|e| io("cannot clear", d, e))?;
            }
        }
    }
    for d in [&root, &all, &subset] {
        std::fs::create_dir_all(d).map_err(|e| io("cannot create", d, e))?;
    }
    std::fs::write(root.join(MARKER), "made by starl-bench; `corpus/` and `subset/` are regenerated\n")
        .map_err(|e| io("cannot write", &root, e))?;
    let subset_len = (args.stories / 10).max(1);
    let mut one: Option<(usize, String)> = None;
    for i in 0..args.stories {
        let s = corpus::story(args.seed, i);
        let p = all.join(format!("{i:05}.md"));
        std::fs::write(&p, &s).map_err(|e| io("cannot write", &p, e))?;
        if i < subset_len {
            let q = subset.join(format!("{i:05}.md"));
            if std::fs::hard_link(&p, &q).is_err() {
                std::fs::write(&q, &s).map_err(|e| io("cannot write", &q, e))?;
            }
        }
        // The story closest to 2,048 bytes among the first hundred.
        if i < 100 && one.as_ref().map_or(true, |(n, _)| s.len().abs_diff(2048) < n.abs_diff(2048)) {
            one = Some((s.len(), s));
        }
    }
    let one_path = root.join("one-story.md");
    let one_text = one.map(|(_, s)| s).unwrap_or_default();
    std::fs::write(&one_path, one_text).map_err(|e| io("cannot write", &one_path, e))?;
    Ok(Corpus { root, all, subset, subset_len, one: one_path, temporary })
}

/// All stories of a folder, in name order.
fn load(dir: &Path) -> Result<Vec<String>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))).collect()
}

/// The `starl` binary, or why it cannot be used.
fn find_starl(args: &Args) -> Result<PathBuf, String> {
    let path = match &args.starl {
        Some(p) => p.clone(),
        None => {
            let exe = std::env::current_exe().map_err(|e| format!("cannot locate this executable: {e}"))?;
            exe.with_file_name(format!("starl{}", std::env::consts::EXE_SUFFIX))
        }
    };
    if !path.is_file() {
        return Err(format!(
            "starl binary not found at {} (build it with `cargo build --release -p starl`)",
            path.display()
        ));
    }
    // `starl lint` may not exist yet in a given build.
    let ok = Command::new(&path)
        .args(["lint", "--help"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err(format!("{} has no working `lint` subcommand", path.display()));
    }
    Ok(path)
}

/// The rule cache folder of the runs of `starl` (`STARL_CACHE_DIR`): one the benchmark controls,
/// not the user's.
fn rule_cache(scratch: &Path) -> PathBuf {
    scratch.join("rule-cache")
}

/// `starl lint FILE` `runs` times with a warm rule cache: wall times in order.
fn lint_one(starl: &Path, story: &Path, runs: usize, scratch: &Path) -> Result<Vec<Duration>, String> {
    let cache = rule_cache(scratch);
    let _ = std::fs::remove_dir_all(&cache);
    // One more run than asked, untimed: it writes the rule cache, and has the binary and the story
    // in the page cache.
    let all = measure::run_isolated(
        starl,
        &["lint".as_ref(), story.as_os_str()],
        &[("STARL_CACHE_DIR", cache.as_os_str())],
        runs + 1,
        &scratch.join("stderr.txt"),
    )?;
    for run in &all {
        check_lint_exit(run)?;
    }
    Ok(all.iter().skip(1).map(|r| r.wall).collect())
}

/// `starl lint FILE` `runs` times, each with an empty rule cache (a first run: it compiles the
/// rules and writes the cache): wall times in order, after one untimed run for the page cache.
fn lint_one_cold(starl: &Path, story: &Path, runs: usize, scratch: &Path) -> Result<Vec<Duration>, String> {
    let cache = scratch.join("rule-cache-cold");
    let mut out = Vec::with_capacity(runs);
    for i in 0..=runs {
        let _ = std::fs::remove_dir_all(&cache);
        let run = measure::run_isolated(
            starl,
            &["lint".as_ref(), story.as_os_str()],
            &[("STARL_CACHE_DIR", cache.as_os_str())],
            1,
            &scratch.join("stderr.txt"),
        )?
        .pop()
        .ok_or("the measuring helper reported no run")?;
        check_lint_exit(&run)?;
        if i > 0 {
            out.push(run.wall);
        }
    }
    let _ = std::fs::remove_dir_all(&cache);
    Ok(out)
}

/// `starl lint` exits 0 (clean) or 1 (error-level findings); anything else is a failure of the
/// run, not a finding.
fn check_lint_exit(run: &measure::ChildRun) -> Result<(), String> {
    match run.code {
        Some(0 | 1) => Ok(()),
        Some(c) => Err(format!("starl lint exited with {c}: {}", run.stderr.trim())),
        None => Err(format!("starl lint was killed by a signal: {}", run.stderr.trim())),
    }
}

fn lint_dir(starl: &Path, dir: &Path, scratch: &Path) -> Result<measure::ChildRun, String> {
    let args = ["lint".as_ref(), "--format".as_ref(), "json".as_ref(), dir.as_os_str()];
    let cache = rule_cache(scratch);
    let envs = [("STARL_CACHE_DIR", cache.as_os_str())];
    let run = measure::run_isolated(starl, &args, &envs, 1, &scratch.join("stderr.txt"))?
        .pop()
        .ok_or("the measuring helper reported no run")?;
    check_lint_exit(&run)?;
    Ok(run)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// The JSON key for a figure that could not be had: `skipped` (no usable starl binary) or `error`
/// (starl ran and failed).
fn not_measured(why: &str) -> &'static str {
    if why.starts_with("skipped:") {
        "skipped"
    } else {
        "error"
    }
}

/// Whether a measured figure meets its target: unknown when skipped, failed when starl failed.
fn pass<T>(r: &Result<T, String>, meets: impl Fn(&T) -> bool) -> Option<bool> {
    match r {
        Ok(v) => Some(meets(v)),
        Err(e) if not_measured(e) == "error" => Some(false),
        Err(_) => None,
    }
}

fn verdict(pass: Option<bool>) -> &'static str {
    match pass {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "SKIP",
    }
}

fn run(args: &Args) -> Result<(), String> {
    let note = |s: &str| {
        if !args.json {
            eprintln!("starl-bench: {s}");
        }
    };
    note(&format!("generating {} stories (seed {})", args.stories, args.seed));
    let c = write_corpus(args)?;
    let stories = load(&c.all)?;
    let bytes: usize = stories.iter().map(String::len).sum();

    note(&format!("analyzer: {} passes over {:.1} MB on one thread", args.repeat, mb(bytes as u64)));
    let analyzer = Analyzer::builtin();
    let an = measure::analyzer(&analyzer, &stories, args.repeat);
    let phrases = corpus::scan_phrases();
    note(&format!("aho-corasick: {} phrases", phrases.len()));
    let ac = measure::aho_corasick(&phrases, &stories, args.repeat);
    drop(stories);

    let starl = find_starl(args);
    let (one, cold, all, sub) = match &starl {
        Ok(bin) => {
            note(&format!("starl lint one-story.md x {} ({})", args.runs, bin.display()));
            let one = lint_one(bin, &c.one, args.runs, &c.root);
            note(&format!("starl lint one-story.md x {}, no rule cache", args.runs));
            let cold = lint_one_cold(bin, &c.one, args.runs, &c.root);
            note(&format!("starl lint --format json on {} and {} stories", args.stories, c.subset_len));
            let sub = lint_dir(bin, &c.subset, &c.root);
            let all = lint_dir(bin, &c.all, &c.root);
            (one, cold, all, sub)
        }
        Err(e) => {
            let skipped = format!("skipped: {e}");
            (Err(skipped.clone()), Err(skipped.clone()), Err(skipped.clone()), Err(skipped))
        }
    };
    let one_bytes = std::fs::metadata(&c.one).map(|m| m.len()).unwrap_or(0);

    let an_mbs = an.mb_per_s();
    let targets = [
        ("analyzer throughput, one core", format!("≥ {TARGET_MB_PER_S} MB/s"), Some(an_mbs >= TARGET_MB_PER_S)),
        (
            "starl lint one-story.md, warm rule cache, median",
            format!("< {TARGET_LINT_MS} ms"),
            pass(&one, |v| ms(measure::median(v)) < TARGET_LINT_MS),
        ),
        (
            "peak RSS, lint of the corpus",
            format!("< {TARGET_RSS_MB} MB"),
            pass(&all, |r| mb(r.max_rss) < TARGET_RSS_MB),
        ),
    ];

    let child = |r: &Result<measure::ChildRun, String>, n: usize| match r {
        Ok(r) => json!({
            "stories": n,
            "max_rss_mb": round(mb(r.max_rss), 1),
            "wall_s": round(r.wall.as_secs_f64(), 3),
            "exit_code": r.code,
        }),
        Err(e) => json!({ "stories": n, not_measured(e): e }),
    };
    let passes_s = |t: &measure::Throughput| t.passes.iter().map(|d| round(d.as_secs_f64(), 4)).collect::<Vec<_>>();
    let report = json!({
        "corpus": {
            "stories": args.stories,
            "bytes": bytes,
            "mean_story_bytes": bytes / args.stories,
            "seed": args.seed,
            "dir": if c.temporary { Value::Null } else { json!(c.root) },
        },
        "analyzer": {
            "threads": 1,
            "passes_s": passes_s(&an),
            "median_mb_per_s": round(an_mbs, 2),
            "median_stories_per_s": round(an.stories_per_s(), 0),
        },
        "aho_corasick": {
            "phrases": phrases.len(),
            "passes_s": passes_s(&ac),
            "median_mb_per_s": round(ac.mb_per_s(), 1),
        },
        "analyzer_vs_aho_corasick": round(an_mbs / ac.mb_per_s(), 4),
        "lint_one_story": lint_one_json(&one, one_bytes, "warm"),
        "lint_one_story_cold": lint_one_json(&cold, one_bytes, "none"),
        "lint_corpus": child(&all, args.stories),
        "lint_subset": child(&sub, c.subset_len),
        "starl": starl.as_ref().ok(),
        "targets": targets.iter().map(|(name, target, pass)| json!({
            "name": name, "target": target, "verdict": verdict(*pass),
        })).collect::<Vec<_>>(),
    });

    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_table(args, &report);
    }
    if c.temporary {
        let _ = std::fs::remove_dir_all(&c.root);
    }
    Ok(())
}

/// The figures of `starl lint one-story.md`, with the state of the rule cache (`warm`, `none`).
fn lint_one_json(r: &Result<Vec<Duration>, String>, story_bytes: u64, rule_cache: &str) -> Value {
    match r {
        Ok(v) => json!({
            "story_bytes": story_bytes,
            "rule_cache": rule_cache,
            "runs": v.len(),
            "median_ms": round(ms(measure::median(v)), 2),
            "p90_ms": round(ms(measure::percentile(v, 0.9)), 2),
        }),
        Err(e) => json!({ "rule_cache": rule_cache, not_measured(e): e }),
    }
}

fn print_table(args: &Args, r: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let corpus = &r["corpus"];
    println!(
        "corpus: {} stories, {:.1} MB ({} bytes a story on average), seed {}",
        args.stories,
        f(&corpus["bytes"]) / 1e6,
        corpus["mean_story_bytes"],
        args.seed
    );
    println!();
    let row = |what: &str, value: String, target: &str, verdict: &str| {
        println!("{what:<60} {value:>20}   {target:<10} {verdict}");
    };
    row("measure", "value".into(), "target", "");
    row(&"-".repeat(60), "-".repeat(20), "----------", "----");
    let verdicts: Vec<&str> =
        r["targets"].as_array().map_or(vec![], |t| t.iter().map(|x| x["verdict"].as_str().unwrap_or("")).collect());
    let v = |i: usize| verdicts.get(i).copied().unwrap_or("");
    let an = &r["analyzer"];
    row(
        "analyzer throughput (1 thread, median)",
        format!("{:.1} MB/s", f(&an["median_mb_per_s"])),
        &format!("≥ {TARGET_MB_PER_S}"),
        v(0),
    );
    row("  stories per second", format!("{:.0}", f(&an["median_stories_per_s"])), "", "");
    row(
        &format!("aho-corasick scan ({} phrases)", r["aho_corasick"]["phrases"]),
        format!("{:.0} MB/s", f(&r["aho_corasick"]["median_mb_per_s"])),
        "",
        "",
    );
    row("  analyzer / aho-corasick", format!("{:.2}%", 100.0 * f(&r["analyzer_vs_aho_corasick"])), "", "");
    for (key, target, verdict) in
        [("lint_one_story", format!("< {TARGET_LINT_MS} ms"), v(1)), ("lint_one_story_cold", String::new(), "")]
    {
        let one = &r[key];
        let label = if key == "lint_one_story" {
            format!("starl lint one-story.md, warm rule cache ({} B, {} runs)", one["story_bytes"], one["runs"])
        } else {
            "  no rule cache (a first run: compile and write it)".to_owned()
        };
        if let Some(s) = one["skipped"].as_str().or(one["error"].as_str()) {
            row(&label, "-".into(), &target, verdict);
            if key == "lint_one_story" {
                println!("  {s}");
            }
        } else {
            row(&label, format!("{:.2} ms (p90 {:.2})", f(&one["median_ms"]), f(&one["p90_ms"])), &target, verdict);
        }
    }
    for (key, target, verdict) in
        [("lint_corpus", format!("< {TARGET_RSS_MB} MB"), v(2)), ("lint_subset", String::new(), "")]
    {
        let l = &r[key];
        let label = format!("peak RSS, starl lint --format json, {} stories", l["stories"]);
        if let Some(s) = l["skipped"].as_str().or(l["error"].as_str()) {
            row(&label, "-".into(), &target, verdict);
            if key == "lint_corpus" {
                println!("  {s}");
            }
        } else {
            row(&label, format!("{:.1} MB", f(&l["max_rss_mb"])), &target, verdict);
            row("  wall time", format!("{:.3} s", f(&l["wall_s"])), "", "");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Args, String> {
        parse_args(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn arguments() {
        let a = parse("").unwrap();
        assert_eq!((a.stories, a.repeat, a.runs, a.json), (10_000, 5, 50, false));
        let a = parse("--stories 200 --out /tmp/x --json --repeat=3 --starl /bin/starl").unwrap();
        assert_eq!((a.stories, a.repeat, a.json), (200, 3, true));
        assert_eq!(a.out.as_deref(), Some(Path::new("/tmp/x")));
        assert_eq!(a.starl.as_deref(), Some(Path::new("/bin/starl")));
        assert!(parse("--stories").is_err());
        assert!(parse("--stories x").is_err());
        assert!(parse("--stories 0").is_err());
        assert!(parse("--frobnicate").is_err());
        assert_eq!(parse("--help").unwrap_err(), "");
    }

    #[test]
    fn refuses_to_clear_a_folder_it_did_not_make() {
        let dir = std::env::temp_dir().join(format!("starl-bench-refuse-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("corpus")).unwrap();
        std::fs::write(dir.join("corpus/keep.md"), "mine").unwrap();
        let args = parse(&format!("--stories 3 --out {}", dir.display())).unwrap();
        assert!(write_corpus(&args).is_err());
        assert!(dir.join("corpus/keep.md").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_corpus_subset_and_one_story() {
        let dir = std::env::temp_dir().join(format!("starl-bench-write-{}", std::process::id()));
        let args = parse(&format!("--stories 25 --out {}", dir.display())).unwrap();
        let c = write_corpus(&args).unwrap();
        assert_eq!(load(&c.all).unwrap().len(), 25);
        assert_eq!(load(&c.subset).unwrap().len(), 2);
        assert!(std::fs::metadata(&c.one).unwrap().len() > 1000);
        // A second run over the same folder starts afresh.
        let args = parse(&format!("--stories 12 --out {}", dir.display())).unwrap();
        let c = write_corpus(&args).unwrap();
        assert_eq!(load(&c.all).unwrap().len(), 12);
        assert_eq!(load(&c.subset).unwrap().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
