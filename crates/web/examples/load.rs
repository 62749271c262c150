//! Load generator for live analysis: N clients "typing" a three-minute story at once, each
//! sending the growing text to `POST /api/analyze` over loopback as the editor does (debounced).
//! Prints the server-side handler latency (timed by a middleware around the real router) and the
//! client-side round trip, p50/p90/p99/max.
//!
//! ```sh
//! cargo run --release -p starl-web --example load                 # 50 clients, 150 ms debounce
//! cargo run --release -p starl-web --example load -- 50 0         # 50 clients, no pause at all
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use starl_web::{router, Analyzers, AppState, SqliteSource};

const STORY: &str = include_str!("../../../examples/stories/cache-ttl.md");

/// A three-minute story (about 450 words): the example story, told with two more incidents.
fn story() -> String {
    let mut s = STORY.to_owned();
    s.push_str(
        "\nA month later the same pattern showed up in the search index, which I also owned. I had \
         copied the cache settings without asking the catalogue team how often titles change. I \
         told the team in standup that it was my mistake, set the index to rebuild on every catalogue \
         event, and wrote a one-page checklist for choosing expiry times: who owns the data, how often \
         it changes, what a stale answer costs, and which alarm tells us first.\n\nThe checklist is \
         now part of our design review template. Two other teams adopted it within the quarter, and in \
         the last six months none of our caches has served stale prices or titles to customers for more \
         than ten minutes. What I took from it is that an assumption I never checked is a decision I \
         made without evidence, so I now write my assumptions down in the design document and ask the \
         owner of each one to confirm it before I build on it. I also learned to say plainly, and \
         early, when the mistake is mine; it made the fix faster because nobody spent time looking for \
         someone to blame.\n\nSince then I have mentored two new engineers through their first cache \
         designs with the same checklist, and both caught a wrong assumption during review rather than \
         in production. When I interview now and someone asks about a failure, this is the story I \
         tell, because it shows the mistake, what I did in the first hour, and the change that lasted. \
         The numbers matter to me too: the promotion cost us about $1,900, and the alarm has since \
         saved us from at least two incidents of the same size, which is why I still check it every \
         quarter with the pricing team.\n",
    );
    s
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
        "{name:<28} n={:<6} p50 {:>7.3} ms  p90 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        v.len(),
        percentile(&v, 0.5),
        percentile(&v, 0.9),
        percentile(&v, 0.99),
        v.last().map_or(0.0, |&m| m as f64 / 1000.0)
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let pause_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(150);
    let text = story();
    let words = text.split_whitespace().count();

    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = SqliteSource::open(&dir.path().join("load.db")).expect("a database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("bound");
    let state = AppState::new(Arc::new(source), Arc::new(Analyzers::builtin()), addr).expect("state");
    let token = state.csrf_token().to_owned();

    // Server-side timing: from the request entering the router to the response leaving it.
    let server_times: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&server_times);
    let app = router(state).layer(middleware::from_fn(move |req: Request, next: Next| {
        let recorder = Arc::clone(&recorder);
        async move {
            let start = Instant::now();
            let res: Response = next.run(req).await;
            let us = start.elapsed().as_micros() as u64;
            recorder.lock().expect("not poisoned").push(us);
            res
        }
    }));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serving") });

    // Prefixes at word boundaries, every few words: what a debounced editor sends while typing.
    let cuts: Vec<usize> = text.match_indices(' ').map(|(i, _)| i).step_by(6).chain([text.len()]).collect();
    println!(
        "story: {words} words, {} bytes; {clients} clients, {} requests each, {pause_ms} ms between requests",
        text.len(),
        cuts.len()
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let text = text.clone();
        let cuts = cuts.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            // Start at different moments, as people do.
            tokio::time::sleep(Duration::from_millis((c as u64 * 37) % (pause_ms.max(1) * 2))).await;
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
            tokio::spawn(conn);
            let mut times = Vec::with_capacity(cuts.len());
            for &cut in &cuts {
                let body = serde_json::json!({ "text": &text[..cut] }).to_string();
                let req = hyper::Request::post("/api/analyze")
                    .header("host", addr.to_string())
                    .header("content-type", "application/json")
                    .header("x-csrf-token", &token)
                    .body(Body::from(body))
                    .expect("a request");
                let t = Instant::now();
                let res = sender.send_request(req).await.expect("a response");
                assert!(res.status().is_success(), "status {}", res.status());
                let _ = res.into_body().collect().await.expect("the body");
                times.push(t.elapsed().as_micros() as u64);
                if pause_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(pause_ms)).await;
                }
            }
            times
        }));
    }
    let mut client_times = Vec::new();
    for t in tasks {
        client_times.extend(t.await.expect("a client"));
    }
    let elapsed = started.elapsed();
    let server = std::mem::take(&mut *server_times.lock().expect("not poisoned"));
    println!(
        "{} requests in {:.1} s ({:.0} requests/s)",
        client_times.len(),
        elapsed.as_secs_f64(),
        client_times.len() as f64 / elapsed.as_secs_f64()
    );
    summary("server-side (handler)", server);
    summary("client round trip", client_times);
}
