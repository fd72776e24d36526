//! Definition, references, prepareRename and rename across imports, in UTF-16 columns:
//! each name below follows non-ASCII text on its line (`é` is one UTF-16 unit in two
//! bytes, `😀` two units in four bytes).

use serde_json::{json, Value};

use crate::client::{position, range_json, scratch, uri, Client};

/// Declares what the others use; on disk, and opened later.
const COMMON: &str = "// é😀 shared\n\
    message Money { cents int } `Geld: é and 😀 in a doc`\n\
    enum Kind { a b }\n";
/// Imports it; open in the editor and never saved.
const SHOP: &str = "import \"common.brief\"\n\
    service \"shop\"\n\
    rpc buy (Order) Money `é😀`\n\
    message Order { note string `é😀` price Money kinds []Kind }\n";
/// Imports it; on disk only.
const BILL: &str = "import \"common.brief\"\n\
    message Bill { note string `😀` total Money }\n";

/// The UTF-16 range of the `nth` `name` on `line` of `text`, counted here rather than by
/// the server's code.
fn name_range(text: &str, line: u32, name: &str, nth: usize) -> Value {
    let line_text = text.split('\n').nth(line as usize).unwrap();
    let (byte, _) = line_text.match_indices(name).nth(nth).unwrap();
    let start = line_text[..byte].encode_utf16().count() as u32;
    range_json([
        (line, start),
        (line, start + name.encode_utf16().count() as u32),
    ])
}

/// Locations sorted by URI and position, for comparison.
fn sorted(mut locations: Vec<Value>) -> Vec<Value> {
    locations.sort_by_key(|l| {
        (
            l["uri"].as_str().unwrap().to_string(),
            l["range"]["start"]["line"].as_u64(),
            l["range"]["start"]["character"].as_u64(),
        )
    });
    locations
}

fn location(uri: &str, range: Value) -> Value {
    json!({ "uri": uri, "range": range })
}

