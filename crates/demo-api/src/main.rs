//! `chatlet-demo-api`: a small demo HTTP API for Chatlet's visitor test page
//! and end-to-end browser tests.
//!
//! ```text
//! chatlet-demo-api [--port N] [--host ADDR] [--upload-dir DIR] [--max-connections N] [--idle-ms N]
//! ```
//!
//! Defaults: port 8081 (0 picks a free port), host 127.0.0.1, uploads in a
//! new directory `chatlet-uploads-PID` under the system temp dir (a given
//! `--upload-dir` is created if missing). When ready it prints exactly two
//! lines to stdout, `chatlet-demo-api listening on http://HOST:PORT` then
//! `chatlet-demo-api uploads in DIR`, and flushes them. It logs `METHOD PATH
//! STATUS` for every request to stderr. If it cannot listen (port in use, bad
//! host) or make the upload directory it says so on stderr and exits with 1;
//! bad arguments exit with 2.
//!
//! Every connection runs on its own thread, at most 64 at once, and is closed after
//! 15 s of silence ([`http`]). Answers are JSON with `Content-Type: application/json`:
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/health` | 200 `{"ok":true}` |
//! | `GET /api/balance?account=A&email=E` | 200 `{"account","email","accountBalance","currency":"USD"}` with a random amount 10.00–99999.99 when A is 6 digits and E looks like an email; else 404 `{"error"}` naming the bad parameter |
//! | `POST /api/escalate` | needs `Authorization: Bearer chatlet-demo-token` (else 401) and a JSON body with a string `message` (else 400; over 64 KiB 413); 201 `{"ticket":"T-123456","message"}` |
//! | `GET /api/slow?ms=N` | waits N ms (default 3000, at most 30000), then 200 `{"waited":N}` |
//! | `ANY /api/fail?status=S` | status S (default 500; not 400–599 gives 400) with `{"error":"failing on purpose"}` |
//! | `GET /api/no-cors` | 200 `{"ok":true}` without CORS headers |
//! | `POST /api/control/fail?path=P&status=S&times=N` | the next N (default 1) requests to path P answer S (default 500) with `{"error":"injected failure"}`; 200 `{"ok":true}` |
//! | `POST /api/control/reset` | clears all injected failures; 200 `{"ok":true}` |
//! | `POST /api/upload?name=N` (or `PUT`) | streams the raw body (not multipart) to the file `ID-NAME` in the upload directory, NAME being N's base name with all but ASCII letters, digits, `.`, `-`, `_` made `_` (default `upload.bin`); 201 `{"id":"U-123456","name":NAME,"bytes":N,"contentType":"<the request's Content-Type or empty>"}`; an empty body 400; over 5 MiB (5242880 bytes) 413, before reading when `Content-Length` says so, else as soon as the body passes the limit (the partial file is deleted) |
//! | `GET /api/uploads/ID` | 200 with the stored bytes as `application/octet-stream`; an unknown id 404 |
//! | `OPTIONS /api/...` | 204 with the CORS headers (CORS preflight), also allowing any request header the browser asks for |
//! | anything else | 404 `{"error":"no such endpoint"}`; a known path with the wrong method 405 |
//!
//! All answers except `/api/no-cors`'s carry `Access-Control-Allow-Origin: *`
//! and the other CORS headers listed in [`reply::CORS_HEADERS`]. Query values
//! are percent-decoded (`+` is a space, `%2B` a plus). Routing lives in
//! [`routes`], which says how to add an endpoint.

#![forbid(unsafe_code)]

mod faults;
mod http;
mod query;
mod reply;
mod rng;
mod routes;
mod uploads;

use std::fs;
use std::io::{self, ErrorKind, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::routes::Context;

const USAGE: &str = "usage: chatlet-demo-api [--port N] [--host ADDR] [--upload-dir DIR] [--max-connections N] [--idle-ms N]

  --port N             port to listen on (default 8081; 0 picks a free port)
  --host ADDR          address to listen on (default 127.0.0.1)
  --upload-dir DIR     where uploads are stored (created if missing; default: a new
                       chatlet-uploads-PID directory under the system temp dir)
  --max-connections N  connections served at once; one more gets a 503 (default 64)
  --idle-ms N          a connection silent this long is closed (default 15000)";

/// The command line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Args {
    port: u16,
    host: String,
    upload_dir: Option<PathBuf>,
    limits: http::Limits,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            port: 8081,
            host: "127.0.0.1".into(),
            upload_dir: None,
            limits: http::Limits::default(),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve(Args),
    Help,
}

/// Parses the arguments after the program name; `--name value` and
/// `--name=value` both work.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.into())),
            _ => (arg, None),
        };
        if name == "-h" || name == "--help" {
            return Ok(Command::Help);
        }
        if !matches!(
            name.as_str(),
            "--port" | "--host" | "--upload-dir" | "--max-connections" | "--idle-ms"
        ) {
            return Err(format!("unknown argument {name}"));
        }
        let Some(value) = inline.or_else(|| args.next()) else {
            return Err(format!("{name} needs a value"));
        };
        match name.as_str() {
            "--port" => {
                parsed.port = value
                    .parse()
                    .map_err(|_| format!("--port must be a number from 0 to 65535, not {value}"))?;
            }
            "--host" => parsed.host = value,
            "--max-connections" => {
                parsed.limits.connections = value.parse().ok().filter(|n| *n > 0).ok_or(
                    format!("--max-connections must be a positive number, not {value}"),
                )?;
            }
            "--idle-ms" => {
                let ms: u64 = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("--idle-ms must be a positive number, not {value}"))?;
                parsed.limits.idle = std::time::Duration::from_millis(ms);
            }
            _ => parsed.upload_dir = Some(PathBuf::from(value)),
        }
    }
    Ok(Command::Serve(parsed))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Serve(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("chatlet-demo-api: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("chatlet-demo-api: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Listens, announces the address on stdout, then answers requests forever,
/// each on its own thread.
fn serve(args: Args) -> Result<(), String> {
    let wanted = if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]:{}", args.host, args.port) // a bare IPv6 address
    } else {
        format!("{}:{}", args.host, args.port)
    };
    let listener = TcpListener::bind(&wanted)
        .map_err(|error| format!("cannot listen on {wanted}: {error}"))?;
    let address = listener
        .local_addr()
        .map_or(wanted, |address| address.to_string());

    let upload_dir = upload_dir(args.upload_dir)?;
    // Both lines in one write: a parent that reads the first line and closes
    // the pipe must not make the second one fail.
    let announcement = format!(
        "chatlet-demo-api listening on http://{address}\nchatlet-demo-api uploads in {}\n",
        upload_dir.display()
    );
    let context = Arc::new(Context::new(upload_dir));
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(announcement.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| format!("cannot write to stdout: {error}"))?;
    drop(stdout);

    let handler =
        move |head: &http::Head, body: &mut dyn io::Read| routes::handle(head, body, &context);
    http::serve(listener, args.limits, Arc::new(handler));
    Ok(())
}

/// The upload directory: the one asked for (created if missing), else a new
/// one under the system temp dir.
fn upload_dir(asked: Option<PathBuf>) -> Result<PathBuf, String> {
    let dir = match asked {
        Some(dir) => fs::create_dir_all(&dir).map(|()| dir),
        None => {
            let stem = format!("chatlet-uploads-{}", std::process::id());
            fresh_dir(&std::env::temp_dir(), &stem)
        }
    };
    dir.map_err(|error| format!("cannot make the upload directory: {error}"))
}

/// Creates `parent/stem`, or `parent/stem-1`, `-2`… when it exists already.
fn fresh_dir(parent: &Path, stem: &str) -> io::Result<PathBuf> {
    for n in 0..1_000 {
        let dir = match n {
            0 => parent.join(stem),
            n => parent.join(format!("{stem}-{n}")),
        };
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::new(
        ErrorKind::AlreadyExists,
        format!("{stem} and 999 more exist in {}", parent.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|arg| arg.to_string()))
    }

    #[test]
    fn defaults_and_options() {
        assert_eq!(parse(&[]), Ok(Command::Serve(Args::default())));
        assert_eq!(
            parse(&["--port", "0", "--host=0.0.0.0", "--upload-dir", "/tmp/up"]),
            Ok(Command::Serve(Args {
                port: 0,
                host: "0.0.0.0".into(),
                upload_dir: Some("/tmp/up".into()),
                limits: http::Limits::default(),
            }))
        );
        assert_eq!(parse(&["--port=9"]).map(|_| ()), Ok(()));
        assert_eq!(
            parse(&["x", "--help"]).map(|_| ()),
            Err("unknown argument x".into())
        );
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn bad_arguments() {
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "70000"]).is_err());
        assert!(parse(&["--port", "-1"]).is_err());
        assert!(parse(&["--verbose"]).is_err());
    }

    #[test]
    fn fresh_dirs_never_reuse_one() {
        let parent = uploads::TestDir::new();
        let first = fresh_dir(&parent.0, "up").expect("first");
        let second = fresh_dir(&parent.0, "up").expect("second");
        assert_eq!(first, parent.0.join("up"));
        assert_eq!(second, parent.0.join("up-1"));
        assert!(second.is_dir());
        let nested = parent.0.join("a/b");
        assert_eq!(upload_dir(Some(nested.clone())), Ok(nested.clone()));
        assert!(nested.is_dir());
    }
}
