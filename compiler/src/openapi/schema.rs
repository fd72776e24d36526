//! JSON Schemas for the contract's types, on each side of the wire.
//!
//! Decoders are liberal and encoders canonical (docs/language.md, "JSON rules"), so one
//! message has two schemas: `request.X` says what a server accepts, `response.X` what it
//! writes. Enums are the same on both sides and keep their plain name.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{EnumId, ErrorId, Field, MessageId, Model, Type};

use super::json::Json;

/// Which side of the wire a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// What servers accept: requests.
    Request,
    /// What servers write: responses and typed error details.
    Response,
}

impl Side {
    fn prefix(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

/// `float` accepted as a string: a JSON number or one of the three special values.
const FLOAT_STRING_ACCEPTED: &str =
    "^(?:-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|NaN|-?Infinity)$";
/// `float` written as a string: only the three special values.
const FLOAT_STRING_WRITTEN: &str = "^(?:NaN|-?Infinity)$";
/// `bytes` accepted: the standard or the URL-safe alphabet (not mixed), padded or not.
const BYTES_ACCEPTED: &str = "^(?:(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?|(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?)$";
/// `bytes` written: standard alphabet, padded.
const BYTES_WRITTEN: &str = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";
/// `time` accepted: RFC 3339 with any offset, `t`/`z` in either case, 0 to 9 fractional
/// digits (`format: date-time` checks the calendar).
const TIME_ACCEPTED: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$";
/// `time` written: UTC with `Z` and 0, 3 or 6 fractional digits.
const TIME_WRITTEN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{3}|\\.[0-9]{6})?Z$";

/// A `$ref` to a schema of `#/components/schemas`.
pub fn schema_ref(name: &str) -> Json {
    Json::obj().with("$ref", format!("#/components/schemas/{name}"))
}

/// The component names of the declarations one document uses: the declared name, or
/// `<file>.<Name>` where two files declare the same name.
#[derive(Debug, Default)]
pub struct Names {
    messages: BTreeMap<MessageId, String>,
    enums: BTreeMap<EnumId, String>,
    errors: BTreeMap<ErrorId, String>,
}

impl Names {
    pub fn new(model: &Model, reach: &Reach) -> Names {
        let stems = crate::gen::file_stems(model);
        let qualify = |file, name: &str| format!("{}.{name}", component_safe(&stems[&file]));
        let messages = reach.request.union(&reach.response).copied().collect();
        Names {
            messages: unique(messages, |id: &MessageId| {
                let m = model.message(*id);
                (m.name.clone(), qualify(m.file, &m.name))
            }),
            enums: unique(reach.enums.clone(), |id: &EnumId| {
                let e = model.enum_(*id);
                (e.name.clone(), qualify(e.file, &e.name))
            }),
            errors: unique(reach.errors.clone(), |id: &ErrorId| {
                let e = model.error(*id);
                (e.name.clone(), qualify(e.file, &e.name))
            }),
        }
    }

    /// `request.X` or `response.X`.
    pub fn message(&self, id: MessageId, side: Side) -> String {
        format!("{}.{}", side.prefix(), self.messages[&id])
    }

    pub fn enum_(&self, id: EnumId) -> String {
        self.enums[&id].clone()
    }

    /// `error.X`: the fields of a typed error, as servers write them.
    pub fn error_fields(&self, id: ErrorId) -> String {
        format!("error.{}", self.errors[&id])
    }

    /// `detail.X`: the entry of `details` that carries a typed error.
    pub fn error_detail(&self, id: ErrorId) -> String {
        format!("detail.{}", self.errors[&id])
    }
}

/// Plain names where they are unique, qualified ones where not; a qualified name that
/// still clashes (file names that differ only in characters a component name cannot
/// hold) gets a counter.
fn unique<Id: Ord + Copy>(
    ids: BTreeSet<Id>,
    names: impl Fn(&Id) -> (String, String),
) -> BTreeMap<Id, String> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let named: Vec<(Id, String, String)> = ids
        .iter()
        .map(|id| {
            let (plain, qualified) = names(id);
            *count.entry(plain.clone()).or_default() += 1;
            (*id, plain, qualified)
        })
        .collect();
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    for (id, plain, qualified) in named {
        let mut name = if count[&plain] > 1 { qualified } else { plain };
        let base = name.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}.{n}");
            n += 1;
        }
        out.insert(id, name);
    }
    out
}

