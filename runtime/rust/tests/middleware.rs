//! Middleware on the router: the one place for tracing, authentication and telemetry.

mod common;

use std::sync::{Arc, Mutex};

use brief_runtime::{Code, Error, IncomingCall, Next, Router};
use common::*;

#[tokio::test]
async fn middleware_wraps_every_rpc_in_order_and_may_answer_itself() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let svc = Arc::new(Impl::default());
    let mut router = Router::new();
    mount(&mut router, svc);
    let log = seen.clone();
    router.middleware(move |call: IncomingCall, next: Next| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(format!(
                "outer {} idempotent={} id={}",
                call.rpc.name,
                call.rpc.idempotent,
                call.ctx.request_id.len()
            ));
            let result = next.run(call).await;
            let code = result.as_ref().err().map(|e| e.code().as_str());
            log.lock().unwrap().push(format!("outer done {code:?}"));
            result
        }
    });
    let log = seen.clone();
    router.middleware(move |call: IncomingCall, next: Next| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push("inner".into());
            if call.headers.get("authorization").is_none() {
                return Err(Error::new(Code::Unauthenticated, "log in first"));
            }
            next.run(call).await
        }
    });
    let srv = start(router, |_| {}).await;

    // No credentials: the inner middleware answers; the handler never runs.
    let req = http::Request::post("/summer/sum")
        .header("host", "x")
        .header("content-type", "application/json")
        .header("x-request-id", "r".repeat(10_000))
        .body(http_body_util::Full::from(r#"{"a":1,"b":2}"#))
        .unwrap();
    let (status, _, body) = raw(srv.addr, req).await;
    assert_eq!(status, 401);
    assert_eq!(json(&body)["code"], "unauthenticated");

    let req = http::Request::post("/summer/sum")
        .header("host", "x")
        .header("content-type", "application/json")
        .header("authorization", "Bearer t")
        .header("x-request-id", "req-7")
        .body(http_body_util::Full::from(r#"{"a":1,"b":2}"#))
        .unwrap();
    let (status, _, body) = raw(srv.addr, req).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body)["sum"], 3);

    let log = seen.lock().unwrap().clone();
    assert_eq!(
        log,
        [
            // A 10,000-character request id is replaced by a fresh 36-character one.
            "outer sum idempotent=true id=36",
            "inner",
            "outer done Some(\"unauthenticated\")",
            "outer sum idempotent=true id=5",
            "inner",
            "outer done None",
        ]
    );
}

#[tokio::test]
async fn middleware_of_a_merged_router_applies_and_sees_decode_errors() {
    let codes = Arc::new(Mutex::new(Vec::<Option<Code>>::new()));
    let mut summer = Router::new();
    mount(&mut summer, Arc::new(Impl::default()));
    let seen = codes.clone();
    summer.middleware(move |call: IncomingCall, next: Next| {
        let seen = seen.clone();
        async move {
            let result = next.run(call).await;
            seen.lock()
                .unwrap()
                .push(result.as_ref().err().map(Error::code));
            result
        }
    });
    let mut router = Router::new();
    router.merge(summer);
    let srv = start(router, |_| {}).await;
    let (status, _, _) = raw(
        srv.addr,
        post("/summer/sum", "application/json", "{\"a\":1}"),
    )
    .await;
    assert_eq!(status, 400);
    let client = summer_client(&srv.url());
    assert_eq!(client.sum(&SumIn { a: 2, b: 2 }).await.unwrap().sum, 4);
    assert_eq!(*codes.lock().unwrap(), [Some(Code::InvalidArgument), None]);
}
