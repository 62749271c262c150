//! The multi-user pages' templates: a layout of their own (the local app's `base.html` belongs
//! to the journal pages), plain forms with a hidden CSRF field and no JavaScript. Every value is
//! HTML-escaped, as in the local app.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};

use crate::error::{ApiError, WebError};

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../templates/accounts/layout.html")),
    ("login.html", include_str!("../../templates/accounts/login.html")),
    ("invite.html", include_str!("../../templates/accounts/invite.html")),
    ("message.html", include_str!("../../templates/accounts/message.html")),
    ("account.html", include_str!("../../templates/accounts/account.html")),
    ("admin.html", include_str!("../../templates/accounts/admin.html")),
    ("shares.html", include_str!("../../templates/accounts/shares.html")),
    ("share.html", include_str!("../../templates/accounts/share.html")),
    ("cohort.html", include_str!("../../templates/accounts/cohort.html")),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Templates, WebError> {
        Ok(Templates { env: crate::pages::environment(TEMPLATES)? })
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<Html<String>, PageError> {
        let t = self.env.get_template(name).map_err(|e| PageError::internal(e.to_string()))?;
        t.render(ctx).map(Html).map_err(|e| PageError::internal(e.to_string()))
    }
}

/// A page that failed: a small fixed HTML page with the status (no state needed).
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn internal(message: String) -> PageError {
        PageError { status: StatusCode::INTERNAL_SERVER_ERROR, message }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError { status: e.status, message: e.error }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
             content=\"width=device-width, initial-scale=1\"><title>starl: error</title><link rel=\"stylesheet\" \
             href=\"/assets/style.css\"></head><body><main><h1>{}</h1><p>{}</p><p><a href=\"/\">Home</a></p></main></body></html>",
            self.status,
            escape(&self.message)
        );
        (self.status, Html(body)).into_response()
    }
}