/// A file stem as a component name may hold it (`^[a-zA-Z0-9._-]+$`).
fn component_safe(stem: &str) -> String {
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
    if safe.is_empty() {
        "_".into()
    } else {
        safe
    }
}

/// The messages, enums and errors one document describes, and on which side.
#[derive(Debug, Default)]
pub struct Reach {
    pub request: BTreeSet<MessageId>,
    pub response: BTreeSet<MessageId>,
    pub enums: BTreeSet<EnumId>,
    pub errors: BTreeSet<ErrorId>,
}

impl Reach {
    /// Adds a message and everything its fields reach, on one side.
    pub fn message(&mut self, model: &Model, id: MessageId, side: Side) {
        let set = match side {
            Side::Request => &mut self.request,
            Side::Response => &mut self.response,
        };
        if set.insert(id) {
            for field in &model.message(id).fields {
                self.type_(model, &field.ty, side);
            }
        }
    }

    /// Adds a typed error; its fields are written by servers.
    pub fn error(&mut self, model: &Model, id: ErrorId) {
        if self.errors.insert(id) {
            for field in &model.error(id).fields {
                self.type_(model, &field.ty, Side::Response);
            }
        }
    }

    pub fn enum_(&mut self, id: EnumId) {
        self.enums.insert(id);
    }

    fn type_(&mut self, model: &Model, ty: &Type, side: Side) {
        match ty {
            Type::List(inner) | Type::Map(inner) => self.type_(model, inner, side),
            Type::Message(id) => self.message(model, *id, side),
            Type::Enum(id) => self.enum_(*id),
            _ => {}
        }
    }
}

/// The schema of a value of `ty` (never `null`: elements and map values cannot be).
pub fn type_schema(names: &Names, ty: &Type, side: Side) -> Json {
    let accepted = side == Side::Request;
    let string = || Json::obj().with("type", "string");
    match ty {
        Type::Bool => Json::obj().with("type", "boolean"),
        Type::Int if accepted => Json::obj()
            .with("type", vec!["integer", "string"])
            .with("format", "int64")
            .with("minimum", i64::MIN)
            .with("maximum", i64::MAX)
            .with("pattern", int_string_pattern()),
        Type::Int => Json::obj()
            .with("type", "integer")
            .with("format", "int64")
            .with("minimum", i64::MIN)
            .with("maximum", i64::MAX),
        Type::Float => Json::obj()
            .with("type", vec!["number", "string"])
            .with("format", "double")
            .with(
                "pattern",
                if accepted {
                    FLOAT_STRING_ACCEPTED
                } else {
                    FLOAT_STRING_WRITTEN
                },
            ),
        Type::String => string(),
        Type::Bytes => string().with("contentEncoding", "base64").with(
            "pattern",
            if accepted {
                BYTES_ACCEPTED
            } else {
                BYTES_WRITTEN
            },
        ),
        Type::Time => string().with("format", "date-time").with(
            "pattern",
            if accepted {
                TIME_ACCEPTED
            } else {
                TIME_WRITTEN
            },
        ),
        Type::List(inner) => Json::obj()
            .with("type", "array")
            .with("items", type_schema(names, inner, side)),
        Type::Map(inner) => Json::obj()
            .with("type", "object")
            .with("additionalProperties", type_schema(names, inner, side)),
        Type::Message(id) => schema_ref(&names.message(*id, side)),
        Type::Enum(id) => schema_ref(&names.enum_(*id)),
    }
}

/// `int` accepted as a string: decimal digits with an optional `-` (leading zeros
/// allowed), in the signed 64-bit range, which the pattern spells out digit by digit.
fn int_string_pattern() -> String {
    let max = i64::MAX.to_string();
    let min = i64::MIN.unsigned_abs().to_string();
    let shorter = format!("[0-9]{{1,{}}}", max.len() - 1);
    format!(
        "^(?:0*(?:{shorter}|{})|-0*(?:{shorter}|{}))$",
        at_most(max.as_bytes()),
        at_most(min.as_bytes())
    )
}

