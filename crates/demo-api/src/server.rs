//! The HTTP/1.1 server under the router: hyper's connections on tokio, with
//! the limits a server anyone can reach needs.
//!
//! Reading and framing requests is hyper's (strict: a malformed head,
//! `Transfer-Encoding` other than a final `chunked`, a bad or conflicting
//! `Content-Length`, a bad chunk are all refused and the connection closed).
//! On top of it, the rules that keep one client from shutting others out:
//!
//! - **A head has a deadline.** A request head must arrive whole within
//!   [`Limits::head_deadline`] of the connection opening or of the previous
//!   answer, else the connection is closed (hyper's `header_read_timeout`):
//!   a connection that trickles a header line now and then, or says nothing,
//!   holds its place for that long at most. A head over [`MAX_HEAD_BYTES`]
//!   gets a 431.
//! - **Idle connections make way.** At most [`Limits::connections`] are held
//!   at once. When they are all taken, a new connection takes the place of
//!   an idle one (no request in progress: silent, or still sending its head):
//!   the oldest of the address that holds the most. Held or trickling
//!   connections cost their own address its places, never anyone else theirs.
//! - **Requests in progress are bounded per address.** An address with
//!   [`Limits::requests_per_peer`] requests in progress (a request lasts until
//!   its answer's last byte is sent) gets a 503 for one more. So idle
//!   connections can always be found unless many addresses are busy at once.
//!
//! A connection hyper is done with is closed gently ([`linger`]), so that
//! the client reads its last answer rather than a reset.
//!
//! [`serve`] runs until the shutdown future completes, then stops accepting,
//! lets the requests in progress finish (at most [`SHUTDOWN_GRACE`]) and
//! returns.

use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::reply;

/// The largest request head (request line and headers) taken; larger gets 431.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// The most a connection buffers from the client at once (hyper's read buffer).
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// How long a closing connection reads (and drops) what the client still sends.
pub const LINGER: Duration = Duration::from_secs(2);

/// How long requests in progress may take to finish once shutdown begins.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What the server allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections held at once.
    pub connections: usize,
    /// Requests in progress at once from one address.
    pub requests_per_peer: usize,
    /// How long a request head may take to arrive whole.
    pub head_deadline: Duration,
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let table = Arc::new(Table::new(limits));
    let (stop, stopping) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.head_deadline)
        .max_header_size(MAX_HEAD_BYTES)
        .max_buf_size(READ_BUFFER_BYTES);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, most likely: wait for some to close.
                tracing::warn!("cannot accept a connection: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(ticket) = table.admit(peer.ip().to_canonical()) else {
            refuse(&stream);
            continue;
        };
        let Ticket {
            id,
            peer,
            mut evicted,
        } = ticket;
        let service = {
            let (table, app) = (Arc::clone(&table), app.clone());
            hyper::service::service_fn(move |request: Request<Incoming>| {
                Box::pin(answer(Arc::clone(&table), app.clone(), id, peer, request))
            })
        };
        let mut connection = http.serve_connection(TokioIo::new(stream), service);
        let (table, mut stopping) = (Arc::clone(&table), stopping.clone());
        connections.spawn(async move {
            // Dropping the connection closes it: that is all eviction does.
            let ended = tokio::select! {
                _ = poll_fn(|cx| connection.poll_without_shutdown(cx)) => true,
                Ok(()) = &mut evicted => false,
                () = stopped(&mut stopping) => {
                    std::pin::Pin::new(&mut connection).graceful_shutdown();
                    let _ = poll_fn(|cx| connection.poll_without_shutdown(cx)).await;
                    true
                }
            };
            if ended {
                let mut stream = connection.into_parts().io.into_inner();
                tokio::select! {
                    () = linger(&mut stream) => {}
                    Ok(()) = evicted => {}
                }
            }
            table.leave(id);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drained).await;
}

/// One request: counted as in progress for its address until the answer's
/// last byte has gone, or refused with 503 past the address's limit.
async fn answer(
    table: Arc<Table>,
    app: Router,
    id: u64,
    peer: IpAddr,
    request: Request<Incoming>,
) -> Result<axum::response::Response, std::convert::Infallible> {
    let Some(busy) = table.begin(id, peer) else {
        tracing::info!(
            "{} {} 503 0ms (too many requests in progress from {peer})",
            request.method(),
            request.uri().path()
        );
        return Ok(reply::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many requests in progress from your address; try again",
        ));
    };
    let response = app.oneshot(request.map(Body::new)).await?;
    // The guard goes with the body, so it is dropped when the last byte is sent.
    Ok(response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            let _in_progress = &busy;
            frame
        }))
    }))
}

