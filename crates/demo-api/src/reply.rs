//! What the handlers answer: JSON bodies (serde), `{"error"}` answers, and the
//! CORS rules ([`cors`]) every answer but `/api/no-cors`'s goes through.

use std::time::Duration;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tower_http::cors::{AllowHeaders, Any, CorsLayer};

/// How long a browser may keep a preflight's answer.
pub const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// `{"error": message}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    /// What went wrong, for people.
    pub error: &'a str,
}

/// `{"ok": true}`.
#[derive(Debug, Serialize)]
pub struct OkBody {
    /// Always `true`.
    pub ok: bool,
}

/// A JSON answer with `Content-Type: application/json`.
pub fn json<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, Json(body)).into_response()
}

/// `{"error": message}` with the given status.
pub fn error(status: StatusCode, message: &str) -> Response {
    json(status, ErrorBody { error: message })
}

/// `{"ok": true}` with status 200.
pub fn ok() -> Response {
    json(StatusCode::OK, OkBody { ok: true })
}

/// 405 for a known path asked with a method it does not take, with `Allow`.
pub fn method_not_allowed(method: &Method, path: &str, allow: &'static str) -> Response {
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("{method} is not allowed on {path}"),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// The CORS rules: any origin (`*`, no credentials); `GET`, `POST`, `PUT`;
/// a preflight allows every request header the browser names (a page may
/// send any; `Authorization` must be named, `*` would not cover it) and is
/// kept [`PREFLIGHT_MAX_AGE`]; answers expose `Content-Type`. Every
/// `OPTIONS` request is answered as a preflight, before the router.
pub fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(PREFLIGHT_MAX_AGE)
        .expose_headers([header::CONTENT_TYPE])
}

/// Marks an answer as not to be cached.
pub fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// Whether an answer already has a JSON body.
pub fn is_json<B>(response: &axum::http::Response<B>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    #[tokio::test]
    async fn errors_are_json() {
        let response = error(StatusCode::NOT_FOUND, "no such endpoint");
        assert!(is_json(&response));
        let body = to_bytes(response.into_body(), 1024).await.expect("body");
        assert_eq!(&body[..], br#"{"error":"no such endpoint"}"#);
        let response = method_not_allowed(&Method::GET, "/api/upload", "POST, PUT");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            response
                .headers()
                .get(header::ALLOW)
                .map(HeaderValue::as_bytes),
            Some(&b"POST, PUT"[..])
        );
        let body = to_bytes(ok().into_body(), 1024).await.expect("body");
        assert_eq!(&body[..], br#"{"ok":true}"#);
    }
}
