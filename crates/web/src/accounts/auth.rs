//! Sessions, the guard every multi-user request passes, login (rate-limited), logout, log out
//! everywhere, invites and the account page.
//!
//! - The session cookie (`starl_session`) is `HttpOnly; SameSite=Lax; Path=/`, plus `Secure`
//!   behind a TLS proxy. Its value is the token `Accounts::create_session` handed out; the
//!   database keeps only its hash. Every login makes a new session (and forgets the one the
//!   browser came with), so a session id planted before login is worth nothing after it.
//! - CSRF: a state-changing request carries the session's token (`X-CSRF-Token` header, or a
//!   `csrf` form field for the plain HTML forms). Before login (the login and invite forms) the
//!   token is a double-submit cookie (`starl_pre`, set by the form's page), which a page on
//!   another site can neither read nor set. An `Origin` header, when present, must be ours.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};
use starl_store::{token_hash, NewAuditEvent, Role};

use super::templates::PageError;
use super::MultiUser;
use crate::error::ApiError;
use crate::security::{random_token, BODY_LIMIT, CSRF_HEADER};
use crate::source::User;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "starl_session";
/// The pre-login double-submit CSRF cookie's name.
pub const PRE_COOKIE: &str = "starl_pre";
/// The form field that carries the CSRF token in plain HTML forms.
pub const CSRF_FIELD: &str = "csrf";

/// The logged-in account of a request, in its extensions (set by [`guard`]).
#[derive(Clone)]
pub struct Authed {
    pub user: starl_store::User,
    /// The session token (from the cookie): for logging out. Never logged.
    pub(crate) token: String,
    /// This session's CSRF token.
    pub csrf: String,
}

impl std::fmt::Debug for Authed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authed").field("user", &self.user.id).finish_non_exhaustive()
    }
}

impl Authed {
    pub fn as_user(&self) -> User {
        User::Account { id: self.user.id, role: self.user.role, name: self.user.name.clone() }
    }
}

/// The client's address as the rate limiter sees it.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The CSRF token of the session whose token is `session`.
pub fn csrf_for(session: &str) -> String {
    token_hash(&format!("csrf:{session}"))
}

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn set_cookie(mu: &MultiUser, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let secure = if mu.options().secure_cookies || mu.options().behind_proxy { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Routes anyone may reach without a session.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/healthz"
        || path == "/api/openapi.json"
        || path == "/api/openapi-accounts.json"
        || path.starts_with("/invite/")
        || path.starts_with("/assets/")
}

/// Routes whose refusals the accounts layer records itself (shares, reviews, cohorts).
fn records_own_refusals(route: &str) -> bool {
    route.starts_with("/api/shares") || route.starts_with("/shares") || route.contains("cohorts")
}

fn refuse(status: StatusCode, field: &str, error: &str) -> Response {
    ApiError { status, error: error.to_owned(), field: Some(field.to_owned()) }.into_response()
}

fn host_allowed(mu: &MultiUser, host: &str) -> bool {
    if mu.app().hosts().allows(host) {
        return true;
    }
    let name = host.rsplit_once(':').map_or(host, |(n, p)| if p.parse::<u16>().is_ok() { n } else { host });
    mu.options().public_hosts.iter().any(|h| h.eq_ignore_ascii_case(host) || h.eq_ignore_ascii_case(name))
}

fn client_addr(mu: &MultiUser, request: &Request) -> String {
    if mu.options().behind_proxy {
        // The proxy appends the address it saw; earlier hops are the client's to invent.
        if let Some(last) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return last.to_owned();
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string())
}

/// The `csrf` field of a form body, if it is one.
async fn form_csrf(headers: &HeaderMap, body: &axum::body::Bytes) -> Option<String> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return None;
    }
    let probe = Request::builder()
        .method(Method::POST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.clone()))
        .ok()?;
    let Form(fields) = Form::<Vec<(String, String)>>::from_request(probe, &()).await.ok()?;
    fields.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v)
}

