//! The labelled stories of `tests/cases/` (and the shared dev set when it is beside the repo):
//! accuracy floors, and a snapshot of what the analyzer says about every case, so any change in
//! behaviour shows up as a reviewable diff (`cargo insta review`, or `INSTA_UPDATE=always`).

mod common;

use common::labelled::{load_dir, predicted, score};
use starl_analyzer::Analyzer;

fn cases_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

#[test]
fn labelled_cases_meet_the_accuracy_floor() {
    let cases = load_dir(&cases_dir());
    assert!(cases.len() >= 140, "the corpus shrank: {} cases", cases.len());
    let s = score(&Analyzer::builtin(), &cases);
    println!("{}macro-F1 {:.3} AUC {:.3}\n{}", s.table, s.macro_f1, s.auc, s.misses.join("\n"));
    // Floors a little under today's figures: raise them as the rules improve, never lower them
    // for the same cases. (0.92 → 0.91 when cases 207-242 joined: 36 stories written blind, on
    // which starl scored 0.805 before tuning and 0.860 after; the 206 earlier cases stayed at
    // 0.926. Cases 243-282 joined in the fourth round: 40 stories written blind, 0.843 before
    // tuning; the whole corpus then stood at 0.924, AUC 0.995. Cases 283-322, a fifth blind set
    // aimed at subtle blame, excuses, platitudes and root causes: 0.913 before tuning; the
    // corpus then 0.930, and the floor went back up to 0.92. Cases 323-358, a sixth blind set in
    // the voice of real candidates (rambling transcripts, implied blame): 0.842, AUC 0.915 before
    // tuning, 0.931 / 0.979 after; the corpus 0.933, AUC 0.991. Cases 359-438, a seventh and
    // eighth blind set (implied blame and excuses; root causes, lessons, passives and fixes in
    // many wordings): 0.779 / AUC 0.975 and 0.804 / AUC 1.000 before tuning, 0.882 and 0.893
    // after; the corpus 0.929, AUC 0.992. Cases 439-518, a ninth and tenth blind set (answers in
    // the style of published ones, many kinds of failure; the less obvious rules and their near
    // misses): 0.787 / AUC 0.989 and 0.776 / AUC 0.988 before tuning, 0.849 and 0.875 (AUC 1.000)
    // after; the corpus 0.925, AUC 0.992. Cases 519-598, an eleventh and twelfth set (spoken
    // answers from many roles, some by non-native speakers; written story-bank entries in every
    // layout): 0.916 / AUC 1.000 and 0.732 / AUC 1.000 before tuning, 0.929 and 0.827 after; the
    // corpus 0.921, AUC 0.992. Cases 599-638, a thirteenth set (leaders and engineers on people,
    // process, strategy and technology failures): 0.884 / AUC 0.989 before tuning, 0.905 / 1.000
    // after; the corpus 0.923, AUC 0.993. Cases 639-718, a fourteenth and fifteenth set (blame
    // and excuses told as narrative, in plain prose; failures of every kind - promotions,
    // interviews, hires, bets - with headings in every style): 0.737 / AUC 0.994 and 0.892 / AUC
    // 1.000 before tuning, 0.839 and 0.923 (AUC 1.000) after; the corpus 0.921, AUC 0.995.)
    assert!(s.macro_f1 >= 0.92, "macro-F1 fell to {:.3}", s.macro_f1);
    assert!(s.auc >= 0.99, "good/bad separation fell to AUC {:.3}", s.auc);
}

#[test]
fn every_case_has_labels_from_the_contract() {
    let analyzer = Analyzer::builtin();
    for c in load_dir(&cases_dir()) {
        assert!(matches!(c.verdict.as_str(), "good" | "bad" | "mixed"), "{}: verdict {:?}", c.id, c.verdict);
        for l in &c.labels {
            assert!(analyzer.rules().rule(l).is_some(), "{}: unknown label {l}", c.id);
        }
    }
}

#[test]
fn snapshot_of_every_case() {
    let analyzer = Analyzer::builtin();
    let mut out = String::new();
    for c in load_dir(&cases_dir()) {
        let r = analyzer.analyze(&c.text);
        let pred: Vec<String> = predicted(&r).into_iter().collect();
        let parts: Vec<&str> = r.parts.iter().map(|p| p.part.as_str()).collect();
        out.push_str(&format!(
            "{} score={} {} {} [{}] fits=[{}]\n    {}\n",
            c.id,
            r.score,
            r.framework,
            r.category,
            parts.join(" "),
            r.fits.join(" "),
            pred.join(" ")
        ));
    }
    insta::assert_snapshot!("cases", out);
}

/// `tests/holdout/` was written blind, by someone who never saw the rules, to measure how the
/// rules generalise. Look only at this aggregate; never tune a rule to a sentence in it.
#[test]
fn blind_holdout_floor() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/holdout");
    let cases = load_dir(&dir);
    assert!(cases.len() >= 70);
    let s = score(&Analyzer::builtin(), &cases);
    println!("hold-out macro-F1 {:.3} AUC {:.3}", s.macro_f1, s.auc);
    assert!(s.macro_f1 >= 0.78, "hold-out macro-F1 fell to {:.3}", s.macro_f1);
    assert!(s.auc >= 0.97, "hold-out AUC fell to {:.3}", s.auc);
}
