//! Go: one package per contract file on top of the `runtime/go` package.
//!
//! Each contract becomes `<package>/<stem>.brief.go`: its messages as structs with
//! `DecodeBrief`/`EncodeBrief` and JSON methods (the runtime's codecs enforce required
//! fields and closed enums), enums as string types with constants, typed errors as
//! structs implementing `brief.TypedError`, and, for a contract with a service, a variable
//! per rpc, a `<Service>Server` interface with `New<Service>Handler`, and a
//! `<Service>Client`.
//!
//! The package is named after the service (`image-storage` → `imagestorage`), else after
//! the file. A contract that uses another's types imports that package as
//! `<go_import_path>/<package>`, so [`Options::go_import_path`] is needed then.
//!
//! Typed errors travel with the detail type of [`Model::error_wire_name`]: the service
//! whose rpc throws the error names it, wherever it is declared. An error type's
//! `BriefType()` returns the name it has on its own; a handler for a service that throws
//! an error declared in another contract re-labels it on the way out, and the rpc's
//! `Throws` map decodes it under the throwing service's name.
//!
//! [`plan`] names everything first (see [`crate::gen::names`] for the rule); [`types`],
//! [`service`] and [`imports`] build the [`view`] the template renders.

mod imports;
pub mod names;
mod plan;
mod service;
mod types;
mod view;

use std::collections::BTreeMap;

use askama::Template;

use super::{comment_lines, contract_files, header, Files, GenError, Options};
use crate::gen::names::Namespace;
use crate::model::*;
use plan::Plan;
use view::PackageView;

/// The import path of the Go runtime package.
pub const DEFAULT_RUNTIME_IMPORT: &str = "github.com/brief-rpc/brief/runtime/go";

/// The runtime API level generated code needs: generated files reference
/// `brief.RequireAPILevel<N>`, which a runtime older than that does not declare.
pub const RUNTIME_API_LEVEL: u32 = 1;

/// The level that events (`schema`) need: `brief.Publisher`, `brief.Event`,
/// `brief.NewConsumer`. Files without events still build with an older runtime.
pub const EVENTS_API_LEVEL: u32 = 2;

/// Generates one package per contract: `<package>/<stem>.brief.go`.
pub fn generate(model: &Model, options: &Options) -> Result<Files, GenError> {
    let plan = Plan::build(model, options)?;
    let mut files = Files::new();
    for file in contract_files(model) {
        let fp = &plan.files[&file.id];
        let view = Builder::new(model, &plan, file, options).build()?;
        let text = view.render().expect("templates render plain data");
        files.insert(
            format!("{}/{}.brief.go", fp.package, fp.stem).into(),
            text + "\n",
        );
    }
    Ok(files)
}

/// Builds the view of one file, collecting the imports its types need.
struct Builder<'a> {
    model: &'a Model,
    plan: &'a Plan,
    file: &'a File,
    options: &'a Options,
    /// The package-level names still free.
    namespace: Namespace,
    /// Other contracts' packages in use: file → alias.
    foreign: BTreeMap<FileId, String>,
    /// The names those packages are imported under.
    aliases: Namespace,
    /// Codec variables for other packages' enums.
    foreign_codecs: BTreeMap<EnumId, String>,
    uses_time: bool,
}

