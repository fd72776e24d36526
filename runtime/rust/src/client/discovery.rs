//! Where a client's endpoints come from: base URLs given in code, else
//! `SERVICE_<NAME>_URL` (one URL or a comma-separated list), where a
//! `dns+http://host:port` entry stands for every address of `host`, re-resolved in
//! the background (never on the request path). The URL rules are pinned by
//! `tests/vectors/discovery.json`, which every runtime runs.

use std::fmt;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use super::balance::{Endpoint, EndpointOptions};
use crate::Error;

/// Resolves a host name to its addresses, for `dns+http://` endpoints. It is called on
/// the client's discovery thread, never on the request path, so it may block.
pub trait Resolve: fmt::Debug + Send + Sync + 'static {
    /// Every address of `host` (A and AAAA records, `/etc/hosts`, ...).
    fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver (`getaddrinfo`): `/etc/hosts`, then DNS.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok((host, 0).to_socket_addrs()?.map(|a| a.ip()).collect())
    }
}

/// The environment variable that holds a service's endpoints:
/// `SERVICE_<NAME>_URL`, the name upper-cased with `-` and `.` turned into `_`
/// (`image-storage` → `SERVICE_IMAGE_STORAGE_URL`).
pub fn endpoint_env_var(service: &str) -> String {
    let mut s = String::from("SERVICE_");
    for c in service.chars() {
        s.push(match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        });
    }
    s.push_str("_URL");
    s
}

/// One entry of an endpoint list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A base URL used as it is (`http://host:port/prefix`, normalized).
    Url(String),
    /// Every address of `host`, each as `http://addr:port/prefix`.
    Dns {
        host: String,
        port: u16,
        path: String,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Url(u) => f.write_str(u),
            Source::Dns { host, port, path } => write!(f, "dns+http://{host}:{port}{path}"),
        }
    }
}

/// Parses a comma-separated endpoint list (spaces around entries and empty entries are
/// ignored; a repeated entry counts once).
pub(crate) fn parse_list(value: &str) -> Result<Vec<Source>, String> {
    let mut out: Vec<Source> = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let source = parse_url(entry).map_err(|why| format!("{entry:?}: {why}"))?;
        if !out.contains(&source) {
            out.push(source);
        }
    }
    if out.is_empty() {
        return Err("holds no URL".into());
    }
    Ok(out)
}

/// Parses one base URL: `http://host[:port][/path]` or `dns+http://host[:port][/path]`.
fn parse_url(url: &str) -> Result<Source, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("expected http://host:port or dns+http://host:port")?;
    let dns = match scheme.to_ascii_lowercase().as_str() {
        "http" => false,
        "dns+http" => true,
        "https" | "dns+https" => {
            return Err("https is not supported: brief clients speak plain HTTP (TLS belongs to the mesh or a sidecar)".into())
        }
        _ => return Err(format!("unsupported scheme {scheme:?}: expected http:// or dns+http://")),
    };
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    if tail.contains('?') {
        return Err("a base URL has no query".into());
    }
    if tail.contains('#') {
        return Err("a base URL has no fragment".into());
    }
    if tail.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("bad character in path".into());
    }
    if authority.contains('@') {
        return Err("a base URL has no user info".into());
    }
    let (host, port) = split_host_port(authority)?;
    let path = tail.trim_end_matches('/').to_string();
    if dns {
        return Ok(Source::Dns {
            host,
            port: port.unwrap_or(80),
            path,
        });
    }
    Ok(Source::Url(match port {
        Some(p) => format!("http://{host}:{p}{path}"),
        None => format!("http://{host}{path}"),
    }))
}

/// Splits `host[:port]` (`[v6]:port` for IPv6); the host comes back lower-cased, an
/// IPv6 address in brackets.
fn split_host_port(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or("bad IPv6 address")?;
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("bad IPv6 address".into());
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("bad port")?),
        };
        (format!("[{}]", addr.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err("missing host".into());
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err("bad host".into());
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err("bad port".into()),
        },
    };
    Ok((host, port))
}

