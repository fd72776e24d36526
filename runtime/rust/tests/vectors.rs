//! Runs the language-neutral test vectors in `tests/vectors/` (at the repository root)
//! against the Rust runtime. The Go runtime runs the same files
//! (`runtime/go/vectors_test.go`); the format is described in `tests/vectors/README.md`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use brief_runtime::{Code, Error, ErrorDetail, Timestamp, Wire, WireMessage};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shapes::Node;

mod shapes;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---- the shapes the vectors use -----------------------------------------------------

/// `enum Color { red darkBlue }`
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Color {
    #[serde(rename = "red")]
    Red,
    #[serde(rename = "darkBlue")]
    DarkBlue,
}
impl WireMessage for Color {}

/// `message Item { id int  name string? }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    #[serde(with = "brief_runtime::wire")]
    id: i64,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    name: Option<String>,
}
impl WireMessage for Item {}

/// A message with one required scalar, enum or message field `v`.
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: Wire")]
struct Req<T> {
    #[serde(with = "brief_runtime::wire")]
    v: T,
}

/// A message with one required list or map field `v`.
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: Wire + Default")]
struct Coll<T> {
    #[serde(default, with = "brief_runtime::wire")]
    v: T,
}

/// A message with one optional field `v` (`T?`).
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: Wire")]
struct Opt<T> {
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    v: Option<T>,
}

type M<T> = BTreeMap<String, T>;

/// Decodes `input` as message `T`, and re-encodes it.
fn round_trip<T: Serialize + DeserializeOwned>(input: &[u8]) -> Result<Value, Error> {
    let msg: T = brief_runtime::decode(input)?;
    let out = brief_runtime::encode(&msg).expect("encode");
    Ok(parse_deep(&out).expect("encoder wrote invalid JSON"))
}

/// Parses JSON of any depth (the nesting vectors write back more than serde_json's
/// default limit of 128 levels).
fn parse_deep(text: &[u8]) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(text);
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The text `parts` describe: each part is `{"text": t, "times": n}` (`times` 1 when
/// absent) or `{"hex": "ff"}` (bytes that need not be UTF-8).
fn from_parts(parts: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts.as_array().expect("parts: an array") {
        if let Some(text) = part.get("text").and_then(Value::as_str) {
            let times = part.get("times").and_then(Value::as_u64).unwrap_or(1);
            for _ in 0..times {
                out.extend_from_slice(text.as_bytes());
            }
        } else {
            let hex = part["hex"].as_str().expect("a part has text or hex");
            for i in (0..hex.len()).step_by(2) {
                out.push(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"));
            }
        }
    }
    out
}

fn run_type(ty: &str, input: &[u8]) -> Result<Value, Error> {
    match ty {
        "int" => round_trip::<Req<i64>>(input),
        "float" => round_trip::<Req<f64>>(input),
        "bool" => round_trip::<Req<bool>>(input),
        "string" => round_trip::<Req<String>>(input),
        "bytes" => round_trip::<Req<Vec<u8>>>(input),
        "time" => round_trip::<Req<Timestamp>>(input),
        "Color" => round_trip::<Req<Color>>(input),
        "Item" => round_trip::<Req<Item>>(input),
        "[]int" => round_trip::<Coll<Vec<i64>>>(input),
        "[]bytes" => round_trip::<Coll<Vec<Vec<u8>>>>(input),
        "[]time" => round_trip::<Coll<Vec<Timestamp>>>(input),
        "[]string" => round_trip::<Coll<Vec<String>>>(input),
        "[][]int" => round_trip::<Coll<Vec<Vec<i64>>>>(input),
        "[]Item" => round_trip::<Coll<Vec<Item>>>(input),
        "[]Color" => round_trip::<Coll<Vec<Color>>>(input),
        "map[string]int" => round_trip::<Coll<M<i64>>>(input),
        "map[string][]int" => round_trip::<Coll<M<Vec<i64>>>>(input),
        "map[string]Item" => round_trip::<Coll<M<Item>>>(input),
        "int?" => round_trip::<Opt<i64>>(input),
        "float?" => round_trip::<Opt<f64>>(input),
        "bool?" => round_trip::<Opt<bool>>(input),
        "string?" => round_trip::<Opt<String>>(input),
        "bytes?" => round_trip::<Opt<Vec<u8>>>(input),
        "time?" => round_trip::<Opt<Timestamp>>(input),
        "Color?" => round_trip::<Opt<Color>>(input),
        "Item?" => round_trip::<Opt<Item>>(input),
        "[]int?" => round_trip::<Opt<Vec<i64>>>(input),
        "map[string]int?" => round_trip::<Opt<M<i64>>>(input),
        "Node" => round_trip::<Req<Node>>(input),
        other => panic!("values.json uses type {other:?}, which this runner does not know"),
    }
}

/// JSON equality where numbers compare by value: integers exactly, other numbers as
/// doubles (so `1` equals `1.0`, and encoders may format floats their own way).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                return x == y;
            }
            if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                return x == y;
            }
            x.as_f64() == y.as_f64()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

