//! `file://` URIs ↔ paths. Editors name documents by URI; the checker reads paths.

use std::path::{Path, PathBuf};

use lsp_types::Uri;

/// The path a `file://` URI names, or `None` for other schemes (`untitled:`, `git:`)
/// and URIs that are not absolute file paths.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///p`, or `file://localhost/p`; other hosts are not local files.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(at) if rest[..at].eq_ignore_ascii_case("localhost") => &rest[at..],
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    // `file:///c:/x` on Windows is the path `c:/x`.
    if cfg!(windows) && decoded.as_bytes().get(2) == Some(&b':') {
        return Some(PathBuf::from(&decoded[1..]));
    }
    Some(PathBuf::from(decoded))
}

/// The `file://` URI of an absolute path.
pub fn from_path(path: &Path) -> Uri {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out.parse().expect("a percent-encoded path is a valid URI")
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_paths_with_spaces_and_non_ascii() {
        let path = Path::new("/tmp/my contracts/größe#1.brief");
        let uri = from_path(path);
        assert_eq!(
            uri.as_str(),
            "file:///tmp/my%20contracts/gr%C3%B6%C3%9Fe%231.brief"
        );
        assert_eq!(to_path(&uri).as_deref(), Some(path));
    }

    #[test]
    fn other_schemes_and_hosts_are_not_files() {
        for uri in [
            "untitled:Untitled-1",
            "file://server/share/a.brief",
            "file:///a%FF",
        ] {
            assert_eq!(to_path(&uri.parse().unwrap()), None, "{uri}");
        }
        let local: Uri = "file://localhost/a/b.brief".parse().unwrap();
        assert_eq!(to_path(&local), Some(PathBuf::from("/a/b.brief")));
    }
}
