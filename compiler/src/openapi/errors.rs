//! The Connect error body, typed error details, and the error responses of an rpc.
//!
//! Every rpc may answer any code (a handler can return any error; the runtime adds
//! protocol errors), so every error status is listed on every operation. Where an rpc
//! `throws` typed errors, the responses of their statuses say which detail they carry.

use std::collections::BTreeMap;

use crate::model::{ErrorCode, ErrorId, Model, Rpc, Type};

use super::json::Json;
use super::schema::{object_schema, schema_ref, type_schema, Names, Side};

/// The status of a non-JSON content type: not a code's own status, a protocol answer.
const UNSUPPORTED_MEDIA_TYPE: u16 = 415;

/// Every error status an rpc can answer, with the codes that travel with it.
pub fn error_statuses() -> BTreeMap<u16, Vec<ErrorCode>> {
    let mut statuses: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in ErrorCode::ALL {
        statuses.entry(code.http_status()).or_default().push(*code);
    }
    statuses.insert(UNSUPPORTED_MEDIA_TYPE, vec![ErrorCode::Unimplemented]);
    statuses
}

/// What brief servers themselves answer with a status, beyond a handler's own errors.
fn protocol_note(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "`invalid_argument` also when the request does not decode: malformed JSON, a missing required field, a wrong type, an unknown enum value (the message starts with the field path, `items[2].userId: ...`).",
        415 => "The request's content type is not `application/json` (the answer carries `Accept-Post: application/json`); the Go server also answers a GET whose `encoding` is not `json` so.",
        429 => "`resource_exhausted` also when the request body is over the server's limit (4 MiB by default).",
        500 => "`internal` also when the handler panics or throws.",
        501 => "`unimplemented` also for a `Content-Encoding` other than `gzip` or `identity`, and (Rust) a GET whose `encoding` is not `json`.",
        504 => "`deadline_exceeded` when the deadline (`Connect-Timeout-Ms`, else the rpc's timeout on the client) passed.",
        _ => return None,
    })
}

