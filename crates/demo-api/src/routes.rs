//! Routing and the endpoint handlers.
//!
//! [`handle`] turns a request ([`crate::http`]) into a [`Call`], asks [`respond`]
//! for a [`Reply`], logs one line and returns the answer to write. [`respond`] does, in order:
//! the CORS preflight answer, injected failures (see [`crate::faults`]), the
//! path lookup ([`Endpoint::from_path`]), the method check
//! ([`Endpoint::methods`]), then the endpoint's handler.
//!
//! To add an endpoint: add an [`Endpoint`] variant, its path in
//! [`Endpoint::from_path`], its methods in [`Endpoint::methods`] and an arm in
//! [`dispatch`]. A handler that needs a larger body than [`MAX_JSON_BODY`]
//! reads [`Call::body`] itself, in pieces, as [`upload`] does (it is read
//! lazily, so nothing is consumed before the handler asks).
//!
//! A body that is not read (an injected failure, a refused upload) is thrown
//! away after the handler, a little at a time and only up to a limit, past which
//! the connection is closed ([`crate::http`]): the client's `Content-Length`
//! never decides what is allocated.

use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use crate::http::{Answer, Head};
use serde_json::{json, Value};

use crate::faults::Faults;
use crate::query::{decode_path, split_target, Query};
use crate::reply::Reply;
use crate::rng::Rng;
use crate::uploads::{safe_name, Uploads};

/// The largest request body accepted by the JSON endpoints (64 KiB).
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// The bearer token `POST /api/escalate` wants.
pub const DEMO_TOKEN: &str = "chatlet-demo-token";

/// Uploaded files are fetched back at this path followed by their id.
pub const UPLOADS_PREFIX: &str = "/api/uploads/";

/// `GET /api/slow` waits this long when `ms` is not given.
pub const SLOW_DEFAULT_MS: u64 = 3_000;

/// `GET /api/slow` never waits longer than this.
pub const SLOW_MAX_MS: u64 = 30_000;

/// State shared by all request threads.
#[derive(Debug)]
pub struct Context {
    /// Pending injected failures.
    pub faults: Faults,
    /// Source of demo balances, ticket numbers and upload ids.
    pub rng: Rng,
    /// The stored uploads.
    pub uploads: Uploads,
}

impl Context {
    /// A fresh context: no injected failures, an entropy-seeded generator,
    /// uploads stored in `upload_dir` (which must exist).
    pub fn new(upload_dir: PathBuf) -> Self {
        Context {
            faults: Faults::default(),
            rng: Rng::from_entropy(),
            uploads: Uploads::new(upload_dir),
        }
    }
}

/// One request as the handlers see it.
pub struct Call<'a> {
    /// The method as sent, e.g. `GET`.
    pub method: String,
    /// The percent-decoded path, without the query.
    pub path: String,
    /// The decoded query parameters.
    pub query: Query,
    /// The `Authorization` header, if sent.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if sent.
    pub content_type: Option<String>,
    /// The `Access-Control-Request-Headers` header of a preflight, if sent.
    pub requested_headers: Option<String>,
    /// The `Content-Length` header, if sent and numeric.
    pub content_length: Option<usize>,
    /// The request body, read on demand.
    pub body: &'a mut dyn Read,
}

/// The known endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /api/health`
    Health,
    /// `GET /api/balance?account=&email=`
    Balance,
    /// `POST /api/escalate`
    Escalate,
    /// `GET /api/slow?ms=`
    Slow,
    /// `ANY /api/fail?status=`
    Fail,
    /// `GET /api/no-cors`
    NoCors,
    /// `POST /api/control/fail?path=&status=&times=`
    ControlFail,
    /// `POST /api/control/reset`
    ControlReset,
    /// `POST|PUT /api/upload?name=`
    Upload,
    /// `GET /api/uploads/<id>`
    UploadedFile,
}

