//! End-to-end tests: each test starts the real `chatlet-demo-api` binary on
//! a free port and talks HTTP/1.1 to it over a plain `TcpStream`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn health() {
    let server = Server::start();
    let reply = server.get("/api/health");
    assert_eq!(reply.status, 200);
    assert_json_content_type(&reply);
    assert_eq!(reply.json(), serde_json::json!({"ok": true}));
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
}

#[test]
fn balance_ok() {
    let server = Server::start();
    let reply = server.get("/api/balance?account=123456&email=ada%40example.com");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_json_content_type(&reply);
    let body = reply.json();
    assert_eq!(body["account"], "123456");
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["currency"], "USD");
    let amount = &body["accountBalance"];
    let value = amount.as_f64().expect("accountBalance is a number");
    assert!((10.0..=99_999.99).contains(&value), "{value}");
    let text = amount.to_string();
    let decimals = text
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len());
    assert!(
        decimals <= 2,
        "accountBalance {text} has more than 2 decimals"
    );
}

#[test]
fn balance_rejects_bad_account_and_email() {
    let server = Server::start();
    let short = server.get("/api/balance?account=12345&email=ada@example.com");
    assert_eq!(short.status, 404);
    assert_json_content_type(&short);
    let error = short.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("account"), "{error}");

    let bad_email = server.get("/api/balance?account=123456&email=ada+lovelace%40example");
    assert_eq!(bad_email.status, 404);
    let error = bad_email.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains("email") && !error.contains("account"),
        "{error}"
    );

    // Bad input never crashes the server.
    for target in [
        "/api/balance",
        "/api/balance?",
        "/api/balance?account=%ZZ%&email=%ff%fe%",
        "/api/balance?account=12345%36&email=a%2",
        "/api/%zz",
    ] {
        let reply = server.get(target);
        assert_eq!(reply.status, 404, "{target}: {}", reply.body);
        reply.json();
    }
    // `%36` is a 6, and the server still answers after the bad requests.
    let decoded = server.get("/api/balance?account=12345%36&email=ada%40example.com");
    assert_eq!(decoded.status, 200);
    assert_eq!(decoded.json()["account"], "123456");
}

