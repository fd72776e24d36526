//! Rust identifiers for contract names: case conversion and keyword escaping.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be identifiers, even raw (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Type names generated code uses unqualified; a contract type with one of these names is
/// renamed so the generated module still compiles.
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

fn escape(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// `serviceId` → `service_id`, `type` → `r#type`.
pub fn field_name(name: &str) -> String {
    escape(name.to_snake_case())
}

/// `getItem` → `get_item`.
pub fn method_name(name: &str) -> String {
    escape(name.to_snake_case())
}

/// A message, enum or error name: kept as written when it is PascalCase already.
pub fn type_name(name: &str) -> String {
    let pascal = if crate::check::names::is_pascal_case(name) {
        name.to_string()
    } else {
        name.to_upper_camel_case()
    };
    if PRELUDE_TYPES.contains(&pascal.as_str()) {
        format!("{pascal}_")
    } else {
        escape(pascal)
    }
}

/// `lower_snake` or `lowerCamel` enum value → `PascalCase` variant.
pub fn variant_name(name: &str) -> String {
    escape(name.to_upper_camel_case())
}

/// `image-storage` → `ImageStorage`, for `ImageStorageClient`.
pub fn service_type(service: &str) -> String {
    service.to_upper_camel_case()
}

/// `image-storage` / `rpc/common.brief` stem → a module name.
pub fn module_name(stem: &str) -> String {
    escape(stem.to_snake_case())
}

/// `sum` → `SUM`, for rpc descriptor constants.
pub fn const_name(name: &str) -> String {
    heck::ToShoutySnakeCase::to_shouty_snake_case(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let table = [
            (field_name("serviceId"), "service_id"),
            (field_name("type"), "r#type"),
            (field_name("self"), "self_"),
            (field_name("HTTPStatus"), "http_status"),
            (method_name("getItem"), "get_item"),
            (type_name("SumIn"), "SumIn"),
            (type_name("HTTPServer"), "HTTPServer"),
            (type_name("Result"), "Result_"),
            (type_name("fooBar"), "FooBar"),
            (variant_name("not_found"), "NotFound"),
            (variant_name("inProgress"), "InProgress"),
            (variant_name("self"), "Self_"),
            (service_type("image-storage"), "ImageStorage"),
            (module_name("image-storage"), "image_storage"),
            (const_name("getItem"), "GET_ITEM"),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
    }
}
