//! The static assets (style sheet, scripts), embedded in the binary at compile time.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

const STYLE: &str = include_str!("../assets/style.css");
const APP_JS: &str = include_str!("../assets/app.js");
const EDITOR_JS: &str = include_str!("../assets/editor.js");
const PRACTICE_JS: &str = include_str!("../assets/practice.js");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/assets/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/assets/editor.js", get(|| async { asset("text/javascript; charset=utf-8", EDITOR_JS) }))
        .route("/assets/practice.js", get(|| async { asset("text/javascript; charset=utf-8", PRACTICE_JS) }))
}
