//! The client's resilience layers over a scripted attempt transport: which attempts
//! are made, where, and with which policy. (The same rules over real sockets, with
//! generated clients and a fault-injecting server, are in tests/resilience.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use brief_runtime::{
    BoxFuture, Bytes, CallOptions, Client, ClientConfig, Code, Error, OutgoingCall,
    ResilienceConfig, RetryPolicy, RpcInfo, Transport,
};

const PUT: RpcInfo = RpcInfo {
    idempotent: true,
    ..RpcInfo::new("stub", "put")
};
const CREATE: RpcInfo = RpcInfo::new("stub", "create");

/// Answers each attempt with what `answer` says, and remembers (attempt, endpoint).
struct Scripted {
    seen: Mutex<Vec<(u32, String)>>,
    answer: Box<dyn Fn(u32) -> Result<Bytes, Error> + Send + Sync>,
}

impl Transport for Scripted {
    fn send<'a>(&'a self, call: &'a OutgoingCall) -> BoxFuture<'a, Result<Bytes, Error>> {
        let endpoint = call.endpoint.as_deref().unwrap_or_default().to_string();
        self.seen.lock().unwrap().push((call.attempt, endpoint));
        let answer = (self.answer)(call.attempt);
        Box::pin(async move { answer })
    }
}

fn scripted(answer: impl Fn(u32) -> Result<Bytes, Error> + Send + Sync + 'static) -> Arc<Scripted> {
    Arc::new(Scripted {
        seen: Mutex::new(Vec::new()),
        answer: Box::new(answer),
    })
}

fn config(urls: &[&str]) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.base_urls = urls.iter().map(|u| u.to_string()).collect();
    config.resilience.retry.base_backoff = Duration::from_millis(1);
    config
}

fn ok() -> Result<Bytes, Error> {
    Ok(Bytes::from_static(b"{}"))
}

async fn call(client: &Client, rpc: &RpcInfo, options: &CallOptions) -> Result<Bytes, Error> {
    client
        .unary_raw(rpc, Bytes::from_static(b"{}"), options)
        .await
}

#[tokio::test]
async fn unsent_attempt_of_any_rpc_moves_to_another_endpoint() {
    let stub = scripted(|attempt| match attempt {
        1 => Err(Error::unavailable("refused").with_unsent()),
        _ => ok(),
    });
    let client =
        Client::with_transport("stub", config(&["http://a:1", "http://b:2"]), stub.clone())
            .unwrap();
    call(&client, &CREATE, &CallOptions::default())
        .await
        .unwrap();
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].0, seen[1].0), (1, 2));
    assert_ne!(seen[0].1, seen[1].1, "the retry went to the same endpoint");
}

#[tokio::test]
async fn maybe_sent_attempt_of_a_non_idempotent_rpc_is_not_retried() {
    let stub = scripted(|_| Err(Error::unavailable("reset")));
    let client = Client::with_transport("stub", config(&["http://a:1"]), stub.clone()).unwrap();
    let err = call(&client, &CREATE, &CallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert_eq!(err.message(), "reset");
    assert_eq!(stub.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn retry_policies_per_client_per_rpc_per_call() {
    let attempts = |client: Client, options: CallOptions| async move {
        let stub = scripted(|_| Err(Error::unavailable("down")));
        let client = client.with_layer(|_| stub.clone());
        let err = call(&client, &PUT, &options).await.unwrap_err();
        let n = stub.seen.lock().unwrap().len();
        (n, err.message().to_string())
    };
    let mut cfg = config(&["http://a:1"]);
    cfg.resilience.breaker = None;
    let default = Client::with_transport("stub", cfg.clone(), scripted(|_| ok())).unwrap();
    let (n, message) = attempts(default.clone(), CallOptions::default()).await;
    assert_eq!(n, 3);
    assert_eq!(message, "down (after 3 attempts)");
    let mut five = RetryPolicy::default();
    five.max_attempts = 5;
    assert_eq!(
        attempts(default, CallOptions::default().with_retry(five))
            .await
            .0,
        5
    );

    cfg.resilience = cfg.resilience.retry_rpc("put", RetryPolicy::off());
    let per_rpc = Client::with_transport("stub", cfg, scripted(|_| ok())).unwrap();
    assert_eq!(attempts(per_rpc, CallOptions::default()).await.0, 1);
}

#[tokio::test]
async fn layers_see_each_attempt() {
    let stub = scripted(|attempt| match attempt {
        1 => Err(Error::unavailable("busy")),
        _ => ok(),
    });
    let inner = stub.clone();
    let client = Client::with_transport("stub", config(&["http://a:1"]), scripted(|_| ok()))
        .unwrap()
        .with_layer(move |_| inner);
    call(&client, &PUT, &CallOptions::default()).await.unwrap();
    assert_eq!(
        *stub.seen.lock().unwrap(),
        [(1, "http://a:1".to_string()), (2, "http://a:1".to_string())]
    );
}

#[tokio::test]
async fn without_resilience_endpoints_take_turns_and_nothing_is_retried() {
    let stub = scripted(|_| Err(Error::unavailable("down").with_unsent()));
    let mut cfg = config(&["http://a:1", "http://b:2"]);
    cfg.resilience = ResilienceConfig::off();
    let client = Client::with_transport("stub", cfg, stub.clone()).unwrap();
    for _ in 0..4 {
        call(&client, &PUT, &CallOptions::default())
            .await
            .unwrap_err();
    }
    let endpoints: Vec<String> = stub
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.1.clone())
        .collect();
    assert_eq!(
        endpoints,
        ["http://a:1", "http://b:2", "http://a:1", "http://b:2"]
    );
}

#[tokio::test]
async fn open_circuits_fail_calls_at_once_and_show_in_metrics() {
    let stub = scripted(|_| Err(Error::internal("boom")));
    let client =
        Client::with_transport("stub-breaker", config(&["http://breaker:1"]), stub.clone())
            .unwrap();
    const BOOM: RpcInfo = RpcInfo::new("stub-breaker", "boom");
    for _ in 0..5 {
        call(&client, &BOOM, &CallOptions::default())
            .await
            .unwrap_err();
    }
    let err = call(&client, &BOOM, &CallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert!(
        err.message()
            .contains("circuit open for every endpoint of stub-breaker"),
        "{err}"
    );
    assert_eq!(stub.seen.lock().unwrap().len(), 5);
    let text = brief_runtime::client_metrics_text();
    assert!(
        text.contains(
            r#"brief_client_circuit_state{service="stub-breaker",endpoint="http://breaker:1"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"brief_client_circuit_transitions_total{service="stub-breaker",endpoint="http://breaker:1",state="open"} 1"#
    ));
    assert!(
        text.contains(
            r#"brief_client_requests_total{service="stub-breaker",rpc="boom",code="unavailable"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn bad_and_missing_endpoints_are_clear_errors() {
    let err = Client::new("stub", ClientConfig::with_url("https://secure:443")).unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("https is not supported"), "{err}");
    let err = Client::from_env("no-such-service-for-sure").unwrap_err();
    assert!(
        err.message()
            .contains("SERVICE_NO_SUCH_SERVICE_FOR_SURE_URL"),
        "{err}"
    );
}
