//! The practice loop (coaching model, section 7): which question to rehearse, what interviewers
//! look for in it, how a spoken answer paced and how many filler words it had, what an attempt
//! scored, and how attempts went over time.
//!
//! ```
//! use starl_coach::practice::{parse_duration, pace, fillers};
//! let answer = "Um, I shipped a migration that, like, locked the orders table for 40 minutes.";
//! let seconds = parse_duration("0:06").unwrap();
//! let p = pace(starl_coach::practice::count_words(answer), seconds);
//! assert_eq!(p.wpm, 140); // 14 words in 6 seconds
//! assert_eq!(fillers(answer).total, 2); // "Um" and the comma-delimited "like"
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use starl_analyzer::{Report, RuleSet, Severity};
use starl_store::{Id, PracticeAttempt, Story, ThemeScores};
use unicode_segmentation::UnicodeSegmentation;

use crate::data::{builtin, parse_toml};
use crate::DataError;

const GUIDANCE_FILE: &str = "data/questions.toml";
const GUIDANCE_TEXT: &str = include_str!("../data/questions.toml");
const PRACTICE_FILE: &str = "data/practice.toml";
const PRACTICE_TEXT: &str = include_str!("../data/practice.toml");

/// What can go wrong choosing a question or reading a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PracticeError {
    #[error("unknown question `{id}` (questions: {})", known.join(", "))]
    UnknownQuestion { id: String, known: Vec<String> },
    #[error("no questions to practise")]
    NoQuestions,
    #[error("`{0}` is not a duration: use M:SS (2:41), H:MM:SS, or seconds (161)")]
    BadDuration(String),
    #[error("a duration must be more than zero seconds")]
    ZeroDuration,
}

// ---------------------------------------------------------------------------------------------
// What interviewers look for (data/questions.toml)

/// The guidance of `data/questions.toml`: why interviewers ask, the anatomy of a good story, and
/// per question what they look for (001).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guidance {
    pub why: Vec<String>,
    pub anatomy: Vec<String>,
    #[serde(rename = "question")]
    pub questions: Vec<QuestionGuidance>,
}

/// What interviewers look for in one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionGuidance {
    pub id: String,
    pub looks_for: Vec<String>,
    pub tip: String,
}

impl Guidance {
    /// The built-in guidance.
    pub fn builtin() -> &'static Guidance {
        static CELL: OnceLock<Guidance> = OnceLock::new();
        builtin(&CELL, GUIDANCE_FILE, GUIDANCE_TEXT)
    }

    /// Parse guidance in the format of `data/questions.toml`.
    pub fn parse(file: &str, text: &str) -> Result<Guidance, DataError> {
        parse_toml(file, text)
    }

    pub fn question(&self, id: &str) -> Option<&QuestionGuidance> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// A question to practise: the analyzer's question with its guidance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PracticeQuestion {
    pub id: String,
    /// "Tell me about a time you failed. How did you handle it?"
    pub text: String,
    /// What interviewers look for (001), as sentences.
    pub looks_for: Vec<String>,
    pub tip: String,
}

