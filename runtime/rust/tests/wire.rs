//! Table tests of the JSON mapping: the `wire` serde module and the codec.

use std::collections::{BTreeMap, HashMap};

use brief_runtime::{decode, encode, Code, Timestamp, WireMessage};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Color {
    Red,
    DarkBlue,
}
impl WireMessage for Color {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    #[serde(rename = "userId", with = "brief_runtime::wire")]
    user_id: i64,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    note: Option<String>,
}
impl WireMessage for Item {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct All {
    #[serde(with = "brief_runtime::wire")]
    i: i64,
    #[serde(with = "brief_runtime::wire")]
    f: f64,
    #[serde(with = "brief_runtime::wire")]
    b: bool,
    #[serde(with = "brief_runtime::wire")]
    s: String,
    #[serde(with = "brief_runtime::wire")]
    raw: Vec<u8>,
    #[serde(with = "brief_runtime::wire")]
    t: Timestamp,
    #[serde(with = "brief_runtime::wire")]
    color: Color,
    #[serde(default, with = "brief_runtime::wire")]
    items: Vec<Item>,
    #[serde(default, with = "brief_runtime::wire")]
    nested: BTreeMap<String, Vec<i64>>,
    #[serde(default, with = "brief_runtime::wire")]
    blobs: Vec<Vec<u8>>,
    #[serde(default, with = "brief_runtime::wire")]
    times: HashMap<String, Timestamp>,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    opt_list: Option<Vec<i64>>,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    opt_item: Option<Item>,
}
impl WireMessage for All {}

const BASE: &str =
    r#""f":1.5,"b":true,"s":"x","raw":"AQID","t":"2024-05-01T12:00:00Z","color":"red""#;

/// The base message with the fields of `extra` (`,"k":v,...`) added or replaced.
fn all(extra: &str) -> String {
    let mut base: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&format!("{{{BASE}}}")).unwrap();
    if !extra.is_empty() {
        let more: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&format!("{{{}}}", &extra[1..])).unwrap();
        base.extend(more);
    }
    serde_json::to_string(&base).unwrap()
}