/// The check every request of the multi-user server passes (see the module docs of
/// [`crate::accounts`]), and the request log.
pub async fn guard(State(mu): State<MultiUser>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "(no route)".to_owned(), |m| m.as_str().to_owned());
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_owned();
    if !host_allowed(&mu, &host) {
        tracing::warn!(%method, %route, "refused: Host is not this server");
        return refuse(StatusCode::FORBIDDEN, "Host", "this Host is not the address starl serves on");
    }
    let length =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > BODY_LIMIT as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body", "the request body is larger than 1 MiB");
    }

    // Who is asking.
    let mut authed = None;
    if let Some(token) = cookie(request.headers(), SESSION_COOKIE) {
        let t = token.clone();
        match mu.accounts(move |a| a.session(&t, Timestamp::now())).await {
            Ok(Some(session)) => {
                let csrf = csrf_for(&token);
                authed = Some(Authed { user: session.user, token, csrf });
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e.error, "cannot read sessions");
                return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the database does not answer").into_response();
            }
        }
    }
    let public = is_public(&path);
    if !public && authed.is_none() {
        if path.starts_with("/api/") || changes_state(&method) {
            tracing::info!(%method, %route, status = 401, "not logged in");
            return ApiError::new(StatusCode::UNAUTHORIZED, "log in first").into_response();
        }
        tracing::info!(%method, %route, status = 303, "not logged in: to /login");
        return Redirect::to("/login").into_response();
    }

    let address = client_addr(&mu, &request);
    let (mut parts, body) = request.into_parts();
    let body = if changes_state(&method) {
        if let Some(origin) = parts.headers.get(header::ORIGIN) {
            let ok =
                [format!("http://{host}"), format!("https://{host}")].iter().any(|o| o.as_bytes() == origin.as_bytes());
            if !ok {
                tracing::warn!(%method, %route, "refused: cross-origin change");
                return refuse(StatusCode::FORBIDDEN, "Origin", "cross-origin requests may not change anything");
            }
        }
        let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body", "the request body is larger than 1 MiB"),
        };
        let sent = match parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
            Some(h) => Some(h.to_owned()),
            None => form_csrf(&parts.headers, &bytes).await,
        };
        let expected = match (&authed, public) {
            (_, true) => cookie(&parts.headers, PRE_COOKIE),
            (Some(a), false) => Some(a.csrf.clone()),
            (None, false) => None,
        };
        let ok = matches!((&sent, &expected), (Some(s), Some(e)) if same_secret(s.as_bytes(), e.as_bytes()));
        if !ok {
            tracing::warn!(%method, %route, "refused: missing or wrong CSRF token");
            return refuse(StatusCode::FORBIDDEN, "X-CSRF-Token", "missing or wrong CSRF token: reload the page");
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(ClientAddr(address));
    if let Some(a) = &authed {
        parts.extensions.insert(a.as_user());
        parts.extensions.insert(a.clone());
    }
    let request = Request::from_parts(parts, body);

    let mut response = next.run(request).await;
    let status = response.status();
    let user_id = authed.as_ref().map(|a| a.user.id);

    // A refused access to something named by id: log it, and record it unless the accounts layer did.
    if let Some(a) = &authed {
        let by_id = route.contains("{id}");
        if by_id && (status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN) {
            let ids: Vec<&str> = path.split('/').filter(|s| s.parse::<i64>().is_ok()).collect();
            let target = format!("{route} {}", ids.join(","));
            tracing::warn!(user = a.user.id, role = %a.user.role, %method, %route, ids = %ids.join(","), status = status.as_u16(), "access refused");
            if !records_own_refusals(&route) {
                let event = NewAuditEvent {
                    at: Timestamp::now(),
                    actor: Some(a.user.id),
                    action: format!("{} {route}", method.as_str().to_ascii_lowercase()),
                    target,
                };
                if let Err(e) = mu.accounts(move |acc| acc.record_refusal(&event)).await {
                    tracing::error!(error = %e.error, "cannot record a refusal");
                }
            }
        }
    }

    // Pages of the local app embed the process's token; a session's pages carry the session's.
    if let Some(a) = &authed {
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html"));
        if html {
            let (mut rparts, rbody) = response.into_parts();
            let bytes = axum::body::to_bytes(rbody, usize::MAX).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).replace(mu.app().csrf_token(), &a.csrf);
            rparts.headers.remove(header::CONTENT_LENGTH);
            response = Response::from_parts(rparts, Body::from(text));
        }
    }

    crate::security::strict_headers(response.headers_mut());
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(%method, %route, status = status.as_u16(), user = user_id, ms, "request");
    response
}

// ---- login and logout ----

fn me_of(a: Option<&Authed>) -> minijinja::Value {
    match a {
        Some(a) => context! { name => a.user.name.clone(), role => a.user.role.as_str() },
        None => minijinja::Value::from(()),
    }
}

/// A login-or-invite page: a fresh double-submit token in a cookie and in the form.
fn pre_form(mu: &MultiUser, status: StatusCode, template: &str, ctx: minijinja::Value) -> Response {
    let token = match random_token() {
        Ok(t) => t,
        Err(e) => return PageError::internal(format!("no randomness: {e}")).into_response(),
    };
    let page = match mu.templates().render(template, context! { csrf => token.clone(), ..ctx }) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut response = (status, page).into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(mu, PRE_COOKIE, &token, 3600));
    response
}