/// The questions of the rule model, in its order, with their guidance. A question the guidance
/// does not know (a user's rule file may add one) gets the model's own short `looks_for` list.
pub fn questions(rules: &RuleSet) -> Vec<PracticeQuestion> {
    let g = Guidance::builtin();
    rules
        .questions
        .iter()
        .map(|q| match g.question(&q.id) {
            Some(qg) => PracticeQuestion {
                id: q.id.clone(),
                text: q.text.clone(),
                looks_for: qg.looks_for.clone(),
                tip: qg.tip.clone(),
            },
            None => PracticeQuestion {
                id: q.id.clone(),
                text: q.text.clone(),
                looks_for: q.looks_for.clone(),
                tip: String::new(),
            },
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Choosing a question

/// How prepared the user is for one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionCoverage {
    pub question: PracticeQuestion,
    /// Ready stories that answer it (the analyzer's fits, plus pins, minus unpins).
    pub stories: Vec<Id>,
    /// Attempts at it so far.
    pub attempts: usize,
    pub best_score: Option<u8>,
    pub last_practised: Option<Timestamp>,
}

/// The questions a story answers: the analyzer's `fits`, plus the user's pins, minus the unpins.
pub fn answers(story: &Story, fits: &[String]) -> Vec<String> {
    let mut out: Vec<String> =
        fits.iter().chain(&story.pinned).filter(|q| !story.unpinned.contains(q)).cloned().collect();
    out.sort();
    out.dedup();
    out
}

/// Coverage of every question: `stories` are stories with the analyzer's fits for each (only
/// ready ones count), `attempts` the practice so far.
pub fn coverage(
    rules: &RuleSet,
    stories: &[(&Story, &[String])],
    attempts: &[PracticeAttempt],
) -> Vec<QuestionCoverage> {
    questions(rules)
        .into_iter()
        .map(|q| {
            let stories = stories
                .iter()
                .filter(|(s, fits)| s.ready && answers(s, fits).contains(&q.id))
                .map(|(s, _)| s.id)
                .collect();
            let mine: Vec<&PracticeAttempt> = attempts.iter().filter(|a| a.question == q.id).collect();
            QuestionCoverage {
                stories,
                attempts: mine.len(),
                best_score: mine.iter().map(|a| a.score).max(),
                last_practised: mine.iter().map(|a| a.created).max(),
                question: q,
            }
        })
        .collect()
}

/// Which question to practise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// The least covered: fewest ready stories, then fewest attempts, then the lowest best score,
    /// then the model's order.
    LeastCovered,
    /// This question id.
    Id(String),
    /// One at random, reproducibly from `seed`.
    Random { seed: u64 },
}

/// Choose a question from `coverage` (see [`coverage`]).
pub fn choose<'c>(coverage: &'c [QuestionCoverage], pick: &Pick) -> Result<&'c QuestionCoverage, PracticeError> {
    if coverage.is_empty() {
        return Err(PracticeError::NoQuestions);
    }
    match pick {
        Pick::Id(id) => coverage.iter().find(|c| c.question.id == *id).ok_or_else(|| PracticeError::UnknownQuestion {
            id: id.clone(),
            known: coverage.iter().map(|c| c.question.id.clone()).collect(),
        }),
        Pick::Random { seed } => Ok(&coverage[fastrand::Rng::with_seed(*seed).usize(..coverage.len())]),
        Pick::LeastCovered => Ok(coverage
            .iter()
            .enumerate()
            .min_by_key(|(i, c)| (c.stories.len(), c.attempts, c.best_score.unwrap_or(0), *i))
            .map(|(_, c)| c)
            .expect("not empty")),
    }
}

// ---------------------------------------------------------------------------------------------
// Durations, pace and filler words (data/practice.toml)

/// The practice settings of `data/practice.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeData {
    pub pace: PaceSettings,
    /// What to do about each of the five themes when it is weak.
    pub themes: BTreeMap<String, String>,
    #[serde(rename = "filler")]
    pub fillers: Vec<Filler>,
}

/// The pace a spoken answer should keep, and its time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaceSettings {
    pub min_wpm: u32,
    pub max_wpm: u32,
    pub limit_seconds: u32,
}

/// A filler word or phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filler {
    /// The word or phrase, lower case ("you know").
    pub phrase: String,
    /// Other spellings counted as this one ("umm").
    #[serde(default)]
    pub variants: Vec<String>,
    /// Count only uses set off by punctuation (see [`fillers`]).
    #[serde(default)]
    pub delimited: bool,
}

impl PracticeData {
    pub fn builtin() -> &'static PracticeData {
        static CELL: OnceLock<PracticeData> = OnceLock::new();
        builtin(&CELL, PRACTICE_FILE, PRACTICE_TEXT)
    }

    pub fn parse(file: &str, text: &str) -> Result<PracticeData, DataError> {
        parse_toml(file, text)
    }
}

