//! `chatlet-demo-api`: a small demo HTTP API for Chatlet's visitor test page
//! and end-to-end browser tests, and the worked example of what a site's own
//! endpoints must do for the widget (docs/embedding.md).
//!
//! ```text
//! chatlet-demo-api [--port N] [--host ADDR] [--upload-dir DIR] [--control]
//!                  [--max-connections N] [--max-requests-per-peer N] [--idle-ms N]
//! ```
//!
//! Defaults: port 8081 (0 picks a free port), host 127.0.0.1, uploads in a
//! new directory `chatlet-uploads-PID` under the system temp dir (a given
//! `--upload-dir` is created if missing). When ready it prints exactly two
//! lines to stdout, `chatlet-demo-api listening on http://HOST:PORT` then
//! `chatlet-demo-api uploads in DIR`, and flushes them. It logs `METHOD PATH
//! STATUS ms` for every request to stderr (`tracing`). If it cannot listen
//! (port in use, bad host) or make the upload directory it says so on stderr
//! and exits with 1; bad arguments exit with 2 (`clap`). SIGTERM or Ctrl-C
//! stops it: no new connections, requests in progress finish (at most 5 s),
//! exit 0.
//!
//! It is axum's router ([`routes`]) on hyper and tokio ([`server`]). A
//! request head must arrive whole within `--idle-ms` (default 10 s) and be at
//! most 16 KiB (else 431); at most `--max-connections` (default 1024) are
//! held, an idle one making way for a newcomer when all are taken; one
//! address has at most `--max-requests-per-peer` (default 32) requests in
//! progress (one more gets 503); a request is answered within 60 s (else
//! 408). Answers are JSON with `Content-Type: application/json` and
//! `Cache-Control: no-store`:
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/health` | 200 `{"ok":true}` |
//! | `GET /api/balance?account=A&email=E` | 200 `{"account","email","accountBalance","currency":"USD"}` with a random amount 10.00–99999.99 when A is 6 digits and E looks like an email; else 404 `{"error"}` naming the bad parameter |
//! | `POST /api/escalate` | needs `Authorization: Bearer chatlet-demo-token` (else 401) and a JSON body with a string `message` (else 400; over 64 KiB 413); 201 `{"ticket":"T-123456","message"}` |
//! | `GET /api/slow?ms=N` | waits N ms (default 3000, at most 30000), then 200 `{"waited":N}` |
//! | `ANY /api/fail?status=S` | status S (default 500; not 400–599 gives 400) with `{"error":"failing on purpose"}` |
//! | `GET /api/no-cors` | 200 `{"ok":true}` without CORS headers |
//! | `POST /api/control/fail?path=P&status=S&times=N` | only with `--control` (else 404): the next N (default 1) requests to path P answer S (default 500) with `{"error":"injected failure"}`; 200 `{"ok":true}` |
//! | `POST /api/control/reset` | only with `--control` (else 404): clears all injected failures; 200 `{"ok":true}` |
//! | `POST /api/upload?name=N` (or `PUT`) | streams the raw body (not multipart) to the file `ID-NAME` in the upload directory, NAME being N's base name with all but ASCII letters, digits, `.`, `-`, `_` made `_` (default `upload.bin`); 201 `{"id":"U-<32 hex digits>","name":NAME,"bytes":N,"contentType":"<the request's Content-Type or empty>"}`; an empty body 400; over 5 MiB (5242880 bytes) 413, before reading when `Content-Length` says so, else as soon as the body passes the limit (the partial file is deleted) |
//! | `GET /api/uploads/ID` | 200 with the stored bytes as `application/octet-stream`; any id this server did not hand out (unknown, malformed, however encoded) 404 |
//! | `OPTIONS` anything but `/api/no-cors` | 204, the CORS preflight answer: allows `GET, POST, PUT, OPTIONS` and every request header the browser names, for 600 s |
//! | anything else | 404 `{"error":"no such endpoint"}`; a known path with the wrong method 405 with `Allow` |
//!
//! Upload ids are random (UUID v4: 122 bits from the system's generator):
//! knowing some tells nothing about the others. Every answer but
//! `/api/no-cors`'s carries `Access-Control-Allow-Origin: *`, and every one
//! but a preflight's `Access-Control-Expose-Headers: Content-Type`
//! (tower-http's `CorsLayer`, [`reply::cors`]). Query
//! values are decoded like a form (`+` is a space, `%2B` a plus). Other
//! request bodies are limited to 64 KiB (413 before reading a larger
//! `Content-Length`).

#![forbid(unsafe_code)]

mod faults;
mod reply;
mod routes;
mod server;
mod uploads;

use std::fs;
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::net::TcpListener;

use crate::routes::Context;
use crate::uploads::Uploads;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "chatlet-demo-api",
    about = "Chatlet's demo HTTP API: the endpoints the visitor test page and the end-to-end tests call."
)]
struct Args {
    /// Port to listen on (0 picks a free port).
    #[arg(long, value_name = "N", default_value_t = 8081)]
    port: u16,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    host: String,
    /// Where uploads are stored (created if missing; default: a new
    /// chatlet-uploads-PID directory under the system temp dir).
    #[arg(long, value_name = "DIR")]
    upload_dir: Option<PathBuf>,
    /// Serve /api/control/* (fault injection for tests: anyone who can reach
    /// the server could make it fail for everyone).
    #[arg(long)]
    control: bool,
    /// Connections held at once; when all are taken a new one replaces an idle one.
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Requests in progress at once from one address; one more gets 503.
    #[arg(long, value_name = "N", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_requests_per_peer: u32,
    /// A request head must arrive whole within this many milliseconds of the
    /// connection opening or of the last answer, else the connection closes.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_ms: u64,
}

impl Args {
    fn limits(&self) -> server::Limits {
        server::Limits {
            connections: self.max_connections as usize,
            requests_per_peer: self.max_requests_per_peer as usize,
            head_deadline: Duration::from_millis(self.idle_ms),
        }
    }
}

fn main() -> ExitCode {
    // Exits with 2 (usage on stderr) for bad arguments, 0 for --help.
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .without_time()
        .with_level(false)
        .with_target(false)
        .with_ansi(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("chatlet-demo-api: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("chatlet-demo-api: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Listens, announces the address on stdout, then answers requests until
/// SIGTERM or Ctrl-C.
async fn run(args: Args) -> Result<(), String> {
    let wanted = if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]:{}", args.host, args.port) // a bare IPv6 address
    } else {
        format!("{}:{}", args.host, args.port)
    };
    let listener = TcpListener::bind(&wanted)
        .await
        .map_err(|error| format!("cannot listen on {wanted}: {error}"))?;
    let address = listener
        .local_addr()
        .map_or(wanted, |address| address.to_string());
    // Before the ready lines: a signal right after them stops the server cleanly.
    let stop = stop_signal().map_err(|error| format!("cannot watch for signals: {error}"))?;

    let upload_dir = upload_dir(args.upload_dir.clone())?;
    // Both lines in one write: a parent that reads the first line and closes
    // the pipe must not make the second one fail.
    let announcement = format!(
        "chatlet-demo-api listening on http://{address}\nchatlet-demo-api uploads in {}\n",
        upload_dir.display()
    );
    let context = Context {
        faults: faults::Faults::default(),
        uploads: Uploads::new(upload_dir),
        control: args.control,
    };
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(announcement.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| format!("cannot write to stdout: {error}"))?;
    drop(stdout);

    server::serve(
        listener,
        routes::app(Arc::new(context)),
        args.limits(),
        stop,
    )
    .await;
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C (SIGINT); the handlers are in place when
/// this returns.
#[cfg(unix)]
fn stop_signal() -> io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
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

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("chatlet-demo-api").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_and_options() {
        let defaults = parse(&[]).expect("no arguments");
        assert_eq!((defaults.port, defaults.host.as_str()), (8081, "127.0.0.1"));
        assert_eq!(
            (defaults.upload_dir.as_deref(), defaults.control),
            (None, false)
        );
        assert_eq!(
            defaults.limits(),
            server::Limits {
                connections: 1024,
                requests_per_peer: 32,
                head_deadline: Duration::from_secs(10),
            }
        );
        let args = parse(&[
            "--port",
            "0",
            "--host=0.0.0.0",
            "--upload-dir",
            "/tmp/up",
            "--control",
        ])
        .expect("options");
        assert_eq!((args.port, args.host.as_str()), (0, "0.0.0.0"));
        assert_eq!(args.upload_dir, Some(PathBuf::from("/tmp/up")));
        assert!(args.control);
        let args = parse(&[
            "--max-connections=4",
            "--idle-ms",
            "400",
            "--max-requests-per-peer",
            "2",
        ])
        .expect("limits");
        assert_eq!(
            args.limits(),
            server::Limits {
                connections: 4,
                requests_per_peer: 2,
                head_deadline: Duration::from_millis(400),
            }
        );
        let help = parse(&["--help"]).expect_err("help is not a run");
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
    }

    #[test]
    fn bad_arguments() {
        for bad in [
            &["--port"][..],
            &["--port", "70000"],
            &["--port", "-1"],
            &["--verbose"],
            &["x", "--help"],
            &["--max-connections", "0"],
            &["--idle-ms", "0"],
            &["--control=yes"],
        ] {
            let error = parse(bad).expect_err("refused");
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
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