pub async fn login_page(State(mu): State<MultiUser>, authed: Option<Extension<Authed>>) -> Response {
    let me = me_of(authed.as_deref());
    pre_form(&mu, StatusCode::OK, "login.html", context! { title => "Log in", me, name => "" })
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    #[allow(dead_code)]
    csrf: String,
}

/// Start a session for `user`, forgetting the one the browser came with (rotation).
async fn start_session(
    mu: &MultiUser,
    user: starl_store::UserId,
    previous: Option<String>,
) -> Result<HeaderValue, ApiError> {
    let ttl = jiff::SignedDuration::try_from(mu.options().session_ttl)
        .map_err(|e| ApiError::internal(format!("session length: {e}")))?;
    let now = Timestamp::now();
    let expires = now.checked_add(ttl).map_err(|e| ApiError::internal(e.to_string()))?;
    let (token, _) = mu
        .accounts(move |a| {
            if let Some(old) = previous {
                a.delete_session(&old)?;
            }
            a.create_session(user, now, expires)
        })
        .await?;
    Ok(set_cookie(mu, SESSION_COOKIE, &token, mu.options().session_ttl.as_secs()))
}

fn clear(mu: &MultiUser, name: &str) -> HeaderValue {
    set_cookie(mu, name, "", 0)
}

pub async fn login(
    State(mu): State<MultiUser>,
    Extension(ClientAddr(address)): Extension<ClientAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let account = form.name.trim().to_lowercase();
    let again = |status: StatusCode, error: &str| {
        pre_form(&mu, status, "login.html", context! { title => "Log in", name => form.name.clone(), error => error })
    };
    if let Some(wait) = mu.limiter().check(&account, &address, Instant::now()) {
        tracing::warn!(%address, "login rate limit reached");
        let mut r = again(StatusCode::TOO_MANY_REQUESTS, "Too many failed logins: wait a few minutes and try again.");
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        return r;
    }
    let (name, password) = (form.name.clone(), form.password.clone());
    let checked = mu.accounts(move |a| a.check_password(&name, &password)).await;
    let user = match checked {
        Ok(Some(u)) => u,
        Ok(None) => {
            mu.limiter().failed(&account, &address, Instant::now());
            tracing::info!("login failed");
            return again(StatusCode::UNAUTHORIZED, "Wrong user name or password.");
        }
        Err(e) => return PageError::from(e).into_response(),
    };
    mu.limiter().succeeded(&account);
    let cookie = match start_session(&mu, user.id, cookie(&headers, SESSION_COOKIE)).await {
        Ok(c) => c,
        Err(e) => return PageError::from(e).into_response(),
    };
    tracing::info!(user = user.id, "logged in");
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    r.headers_mut().append(header::SET_COOKIE, clear(&mu, PRE_COOKIE));
    r
}

fn logged_out(mu: &MultiUser) -> Response {
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, clear(mu, SESSION_COOKIE));
    r
}

pub async fn logout(State(mu): State<MultiUser>, Extension(a): Extension<Authed>) -> Response {
    let token = a.token.clone();
    if let Err(e) = mu.accounts(move |acc| acc.delete_session(&token)).await {
        return PageError::from(e).into_response();
    }
    tracing::info!(user = a.user.id, "logged out");
    logged_out(&mu)
}