fn code_list(codes: &[ErrorCode]) -> String {
    codes
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The components every service document shares: the error body, its code and detail.
pub fn connect_schemas(names: &Names) -> Vec<(String, Json)> {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let code = Json::obj()
        .with("type", "string")
        .with(
            "description",
            "A Connect error code; it fixes the HTTP status (docs/protocol.md, section 3).",
        )
        .with("enum", codes);
    let detail = Json::obj()
        .with("type", "object")
        .with(
            "description",
            "An error detail. A typed error travels as exactly one detail whose `type` is `<service>.<ErrorName>`.",
        )
        .with("required", vec!["type", "value"])
        .with(
            "properties",
            Json::obj()
                .with("type", Json::obj().with("type", "string"))
                .with(
                    "value",
                    type_schema(names, &Type::Bytes, Side::Response)
                        .with("description", "The detail's value, base64-encoded."),
                )
                .with(
                    "debug",
                    Json::obj().with(
                        "description",
                        "The same value as JSON, for people reading logs; clients never read it.",
                    ),
                ),
        );
    let error = Json::obj()
        .with("type", "object")
        .with(
            "description",
            "The body of every error response. `message` and `details` are omitted when empty.",
        )
        .with("required", vec!["code"])
        .with(
            "properties",
            Json::obj()
                .with("code", schema_ref("connect.Code"))
                .with(
                    "message",
                    Json::obj().with("type", "string").with("minLength", 1i64),
                )
                .with(
                    "details",
                    Json::obj()
                        .with("type", "array")
                        .with("minItems", 1i64)
                        .with("items", schema_ref("connect.ErrorDetail")),
                ),
        );
    vec![
        ("connect.Code".into(), code),
        ("connect.Error".into(), error),
        ("connect.ErrorDetail".into(), detail),
    ]
}

/// `error.X` (the fields, as written) and `detail.X` (the `details` entry) of a typed
/// error thrown by an rpc of `service`.
pub fn typed_error_schemas(
    model: &Model,
    names: &Names,
    service: &str,
    id: ErrorId,
) -> Vec<(String, Json)> {
    let e = model.error(id);
    let fields_name = names.error_fields(id);
    let fields = object_schema(names, &e.fields, e.doc.as_deref(), Side::Response);
    let value = type_schema(names, &Type::Bytes, Side::Response)
        .with("contentMediaType", "application/json")
        .with("contentSchema", schema_ref(&fields_name))
        .with(
            "description",
            format!("The base64 of the JSON of `{fields_name}`."),
        );
    let detail = Json::obj()
        .with("type", "object")
        .with(
            "description",
            format!(
                "The typed error `{}` (code `{}`, HTTP {}) as the one entry of `details`.",
                e.name,
                e.code,
                e.code.http_status()
            ),
        )
        .with("required", vec!["type", "value"])
        .with(
            "properties",
            Json::obj()
                .with(
                    "type",
                    Json::obj().with("const", format!("{service}.{}", e.name)),
                )
                .with("value", value)
                .with(
                    "debug",
                    schema_ref(&fields_name).with(
                        "description",
                        "The same fields as JSON, for people reading logs; clients never read it.",
                    ),
                ),
        );
    vec![(fields_name, fields), (names.error_detail(id), detail)]
}

/// A header of `#/components/headers`.
fn header_ref(name: &str) -> Json {
    Json::obj().with("$ref", format!("#/components/headers/{name}"))
}

/// The headers a response may carry.
pub fn response_headers(status: u16) -> Json {
    let mut headers = Json::obj().with("X-Request-Id", header_ref("X-Request-Id"));
    if matches!(status, 429 | 503) {
        headers.set("Retry-After", header_ref("Retry-After"));
    }
    if status == UNSUPPORTED_MEDIA_TYPE {
        headers.set("Accept-Post", header_ref("Accept-Post"));
    }
    headers
}

/// The response headers of `#/components/headers`.
pub fn header_components() -> Vec<(String, Json)> {
    let string = || Json::obj().with("type", "string");
    vec![
        (
            "Accept-Post".into(),
            Json::obj()
                .with("description", "The content type a POST must have.")
                .with("schema", string().with("const", "application/json")),
        ),
        (
            "Retry-After".into(),
            Json::obj()
                .with("description", "Seconds to wait before retrying, when the server gave a retry hint.")
                .with("schema", string().with("pattern", "^[0-9]+$")),
        ),
        (
            "X-Request-Id".into(),
            Json::obj()
                .with("description", "The request's id: Go servers echo it (the incoming one, or the one they generated) on every rpc response; Rust servers do not send it.")
                .with("schema", string()),
        ),
    ]
}

/// The body of an error response with one of `codes`.
fn error_body(codes: &[ErrorCode], details: Option<Json>) -> Json {
    let codes: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let properties = Json::obj()
        .with("code", Json::obj().with("enum", codes))
        .with_some(
            "details",
            details.map(|items| Json::obj().with("items", items)),
        );
    Json::obj().with(
        "allOf",
        vec![
            schema_ref("connect.Error"),
            Json::obj().with("properties", properties),
        ],
    )
}

fn error_response(status: u16, description: String, body: Json) -> Json {
    Json::obj()
        .with("description", description)
        .with("headers", response_headers(status))
        .with(
            "content",
            Json::obj().with("application/json", Json::obj().with("schema", body)),
        )
}

fn status_description(status: u16, codes: &[ErrorCode]) -> String {
    let mut text = format!("A Connect error with code {}.", code_list(codes));
    if let Some(note) = protocol_note(status) {
        text.push(' ');
        text.push_str(note);
    }
    text
}

/// The shared error responses of `#/components/responses`, one per status: `error.404`.
pub fn response_components() -> Vec<(String, Json)> {
    error_statuses()
        .into_iter()
        .map(|(status, codes)| {
            let description = status_description(status, &codes);
            (
                format!("error.{status}"),
                error_response(status, description, error_body(&codes, None)),
            )
        })
        .collect()
}

/// The error responses of one rpc, by status: the shared one, or, where the rpc throws
/// typed errors with that status, one that names them and checks their details.
pub fn rpc_error_responses(model: &Model, names: &Names, rpc: &Rpc) -> Vec<(String, Json)> {
    error_statuses()
        .into_iter()
        .map(|(status, codes)| {
            let typed: Vec<ErrorId> = rpc
                .modifiers
                .throws
                .iter()
                .copied()
                .filter(|id| {
                    status != UNSUPPORTED_MEDIA_TYPE
                        && model.error(*id).code.http_status() == status
                })
                .collect();
            let key = status.to_string();
            if typed.is_empty() {
                let reference =
                    Json::obj().with("$ref", format!("#/components/responses/error.{status}"));
                return (key, reference);
            }
            let mut description = status_description(status, &codes);
            for id in &typed {
                let e = model.error(*id);
                let doc = e
                    .doc
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default();
                description.push_str(&format!(
                    "\n\nThe typed error `{}` (`{}`; `details` holds one `{}`){doc}",
                    e.name,
                    e.code,
                    names.error_detail(*id)
                ));
            }
            // A detail whose type is one of these typed errors must be that error;
            // any other detail is generic.
            let types: Vec<String> = typed
                .iter()
                .map(|id| model.error_wire_name(*id, model.file(rpc.span.file).service.as_ref()))
                .collect();
            let other = Json::obj().with(
                "allOf",
                vec![
                    schema_ref("connect.ErrorDetail"),
                    Json::obj().with(
                        "not",
                        Json::obj().with("required", vec!["type"]).with(
                            "properties",
                            Json::obj().with("type", Json::obj().with("enum", types)),
                        ),
                    ),
                ],
            );
            let mut variants: Vec<Json> = typed
                .iter()
                .map(|id| schema_ref(&names.error_detail(*id)))
                .collect();
            variants.push(other);
            let details = Json::obj().with("anyOf", variants);
            (
                key,
                error_response(status, description, error_body(&codes, Some(details))),
            )
        })
        .collect()
}