/// Where the endpoint list came from, for error messages.
fn list_from_config(service: &str, base_urls: &[String]) -> Result<(Vec<Source>, String), Error> {
    let var = endpoint_env_var(service);
    let (value, origin) = if base_urls.is_empty() {
        match std::env::var(&var) {
            Ok(v) if !v.trim().is_empty() => (v, format!("${var}")),
            _ => {
                return Err(Error::failed_precondition(format!(
                    "no endpoint for service {service:?}: set {var} (e.g. http://host:8080) or give a base URL in ClientConfig"
                )))
            }
        }
    } else {
        (base_urls.join(","), "ClientConfig.base_urls".to_string())
    };
    let sources = parse_list(&value).map_err(|why| {
        Error::failed_precondition(format!(
            "bad endpoint for service {service:?} in {origin}: {why}"
        ))
    })?;
    Ok((sources, origin))
}

/// The current endpoints of one client: a snapshot swapped whole when DNS answers
/// change, so a call reads it with one lock-free-in-practice read and an `Arc` clone.
#[derive(Debug)]
pub(crate) struct EndpointSet {
    service: Arc<str>,
    sources: Vec<Source>,
    options: EndpointOptions,
    current: RwLock<Arc<[Arc<Endpoint>]>>,
    /// The last good addresses of each source (for `Dns` sources), kept when the
    /// resolver fails.
    resolved: Mutex<Vec<Vec<String>>>,
    last_error: Mutex<Option<String>>,
    /// Dropped with the set, which tells the discovery thread to stop.
    _stop: Option<mpsc::Sender<()>>,
}

impl EndpointSet {
    /// The endpoints of `service` from `base_urls` or its environment variable. When a
    /// `dns+http://` entry is present, resolves it once now and starts the thread that
    /// re-resolves it every `refresh`.
    pub(crate) fn discover(
        service: &str,
        base_urls: &[String],
        options: EndpointOptions,
        resolver: Arc<dyn Resolve>,
        refresh: Duration,
    ) -> Result<Arc<EndpointSet>, Error> {
        let (sources, _origin) = list_from_config(service, base_urls)?;
        let has_dns = sources.iter().any(|s| matches!(s, Source::Dns { .. }));
        let (stop, stopped) = mpsc::channel();
        let set = Arc::new(EndpointSet {
            service: service.into(),
            resolved: Mutex::new(vec![Vec::new(); sources.len()]),
            sources,
            options,
            current: RwLock::new(Arc::from(Vec::new())),
            last_error: Mutex::new(None),
            _stop: has_dns.then_some(stop),
        });
        set.refresh(resolver.as_ref(), true);
        if has_dns {
            let weak = Arc::downgrade(&set);
            let spawned = std::thread::Builder::new()
                .name(format!("brief-dns-{service}"))
                .spawn(move || {
                    refresh_loop(
                        weak,
                        resolver,
                        refresh.max(Duration::from_millis(10)),
                        stopped,
                    )
                });
            if let Err(e) = spawned {
                return Err(Error::internal(format!(
                    "cannot start the discovery thread of {service}: {e}"
                )));
            }
        }
        Ok(set)
    }

    /// The current endpoints.
    pub(crate) fn snapshot(&self) -> Arc<[Arc<Endpoint>]> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Why there is no endpoint (for the error of a call that finds none).
    pub(crate) fn why_empty(&self) -> String {
        let sources: Vec<String> = self.sources.iter().map(ToString::to_string).collect();
        match self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_deref()
        {
            Some(e) => format!("{} resolved to no address ({e})", sources.join(", ")),
            None => format!("{} resolved to no address", sources.join(", ")),
        }
    }

