//! The HTML pages, rendered on the server from templates embedded at compile time (minijinja,
//! auto-escaping every value in `.html` templates: story text is never trusted). Pages read
//! through the same functions as the API; their JavaScript writes through the API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment, Value};
use starl_store::{Entry, Id, Story, StoryFilter};

use crate::api::{self, ApiQuery, EntriesQuery};
use crate::error::{ApiError, WebError};
use crate::{AppState, User};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("editor.html", include_str!("../templates/editor.html")),
    ("stories.html", include_str!("../templates/stories.html")),
    ("journal.html", include_str!("../templates/journal.html")),
    ("entry.html", include_str!("../templates/entry.html")),
    ("bank.html", include_str!("../templates/bank.html")),
    ("practice.html", include_str!("../templates/practice.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("error.html", include_str!("../templates/error.html")),
];

/// A template environment over embedded `(name, source)` pairs, every value HTML-escaped. The
/// journal pages and the multi-user pages (`accounts::templates`) each compile their own set.
pub(crate) fn environment(sources: &'static [(&'static str, &'static str)]) -> Result<Environment<'static>, WebError> {
    let mut env = Environment::new();
    // `.html` templates escape every value (minijinja's default for that extension); be explicit.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, source) in sources {
        env.add_template(name, source).map_err(|source| WebError::Template { name, source })?;
    }
    Ok(env)
}

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Templates, WebError> {
        Ok(Templates { env: environment(TEMPLATES)? })
    }

    fn render(&self, name: &str, ctx: Value) -> Result<Html<String>, PageError> {
        let t = self.env.get_template(name).map_err(|e| PageError::internal(e.to_string()))?;
        t.render(ctx).map(Html).map_err(|e| PageError::internal(e.to_string()))
    }
}

/// A page that failed: an HTML error page with the status.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    fn internal(message: String) -> PageError {
        PageError { status: StatusCode::INTERNAL_SERVER_ERROR, message }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError { status: e.status, message: e.error }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        // Rendered without the state: a fixed, escaped page.
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

/// Escape text for HTML (the error page is written without a template).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

type Page = Result<Html<String>, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/editor", get(new_story))
        .route("/stories", get(stories))
        .route("/stories/{id}", get(story))
        .route("/journal", get(journal))
        .route("/journal/new", get(new_entry))
        .route("/journal/{id}", get(entry))
        .route("/bank", get(bank))
        .route("/practice", get(practice))
        .route("/review", get(review))
        .fallback(not_found)
}

async fn not_found() -> PageError {
    PageError { status: StatusCode::NOT_FOUND, message: "There is no page here.".into() }
}

/// What every page's template gets.
fn base(state: &AppState, nav: &str, title: &str) -> Value {
    context! { csrf => state.csrf_token(), nav => nav, title => title }
}

fn render(state: &AppState, name: &str, nav: &str, title: &str, extra: Value) -> Page {
    state.templates().render(name, context! { ..base(state, nav, title), ..extra })
}

async fn index(State(state): State<AppState>, user: User) -> Page {
    let on = api::today();
    let (due, stories, entries) = state
        .store(user, move |s, _| {
            let due = s.due_follow_ups(on)?;
            let stories = s.stories(&StoryFilter::default())?;
            let entries = s.count_entries(&Default::default())?;
            Ok((due, stories, entries))
        })
        .await?;
    render(&state, "index.html", "home", "starl", context! { due, stories, entries })
}

fn editor_context(state: &AppState, story: Option<Story>) -> Value {
    let questions: std::collections::BTreeMap<String, String> = state.analyzers().questions().into_iter().collect();
    context! {
        story => story,
        frameworks => state.analyzers().frameworks(),
        questions => questions,
    }
}

async fn new_story(State(state): State<AppState>) -> Page {
    let ctx = editor_context(&state, None);
    render(&state, "editor.html", "editor", "New story", ctx)
}

async fn story(State(state): State<AppState>, user: User, Path(id): Path<Id>) -> Page {
    let story = state.store(user, move |s, _| s.story(id)).await?;
    let title = format!("Story: {}", story.title);
    let ctx = editor_context(&state, Some(story));
    render(&state, "editor.html", "stories", &title, ctx)
}

async fn stories(State(state): State<AppState>, user: User) -> Page {
    let stories = state.store(user, move |s, _| s.stories(&StoryFilter::default())).await?;
    render(&state, "stories.html", "stories", "Stories", context! { stories })
}

async fn journal(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<EntriesQuery>) -> Page {
    let filter = q.filter()?;
    let on = api::today();
    let (entries, due, with_story) = state
        .store(user, move |s, _| {
            let entries = s.entries(&filter)?;
            let due = s.due_follow_ups(on)?;
            let with_story: Vec<Id> = s.stories(&StoryFilter::default())?.iter().filter_map(|s| s.entry_id).collect();
            Ok((entries, due, with_story))
        })
        .await?;
    render(
        &state,
        "journal.html",
        "journal",
        "Journal",
        context! { entries, due, with_story, q => context! {
            search => q.search, tag => q.tag, category => q.category, since => q.since, until => q.until
        }},
    )
}

async fn new_entry(State(state): State<AppState>) -> Page {
    let today = api::today().to_string();
    render(
        &state,
        "entry.html",
        "journal",
        "New entry",
        context! { entry => None::<Entry>, today, stories => Vec::<Story>::new() },
    )
}

async fn entry(State(state): State<AppState>, user: User, Path(id): Path<Id>) -> Page {
    let (entry, stories) = state
        .store(user, move |s, _| {
            let e = s.entry(id)?;
            let stories = s.stories(&StoryFilter { entry_id: Some(id), ..Default::default() })?;
            Ok((e, stories))
        })
        .await?;
    let today = api::today().to_string();
    let title = format!("Entry: {}", entry.title);
    render(&state, "entry.html", "journal", &title, context! { entry, today, stories })
}

async fn bank(State(state): State<AppState>, user: User) -> Page {
    let bank = api::compute_bank(&state, user, None).await?;
    render(&state, "bank.html", "bank", "Story bank", context! { bank })
}

async fn practice(State(state): State<AppState>, user: User) -> Page {
    let history = api::history(&state, user, None).await?;
    let scores: Vec<(String, f64)> =
        history.attempts.iter().map(|a| (format!("#{} {}", a.id, a.question), f64::from(a.score))).collect();
    let options = starl_coach::chart::SvgOptions {
        width: 560,
        title: "Practice scores, oldest first".into(),
        max: Some(100.0),
        ..Default::default()
    };
    let chart = starl_coach::chart::svg_line_chart(&scores, &options);
    render(&state, "practice.html", "practice", "Practice", context! { history, chart })
}

#[derive(Debug, Default, serde::Deserialize)]
struct ReviewPageQuery {
    #[serde(default)]
    quarter: Option<String>,
}

async fn review(State(state): State<AppState>, user: User, ApiQuery(q): ApiQuery<ReviewPageQuery>) -> Page {
    let review = crate::review::compute(&state, user, q.quarter.as_deref()).await?;
    render(&state, "review.html", "review", "Quarterly review", context! { review })
}