/// The time limit of an answer, in seconds (three minutes).
pub fn limit_seconds() -> u32 {
    PracticeData::builtin().pace.limit_seconds
}

/// Read a duration: `2:41` (minutes and seconds), `1:02:41`, or plain seconds `161`.
pub fn parse_duration(s: &str) -> Result<u32, PracticeError> {
    let bad = || PracticeError::BadDuration(s.to_owned());
    let t = s.trim();
    let parts: Vec<&str> = t.split(':').collect();
    let num = |p: &str| -> Result<u32, PracticeError> {
        if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse().map_err(|_| bad())
    };
    let secs = match parts.as_slice() {
        [s] => num(s)?,
        [m, s] if s.len() == 2 => {
            let s = num(s)?;
            if s >= 60 {
                return Err(bad());
            }
            num(m)? * 60 + s
        }
        [h, m, s] if m.len() == 2 && s.len() == 2 => {
            let (m, s) = (num(m)?, num(s)?);
            if m >= 60 || s >= 60 {
                return Err(bad());
            }
            num(h)? * 3600 + m * 60 + s
        }
        _ => return Err(bad()),
    };
    if secs == 0 {
        return Err(PracticeError::ZeroDuration);
    }
    Ok(secs)
}

/// `161` -> `2:41`.
pub fn format_duration(seconds: u32) -> String {
    if seconds >= 3600 {
        format!("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
    } else {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    }
}

/// Words as the analyzer counts them (UAX #29 words).
pub fn count_words(text: &str) -> usize {
    text.unicode_words().count()
}

/// Too slow, in the range, or too fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PaceVerdict {
    Slow,
    Good,
    Fast,
}

/// The pace of a spoken answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pace {
    pub words: usize,
    pub seconds: u32,
    /// Words per minute, rounded.
    pub wpm: u32,
    pub min_wpm: u32,
    pub max_wpm: u32,
    pub verdict: PaceVerdict,
    /// Over the time limit (three minutes).
    pub over_limit: bool,
    pub limit_seconds: u32,
    /// One sentence on what to do about it.
    pub advice: String,
}

/// The pace of `words` spoken in `seconds`, against 130-160 words per minute.
pub fn pace(words: usize, seconds: u32) -> Pace {
    let p = PracticeData::builtin().pace;
    let seconds = seconds.max(1);
    let wpm = ((words as u64 * 60 + u64::from(seconds) / 2) / u64::from(seconds)) as u32;
    let verdict = if wpm < p.min_wpm {
        PaceVerdict::Slow
    } else if wpm > p.max_wpm {
        PaceVerdict::Fast
    } else {
        PaceVerdict::Good
    };
    let over_limit = seconds > p.limit_seconds;
    let mut advice = match verdict {
        PaceVerdict::Slow => format!(
            "{wpm} words a minute is slow (aim for {}-{}): cut the pauses and the set-up, keep the sentences short.",
            p.min_wpm, p.max_wpm
        ),
        PaceVerdict::Fast => format!(
            "{wpm} words a minute is rushed (aim for {}-{}): slow down and pause after the failure and the lesson.",
            p.min_wpm, p.max_wpm
        ),
        PaceVerdict::Good => format!("{wpm} words a minute is a good pace ({}-{}).", p.min_wpm, p.max_wpm),
    };
    if over_limit {
        advice.push_str(&format!(
            " It ran {} over the {} limit: shorten the situation, not the learning.",
            format_duration(seconds - p.limit_seconds),
            format_duration(p.limit_seconds)
        ));
    }
    Pace {
        words,
        seconds,
        wpm,
        min_wpm: p.min_wpm,
        max_wpm: p.max_wpm,
        verdict,
        over_limit,
        limit_seconds: p.limit_seconds,
        advice,
    }
}

/// One filler and where it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FillerCount {
    pub phrase: String,
    pub count: usize,
    /// Byte offsets `(start, end)` into the answer.
    pub spans: Vec<(usize, usize)>,
}

