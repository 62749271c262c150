//! Load generator for the multi-user server on PostgreSQL: seed 1,000 users and 100,000 journal
//! entries, then send a fixed rate of requests (open loop: each request leaves at its scheduled
//! time whatever the previous ones did) mixing analyze, list and save across logged-in users,
//! over loopback, through the real router and guard. Prints p50/p90/p99/max and errors.
//!
//! ```sh
//! cargo run --release -p starl-web --example cohort_load -- \
//!     [--database postgres://postgres@127.0.0.1:5432/test] [--users 1000] [--entries 100000] \
//!     [--rate 200] [--seconds 30] [--pool 16]
//! ```
//!
//! The database is a scratch schema on the server (dropped at the end). Users get sessions made
//! directly in the accounts (hashing 1,000 Argon2id passwords would only time the seeding); a
//! few users log in through the real `/login` form first to check that path. Latency is measured
//! from each request's *scheduled* time, so a stall shows up in the figures instead of slowing
//! the generator down (no coordinated omission).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use starl_store::{Bundle, Database, Entry, NewUser, Role, Store};
use starl_store_postgres::{PgDatabase, PoolOptions};
use starl_web::accounts::{auth::csrf_for, router, MultiUser, MultiUserOptions};
use starl_web::Analyzers;

const STORY: &str = include_str!("../../../examples/stories/cache-ttl.md");

struct Args {
    database: String,
    users: usize,
    entries: usize,
    rate: u64,
    seconds: u64,
    pool: u32,
}

