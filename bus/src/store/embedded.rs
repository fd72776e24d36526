//! The embedded store: one SQLite file in WAL mode.
//!
//! One writer thread owns the write connection and commits in groups: it takes every
//! publish request waiting in its queue, writes them in one transaction (a savepoint
//! each, so one request's failure does not fail the others) and commits once, with
//! `synchronous=FULL`, so the commit returns only after fsync. Publishers are answered
//! after that commit; under load one fsync covers many requests (group commit).
//!
//! Each event gets a sequence number (`seq`, increasing, never reused). Deliverers read
//! the events of their topic after their position from read-only connections (WAL lets
//! readers run beside the writer) and report acknowledgements; positions are written
//! in the next transaction without waiting for fsync of their own, as losing the last
//! few only means delivering those events again (at least once).
//!
//! Events that every subscriber of their topic acknowledged, and that are older than the
//! retention period, are deleted; until then their ids also keep a retried publish from
//! being stored twice.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use brief_runtime::{BoxFuture, Error};
use bytes::Bytes;
use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};
use tokio::sync::{mpsc, oneshot, watch};

use super::{Feed, Store};
use crate::event::Event;

/// Settings of the embedded store.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database file (created with its folder when missing).
    pub path: PathBuf,
    /// How long delivered events, and so their ids, are kept (default 7 days).
    pub retention: Duration,
    /// How often delivered events past retention are deleted (default 1 min).
    pub prune_interval: Duration,
    /// Publish requests waiting for the writer before publishers wait (default 1024).
    pub queue: usize,
}

impl Options {
    /// The defaults, storing in `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Options {
            path: path.into(),
            retention: Duration::from_secs(7 * 24 * 3600),
            prune_interval: Duration::from_secs(60),
            queue: 1024,
        }
    }
}

/// Most events written in one transaction; more waiting requests go in the next one.
const MAX_GROUP_EVENTS: usize = 50_000;
/// Events a deliverer reads at once.
const READ_BATCH: i64 = 256;
/// Read connections kept open for deliverers.
const MAX_IDLE_READERS: usize = 8;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq       INTEGER PRIMARY KEY,
    id        TEXT    NOT NULL UNIQUE,
    topic     TEXT    NOT NULL,
    body      BLOB    NOT NULL,
    stored_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_topic ON events (topic, seq);
CREATE TABLE IF NOT EXISTS positions (
    subscriber TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (subscriber, topic)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
";

/// The SQLite store. Cheap to share (`Arc` inside).
pub struct Embedded {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Command>,
}

/// Where the writer answers one publish request: how many of its events were new.
type Reply = oneshot::Sender<Result<usize, Error>>;

enum Command {
    Append {
        events: Vec<Event>,
        reply: Reply,
    },
    /// Positions changed: write them soon.
    Wake,
    /// Write positions now and answer.
    Flush(oneshot::Sender<()>),
}

struct Shared {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    /// Subscribed topics: the last stored seq (deliverers wait on it) and their lags.
    topics: RwLock<HashMap<String, Arc<TopicState>>>,
    positions: Mutex<Positions>,
}

struct TopicState {
    last_seq: watch::Sender<i64>,
    lags: Mutex<Vec<Arc<AtomicU64>>>,
}

/// Where each subscription is, and which of those the database does not have yet.
#[derive(Default)]
struct Positions {
    acked: HashMap<(String, String), i64>,
    dirty: HashMap<(String, String), i64>,
}

fn store_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::unavailable(format!("event store: {what}: {e}"))
}

