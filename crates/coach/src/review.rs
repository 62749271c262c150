//! The quarterly review of the failure log (000: "Reviewing it quarterly shows you patterns and
//! proves how far you have come"): what failed, by category, tag and severity; the root-cause
//! words and tags that recur; the lessons and whether their follow-ups held; the stories written
//! and made ready; and how practice went. Rendered as terminal text with bar charts fitted to a
//! width, or one self-contained HTML page with SVG charts.
//!
//! The stop words left out of the root-cause words are data (`data/stopwords.txt`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use starl_store::{Entry, FollowUpStatus, Id, PracticeAttempt, Story};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::chart::{self, Bar, SvgOptions};
use crate::data::parse_list;
use crate::html;

const STOPWORDS: &str = include_str!("../data/stopwords.txt");

/// The stop words of `data/stopwords.txt`.
pub fn stopwords() -> &'static BTreeSet<String> {
    static CELL: OnceLock<BTreeSet<String>> = OnceLock::new();
    CELL.get_or_init(|| parse_list(STOPWORDS).into_iter().collect())
}

/// A period that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("`{0}` is not a quarter: use YYYY-QN, like 2026-Q3")]
    BadQuarter(String),
    #[error("the period starts ({since}) after it ends ({until})")]
    Backwards { since: Date, until: Date },
}

/// The days a review covers, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `2026-Q3`, or `2026-07-01..2026-08-15`.
    pub label: String,
    pub since: Date,
    pub until: Date,
}

impl Period {
    /// A quarter: `2026-Q3` (also `2026q3`).
    pub fn quarter(s: &str) -> Result<Period, PeriodError> {
        let bad = || PeriodError::BadQuarter(s.to_owned());
        let t = s.trim().to_ascii_uppercase();
        let (y, q) = t.split_once("-Q").or_else(|| t.split_once('Q')).ok_or_else(bad)?;
        let year: i16 = y.parse().map_err(|_| bad())?;
        let q: i8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) || !(1..=9999).contains(&year) || y.len() != 4 {
            return Err(bad());
        }
        let since = Date::new(year, (q - 1) * 3 + 1, 1).map_err(|_| bad())?;
        let until = since.checked_add(3.months()).and_then(|d| d.yesterday()).map_err(|_| bad())?;
        Ok(Period { label: format!("{year}-Q{q}"), since, until })
    }

    /// The quarter `date` is in.
    pub fn quarter_of(date: Date) -> Period {
        let q = (date.month() - 1) / 3 + 1;
        Period::quarter(&format!("{:04}-Q{q}", date.year())).expect("a real date's quarter")
    }

    /// From `since` to `until`, both included.
    pub fn between(since: Date, until: Date) -> Result<Period, PeriodError> {
        if since > until {
            return Err(PeriodError::Backwards { since, until });
        }
        Ok(Period { label: format!("{since} to {until}"), since, until })
    }

    pub fn contains(&self, d: Date) -> bool {
        self.since <= d && d <= self.until
    }

    /// The period as instants in `tz`: `[start of since, start of the day after until)`.
    pub fn instants(&self, tz: &TimeZone) -> (Timestamp, Timestamp) {
        let start = self.since.to_zoned(tz.clone()).map(|z| z.timestamp()).unwrap_or(Timestamp::MIN);
        let end = self
            .until
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX);
        (start, end)
    }

    fn contains_instant(&self, t: Timestamp, tz: &TimeZone) -> bool {
        self.contains(t.to_zoned(tz.clone()).date())
    }
}

/// A label and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub label: String,
    pub count: usize,
}

/// A word or tag found in several entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recurring {
    pub word: String,
    pub entries: Vec<Id>,
}

/// A lesson learned and what became of the change it promised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lesson {
    pub entry_id: Id,
    pub title: String,
    pub happened: Date,
    pub learned: String,
    pub will_change: String,
    /// `None`: no follow-up (nothing to change was written down).
    pub follow_up: Option<FollowUpStatus>,
    pub due: Option<Date>,
    pub evidence: String,
    /// The entry is from before the period; its follow-up was recorded in it.
    pub earlier: bool,
}