/// Completes once shutdown has begun.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// Ends a connection hyper is done with: no more writing, then what the
/// client still sends is read and dropped until it closes, for at most
/// [`LINGER`]. Closing a socket with unread bytes would reset it, and the
/// client could lose the answer (a 413 sent before its body, a 400).
async fn linger(stream: &mut TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut buffer = vec![0u8; 16 * 1024];
    let drain = async { while let Ok(1..) = stream.read(&mut buffer).await {} };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// Turns a connection away when every place is held by a request in
/// progress: one try at a 503, then the socket is closed.
fn refuse(stream: &TcpStream) {
    tracing::warn!("every connection is busy: one more turned away");
    let _ = stream.try_write(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

/// The connections held, and the requests in progress by address.
#[derive(Debug)]
struct Table {
    limits: Limits,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    connections: HashMap<u64, Connection>,
    busy_by_peer: HashMap<IpAddr, usize>,
}

#[derive(Debug)]
struct Connection {
    peer: IpAddr,
    opened: Instant,
    busy: bool,
    /// Closes the connection when sent to (or dropped).
    evict: oneshot::Sender<()>,
}

/// A place in the table, for one connection.
#[derive(Debug)]
struct Ticket {
    id: u64,
    peer: IpAddr,
    /// Completes when the connection must make way for another.
    evicted: oneshot::Receiver<()>,
}

/// A request in progress; dropping it ends it.
#[derive(Debug)]
struct Busy {
    table: Arc<Table>,
    id: u64,
    peer: IpAddr,
}

impl Table {
    fn new(limits: Limits) -> Self {
        Table {
            limits,
            state: Mutex::default(),
        }
    }

    /// A place for a new connection from `peer`, evicting an idle connection
    /// when all are taken; `None` when every one has a request in progress.
    fn admit(&self, peer: IpAddr) -> Option<Ticket> {
        let mut state = self.lock();
        if state.connections.len() >= self.limits.connections {
            let victim = state.idle_victim()?;
            if let Some(connection) = state.connections.remove(&victim) {
                let _ = connection.evict.send(());
            }
        }
        let id = state.next_id;
        state.next_id += 1;
        let (evict, evicted) = oneshot::channel();
        state.connections.insert(
            id,
            Connection {
                peer,
                opened: Instant::now(),
                busy: false,
                evict,
            },
        );
        Some(Ticket { id, peer, evicted })
    }

    /// Frees a closed connection's place.
    fn leave(&self, id: u64) {
        self.lock().connections.remove(&id);
    }

    /// Starts a request on connection `id`, unless `peer` has too many.
    fn begin(self: &Arc<Self>, id: u64, peer: IpAddr) -> Option<Busy> {
        let mut state = self.lock();
        let busy = state.busy_by_peer.entry(peer).or_default();
        if *busy >= self.limits.requests_per_peer {
            return None;
        }
        *busy += 1;
        if let Some(connection) = state.connections.get_mut(&id) {
            connection.busy = true;
        }
        Some(Busy {
            table: Arc::clone(self),
            id,
            peer,
        })
    }

    /// Locks the state; a poisoned lock is used as it is (see `faults`).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The connection to close for a newcomer: the oldest idle one of the
    /// address holding the most connections (among those with an idle one).
    fn idle_victim(&self) -> Option<u64> {
        // Per address: connections held, and its oldest idle one.
        let mut by_peer: HashMap<IpAddr, (usize, Option<(Instant, u64)>)> = HashMap::new();
        for (&id, connection) in &self.connections {
            let (held, oldest) = by_peer.entry(connection.peer).or_default();
            *held += 1;
            if !connection.busy && oldest.is_none_or(|(opened, _)| connection.opened < opened) {
                *oldest = Some((connection.opened, id));
            }
        }
        by_peer
            .into_values()
            .filter_map(|(held, oldest)| oldest.map(|(opened, id)| (held, opened, id)))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(_, _, id)| id)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.table.lock();
        if let Some(busy) = state.busy_by_peer.get_mut(&self.peer) {
            *busy -= 1;
            if *busy == 0 {
                state.busy_by_peer.remove(&self.peer);
            }
        }
        if let Some(connection) = state.connections.get_mut(&self.id) {
            connection.busy = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(connections: usize, requests_per_peer: usize) -> Arc<Table> {
        Arc::new(Table::new(Limits {
            connections,
            requests_per_peer,
            head_deadline: Duration::from_secs(1),
        }))
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn a_full_table_evicts_the_busiest_address_oldest_idle_connection() {
        let table = table(4, 8);
        let mut a1 = table.admit(ip(1)).expect("a place");
        let mut a2 = table.admit(ip(1)).expect("a place");
        let mut a3 = table.admit(ip(1)).expect("a place");
        let mut b1 = table.admit(ip(2)).expect("a place");
        // a1 is busy: a2 is the oldest idle connection of 10.0.0.1.
        let busy = table.begin(a1.id, ip(1)).expect("a request");
        let c1 = table.admit(ip(3)).expect("a place");
        assert_eq!(a2.evicted.try_recv(), Ok(()));
        for ticket in [&mut a1, &mut a3, &mut b1] {
            assert!(ticket.evicted.try_recv().is_err());
        }
        assert_eq!(table.lock().connections.len(), 4);
        // 10.0.0.1 still holds the most (a1, a3): a3 goes next, then b1 or c1.
        table.admit(ip(4)).expect("a place");
        assert_eq!(a3.evicted.try_recv(), Ok(()));
        drop((busy, c1));
    }

    #[test]
    fn requests_in_progress_are_bounded_per_address() {
        let table = table(8, 2);
        let a = table.admit(ip(1)).expect("a place");
        let b = table.admit(ip(2)).expect("a place");
        let first = table.begin(a.id, ip(1)).expect("first");
        let second = table.begin(a.id, ip(1)).expect("second");
        assert!(table.begin(a.id, ip(1)).is_none(), "a third from 10.0.0.1");
        assert!(
            table.begin(b.id, ip(2)).is_some(),
            "10.0.0.2 is not affected"
        );
        drop(first);
        assert!(table.begin(a.id, ip(1)).is_some(), "a place again");
        drop(second);
    }

    #[test]
    fn when_every_connection_is_busy_a_newcomer_is_refused() {
        let table = table(2, 8);
        let a = table.admit(ip(1)).expect("a place");
        let b = table.admit(ip(2)).expect("a place");
        let _busy = (
            table.begin(a.id, ip(1)).expect("busy"),
            table.begin(b.id, ip(2)).expect("busy"),
        );
        assert!(table.admit(ip(3)).is_none());
        table.leave(a.id);
        assert!(table.admit(ip(3)).is_some());
    }
}
