//! Practice, reframing, peer review and the quarterly review, end to end: the real binary, a
//! temporary data folder, no terminal (the countdown is checked by hand in tmux).

mod common;

use common::{Journal as Env, GOOD};

const TRANSCRIPT: &str = "Um, so I pushed a config change straight to production and it broke payments for thirty minutes. \
It was, like, my mistake: I skipped the review. I told my manager within five minutes, uh, rolled it back and wrote the incident report. \
I learned that every production config needs a second pair of eyes, and since then I added branch protection that has caught two bad changes. \
I like that it's, you know, boring now.";

fn widths_fit(text: &str, width: usize) {
    for l in text.lines() {
        assert!(l.chars().count() <= width, "wider than {width}: {l:?}\n{text}");
    }
}

#[test]
fn practice_an_answer_from_a_file_then_see_the_history() {
    let env = Env::new();
    env.write("answer.md", GOOD);
    let r = env.run(&["practice", "--question", "failed", "--answer-file", "answer.md"]).ok();
    assert!(r.stdout.starts_with("Question (failed): Tell me about a time you failed."), "{r:?}");
    assert!(r.stdout.contains("What interviewers look for:\n  - Self-awareness and honesty"), "{r:?}");
    assert!(r.stdout.contains("Score ") && r.stdout.contains("themes   ownership"), "{r:?}");
    assert!(r.stdout.contains("saved attempt 1"), "{r:?}");
    // JSON: the summary and the attempt's id; the answer from standard input.
    let j =
        env.stdin(&["practice", "--question", "failed", "--answer-file", "-", "--format", "json"], GOOD).ok().json();
    assert_eq!((j["question"]["id"].as_str(), j["attempt_id"].as_i64()), (Some("failed"), Some(2)));
    assert!(j["summary"]["score"].as_u64().unwrap() >= 70, "{j}");
    assert!(j["summary"]["pace"].is_null() && j["summary"]["fillers"].is_null(), "no pace without a duration");
    let h = env.run(&["practice", "history", "--format", "json"]).ok().json();
    assert_eq!(h["points"].as_array().unwrap().len(), 2);
    assert_eq!(h["by_question"]["failed"], 2);
    let table = env.run(&["practice", "history", "--question", "failed"]).ok().stdout;
    assert!(table.contains("Practice history, `failed`: 2 attempts") && table.contains('█'), "{table}");
    widths_fit(&table, 100);
    // A narrow terminal: shorter bars, no table, nothing wider than it; too narrow for bars:
    // the numbers alone.
    let narrow = env.run_env(&["practice", "history"], "COLUMNS", "20").ok().stdout;
    assert!(
        !narrow.contains("QUESTION") && narrow.matches(" 98\n").count() + narrow.matches('█').count() > 0,
        "{narrow}"
    );
    widths_fit(&narrow, 20);
    let tiny = env.run_env(&["practice", "history"], "COLUMNS", "12").ok().stdout;
    assert!(tiny.contains("98\n") && tiny.contains("1:58\n") && !tiny.contains("█ 98"), "{tiny}");
    widths_fit(&tiny, 12);
}

