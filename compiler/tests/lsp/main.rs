//! `brief lsp` end to end: a scripted client sends real JSON-RPC messages over the
//! server's stdin and reads its stdout, as an editor does.

mod client;
mod navigation;

use client::{position, range_json, scratch, uri, utf16_column, Client};
use serde_json::{json, Value};

const SUMMER: &str = include_str!("../../../examples/summer/rpc/summer.brief");

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

#[test]
fn a_typo_is_reported_where_it_is_in_utf16_columns() {
    let dir = scratch("typo");
    let path = dir.join("greet.brief");
    // The typo follows a doc with non-ASCII text on the same line: `ü` is 2 bytes and
    // 1 UTF-16 unit, `😀` 4 bytes and 2 units, so bytes, characters and UTF-16 units
    // give three different columns.
    let text = "service \"greeter\"\n\
                rpc greet (Hello) Hello\n\
                message Hello { name string `Grüße 😀` size strng }\n";
    let mut client = Client::start(&dir);
    let uri = client.open(&path, 1, text);
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(
        codes(&diagnostics),
        ["brief::unknown_type"],
        "{diagnostics:#?}"
    );
    let d = &diagnostics[0];
    let column = utf16_column(text, 2, "strng");
    assert_eq!(column, 44);
    assert_eq!(d["range"], range_json([(2, column), (2, column + 5)]));
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "brief");
    let message = d["message"].as_str().unwrap();
    assert!(message.starts_with("unknown type `strng`\n"), "{message}");
    assert!(
        message.contains("help: did you mean `string`?"),
        "{message}"
    );

    // The same message and position as `brief check --format json` (1-based, in
    // characters: the same here up to the emoji's second unit).
    std::fs::write(&path, text).unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_brief"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(json["code"], "brief::unknown_type");
    assert!(message.starts_with(json["message"].as_str().unwrap()));
    assert_eq!(json["line"], 3);
    assert_eq!(json["column"], column); // one column less in characters, plus 1-based

    // Fixing the typo with an incremental edit clears the diagnostic.
    client.edit(&uri, 2, [(2, column), (2, column + 5)], "string");
    assert_eq!(client.diagnostics(&uri, 2), Vec::<Value>::new());
    // Typing it again brings it back, at the version of the edit.
    client.edit(&uri, 3, [(2, column + 3), (2, column + 4)], "");
    assert_eq!(codes(&client.diagnostics(&uri, 3)), ["brief::unknown_type"]);
    assert!(client.shutdown().success());
}

#[test]
fn secondary_labels_are_related_information() {
    let dir = scratch("related");
    let text = "message Point {\n    x int\n    y int\n    x float\n}\n";
    let mut client = Client::start(&dir);
    let uri = client.open(&dir.join("point.brief"), 1, text);
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(codes(&diagnostics), ["brief::duplicate_field"]);
    let d = &diagnostics[0];
    assert_eq!(d["range"], range_json([(3, 4), (3, 5)]));
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("declared again here\nhelp: JSON keys must be unique"));
    assert_eq!(
        d["relatedInformation"],
        json!([{
            "location": { "uri": uri, "range": range_json([(1, 4), (1, 5)]) },
            "message": "first declared here",
        }])
    );
    // Warnings are warnings; an unused import is marked unnecessary.
    std::fs::write(dir.join("shared.brief"), "message Money { cents int }\n").unwrap();
    let uri2 = client.open(
        &dir.join("user.brief"),
        1,
        "import \"shared.brief\"\nmessage user_in { id int }\n",
    );
    let diagnostics = client.diagnostics(&uri2, 1);
    assert_eq!(
        codes(&diagnostics),
        ["brief::unused_import", "brief::name_case"]
    );
    assert_eq!(diagnostics[0]["severity"], 2);
    assert_eq!(diagnostics[0]["tags"], json!([1]));
    assert!(client.shutdown().success());
}

#[test]
fn unsaved_buffers_are_what_imports_read() {
    let dir = scratch("overlay");
    // On disk, `common.brief` declares `Money`; the editor changes it without saving.
    std::fs::write(dir.join("common.brief"), "message Money { cents int }\n").unwrap();
    let main_text = "import \"common.brief\"\nmessage Order { total Cash }\n";
    std::fs::write(dir.join("order.brief"), main_text).unwrap();
    let mut client = Client::start(&dir);
    let order = client.open(&dir.join("order.brief"), 1, main_text);
    assert_eq!(
        codes(&client.diagnostics(&order, 1)),
        ["brief::unused_import", "brief::unknown_type"]
    );
    let common = client.open(
        &dir.join("common.brief"),
        1,
        "message Money { cents int }\n",
    );
    assert_eq!(client.diagnostics(&common, 1), Vec::<Value>::new());
    // Renaming `Money` to `Cash` in the unsaved buffer fixes the file that imports it…
    client.edit(&common, 2, [(0, 8), (0, 13)], "Cash");
    assert_eq!(client.diagnostics(&common, 2), Vec::<Value>::new());
    assert_eq!(client.diagnostics(&order, 1), Vec::<Value>::new());
    // …and closing it unsaved brings back what is on disk.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": common } }),
    );
    assert_eq!(client.next_diagnostics(&common), Vec::<Value>::new());
    assert_eq!(
        codes(&client.diagnostics(&order, 1)),
        ["brief::unused_import", "brief::unknown_type"]
    );
    assert!(client.shutdown().success());
}