/// How the follow-ups of the period's lessons went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FollowUps {
    pub held: usize,
    pub didnt_hold: usize,
    pub open: usize,
    /// Open and past due on the review's day.
    pub overdue: usize,
}

/// A story, briefly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoryRef {
    pub id: Id,
    pub title: String,
    pub score: Option<u8>,
    pub ready: bool,
}

/// One practice attempt in the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PracticePoint {
    pub id: Id,
    pub date: Date,
    pub question: String,
    pub score: u8,
}

/// How practice went over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PracticeTrend {
    pub attempts: usize,
    pub average: Option<f32>,
    pub best: Option<u8>,
    /// The average of the first three attempts and of the last three.
    pub first: Option<f32>,
    pub last: Option<f32>,
    pub by_question: Vec<Count>,
    pub points: Vec<PracticePoint>,
}

/// The quarterly review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub period: Period,
    pub entries: usize,
    pub by_category: Vec<Count>,
    pub by_severity: Vec<Count>,
    pub by_tag: Vec<Count>,
    /// Root-cause words in two or more entries, most frequent first.
    pub recurring_words: Vec<Recurring>,
    /// Tags on two or more entries.
    pub recurring_tags: Vec<Recurring>,
    pub lessons: Vec<Lesson>,
    pub follow_ups: FollowUps,
    /// Stories created in the period.
    pub stories_written: Vec<StoryRef>,
    /// Stories ready now whose last change was in the period (the store keeps no date of
    /// readiness; this is the nearest).
    pub stories_ready: Vec<StoryRef>,
    pub practice: PracticeTrend,
    /// What the numbers say, in sentences.
    pub highlights: Vec<String>,
}

/// Everything a review reads. Entries, stories and attempts may be all the journal has: the
/// review keeps what falls in the period (and earlier entries whose follow-up was recorded in it).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub entries: &'a [Entry],
    pub stories: &'a [Story],
    pub attempts: &'a [PracticeAttempt],
    /// The day the review is made (for overdue follow-ups).
    pub today: Date,
    /// The time zone that turns timestamps into days.
    pub tz: &'a TimeZone,
}

