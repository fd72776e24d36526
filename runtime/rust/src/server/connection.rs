//! Connections: what the server knows about each one, the timeouts that close them,
//! and the cap on how many are open.
//!
//! hyper's own HTTP/1 header-read timer is armed and disarmed for every request (a
//! boxed `Sleep` registered in the timer wheel each time a keep-alive connection waits
//! for its next request), which costs a measurable share of throughput. Instead each
//! connection keeps a few counters that its own task bumps with plain atomic stores
//! (bytes came in, a request started, a response was produced), and one sweeper task
//! per server looks at every connection on a coarse tick (a tenth of the shortest
//! timeout, at most 1 s) to tell idle, header-reading and busy connections apart and
//! to close the ones over their limit. The hot path never reads a clock or touches a
//! timer; a timeout fires up to one tick late.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use hyper_util::server::graceful::GracefulConnection;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::config::ServerConfig;

/// Nothing asked of the connection.
const KEEP: u8 = 0;
/// Finish what is in flight, then close (HTTP/1.1: close when idle; HTTP/2: GOAWAY).
pub(crate) const CLOSE_GRACEFULLY: u8 = 1;
/// Close the socket now.
pub(crate) const CLOSE_NOW: u8 = 2;

/// What a connection's task tells the sweeper, and what the sweeper asks of the task.
#[derive(Default)]
pub(crate) struct ConnState {
    /// Reads that returned data. Written only by the connection's own task.
    reads: AtomicU64,
    /// Requests handed to the service. Written only by the connection's task (hyper
    /// calls the service there for HTTP/1 and HTTP/2 alike).
    started: AtomicU64,
    /// Requests whose response was produced (or whose handling was dropped).
    /// HTTP/2 streams finish on their own tasks, hence `fetch_add`.
    finished: AtomicU64,
    /// The connection began with the HTTP/2 preface.
    h2: AtomicBool,
    /// [`KEEP`], [`CLOSE_GRACEFULLY`] or [`CLOSE_NOW`]; only ever raised.
    close: AtomicU8,
    waker: Mutex<Option<Waker>>,
}

impl ConnState {
    /// Called by the service for every request it is given.
    pub(crate) fn request_started(&self) {
        // Single writer: a load and a store, not a locked read-modify-write.
        let n = self.started.load(Ordering::Relaxed);
        self.started.store(n + 1, Ordering::Relaxed);
    }

    /// Counts the request as finished when dropped (also when hyper drops a request
    /// whose client went away).
    pub(crate) fn in_flight(&self) -> InFlight<'_> {
        InFlight(self)
    }

    pub(crate) fn is_h2(&self) -> bool {
        self.h2.load(Ordering::Relaxed)
    }

    /// Asks the connection's task to close (see [`CLOSE_GRACEFULLY`], [`CLOSE_NOW`]).
    pub(crate) fn request_close(&self, how: u8) {
        if self.close.fetch_max(how, Ordering::AcqRel) >= how {
            return;
        }
        if let Some(w) = lock(&self.waker).as_ref() {
            w.wake_by_ref();
        }
    }

    fn busy(&self) -> bool {
        self.started.load(Ordering::Relaxed) != self.finished.load(Ordering::Relaxed)
    }
}

pub(crate) struct InFlight<'a>(&'a ConnState);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::Relaxed);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The socket of a connection, counting the reads that bring data and noticing the
/// HTTP/2 preface. Everything else is passed through (vectored writes included, which
/// hyper's HTTP/1 encoder relies on).
pub(crate) struct TrackedIo<C> {
    io: TcpStream,
    state: Arc<C>,
    sniffed: bool,
}

impl<C: AsRef<ConnState>> TrackedIo<C> {
    pub(crate) fn new(io: TcpStream, state: Arc<C>) -> Self {
        TrackedIo {
            io,
            state,
            sniffed: false,
        }
    }
}