    /// Resolves every `dns+http` source and swaps in the new endpoint list when it
    /// changed, keeping the state (breaker, in-flight count) of endpoints that stay.
    /// Changes after the initial resolution are logged.
    fn refresh(&self, resolver: &dyn Resolve, initial: bool) {
        let mut resolved = self.resolved.lock().unwrap_or_else(PoisonError::into_inner);
        let mut urls: Vec<String> = Vec::new();
        for (i, source) in self.sources.iter().enumerate() {
            match source {
                Source::Url(u) => urls.push(u.clone()),
                Source::Dns { host, port, path } => {
                    match resolver.resolve(host) {
                        Ok(addrs) if !addrs.is_empty() => {
                            let mut list: Vec<String> = addrs
                                .iter()
                                .map(|a| match a {
                                    IpAddr::V4(v4) => format!("http://{v4}:{port}{path}"),
                                    IpAddr::V6(v6) => format!("http://[{v6}]:{port}{path}"),
                                })
                                .collect();
                            list.sort();
                            list.dedup();
                            resolved[i] = list;
                        }
                        Ok(_) => self.resolve_failed(source, "no address".into()),
                        Err(e) => self.resolve_failed(source, e.to_string()),
                    }
                    urls.extend(resolved[i].iter().cloned());
                }
            }
        }
        drop(resolved);
        let mut seen = std::collections::HashSet::new();
        urls.retain(|u| seen.insert(u.clone()));
        let old = self.snapshot();
        if old.len() == urls.len() && old.iter().zip(&urls).all(|(e, u)| *e.url == **u) {
            return;
        }
        let next: Vec<Arc<Endpoint>> = urls
            .iter()
            .map(|u| match old.iter().find(|e| *e.url == **u) {
                Some(e) => e.clone(),
                None => Arc::new(Endpoint::new(&self.service, u, &self.options)),
            })
            .collect();
        if !initial {
            tracing::info!(service = %self.service, endpoints = ?urls, "brief client endpoints changed");
        }
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::from(next);
    }

    fn resolve_failed(&self, source: &Source, why: String) {
        tracing::warn!(service = %self.service, %source, error = %why, "brief client: resolving endpoints failed; keeping the last good ones");
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(why);
    }
}