#[test]
fn document_symbols_hover_and_definition() {
    let dir = scratch("symbols");
    std::fs::write(
        dir.join("money.brief"),
        "message Money {\n    cents int\n} `An amount in cents`\n",
    )
    .unwrap();
    let text = format!("import \"money.brief\"\n\n{SUMMER}\nmessage Bill {{ total Money }}\n");
    let mut client = Client::start(&dir);
    let path = dir.join("summer.brief");
    let uri = client.open(&path, 1, &text);
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    let doc = json!({ "uri": uri });

    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({ "textDocument": doc }),
    );
    let names: Vec<(&str, i64)> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["kind"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("summer", 2),
            ("sum", 6),
            ("SumIn", 23),
            ("SumOut", 23),
            ("Bill", 23)
        ]
    );
    let sum_in = &symbols[2];
    assert_eq!(sum_in["selectionRange"], range_json([(7, 8), (7, 13)]));
    assert_eq!(sum_in["range"], range_json([(7, 0), (10, 1)]));
    assert_eq!(sum_in["children"][1]["name"], "b");
    assert_eq!(sum_in["children"][1]["detail"], "int");

    // Hover on a use of `SumIn` (in the rpc) and on its declaration.
    for at in [position(5, 11), position(7, 10)] {
        let hover = client.result(
            "textDocument/hover",
            json!({ "textDocument": doc, "position": at }),
        );
        assert_eq!(hover["contents"]["kind"], "markdown");
        let value = hover["contents"]["value"].as_str().unwrap();
        assert_eq!(
            value,
            "```brief\nmessage SumIn {\n    a int\n    b int\n}\n```"
        );
    }
    // An imported declaration: its doc and where it is declared.
    let hover = client.result(
        "textDocument/hover",
        json!({ "textDocument": doc, "position": position(17, 23) }),
    );
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("message Money {\n    cents int\n}"),
        "{value}"
    );
    assert!(value.contains("\n\nAn amount in cents"), "{value}");
    assert!(value.contains(&format!(
        "Declared in `{}`",
        dir.join("money.brief").display()
    )));
    // Nothing to say about a keyword.
    let hover = client.result(
        "textDocument/hover",
        json!({ "textDocument": doc, "position": position(5, 1) }),
    );
    assert_eq!(hover, Value::Null);

    // Go to definition, in the file and across the import.
    let here = client.result(
        "textDocument/definition",
        json!({ "textDocument": doc, "position": position(5, 18) }),
    );
    assert_eq!(
        here,
        json!({ "uri": uri, "range": range_json([(12, 8), (12, 14)]) })
    );
    let there = client.result(
        "textDocument/definition",
        json!({ "textDocument": doc, "position": position(17, 21) }),
    );
    assert_eq!(
        there,
        json!({ "uri": uri_of(&dir.join("money.brief")), "range": range_json([(0, 8), (0, 13)]) })
    );
    assert!(client.shutdown().success());
}

fn uri_of(path: &std::path::Path) -> String {
    uri(path)
}

