//! Serves the summer service on `$LISTEN` (default 127.0.0.1:8080) until SIGTERM.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let router = summer_example::rpc::summer::router(summer_example::Adder);
    brief_runtime::Server::from_env(router).serve().await
}
