//! The JSON API under `/api`, used by the pages and documented in `openapi.json` (served at
//! `/api/openapi.json`; a test checks that every route here is documented there).
//!
//! Requests are validated field by field before anything is written, and every store method is
//! atomic, so a request that fails leaves nothing half written.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use starl_analyzer::Report;
use starl_store::{
    normalize_tag, AttemptFilter, Category, Entry, EntryFilter, FollowUp, FollowUpStatus, Id, PracticeAttempt, Story,
    StoryAnalysis, StoryFilter, ThemeScores, DEFAULT_FOLLOW_UP_DAYS,
};

use crate::bank::Bank;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::{AppState, User};

/// The OpenAPI 3 document of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Every API route, `(method, path)` as axum writes it: the OpenAPI test checks both ways.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/openapi.json"),
    ("post", "/api/analyze"),
    ("get", "/api/entries"),
    ("post", "/api/entries"),
    ("get", "/api/entries/{id}"),
    ("put", "/api/entries/{id}"),
    ("delete", "/api/entries/{id}"),
    ("post", "/api/entries/{id}/follow-up"),
    ("post", "/api/entries/{id}/story"),
    ("get", "/api/due"),
    ("get", "/api/stories"),
    ("post", "/api/stories"),
    ("get", "/api/stories/{id}"),
    ("put", "/api/stories/{id}"),
    ("delete", "/api/stories/{id}"),
    ("put", "/api/stories/{id}/ready"),
    ("get", "/api/bank"),
    ("get", "/api/practice"),
    ("post", "/api/practice"),
    ("get", "/api/review"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/analyze", post(analyze))
        .route("/entries", get(list_entries).post(create_entry))
        .route("/entries/{id}", get(get_entry).put(update_entry).delete(delete_entry))
        .route("/entries/{id}/follow-up", post(follow_up))
        .route("/entries/{id}/story", post(story_from_entry))
        .route("/due", get(due))
        .route("/stories", get(list_stories).post(create_story))
        .route("/stories/{id}", get(get_story).put(update_story).delete(delete_story))
        .route("/stories/{id}/ready", put(set_ready))
        .route("/bank", get(bank))
        .route("/practice", get(practice_history).post(practice))
        .route("/review", get(review))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// `POST /api/analyze`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    pub text: String,
    #[serde(default)]
    pub framework: Option<String>,
}

/// The analyzer's report, exactly as `starl lint --format json` gives it for one story.
async fn analyze(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<AnalyzeRequest>,
) -> Result<Json<Report>, ApiError> {
    let analyzers = state.analyzers();
    let analyzer = analyzers.get(req.framework.as_deref()).ok_or_else(|| unknown_framework(&state))?;
    Ok(Json(analyzer.analyze(&req.text)))
}

fn unknown_framework(state: &AppState) -> ApiError {
    ApiError::field(
        "framework",
        format!("unknown framework: expected one of {}", state.analyzers().frameworks().join(", ")),
    )
}

fn now() -> Timestamp {
    starl_store::truncate(Timestamp::now())
}

/// Today in the local time zone.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}

// ---- entries ----

/// An entry as the API takes it (create and replace). Absent text fields are empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    pub title: String,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    pub happened: Option<String>,
    #[serde(default)]
    pub what_happened: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub my_part: String,
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    pub what_i_did: String,
    #[serde(default)]
    pub learned: String,
    #[serde(default)]
    pub will_change: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub severity: Option<u8>,
}

impl EntryInput {
    /// Check every field, then write them onto `e`.
    fn apply(self, e: &mut Entry) -> Result<(), ApiError> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err(ApiError::field("title", "an entry needs a title"));
        }
        let happened = match self.happened.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => e.happened,
            Some(s) => s
                .parse::<Date>()
                .map_err(|_| ApiError::field("happened", format!("`{s}` is not a date (YYYY-MM-DD)")))?,
        };
        let category = match self.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => Some(c.parse::<Category>().map_err(|err| ApiError::field("category", err.to_string()))?),
        };
        if let Some(s) = self.severity {
            if !(1..=5).contains(&s) {
                return Err(ApiError::field("severity", format!("severity must be 1 to 5, not {s}")));
            }
        }
        let mut tags = Vec::new();
        for t in self.tags.iter().filter(|t| !t.trim().is_empty()) {
            tags.push(normalize_tag(t).map_err(|err| ApiError::field("tags", err.to_string()))?);
        }
        e.title = title.to_owned();
        e.happened = happened;
        e.what_happened = self.what_happened;
        e.impact = self.impact;
        e.my_part = self.my_part;
        e.root_cause = self.root_cause;
        e.what_i_did = self.what_i_did;
        e.learned = self.learned;
        e.will_change = self.will_change;
        e.category = category;
        e.tags = tags;
        e.severity = self.severity;
        // Something to change and no follow-up yet: check in a month whether it stuck.
        if e.follow_up.is_none() && !e.will_change.trim().is_empty() {
            let due = today().checked_add(jiff::Span::new().days(DEFAULT_FOLLOW_UP_DAYS)).unwrap_or(today());
            e.follow_up = Some(FollowUp::open(due));
        }
        Ok(())
    }
}

