//! Sharing a story with a reviewer, reviews with anchored comments, a mentor's cohort coverage
//! and the per-user export.
//!
//! The reviewer reads a *snapshot* (`Share::text`), made here from the owner's own store when
//! the share is created, redacted with `starl-coach` if the owner asks; nothing else of the
//! owner's is reachable from a share. Every access decision is the accounts layer's
//! (`Accounts::share`, `reviews`, `save_review`, `revoke_share`, `cohort_coverage` take the
//! viewer and refuse, logging, what is not theirs): this module only passes the logged-in user.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};
use starl_analyzer::Report;
use starl_store::{Bundle, CohortCoverage, Comment, Id, NewShare, Review, Share, ShareId, StoryFilter};

use super::auth::{me_value, Authed};
use super::templates::PageError;
use super::MultiUser;
use crate::api::ApiQuery;
use crate::error::ApiError;
use crate::extract::ApiJson;

/// `POST /api/stories/{id}/shares`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    /// The reviewer's user name.
    pub reviewer: String,
    /// Redact people, companies, teams, e-mails and links (and `numbers`) before sharing.
    #[serde(default)]
    pub redact: bool,
    /// More names to redact.
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub numbers: bool,
}

async fn share_story(mu: &MultiUser, a: &Authed, story_id: Id, input: ShareInput) -> Result<Share, ApiError> {
    if input.reviewer.trim().is_empty() {
        return Err(ApiError::field("reviewer", "name the reviewer"));
    }
    let story = mu.journal(a.as_user(), move |s, _| s.story(story_id)).await?;
    let (title, text) = if input.redact {
        let redactor = starl_coach::redact::Redactor::new(starl_coach::redact::RedactOptions {
            names: input.names.clone(),
            companies: Vec::new(),
            numbers: input.numbers,
        });
        let doc = redactor.redact_document(&[(story.title.as_str(), false), (story.body.as_str(), true)]);
        let mut parts = doc.parts.into_iter().map(|p| p.text);
        (parts.next().unwrap_or_default(), parts.next().unwrap_or_default())
    } else {
        (story.title.clone(), story.body.clone())
    };
    let owner = a.user.id;
    let reviewer = input.reviewer.trim().to_owned();
    let share = mu
        .accounts(move |acc| {
            // One answer for "no such user" and "not in a cohort of yours": a member must not
            // learn which user names exist on the server by trying to share with them.
            let stranger = || {
                starl_store::StoreError::Invalid(format!(
                    "reviewer `{reviewer}`: not a mentor or peer in a cohort of yours"
                ))
            };
            let found = match acc.user_by_name(&reviewer) {
                Ok(u) => u,
                Err(starl_store::StoreError::NotFound { .. }) => return Err(stranger()),
                Err(e) => return Err(e),
            };
            if found.role == starl_store::Role::Admin && found.id != owner {
                return Err(stranger());
            }
            acc.create_share(
                owner,
                &NewShare {
                    story_id,
                    reviewer: found.id,
                    title,
                    text,
                    redacted: input.redact,
                    created: Timestamp::now(),
                },
            )
            .map_err(|e| match e {
                starl_store::StoreError::Forbidden(_) => stranger(),
                e => e,
            })
        })
        .await
        .map_err(|e| if e.status == StatusCode::UNPROCESSABLE_ENTITY { e.with_field("reviewer") } else { e })?;
    tracing::info!(user = owner, share = share.id, reviewer = share.reviewer, "story shared");
    Ok(share)
}

pub async fn create_share(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<Id>,
    ApiJson(input): ApiJson<ShareInput>,
) -> Result<(StatusCode, Json<Share>), ApiError> {
    Ok((StatusCode::CREATED, Json(share_story(&mu, &a, id, input).await?)))
}

/// `GET /api/shares`.
#[derive(Debug, Serialize)]
pub struct Shares {
    /// The shares I made, revoked ones included.
    pub mine: Vec<Share>,
    /// The shares addressed to me and not revoked.
    pub to_me: Vec<Share>,
}