impl<C: AsRef<ConnState>> AsyncRead for TrackedIo<C> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let result = Pin::new(&mut this.io).poll_read(cx, buf);
        let got = &buf.filled()[before..];
        if !got.is_empty() {
            let state = (*this.state).as_ref();
            let n = state.reads.load(Ordering::Relaxed);
            state.reads.store(n + 1, Ordering::Relaxed);
            if !this.sniffed {
                this.sniffed = true;
                if got.starts_with(b"PRI") {
                    state.h2.store(true, Ordering::Relaxed);
                }
            }
        }
        result
    }
}

impl<C> AsyncWrite for TrackedIo<C> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Resolves with the close request each time it is raised.
struct CloseSignal<'a> {
    state: &'a ConnState,
    seen: u8,
    registered: Option<Waker>,
}

impl CloseSignal<'_> {
    fn poll(&mut self, cx: &mut TaskContext<'_>) -> Poll<u8> {
        let now = self.state.close.load(Ordering::Acquire);
        if now > self.seen {
            self.seen = now;
            return Poll::Ready(now);
        }
        // The task's waker is the same on every poll: store it once, not per wake-up.
        if !self
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            *lock(&self.state.waker) = Some(cx.waker().clone());
            self.registered = Some(cx.waker().clone());
            let now = self.state.close.load(Ordering::Acquire);
            if now > self.seen {
                self.seen = now;
                return Poll::Ready(now);
            }
        }
        Poll::Pending
    }
}

/// Drives one connection until it ends or is told to close: a graceful close lets
/// hyper finish what is in flight, a close-now drops the connection (closing the
/// socket).
pub(crate) async fn drive<C>(conn: C, state: &ConnState)
where
    C: GracefulConnection,
    C::Error: std::fmt::Display,
{
    tokio::pin!(conn);
    let mut signal = CloseSignal {
        state,
        seen: KEEP,
        registered: None,
    };
    let mut graceful = false;
    loop {
        let event = std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = conn.as_mut().poll(cx) {
                return Poll::Ready(Err(result));
            }
            signal.poll(cx).map(Ok)
        })
        .await;
        match event {
            Err(Ok(())) => return,
            Err(Err(e)) => {
                tracing::debug!(error = %e, "connection ended with an error");
                return;
            }
            Ok(CLOSE_NOW) => return,
            Ok(_) if !graceful => {
                graceful = true;
                conn.as_mut().graceful_shutdown();
            }
            Ok(_) => {}
        }
    }
}

/// Where a connection is, as far as the sweeper can tell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// No request yet.
    Fresh,
    /// Between requests, nothing read since the last one finished.
    Idle,
    /// Between requests, part of the next one read (HTTP/1.1 headers arriving).
    Head,
    /// Requests in flight.
    Busy,
}

struct Tracked {
    conn: Arc<dyn AsRef<ConnState> + Send + Sync>,
    phase: Phase,
    since: Instant,
    seen: (u64, u64, u64),
    /// When a graceful close was asked, to close for good if it drags on.
    closing: Option<Instant>,
}

impl Tracked {
    fn state(&self) -> &ConnState {
        (*self.conn).as_ref()
    }
}

/// Every open connection of a server.
pub(crate) struct Registry {
    slots: Mutex<Slots>,
    /// Signalled whenever a connection closes.
    closed: Notify,
    limits: Limits,
}

#[derive(Default)]
struct Slots {
    entries: Vec<Option<Tracked>>,
    free: Vec<usize>,
    open: usize,
    /// The listener is closed: idle connections go now, busy ones after their response.
    shutting_down: bool,
}

#[derive(Clone, Copy)]
struct Limits {
    header_read: Duration,
    idle: Duration,
    max_connections: usize,
    tick: Duration,
}

/// How long a connection asked to close gracefully may take before it is closed.
const GRACEFUL_CLOSE_LIMIT: Duration = Duration::from_secs(10);