/// The labels of a completion result.
fn labels(result: &Value) -> Vec<String> {
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_by_context() {
    let dir = scratch("completion");
    std::fs::write(
        dir.join("shared.brief"),
        "enum Currency { eur usd }\nerror Broke(failed_precondition) {}\n",
    )
    .unwrap();
    let text = "import \"shared.brief\"\n\
                service \"shop\"\n\
                rpc buy (BuyIn) BuyOut idempotent throws(Broke, NotFound)\n\
                message BuyIn { price int currency Currency }\n\
                message BuyOut {}\n\
                error NotFound(not_found) {}\n";
    let mut client = Client::start(&dir);
    let uri = client.open(&dir.join("shop.brief"), 1, text);
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    let complete = |client: &mut Client, line: u32, character: u32| {
        client.result(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": position(line, character) }),
        )
    };

    // A new field's type, while the line does not parse: builtins, messages and enums
    // (its own and imported), never errors.
    client.edit(&uri, 2, [(3, 43), (3, 43)], " note ");
    let _ = client.diagnostics(&uri, 2);
    let items = complete(&mut client, 3, 49);
    let names = labels(&items);
    for expected in [
        "bool", "int", "float", "string", "bytes", "time", "BuyIn", "BuyOut", "Currency",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} in {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n == "NotFound" || n == "Broke"),
        "{names:?}"
    );
    let currency = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "Currency")
        .unwrap();
    assert_eq!(
        currency["detail"],
        format!("enum (from {})", dir.join("shared.brief").display())
    );

    // After the rpc's output: the modifiers not written yet, as snippets.
    client.edit(&uri, 3, [(3, 43), (3, 49)], "");
    client.edit(&uri, 4, [(2, 57), (2, 57)], " ");
    let items = complete(&mut client, 2, 58);
    assert_eq!(labels(&items), ["readonly", "timeout()", "deprecated"]);
    assert_eq!(items[1]["insertText"], "timeout(${1:1s})");
    assert_eq!(items[1]["insertTextFormat"], 2);
    // Inside `throws(`: errors not listed yet.
    client.edit(&uri, 5, [(2, 57), (2, 58)], "");
    let _ = client.diagnostics(&uri, 5);
    client.edit(&uri, 6, [(2, 48), (2, 57)], "");
    let items = complete(&mut client, 2, 48);
    assert_eq!(labels(&items), ["NotFound"]);
    // An rpc's input: messages only.
    let items = complete(&mut client, 2, 9);
    assert_eq!(labels(&items), ["BuyIn", "BuyOut"]);
    // An error's code.
    let items = complete(&mut client, 5, 15);
    assert_eq!(labels(&items).len(), 16);
    assert!(labels(&items).contains(&"not_found".to_string()));
    // A new line at the top level: keywords.
    let items = complete(&mut client, 6, 0);
    assert_eq!(
        labels(&items),
        ["import", "service", "rpc", "schema", "message", "enum", "error"]
    );
    assert!(client.shutdown().success());
}

#[test]
fn formatting_is_brief_fmt_and_refuses_syntax_errors() {
    let dir = scratch("format");
    let text = "service \"summer\"\nrpc sum (SumIn) SumOut\nmessage SumIn { a int\n b   int }\nmessage SumOut{sum int}\n";
    let mut client = Client::start(&dir);
    let uri = client.open(&dir.join("summer.brief"), 1, text);
    let format = |client: &mut Client| {
        client.request(
            "textDocument/formatting",
            json!({
                "textDocument": { "uri": uri },
                "options": { "tabSize": 4, "insertSpaces": true },
            }),
        )
    };
    let edits = format(&mut client)["result"].clone();
    assert_eq!(
        edits,
        json!([{
            "range": range_json([(0, 0), (5, 0)]),
            "newText": brief::fmt::format_source(text).unwrap(),
        }])
    );
    // Formatted already: no edits.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": brief::fmt::format_source(text).unwrap() }],
        }),
    );
    assert_eq!(format(&mut client)["result"], json!([]));
    // A syntax error: an error answer, and nothing changes.
    client.edit(&uri, 3, [(0, 0), (0, 0)], "message {\n");
    let response = format(&mut client);
    assert_eq!(response["error"]["code"], -32803, "{response}");
    let message = response["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("cannot format a file with a syntax error: expected"),
        "{message}"
    );
    assert!(message.ends_with("(line 1, column 9)"), "{message}");
    assert!(client.shutdown().success());
}

