//! A small HTTP/1.1 server: what the demo API needs and nothing it must trust.
//!
//! It replaced `tiny_http`, which allocates a buffer of the size a client *declares* when
//! it throws an unread body away (one `Content-Length: 99999999999` aborted the process),
//! and which has no limit on connections and no idle timeout. Here:
//!
//! - at most [`Limits::connections`] connections are served at once; one more gets a
//!   503 and is closed;
//! - a connection that sends nothing for [`Limits::idle`] is closed;
//! - a request head (request line and headers) over [`Limits::head`] bytes gets a 431;
//! - a body is read only when the handler reads it, through a fixed buffer: nothing is
//!   ever allocated by the client's word. A body the handler leaves unread is read and
//!   thrown away up to [`Limits::discard`] bytes, past that the connection is closed
//!   after the answer, "lingering" (reading and dropping what still arrives, for at most
//!   [`LINGER`]) so that the client reads the answer rather than a reset;
//! - `Expect: 100-continue` is answered when the handler starts reading the body.
//!
//! Keep-alive, `Content-Length` and chunked request bodies are supported; answers always
//! carry `Content-Length`.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a closing connection keeps reading (and dropping) what the client still sends.
pub const LINGER: Duration = Duration::from_secs(2);

/// The server's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once.
    pub connections: usize,
    /// How long a connection may stay silent.
    pub idle: Duration,
    /// The largest request head, in bytes.
    pub head: usize,
    /// How much of an unread body is thrown away before the connection is closed.
    pub discard: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 64,
            idle: Duration::from_secs(15),
            head: 16 * 1024,
            discard: 64 * 1024,
        }
    }
}

/// A request's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The method as sent, e.g. `GET`.
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// HTTP/1.0 (no keep-alive unless asked).
    pub http10: bool,
}

impl Head {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The declared body length, when sent and numeric.
    pub fn content_length(&self) -> Option<u64> {
        self.header("Content-Length")?.trim().parse().ok()
    }

    fn chunked(&self) -> bool {
        self.header("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }

    fn wants_close(&self) -> bool {
        let connection = self.header("Connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some(c) if c.contains("close") => true,
            Some(c) if c.contains("keep-alive") => false,
            _ => self.http10,
        }
    }
}

/// An answer: status, headers (without `Content-Length`), and a body of known length.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Headers to send.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Box<dyn Read + Send>,
    /// The body's length in bytes.
    pub length: u64,
}

/// Answers one request: its head and its body (read on demand).
pub type Handler = dyn Fn(&Head, &mut dyn Read) -> Answer + Send + Sync;

/// Serves `listener` for ever, each connection on its own thread, within `limits`.
pub fn serve(listener: TcpListener, limits: Limits, handler: Arc<Handler>) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if open.fetch_add(1, Ordering::SeqCst) >= limits.connections {
            open.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            continue;
        }
        let (open, handler) = (Arc::clone(&open), Arc::clone(&handler));
        let spawned = thread::Builder::new().name("connection".into()).spawn({
            let open = Arc::clone(&open);
            move || {
                let _ = connection(stream, limits, &*handler);
                open.fetch_sub(1, Ordering::SeqCst);
            }
        });
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// One connection: requests until the client closes, goes silent, or a body is left
/// unread past the discard limit.
fn connection(stream: TcpStream, limits: Limits, handler: &Handler) -> io::Result<()> {
    stream.set_read_timeout(Some(limits.idle))?;
    stream.set_write_timeout(Some(limits.idle))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let head = match read_head(&mut reader, limits.head) {
            Ok(Some(head)) => head,
            Ok(None) => return Ok(()),
            Err(HeadError::TooLarge) => {
                return refuse(&mut writer, 431, "the request head is too large")
            }
            Err(HeadError::Bad) => return refuse(&mut writer, 400, "a malformed request"),
            Err(HeadError::Io(e)) => return Err(e),
        };
        let mut body = Body {
            reader: &mut reader,
            writer: &mut writer,
            kind: if head.chunked() {
                Kind::Chunked {
                    left: 0,
                    done: false,
                }
            } else {
                match head.header("Content-Length") {
                    None => Kind::Length(0),
                    Some(_) => match head.content_length() {
                        Some(n) => Kind::Length(n),
                        None => Kind::Broken,
                    },
                }
            },
            expects_continue: head
                .header("Expect")
                .is_some_and(|e| e.eq_ignore_ascii_case("100-continue")),
            cut: false,
        };
        if body.kind == Kind::Broken {
            return refuse(body.writer, 400, "Content-Length is not a number");
        }
        let answer = handler(&head, &mut body);
        // What the handler left unread is thrown away, a little at a time and only up to
        // the limit; past it the connection ends (the client's word allocates nothing).
        let drained = body.discard(limits.discard);
        let keep = drained && !head.wants_close();
        write_answer(&mut writer, answer, head.method == "HEAD", !keep)?;
        if !keep {
            if !drained {
                linger(&mut reader, &mut writer);
            }
            return Ok(());
        }
    }
}

/// Ends a connection whose request body was not read: no more writing, then what still
/// arrives is read and dropped through a small buffer until the client stops, for at
/// most [`LINGER`], so that the answer is not lost to a reset.
fn linger(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) {
    let _ = writer.shutdown(Shutdown::Write);
    let _ = reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(200)));
    let start = Instant::now();
    let mut buf = [0u8; 8192];
    while start.elapsed() < LINGER {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
}

