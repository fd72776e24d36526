//! PHP identifiers for contract names: case conversion, PHP's reserved words, and a
//! [`Namespace`] that keeps generated names apart, comparing class and method names
//! without case as PHP does.
//!
//! The rule users see (docs/php.md): a name PHP does not allow where it is used, or that
//! another name of the same scope took first, gets a suffix. Class names stay StudlyCaps
//! as PSR-1 wants, so they get a word: the kind of the declaration (`message List` →
//! `ListMessage`, `enum Default` → `DefaultEnum`, `error Empty` → `EmptyError`), or `Rpc`
//! for a generated class or method whose name the contract took (`SummerClientRpc`);
//! then a number (`ListMessage2`). Properties and enum cases get `_` (`this` → `this_`,
//! a case `class` → `Class_`). Wire names never change. The namespace mirrors the shared
//! `gen` naming namespace (one `claim` per scope, contract names first), so that it can
//! move onto it when that lands.

use std::collections::BTreeSet;

use heck::{ToLowerCamelCase, ToUpperCamelCase};

/// PHP's keywords: none of them may name a class, interface, enum or namespace segment
/// (PHP compares them without case). PHP 7 allows them as method, property and constant
/// names.
pub const KEYWORDS: &[&str] = &[
    "__halt_compiler",
    "abstract",
    "and",
    "array",
    "as",
    "break",
    "callable",
    "case",
    "catch",
    "class",
    "clone",
    "const",
    "continue",
    "declare",
    "default",
    "die",
    "do",
    "echo",
    "else",
    "elseif",
    "empty",
    "enddeclare",
    "endfor",
    "endforeach",
    "endif",
    "endswitch",
    "endwhile",
    "eval",
    "exit",
    "extends",
    "final",
    "finally",
    "fn",
    "for",
    "foreach",
    "function",
    "global",
    "goto",
    "if",
    "implements",
    "include",
    "include_once",
    "instanceof",
    "insteadof",
    "interface",
    "isset",
    "list",
    "match",
    "namespace",
    "new",
    "or",
    "print",
    "private",
    "protected",
    "public",
    "readonly",
    "require",
    "require_once",
    "return",
    "static",
    "switch",
    "throw",
    "trait",
    "try",
    "unset",
    "use",
    "var",
    "while",
    "xor",
    "yield",
    "__class__",
    "__dir__",
    "__file__",
    "__function__",
    "__line__",
    "__method__",
    "__namespace__",
    "__trait__",
];

/// Names PHP reserves for its own types: no class may be called so, whatever the case.
/// (`enum`, `resource` and `numeric` are still allowed as class names, so they are kept.)
pub const RESERVED_CLASS_NAMES: &[&str] = &[
    "bool", "false", "float", "int", "iterable", "mixed", "never", "null", "object", "parent",
    "self", "static", "string", "true", "void",
];

/// Variables a parameter (and so a promoted property) cannot be named: `$this` and the
/// superglobals.
pub const RESERVED_VARIABLES: &[&str] = &[
    "this", "GLOBALS", "_SERVER", "_GET", "_POST", "_FILES", "_COOKIE", "_SESSION", "_REQUEST",
    "_ENV",
];

/// Properties a typed error inherits from PHP's `\Exception` (protected, so a generated
/// property may not take their names) and the constructor parameter that carries the
/// handler's message.
pub const ERROR_PROPERTIES: &[&str] = &["message", "code", "file", "line"];

/// How a scope compares names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Case {
    /// Properties, parameters and constants: `id` and `Id` are two names.
    #[default]
    Sensitive,
    /// Classes, interfaces, enums, namespaces and methods: `Item` and `item` are one.
    Insensitive,
}

/// The identifiers taken in one scope of generated PHP. [`Namespace::claim`] hands out the
/// wanted name, or the name with `_` appended until it is free.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    case: Case,
    taken: BTreeSet<String>,
}

impl Namespace {
    pub fn new(case: Case) -> Namespace {
        Namespace {
            case,
            taken: BTreeSet::new(),
        }
    }

    /// A scope whose `words` are taken already (reserved words, inherited members).
    pub fn reserving<'a>(case: Case, words: impl IntoIterator<Item = &'a str>) -> Namespace {
        let mut ns = Namespace::new(case);
        for w in words {
            ns.taken.insert(ns.key(w));
        }
        ns
    }

    fn key(&self, name: &str) -> String {
        match self.case {
            Case::Sensitive => name.to_string(),
            Case::Insensitive => name.to_ascii_lowercase(),
        }
    }

    fn is_free(&self, name: &str) -> bool {
        !self.taken.contains(&self.key(name))
    }

    fn take(&mut self, name: String) -> String {
        self.taken.insert(self.key(&name));
        name
    }

    /// `want`, or `want_`, `want__`, ...: the first that is free, which is then taken.
    pub fn claim(&mut self, want: &str) -> String {
        let mut name = want.to_string();
        while !self.is_free(&name) {
            name.push('_');
        }
        self.take(name)
    }

    /// `want`, or `want{suffix}`, `want{suffix}2`, `want{suffix}3`, ...: the first that
    /// is free, which is then taken. For StudlyCaps and camelCase names, which `_` would
    /// break.
    pub fn claim_with(&mut self, want: &str, suffix: &str) -> String {
        if self.is_free(want) {
            return self.take(want.to_string());
        }
        let base = format!("{want}{suffix}");
        let mut name = base.clone();
        let mut n = 1;
        while !self.is_free(&name) {
            n += 1;
            name = format!("{base}{n}");
        }
        self.take(name)
    }
}

