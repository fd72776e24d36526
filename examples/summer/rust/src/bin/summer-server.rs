//! Serves the summer service on `$LISTEN` (default 127.0.0.1:8080) until SIGTERM; the
//! `BRIEF_*` environment variables set its limits and timeouts (docs/protocol.md).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let router = summer_example::rpc::summer::router(summer_example::Adder);
    match brief_runtime::Server::from_env(router).serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("summer-server: {e}");
            ExitCode::FAILURE
        }
    }
}
