//! The Rust scenario runner of the resilience scenarios (`tests/resilience/README.md`):
//! reads one JSON command per line on stdin, makes the calls it asks for through the
//! generated client of `tests/resilience/contract/chaos.brief`, and writes one JSON
//! answer per line.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use brief_runtime::{BreakerPolicy, CallOptions, ClientConfig, Error, RetryPolicy};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

// The runner calls every rpc through the `_with` methods only.
#[allow(dead_code)]
mod rpc {
    brief_runtime::include_contracts!();
}

use rpc::chaos::{Ask, ChaosClient};

#[tokio::main]
async fn main() {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut client: Option<ChaosClient> = None;
    while let Ok(Some(line)) = lines.next_line().await {
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(cmd) => handle(&cmd, &mut client).await,
            Err(e) => Err(e.to_string()),
        };
        let out = match answer {
            Ok(Value::Object(mut fields)) => {
                fields.insert("ok".into(), true.into());
                Value::Object(fields)
            }
            Ok(other) => json!({ "ok": true, "value": other }),
            Err(error) => json!({ "ok": false, "error": error }),
        };
        println!("{out}");
    }
}

async fn handle(cmd: &Value, client: &mut Option<ChaosClient>) -> Result<Value, String> {
    match cmd["op"].as_str().unwrap_or_default() {
        "hello" => Ok(json!({ "language": "rust" })),
        "client" => {
            *client = Some(new_client(cmd).map_err(|e| e.to_string())?);
            Ok(json!({}))
        }
        "call" => {
            let client = client.as_ref().ok_or("no client yet")?;
            Ok(json!({ "results": calls(client, cmd).await? }))
        }
        "metrics" => Ok(json!({ "text": brief_runtime::client_metrics_text() })),
        op => Err(format!("unknown op {op:?}")),
    }
}

fn millis(cmd: &Value, key: &str) -> Option<Duration> {
    cmd[key].as_u64().map(Duration::from_millis)
}

fn new_client(cmd: &Value) -> Result<ChaosClient, Error> {
    let mut config = ClientConfig::default();
    config.base_urls = cmd["urls"]
        .as_array()
        .map(|urls| {
            urls.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let r = &mut config.resilience;
    if cmd["breaker"] == false {
        r.breaker = None;
    } else if let Some(cool_down) = millis(cmd, "cool_down_ms") {
        let mut breaker = BreakerPolicy::default();
        breaker.cool_down = cool_down;
        r.breaker = Some(breaker);
    }
    if cmd["budget"] == false {
        r.budget = None;
    }
    let mut retry = RetryPolicy::default();
    if let Some(n) = cmd["max_attempts"].as_u64() {
        retry.max_attempts = n as u32;
    }
    if let Some(d) = millis(cmd, "base_backoff_ms") {
        retry.base_backoff = d;
    }
    if let Some(d) = millis(cmd, "max_backoff_ms") {
        retry.max_backoff = d;
    }
    r.retry = retry;
    if let Some(d) = millis(cmd, "avoid_after_connect_error_ms") {
        r.avoid_after_connect_error = d;
    }
    if let Some(d) = millis(cmd, "dns_refresh_ms") {
        r.dns_refresh = d;
    }
    ChaosClient::new(config)
}

async fn calls(client: &ChaosClient, cmd: &Value) -> Result<Vec<Value>, String> {
    let rpc = cmd["rpc"].as_str().unwrap_or_default().to_string();
    if !matches!(rpc.as_str(), "read" | "put" | "create") {
        return Err(format!("unknown rpc {rpc:?}"));
    }
    let count = cmd["count"].as_u64().unwrap_or(1).max(1) as usize;
    let workers = cmd["concurrency"].as_u64().unwrap_or(1).max(1) as usize;
    let options = match millis(cmd, "timeout_ms") {
        Some(t) if !t.is_zero() => CallOptions::timeout(t),
        _ => CallOptions::default(),
    };
    let results = Arc::new(Mutex::new(vec![Value::Null; count]));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, rpc, options) = (client.clone(), rpc.clone(), options.clone());
        let (results, next) = (results.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return;
                }
                let start_us = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_micros() as u64);
                let start = Instant::now();
                let input = Ask::default();
                let out = match rpc.as_str() {
                    "read" => client.read_with(&input, &options).await,
                    "put" => client.put_with(&input, &options).await,
                    _ => client.create_with(&input, &options).await,
                };
                let elapsed_us = start.elapsed().as_micros() as u64;
                let r = match out {
                    Ok(reply) => json!({
                        "code": "ok", "start_us": start_us, "elapsed_us": elapsed_us,
                        "endpoint": reply.endpoint,
                    }),
                    Err(e) => json!({
                        "code": e.code().as_str(), "message": e.message(),
                        "start_us": start_us, "elapsed_us": elapsed_us, "endpoint": -1,
                    }),
                };
                results.lock().expect("not poisoned")[i] = r;
            }
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())?;
    }
    let results = std::mem::take(&mut *results.lock().expect("not poisoned"));
    Ok(results)
}