/// A regular expression for the strings of `bound.len()` decimal digits that are at
/// most `bound`.
fn at_most(bound: &[u8]) -> String {
    let (first, rest) = (bound[0] - b'0', &bound[1..]);
    if rest.is_empty() {
        return format!("[0-{first}]");
    }
    let same_start = format!("{first}(?:{})", at_most(rest));
    if first == 0 {
        return same_start;
    }
    format!("[0-{}][0-9]{{{}}}|{same_start}", first - 1, rest.len())
}

/// The schema also allows `null`: in the type list where there is one, else as an
/// alternative.
fn or_null(schema: Json) -> Json {
    match schema.get("type") {
        Some(Json::Str(t)) => {
            let types = vec![t.clone(), "null".to_string()];
            schema.with("type", types)
        }
        Some(Json::Arr(types)) => {
            let mut types = types.clone();
            types.push(Json::from("null"));
            schema.with("type", Json::Arr(types))
        }
        _ => Json::obj().with("anyOf", vec![schema, Json::obj().with("type", "null")]),
    }
}

/// An object with the given fields (a message, or a typed error's fields).
pub fn object_schema(names: &Names, fields: &[Field], doc: Option<&str>, side: Side) -> Json {
    let mut required = Vec::new();
    let mut properties = Json::obj();
    for field in fields {
        let container = field.ty.is_collection();
        let mut schema = type_schema(names, &field.ty, side);
        match side {
            // `null` is absent for optional fields and empty for lists and maps, and
            // absent lists and maps decode as empty.
            Side::Request => {
                if field.optional || container {
                    schema = or_null(schema);
                } else {
                    required.push(field.name.as_str());
                }
            }
            // Encoders omit absent optional fields and never write `null`.
            Side::Response => {
                if !field.optional {
                    required.push(field.name.as_str());
                }
            }
        }
        let schema = schema
            .with_some("description", field.doc.as_deref())
            .with_some("deprecated", field.deprecated.then_some(true));
        properties.set(&field.name, schema);
    }
    let mut schema = Json::obj()
        .with("type", "object")
        .with_some("description", doc);
    if !required.is_empty() {
        schema.set("required", required);
    }
    if properties != Json::obj() {
        schema.set("properties", properties);
    }
    schema
}

/// A closed enum: the value names as written; documented values listed in the
/// description, since JSON Schema has no place for per-value docs.
pub fn enum_schema(model: &Model, id: EnumId) -> Json {
    let e = model.enum_(id);
    let mut description = e.doc.clone().unwrap_or_default();
    if e.values.iter().any(|v| v.doc.is_some()) {
        let list: Vec<String> = e
            .values
            .iter()
            .map(|v| match &v.doc {
                Some(doc) => format!("- `{}`: {}", v.name, doc.replace('\n', "\n  ")),
                None => format!("- `{}`", v.name),
            })
            .collect();
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&list.join("\n"));
    }
    let values: Vec<&str> = e.values.iter().map(|v| v.name.as_str()).collect();
    Json::obj()
        .with("type", "string")
        .with_some(
            "description",
            (!description.is_empty()).then_some(description),
        )
        .with("enum", values)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The pattern is checked against the servers' decoders on the range's edges by
    // tests/openapi/replay.py, with a real regular expression engine.
    #[test]
    fn at_most_spells_out_the_bound_digit_by_digit() {
        assert_eq!(at_most(b"7"), "[0-7]");
        assert_eq!(at_most(b"207"), "[0-1][0-9]{2}|2(?:0(?:[0-7]))");
        let pattern = int_string_pattern();
        assert!(pattern.starts_with("^(?:0*(?:[0-9]{1,18}|[0-8][0-9]{18}|9(?:"));
        assert!(pattern.contains("|-0*(?:[0-9]{1,18}|[0-8][0-9]{18}|9(?:"));
        assert!(pattern.ends_with("0(?:[0-8]))))))))))))))))))))$"));
    }
}