fn args() -> Args {
    let mut a = Args {
        database: std::env::var("STARL_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        users: 1000,
        entries: 100_000,
        rate: 200,
        seconds: 30,
        pool: 16,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--database" => a.database = value,
            "--users" => a.users = value.parse().expect("a number"),
            "--entries" => a.entries = value.parse().expect("a number"),
            "--rate" => a.rate = value.parse().expect("a number"),
            "--seconds" => a.seconds = value.parse().expect("a number"),
            "--pool" => a.pool = value.parse().expect("a number"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// A user the generator acts as.
#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

/// Seed users, entries and sessions (on this thread: the PostgreSQL client must not run on an
/// async runtime's thread).
fn seed(db: &PgDatabase, users: usize, entries: usize) -> Vec<Session> {
    let started = Instant::now();
    let now = Timestamp::now();
    let expires = now.checked_add(jiff::SignedDuration::from_hours(24)).expect("a date");
    let mut accounts = db.accounts().expect("accounts");
    let cohort = accounts.create_cohort("bench", now).expect("a cohort");
    let per_user = entries / users.max(1);
    let today = jiff::Zoned::now().date();
    let mut sessions = Vec::with_capacity(users);
    for u in 0..users {
        let password = (u < 5).then_some("bench password 123");
        let user = accounts
            .create_user(&NewUser { name: format!("user{u:04}"), role: Role::Member, created: now }, password)
            .expect("a user");
        accounts.add_member(cohort.id, user.id).expect("a member");
        let (token, _) = accounts.create_session(user.id, now, expires).expect("a session");
        sessions.push(Session { cookie: format!("starl_session={token}"), csrf: csrf_for(&token) });
        let mut bundle =
            Bundle { entries: Vec::new(), stories: Vec::new(), attempts: Vec::new(), feedback: Vec::new() };
        for i in 0..per_user {
            let day = today.checked_sub(jiff::Span::new().days(i as i64 % 700)).expect("a date");
            let mut e = Entry::new(format!("Incident {i} of user {u}"), day, now);
            e.id = i as i64 + 1;
            e.what_happened =
                format!("The deploy {i} failed because I skipped the canary; we rolled back in 20 minutes.");
            e.learned = "Run the canary every time, even for config changes.".into();
            e.tags = vec!["deploy".into()];
            bundle.entries.push(e);
        }
        db.store(user.id).expect("a store").import(&bundle).expect("an import");
        if u % 100 == 99 {
            eprintln!(
                "  seeded {} users, {} entries ({:.0} s)",
                u + 1,
                (u + 1) * per_user,
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!("seeded {users} users and {} entries in {:.1} s", users * per_user, started.elapsed().as_secs_f64());
    sessions
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn summary(name: &str, mut v: Vec<u64>) {
    v.sort_unstable();
    println!(
        "{name:<10} n={:<6} p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        v.len(),
        percentile(&v, 0.5),
        percentile(&v, 0.9),
        percentile(&v, 0.99),
        v.last().map_or(0.0, |&m| m as f64 / 1000.0)
    );
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Analyze,
    List,
    Save,
}

fn main() {
    let a = args();
    let db = PgDatabase::scratch(&a.database).expect("a scratch schema on the PostgreSQL server");
    // The scratch pool is small; reopen the same schema with the server's pool size.
    let url = db.scratch_url().expect("a scratch url").to_owned();
    let pooled = PgDatabase::connect_with(&url, PoolOptions { max_size: a.pool, timeout: Duration::from_secs(10) })
        .expect("a pool");
    let sessions = seed(&pooled, a.users, a.entries);

    // The server, on a runtime of its own (two workers, as `starl serve` would have on this box).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr: SocketAddr = listener.local_addr().expect("bound");
    let db_arc: Arc<dyn Database> = Arc::new(pooled.clone());
    let mu = MultiUser::new(db_arc, Arc::new(Analyzers::builtin()), addr, MultiUserOptions::default()).expect("state");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let app = router(mu).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
                .expect("serving");
        });
    });

    let client_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    client_rt.block_on(generate(addr, sessions, a.rate, a.seconds));
    let _ = stop_tx.send(());
    server.join().expect("the server stopped");
    drop(pooled);
    drop(db);
}

async fn connect(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<Body> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    sender
}

async fn generate(addr: SocketAddr, sessions: Vec<Session>, rate: u64, seconds: u64) {
    // The real login form, for a few users.
    for u in 0..5.min(sessions.len()) {
        let mut sender = connect(addr).await;
        let page = sender
            .send_request(
                hyper::Request::get("/login").header("host", addr.to_string()).body(Body::empty()).expect("req"),
            )
            .await
            .expect("login page");
        let pre = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.split(';').next()?.strip_prefix("starl_pre=").map(str::to_owned))
            .expect("the pre-login cookie");
        let _ = page.into_body().collect().await;
        sender.ready().await.expect("the connection is ready again");
        let body = format!("name=user{u:04}&password=bench+password+123&csrf={pre}");
        let res = sender
            .send_request(
                hyper::Request::post("/login")
                    .header("host", addr.to_string())
                    .header("cookie", format!("starl_pre={pre}"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .expect("req"),
            )
            .await
            .expect("login");
        assert_eq!(res.status(), 303, "login through the form");
    }
    eprintln!("5 users logged in through /login");

    let story = STORY.to_owned();
    let total = rate * seconds;
    let interval = Duration::from_nanos(1_000_000_000 / rate.max(1));
    let workers = 64usize;
    let (tx, rx) = tokio::sync::mpsc::channel::<(Instant, Kind, usize)>(10_000);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let sessions = Arc::new(sessions);
    let mut handles = Vec::new();
    for _ in 0..workers {
        let rx = Arc::clone(&rx);
        let sessions = Arc::clone(&sessions);
        let story = story.clone();
        handles.push(tokio::spawn(async move {
            let mut sender = connect(addr).await;
            let mut out: Vec<(Kind, u64, bool)> = Vec::new();
            loop {
                let job = rx.lock().await.recv().await;
                let Some((due, kind, user)) = job else { break };
                let s = &sessions[user];
                let b = |method: &str, path: &str| {
                    hyper::Request::builder()
                        .method(method)
                        .uri(path)
                        .header("host", addr.to_string())
                        .header("cookie", &s.cookie)
                        .header("x-csrf-token", &s.csrf)
                        .header("content-type", "application/json")
                };
                let req = match kind {
                    Kind::Analyze => b("POST", "/api/analyze")
                        .body(Body::from(serde_json::json!({ "text": story }).to_string())),
                    Kind::List => b("GET", "/api/entries?limit=20").body(Body::empty()),
                    Kind::Save => b("POST", "/api/entries").body(Body::from(
                        serde_json::json!({"title": "Load test", "what_happened": "A save under load.", "tags": ["load"]})
                            .to_string(),
                    )),
                }
                .expect("a request");
                if sender.ready().await.is_err() {
                    sender = connect(addr).await;
                }
                let ok = match sender.send_request(req).await {
                    Ok(res) => {
                        let good = res.status().is_success();
                        let _ = res.into_body().collect().await;
                        good
                    }
                    Err(_) => {
                        sender = connect(addr).await;
                        false
                    }
                };
                out.push((kind, due.elapsed().as_micros() as u64, ok));
            }
            out
        }));
    }
    println!("{total} requests at {rate}/s for {seconds} s, 64 connections: analyze 40%, list 40%, save 20%");
    let start = Instant::now() + Duration::from_millis(50);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for i in 0..total {
        // xorshift: a user and a kind per request.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let user = (seed % sessions.len() as u64) as usize;
        let kind = match (seed >> 32) % 10 {
            0..=3 => Kind::Analyze,
            4..=7 => Kind::List,
            _ => Kind::Save,
        };
        let due = start + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        tx.send((due, kind, user)).await.expect("workers alive");
    }
    drop(tx);
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("a worker"));
    }
    let elapsed = start.elapsed();
    let errors = all.iter().filter(|(_, _, ok)| !ok).count();
    println!(
        "{} requests in {:.1} s ({:.0}/s), {errors} errors",
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64()
    );
    summary("all", all.iter().map(|x| x.1).collect());
    for k in [Kind::Analyze, Kind::List, Kind::Save] {
        summary(&format!("{k:?}").to_lowercase(), all.iter().filter(|x| x.0 == k).map(|x| x.1).collect());
    }
}
