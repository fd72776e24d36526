//! The bus's configuration file (TOML): subscriptions, the store, delivery and publish
//! limits. Every setting but the subscriptions has a default; `docs/events.md` lists them.
//!
//! ```toml
//! [subscriptions]
//! "service.create" = ["billing", "audit"]
//!
//! [store]
//! engine = "embedded"
//! path = "data/brief-bus.db"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::event::is_topic;
use crate::{deliver, store};

/// The whole configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Topic → the services subscribed to it.
    pub subscriptions: BTreeMap<String, Vec<String>>,
    /// Which store and its settings.
    pub store: StoreConfig,
    /// Delivery timeouts and backoff.
    pub delivery: deliver::Options,
    /// Most events in one publish request (default 10,000).
    pub max_events: usize,
    /// Largest publish body in bytes (default 4 MiB).
    pub body_limit: usize,
}

/// The store engine and its settings.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// SQLite in one file.
    Embedded(store::embedded::Options),
    /// NATS JetStream.
    JetStream(store::jetstream::Options),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    subscriptions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    store: StoreFile,
    #[serde(default)]
    delivery: DeliveryFile,
    #[serde(default)]
    publish: PublishFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    engine: Option<String>,
    path: Option<PathBuf>,
    retention: Option<String>,
    servers: Option<Vec<String>>,
    stream: Option<String>,
    subject_prefix: Option<String>,
    replicas: Option<usize>,
    duplicate_window: Option<String>,
    ack_wait: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DeliveryFile {
    timeout: Option<String>,
    backoff_min: Option<String>,
    backoff_max: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PublishFile {
    max_events: Option<usize>,
    body_limit: Option<usize>,
}

impl Config {
    /// Reads and checks the file at `path`. Relative store paths are relative to the
    /// file's folder.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, base).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the TOML text of a configuration; `base` is the folder relative paths
    /// start from.
    pub fn parse(text: &str, base: &Path) -> Result<Config, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        for (topic, services) in &file.subscriptions {
            if !is_topic(topic) {
                return Err(format!(
                    "subscriptions: {topic:?} is not a topic (lowercase words joined by dots)"
                ));
            }
            for s in services {
                if !is_service_name(s) {
                    return Err(format!(
                        "subscriptions.{topic:?}: {s:?} is not a service name (lowercase words joined by -)"
                    ));
                }
            }
        }
        let s = file.store;
        let retention = duration("store.retention", s.retention.as_deref())?;
        let store = match s.engine.as_deref().unwrap_or("embedded") {
            "embedded" => {
                let path = s.path.unwrap_or_else(|| PathBuf::from("brief-bus.db"));
                let mut o = store::embedded::Options::new(base.join(path));
                if let Some(r) = retention {
                    o.retention = r;
                }
                StoreConfig::Embedded(o)
            }
            "jetstream" => {
                let mut o = store::jetstream::Options::default();
                if let Some(servers) = s.servers {
                    if servers.is_empty() {
                        return Err("store.servers: give at least one nats:// URL".into());
                    }
                    o.servers = servers;
                }
                if let Some(stream) = s.stream {
                    o.stream = stream;
                }
                if let Some(prefix) = s.subject_prefix {
                    o.subject_prefix = prefix;
                }
                if let Some(r) = s.replicas {
                    if !(1..=5).contains(&r) {
                        return Err(format!("store.replicas: {r}: JetStream allows 1 to 5"));
                    }
                    o.replicas = r;
                }
                if let Some(r) = retention {
                    o.retention = r;
                }
                if let Some(w) = duration("store.duplicate_window", s.duplicate_window.as_deref())?
                {
                    o.duplicate_window = w;
                }
                if let Some(w) = duration("store.ack_wait", s.ack_wait.as_deref())? {
                    o.ack_wait = w;
                }
                StoreConfig::JetStream(o)
            }
            other => {
                return Err(format!(
                    "store.engine: {other:?} is not an engine: use \"embedded\" or \"jetstream\""
                ))
            }
        };
        let mut delivery = deliver::Options::default();
        let d = file.delivery;
        if let Some(t) = duration("delivery.timeout", d.timeout.as_deref())? {
            delivery.timeout = t;
        }
        if let Some(t) = duration("delivery.backoff_min", d.backoff_min.as_deref())? {
            delivery.backoff_min = t;
        }
        if let Some(t) = duration("delivery.backoff_max", d.backoff_max.as_deref())? {
            delivery.backoff_max = t;
        }
        if delivery.backoff_min.is_zero() || delivery.backoff_max < delivery.backoff_min {
            return Err("delivery: backoff_min must be above 0 and at most backoff_max".into());
        }
        if delivery.timeout.is_zero() {
            return Err("delivery.timeout: must be above 0".into());
        }
        if let StoreConfig::JetStream(o) = &store {
            // A delivery attempt must end, and say it is still working, before JetStream
            // gives the event to another bus instance.
            if o.ack_wait <= delivery.timeout + Duration::from_secs(5) {
                return Err(format!(
                    "store.ack_wait ({} s) must be more than delivery.timeout + 5 s ({} s)",
                    o.ack_wait.as_secs_f64(),
                    (delivery.timeout + Duration::from_secs(5)).as_secs_f64()
                ));
            }
        }
        let max_events = file.publish.max_events.unwrap_or(10_000);
        let body_limit = file.publish.body_limit.unwrap_or(4 << 20);
        if max_events == 0 || body_limit == 0 {
            return Err("publish: max_events and body_limit must be above 0".into());
        }
        Ok(Config {
            subscriptions: file.subscriptions,
            store,
            delivery,
            max_events,
            body_limit,
        })
    }
}

/// `image-storage`: lowercase words (letters and digits, starting with a letter) joined
/// by single hyphens, as a contract's `service` name.
fn is_service_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Parses `250ms`, `10s`, `5m`, `2h` or `7d`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let ms = match unit {
        "ms" => n,
        "s" => n.checked_mul(1000)?,
        "m" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        "d" => n.checked_mul(86_400_000)?,
        _ => return None,
    };
    Some(Duration::from_millis(ms))
}

fn duration(name: &str, text: Option<&str>) -> Result<Option<Duration>, String> {
    text.map(|t| {
        parse_duration(t).ok_or_else(|| {
            format!(
                "{name}: {t:?} is not a duration: write a number with ms, s, m, h or d (\"10s\")"
            )
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("1.5s"), None);
    }

    #[test]
    fn defaults_and_paths() {
        let c = Config::parse(
            "[subscriptions]\n\"service.create\" = [\"billing\"]\n",
            Path::new("/etc/bus"),
        )
        .unwrap();
        assert_eq!(c.subscriptions["service.create"], vec!["billing"]);
        match c.store {
            StoreConfig::Embedded(o) => assert_eq!(o.path, Path::new("/etc/bus/brief-bus.db")),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.max_events, 10_000);
    }

    #[test]
    fn clear_errors() {
        let bad = |text: &str| Config::parse(text, Path::new(".")).unwrap_err();
        assert!(bad("[subscriptions]\n\"Bad Topic\" = [\"a\"]").contains("is not a topic"));
        assert!(bad("[subscriptions]\n\"a.b\" = [\"Billing\"]").contains("not a service name"));
        assert!(bad("[store]\nengine = \"kafka\"").contains("not an engine"));
        assert!(bad("[delivery]\ntimeout = \"ten\"").contains("not a duration"));
        assert!(bad("[stor]\n").contains("unknown field"));
        assert!(bad("[store]\nengine = \"jetstream\"\nack_wait = \"5s\"").contains("ack_wait"));
    }
}
