//! The journal's speed targets (issue 3), measured on the real `starl` binary: with 100,000
//! entries and 1,000 stories, `starl entries --search WORD` and `--tag` answer in under 50 ms,
//! `starl bank` in under 200 ms, and opening the database to print nothing takes under 10 ms.
//!
//! ```text
//! cargo bench -p starl --bench journal                     # 100,000 entries, 1,000 stories
//! cargo bench -p starl --bench journal -- --runs 31 --entries 20000 --keep /tmp/journal.db
//! ```
//!
//! It generates the data set (deterministically) into a temporary database through the store,
//! then times whole `starl` invocations — process start, opening the database, the query, the
//! output to /dev/null — and prints the median of `--runs` runs (after one warm-up run) with
//! PASS/FAIL against each target. Rows without a target are for information. Not a test: a
//! loaded machine fails it, and CI must not.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use starl_store::{Bundle, Category, Entry, FollowUp, Store, Story, Timestamp};
use starl_store_sqlite::SqliteStore;

/// Domain words, most frequent first: word `r` is drawn with probability proportional to 1/(r+1).
const WORDS: &[&str] = &[
    "the",
    "deploy",
    "team",
    "release",
    "migration",
    "customer",
    "review",
    "database",
    "service",
    "test",
    "rollback",
    "schema",
    "cache",
    "latency",
    "incident",
    "outage",
    "estimate",
    "deadline",
    "manager",
    "feedback",
    "handoff",
    "oncall",
    "budget",
    "hiring",
    "roadmap",
    "config",
    "alert",
    "queue",
    "index",
    "backup",
    "checklist",
    "runbook",
    "staging",
    "canary",
    "capacity",
    "contract",
    "vendor",
    "priority",
    "scope",
    "sprint",
    "demo",
    "stakeholder",
    "escalation",
    "postmortem",
    "dashboard",
    "timeout",
    "retry",
    "dependency",
    "upgrade",
    "security",
    "audit",
    "privacy",
    "billing",
    "invoice",
    "payroll",
    "mobile",
    "android",
    "kafka",
    "terraform",
    "kubernetes",
];

const TOPICS: &[&str] = &["deploy", "database", "people", "estimation", "communication", "security", "ops", "vendor"];

/// SplitMix64: the same data set on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A word by Zipf's law over [`WORDS`].
    fn word(&mut self) -> &'static str {
        let total: f64 = (1..=WORDS.len()).map(|r| 1.0 / r as f64).sum();
        let mut x = (self.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        for (r, w) in WORDS.iter().enumerate() {
            x -= 1.0 / (r + 1) as f64;
            if x <= 0.0 {
                return w;
            }
        }
        WORDS[WORDS.len() - 1]
    }
    fn text(&mut self, words: usize) -> String {
        let mut s = String::new();
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.word());
        }
        s.push('.');
        s
    }
}

/// The analyzer's labelled cases, as story bodies (front matter dropped).
fn case_bodies() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../analyzer/tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            match text.strip_prefix("---\n").and_then(|t| t.split_once("\n---\n")) {
                Some((_, body)) => body.trim_start().to_owned(),
                None => text,
            }
        })
        .collect()
}

fn generate(path: &Path, entries: usize, stories: usize) -> Duration {
    let mut rng = Rng(0x5354_524C);
    let now = Timestamp::from_second(1_770_000_000).unwrap();
    let start = jiff::civil::date(2020, 1, 1);
    let mut b = Bundle::default();
    for i in 0..entries {
        // Mostly logged in order, some backdated: ids and dates are not in step.
        let day = if rng.below(10) == 0 { rng.below(2200) } else { i * 2200 / entries.max(1) };
        let happened = start.checked_add(jiff::Span::new().days(day as i64)).unwrap();
        let mut e = Entry::new(format!("{} {} went wrong ({i})", rng.word(), rng.word()), happened, now);
        e.id = i as i64 + 1;
        e.what_happened = rng.text(40);
        e.impact = rng.text(12);
        e.my_part = rng.text(10);
        e.root_cause = format!("{} incident{}", rng.text(12), rng.below(5000));
        e.what_i_did = rng.text(10);
        e.learned = rng.text(12);
        e.will_change = rng.text(8);
        e.category =
            [None, Some(Category::Technical), Some(Category::Leadership), Some(Category::Communication)][rng.below(4)];
        e.severity = Some(1 + rng.below(5) as u8);
        e.tags = vec![format!("team{}", rng.below(200)), TOPICS[rng.below(TOPICS.len())].to_owned()];
        if rng.below(3) == 0 {
            e.follow_up = Some(FollowUp::open(happened.checked_add(jiff::Span::new().days(30)).unwrap()));
        }
        b.entries.push(e);
    }
    let bodies = case_bodies();
    for i in 0..stories {
        // Each body distinct, so each is analysed (and cached) on its own.
        let body = format!("{}\n\nStory {i} of the bank.\n", bodies[i % bodies.len()].trim_end());
        let mut s = Story::new(format!("Story {i}"), body, now);
        s.ready = true;
        s.entry_id = (entries > 0).then(|| (i * 97 % entries) as i64 + 1);
        b.stories.push(s);
    }
    let t = Instant::now();
    SqliteStore::open(path).and_then(|mut s| s.import(&b)).expect("the data set imports");
    t.elapsed()
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    /// The target in milliseconds; `None`: for information.
    target: Option<f64>,
}

