//! `summer-call A B`: calls summer's `sum` at `$SERVICE_SUMMER_URL` and prints the answer
//! as JSON.
//!
//! The variable may list several endpoints (`http://a:8080,http://b:8080`) or name a
//! headless service (`dns+http://summer:8080`). The generated client's resilience layers
//! do the rest: `sum` is `idempotent`, so a failed attempt is retried on another endpoint
//! within the 300 ms deadline; a dead endpoint is skipped; when no endpoint answers the
//! call fails at once with `unavailable` saying why (docs/resilience.md).

use std::process::ExitCode;

use summer_example::rpc::summer::{SumIn, SummerClient};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let numbers: Result<Vec<i64>, _> = args.iter().map(|a| a.parse::<i64>()).collect();
    let (a, b) = match numbers.as_deref() {
        Ok([a, b]) => (*a, *b),
        _ => {
            eprintln!("usage: summer-call A B   (two whole numbers)");
            return ExitCode::from(2);
        }
    };
    let client = match SummerClient::from_env() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match client.sum(&SumIn { a, b }).await {
        Ok(out) => match brief_runtime::encode(&out) {
            Ok(json) => {
                println!("{}", String::from_utf8_lossy(&json));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