#[test]
fn definition_references_and_rename_across_imports() {
    let dir = scratch("navigation");
    std::fs::write(dir.join("common.brief"), COMMON).unwrap();
    std::fs::write(dir.join("bill.brief"), BILL).unwrap();
    let common = uri(&dir.join("common.brief"));
    let bill = uri(&dir.join("bill.brief"));
    let mut client = Client::start(&dir);
    let shop = client.open(&dir.join("shop.brief"), 1, SHOP);
    assert_eq!(client.diagnostics(&shop, 1), Vec::<Value>::new());
    let at = |uri: &str, range: &Value| json!({ "textDocument": { "uri": uri }, "position": range["start"] });
    let money_in_field = name_range(SHOP, 3, "Money", 0);
    // The field's `Money` is after `é😀`: 4 UTF-16 units before it that are 6 bytes.
    assert_eq!(money_in_field["start"]["character"], 40);

    // Go to definition: from the unsaved document into the imported file.
    let money_declared = name_range(COMMON, 1, "Money", 0);
    let definition = client.result("textDocument/definition", at(&shop, &money_in_field));
    assert_eq!(definition, location(&common, money_declared.clone()));
    // The cursor at the end of the name counts too; on the import path, the file.
    let end = json!({ "textDocument": { "uri": shop }, "position": money_in_field["end"] });
    let definition = client.result("textDocument/definition", end);
    assert_eq!(definition["uri"], common);
    let import = name_range(SHOP, 0, "common", 0);
    let definition = client.result("textDocument/definition", at(&shop, &import));
    assert_eq!(definition, location(&common, range_json([(0, 0), (0, 0)])));

    // Hover: the declaration's doc, with its non-ASCII text intact.
    let hover = client.result("textDocument/hover", at(&shop, &money_in_field));
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("\n\nGeld: é and 😀 in a doc"), "{value}");

    // Find references, from a use: the declaration, the unsaved document's two uses and
    // the saved file's one that is not open.
    let expected = sorted(vec![
        location(&common, money_declared.clone()),
        location(&bill, name_range(BILL, 1, "Money", 0)),
        location(&shop, name_range(SHOP, 2, "Money", 0)),
        location(&shop, money_in_field.clone()),
    ]);
    let mut params = at(&shop, &money_in_field);
    params["context"] = json!({ "includeDeclaration": true });
    let found = client.result("textDocument/references", params.clone());

    assert_eq!(sorted(found.as_array().unwrap().clone()), expected);
    // Without the declaration.
    params["context"] = json!({ "includeDeclaration": false });
    let found = client.result("textDocument/references", params);
    assert_eq!(found.as_array().unwrap().len(), 3);
    // From the declaration, in the file that declares it, once it is open.
    client.open(&dir.join("common.brief"), 1, COMMON);
    assert_eq!(client.diagnostics(&common, 1), Vec::<Value>::new());
    let mut params = at(&common, &money_declared);
    params["context"] = json!({ "includeDeclaration": true });
    let found = client.result("textDocument/references", params);
    assert_eq!(sorted(found.as_array().unwrap().clone()), expected);
    // An enum used once.
    let kind = name_range(SHOP, 3, "Kind", 0);
    let mut params = at(&shop, &kind);
    params["context"] = json!({ "includeDeclaration": false });
    let found = client.result("textDocument/references", params);
    assert_eq!(found, json!([location(&shop, kind.clone())]));

    // prepareRename: the name under the cursor and what it is called.
    let prepared = client.result("textDocument/prepareRename", at(&shop, &money_in_field));
    assert_eq!(
        prepared,
        json!({ "range": money_in_field, "placeholder": "Money" })
    );
    let response = client.request("textDocument/prepareRename", at(&shop, &import));
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rename the file instead"),
        "{response}"
    );
    let keyword = json!({ "textDocument": { "uri": shop }, "position": position(1, 2) });
    assert_eq!(
        client.result("textDocument/prepareRename", keyword),
        Value::Null
    );

    // Rename: one edit per use, in every file, the unsaved one included.
    let rename = |client: &mut Client, on: &Value, new_name: &str| {
        let mut params = at(&shop, on);
        params["newName"] = json!(new_name);
        client.request("textDocument/rename", params)
    };
    let response = rename(&mut client, &money_in_field, "Cash");
    let changes = &response["result"]["changes"];
    let edits = |uri: &str| -> Vec<Value> {
        let mut edits = changes[uri].as_array().unwrap().clone();
        edits.sort_by_key(|e| e["range"]["start"]["line"].as_u64());
        edits
    };
    let edit = |range: Value| json!({ "range": range, "newText": "Cash" });
    assert_eq!(changes.as_object().unwrap().len(), 3, "{response}");
    assert_eq!(edits(&common), [edit(money_declared.clone())]);
    assert_eq!(edits(&bill), [edit(name_range(BILL, 1, "Money", 0))]);
    assert_eq!(
        edits(&shop),
        [
            edit(name_range(SHOP, 2, "Money", 0)),
            edit(money_in_field.clone())
        ]
    );

    // Refused: a name that is not one, a reserved word, and names that collide by the
    // checker's rules (a declaration of the same name, one that differs only in case and
    // `_`), each with the checker's reason.
    let refused = |client: &mut Client, on: &Value, new_name: &str| -> String {
        let response = rename(client, on, new_name);
        assert_eq!(response["error"]["code"], -32803, "{new_name}: {response}");
        response["error"]["message"].as_str().unwrap().to_string()
    };
    let why = refused(&mut client, &money_in_field, "9lives");
    assert!(why.contains("`9lives` is not a name"), "{why}");
    let why = refused(&mut client, &money_in_field, "Cash Money");
    assert!(why.contains("is not a name"), "{why}");
    let why = refused(&mut client, &money_in_field, "int");
    assert!(why.starts_with("cannot rename `Money` to `int`: "), "{why}");
    assert!(why.contains("`int` is reserved"), "{why}");
    let why = refused(&mut client, &money_in_field, "Kind");
    assert!(why.contains("`Kind`"), "{why}");
    let why = refused(&mut client, &kind, "ORDER");
    assert!(why.contains("collides with"), "{why}");
    assert!(why.contains("shop.brief:"), "{why}");
    assert!(client.shutdown().success());
}
