//! Go identifiers for contract names: exported case with Go's initialisms, Go's reserved
//! words, and the namespaces of a generated package (see [`crate::gen::names`] for the
//! rule they share).

use heck::ToUpperCamelCase;

use crate::gen::names::{Case, Namespace, Reserved};

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

/// Go's predeclared identifiers: an import named like one would shadow it.
const PREDECLARED: &[&str] = &[
    "any",
    "bool",
    "byte",
    "comparable",
    "complex64",
    "complex128",
    "error",
    "float32",
    "float64",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "rune",
    "string",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "true",
    "false",
    "iota",
    "nil",
    "append",
    "cap",
    "clear",
    "close",
    "complex",
    "copy",
    "delete",
    "imag",
    "len",
    "make",
    "max",
    "min",
    "new",
    "panic",
    "print",
    "println",
    "real",
    "recover",
];

/// Every word the Go generator steps around, for the corpus that proves it does.
pub const RESERVED: Reserved = Reserved {
    language: "go",
    keywords: KEYWORDS,
    names: PREDECLARED,
};

/// The parameters and locals of generated functions, the packages a generated file may
/// import, and names Go forbids for an import (`init`, `main`, `_`): an imported
/// contract's package is imported under another name.
const LOCALS_AND_IMPORTS: &[&str] = &[
    "brief", "context", "errors", "http", "time", "fmt", "ctx", "in", "out", "opts", "err", "c",
    "m", "d", "e", "impl", "b", "wire", "typed", "detail", "init", "main", "_",
];

/// Methods every generated message has: a field may not take these names.
pub const MESSAGE_METHODS: &[&str] =
    &["DecodeBrief", "EncodeBrief", "MarshalJSON", "UnmarshalJSON"];

/// Methods a generated typed error has on top of [`MESSAGE_METHODS`].
pub const ERROR_METHODS: &[&str] = &[
    "Error",
    "BriefCode",
    "BriefType",
    "WithMessage",
    "SetBriefMessage",
];

/// Method names `go vet` holds to the signature of a standard interface (`MarshalJSON`,
/// `ReadByte`, ...) whatever the type: an rpc's method must not take one.
const STANDARD_METHODS: &[&str] = &[
    "GobDecode",
    "GobEncode",
    "MarshalJSON",
    "MarshalXML",
    "ReadByte",
    "ReadRune",
    "UnmarshalJSON",
    "UnmarshalXML",
    "UnreadByte",
    "UnreadRune",
    "WriteByte",
];

/// The methods of a service's server interface and client: one per rpc.
pub fn methods() -> Namespace {
    Namespace::reserving(Case::Sensitive, STANDARD_METHODS.iter().copied())
}

/// The fields (and methods) of a generated message, or of a typed error.
pub fn fields(error: bool) -> Namespace {
    let errors = if error { ERROR_METHODS } else { &[] };
    Namespace::reserving(
        Case::Sensitive,
        MESSAGE_METHODS.iter().chain(errors).copied(),
    )
}

/// The package names of one output: keywords cannot name a package, and `main` would
/// make a command, not a library.
pub fn packages() -> Namespace {
    Namespace::reserving(
        Case::Sensitive,
        KEYWORDS.iter().chain(&["main", "init", "_"]).copied(),
    )
}

/// The names under which one generated file imports other contracts' packages.
pub fn import_aliases() -> Namespace {
    Namespace::reserving(
        Case::Sensitive,
        LOCALS_AND_IMPORTS.iter().chain(PREDECLARED).copied(),
    )
}

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

/// `image-storage` → `imagestorage`: Go package names are lowercase single words (the
/// [`packages`] namespace then steps around keywords and other packages).
pub fn package_name(service_or_stem: &str) -> String {
    let mut p: String = service_or_stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if p.is_empty() || p.starts_with(|c: char| c.is_ascii_digit()) {
        p.insert_str(0, "pkg");
    }
    p
}