/// The filler words of an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FillerReport {
    pub total: usize,
    pub words: usize,
    /// Fillers per 100 words.
    pub per_100_words: f32,
    /// Only the fillers that occur, most frequent first.
    pub counts: Vec<FillerCount>,
}

/// Count the filler words (`data/practice.toml`) of a spoken answer, case-insensitively and as
/// whole words.
///
/// A filler marked `delimited` (`like`) counts only when punctuation sets it off after it: a
/// comma, dash or ellipsis (`it was, like, slow`; `Like, I thought`; `like... three days`),
/// which a transcript writes for the filler and not for the verb or the preposition: "I like
/// Rust", "tools like Jenkins", "Like most teams, we ..." are not counted.
pub fn fillers(text: &str) -> FillerReport {
    let data = PracticeData::builtin();
    let words: Vec<(usize, &str)> = text.unicode_word_indices().collect();
    let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase().replace('’', "'")).collect();
    let mut counts: Vec<FillerCount> = Vec::new();
    for f in &data.fillers {
        let mut spans = Vec::new();
        for form in std::iter::once(&f.phrase).chain(&f.variants) {
            let parts: Vec<&str> = form.split_whitespace().collect();
            if parts.is_empty() {
                continue;
            }
            let mut i = 0;
            while i + parts.len() <= words.len() {
                if parts.iter().enumerate().all(|(k, p)| lower[i + k] == *p) {
                    let start = words[i].0;
                    let (last_at, last) = words[i + parts.len() - 1];
                    let end = last_at + last.len();
                    if !f.delimited || delimited_after(&text[end..]) {
                        spans.push((start, end));
                    }
                    i += parts.len();
                } else {
                    i += 1;
                }
            }
        }
        if !spans.is_empty() {
            spans.sort();
            counts.push(FillerCount { phrase: f.phrase.clone(), count: spans.len(), spans });
        }
    }
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.phrase.cmp(&b.phrase)));
    let total = counts.iter().map(|c| c.count).sum();
    let n = words.len();
    FillerReport {
        total,
        words: n,
        per_100_words: if n == 0 { 0.0 } else { (total as f32 * 1000.0 / n as f32).round() / 10.0 },
        counts,
    }
}

/// Whether the text right after a word sets it off: `,`, a dash, an ellipsis.
fn delimited_after(rest: &str) -> bool {
    let t = rest.trim_start_matches([' ', '\t']);
    let spaced = t.len() < rest.len();
    t.starts_with([',', '—', '–', '…'])
        || t.starts_with("...")
        || (spaced && t.starts_with("- "))
        || t.starts_with("--")
}

// ---------------------------------------------------------------------------------------------
// One attempt

/// A finding of the analyzer, as an attempt's summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub excerpt: Option<String>,
}

/// How earlier attempts at the same question went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Previous {
    pub attempts: usize,
    pub best: u8,
    pub last: u8,
}

/// What one practice attempt came to: the analyzer's verdict, the time, and for a spoken answer
/// the pace and filler words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptSummary {
    pub question: String,
    pub words: usize,
    /// Estimated from the words at the configured speaking pace.
    pub spoken_seconds: u32,
    /// Measured, for a spoken answer.
    pub duration_seconds: Option<u32>,
    pub limit_seconds: u32,
    pub within_limit: bool,
    pub pace: Option<Pace>,
    pub fillers: Option<FillerReport>,
    pub score: u8,
    pub themes: ThemeScores,
    pub findings: Vec<Finding>,
    /// Strength rule ids, each once.
    pub strengths: Vec<String>,
    /// Whether the analyzer thinks the answer fits the question practised.
    pub fits_question: bool,
    /// The questions the analyzer thinks the answer fits.
    pub fits: Vec<String>,
    pub previous: Option<Previous>,
    /// The one thing to work on next.
    pub next_step: String,
}

/// The analyzer's theme scores in the store's form.
pub fn theme_scores(report: &Report) -> ThemeScores {
    let t = report.themes;
    ThemeScores {
        ownership: t.ownership,
        transparency: t.transparency,
        learning: t.learning,
        resilience: t.resilience,
        prevention: t.prevention,
    }
}

