//! The demo API against hostile clients: absurd lengths, request smuggling
//! shapes, lenient framing, huge heads, held and trickling connections, and
//! guessed upload ids. Each test starts the real binary and writes raw bytes
//! to it over `TcpStream`.
//!
//! What hyper (the HTTP/1.1 layer under axum) does with each framing shape:
//!
//! | sent | hyper |
//! | --- | --- |
//! | `Transfer-Encoding: xchunked` or `chunked, identity` | 400: `chunked` is not the last coding; connection closed |
//! | `Transfer-Encoding : chunked` (space before the colon) | 400: not a header name (httparse); closed |
//! | two `Content-Length`s that differ | 400; closed |
//! | two equal `Content-Length`s | read as that one length (RFC 9110 §8.6 allows it): both lines frame the body the same way, so nothing can be smuggled between them |
//! | `Content-Length: +5` | 400: digits only; closed |
//! | bytes after a chunk's data instead of CRLF | the body fails to read: the endpoint reading it answers 400; closed |
//! | a bare CR inside a header value | 400 (httparse); closed |
//! | `HTTP/1.9` | 400 (httparse knows 1.0 and 1.1); closed |
//! | `Content-Length` and `Transfer-Encoding: chunked` | RFC 9112 §6.3's other choice: the body is read as chunked (the `Content-Length` is dropped), answered, and the connection closed after the answer. Not a 400: hyper removes the `Content-Length` before the request reaches any code of ours, so nothing above it can tell. No second request is ever read from such a connection |

mod common;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv6Addr, SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// A second request sent right after the one under test: if it is ever
/// answered, two requests were read from one connection.
const SMUGGLED: &str = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";

/// Sends `request`, then reads until the server closes the connection
/// (failing if it does not within 5 s); the statuses of every answer read.
fn statuses_until_closed(port: u16, request: &[u8]) -> (Vec<u16>, String) {
    let mut stream = connect(port);
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("set timeout");
    // The server may answer (and stop reading) before all of it is sent.
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => raw.extend_from_slice(&buffer[..read]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => break,
            Err(error) => panic!(
                "the connection was not closed ({error}); read so far: {:?}",
                String::from_utf8_lossy(&raw)
            ),
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    (statuses(&raw), text)
}

/// The statuses of the answers one after another in `raw`, each framed by
/// its `Content-Length` (none means no body).
fn statuses(mut raw: &[u8]) -> Vec<u16> {
    let mut statuses = Vec::new();
    while !raw.is_empty() {
        let Some(end) = raw.windows(4).position(|window| window == b"\r\n\r\n") else {
            panic!("half an answer: {:?}", String::from_utf8_lossy(raw));
        };
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let status = head
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3)?.parse().ok())
            .unwrap_or_else(|| panic!("not an answer: {head:?}"));
        assert!(
            !head.to_ascii_lowercase().contains("transfer-encoding"),
            "{head}"
        );
        let length: usize = head
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, value)| value.trim().parse().expect("a length"));
        statuses.push(status);
        raw = &raw[(end + 4 + length).min(raw.len())..];
    }
    statuses
}

/// Every endpoint, and what it answers to a plain request.
const ENDPOINTS: [(&str, &str, u16); 13] = [
    ("GET", "/api/health", 200),
    (
        "GET",
        "/api/balance?account=123456&email=ada@example.com",
        200,
    ),
    ("POST", "/api/escalate", 401),
    ("GET", "/api/slow?ms=1", 200),
    ("POST", "/api/fail", 500),
    ("GET", "/api/no-cors", 200),
    ("POST", "/api/control/fail?path=/nowhere", 200),
    ("POST", "/api/control/reset", 200),
    ("POST", "/api/upload", 201),
    ("PUT", "/api/upload", 201),
    (
        "GET",
        "/api/uploads/U-0123456789abcdef0123456789abcdef",
        404,
    ),
    ("OPTIONS", "/api/balance", 204),
    ("GET", "/nothing/here", 404),
];

