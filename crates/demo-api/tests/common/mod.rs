//! What the end-to-end tests share: starting the real `chatlet-demo-api`
//! binary on a free port, and talking HTTP/1.1 to it over a plain
//! `TcpStream`. Each test file uses a part of it.

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_chatlet-demo-api");
pub const AUTH: (&str, &str) = ("Authorization", "Bearer chatlet-demo-token");

/// The upload limit, the same as the widget's.
pub const LIMIT: usize = 5 * 1024 * 1024;

/// A running server, killed when dropped, which also removes its upload
/// directory.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub uploads: PathBuf,
}

impl Server {
    /// Starts the binary with `--port 0`, `--control` (the fault-injection
    /// endpoints) and a new `--upload-dir` of its own.
    pub fn start() -> Server {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "chatlet-demo-api-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        Server::spawn(&[
            "--control",
            "--upload-dir",
            dir.to_str().expect("a UTF-8 temp dir"),
        ])
    }

    /// Starts the binary with `--port 0` and `extra` arguments, and waits for
    /// its two lines: where it listens, then where uploads go.
    pub fn spawn(extra: &[&str]) -> Server {
        let child = Command::new(BIN)
            .args(["--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chatlet-demo-api");
        let mut server = Server {
            child,
            port: 0,
            uploads: PathBuf::new(),
        };
        let stdout = server.child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("read the listening line");
        let port = line
            .trim_end()
            .strip_prefix("chatlet-demo-api listening on http://")
            .and_then(|address| address.rsplit_once(':'))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .1;
        server.port = port.parse().expect("port number");
        line.clear();
        stdout.read_line(&mut line).expect("read the uploads line");
        let uploads = line
            .trim_end()
            .strip_prefix("chatlet-demo-api uploads in ")
            .unwrap_or_else(|| panic!("unexpected second line {line:?}"));
        server.uploads = PathBuf::from(uploads);
        server
    }

    /// The names of the files in the upload directory, sorted.
    pub fn stored(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.uploads)
            .expect("read the upload dir")
            .map(|entry| {
                let entry = entry.expect("a directory entry");
                entry.file_name().to_string_lossy().into_owned()
            })
            .collect();
        names.sort();
        names
    }

    pub fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[], b"")
    }

    pub fn post(&self, target: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        self.request("POST", target, headers, body.as_bytes())
    }

    /// Sends one request on a fresh connection and reads the whole answer.
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        send_raw(self.port, method, target, headers, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.uploads.as_os_str().is_empty() {
            let _ = fs::remove_dir_all(&self.uploads);
        }
    }
}

/// A parsed HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced).
    pub body: String,
    /// The body as sent.
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("body {:?} is not JSON: {error}", self.body))
    }
}

/// How a request's body is framed.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    /// With a `Content-Length`.
    Sized(&'a [u8]),
    /// `Transfer-Encoding: chunked`, in 64 KiB chunks.
    Chunked(&'a [u8]),
}

/// One request's bytes; `Connection: close` unless `keep_alive`.
pub fn encode(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Body<'_>,
    keep_alive: bool,
) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    match body {
        Body::Sized(bytes) => head.push_str(&format!("Content-Length: {}\r\n", bytes.len())),
        Body::Chunked(_) => head.push_str("Transfer-Encoding: chunked\r\n"),
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    match body {
        Body::Sized(bytes) => request.extend_from_slice(bytes),
        Body::Chunked(bytes) => {
            for chunk in bytes.chunks(64 * 1024) {
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
            }
            request.extend_from_slice(b"0\r\n\r\n");
        }
    }
    request
}

pub fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(40)))
        .expect("set timeout");
    stream
}

pub fn send_raw(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    send_bytes(
        port,
        &encode(port, method, target, headers, Body::Sized(body), false),
    )
}

pub fn send_chunked(port: u16, method: &str, target: &str, body: &[u8]) -> Reply {
    send_bytes(
        port,
        &encode(port, method, target, &[], Body::Chunked(body), false),
    )
}

/// Sends a whole `Connection: close` request and reads the answer to the end.
pub fn send_bytes(port: u16, request: &[u8]) -> Reply {
    let mut stream = connect(port);
    stream.write_all(request).expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read answer");
    parse_reply(&raw)
}

/// A keep-alive connection, for requests that must share one.
pub struct Conn {
    pub port: u16,
    pub stream: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(port: u16) -> Conn {
        Conn {
            port,
            stream: BufReader::new(connect(port)),
        }
    }

    /// Sends one request and reads one answer (by its `Content-Length`).
    pub fn send(&mut self, method: &str, target: &str, body: Body<'_>) -> Reply {
        let request = encode(self.port, method, target, &[], body, true);
        self.stream
            .get_mut()
            .write_all(&request)
            .expect("send the request");
        read_reply(&mut self.stream)
    }
}

/// Reads one answer, whose body has a `Content-Length`, from a connection
/// that stays open.
pub fn read_reply(stream: &mut impl BufRead) -> Reply {
    let mut raw = Vec::new();
    while !raw.ends_with(b"\r\n\r\n") {
        let read = stream.read_until(b'\n', &mut raw).expect("read the head");
        assert!(read > 0, "the connection closed after {raw:?}");
    }
    let head = String::from_utf8_lossy(&raw).into_owned();
    let length: usize = head
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length in {head:?}"));
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("read the body");
    raw.extend_from_slice(&body);
    parse_reply(&raw)
}

pub fn parse_reply(raw: &[u8]) -> Reply {
    let end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]);
    let bytes = raw[end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

pub fn assert_json_content_type(reply: &Reply) {
    let content_type = reply.header("Content-Type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "Content-Type {content_type:?}"
    );
}

/// A comma-separated header value as lower-case items.
pub fn list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}
