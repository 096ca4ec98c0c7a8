//! The router: the endpoints, their handlers, and the layers around them.
//!
//! [`app`] builds it. From the outside in, a request meets:
//!
//! 1. [`finish`]: logs `METHOD PATH STATUS ms` (through `tracing`), marks
//!    every answer `Cache-Control: no-store`, and gives a preflight its 204;
//! 2. `/api/no-cors` alone, or else [`reply::cors`] (tower-http's
//!    `CorsLayer`), which answers every `OPTIONS` request as a preflight and
//!    adds the CORS headers to every other answer;
//! 3. `TimeoutLayer`: a request not answered within [`REQUEST_TIMEOUT`] is
//!    dropped (an upload's partial file with it) and answered 408;
//! 4. [`inject_faults`]: the failures `/api/control/fail` asked for;
//! 5. the routes (404 for an unknown path, 405 for a wrong method), each
//!    with a `RequestBodyLimitLayer` ([`limited`]): a `Content-Length` over
//!    the limit is answered 413 before the body is read, a longer body is
//!    cut off where it passes the limit.
//!
//! To add an endpoint: a `.route` in [`app`] (through [`limited`], with the
//! `Allow` header its 405 answer gives), and its handler. Handlers take what
//! they need from the request (axum extractors) and answer with
//! [`reply::json`] or [`reply::error`]. Query parameters are read with
//! [`param`].
//!
//! (Over 600 lines with its unit tests, which drive each handler through the router
//! without a socket; the code itself is under 600.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use http_body_util::BodyExt;
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use tokio_util::io::ReaderStream;
use tower::util::MapResponseLayer;
use tower::ServiceBuilder;
use tower_http::limit::{RequestBodyLimitLayer, ResponseBody as LimitedBody};
use tower_http::timeout::TimeoutLayer;

use crate::faults::Faults;
use crate::reply::{self, is_json};
use crate::uploads::{safe_name, Uploads, MAX_UPLOAD_BYTES};

/// The largest request body accepted by the JSON endpoints (64 KiB).
pub const MAX_JSON_BODY: u64 = 64 * 1024;

/// The bearer token `POST /api/escalate` wants.
pub const DEMO_TOKEN: &str = "chatlet-demo-token";

/// Uploaded files are fetched back at this path followed by their id.
pub const UPLOADS_PREFIX: &str = "/api/uploads/";

/// `GET /api/slow` waits this long when `ms` is not given.
pub const SLOW_DEFAULT_MS: u64 = 3_000;

/// `GET /api/slow` never waits longer than this.
pub const SLOW_MAX_MS: u64 = 30_000;

/// A request (its body included) must be answered within this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long an injected failure waits for the body it throws away.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// The fault-injection endpoints, served only with `--control`.
const CONTROL_PATHS: [&str; 2] = ["/api/control/fail", "/api/control/reset"];

/// State shared by all requests.
#[derive(Debug)]
pub struct Context {
    /// Pending injected failures.
    pub faults: Faults,
    /// The stored uploads.
    pub uploads: Uploads,
    /// Whether `/api/control/*` is served.
    pub control: bool,
}

/// The shared state as the handlers get it.
type Shared = State<Arc<Context>>;

