//! Publishes the example's events to the data bus at `$SERVICE_DATA_BUS_URL`, as
//! `$SERVICE_NAME`: account-opened events one by one, account-closed events in one
//! batch, and one event twice with the same id (a retry after a lost answer, which the
//! bus stores once). Prints `published <topic> <id> <data>` once the bus has each.
//! `events-publisher [N]`: N events of each kind (default 3).

use std::process::ExitCode;

use brief_runtime::{Error, Publisher};
use events_example::rpc::accounts::{
    AccountClosedPublisher, AccountOpenedPublisher, ACCOUNT_OPENED_TOPIC,
};
use events_example::{closed, line, opened};

#[tokio::main]
async fn main() -> ExitCode {
    let n = match std::env::args().nth(1).map(|a| a.parse::<i64>()) {
        None => 3,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: events-publisher [N]   (N > 0 events of each kind)");
            return ExitCode::from(2);
        }
    };
    match publish(n).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("events-publisher: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn publish(n: i64) -> Result<(), Error> {
    let bus = Publisher::from_env()?;
    let opened_events = AccountOpenedPublisher::new(bus.clone());
    for i in 1..=n {
        let event = opened(i);
        let id = opened_events.publish(&event).await?;
        println!(
            "published {}",
            line(ACCOUNT_OPENED_TOPIC.topic, &id, &event)
        );
    }

    let batch: Vec<_> = (1..=n).map(closed).collect();
    let ids = AccountClosedPublisher::new(bus.clone())
        .publish_batch(&batch)
        .await?;
    for (id, event) in ids.iter().zip(&batch) {
        println!("published {}", line("account.closed", id, event));
    }

    // The same event sent twice, as a publisher does when the bus's answer was lost.
    let event = opened(n + 1);
    let built = bus.event(ACCOUNT_OPENED_TOPIC.topic, &event)?;
    bus.send(vec![built.clone()]).await?;
    bus.send(vec![built.clone()]).await?;
    println!(
        "published {}",
        line(ACCOUNT_OPENED_TOPIC.topic, built.id(), &event)
    );
    Ok(())
}
