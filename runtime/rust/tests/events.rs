//! Events over loopback: the publisher against a stand-in data bus (what it sends, its
//! buffer), and a consumer mounted with `Router::event` (decoding, answers).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use brief_runtime::{
    Client, ClientConfig, Code, Context, Error, Event, Publisher, Router, Timestamp, TopicInfo,
    PUBLISH_RPC,
};
use bytes::Bytes;
use common::*;
use serde_json::{json, Value};

/// A data bus that keeps every publish body, or answers `unavailable` while `down`.
struct FakeBus {
    running: Running,
    bodies: Arc<Mutex<Vec<Value>>>,
    down: Arc<AtomicBool>,
}

async fn fake_bus() -> FakeBus {
    let bodies: Arc<Mutex<Vec<Value>>> = Default::default();
    let down = Arc::new(AtomicBool::new(false));
    let mut router = Router::new();
    let (seen, is_down) = (bodies.clone(), down.clone());
    router.unary_raw(&PUBLISH_RPC, move |_ctx, body: Bytes| {
        let (seen, is_down) = (seen.clone(), is_down.clone());
        async move {
            if is_down.load(Ordering::SeqCst) {
                return Err(Error::unavailable("bus restarting"));
            }
            let body = json(&body);
            let n = body["events"].as_array().map_or(0, Vec::len);
            seen.lock().unwrap().push(body);
            Ok(Bytes::from(format!("{{\"accepted\":{n}}}")))
        }
    });
    FakeBus {
        running: start(router, |_| {}).await,
        bodies,
        down,
    }
}

fn publisher(url: &str) -> Publisher {
    Publisher::new(
        Client::new("data-bus", ClientConfig::with_url(url)).unwrap(),
        "accounts",
    )
}

#[tokio::test]
async fn publish_sends_a_cloudevent_with_the_request_trace_and_waits_for_the_bus() {
    let bus = fake_bus().await;
    let p = publisher(&bus.running.url());
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let ctx = Context::new().with_traceparent(parent);
    let before = Timestamp::now();
    let id = ctx
        .clone()
        .scope(p.publish("service.create", &SumIn { a: 1, b: 2 }))
        .await
        .unwrap();
    let bodies = bus.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "returned after the bus answered");
    let e = &bodies[0]["events"][0];
    assert_eq!(e["id"], id.as_str());
    assert_eq!(id.len(), 36);
    assert_eq!(e["specversion"], "1.0");
    assert_eq!(e["source"], "accounts");
    assert_eq!(e["type"], "service.create");
    assert_eq!(e["datacontenttype"], "application/json");
    assert_eq!(e["data"], json!({"a": 1, "b": 2}));
    let time = Timestamp::parse(e["time"].as_str().unwrap()).unwrap();
    assert!(time >= before && time <= Timestamp::now());
    let tp = e["traceparent"].as_str().unwrap();
    let child = Context::new().with_traceparent(tp);
    assert_eq!(
        child.trace_id(),
        ctx.trace_id(),
        "same trace as the request"
    );
    assert_ne!(child.span_id(), ctx.span_id(), "a span of its own");

    let ids = p
        .publish_batch(
            "service.create",
            &[SumIn { a: 3, b: 4 }, SumIn { a: 5, b: 6 }],
        )
        .await
        .unwrap();
    let bodies = bus.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "a batch is one request");
    let sent: Vec<&str> = bodies[1]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(sent, ids);
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn without_a_buffer_an_unreachable_bus_is_an_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = publisher(&format!("http://127.0.0.1:{port}"));
    let err = p.publish("a.b", &Empty {}).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err}");
    assert_eq!(p.buffered(), 0);
}