impl Endpoint {
    /// The endpoint at a decoded path, if any.
    pub fn from_path(path: &str) -> Option<Self> {
        Some(match path {
            "/api/health" => Endpoint::Health,
            "/api/balance" => Endpoint::Balance,
            "/api/escalate" => Endpoint::Escalate,
            "/api/slow" => Endpoint::Slow,
            "/api/fail" => Endpoint::Fail,
            "/api/no-cors" => Endpoint::NoCors,
            "/api/control/fail" => Endpoint::ControlFail,
            "/api/control/reset" => Endpoint::ControlReset,
            "/api/upload" => Endpoint::Upload,
            _ => match path.strip_prefix(UPLOADS_PREFIX) {
                Some(id) if !id.is_empty() && !id.contains('/') => Endpoint::UploadedFile,
                _ => return None,
            },
        })
    }

    /// The methods the endpoint answers; empty means any method.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Endpoint::Health
            | Endpoint::Balance
            | Endpoint::Slow
            | Endpoint::NoCors
            | Endpoint::UploadedFile => &["GET"],
            Endpoint::Escalate | Endpoint::ControlFail | Endpoint::ControlReset => &["POST"],
            Endpoint::Upload => &["POST", "PUT"],
            Endpoint::Fail => &[],
        }
    }

    /// Control endpoints are never hit by injected failures, so a test can
    /// always reset.
    fn is_control(self) -> bool {
        matches!(self, Endpoint::ControlFail | Endpoint::ControlReset)
    }
}

/// Answers one request and logs `METHOD PATH STATUS` to stderr.
pub fn handle(head: &Head, body: &mut dyn Read, ctx: &Context) -> Answer {
    let started = Instant::now();
    let (raw_path, raw_query) = split_target(&head.target);
    let mut call = Call {
        method: head.method.clone(),
        path: decode_path(raw_path),
        query: Query::parse(raw_query),
        authorization: head.header("Authorization").map(str::to_owned),
        content_type: head.header("Content-Type").map(str::to_owned),
        requested_headers: head
            .header("Access-Control-Request-Headers")
            .map(str::to_owned),
        content_length: head
            .content_length()
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        body,
    };
    let reply = respond(&mut call, ctx);
    // Never panic if stderr is gone.
    let _ = writeln!(
        io::stderr(),
        "{} {raw_path} {} {}ms",
        head.method,
        reply.status,
        started.elapsed().as_millis()
    );
    reply.into_answer()
}

/// The reply to one call: preflight, injected failure, 404, 405 or the
/// endpoint's own answer; without CORS headers for `/api/no-cors`.
pub fn respond(call: &mut Call<'_>, ctx: &Context) -> Reply {
    let endpoint = Endpoint::from_path(&call.path);
    let reply = decide(call, endpoint, ctx);
    if endpoint == Some(Endpoint::NoCors) {
        reply.without_cors()
    } else {
        reply
    }
}

fn decide(call: &mut Call<'_>, endpoint: Option<Endpoint>, ctx: &Context) -> Reply {
    let is_api = call.path == "/api" || call.path.starts_with("/api/");
    if call.method == "OPTIONS" && is_api && endpoint != Some(Endpoint::NoCors) {
        return Reply::preflight(call.requested_headers.as_deref());
    }
    if !endpoint.is_some_and(Endpoint::is_control) {
        if let Some(status) = ctx.faults.take(&call.path) {
            return Reply::error(status, "injected failure");
        }
    }
    let Some(endpoint) = endpoint else {
        return Reply::error(404, "no such endpoint");
    };
    let methods = endpoint.methods();
    if !methods.is_empty() && !methods.contains(&call.method.as_str()) {
        return Reply::method_not_allowed(&call.method, &call.path, methods);
    }
    dispatch(endpoint, call, ctx)
}

/// Runs the handler of an endpoint whose method has been checked.
fn dispatch(endpoint: Endpoint, call: &mut Call<'_>, ctx: &Context) -> Reply {
    match endpoint {
        Endpoint::Health | Endpoint::NoCors => Reply::ok(),
        Endpoint::Balance => balance(&call.query, ctx),
        Endpoint::Escalate => escalate(call, ctx),
        Endpoint::Slow => slow(&call.query),
        Endpoint::Fail => fail(&call.query),
        Endpoint::ControlFail => control_fail(&call.query, ctx),
        Endpoint::ControlReset => {
            ctx.faults.reset();
            Reply::ok()
        }
        Endpoint::Upload => upload(call, ctx),
        Endpoint::UploadedFile => uploaded_file(&call.path, ctx),
    }
}

