//! IDOR: for every route that takes an id (the journal API and pages, shares, reviews, cohorts),
//! a second member, a mentor and an admin try to read or change the first member's records by
//! id. Every attempt is refused (404 or 403, never the data), logged with `tracing`, and the
//! owner's records are unchanged afterwards. Routes without an id must not leak the owner's
//! records either. The case table is checked against the routes in the source, so a new route
//! that takes an id fails this suite until it has a case.
//!
//! SQLite always; PostgreSQL too when `STARL_TEST_DATABASE_URL` is set.

mod mu;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use mu::*;
use serde_json::{json, Value};
use starl_web::accounts::MultiUserOptions;

const ENTRY_SECRET: &str = "ALICE-SECRET-ENTRY";
const STORY_SECRET: &str = "ALICE-SECRET-STORY";
const ANSWER_SECRET: &str = "ALICE-SECRET-ANSWER";

/// What the attacker names: alice's entry, story, share (to meg) or cohort.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    Entry,
    Story,
    Share,
    Cohort,
}

/// One attempt: a route, the body a legitimate caller would send, and who may (by design) do it.
struct Case {
    method: &'static str,
    path: &'static str,
    target: Target,
    /// `Some(json)` for the API, form fields for a page post (`form`), none for a GET.
    body: Option<Value>,
    form: Option<&'static [(&'static str, &'static str)]>,
    /// Attackers allowed by design: meg is the share's reviewer (reads it, reviews it) and the
    /// cohort's mentor (coverage: counts only), the admin sees coverage too.
    allowed: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    let c = |method, path, target, body: Option<Value>, allowed: &'static [&'static str]| Case {
        method,
        path,
        target,
        body,
        form: None,
        allowed,
    };
    let f = |path, target, form: &'static [(&'static str, &'static str)], allowed: &'static [&'static str]| Case {
        method: "post",
        path,
        target,
        body: None,
        form: Some(form),
        allowed,
    };
    use Target::*;
    vec![
        c("get", "/api/entries/{id}", Entry, None, &[]),
        c("put", "/api/entries/{id}", Entry, Some(json!({"title": "pwned"})), &[]),
        c("delete", "/api/entries/{id}", Entry, None, &[]),
        c("post", "/api/entries/{id}/follow-up", Entry, Some(json!({"status": "held", "evidence": "pwned"})), &[]),
        c("post", "/api/entries/{id}/story", Entry, Some(json!({})), &[]),
        c("get", "/api/stories/{id}", Story, None, &[]),
        c("put", "/api/stories/{id}", Story, Some(json!({"title": "pwned", "body": "pwned"})), &[]),
        c("delete", "/api/stories/{id}", Story, None, &[]),
        c("put", "/api/stories/{id}/ready", Story, Some(json!({"ready": false})), &[]),
        c("post", "/api/stories/{id}/shares", Story, Some(json!({"reviewer": "meg"})), &[]),
        c("get", "/api/shares/{id}", Share, None, &["meg"]),
        c("delete", "/api/shares/{id}", Share, None, &[]),
        c("put", "/api/shares/{id}/review", Share, Some(json!({"authenticity": 1, "learning": 1})), &["meg"]),
        c("get", "/api/cohorts/{id}/coverage", Cohort, None, &["meg", "ada"]),
        c("get", "/stories/{id}", Story, None, &[]),
        c("get", "/journal/{id}", Entry, None, &[]),
        c("get", "/shares/{id}", Share, None, &["meg"]),
        f("/shares/{id}/revoke", Share, &[], &[]),
        f("/shares/{id}/review", Share, &[("authenticity", "1"), ("learning", "1")], &["meg"]),
        c("get", "/cohorts/{id}", Cohort, None, &["meg", "ada"]),
    ]
}

