//! The API and the pages against the real router and a temporary SQLite database.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use starl_web::{router, Analyzers, AppState, SqliteSource};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:7373";
const CACHE_TTL: &str = include_str!("../../../examples/stories/cache-ttl.md");
const RED_FLAGS: &str = include_str!("../../../examples/stories/red-flags.md");

struct App {
    router: Router,
    token: String,
    _dir: tempfile::TempDir,
}

fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let source = SqliteSource::open(&dir.path().join("starl.db")).unwrap();
    let state = AppState::new(Arc::new(source), Arc::new(Analyzers::builtin()), HOST.parse().unwrap()).unwrap();
    let token = state.csrf_token().to_owned();
    App { router: router(state), token, _dir: dir }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// A 4xx JSON error naming `field`.
    fn error_on(&self, status: StatusCode, field: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        let v = self.json();
        assert_eq!(v["field"], field, "{v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    }
}

impl App {
    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, body }
    }

    fn req(&self, method: Method, uri: &str) -> axum::http::request::Builder {
        let b = Request::builder().method(method.clone()).uri(uri).header(header::HOST, HOST);
        if method == Method::GET {
            b
        } else {
            b.header("x-csrf-token", &self.token)
        }
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(self.req(Method::GET, uri).body(Body::empty()).unwrap()).await
    }

    async fn call(&self, method: Method, uri: &str, body: Value) -> Reply {
        let req = self
            .req(method, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    async fn post(&self, uri: &str, body: Value) -> Reply {
        self.call(Method::POST, uri, body).await
    }
}

fn builtin_report(text: &str, framework: Option<&str>) -> Value {
    let a = Analyzers::builtin();
    serde_json::to_value(a.analyze(text, framework).unwrap()).unwrap()
}

#[tokio::test]
async fn analyze_returns_exactly_the_analyzers_report() {
    let app = app();
    for text in [RED_FLAGS, CACHE_TTL, "", "Ünïcödé — “quotes” 😀 and the requirements kept changing."] {
        let r = app.post("/api/analyze", json!({ "text": text })).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json(), builtin_report(text, None));
    }
    let r = app.post("/api/analyze", json!({ "text": CACHE_TTL, "framework": "four-part" })).await;
    assert_eq!(r.json(), builtin_report(CACHE_TTL, Some("four-part")));
    assert_eq!(r.json()["framework"], "four-part");
    // The same fields as `starl lint --format json` (which adds only "path").
    let v = app.post("/api/analyze", json!({ "text": RED_FLAGS })).await.json();
    for key in [
        "words",
        "spoken_seconds",
        "framework",
        "parts",
        "diagnostics",
        "strengths",
        "themes",
        "score",
        "category",
        "fits",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert!(v["diagnostics"].as_array().unwrap().iter().any(|d| d["rule"] == "blame-shifting"));
}

#[tokio::test]
async fn invalid_requests_get_4xx_naming_the_field() {
    let app = app();
    app.post("/api/analyze", json!({})).await.error_on(StatusCode::UNPROCESSABLE_ENTITY, "text");
    app.post("/api/analyze", json!({ "text": 3 })).await.error_on(StatusCode::UNPROCESSABLE_ENTITY, "text");
    app.post("/api/analyze", json!({ "text": "x", "framework": "haiku" }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "framework");
    app.post("/api/analyze", json!({ "text": "x", "frame": "star" }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "frame");
    let bad = app
        .req(Method::POST, "/api/analyze")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"text\": "))
        .unwrap();
    app.send(bad).await.error_on(StatusCode::BAD_REQUEST, "body");
    let form = app
        .req(Method::POST, "/api/analyze")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{\"text\": \"x\"}"))
        .unwrap();
    app.send(form).await.error_on(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type");

    app.post("/api/entries", json!({ "title": "  " })).await.error_on(StatusCode::UNPROCESSABLE_ENTITY, "title");
    app.post("/api/entries", json!({ "what_happened": "x" })).await.error_on(StatusCode::UNPROCESSABLE_ENTITY, "title");
    app.post("/api/entries", json!({ "title": "t", "happened": "last week" }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "happened");
    app.post("/api/entries", json!({ "title": "t", "severity": 9 }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "severity");
    app.post("/api/entries", json!({ "title": "t", "severity": -1 }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "severity");
    app.post("/api/entries", json!({ "title": "t", "tags": ["no spaces please"] }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "tags");
    app.post("/api/entries", json!({ "title": "t", "category": "cooking" }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "category");
    app.get("/api/entries?since=yesterdayish").await.error_on(StatusCode::UNPROCESSABLE_ENTITY, "since");
    app.get("/api/entries?limit=many").await.error_on(StatusCode::BAD_REQUEST, "limit");
    app.post("/api/stories", json!({ "title": "", "body": "x" }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "title");
    app.post("/api/stories", json!({ "title": "t" })).await.error_on(StatusCode::UNPROCESSABLE_ENTITY, "body");
    app.post("/api/stories", json!({ "title": "t", "body": "x", "entry_id": 999 }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "entry_id");
    app.post("/api/practice", json!({ "question": "favourite-colour", "answer": "blue" }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "question");
    app.post("/api/practice", json!({ "question": "failed", "answer": "  " }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "answer");
    app.get("/api/bank?threshold=300").await.error_on(StatusCode::BAD_REQUEST, "threshold");
    let r = app.get("/api/entries/12345").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("12345"));
    // Nothing was written by any of these.
    assert_eq!(app.get("/api/entries").await.json(), json!([]));
    assert_eq!(app.get("/api/stories").await.json(), json!([]));
    assert_eq!(app.get("/api/practice").await.json()["attempts"], json!([]));
}

#[tokio::test]
async fn a_failed_update_leaves_the_entry_as_it_was() {
    let app = app();
    let e = app.post("/api/entries", json!({ "title": "Dropped the table", "severity": 3 })).await.json();
    let id = e["id"].as_i64().unwrap();
    let r = app.call(Method::PUT, &format!("/api/entries/{id}"), json!({ "title": "Changed", "severity": 7 })).await;
    r.error_on(StatusCode::UNPROCESSABLE_ENTITY, "severity");
    assert_eq!(app.get(&format!("/api/entries/{id}")).await.json(), e);
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_and_the_same_origin() {
    let app = app();
    let body = || Body::from(json!({ "text": "x" }).to_string());
    let no_token = Request::builder()
        .method(Method::POST)
        .uri("/api/analyze")
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body())
        .unwrap();
    app.send(no_token).await.error_on(StatusCode::FORBIDDEN, "X-CSRF-Token");
    let wrong = Request::builder()
        .method(Method::POST)
        .uri("/api/entries")
        .header(header::HOST, HOST)
        .header("x-csrf-token", "0".repeat(64))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "title": "sneaky" }).to_string()))
        .unwrap();
    app.send(wrong).await.error_on(StatusCode::FORBIDDEN, "X-CSRF-Token");
    let cross = app
        .req(Method::POST, "/api/entries")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "title": "sneaky" }).to_string()))
        .unwrap();
    app.send(cross).await.error_on(StatusCode::FORBIDDEN, "Origin");
    let other_port = app
        .req(Method::POST, "/api/analyze")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body())
        .unwrap();
    app.send(other_port).await.error_on(StatusCode::FORBIDDEN, "Origin");
    let delete = Request::builder()
        .method(Method::DELETE)
        .uri("/api/entries/1")
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    app.send(delete).await.error_on(StatusCode::FORBIDDEN, "X-CSRF-Token");
    assert_eq!(app.get("/api/entries").await.json(), json!([]), "nothing was written");
    // Same origin with the token: fine.
    let same = app
        .req(Method::POST, "/api/analyze")
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body())
        .unwrap();
    assert_eq!(app.send(same).await.status, StatusCode::OK);
    // The pages carry the token for their scripts.
    assert!(app.get("/editor").await.text().contains(&app.token));
}

