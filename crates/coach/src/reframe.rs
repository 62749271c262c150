//! Reframing practice (004, exercise 3): turn a failure into a strength by walking 004's
//! failureToStrength, weakness -> learning -> improvement, for its three scenarios (a shipped
//! bug, a missed deadline, a solution that didn't scale). Each answer is checked with the
//! analyzer against what its step is for; the result becomes a journal entry or a story draft.
//!
//! The steps, the scenarios and their prompts are data (`data/reframe.toml`).

use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use starl_analyzer::{Analyzer, Severity};
use starl_store::{Category, Entry, FollowUp, Story};

use crate::data::{builtin, parse_toml};
use crate::practice::Finding;
use crate::DataError;

const DATA_FILE: &str = "data/reframe.toml";
const DATA_TEXT: &str = include_str!("../data/reframe.toml");

/// `data/reframe.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReframeData {
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
    #[serde(rename = "scenario")]
    pub scenarios: Vec<Scenario>,
}

/// One step of the walk: weakness, learning or improvement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub name: String,
    /// What the step asks for.
    pub asks: String,
    /// 004's example answer.
    pub example: String,
    /// The analyzer's red flags that count against an answer to this step.
    pub red_flags: Vec<String>,
    /// Strengths, any of which shows the answer does its job.
    #[serde(default)]
    pub wants_any: Vec<String>,
    /// Findings whose absence shows the answer does its job.
    #[serde(default)]
    pub wants_absent: Vec<String>,
    /// What to do when the answer doesn't do its job yet.
    pub wants: String,
}

/// One of 004's scenarios, with its own prompt for each step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    /// The question a story of this kind answers.
    pub question: String,
    pub category: Category,
    pub tags: Vec<String>,
    pub weakness: String,
    pub learning: String,
    pub improvement: String,
}

impl Scenario {
    /// The scenario's prompt for a step (`weakness`, `learning`, `improvement`).
    pub fn prompt(&self, step: &str) -> &str {
        match step {
            "weakness" => &self.weakness,
            "learning" => &self.learning,
            "improvement" => &self.improvement,
            _ => "",
        }
    }
}

impl ReframeData {
    pub fn builtin() -> &'static ReframeData {
        static CELL: OnceLock<ReframeData> = OnceLock::new();
        builtin(&CELL, DATA_FILE, DATA_TEXT)
    }

    pub fn parse(file: &str, text: &str) -> Result<ReframeData, DataError> {
        parse_toml(file, text)
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }
}

/// The built-in scenarios.
pub fn scenarios() -> &'static [Scenario] {
    &ReframeData::builtin().scenarios
}

/// The built-in steps, in order.
pub fn steps() -> &'static [Step] {
    &ReframeData::builtin().steps
}

/// The three answers of a walk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    pub weakness: String,
    pub learning: String,
    pub improvement: String,
}

impl Answers {
    pub fn get(&self, step: &str) -> &str {
        match step {
            "weakness" => &self.weakness,
            "learning" => &self.learning,
            "improvement" => &self.improvement,
            _ => "",
        }
    }

    pub fn set(&mut self, step: &str, text: String) {
        match step {
            "weakness" => self.weakness = text,
            "learning" => self.learning = text,
            "improvement" => self.improvement = text,
            _ => {}
        }
    }

    /// `weakness + learning + improvement`, as prose.
    pub fn joined(&self) -> String {
        [&self.weakness, &self.learning, &self.improvement]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| if s.ends_with(['.', '!', '?']) { s.to_owned() } else { format!("{s}.") })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What the analyzer made of one answer, for its step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepCheck {
    pub step: String,
    /// The answer does its step's job and has no warning among the step's red flags.
    pub ok: bool,
    /// The step's red flags found in the answer.
    pub findings: Vec<Finding>,
    /// Strengths found, each once.
    pub strengths: Vec<String>,
    /// What to do next with this answer.
    pub advice: String,
}

/// Check `answer` for `step` with `analyzer`.
pub fn check_step(step: &Step, answer: &str, analyzer: &Analyzer) -> StepCheck {
    if answer.trim().is_empty() {
        return StepCheck {
            step: step.id.clone(),
            ok: false,
            findings: Vec::new(),
            strengths: Vec::new(),
            advice: format!("Write the {}: {}", step.name.to_lowercase(), step.asks),
        };
    }
    let report = analyzer.analyze(answer);
    let findings: Vec<Finding> = report
        .diagnostics
        .iter()
        .filter(|d| step.red_flags.contains(&d.rule))
        .map(|d| Finding {
            rule: d.rule.clone(),
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            excerpt: d.excerpt.clone(),
        })
        .collect();
    let mut strengths: Vec<String> = Vec::new();
    for s in &report.strengths {
        if !strengths.contains(&s.rule) {
            strengths.push(s.rule.clone());
        }
    }
    let wanted = (step.wants_any.is_empty() || step.wants_any.iter().any(|w| strengths.contains(w)))
        && !step.wants_absent.iter().any(|r| report.diagnostics.iter().any(|d| d.rule == *r));
    let worst = findings.iter().filter(|f| f.severity >= Severity::Warning).max_by_key(|f| f.severity);
    let advice = match worst {
        Some(f) => format!("{} ({})", f.help, f.rule),
        None if !wanted => step.wants.clone(),
        None => match findings.first() {
            Some(f) => format!("Good. To polish it: {} ({})", f.help, f.rule),
            None => "Good: this does the step's job.".to_owned(),
        },
    };
    StepCheck { step: step.id.clone(), ok: worst.is_none() && wanted, findings, strengths, advice }
}

/// A finished walk, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reframe {
    pub scenario: String,
    pub answers: Answers,
    pub checks: Vec<StepCheck>,
    /// The analyzer's score for the three answers read together.
    pub score: u8,
    pub ok: bool,
}

