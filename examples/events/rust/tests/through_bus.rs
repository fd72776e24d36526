//! The generated publisher and consumer over real sockets, through the real data bus
//! (embedded store, in this process): what is published arrives decoded and equal, a
//! handler's error makes the bus deliver the event again, an event sent twice with one
//! id arrives once, and a malformed event is refused naming the field.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use brief_bus::config::Config;
use brief_bus::Bus;
use brief_runtime::{
    Client, ClientConfig, Code, Context, Error, Event, Publisher, Router, RpcInfo, Server,
};
use events_example::rpc::accounts::{
    account_closed_consumer, account_opened_consumer, AccountClosed, AccountClosedConsumer,
    AccountClosedPublisher, AccountOpened, AccountOpenedConsumer, AccountOpenedPublisher,
    ACCOUNT_CLOSED_TOPIC, ACCOUNT_OPENED_TOPIC,
};
use events_example::{closed, opened};

/// The consumer's service name, as the bus's configuration subscribes it.
const SERVICE: &str = "events-test";

/// Keeps every event it gets; fails the first delivery of account 2's opening.
#[derive(Clone, Default)]
struct Recorder {
    opened: Arc<Mutex<Vec<Event<AccountOpened>>>>,
    closed: Arc<Mutex<Vec<Event<AccountClosed>>>>,
    failed_once: Arc<Mutex<bool>>,
}

impl AccountOpenedConsumer for Recorder {
    async fn on_account_opened(
        &self,
        _ctx: &Context,
        event: Event<AccountOpened>,
    ) -> Result<(), Error> {
        if event.data.account_id == 2
            && !std::mem::replace(&mut *self.failed_once.lock().unwrap(), true)
        {
            return Err(Error::unavailable("not now: deliver it again later"));
        }
        self.opened.lock().unwrap().push(event);
        Ok(())
    }
}

impl AccountClosedConsumer for Recorder {
    async fn on_account_closed(
        &self,
        _ctx: &Context,
        event: Event<AccountClosed>,
    ) -> Result<(), Error> {
        self.closed.lock().unwrap().push(event);
        Ok(())
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(Server::new(router).serve_listener(listener));
    addr
}

async fn consumer(recorder: Recorder) -> SocketAddr {
    let mut router = Router::new();
    router.merge(account_opened_consumer(SERVICE, recorder.clone()));
    router.merge(account_closed_consumer(SERVICE, recorder));
    serve(router).await
}

/// Waits until `done` holds, for at most 10 s.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_events_arrive_decoded_equal_and_once() {
    let recorder = Recorder::default();
    let consumer_addr = consumer(recorder.clone()).await;

    let dir = std::env::temp_dir().join(format!("events-example-{}", std::process::id()));
    let config = Config::parse(
        &format!(
            "[subscriptions]\n\"account.opened\" = [\"{SERVICE}\"]\n\"account.closed\" = [\"{SERVICE}\"]\n\
             [store]\npath = \"bus.db\"\n[delivery]\nbackoff_min = \"10ms\"\nbackoff_max = \"50ms\"\n"
        ),
        &dir,
    )
    .unwrap();
    // The only test of this binary that sets the environment, before the bus reads it.
    std::env::set_var("SERVICE_EVENTS_TEST_URL", format!("http://{consumer_addr}"));
    let bus = Bus::start(config).await.unwrap();
    let bus_addr = serve(bus.router()).await;

    let client = Client::new(
        "data-bus",
        ClientConfig::with_url(format!("http://{bus_addr}")),
    )
    .unwrap();
    let publisher = Publisher::new(client, "accounts");
    let opened_publisher = AccountOpenedPublisher::new(publisher.clone());
    let mut opened_ids = Vec::new();
    for n in 1..=3 {
        opened_ids.push(opened_publisher.publish(&opened(n)).await.unwrap());
    }
    let closed_events: Vec<_> = (1..=3).map(closed).collect();
    let closed_ids = AccountClosedPublisher::new(publisher.clone())
        .publish_batch(&closed_events)
        .await
        .unwrap();
    // A retry after a lost answer: the same event (same id) sent again.
    let twice = publisher
        .event(ACCOUNT_OPENED_TOPIC.topic, &opened(4))
        .unwrap();
    publisher.send(vec![twice.clone()]).await.unwrap();
    publisher.send(vec![twice.clone()]).await.unwrap();
    opened_ids.push(twice.id().to_string());
    // Delivered in order per topic: once this one is in, a second copy of the retried
    // event would have been too.
    opened_ids.push(opened_publisher.publish(&opened(5)).await.unwrap());

    eventually("every event arrived", || {
        recorder.opened.lock().unwrap().len() >= 5 && recorder.closed.lock().unwrap().len() >= 3
    })
    .await;

    let got = recorder.opened.lock().unwrap().clone();
    assert_eq!(got.len(), 5, "each event once, the retried one too");
    assert!(
        *recorder.failed_once.lock().unwrap(),
        "the failing delivery happened"
    );
    for ((event, id), n) in got.iter().zip(&opened_ids).zip(1..) {
        assert_eq!(&event.id, id);
        assert_eq!(event.topic, ACCOUNT_OPENED_TOPIC.topic);
        assert_eq!(event.source, "accounts");
        assert!(event.time.is_some());
        assert_eq!(event.data, opened(n), "account {n}, in order");
    }
    let got = recorder.closed.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    for ((event, id), sent) in got.iter().zip(&closed_ids).zip(&closed_events) {
        assert_eq!(&event.id, id);
        assert_eq!(event.topic, ACCOUNT_CLOSED_TOPIC.topic);
        assert_eq!(&event.data, sent);
    }
    bus.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_malformed_event_is_refused_naming_the_field() {
    let recorder = Recorder::default();
    let addr = consumer(recorder.clone()).await;
    let client = Client::new(SERVICE, ClientConfig::with_url(format!("http://{addr}"))).unwrap();
    let route = RpcInfo::new(SERVICE, ACCOUNT_CLOSED_TOPIC.route);
    let call = |body: &'static str| {
        let client = client.clone();
        async move {
            client
                .unary_raw(&route, body.into(), &Default::default())
                .await
        }
    };

    let err = call(r#"{"specversion":"1.0","id":"e1","source":"s","type":"account.closed","data":{"reason":"r"}}"#)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("data.accountId"),
        "{}",
        err.message()
    );

    let err = call(r#"{"specversion":"1.0","id":"e2","source":"s","type":"account.opened","data":{"accountId":"1","reason":"r"}}"#)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("type"), "{}", err.message());

    call(r#"{"specversion":"1.0","id":"e3","source":"s","type":"account.closed","data":{"accountId":"7","reason":"r"}}"#)
        .await
        .unwrap();
    let got = recorder.closed.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "only the valid event reached the handler");
    assert_eq!(
        got[0].data,
        AccountClosed {
            account_id: 7,
            reason: "r".into()
        }
    );
}
