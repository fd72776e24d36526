//! `brief-bus [CONFIG]`: serves the data bus on `$LISTEN` (default 127.0.0.1:8080) with
//! the configuration file CONFIG (default `$BUS_CONFIG`, else `brief-bus.toml`), until
//! SIGTERM. Logs go to stderr; `BUS_LOG` sets the level (error, warn, info, debug).

use std::path::PathBuf;
use std::process::ExitCode;

use brief_bus::config::Config;
use brief_bus::Bus;

#[tokio::main]
async fn main() -> ExitCode {
    let level = std::env::var("BUS_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();

    let mut args = std::env::args_os().skip(1);
    let path = match (args.next(), args.next()) {
        (Some(a), None) if a == "-h" || a == "--help" => {
            println!("usage: brief-bus [CONFIG]   (default $BUS_CONFIG, else brief-bus.toml)");
            println!("serves on $LISTEN (default 127.0.0.1:8080); see docs/events.md");
            return ExitCode::SUCCESS;
        }
        (Some(a), None) => PathBuf::from(a),
        (None, _) => {
            PathBuf::from(std::env::var_os("BUS_CONFIG").unwrap_or_else(|| "brief-bus.toml".into()))
        }
        _ => {
            eprintln!("usage: brief-bus [CONFIG]");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("brief-bus: {e}");
            return ExitCode::from(2);
        }
    };
    let body_limit = config.body_limit;
    let bus = match Bus::start(config).await {
        Ok(bus) => bus,
        Err(e) => {
            eprintln!("brief-bus: {}", e.message());
            return ExitCode::FAILURE;
        }
    };
    let mut server = brief_runtime::Server::from_env(bus.router());
    server.config_mut().body_limit = body_limit;
    let listen = server.config_mut().listen.clone();
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("brief-bus: cannot listen on {listen}: {e}");
            bus.shutdown().await;
            return ExitCode::FAILURE;
        }
    };
    // One line scripts and tests can wait for (LISTEN=127.0.0.1:0 picks a free port).
    match listener.local_addr() {
        Ok(addr) => eprintln!("brief-bus: listening on {addr}"),
        Err(e) => eprintln!("brief-bus: listening ({e})"),
    }
    let served = server.serve_listener(listener).await;
    bus.shutdown().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("brief-bus: cannot serve: {e}");
            ExitCode::FAILURE
        }
    }
}
