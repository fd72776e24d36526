//! PHP identifiers for contract names: case conversion, PHP's reserved words, and the
//! namespaces of a generated package (see [`crate::gen::names`] for the rule they share:
//! contract names first, then `_` appended to a name that is taken or reserved).
//!
//! PHP compares class, interface, enum, namespace, method and function names without
//! case, and variables, properties and constants with case; each scope here compares as
//! PHP does (`List` and `list` are one class name). Class and method names with a `_`
//! appended are not the StudlyCaps and camelCase PSR-1 asks for, so the line before each
//! such declaration tells phpcs why ([`sniff_note`]).

use heck::{ToLowerCamelCase, ToShoutySnakeCase, ToUpperCamelCase};

use crate::gen::names::{Case, Namespace, Reserved};

/// PHP's keywords: none of them may name a class, interface or enum (PHP compares them
/// without case). PHP 7 allows them as method, property and constant names.
const KEYWORDS: &[&str] = &[
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

/// Names PHP reserves for its own types (no class may be called so, whatever the case),
/// and the "soft reserved" `enum`, `numeric` and `resource`, which PHP still allows but
/// warns may become reserved.
const TYPE_NAMES: &[&str] = &[
    "bool", "false", "float", "int", "iterable", "mixed", "never", "null", "object", "parent",
    "self", "static", "string", "true", "void", "enum", "numeric", "resource",
];

/// Every word the PHP generator steps around, for the corpus that proves it does.
pub const RESERVED: Reserved = Reserved {
    language: "php",
    keywords: KEYWORDS,
    names: TYPE_NAMES,
};

/// Variables a parameter (and so a promoted property) cannot be named: `$this` and the
/// superglobals.
const RESERVED_VARIABLES: &[&str] = &[
    "this", "GLOBALS", "_SERVER", "_GET", "_POST", "_FILES", "_COOKIE", "_SESSION", "_REQUEST",
    "_ENV",
];

/// Properties a typed error inherits from PHP's `\Exception` (protected, so a generated
/// property may not take their names) and the constructor parameter that carries the
/// handler's message.
const ERROR_PROPERTIES: &[&str] = &["message", "code", "file", "line"];

/// The methods of a service's client and descriptor besides one per rpc: the client's
/// constructor and the descriptor's list of every rpc.
const SERVICE_METHODS: &[&str] = &["__construct", "rpcs"];

/// `Color::class` names the class: no constant or enum case may be called `class`.
const CLASS_CONSTANT: &str = "class";

/// The first segment of a namespace cannot be `namespace` (`namespace\X` is a relative
/// name); PHP 8 takes every other word in namespaces (`List\Item`).
pub fn namespaces() -> Namespace {
    Namespace::reserving(Case::Insensitive, ["namespace"])
}

/// One segment of a namespace, from a service name or a file stem: `image-storage` →
/// `ImageStorage`, `3d` → `N3d`.
pub fn namespace_segment(namespaces: &mut Namespace, name: &str) -> String {
    namespaces.claim(&studly(name, "N"))
}

/// Whether `ns` is a namespace PHP accepts: `Acme\Rpc`, segments of letters, digits and
/// `_` that start with a letter or `_`, the first not `namespace`.
pub fn is_namespace(ns: &str) -> bool {
    !ns.is_empty()
        && !ns
            .split('\\')
            .next()
            .is_some_and(|first| first.eq_ignore_ascii_case("namespace"))
        && ns.split('\\').all(|seg| {
            seg.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The classes, interfaces and enums of one PHP namespace: the contract's messages, enums
/// and errors, then the generated `<Service>Service`, `<Service>Client`, ... and `Topics`.
pub fn classes() -> Namespace {
    Namespace::reserving(Case::Insensitive, RESERVED.words())
}

/// A message, enum or error name: kept as written when it is PascalCase already
/// (`HTTPRequest`), otherwise converted (`lower_case` → `LowerCase`); `List` → `List_`.
pub fn class_name(classes: &mut Namespace, name: &str) -> String {
    let pascal = if crate::check::names::is_pascal_case(name) {
        name.to_string()
    } else {
        studly(name, "Type")
    };
    classes.claim(&pascal)
}

/// A class the generator adds (`SummerClient`, or `SummerClient_` when the contract has a
/// message of that name).
pub fn helper_class(classes: &mut Namespace, name: &str) -> String {
    classes.claim(name)
}

/// `image-storage` → `ImageStorage`, the stem of the service's classes.
pub fn service_stem(service: &str) -> String {
    studly(service, "N")
}

/// The methods of a service's client, server interface and descriptor: one per rpc, the
/// same in all three.
pub fn methods() -> Namespace {
    Namespace::reserving(Case::Insensitive, SERVICE_METHODS.iter().copied())
}

/// An rpc as a method: lowerCamelCase (`get_item` → `getItem`). PHP allows keywords as
/// method names (`list`, `new`).
pub fn method_name(methods: &mut Namespace, rpc: &str) -> String {
    methods.claim(&prefixed(rpc.to_lower_camel_case(), "call"))
}

/// The properties (and constructor parameters) of a message; a typed error's also keep
/// clear of what `\Exception` declares and of its `$message` parameter.
pub fn properties(error: bool) -> Namespace {
    let inherited = if error { ERROR_PROPERTIES } else { &[] };
    Namespace::reserving(
        Case::Sensitive,
        RESERVED_VARIABLES.iter().chain(inherited).copied(),
    )
}

/// A field as a property: lowerCamelCase (`user_id` → `userId`), `this` → `this_`.
pub fn property_name(properties: &mut Namespace, field: &str) -> String {
    let camel = field.to_lower_camel_case();
    // `_` and `__` are names in a contract that heck leaves nothing of; PHP takes them.
    properties.claim(if camel.is_empty() { field } else { &camel })
}

/// The cases of one enum, or the constants of one class: `class` is taken, in any case.
pub fn constants() -> Namespace {
    Namespace::reserving(Case::Insensitive, [CLASS_CONSTANT])
}

/// An enum value as a case: `in_progress` → `InProgress`, `class` → `Class_`.
pub fn case_name(cases: &mut Namespace, value: &str) -> String {
    cases.claim(&studly(value, "V"))
}

/// A topic as a constant: `image.resized` → `IMAGE_RESIZED`.
pub fn topic_const(constants: &mut Namespace, topic: &str) -> String {
    let shouty = topic.replace(['.', '-'], "_").to_shouty_snake_case();
    constants.claim(&prefixed(shouty, "T"))
}

/// What goes after the docblock of a class or method: nothing, or, when the name got `_`
/// appended, a line telling phpcs why it is not StudlyCaps or camelCase (`sniff`, the
/// rule), `indent` spaces in.
pub fn sniff_note(indent: usize, name: &str, sniff: &str) -> String {
    if name.ends_with('_') {
        format!(
            "\n{}// phpcs:ignore {sniff} -- brief appends `_` to a name PHP reserves or another took",
            " ".repeat(indent)
        )
    } else {
        String::new()
    }
}

/// The sniff for class names ([`sniff_note`]).
pub const CLASS_SNIFF: &str = "Squiz.Classes.ValidClassName";

/// The sniff for method names ([`sniff_note`]).
pub const METHOD_SNIFF: &str = "PSR1.Methods.CamelCapsMethodName";

/// `image-storage` → `ImageStorage`; a name that starts with a digit gets `prefix`.
fn studly(name: &str, prefix: &str) -> String {
    prefixed(name.to_upper_camel_case(), prefix)
}

/// A converted name made an identifier: `prefix` in front of a leading digit, and
/// `prefix` alone for a name that converts to nothing.
fn prefixed(converted: String, prefix: &str) -> String {
    if converted.is_empty() || converted.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}{converted}")
    } else {
        converted
    }
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
    fn names() {
        let mut ns = namespaces();
        let mut c = classes();
        let mut m = methods();
        let mut p = properties(false);
        let mut e = properties(true);
        let mut cases = constants();
        let mut topics = constants();
        let table = [
            (namespace_segment(&mut ns, "image-storage"), "ImageStorage"),
            (namespace_segment(&mut ns, "image_storage"), "ImageStorage_"),
            (namespace_segment(&mut ns, "s3-proxy-v2"), "S3ProxyV2"),
            (namespace_segment(&mut ns, "list"), "List"),
            (namespace_segment(&mut ns, "namespace"), "Namespace_"),
            (namespace_segment(&mut ns, "3d"), "N3d"),
            (class_name(&mut c, "SumIn"), "SumIn"),
            (class_name(&mut c, "HTTPRequest"), "HTTPRequest"),
            (class_name(&mut c, "lower_case"), "LowerCase"),
            (class_name(&mut c, "List"), "List_"),
            (class_name(&mut c, "Empty"), "Empty_"),
            (class_name(&mut c, "Default"), "Default_"),
            (class_name(&mut c, "Int"), "Int_"),
            (class_name(&mut c, "Mixed"), "Mixed_"),
            (class_name(&mut c, "SummerClient"), "SummerClient"),
            (helper_class(&mut c, "SummerClient"), "SummerClient_"),
            (helper_class(&mut c, "summerclient"), "summerclient__"),
            (helper_class(&mut c, "list_"), "list__"),
            (method_name(&mut m, "getItem"), "getItem"),
            (method_name(&mut m, "list"), "list"),
            (method_name(&mut m, "new"), "new"),
            (method_name(&mut m, "rpcs"), "rpcs_"),
            (method_name(&mut m, "construct"), "construct"),
            (method_name(&mut m, "_"), "call"),
            (property_name(&mut p, "_"), "_"),
            (property_name(&mut p, "userId"), "userId"),
            (property_name(&mut p, "HTTPStatus"), "httpStatus"),
            (property_name(&mut p, "class"), "class"),
            (property_name(&mut p, "this"), "this_"),
            (property_name(&mut p, "message"), "message"),
            (property_name(&mut e, "message"), "message_"),
            (property_name(&mut e, "line"), "line_"),
            (case_name(&mut cases, "in_progress"), "InProgress"),
            (case_name(&mut cases, "darkBlue"), "DarkBlue"),
            (case_name(&mut cases, "class"), "Class_"),
            (case_name(&mut cases, "list"), "List"),
            (case_name(&mut cases, "2d"), "V2d"),
            (
                topic_const(&mut topics, "image-storage.resized"),
                "IMAGE_STORAGE_RESIZED",
            ),
            (topic_const(&mut topics, "class"), "CLASS_"),
            (service_stem("image-storage"), "ImageStorage"),
            (string_literal("it's a \\ path"), "'it\\'s a \\\\ path'"),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
        let note = sniff_note(4, "rpcs_", METHOD_SNIFF);
        assert!(note.starts_with("\n    // phpcs:ignore PSR1.Methods.CamelCapsMethodName -- "));
        assert_eq!(sniff_note(0, "List", CLASS_SNIFF), "");
    }

    /// Every reserved word, in every place a contract name goes and in any case, comes out
    /// as a name PHP takes there (the corpus in `tests/names` loads them all).
    #[test]
    fn every_reserved_word_is_escaped_everywhere() {
        let reserved = |name: &str| RESERVED.words().any(|w| w.eq_ignore_ascii_case(name));
        for word in RESERVED.words() {
            let upper = word.to_ascii_uppercase();
            for spelling in [word, upper.as_str()] {
                // As a contract would write it: PascalCase names are kept, others converted.
                let pascal = format!("{}{}", spelling[..1].to_ascii_uppercase(), &spelling[1..]);
                let class = class_name(&mut classes(), &pascal);
                assert!(!reserved(&class), "{word}: class {class}");
                if crate::check::names::is_pascal_case(&pascal) && reserved(&pascal) {
                    assert_eq!(class, format!("{pascal}_"), "{word}");
                }
                let class = class_name(&mut classes(), spelling);
                assert!(!reserved(&class), "{word}: class {class}");
                let segment = namespace_segment(&mut namespaces(), spelling);
                assert!(is_namespace(&segment), "{word}: namespace {segment}");
                let case = case_name(&mut constants(), spelling);
                assert!(!case.eq_ignore_ascii_case("class"), "{word}: case {case}");
                let topic = topic_const(&mut constants(), spelling);
                assert!(
                    !topic.eq_ignore_ascii_case("class"),
                    "{word}: constant {topic}"
                );
                let method = method_name(&mut methods(), spelling);
                assert!(
                    !SERVICE_METHODS.contains(&method.as_str()),
                    "{word}: {method}"
                );
            }
        }
        for word in RESERVED_VARIABLES.iter().chain(ERROR_PROPERTIES) {
            let property = property_name(&mut properties(true), word);
            assert!(
                !RESERVED_VARIABLES.contains(&property.as_str())
                    && !ERROR_PROPERTIES.contains(&property.as_str()),
                "{word}: property {property}"
            );
        }
        assert!(is_namespace("Acme\\Rpc"));
        assert!(is_namespace("Acme\\Namespace"));
        assert!(!is_namespace("Namespace\\Acme"));
        assert!(!is_namespace("Acme\\\\Rpc"));
        assert!(!is_namespace("Acme\\3d"));
    }
}