// The `input` of a value vector must reach the decoder byte for byte (`1e400`,
// `-9223372036854775809`), which a parse into `serde_json::Value` would not keep, so
// the cases are split out of the file's text with a small scanner.

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The end of the JSON value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b[i] {
        b'"' => {
            let mut j = i + 1;
            while b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            j + 1
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b[j] {
                    b'"' => {
                        j = skip_value(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            j
        }
    }
}

/// The members of the object at `i`, as (key, raw value text).
fn members(text: &str, i: usize) -> Vec<(String, &str)> {
    let b = text.as_bytes();
    assert_eq!(b[i], b'{');
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    while b[j] != b'}' {
        let kend = skip_value(b, j);
        let key: String = serde_json::from_str(&text[j..kend]).unwrap();
        j = skip_ws(b, kend);
        assert_eq!(b[j], b':');
        j = skip_ws(b, j + 1);
        let vend = skip_value(b, j);
        out.push((key, &text[j..vend]));
        j = skip_ws(b, vend);
        if b[j] == b',' {
            j = skip_ws(b, j + 1);
        }
    }
    out
}

/// The elements of the array at `i`, as raw texts.
fn elements(text: &str, i: usize) -> Vec<&str> {
    let b = text.as_bytes();
    assert_eq!(b[i], b'[');
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    while b[j] != b']' {
        let end = skip_value(b, j);
        out.push(&text[j..end]);
        j = skip_ws(b, end);
        if b[j] == b',' {
            j = skip_ws(b, j + 1);
        }
    }
    out
}

/// The cases of values.json: each case's members, with `input` as raw text.
fn value_cases(text: &str) -> Vec<(Map<String, Value>, Option<&str>)> {
    let top = members(text, skip_ws(text.as_bytes(), 0));
    let (_, cases) = top.iter().find(|(k, _)| k == "cases").expect("cases");
    let start = cases.as_ptr() as usize - text.as_ptr() as usize;
    elements(text, start)
        .into_iter()
        .map(|raw| {
            let start = raw.as_ptr() as usize - text.as_ptr() as usize;
            let mut map = Map::new();
            let mut input = None;
            for (k, v) in members(text, start) {
                if k == "input" {
                    input = Some(v);
                } else {
                    map.insert(k, serde_json::from_str(v).unwrap());
                }
            }
            (map, input)
        })
        .collect()
}

fn check_value_case(case: &Map<String, Value>, input: Option<&str>) -> Result<(), String> {
    let ty = case["type"].as_str().expect("type");
    let body = if let Some(parts) = case.get("body_parts") {
        from_parts(parts)
    } else {
        let input = match (input, case.get("input_parts")) {
            (Some(raw), _) => raw.as_bytes().to_vec(),
            (None, Some(parts)) => from_parts(parts),
            (None, None) => Vec::new(),
        };
        if input.is_empty() {
            b"{}".to_vec()
        } else {
            [&b"{\"v\":"[..], &input, b"}"].concat()
        }
    };
    let result = run_type(ty, &body);
    if case.get("error") == Some(&Value::Bool(true)) {
        let err = match result {
            Ok(out) => return Err(format!("decoded, want an error; re-encoded as {out}")),
            Err(e) => e,
        };
        check_error(case, &err)
    } else {
        let out = result.map_err(|e| format!("decode failed: {e}"))?;
        check_output(case, &out)
    }
}

fn check_error(case: &Map<String, Value>, err: &Error) -> Result<(), String> {
    if err.code() != Code::InvalidArgument {
        return Err(format!("error code {}, want invalid_argument", err.code()));
    }
    let message = err.message();
    if let Some(path) = case.get("path").and_then(Value::as_str) {
        if !message.starts_with(&format!("{path}: ")) {
            return Err(format!(
                "error message {message:?} does not start with the path {path:?}"
            ));
        }
    }
    if let Some(text) = case.get("message_contains").and_then(Value::as_str) {
        if !message.contains(text) {
            return Err(format!(
                "error message {message:?} does not contain {text:?}"
            ));
        }
    }
    if let Some(max) = case.get("message_max_len").and_then(Value::as_u64) {
        let len = message.chars().count() as u64;
        if len > max {
            return Err(format!("error message of {len} characters, at most {max}"));
        }
    }
    Ok(())
}

fn check_output(case: &Map<String, Value>, out: &Value) -> Result<(), String> {
    let got = out.get("v");
    if case.get("omitted") == Some(&Value::Bool(true)) {
        return match got {
            None => Ok(()),
            Some(v) => Err(format!("encoder wrote {v}, want the field omitted")),
        };
    }
    let want = match (case.get("canonical"), case.get("canonical_parts")) {
        (Some(want), _) => want.clone(),
        (None, Some(parts)) => parse_deep(&from_parts(parts)).expect("canonical_parts: JSON"),
        (None, None) => panic!("a case needs canonical, canonical_parts, omitted or error"),
    };
    match got {
        Some(v) if json_eq(v, &want) => Ok(()),
        Some(v) => Err(format!("encoder wrote {}, want {}", cut(v), cut(&want))),
        None => Err(format!("encoder omitted the field, want {}", cut(&want))),
    }
}

/// A value for a failure message, cut when long (the nesting vectors are).
fn cut(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

#[test]
fn vector_values() {
    // The nesting vectors compare values thousands of levels deep, recursively.
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(run_value_vectors)
        .unwrap()
        .join()
        .unwrap();
}

fn run_value_vectors() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/values.json");
    let text = std::fs::read_to_string(&path).expect("values.json");
    let cases = value_cases(&text);
    assert!(cases.len() > 300, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (i, (case, input)) in cases.iter().enumerate() {
        if let Err(msg) = check_value_case(case, *input) {
            let shown = match (input, case.get("input_parts"), case.get("body_parts")) {
                (Some(raw), _, _) => raw.to_string(),
                (None, Some(parts), _) => format!("parts {}", cut(parts)),
                (None, None, Some(parts)) => format!("body {}", cut(parts)),
                (None, None, None) => "(absent)".to_string(),
            };
            failures.push(format!("case {i} {} input {shown}: {msg}", case["type"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} value vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn vector_codes() {
    let doc = load("errors.json");
    let codes = doc["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 16);
    for (i, c) in codes.iter().enumerate() {
        let name = c["code"].as_str().unwrap();
        let status = c["status"].as_u64().unwrap();
        let code = Code::parse(name).unwrap_or_else(|| panic!("unknown code {name}"));
        assert_eq!(code, Code::ALL[i], "order of codes");
        assert_eq!(code.as_str(), name);
        assert_eq!(u64::from(code.http_status()), status, "{name}");
        let body = Error::new(code, "m").to_json();
        let back = Error::from_json(&body).unwrap();
        assert_eq!(back.code(), code);
    }
}

#[test]
fn vector_http_status() {
    let doc = load("errors.json");
    for c in doc["http_status"].as_array().unwrap() {
        let status = c["status"].as_u64().unwrap() as u16;
        let want = c["code"].as_str().unwrap();
        assert_eq!(Code::from_http_status(status).as_str(), want, "{status}");
        let err = Error::from_http_response(status, b"");
        assert_eq!(err.code().as_str(), want, "{status}");
    }
}

fn check_details(err: &Error, want: &[Value]) -> Result<(), String> {
    if err.details().len() != want.len() {
        return Err(format!(
            "{} details, want {}",
            err.details().len(),
            want.len()
        ));
    }
    for (d, w) in err.details().iter().zip(want) {
        if d.type_name != w["type"].as_str().unwrap() {
            return Err(format!("detail type {:?}, want {}", d.type_name, w["type"]));
        }
        let value = brief_runtime::base64::encode(&d.value);
        if value != w["value"].as_str().unwrap() {
            return Err(format!("detail value {value}, want {}", w["value"]));
        }
        if let Some(vj) = w.get("value_json") {
            let got: Value = d
                .decode_json()
                .map_err(|e| format!("detail value is not JSON: {e}"))?;
            if !json_eq(&got, vj) {
                return Err(format!("detail value JSON {got}, want {vj}"));
            }
        }
        match (&d.debug, w.get("debug")) {
            (None, None) => {}
            (Some(g), Some(w)) if json_eq(g, w) => {}
            (g, w) => return Err(format!("detail debug {g:?}, want {w:?}")),
        }
    }
    Ok(())
}

fn check_body(case: &Value) -> Result<(), String> {
    let status = case["status"].as_u64().unwrap() as u16;
    let body = case["body"].as_str().unwrap().as_bytes();
    let err = Error::from_http_response(status, body);
    let want_code = case["code"].as_str().unwrap();
    if err.code().as_str() != want_code {
        return Err(format!("code {}, want {want_code}", err.code()));
    }
    if let Some(m) = case.get("message").and_then(Value::as_str) {
        if err.message() != m {
            return Err(format!("message {:?}, want {m:?}", err.message()));
        }
    }
    if let Some(m) = case.get("message_contains").and_then(Value::as_str) {
        if !err.message().contains(m) {
            return Err(format!(
                "message {:?} does not contain {m:?}",
                err.message()
            ));
        }
    }
    if let Some(details) = case.get("details").and_then(Value::as_array) {
        check_details(&err, details)?;
    }
    if case.get("encode") == Some(&Value::Bool(true)) {
        // Build the same error from its parts and compare the encoder's body.
        let mut built = Error::new(err.code(), case["message"].as_str().unwrap());
        for d in case["details"].as_array().unwrap() {
            let mut detail = ErrorDetail::from_json(d["type"].as_str().unwrap(), &d["value_json"]);
            detail.debug = d.get("debug").cloned();
            built = built.with_detail(detail);
        }
        let ours: Value = serde_json::from_slice(&built.to_json()).unwrap();
        let theirs: Value = serde_json::from_slice(body).unwrap();
        if !json_eq(&ours, &theirs) {
            return Err(format!("encoder wrote {ours}, want {theirs}"));
        }
    }
    Ok(())
}

#[test]
fn vector_error_bodies() {
    let doc = load("errors.json");
    let bodies = doc["bodies"].as_array().unwrap();
    let mut failures = Vec::new();
    for case in bodies {
        if let Err(msg) = check_body(case) {
            failures.push(format!("{}: {msg}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
