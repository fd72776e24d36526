//! Serves the `probe` contract on `$LISTEN` until SIGTERM (for process-level tests).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let router = brief_tests::contracts::probe::router(brief_tests::probe::ProbeService);
    brief_runtime::Server::from_env(router).serve().await
}
