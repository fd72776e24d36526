//! `brief openapi`: the documents' shape for every valid corpus contract, two pinned
//! documents, and the command line. The documents are also validated by
//! openapi-spec-validator and replayed against running servers with openapi-core
//! (tests/openapi, run by tests/steps/50-openapi.sh).
//!
//! `BLESS=1 cargo test -p brief --test openapi` rewrites the pinned documents.

use std::path::{Path, PathBuf};
use std::process::Command;

use brief::check::{self, RootedSources};
use brief::openapi::{self, Document};
use brief::{MemorySources, Model};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The model of contracts named relative to the repository, as `brief openapi` run
/// from there names them.
fn model_of(paths: &[&str]) -> Model {
    let sources = RootedSources::new(repo());
    let roots: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    // Helper files of the corpus import their parent folder's files: the repository is
    // the import root, as with `brief openapi --root .` run from there.
    let options = check::CheckOptions {
        roots: vec![PathBuf::from(".")],
        ..check::CheckOptions::default()
    };
    let checked = check::check_with_options(&sources, &roots, &options).unwrap();
    assert!(!checked.diagnostics.has_errors(), "{paths:?} has errors");
    checked.model
}

fn documents(model: &Model) -> Vec<Document> {
    openapi::documents(model).unwrap()
}

fn parse(document: &Document) -> Value {
    serde_json::from_str(&document.text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", document.file_name))
}

fn valid_corpus() -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{rel}/{name}");
            if entry.path().is_dir() {
                walk(&entry.path(), &rel, out);
            } else if name.ends_with(".brief") {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &repo().join("tests/corpus/valid"),
        "tests/corpus/valid",
        &mut out,
    );
    out.sort();
    out
}

/// Every `$ref` in `value`, with where it stands.
fn refs<'v>(value: &'v Value, at: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push((at.clone(), v.as_str().unwrap()));
                } else {
                    refs(v, format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refs(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// What every document must be, whatever the contract.
fn assert_well_formed(model: &Model, doc: &Value, origin: &str) {
    assert_eq!(doc["openapi"], "3.1.0", "{origin}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let mut all = Vec::new();
    refs(doc, String::new(), &mut all);
    for (at, target) in all {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{origin}{at}: {target}"));
        assert!(
            doc.pointer(pointer).is_some(),
            "{origin}{at}: {target} does not resolve"
        );
    }
    for kind in ["schemas", "responses", "parameters", "headers"] {
        for name in doc["components"][kind]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
        {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                "{origin}: component name {name}"
            );
        }
    }
    let file = model.root_files().next().unwrap();
    let Some(service) = &file.service else {
        assert_eq!(doc["paths"], serde_json::json!({}), "{origin}");
        for id in &file.messages {
            let name = &model.message(*id).name;
            for side in ["request", "response"] {
                let schema = &doc["components"]["schemas"][format!("{side}.{name}")];
                assert_eq!(schema["type"], "object", "{origin}: {side}.{name}");
            }
        }
        return;
    };
    assert_eq!(doc["info"]["title"], service.name.as_str());
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), file.rpcs.len(), "{origin}");
    for rpc in &file.rpcs {
        let item = &paths[&format!("/{}/{}", service.name, rpc.name)];
        let post = &item["post"];
        assert_eq!(post["operationId"], rpc.name.as_str());
        assert_eq!(
            post["deprecated"].as_bool().unwrap_or(false),
            rpc.modifiers.deprecated
        );
        assert_eq!(
            post["x-brief-timeout-ms"],
            rpc.modifiers.deadline().as_millis() as u64
        );
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            format!(
                "#/components/schemas/request.{}",
                model.message(rpc.input).name
            )
        );
        let responses = post["responses"].as_object().unwrap();
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(
            statuses,
            [
                "200", "400", "401", "403", "404", "409", "415", "429", "499", "500", "501", "503",
                "504"
            ],
            "{origin}"
        );
        assert_eq!(
            item.get("get").is_some(),
            rpc.modifiers.readonly,
            "{origin}: {}",
            rpc.name
        );
        if rpc.modifiers.readonly {
            assert_eq!(item["get"]["responses"], post["responses"]);
        }
        for id in &rpc.modifiers.throws {
            let e = model.error(*id);
            let detail = &doc["components"]["schemas"][format!("detail.{}", e.name)];
            assert_eq!(
                detail["properties"]["type"]["const"],
                format!("{}.{}", service.name, e.name),
                "{origin}"
            );
            let status = e.code.http_status().to_string();
            let body = &responses[&status]["content"]["application/json"]["schema"];
            let variants = body["allOf"][1]["properties"]["details"]["items"]["anyOf"].to_string();
            assert!(
                variants.contains(&format!("detail.{}\"", e.name)),
                "{origin}: {status}"
            );
        }
    }
}