/// `GET /api/entries` filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub limit: Option<usize>,
}

impl EntriesQuery {
    /// The store's filter, or an error naming the parameter at fault.
    pub fn filter(&self) -> Result<EntryFilter, ApiError> {
        let some = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let date = |name: &str, s: &Option<String>| -> Result<Option<Date>, ApiError> {
            some(s)
                .map(|d| {
                    d.parse::<Date>().map_err(|_| ApiError::field(name, format!("`{d}` is not a date (YYYY-MM-DD)")))
                })
                .transpose()
        };
        let tags = match some(&self.tag) {
            Some(t) => vec![normalize_tag(&t).map_err(|e| ApiError::field("tag", e.to_string()))?],
            None => Vec::new(),
        };
        let category = some(&self.category)
            .map(|c| c.parse::<Category>().map_err(|e| ApiError::field("category", e.to_string())))
            .transpose()?;
        Ok(EntryFilter {
            tags,
            category,
            since: date("since", &self.since)?,
            until: date("until", &self.until)?,
            search: some(&self.search),
            limit: Some(self.limit.unwrap_or(100).clamp(1, 1000)),
        })
    }
}

/// A query string parsed into `T`, a bad parameter named in a 400.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => {
                let text = e.body_text();
                // "Failed to deserialize query string: limit: invalid digit ..." or "unknown field `x`".
                let detail = text.split_once("query string: ").map_or(text.as_str(), |(_, d)| d);
                let named = detail
                    .split_once(':')
                    .map(|(f, _)| f.trim())
                    .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'));
                let field = named
                    .map(str::to_owned)
                    .or_else(|| detail.split('`').nth(1).map(str::to_owned))
                    .unwrap_or_else(|| "query".to_owned());
                Err(ApiError { status: StatusCode::BAD_REQUEST, error: text, field: Some(field) })
            }
        }
    }
}

async fn list_entries(
    State(state): State<AppState>,
    user: User,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    let filter = q.filter()?;
    Ok(Json(state.store(user, move |s, _| s.entries(&filter)).await?))
}

