//! Rust identifiers for contract names: case conversion, keywords, and the namespaces of
//! a generated module (see [`crate::gen::names`] for the rule they share).

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

use crate::gen::names::{Case, Namespace, Reserved};

/// Keywords (strict, reserved and edition 2024's `gen`). Most are written raw (`r#type`);
/// those in [`NOT_RAW`] cannot be.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "_",
];

/// Keywords that cannot be identifiers even raw (`r#self` is not allowed): every
/// namespace reserves them, so they get `_`.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Type names generated code uses unqualified, or that a user's glob import of the module
/// would shadow: a contract type with one of these names gets `_`.
const PRELUDE_TYPES: &[&str] = &[
    "Option",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "BTreeMap",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Send",
    "Sync",
    "Sized",
    "Future",
    "Client",
    "Error",
    "Context",
    "Server",
    "Serialize",
    "Deserialize",
];

/// Every word the Rust generator steps around, for the corpus that proves it does.
pub const RESERVED: Reserved = Reserved {
    language: "rust",
    keywords: KEYWORDS,
    names: PRELUDE_TYPES,
};

/// The constant every module declares, `SERVICE`, and its function `router`.
const MODULE_VALUES: &[&str] = &["SERVICE", "router"];

/// Methods of every generated client besides one pair per rpc, and `clone`, which a
/// method of its own would hide from callers.
const CLIENT_METHODS: &[&str] = &["new", "with_url", "from_env", "from_client", "clone"];

/// The variant of every rpc error enum that holds any other failure.
const OTHER_VARIANT: &str = "Other";

/// A converted name made an identifier before it is claimed: a leading digit gets `_`
/// in front, and a name that converts to nothing (`_`) becomes `empty`.
fn identifier(converted: String, empty: &str) -> String {
    if converted.is_empty() {
        empty.to_string()
    } else if converted.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{converted}")
    } else {
        converted
    }
}

/// A claimed name as written in code: raw for keywords that allow it (`r#type`); the
/// others (`self`) are reserved in every namespace and so never claimed.
fn escape(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) && !NOT_RAW.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// `fooBar` → `FooBar`; PascalCase names stay as written (`HTTPServer`).
fn pascal(name: &str) -> String {
    if crate::check::names::is_pascal_case(name) {
        name.to_string()
    } else {
        identifier(name.to_upper_camel_case(), "X")
    }
}

/// The namespaces of one generated module.
pub struct Scopes {
    /// Structs, enums, traits: the contract's types, then the service's trait and
    /// client and each rpc's error enum.
    pub types: Namespace,
    /// Constants and functions: `SERVICE`, `router`, one constant per rpc and topic.
    pub values: Namespace,
}

impl Default for Scopes {
    fn default() -> Scopes {
        Scopes {
            types: Namespace::reserving(
                Case::Sensitive,
                PRELUDE_TYPES.iter().chain(NOT_RAW).copied(),
            ),
            values: Namespace::reserving(Case::Sensitive, MODULE_VALUES.iter().copied()),
        }
    }
}

impl Scopes {
    /// A message, enum or error name: kept as written when it is PascalCase already.
    pub fn type_name(&mut self, name: &str) -> String {
        escape(self.types.claim(&pascal(name)))
    }

    /// A type the generator adds (`SummerClient`, `SumError`).
    pub fn helper_type(&mut self, name: &str) -> String {
        escape(self.types.claim(name))
    }

    /// `sum` → `SUM`, `service.create` → `SERVICE_CREATE_TOPIC`: a module constant.
    pub fn const_name(&mut self, words: &str, suffix: &str) -> String {
        let base = identifier(words.replace(['.', '-'], "_").to_shouty_snake_case(), "X");
        self.values.claim(&format!("{base}{suffix}"))
    }
}

/// The fields of one struct.
pub fn fields() -> Namespace {
    Namespace::reserving(Case::Sensitive, NOT_RAW.iter().copied())
}

/// `serviceId` → `service_id`, `type` → `r#type`, `self` → `self_`.
pub fn field_name(fields: &mut Namespace, name: &str) -> String {
    escape(fields.claim(&identifier(name.to_snake_case(), "x")))
}

/// The variants of one enum; an rpc's error enum also has [`OTHER_VARIANT`].
pub fn variants(rpc_error: bool) -> Namespace {
    let other = rpc_error.then_some(OTHER_VARIANT);
    Namespace::reserving(Case::Sensitive, NOT_RAW.iter().copied().chain(other))
}

/// `lower_snake` or `lowerCamel` enum value → `PascalCase` variant; an error's name as
/// the variant of an rpc's error enum.
pub fn variant_name(variants: &mut Namespace, name: &str) -> String {
    escape(variants.claim(&pascal(name)))
}

/// The methods of a service's client (and, with the same names, of its trait).
pub fn methods() -> Namespace {
    Namespace::reserving(
        Case::Sensitive,
        CLIENT_METHODS.iter().chain(NOT_RAW).copied(),
    )
}