#[test]
fn every_valid_corpus_contract_gives_one_well_formed_deterministic_document() {
    let corpus = valid_corpus();
    assert!(corpus.len() > 40, "{} contracts", corpus.len());
    for rel in &corpus {
        let model = model_of(&[rel]);
        let docs = documents(&model);
        assert_eq!(docs.len(), 1, "{rel}");
        assert_eq!(
            docs,
            documents(&model_of(&[rel])),
            "{rel}: output differs between runs"
        );
        assert_well_formed(&model, &parse(&docs[0]), rel);
    }
}

#[test]
fn summer_and_probe_documents_are_pinned() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    for (contract, pinned) in [
        (
            "examples/summer/rpc/summer.brief",
            "tests/openapi/summer.openapi.json",
        ),
        (
            "tests/rust/contracts/probe.brief",
            "tests/openapi/probe.openapi.json",
        ),
    ] {
        let docs = documents(&model_of(&[contract]));
        let path = repo().join(pinned);
        if bless {
            std::fs::write(&path, &docs[0].text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == docs[0].text,
            "{pinned} differs from the document of {contract} (BLESS=1 rewrites it)"
        );
    }
}

fn probe() -> Value {
    parse(&documents(&model_of(&["tests/rust/contracts/probe.brief"]))[0])
}

#[test]
fn requests_say_what_servers_accept_and_responses_what_they_write() {
    let doc = probe();
    let schemas = &doc["components"]["schemas"];
    let request = &schemas["request.Everything"];
    let response = &schemas["response.Everything"];
    // Lists, maps and optional fields may be absent or null in a request; a response
    // always has the lists and maps and leaves absent optional fields out.
    assert_eq!(
        request["required"],
        serde_json::json!(["flag", "count", "ratio", "name", "blob", "at", "color", "item"])
    );
    assert_eq!(
        response["required"],
        serde_json::json!([
            "flag", "count", "ratio", "name", "blob", "at", "color", "tags", "scores", "matrix",
            "nested", "item"
        ])
    );
    let req = &request["properties"];
    let res = &response["properties"];
    assert_eq!(req["tags"]["type"], serde_json::json!(["array", "null"]));
    assert_eq!(res["tags"]["type"], "array");
    assert_eq!(
        req["maybe"]["type"],
        serde_json::json!(["integer", "string", "null"])
    );
    assert_eq!(res["maybe"]["type"], "integer");
    assert_eq!(res["count"]["format"], "int64");
    assert_eq!(req["count"]["maximum"], i64::MAX);
    assert_eq!(req["blob"]["contentEncoding"], "base64");
    assert_eq!(res["at"]["format"], "date-time");
    assert_eq!(
        res["ratio"]["type"],
        serde_json::json!(["number", "string"])
    );
    assert_eq!(res["ratio"]["pattern"], "^(?:NaN|-?Infinity)$");
    // Recursion through `$ref`, on the same side.
    assert_eq!(
        req["next"]["anyOf"][0]["$ref"],
        "#/components/schemas/request.Everything"
    );
    assert_eq!(
        res["next"]["$ref"],
        "#/components/schemas/response.Everything"
    );
    assert_eq!(
        res["nested"]["additionalProperties"]["items"]["$ref"],
        "#/components/schemas/response.Item"
    );
    // Enums are closed and documented value by value.
    assert_eq!(
        schemas["Color"]["enum"],
        serde_json::json!(["red", "green", "blueish"])
    );
    assert!(schemas["Color"]["description"]
        .as_str()
        .unwrap()
        .contains("- `blueish`: Not quite blue"));
    // Field docs are descriptions.
    assert_eq!(
        schemas["request.HopIn"]["properties"]["next"]["description"],
        "Base URLs of the hops after this one"
    );
}

#[test]
fn readonly_rpcs_also_get_with_the_connect_query_encoding() {
    let doc = probe();
    let get = &doc["paths"]["/probe/echo"]["get"];
    let params = get["parameters"].as_array().unwrap();
    let query: Vec<&Value> = params.iter().filter(|p| p["in"] == "query").collect();
    let names: Vec<&str> = query.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["connect", "encoding", "message"]);
    assert_eq!(query[2]["required"], true);
    assert_eq!(
        query[2]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/request.Everything"
    );
    assert_eq!(get["operationId"], "echo.get");
    assert!(doc["paths"]["/probe/find"].get("get").is_none());
    // Headers are parameters of both.
    let headers: Vec<&str> = doc["paths"]["/probe/find"]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["$ref"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    for header in [
        "Connect-Protocol-Version",
        "Connect-Timeout-Ms",
        "X-Request-Id",
        "traceparent",
    ] {
        assert!(headers.contains(&header), "{header}");
    }
}

