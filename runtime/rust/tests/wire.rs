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
        (all(r#","i":null"#), "i: invalid type: null"),
        (all(r#","i":"12a""#), "i: \"12a\" is not a decimal integer"),
        (all(r#","i":"""#), "i: \"\" is not a decimal integer"),
        (all(r#","i":1.5"#), "i: 1.5 is not a 64-bit integer"),
        (
            all(r#","i":9223372036854775808"#),
            "i: integer 9223372036854775808 out of 64-bit range",
        ),
        (all(r#","i":true"#), "i: invalid type: boolean"),
        (
            all(r#","i":1,"items":[{"userId":1},{"userId":2},{}]"#),
            "items[2].userId: missing field",
        ),
        (
            all(r#","i":1,"items":[null]"#),
            "items[0]: invalid type: null",
        ),
        (
            all(r#","i":1,"nested":{"k":[1,null]}"#),
            "nested.k[1]: invalid type: null",
        ),
        (all(r#","i":1,"raw":"!!""#), "raw: invalid base64"),
        (all(r#","i":1,"t":"yesterday""#), "t: invalid RFC 3339 time"),
        (
            all(r#","i":1,"color":"green""#),
            "color: unknown variant `green`",
        ),
        (all(r#","i":1,"color":null"#), "color: invalid type: null"),
        (all(r#","i":1,"s":5"#), "s: invalid type: integer `5`"),
        ("{\"i\":".to_string(), "i: invalid JSON: EOF"),
        (
            "5".to_string(),
            "invalid type: integer `5`, expected struct All",
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
fn empty_body_is_empty_object() {
    #[derive(Debug, Deserialize)]
    struct Empty {}
    decode::<Empty>(b"").unwrap();
    let err = decode::<Item>(b"").unwrap_err();
    assert_eq!(err.message(), "userId: missing field");
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
    assert!(
        err.message().starts_with("next.children[0].value: \"x\""),
        "{}",
        err.message()
    );
}