#[test]
fn escalate_needs_token_and_message() {
    let server = Server::start();
    let json = ("Content-Type", "application/json");
    let body = r#"{"message":"please call me"}"#;

    let no_auth = server.post("/api/escalate", &[json], body);
    assert_eq!(no_auth.status, 401);
    assert_eq!(no_auth.json()["error"], "missing or wrong Authorization");
    let wrong = server.post(
        "/api/escalate",
        &[json, ("Authorization", "Bearer nope")],
        body,
    );
    assert_eq!(wrong.status, 401);

    let ok = server.post("/api/escalate", &[json, AUTH], body);
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_json_content_type(&ok);
    let answer = ok.json();
    assert_eq!(answer["message"], "please call me");
    let ticket = answer["ticket"].as_str().expect("ticket string");
    let digits = ticket.strip_prefix("T-").expect("ticket starts with T-");
    assert!(
        digits.len() == 6 && digits.bytes().all(|byte| byte.is_ascii_digit()),
        "ticket {ticket}"
    );

    assert_eq!(
        server.post("/api/escalate", &[AUTH], "not json").status,
        400
    );
    assert_eq!(
        server
            .post("/api/escalate", &[AUTH], r#"{"message":1}"#)
            .status,
        400
    );
    let invalid_utf8 = server.request("POST", "/api/escalate", &[AUTH], b"{\"message\":\"\xff\"}");
    assert_eq!(invalid_utf8.status, 400);
    let huge = format!(r#"{{"message":"{}"}}"#, "x".repeat(70 * 1024));
    assert_eq!(server.post("/api/escalate", &[AUTH], &huge).status, 413);
    assert_eq!(server.get("/api/escalate").status, 405);
    assert_eq!(server.get("/api/health").status, 200);
}

#[test]
fn fail_answers_the_asked_status() {
    let server = Server::start();
    let reply = server.get("/api/fail?status=503");
    assert_eq!(reply.status, 503);
    assert_json_content_type(&reply);
    assert_eq!(reply.json()["error"], "failing on purpose");
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(server.post("/api/fail", &[], "").status, 500);
    assert_eq!(server.get("/api/fail?status=200").status, 400);
    assert_eq!(server.get("/api/fail?status=600").status, 400);
}

#[test]
fn injected_failure_hits_the_next_balance_once() {
    let server = Server::start();
    let balance = "/api/balance?account=654321&email=ada@example.com";
    let set = server.post(
        "/api/control/fail?path=/api/balance&status=500&times=1",
        &[],
        "",
    );
    assert_eq!(set.status, 200);
    assert_eq!(set.json(), serde_json::json!({"ok": true}));

    assert_eq!(
        server.get("/api/health").status,
        200,
        "other paths unaffected"
    );
    let failed = server.get(balance);
    assert_eq!(failed.status, 500);
    assert_eq!(failed.json()["error"], "injected failure");
    assert_eq!(failed.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(server.get(balance).status, 200);

    // Reset clears pending injections.
    server.post(
        "/api/control/fail?path=/api/balance&status=502&times=5",
        &[],
        "",
    );
    assert_eq!(server.get(balance).status, 502);
    assert_eq!(server.post("/api/control/reset", &[], "").status, 200);
    assert_eq!(server.get(balance).status, 200);
}

#[test]
fn preflight_and_cors_headers() {
    let server = Server::start();
    let reply = server.request(
        "OPTIONS",
        "/api/escalate",
        &[
            ("Origin", "http://localhost:8080"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
        ],
        b"",
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
    // tower-http's CorsLayer allows the request headers the browser names
    // (`Authorization` must be named: a `*` would not cover it).
    assert_eq!(
        list(reply.header("Access-Control-Allow-Headers")),
        ["authorization", "content-type"]
    );
    assert_eq!(
        list(reply.header("Access-Control-Allow-Methods")),
        ["get", "post", "put", "options"]
    );
    assert_eq!(reply.header("Access-Control-Max-Age"), Some("600"));
    assert_eq!(reply.header("Cache-Control"), Some("no-store"));
    let health = server.get("/api/health");
    assert_eq!(
        list(health.header("Access-Control-Expose-Headers")),
        ["content-type"]
    );
    assert_eq!(
        server.request("OPTIONS", "/api/anything", &[], b"").status,
        204
    );

    let missing = server.get("/nothing/here");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"], "no such endpoint");
    assert_eq!(missing.header("Access-Control-Allow-Origin"), Some("*"));
}

#[test]
fn no_cors_has_no_cors_headers() {
    let server = Server::start();
    let reply = server.get("/api/no-cors");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), serde_json::json!({"ok": true}));
    assert_eq!(reply.header("Access-Control-Allow-Origin"), None);
    let preflight = server.request("OPTIONS", "/api/no-cors", &[], b"");
    assert_ne!(preflight.status, 204);
    assert_eq!(preflight.header("Access-Control-Allow-Origin"), None);
}

#[test]
fn slow_does_not_block_other_requests() {
    let server = Server::start();
    let port = server.port;
    let (done_tx, done_rx) = mpsc::channel();
    let started = Instant::now();
    let slow = thread::spawn(move || {
        let reply = send_raw(port, "GET", "/api/slow?ms=200", &[], b"");
        let _ = done_tx.send(());
        (reply, started.elapsed())
    });
    // Let the slow request get going, then ask for health meanwhile.
    thread::sleep(Duration::from_millis(50));
    let health = server.get("/api/health");
    assert_eq!(health.status, 200);
    assert!(
        done_rx.try_recv().is_err(),
        "health should finish while slow is still waiting"
    );
    let (reply, elapsed) = slow.join().expect("slow thread");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), serde_json::json!({"waited": 200}));
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
}

#[test]
fn port_in_use_exits_with_1() {
    let server = Server::start();
    let output = Command::new(BIN)
        .args(["--port", &server.port.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("run a second server");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot listen"), "{stderr}");
}

/// A declared body far larger than anything the server takes, and no body at all: the
/// server answers at once without allocating by the client's word (tiny_http aborted
/// the whole process here), and keeps serving.
#[test]
fn a_huge_declared_content_length_is_answered_without_allocating_it() {
    let server = Server::start();
    for target in [
        "/api/balance?account=123456&email=a@b.co",
        "/api/upload",
        "/api/escalate",
    ] {
        let method = if target == "/api/balance?account=123456&email=a@b.co" {
            "GET"
        } else {
            "POST"
        };
        let mut stream = connect(server.port);
        let head =
            format!("{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
        stream.write_all(head.as_bytes()).expect("send head");
        let started = Instant::now();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read answer");
        let reply = parse_reply(&raw);
        assert!(
            matches!(reply.status, 200 | 401 | 413),
            "{target}: {}",
            reply.status
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{target} answered late"
        );
    }
    assert_eq!(
        send_raw(server.port, "GET", "/api/health", &[], b"").status,
        200,
        "still serving"
    );
}

/// Connections are bounded, but held ones never shut anyone out: at the bound
/// a newcomer takes an idle connection's place. A connection that sends no
/// whole request head within `--idle-ms` is closed.
#[test]
fn connections_are_bounded_and_idle_ones_make_way() {
    let server = Server::spawn(&["--max-connections", "4", "--idle-ms", "1500"]);
    let mut held: Vec<TcpStream> = (0..4).map(|_| connect(server.port)).collect();
    thread::sleep(Duration::from_millis(100));
    // A fifth connection is served; the oldest held one made way for it.
    let started = Instant::now();
    assert_eq!(
        send_raw(server.port, "GET", "/api/health", &[], b"").status,
        200
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered at once"
    );
    let mut first = held.remove(0);
    first
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("set timeout");
    let mut rest = Vec::new();
    assert_eq!(
        first.read_to_end(&mut rest).unwrap_or(1),
        0,
        "the oldest idle connection was closed for the newcomer"
    );
    // The others said nothing: after the head deadline they are closed too.
    for mut stream in held {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
        let waited = Instant::now();
        assert_eq!(
            stream.read_to_end(&mut rest).unwrap_or(1),
            0,
            "closed by the server"
        );
        assert!(waited.elapsed() < Duration::from_millis(2_500));
    }
    assert_eq!(
        send_raw(server.port, "GET", "/api/health", &[], b"").status,
        200
    );
}

/// A request head over the limit is refused with 431 rather than read on and on.
#[test]
fn an_oversized_request_head_is_refused() {
    let server = Server::start();
    let mut stream = connect(server.port);
    let head = format!(
        "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let _ = stream.write_all(head.as_bytes());
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    assert_eq!(parse_reply(&raw).status, 431);
}