/// `GET /api/balance`: a random balance for a 6-digit account and an email.
fn balance(query: &Query, ctx: &Context) -> Reply {
    let account = query.get("account");
    let email = query.get("email");
    let mut problems = Vec::new();
    match account {
        None => problems.push("missing parameter account"),
        Some(account) if !is_account(account) => problems.push("account must be exactly 6 digits"),
        Some(_) => {}
    }
    match email {
        None => problems.push("missing parameter email"),
        Some(email) if !looks_like_email(email) => {
            problems.push("email must look like name@example.com")
        }
        Some(_) => {}
    }
    match (account, email) {
        (Some(account), Some(email)) if problems.is_empty() => {
            let cents = ctx.rng.between(1_000, 9_999_999);
            Reply::json(
                200,
                json!({
                    "account": account,
                    "email": email,
                    "accountBalance": cents as f64 / 100.0,
                    "currency": "USD",
                }),
            )
        }
        _ => Reply::error(404, problems.join("; ")),
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

/// `POST /api/escalate`: bearer token, JSON body with a string `message`,
/// answers a random ticket.
fn escalate(call: &mut Call<'_>, ctx: &Context) -> Reply {
    if !has_demo_token(call.authorization.as_deref()) {
        return Reply::error(401, "missing or wrong Authorization");
    }
    let body = match read_body(call, MAX_JSON_BODY) {
        Ok(body) => body,
        Err(reply) => return *reply,
    };
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return Reply::error(400, r#"the body must be JSON like {"message": "..."}"#);
    };
    let Some(message) = value.get("message").and_then(Value::as_str) else {
        return Reply::error(400, r#"the body needs a string "message""#);
    };
    let ticket = format!("T-{}", ctx.rng.between(100_000, 999_999));
    Reply::json(201, json!({ "ticket": ticket, "message": message }))
}

/// `Authorization: Bearer chatlet-demo-token` (scheme case-insensitive).
fn has_demo_token(header: Option<&str>) -> bool {
    header
        .and_then(|value| value.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token.trim() == DEMO_TOKEN
        })
}

/// Reads the whole body, or the 413/400 reply to send instead.
/// The reply is boxed: it is large, and the error path is rare.
fn read_body(call: &mut Call<'_>, limit: usize) -> Result<Vec<u8>, Box<Reply>> {
    let too_large = || {
        Box::new(Reply::error(
            413,
            format!("the request body is over {limit} bytes"),
        ))
    };
    if call.content_length.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    Read::take(&mut *call.body, cap)
        .read_to_end(&mut body)
        .map_err(|_| Box::new(Reply::error(400, "could not read the request body")))?;
    if body.len() > limit {
        return Err(too_large());
    }
    Ok(body)
}

/// `POST|PUT /api/upload?name=`: streams the raw body into a new file in the
/// upload directory; 201 with its id, safe name, size and content type.
fn upload(call: &mut Call<'_>, ctx: &Context) -> Reply {
    let name = safe_name(call.query.get("name"));
    let received = ctx
        .uploads
        .receive(&name, &mut *call.body, call.content_length, &ctx.rng);
    match received {
        Ok(stored) => Reply::json(
            201,
            json!({
                "id": stored.id,
                "name": name,
                "bytes": stored.bytes,
                "contentType": call.content_type.as_deref().unwrap_or_default(),
            }),
        ),
        Err(error) => Reply::error(error.status(), error.to_string()),
    }
}

/// `GET /api/uploads/<id>`: the stored bytes of an upload.
fn uploaded_file(path: &str, ctx: &Context) -> Reply {
    let id = path.strip_prefix(UPLOADS_PREFIX).unwrap_or_default();
    let not_found = || Reply::error(404, format!("no upload {id}"));
    let Some(stored) = ctx.uploads.path_of(id) else {
        return not_found();
    };
    let opened = File::open(stored).and_then(|file| {
        let length = file.metadata()?.len();
        Ok((file, length))
    });
    match opened {
        Ok((file, length)) => Reply::download(200, file, length),
        Err(error) if error.kind() == ErrorKind::NotFound => not_found(),
        Err(error) => Reply::error(500, format!("could not read upload {id}: {error}")),
    }
}

/// `GET /api/slow`: waits `ms` milliseconds (default 3000, at most 30000).
fn slow(query: &Query) -> Reply {
    let ms = match query.get("ms") {
        None => SLOW_DEFAULT_MS,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(ms) => ms.min(SLOW_MAX_MS),
            Err(_) => return Reply::error(400, "ms must be a whole number of milliseconds"),
        },
    };
    thread::sleep(Duration::from_millis(ms));
    Reply::json(200, json!({ "waited": ms }))
}

/// `ANY /api/fail`: answers the asked error status.
fn fail(query: &Query) -> Reply {
    match error_status(query) {
        Ok(status) => Reply::error(status, "failing on purpose"),
        Err(reply) => *reply,
    }
}

/// `POST /api/control/fail`: makes the next `times` requests to `path`
/// answer `status`.
fn control_fail(query: &Query, ctx: &Context) -> Reply {
    let path = match query.get("path") {
        Some(path) if path.starts_with('/') => path,
        _ => return Reply::error(400, "path must be a path like /api/balance"),
    };
    let status = match error_status(query) {
        Ok(status) => status,
        Err(reply) => return *reply,
    };
    let times = match query.get("times") {
        None => 1,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(times @ 1..=1_000) => times,
            _ => return Reply::error(400, "times must be a number from 1 to 1000"),
        },
    };
    // A path given with a query (`/api/slow?ms=1`) means just the path.
    let path = path.split('?').next().unwrap_or(path);
    ctx.faults.inject(path, status, times);
    Reply::ok()
}