#[test]
fn the_lifecycle_and_bad_requests() {
    let dir = scratch("lifecycle");
    let mut client = Client::spawn(&["--max-message-size", "4096"]);
    // Before initialize: requests are refused, notifications dropped.
    let response = client.request("textDocument/hover", json!({}));
    assert_eq!(response["error"]["code"], -32002, "{response}");
    client.notify("textDocument/didOpen", json!({}));
    let init = client.result(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {} }),
    );
    assert_eq!(init["serverInfo"]["name"], "brief");
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    client.notify("initialized", json!({}));
    let again = client.request("initialize", json!({ "capabilities": {} }));
    assert_eq!(again["error"]["code"], -32600);

    // Malformed JSON: a parse error answered with a null id, and the session goes on.
    client.send_raw(b"Content-Length: 9\r\n\r\n{\"jsonrpc");
    let error = client.wait_for("a parse error", |m| m["error"]["code"] == -32700);
    assert_eq!(error["id"], Value::Null);
    // Not a request: the id is echoed when there is one.
    client.send(&json!({ "jsonrpc": "2.0", "id": 99, "params": {} }));
    let error = client.response(&json!(99));
    assert_eq!(error["error"]["code"], -32600);
    // Broken framing, then a good message.
    client.send_raw(b"Content-Length: many\r\n\r\n");
    client.send_raw(b"no colon here\r\n\r\n");
    // A message over the limit is skipped whole.
    let big = json!({ "jsonrpc": "2.0", "id": 100, "method": "x", "params": "a".repeat(5000) });
    client.send(&big);
    let error = client.wait_for("the size error", |m| {
        m["error"]["message"]
            .as_str()
            .is_some_and(|s| s.contains("larger than the limit of 4096 bytes"))
    });
    assert_eq!(error["id"], Value::Null);
    // Unknown methods: an error for a request, nothing for a notification.
    let response = client.request("textDocument/semanticTokens/full", json!({}));
    assert_eq!(response["error"]["code"], -32601);
    assert!(response["error"]["message"]
        .as_str()
        .unwrap()
        .contains("semanticTokens"));
    client.notify("$/somethingNew", json!({ "x": 1 }));
    client.notify("textDocument/didChange", json!({ "nonsense": true }));
    // Invalid parameters.
    let response = client.request("textDocument/hover", json!({ "position": "here" }));
    assert_eq!(response["error"]["code"], -32602);

    // Requests about documents never opened: empty answers.
    let nowhere = json!({ "uri": uri(&dir.join("never-opened.brief")) });
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
        "textDocument/prepareRename",
    ] {
        let result = client.result(
            method,
            json!({ "textDocument": nowhere, "position": position(0, 0) }),
        );
        assert_eq!(result, Value::Null, "{method}");
    }
    assert_eq!(
        client.result(
            "textDocument/documentSymbol",
            json!({ "textDocument": nowhere })
        ),
        Value::Null
    );
    // Positions past the end of a document: empty answers.
    let uri = client.open(&dir.join("a.brief"), 1, "message A { b int }\n");
    let doc = json!({ "uri": uri });
    for at in [
        position(0, 500),
        position(40, 0),
        position(u32::MAX, u32::MAX),
    ] {
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
            "textDocument/prepareRename",
        ] {
            let response = client.request(method, json!({ "textDocument": doc, "position": at }));
            assert!(response.get("error").is_none(), "{method} {at}: {response}");
        }
    }
    // An edit past the end is clamped, never a crash.
    client.edit(&uri, 2, [(9, 9), (12, 0)], "message B {}\n");
    assert_eq!(client.diagnostics(&uri, 2), Vec::<Value>::new());
    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({ "textDocument": doc }),
    );
    assert_eq!(symbols.as_array().unwrap().len(), 2);

    // After shutdown only `exit` is accepted; exit then ends the process with 0.
    let response = client.request("shutdown", Value::Null);
    assert_eq!(response["result"], Value::Null);
    let response = client.request("textDocument/hover", json!({}));
    assert_eq!(response["error"]["code"], -32600);
    client.notify("exit", Value::Null);
    assert!(client.wait().success());
    let log = client.log();
    assert!(
        log.contains("Content-Length \"many\" is not a number"),
        "{log}"
    );
}

#[test]
fn exit_without_shutdown_is_an_error_and_eof_ends_the_server() {
    let dir = scratch("exit");
    let mut client = Client::start(&dir);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait().code(), Some(1));
    let mut client = Client::start(&dir);
    client.close_input();
    assert_eq!(client.wait().code(), Some(1));
}

#[test]
fn huge_and_unreadable_files() {
    let dir = scratch("huge");
    // Too large to check: one diagnostic says so.
    let mut client = Client::start_with(&dir, &["--max-file-size", "1000"]);
    let uri = client.open(&dir.join("big.brief"), 1, &"// filler\n".repeat(200));
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("2000 bytes, more than the 1000 bytes brief checks"));
    assert!(client.shutdown().success());

    // An import that is not UTF-8: a diagnostic on the import.
    std::fs::write(dir.join("latin1.brief"), b"message Caf\xe9 {}\n").unwrap();
    let mut client = Client::start(&dir);
    let uri = client.open(
        &dir.join("user.brief"),
        1,
        "import \"latin1.brief\"\nmessage M { a int }\n",
    );
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(codes(&diagnostics), ["brief::import_not_found"]);
    assert!(client.shutdown().success());

    // A large document being checked does not delay the answer to shutdown.
    let mut client = Client::start(&dir);
    let mut text = String::new();
    for i in 0..40_000 {
        text.push_str(&format!(
            "message M{i} {{\n    a int `doc`\n    b []string?\n}}\n"
        ));
    }
    let uri = client.open(&dir.join("large.brief"), 1, &text);
    let id = client.send_request("shutdown", Value::Null);
    let first = client.wait_for("the answer to shutdown or the diagnostics", |m| {
        m["id"] == id || m["params"]["uri"] == uri
    });
    assert_eq!(first["id"], id, "diagnostics came first: {first}");
    client.notify("exit", Value::Null);
    assert!(client.wait().success());
}
