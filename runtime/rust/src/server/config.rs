//! [`ServerConfig`]: every limit and timeout of a server, its default, and the
//! environment variable that sets it (the same names and defaults as the Go runtime;
//! `docs/protocol.md` lists them).

use std::time::Duration;

/// How a [`crate::Server`] behaves. `Default` gives the documented defaults;
/// [`crate::Server::from_env`] reads the environment variable named on each field.
///
/// A timeout of zero means "no limit" (as in Go's `http.Server`); the defaults are all
/// non-zero, so a server is protected unless someone turns a limit off on purpose.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Address to listen on for [`crate::Server::serve`] (default `127.0.0.1:8080`;
    /// `LISTEN`).
    pub listen: String,
    /// Largest request body accepted, before and after decompression (default 4 MiB;
    /// `BRIEF_MAX_BODY_BYTES`).
    pub body_limit: usize,
    /// Largest request head (request line and headers) accepted, in bytes; HTTP/1.1
    /// requests over it get `431`, HTTP/2 header lists over it are refused (default
    /// 64 KiB; `BRIEF_MAX_HEADER_BYTES`).
    pub max_header_bytes: usize,
    /// Time a client has to send a request's headers, from its first byte (or from the
    /// connection's start for its first request) (default 10 s;
    /// `BRIEF_HEADER_READ_TIMEOUT`).
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body, from the request's arrival, when
    /// `Connect-Timeout-Ms` does not give an earlier deadline (default 30 s;
    /// `BRIEF_BODY_READ_TIMEOUT`). Past it the request is answered
    /// `deadline_exceeded` and the HTTP/1.1 connection is closed.
    pub body_read_timeout: Duration,
    /// How long a keep-alive connection (HTTP/1.1 between requests, HTTP/2 without
    /// streams) may stay idle before the server closes it (default 120 s;
    /// `BRIEF_IDLE_TIMEOUT`).
    pub idle_timeout: Duration,
    /// Most connections open at once (default 10,000; `BRIEF_MAX_CONNECTIONS`). At the
    /// cap a new connection takes the place of the connection that has been idle the
    /// longest; when none is idle the server stops accepting until one closes (new
    /// connections wait in the kernel's listen queue).
    pub max_connections: usize,
    /// Most concurrent HTTP/2 streams (requests) per connection (default 100;
    /// `BRIEF_H2_MAX_STREAMS`).
    pub h2_max_concurrent_streams: u32,
    /// Interval of HTTP/2 keep-alive PINGs; zero sends none (default 0;
    /// `BRIEF_H2_KEEPALIVE_INTERVAL`). Idle HTTP/2 connections are closed by
    /// `idle_timeout` either way.
    pub h2_keepalive_interval: Duration,
    /// How long to wait for a keep-alive PING's answer before closing the connection
    /// (default 20 s; `BRIEF_H2_KEEPALIVE_TIMEOUT`).
    pub h2_keepalive_timeout: Duration,
    /// How long in-flight requests may take to finish once the listener has closed
    /// (default 10 s; `BRIEF_GRACE_PERIOD`).
    pub grace_period: Duration,
    /// How long, after shutdown starts, the server keeps serving (and accepting) while
    /// `/readyz` already answers 503, so that load balancers take it out before the
    /// listener closes (default 5 s; `BRIEF_DRAIN_DELAY`). Skipped on SIGINT (Ctrl-C).
    pub drain_delay: Duration,
    /// Responses at least this big are gzip-compressed for clients that accept gzip
    /// (default 1 KiB).
    pub compress_min_bytes: usize,
    /// Whether [`crate::Server::serve`] shuts down gracefully on SIGTERM and Ctrl-C
    /// (default true).
    pub handle_signals: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            body_limit: 4 << 20,
            max_header_bytes: 64 << 10,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            max_connections: 10_000,
            h2_max_concurrent_streams: 100,
            h2_keepalive_interval: Duration::ZERO,
            h2_keepalive_timeout: Duration::from_secs(20),
            grace_period: Duration::from_secs(10),
            drain_delay: Duration::from_secs(5),
            compress_min_bytes: 1024,
            handle_signals: true,
        }
    }
}

/// One environment variable and how it sets a [`ServerConfig`] field.
struct EnvSetting {
    name: &'static str,
    apply: fn(&mut ServerConfig, &str) -> Result<(), String>,
}

