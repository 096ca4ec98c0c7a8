//! A bounded load run against a running demo API: N clients, each on its own
//! keep-alive connection, ask `GET /api/balance` as fast as they are answered
//! for a few seconds; prints requests per second and latency percentiles.
//!
//! ```text
//! target/debug/chatlet-demo-api --port 8081 2>/dev/null &
//! cargo run -p chatlet-demo-api --example load -- 127.0.0.1:8081 --clients 16 --seconds 5
//! ```
//!
//! A measurement, not a test: it fails only when the server does not answer
//! 200. Every request is timed from its first byte sent to its answer's last
//! byte read.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;

/// The command line.
#[derive(Debug, Parser)]
struct Args {
    /// The server, `HOST:PORT`.
    address: String,
    /// Clients asking at once, each on its own connection.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// How long to ask.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

const REQUEST: &[u8] =
    b"GET /api/balance?account=123456&email=ada%40example.com HTTP/1.1\r\nHost: load\r\n\r\n";

fn main() -> Result<(), String> {
    let args = Args::parse();
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let clients: Vec<_> = (0..args.clients)
        .map(|_| {
            let address = args.address.clone();
            thread::spawn(move || client(&address, until))
        })
        .collect();
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.join().map_err(|_| "a client panicked")??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |fraction: f64| {
        let index = ((latencies.len() as f64 * fraction).ceil() as usize).saturating_sub(1);
        latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{} clients, {:.1} s: {} requests, {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.clients,
        elapsed,
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.50),
        at(0.99),
        at(1.0),
    );
    Ok(())
}

/// One client: requests on one connection (a new one if the server closes
/// it) until `until`; the latency of each.
fn client(address: &str, until: Instant) -> Result<Vec<Duration>, String> {
    let mut latencies = Vec::new();
    let mut connection: Option<BufReader<TcpStream>> = None;
    while Instant::now() < until {
        let stream = match connection.as_mut() {
            Some(stream) => stream,
            None => {
                let stream = TcpStream::connect(address).map_err(|e| format!("connect: {e}"))?;
                stream.set_nodelay(true).map_err(|e| e.to_string())?;
                connection.insert(BufReader::new(stream))
            }
        };
        let sent = Instant::now();
        match exchange(stream) {
            Ok(200) => latencies.push(sent.elapsed()),
            Ok(status) => return Err(format!("the server answered {status}")),
            // Closed by the server: open another.
            Err(_) => connection = None,
        }
    }
    Ok(latencies)
}

/// Sends one request and reads its answer; the status.
fn exchange(stream: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    stream.get_mut().write_all(REQUEST)?;
    let mut line = String::new();
    let mut status = 0;
    let mut length = 0;
    loop {
        line.clear();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some(rest) = header.strip_prefix("HTTP/1.1 ") {
            status = rest
                .get(..3)
                .and_then(|code| code.parse().ok())
                .unwrap_or(0);
        } else if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok(status)
}