#[test]
fn a_transcript_gets_pace_and_filler_words() {
    let env = Env::new();
    env.write("talk.txt", TRANSCRIPT);
    let j = env
        .run(&[
            "practice",
            "--question",
            "mistake-affected-others",
            "--transcript",
            "talk.txt",
            "--duration",
            "0:20",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let j = &j["summary"];
    let words = j["words"].as_u64().unwrap();
    assert_eq!(j["pace"]["wpm"].as_u64().unwrap(), (words * 3), "{j}");
    assert_eq!(j["pace"]["verdict"], "fast");
    // um, like (set off by commas), uh, you know; not "I like that".
    assert_eq!(j["fillers"]["total"], 4, "{j}");
    assert_eq!(j["duration_seconds"], 20);
    let r = env.run(&["practice", "--question", "failed", "--transcript", "talk.txt", "--duration", "2:00"]).ok();
    assert!(r.stdout.contains("pace     ") && r.stdout.contains("fillers  4"), "{r:?}");
    let h = env.run(&["practice", "history", "--format", "json"]).ok().json();
    assert_eq!(h["points"][0]["timed"], true);
}

#[test]
fn practice_failure_paths() {
    let env = Env::new();
    env.write("answer.md", GOOD);
    let r = env.run(&["practice", "--question", "nope", "--answer-file", "answer.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("unknown question `nope`") && r.stderr.contains("didnt-scale"), "{r:?}");
    let r = env.run(&["practice", "--transcript", "answer.md", "--duration", "2:61"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("`2:61` is not a duration"), "{r:?}");
    let r = env.run(&["practice", "--transcript", "answer.md", "--duration", "0"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = env.run(&["practice", "--transcript", "answer.md"]);
    assert_eq!(r.code, 2, "--transcript needs --duration: {r:?}");
    let r = env.run(&["practice", "--answer-file", "missing.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = env.stdin(&["practice", "--answer-file", "-"], "  \n");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("no answer"), "{r:?}");
    let r = env.run(&["practice", "--story", "9", "--answer-file", "answer.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("no story with id 9"), "{r:?}");
    // Nothing was saved by any of these.
    let h = env.run(&["practice", "history", "--format", "json"]).ok().json();
    assert!(h["points"].as_array().unwrap().is_empty());
    let r = env.run(&["practice", "history"]).ok();
    assert!(r.stderr.contains("no practice attempts"), "{r:?}");
    let r = env.run(&["practice", "history", "--question", "nope"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn question_choice_least_covered_random_and_no_save() {
    let env = Env::new();
    env.write("answer.md", GOOD);
    let pick = |args: &[&str]| -> String {
        let mut a = vec!["practice", "--answer-file", "answer.md", "--format", "json"];
        a.extend_from_slice(args);
        env.run(&a).ok().json()["question"]["id"].as_str().unwrap().to_owned()
    };
    // No stories yet: every question is uncovered; the first unpractised comes first.
    assert_eq!(pick(&[]), "failed");
    assert_eq!(pick(&[]), "mistake-affected-others");
    assert_eq!(pick(&["--random", "--seed", "11"]), pick(&["--random", "--seed", "11"]));
    let before = env.run(&["practice", "history", "--format", "json"]).ok().json()["points"].as_array().unwrap().len();
    let j = env
        .run(&["practice", "--question", "failed", "--answer-file", "answer.md", "--no-save", "--format", "json"])
        .ok()
        .json();
    assert!(j["attempt_id"].is_null());
    assert_eq!(
        env.run(&["practice", "history", "--format", "json"]).ok().json()["points"].as_array().unwrap().len(),
        before
    );
    // A ready story that answers a question moves it down the list.
    env.run(&["story", "new", "--from-file", "answer.md", "--title", "Payments"]).ok();
    env.run(&["story", "ready", "1"]).ok();
    let j = env.run(&["practice", "--answer-file", "answer.md", "--format", "json", "--no-save"]).ok().json();
    assert!(j["question"]["id"] != "mistake-affected-others", "{j}");
}

#[test]
fn reframe_from_flags_saves_an_entry_or_a_story() {
    let env = Env::new();
    let args = [
        "reframe",
        "--scenario",
        "missed-deadline",
        "--weakness",
        "I underestimated the complexity of the task because I assumed the old API behaved like the new one.",
        "--learning",
        "I learned to break down requirements into tasks of a day or less before I estimate.",
        "--improvement",
        "Since then I create detailed task breakdowns, and my estimates have been within 10% on the last four projects.",
    ];
    let r = env.run(&args).ok();
    assert!(r.stdout.contains("3 of 3 steps do their job"), "{r:?}");
    assert!(r.stdout.contains("saved entry 1"), "{r:?}");
    let e = env.run(&["show", "1", "--format", "json"]).ok().json();
    assert_eq!(e["category"], "communication");
    assert!(e["tags"].as_array().unwrap().contains(&"reframe".into()));
    assert_eq!(e["follow_up"]["status"], "open");
    let mut story = args.to_vec();
    story.extend(["--save", "story", "--title", "The estimate", "--format", "json"]);
    let j = env.run(&story).ok().json();
    assert_eq!((j["saved"].as_str(), j["id"].as_i64(), j["ok"].as_bool()), (Some("story"), Some(1), Some(true)));
    let s = env.run(&["story", "show", "1"]).ok().stdout;
    assert!(s.contains("## What went wrong\nI underestimated") && s.contains("## Learning"), "{s}");
    // A weak answer is checked, and says so.
    let j = env
        .run(&[
            "reframe",
            "--scenario",
            "shipped-bug",
            "--weakness",
            "QA should have caught it.",
            "--learning",
            "I learned a lot.",
            "--improvement",
            "I will do better.",
            "--save",
            "none",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(j["ok"], false);
    assert!(j["checks"][0]["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "blame-shifting"), "{j}");
}

#[test]
fn reframe_answers_file_and_its_errors() {
    let env = Env::new();
    env.write("a.md", "## Weakness\nI assumed the cache could take the load; I never load tested it.\n\n## Learning\nI learned to load test at ten times the expected peak before choosing a design.\n\n## Improvement\nSince then every design review includes a load test; it caught two bottlenecks this year.\n");
    let r = env.run(&["reframe", "--scenario", "didnt-scale", "--answers", "a.md", "--save", "none"]).ok();
    assert!(r.stdout.contains("not saved"), "{r:?}");
    env.write("bad.md", "## Weakness\nI assumed.\n\n## Lessons\nx\n");
    let r = env.run(&["reframe", "--scenario", "didnt-scale", "--answers", "bad.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("bad.md:4: unknown section `lessons`"), "{r:?}");
    let r = env.run(&["reframe", "--scenario", "didnt-scale", "--weakness", "x", "--learning", "y"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("missing --improvement"), "{r:?}");
    let r = env.run(&["reframe", "--scenario", "cooking", "--answers", "a.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("unknown scenario `cooking`") && r.stderr.contains("shipped-bug"), "{r:?}");
    let r = env.run(&["reframe"]);
    assert_eq!(r.code, 2, "no terminal, no scenario: {r:?}");
    assert_eq!(env.run(&["entries", "--format", "json"]).ok().json().as_array().unwrap().len(), 0);
}

const STORY: &str = "## Situation
Last March I led the billing migration at Globex with Priya Sharma and Tom Baker.

## Task
I owned the cut-over plan; Priya owned the rollback.

## Action
I skipped the dry run on production-sized data. Priya spotted the lock within minutes and I rolled back.
I wrote to ops@globex.com and posted the timeline on https://status.globex.com/incidents/42.

## Result
Checkout was down for 40 minutes and we refunded $2,000.

## Learning
I learned to dry-run every migration on a production snapshot; since then Tom Baker and I have run six without a lock.
";

#[test]
fn share_a_redacted_packet_and_import_the_feedback() {
    let env = Env::new();
    // No stories yet.
    let r = env.run(&["share", "1", "--redact", "-o", "review.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("no story with id 1"), "{r:?}");
    assert!(!env.path().join("review.md").exists());
    env.write("story.md", STORY);
    env.write("starl.toml", "[share]\nnames = [\"billing migration\"]\n");
    env.run(&["story", "new", "--from-file", "story.md", "--title", "The Globex migration"]).ok();
    let r = env.run(&["share", "1", "--redact", "--redact-numbers", "-o", "review.md", "--html"]).ok();
    assert!(r.stderr.contains("wrote review.md") && r.stderr.contains("wrote review.html"), "{r:?}");
    assert!(
        r.stderr.contains("[Person A]") && r.stderr.contains("Priya Sharma"),
        "the legend is for the author: {r:?}"
    );
    let md = env.read("review.md");
    for secret in ["Priya", "Sharma", "Tom", "Globex", "globex.com", "billing migration", "2,000", "https://"] {
        assert!(!md.contains(secret), "{secret} leaked:\n{md}");
    }
    assert!(
        md.contains("[Person A]")
            && md.contains("[Company A]")
            && md.contains("[email]")
            && md.contains("[url]")
            && md.contains("[amount]"),
        "{md}"
    );
    assert!(md.contains("## Your review") && md.contains("Authenticity (1-5):"), "{md}");
    let html = env.read("review.html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<style>"), "{html}");
    for external in ["<link", "<script", "src=", "@import"] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(!html.contains("Priya"));
    // HTML without -o goes to standard output.
    let page = env.run(&["share", "1", "--redact", "--html"]).ok().stdout;
    assert!(page.starts_with("<!DOCTYPE html>") && !page.contains("Priya") && page.contains("[Person A]"), "{page}");
    // Without --redact the text is as written, to standard output.
    let plain = env.run(&["share", "1"]).ok();
    assert!(plain.stdout.contains("Priya Sharma") && plain.stderr.contains("not redacted"), "{plain:?}");

    // The peer fills it in.
    let filled = md
        .replace("Reviewer: \n", "Reviewer: Sam\n")
        .replace("Authenticity (1-5): \n", "Authenticity (1-5): 4\n")
        .replace("Learning (1-5): \n", "Learning (1-5): 5/5\n")
        .replace("strengthened?\n\n", "strengthened?\nSay what the outage cost the customers.\n")
        + "Honest and specific.\n";
    env.write("filled.md", &filled);
    let r = env.run(&["feedback", "1", "--from", "filled.md"]).ok();
    assert!(r.stdout.contains("saved feedback 1 on story 1 from Sam (authenticity 4/5, learning 5/5)"), "{r:?}");
    let show = env.run(&["story", "show", "1"]).ok().stdout;
    assert!(
        show.contains("## Peer feedback (1)")
            && show.contains("### Sam, ")
            && show.contains("authenticity 4/5, learning 5/5"),
        "{show}"
    );
    assert!(
        show.contains("Where to strengthen: Say what the outage cost the customers.")
            && show.contains("Comments: Honest and specific."),
        "{show}"
    );

    // Malformed: the file and the line, nothing saved.
    let line = filled.lines().position(|l| l.starts_with("Authenticity")).unwrap() + 1;
    env.write("bad.md", &filled.replace("Authenticity (1-5): 4", "Authenticity (1-5): 9"));
    let r = env.run(&["feedback", "1", "--from", "bad.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains(&format!("bad.md:{line}: authenticity: a score is 1 to 5, not 9")), "{r:?}");
    env.write("other.md", &filled.replace("story: 1", "story: 7"));
    let r = env.run(&["feedback", "1", "--from", "other.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("other.md:3: this review is of story 7, not story 1"), "{r:?}");
    env.write("blank.md", &md);
    let r = env.run(&["feedback", "1", "--from", "blank.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("the review is empty"), "{r:?}");
    let r = env.run(&["feedback", "2", "--from", "filled.md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(env.run(&["story", "show", "1"]).ok().stdout.matches("### ").count() == 1);
}

fn log(env: &Env, title: &str, day: &str, extra: &[&str]) {
    let mut a = vec!["log", "--title", title, "--happened", day];
    a.extend_from_slice(extra);
    env.run(&a).ok();
}

#[test]
fn review_a_quarter() {
    let env = Env::new();
    // An empty quarter.
    let r = env.run(&["review", "--quarter", "2026-Q3"]).ok();
    assert!(r.stdout.starts_with("Quarterly review 2026-Q3 (2026-07-01 to 2026-09-30)"), "{r:?}");
    assert!(r.stdout.contains("Failures logged: 0") && r.stdout.contains("No failures logged in 2026-Q3"), "{r:?}");
    let j = env.run(&["review", "--quarter", "2026-Q3", "--format", "json"]).ok().json();
    assert_eq!((j["entries"].as_u64(), j["practice"]["attempts"].as_u64()), (Some(0), Some(0)));
    assert_eq!(j["period"]["since"], "2026-07-01");
    log(
        &env,
        "Locked the orders table",
        "2026-07-03",
        &[
            "--category",
            "technical",
            "--severity",
            "4",
            "--tag",
            "database",
            "--root-cause",
            "I assumed the migration was online and never tested it.",
            "--learned",
            "Dry-run migrations",
            "--change",
            "A dry-run step in the checklist",
        ],
    );
    log(
        &env,
        "Missed the beta",
        "2026-08-10",
        &[
            "--category",
            "communication",
            "--severity",
            "2",
            "--tag",
            "estimation,database",
            "--root-cause",
            "I assumed my estimate held and never tested it against the last project.",
        ],
    );
    log(&env, "Too early", "2026-05-10", &["--category", "leadership"]);
    env.run(&["followup", "1", "--held", "--evidence", "Three migrations since, all dry-run first."]).ok();
    let j = env.run(&["review", "--quarter", "2026-Q3", "--format", "json"]).ok().json();
    assert_eq!(j["entries"], 2);
    assert_eq!(j["by_category"].as_array().unwrap().len(), 2);
    let words: Vec<&str> =
        j["recurring_words"].as_array().unwrap().iter().map(|w| w["word"].as_str().unwrap()).collect();
    assert!(words.contains(&"assumed") && words.contains(&"tested"), "{words:?}");
    assert_eq!(j["recurring_tags"][0]["word"], "database");
    assert_eq!(j["follow_ups"]["held"], 1);
    assert_eq!(j["lessons"][0]["evidence"], "Three migrations since, all dry-run first.");
    let text = env.run(&["review", "--quarter", "2026-Q3"]).ok().stdout;
    assert!(
        text.contains("By category") && text.contains('█') && text.contains("root cause \"assumed\" in 2 entries"),
        "{text}"
    );
    widths_fit(&text, 100);
    // Too narrow for the charts: numbers, and nothing wider than the terminal.
    let narrow = env.run_env(&["review", "--quarter", "2026-Q3"], "COLUMNS", "20").ok().stdout;
    assert!(!narrow.contains('█') && narrow.contains("technical"), "{narrow}");
    widths_fit(&narrow, 20);
    // Since/until.
    let j = env.run(&["review", "--since", "2026-05-01", "--until", "2026-07-31", "--format", "json"]).ok().json();
    assert_eq!(j["entries"], 2);
    // One HTML page, offline.
    let r = env.run(&["review", "--quarter", "2026-Q3", "--html", "q3.html"]).ok();
    assert!(r.stderr.contains("wrote q3.html") && r.stdout.is_empty(), "{r:?}");
    let html = env.read("q3.html");
    assert!(html.contains("<svg") && html.contains("Quarterly review 2026-Q3"), "{html}");
    for external in ["<link", "<script", "src=", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn review_usage_errors() {
    let env = Env::new();
    for (args, needle) in [
        (&["review", "--quarter", "2026-Q5"][..], "not a quarter"),
        (&["review", "--until", "2026-01-01"][..], "--since"),
        (&["review", "--since", "2026-02-01", "--until", "2026-01-01"][..], "after it ends"),
        (&["review", "--quarter", "2026-Q1", "--since", "2026-01-01"][..], "cannot be used with"),
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{args:?}: {r:?}");
    }
}

#[test]
fn every_command_has_help_with_examples() {
    let env = Env::new();
    for cmd in [&["practice"][..], &["practice", "history"], &["reframe"], &["share"], &["feedback"], &["review"]] {
        let mut a = cmd.to_vec();
        a.push("--help");
        let r = env.run(&a).ok();
        assert!(r.stdout.contains("Examples:"), "{cmd:?}: {r:?}");
    }
}