macro_rules! env_settings {
    ($($name:literal => $field:ident: $kind:ident),* $(,)?) => {
        const ENV_SETTINGS: &[EnvSetting] = &[$(EnvSetting {
            name: $name,
            apply: |c, v| {
                c.$field = env_settings!(@parse $kind, v)?;
                Ok(())
            },
        }),*];
    };
    (@parse duration, $v:ident) => { parse_duration($v) };
    (@parse count, $v:ident) => { parse_count($v) };
    (@parse address, $v:ident) => { Ok::<_, String>($v.to_string()) };
}

env_settings! {
    "LISTEN" => listen: address,
    "BRIEF_MAX_BODY_BYTES" => body_limit: count,
    "BRIEF_MAX_HEADER_BYTES" => max_header_bytes: count,
    "BRIEF_HEADER_READ_TIMEOUT" => header_read_timeout: duration,
    "BRIEF_BODY_READ_TIMEOUT" => body_read_timeout: duration,
    "BRIEF_IDLE_TIMEOUT" => idle_timeout: duration,
    "BRIEF_MAX_CONNECTIONS" => max_connections: count,
    "BRIEF_H2_MAX_STREAMS" => h2_max_concurrent_streams: count,
    "BRIEF_H2_KEEPALIVE_INTERVAL" => h2_keepalive_interval: duration,
    "BRIEF_H2_KEEPALIVE_TIMEOUT" => h2_keepalive_timeout: duration,
    "BRIEF_GRACE_PERIOD" => grace_period: duration,
    "BRIEF_DRAIN_DELAY" => drain_delay: duration,
}

impl ServerConfig {
    /// The defaults, overridden by every environment variable that is set and not
    /// empty. An invalid value is an error naming the variable.
    pub(crate) fn from_env_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut config = ServerConfig::default();
        for setting in ENV_SETTINGS {
            let Some(value) = get(setting.name) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            (setting.apply)(&mut config, value)
                .map_err(|why| format!("{}={value:?}: {why}", setting.name))?;
        }
        config.check()?;
        Ok(config)
    }

    /// Rejects values the server cannot work with.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.max_connections == 0 {
            return Err("max_connections must be at least 1".into());
        }
        if self.h2_max_concurrent_streams == 0 {
            return Err("h2_max_concurrent_streams must be at least 1".into());
        }
        if self.max_header_bytes < 1024 {
            return Err("max_header_bytes must be at least 1024".into());
        }
        Ok(())
    }
}

/// Parses a duration written as a whole number and a unit: `500ms`, `10s`, `2m`, `1h`;
/// `0` alone means zero.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = s.split_at(digits);
    let n: u64 = number
        .parse()
        .map_err(|_| "not a duration (write e.g. 500ms, 10s, 2m)".to_string())?;
    let millis = match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => return Err("not a duration (write e.g. 500ms, 10s, 2m)".into()),
    };
    millis
        .map(Duration::from_millis)
        .ok_or_else(|| "duration too long".into())
}

fn parse_count<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a whole number".into());
    }
    s.parse().map_err(|_| "number too large".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in [
            "",
            "s",
            "10",
            "1.5s",
            "-1s",
            "10 s",
            "5x",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_overrides_defaults_and_names_bad_values() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = ServerConfig::from_env_vars(env(&[
            ("LISTEN", " 0.0.0.0:9000 "),
            ("BRIEF_DRAIN_DELAY", "0"),
            ("BRIEF_IDLE_TIMEOUT", "30s"),
            ("BRIEF_MAX_CONNECTIONS", "64"),
            ("BRIEF_H2_MAX_STREAMS", ""),
        ]))
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.drain_delay, Duration::ZERO);
        assert_eq!(c.idle_timeout, Duration::from_secs(30));
        assert_eq!(c.max_connections, 64);
        assert_eq!(c.h2_max_concurrent_streams, 100);
        assert_eq!(c.header_read_timeout, Duration::from_secs(10));

        let err = ServerConfig::from_env_vars(env(&[("BRIEF_GRACE_PERIOD", "5x")])).unwrap_err();
        assert_eq!(
            err,
            r#"BRIEF_GRACE_PERIOD="5x": not a duration (write e.g. 500ms, 10s, 2m)"#
        );
        let err = ServerConfig::from_env_vars(env(&[("BRIEF_MAX_CONNECTIONS", "0")])).unwrap_err();
        assert!(err.contains("max_connections"), "{err}");
        let err = ServerConfig::from_env_vars(env(&[("BRIEF_MAX_BODY_BYTES", "4MB")])).unwrap_err();
        assert!(err.starts_with("BRIEF_MAX_BODY_BYTES"), "{err}");
    }
}