#[test]
fn decodes_liberal_forms() {
    type Check = Box<dyn Fn(&All)>;
    let cases: Vec<(String, Check)> = vec![
        (all(r#","i":5"#), Box::new(|a: &All| assert_eq!(a.i, 5))),
        (all(r#","i":"5""#), Box::new(|a: &All| assert_eq!(a.i, 5))),
        (
            all(r#","i":"-9223372036854775808""#),
            Box::new(|a: &All| assert_eq!(a.i, i64::MIN)),
        ),
        (all(r#","i":3.0"#), Box::new(|a: &All| assert_eq!(a.i, 3))),
        (
            all(r#","i":1,"raw":"-_8""#),
            Box::new(|a: &All| assert_eq!(a.raw, vec![0xfb, 0xff])),
        ),
        (
            all(r#","i":1,"t":"2024-05-01T14:00:00.123456789+02:00""#),
            Box::new(|a: &All| assert_eq!(a.t.to_string(), "2024-05-01T12:00:00.123456Z")),
        ),
        (
            all(r#","i":1,"items":null,"nested":null,"blobs":null,"times":null"#),
            Box::new(|a: &All| {
                assert!(a.items.is_empty() && a.nested.is_empty() && a.blobs.is_empty());
                assert!(a.times.is_empty());
            }),
        ),
        (
            all(r#","i":1"#),
            Box::new(|a: &All| {
                assert!(a.items.is_empty() && a.nested.is_empty());
                assert_eq!(a.opt_list, None);
                assert_eq!(a.opt_item, None);
            }),
        ),
        (
            all(r#","i":1,"opt_list":null,"opt_item":null"#),
            Box::new(|a: &All| assert!(a.opt_list.is_none() && a.opt_item.is_none())),
        ),
        (
            all(r#","i":1,"opt_list":[],"opt_item":{"userId":"7"}"#),
            Box::new(|a: &All| {
                assert_eq!(a.opt_list, Some(vec![]));
                assert_eq!(
                    a.opt_item,
                    Some(Item {
                        user_id: 7,
                        note: None
                    })
                );
            }),
        ),
        (
            all(r#","i":1,"nested":{"a":[1,"2"],"b":[]},"blobs":["AA==","AQ"]"#),
            Box::new(|a: &All| {
                assert_eq!(a.nested["a"], vec![1, 2]);
                assert_eq!(a.nested["b"], Vec::<i64>::new());
                assert_eq!(a.blobs, vec![vec![0], vec![1]]);
            }),
        ),
        (
            all(r#","i":1,"f":"NaN","unknownField":{"x":1}"#),
            Box::new(|a: &All| assert!(a.f.is_nan())),
        ),
        (
            all(r#","i":1,"f":2"#),
            Box::new(|a: &All| assert_eq!(a.f, 2.0)),
        ),
    ];
    for (json, check) in cases {
        let a: All = decode(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"));
        check(&a);
    }
}

#[test]
fn rejects_with_field_path() {
    let cases: &[(String, &str)] = &[
        (all(""), "i: missing field"),
        (
            all(r#","i":null"#),
            "i: invalid type: null, expected a 64-bit integer",
        ),
        (all(r#","i":"12a""#), r#"i: "12a" is not a decimal integer"#),
        (all(r#","i":"""#), r#"i: "" is not a decimal integer"#),
        (all(r#","i":1.5"#), "i: 1.5 is not a 64-bit integer"),
        (
            all(r#","i":9223372036854775808"#),
            "i: integer 9223372036854775808 out of 64-bit range",
        ),
        (all(r#","i":1e19"#), "i: integer 1e+19 out of 64-bit range"),
        (
            all(r#","i":true"#),
            "i: invalid type: boolean true, expected a 64-bit integer",
        ),
        (
            all(r#","i":1,"items":[{"userId":1},{"userId":2},{}]"#),
            "items[2].userId: missing field",
        ),
        (
            all(r#","i":1,"items":[null]"#),
            "items[0]: invalid type: null, expected a value",
        ),
        (
            all(r#","i":1,"nested":{"k":[1,null]}"#),
            r#"nested["k"][1]: invalid type: null, expected a value"#,
        ),
        (
            all(r#","i":1,"nested":{"v1.2":[1,"x"]}"#),
            r#"nested["v1.2"][1]: "x" is not a decimal integer"#,
        ),
        (all(r#","i":1,"raw":"!!""#), "raw: invalid base64"),
        (
            all(r#","i":1,"t":"yesterday""#),
            r#"t: invalid RFC 3339 time "yesterday": too short"#,
        ),
        (
            all(r#","i":1,"color":"green""#),
            r#"color: unknown enum value "green" (expected one of red, dark_blue)"#,
        ),
        (
            all(r#","i":1,"color":{"red":null}"#),
            "color: invalid type: object, expected one of red, dark_blue",
        ),
        (
            all(r#","i":1,"color":null"#),
            "color: invalid type: null, expected a value",
        ),
        (
            all(r#","i":1,"s":5"#),
            "s: invalid type: number 5, expected a string",
        ),
        (
            all(r#","i":1,"items":[[1,null]]"#),
            "items[0]: invalid type: array, expected a JSON object",
        ),
        (
            "{\"i\":".to_string(),
            "invalid JSON: EOF while parsing a value",
        ),
        (
            "5".to_string(),
            "invalid type: number 5, expected a JSON object",
        ),
        (
            "[1,1.5]".to_string(),
            "invalid type: array, expected a JSON object",
        ),
        (
            format!("{} x", all(r#","i":1"#)),
            "invalid JSON: trailing characters",
        ),
    ];
    for (json, want) in cases {
        let err = decode::<All>(json.as_bytes()).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{json}");
        assert!(
            err.message().starts_with(want),
            "{json}: got {:?}, want prefix {want:?}",
            err.message()
        );
    }
}

#[test]
fn rejects_repeated_keys_with_their_path() {
    let cases: &[(String, &str)] = &[
        (format!(r#"{{"i":1,{BASE},"i":2}}"#), "i: duplicate key"),
        (
            all(r#","i":1,"items":[{"userId":1,"userId":1}]"#)
                .replace(r#"{"userId":1}"#, r#"{"userId":1,"userId":1}"#),
            "items[0].userId: duplicate key",
        ),
        (
            format!(r#"{{"i":1,{BASE},"nested":{{"a":[],"a":[1]}}}}"#),
            r#"nested["a"]: duplicate key"#,
        ),
        (
            format!(r#"{{"i":1,{BASE},"x":1,"y":2,"x":3}}"#),
            "x: duplicate key",
        ),
        (
            format!(r#"{{"i":1,{BASE},"a.b":1,"a.b":1}}"#),
            r#"["a.b"]: duplicate key"#,
        ),
        (
            format!(r#"{{"i":1,{BASE},"x":[{{"k":1,"k":2}}]}}"#),
            r#"duplicate key "k" inside the value of an unknown field"#,
        ),
    ];
    for (json, want) in cases {
        let err = decode::<All>(json.as_bytes()).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{json}");
        assert_eq!(err.message(), *want, "{json}");
    }
    // Many keys: still one error, found in linear time.
    let many: String = (0..50_000).map(|i| format!(r#","k{i}":0"#)).collect();
    let json = format!(r#"{{"i":1,{BASE}{many},"k49999":1}}"#);
    let err = decode::<All>(json.as_bytes()).unwrap_err();
    assert_eq!(err.message(), "k49999: duplicate key");
}

#[test]
fn echoes_at_most_64_characters_of_a_value() {
    let long = "1".repeat(1_000_000);
    let cases = [
        (all(&format!(r#","i":"{long}""#)), "i: integer "),
        (all(&format!(r#","i":1,"f":"{long}x""#)), "f: \""),
        (
            all(&format!(r#","i":1,"color":"{long}""#)),
            "color: unknown enum value",
        ),
        (
            all(&format!(r#","i":1,"t":"{long}""#)),
            "t: invalid RFC 3339 time",
        ),
        (
            all(&format!(r#","i":1,"b":"{long}""#)),
            "b: invalid type: string \"",
        ),
        (
            all(&format!(r#","i":1,"nested":{{"{long}":[null]}}"#)),
            "nested[\"",
        ),
    ];
    let shown = format!("\"{}\"...", "1".repeat(brief_runtime::wire::ECHO_MAX_CHARS));
    for (json, want) in cases {
        let err = decode::<All>(json.as_bytes()).unwrap_err();
        let msg = err.message();
        assert!(msg.starts_with(want), "{want}: {msg}");
        assert!(msg.contains(&shown), "{want}: {msg}");
        assert!(msg.len() < 200, "{want}: {} bytes", msg.len());
    }
}

#[test]
fn encodes_canonical_forms() {
    let mut nested = BTreeMap::new();
    nested.insert("z".to_string(), vec![1, -2]);
    let a = All {
        i: -3,
        f: 0.25,
        b: false,
        s: "é\"".into(),
        raw: vec![0xfb, 0xff],
        t: Timestamp::from_unix_micros(1_714_564_800_500_000),
        color: Color::DarkBlue,
        items: vec![Item {
            user_id: 1,
            note: Some("n".into()),
        }],
        nested,
        blobs: vec![],
        times: HashMap::new(),
        opt_list: None,
        opt_item: None,
    };
    let json = String::from_utf8(encode(&a).unwrap().to_vec()).unwrap();
    assert_eq!(
        json,
        r#"{"i":-3,"f":0.25,"b":false,"s":"é\"","raw":"+/8=","t":"2024-05-01T12:00:00.500Z","color":"dark_blue","items":[{"userId":1,"note":"n"}],"nested":{"z":[1,-2]},"blobs":[],"times":{}}"#
    );
    let back: All = decode(json.as_bytes()).unwrap();
    assert_eq!(back, a);

    let special = All {
        f: f64::INFINITY,
        opt_list: Some(vec![]),
        ..a.clone()
    };
    let json = String::from_utf8(encode(&special).unwrap().to_vec()).unwrap();
    assert!(json.contains(r#""f":"Infinity""#), "{json}");
    assert!(json.contains(r#""opt_list":[]"#), "{json}");
    let back: All = decode(json.as_bytes()).unwrap();
    assert_eq!(back.f, f64::INFINITY);
}

#[test]
fn only_an_object_is_a_message() {
    #[derive(Debug, Deserialize)]
    struct Empty {}
    for body in [
        &b""[..],
        b" ",
        b"[]",
        b"[1]",
        b"null",
        b"1",
        b"\"{}\"",
        b"true",
    ] {
        let err = decode::<Empty>(body).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        let text = String::from_utf8_lossy(body);
        assert!(
            err.message().contains("expected a JSON object")
                || err.message().starts_with("invalid JSON: EOF"),
            "{text}: {}",
            err.message()
        );
    }
    assert_eq!(
        decode::<Item>(b"").unwrap_err().message(),
        "expected a JSON object, got an empty body"
    );
    // serde's derive also reads a struct from an array; the JSON mapping does not.
    let err = decode::<Item>(b"[1]").unwrap_err();
    assert_eq!(err.message(), "invalid type: array, expected a JSON object");
    decode::<Empty>(b" {} ").unwrap();
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Node {
    #[serde(with = "brief_runtime::wire")]
    value: i64,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    next: Option<Box<Node>>,
    #[serde(default, with = "brief_runtime::wire")]
    children: Vec<Node>,
}
impl WireMessage for Node {}
impl WireMessage for Box<Node> {}

#[test]
fn recursive_messages() {
    let json = r#"{"value":"1","next":{"value":2,"next":null,"children":[{"value":3}]}}"#;
    let n: Node = decode(json.as_bytes()).unwrap();
    assert_eq!(n.next.as_ref().unwrap().children[0].value, 3);
    assert_eq!(
        &encode(&n).unwrap()[..],
        br#"{"value":1,"next":{"value":2,"children":[{"value":3,"children":[]}]},"children":[]}"#
    );
    let err = decode::<Node>(br#"{"value":1,"next":{"children":[{"value":"x"}]}}"#).unwrap_err();
    assert_eq!(
        err.message(),
        r#"next.children[0].value: "x" is not a decimal integer"#
    );
}

/// A `children` chain of `n` messages, and what the encoder writes back for it.
fn chain(n: usize) -> (String, String) {
    let input = format!(
        "{}{{\"value\":0}}{}",
        r#"{"value":0,"children":["#.repeat(n - 1),
        "]}".repeat(n - 1)
    );
    let canonical = format!(
        "{}{{\"value\":0,\"children\":[]}}{}",
        r#"{"value":0,"children":["#.repeat(n - 1),
        "]}".repeat(n - 1)
    );
    (input, canonical)
}

/// A `next` chain whose JSON nests `depth` objects deep.
fn next_chain(depth: usize) -> String {
    format!(
        "{}{{\"value\":0}}{}",
        r#"{"value":0,"next":"#.repeat(depth - 1),
        "}".repeat(depth - 1)
    )
}

#[test]
fn deep_recursive_messages_decode() {
    let max = brief_runtime::wire::MAX_DEPTH;
    // A chain of n messages nests 2n - 1 levels deep (the innermost has no list).
    for n in [200, 512, max.div_ceil(2)] {
        let (input, canonical) = chain(n);
        let node: Node = decode(input.as_bytes()).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(&encode(&node).unwrap()[..], canonical.as_bytes(), "{n}");
    }
    let err = decode::<Node>(chain(max.div_ceil(2) + 1).0.as_bytes()).unwrap_err();
    assert_eq!(
        err.message(),
        format!("JSON nested deeper than {max} levels")
    );
    let node: Node = decode(next_chain(max).as_bytes()).unwrap();
    let mut depth = 1;
    let mut at = &node;
    while let Some(next) = &at.next {
        depth += 1;
        at = next;
    }
    assert_eq!(depth, max);
}

#[test]
fn nesting_past_the_limit_is_rejected_without_a_path() {
    let max = brief_runtime::wire::MAX_DEPTH;
    let want = format!("JSON nested deeper than {max} levels");
    let err = decode::<Node>(next_chain(max + 1).as_bytes()).unwrap_err();
    assert_eq!(err.message(), want);
    // Values of unknown fields count too.
    let unknown = |depth: usize| {
        format!(
            r#"{{"value":1,"x":{}{}}}"#,
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        )
    };
    decode::<Node>(unknown(max).as_bytes()).unwrap();
    assert_eq!(
        decode::<Node>(unknown(max + 1).as_bytes())
            .unwrap_err()
            .message(),
        want
    );
    // Far deeper than the limit: the same error, quickly, and nothing left behind.
    let hostile = r#"{"value":0,"next":"#.repeat(500_000);
    assert_eq!(
        decode::<Node>(hostile.as_bytes()).unwrap_err().message(),
        want
    );
    decode::<Node>(next_chain(100).as_bytes()).unwrap();
}

#[test]
fn no_accepted_depth_overflows_a_small_stack() {
    // Decoding and encoding on a thread with a 128 KiB stack: they move to fresh stack
    // segments as they go instead of overflowing. (Dropping the value is the program's
    // business, done here on the test thread.)
    let max = brief_runtime::wire::MAX_DEPTH;
    let deepest = next_chain(max);
    let too_deep = next_chain(max + 1);
    let lists = chain(max.div_ceil(2)).0;
    let (nodes, encoded) = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            assert!(decode::<Node>(too_deep.as_bytes()).is_err());
            let a: Node = decode(deepest.as_bytes()).unwrap();
            let b: Node = decode(lists.as_bytes()).unwrap();
            let encoded = (encode(&a).unwrap(), encode(&b).unwrap());
            ((a, b), encoded)
        })
        .unwrap()
        .join()
        .unwrap();
    let next = format!(
        "{}{{\"value\":0,\"children\":[]}}{}",
        r#"{"value":0,"next":"#.repeat(max - 1),
        r#","children":[]}"#.repeat(max - 1)
    );
    assert_eq!(&encoded.0[..], next.as_bytes());
    assert_eq!(&encoded.1[..], chain(max.div_ceil(2)).1.as_bytes());
    assert_eq!(decode::<Node>(&encoded.1).unwrap(), nodes.1);
}

/// docs/rust.md shows how to make a `Timestamp` with the type's own doctest, so that
/// the example in the docs is one that runs.
#[test]
fn docs_show_the_timestamp_doctest() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("src/time.rs")).unwrap();
    let docs = std::fs::read_to_string(root.join("../../docs/rust.md")).unwrap();
    let doctest: Vec<&str> = source
        .lines()
        .skip_while(|l| *l != "/// ```")
        .skip(1)
        .take_while(|l| *l != "/// ```")
        .map(|l| {
            l.strip_prefix("/// ")
                .unwrap_or(l.trim_start_matches("///"))
        })
        .collect();
    assert!(doctest.len() > 5, "no doctest found in src/time.rs");
    let example = format!("```rust\n{}\n```", doctest.join("\n"));
    assert!(docs.contains(&example), "docs/rust.md lacks:\n{example}");
}
