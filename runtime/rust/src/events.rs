//! Events: [`Publisher`] sends CloudEvents to the data bus; [`Router::event`] mounts a
//! consumer of one topic at `/{service}/events/{topic}`, where the bus delivers them.
//!
//! Generated code wraps both in one typed publisher and one consumer trait per `schema`
//! of a contract; `docs/events.md` is the guide.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{codec, CallOptions, Client, Context, Error, Router, RpcInfo, Timestamp, WireMessage};

/// The data bus's service name: publishers find it from `SERVICE_DATA_BUS_URL`.
pub const DATA_BUS: &str = "data-bus";

/// The data bus's `publish` rpc, as its contract (`bus/rpc/data-bus.brief`) declares it:
/// idempotent (an event id is stored once, so a retry is safe), 5 s.
pub const PUBLISH_RPC: RpcInfo = RpcInfo {
    service: DATA_BUS,
    name: "publish",
    idempotent: true,
    readonly: false,
    timeout: Duration::from_secs(5),
};

/// What generated code knows of one `schema`: its topic, and the rpc-like route under a
/// consumer's service where the bus delivers it (`events/{topic}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TopicInfo {
    /// The topic (`service.create`), the events' CloudEvents `type`.
    pub topic: &'static str,
    /// `events/{topic}`: the second part of the consumer's path.
    pub route: &'static str,
}

/// One event built by [`Publisher::event`], ready to send: the whole CloudEvent as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    id: String,
    json: Bytes,
}

impl OutgoingEvent {
    /// The event's id (a UUID): the bus stores it once.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The CloudEvent as it travels.
    pub fn json(&self) -> &Bytes {
        &self.json
    }
}