/// The `status` parameter: 400..=599, 500 when absent; else the 400 reply.
fn error_status(query: &Query) -> Result<u16, Box<Reply>> {
    match query.get("status") {
        None => Ok(500),
        Some(text) => match text.trim().parse::<u16>() {
            Ok(status @ 400..=599) => Ok(status),
            _ => Err(Box::new(Reply::error(
                400,
                "status must be a number from 400 to 599",
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::TestDir;

    /// A context whose uploads go to a directory removed after the test.
    fn context() -> (Context, TestDir) {
        let dir = TestDir::new();
        (Context::new(dir.0.clone()), dir)
    }

    fn call_with<'a>(method: &str, target: &str, body: &'a mut dyn Read) -> Call<'a> {
        let (path, query) = split_target(target);
        Call {
            method: method.into(),
            path: decode_path(path),
            query: Query::parse(query),
            authorization: None,
            content_type: None,
            requested_headers: None,
            content_length: None,
            body,
        }
    }

    fn get(ctx: &Context, target: &str) -> Reply {
        let mut empty = io::empty();
        respond(&mut call_with("GET", target, &mut empty), ctx)
    }

    #[test]
    fn accounts_and_emails() {
        assert!(is_account("012345"));
        assert!(!is_account("12345"));
        assert!(!is_account("1234567"));
        assert!(!is_account("12345a"));
        assert!(!is_account("１２３４５６"));
        assert!(looks_like_email("ada@example.com"));
        assert!(looks_like_email("a.b+c@mail.example.co"));
        assert!(!looks_like_email("ada@example"));
        assert!(!looks_like_email("ada example@x.com"));
        assert!(!looks_like_email("@example.com"));
        assert!(!looks_like_email("a@@example.com"));
        assert!(!looks_like_email("a@b@example.com"));
        assert!(!looks_like_email("a@.com"));
        assert!(!looks_like_email("a@example.c"));
        assert!(!looks_like_email(""));
    }

    #[test]
    fn balance_names_the_wrong_parameter() {
        let (ctx, _dir) = context();
        let reply = get(&ctx, "/api/balance?account=12345&email=ada@example.com");
        assert_eq!(reply.status, 404);
        assert_eq!(
            reply.body,
            Some(json!({"error": "account must be exactly 6 digits"}))
        );
        let reply = get(&ctx, "/api/balance?account=123456&email=ada");
        assert_eq!(
            reply.body,
            Some(json!({"error": "email must look like name@example.com"}))
        );
        let reply = get(&ctx, "/api/balance");
        assert_eq!(
            reply.body,
            Some(json!({"error": "missing parameter account; missing parameter email"}))
        );
        let reply = get(&ctx, "/api/balance?account=%ZZ%ff&email=%");
        assert_eq!(reply.status, 404);
    }

    #[test]
    fn balance_amounts_have_two_decimals() {
        let (ctx, _dir) = context();
        for _ in 0..500 {
            let reply = get(&ctx, "/api/balance?account=123456&email=ada%40example.com");
            let body = reply.body.unwrap_or_default();
            let amount = body["accountBalance"].as_f64().unwrap_or(-1.0);
            assert!((10.0..=99_999.99).contains(&amount), "{amount}");
            let text = body["accountBalance"].to_string();
            let decimals = text.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= 2, "{text}");
        }
    }

    #[test]
    fn escalate_checks_token_then_body() {
        let (ctx, _dir) = context();
        let post = |auth: Option<&str>, body: &str| {
            let mut reader = body.as_bytes();
            let mut call = call_with("POST", "/api/escalate", &mut reader);
            call.authorization = auth.map(str::to_owned);
            respond(&mut call, &ctx)
        };
        assert_eq!(post(None, r#"{"message":"hi"}"#).status, 401);
        assert_eq!(post(Some("Bearer nope"), r#"{"message":"hi"}"#).status, 401);
        let auth = Some("bearer chatlet-demo-token");
        assert_eq!(post(auth, "not json").status, 400);
        assert_eq!(post(auth, r#"{"message": 3}"#).status, 400);
        assert_eq!(post(auth, &" ".repeat(MAX_JSON_BODY + 1)).status, 413);
        let reply = post(auth, r#"{"message":"help"}"#);
        assert_eq!(reply.status, 201);
        let body = reply.body.unwrap_or_default();
        assert_eq!(body["message"], "help");
        let ticket = body["ticket"].as_str().unwrap_or_default();
        assert!(ticket.len() == 8 && ticket.starts_with("T-"), "{ticket}");
    }

    #[test]
    fn routing_errors() {
        let (ctx, _dir) = context();
        assert_eq!(get(&ctx, "/nope").status, 404);
        assert_eq!(get(&ctx, "/api/escalate").status, 405);
        assert_eq!(get(&ctx, "/api/escalate").allow.as_deref(), Some("POST"));
        assert_eq!(get(&ctx, "/api/fail?status=399").status, 400);
        assert_eq!(get(&ctx, "/api/fail?status=abc").status, 400);
        assert_eq!(get(&ctx, "/api/fail").status, 500);
        assert_eq!(get(&ctx, "/api/slow?ms=x").status, 400);
        assert!(!get(&ctx, "/api/no-cors").cors);
        let mut empty = io::empty();
        let preflight = respond(&mut call_with("OPTIONS", "/api/whatever", &mut empty), &ctx);
        assert_eq!(preflight.status, 204);
        let mut empty = io::empty();
        let no_cors = respond(&mut call_with("OPTIONS", "/api/no-cors", &mut empty), &ctx);
        assert_eq!((no_cors.status, no_cors.cors), (405, false));
    }

    #[test]
    fn injected_failures_skip_control_and_preflight() {
        let (ctx, _dir) = context();
        let mut empty = io::empty();
        let set = respond(
            &mut call_with(
                "POST",
                "/api/control/fail?path=/api/health&status=503&times=2",
                &mut empty,
            ),
            &ctx,
        );
        assert_eq!(set.status, 200);
        let mut empty = io::empty();
        let preflight = respond(&mut call_with("OPTIONS", "/api/health", &mut empty), &ctx);
        assert_eq!(preflight.status, 204);
        assert_eq!(get(&ctx, "/api/health").status, 503);
        let mut empty = io::empty();
        respond(
            &mut call_with("POST", "/api/control/reset", &mut empty),
            &ctx,
        );
        assert_eq!(get(&ctx, "/api/health").status, 200);
        for bad in ["path=api", "path=/a&status=200", "path=/a&times=0"] {
            let mut empty = io::empty();
            let target = format!("/api/control/fail?{bad}");
            let reply = respond(&mut call_with("POST", &target, &mut empty), &ctx);
            assert_eq!(reply.status, 400, "{bad}");
        }
    }

    #[test]
    fn upload_then_fetch() {
        let (ctx, dir) = context();
        let bytes: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 256) as u8).collect();
        let mut reader = &bytes[..];
        let mut call = call_with("PUT", "/api/upload?name=../my%20pic.png", &mut reader);
        call.content_type = Some("image/png".into());
        call.content_length = Some(bytes.len());
        let reply = respond(&mut call, &ctx);
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let body = reply.body.unwrap_or_default();
        assert_eq!(body["name"], "my_pic.png");
        assert_eq!(body["bytes"], 2000);
        assert_eq!(body["contentType"], "image/png");
        let id = body["id"].as_str().unwrap_or_default();
        assert_eq!(dir.names(), [format!("{id}-my_pic.png")]);

        let fetched = get(&ctx, &format!("/api/uploads/{id}"));
        assert_eq!((fetched.status, fetched.body.is_none()), (200, true));
        let mut stored = Vec::new();
        let download = fetched.download.expect("a file body");
        assert_eq!(download.length, 2000);
        (&download.file).read_to_end(&mut stored).expect("read");
        assert_eq!(stored, bytes);

        assert_eq!(get(&ctx, "/api/uploads/U-000000").status, 404);
        assert_eq!(get(&ctx, "/api/uploads/").status, 404);
        assert_eq!(get(&ctx, "/api/uploads/a/b").status, 404);
        assert_eq!(get(&ctx, "/api/upload").status, 405);
        assert_eq!(get(&ctx, "/api/upload").allow.as_deref(), Some("POST, PUT"));
    }

    #[test]
    fn upload_refusals_and_injected_failures() {
        let (ctx, dir) = context();
        let post = |target: &str, body: &[u8], length: Option<usize>| {
            let mut reader = body;
            let mut call = call_with("POST", target, &mut reader);
            call.content_length = length;
            respond(&mut call, &ctx)
        };
        let reply = post("/api/upload", b"", Some(0));
        assert_eq!(reply.status, 400);
        let reply = post("/api/upload", b"x", Some(6 * 1024 * 1024));
        assert_eq!(reply.status, 413);
        assert_eq!(
            reply.body,
            Some(json!({"error": "the file is over 5242880 bytes"}))
        );
        let mut empty = io::empty();
        let set = respond(
            &mut call_with(
                "POST",
                "/api/control/fail?path=/api/upload&status=507",
                &mut empty,
            ),
            &ctx,
        );
        assert_eq!(set.status, 200);
        let failed = post("/api/upload", b"abc", Some(3));
        assert_eq!(failed.status, 507);
        assert!(failed.cors);
        assert_eq!(post("/api/upload", b"abc", Some(3)).status, 201);
        assert_eq!(dir.names().len(), 1);

        let mut empty = io::empty();
        let mut preflight = call_with("OPTIONS", "/api/upload", &mut empty);
        preflight.requested_headers = Some("content-type, x-file-name, x-extra".into());
        let reply = respond(&mut preflight, &ctx);
        assert_eq!(reply.status, 204);
        assert_eq!(
            reply.allow_headers.as_deref(),
            Some("Authorization, Content-Type, X-File-Name, x-extra")
        );
    }
}
