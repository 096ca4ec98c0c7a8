//! Tests of `routes` (the module's own file holds the code).

use super::*;
use crate::uploads::TestDir;
use axum::body::to_bytes;

/// The app with `--control`, its uploads in a directory removed after the test.
fn test_app() -> (Router, TestDir) {
    let dir = TestDir::new();
    let context = Context {
        faults: Faults::default(),
        uploads: Uploads::new(dir.0.clone()),
        control: true,
    };
    (app(Arc::new(context)), dir)
}

/// Sends one request through the router; the status, headers and body.
async fn call(
    app: &Router,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(target);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::from(body.to_vec())).expect("a request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, body.to_vec())
}

async fn get(app: &Router, target: &str) -> (u16, serde_json::Value) {
    let (status, _, body) = call(app, "GET", target, &[], b"").await;
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

use tower::ServiceExt;

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

#[tokio::test]
async fn a_timeout_is_answered_in_json() {
    let mut empty = Response::new(Body::empty());
    *empty.status_mut() = StatusCode::REQUEST_TIMEOUT;
    let answer = json_timeout(empty);
    assert_eq!(answer.status(), StatusCode::REQUEST_TIMEOUT);
    let body = to_bytes(answer.into_body(), 1024).await.expect("body");
    assert_eq!(
        &body[..],
        br#"{"error":"the request was not answered within 60 s"}"#
    );
    assert_eq!(json_timeout(reply::ok()).status(), StatusCode::OK);
}

#[test]
fn params_decode_like_forms() {
    let uri: Uri = "/x?a=1+2&b=%2B&a=3&c&d=%ZZ%&e=%ff".parse().expect("a uri");
    assert_eq!(param(&uri, "a").as_deref(), Some("1 2"));
    assert_eq!(param(&uri, "b").as_deref(), Some("+"));
    assert_eq!(param(&uri, "c").as_deref(), Some(""));
    assert_eq!(param(&uri, "d").as_deref(), Some("%ZZ%"));
    assert_eq!(param(&uri, "e").as_deref(), Some("\u{fffd}"));
    assert_eq!(param(&uri, "z"), None);
    assert_eq!(param(&"/x".parse().expect("a uri"), "a"), None);
}

#[tokio::test]
async fn balance_names_the_wrong_parameter() {
    let (app, _dir) = test_app();
    let (status, body) = get(&app, "/api/balance?account=12345&email=ada@example.com").await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        serde_json::json!({"error": "account must be exactly 6 digits"})
    );
    let (_, body) = get(&app, "/api/balance?account=123456&email=ada").await;
    assert_eq!(
        body,
        serde_json::json!({"error": "email must look like name@example.com"})
    );
    let (_, body) = get(&app, "/api/balance").await;
    assert_eq!(
        body,
        serde_json::json!({"error": "missing parameter account; missing parameter email"})
    );
    assert_eq!(
        get(&app, "/api/balance?account=%ZZ%ff&email=%").await.0,
        404
    );
}

#[tokio::test]
async fn balance_amounts_have_two_decimals() {
    let (app, _dir) = test_app();
    for _ in 0..500 {
        let (_, body) = get(&app, "/api/balance?account=123456&email=ada%40example.com").await;
        let amount = body["accountBalance"].as_f64().unwrap_or(-1.0);
        assert!((10.0..=99_999.99).contains(&amount), "{amount}");
        let text = body["accountBalance"].to_string();
        let decimals = text.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 2, "{text}");
    }
}

