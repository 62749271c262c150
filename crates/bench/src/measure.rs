//! The measurements: in-process throughput, and the wall time and peak memory of child processes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aho_corasick::AhoCorasick;
use starl_analyzer::Analyzer;

/// Throughput of one way of reading the corpus, from `repeat` timed passes over all of it.
#[derive(Debug, Clone)]
pub struct Throughput {
    pub passes: Vec<Duration>,
    pub bytes: usize,
    pub stories: usize,
}

impl Throughput {
    pub fn median(&self) -> Duration {
        median(&self.passes)
    }

    /// Megabytes (10^6 bytes) a second, over the median pass.
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.median().as_secs_f64()
    }

    pub fn stories_per_s(&self) -> f64 {
        self.stories as f64 / self.median().as_secs_f64()
    }
}

/// One untimed warm-up pass, then `repeat` timed passes of `f` over every story, on this thread.
fn passes(stories: &[String], repeat: usize, mut f: impl FnMut(&str) -> usize) -> Throughput {
    let mut sink = 0usize;
    for s in stories {
        sink = sink.wrapping_add(f(s));
    }
    let mut out = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t = Instant::now();
        for s in stories {
            sink = sink.wrapping_add(f(std::hint::black_box(s)));
        }
        out.push(t.elapsed());
    }
    std::hint::black_box(sink);
    Throughput { passes: out, bytes: stories.iter().map(String::len).sum(), stories: stories.len() }
}

/// `Analyzer::analyze` over every story.
pub fn analyzer(analyzer: &Analyzer, stories: &[String], repeat: usize) -> Throughput {
    passes(stories, repeat, |s| {
        let r = analyzer.analyze(s);
        r.diagnostics.len() + r.strengths.len() + r.parts.len()
    })
}

/// A plain case-insensitive multi-pattern scan of the same bytes: the floor that any phrase
/// matcher pays. A DFA, the fastest kind for this many patterns (the default kind picks an NFA
/// here and runs about half as fast), so that the ratio is taken against the strongest baseline.
pub fn aho_corasick(phrases: &[String], stories: &[String], repeat: usize) -> Throughput {
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(phrases)
        .expect("phrases compile");
    passes(stories, repeat, |s| ac.find_iter(s).count())
}

/// A finished child process.
#[derive(Debug, Clone)]
pub struct ChildRun {
    pub wall: Duration,
    /// Exit code, or `None` when killed by a signal.
    pub code: Option<i32>,
    /// Peak resident set size of the child, in bytes.
    pub max_rss: u64,
    pub stderr: String,
}

/// The hidden argument that makes `starl-bench` the helper of [`run_isolated`].
pub const HELPER: &str = "__run-child";

/// Run `program args` `runs` times, each measured by [`run_child`], from a fresh helper process
/// (this executable, started with [`HELPER`]), with `envs` added to the environment.
///
/// Why a helper: on Linux a child's `ru_maxrss` is at least the peak RSS of the process it was
/// spawned from, because `exec` folds the old address space's high-water mark into it (`fork` and
/// `vfork`/`posix_spawn` alike). Spawned from this process, which has held the whole corpus in
/// memory, `starl` would be charged for the corpus. The helper is a new, small process, so what
/// it reports is `starl`'s own peak (or the helper's few MB, if that were larger).
pub fn run_isolated(
    program: &Path,
    args: &[&std::ffi::OsStr],
    envs: &[(&str, &std::ffi::OsStr)],
    runs: usize,
    stderr_file: &Path,
) -> Result<Vec<ChildRun>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this executable: {e}"))?;
    let out = Command::new(exe)
        .envs(envs.iter().copied())
        .arg(HELPER)
        .arg(runs.to_string())
        .arg(stderr_file)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start the measuring helper: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("the measuring helper failed ({}): {}", out.status, text.trim()));
    }
    let stderr = std::fs::read_to_string(stderr_file).unwrap_or_default();
    let runs: Option<Vec<ChildRun>> = text
        .lines()
        .map(|l| {
            let mut f = l.split_whitespace();
            let code = f.next()?;
            Some(ChildRun {
                code: if code == "-" { None } else { Some(code.parse().ok()?) },
                max_rss: f.next()?.parse().ok()?,
                wall: Duration::from_nanos(f.next()?.parse().ok()?),
                stderr: stderr.clone(),
            })
        })
        .collect();
    runs.ok_or_else(|| format!("the measuring helper said something unexpected: {}", text.trim()))
}

