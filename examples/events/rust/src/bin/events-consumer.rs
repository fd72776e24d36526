//! Serves consumers of the example's topics on `$LISTEN` (default 127.0.0.1:0, a free
//! port) as the service `$SERVICE_NAME`, where the data bus delivers them. Prints
//! `listening on <addr>`, then `delivered <topic> <id> <data> from <source>` per event.

use std::process::ExitCode;

use brief_runtime::{Context, Error, Event, Router, Server};
use events_example::line;
use events_example::rpc::accounts::{
    account_closed_consumer, account_opened_consumer, AccountClosed, AccountClosedConsumer,
    AccountOpened, AccountOpenedConsumer,
};

/// Prints every event it gets.
struct Printer;

impl Printer {
    fn print<T: brief_runtime::serde::Serialize>(event: &Event<T>) {
        println!(
            "delivered {} from {}",
            line(&event.topic, &event.id, &event.data),
            event.source
        );
    }
}

impl AccountOpenedConsumer for Printer {
    async fn on_account_opened(
        &self,
        _ctx: &Context,
        event: Event<AccountOpened>,
    ) -> Result<(), Error> {
        Printer::print(&event);
        Ok(())
    }
}

impl AccountClosedConsumer for Printer {
    async fn on_account_closed(
        &self,
        _ctx: &Context,
        event: Event<AccountClosed>,
    ) -> Result<(), Error> {
        Printer::print(&event);
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(service) = std::env::var("SERVICE_NAME").ok().filter(|s| !s.is_empty()) else {
        eprintln!("events-consumer: set SERVICE_NAME, the service the bus delivers to");
        return ExitCode::from(2);
    };
    // The routes live as long as the process.
    let service: &'static str = Box::leak(service.into_boxed_str());
    let mut router = Router::new();
    router.merge(account_opened_consumer(service, Printer));
    router.merge(account_closed_consumer(service, Printer));

    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:0".into());
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("events-consumer: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(e) => {
            eprintln!("events-consumer: {e}");
            return ExitCode::FAILURE;
        }
    }
    match Server::from_env(router).serve_listener(listener).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("events-consumer: {e}");
            ExitCode::FAILURE
        }
    }
}
