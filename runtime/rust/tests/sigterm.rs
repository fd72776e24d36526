//! SIGTERM starts a graceful shutdown: in-flight requests finish and `serve` returns
//! `Ok(())`. Its own test binary, because the signal goes to the whole process.

mod common;

use std::time::Duration;

use brief_runtime::CallOptions;
use common::*;

#[cfg(unix)]
#[tokio::test]
async fn sigterm_drains_and_serve_returns_ok() {
    let (srv, svc) = start_summer(|c| c.handle_signals = true).await;
    let client = summer_client(&srv.url());
    assert_eq!(client.sum(&SumIn { a: 1, b: 2 }).await.unwrap().sum, 3);
    let c2 = client.clone();
    let in_flight = tokio::spawn(async move {
        c2.sleep(&SleepIn { ms: 300 }, &CallOptions::default())
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(std::process::id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    in_flight.await.unwrap().unwrap();
    assert_eq!(svc.completed.load(std::sync::atomic::Ordering::SeqCst), 1);
    let shutdown = srv.shutdown.clone();
    srv.stopped(Duration::from_secs(3)).await;
    assert!(shutdown.is_draining());
}