/// Summarise an attempt at `question`: `report` is the analyzer's on `answer`; `duration` is how
/// long it took aloud (a transcript's), which adds pace and filler words; `history` the earlier
/// attempts (any question: only this one's are used).
pub fn summarize(
    question: &str,
    answer: &str,
    report: &Report,
    duration: Option<u32>,
    history: &[PracticeAttempt],
) -> AttemptSummary {
    let limit = limit_seconds();
    let mut findings: Vec<Finding> = report
        .diagnostics
        .iter()
        .map(|d| Finding {
            rule: d.rule.clone(),
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            excerpt: d.excerpt.clone(),
        })
        .collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut strengths: Vec<String> = Vec::new();
    for s in &report.strengths {
        if !strengths.contains(&s.rule) {
            strengths.push(s.rule.clone());
        }
    }
    let mine: Vec<&PracticeAttempt> = history.iter().filter(|a| a.question == question).collect();
    let previous = mine.last().map(|last| Previous {
        attempts: mine.len(),
        best: mine.iter().map(|a| a.score).max().unwrap_or(0),
        last: last.score,
    });
    let seconds = duration.unwrap_or(report.spoken_seconds);
    let pace = duration.map(|d| pace(report.words, d));
    let fillers = duration.map(|_| fillers(answer));
    let fits_question = report.fits.iter().any(|f| f == question);
    let next_step = if let Some(f) = findings.first().filter(|f| f.severity >= Severity::Warning) {
        format!("Fix `{}` first: {}", f.rule, f.help)
    } else if seconds > limit {
        format!("Cut it to {} or less: shorten the situation, keep the learning.", format_duration(limit))
    } else if let Some(p) = pace.as_ref().filter(|p| p.verdict != PaceVerdict::Good) {
        p.advice.clone()
    } else if let Some(f) = fillers.as_ref().filter(|f| f.per_100_words >= 3.0) {
        format!(
            "{} filler words ({} per 100): pause silently instead of \"{}\".",
            f.total, f.per_100_words, f.counts[0].phrase
        )
    } else if !fits_question {
        "The analyzer does not hear this question's topic in the answer: say plainly what failed and your part in it."
            .to_owned()
    } else if let Some(f) = findings.first() {
        format!("Polish `{}`: {}", f.rule, f.help)
    } else if let Some((name, value)) =
        report.themes.iter().into_iter().filter(|&(_, v)| v < 60).min_by_key(|&(_, v)| v)
    {
        let tip = PracticeData::builtin().themes.get(name).map_or("", String::as_str);
        format!("Your weakest theme is {name} ({value}): {tip}")
    } else {
        "A strong answer: practise it aloud until it fits comfortably in the time.".to_owned()
    };
    AttemptSummary {
        question: question.to_owned(),
        words: report.words,
        spoken_seconds: report.spoken_seconds,
        duration_seconds: duration,
        limit_seconds: limit,
        within_limit: seconds <= limit,
        pace,
        fillers,
        score: report.score,
        themes: theme_scores(report),
        findings,
        strengths,
        fits_question,
        fits: report.fits.clone(),
        previous,
        next_step,
    }
}

impl AttemptSummary {
    /// The attempt to store.
    pub fn to_attempt(&self, answer: &str, story_id: Option<Id>, now: Timestamp) -> PracticeAttempt {
        let mut a = PracticeAttempt::new(&self.question, answer, now);
        a.story_id = story_id;
        a.duration_seconds = self.duration_seconds;
        a.words = u32::try_from(self.words).unwrap_or(u32::MAX);
        a.score = self.score;
        a.themes = self.themes;
        a
    }
}

// ---------------------------------------------------------------------------------------------
// History

/// One attempt in a history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPoint {
    pub id: Id,
    pub question: String,
    pub created: Timestamp,
    pub score: u8,
    /// The measured duration, else the time estimated from the words.
    pub seconds: u32,
    /// Whether `seconds` was measured.
    pub timed: bool,
    pub words: u32,
}

