//! The admin's page and API: users, cohorts, single-use invites (the same `Accounts` calls as
//! `starl admin invite`) and the latest refused accesses. An admin manages accounts but reads no
//! one's journal: nothing here touches a `Store`.
//!
//! An invite's token is shown once, in the response to the admin who made it, and never logged.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form, Json};
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};
use starl_store::{CohortId, NewAuditEvent, NewInvite, Role, User};

use super::auth::{me_value, Authed};
use super::templates::PageError;
use super::MultiUser;
use crate::error::ApiError;
use crate::extract::ApiJson;

/// Admins only; anyone else is refused (403) and the attempt recorded.
async fn require_admin(mu: &MultiUser, a: &Authed, action: &str) -> Result<(), ApiError> {
    if a.user.role == Role::Admin {
        return Ok(());
    }
    tracing::warn!(user = a.user.id, role = %a.user.role, action, "access refused: admins only");
    let event = NewAuditEvent {
        at: Timestamp::now(),
        actor: Some(a.user.id),
        action: action.to_owned(),
        target: "admin".into(),
    };
    mu.accounts(move |acc| acc.record_refusal(&event)).await?;
    Err(ApiError::new(StatusCode::FORBIDDEN, "not allowed: for admins only"))
}

pub async fn users(State(mu): State<MultiUser>, Extension(a): Extension<Authed>) -> Result<Json<Vec<User>>, ApiError> {
    require_admin(&mu, &a, "admin.users").await?;
    Ok(Json(mu.accounts(|acc| acc.users()).await?))
}

/// `POST /api/admin/invites`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    #[serde(default = "member")]
    pub role: Role,
    #[serde(default)]
    pub cohort: Option<CohortId>,
    /// Days the link works (1 to 30; 7 when absent).
    #[serde(default)]
    pub days: Option<u32>,
}

fn member() -> Role {
    Role::Member
}

#[derive(Debug, Serialize)]
pub struct CreatedInvite {
    /// The link to send (path only: the admin's browser knows the host).
    pub link: String,
    pub expires: Timestamp,
    pub role: Role,
    pub cohort: Option<CohortId>,
}

async fn invite(mu: &MultiUser, a: &Authed, input: InviteInput) -> Result<CreatedInvite, ApiError> {
    require_admin(mu, a, "admin.invite").await?;
    let days = input.days.unwrap_or(7);
    if !(1..=30).contains(&days) {
        return Err(ApiError::field("days", "an invite works 1 to 30 days"));
    }
    let now = Timestamp::now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(days)))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let new = NewInvite { cohort: input.cohort, role: input.role, created_by: Some(a.user.id), created: now, expires };
    let (token, inv) = mu
        .accounts(move |acc| {
            if let Some(c) = new.cohort {
                if !acc.cohorts()?.iter().any(|x| x.id == c) {
                    return Err(starl_store::StoreError::Invalid(format!("cohort {c}: no such cohort")));
                }
            }
            acc.create_invite(&new)
        })
        .await
        .map_err(|e| if e.status == StatusCode::UNPROCESSABLE_ENTITY { e.with_field("cohort") } else { e })?;
    tracing::info!(user = a.user.id, invite = inv.id, role = %inv.role, "invite created");
    Ok(CreatedInvite { link: format!("/invite/{token}"), expires: inv.expires, role: inv.role, cohort: inv.cohort })
}

pub async fn create_invite(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    ApiJson(input): ApiJson<InviteInput>,
) -> Result<(StatusCode, Json<CreatedInvite>), ApiError> {
    Ok((StatusCode::CREATED, Json(invite(&mu, &a, input).await?)))
}

async fn render_admin(
    mu: &MultiUser,
    a: &Authed,
    created: Option<CreatedInvite>,
    host: &str,
) -> Result<Response, PageError> {
    require_admin(mu, a, "admin.page").await?;
    let (users, cohorts, audit) = mu.accounts(|acc| Ok((acc.users()?, acc.cohorts()?, acc.audit_log(50)?))).await?;
    let scheme = if mu.options().behind_proxy || mu.options().secure_cookies { "https" } else { "http" };
    let link = created.as_ref().map(|c| format!("{scheme}://{host}{}", c.link));
    let expires = created.as_ref().map(|c| c.expires.to_string());
    let page = mu.templates().render(
        "admin.html",
        context! { title => "Admin", nav => "admin", me => me_value(a), csrf => a.csrf.clone(),
        users, cohorts, audit, link, expires },
    )?;
    Ok(page.into_response())
}

fn host_of(headers: &axum::http::HeaderMap) -> String {
    headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_owned()
}

pub async fn admin_page(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    render_admin(&mu, &a, None, &host_of(&headers)).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    role: Role,
    #[serde(default)]
    cohort: String,
    #[serde(default)]
    days: Option<u32>,
}

pub async fn invite_form(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    headers: axum::http::HeaderMap,
    Form(f): Form<InviteForm>,
) -> Result<Response, PageError> {
    let cohort =
        match f.cohort.trim() {
            "" => None,
            c => Some(c.parse::<CohortId>().map_err(|_| PageError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: "No such cohort.".into(),
            })?),
        };
    let created = invite(&mu, &a, InviteInput { role: f.role, cohort, days: f.days }).await?;
    render_admin(&mu, &a, Some(created), &host_of(&headers)).await
}