fn refresh_loop(
    set: Weak<EndpointSet>,
    resolver: Arc<dyn Resolve>,
    every: Duration,
    stopped: mpsc::Receiver<()>,
) {
    // The sender lives in the set: once the client is gone, recv_timeout returns
    // Disconnected at once and the thread ends.
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
        match set.upgrade() {
            Some(set) => set.refresh(resolver.as_ref(), false),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn env_var_names() {
        assert_eq!(
            endpoint_env_var("image-storage"),
            "SERVICE_IMAGE_STORAGE_URL"
        );
        assert_eq!(endpoint_env_var("data.bus"), "SERVICE_DATA_BUS_URL");
    }

    /// The shared vectors: every runtime parses endpoint lists the same way.
    #[test]
    fn discovery_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors/discovery.json"
        );
        let text = std::fs::read_to_string(path).expect("tests/vectors/discovery.json");
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let mut checked = 0;
        for case in v["env_var"].as_array().expect("env_var") {
            let service = case["service"].as_str().unwrap();
            assert_eq!(
                endpoint_env_var(service),
                case["variable"].as_str().unwrap()
            );
            checked += 1;
        }
        for case in v["lists"].as_array().expect("lists") {
            let value = case["value"].as_str().unwrap();
            match (parse_list(value), case.get("endpoints"), case.get("error")) {
                (Ok(got), Some(want), None) => {
                    let got: Vec<String> = got.iter().map(ToString::to_string).collect();
                    let want: Vec<&str> = want
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|w| w.as_str().unwrap())
                        .collect();
                    assert_eq!(got, want, "{value:?}");
                }
                (Err(got), None, Some(want)) => {
                    let want = want.as_str().unwrap();
                    assert!(got.contains(want), "{value:?}: {got:?} lacks {want:?}");
                }
                (got, _, _) => panic!("{value:?}: got {got:?}, want {case}"),
            }
            checked += 1;
        }
        assert!(checked > 30, "only {checked} vectors");
    }

    #[test]
    fn missing_config_names_the_variable() {
        let err = list_from_config("no-such-svc-xyz", &[]).unwrap_err();
        assert_eq!(err.code(), crate::Code::FailedPrecondition);
        assert!(
            err.message().contains("SERVICE_NO_SUCH_SVC_XYZ_URL"),
            "{}",
            err.message()
        );
    }

    /// A resolver the test controls: answers from a list it can change, or fails.
    #[derive(Debug)]
    struct Scripted {
        answers: Mutex<Result<Vec<IpAddr>, String>>,
        calls: AtomicUsize,
    }

    impl Default for Scripted {
        fn default() -> Self {
            Scripted {
                answers: Mutex::new(Ok(Vec::new())),
                calls: AtomicUsize::new(0),
            }
        }
    }

    impl Resolve for Scripted {
        fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
            assert_eq!(host, "svc.test");
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.answers
                .lock()
                .unwrap()
                .clone()
                .map_err(std::io::Error::other)
        }
    }

    fn urls(set: &EndpointSet) -> Vec<String> {
        set.snapshot().iter().map(|e| e.url.to_string()).collect()
    }

    #[test]
    fn dns_sources_follow_the_resolver_and_keep_the_last_good_set() {
        let resolver = Arc::new(Scripted::default());
        *resolver.answers.lock().unwrap() = Ok(vec!["10.0.0.2".parse().unwrap()]);
        let set = EndpointSet::discover(
            "svc",
            &["dns+http://svc.test:81/p, http://static:1".into()],
            EndpointOptions::default(),
            resolver.clone(),
            Duration::from_millis(10),
        )
        .unwrap();
        assert_eq!(urls(&set), ["http://10.0.0.2:81/p", "http://static:1"]);
        let first = set.snapshot()[0].clone();

        *resolver.answers.lock().unwrap() = Ok(vec![
            "10.0.0.3".parse().unwrap(),
            "10.0.0.2".parse().unwrap(),
            "::1".parse().unwrap(),
        ]);
        let until = std::time::Instant::now() + Duration::from_secs(5);
        while urls(&set).len() != 4 {
            assert!(std::time::Instant::now() < until, "{:?}", urls(&set));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            urls(&set),
            [
                "http://10.0.0.2:81/p",
                "http://10.0.0.3:81/p",
                "http://[::1]:81/p",
                "http://static:1"
            ]
        );
        // An endpoint that stays keeps its state.
        assert!(Arc::ptr_eq(&first, &set.snapshot()[0]));

        // The resolver fails: the last good set stays.
        *resolver.answers.lock().unwrap() = Err("SERVFAIL".into());
        let calls = resolver.calls.load(Ordering::SeqCst);
        while resolver.calls.load(Ordering::SeqCst) < calls + 3 {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(urls(&set).len(), 4);

        // The thread stops with the set.
        drop(set);
        std::thread::sleep(Duration::from_millis(50));
        let calls = resolver.calls.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(resolver.calls.load(Ordering::SeqCst), calls);
    }

    #[test]
    fn unresolved_dns_explains_itself() {
        let resolver = Arc::new(Scripted::default());
        *resolver.answers.lock().unwrap() = Err("no such host".into());
        let set = EndpointSet::discover(
            "svc",
            &["dns+http://svc.test:81".into()],
            EndpointOptions::default(),
            resolver,
            Duration::from_secs(60),
        )
        .unwrap();
        assert!(set.snapshot().is_empty());
        let why = set.why_empty();
        assert!(
            why.contains("dns+http://svc.test:81") && why.contains("no such host"),
            "{why}"
        );
    }

    #[test]
    fn system_resolver_resolves_localhost() {
        let addrs = SystemResolver.resolve("localhost").unwrap();
        assert!(addrs.iter().any(|a| a.is_loopback()), "{addrs:?}");
    }
}