/// Sends events to the data bus. Cheap to clone; make one and share it.
///
/// [`Publisher::publish`] builds the CloudEvent (a new UUID as id, `$SERVICE_NAME` as
/// source, the topic as type, the current time, and the trace context of the request
/// being served) and returns once the bus has stored it: the call goes through the
/// client stack of every rpc (deadline, retries of this idempotent rpc, metrics).
///
/// With [`Publisher::with_buffer`], events the bus cannot take because it is
/// unreachable wait in a bounded in-memory buffer and are sent in order once it is
/// back; `publish` then returns as soon as the event is buffered. Off by default: a
/// buffered event is lost if the process ends before it is sent.
#[derive(Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    source: String,
    buffer: Option<Buffer>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("source", &self.inner.source)
            .field("buffered", &self.buffered())
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// A publisher to the bus at `SERVICE_DATA_BUS_URL`, with `SERVICE_NAME` as the
    /// events' source. Fails naming the variable that is missing.
    pub fn from_env() -> Result<Publisher, Error> {
        let source = std::env::var("SERVICE_NAME")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                Error::failed_precondition(
                    "set SERVICE_NAME: the publishing service's name is every event's source",
                )
            })?;
        Ok(Publisher::new(Client::from_env(DATA_BUS)?, source))
    }

    /// A publisher over a client of the data bus (`Client::new("data-bus", ...)`), with
    /// `source` as the events' source.
    pub fn new(client: Client, source: impl Into<String>) -> Publisher {
        Publisher {
            inner: Arc::new(Inner {
                client,
                source: source.into(),
                buffer: None,
            }),
        }
    }

    /// Keeps up to `capacity` events in memory while the bus is unreachable, sending
    /// them in order once it is back. When the buffer is full, `publish` fails with
    /// `resource_exhausted`.
    pub fn with_buffer(self, capacity: usize) -> Publisher {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            client: shared.client.clone(),
            source: shared.source.clone(),
            buffer: None,
        });
        Publisher {
            inner: Arc::new(Inner {
                buffer: Some(Buffer::new(capacity)),
                ..inner
            }),
        }
    }

    /// The events' source.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Builds the CloudEvent for `data` on `topic`.
    pub fn event<T: Serialize + ?Sized>(
        &self,
        topic: &str,
        data: &T,
    ) -> Result<OutgoingEvent, Error> {
        let id = crate::rand::uuid_v4();
        let (traceparent, tracestate) = Context::with_current(|c| match c {
            Some(c) => (c.child_traceparent(), c.tracestate.clone()),
            None => (Context::new().child_traceparent(), None),
        });
        let json = codec::encode(&CloudEventOut {
            specversion: "1.0",
            id: &id,
            source: &self.inner.source,
            topic,
            time: Timestamp::now(),
            datacontenttype: "application/json",
            traceparent,
            tracestate,
            data,
        })?;
        Ok(OutgoingEvent { id, json })
    }

    /// Publishes one event and returns its id once the bus has stored it (or, with a
    /// buffer, once it is buffered).
    pub async fn publish<T: Serialize + ?Sized>(
        &self,
        topic: &str,
        data: &T,
    ) -> Result<String, Error> {
        let event = self.event(topic, data)?;
        let id = event.id.clone();
        self.send(vec![event]).await?;
        Ok(id)
    }

    /// Publishes several events of one topic in one request (all stored, or none) and
    /// returns their ids.
    pub async fn publish_batch<T: Serialize>(
        &self,
        topic: &str,
        items: &[T],
    ) -> Result<Vec<String>, Error> {
        let events = items
            .iter()
            .map(|d| self.event(topic, d))
            .collect::<Result<Vec<_>, _>>()?;
        let ids = events.iter().map(|e| e.id.clone()).collect();
        self.send(events).await?;
        Ok(ids)
    }

    /// Sends built events (of any topics) in one request.
    pub async fn send(&self, events: Vec<OutgoingEvent>) -> Result<(), Error> {
        if events.is_empty() {
            return Ok(());
        }
        let Some(buffer) = &self.inner.buffer else {
            return self.post(&events).await;
        };
        // Events wait behind those already buffered, so that order is kept.
        if buffer.is_empty() {
            match self.post(&events).await {
                Ok(()) => return Ok(()),
                Err(e) if !bus_unreachable(&e) => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "data bus unreachable: buffering events");
                }
            }
        }
        buffer.push(events)?;
        self.start_flusher();
        Ok(())
    }

    /// Events waiting in the buffer.
    pub fn buffered(&self) -> usize {
        self.inner.buffer.as_ref().map_or(0, Buffer::len)
    }

    /// Waits until the buffer is empty (every buffered event stored by the bus), or
    /// `timeout` passed: then fails with `deadline_exceeded`.
    pub async fn flush(&self, timeout: Duration) -> Result<(), Error> {
        let Some(buffer) = &self.inner.buffer else {
            return Ok(());
        };
        let wait = async {
            while !buffer.is_empty() {
                self.start_flusher();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| {
            Error::deadline_exceeded(format!(
                "{} events still buffered: the data bus is unreachable",
                buffer.len()
            ))
        })
    }

    async fn post(&self, events: &[OutgoingEvent]) -> Result<(), Error> {
        let mut body =
            Vec::with_capacity(16 + events.iter().map(|e| e.json.len() + 1).sum::<usize>());
        body.extend_from_slice(b"{\"events\":[");
        for (i, e) in events.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&e.json);
        }
        body.extend_from_slice(b"]}");
        self.inner
            .client
            .unary_raw(&PUBLISH_RPC, Bytes::from(body), &CallOptions::default())
            .await
            .map(|_| ())
    }

    /// Starts the task that sends the buffer, unless it runs already.
    fn start_flusher(&self) {
        let Some(buffer) = &self.inner.buffer else {
            return;
        };
        if !buffer.claim_flusher() {
            return;
        }
        let publisher = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(50);
            loop {
                let Some(buffer) = &publisher.inner.buffer else {
                    return;
                };
                let batch = buffer.front(FLUSH_BATCH);
                if batch.is_empty() {
                    if buffer.release_flusher_if_empty() {
                        return;
                    }
                    continue;
                }
                match publisher.post(&batch).await {
                    Ok(()) => {
                        buffer.pop(batch.len());
                        backoff = Duration::from_millis(50);
                    }
                    Err(e) if bus_unreachable(&e) => {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                    Err(e) => {
                        // The bus refused them for good: keeping them would block
                        // every later event.
                        tracing::error!(error = %e, dropped = batch.len(), "data bus rejected buffered events");
                        buffer.pop(batch.len());
                    }
                }
            }
        });
    }
}

/// Events the flusher sends in one request.
const FLUSH_BATCH: usize = 500;

/// Failures after which the bus may take the events later.
fn bus_unreachable(e: &Error) -> bool {
    matches!(
        e.code(),
        crate::Code::Unavailable | crate::Code::DeadlineExceeded
    )
}

struct Buffer {
    capacity: usize,
    state: Mutex<BufferState>,
}

#[derive(Default)]
struct BufferState {
    events: VecDeque<OutgoingEvent>,
    flushing: bool,
}