#[tokio::test]
async fn the_buffer_holds_events_while_the_bus_is_down_and_sends_them_in_order() {
    let bus = fake_bus().await;
    bus.down.store(true, Ordering::SeqCst);
    let p = publisher(&bus.running.url()).with_buffer(3);
    let mut ids = Vec::new();
    for a in 0..3 {
        ids.push(p.publish("t.x", &SumIn { a, b: 0 }).await.unwrap());
    }
    assert_eq!(p.buffered(), 3);
    let full = p.publish("t.x", &SumIn { a: 9, b: 0 }).await.unwrap_err();
    assert_eq!(full.code(), Code::ResourceExhausted);
    assert!(
        full.message().contains("event buffer full (3 of 3 events)"),
        "{full}"
    );
    let err = p.flush(Duration::from_millis(100)).await.unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded);

    bus.down.store(false, Ordering::SeqCst);
    p.flush(Duration::from_secs(10)).await.unwrap();
    assert_eq!(p.buffered(), 0);
    // New events go straight to the bus again.
    ids.push(p.publish("t.x", &SumIn { a: 3, b: 0 }).await.unwrap());
    let sent: Vec<String> = bus
        .bodies
        .lock()
        .unwrap()
        .iter()
        .flat_map(|b| b["events"].as_array().unwrap().clone())
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, ids);
}

const CREATED: TopicInfo = TopicInfo {
    topic: "service.create",
    route: "events/service.create",
};

#[tokio::test]
async fn a_consumer_decodes_strictly_and_its_errors_mean_deliver_again() {
    let got: Arc<Mutex<Vec<Event<SumIn>>>> = Default::default();
    let seen = got.clone();
    let mut router = Router::new();
    router.event(
        "billing",
        &CREATED,
        move |ctx: Context, event: Event<SumIn>| {
            let seen = seen.clone();
            async move {
                assert_eq!(
                    ctx.request_id, event.id,
                    "the bus sends the id as X-Request-Id"
                );
                if event.data.a < 0 {
                    return Err(Error::unavailable("not now"));
                }
                seen.lock().unwrap().push(event);
                Ok(())
            }
        },
    );
    let srv = start(router, |_| {}).await;
    let event = |id: &str, data: Value| {
        json!({"specversion": "1.0", "id": id, "source": "accounts", "type": "service.create",
               "time": "2026-01-02T03:04:05Z", "data": data, "ext": 1})
    };
    let deliver = |body: Value| {
        let id = body["id"].as_str().unwrap_or("").to_string();
        let mut req = post(
            "/billing/events/service.create",
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        );
        req.headers_mut()
            .insert("x-request-id", id.parse().unwrap());
        raw(srv.addr, req)
    };

    let (status, _, body) = deliver(event("e1", json!({"a": 1, "b": "2"}))).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(&body[..], b"{}");
    let first = got.lock().unwrap()[0].clone();
    assert_eq!(first.id, "e1");
    assert_eq!(first.source, "accounts");
    assert_eq!(first.topic, "service.create");
    assert_eq!(first.data, SumIn { a: 1, b: 2 });
    assert_eq!(
        first.time,
        Some(Timestamp::parse("2026-01-02T03:04:05Z").unwrap())
    );

    for (bad, why) in [
        (event("e2", json!({"a": 1})), "data.b: missing field"),
        (event("e3", json!({"a": 1.5, "b": 1})), "data.a:"),
        (
            {
                let mut e = event("e4", json!({"a": 1, "b": 1}));
                e["type"] = json!("other.topic");
                e
            },
            "type: \"other.topic\"",
        ),
        (
            {
                let mut e = event("e5", json!({"a": 1, "b": 1}));
                e["specversion"] = json!("0.3");
                e
            },
            "specversion:",
        ),
        (
            {
                let mut e = event("e6", json!({"a": 1, "b": 1}));
                e.as_object_mut().unwrap().remove("id");
                e
            },
            "id: missing field",
        ),
    ] {
        let (status, _, body) = deliver(bad).await;
        assert_eq!(status, 400);
        let err = json(&body);
        assert_eq!(err["code"], "invalid_argument");
        assert!(err["message"].as_str().unwrap().starts_with(why), "{err}");
    }
    let (status, _, body) = deliver(event("e7", json!({"a": -1, "b": 0}))).await;
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "bad and failed events never counted"
    );
}
