//! The JetStream store: events live in a NATS JetStream stream, and each subscription is
//! a durable pull consumer there, so the bus itself keeps no state and several bus
//! instances can run side by side in front of one stream.
//!
//! - Publishing puts each event on `{subject_prefix}.{topic}` with the event id as
//!   `Nats-Msg-Id`: JetStream drops a repeated id within the stream's duplicate window.
//!   The bus answers once JetStream acknowledged every event of the request, which with
//!   `replicas = 3` means a majority of the cluster's nodes stored it.
//! - A subscription is the durable consumer `{subscriber}_{topic}_{hash}` filtered on the
//!   topic's subject, with at most one unacknowledged event (`max_ack_pending = 1`):
//!   whichever bus instance holds it, events reach the subscriber one at a time and in
//!   order. An instance that dies holding one lets it go after `ack_wait`, and another
//!   delivers it. Lag is the consumer's pending count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, stream, AckKind};
use brief_runtime::{BoxFuture, Error};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::task::JoinHandle;

use super::{Feed, Store};
use crate::event::Event;

/// Settings of the JetStream store.
#[derive(Debug, Clone)]
pub struct Options {
    /// NATS servers to connect to (any of a cluster's nodes; default
    /// `nats://127.0.0.1:4222`).
    pub servers: Vec<String>,
    /// The stream's name (default `BRIEF_EVENTS`).
    pub stream: String,
    /// Subjects of events are `{subject_prefix}.{topic}` (default `brief.events`).
    pub subject_prefix: String,
    /// Copies of each event in the cluster (default 1; 3 on a three-node cluster).
    pub replicas: usize,
    /// How long events are kept, delivered or not (default 7 days).
    pub retention: Duration,
    /// How long JetStream remembers event ids to drop repeats (default 10 min).
    pub duplicate_window: Duration,
    /// How long an event handed to a bus instance stays with it without news before
    /// JetStream gives it to another (default 30 s).
    pub ack_wait: Duration,
    /// How long to wait at start for the servers and the stream (default 30 s).
    pub startup_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            servers: vec!["nats://127.0.0.1:4222".into()],
            stream: "BRIEF_EVENTS".into(),
            subject_prefix: "brief.events".into(),
            replicas: 1,
            retention: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(600),
            ack_wait: Duration::from_secs(30),
            startup_timeout: Duration::from_secs(30),
        }
    }
}

/// The JetStream store.
pub struct JetStream {
    js: jetstream::Context,
    stream: stream::Stream,
    options: Options,
}

fn nats_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::unavailable(format!("JetStream: {what}: {e}"))
}