impl<'a> Builder<'a> {
    fn new(model: &'a Model, plan: &'a Plan, file: &'a File, options: &'a Options) -> Builder<'a> {
        Builder {
            model,
            plan,
            file,
            options,
            namespace: plan.files[&file.id].namespace.clone(),
            foreign: BTreeMap::new(),
            aliases: names::import_aliases(),
            foreign_codecs: BTreeMap::new(),
            uses_time: false,
        }
    }

    fn build(mut self) -> Result<PackageView, GenError> {
        let file = self.file;
        let topics = self.topics();
        let enums = self.enums();
        let messages = self.messages();
        let errors = self.errors();
        let service = file.service.as_ref().map(|s| self.service(s));
        let (std_imports, imports) = self.imports(service.as_ref(), &topics)?;
        let foreign_codecs = self.foreign_codecs();
        Ok(PackageView {
            header: header("//", file),
            package: self.plan.files[&file.id].package.clone(),
            package_docs: self.package_docs(),
            std_imports,
            imports,
            runtime: self.options.go_runtime.clone(),
            api_level: if file.schemas.is_empty() {
                RUNTIME_API_LEVEL
            } else {
                EVENTS_API_LEVEL
            },
            topics,
            enums,
            foreign_codecs,
            messages,
            errors,
            service,
        })
    }

    fn package_docs(&self) -> Vec<String> {
        let file = self.file;
        let package = &self.plan.files[&file.id].package;
        let mut docs = Vec::new();
        match &file.service {
            Some(s) => {
                docs.push(format!(
                    " Package {package} holds the types, client and server of the {} service, from {}.",
                    names::string_literal(&s.name),
                    file.display_path()
                ));
                let d = comment_lines(&s.doc);
                if !d.is_empty() {
                    docs.push(String::new());
                    docs.extend(d);
                }
            }
            None => docs.push(format!(
                " Package {package} holds the types of {}.",
                file.display_path()
            )),
        }
        docs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::gen::checked_model as model;

    const COMMON: &str = "message Money { amount int }\nerror Gone(not_found) {}\n";
    const SHOP: &str = "import \"common.brief\"\nservice \"image-shop\"\n\
        rpc buy (Money) Money throws(Gone)\n";

    #[test]
    fn packages_are_named_after_services_or_files() {
        let m = model(
            &[("common.brief", COMMON), ("shop.brief", SHOP)],
            &["shop.brief"],
        );
        let options = Options {
            go_import_path: Some("example.com/rpc/".into()),
            ..Options::default()
        };
        let files = generate(&m, &options).unwrap();
        let paths: Vec<String> = files.keys().map(|p| p.display().to_string()).collect();
        assert_eq!(paths, ["common/common.brief.go", "imageshop/shop.brief.go"]);
        let shop = &files[std::path::Path::new("imageshop/shop.brief.go")];
        assert!(shop.contains("\"example.com/rpc/common\""), "{shop}");
        assert!(shop
            .contains("\"image-shop.Gone\": func() brief.TypedError { return new(common.Gone) }"));
        assert!(shop.contains("return out, briefRethrow(err)"));
        assert!(shop.contains("var _ = brief.RequireAPILevel1"));
        assert!(shop.starts_with("// Code generated by brief v"));
        let common = &files[std::path::Path::new("common/common.brief.go")];
        assert!(common.contains("return \"common.Gone\""), "{common}");
    }

    #[test]
    fn imports_need_an_import_path() {
        let m = model(
            &[("common.brief", COMMON), ("shop.brief", SHOP)],
            &["shop.brief"],
        );
        let err = generate(&m, &Options::default()).unwrap_err();
        let GenError::Config(msg) = err;
        assert!(
            msg.contains("--go-import-path") && msg.contains("shop.brief"),
            "{msg}"
        );
        // A file that imports another but uses none of its types needs no import.
        let m = model(
            &[
                ("common.brief", COMMON),
                (
                    "lone.brief",
                    "import \"common.brief\"\nmessage A { b int }\n",
                ),
            ],
            &["lone.brief"],
        );
        assert!(generate(&m, &Options::default()).is_ok());
    }

    #[test]
    fn go_package_overrides_the_single_root() {
        let m = model(
            &[("common.brief", COMMON), ("shop.brief", SHOP)],
            &["shop.brief"],
        );
        let options = Options {
            go_package: Some("shop".into()),
            go_import_path: Some("example.com/rpc".into()),
            ..Options::default()
        };
        let files = generate(&m, &options).unwrap();
        assert!(files.contains_key(std::path::Path::new("shop/shop.brief.go")));
        let bad = Options {
            go_package: Some("Not-Go".into()),
            ..options.clone()
        };
        assert!(generate(&m, &bad).is_err());
        let two = model(
            &[
                ("a.brief", "service \"a\"\n"),
                ("b.brief", "service \"b\"\n"),
            ],
            &["a.brief", "b.brief"],
        );
        assert!(generate(&two, &options).is_err());
    }
}