/// Every `.route("...")` path with an id in the web crate's source: pages, API and accounts.
fn routes_in_source() -> BTreeSet<String> {
    let sources = [
        ("", include_str!("../src/pages.rs")),
        ("/api", include_str!("../src/api.rs")),
        ("", include_str!("../src/accounts/mod.rs")),
    ];
    let mut out = BTreeSet::new();
    for (prefix, src) in sources {
        for piece in src.split(".route(").skip(1) {
            // The path is the first string literal, on the same line or the next (rustfmt).
            let Some(rest) = piece.trim_start().strip_prefix('"') else { continue };
            let path = rest.split('"').next().unwrap_or("");
            if path.contains('{') && !path.starts_with("/invite/") {
                out.insert(format!("{prefix}{path}"));
            }
        }
    }
    out
}

#[test]
fn every_route_with_an_id_has_an_idor_case() {
    let covered: BTreeSet<(String, String)> =
        cases().iter().map(|c| (c.method.to_owned(), c.path.to_owned())).collect();
    let declared = starl_web::api::ROUTES
        .iter()
        .chain(starl_web::accounts::ROUTES)
        .chain(starl_web::accounts::JOURNAL_PAGES_WITH_IDS)
        .filter(|(_, p)| p.contains('{') && !p.starts_with("/invite/"));
    for (method, path) in declared {
        assert!(covered.contains(&((*method).to_owned(), (*path).to_owned())), "no IDOR case for {method} {path}");
    }
    let paths: BTreeSet<String> = covered.iter().map(|(_, p)| p.clone()).collect();
    let found = routes_in_source();
    assert!(found.len() >= 15, "the source scan found too few routes: {found:?}");
    for path in found {
        assert!(paths.contains(&path), "the router has {path}, which takes an id and has no IDOR case");
    }
}

