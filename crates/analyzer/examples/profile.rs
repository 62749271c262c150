//! Analyse every labelled case many times (for profilers): `--example profile -- N [DIR]`.
//! `DIR` (default `tests/cases`) may be any folder of stories, e.g. a corpus written by
//! `starl-bench --out DIR` (its `corpus/` folder).
/// The `starl` binary's allocator: profile what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = std::env::args()
        .nth(2)
        .map_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases"), Into::into);
    let mut texts: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| std::fs::read_to_string(e.path()).unwrap()).collect();
    texts.sort();
    let a = starl_analyzer::Analyzer::builtin();
    let bytes: usize = texts.iter().map(String::len).sum::<usize>() * n;
    let t = std::time::Instant::now();
    let mut score = 0usize;
    for _ in 0..n {
        for s in &texts {
            score += a.analyze(s).score as usize;
        }
    }
    let e = t.elapsed();
    println!("{:.2} MB/s ({} bytes, checksum {score})", bytes as f64 / e.as_secs_f64() / 1e6, bytes);
}