/// The name under which a generated file imports another contract's package: the
/// package name, or with `pkg` appended when that would shadow a parameter, a local,
/// another import or a predeclared identifier.
pub fn import_alias(aliases: &mut Namespace, package: &str) -> String {
    if aliases.is_free(package) {
        aliases.claim(package)
    } else {
        aliases.claim(&format!("{package}pkg"))
    }
}

/// Operating systems and architectures that `go build` reads from a file name's last
/// `_` words (`x_linux.go` builds only on Linux).
const GOOS_GOARCH: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The stem of a generated file's name, `<stem>.brief.go`, from a contract's file stem:
/// safe characters only, and nothing `go build` would skip (a leading `_` or `.`) or build
/// on one platform only (`x_windows`, `x_arm64_test`).
pub fn file_stem(stem: &str) -> String {
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut safe = safe.trim_start_matches('_').to_string();
    if safe.is_empty() {
        safe = "contract".into();
    }
    let mut words: Vec<&str> = safe.split('_').skip(1).collect();
    if words.last() == Some(&"test") {
        words.pop();
    }
    if words
        .last()
        .is_some_and(|w| GOOS_GOARCH.contains(&w.to_ascii_lowercase().as_str()))
    {
        safe.push('_');
    }
    safe
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
        let mut aliases = import_aliases();
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
            (package_name("3d"), "pkg3d"),
            (package_name("summer"), "summer"),
            (packages().claim(&package_name("type")), "type_"),
            (packages().claim(&package_name("main")), "main_"),
            (import_alias(&mut aliases, "common"), "common"),
            (import_alias(&mut aliases, "time"), "timepkg"),
            (import_alias(&mut aliases, "in"), "inpkg"),
            (import_alias(&mut aliases, "brief"), "briefpkg"),
            (import_alias(&mut aliases, "string"), "stringpkg"),
            (import_alias(&mut aliases, "timepkg"), "timepkgpkg"),
            (file_stem("summer"), "summer"),
            (file_stem("a_windows"), "a_windows_"),
            (file_stem("a_linux_amd64"), "a_linux_amd64_"),
            (file_stem("a_arm64_test"), "a_arm64_test_"),
            (file_stem("linux"), "linux"),
            (file_stem("_hidden"), "hidden"),
            (file_stem("my.types"), "my_types"),
            (file_stem("_"), "contract"),
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
    fn fields_step_around_generated_methods() {
        let mut fields = fields(false);
        let table = [
            ("userId", "UserID"),
            ("encodeBrief", "EncodeBrief_"),
            ("type", "Type"),
            ("map", "Map"),
        ];
        for (field, want) in table {
            assert_eq!(fields.claim(&exported(field)), want, "{field}");
        }
        let mut errors = super::fields(true);
        assert_eq!(errors.claim(&exported("error")), "Error_");
        assert_eq!(errors.claim(&exported("briefType")), "BriefType_");
        assert_eq!(errors.claim(&exported("withMessage")), "WithMessage_");
        assert_eq!(errors.claim(&exported("code")), "Code");
    }

    /// Every reserved word, in every place a contract name goes, comes out as a usable
    /// identifier (the corpus in `tests/names` compiles them all).
    #[test]
    fn every_reserved_word_is_escaped_everywhere() {
        for word in RESERVED.words() {
            for ident in [exported(word), type_name(word)] {
                assert!(
                    ident.starts_with(|c: char| c.is_ascii_uppercase()),
                    "{ident}"
                );
            }
            let lower = unexported(word);
            assert!(!KEYWORDS.contains(&lower.as_str()), "{word}: {lower}");
            let package = packages().claim(&package_name(word));
            assert!(!KEYWORDS.contains(&package.as_str()), "{word}: {package}");
            let alias = import_alias(&mut import_aliases(), &package);
            assert!(!RESERVED.words().any(|w| w == alias), "{word}: {alias}");
        }
    }
}