pub async fn logout_everywhere(State(mu): State<MultiUser>, Extension(a): Extension<Authed>) -> Response {
    let id = a.user.id;
    match mu.accounts(move |acc| acc.delete_sessions(id)).await {
        Ok(n) => {
            tracing::info!(user = id, sessions = n, "logged out everywhere");
            logged_out(&mu)
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

// ---- invites ----

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

pub async fn invite_page(State(mu): State<MultiUser>, Path(token): Path<String>) -> Response {
    let found = mu
        .accounts(move |a| {
            let Some(invite) = a.invite(&token, Timestamp::now())? else { return Ok(None) };
            let cohort = match invite.cohort {
                Some(id) => a.cohorts()?.into_iter().find(|c| c.id == id).map(|c| c.name),
                None => None,
            };
            Ok(Some((invite.role, cohort)))
        })
        .await;
    match found {
        Ok(Some((role, cohort))) => pre_form(
            &mu,
            StatusCode::OK,
            "invite.html",
            context! { title => "Join starl", role => role.as_str(), cohort, name => "" },
        ),
        Ok(None) => invalid_invite(&mu),
        Err(e) => PageError::from(e).into_response(),
    }
}

fn invalid_invite(mu: &MultiUser) -> Response {
    match mu.templates().render(
        "message.html",
        context! { title => "Invite", heading => "This invite link does not work",
        message => "It was used already, has expired or was mistyped. Ask your admin for a new one." },
    ) {
        Ok(p) => (StatusCode::NOT_FOUND, p).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    name: String,
    password: String,
    #[serde(default)]
    #[allow(dead_code)]
    csrf: String,
}

pub async fn accept_invite(
    State(mu): State<MultiUser>,
    Path(token): Path<String>,
    Form(form): Form<InviteForm>,
) -> Response {
    let again = |status: StatusCode, error: String| {
        pre_form(
            &mu,
            status,
            "invite.html",
            context! { title => "Join starl", role => "member", name => form.name.clone(), error => error },
        )
    };
    if form.password.chars().count() < MIN_PASSWORD {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Use a password of at least {MIN_PASSWORD} characters."),
        );
    }
    let (name, password) = (form.name.clone(), form.password.clone());
    let redeemed = mu.accounts(move |a| a.redeem_invite(&token, &name, Some(&password), Timestamp::now())).await;
    let user = match redeemed {
        Ok(u) => u,
        Err(e) if e.status == StatusCode::CONFLICT => {
            return again(StatusCode::CONFLICT, "That user name is taken: pick another.".into())
        }
        Err(e) if e.error.contains("user name") => return again(StatusCode::UNPROCESSABLE_ENTITY, e.error),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => return invalid_invite(&mu),
        Err(e) => return PageError::from(e).into_response(),
    };
    tracing::info!(user = user.id, role = %user.role, "invite accepted");
    let cookie = match start_session(&mu, user.id, None).await {
        Ok(c) => c,
        Err(e) => return PageError::from(e).into_response(),
    };
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    r.headers_mut().append(header::SET_COOKIE, clear(&mu, PRE_COOKIE));
    r
}

// ---- the account ----

pub async fn account_page(State(mu): State<MultiUser>, Extension(a): Extension<Authed>) -> Result<Response, PageError> {
    let id = a.user.id;
    let cohorts = mu.accounts(move |acc| acc.cohorts_of(id)).await?;
    let page = mu.templates().render(
        "account.html",
        context! { title => "Account", nav => "account", me => me_of(Some(&a)), csrf => a.csrf.clone(), cohorts },
    )?;
    Ok(page.into_response())
}

/// `GET /api/me`: who is logged in, and the session's CSRF token (for API clients).
#[derive(Serialize)]
pub struct Me {
    pub id: starl_store::UserId,
    pub name: String,
    pub role: Role,
    pub csrf: String,
}

pub async fn me(Extension(a): Extension<Authed>) -> Json<Me> {
    Json(Me { id: a.user.id, name: a.user.name.clone(), role: a.user.role, csrf: a.csrf.clone() })
}

#[derive(Deserialize)]
pub struct DeleteAccount {
    password: String,
    #[serde(default)]
    #[allow(dead_code)]
    csrf: String,
}

/// Delete the account after checking its password again; every session goes with it.
async fn delete_me(mu: &MultiUser, a: &Authed, password: String) -> Result<(), ApiError> {
    let (id, name) = (a.user.id, a.user.name.clone());
    let deleted = mu
        .accounts(move |acc| match acc.check_password(&name, &password)? {
            Some(u) if u.id == id => acc.delete_user(id).map(|()| true),
            _ => Ok(false),
        })
        .await?;
    if !deleted {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "wrong password").with_field("password"));
    }
    tracing::info!(user = id, "account deleted");
    Ok(())
}

pub async fn delete_account(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    crate::extract::ApiJson(input): crate::extract::ApiJson<HashMap<String, String>>,
) -> Response {
    let password = input.get("password").cloned().unwrap_or_default();
    match delete_me(&mu, &a, password).await {
        Ok(()) => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            r.headers_mut().append(header::SET_COOKIE, clear(&mu, SESSION_COOKIE));
            r
        }
        Err(e) => e.into_response(),
    }
}

pub async fn delete_account_form(
    State(mu): State<MultiUser>,
    Extension(a): Extension<Authed>,
    Form(form): Form<DeleteAccount>,
) -> Response {
    match delete_me(&mu, &a, form.password).await {
        Ok(()) => {
            let page = mu.templates().render(
                "message.html",
                context! { title => "Account deleted", heading => "Your account is deleted",
                message => "Your journal, stories, practice, shares and reviews are gone from this server." },
            );
            let mut r = match page {
                Ok(p) => p.into_response(),
                Err(e) => return e.into_response(),
            };
            r.headers_mut().append(header::SET_COOKIE, clear(&mu, SESSION_COOKIE));
            r
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) fn me_value(a: &Authed) -> minijinja::Value {
    me_of(Some(a))
}