#[test]
fn typed_errors_have_their_detail_and_status() {
    let doc = probe();
    let schemas = &doc["components"]["schemas"];
    let detail = &schemas["detail.NotFound"];
    assert_eq!(detail["properties"]["type"]["const"], "probe.NotFound");
    assert_eq!(
        detail["properties"]["debug"]["$ref"],
        "#/components/schemas/error.NotFound"
    );
    assert_eq!(
        detail["properties"]["value"]["contentSchema"]["$ref"],
        "#/components/schemas/error.NotFound"
    );
    assert_eq!(
        schemas["error.NotFound"]["required"],
        serde_json::json!(["id"])
    );
    let find = &doc["paths"]["/probe/find"]["post"]["responses"];
    let not_found = &find["404"]["content"]["application/json"]["schema"]["allOf"][1]["properties"];
    assert_eq!(not_found["code"]["enum"], serde_json::json!(["not_found"]));
    assert!(find["404"]["description"]
        .as_str()
        .unwrap()
        .contains("No such item"));
    // A status without typed errors is the shared response.
    assert_eq!(find["400"]["$ref"], "#/components/responses/error.400");
    let codes = &doc["components"]["responses"]["error.400"]["content"]["application/json"]
        ["schema"]["allOf"][1]["properties"]["code"]["enum"];
    assert_eq!(
        *codes,
        serde_json::json!(["invalid_argument", "failed_precondition", "out_of_range"])
    );
    assert_eq!(
        schemas["connect.Code"]["enum"].as_array().unwrap().len(),
        16
    );
}

#[test]
fn same_names_from_two_files_get_qualified_component_names() {
    // svc's `Money` comes from a/money.brief; b/c/money.brief has another, reached
    // through a/'s `Legacy`.
    let sources = MemorySources::new([
        (
            "svc.brief",
            "import \"a/money.brief\"\nservice \"svc\"\nrpc pay (Pay) Money\nmessage Pay { amount Money }",
        ),
        (
            "a/money.brief",
            "import \"../b/legacy.brief\"\nmessage Money { cents int  old Legacy? }",
        ),
        ("b/legacy.brief", "import \"c/money.brief\"\nmessage Legacy { value Money }"),
        ("b/c/money.brief", "message Money { units int }"),
    ]);
    let checked = brief::check_with(&sources, &["svc.brief".into()]).unwrap();
    assert!(
        !checked.diagnostics.has_errors(),
        "{:?}",
        checked.diagnostics
    );
    let doc = parse(&documents(&checked.model)[0]);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let money: Vec<&str> = schemas
        .keys()
        .filter(|k| k.contains("Money"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        money,
        [
            "request.a_money.Money",
            "request.b_c_money.Money",
            "response.a_money.Money",
            "response.b_c_money.Money"
        ]
    );
}

// The command line.

fn brief() -> Command {
    Command::new(env!("CARGO_BIN_EXE_brief"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("openapi-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn cli_writes_one_document_to_stdout_or_a_file_and_several_to_a_folder() {
    let summer = "examples/summer/rpc/summer.brief";
    let probe = "tests/rust/contracts/probe.brief";
    let o = brief()
        .args(["openapi", summer])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let pinned = documents(&model_of(&[summer])).remove(0).text;
    assert_eq!(String::from_utf8(o.stdout).unwrap(), pinned);

    let dir = scratch("out");
    let file = dir.join("api.json");
    let o = brief()
        .args(["openapi", summer, "--out"])
        .arg(&file)
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), pinned);

    let o = brief()
        .args(["openapi", summer, probe])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(
        stderr.contains("2 documents (probe.openapi.json, summer.openapi.json): give --out DIR"),
        "{stderr}"
    );

    let folder = dir.join("docs");
    let o = brief()
        .args(["openapi", summer, probe, "--out"])
        .arg(&folder)
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let mut written: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["probe.openapi.json", "summer.openapi.json"]);
    assert_eq!(
        std::fs::read_to_string(folder.join("summer.openapi.json")).unwrap(),
        pinned
    );
}

#[test]
fn cli_prints_the_diagnostics_of_a_broken_contract_and_exits_1() {
    let dir = scratch("broken");
    std::fs::write(
        dir.join("x.brief"),
        "service \"x\"\nrpc a (In) Out\nmessage In {}\n",
    )
    .unwrap();
    let o = brief()
        .args(["openapi", "x.brief"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .contains("brief::unknown_type"));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_types_file_imported_by_a_service_gets_no_document_of_its_own() {
    let model = model_of(&[
        "tests/corpus/valid/imports_basic.brief",
        "tests/corpus/valid/shared/common.brief",
    ]);
    let names: Vec<String> = documents(&model).into_iter().map(|d| d.file_name).collect();
    assert_eq!(names.len(), 1, "{names:?}");
}
