//! [`ApiJson`]: a JSON body whose every failure is a JSON error naming the field to blame.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::security::BODY_LIMIT;

/// A JSON request body of type `T`. Wrong content type: 415; unreadable or too long: 400/413;
/// not JSON: 400; a field missing, unknown or of the wrong type: 422 with `field` set.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as application/json")
                .with_field("Content-Type"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the request body is larger than 1 MiB").with_field("body")
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, r.body_text()).with_field("body")
            }
        })?;
        if bytes.len() > BODY_LIMIT {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the request body is larger than 1 MiB")
                .with_field("body"));
        }
        parse(&bytes).map(ApiJson)
    }
}

/// Deserialise `bytes`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => return Err(named(&e.path().to_string(), e.into_inner())),
    };
    de.end().map_err(|e| named(".", e))?;
    Ok(value)
}

/// The error for `inner` at `path` (`.` is the whole body).
fn named(path: &str, inner: serde_json::Error) -> ApiError {
    let message = inner.to_string();
    let status = match inner.classify() {
        serde_json::error::Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    };
    // `missing field `x``, `unknown field `x``: the path stops at the object, the name is in the
    // message.
    let name = message.split('`').nth(1).filter(|_| message.contains(" field `")).map(str::to_owned);
    let field = match (path, name) {
        // Not JSON at all: the body is to blame, wherever the parser stopped.
        _ if status == StatusCode::BAD_REQUEST => "body".to_owned(),
        (".", Some(name)) => name,
        (".", None) => "body".to_owned(),
        (p, Some(name)) if message.starts_with("missing field") => format!("{p}.{name}"),
        (p, _) => p.to_owned(),
    };
    ApiError { status, error: message, field: Some(field) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        text: String,
        framework: Option<String>,
    }

    #[test]
    fn fields_are_named() {
        let e = parse::<T>(br#"{}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("text"));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        let e = parse::<T>(br#"{"text": 3}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("text"));
        let e = parse::<T>(br#"{"text": "a", "framework": []}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("framework"));
        let e = parse::<T>(br#"{"text": "a", "extra": 1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("extra"));
        let e = parse::<T>(br#"{"text": "#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.field.as_deref(), Some("body"));
        assert!(parse::<T>(br#"{"text": "a"}"#).is_ok());
    }
}