/// Once the listener has closed, an HTTP/1.1 connection idle for this long is closed;
/// a connection in use is closed by `Connection: close` on its next answer.
pub(crate) const SHUTDOWN_LINGER: Duration = Duration::from_millis(500);

/// How often the sweeper looks once the listener has closed.
const SHUTDOWN_TICK: Duration = Duration::from_millis(50);

impl Registry {
    pub(crate) fn new(config: &ServerConfig) -> Self {
        let shortest = [config.header_read_timeout, config.idle_timeout]
            .into_iter()
            .filter(|d| !d.is_zero())
            .min()
            .unwrap_or(Duration::from_secs(10));
        Registry {
            slots: Mutex::new(Slots::default()),
            closed: Notify::new(),
            limits: Limits {
                header_read: config.header_read_timeout,
                idle: config.idle_timeout,
                max_connections: config.max_connections,
                tick: (shortest / 10).clamp(Duration::from_millis(10), Duration::from_secs(1)),
            },
        }
    }

    /// How often the sweeper looks.
    pub(crate) fn tick(&self) -> Duration {
        self.limits.tick
    }

    pub(crate) fn open(&self) -> usize {
        lock(&self.slots).open
    }

    pub(crate) fn is_full(&self) -> bool {
        self.open() >= self.limits.max_connections
    }

    /// Registers a new connection; returns its slot for [`Registry::remove`].
    pub(crate) fn insert(&self, conn: Arc<dyn AsRef<ConnState> + Send + Sync>) -> usize {
        let mut slots = lock(&self.slots);
        let tracked = Tracked {
            conn,
            phase: Phase::Fresh,
            since: Instant::now(),
            seen: (0, 0, 0),
            closing: None,
        };
        slots.open += 1;
        match slots.free.pop() {
            Some(i) => {
                slots.entries[i] = Some(tracked);
                i
            }
            None => {
                slots.entries.push(Some(tracked));
                slots.entries.len() - 1
            }
        }
    }

    pub(crate) fn remove(&self, slot: usize) {
        let mut slots = lock(&self.slots);
        if slots.entries[slot].take().is_some() {
            slots.free.push(slot);
            slots.open -= 1;
        }
        drop(slots);
        self.closed.notify_waiters();
    }