#[tokio::test]
async fn foreign_host_headers_are_refused() {
    let app = app();
    for host in ["evil.example:7373", "127.0.0.1.nip.io:7373", "localhost:1234", "127.0.0.1"] {
        let req = Request::builder().uri("/api/entries").header(header::HOST, host).body(Body::empty()).unwrap();
        app.send(req).await.error_on(StatusCode::FORBIDDEN, "Host");
        let page = Request::builder().uri("/").header(header::HOST, host).body(Body::empty()).unwrap();
        assert_eq!(app.send(page).await.status, StatusCode::FORBIDDEN);
    }
    let none = Request::builder().uri("/").body(Body::empty()).unwrap();
    assert_eq!(app.send(none).await.status, StatusCode::FORBIDDEN);
    for host in ["localhost:7373", "127.0.0.1:7373", "[::1]:7373"] {
        let req = Request::builder().uri("/").header(header::HOST, host).body(Body::empty()).unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413_with_json() {
    let app = app();
    let big = json!({ "text": "a".repeat((1 << 20) + 10) }).to_string();
    let with_length = app
        .req(Method::POST, "/api/analyze")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    app.send(with_length).await.error_on(StatusCode::PAYLOAD_TOO_LARGE, "body");
    // Streamed, without a length.
    let stream = futures_stream(big.into_bytes());
    let chunked = app
        .req(Method::POST, "/api/analyze")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap();
    app.send(chunked).await.error_on(StatusCode::PAYLOAD_TOO_LARGE, "body");
    // Just under the limit is fine.
    let ok = json!({ "text": "word ".repeat(200_000) }).to_string();
    assert!(ok.len() < 1 << 20);
    assert_eq!(app.post("/api/analyze", serde_json::from_str(&ok).unwrap()).await.status, StatusCode::OK);
}

/// A body that arrives in 64 KiB chunks with no length known in advance.
fn futures_stream(bytes: Vec<u8>) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    let chunks: Vec<Vec<u8>> = bytes.chunks(64 << 10).map(<[u8]>::to_vec).collect();
    tokio_stream::iter(chunks.into_iter().map(Ok))
}

#[tokio::test]
async fn entries_and_stories_crud() {
    let app = app();
    let r = app
        .post(
            "/api/entries",
            json!({ "title": "Locked the orders table", "happened": "2026-10-02", "what_happened": "A migration locked it.",
                    "will_change": "Dry-run migrations", "tags": ["#Database", "ops"], "category": "technical", "severity": 4 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let e = r.json();
    let id = e["id"].as_i64().unwrap();
    assert_eq!(e["tags"], json!(["database", "ops"]));
    assert_eq!(e["follow_up"]["status"], "open", "something to change gets a follow-up");
    assert_eq!(app.get(&format!("/api/entries/{id}")).await.json(), e);
    assert_eq!(app.get("/api/entries?search=orders").await.json().as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/entries?search=nothing").await.json(), json!([]));
    assert_eq!(app.get("/api/entries?tag=database&category=technical").await.json().as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/entries?category=leadership").await.json(), json!([]));
    assert_eq!(app.get("/api/entries?since=2026-11-01").await.json(), json!([]));

    let r = app
        .call(Method::PUT, &format!("/api/entries/{id}"), json!({ "title": "Locked the orders table for 4 minutes" }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["title"], "Locked the orders table for 4 minutes");
    assert_eq!(r.json()["created"], e["created"]);

    let r = app
        .post(&format!("/api/entries/{id}/follow-up"), json!({ "status": "held", "evidence": "Three dry runs since." }))
        .await;
    assert_eq!(r.json()["follow_up"]["status"], "held");
    app.post(&format!("/api/entries/{id}/follow-up"), json!({ "status": "maybe" }))
        .await
        .error_on(StatusCode::UNPROCESSABLE_ENTITY, "status");

    let r = app.post("/api/stories", json!({ "title": "Cache TTL", "body": CACHE_TTL, "framework": "star-l" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let s = r.json();
    let sid = s["story"]["id"].as_i64().unwrap();
    assert_eq!(s["report"], builtin_report(CACHE_TTL, Some("star-l")));
    assert_eq!(s["story"]["score"], s["report"]["score"]);
    let got = app.get(&format!("/api/stories/{sid}")).await.json();
    assert_eq!(got["story"]["body"], CACHE_TTL);
    let r = app
        .call(Method::PUT, &format!("/api/stories/{sid}"), json!({ "title": "Cache TTL v2", "body": RED_FLAGS }))
        .await;
    assert_eq!(r.json()["story"]["title"], "Cache TTL v2");
    assert_eq!(r.json()["story"]["framework"], Value::Null);
    assert_eq!(r.json()["report"], builtin_report(RED_FLAGS, None));
    assert_eq!(app.get("/api/stories").await.json().as_array().unwrap().len(), 1);
    let r = app.call(Method::PUT, &format!("/api/stories/{sid}/ready"), json!({ "ready": true })).await;
    assert_eq!(r.json()["ready"], true);
    assert_eq!(app.get("/api/stories?ready=true").await.json().as_array().unwrap().len(), 1);

    let r = app.send(app.req(Method::DELETE, &format!("/api/stories/{sid}")).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/stories/{sid}")).await.status, StatusCode::NOT_FOUND);
    let r = app.send(app.req(Method::DELETE, &format!("/api/entries/{id}")).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/entries/{id}")).await.status, StatusCode::NOT_FOUND);
    let r = app.send(app.req(Method::DELETE, &format!("/api/entries/{id}")).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// The cache-ttl story, as the journal entry it came from.
fn cache_entry() -> Value {
    let part = |name: &str| {
        let start = CACHE_TTL.find(&format!("## {name}\n")).unwrap() + name.len() + 4;
        let rest = &CACHE_TTL[start..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].trim().to_owned()
    };
    json!({ "title": "Stale prices from my cache", "category": "technical", "severity": 3,
            "what_happened": part("Situation"), "my_part": part("Task"), "what_i_did": part("Action"),
            "impact": part("Result"), "learned": part("Learning") })
}

#[tokio::test]
async fn an_entry_becomes_a_story_and_the_bank_changes_when_it_is_ready() {
    let app = app();
    let bank = app.get("/api/bank").await.json();
    assert!(bank["questions"].as_array().unwrap().iter().all(|q| q["stories"] == json!([])));
    assert!(bank["checklist"].as_array().unwrap().iter().all(|c| c["done"] == false));

    let e = app.post("/api/entries", cache_entry()).await.json();
    let id = e["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/entries/{id}/story"), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let story = r.json();
    let sid = story["id"].as_i64().unwrap();
    assert_eq!(story["entry_id"], id);
    assert_eq!(story["title"], "Stale prices from my cache");
    let body = story["body"].as_str().unwrap();
    for part in ["## Situation", "## Task", "## Action", "## Result", "## Learning", "12-hour TTL", "staleness alarm"] {
        assert!(body.contains(part), "{part} in {body}");
    }
    assert!(story["score"].as_u64().unwrap() >= 70, "{story}");
    // Without a body too.
    let bare = app.send(app.req(Method::POST, &format!("/api/entries/{id}/story")).body(Body::empty()).unwrap()).await;
    assert_eq!(bare.status, StatusCode::CREATED);
    app.send(app.req(Method::DELETE, &format!("/api/stories/{}", bare.json()["id"])).body(Body::empty()).unwrap())
        .await;
    assert_eq!(app.post("/api/entries/999/story", json!({})).await.status, StatusCode::NOT_FOUND);

    // Not ready: the bank is unchanged.
    assert_eq!(app.get("/api/bank").await.json(), bank);
    app.call(Method::PUT, &format!("/api/stories/{sid}/ready"), json!({ "ready": true })).await;
    let after = app.get("/api/bank").await.json();
    let covered: Vec<&str> = after["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["stories"].as_array().unwrap().contains(&json!(sid)))
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert!(!covered.is_empty(), "{after}");
    assert!(after["categories"].as_array().unwrap().contains(&json!(["technical", 1])));
    assert!(after["checklist"].as_array().unwrap().iter().any(|c| c["done"] == true));
    let page = app.get("/bank").await.text();
    assert!(page.contains("Stale prices from my cache"));
    assert!(page.contains(r#"class="covered""#));
}

#[tokio::test]
async fn practice_is_recorded_and_charted() {
    let app = app();
    let h = app.get("/api/practice").await.json();
    assert!(h["questions"].as_array().unwrap().iter().any(|q| q["id"] == "failed"));
    let r =
        app.post("/api/practice", json!({ "question": "failed", "answer": CACHE_TTL, "duration_seconds": 75 })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["report"], builtin_report(CACHE_TTL, None));
    assert_eq!(v["attempt"]["score"], v["report"]["score"]);
    assert_eq!(v["attempt"]["duration_seconds"], 75);
    assert_eq!(app.get("/api/practice?question=failed").await.json()["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/practice?question=admitted-wrong").await.json()["attempts"], json!([]));
    let page = app.get("/practice").await.text();
    assert!(page.contains("<svg") && page.contains("<circle"), "a point per attempt");
    let review = app.get("/api/review").await.json();
    assert_eq!(review["practice"]["attempts"], 1);
    assert!(review["period"]["label"].as_str().unwrap().contains("-Q"));
    app.get("/api/review?quarter=2026-Q9").await.error_on(StatusCode::UNPROCESSABLE_ENTITY, "quarter");
    assert_eq!(app.get("/api/review?quarter=2020-Q1").await.json()["practice"]["attempts"], 0);
    assert!(v["pace"]["wpm"].as_u64().is_some(), "timed answers get their pace");
    assert!(v["fillers"]["total"].is_number());
    assert_eq!(review["charts"].as_array().unwrap().len(), 3);
    let page = app.get("/review").await.text();
    assert_eq!(page.matches("<svg").count(), 3);
}

const HOSTILE: &[&str] = &[
    "<script>alert('x')</script>",
    "\" onmouseover=\"alert(1)\" x=\"",
    "' autofocus onfocus='alert(2)",
    "[click me](javascript:alert(3))",
    "</textarea><script>alert(4)</script>",
    "{{ csrf }} {% raw %}",
];

fn assert_escaped(page: &str, where_: &str) {
    assert!(!page.contains("<script>alert"), "{where_}: raw <script>");
    assert!(!page.contains("onmouseover=\"alert"), "{where_}: attribute broken out");
    assert!(!page.contains("onfocus='alert"), "{where_}: attribute broken out");
    assert!(!page.contains("href=\"javascript:"), "{where_}: javascript: link");
    assert!(!page.contains("</textarea><script>"), "{where_}: textarea closed");
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=\"/assets/").count() + page.matches("<script type=\"application/json\"").count(),
        "{where_}: only our scripts"
    );
}

#[tokio::test]
async fn hostile_stories_are_escaped_on_every_page() {
    let app = app();
    let text = HOSTILE.join("\n\n");
    let title = HOSTILE.join(" ");
    let e = app
        .post(
            "/api/entries",
            json!({ "title": title, "what_happened": text, "learned": text, "will_change": text, "tags": ["x"], "happened": "2020-01-01" }),
        )
        .await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
    let id = e.json()["id"].as_i64().unwrap();
    let s = app.post(&format!("/api/entries/{id}/story"), json!({})).await.json();
    let sid = s["id"].as_i64().unwrap();
    app.call(Method::PUT, &format!("/api/stories/{sid}"), json!({ "title": title, "body": text })).await;
    app.call(Method::PUT, &format!("/api/stories/{sid}/ready"), json!({ "ready": true })).await;
    app.post("/api/practice", json!({ "question": "failed", "answer": text })).await;

    let pages = [
        "/".to_owned(),
        "/editor".to_owned(),
        "/stories".to_owned(),
        format!("/stories/{sid}"),
        "/journal".to_owned(),
        format!("/journal?search={}", "script"),
        format!("/journal/{id}"),
        "/bank".to_owned(),
        "/practice".to_owned(),
        "/review".to_owned(),
        "/journal?search=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
        "/nowhere/%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
    ];
    for p in &pages {
        let r = app.get(p).await;
        assert!(r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND, "{p}: {} {}", r.status, r.text());
        assert_escaped(&r.text(), p);
        assert!(r.headers.get(header::CONTENT_SECURITY_POLICY).is_some(), "{p}: CSP");
    }
    let story_page = app.get(&format!("/stories/{sid}")).await.text();
    assert!(story_page.contains("&lt;script&gt;alert("), "the text is there, escaped");
    assert!(story_page.contains("&lt;&#x2f;textarea&gt;") || story_page.contains("&lt;/textarea&gt;"));
    let journal = app.get(&format!("/journal/{id}")).await.text();
    assert!(journal.contains("[click me](javascript:alert(3))"), "shown as text, not a link");
    let bank = app.get("/bank").await.text();
    assert!(bank.contains("&lt;script&gt;"));
    // The JSON API returns the text as it was written.
    assert_eq!(app.get(&format!("/api/stories/{sid}")).await.json()["story"]["body"], text.as_str());
}

#[tokio::test]
async fn every_route_is_documented_in_openapi() {
    let app = app();
    let doc = app.get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut routes: Vec<(String, String)> =
        starl_web::api::ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    routes.sort();
    documented.sort();
    assert_eq!(routes, documented, "ROUTES and openapi.json disagree");
    // Every listed route exists in the router (not 404 / 405 for its method).
    for (method, path) in &routes {
        let uri = path.replace("{id}", "1");
        let m: Method = method.to_uppercase().parse().unwrap();
        let req =
            app.req(m.clone(), &uri).header(header::CONTENT_TYPE, "application/json").body(Body::from("{}")).unwrap();
        let r = app.send(req).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        if r.status == StatusCode::NOT_FOUND {
            assert!(r.json()["error"].as_str().is_some_and(|e| e.contains("id 1")), "{method} {path}: {}", r.text());
        }
    }
    // And the router has no API route that is not listed: an unknown one is a 404 page.
    assert_eq!(app.get("/api/nothing").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn assets_are_embedded() {
    let app = app();
    for (path, ty) in [
        ("/assets/style.css", "text/css"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/editor.js", "text/javascript"),
        ("/assets/practice.js", "text/javascript"),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with(ty));
        assert!(!r.body.is_empty());
    }
}
