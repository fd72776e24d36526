//! OpenAPI 3.1 documents from the checked model: one per service, so that the tools
//! people already use (Swagger UI, Redoc, client generators, validators) understand a
//! brief service. Like the code generators it reads only the [`Model`].
//!
//! The mapping is described in docs/openapi.md. In short: every rpc is
//! `POST /{service}/{rpc}` (and `GET` for `readonly` rpcs, with the Connect query
//! encoding); each message has a `request.X` schema (what servers accept) and a
//! `response.X` schema (what they write); every error status is listed with the Connect
//! error body, and typed errors with their `details` entry.

mod errors;
mod json;
mod paths;
mod schema;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{File, FileId, Model};

use json::Json;
use schema::{enum_schema, object_schema, Names, Reach, Side};

/// The OpenAPI version written.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// One OpenAPI document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The service's name, or for a file without a service, its file stem.
    pub name: String,
    /// `<name>.openapi.json`: where `brief openapi --out DIR` writes it.
    pub file_name: String,
    /// Pretty-printed JSON ending with a newline.
    pub text: String,
}

/// Why documents could not be written (the model itself is always valid by then).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenApiError {
    #[error("{first} and {second} would both be written to {file_name}")]
    SameFileName {
        file_name: String,
        first: String,
        second: String,
    },
}

/// The documents of a checked model's root files: one per service, and one per file
/// without a service that no other root file imports (a file of shared types or
/// events, described by its types alone). Ordered by file name.
pub fn documents(model: &Model) -> Result<Vec<Document>, OpenApiError> {
    let imported: BTreeSet<FileId> = model
        .root_files()
        .flat_map(|f| f.imports.iter().map(|i| i.file))
        .collect();
    let stems = crate::gen::file_stems(model);
    let mut by_name: BTreeMap<String, (String, Document)> = BTreeMap::new();
    for file in model.root_files() {
        let (name, json) = match &file.service {
            Some(service) => (service.name.clone(), service_document(model, file)),
            None if imported.contains(&file.id) => continue,
            None => (
                stems[&file.id].clone(),
                types_document(model, file, &stems[&file.id]),
            ),
        };
        let file_name = format!("{name}.openapi.json");
        let document = Document {
            name,
            file_name: file_name.clone(),
            text: json.to_pretty(),
        };
        let source = file.display_path();
        if let Some((first, _)) = by_name.get(&file_name) {
            return Err(OpenApiError::SameFileName {
                file_name,
                first: first.clone(),
                second: source,
            });
        }
        by_name.insert(file_name, (source, document));
    }
    Ok(by_name.into_values().map(|(_, d)| d).collect())
}

/// The document of a file's service: its rpcs, and the types they and the file's
/// events use.
fn service_document(model: &Model, file: &File) -> Json {
    let service = file.service.as_ref().expect("a service file");
    let mut reach = Reach::default();
    for rpc in &file.rpcs {
        reach.message(model, rpc.input, Side::Request);
        reach.message(model, rpc.output, Side::Response);
        for id in &rpc.modifiers.throws {
            reach.error(model, *id);
        }
    }
    let (names, schemas) = schemas(model, file, reach, Some(&service.name));

    let mut paths = Json::obj();
    for rpc in &file.rpcs {
        paths.set(
            &format!("/{}/{}", service.name, rpc.name),
            paths::path_item(model, &names, &service.name, rpc),
        );
    }
    let components = Json::obj()
        .with("schemas", schemas)
        .with("responses", Json::Obj(errors::response_components()))
        .with("parameters", Json::Obj(paths::parameter_components()))
        .with("headers", Json::Obj(errors::header_components()));
    let tag = Json::obj()
        .with("name", service.name.as_str())
        .with_some("description", service.doc.as_deref());
    header(&service.name, service.doc.as_deref(), file)
        .with("tags", vec![tag])
        .with("paths", paths)
        .with("components", components)
}

/// The document of a file without a service: every message (both sides), enum and
/// error it declares, and what they use.
fn types_document(model: &Model, file: &File, stem: &str) -> Json {
    let mut reach = Reach::default();
    for id in &file.messages {
        reach.message(model, *id, Side::Request);
        reach.message(model, *id, Side::Response);
    }
    for id in &file.enums {
        reach.enum_(*id);
    }
    for id in &file.errors {
        reach.error(model, *id);
    }
    let (_, schemas) = schemas(model, file, reach, None);
    let description = format!(
        "The types of `{}`, which declares no service.",
        file.display_path()
    );
    header(stem, Some(&description), file)
        .with("paths", Json::obj())
        .with("components", Json::obj().with("schemas", schemas))
}

/// The schemas of a document: of what it reaches plus the file's events, sorted by
/// name. Typed errors get their `details` entry and the Connect error body comes along
/// only for a service (a detail's `type` names it).
fn schemas(model: &Model, file: &File, mut reach: Reach, service: Option<&str>) -> (Names, Json) {
    for event in &file.schemas {
        reach.message(model, event.message, Side::Response);
    }
    let names = Names::new(model, &reach);
    let mut schemas = Vec::new();
    for (side, ids) in [
        (Side::Request, &reach.request),
        (Side::Response, &reach.response),
    ] {
        for id in ids {
            let m = model.message(*id);
            schemas.push((
                names.message(*id, side),
                object_schema(&names, &m.fields, m.doc.as_deref(), side),
            ));
        }
    }
    for id in &reach.enums {
        schemas.push((names.enum_(*id), enum_schema(model, *id)));
    }
    for id in &reach.errors {
        match service {
            Some(service) => {
                schemas.extend(errors::typed_error_schemas(model, &names, service, *id))
            }
            None => {
                let e = model.error(*id);
                let fields = object_schema(&names, &e.fields, e.doc.as_deref(), Side::Response);
                schemas.push((names.error_fields(*id), fields));
            }
        }
    }
    if service.is_some() {
        schemas.extend(errors::connect_schemas(&names));
    }
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    (names, Json::Obj(schemas))
}

/// `openapi` and `info`. The contract has no version of its own: `info.version` is
/// `0.0.0` for a pipeline to replace.
fn header(title: &str, description: Option<&str>, file: &File) -> Json {
    let info = Json::obj()
        .with("title", title)
        .with("version", "0.0.0")
        .with_some("description", description);
    Json::obj()
        .with("openapi", OPENAPI_VERSION)
        .with("info", info)
        .with("x-brief-source", file.display_path())
        .with("x-brief-generator", format!("brief {}", crate::VERSION))
}