/// The whole API.
pub fn app(context: Arc<Context>) -> Router {
    let json_limit = |route| limited(route, MAX_JSON_BODY, "the request body is over 65536 bytes");
    let mut api = Router::new()
        .route(
            "/api/health",
            json_limit(get(health).fallback(allow("GET"))),
        )
        .route(
            "/api/balance",
            json_limit(get(balance).fallback(allow("GET"))),
        )
        .route(
            "/api/escalate",
            json_limit(post(escalate).fallback(allow("POST"))),
        )
        .route("/api/slow", json_limit(get(slow).fallback(allow("GET"))))
        .route("/api/fail", json_limit(any(fail)))
        .route(
            "/api/upload",
            limited(
                post(upload).put(upload).fallback(allow("POST, PUT")),
                MAX_UPLOAD_BYTES,
                "the file is over 5242880 bytes",
            ),
        )
        .route(
            "/api/uploads/{id}",
            json_limit(get(uploaded_file).fallback(allow("GET"))),
        );
    if context.control {
        api = api
            .route(
                CONTROL_PATHS[0],
                json_limit(post(control_fail).fallback(allow("POST"))),
            )
            .route(
                CONTROL_PATHS[1],
                json_limit(post(control_reset).fallback(allow("POST"))),
            );
    }
    let api = api
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&context),
            inject_faults,
        ))
        .layer(MapResponseLayer::new(json_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(reply::cors())
        .with_state(Arc::clone(&context));
    let no_cors = json_limit(get(health).fallback(allow("GET")))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&context),
            inject_faults,
        ))
        .with_state(context);
    Router::new()
        .route("/api/no-cors", no_cors)
        .fallback_service(api)
        .layer(middleware::from_fn(finish))
}

/// A route whose request bodies may be at most `limit` bytes: a larger
/// `Content-Length` is answered 413 `{"error": message}` before anything is
/// read; a body without one is cut off where it passes the limit (the handler
/// reading it sees the error and answers 413).
fn limited(
    route: MethodRouter<Arc<Context>>,
    limit: u64,
    message: &'static str,
) -> MethodRouter<Arc<Context>> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let json_413 = move |response: Response<LimitedBody<Body>>| {
        if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&response) {
            reply::error(StatusCode::PAYLOAD_TOO_LARGE, message)
        } else {
            response.into_response()
        }
    };
    route.layer(
        ServiceBuilder::new()
            .layer(MapResponseLayer::new(json_413))
            .layer(RequestBodyLimitLayer::new(limit)),
    )
}

/// The 405 answer of a path that takes only the `allow`ed methods.
fn allow(allow: &'static str) -> MethodRouter<Arc<Context>> {
    any(move |method: Method, uri: Uri| async move {
        reply::method_not_allowed(&method, uri.path(), allow)
    })
}

/// The outermost layer: the request log line, `Cache-Control: no-store`, and
/// 204 for a preflight (`CorsLayer` answers it with 200).
async fn finish(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if method == Method::OPTIONS && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    reply::no_store(&mut response);
    tracing::info!(
        "{method} {path} {} {}ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

/// `TimeoutLayer`'s empty 408 as `{"error"}`.
fn json_timeout(response: Response) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT && !is_json(&response) {
        let message = format!(
            "the request was not answered within {} s",
            REQUEST_TIMEOUT.as_secs()
        );
        reply::error(StatusCode::REQUEST_TIMEOUT, &message)
    } else {
        response
    }
}

/// Answers a request whose path has an injected failure pending (never one
/// for `/api/control/*`). Its body, if small, is read and thrown away first,
/// so the connection can carry the next request.
async fn inject_faults(State(context): Shared, request: Request, next: Next) -> Response {
    let path = percent_decode_str(request.uri().path()).decode_utf8_lossy();
    if CONTROL_PATHS.contains(&path.as_ref()) {
        return next.run(request).await;
    }
    let Some(status) = context.faults.take(&path) else {
        return next.run(request).await;
    };
    let small = declared_length(request.headers()).is_none_or(|length| length <= MAX_JSON_BODY);
    if small {
        let _ =
            tokio::time::timeout(DRAIN_TIMEOUT, drain(request.into_body(), MAX_JSON_BODY)).await;
    }
    reply::error(status_code(status), "injected failure")
}

/// Reads a body and drops it, up to `limit` bytes.
async fn drain(mut body: Body, limit: u64) {
    let mut thrown: u64 = 0;
    while let Some(Ok(frame)) = body.frame().await {
        thrown += frame.data_ref().map_or(0, |data| data.len() as u64);
        if thrown > limit {
            return;
        }
    }
}

/// The request's `Content-Length`, if sent and numeric.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// A status from 100 to 999 (callers check their range first).
fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The first query parameter called `name`, decoded like a form
/// (`+` is a space, `%2B` a plus; bad escapes are kept as sent).
pub fn param(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// 404 for a path no endpoint has.
async fn not_found() -> Response {
    reply::error(StatusCode::NOT_FOUND, "no such endpoint")
}

/// `GET /api/health` (and `/api/no-cors`): `{"ok": true}`.
async fn health() -> Response {
    reply::ok()
}

/// `GET /api/balance`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Balance {
    account: String,
    email: String,
    account_balance: f64,
    currency: &'static str,
}

/// `GET /api/balance`: a random balance for a 6-digit account and an email.
async fn balance(uri: Uri) -> Response {
    let account = param(&uri, "account");
    let email = param(&uri, "email");
    let mut problems = Vec::new();
    match account.as_deref() {
        None => problems.push("missing parameter account"),
        Some(account) if !is_account(account) => problems.push("account must be exactly 6 digits"),
        Some(_) => {}
    }
    match email.as_deref() {
        None => problems.push("missing parameter email"),
        Some(email) if !looks_like_email(email) => {
            problems.push("email must look like name@example.com")
        }
        Some(_) => {}
    }
    match (account, email) {
        (Some(account), Some(email)) if problems.is_empty() => {
            let cents = fastrand::u64(1_000..=9_999_999);
            let body = Balance {
                account,
                email,
                account_balance: cents as f64 / 100.0,
                currency: "USD",
            };
            reply::json(StatusCode::OK, body)
        }
        _ => reply::error(StatusCode::NOT_FOUND, &problems.join("; ")),
    }
}

/// Exactly six ASCII digits.
fn is_account(text: &str) -> bool {
    text.len() == 6 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// `local@domain.tld`: no whitespace, one `@`, non-empty labels, a TLD of at
/// least two letters.
fn looks_like_email(text: &str) -> bool {
    if text.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|byte| byte.is_ascii_alphabetic()));
    !local.is_empty()
        && !domain.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|label| !label.is_empty())
        && tld_ok
}