/// `getItem` → (`get_item`, `get_item_with`): the client's pair of methods for an rpc.
pub fn method_names(methods: &mut Namespace, rpc: &str) -> (String, String) {
    let base = identifier(rpc.to_snake_case(), "x");
    let with = format!("{base}_with");
    let mut pair = methods.claim_group(&[&base, &with]).into_iter().map(escape);
    let method = pair.next().expect("two names");
    (method, pair.next().expect("two names"))
}

/// `image-storage` → `ImageStorage`, the stem of the service's trait and client.
pub fn service_type(service: &str) -> String {
    service.to_upper_camel_case()
}

/// The modules of one output, one per contract file: `mod` and `brief` would be written
/// to the index files `mod.rs` and `brief.rs`.
pub fn modules() -> Namespace {
    Namespace::reserving(
        Case::Sensitive,
        NOT_RAW.iter().chain(&["mod", "brief"]).copied(),
    )
}

/// A module name from a file stem (`image-storage` → `image_storage`) and the name of
/// its file, which has no `r#` (`mod r#type;` lives in `type.rs`).
pub fn module_name(modules: &mut Namespace, stem: &str) -> (String, String) {
    let bare = modules.claim(&identifier(stem.to_snake_case(), "x"));
    (escape(bare.clone()), bare)
}

/// A Rust string literal holding `s` exactly (`Debug` escapes it as Rust source would).
pub fn string_literal(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let mut f = fields();
        let mut scopes = Scopes::default();
        let mut v = variants(true);
        let mut m = methods();
        let mut modules = modules();
        let table = [
            (field_name(&mut f, "serviceId"), "service_id"),
            (field_name(&mut f, "type"), "r#type"),
            (field_name(&mut f, "self"), "self_"),
            (field_name(&mut f, "HTTPStatus"), "http_status"),
            (scopes.type_name("SumIn"), "SumIn"),
            (scopes.type_name("HTTPServer"), "HTTPServer"),
            (scopes.type_name("Result"), "Result_"),
            (scopes.type_name("fooBar"), "FooBar"),
            (scopes.type_name("Self"), "Self_"),
            (scopes.helper_type("SumIn"), "SumIn_"),
            (scopes.const_name("getItem", ""), "GET_ITEM"),
            (scopes.const_name("service", ""), "SERVICE_"),
            (
                scopes.const_name("image-storage.resized", "_TOPIC"),
                "IMAGE_STORAGE_RESIZED_TOPIC",
            ),
            (variant_name(&mut v, "not_found"), "NotFound"),
            (variant_name(&mut v, "inProgress"), "InProgress"),
            (variant_name(&mut v, "self"), "Self_"),
            (variant_name(&mut v, "Other"), "Other_"),
            (service_type("image-storage"), "ImageStorage"),
            (
                module_name(&mut modules, "image-storage").0,
                "image_storage",
            ),
            (
                module_name(&mut modules, "image_storage").0,
                "image_storage_",
            ),
            (module_name(&mut modules, "3d").0, "_3d"),
            (string_literal("a \"b\"\\\n"), "\"a \\\"b\\\"\\\\\\n\""),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
        assert_eq!(
            module_name(&mut modules, "type"),
            ("r#type".to_string(), "type".to_string())
        );
        assert_eq!(
            method_names(&mut m, "getItem"),
            ("get_item".to_string(), "get_item_with".to_string())
        );
        assert_eq!(
            method_names(&mut m, "type"),
            ("r#type".to_string(), "type_with".to_string())
        );
        assert_eq!(
            method_names(&mut m, "new"),
            ("new_".to_string(), "new_with_".to_string())
        );
    }

    /// Every reserved word, in every place a contract name goes, comes out as a usable
    /// identifier: not a keyword, not a reserved name (the corpus in `tests/names`
    /// compiles them all).
    #[test]
    fn every_reserved_word_is_escaped_everywhere() {
        let usable = |ident: &str| {
            let bare = ident.strip_prefix("r#").unwrap_or(ident);
            assert!(!NOT_RAW.contains(&bare), "{ident}");
            assert!(
                ident.starts_with("r#") == KEYWORDS.contains(&bare),
                "{ident}: raw exactly when a keyword"
            );
            assert!(!bare.is_empty(), "{ident}");
        };
        for word in RESERVED.words() {
            let mut scopes = Scopes::default();
            let ty = scopes.type_name(word);
            usable(&ty);
            assert!(!PRELUDE_TYPES.contains(&ty.as_str()), "{ty}");
            usable(&field_name(&mut fields(), word));
            usable(&variant_name(&mut variants(true), word));
            let (method, with) = method_names(&mut methods(), word);
            usable(&method);
            usable(&with);
            usable(&module_name(&mut modules(), word).0);
            let c = scopes.const_name(word, "");
            assert!(c != "SERVICE" && !c.is_empty(), "{word}: {c}");
        }
    }
}
