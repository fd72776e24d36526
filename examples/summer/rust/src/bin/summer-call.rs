//! `summer-call A B`: calls summer's `sum` at `$SERVICE_SUMMER_URL` and prints the answer
//! as JSON.

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