    /// Waits until some connection closes.
    pub(crate) fn closed(&self) -> tokio::sync::futures::Notified<'_> {
        self.closed.notified()
    }

    /// Closes the connection that has waited longest without a request in flight, to
    /// make room for a new one (as nginx reuses keep-alive connections when it runs
    /// out). Returns false when every connection is busy.
    pub(crate) fn evict_idlest(&self) -> bool {
        let slots = lock(&self.slots);
        let victim = slots
            .entries
            .iter()
            .flatten()
            .filter(|t| t.closing.is_none() && !t.state().busy())
            .min_by_key(|t| t.since);
        match victim {
            Some(t) => {
                tracing::debug!("connection limit reached: closing the idlest connection");
                t.state().request_close(CLOSE_NOW);
                true
            }
            None => false,
        }
    }

    /// The listener has closed: HTTP/2 connections get GOAWAY, HTTP/1.1 connections
    /// unused for [`SHUTDOWN_LINGER`] are closed (now and on every later sweep), the
    /// others are closed by their next answer. A connection that has not sent its
    /// first request yet is left to send it (it was accepted before the listener
    /// closed, so its client may be writing it right now).
    pub(crate) fn begin_shutdown(&self) {
        lock(&self.slots).shutting_down = true;
        // A sweep first brings every phase up to date: a connection used since the
        // last tick must not be taken for one idle since then.
        self.sweep(Instant::now());
    }

    fn is_shutting_down(&self) -> bool {
        lock(&self.slots).shutting_down
    }

    /// Closes every connection still open (the grace period is over).
    pub(crate) fn close_all(&self) {
        let slots = lock(&self.slots);
        for t in slots.entries.iter().flatten() {
            t.state().request_close(CLOSE_NOW);
        }
    }

    /// One look at every connection: updates its phase and closes it when it has been
    /// in that phase longer than the phase's limit.
    pub(crate) fn sweep(&self, now: Instant) {
        let limits = self.limits;
        let mut slots = lock(&self.slots);
        let shutting_down = slots.shutting_down;
        for t in slots.entries.iter_mut().flatten() {
            let conn = t.conn.clone();
            let state = (*conn).as_ref();
            let counters = (
                state.started.load(Ordering::Relaxed),
                state.finished.load(Ordering::Relaxed),
                state.reads.load(Ordering::Relaxed),
            );
            let h2 = state.is_h2();
            let phase = if counters.0 != counters.1 {
                Phase::Busy
            } else if counters.0 == 0 {
                Phase::Fresh
            } else if (counters.0, counters.1) != (t.seen.0, t.seen.1) || t.phase == Phase::Busy {
                // A request finished since the last look: what was read belonged to it.
                Phase::Idle
            } else if t.phase == Phase::Idle && counters.2 != t.seen.2 && !h2 {
                Phase::Head
            } else {
                t.phase
            };
            if phase != t.phase
                || (phase == Phase::Idle && (counters.0, counters.1) != (t.seen.0, t.seen.1))
            {
                t.phase = phase;
                t.since = now;
            }
            t.seen = counters;

            if let Some(asked) = t.closing {
                if now.duration_since(asked) >= GRACEFUL_CLOSE_LIMIT {
                    state.request_close(CLOSE_NOW);
                }
                continue;
            }
            if shutting_down {
                close_if_idle_at_shutdown(t, now);
                if t.closing.is_some() {
                    continue;
                }
            }
            let limit = match (t.phase, h2) {
                (Phase::Busy, _) => Duration::ZERO,
                (Phase::Fresh, false) | (Phase::Head, _) => limits.header_read,
                (Phase::Fresh, true) | (Phase::Idle, _) => limits.idle,
            };
            if !limit.is_zero() && now.duration_since(t.since) >= limit {
                tracing::debug!(phase = ?t.phase, ?limit, "closing a connection over its time limit");
                if h2 {
                    t.closing = Some(now);
                    t.state().request_close(CLOSE_GRACEFULLY);
                } else {
                    t.state().request_close(CLOSE_NOW);
                }
            }
        }
    }
}

fn close_if_idle_at_shutdown(t: &mut Tracked, now: Instant) {
    if t.closing.is_some() {
        return;
    }
    let conn = t.conn.clone();
    let state = (*conn).as_ref();
    if state.is_h2() {
        // GOAWAY: the client learns which streams were served and retries the rest.
        t.closing = Some(now);
        state.request_close(CLOSE_GRACEFULLY);
    } else if t.phase == Phase::Idle
        && !state.busy()
        && now.duration_since(t.since) >= SHUTDOWN_LINGER
    {
        // An HTTP/1.1 connection its client has not used for a while: close it. One
        // in use gets `Connection: close` on its next answer instead, because closing
        // it now could cut off a request being written at this very moment.
        t.closing = Some(now);
        state.request_close(CLOSE_NOW);
    }
}

