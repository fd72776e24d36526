//! The compiler's table of error codes (`model::ErrorCode`, which checks `error X(code)`
//! declarations) against the one shared table, `tests/vectors/errors.json`, which the
//! Rust and Go runtimes also test themselves against.

use std::path::Path;

use brief::model::ErrorCode;

#[test]
fn error_codes_match_the_shared_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/errors.json");
    let text = std::fs::read_to_string(&path).expect("errors.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("errors.json is JSON");
    let codes = doc["codes"].as_array().expect("codes");
    assert_eq!(codes.len(), ErrorCode::ALL.len(), "number of codes");
    for (code, want) in ErrorCode::ALL.iter().zip(codes) {
        let name = want["code"].as_str().unwrap();
        assert_eq!(code.as_str(), name, "codes in Connect's order");
        assert_eq!(ErrorCode::parse(name), Some(*code), "{name}");
        assert_eq!(
            u64::from(code.http_status()),
            want["status"].as_u64().unwrap(),
            "HTTP status of {name}"
        );
    }
}