impl Buffer {
    fn new(capacity: usize) -> Buffer {
        Buffer {
            capacity,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BufferState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn len(&self) -> usize {
        self.lock().events.len()
    }

    fn is_empty(&self) -> bool {
        self.lock().events.is_empty()
    }

    /// Adds all of `events`, or none when they do not fit.
    fn push(&self, events: Vec<OutgoingEvent>) -> Result<(), Error> {
        let mut s = self.lock();
        if s.events.len() + events.len() > self.capacity {
            return Err(Error::resource_exhausted(format!(
                "event buffer full ({} of {} events): the data bus is unreachable",
                s.events.len(),
                self.capacity
            )));
        }
        s.events.extend(events);
        Ok(())
    }

    fn front(&self, n: usize) -> Vec<OutgoingEvent> {
        self.lock().events.iter().take(n).cloned().collect()
    }

    fn pop(&self, n: usize) {
        let mut s = self.lock();
        let n = n.min(s.events.len());
        s.events.drain(..n);
    }

    fn claim_flusher(&self) -> bool {
        let mut s = self.lock();
        !std::mem::replace(&mut s.flushing, true)
    }

    fn release_flusher_if_empty(&self) -> bool {
        let mut s = self.lock();
        if s.events.is_empty() {
            s.flushing = false;
        }
        !s.flushing
    }
}

#[derive(Serialize)]
struct CloudEventOut<'a, D: Serialize> {
    specversion: &'static str,
    id: &'a str,
    source: &'a str,
    #[serde(rename = "type")]
    topic: &'a str,
    #[serde(with = "crate::wire")]
    time: Timestamp,
    datacontenttype: &'static str,
    traceparent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracestate: Option<String>,
    data: D,
}

/// An event the bus delivered: its CloudEvents attributes and the typed message.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<T> {
    /// The event's id: the same on every delivery of this event, so a consumer that
    /// must not act twice remembers it (delivery is at least once).
    pub id: String,
    /// The publishing service.
    pub source: String,
    /// The topic.
    pub topic: String,
    /// When the event happened, if the publisher said.
    pub time: Option<Timestamp>,
    /// What the event is about, if the publisher said.
    pub subject: Option<String>,
    /// The message.
    pub data: T,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: WireMessage"))]
struct CloudEventIn<T> {
    specversion: String,
    id: String,
    source: String,
    #[serde(rename = "type")]
    topic: String,
    #[serde(default, with = "crate::wire")]
    time: Option<Timestamp>,
    #[serde(default)]
    subject: Option<String>,
    // Through the codec's message wrapper, so an error inside names its field
    // (`data.a: ...`), as in an rpc input.
    #[serde(deserialize_with = "crate::wire::deserialize")]
    data: T,
}

/// Decodes a delivered event of `topic` with the strict rules of rpc inputs
/// (`invalid_argument` naming the field: `data.userId: missing field`).
pub fn decode_event<T: WireMessage>(topic: &str, body: &[u8]) -> Result<Event<T>, Error> {
    let e: CloudEventIn<T> = codec::decode(body)?;
    if e.specversion != "1.0" {
        return Err(Error::invalid_argument(format!(
            "specversion: {:?} is not supported: expected \"1.0\"",
            e.specversion
        )));
    }
    if e.topic != topic {
        return Err(Error::invalid_argument(format!(
            "type: {:?} delivered to the consumer of {topic:?}",
            e.topic
        )));
    }
    Ok(Event {
        id: e.id,
        source: e.source,
        topic: e.topic,
        time: e.time,
        subject: e.subject,
        data: e.data,
    })
}

impl Router {
    /// Mounts a consumer of `topic` for `service` at `/{service}/events/{topic}`: the
    /// body is decoded as an [`Event`] of `T` (bad input is answered
    /// `invalid_argument`, without calling `f`), and `f`'s `Ok` answers 200 (the bus
    /// takes it as delivered), its error is sent as the error it is (the bus delivers
    /// the event again later).
    pub fn event<T, F, Fut>(&mut self, service: &'static str, topic: &TopicInfo, f: F) -> &mut Self
    where
        T: WireMessage + Send + 'static,
        F: Fn(Context, Event<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        let info = RpcInfo {
            service,
            name: topic.route,
            idempotent: true,
            readonly: false,
            timeout: crate::DEFAULT_RPC_TIMEOUT,
        };
        let topic = topic.topic;
        self.unary_raw(&info, move |ctx: Context, body: Bytes| {
            let work = decode_event::<T>(topic, &body).map(|event| f(ctx, event));
            async move {
                work?.await?;
                Ok(Bytes::from_static(b"{}"))
            }
        })
    }
}