fn counts(map: BTreeMap<String, usize>) -> Vec<Count> {
    let mut v: Vec<Count> = map.into_iter().map(|(label, count)| Count { label, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    v
}

/// The root-cause words of an entry: its "why it happened" and "my part", lower-cased, without
/// stop words, numbers and words under three letters; a plural `s` dropped.
pub fn root_cause_words(e: &Entry) -> BTreeSet<String> {
    let stop = stopwords();
    format!("{}\n{}", e.root_cause, e.my_part)
        .unicode_words()
        .map(|w| w.to_lowercase().replace('’', "'"))
        .filter(|w| w.chars().count() >= 3 && !stop.contains(w) && !w.chars().all(|c| c.is_numeric()))
        .map(|w| {
            if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .filter(|w| !stop.contains(w))
        .collect()
}

/// Make the review of `period`.
pub fn review(period: &Period, input: Inputs<'_>) -> Review {
    let tz = input.tz;
    let mut entries: Vec<&Entry> = input.entries.iter().filter(|e| period.contains(e.happened)).collect();
    entries.sort_by_key(|e| (e.happened, e.id));
    let mut by_category = BTreeMap::new();
    let mut by_severity = BTreeMap::new();
    let mut by_tag = BTreeMap::new();
    let mut words: BTreeMap<String, Vec<Id>> = BTreeMap::new();
    let mut tags: BTreeMap<String, Vec<Id>> = BTreeMap::new();
    for e in &entries {
        *by_category.entry(e.category.map_or("uncategorised".to_owned(), |c| c.to_string())).or_insert(0) += 1;
        *by_severity.entry(e.severity.map_or("unrated".to_owned(), |s| format!("severity {s}"))).or_insert(0) += 1;
        for t in &e.tags {
            *by_tag.entry(t.clone()).or_insert(0) += 1;
            tags.entry(t.clone()).or_default().push(e.id);
        }
        for w in root_cause_words(e) {
            words.entry(w).or_default().push(e.id);
        }
    }
    let recurring = |m: BTreeMap<String, Vec<Id>>| {
        let mut v: Vec<Recurring> = m
            .into_iter()
            .filter(|(_, ids)| ids.len() >= 2)
            .map(|(word, entries)| Recurring { word, entries })
            .collect();
        v.sort_by(|a, b| b.entries.len().cmp(&a.entries.len()).then_with(|| a.word.cmp(&b.word)));
        v
    };
    let mut severity: Vec<Count> = by_severity.into_iter().map(|(label, count)| Count { label, count }).collect();
    severity.sort_by(|a, b| a.label.cmp(&b.label)); // severity 1..5, then unrated
    let by_category = counts(by_category);

    // Lessons: the period's entries with something learned or to change, and earlier entries
    // whose follow-up was recorded in the period.
    let mut lessons: Vec<Lesson> = Vec::new();
    let lesson = |e: &Entry, earlier: bool| Lesson {
        entry_id: e.id,
        title: e.title.clone(),
        happened: e.happened,
        learned: e.learned.trim().to_owned(),
        will_change: e.will_change.trim().to_owned(),
        follow_up: e.follow_up.as_ref().map(|f| f.status),
        due: e.follow_up.as_ref().map(|f| f.due),
        evidence: e.follow_up.as_ref().map_or(String::new(), |f| f.evidence.clone()),
        earlier,
    };
    for e in &entries {
        if !e.learned.trim().is_empty() || !e.will_change.trim().is_empty() {
            lessons.push(lesson(e, false));
        }
    }
    let mut earlier: Vec<&Entry> = input
        .entries
        .iter()
        .filter(|e| e.happened < period.since)
        .filter(|e| e.follow_up.as_ref().and_then(|f| f.recorded).is_some_and(|t| period.contains_instant(t, tz)))
        .collect();
    earlier.sort_by_key(|e| (e.happened, e.id));
    lessons.extend(earlier.into_iter().map(|e| lesson(e, true)));
    let mut follow_ups = FollowUps::default();
    for l in &lessons {
        match l.follow_up {
            Some(FollowUpStatus::Held) => follow_ups.held += 1,
            Some(FollowUpStatus::DidntHold) => follow_ups.didnt_hold += 1,
            Some(FollowUpStatus::Open) => {
                follow_ups.open += 1;
                if l.due.is_some_and(|d| d < input.today) {
                    follow_ups.overdue += 1;
                }
            }
            None => {}
        }
    }

    let story_ref = |s: &Story| StoryRef { id: s.id, title: s.title.clone(), score: s.score, ready: s.ready };
    let stories_written: Vec<StoryRef> =
        input.stories.iter().filter(|s| period.contains_instant(s.created, tz)).map(story_ref).collect();
    let stories_ready: Vec<StoryRef> =
        input.stories.iter().filter(|s| s.ready && period.contains_instant(s.updated, tz)).map(story_ref).collect();

    let mut points: Vec<PracticePoint> = input
        .attempts
        .iter()
        .filter(|a| period.contains_instant(a.created, tz))
        .map(|a| PracticePoint {
            id: a.id,
            date: a.created.to_zoned(tz.clone()).date(),
            question: a.question.clone(),
            score: a.score,
        })
        .collect();
    points.sort_by_key(|p| (p.date, p.id));
    let scores: Vec<f32> = points.iter().map(|p| f32::from(p.score)).collect();
    let mean = |v: &[f32]| (!v.is_empty()).then(|| (v.iter().sum::<f32>() / v.len() as f32 * 10.0).round() / 10.0);
    let k = (scores.len() / 2).clamp(1, 3);
    let mut by_q = BTreeMap::new();
    for p in &points {
        *by_q.entry(p.question.clone()).or_insert(0) += 1;
    }
    let practice = PracticeTrend {
        attempts: points.len(),
        average: mean(&scores),
        best: points.iter().map(|p| p.score).max(),
        first: if scores.len() >= 2 { mean(&scores[..k]) } else { None },
        last: if scores.len() >= 2 { mean(&scores[scores.len() - k..]) } else { None },
        by_question: counts(by_q),
        points,
    };

    let mut r = Review {
        period: period.clone(),
        entries: entries.len(),
        by_category,
        by_severity: severity,
        by_tag: counts(by_tag),
        recurring_words: recurring(words),
        recurring_tags: recurring(tags),
        lessons,
        follow_ups,
        stories_written,
        stories_ready,
        practice,
        highlights: Vec::new(),
    };
    r.highlights = highlights(&r);
    r
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn highlights(r: &Review) -> Vec<String> {
    let mut h = Vec::new();
    if r.entries == 0 {
        h.push(format!(
            "No failures logged in {}: log them as they happen (`starl log`), or they are lost by the next review.",
            r.period.label
        ));
    } else {
        if let Some(top) = r.by_category.first().filter(|c| c.label != "uncategorised") {
            h.push(format!("Most failures were {} ({} of {}).", top.label, top.count, r.entries));
        }
        if let Some(w) = r.recurring_words.first() {
            h.push(format!(
                "\"{}\" recurs in the root causes of {} entries: a pattern worth a change of its own.",
                w.word,
                w.entries.len()
            ));
        }
        if let Some(t) = r.recurring_tags.first() {
            h.push(format!("The tag `{}` is on {} entries.", t.word, t.entries.len()));
        }
    }
    let f = r.follow_ups;
    if f.held + f.didnt_hold > 0 {
        h.push(format!("{} of {} checked follow-ups held.", f.held, f.held + f.didnt_hold));
    }
    if f.overdue > 0 {
        h.push(format!("{} overdue: see `starl due`.", plural(f.overdue, "follow-up is", "follow-ups are")));
    }
    if !r.stories_written.is_empty() || !r.stories_ready.is_empty() {
        h.push(format!(
            "{} written, {} made ready.",
            plural(r.stories_written.len(), "story", "stories"),
            r.stories_ready.len()
        ));
    } else if r.entries > 0 {
        h.push("No story written from these failures yet: `starl story new --from ID`.".to_owned());
    }
    match (r.practice.first, r.practice.last) {
        (Some(a), Some(b)) if b > a => h.push(format!("Practice scores rose from {a} to {b}.")),
        (Some(a), Some(b)) if b < a => {
            h.push(format!("Practice scores fell from {a} to {b}: practise the weakest answer again."))
        }
        _ if r.practice.attempts == 0 => {
            h.push("No practice this period: `starl practice` takes three minutes.".to_owned())
        }
        _ => {}
    }
    h
}

// ---------------------------------------------------------------------------------------------
// Terminal text

fn ids(v: &[Id]) -> String {
    v.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
}

/// The review as terminal text in at most `width` columns (charts fitted; text clipped).
pub fn render_text(r: &Review, width: usize) -> String {
    let width = width.max(1);
    let mut s = String::new();
    let line = |s: &mut String, text: &str| {
        let _ = writeln!(s, "{}", chart::clip(text, width).trim_end());
    };
    let chart_of = |counts: &[Count]| -> String {
        let bars: Vec<Bar> = counts.iter().map(|c| Bar::new(c.label.clone(), c.count as f64)).collect();
        chart::bar_chart(&bars, width.saturating_sub(2))
    };
    let indent = |s: &mut String, block: &str| {
        for l in block.lines() {
            let _ = writeln!(s, "  {l}");
        }
    };
    line(&mut s, &format!("Quarterly review {} ({} to {})", r.period.label, r.period.since, r.period.until));
    line(&mut s, "");
    line(&mut s, &format!("Failures logged: {}", r.entries));
    if r.entries > 0 {
        line(&mut s, "By category");
        indent(&mut s, &chart_of(&r.by_category));
        line(&mut s, "By severity");
        indent(&mut s, &chart_of(&r.by_severity));
        if !r.by_tag.is_empty() {
            line(&mut s, "By tag");
            indent(&mut s, &chart_of(&r.by_tag[..r.by_tag.len().min(10)]));
        }
    }
    line(&mut s, "");
    line(&mut s, "Patterns");
    if r.recurring_words.is_empty() && r.recurring_tags.is_empty() {
        line(&mut s, "  nothing recurs across entries yet");
    }
    for w in r.recurring_words.iter().take(8) {
        line(&mut s, &format!("  root cause \"{}\" in {} entries ({})", w.word, w.entries.len(), ids(&w.entries)));
    }
    for t in r.recurring_tags.iter().take(8) {
        line(&mut s, &format!("  tag `{}` on {} entries ({})", t.word, t.entries.len(), ids(&t.entries)));
    }
    line(&mut s, "");
    let f = r.follow_ups;
    line(
        &mut s,
        &format!(
            "Lessons and follow-ups: {} held, {} didn't hold, {} open ({} overdue)",
            f.held, f.didnt_hold, f.open, f.overdue
        ),
    );
    if r.lessons.is_empty() {
        line(&mut s, "  no lessons written down in this period");
    }
    for l in &r.lessons {
        let status = match l.follow_up {
            Some(st) => status_words(st).to_owned(),
            None => "no follow-up".to_owned(),
        };
        line(
            &mut s,
            &format!(
                "  #{} {} ({}{}) [{status}]",
                l.entry_id,
                l.title,
                l.happened,
                if l.earlier { ", earlier" } else { "" }
            ),
        );
        if !l.learned.is_empty() {
            line(&mut s, &format!("     learned: {}", one_line(&l.learned)));
        }
        if !l.will_change.is_empty() {
            line(&mut s, &format!("     change:  {}", one_line(&l.will_change)));
        }
        if !l.evidence.is_empty() {
            line(&mut s, &format!("     since:   {}", one_line(&l.evidence)));
        }
    }
    line(&mut s, "");
    line(&mut s, &format!("Stories: {} written, {} made ready", r.stories_written.len(), r.stories_ready.len()));
    for st in &r.stories_written {
        line(
            &mut s,
            &format!(
                "  #{} {} (score {}{})",
                st.id,
                st.title,
                st.score.map_or("-".into(), |v| v.to_string()),
                if st.ready { ", ready" } else { "" }
            ),
        );
    }
    line(&mut s, "");
    let p = &r.practice;
    let mut head = format!("Practice: {}", plural(p.attempts, "attempt", "attempts"));
    if let Some(avg) = p.average {
        let _ = write!(head, ", average {avg}");
    }
    if let (Some(a), Some(b)) = (p.first, p.last) {
        let _ = write!(head, ", {a} -> {b}");
    }
    line(&mut s, &head);
    if !p.points.is_empty() {
        let values: Vec<f64> = p.points.iter().map(|x| f64::from(x.score)).collect();
        line(&mut s, &format!("  {}", chart::sparkline(&values, width.saturating_sub(2), Some((0.0, 100.0)))));
        indent(&mut s, &chart_of(&p.by_question));
    }
    line(&mut s, "");
    line(&mut s, "What it says");
    for h in &r.highlights {
        for (i, l) in wrap(h, width.saturating_sub(4).max(10)).iter().enumerate() {
            line(&mut s, &format!("{} {l}", if i == 0 { "  -" } else { "   " }));
        }
    }
    s
}

/// A follow-up's status in words.
fn status_words(s: FollowUpStatus) -> &'static str {
    match s {
        FollowUpStatus::Open => "open",
        FollowUpStatus::Held => "held",
        FollowUpStatus::DidntHold => "didn't hold",
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Wrap `s` at spaces to lines of at most `width` columns (a longer word stands alone).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.width() + 1 + w.width() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// HTML

/// The review as one self-contained HTML page: inline CSS, inline SVG charts, no external
/// resources, every text escaped.
pub fn render_html(r: &Review) -> String {
    let mut b = String::new();
    let e = html::text;
    let _ = writeln!(b, "<h1>Quarterly review {}</h1>", e(&r.period.label));
    let _ = writeln!(
        b,
        "<p class=\"sub\">{} to {} · your failure log, stories and practice</p>",
        r.period.since, r.period.until
    );
    let f = r.follow_ups;
    let avg = r.practice.average.map_or("–".to_owned(), |a| a.to_string());
    let _ = writeln!(
        b,
        "<div class=\"stats\">\
         <div class=\"card\"><div class=\"muted\">Failures logged</div><div class=\"stat\">{}</div></div>\
         <div class=\"card\"><div class=\"muted\">Follow-ups held</div><div class=\"stat\">{} / {}</div></div>\
         <div class=\"card\"><div class=\"muted\">Stories written · ready</div><div class=\"stat\">{} · {}</div></div>\
         <div class=\"card\"><div class=\"muted\">Practice attempts · average</div><div class=\"stat\">{} · {}</div></div></div>",
        r.entries,
        f.held,
        f.held + f.didnt_hold,
        r.stories_written.len(),
        r.stories_ready.len(),
        r.practice.attempts,
        e(&avg)
    );
    b.push_str("<h2>What it says</h2><ul class=\"tight\">");
    for h in &r.highlights {
        let _ = write!(b, "<li>{}</li>", html::text_with_code(h));
    }
    b.push_str("</ul>\n");
    let svg = |title: &str, counts: &[Count], color: &str| {
        let bars: Vec<Bar> = counts.iter().map(|c| Bar::new(c.label.clone(), c.count as f64)).collect();
        chart::svg_bar_chart(
            &bars,
            &SvgOptions { width: 380, title: title.to_owned(), max: None, color: color.to_owned() },
        )
    };
    b.push_str("<h2>Failures</h2>\n");
    if r.entries == 0 {
        let _ = writeln!(b, "<p class=\"muted\">No failures logged in this period.</p>");
    } else {
        let _ = writeln!(
            b,
            "<div class=\"grid\"><div class=\"card\"><h3>By category</h3>{}</div><div class=\"card\"><h3>By severity</h3>{}</div></div>",
            svg("Failures by category", &r.by_category, "#0969da"),
            svg("Failures by severity", &r.by_severity, "#cf222e")
        );
        if !r.by_tag.is_empty() {
            let _ = writeln!(
                b,
                "<div class=\"card\" style=\"margin-top:1.25rem\"><h3>By tag</h3>{}</div>",
                svg("Failures by tag", &r.by_tag[..r.by_tag.len().min(12)], "#8250df")
            );
        }
    }
    b.push_str("<h2>Patterns</h2>\n");
    if r.recurring_words.is_empty() && r.recurring_tags.is_empty() {
        let _ = writeln!(b, "<p class=\"muted\">Nothing recurs across entries yet.</p>");
    } else {
        b.push_str("<table><tr><th>Recurs</th><th class=\"num\">Entries</th><th>Which</th></tr>");
        for w in &r.recurring_words {
            let _ = write!(
                b,
                "<tr><td>root cause “{}”</td><td class=\"num\">{}</td><td>{}</td></tr>",
                e(&w.word),
                w.entries.len(),
                e(&ids(&w.entries))
            );
        }
        for t in &r.recurring_tags {
            let _ = write!(
                b,
                "<tr><td>tag <code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
                e(&t.word),
                t.entries.len(),
                e(&ids(&t.entries))
            );
        }
        b.push_str("</table>\n");
    }
    b.push_str("<h2>Lessons and follow-ups</h2>\n");
    if r.lessons.is_empty() {
        let _ = writeln!(b, "<p class=\"muted\">No lessons written down in this period.</p>");
    } else {
        b.push_str("<table><tr><th>Entry</th><th>Lesson</th><th>Follow-up</th></tr>");
        for l in &r.lessons {
            let (class, status) = match l.follow_up {
                Some(s) => (s.as_str(), status_words(s).to_owned()),
                None => ("muted", "none".to_owned()),
            };
            let _ = write!(
                b,
                "<tr><td>#{} {}<br><span class=\"muted\">{}{}</span></td><td>{}{}</td><td><span class=\"{class}\">{}</span>{}</td></tr>",
                l.entry_id,
                e(&l.title),
                l.happened,
                if l.earlier { " · earlier" } else { "" },
                e(&l.learned),
                if l.will_change.is_empty() { String::new() } else { format!("<br><span class=\"muted\">Change: {}</span>", e(&l.will_change)) },
                e(&status),
                if l.evidence.is_empty() { String::new() } else { format!("<br><span class=\"muted\">{}</span>", e(&l.evidence)) },
            );
        }
        b.push_str("</table>\n");
    }
    b.push_str("<h2>Stories</h2>\n");
    if r.stories_written.is_empty() && r.stories_ready.is_empty() {
        let _ = writeln!(b, "<p class=\"muted\">No stories written or made ready in this period.</p>");
    } else {
        b.push_str("<table><tr><th>Story</th><th class=\"num\">Score</th><th>Ready</th></tr>");
        let mut seen = BTreeSet::new();
        for st in r.stories_written.iter().chain(&r.stories_ready) {
            if seen.insert(st.id) {
                let _ = write!(
                    b,
                    "<tr><td>#{} {}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                    st.id,
                    e(&st.title),
                    st.score.map_or("–".into(), |v| v.to_string()),
                    if st.ready { "yes" } else { "no" }
                );
            }
        }
        b.push_str("</table>\n");
    }
    b.push_str("<h2>Practice</h2>\n");
    let points: Vec<(String, f64)> =
        r.practice.points.iter().map(|p| (p.date.to_string(), f64::from(p.score))).collect();
    if points.is_empty() {
        let _ = writeln!(b, "<p class=\"muted\">No practice attempts in this period.</p>");
    } else {
        let _ = writeln!(
            b,
            "<div class=\"card\"><h3>Scores over attempts</h3>{}</div>",
            chart::svg_line_chart(
                &points,
                &SvgOptions {
                    width: 760,
                    title: "Practice scores over attempts".into(),
                    max: Some(100.0),
                    color: "#1a7f37".into()
                }
            )
        );
        let _ = writeln!(
            b,
            "<div class=\"card\" style=\"margin-top:1.25rem\"><h3>Attempts by question</h3>{}</div>",
            svg("Attempts by question", &r.practice.by_question, "#1a7f37")
        );
    }
    let _ = writeln!(b, "<footer>Made by starl review · everything on this page stays on your machine</footer>");
    html::page(&format!("Quarterly review {}", r.period.label), &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use starl_store::{Category, FollowUp};

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn fixture() -> (Vec<Entry>, Vec<Story>, Vec<PracticeAttempt>) {
        let t = |s: &str| -> Timestamp { format!("{s}T12:00:00Z").parse().unwrap() };
        let mut entries = Vec::new();
        for (id, title, day, cat, sev, tags, cause, status) in [
            (
                1,
                "Locked the orders table",
                "2026-07-03",
                Some(Category::Technical),
                Some(4),
                vec!["database"],
                "I assumed the migration was online; untested assumptions.",
                Some(FollowUpStatus::Held),
            ),
            (
                2,
                "Missed the beta date",
                "2026-08-10",
                Some(Category::Communication),
                Some(2),
                vec!["estimation", "database"],
                "I assumed the estimate held and raised the risk late.",
                Some(FollowUpStatus::Open),
            ),
            (
                3,
                "Cache stampede",
                "2026-09-01",
                Some(Category::Technical),
                None,
                vec!["cache"],
                "Untested assumption about load.",
                None,
            ),
            (4, "Old one", "2026-03-01", None, None, vec![], "", Some(FollowUpStatus::DidntHold)),
        ] {
            let mut e = Entry::new(title, d(day), t("2026-07-01"));
            e.id = id;
            e.category = cat;
            e.severity = sev;
            e.tags = tags.into_iter().map(String::from).collect();
            e.root_cause = cause.into();
            e.learned = format!("Lesson {id} <b>");
            if let Some(st) = status {
                e.will_change = format!("Change {id}");
                e.follow_up = Some(FollowUp {
                    due: d("2026-08-01"),
                    status: st,
                    evidence: String::new(),
                    recorded: (st != FollowUpStatus::Open).then(|| t("2026-08-15")),
                });
            }
            entries.push(e);
        }
        let mut s = Story::new("Orders story", "b", t("2026-07-05"));
        s.id = 1;
        s.ready = true;
        s.score = Some(82);
        let attempts = [(1, "2026-07-06", 40), (2, "2026-08-06", 55), (3, "2026-09-06", 80)]
            .into_iter()
            .map(|(id, day, score)| {
                let mut a = PracticeAttempt::new("failed", "x", t(day));
                a.id = id;
                a.score = score;
                a
            })
            .collect();
        (entries, vec![s], attempts)
    }

    fn make() -> Review {
        let (e, s, a) = fixture();
        review(
            &Period::quarter("2026-Q3").unwrap(),
            Inputs { entries: &e, stories: &s, attempts: &a, today: d("2026-09-30"), tz: &TimeZone::UTC },
        )
    }

    #[test]
    fn periods() {
        let q = Period::quarter("2026-Q3").unwrap();
        assert_eq!((q.since, q.until), (d("2026-07-01"), d("2026-09-30")));
        assert_eq!(Period::quarter("2026q1").unwrap().until, d("2026-03-31"));
        assert_eq!(Period::quarter_of(d("2026-11-23")).label, "2026-Q4");
        for bad in ["2026-Q5", "2026", "Q3", "26-Q1", "2026-Q0", "abcd-Q1"] {
            assert!(Period::quarter(bad).is_err(), "{bad}");
        }
        assert!(Period::between(d("2026-02-01"), d("2026-01-01")).is_err());
        let (a, b) = q.instants(&TimeZone::UTC);
        assert_eq!((a.to_string(), b.to_string()), ("2026-07-01T00:00:00Z".into(), "2026-10-01T00:00:00Z".into()));
    }

    #[test]
    fn counts_patterns_lessons_practice() {
        let r = make();
        assert_eq!(r.entries, 3);
        assert_eq!(r.by_category[0], Count { label: "technical".into(), count: 2 });
        assert_eq!(
            r.recurring_words.iter().map(|w| w.word.as_str()).collect::<Vec<_>>(),
            ["assumed", "assumption", "untested"]
        );
        assert_eq!(r.recurring_tags, [Recurring { word: "database".into(), entries: vec![1, 2] }]);
        assert_eq!(r.lessons.len(), 4, "three of the period and one earlier follow-up");
        assert!(r.lessons[3].earlier);
        assert_eq!(r.follow_ups, FollowUps { held: 1, didnt_hold: 1, open: 1, overdue: 1 });
        assert_eq!((r.stories_written.len(), r.stories_ready.len()), (1, 1));
        assert_eq!((r.practice.first, r.practice.last), (Some(40.0), Some(80.0)));
        assert!(r.highlights.iter().any(|h| h.contains("rose from 40 to 80")), "{:?}", r.highlights);
    }

    #[test]
    fn text_fits_and_degrades() {
        let r = make();
        let wide = render_text(&r, 100);
        insta::assert_snapshot!("review_text_100", wide);
        for w in [20, 33, 60, 100] {
            let t = render_text(&r, w);
            for l in t.lines() {
                assert!(l.width() <= w, "{w}: {l:?}");
            }
        }
        assert!(render_text(&r, 20).contains("technical"));
    }

    #[test]
    fn empty_quarter() {
        let r = review(
            &Period::quarter("2020-Q1").unwrap(),
            Inputs { entries: &[], stories: &[], attempts: &[], today: d("2026-01-01"), tz: &TimeZone::UTC },
        );
        assert_eq!(r.entries, 0);
        assert!(r.highlights[0].starts_with("No failures logged in 2020-Q1"));
        assert!(render_text(&r, 80).contains("Failures logged: 0"));
        assert!(render_html(&r).contains("No failures logged in this period."));
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let h = render_html(&make());
        assert!(h.contains("Lesson 1 &lt;b&gt;") && !h.contains("Lesson 1 <b>"));
        assert!(h.contains("<svg") && h.contains("<polyline"));
        for external in ["<link", "<script", "src=", "url(", "@import"] {
            assert!(!h.contains(external), "{external}");
        }
    }
}
