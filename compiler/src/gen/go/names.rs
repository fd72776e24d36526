//! Go identifiers for contract names: exported case with Go's initialisms, keyword
//! escaping, and a [`Namespace`] that keeps generated names from colliding.

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;

/// Words Go writes in capitals (golint's list, trimmed to what appears in APIs).
const INITIALISMS: &[&str] = &[
    "ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP",
    "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP", "TLS", "TTL",
    "UDP", "UI", "UID", "UUID", "URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS",
];

const KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// Identifiers generated functions use as parameters and locals, and the packages every
/// generated file may import: an imported contract's package alias must differ from all.
const LOCALS_AND_IMPORTS: &[&str] = &[
    "brief", "context", "errors", "http", "time", "fmt", "ctx", "in", "out", "opts", "err", "c",
    "m", "d", "e", "impl", "b", "wire", "typed", "detail", "new", "nil", "true", "false", "string",
    "any", "error",
];

/// Methods every generated message has: a field may not take these names.
pub const MESSAGE_METHODS: &[&str] =
    &["DecodeBrief", "EncodeBrief", "MarshalJSON", "UnmarshalJSON"];

/// Methods a generated typed error has on top of [`MESSAGE_METHODS`].
pub const ERROR_METHODS: &[&str] = &["Error", "BriefCode", "BriefType"];

/// `serviceId` → `ServiceID`, `url` → `URL`, `httpStatus` → `HTTPStatus`.
pub fn exported(name: &str) -> String {
    let pascal = name.to_upper_camel_case();
    // Split into words at capitals, then upper-case the words that are initialisms.
    let mut words: Vec<String> = Vec::new();
    for c in pascal.chars() {
        if c.is_ascii_uppercase() || words.is_empty() {
            words.push(c.to_string());
        } else if let Some(w) = words.last_mut() {
            w.push(c);
        }
    }
    let mut out: String = words
        .iter()
        .map(|w| {
            let upper = w.to_ascii_uppercase();
            if INITIALISMS.contains(&upper.as_str()) {
                upper
            } else {
                w.clone()
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'X');
    }
    out
}

/// A message, enum or error name: kept as written when it is an exported Go identifier
/// already (`KindAB`, `HttpRequest`), so the Go type is found under the contract's name;
/// otherwise as [`exported`].
pub fn type_name(name: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
    {
        name.to_string()
    } else {
        exported(name)
    }
}

/// A lowercase identifier (parameters, unexported helpers), escaped if it is a keyword.
pub fn unexported(name: &str) -> String {
    let e = exported(name);
    let mut chars = e.chars();
    let lower = match chars.next() {
        Some(first) => {
            // `ID` → `id`, `URLPath` → `urlPath`: lower the leading initialism whole.
            let lead = e.chars().take_while(|c| c.is_ascii_uppercase()).count();
            if lead > 1 && lead < e.len() {
                format!("{}{}", e[..lead - 1].to_ascii_lowercase(), &e[lead - 1..])
            } else if lead == e.len() {
                e.to_ascii_lowercase()
            } else {
                format!("{}{}", first.to_ascii_lowercase(), chars.as_str())
            }
        }
        None => e,
    };
    if KEYWORDS.contains(&lower.as_str()) {
        format!("{lower}_")
    } else {
        lower
    }
}

/// `image-storage` → `imagestorage`: Go package names are lowercase single words.
pub fn package_name(service_or_stem: &str) -> String {
    let mut p: String = service_or_stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if p.is_empty() || p.starts_with(|c: char| c.is_ascii_digit()) {
        p.insert_str(0, "pkg");
    }
    if KEYWORDS.contains(&p.as_str()) {
        p.push_str("pb");
    }
    p
}

/// The name under which a generated file imports another contract's package: the
/// package name, unless that would shadow a parameter, a local or another import.
pub fn import_alias(package: &str) -> String {
    if LOCALS_AND_IMPORTS.contains(&package) {
        format!("{package}pkg")
    } else {
        package.to_string()
    }
}

/// Identifiers already taken in one Go scope (a package, a struct's fields and methods,
/// an interface's methods). [`Namespace::claim`] hands out the wanted name, or the name
/// with `_` appended until it is free, so two contract names that map to the same Go name
/// (`userId` and `userID`) still give compiling code, deterministically by order.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    pub fn new() -> Namespace {
        Namespace::default()
    }

    /// A namespace whose `reserved` names are taken already (e.g. a type's methods).
    pub fn with_reserved(reserved: &[&str]) -> Namespace {
        Namespace {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `want`, or `want_`, `want__`, ... whichever is free first; it is then taken.
    pub fn claim(&mut self, want: &str) -> String {
        let mut name = want.to_string();
        while self.taken.contains(&name) {
            name.push('_');
        }
        self.taken.insert(name.clone());
        name
    }
}

/// A Go interpreted string literal holding `s` exactly.
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            // Line and paragraph separators and the BOM are legal but confusing in source.
            '\u{2028}' | '\u{2029}' | '\u{feff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let table = [
            (exported("serviceId"), "ServiceID"),
            (exported("userId"), "UserID"),
            (exported("url"), "URL"),
            (exported("httpStatus"), "HTTPStatus"),
            (exported("sum"), "Sum"),
            (exported("not_found"), "NotFound"),
            (exported("ids"), "Ids"),
            (exported("apiKey"), "APIKey"),
            (exported("SumIn"), "SumIn"),
            (exported("HTTPRequest"), "HTTPRequest"),
            (exported("s3Key"), "S3Key"),
            (exported("v10_beta"), "V10Beta"),
            (exported("type"), "Type"),
            (exported("func"), "Func"),
            (exported("3d"), "X3d"),
            (exported("_"), "X"),
            (exported("_private"), "Private"),
            (type_name("KindAB"), "KindAB"),
            (type_name("HttpRequest"), "HttpRequest"),
            (type_name("OAuth2Token"), "OAuth2Token"),
            (type_name("lower_case"), "LowerCase"),
            (type_name("Snake_Case"), "SnakeCase"),
            (unexported("type"), "type_"),
            (unexported("ID"), "id"),
            (unexported("urlPath"), "urlPath"),
            (unexported("SumIn"), "sumIn"),
            (unexported("Color"), "color"),
            (package_name("image-storage"), "imagestorage"),
            (package_name("type"), "typepb"),
            (package_name("3d"), "pkg3d"),
            (package_name("summer"), "summer"),
            (import_alias("common"), "common"),
            (import_alias("time"), "timepkg"),
            (import_alias("in"), "inpkg"),
            (import_alias("brief"), "briefpkg"),
            (
                string_literal("a \"b\"\\\n\u{1}é"),
                "\"a \\\"b\\\"\\\\\\n\\x01é\"",
            ),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn namespace_renames_collisions_in_order() {
        let mut fields = Namespace::with_reserved(MESSAGE_METHODS);
        let table = [
            ("userId", "UserID"),
            ("userID", "UserID_"),
            ("user_id", "UserID__"),
            ("encodeBrief", "EncodeBrief_"),
            ("type", "Type"),
            ("map", "Map"),
        ];
        for (field, want) in table {
            assert_eq!(fields.claim(&exported(field)), want, "{field}");
        }
        let mut errors = Namespace::with_reserved(ERROR_METHODS);
        assert_eq!(errors.claim(&exported("error")), "Error_");
        assert_eq!(errors.claim(&exported("briefType")), "BriefType_");
        assert_eq!(errors.claim(&exported("code")), "Code");
    }
}