/// A PHP class scope (one namespace of the generated package): classes, interfaces and
/// enums, compared without case, with every reserved class name taken.
pub fn class_scope() -> Namespace {
    Namespace::reserving(
        Case::Insensitive,
        KEYWORDS.iter().chain(RESERVED_CLASS_NAMES).copied(),
    )
}

/// A message, enum or error name: kept as written when it is PascalCase already
/// (`HTTPRequest`), otherwise converted (`lower_case` → `LowerCase`). Reserved words are
/// left to [`class_scope`], which appends `_`.
pub fn class_name(name: &str) -> String {
    let pascal = if crate::check::names::is_pascal_case(name) {
        name.to_string()
    } else {
        name.to_upper_camel_case()
    };
    if pascal.is_empty() {
        "Type".into()
    } else {
        pascal
    }
}

/// One segment of a namespace, from a service name or a file stem: `image-storage` →
/// `ImageStorage`, `3d` → `N3d`. PHP 8 takes reserved words in namespaces (`List\Item`),
/// so none is escaped.
pub fn namespace_segment(name: &str) -> String {
    let mut s = name.to_upper_camel_case();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'N');
    }
    s
}

/// Whether `ns` is a namespace PHP accepts: `Acme\Rpc`, segments of letters, digits and
/// `_` that start with a letter or `_`.
pub fn is_namespace(ns: &str) -> bool {
    !ns.is_empty()
        && ns.split('\\').all(|seg| {
            seg.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A field as a property and constructor parameter: lowerCamelCase (`user_id` →
/// `userId`), `this` and the superglobals with a trailing `_`.
pub fn property_name(name: &str) -> String {
    let mut s = name.to_lower_camel_case();
    if s.is_empty() {
        // `_` and `__` are identifiers in a contract; heck leaves nothing of them.
        s = name.to_string();
    }
    if RESERVED_VARIABLES.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// An rpc as a method: lowerCamelCase. Keywords are fine as method names in PHP 7+.
pub fn method_name(name: &str) -> String {
    let s = name.to_lower_camel_case();
    if s.is_empty() {
        "call".into()
    } else {
        s
    }
}

/// An enum value as a case: `in_progress` → `InProgress`. `class` cannot name a case
/// (`Color::class` is the class name), so it becomes `Class_`.
pub fn case_name(name: &str) -> String {
    let mut s = name.to_upper_camel_case();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if s.eq_ignore_ascii_case("class") {
        s.push('_');
    }
    s
}

/// A single-quoted PHP string literal holding `s` exactly.
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let table = [
            (class_name("SumIn"), "SumIn"),
            (class_name("HTTPRequest"), "HTTPRequest"),
            (class_name("lower_case"), "LowerCase"),
            (namespace_segment("image-storage"), "ImageStorage"),
            (namespace_segment("s3-proxy-v2"), "S3ProxyV2"),
            (namespace_segment("list"), "List"),
            (namespace_segment("shared_common"), "SharedCommon"),
            (namespace_segment("3d"), "N3d"),
            (property_name("userId"), "userId"),
            (property_name("user_id"), "userId"),
            (property_name("HTTPStatus"), "httpStatus"),
            (property_name("class"), "class"),
            (property_name("this"), "this_"),
            (property_name("GLOBALS"), "globals"),
            (property_name("_"), "_"),
            (method_name("getItem"), "getItem"),
            (method_name("list"), "list"),
            (case_name("in_progress"), "InProgress"),
            (case_name("darkBlue"), "DarkBlue"),
            (case_name("class"), "Class_"),
            (case_name("list"), "List"),
            (string_literal("it's a \\ path"), "'it\\'s a \\\\ path'"),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
    }

    /// Every keyword and reserved class name is escaped as a class name, in any case.
    #[test]
    fn every_reserved_word_is_escaped_as_a_class_name() {
        for word in KEYWORDS.iter().chain(RESERVED_CLASS_NAMES) {
            let mut scope = class_scope();
            // As a contract would write it (`__halt_compiler` only reaches PHP as
            // `HaltCompiler`, which is free).
            let pascal = format!("{}{}", word[..1].to_ascii_uppercase(), &word[1..]);
            assert_eq!(
                scope.claim_with(&pascal, "Message"),
                format!("{pascal}Message"),
                "{word}"
            );
            let mut scope = class_scope();
            let upper = word.to_ascii_uppercase();
            assert_eq!(
                scope.claim_with(&upper, "Enum"),
                format!("{upper}Enum"),
                "{word}"
            );
            assert!(is_namespace(&format!("Acme\\{pascal}")), "{word}");
        }
        for word in RESERVED_VARIABLES {
            assert!(
                !RESERVED_VARIABLES.contains(&property_name(word).as_str()),
                "{word}"
            );
        }
        assert!(is_namespace("Acme\\Rpc"));
        assert!(!is_namespace("Acme\\\\Rpc"));
        assert!(!is_namespace("Acme\\3d"));
    }

    #[test]
    fn class_and_method_scopes_ignore_case() {
        let mut classes = class_scope();
        assert_eq!(classes.claim_with("Item", "Message"), "Item");
        assert_eq!(classes.claim_with("ITEM", "Message"), "ITEMMessage");
        assert_eq!(classes.claim_with("Item", "Message"), "ItemMessage2");
        assert_eq!(classes.claim_with("Empty", "Message"), "EmptyMessage");
        assert_eq!(classes.claim_with("Default", "Enum"), "DefaultEnum");
        let mut props = Namespace::reserving(Case::Sensitive, ERROR_PROPERTIES.iter().copied());
        assert_eq!(props.claim("message"), "message_");
        assert_eq!(props.claim("Message"), "Message");
        assert_eq!(props.claim("id"), "id");
    }
}
