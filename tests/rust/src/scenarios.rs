//! Scenarios every probe server must pass, whichever language serves it: the loopback
//! tests run them against the Rust server, the interop tests against the Go one.

use brief_runtime::{Code, Timestamp};

use crate::contracts::probe::*;

/// Every field of `Everything`: a time with microseconds and a non-UTC offset, bytes
/// with 0x00 and 0xff, optionals present, nested lists and maps, an enum, recursion.
pub fn everything() -> Everything {
    Everything {
        flag: true,
        count: i64::MIN,
        ratio: -0.125,
        name: "naïve ✓ \"quoted\" \\ <tag> \u{2028} \0".into(),
        blob: vec![0, 1, 2, 250, 255],
        at: "2026-11-22T10:11:12.123456+02:00"
            .parse::<Timestamp>()
            .unwrap(),
        color: Color::Blueish,
        tags: vec!["a".into(), String::new()],
        scores: [
            ("x".to_string(), 1),
            ("y".to_string(), i64::MAX),
            (String::new(), -1),
        ]
        .into(),
        matrix: vec![vec![1, 2], vec![], vec![3]],
        nested: [
            (
                "k".to_string(),
                vec![
                    Item { id: 7, label: None },
                    Item {
                        id: 8,
                        label: Some("eight".into()),
                    },
                ],
            ),
            ("empty".to_string(), vec![]),
        ]
        .into(),
        item: Item {
            id: 1,
            label: Some("one".into()),
        },
        maybe: Some(0),
        maybe_item: Some(Item { id: 2, label: None }),
        maybe_list: Some(vec![4, 5]),
        maybe_at: Some(
            "1969-12-31T23:59:59.999999-05:30"
                .parse::<Timestamp>()
                .unwrap(),
        ),
        next: Some(Box::new(Everything {
            name: "inner".into(),
            color: Color::Green,
            maybe_list: Some(vec![]),
            next: Some(Box::new(Everything {
                name: "innermost".into(),
                matrix: vec![vec![]],
                ..Everything::default()
            })),
            ..Everything::default()
        })),
    }
}

/// Echo round-trips every type, including absent and present-but-empty optionals.
pub async fn every_type_round_trips(client: &ProbeClient) {
    let present_empty = Everything {
        maybe_list: Some(vec![]),
        ..Everything::default()
    };
    for value in [everything(), Everything::default(), present_empty] {
        let back = client.echo(&value).await.unwrap();
        assert_eq!(back, value, "the round trip changed the value");
    }
    let back = client.echo(&everything()).await.unwrap();
    assert_eq!(back.at.to_string(), "2026-11-22T08:11:12.123456Z");
}

/// All 16 codes come back with their message; an unknown code is `invalid_argument`.
pub async fn every_error_code_round_trips(client: &ProbeClient) {
    assert_eq!(Code::ALL.len(), 16);
    for code in Code::ALL {
        let message = format!("failing with {code:?}: ünïcode \"quoted\"");
        let err = client
            .fail(&FailIn {
                code: code.as_str().into(),
                message: message.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(err.message(), message);
    }
    let err = client
        .fail(&FailIn {
            code: "no_such_code".into(),
            message: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
}

/// Typed errors come back as their variants, with their fields and the message the
/// handler chose (the contract's doc when it chose none).
pub async fn typed_errors_come_back_typed(client: &ProbeClient) {
    match client
        .find(&FindIn {
            id: -3,
            conflict: false,
        })
        .await
    {
        Err(FindError::NotFound(e)) => {
            assert_eq!(e.id, -3);
            assert_eq!(e.what.as_deref(), Some("item"));
            assert_eq!(e.message(), Some("no item with id -3"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    let err = client
        .find(&FindIn {
            id: 1,
            conflict: true,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FindError::Conflict(Conflict {}.with_message("It exists already"))
    );
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(err.to_string(), "It exists already: Conflict");
    let found = client
        .find(&FindIn {
            id: 5,
            conflict: false,
        })
        .await
        .unwrap();
    assert_eq!(found.id, 5);
}
