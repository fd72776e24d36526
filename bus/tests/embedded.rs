//! The bus with its embedded store, as a process: delivery, deduplication, rejected
//! publishes, a subscriber that is down, and `kill -9` in the middle of a stream.

mod common;

use std::sync::Arc;
use std::time::Duration;

use brief_runtime::Code;
use common::*;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

fn config(dir: &TempDir, subscriptions: &str) -> std::path::PathBuf {
    write_config(
        &dir.0,
        &format!(
            "{subscriptions}\n[store]\npath = \"data/bus.db\"\n\n[delivery]\nbackoff_min = \"20ms\"\nbackoff_max = \"200ms\"\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_every_subscriber_equal_and_in_order() {
    let dir = TempDir::new("deliver");
    let (billing, audit) = (Sink::start().await, Sink::start().await);
    let cfg = config(
        &dir,
        "[subscriptions]\n\"service.create\" = [\"billing\", \"audit\"]\n\"service.delete\" = [\"audit\"]",
    );
    let bus = BusProcess::start(
        &cfg,
        0,
        &sink_env(&[("billing", &billing), ("audit", &audit)]),
    );
    let client = publisher(&bus.url());
    let created: Vec<_> = (0..5)
        .map(|i| {
            event(
                "service.create",
                &format!("c{i}"),
                json!({"serviceId": i, "userId": 7}),
            )
        })
        .collect();
    assert_eq!(publish(&client, &created).await.unwrap(), 5);
    let deleted = event("service.delete", "d0", json!({"serviceId": 3}));
    assert_eq!(
        publish(&client, std::slice::from_ref(&deleted))
            .await
            .unwrap(),
        1
    );

    billing.wait_until(WAIT, |got| got.len() == 5).await;
    audit.wait_until(WAIT, |got| got.len() == 6).await;
    let got = billing.received();
    for (i, (path, ev)) in got.iter().enumerate() {
        assert_eq!(path, "/billing/events/service.create");
        assert_eq!(ev, &created[i], "delivered as published, in order");
    }
    let got = audit.received();
    assert_eq!(
        ids_on(&got, "/audit/events/service.create"),
        ["c0", "c1", "c2", "c3", "c4"]
    );
    assert_eq!(ids_on(&got, "/audit/events/service.delete"), ["d0"]);

    let text = metrics(&bus.url()).await;
    assert!(
        text.contains(
            "brief_bus_subscriber_lag_events{subscriber=\"billing\",topic=\"service.create\"} 0"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "brief_bus_deliveries_total{subscriber=\"audit\",topic=\"service.create\"} 5"
        ),
        "{text}"
    );
    assert!(
        text.contains("brief_bus_events_stored_total{engine=\"embedded\"} 6"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_publish_is_delivered_once() {
    let dir = TempDir::new("retry");
    let sink = Sink::start().await;
    let cfg = config(&dir, "[subscriptions]\n\"order.paid\" = [\"shop\"]");
    let bus = BusProcess::start(&cfg, 0, &sink_env(&[("shop", &sink)]));
    let client = publisher(&bus.url());
    let batch: Vec<_> = (0..3)
        .map(|i| event("order.paid", &format!("p{i}"), json!({"order": i})))
        .collect();
    // The answer to the first publish was "lost": the publisher sends the same again,
    // and once more with one new event.
    assert_eq!(publish(&client, &batch).await.unwrap(), 3);
    assert_eq!(publish(&client, &batch).await.unwrap(), 3);
    let mut more = batch.clone();
    more.push(event("order.paid", "p3", json!({"order": 3})));
    assert_eq!(publish(&client, &more).await.unwrap(), 4);
    sink.wait_for_id("p3", WAIT).await;
    // p3 comes after the others on this topic, so every earlier delivery is in.
    assert_eq!(
        ids_on(&sink.received(), "/shop/events/order.paid"),
        ["p0", "p1", "p2", "p3"]
    );
    let text = metrics(&bus.url()).await;
    assert!(
        text.contains("brief_bus_events_duplicate_total{engine=\"embedded\"} 6"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_publish_is_rejected_and_stores_nothing() {
    let dir = TempDir::new("malformed");
    let sink = Sink::start().await;
    let cfg = config(&dir, "[subscriptions]\n\"user.signup\" = [\"mailer\"]");
    let bus = BusProcess::start(&cfg, 0, &sink_env(&[("mailer", &sink)]));
    let client = publisher(&bus.url());
    let good = event("user.signup", "good-1", json!({"user": 1}));
    let mut cases: Vec<(serde_json::Value, &str)> = Vec::new();
    let mut with = |change: &dyn Fn(&mut serde_json::Value), why: &'static str| {
        let mut bad = event("user.signup", "bad", json!({"user": 2}));
        change(&mut bad);
        cases.push((bad, why));
    };
    with(
        &|e| e["specversion"] = json!("0.3"),
        "events[1].specversion: \"0.3\" is not supported",
    );
    with(
        &|e| {
            e.as_object_mut().unwrap().remove("id");
        },
        "events[1].id: missing field",
    );
    with(&|e| e["id"] = json!(""), "events[1].id: must not be empty");
    with(
        &|e| e["type"] = json!("User Signup"),
        "events[1].type: \"User Signup\" is not a topic",
    );
    with(
        &|e| {
            e.as_object_mut().unwrap().remove("data");
        },
        "events[1].data: missing field",
    );
    with(
        &|e| e["data"] = json!([1]),
        "events[1].data: expected the event's message as a JSON object",
    );
    with(&|e| e["time"] = json!("yesterday"), "events[1].time:");
    with(
        &|e| e["datacontenttype"] = json!("text/xml"),
        "events[1].datacontenttype:",
    );
    with(
        &|e| e["Bad-Name"] = json!(1),
        "events[1].Bad-Name: not a CloudEvents attribute name",
    );
    with(
        &|e| e["ext"] = json!({"a": 1}),
        "events[1].ext: an extension attribute is a string",
    );
    with(
        &|e| e["data_base64"] = json!("AAAA"),
        "events[1].data_base64: binary data is not supported",
    );
    with(&|e| e["source"] = json!(7), "events[1].source:");
    for (bad, why) in &cases {
        let err = publish(&client, &[good.clone(), bad.clone()])
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{bad}: {err}");
        assert!(
            err.message().starts_with(why),
            "expected {why:?}, got {:?}",
            err.message()
        );
    }
    for (body, why) in [
        ("{\"events\":", "invalid JSON"),
        ("{\"events\":{}}", "events: expected an array of events"),
        (
            "{\"events\":[7]}",
            "events[0]: expected an event (a JSON object), got a number",
        ),
        (
            r#"{"events":[{"specversion":"1.0","id":"x","id":"y","source":"s","type":"a.b","data":{}}]}"#,
            "events[0].id: appears twice",
        ),
    ] {
        let err = publish_raw(&client, body).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{body}: {err}");
        assert!(
            err.message().starts_with(why),
            "expected {why:?}, got {:?}",
            err.message()
        );
    }
    // Nothing of the rejected requests was stored: the marker is the only delivery.
    let marker = event("user.signup", "marker", json!({"user": 3}));
    assert_eq!(publish(&client, &[marker]).await.unwrap(), 1);
    sink.wait_for_id("marker", WAIT).await;
    assert_eq!(
        ids_on(&sink.received(), "/mailer/events/user.signup"),
        ["marker"]
    );
    // good-1 was never stored either: publishing it now stores it as new.
    assert_eq!(publish(&client, &[good]).await.unwrap(), 1);
    sink.wait_for_id("good-1", WAIT).await;
    let text = metrics(&bus.url()).await;
    assert!(
        text.contains("brief_bus_events_duplicate_total{engine=\"embedded\"} 0"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_was_down_gets_every_event_in_order() {
    let dir = TempDir::new("down");
    let mut sink = Sink::start().await;
    let cfg = config(&dir, "[subscriptions]\n\"stock.moved\" = [\"warehouse\"]");
    let bus = BusProcess::start(&cfg, 0, &sink_env(&[("warehouse", &sink)]));
    let client = publisher(&bus.url());
    sink.down().await;
    let events: Vec<_> = (0..200)
        .map(|i| event("stock.moved", &format!("m{i:03}"), json!({"n": i})))
        .collect();
    for chunk in events.chunks(50) {
        assert_eq!(publish(&client, chunk).await.unwrap(), 50);
    }
    // While it is down, the lag shows every event and nothing is lost.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = metrics(&bus.url()).await;
    assert!(
        text.contains(
            "brief_bus_subscriber_lag_events{subscriber=\"warehouse\",topic=\"stock.moved\"} 200"
        ),
        "{text}"
    );
    assert!(text.contains(
        "brief_bus_subscriber_failing{subscriber=\"warehouse\",topic=\"stock.moved\"} 1"
    ));
    // Then it answers 503 for a while: still retried.
    sink.up().await;
    sink.fail(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    sink.fail(false);
    sink.wait_until(WAIT, |got| got.len() >= 200).await;
    let expected: Vec<String> = (0..200).map(|i| format!("m{i:03}")).collect();
    assert_eq!(
        ids_on(&sink.received(), "/warehouse/events/stock.moved"),
        expected
    );
    let text = metrics(&bus.url()).await;
    assert!(
        text.contains(
            "brief_bus_subscriber_lag_events{subscriber=\"warehouse\",topic=\"stock.moved\"} 0"
        ),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_10000_publishes_loses_no_acknowledged_event() {
    let dir = TempDir::new("kill9");
    let sink = Sink::start().await;
    let cfg = config(&dir, "[subscriptions]\n\"load.tick\" = [\"counter\"]");
    let env = sink_env(&[("counter", &sink)]);
    let port = free_port();
    let bus = Arc::new(std::sync::Mutex::new(BusProcess::start(&cfg, port, &env)));
    let url = format!("http://127.0.0.1:{port}");
    // The test keeps its handle: the restarted bus must outlive the killer's closure.
    let restarted = bus.clone();
    let (cfg, env) = (cfg.clone(), env.clone());
    publish_through_a_kill(vec![url], &sink, Duration::from_secs(60), move || {
        let bus = restarted;
        bus.lock().unwrap().kill9();
        // Restarted on the same port: publishers retry until it is back.
        *bus.lock().unwrap() = BusProcess::start(&cfg, port, &env);
    })
    .await;
    drop(bus);
}
