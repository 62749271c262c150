//! Shared by the multi-user tests: the backends (SQLite always, PostgreSQL when
//! `STARL_TEST_DATABASE_URL` is set, each test in a scratch schema), a cohort of users, a
//! client that keeps a session cookie and its CSRF token, and a tracing capture.
//!
//! Set-up runs outside the async runtime (the PostgreSQL client must not be called on a
//! runtime thread); requests go through the real router with `tower::ServiceExt::oneshot` on a
//! current-thread runtime, so every log line of a request is written on the test's thread and
//! a thread-local subscriber captures exactly this test's logs.
#![allow(dead_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jiff::Timestamp;
use serde_json::Value;
use starl_store::{Database, NewUser, Role, UserId};
use starl_web::accounts::{router, MultiUser, MultiUserOptions};
use starl_web::Analyzers;
use tower::ServiceExt;

pub const HOST: &str = "127.0.0.1:7373";
pub const PASSWORD: &str = "correct horse battery";

/// Each backend this run tests: `("sqlite", db, tempdir)` and, with the variable set, PostgreSQL.
pub fn backends() -> Vec<(&'static str, Arc<dyn Database>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = starl_store_sqlite::SqliteDatabase::open(&dir.path().join("server.db")).unwrap();
    let mut out: Vec<(&'static str, Arc<dyn Database>, Option<tempfile::TempDir>)> =
        vec![("sqlite", Arc::new(sqlite), Some(dir))];
    match std::env::var("STARL_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => out.push(("postgres", Arc::new(starl_store_postgres::PgDatabase::scratch(&url).unwrap()), None)),
        None => eprintln!("PostgreSQL skipped: set STARL_TEST_DATABASE_URL=postgres://... to run it too"),
    }
    out
}

/// The cohort: alice and bob (members), meg (mentor), ada (admin), in cohort `c1`.
pub struct Cohort {
    pub alice: UserId,
    pub bob: UserId,
    pub meg: UserId,
    pub ada: UserId,
    pub cohort: i64,
}

pub fn seed(db: &dyn Database) -> Cohort {
    let mut a = db.accounts().unwrap();
    let now = Timestamp::now();
    let mut mk = |name: &str, role: Role| {
        a.create_user(&NewUser { name: name.into(), role, created: now }, Some(PASSWORD)).unwrap().id
    };
    let (alice, bob, meg, ada) =
        (mk("alice", Role::Member), mk("bob", Role::Member), mk("meg", Role::Mentor), mk("ada", Role::Admin));
    let c = a.create_cohort("c1", now).unwrap();
    for u in [alice, bob, meg] {
        a.add_member(c.id, u).unwrap();
    }
    Cohort { alice, bob, meg, ada, cohort: c.id }
}

pub fn app(db: Arc<dyn Database>, options: MultiUserOptions) -> (Router, MultiUser) {
    let mu = MultiUser::new(db, Arc::new(Analyzers::builtin()), HOST.parse().unwrap(), options).unwrap();
    (router(mu.clone()), mu)
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The value a `Set-Cookie` of this reply gives `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find_map(|c| c.split(';').next()?.trim().strip_prefix(&format!("{name}=")).map(str::to_owned))
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    }
}

/// A browser of one person: a session cookie and the session's CSRF token.
#[derive(Clone, Default)]
pub struct Client {
    pub session: Option<String>,
    pub csrf: Option<String>,
    pub address: Option<SocketAddr>,
}

pub async fn send(router: &Router, mut req: Request<Body>) -> Reply {
    if req.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
        req.extensions_mut().insert(ConnectInfo::<SocketAddr>("10.0.0.1:5555".parse().unwrap()));
    }
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

impl Client {
    fn builder(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path).header(header::HOST, HOST);
        if let Some(s) = &self.session {
            b = b.header(header::COOKIE, format!("starl_session={s}"));
        }
        b
    }

    fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Request<Body> {
        let mut b = self.builder(method, path);
        if let Some(c) = &self.csrf {
            b = b.header("x-csrf-token", c);
        }
        let mut req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        if let Some(a) = self.address {
            req.extensions_mut().insert(ConnectInfo(a));
        }
        req
    }

    pub async fn call(&self, router: &Router, method: Method, path: &str, body: Option<&Value>) -> Reply {
        send(router, self.request(method, path, body)).await
    }

    pub async fn get(&self, router: &Router, path: &str) -> Reply {
        self.call(router, Method::GET, path, None).await
    }

    /// A form post, the CSRF token in the `csrf` field as the pages send it.
    pub async fn form(&self, router: &Router, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        if let Some(c) = &self.csrf {
            all.push(("csrf".into(), c.clone()));
        }
        let body = all.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let mut req = self
            .builder(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        if let Some(a) = self.address {
            req.extensions_mut().insert(ConnectInfo(a));
        }
        send(router, req).await
    }
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Accept an invite the way its form does: `pre` is the `starl_pre` cookie the form page set (it
/// is also the form's CSRF token).
pub async fn accept_invite(router: &Router, link: &str, pre: &str, name: &str, password: &str) -> Reply {
    let req = Request::post(link)
        .header(header::HOST, HOST)
        .header(header::COOKIE, format!("starl_pre={pre}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("name={name}&password={}&csrf={pre}", enc(password))))
        .unwrap();
    send(router, req).await
}

/// Post the login form the way a browser does: fetch the page (its double-submit cookie), post.
pub async fn try_login(
    router: &Router,
    name: &str,
    password: &str,
    previous: Option<&str>,
    address: Option<SocketAddr>,
) -> Reply {
    let page = send(router, Request::get("/login").header(header::HOST, HOST).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    let pre = page.cookie("starl_pre").expect("the login page sets its CSRF cookie");
    let body = format!("name={}&password={}&csrf={}", enc(name), enc(password), pre);
    let mut cookies = format!("starl_pre={pre}");
    if let Some(p) = previous {
        cookies.push_str(&format!("; starl_session={p}"));
    }
    let mut req = Request::post("/login")
        .header(header::HOST, HOST)
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    if let Some(a) = address {
        req.extensions_mut().insert(ConnectInfo(a));
    }
    send(router, req).await
}

/// Log in and learn the session's CSRF token from `/api/me`.
pub async fn login(router: &Router, name: &str) -> Client {
    let r = try_login(router, name, PASSWORD, None, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.text());
    let mut c = Client { session: r.cookie("starl_session"), ..Default::default() };
    let me = c.get(router, "/api/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    c.csrf = Some(me.json()["csrf"].as_str().unwrap().to_owned());
    c
}

/// Everything the subscriber writes, for this thread.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Capture every log event (TRACE and up) of this thread until the guard is dropped.
pub fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let cap = Captured::default();
    let writer = cap.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (cap, tracing::subscriber::set_default(subscriber))
}