/// Attempts over time, with their trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    pub question: Option<String>,
    pub points: Vec<HistoryPoint>,
    pub best: Option<u8>,
    pub average: Option<f32>,
    /// The average of the last three attempts minus that of the first three (when there are at
    /// least two attempts).
    pub trend: Option<f32>,
    /// Attempts per question.
    pub by_question: BTreeMap<String, usize>,
}

/// The history of `attempts` (oldest first), optionally for one question; untimed attempts'
/// time is estimated at `words_per_minute`.
pub fn history(attempts: &[PracticeAttempt], question: Option<&str>, words_per_minute: u32) -> History {
    let wpm = words_per_minute.max(1);
    let mut points: Vec<HistoryPoint> = attempts
        .iter()
        .filter(|a| match question {
            None => true,
            Some(q) => a.question == q,
        })
        .map(|a| HistoryPoint {
            id: a.id,
            question: a.question.clone(),
            created: a.created,
            score: a.score,
            seconds: a.duration_seconds.unwrap_or_else(|| (a.words * 60 + wpm / 2) / wpm),
            timed: a.duration_seconds.is_some(),
            words: a.words,
        })
        .collect();
    points.sort_by_key(|p| (p.created, p.id));
    let scores: Vec<f32> = points.iter().map(|p| f32::from(p.score)).collect();
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let mut by_question = BTreeMap::new();
    for p in &points {
        *by_question.entry(p.question.clone()).or_insert(0) += 1;
    }
    History {
        question: question.map(str::to_owned),
        best: points.iter().map(|p| p.score).max(),
        average: (!scores.is_empty()).then(|| (mean(&scores) * 10.0).round() / 10.0),
        trend: (scores.len() >= 2).then(|| {
            let k = (scores.len() / 2).clamp(1, 3);
            ((mean(&scores[scores.len() - k..]) - mean(&scores[..k])) * 10.0).round() / 10.0
        }),
        by_question,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_covers_every_question() {
        let g = Guidance::builtin();
        for q in &RuleSet::builtin().questions {
            assert!(g.question(&q.id).is_some(), "no guidance for `{}`", q.id);
        }
        assert_eq!(PracticeData::builtin().pace.min_wpm, 130);
        for (theme, _) in starl_analyzer::Themes::default().iter() {
            assert!(PracticeData::builtin().themes.contains_key(theme), "no advice for {theme}");
        }
        let e = Guidance::parse("q.toml", "why = []\nanatomy = []\nwhat = 1\n").unwrap_err();
        assert_eq!((e.line, e.file.as_str()), (3, "q.toml"), "{e}");
        assert!(PracticeData::parse(
            "p.toml",
            "[pace]\nmin_wpm = 1\nmax_wpm = 2\nlimit_seconds = 3\nx = 1\nfiller = []\n"
        )
        .is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2:41"), Ok(161));
        assert_eq!(parse_duration(" 161 "), Ok(161));
        assert_eq!(parse_duration("1:02:03"), Ok(3723));
        assert_eq!(parse_duration("0:00"), Err(PracticeError::ZeroDuration));
        for bad in ["2:61", "2:4", "abc", "", "-1", "1:2:3", "2.5", ":30", "1::00", "99999999"] {
            assert!(matches!(parse_duration(bad), Err(PracticeError::BadDuration(_))), "{bad}");
        }
        assert_eq!(format_duration(161), "2:41");
        assert_eq!(format_duration(3723), "1:02:03");
    }

    #[test]
    fn pace_against_the_range() {
        assert_eq!(pace(350, 161).verdict, PaceVerdict::Good);
        assert_eq!(pace(350, 161).wpm, 130);
        assert_eq!(pace(300, 180).verdict, PaceVerdict::Slow);
        let fast = pace(600, 200);
        assert_eq!(fast.verdict, PaceVerdict::Fast);
        assert!(fast.over_limit && fast.advice.contains("0:20 over"), "{}", fast.advice);
    }

    #[test]
    fn fillers_count_like_only_when_set_off() {
        let r = fillers("Um, so basically I, like, broke it. Like, really. I like Rust and tools like Jenkins. Like most teams, we had uh, you know, no tests. Umm.");
        let by: BTreeMap<&str, usize> = r.counts.iter().map(|c| (c.phrase.as_str(), c.count)).collect();
        assert_eq!(by, BTreeMap::from([("um", 2), ("basically", 1), ("like", 2), ("uh", 1), ("you know", 1)]));
        assert_eq!(r.total, 7);
        for c in &r.counts {
            for &(s, e) in &c.spans {
                let got = &"Um, so basically I, like, broke it. Like, really. I like Rust and tools like Jenkins. Like most teams, we had uh, you know, no tests. Umm."[s..e];
                assert!(got.to_lowercase().starts_with(&c.phrase[..1]), "{got}");
            }
        }
        assert_eq!(fillers("").total, 0);
        assert_eq!(fillers("It was like... three days. Likely not like-minded.").total, 1);
    }

    #[test]
    fn least_covered_then_id_then_random() {
        let rules = RuleSet::builtin();
        let now = Timestamp::UNIX_EPOCH;
        let mut s = Story::new("t", "b", now);
        s.id = 1;
        s.ready = true;
        s.pinned = vec!["missed-deadline".into()];
        let fits = vec!["failed".to_owned(), "mistake-affected-others".to_owned()];
        let mut a = PracticeAttempt::new("project-not-as-planned", "x", now);
        a.score = 50;
        let cov = coverage(&rules, &[(&s, &fits)], &[a]);
        let first = choose(&cov, &Pick::LeastCovered).unwrap();
        // failed, mistake-affected-others, missed-deadline covered; project-not-as-planned practised.
        assert_eq!(first.question.id, "negative-feedback");
        assert_eq!(cov.iter().find(|c| c.question.id == "missed-deadline").unwrap().stories, [1]);
        assert_eq!(choose(&cov, &Pick::Id("didnt-scale".into())).unwrap().question.id, "didnt-scale");
        let e = choose(&cov, &Pick::Id("nope".into())).unwrap_err();
        assert!(e.to_string().contains("unknown question `nope`") && e.to_string().contains("failed"), "{e}");
        let r1 = choose(&cov, &Pick::Random { seed: 7 }).unwrap();
        let r2 = choose(&cov, &Pick::Random { seed: 7 }).unwrap();
        assert_eq!(r1.question.id, r2.question.id);
        assert!(questions(&rules).iter().all(|q| !q.looks_for.is_empty() && !q.text.is_empty()));
    }

    #[test]
    fn summary_and_history() {
        let analyzer = starl_analyzer::Analyzer::builtin();
        let answer = "Um, I pushed a config change to production that broke payments for 30 minutes. I told my manager within five minutes and wrote the incident report. I learned to put every production config behind review, and since then I added branch protection that has caught two bad changes.";
        let report = analyzer.analyze(answer);
        let now = Timestamp::UNIX_EPOCH;
        let mut earlier = PracticeAttempt::new("mistake-affected-others", "x", now);
        earlier.score = 40;
        let s = summarize("mistake-affected-others", answer, &report, Some(20), &[earlier.clone()]);
        assert_eq!(s.previous, Some(Previous { attempts: 1, best: 40, last: 40 }));
        assert!(s.pace.is_some() && s.fillers.as_ref().unwrap().total == 1);
        let stored = s.to_attempt(answer, None, now);
        assert_eq!((stored.score, stored.duration_seconds), (report.score, Some(20)));
        let mut later = stored.clone();
        later.created = Timestamp::from_second(60).unwrap();
        later.id = 2;
        let h = history(&[earlier, later], Some("mistake-affected-others"), 150);
        assert_eq!(h.points.len(), 2);
        assert_eq!(h.trend, Some(f32::from(report.score) - 40.0));
        assert!(!h.points[0].timed && h.points[1].timed);
    }
}