impl JetStream {
    /// Connects and creates the stream when it does not exist, retrying until
    /// `startup_timeout` (a cluster needs a moment to elect its leaders).
    pub async fn connect(options: Options) -> Result<JetStream, Error> {
        let deadline = Instant::now() + options.startup_timeout;
        let client = async_nats::ConnectOptions::new()
            .name("brief-bus")
            .retry_on_initial_connect()
            .connect(options.servers.as_slice());
        let client = tokio::time::timeout_at(deadline.into(), client)
            .await
            .map_err(|_| {
                nats_error(
                    "connect",
                    format!("no server answered at {}", options.servers.join(", ")),
                )
            })?
            .map_err(|e| nats_error("connect", e))?;
        let js = jetstream::new(client);
        let config = stream::Config {
            name: options.stream.clone(),
            subjects: vec![format!("{}.>", options.subject_prefix)],
            storage: stream::StorageType::File,
            retention: stream::RetentionPolicy::Limits,
            num_replicas: options.replicas,
            max_age: options.retention,
            duplicate_window: options.duplicate_window,
            ..Default::default()
        };
        let stream = loop {
            match js.get_or_create_stream(config.clone()).await {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline => {
                    tracing::debug!(error = %e, "stream not ready yet");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => return Err(nats_error("cannot create the stream", e)),
            }
        };
        let replicas = stream.cached_info().config.num_replicas;
        if replicas != options.replicas {
            tracing::warn!(
                stream = %options.stream,
                replicas,
                configured = options.replicas,
                "the stream exists with another replica count; keeping it"
            );
        }
        Ok(JetStream {
            js,
            stream,
            options,
        })
    }

    fn subject(&self, topic: &str) -> String {
        format!("{}.{}", self.options.subject_prefix, topic)
    }
}

/// A consumer name for a subscription: readable, and distinct for distinct topics
/// (`a.b_c` and `a_b.c` read the same once dots are replaced, so a hash follows).
fn consumer_name(subscriber: &str, topic: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for b in topic.bytes() {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    format!("{subscriber}_{}_{hash:08x}", topic.replace('.', "_"))
}

impl Store for JetStream {
    fn append(&self, events: Vec<Event>) -> BoxFuture<'_, Result<usize, Error>> {
        Box::pin(async move {
            // Send them all, then wait for the acknowledgements: one round trip, not one
            // per event. A failure answers `unavailable`; the publisher's retry sends the
            // same ids, and JetStream drops those it stored already.
            let mut acks = Vec::with_capacity(events.len());
            for e in events {
                let publish = jetstream::message::PublishMessage::build()
                    .message_id(&e.id)
                    .payload(e.body);
                let ack = self
                    .js
                    .send_publish(self.subject(&e.topic), publish)
                    .await
                    .map_err(|err| nats_error("publish", err))?;
                acks.push(ack);
            }
            let mut stored = 0;
            for ack in acks {
                let ack = ack.await.map_err(|err| nats_error("publish", err))?;
                if !ack.duplicate {
                    stored += 1;
                }
            }
            Ok(stored)
        })
    }

    fn feed(
        &self,
        subscriber: &str,
        topic: &str,
        lag: Arc<AtomicU64>,
    ) -> BoxFuture<'_, Result<Box<dyn Feed>, Error>> {
        let name = consumer_name(subscriber, topic);
        let filter = self.subject(topic);
        Box::pin(async move {
            let config = consumer::pull::Config {
                durable_name: Some(name.clone()),
                filter_subject: filter,
                deliver_policy: consumer::DeliverPolicy::All,
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: self.options.ack_wait,
                max_ack_pending: 1,
                max_deliver: -1,
                ..Default::default()
            };
            // Retried like the stream: after a node failure the cluster may be electing
            // the consumer's leader for a few seconds.
            let deadline = Instant::now() + self.options.startup_timeout;
            let consumer: consumer::PullConsumer = loop {
                match self
                    .stream
                    .get_or_create_consumer(&name, config.clone())
                    .await
                {
                    Ok(c) => break c,
                    Err(e) if Instant::now() < deadline => {
                        tracing::debug!(error = %e, consumer = %name, "consumer not ready yet");
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Err(e) => return Err(nats_error(&format!("cannot create consumer {name}"), e)),
                }
            };
            let lag_task = tokio::spawn(track_lag(consumer.clone(), lag));
            Ok(Box::new(JetStreamFeed {
                consumer,
                messages: None,
                current: None,
                lag_task,
            }) as Box<dyn Feed>)
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.js.client().flush().await;
        })
    }

    fn engine(&self) -> &'static str {
        "jetstream"
    }
}

/// Keeps `lag` at the consumer's pending count (undelivered plus unacknowledged), as
/// JetStream counts it for every bus instance together.
async fn track_lag(consumer: consumer::PullConsumer, lag: Arc<AtomicU64>) {
    loop {
        if let Ok(info) = consumer.get_info().await {
            lag.store(
                info.num_pending + info.num_ack_pending as u64,
                Ordering::Relaxed,
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

struct JetStreamFeed {
    consumer: consumer::PullConsumer,
    messages: Option<consumer::pull::Stream>,
    current: Option<jetstream::Message>,
    lag_task: JoinHandle<()>,
}

impl Drop for JetStreamFeed {
    fn drop(&mut self) {
        self.lag_task.abort();
    }
}

impl Feed for JetStreamFeed {
    fn next(&mut self) -> BoxFuture<'_, Result<Bytes, Error>> {
        Box::pin(async move {
            if let Some(m) = &self.current {
                return Ok(m.payload.clone());
            }
            loop {
                let messages = match &mut self.messages {
                    Some(m) => m,
                    None => {
                        let m = self
                            .consumer
                            .messages()
                            .await
                            .map_err(|e| nats_error("cannot pull events", e))?;
                        self.messages.insert(m)
                    }
                };
                match messages.next().await {
                    Some(Ok(message)) => {
                        let payload = message.payload.clone();
                        self.current = Some(message);
                        return Ok(payload);
                    }
                    Some(Err(e)) => {
                        // Missed heartbeats and the like: the stream goes on.
                        tracing::debug!(error = %e, "pulling events");
                        if matches!(e.kind(), consumer::pull::MessagesErrorKind::ConsumerDeleted) {
                            self.messages = None;
                            return Err(nats_error("pull", e));
                        }
                    }
                    None => self.messages = None,
                }
            }
        })
    }

    fn ack(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            match self.current.take() {
                Some(m) => m.ack().await.map_err(|e| nats_error("ack", e)),
                None => Ok(()),
            }
        })
    }

    fn in_progress(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(m) = &self.current {
                let _ = m.ack_with(AckKind::Progress).await;
            }
        })
    }
}
