//! The events example in Rust: `events-publisher` publishes the events of
//! `rpc/accounts.brief` through the data bus, `events-consumer` receives them.

/// The code `brief-build` generated from `rpc/accounts.brief`.
pub mod rpc {
    brief_runtime::include_contracts!();
}

use rpc::accounts::{AccountClosed, AccountOpened, Plan};

/// The `n`th account-opened event a publisher sends: the same in every language, so
/// that what arrives can be compared with what was sent.
pub fn opened(n: i64) -> AccountOpened {
    AccountOpened {
        account_id: n,
        email: format!("owner-{n}@example.com"),
        plan: [Plan::Free, Plan::Team, Plan::Enterprise][n.rem_euclid(3) as usize],
        tags: (0..n % 3).map(|i| format!("tag-{i}")).collect(),
        referrer: (n % 2 == 0).then(|| format!("friend-{n}")),
        // 2026-12-03T13:00:00Z plus n minutes.
        opened_at: brief_runtime::Timestamp::from_unix_seconds(1_796_302_800 + 60 * n),
    }
}

/// The `n`th account-closed event a publisher sends.
pub fn closed(n: i64) -> AccountClosed {
    AccountClosed {
        account_id: n,
        reason: format!("closed by its owner ({n})"),
    }
}

/// The example's line for one event: `<topic> <id> <data as JSON>`.
pub fn line<T: brief_runtime::serde::Serialize>(topic: &str, id: &str, data: &T) -> String {
    let json = brief_runtime::encode(data).expect("generated messages encode");
    format!("{topic} {id} {}", String::from_utf8_lossy(&json))
}