impl Embedded {
    /// Opens (or creates) the database and starts the writer thread.
    pub fn open(options: Options) -> Result<Embedded, Error> {
        if let Some(dir) = options.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| store_error(&format!("cannot create {}", dir.display()), e))?;
        }
        let conn = Connection::open(&options.path)
            .map_err(|e| store_error(&format!("cannot open {}", options.path.display()), e))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| store_error("cannot set WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(store_error("cannot set WAL mode", format!("got {mode}")));
        }
        // A page cache of 32 MiB (SQLite's default is 2 MiB) keeps the id index, where
        // random UUIDs land anywhere, mostly in memory.
        conn.pragma_update(None, "synchronous", "FULL")
            .and_then(|_| conn.pragma_update(None, "cache_size", -32_768))
            .and_then(|_| conn.execute_batch(SCHEMA))
            .map_err(|e| store_error("cannot create the schema", e))?;
        let positions = {
            let mut stmt = conn
                .prepare("SELECT subscriber, topic, seq FROM positions")
                .map_err(|e| store_error("cannot read positions", e))?;
            let rows = stmt
                .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
                .and_then(|rows| rows.collect::<Result<HashMap<_, _>, _>>())
                .map_err(|e| store_error("cannot read positions", e))?;
            rows
        };
        let shared = Arc::new(Shared {
            path: options.path.clone(),
            readers: Mutex::new(Vec::new()),
            topics: RwLock::new(HashMap::new()),
            positions: Mutex::new(Positions {
                acked: positions,
                dirty: HashMap::new(),
            }),
        });
        // Sequence numbers are never reused, even after pruning deleted the newest
        // events: pruning records the highest one in `meta` first.
        let last_seq: i64 = conn
            .query_row(
                "SELECT max(coalesce((SELECT max(seq) FROM events), 0),
                            coalesce((SELECT value FROM meta WHERE key = 'last_seq'), 0))",
                [],
                |r| r.get(0),
            )
            .map_err(|e| store_error("cannot read the last sequence number", e))?;
        let (tx, rx) = mpsc::channel(options.queue.max(1));
        let writer = Writer {
            last_seq,
            conn,
            shared: shared.clone(),
            retention: options.retention,
            prune_interval: options.prune_interval,
            last_prune: Instant::now(),
            durable: true,
        };
        std::thread::Builder::new()
            .name("brief-bus-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| store_error("cannot start the writer thread", e))?;
        Ok(Embedded { shared, tx })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }
}

impl Shared {
    /// Runs `f` on a read connection from the pool, on a blocking thread.
    async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let shared = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = shared
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop();
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &shared.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(|e| store_error("cannot open a read connection", e))?;
                    c.busy_timeout(Duration::from_secs(5))
                        .map_err(|e| store_error("cannot open a read connection", e))?;
                    c
                }
            };
            let result = f(&conn).map_err(|e| store_error("read failed", e));
            let mut pool = shared.readers.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < MAX_IDLE_READERS {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| store_error("read task failed", e))?
    }
}

impl Store for Embedded {
    fn append(&self, events: Vec<Event>) -> BoxFuture<'_, Result<usize, Error>> {
        Box::pin(async move {
            if events.is_empty() {
                return Ok(0);
            }
            let (reply, answer) = oneshot::channel();
            self.tx
                .send(Command::Append { events, reply })
                .await
                .map_err(|_| store_error("append", "the writer has stopped"))?;
            answer
                .await
                .map_err(|_| store_error("append", "the writer has stopped"))?
        })
    }

    fn feed(
        &self,
        subscriber: &str,
        topic: &str,
        lag: Arc<AtomicU64>,
    ) -> BoxFuture<'_, Result<Box<dyn Feed>, Error>> {
        let (subscriber, topic) = (subscriber.to_string(), topic.to_string());
        Box::pin(async move {
            let key = (subscriber.clone(), topic.clone());
            let acked = {
                let mut positions = self
                    .shared
                    .positions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                *positions.acked.entry(key).or_insert(0)
            };
            let t = topic.clone();
            let (last, pending) = self
                .shared
                .read(move |c| {
                    c.query_row(
                        "SELECT coalesce(max(seq), 0), count(*) FILTER (WHERE seq > ?2)
                         FROM events WHERE topic = ?1",
                        params![t, acked],
                        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                    )
                })
                .await?;
            lag.store(pending as u64, Ordering::Relaxed);
            let state = {
                let mut topics = self
                    .shared
                    .topics
                    .write()
                    .unwrap_or_else(|e| e.into_inner());
                topics
                    .entry(topic.clone())
                    .or_insert_with(|| {
                        Arc::new(TopicState {
                            last_seq: watch::channel(last).0,
                            lags: Mutex::new(Vec::new()),
                        })
                    })
                    .clone()
            };
            state
                .lags
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(lag.clone());
            let feed = EmbeddedFeed {
                shared: self.shared.clone(),
                tx: self.tx.clone(),
                subscriber,
                topic,
                acked,
                buffer: VecDeque::new(),
                last_seq: state.last_seq.subscribe(),
                lag,
            };
            Ok(Box::new(feed) as Box<dyn Feed>)
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let (reply, done) = oneshot::channel();
            if self.tx.send(Command::Flush(reply)).await.is_ok() {
                let _ = done.await;
            }
        })
    }

    fn engine(&self) -> &'static str {
        "embedded"
    }
}

