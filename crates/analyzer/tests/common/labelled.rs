//! Labelled stories and the metrics of `shared/eval/score.py`, shared by the corpus test and the
//! `eval` example.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use starl_analyzer::{Analyzer, Report};

#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub text: String,
    pub labels: BTreeSet<String>,
    pub verdict: String,
}

/// A story file whose YAML front matter holds its labels:
/// `verdict: bad`, `flags: [a, b]`, `strengths: [c]`, `note: "..."`.
pub fn parse_case(id: &str, text: &str) -> Result<Case, String> {
    let body = text.strip_prefix("---\n").ok_or_else(|| format!("{id}: no front matter"))?;
    let end = body.find("\n---").ok_or_else(|| format!("{id}: front matter not closed"))?;
    let mut labels = BTreeSet::new();
    let mut verdict = String::new();
    for line in body[..end].lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let v = v.trim();
        match k.trim() {
            "verdict" => verdict = v.to_owned(),
            "flags" | "strengths" => {
                let inner = v.trim_start_matches('[').trim_end_matches(']');
                labels.extend(inner.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
            }
            _ => {}
        }
    }
    Ok(Case { id: id.to_owned(), text: text.to_owned(), labels, verdict })
}

pub fn load_dir(dir: &std::path::Path) -> Vec<Case> {
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    paths.sort();
    paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().into_owned();
            parse_case(&id, &std::fs::read_to_string(p).unwrap()).unwrap()
        })
        .collect()
}

pub fn predicted(r: &Report) -> BTreeSet<String> {
    r.diagnostics.iter().map(|d| d.rule.clone()).chain(r.strengths.iter().map(|s| s.rule.clone())).collect()
}

pub struct Scores {
    pub table: String,
    pub macro_f1: f64,
    pub auc: f64,
    pub misses: Vec<String>,
}

/// Per-label precision/recall/F1 over the labels present in the gold set, macro-F1, and the AUC of
/// `score` for good against bad stories (ties count half), as `score.py` computes them.
pub fn score(analyzer: &Analyzer, cases: &[Case]) -> Scores {
    let labels: BTreeSet<String> = cases.iter().flat_map(|c| c.labels.iter().cloned()).collect();
    let mut counts: BTreeMap<&str, [u32; 3]> = labels.iter().map(|l| (l.as_str(), [0; 3])).collect();
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    let mut misses = Vec::new();
    for c in cases {
        let r = analyzer.analyze(&c.text);
        let pred = predicted(&r);
        for l in &labels {
            let e = counts.get_mut(l.as_str()).unwrap();
            match (c.labels.contains(l), pred.contains(l)) {
                (true, true) => e[0] += 1,
                (false, true) => {
                    e[1] += 1;
                    misses.push(format!("{l:22} FALSE  {}", c.id));
                }
                (true, false) => {
                    e[2] += 1;
                    misses.push(format!("{l:22} MISSED {}", c.id));
                }
                _ => {}
            }
        }
        match c.verdict.as_str() {
            "good" => good.push(r.score),
            "bad" => bad.push(r.score),
            _ => {}
        }
    }
    let mut table = format!("{:24} {:>7} {:>6} {:>6} {:>6}\n", "label", "support", "P", "R", "F1");
    let mut f1s = Vec::new();
    for (l, [tp, fp, fn_]) in &counts {
        let (tp, fp, fn_) = (*tp as f64, *fp as f64, *fn_ as f64);
        let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        table.push_str(&format!("{l:24} {:>7} {p:6.2} {r:6.2} {f:6.2}\n", tp + fn_));
        f1s.push(f);
    }
    let macro_f1 = f1s.iter().sum::<f64>() / f1s.len().max(1) as f64;
    let mut wins = 0.0;
    for g in &good {
        for b in &bad {
            wins += if g > b {
                1.0
            } else if g == b {
                0.5
            } else {
                0.0
            };
        }
    }
    let auc = if good.is_empty() || bad.is_empty() { f64::NAN } else { wins / (good.len() * bad.len()) as f64 };
    misses.sort();
    Scores { table, macro_f1, auc, misses }
}