/// A `Content-Length` nobody would send, on every endpoint, with no body:
/// each answers at once, 413 or its own answer, and the server goes on.
#[test]
fn an_absurd_content_length_on_every_endpoint() {
    let server = Server::start();
    for length in [
        "99999999999",
        "9999999999999999999",
        "99999999999999999999999",
    ] {
        for (method, target, own) in ENDPOINTS {
            let head = format!(
                "{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
            );
            let started = Instant::now();
            let (statuses, text) = statuses_until_closed(server.port, head.as_bytes());
            // Past u64, hyper refuses the head itself.
            let allowed = if length.len() > 20 {
                vec![400]
            } else {
                vec![413, own]
            };
            assert!(
                statuses.len() == 1 && allowed.contains(&statuses[0]),
                "{method} {target} with {length}: {text}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{target} answered late"
            );
            assert_eq!(server.get("/api/health").status, 200, "still serving");
        }
    }
    assert_eq!(server.stored(), Vec::<String>::new());
}

/// A chunked upload is cut off where it passes 5 MiB: the 413 comes while the
/// client still holds the rest, and no file is left.
#[test]
fn a_chunked_upload_over_5_mib_is_cut_off_at_the_limit() {
    let server = Server::start();
    let mut stream = connect(server.port);
    stream
        .write_all(b"PUT /api/upload?name=big.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .expect("send the head");
    let chunk = vec![0x5A; 64 * 1024];
    // 5 MiB and one more chunk; the last chunk (`0`) is never sent.
    for _ in 0..=LIMIT / chunk.len() {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        stream.write_all(&framed).expect("send a chunk");
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let reply = parse_reply(&raw);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.json()["error"], "the file is over 5242880 bytes");
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(server.stored(), Vec::<String>::new());
    assert_eq!(server.get("/api/health").status, 200);
}

/// Request smuggling: whatever the server makes of the first request, the
/// second one in the same bytes is never answered.
#[test]
fn smuggling_shapes_never_get_two_requests_read_from_one() {
    let server = Server::start();
    let shapes = [
        // Content-Length and Transfer-Encoding, in both orders: chunked wins
        // (hyper drops the Content-Length) and the connection closes.
        (
            "POST /api/escalate HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            401,
        ),
        (
            "POST /api/escalate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            401,
        ),
        // Two Content-Lengths that differ.
        (
            "POST /api/escalate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n",
            400,
        ),
        // A coding that merely contains "chunked".
        (
            "POST /api/escalate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
            400,
        ),
    ];
    for (request, status) in shapes {
        let (statuses, text) =
            statuses_until_closed(server.port, format!("{request}{SMUGGLED}").as_bytes());
        assert_eq!(statuses, [status], "{request:?}: {text}");
    }
    // Two equal Content-Lengths are one length: the next request on the
    // connection starts right after the 3 bytes, as both lines say.
    let request = format!(
        "POST /api/fail?status=418 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc{}",
        SMUGGLED.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
    );
    let (statuses, text) = statuses_until_closed(server.port, request.as_bytes());
    assert_eq!(statuses, [418, 200], "{text}");
}

/// Every lenient reading the old server had is refused with a 400 and the
/// connection closed (nothing after it is read).
#[test]
fn lenient_framing_is_refused_and_the_connection_closed() {
    let server = Server::start();
    let upload = "POST /api/upload?name=x.bin HTTP/1.1\r\nHost: x\r\n";
    let escalate =
        "POST /api/escalate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer chatlet-demo-token\r\n";
    let shapes = [
        format!("{upload}Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        format!("{upload}Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        format!("{upload}Transfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        format!("{upload}Content-Length: 5\r\nContent-Length: 7\r\n\r\nhello"),
        format!("{upload}Content-Length: +5\r\n\r\nhello"),
        // Two stray bytes after a chunk's data, where CRLF must be.
        format!("{upload}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXY\r\n0\r\n\r\n"),
        format!("{escalate}Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}XY\r\n0\r\n\r\n"),
        format!("{upload}X-Note: a\rb\r\nContent-Length: 5\r\n\r\nhello"),
        "GET /api/health HTTP/1.9\r\nHost: x\r\n\r\n".to_owned(),
    ];
    for request in shapes {
        let (statuses, text) =
            statuses_until_closed(server.port, format!("{request}{SMUGGLED}").as_bytes());
        assert_eq!(statuses, [400], "{request:?}: {text}");
    }
    assert_eq!(server.stored(), Vec::<String>::new());
    assert_eq!(server.get("/api/health").status, 200);
}

/// A 100 KB header line is refused (431), not read on and on.
#[test]
fn a_100_kb_header_line_is_refused() {
    let server = Server::start();
    let head = format!(
        "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100_000)
    );
    let (statuses, text) = statuses_until_closed(server.port, head.as_bytes());
    assert!(
        statuses == [431] || statuses == [400],
        "{}",
        &text[..text.len().min(200)]
    );
    assert_eq!(server.get("/api/health").status, 200);
}

/// The soft limit on open files of this process (`ulimit -n`), which the
/// server it starts inherits.
fn open_files_limit() -> usize {
    let limits = fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(1024)
}

/// 1,000 idle connections and 64 that send one header line every 2 s: a
/// normal request is still answered within a second, again and again, and
/// the server holds no more than its 1,024 connections.
#[test]
fn held_and_trickling_connections_never_lock_anyone_out() {
    // Both this process and the server hold every connection: keep to the
    // open-files limit (with room for the rest) if it is low.
    const TRICKLING: usize = 64;
    let idle_count = 1_000.min(open_files_limit().saturating_sub(TRICKLING + 100));
    assert!(idle_count >= 500, "ulimit -n is too low for this test");
    let server = Server::start();
    let idle: Vec<TcpStream> = (0..idle_count).map(|_| connect(server.port)).collect();
    let mut trickling: Vec<TcpStream> = (0..TRICKLING)
        .map(|_| {
            let mut stream = connect(server.port);
            let _ = stream.write_all(b"GET /api/health HTTP/1.1\r\n");
            stream
        })
        .collect();
    let started = Instant::now();
    let mut round = 0;
    let mut answered = 0;
    while started.elapsed() < Duration::from_secs(5) {
        if started.elapsed() >= Duration::from_secs(2 * round) {
            round += 1;
            for stream in &mut trickling {
                // A connection the server closed to make way just fails here.
                let _ = stream.write_all(format!("X-Trickle-{round}: x\r\n").as_bytes());
            }
        }
        let asked = Instant::now();
        let reply = send_raw(server.port, "GET", "/api/health", &[], b"");
        assert_eq!(reply.status, 200);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "a normal request waited {:?}",
            asked.elapsed()
        );
        answered += 1;
        thread::sleep(Duration::from_millis(200));
    }
    assert!(answered >= 10, "{answered}");
    // Connections past the bound made way: what is still open of ours is at
    // most the server's 1,024.
    let mut open = 0;
    for stream in idle.iter().chain(&trickling) {
        stream.set_nonblocking(true).expect("non-blocking");
        let mut byte = [0u8; 1];
        if let Err(error) = (&*stream).read(&mut byte) {
            if error.kind() == ErrorKind::WouldBlock {
                open += 1;
            }
        }
    }
    println!(
        "ulimit -n {}: {idle_count} idle + {TRICKLING} trickling, {open} still open, {answered} normal requests answered",
        open_files_limit()
    );
    assert!(open <= 1_024, "{open} connections held");
    if idle_count + TRICKLING > 1_024 {
        assert!(open < idle_count + TRICKLING, "none made way");
    }
}

/// A head that trickles in is cut off at the deadline, however steadily it
/// comes: the connection is closed, never answered.
#[test]
fn a_request_head_must_arrive_whole_within_the_deadline() {
    let server = Server::spawn(&["--idle-ms", "1000"]);
    let mut stream = connect(server.port);
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("set timeout");
    let started = Instant::now();
    let _ = stream.write_all(b"GET /api/health HTTP/1.1\r\n");
    let closed_after = loop {
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "still open after 4 s of trickling"
        );
        let line = format!("X-Line-{}: x\r\n", started.elapsed().as_millis());
        if stream.write_all(line.as_bytes()).is_err() {
            break started.elapsed();
        }
        let mut buffer = [0u8; 256];
        match stream.read(&mut buffer) {
            Ok(0) => break started.elapsed(),
            Ok(_) => panic!("a head that never ended was answered"),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break started.elapsed(),
        }
        thread::sleep(Duration::from_millis(150));
    };
    assert!(
        closed_after >= Duration::from_millis(900),
        "closed after {closed_after:?}"
    );
}

/// One address with its requests in progress at the bound gets 503 for one
/// more; another address is served as usual, even with every connection held.
#[test]
fn one_address_cannot_starve_another() {
    // On `::` the server takes IPv4 (127.0.0.1) and IPv6 (::1) clients: two addresses.
    let server = Server::spawn(&[
        "--host",
        "::",
        "--max-requests-per-peer",
        "4",
        "--max-connections",
        "16",
    ]);
    let v4 = server.port;
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, server.port));
    let slow: Vec<_> = (0..4)
        .map(|_| thread::spawn(move || send_raw(v4, "GET", "/api/slow?ms=1500", &[], b"").status))
        .collect();
    thread::sleep(Duration::from_millis(300));
    assert_eq!(send_raw(v4, "GET", "/api/health", &[], b"").status, 503);
    let mut stream = TcpStream::connect(v6).expect("connect over IPv6");
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    assert_eq!(parse_reply(&raw).status, 200);
    // 127.0.0.1 now also holds every other connection, silent.
    let _held: Vec<TcpStream> = (0..16).map(|_| connect(v4)).collect();
    thread::sleep(Duration::from_millis(100));
    let mut stream = TcpStream::connect(v6).expect("connect over IPv6");
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    assert_eq!(parse_reply(&raw).status, 200);
    for request in slow {
        assert_eq!(request.join().expect("slow request"), 200);
    }
}

