//! Delivery: one task per subscription (topic × subscriber service) posts the events of
//! its [`Feed`] to `{subscriber}/{service}/events/{topic}`, one at a time and in order.
//! A 2xx answer acknowledges the event; anything else (an error status, no answer, a
//! timeout) is retried with exponential backoff and jitter, for as long as it takes, so
//! a subscriber that is down gets every event, in order, once it is back.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use brief_runtime::{endpoint_env_var, Context, Error};
use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

use crate::store::Feed;

/// How deliveries are retried.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long one delivery attempt may take (default 10 s), sent as
    /// `Connect-Timeout-Ms`.
    pub timeout: Duration,
    /// The first wait after a failed attempt (default 100 ms); it doubles per failure.
    pub backoff_min: Duration,
    /// The longest wait between attempts (default 30 s).
    pub backoff_max: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(10),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// What the metrics show of one subscription.
#[derive(Debug, Default)]
pub struct Stats {
    /// Events stored and not yet acknowledged by the subscriber (kept by the store).
    pub lag: Arc<AtomicU64>,
    /// Events the subscriber acknowledged.
    pub delivered: AtomicU64,
    /// Attempts that failed (each retried).
    pub failed_attempts: AtomicU64,
    /// 1 while the current event's delivery is failing, else 0.
    pub failing: AtomicU64,
}

/// A subscriber service: where it is and how to post to it.
pub struct Subscriber {
    service: String,
    endpoints: Vec<String>,
    next: AtomicUsize,
    http: HttpClient<HttpConnector, Full<Bytes>>,
}

impl Subscriber {
    /// Finds `service` the way generated clients do: `SERVICE_<NAME>_URL`, one base URL
    /// or several separated by commas. Fails naming the variable when it is missing.
    pub fn from_env(service: &str) -> Result<Subscriber, Error> {
        let var = endpoint_env_var(service);
        let value = std::env::var(&var).unwrap_or_default();
        let urls: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if urls.is_empty() {
            return Err(Error::failed_precondition(format!(
                "subscriber {service:?} has no endpoint: set {var} (e.g. http://host:8080)"
            )));
        }
        let mut endpoints = Vec::with_capacity(urls.len());
        for url in urls {
            let base = url.trim_end_matches('/');
            let ok = base
                .parse::<Uri>()
                .is_ok_and(|u| u.scheme_str() == Some("http") && u.authority().is_some());
            if !ok {
                return Err(Error::failed_precondition(format!(
                    "bad endpoint {url:?} in {var} for subscriber {service:?}: expected http://host:port"
                )));
            }
            endpoints.push(base.to_string());
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Ok(Subscriber {
            service: service.to_string(),
            endpoints,
            next: AtomicUsize::new(0),
            http: HttpClient::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// The service's name.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Posts one event; `Ok` when the subscriber answered 2xx.
    async fn post(
        &self,
        topic: &str,
        event: &Bytes,
        attempt: u32,
        timeout: Duration,
    ) -> Result<(), String> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.endpoints.len();
        let url = format!("{}/{}/events/{}", self.endpoints[i], self.service, topic);
        let trace: TraceAttributes = serde_json::from_slice(event).unwrap_or_default();
        let mut ctx = Context::new();
        if let Some(tp) = trace.traceparent {
            ctx = ctx.with_traceparent(tp);
        }
        let mut req = Request::post(&url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("connect-protocol-version", "1")
            .header("connect-timeout-ms", timeout.as_millis().max(1).to_string())
            .header("traceparent", ctx.child_traceparent())
            .header("x-brief-caller", "data-bus")
            .header("x-brief-attempt", attempt.to_string());
        if let Some(id) = trace
            .id
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header("x-request-id", id);
        }
        if let Some(ts) = trace
            .tracestate
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header("tracestate", ts);
        }
        let req = req
            .body(Full::new(event.clone()))
            .map_err(|e| format!("cannot build the request to {url}: {e}"))?;
        let answer = async {
            let resp = self
                .http
                .request(req)
                .await
                .map_err(|e| format!("{url}: {}", chain(&e)))?;
            let status = resp.status();
            if status.is_success() {
                return Ok(());
            }
            // The start of the body says why (a Connect error, usually).
            let body = Limited::new(resp.into_body(), 4096)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let err = Error::from_http_response(status.as_u16(), &body);
            Err(format!("{url}: HTTP {}: {err}", status.as_u16()))
        };
        match tokio::time::timeout(timeout, answer).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "{url}: no answer within {} ms",
                timeout.as_millis()
            )),
        }
    }
}

/// The attributes of a stored event that delivery puts in headers.
#[derive(Deserialize, Default)]
struct TraceAttributes<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    traceparent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tracestate: Option<Cow<'a, str>>,
}

/// Delivers the events of `feed` to `subscriber` for ever (until the task is dropped).
pub async fn run(
    mut feed: Box<dyn Feed>,
    subscriber: Arc<Subscriber>,
    topic: String,
    stats: Arc<Stats>,
    options: Options,
) {
    let service = subscriber.service().to_string();
    let mut store_backoff = options.backoff_min;
    loop {
        let event = match feed.next().await {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(subscriber = %service, %topic, error = %e, "cannot read the next event");
                tokio::time::sleep(jitter(store_backoff)).await;
                store_backoff = (store_backoff * 2).min(options.backoff_max);
                continue;
            }
        };
        store_backoff = options.backoff_min;
        let mut attempt = 1u32;
        let mut backoff = options.backoff_min;
        loop {
            match subscriber
                .post(&topic, &event, attempt, options.timeout)
                .await
            {
                Ok(()) => break,
                Err(why) => {
                    stats.failed_attempts.fetch_add(1, Ordering::Relaxed);
                    if stats.failing.swap(1, Ordering::Relaxed) == 0 {
                        tracing::warn!(subscriber = %service, %topic, %why, "delivery failed; retrying with backoff");
                    } else {
                        tracing::debug!(subscriber = %service, %topic, %why, attempt, "delivery failed again");
                    }
                    pause(&mut *feed, jitter(backoff)).await;
                    backoff = (backoff * 2).min(options.backoff_max);
                    attempt = attempt.saturating_add(1);
                }
            }
        }
        if stats.failing.swap(0, Ordering::Relaxed) == 1 {
            tracing::info!(subscriber = %service, %topic, attempts = attempt, "delivery works again");
        }
        stats.delivered.fetch_add(1, Ordering::Relaxed);
        // An ack that fails to reach the store only means this event may come again.
        if let Err(e) = feed.ack().await {
            tracing::warn!(subscriber = %service, %topic, error = %e, "cannot record the acknowledgement");
        }
    }
}

/// Waits `d`, telling the feed every few seconds that the event is still being worked
/// on (JetStream would otherwise hand it to another bus instance after its ack wait).
async fn pause(feed: &mut dyn Feed, d: Duration) {
    let until = Instant::now() + d;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        tokio::time::sleep(left.min(PROGRESS_EVERY)).await;
        feed.in_progress().await;
    }
}

/// How often a feed hears that a failing delivery is still being retried.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// "Equal jitter": a random wait between half of `d` and `d`, so that retries of many
/// deliveries do not arrive together.
fn jitter(d: Duration) -> Duration {
    let half = d / 2;
    let spread = half.as_micros() as u64;
    let extra = if spread == 0 {
        0
    } else {
        brief_runtime::rand::next_u64() % spread
    };
    half + Duration::from_micros(extra)
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
