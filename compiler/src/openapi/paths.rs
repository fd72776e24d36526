//! The operations of a service: `POST /{service}/{rpc}` for every rpc, and `GET` with
//! the Connect query encoding for `readonly` ones.

use crate::model::{Model, Rpc};

use super::errors::{response_headers, rpc_error_responses};
use super::json::Json;
use super::schema::{schema_ref, Names, Side};

/// The request headers of docs/protocol.md, section 5: name, description, pattern.
const HEADERS: &[(&str, &str, Option<&str>)] = &[
    (
        "Connect-Protocol-Version",
        "Sent as `1` by every brief and Connect client; servers do not require it.",
        None,
    ),
    (
        "Connect-Timeout-Ms",
        "The caller's remaining deadline in milliseconds (1 to 10 digits). The server cancels the handler when it passes and answers `deadline_exceeded` (504). The Go server rejects an invalid value with `invalid_argument`; the Rust server ignores it.",
        Some("^[0-9]{1,10}$"),
    ),
    (
        "X-Request-Id",
        "The request's id, generated at the edge when absent and passed on unchanged through every hop.",
        None,
    ),
    (
        "traceparent",
        "W3C Trace Context (`00-<trace id>-<span id>-<flags>`); calls the handler makes keep the trace id with a new span id.",
        None,
    ),
    ("tracestate", "W3C Trace Context vendor state, passed on.", None),
    ("baggage", "W3C Baggage, passed on unchanged.", None),
    ("X-Brief-Caller", "The calling service's name.", None),
    (
        "X-Brief-Attempt",
        "`1` for the first try, `2`, `3`, ... for retries.",
        Some("^[1-9][0-9]*$"),
    ),
];

fn parameter_ref(name: &str) -> Json {
    Json::obj().with("$ref", format!("#/components/parameters/{name}"))
}

/// The header parameters of `#/components/parameters`.
pub fn parameter_components() -> Vec<(String, Json)> {
    HEADERS
        .iter()
        .map(|(name, description, pattern)| {
            let schema = Json::obj()
                .with("type", "string")
                .with_some("pattern", *pattern);
            let parameter = Json::obj()
                .with("name", *name)
                .with("in", "header")
                .with("description", *description)
                .with("schema", schema);
            (name.to_string(), parameter)
        })
        .collect()
}

/// The path item of one rpc.
pub fn path_item(model: &Model, names: &Names, service: &str, rpc: &Rpc) -> Json {
    let responses = responses(model, names, rpc);
    let headers: Vec<Json> = HEADERS.iter().map(|(n, _, _)| parameter_ref(n)).collect();
    let input = names.message(rpc.input, Side::Request);
    let body = Json::obj().with("required", true).with(
        "content",
        Json::obj().with(
            "application/json",
            Json::obj().with("schema", schema_ref(&input)),
        ),
    );
    let post = operation(service, rpc, rpc.name.clone())
        .with("parameters", headers.clone())
        .with("requestBody", body)
        .with("responses", responses.clone());
    let mut item = Json::obj().with("post", post);
    if rpc.modifiers.readonly {
        let mut parameters = vec![
            Json::obj()
                .with("name", "connect")
                .with("in", "query")
                .with("description", "The Connect protocol version, `v1`: sent by Connect clients; Go servers reject any other value, Rust servers ignore it.")
                .with("schema", Json::obj().with("type", "string").with("const", "v1")),
            Json::obj()
                .with("name", "encoding")
                .with("in", "query")
                .with("required", true)
                .with("description", "The codec of `message`: always `json`.")
                .with("schema", Json::obj().with("type", "string").with("const", "json")),
            Json::obj()
                .with("name", "message")
                .with("in", "query")
                .with("required", true)
                .with("description", format!("The input message `{input}` as JSON, percent-encoded (`+` reads as a space)."))
                .with(
                    "content",
                    Json::obj().with("application/json", Json::obj().with("schema", schema_ref(&input))),
                ),
        ];
        parameters.extend(headers);
        let get = operation(service, rpc, format!("{}.get", rpc.name))
            .with("parameters", parameters)
            .with("responses", responses);
        item.set("get", get);
    }
    item
}

/// An operation's common fields: id, tag, docs, modifiers.
fn operation(service: &str, rpc: &Rpc, id: String) -> Json {
    let summary = rpc
        .doc
        .as_deref()
        .and_then(|d| d.lines().next())
        .filter(|l| !l.is_empty());
    let timeout_ms = rpc.modifiers.deadline().as_millis() as i64;
    let mut notes = Vec::new();
    if rpc.modifiers.readonly {
        notes.push("Read-only: no side effects; also served by GET with the Connect query encoding (`?connect=v1&encoding=json&message=<url-encoded JSON>`; servers also take Connect's `base64=1` and `compression=gzip`).".to_string());
    } else {
        notes.push("Served by POST only; any other method is answered 405.".to_string());
    }
    if rpc.modifiers.is_idempotent() {
        notes.push("Idempotent: clients may retry it.".to_string());
    }
    notes.push(match rpc.modifiers.timeout {
        Some(_) => format!("Timeout: {timeout_ms} ms (the contract's `timeout`), the default deadline of generated clients; `Connect-Timeout-Ms` carries the caller's."),
        None => format!("Timeout: {timeout_ms} ms (the default), the default deadline of generated clients; `Connect-Timeout-Ms` carries the caller's."),
    });
    if !rpc.modifiers.throws.is_empty() {
        notes.push("Typed errors: see the error responses.".to_string());
    }
    let mut description = rpc.doc.clone().unwrap_or_default();
    for note in notes {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&note);
    }
    Json::obj()
        .with("operationId", id)
        .with("tags", vec![service])
        .with_some("summary", summary)
        .with("description", description)
        .with_some("deprecated", rpc.modifiers.deprecated.then_some(true))
        .with("x-brief-idempotent", rpc.modifiers.is_idempotent())
        .with("x-brief-readonly", rpc.modifiers.readonly)
        .with("x-brief-timeout-ms", timeout_ms)
}

fn responses(model: &Model, names: &Names, rpc: &Rpc) -> Json {
    let output = names.message(rpc.output, Side::Response);
    let ok = Json::obj()
        .with("description", format!("The output message `{output}`."))
        .with("headers", response_headers(200))
        .with(
            "content",
            Json::obj().with(
                "application/json",
                Json::obj().with("schema", schema_ref(&output)),
            ),
        );
    let mut responses = Json::obj().with("200", ok);
    for (status, response) in rpc_error_responses(model, names, rpc) {
        responses.set(&status, response);
    }
    responses
}
