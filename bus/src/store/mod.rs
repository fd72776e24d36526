//! Where events live between publish and delivery: one trait, two engines.
//!
//! - [`embedded`]: SQLite in one file, the default; the bus needs no other server.
//! - [`jetstream`]: a NATS JetStream stream, for several bus instances side by side and a
//!   replicated store.
//!
//! The bus calls [`Store::append`] for each publish request and reads one [`Feed`] per
//! subscription (topic × subscriber service), delivering its events one at a time, in
//! order, acknowledging each before asking for the next.

pub mod embedded;
pub mod jetstream;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use brief_runtime::{BoxFuture, Error};
use bytes::Bytes;

use crate::event::Event;

/// An event storage engine.
pub trait Store: Send + Sync + 'static {
    /// Stores `events` durably, skipping ids the store already holds (those of a retried
    /// request, or repeated within it), and returns how many were new. It returns only
    /// once the events are safe: after fsync (embedded) or a quorum's acknowledgement
    /// (JetStream). On error the caller answers `unavailable` and the publisher retries.
    fn append(&self, events: Vec<Event>) -> BoxFuture<'_, Result<usize, Error>>;

    /// The events of `topic` that `subscriber` has not acknowledged yet, oldest first.
    /// The store keeps `lag` up to date: how many events of the topic are stored and not
    /// yet acknowledged by this subscriber.
    fn feed(
        &self,
        subscriber: &str,
        topic: &str,
        lag: Arc<AtomicU64>,
    ) -> BoxFuture<'_, Result<Box<dyn Feed>, Error>>;

    /// Writes what is still buffered (delivery positions) before the process exits.
    fn close(&self) -> BoxFuture<'_, ()>;

    /// The engine's name, for logs and metrics (`embedded`, `jetstream`).
    fn engine(&self) -> &'static str;
}

/// The events of one subscription, in order.
pub trait Feed: Send {
    /// Waits for the next event. Until [`Feed::ack`] is called, it returns the same
    /// event again (after a restart too: positions are stored).
    fn next(&mut self) -> BoxFuture<'_, Result<Bytes, Error>>;

    /// The subscriber acknowledged the event [`Feed::next`] returned last.
    fn ack(&mut self) -> BoxFuture<'_, Result<(), Error>>;

    /// Delivery of the current event is still being retried: JetStream uses it to keep
    /// the event from going to another bus instance. A no-op for the embedded store.
    fn in_progress(&mut self) -> BoxFuture<'_, ()>;
}