/// Check every answer of a walk through `scenario`.
pub fn check(scenario: &Scenario, answers: &Answers, analyzer: &Analyzer) -> Reframe {
    let checks: Vec<StepCheck> = steps().iter().map(|s| check_step(s, answers.get(&s.id), analyzer)).collect();
    let score = analyzer.analyze(&answers.joined()).score;
    Reframe { scenario: scenario.id.clone(), answers: answers.clone(), ok: checks.iter().all(|c| c.ok), checks, score }
}

/// The walk as a journal entry: weakness as the root cause and your part, the learning, and the
/// improvement as the change (with an open follow-up due on `follow_up`).
pub fn to_entry(
    scenario: &Scenario,
    answers: &Answers,
    title: &str,
    happened: Date,
    follow_up: Date,
    now: Timestamp,
) -> Entry {
    let mut e = Entry::new(title, happened, now);
    e.what_happened = scenario.title.clone();
    e.my_part = answers.weakness.trim().to_owned();
    e.root_cause = answers.weakness.trim().to_owned();
    e.learned = answers.learning.trim().to_owned();
    e.will_change = answers.improvement.trim().to_owned();
    e.category = Some(scenario.category);
    e.tags = scenario.tags.clone();
    if !e.will_change.is_empty() {
        e.follow_up = Some(FollowUp::open(follow_up));
    }
    e
}

/// The walk as a story draft in the four-part shape (context, what went wrong, response,
/// learning): the answers fill what went wrong and the learning; comments say what the context
/// and the response need. The draft is for `starl story edit`.
pub fn to_story(scenario: &Scenario, answers: &Answers, title: &str, now: Timestamp) -> Story {
    let learning = [answers.learning.trim(), answers.improvement.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n\n");
    let body = format!(
        "## Context\n<!-- {}: set the scene in two or three sentences (the project, the stakes, when). -->\n\n\
         ## What went wrong\n{}\n\n\
         ## Response\n<!-- What you did when it went wrong: who you told, how fast, what you fixed. -->\n\n\
         ## Learning\n{}\n",
        scenario.title,
        answers.weakness.trim(),
        learning
    );
    let mut s = Story::new(title, body, now);
    s.framework = Some("four-part".to_owned());
    s.pinned = vec![scenario.question.clone()];
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_names_real_rules_and_questions() {
        let rules = starl_analyzer::RuleSet::builtin();
        let d = ReframeData::builtin();
        assert_eq!(d.steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["weakness", "learning", "improvement"]);
        assert_eq!(
            d.scenarios.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["shipped-bug", "missed-deadline", "didnt-scale"]
        );
        for s in &d.steps {
            for r in s.red_flags.iter().chain(&s.wants_any).chain(&s.wants_absent) {
                assert!(rules.rule(r).is_some(), "step {}: unknown rule `{r}`", s.id);
            }
        }
        for sc in &d.scenarios {
            assert!(rules.questions.iter().any(|q| q.id == sc.question), "{}", sc.question);
            for s in &d.steps {
                assert!(!sc.prompt(&s.id).is_empty());
            }
        }
        assert!(ReframeData::parse("r.toml", "step = []\nscenario = []\nx = 1").is_err());
    }

    #[test]
    fn the_seed_example_passes_and_excuses_do_not() {
        let a = Analyzer::builtin();
        let good = Answers {
            weakness: "I underestimated the complexity of the task because I assumed the old API behaved like the new one.".into(),
            learning: "I learned to break down requirements into tasks of a day or less before I estimate.".into(),
            improvement: "Since then I create detailed task breakdowns, and my estimates have been within 10% on the last four projects.".into(),
        };
        let r = check(&ReframeData::builtin().scenarios[1], &good, &a);
        for c in &r.checks {
            assert!(c.ok, "{c:?}");
        }
        let bad = Answers {
            weakness: "The requirements kept changing and QA should have caught it.".into(),
            learning: "I learned a lot.".into(),
            improvement: String::new(),
        };
        let r = check(&ReframeData::builtin().scenarios[0], &bad, &a);
        assert!(r.checks.iter().all(|c| !c.ok), "{:?}", r.checks);
        assert!(r.checks[0].findings.iter().any(|f| f.rule == "blame-shifting"));
        assert!(
            r.checks[1].advice.contains("generic-learning") || r.checks[1].advice.contains("specific"),
            "{}",
            r.checks[1].advice
        );
    }

    #[test]
    fn entry_and_story() {
        let sc = &scenarios()[2];
        let ans = Answers {
            weakness: "I assumed".into(),
            learning: "I learned".into(),
            improvement: "Now I load test".into(),
        };
        let d: Date = "2026-07-01".parse().unwrap();
        let e = to_entry(sc, &ans, "Cache fell over", d, d, Timestamp::UNIX_EPOCH);
        assert_eq!((e.category, e.will_change.as_str()), (Some(Category::Technical), "Now I load test"));
        assert!(e.follow_up.is_some());
        let s = to_story(sc, &ans, "Cache fell over", Timestamp::UNIX_EPOCH);
        assert!(
            s.body.contains("## What went wrong\nI assumed\n")
                && s.body.contains("## Learning\nI learned\n\nNow I load test")
        );
        assert_eq!(s.pinned, ["didnt-scale"]);
    }
}