/// `POST /api/escalate`'s body.
#[derive(Debug, Deserialize)]
struct Escalation {
    message: String,
}

/// `POST /api/escalate`'s answer.
#[derive(Debug, Serialize)]
struct Ticket {
    ticket: String,
    message: String,
}

/// `POST /api/escalate`: bearer token, JSON body with a string `message`,
/// answers a random ticket.
async fn escalate(headers: HeaderMap, body: Body) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !has_demo_token(authorization) {
        return reply::error(StatusCode::UNAUTHORIZED, "missing or wrong Authorization");
    }
    let limit = usize::try_from(MAX_JSON_BODY).unwrap_or(usize::MAX);
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(error) if is_too_large(&error) => {
            return reply::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is over 65536 bytes",
            )
        }
        Err(_) => return reply::error(StatusCode::BAD_REQUEST, "could not read the request body"),
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return reply::error(
            StatusCode::BAD_REQUEST,
            r#"the body must be JSON like {"message": "..."}"#,
        );
    };
    let Ok(Escalation { message }) = serde_json::from_value(value) else {
        return reply::error(
            StatusCode::BAD_REQUEST,
            r#"the body needs a string "message""#,
        );
    };
    let ticket = format!("T-{}", fastrand::u32(100_000..=999_999));
    reply::json(StatusCode::CREATED, Ticket { ticket, message })
}

/// Whether reading a body failed because it passed a length limit.
fn is_too_large(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// `Authorization: Bearer chatlet-demo-token` (scheme case-insensitive).
fn has_demo_token(header: Option<&str>) -> bool {
    header
        .and_then(|value| value.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token.trim() == DEMO_TOKEN
        })
}

/// `POST|PUT /api/upload`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Uploaded {
    id: String,
    name: String,
    bytes: u64,
    content_type: String,
}

