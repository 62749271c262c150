//! Security, even on localhost: every request passes [`guard`].
//!
//! - **DNS rebinding.** The `Host` header must name the address the server is bound to (or
//!   `localhost` for a loopback address, or any IP literal when bound to all interfaces) with the
//!   bound port; a name that merely resolves here is refused.
//! - **CSRF.** A state-changing request (anything but GET, HEAD, OPTIONS) must carry the
//!   per-process random token in `X-CSRF-Token` (pages embed it; their JavaScript sends it), and,
//!   when it has an `Origin`, come from this very origin.
//! - **Body size.** Bodies over [`BODY_LIMIT`] get a 413 with a JSON error (`Content-Length` is
//!   checked here; a streamed body is cut by the extractors at the same limit).
//! - **Headers.** A strict Content-Security-Policy (scripts only from `/assets`), no framing, no
//!   sniffing, no referrer.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::AppState;

/// The largest request body accepted: 1 MiB.
pub const BODY_LIMIT: usize = 1 << 20;

/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A fresh random token: 32 bytes from the OS, as hex.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compare in time independent of where the strings first differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Which `Host` headers name this server.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    bound: SocketAddr,
}

impl AllowedHosts {
    pub fn new(bound: SocketAddr) -> AllowedHosts {
        AllowedHosts { bound }
    }

    /// Whether `host` (a `Host` header value, `name:port`) names this server.
    pub fn allows(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else { return false };
        if port != self.bound.port() {
            return false;
        }
        let ip = name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        let bound = self.bound.ip();
        if name.eq_ignore_ascii_case("localhost") {
            return bound.is_loopback() || bound.is_unspecified();
        }
        match ip {
            // Bound to every interface: any address of this machine, but never a DNS name.
            Some(_) if bound.is_unspecified() => true,
            Some(ip) => ip == bound || (bound.is_loopback() && ip.is_loopback()),
            None => false,
        }
    }
}

/// `name:port` (IPv6 in brackets) into its parts; the port is required.
fn split_host(host: &str) -> Option<(&str, u16)> {
    let (name, port) = host.rsplit_once(':')?;
    if name.is_empty() || (name.contains(':') && !(name.starts_with('[') && name.ends_with(']'))) {
        return None;
    }
    Some((name, port.parse().ok()?))
}

fn refuse(status: StatusCode, field: &str, error: &str) -> Response {
    ApiError { status, error: error.to_owned(), field: Some(field.to_owned()) }.into_response()
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The check every request passes before its handler, and the headers every response gets.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !state.hosts().allows(host) {
        return refuse(StatusCode::FORBIDDEN, "Host", "this Host is not the address starl serves on");
    }
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > BODY_LIMIT as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body", "the request body is larger than 1 MiB");
    }
    if changes_state(request.method()) {
        if let Some(origin) = headers.get(header::ORIGIN) {
            let expected = format!("http://{host}");
            if origin.as_bytes() != expected.as_bytes() {
                return refuse(StatusCode::FORBIDDEN, "Origin", "cross-origin requests may not change anything");
            }
        }
        if !csrf_ok(headers, state.csrf_token()) {
            return refuse(StatusCode::FORBIDDEN, "X-CSRF-Token", "missing or wrong CSRF token: reload the page");
        }
    }
    let mut response = next.run(request).await;
    strict_headers(response.headers_mut());
    response
}

/// The headers every response carries, in the local and the multi-user guard alike: a strict
/// Content-Security-Policy (scripts from `/assets` only), no sniffing, no framing, no referrer.
pub(crate) fn strict_headers(h: &mut axum::http::HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

fn csrf_ok(headers: &HeaderMap, token: &str) -> bool {
    headers.get(CSRF_HEADER).is_some_and(|v| same_secret(v.as_bytes(), token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let local = AllowedHosts::new("127.0.0.1:7373".parse().unwrap());
        assert!(local.allows("127.0.0.1:7373"));
        assert!(local.allows("localhost:7373"));
        assert!(local.allows("LOCALHOST:7373"));
        assert!(local.allows("[::1]:7373"));
        assert!(!local.allows("127.0.0.1:80"));
        assert!(!local.allows("127.0.0.1"));
        assert!(!local.allows("evil.example:7373"));
        assert!(!local.allows("localhost.evil.example:7373"));
        assert!(!local.allows("10.0.0.2:7373"));
        assert!(!local.allows(""));
        let all = AllowedHosts::new("0.0.0.0:7373".parse().unwrap());
        assert!(all.allows("10.0.0.2:7373"));
        assert!(all.allows("localhost:7373"));
        assert!(!all.allows("rebind.example:7373"));
        let lan = AllowedHosts::new("192.168.1.5:8000".parse().unwrap());
        assert!(lan.allows("192.168.1.5:8000"));
        assert!(!lan.allows("localhost:8000"));
    }

    #[test]
    fn tokens_are_random_hex() {
        let a = random_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token().unwrap());
        assert!(same_secret(a.as_bytes(), a.as_bytes()));
        assert!(!same_secret(a.as_bytes(), &a.as_bytes()[1..]));
    }
}