#[test]
fn nobody_else_reaches_a_members_records_by_id() {
    for (backend, db, _dir) in backends() {
        let cohort = seed(&*db);
        let (router, _mu) = app(db.clone(), MultiUserOptions::default());
        let rt = runtime();
        let (logs, _guard) = capture_logs();
        let refused = rt.block_on(async {
            let alice = login(&router, "alice").await;
            // Alice's records.
            let e = alice
                .call(
                    &router,
                    Method::POST,
                    "/api/entries",
                    Some(&json!({"title": ENTRY_SECRET, "what_happened": ENTRY_SECRET})),
                )
                .await;
            assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
            let entry = e.json()["id"].as_i64().unwrap();
            let body = format!("## Situation\n{STORY_SECRET}. I broke the deploy.\n## Learning\nI learned to check.");
            let s = alice
                .call(&router, Method::POST, "/api/stories", Some(&json!({"title": STORY_SECRET, "body": body})))
                .await;
            assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
            let story = s.json()["story"]["id"].as_i64().unwrap();
            assert_eq!(
                alice
                    .call(&router, Method::PUT, &format!("/api/stories/{story}/ready"), Some(&json!({"ready": true})))
                    .await
                    .status,
                StatusCode::OK
            );
            let questions = alice.get(&router, "/api/practice").await.json();
            let q = questions["questions"][0]["id"].as_str().unwrap().to_owned();
            let p = alice
                .call(&router, Method::POST, "/api/practice", Some(&json!({"question": q, "answer": ANSWER_SECRET})))
                .await;
            assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
            let sh = alice
                .call(&router, Method::POST, &format!("/api/stories/{story}/shares"), Some(&json!({"reviewer": "meg"})))
                .await;
            assert_eq!(sh.status, StatusCode::CREATED, "{}", sh.text());
            let share = sh.json()["id"].as_i64().unwrap();

            let mut refused = 0usize;
            for name in ["bob", "meg", "ada"] {
                let who = login(&router, name).await;
                for case in cases() {
                    let id = match case.target {
                        Target::Entry => entry,
                        Target::Story => story,
                        Target::Share => share,
                        Target::Cohort => cohort.cohort,
                    };
                    let path = case.path.replace("{id}", &id.to_string());
                    let method: Method = case.method.to_uppercase().parse().unwrap();
                    let r = match case.form {
                        Some(fields) => who.form(&router, &path, fields).await,
                        None => who.call(&router, method, &path, case.body.as_ref()).await,
                    };
                    let what = format!("[{backend}] {name}: {} {path}", case.method);
                    if case.allowed.contains(&name) {
                        assert!(
                            r.status.is_success() || r.status.is_redirection(),
                            "{what}: {} {}",
                            r.status,
                            r.text()
                        );
                        // Even then: never the journal, only the shared snapshot or counts.
                        assert!(
                            !r.text().contains(ENTRY_SECRET) && !r.text().contains(ANSWER_SECRET),
                            "{what}: {}",
                            r.text()
                        );
                        if case.target == Target::Cohort {
                            assert!(!r.text().contains(STORY_SECRET), "{what}: coverage shows content: {}", r.text());
                        }
                        continue;
                    }
                    assert!(
                        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
                        "{what}: expected 404 or 403, got {} {}",
                        r.status,
                        r.text()
                    );
                    for secret in [ENTRY_SECRET, STORY_SECRET, ANSWER_SECRET] {
                        assert!(!r.text().contains(secret), "{what} leaked {secret}");
                    }
                    refused += 1;
                }
                // Routes without an id answer with the caller's own records only.
                for (method, path) in starl_web::api::ROUTES.iter().chain(starl_web::accounts::ROUTES) {
                    if *method != "get" || path.contains('{') || *path == "/api/me" {
                        continue;
                    }
                    let r = who.get(&router, path).await;
                    for secret in [ENTRY_SECRET, STORY_SECRET, ANSWER_SECRET] {
                        let shared_with_meg = name == "meg" && secret == STORY_SECRET && (path.contains("shares"));
                        assert!(
                            shared_with_meg || !r.text().contains(secret),
                            "[{backend}] {name}: GET {path} leaked {secret}"
                        );
                    }
                }
            }

            // Alice's records are as she left them.
            let e = alice.get(&router, &format!("/api/entries/{entry}")).await;
            assert_eq!(e.status, StatusCode::OK);
            assert_eq!(e.json()["title"], ENTRY_SECRET);
            assert!(e.json()["follow_up"].is_null() || e.json()["follow_up"]["evidence"] != "pwned");
            let s = alice.get(&router, &format!("/api/stories/{story}")).await;
            assert_eq!(s.json()["story"]["title"], STORY_SECRET);
            assert_eq!(s.json()["story"]["ready"], true);
            let v = alice.get(&router, &format!("/api/shares/{share}")).await;
            assert!(v.json()["share"]["revoked"].is_null(), "{}", v.text());
            let stories = alice.get(&router, "/api/stories").await.json();
            assert_eq!(stories.as_array().unwrap().len(), 1, "no story was added to alice's journal");
            refused
        });
        // Every refusal was logged; the journal's were recorded in the audit log too (shares and
        // cohorts record their own, in the accounts layer).
        let text = logs.text();
        let logged = text.lines().filter(|l| l.contains("access refused")).count();
        assert!(logged >= refused, "[{backend}] {logged} refusals logged, {refused} refused:\n{text}");
        let audit = db.accounts().unwrap().audit_log(1000).unwrap();
        for who in [cohort.bob, cohort.meg, cohort.ada] {
            assert!(
                audit.iter().any(|e| e.actor == Some(who) && e.action.contains("/api/entries/{id}")),
                "[{backend}] {audit:?}"
            );
            assert!(audit.iter().any(|e| e.actor == Some(who) && e.action.contains("/journal/{id}")), "[{backend}]");
        }
        assert!(
            audit.iter().any(|e| e.actor == Some(cohort.bob) && e.action.starts_with("share")),
            "[{backend}] {audit:?}"
        );
        assert!(audit.iter().all(|e| !e.target.contains("SECRET")));
        drop(router);
        let _ = cohort.alice;
    }
}