/// `POST|PUT /api/upload?name=`: streams the raw body into a new file in the
/// upload directory; 201 with its id, safe name, size and content type.
async fn upload(State(context): Shared, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let name = safe_name(param(&uri, "name").as_deref());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let declared = declared_length(&headers);
    match context.uploads.receive(&name, body, declared).await {
        Ok(stored) => reply::json(
            StatusCode::CREATED,
            Uploaded {
                id: stored.id,
                name,
                bytes: stored.bytes,
                content_type,
            },
        ),
        Err(error) => reply::error(status_code(error.status()), &error.to_string()),
    }
}

/// `GET /api/uploads/<id>`: the stored bytes of an upload, streamed from its
/// file; 404 for any id this server did not hand out, however it is encoded.
async fn uploaded_file(State(context): Shared, uri: Uri) -> Response {
    let raw = uri.path().strip_prefix(UPLOADS_PREFIX).unwrap_or_default();
    let id = percent_decode_str(raw).decode_utf8().ok();
    let not_found = || reply::error(StatusCode::NOT_FOUND, "no such upload");
    let Some(stored) = id.and_then(|id| context.uploads.path_of(&id)) else {
        return not_found();
    };
    let opened = async {
        let file = tokio::fs::File::open(&stored).await?;
        let length = file.metadata().await?.len();
        Ok::<_, std::io::Error>((file, length))
    };
    match opened.await {
        Ok((file, length)) => {
            let mut response = Response::new(Body::from_stream(ReaderStream::new(file)));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            response
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => not_found(),
        Err(error) => reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("could not read the upload: {error}"),
        ),
    }
}

/// `GET /api/slow`'s answer.
#[derive(Debug, Serialize)]
struct Waited {
    waited: u64,
}

/// `GET /api/slow`: waits `ms` milliseconds (default 3000, at most 30000).
async fn slow(uri: Uri) -> Response {
    let ms = match param(&uri, "ms") {
        None => SLOW_DEFAULT_MS,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(ms) => ms.min(SLOW_MAX_MS),
            Err(_) => {
                return reply::error(
                    StatusCode::BAD_REQUEST,
                    "ms must be a whole number of milliseconds",
                )
            }
        },
    };
    tokio::time::sleep(Duration::from_millis(ms)).await;
    reply::json(StatusCode::OK, Waited { waited: ms })
}

/// `ANY /api/fail`: answers the asked error status.
async fn fail(uri: Uri) -> Response {
    match error_status(&uri) {
        Some(status) => reply::error(status, "failing on purpose"),
        None => reply::error(StatusCode::BAD_REQUEST, BAD_STATUS),
    }
}

/// `POST /api/control/fail`: makes the next `times` requests to `path`
/// answer `status`.
async fn control_fail(State(context): Shared, uri: Uri) -> Response {
    let path = match param(&uri, "path") {
        Some(path) if path.starts_with('/') => path,
        _ => {
            return reply::error(
                StatusCode::BAD_REQUEST,
                "path must be a path like /api/balance",
            )
        }
    };
    let Some(status) = error_status(&uri) else {
        return reply::error(StatusCode::BAD_REQUEST, BAD_STATUS);
    };
    let times = match param(&uri, "times") {
        None => 1,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(times @ 1..=1_000) => times,
            _ => {
                return reply::error(
                    StatusCode::BAD_REQUEST,
                    "times must be a number from 1 to 1000",
                )
            }
        },
    };
    // A path given with a query (`/api/slow?ms=1`) means just the path.
    let path = path.split('?').next().unwrap_or(&path);
    context.faults.inject(path, status.as_u16(), times);
    reply::ok()
}

/// `POST /api/control/reset`: clears every injected failure.
async fn control_reset(State(context): Shared) -> Response {
    context.faults.reset();
    reply::ok()
}

/// What a bad `status` parameter is answered (400).
const BAD_STATUS: &str = "status must be a number from 400 to 599";

/// The `status` parameter: 400..=599, 500 when absent; `None` when bad.
fn error_status(uri: &Uri) -> Option<StatusCode> {
    match param(uri, "status") {
        None => Some(StatusCode::INTERNAL_SERVER_ERROR),
        Some(text) => match text.trim().parse::<u16>() {
            Ok(status @ 400..=599) => Some(status_code(status)),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests;