struct EmbeddedFeed {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Command>,
    subscriber: String,
    topic: String,
    acked: i64,
    buffer: VecDeque<(i64, Bytes)>,
    last_seq: watch::Receiver<i64>,
    lag: Arc<AtomicU64>,
}

impl Feed for EmbeddedFeed {
    fn next(&mut self) -> BoxFuture<'_, Result<Bytes, Error>> {
        Box::pin(async move {
            loop {
                if let Some((_, body)) = self.buffer.front() {
                    return Ok(body.clone());
                }
                let (topic, after) = (self.topic.clone(), self.acked);
                let rows = self
                    .shared
                    .read(move |c| {
                        let mut stmt = c.prepare_cached(
                            "SELECT seq, body FROM events WHERE topic = ?1 AND seq > ?2
                             ORDER BY seq LIMIT ?3",
                        )?;
                        let rows = stmt.query_map(params![topic, after, READ_BATCH], |r| {
                            Ok((r.get::<_, i64>(0)?, Bytes::from(r.get::<_, Vec<u8>>(1)?)))
                        })?;
                        rows.collect::<Result<Vec<_>, _>>()
                    })
                    .await?;
                if rows.is_empty() {
                    // Nothing after our position: wait for the writer to store more.
                    let _ = self.last_seq.wait_for(|&last| last > after).await;
                    if *self.last_seq.borrow() <= after {
                        // The store is closing: its writer has gone.
                        return Err(store_error("read", "the store has closed"));
                    }
                } else {
                    self.buffer.extend(rows);
                }
            }
        })
    }

    fn ack(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let Some((seq, _)) = self.buffer.pop_front() else {
                return Ok(());
            };
            self.acked = seq;
            let _ = self
                .lag
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
            let first_change = {
                let mut p = self
                    .shared
                    .positions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let key = (self.subscriber.clone(), self.topic.clone());
                p.acked.insert(key.clone(), seq);
                p.dirty.insert(key, seq).is_none() && p.dirty.len() == 1
            };
            if first_change {
                // Full queue: the writer is busy and writes positions after its commit.
                let _ = self.tx.try_send(Command::Wake);
            }
            Ok(())
        })
    }

    fn in_progress(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// The thread that owns the write connection.
struct Writer {
    conn: Connection,
    shared: Arc<Shared>,
    retention: Duration,
    prune_interval: Duration,
    last_prune: Instant,
    /// The connection's current `synchronous` setting is FULL.
    durable: bool,
    /// The sequence number of the last event written (the writer assigns them:
    /// cheaper than AUTOINCREMENT, which updates a table of its own per row).
    last_seq: i64,
}

/// What one group commit stored for one topic.
#[derive(Default)]
struct TopicGrowth {
    count: u64,
    last_seq: i64,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        while let Some(first) = rx.blocking_recv() {
            let mut appends = Vec::new();
            let mut flushes = Vec::new();
            let mut events = 0;
            let mut take = |cmd: Command, events: &mut usize| match cmd {
                Command::Append { events: e, reply } => {
                    *events += e.len();
                    appends.push((e, reply));
                }
                Command::Flush(reply) => flushes.push(reply),
                Command::Wake => {}
            };
            take(first, &mut events);
            while events < MAX_GROUP_EVENTS {
                match rx.try_recv() {
                    Ok(cmd) => take(cmd, &mut events),
                    Err(_) => break,
                }
            }
            self.commit(appends);
            for reply in flushes {
                let _ = reply.send(());
            }
            if self.last_prune.elapsed() >= self.prune_interval {
                self.last_prune = Instant::now();
                if let Err(e) = self.prune() {
                    tracing::warn!(error = %e, "deleting delivered events failed");
                }
            }
        }
        // The store was dropped: keep the last positions.
        self.commit(Vec::new());
    }

    /// Writes the requests and the changed positions in one transaction, answers each
    /// request, and tells waiting deliverers what is new.
    fn commit(&mut self, appends: Vec<(Vec<Event>, Reply)>) {
        let dirty = std::mem::take(
            &mut self
                .shared
                .positions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .dirty,
        );
        if appends.is_empty() && dirty.is_empty() {
            return;
        }
        // Events wait for fsync; positions alone need not (they are written again later).
        let durable = !appends.is_empty();
        if durable != self.durable {
            let level = if durable { "FULL" } else { "NORMAL" };
            if let Err(e) = self.conn.pragma_update(None, "synchronous", level) {
                tracing::warn!(error = %e, "cannot change synchronous");
            } else {
                self.durable = durable;
            }
        }
        let mut growth: HashMap<String, TopicGrowth> = HashMap::new();
        let outcome = write_group(
            &mut self.conn,
            &appends,
            &dirty,
            &mut self.last_seq,
            &mut growth,
        );
        match outcome {
            Ok(results) => {
                // Lags first, so that a publisher who got its answer sees them.
                let topics = self.shared.topics.read().unwrap_or_else(|e| e.into_inner());
                for (topic, grown) in growth {
                    if let Some(state) = topics.get(&topic) {
                        for lag in state.lags.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                            lag.fetch_add(grown.count, Ordering::Relaxed);
                        }
                        state.last_seq.send_replace(grown.last_seq);
                    }
                }
                drop(topics);
                for ((_, reply), result) in appends.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "event store commit failed");
                for (_, reply) in appends {
                    let _ = reply.send(Err(store_error("commit failed", &e)));
                }
                // Keep the positions for the next try (newer ones win).
                let mut p = self
                    .shared
                    .positions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                for (key, seq) in dirty {
                    p.dirty.entry(key).or_insert(seq);
                }
            }
        }
    }

    /// Deletes events past retention that every subscriber of their topic acknowledged
    /// (all events past retention of topics nobody subscribes to).
    fn prune(&mut self) -> rusqlite::Result<()> {
        let cutoff = unix_seconds().saturating_sub(self.retention.as_secs() as i64);
        let mut floors: HashMap<String, i64> = HashMap::new();
        {
            let p = self
                .shared
                .positions
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let topics = self.shared.topics.read().unwrap_or_else(|e| e.into_inner());
            for topic in topics.keys() {
                let floor = p
                    .acked
                    .iter()
                    .filter(|((_, t), _)| t == topic)
                    .map(|(_, seq)| *seq)
                    .min()
                    .unwrap_or(0);
                floors.insert(topic.clone(), floor);
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('last_seq', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![self.last_seq],
        )?;
        let mut deleted = 0;
        for (topic, floor) in &floors {
            deleted += tx.execute(
                "DELETE FROM events WHERE topic = ?1 AND seq <= ?2 AND stored_at < ?3",
                params![topic, floor, cutoff],
            )?;
        }
        let subscribed: Vec<&String> = floors.keys().collect();
        let placeholders = vec!["?"; subscribed.len()].join(", ");
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![&cutoff];
        args.extend(subscribed.iter().map(|t| *t as &dyn rusqlite::ToSql));
        deleted += tx.execute(
            &format!("DELETE FROM events WHERE stored_at < ?1 AND topic NOT IN ({placeholders})"),
            args.as_slice(),
        )?;
        tx.commit()?;
        if deleted > 0 {
            tracing::info!(deleted, "deleted delivered events past retention");
        }
        Ok(())
    }
}

/// One transaction: each request in a savepoint of its own (its result is the number
/// of new events, or its error), then the positions.
fn write_group(
    conn: &mut Connection,
    appends: &[(Vec<Event>, Reply)],
    positions: &HashMap<(String, String), i64>,
    last_seq: &mut i64,
    growth: &mut HashMap<String, TopicGrowth>,
) -> rusqlite::Result<Vec<Result<usize, Error>>> {
    let before_group = *last_seq;
    match write_group_tx(conn, appends, positions, last_seq) {
        Ok(GroupWritten { results, stored }) => {
            for (topic, seq) in stored {
                let g = growth.entry(topic.to_string()).or_default();
                g.count += 1;
                g.last_seq = g.last_seq.max(seq);
            }
            Ok(results)
        }
        Err(e) => {
            // Nothing of the group was committed: its numbers are free again.
            *last_seq = before_group;
            Err(e)
        }
    }
}

/// What one group's transaction did: each request's result (new events, or its
/// error), and the topic and sequence number of every event it stored.
struct GroupWritten<'a> {
    results: Vec<Result<usize, Error>>,
    stored: Vec<(&'a str, i64)>,
}

/// The transaction of [`write_group`]; also returns every event it stored.
fn write_group_tx<'a>(
    conn: &mut Connection,
    appends: &'a [(Vec<Event>, Reply)],
    positions: &HashMap<(String, String), i64>,
    last_seq: &mut i64,
) -> rusqlite::Result<GroupWritten<'a>> {
    let now = unix_seconds();
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(appends.len());
    let mut group = Vec::new();
    for (events, _) in appends {
        let sp = tx.savepoint()?;
        let before_request = *last_seq;
        let mut stored: Vec<(&str, i64)> = Vec::new();
        let written = (|| {
            let mut insert = sp.prepare_cached(
                "INSERT INTO events (seq, id, topic, body, stored_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO NOTHING",
            )?;
            for e in events {
                let seq = *last_seq + 1;
                if insert.execute(params![seq, e.id, e.topic, &e.body[..], now])? == 1 {
                    *last_seq = seq;
                    stored.push((e.topic.as_str(), seq));
                }
            }
            Ok::<_, rusqlite::Error>(())
        })();
        match written.and_then(|()| sp.commit()) {
            Ok(()) => {
                results.push(Ok(stored.len()));
                group.extend(stored);
            }
            Err(e) => {
                // Dropping the savepoint rolled it back, its numbers included.
                *last_seq = before_request;
                results.push(Err(store_error("write failed", e)));
            }
        }
    }
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO positions (subscriber, topic, seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (subscriber, topic) DO UPDATE SET seq = excluded.seq",
        )?;
        for ((subscriber, topic), seq) in positions {
            upsert.execute(params![subscriber, topic, seq])?;
        }
    }
    tx.commit()?;
    Ok(GroupWritten {
        results,
        stored: group,
    })
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(topic: &str, id: &str) -> Event {
        Event {
            id: id.into(),
            topic: topic.into(),
            body: Bytes::from(format!("{{\"id\":\"{id}\"}}")),
        }
    }

    fn temp_db(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("brief-bus-unit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("bus.db")
    }

    fn count(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn positions_survive_a_restart_and_delivered_events_are_pruned() {
        let path = temp_db("prune");
        let mut options = Options::new(&path);
        options.retention = Duration::ZERO;
        options.prune_interval = Duration::from_secs(3600);
        {
            let store = Embedded::open(options.clone()).unwrap();
            let lag = Arc::new(AtomicU64::new(0));
            let mut feed = store.feed("sub", "a.b", lag.clone()).await.unwrap();
            let stored = store
                .append(vec![
                    ev("a.b", "1"),
                    ev("a.b", "2"),
                    ev("a.b", "1"),
                    ev("x.y", "3"),
                ])
                .await
                .unwrap();
            assert_eq!(stored, 3, "the repeated id is stored once");
            assert_eq!(lag.load(Ordering::Relaxed), 2);
            assert_eq!(&feed.next().await.unwrap()[..], br#"{"id":"1"}"#);
            assert_eq!(
                &feed.next().await.unwrap()[..],
                br#"{"id":"1"}"#,
                "same until acked"
            );
            feed.ack().await.unwrap();
            assert_eq!(lag.load(Ordering::Relaxed), 1);
            store.close().await;
        }
        // Reopened: the position is kept, so delivery goes on with the second event.
        let store = Embedded::open(options.clone()).unwrap();
        let lag = Arc::new(AtomicU64::new(0));
        let mut feed = store.feed("sub", "a.b", lag.clone()).await.unwrap();
        assert_eq!(lag.load(Ordering::Relaxed), 1);
        assert_eq!(&feed.next().await.unwrap()[..], br#"{"id":"2"}"#);
        feed.ack().await.unwrap();
        store.close().await;
        drop(store);
        // Pruning (retention 0): every event of a.b was acknowledged by its only
        // subscriber; x.y has none. The next open prunes right after its first commit.
        options.prune_interval = Duration::ZERO;
        let store = Embedded::open(options).unwrap();
        let _feed = store
            .feed("sub", "a.b", Arc::new(AtomicU64::new(0)))
            .await
            .unwrap();
        std::thread::sleep(Duration::from_millis(1100)); // stored_at is in whole seconds
        store.append(vec![ev("a.b", "4")]).await.unwrap();
        store.close().await;
        assert_eq!(count(&path), 1, "only the undelivered event is left");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[tokio::test]
    async fn a_feed_waits_for_new_events() {
        let path = temp_db("wait");
        let store = Arc::new(Embedded::open(Options::new(&path)).unwrap());
        let mut feed = store
            .feed("sub", "t", Arc::new(AtomicU64::new(0)))
            .await
            .unwrap();
        let writer = store.clone();
        let publish = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            writer.append(vec![ev("t", "late")]).await.unwrap();
        });
        let got = tokio::time::timeout(Duration::from_secs(5), feed.next()).await;
        assert_eq!(&got.unwrap().unwrap()[..], br#"{"id":"late"}"#);
        publish.await.unwrap();
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