#[tokio::test]
async fn escalate_checks_token_then_body() {
    let (app, _dir) = test_app();
    let post = |auth: Option<&'static str>, body: String| {
        let app = app.clone();
        async move {
            let headers: Vec<(&str, &str)> = auth
                .map(|auth| ("Authorization", auth))
                .into_iter()
                .collect();
            call(&app, "POST", "/api/escalate", &headers, body.as_bytes()).await
        }
    };
    let hi = || r#"{"message":"hi"}"#.to_owned();
    assert_eq!(post(None, hi()).await.0, 401);
    assert_eq!(post(Some("Bearer nope"), hi()).await.0, 401);
    let auth = Some("bearer chatlet-demo-token");
    assert_eq!(post(auth, "not json".into()).await.0, 400);
    assert_eq!(post(auth, r#"{"message": 3}"#.into()).await.0, 400);
    let huge = " ".repeat(MAX_JSON_BODY as usize + 1);
    let (status, headers, body) = post(auth, huge).await;
    assert_eq!(status, 413);
    assert_eq!(
        headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes),
        Some(&b"application/json"[..])
    );
    assert_eq!(
        &body[..],
        br#"{"error":"the request body is over 65536 bytes"}"#
    );
    let (status, _, body) = post(auth, r#"{"message":"help"}"#.into()).await;
    assert_eq!(status, 201);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(body["message"], "help");
    let ticket = body["ticket"].as_str().unwrap_or_default();
    assert!(ticket.len() == 8 && ticket.starts_with("T-"), "{ticket}");
}

#[tokio::test]
async fn routing_errors() {
    let (app, _dir) = test_app();
    assert_eq!(get(&app, "/nope").await.0, 404);
    let (status, headers, _) = call(&app, "GET", "/api/escalate", &[], b"").await;
    assert_eq!(status, 405);
    assert_eq!(
        headers.get(header::ALLOW).map(HeaderValue::as_bytes),
        Some(&b"POST"[..])
    );
    assert_eq!(get(&app, "/api/fail?status=399").await.0, 400);
    assert_eq!(get(&app, "/api/fail?status=abc").await.0, 400);
    assert_eq!(get(&app, "/api/fail").await.0, 500);
    assert_eq!(get(&app, "/api/slow?ms=x").await.0, 400);
    let (status, headers, _) = call(&app, "GET", "/api/no-cors", &[], b"").await;
    assert_eq!(status, 200);
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let (status, headers, body) = call(&app, "OPTIONS", "/api/whatever", &[], b"").await;
    assert_eq!((status, body.is_empty()), (204, true));
    assert_eq!(
        headers
            .get(header::CACHE_CONTROL)
            .map(HeaderValue::as_bytes),
        Some(&b"no-store"[..])
    );
    let (status, headers, _) = call(&app, "OPTIONS", "/api/no-cors", &[], b"").await;
    assert_eq!(status, 405);
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
}

#[tokio::test]
async fn injected_failures_skip_control_and_preflight() {
    let (app, _dir) = test_app();
    let target = "/api/control/fail?path=/api/health&status=503&times=2";
    assert_eq!(call(&app, "POST", target, &[], b"").await.0, 200);
    assert_eq!(call(&app, "OPTIONS", "/api/health", &[], b"").await.0, 204);
    assert_eq!(get(&app, "/api/health").await.0, 503);
    assert_eq!(
        call(&app, "POST", "/api/control/reset", &[], b"").await.0,
        200
    );
    assert_eq!(get(&app, "/api/health").await.0, 200);
    for bad in ["path=api", "path=/a&status=200", "path=/a&times=0"] {
        let target = format!("/api/control/fail?{bad}");
        assert_eq!(call(&app, "POST", &target, &[], b"").await.0, 400, "{bad}");
    }
}

#[tokio::test]
async fn control_endpoints_exist_only_when_asked_for() {
    let dir = TestDir::new();
    let context = Context {
        faults: Faults::default(),
        uploads: Uploads::new(dir.0.clone()),
        control: false,
    };
    let app = app(Arc::new(context));
    let target = "/api/control/fail?path=/api/health&status=503";
    assert_eq!(call(&app, "POST", target, &[], b"").await.0, 404);
    assert_eq!(
        call(&app, "POST", "/api/control/reset", &[], b"").await.0,
        404
    );
    assert_eq!(get(&app, "/api/health").await.0, 200);
}

#[tokio::test]
async fn upload_then_fetch() {
    let (app, dir) = test_app();
    let bytes: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 256) as u8).collect();
    let headers = [("Content-Type", "image/png"), ("Content-Length", "2000")];
    let target = "/api/upload?name=../my%20pic.png";
    let (status, _, body) = call(&app, "PUT", target, &headers, &bytes).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(body["name"], "my_pic.png");
    assert_eq!(body["bytes"], 2000);
    assert_eq!(body["contentType"], "image/png");
    let id = body["id"].as_str().unwrap_or_default();
    assert_eq!(dir.names(), [format!("{id}-my_pic.png")]);

    let (status, headers, stored) =
        call(&app, "GET", &format!("/api/uploads/{id}"), &[], b"").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers
            .get(header::CONTENT_LENGTH)
            .map(HeaderValue::as_bytes),
        Some(&b"2000"[..])
    );
    assert_eq!(stored, bytes);

    for missing in [
        "/api/uploads/U-000000",
        "/api/uploads/",
        "/api/uploads/a/b",
        "/api/uploads/%ff",
    ] {
        assert_eq!(get(&app, missing).await.0, 404, "{missing}");
    }
    let (status, headers, _) = call(&app, "GET", "/api/upload", &[], b"").await;
    assert_eq!(status, 405);
    assert_eq!(
        headers.get(header::ALLOW).map(HeaderValue::as_bytes),
        Some(&b"POST, PUT"[..])
    );
}

#[tokio::test]
async fn upload_refusals_and_injected_failures() {
    let (app, dir) = test_app();
    assert_eq!(call(&app, "POST", "/api/upload", &[], b"").await.0, 400);
    let declared = [("Content-Length", "6291456")];
    let (status, headers, body) = call(&app, "POST", "/api/upload", &declared, b"x").await;
    assert_eq!(status, 413);
    assert_eq!(&body[..], br#"{"error":"the file is over 5242880 bytes"}"#);
    assert_eq!(
        headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(HeaderValue::as_bytes),
        Some(&b"*"[..])
    );
    let target = "/api/control/fail?path=/api/upload&status=507";
    assert_eq!(call(&app, "POST", target, &[], b"").await.0, 200);
    let (status, headers, _) = call(&app, "POST", "/api/upload", &[], b"abc").await;
    assert_eq!(status, 507);
    assert!(headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    assert_eq!(call(&app, "POST", "/api/upload", &[], b"abc").await.0, 201);
    assert_eq!(dir.names().len(), 1);

    let asked = [(
        "Access-Control-Request-Headers",
        "content-type, x-file-name, x-extra",
    )];
    let (status, headers, _) = call(&app, "OPTIONS", "/api/upload", &asked, b"").await;
    assert_eq!(status, 204);
    assert_eq!(
        headers
            .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
            .map(HeaderValue::as_bytes),
        Some(&b"content-type, x-file-name, x-extra"[..])
    );
}
