//! `brief.toml`: per-language options, so that a bare `brief codegen ./rpc` needs no flags.
//!
//! ```toml
//! [rust]
//! out = "src/rpc"          # folder for the generated modules, relative to brief.toml
//! client = true            # default true
//! server = true            # default true
//!
//! [go]
//! out = "internal/rpc"
//! package = "summer"       # default: from the service name
//! import_path = "example.com/summer/internal/rpc"  # where `out` lives as a Go import path
//! runtime = "github.com/brief-rpc/brief/runtime/go"
//!
//! [php]
//! out = "gen"
//! namespace = "Acme\\Rpc"  # default: none, so a contract's namespace is its service's
//! runtime = "../vendor/brief/runtime"  # runtime/php, relative to `out` (for autoload.php)
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Lang, Options};

/// The file name looked for beside (or inside) the contracts folder.
pub const FILE_NAME: &str = "brief.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub rust: Option<LangConfig>,
    pub go: Option<LangConfig>,
    pub php: Option<LangConfig>,
}

/// The options of one language.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LangConfig {
    /// Output folder, relative to the folder holding `brief.toml`.
    pub out: PathBuf,
    pub client: Option<bool>,
    pub server: Option<bool>,
    /// Go package name.
    pub package: Option<String>,
    /// Go import path of `out`.
    pub import_path: Option<String>,
    /// Go: the import path of the runtime; PHP: the runtime's folder relative to `out`.
    pub runtime: Option<String>,
    /// PHP: the namespace the contracts' namespaces go under.
    pub namespace: Option<String>,
}

/// A loaded `brief.toml` and the folder it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub config: Config,
}

impl Found {
    /// The folder holding `brief.toml`, which its paths are relative to.
    pub fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The languages configured, each with its output folder and options.
    pub fn targets(&self) -> Vec<(Lang, PathBuf, Options)> {
        let base = self.base_dir();
        let mut out = Vec::new();
        for (lang, cfg) in [
            (Lang::Rust, &self.config.rust),
            (Lang::Go, &self.config.go),
            (Lang::Php, &self.config.php),
        ] {
            let Some(cfg) = cfg else { continue };
            let mut options = Options {
                client: cfg.client.unwrap_or(true),
                server: cfg.server.unwrap_or(true),
                go_package: cfg.package.clone(),
                go_import_path: cfg.import_path.clone(),
                ..Options::default()
            };
            match (lang, &cfg.runtime) {
                (Lang::Php, runtime) => {
                    options.php_runtime = runtime.clone();
                    options.php_namespace = cfg.namespace.clone();
                }
                (_, Some(runtime)) => options.go_runtime = runtime.clone(),
                (_, None) => {}
            }
            out.push((lang, base.join(&cfg.out), options));
        }
        out
    }
}

/// Finds `brief.toml` beside the first path (a folder's parent) or inside it, and parses it.
/// `Ok(None)` when there is none.
pub fn find(path: &Path) -> Result<Option<Found>, String> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let parent = dir.parent().map(Path::to_path_buf);
    let candidates = [Some(dir.join(FILE_NAME)), parent.map(|p| p.join(FILE_NAME))];
    for candidate in candidates.into_iter().flatten() {
        if candidate.is_file() {
            let text = std::fs::read_to_string(&candidate)
                .map_err(|e| format!("cannot read {}: {e}", candidate.display()))?;
            let config = parse(&text).map_err(|e| format!("{}: {e}", candidate.display()))?;
            return Ok(Some(Found {
                path: candidate,
                config,
            }));
        }
    }
    Ok(None)
}

pub fn parse(text: &str) -> Result<Config, String> {
    let config: Config = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    if config.rust.is_none() && config.go.is_none() && config.php.is_none() {
        return Err(
            "no language configured: add a [rust], [go] or [php] table with `out = \"...\"`".into(),
        );
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_languages_and_rejects_typos() {
        let c = parse("[rust]\nout = \"src/rpc\"\nserver = false\n").unwrap();
        assert_eq!(c.rust.as_ref().unwrap().server, Some(false));
        let err = parse("[rust]\nout = \"x\"\nclinet = true\n").unwrap_err();
        assert!(err.contains("clinet"), "{err}");
        assert!(parse("").unwrap_err().contains("no language"));
        let c = parse("[php]\nout = \"gen\"\nnamespace = \"Acme\\\\Rpc\"\n").unwrap();
        let found = Found {
            path: "x/brief.toml".into(),
            config: c,
        };
        let (lang, out, options) = found.targets().remove(0);
        assert_eq!((lang, out), (Lang::Php, PathBuf::from("x/gen")));
        assert_eq!(options.php_namespace.as_deref(), Some("Acme\\Rpc"));
    }
}