async fn shares_of(mu: &MultiUser, a: &Authed) -> Result<Shares, ApiError> {
    let id = a.user.id;
    mu.accounts(move |acc| Ok(Shares { mine: acc.shares_by(id)?, to_me: acc.shares_for(id)? })).await
}

pub async fn list_shares(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
) -> Result<Json<Shares>, ApiError> {
    Ok(Json(shares_of(&mu, &a).await?))
}

/// `GET /api/shares/{id}`: the share, the reviews the viewer may see and, for its owner, the
/// analyzer's findings on the story beside them.
#[derive(Debug, Serialize)]
pub struct ShareView {
    pub share: Share,
    pub reviews: Vec<Review>,
    /// The analyzer's report on the story (the owner's current text), for the owner only.
    pub report: Option<Report>,
}

async fn view(mu: &MultiUser, a: &Authed, id: ShareId) -> Result<ShareView, ApiError> {
    let viewer = a.user.id;
    let (share, reviews) = mu.accounts(move |acc| Ok((acc.share(viewer, id)?, acc.reviews(viewer, id)?))).await?;
    let report = if share.owner == viewer {
        let story_id = share.story_id;
        let story = mu.journal(a.as_user(), move |s, _| s.story(story_id)).await.ok();
        let analyzers = mu.app().analyzers();
        let (text, framework) = match &story {
            Some(s) => (s.body.as_str(), s.framework.as_deref()),
            None => (share.text.as_str(), None),
        };
        Some(analyzers.analyze(text, framework).unwrap_or_else(|| analyzers.inferring().analyze(text)))
    } else {
        None
    };
    Ok(ShareView { share, reviews, report })
}

pub async fn get_share(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<ShareId>,
) -> Result<Json<ShareView>, ApiError> {
    Ok(Json(view(&mu, &a, id).await?))
}

pub async fn revoke_share(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<ShareId>,
) -> Result<StatusCode, ApiError> {
    let owner = a.user.id;
    mu.accounts(move |acc| acc.revoke_share(owner, id, Timestamp::now())).await?;
    tracing::info!(user = owner, share = id, "share revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/shares/{id}/review`: the rubric and comments anchored to passages of the text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub authenticity: u8,
    pub learning: u8,
    #[serde(default)]
    pub strengthen: String,
    #[serde(default)]
    pub comments: Vec<Comment>,
}

async fn review(mu: &MultiUser, a: &Authed, id: ShareId, input: ReviewInput) -> Result<Review, ApiError> {
    let reviewer = a.user.id;
    let now = Timestamp::now();
    let review = Review {
        id: 0,
        share_id: id,
        reviewer,
        authenticity: input.authenticity,
        learning: input.learning,
        strengthen: input.strengthen,
        comments: input.comments,
        created: now,
        updated: now,
    };
    let saved = mu.accounts(move |acc| acc.save_review(reviewer, &review)).await.map_err(|e| {
        if e.status == StatusCode::UNPROCESSABLE_ENTITY && e.field.is_none() {
            let field = if e.error.contains("comment") {
                "comments"
            } else if e.error.contains("authenticity") {
                "authenticity"
            } else {
                "learning"
            };
            e.with_field(field)
        } else {
            e
        }
    })?;
    tracing::info!(user = reviewer, share = id, "review saved");
    Ok(saved)
}

pub async fn save_review(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<ShareId>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<Json<Review>, ApiError> {
    Ok(Json(review(&mu, &a, id, input).await?))
}

pub async fn cohorts(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
) -> Result<Json<Vec<starl_store::Cohort>>, ApiError> {
    let id = a.user.id;
    Ok(Json(mu.accounts(move |acc| acc.cohorts_of(id)).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// Practice counted over this many days (30 when absent).
    #[serde(default)]
    pub days: Option<u32>,
}

async fn coverage_of(mu: &MultiUser, a: &Authed, id: Id, days: Option<u32>) -> Result<CohortCoverage, ApiError> {
    let days = days.unwrap_or(30);
    if !(1..=3660).contains(&days) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "days is 1 to 3660").with_field("days"));
    }
    let since = Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * i64::from(days)))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let viewer = a.user.id;
    mu.accounts(move |acc| acc.cohort_coverage(viewer, id, since)).await
}

