//! The bus in front of NATS JetStream (`nats-server -js`, started by the tests on
//! loopback ports): the same guarantees as the embedded store, several bus instances
//! side by side, and a three-node cluster losing a node and a bus instance to `kill -9`
//! during 10,000 publishes.

mod common;

use std::sync::Arc;
use std::time::Duration;

use brief_runtime::Code;
use common::*;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

fn config(
    dir: &TempDir,
    subscriptions: &str,
    servers: &[String],
    replicas: usize,
) -> std::path::PathBuf {
    let servers: Vec<String> = servers.iter().map(|s| format!("{s:?}")).collect();
    write_config(
        &dir.0,
        &format!(
            "{subscriptions}\n[store]\nengine = \"jetstream\"\nservers = [{}]\nreplicas = {replicas}\nack_wait = \"8s\"\n\n\
             [delivery]\ntimeout = \"2s\"\nbackoff_min = \"20ms\"\nbackoff_max = \"200ms\"\n",
            servers.join(", ")
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jetstream_delivers_dedups_rejects_and_catches_up() {
    let nats = NatsNode::single();
    let dir = TempDir::new("js-basic");
    let (mut billing, audit) = (Sink::start().await, Sink::start().await);
    let cfg = config(
        &dir,
        "[subscriptions]\n\"service.create\" = [\"billing\", \"audit\"]",
        &[nats.url()],
        1,
    );
    let env = sink_env(&[("billing", &billing), ("audit", &audit)]);
    // Two bus instances side by side on one stream.
    let (bus_a, bus_b) = (
        BusProcess::start(&cfg, 0, &env),
        BusProcess::start(&cfg, 0, &env),
    );
    let (a, b) = (publisher(&bus_a.url()), publisher(&bus_b.url()));

    let batch: Vec<_> = (0..3)
        .map(|i| event("service.create", &format!("c{i}"), json!({"serviceId": i})))
        .collect();
    assert_eq!(publish(&a, &batch).await.unwrap(), 3);
    // The same publish again, through the other instance: stored once.
    assert_eq!(publish(&b, &batch).await.unwrap(), 3);

    let mut bad = event("service.create", "bad", json!({}));
    bad["type"] = json!("Not A Topic");
    let err = publish(&a, &[event("service.create", "never", json!({})), bad])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("events[1].type:"), "{err}");

    // billing goes down; events keep coming through both instances.
    billing.wait_for_id("c2", WAIT).await;
    billing.down().await;
    for i in 3..60 {
        let client = if i % 2 == 0 { &a } else { &b };
        let ev = event("service.create", &format!("c{i}"), json!({"serviceId": i}));
        assert_eq!(publish(client, &[ev]).await.unwrap(), 1);
    }
    audit.wait_for_id("c59", WAIT).await;
    billing.up().await;
    billing.wait_for_id("c59", WAIT).await;

    let expected: Vec<String> = (0..60).map(|i| format!("c{i}")).collect();
    // At least once: an instance may deliver an event again after a failure, but every
    // event arrives, first in order, and the duplicate publish never shows.
    for (sink, path) in [
        (&billing, "/billing/events/service.create"),
        (&audit, "/audit/events/service.create"),
    ] {
        let got = ids_on(&sink.received(), path);
        let mut first: Vec<String> = Vec::new();
        for id in got {
            if !first.contains(&id) {
                first.push(id);
            }
        }
        assert_eq!(first, expected, "{path}");
    }
    assert_eq!(
        ids_on(&audit.received(), "/audit/events/service.create"),
        expected,
        "no subscriber failure there, so exactly once"
    );
    let text = metrics(&bus_a.url()).await;
    assert!(
        text.contains("brief_bus_events_stored_total{engine=\"jetstream\"}"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_kill_9_of_a_node_and_a_bus_during_10000_publishes_loses_nothing() {
    let mut nodes = NatsNode::cluster(3);
    let servers: Vec<String> = nodes.iter().map(NatsNode::url).collect();
    let dir = TempDir::new("js-cluster");
    let sink = Sink::start().await;
    let cfg = config(
        &dir,
        "[subscriptions]\n\"load.tick\" = [\"counter\"]",
        &servers,
        3,
    );
    let env = sink_env(&[("counter", &sink)]);
    let (port_a, port_b) = (free_port(), free_port());
    let bus_a = Arc::new(std::sync::Mutex::new(BusProcess::start(&cfg, port_a, &env)));
    let _bus_b = BusProcess::start(&cfg, port_b, &env);
    let victim = nodes.remove(0);
    let urls = vec![
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    ];
    // The test keeps its handle: the restarted bus must outlive the killer's closure.
    let restarted = bus_a.clone();
    let (cfg, env) = (cfg.clone(), env.clone());
    publish_through_a_kill(urls, &sink, Duration::from_secs(90), move || {
        let mut victim = victim;
        victim.kill9();
        restarted.lock().unwrap().kill9();
        *restarted.lock().unwrap() = BusProcess::start(&cfg, port_a, &env);
    })
    .await;
    drop(bus_a);
}