fn refuse(writer: &mut TcpStream, status: u16, message: &str) -> io::Result<()> {
    let body = format!("{{\"error\":\"{message}\"}}");
    let answer = Answer {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        length: body.len() as u64,
        body: Box::new(io::Cursor::new(body.into_bytes())),
    };
    write_answer(writer, answer, false, true)
}

fn write_answer(
    w: &mut TcpStream,
    mut answer: Answer,
    head_only: bool,
    close: bool,
) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    for (name, value) in &answer.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n", answer.length));
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    w.write_all(out.as_bytes())?;
    if !head_only {
        io::copy(&mut Read::take(&mut answer.body, answer.length), w)?;
    }
    w.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

enum HeadError {
    TooLarge,
    Bad,
    Io(io::Error),
}

/// Reads a request head; `None` when the client closed (or went silent) between requests.
fn read_head(reader: &mut impl BufRead, limit: usize) -> Result<Option<Head>, HeadError> {
    let mut lines = Vec::new();
    let mut size = 0;
    loop {
        let mut line = Vec::new();
        let read = Read::take(&mut *reader, (limit - size + 1) as u64).read_until(b'\n', &mut line);
        match read {
            Ok(0) if lines.is_empty() => return Ok(None),
            Ok(0) => return Err(HeadError::Bad),
            Ok(n) => size += n,
            Err(e)
                if lines.is_empty()
                    && matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(HeadError::Io(e)),
        }
        if size > limit {
            return Err(HeadError::TooLarge);
        }
        if !line.ends_with(b"\n") {
            return Err(HeadError::Bad);
        }
        let text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        if text.is_empty() {
            if lines.is_empty() {
                continue; // a stray line break between requests
            }
            break;
        }
        lines.push(text);
    }
    let mut parts = lines[0].split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Bad);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(HeadError::Bad);
    }
    let headers = lines[1..]
        .iter()
        .map(|l| match l.split_once(':') {
            Some((n, v)) => Ok((n.trim().to_string(), v.trim().to_string())),
            None => Err(HeadError::Bad),
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(Head {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        http10: version == "HTTP/1.0",
    }))
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Length(u64),
    Chunked { left: u64, done: bool },
    Broken,
}

/// A request body, read from the connection only when asked.
struct Body<'a> {
    reader: &'a mut BufReader<TcpStream>,
    writer: &'a mut TcpStream,
    kind: Kind,
    expects_continue: bool,
    /// The client stopped sending before the body's end.
    cut: bool,
}

impl Body<'_> {
    /// Reads what is left and throws it away, up to `limit` bytes; `false` when more is
    /// left (or the body is broken), so the connection must close.
    fn discard(&mut self, limit: u64) -> bool {
        if self.cut {
            return false;
        }
        if let Kind::Length(left) = self.kind {
            if left > limit {
                return false;
            }
        }
        // Nobody asked for the body: do not invite it with a 100 Continue.
        self.expects_continue = false;
        let mut buf = [0u8; 8192];
        let mut thrown = 0u64;
        loop {
            match self.read(&mut buf) {
                Ok(0) => return !self.cut,
                Ok(n) => {
                    thrown += n as u64;
                    if thrown > limit {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    fn chunk_size(&mut self) -> io::Result<u64> {
        let mut line = Vec::new();
        Read::take(&mut *self.reader, 1024).read_until(b'\n', &mut line)?;
        let text = String::from_utf8_lossy(&line);
        let hex = text.trim().split(';').next().unwrap_or("");
        u64::from_str_radix(hex, 16)
            .map_err(|_| io::Error::new(ErrorKind::InvalidData, "a bad chunk size"))
    }

    fn end_of_chunk(&mut self) -> io::Result<()> {
        let mut crlf = Vec::new();
        Read::take(&mut *self.reader, 2).read_until(b'\n', &mut crlf)?;
        Ok(())
    }
}

impl Read for Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.expects_continue {
            self.expects_continue = false;
            self.writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        match self.kind {
            Kind::Length(0) | Kind::Broken | Kind::Chunked { done: true, .. } => Ok(0),
            Kind::Length(left) => {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = self.reader.read(&mut buf[..want])?;
                if n == 0 {
                    // The client stopped early: the handler sees the end (and can tell
                    // by counting); the connection will close.
                    self.cut = true;
                    self.kind = Kind::Length(0);
                    return Ok(0);
                }
                self.kind = Kind::Length(left - n as u64);
                Ok(n)
            }
            Kind::Chunked { left: 0, .. } => {
                let size = self.chunk_size()?;
                if size == 0 {
                    // Trailers end with an empty line.
                    loop {
                        let mut line = Vec::new();
                        Read::take(&mut *self.reader, 1024).read_until(b'\n', &mut line)?;
                        if line.is_empty() || line == b"\r\n" || line == b"\n" {
                            break;
                        }
                    }
                    self.kind = Kind::Chunked {
                        left: 0,
                        done: true,
                    };
                    return Ok(0);
                }
                self.kind = Kind::Chunked {
                    left: size,
                    done: false,
                };
                self.read(buf)
            }
            Kind::Chunked { left, .. } => {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = self.reader.read(&mut buf[..want])?;
                if n == 0 {
                    self.cut = true;
                    self.kind = Kind::Chunked {
                        left: 0,
                        done: true,
                    };
                    return Ok(0);
                }
                let left = left - n as u64;
                if left == 0 {
                    self.end_of_chunk()?;
                }
                self.kind = Kind::Chunked { left, done: false };
                Ok(n)
            }
        }
    }
}
