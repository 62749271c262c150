//! Errors: [`WebError`] for setting the server up, [`ApiError`] for a request that failed, which
//! every JSON endpoint answers as `{"error": "...", "field": "..."}` with a 4xx or 5xx status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use starl_store::StoreError;

/// What can go wrong while building or starting the server.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("configuration: {0}")]
    Config(#[from] starl_config::ConfigError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("template {name}: {source}")]
    Template { name: &'static str, source: minijinja::Error },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error("no random numbers for the CSRF token: {0}")]
    Random(String),
}

/// A failed API request: its status, what went wrong and, when one field is to blame, which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: String,
    pub field: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    field: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError { status, error: error.into(), field: None }
    }

    /// A 422: `field` holds a value the request may not have.
    pub fn field(field: impl Into<String>, error: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, error: error.into(), field: Some(field.into()) }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("no such {what}"))
    }

    pub fn internal(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { error: &self.error, field: self.field.as_deref() };
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match &e {
            StoreError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            StoreError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            StoreError::Invalid(message) => {
                let field = guess_field(message);
                ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, error: e.to_string(), field }
            }
            // Variants added later (access control, ...) are server-side until mapped here.
            _ if matches!(e, StoreError::TooNew { .. } | StoreError::Foreign { .. } | StoreError::Backend(_)) => {
                ApiError::internal(e.to_string())
            }
            _ if e.to_string().starts_with("not allowed") => ApiError::new(StatusCode::FORBIDDEN, e.to_string()),
            _ => ApiError::internal(e.to_string()),
        }
    }
}

/// The field a store's validation message is about (the store says it in words).
fn guess_field(message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    [
        ("title", "title"),
        ("severity", "severity"),
        ("tag", "tags"),
        ("category", "category"),
        ("question", "question"),
        ("answer", "answer"),
        ("score", "score"),
        ("framework", "framework"),
    ]
    .iter()
    .find(|(word, _)| m.contains(word))
    .map(|(_, field)| (*field).to_owned())
}