/// 26 stored uploads, and 2,000 guesses at their ids: random ids of the same
/// form, ids of the old `U-` and six digits form, and the real ids with one
/// digit changed. All miss; the real ones are found.
#[test]
fn upload_ids_cannot_be_guessed() {
    let server = Server::start();
    let ids: Vec<String> = (0..26)
        .map(|n| {
            let reply = server.request("POST", "/api/upload", &[], format!("file {n}").as_bytes());
            assert_eq!(reply.status, 201);
            reply.json()["id"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    let mut guesses = Vec::new();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        // splitmix64: a guesser's own generator.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for _ in 0..1_000 {
        guesses.push(format!("U-{:016x}{:016x}", next(), next()));
    }
    for n in 0..500 {
        guesses.push(format!("U-{}", 100_000 + n * 1_799));
    }
    for n in 0..500 {
        let id = &ids[n % ids.len()];
        let at = 2 + n % 32;
        let digit = id.as_bytes()[at];
        let changed = if digit == b'0' { 'f' } else { '0' };
        guesses.push(format!("{}{changed}{}", &id[..at], &id[at + 1..]));
    }
    assert_eq!(guesses.len(), 2_000);
    let mut conn = Conn::open(server.port);
    for guess in &guesses {
        let reply = conn.send("GET", &format!("/api/uploads/{guess}"), Body::Sized(b""));
        assert_eq!(reply.status, 404, "{guess}");
    }
    for (n, id) in ids.iter().enumerate() {
        let reply = conn.send("GET", &format!("/api/uploads/{id}"), Body::Sized(b""));
        assert_eq!(reply.bytes, format!("file {n}").as_bytes());
    }
}

/// SIGTERM: no new connections, the request in progress is answered, exit 0.
#[test]
fn sigterm_lets_the_request_in_progress_finish_then_exits_0() {
    let mut server = Server::start();
    let port = server.port;
    let slow = thread::spawn(move || send_raw(port, "GET", "/api/slow?ms=800", &[], b"").status);
    thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    assert_eq!(slow.join().expect("slow request"), 200);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "still running");
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
