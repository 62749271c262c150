//! The quarterly review page and `GET /api/review`: the journal, stories and practice attempts
//! read through the store seam, the review and its SVG charts computed by `starl-coach` (the
//! same as `starl review`).

use jiff::tz::TimeZone;
use serde::Serialize;
use starl_coach::chart::{svg_bar_chart, svg_line_chart, Bar, SvgOptions};
use starl_coach::review::{review, Inputs, Period, Review};
use starl_store::{AttemptFilter, EntryFilter, StoryFilter};

use crate::error::ApiError;
use crate::{AppState, User};

/// A chart: its title and the SVG (every label escaped by `starl-coach`).
#[derive(Debug, Serialize)]
pub struct Chart {
    pub title: String,
    pub svg: String,
}

/// The review and its charts.
#[derive(Debug, Serialize)]
pub struct WebReview {
    #[serde(flatten)]
    pub review: Review,
    pub charts: Vec<Chart>,
}

/// The review of `quarter` (`2026-Q3`), or of this quarter.
pub async fn compute(state: &AppState, user: User, quarter: Option<&str>) -> Result<WebReview, ApiError> {
    let today = crate::api::today();
    let period = match quarter.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => Period::quarter(q).map_err(|e| ApiError::field("quarter", e.to_string()))?,
        None => Period::quarter_of(today),
    };
    let tz = TimeZone::system();
    // Entries from before the period still count when their follow-up was recorded in it, so
    // the review reads them all (as `starl review` does).
    let (entries, stories, attempts) = state
        .store(user, move |s, _| {
            let entries = s.entries(&EntryFilter::default())?;
            let stories = s.stories(&StoryFilter::default())?;
            let attempts = s.attempts(&AttemptFilter::default())?;
            Ok((entries, stories, attempts))
        })
        .await?;
    let r = review(&period, Inputs { entries: &entries, stories: &stories, attempts: &attempts, today, tz: &tz });
    let options = |title: &str, max: Option<f64>| SvgOptions {
        width: 480,
        title: title.to_owned(),
        max,
        ..SvgOptions::default()
    };
    let chart = |title: &str, svg: String| Chart { title: title.to_owned(), svg };
    let categories: Vec<Bar> = r.by_category.iter().map(|c| Bar::new(c.label.clone(), c.count as f64)).collect();
    let f = r.follow_ups;
    let follow_ups = [
        Bar::new("held", f.held as f64),
        Bar::new("didn't hold", f.didnt_hold as f64),
        Bar::new("open", f.open as f64),
    ];
    let scores: Vec<(String, f64)> =
        r.practice.points.iter().map(|p| (p.date.to_string(), f64::from(p.score))).collect();
    let charts = vec![
        chart("Failures by category", svg_bar_chart(&categories, &options("Failures by category", None))),
        chart("Follow-ups: did the change stick?", svg_bar_chart(&follow_ups, &options("Follow-ups", None))),
        chart("Practice scores", svg_line_chart(&scores, &options("Practice scores", Some(100.0)))),
    ];
    Ok(WebReview { review: r, charts })
}