fn run(starl: &Path, db: &Path, dir: &Path, args: &[String]) -> Duration {
    let t = Instant::now();
    let status = Command::new(starl)
        .args(args)
        .arg("--db")
        .arg(db)
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("starl runs");
    let took = t.elapsed();
    assert!(status.success(), "starl {args:?} failed: {status}");
    took
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let mut entries = 100_000;
    let mut stories = 1_000;
    let mut runs = 21;
    let mut keep: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--entries" => entries = value().parse().expect("--entries N"),
            "--stories" => stories = value().parse().expect("--stories N"),
            "--runs" => runs = value().parse().expect("--runs N"),
            "--keep" => keep = Some(PathBuf::from(value())),
            "--bench" => {} // cargo bench passes it
            other => panic!("unknown argument {other} (--entries N --stories N --runs N --keep PATH)"),
        }
    }
    let starl = PathBuf::from(env!("CARGO_BIN_EXE_starl"));
    let tmp = tempfile::tempdir().unwrap();
    let db = keep.clone().unwrap_or_else(|| tmp.path().join("starl.db"));
    if !db.exists() {
        let took = generate(&db, entries, stories);
        println!("generated {entries} entries and {stories} ready stories in {:.1} s", took.as_secs_f64());
    } else {
        println!("using {}", db.display());
    }
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("database: {:.1} MB; {runs} runs per command, median\n", size as f64 / 1e6);

    // The bank with a cold cache analyses every ready story (on every core) and keeps the
    // analyses: that is its first run, and the first after the rules change. Each run here gets
    // a configuration of its own (a different `max_seconds`), so each is cold.
    let cold: Vec<f64> = {
        let mut t: Vec<f64> = (0..runs.clamp(1, 5))
            .map(|i| {
                let config = tmp.path().join(format!("cold{i}.toml"));
                std::fs::write(&config, format!("max_seconds = {}\n", 300 + i)).unwrap();
                ms(run(&starl, &db, tmp.path(), &["bank".into(), "--config".into(), config.display().to_string()]))
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t
    };

    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let cases = [
        Case { name: "starl --version (process start, no database)", args: s(&["--version"]), target: None },
        Case {
            name: "open the database, print nothing",
            args: s(&["entries", "--search", "xyzzy"]),
            target: Some(10.0),
        },
        Case { name: "open the database, nothing due", args: s(&["due", "--on", "2000-01-01"]), target: Some(10.0) },
        Case { name: "entries (latest 100)", args: s(&["entries"]), target: None },
        Case {
            name: "entries --search deploy (most common word)",
            args: s(&["entries", "--search", "deploy"]),
            target: Some(50.0),
        },
        Case {
            name: "entries --search latency (mid-frequency)",
            args: s(&["entries", "--search", "latency"]),
            target: Some(50.0),
        },
        Case {
            name: "entries --search kubernetes (least common)",
            args: s(&["entries", "--search", "kubernetes"]),
            target: Some(50.0),
        },
        Case {
            name: "entries --search incident42 (prefix, rare)",
            args: s(&["entries", "--search", "incident42"]),
            target: Some(50.0),
        },
        Case {
            name: "entries --search 'rollback customer'",
            args: s(&["entries", "--search", "rollback customer"]),
            target: Some(50.0),
        },
        Case { name: "entries --tag ops (12%)", args: s(&["entries", "--tag", "ops"]), target: Some(50.0) },
        Case { name: "entries --tag team7 (0.5%)", args: s(&["entries", "--tag", "team7"]), target: Some(50.0) },
        Case {
            name: "entries --tag team7 --search deploy",
            args: s(&["entries", "--tag", "team7", "--search", "deploy"]),
            target: None,
        },
        Case {
            name: "entries --tag ops --since 2024-01-01",
            args: s(&["entries", "--tag", "ops", "--since", "2024-01-01"]),
            target: None,
        },
        Case { name: "entries --category leadership", args: s(&["entries", "--category", "leadership"]), target: None },
        Case {
            name: "entries --search deploy --format json --limit 50",
            args: s(&["entries", "--search", "deploy", "--format", "json", "--limit", "50"]),
            target: None,
        },
        Case { name: "bank (1,000 ready stories, cache warm)", args: s(&["bank"]), target: Some(200.0) },
        Case { name: "bank --format json", args: s(&["bank", "--format", "json"]), target: Some(200.0) },
        Case { name: "story list", args: s(&["story", "list"]), target: None },
    ];
    println!("{:<52} {:>9} {:>9} {:>9} {:>8}  result", "command", "median", "min", "max", "target");
    let mut failed = 0;
    for c in &cases {
        run(&starl, &db, tmp.path(), &c.args); // warm-up: page cache, the bank's cache
        let mut times: Vec<f64> = (0..runs).map(|_| ms(run(&starl, &db, tmp.path(), &c.args))).collect();
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let (result, target) = match c.target {
            Some(t) if median < t => ("PASS", format!("< {t:.0} ms")),
            Some(t) => {
                failed += 1;
                ("FAIL", format!("< {t:.0} ms"))
            }
            None => ("info", String::new()),
        };
        println!(
            "{:<52} {:>6.1} ms {:>6.1} ms {:>6.1} ms {:>8}  {result}",
            c.name,
            median,
            times[0],
            times[times.len() - 1],
            target
        );
    }
    let name = format!("bank, cache cold ({} runs; analyses every story)", cold.len());
    println!(
        "{name:<52} {:>6.1} ms {:>6.1} ms {:>6.1} ms {:>8}  info",
        cold[cold.len() / 2],
        cold[0],
        cold[cold.len() - 1],
        ""
    );
    println!("cores: {}", std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!("\n{}", if failed == 0 { "all targets met".to_owned() } else { format!("{failed} target(s) missed") });
    if failed > 0 {
        std::process::exit(1);
    }
}
