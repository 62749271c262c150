//! Score the analyzer on a labelled set: a JSONL file in the format of `shared/eval/dev.jsonl`,
//! or a folder of story files with labels in their front matter (`tests/cases`).
//!
//! `cargo run --release -p starl-analyzer --example eval -- PATH [--misses]`

#[path = "../tests/common/labelled.rs"]
mod labelled;

use std::collections::BTreeSet;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: eval PATH [--misses]");
        std::process::exit(2);
    };
    let path = std::path::Path::new(path);
    let cases = if path.is_dir() {
        labelled::load_dir(path)
    } else {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let labels: BTreeSet<String> = ["flags", "strengths"]
                    .iter()
                    .flat_map(|k| v[k].as_array().cloned().unwrap_or_default())
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect();
                labelled::Case {
                    id: v["id"].as_str().unwrap_or("?").to_owned(),
                    text: v["text"].as_str().unwrap_or("").to_owned(),
                    labels,
                    verdict: v["verdict"].as_str().unwrap_or("").to_owned(),
                }
            })
            .collect()
    };
    let s = labelled::score(&starl_analyzer::Analyzer::builtin(), &cases);
    print!("{}", s.table);
    if args.iter().any(|a| a == "--scores") {
        let a = starl_analyzer::Analyzer::builtin();
        let mut v: Vec<_> = cases.iter().map(|c| (a.analyze(&c.text), c)).collect();
        v.sort_by_key(|(r, _)| r.score);
        for (r, c) in v {
            println!("  {:3} {:5} {} {:?}", r.score, c.verdict, c.id, r.themes);
        }
    }
    if args.iter().any(|a| a == "--misses") {
        for m in &s.misses {
            println!("  {m}");
        }
    }
    println!("macro-F1 {:.3} AUC {:.3} stories {}", s.macro_f1, s.auc, cases.len());
}