/// Looks at every connection once per tick until the server is gone.
pub(crate) async fn sweeper(registry: std::sync::Weak<Registry>) {
    loop {
        let tick = match registry.upgrade() {
            Some(r) if r.is_shutting_down() => r.tick().min(SHUTDOWN_TICK),
            Some(r) => r.tick(),
            None => return,
        };
        tokio::time::sleep(tick).await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        registry.sweep(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain(ConnState);
    impl AsRef<ConnState> for Plain {
        fn as_ref(&self) -> &ConnState {
            &self.0
        }
    }

    fn registry(header: u64, idle: u64, max: usize) -> Registry {
        Registry::new(&ServerConfig {
            header_read_timeout: Duration::from_secs(header),
            idle_timeout: Duration::from_secs(idle),
            max_connections: max,
            ..Default::default()
        })
    }

    fn conn(r: &Registry) -> Arc<Plain> {
        let c = Arc::new(Plain(ConnState::default()));
        r.insert(c.clone());
        c
    }

    fn read(c: &Plain) {
        c.0.reads.fetch_add(1, Ordering::Relaxed);
    }

    fn request(c: &Plain) {
        read(c);
        c.0.request_started();
        drop(c.0.in_flight());
    }

    fn closed(c: &Plain) -> u8 {
        c.0.close.load(Ordering::Relaxed)
    }

    #[test]
    fn phases_and_their_limits() {
        let r = registry(10, 60, 100);
        assert_eq!(r.tick(), Duration::from_secs(1));
        let fresh = conn(&r);
        let idle = conn(&r);
        let slow_head = conn(&r);
        let busy = conn(&r);
        let t0 = Instant::now();
        request(&idle);
        request(&slow_head);
        busy.0.request_started();
        let _in_flight = busy.0.in_flight();
        std::mem::forget(_in_flight);
        r.sweep(t0 + Duration::from_secs(1));
        read(&slow_head); // the next request's headers start arriving
        r.sweep(t0 + Duration::from_secs(2));
        r.sweep(t0 + Duration::from_secs(10));
        assert_eq!(
            closed(&fresh),
            CLOSE_NOW,
            "no request within the header timeout"
        );
        assert_eq!(closed(&slow_head), KEEP);
        read(&slow_head);
        r.sweep(t0 + Duration::from_secs(12));
        assert_eq!(
            closed(&slow_head),
            CLOSE_NOW,
            "headers not done within 10 s"
        );
        assert_eq!(closed(&idle), KEEP);
        r.sweep(t0 + Duration::from_secs(61));
        assert_eq!(closed(&idle), CLOSE_NOW, "idle for the idle timeout");
        r.sweep(t0 + Duration::from_secs(3600));
        assert_eq!(
            closed(&busy),
            KEEP,
            "a request in flight is never timed out here"
        );
    }

    #[test]
    fn eviction_picks_the_longest_idle() {
        let r = registry(10, 60, 2);
        let old = conn(&r);
        let t0 = Instant::now();
        request(&old);
        r.sweep(t0 + Duration::from_secs(1));
        let newer = conn(&r);
        request(&newer);
        r.sweep(t0 + Duration::from_secs(2));
        assert!(r.is_full());
        assert!(r.evict_idlest());
        assert_eq!(closed(&old), CLOSE_NOW);
        assert_eq!(closed(&newer), KEEP);
        newer.0.request_started();
        std::mem::forget(newer.0.in_flight());
        old.0.request_started();
        std::mem::forget(old.0.in_flight());
        assert!(!r.evict_idlest(), "busy connections are never evicted");
    }

    #[test]
    fn shutdown_closes_unused_connections_and_spares_fresh_ones() {
        let r = registry(10, 60, 100);
        let fresh = conn(&r);
        let unused = conn(&r);
        let in_use = conn(&r);
        request(&unused);
        let t0 = Instant::now();
        r.sweep(t0);
        request(&in_use);
        let h2 = conn(&r);
        h2.0.h2.store(true, Ordering::Relaxed);
        r.sweep(t0 + SHUTDOWN_LINGER);
        r.begin_shutdown();
        assert_eq!(closed(&h2), CLOSE_GRACEFULLY, "GOAWAY at once");
        r.sweep(t0 + SHUTDOWN_LINGER + Duration::from_millis(50));
        assert_eq!(closed(&unused), CLOSE_NOW, "unused for the linger time");
        assert_eq!(closed(&in_use), KEEP, "closed by its next answer instead");
        assert_eq!(closed(&fresh), KEEP, "its first request may be on the way");
        r.sweep(t0 + 2 * SHUTDOWN_LINGER + Duration::from_millis(100));
        assert_eq!(
            closed(&in_use),
            CLOSE_NOW,
            "unused for the linger time by now"
        );
    }
}