/// The helper's side of [`run_isolated`]: `RUNS STDERR_FILE PROGRAM ARGS...`; one line per run on
/// standard output: exit code (`-` when killed by a signal), peak RSS in bytes, wall time in ns.
pub fn helper_main(args: &[String]) -> Result<(), String> {
    let [runs, stderr_file, program, rest @ ..] = args else {
        return Err(format!("usage: starl-bench {HELPER} RUNS STDERR_FILE PROGRAM [ARGS...]"));
    };
    let runs: usize = runs.parse().map_err(|_| format!("not a number: {runs}"))?;
    for _ in 0..runs {
        let mut cmd = Command::new(program);
        cmd.args(rest);
        let r = run_child(cmd, Path::new(stderr_file)).map_err(|e| format!("cannot run {program}: {e}"))?;
        let code = r.code.map_or_else(|| "-".to_owned(), |c| c.to_string());
        println!("{code} {} {}", r.max_rss, r.wall.as_nanos());
    }
    Ok(())
}

/// Run `cmd` with standard output to `/dev/null` and wait for it with `wait4`, which reports the
/// child's own peak memory (not the maximum over all children, as `getrusage(RUSAGE_CHILDREN)`
/// would). Wall time runs from just before the spawn to the reaping of the child.
pub fn run_child(mut cmd: Command, stderr_file: &Path) -> std::io::Result<ChildRun> {
    let err = std::fs::File::create(stderr_file)?;
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(err);
    let t = Instant::now();
    let child = cmd.spawn()?;
    let (status, max_rss_kb) = wait4(child.id())?;
    let wall = t.elapsed();
    // The child is reaped: `child` must not be waited on again; dropping it does nothing.
    drop(child);
    let code = if libc::WIFEXITED(status) { Some(libc::WEXITSTATUS(status)) } else { None };
    let stderr = std::fs::read_to_string(stderr_file).unwrap_or_default();
    Ok(ChildRun { wall, code, max_rss: max_rss_kb * 1024, stderr })
}

/// Wait for child `pid`; its wait status and peak RSS in KiB (`ru_maxrss` on Linux).
#[allow(unsafe_code)]
fn wait4(pid: u32) -> std::io::Result<(i32, u64)> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| std::io::Error::other("pid out of range"))?;
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `rusage` is plain old data, valid when zeroed; `wait4` writes to the two
        // pointers, which are valid and exclusive for the duration of the call.
        let (ret, rusage) = unsafe {
            let mut rusage: libc::rusage = std::mem::zeroed();
            let ret = libc::wait4(pid, &mut status, 0, &mut rusage);
            (ret, rusage)
        };
        if ret == pid {
            return Ok((status, u64::try_from(rusage.ru_maxrss).unwrap_or(0)));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

pub fn median(xs: &[Duration]) -> Duration {
    percentile(xs, 0.5)
}

/// Nearest-rank percentile (`p` in `0.0..=1.0`); zero for no samples.
pub fn percentile(xs: &[Duration], p: f64) -> Duration {
    if xs.is_empty() {
        return Duration::ZERO;
    }
    let mut v = xs.to_vec();
    v.sort();
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(xs: &[u64]) -> Vec<Duration> {
        xs.iter().map(|&x| Duration::from_millis(x)).collect()
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let xs = ms(&[5, 1, 4, 2, 3]);
        assert_eq!(median(&xs), Duration::from_millis(3));
        assert_eq!(percentile(&xs, 0.9), Duration::from_millis(5));
        assert_eq!(percentile(&xs, 0.0), Duration::from_millis(1));
        let ten = ms(&[10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(percentile(&ten, 0.9), Duration::from_millis(9));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn child_exit_code_and_memory() {
        let dir = std::env::temp_dir().join(format!("starl-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo oops >&2; exit 3"]);
        let run = run_child(cmd, &dir.join("stderr")).unwrap();
        assert_eq!(run.code, Some(3));
        assert_eq!(run.stderr.trim(), "oops");
        assert!(run.max_rss > 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