async fn create_entry(
    State(state): State<AppState>,
    user: User,
    ApiJson(input): ApiJson<EntryInput>,
) -> Result<(StatusCode, Json<Entry>), ApiError> {
    let mut e = Entry::new("untitled", today(), now());
    input.apply(&mut e)?;
    let e = state.store(user, move |s, _| s.create_entry(&e)).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

async fn get_entry(State(state): State<AppState>, user: User, Path(id): Path<Id>) -> Result<Json<Entry>, ApiError> {
    Ok(Json(state.store(user, move |s, _| s.entry(id)).await?))
}

async fn update_entry(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<Id>,
    ApiJson(input): ApiJson<EntryInput>,
) -> Result<Json<Entry>, ApiError> {
    // Validate before touching the store, then read and replace in one transaction.
    let mut probe = Entry::new("probe", today(), now());
    input.clone().apply(&mut probe)?;
    let e = state
        .store(user, move |s, _| {
            let mut out = None;
            s.atomically(&mut |s| {
                let mut e = s.entry(id)?;
                input.clone().apply(&mut e).map_err(|err| starl_store::StoreError::Invalid(err.error))?;
                e.updated = now();
                out = Some(s.update_entry(&e)?);
                Ok(())
            })?;
            out.ok_or_else(|| starl_store::StoreError::Backend("the update did not run".into()))
        })
        .await?;
    Ok(Json(e))
}

async fn delete_entry(State(state): State<AppState>, user: User, Path(id): Path<Id>) -> Result<StatusCode, ApiError> {
    state.store(user, move |s, _| s.delete_entry(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/entries/{id}/follow-up`: whether the change stuck.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    /// `held` or `didnt-hold` (or `open` to reopen).
    pub status: String,
    #[serde(default)]
    pub evidence: String,
}

async fn follow_up(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<Id>,
    ApiJson(input): ApiJson<FollowUpInput>,
) -> Result<Json<Entry>, ApiError> {
    let status: FollowUpStatus =
        input.status.parse().map_err(|e: starl_store::StoreError| ApiError::field("status", e.to_string()))?;
    Ok(Json(state.store(user, move |s, _| s.record_follow_up(id, status, &input.evidence, now())).await?))
}

async fn due(State(state): State<AppState>, user: User) -> Result<Json<Vec<Entry>>, ApiError> {
    let on = today();
    Ok(Json(state.store(user, move |s, _| s.due_follow_ups(on)).await?))
}

/// `POST /api/entries/{id}/story`: optional framework for the draft.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FromEntryInput {
    #[serde(default)]
    pub framework: Option<String>,
}

/// A STAR-L draft from an entry's fields: the parts filled from what the entry says.
pub fn draft_from_entry(e: &Entry) -> String {
    let evidence = e
        .follow_up
        .as_ref()
        .filter(|f| f.status == FollowUpStatus::Held && !f.evidence.is_empty())
        .map(|f| format!("Since then: {}", f.evidence));
    let parts: [(&str, Vec<Option<String>>); 5] = [
        ("Situation", vec![Some(e.what_happened.clone())]),
        ("Task", vec![Some(e.my_part.clone())]),
        ("Action", vec![Some(e.what_i_did.clone())]),
        ("Result", vec![Some(e.impact.clone()), Some(e.root_cause.clone())]),
        ("Learning", vec![Some(e.learned.clone()), Some(e.will_change.clone()), evidence]),
    ];
    let mut body = String::new();
    for (name, fields) in parts {
        let text: Vec<String> = fields.into_iter().flatten().filter(|t| !t.trim().is_empty()).collect();
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&format!("## {name}\n{}\n", text.join("\n\n").trim()));
    }
    body
}

async fn story_from_entry(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<Id>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Story>), ApiError> {
    // The body is optional: none (or `{}`) drafts a STAR-L story.
    let input: FromEntryInput = if body.iter().all(u8::is_ascii_whitespace) {
        FromEntryInput::default()
    } else {
        crate::extract::parse(&body)?
    };
    let framework = input.framework.filter(|f| !f.trim().is_empty());
    if state.analyzers().get(framework.as_deref()).is_none() {
        return Err(unknown_framework(&state));
    }
    let story = state
        .store(user, move |s, analyzers| {
            let e = s.entry(id)?;
            let mut story = Story::new(e.title.clone(), draft_from_entry(&e), now());
            story.entry_id = Some(e.id);
            story.framework = framework.or_else(|| Some("star-l".to_owned()));
            story.score = analyzers.analyze(&story.body, story.framework.as_deref()).map(|r| r.score);
            s.create_story(&story)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(story)))
}

// ---- stories ----

/// A story as the API takes it (create and replace).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryInput {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub framework: Option<String>,
    #[serde(default)]
    pub entry_id: Option<Id>,
}

/// A story with its report, as `GET /api/stories/{id}` and saves answer.
#[derive(Debug, Serialize)]
pub struct StoryWithReport {
    pub story: Story,
    pub report: Report,
}

impl StoryInput {
    fn check(&self, state: &AppState) -> Result<Option<String>, ApiError> {
        if self.title.trim().is_empty() {
            return Err(ApiError::field("title", "a story needs a title"));
        }
        let framework = self.framework.as_deref().map(str::trim).filter(|f| !f.is_empty()).map(str::to_ascii_lowercase);
        if state.analyzers().get(framework.as_deref()).is_none() {
            return Err(unknown_framework(state));
        }
        if self.entry_id.is_some_and(|id| id <= 0) {
            return Err(ApiError::field("entry_id", "an entry id is a positive number"));
        }
        Ok(framework)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoriesQuery {
    #[serde(default)]
    pub ready: Option<bool>,
    #[serde(default)]
    pub entry_id: Option<Id>,
}

async fn list_stories(
    State(state): State<AppState>,
    user: User,
    ApiQuery(q): ApiQuery<StoriesQuery>,
) -> Result<Json<Vec<Story>>, ApiError> {
    let filter = StoryFilter { ready: q.ready, entry_id: q.entry_id };
    Ok(Json(state.store(user, move |s, _| s.stories(&filter)).await?))
}

fn report_of(state: &AppState, story: &Story) -> Report {
    state
        .analyzers()
        .analyze(&story.body, story.framework.as_deref())
        .unwrap_or_else(|| state.analyzers().inferring().analyze(&story.body))
}

async fn create_story(
    State(state): State<AppState>,
    user: User,
    ApiJson(input): ApiJson<StoryInput>,
) -> Result<(StatusCode, Json<StoryWithReport>), ApiError> {
    let framework = input.check(&state)?;
    let mut story = Story::new(input.title.trim(), input.body, now());
    story.framework = framework;
    story.entry_id = input.entry_id;
    let report = report_of(&state, &story);
    story.score = Some(report.score);
    let story = state.store(user, move |s, _| s.create_story(&story)).await.map_err(entry_field)?;
    Ok((StatusCode::CREATED, Json(StoryWithReport { story, report })))
}

/// A story whose entry does not exist: name the field.
fn entry_field(e: ApiError) -> ApiError {
    if e.status == StatusCode::NOT_FOUND && e.error.contains("entry") {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, field: Some("entry_id".into()), ..e }
    } else {
        e
    }
}

async fn get_story(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<Id>,
) -> Result<Json<StoryWithReport>, ApiError> {
    let story = state.store(user, move |s, _| s.story(id)).await?;
    let report = report_of(&state, &story);
    Ok(Json(StoryWithReport { story, report }))
}

async fn update_story(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<Id>,
    ApiJson(input): ApiJson<StoryInput>,
) -> Result<Json<StoryWithReport>, ApiError> {
    let framework = input.check(&state)?;
    let report =
        state.analyzers().analyze(&input.body, framework.as_deref()).ok_or_else(|| unknown_framework(&state))?;
    let score = report.score;
    let story = state
        .store(user, move |s, _| {
            let mut out = None;
            s.atomically(&mut |s| {
                let mut story = s.story(id)?;
                story.title = input.title.trim().to_owned();
                story.body = input.body.clone();
                story.framework = framework.clone();
                if input.entry_id.is_some() {
                    story.entry_id = input.entry_id;
                }
                story.score = Some(score);
                story.updated = now();
                out = Some(s.update_story(&story)?);
                Ok(())
            })?;
            out.ok_or_else(|| starl_store::StoreError::Backend("the update did not run".into()))
        })
        .await
        .map_err(entry_field)?;
    Ok(Json(StoryWithReport { story, report }))
}

async fn delete_story(State(state): State<AppState>, user: User, Path(id): Path<Id>) -> Result<StatusCode, ApiError> {
    state.store(user, move |s, _| s.delete_story(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadyInput {
    pub ready: bool,
}

async fn set_ready(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<Id>,
    ApiJson(input): ApiJson<ReadyInput>,
) -> Result<Json<Story>, ApiError> {
    Ok(Json(state.store(user, move |s, _| s.set_ready(id, input.ready)).await?))
}

// ---- bank ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankQuery {
    #[serde(default)]
    pub threshold: Option<u8>,
}

/// The bank: every ready story analysed now (the analyzer is fast; the CLI's cache is keyed to
/// its own executable), then [`crate::bank::compute`].
pub async fn compute_bank(state: &AppState, user: User, threshold: Option<u8>) -> Result<Bank, ApiError> {
    if threshold.is_some_and(|t| t > 100) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "a threshold is 0 to 100").with_field("threshold"));
    }
    state
        .store(user, move |s, analyzers| {
            let ready = s.stories(&StoryFilter { ready: Some(true), ..Default::default() })?;
            let analyses: Vec<StoryAnalysis> = ready
                .iter()
                .map(|story| {
                    let r = analyzers
                        .analyze(&story.body, story.framework.as_deref())
                        .unwrap_or_else(|| analyzers.inferring().analyze(&story.body));
                    let mut fits = r.fits;
                    fits.sort();
                    StoryAnalysis { key: String::new(), score: r.score, category: r.category, fits }
                })
                .collect();
            let threshold = threshold.unwrap_or(analyzers.bank_threshold());
            crate::bank::compute(s, threshold, &analyzers.questions(), &ready, analyses)
        })
        .await
}

async fn bank(
    State(state): State<AppState>,
    user: User,
    ApiQuery(q): ApiQuery<BankQuery>,
) -> Result<Json<Bank>, ApiError> {
    Ok(Json(compute_bank(&state, user, q.threshold).await?))
}

// ---- practice ----

/// `POST /api/practice`: one rehearsal.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeInput {
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    #[serde(default)]
    pub story_id: Option<Id>,
}

#[derive(Debug, Serialize)]
pub struct PracticeResult {
    pub attempt: PracticeAttempt,
    pub report: Report,
    /// Words per minute against the target pace, when the answer was timed (`starl-coach`).
    pub pace: Option<starl_coach::practice::Pace>,
    /// Filler words ("um", "basically", ...) and how often (`starl-coach`).
    pub fillers: starl_coach::practice::FillerReport,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeQuery {
    #[serde(default)]
    pub question: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PracticeHistory {
    /// The questions with what interviewers look for in each (`starl-coach`).
    pub questions: Vec<starl_coach::practice::PracticeQuestion>,
    pub attempts: Vec<PracticeAttempt>,
}

fn themes(t: &starl_analyzer::Themes) -> ThemeScores {
    ThemeScores {
        ownership: t.ownership,
        transparency: t.transparency,
        learning: t.learning,
        resilience: t.resilience,
        prevention: t.prevention,
    }
}

async fn practice(
    State(state): State<AppState>,
    user: User,
    ApiJson(input): ApiJson<PracticeInput>,
) -> Result<(StatusCode, Json<PracticeResult>), ApiError> {
    let questions = state.analyzers().questions();
    let question = input.question.trim().to_owned();
    if !questions.iter().any(|(id, _)| *id == question) {
        return Err(ApiError::field("question", format!("unknown question `{question}`")));
    }
    if input.answer.trim().is_empty() {
        return Err(ApiError::field("answer", "type an answer first"));
    }
    if input.duration_seconds.is_some_and(|d| d > 3600) {
        return Err(ApiError::field("duration_seconds", "an answer takes at most an hour"));
    }
    let report = state.analyzers().inferring().analyze(&input.answer);
    let mut attempt = PracticeAttempt::new(question, input.answer, now());
    attempt.duration_seconds = input.duration_seconds;
    attempt.story_id = input.story_id;
    attempt.words = u32::try_from(report.words).unwrap_or(u32::MAX);
    attempt.score = report.score;
    attempt.themes = themes(&report.themes);
    let pace = attempt.duration_seconds.filter(|&s| s > 0).map(|s| starl_coach::practice::pace(report.words, s));
    let fillers = starl_coach::practice::fillers(&attempt.answer);
    let attempt = state.store(user, move |s, _| s.record_attempt(&attempt)).await?;
    Ok((StatusCode::CREATED, Json(PracticeResult { attempt, report, pace, fillers })))
}

/// Every question and the attempts so far (oldest first).
pub async fn history(state: &AppState, user: User, question: Option<String>) -> Result<PracticeHistory, ApiError> {
    let questions = starl_coach::practice::questions(state.analyzers().inferring().rules());
    let filter = AttemptFilter { question: question.filter(|q| !q.trim().is_empty()), ..Default::default() };
    let attempts = state.store(user, move |s, _| s.attempts(&filter)).await?;
    Ok(PracticeHistory { questions, attempts })
}

async fn practice_history(
    State(state): State<AppState>,
    user: User,
    ApiQuery(q): ApiQuery<PracticeQuery>,
) -> Result<Json<PracticeHistory>, ApiError> {
    Ok(Json(history(&state, user, q.question).await?))
}

// ---- review ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// `2026-Q3`; the current quarter when absent.
    #[serde(default)]
    pub quarter: Option<String>,
}

async fn review(
    State(state): State<AppState>,
    user: User,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> Result<Json<crate::review::WebReview>, ApiError> {
    Ok(Json(crate::review::compute(&state, user, q.quarter.as_deref()).await?))
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for User {
    type Rejection = ApiError;

    /// The local app has one user. A multi-user server's guard (`crate::accounts::auth`) resolves
    /// the session first and leaves the account in the request's extensions.
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<User, ApiError> {
        Ok(parts.extensions.get::<User>().cloned().unwrap_or(User::Local))
    }
}