pub async fn coverage(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<Id>,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<CohortCoverage>, ApiError> {
    Ok(Json(coverage_of(&mu, &a, id, q.days).await?))
}

/// `GET /api/export`: the logged-in user's whole journal as a bundle (`starl import` reads it).
pub async fn export(State(mu): State<MultiUser>, Extension(a): Extension<Authed>) -> Result<Response, ApiError> {
    let bundle: Bundle = mu.journal(a.as_user(), |s, _| s.export()).await?;
    let mut r = Json(bundle).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_static("attachment; filename=\"starl-export.json\""),
    );
    Ok(r)
}

// ---- pages ----

pub async fn shares_page(State(mu): State<MultiUser>, Extension(a): Extension<Authed>) -> Result<Response, PageError> {
    let Shares { mine, to_me } = shares_of(&mu, &a).await?;
    let stories = mu.journal(a.as_user(), |s, _| s.stories(&StoryFilter::default())).await?;
    let page = mu.templates().render(
        "shares.html",
        context! { title => "Shares", nav => "shares", me => me_value(&a), csrf => a.csrf.clone(), mine, to_me, stories },
    )?;
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct ShareForm {
    story: Id,
    reviewer: String,
    #[serde(default)]
    redact: Option<String>,
}

pub async fn share_form(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Form(f): Form<ShareForm>,
) -> Result<Response, PageError> {
    let input = ShareInput { reviewer: f.reviewer, redact: f.redact.is_some(), names: Vec::new(), numbers: false };
    let share = share_story(&mu, &a, f.story, input).await?;
    Ok(Redirect::to(&format!("/shares/{}", share.id)).into_response())
}

pub async fn share_page(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<ShareId>,
) -> Result<Response, PageError> {
    let ShareView { share, reviews, report } = view(&mu, &a, id).await?;
    let owner = share.owner == a.user.id;
    let review = reviews.iter().find(|r| r.reviewer == a.user.id).cloned();
    let page = mu.templates().render(
        "share.html",
        context! { title => share.title.clone(), nav => "shares", me => me_value(&a), csrf => a.csrf.clone(),
        owner, share, reviews, review, report },
    )?;
    Ok(page.into_response())
}

pub async fn revoke_form(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<ShareId>,
) -> Result<Response, PageError> {
    let owner = a.user.id;
    mu.accounts(move |acc| acc.revoke_share(owner, id, Timestamp::now())).await?;
    Ok(Redirect::to(&format!("/shares/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ReviewForm {
    authenticity: u8,
    learning: u8,
    #[serde(default)]
    strengthen: String,
    #[serde(default)]
    quote: String,
    #[serde(default)]
    comment: String,
}

pub async fn review_form(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<ShareId>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    // The page's form names a passage by quoting it: anchor it to its first occurrence, and keep
    // the comments saved before.
    let viewer = a.user.id;
    let (share, reviews) = mu.accounts(move |acc| Ok((acc.share(viewer, id)?, acc.reviews(viewer, id)?))).await?;
    let mut comments = reviews.into_iter().find(|r| r.reviewer == viewer).map(|r| r.comments).unwrap_or_default();
    if !f.quote.trim().is_empty() && !f.comment.trim().is_empty() {
        let quote = f.quote.trim();
        let start = share.text.find(quote).ok_or_else(|| PageError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "The passage is not in the shared text: copy it exactly.".into(),
        })?;
        comments.push(Comment { start, end: start + quote.len(), quote: quote.to_owned(), text: f.comment.clone() });
    }
    let input = ReviewInput { authenticity: f.authenticity, learning: f.learning, strengthen: f.strengthen, comments };
    review(&mu, &a, id, input).await?;
    Ok(Redirect::to(&format!("/shares/{id}")).into_response())
}

pub async fn cohort_page(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Path(id): Path<Id>,
) -> Result<Response, PageError> {
    let coverage = coverage_of(&mu, &a, id, None).await?;
    let page = mu.templates().render(
        "cohort.html",
        context! { title => format!("Cohort {}", coverage.cohort.name), nav => "account", me => me_value(&a),
        csrf => a.csrf.clone(), coverage },
    )?;
    Ok(page.into_response())
}
