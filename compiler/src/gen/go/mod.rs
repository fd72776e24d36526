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
//! Typed errors travel with the detail type `<service>.<ErrorName>`, where `<service>` is
//! the service whose rpc throws the error (so every language agrees on the wire without
//! knowing where the error was declared). An error type's `BriefType()` returns the name
//! under its own file's service (or package, for a file without a service); a handler
//! for a service that throws an error declared in another contract re-labels it on the way
//! out, and the rpc's `Throws` map decodes it under the throwing service's name.

pub mod names;

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;

use super::{
    comment_lines, contract_files, endpoint_env_var, file_stems, header, Files, GenError, Options,
};
use crate::model::*;
use names::Namespace;

/// The import path of the Go runtime package.
pub const DEFAULT_RUNTIME_IMPORT: &str = "github.com/brief-rpc/brief/runtime/go";

/// The runtime API level generated code needs: generated files reference
/// `brief.RequireAPILevel<N>`, which a runtime older than that does not declare.
pub const RUNTIME_API_LEVEL: u32 = 1;

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

/// Every Go name of every file, decided before any file is generated, so a file refers to
/// another's types by the names that file declares.
struct Plan {
    files: BTreeMap<FileId, FilePlan>,
    messages: BTreeMap<MessageId, String>,
    enums: BTreeMap<EnumId, String>,
    errors: BTreeMap<ErrorId, String>,
    /// The constant of each enum value, by enum and value index.
    values: BTreeMap<(EnumId, usize), String>,
    /// The codec variable of each enum, in its own package.
    codecs: BTreeMap<EnumId, String>,
}

struct FilePlan {
    package: String,
    stem: String,
    /// The package-level names still free after the declared types and constants.
    namespace: Namespace,
}

impl Plan {
    fn build(model: &Model, options: &Options) -> Result<Plan, GenError> {
        let stems = file_stems(model);
        let files = contract_files(model);
        let single = options
            .go_package
            .as_ref()
            .map(|p| package_target(&files).map(|id| (id, p.clone())))
            .transpose()?;
        let mut packages = Namespace::new();
        let mut plan = Plan {
            files: BTreeMap::new(),
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
            errors: BTreeMap::new(),
            values: BTreeMap::new(),
            codecs: BTreeMap::new(),
        };
        // The overriding package name goes first, so it is never the one renamed.
        if let Some((_, p)) = &single {
            if !is_go_identifier(p) {
                return Err(GenError::Config(format!(
                    "--go-package {p:?} is not a Go package name (lowercase letters and digits)"
                )));
            }
            packages.claim(p);
        }
        for file in &files {
            let stem = stems[&file.id].clone();
            let package = match &single {
                Some((id, p)) if *id == file.id => p.clone(),
                _ => {
                    let base = file
                        .service
                        .as_ref()
                        .map_or(stem.as_str(), |s| s.name.as_str());
                    packages.claim(&names::package_name(base))
                }
            };
            let mut ns = Namespace::new();
            for id in &file.messages {
                plan.messages
                    .insert(*id, ns.claim(&names::type_name(&model.message(*id).name)));
            }
            for id in &file.enums {
                plan.enums
                    .insert(*id, ns.claim(&names::type_name(&model.enum_(*id).name)));
            }
            for id in &file.errors {
                plan.errors
                    .insert(*id, ns.claim(&names::type_name(&model.error(*id).name)));
            }
            for id in &file.enums {
                let e = model.enum_(*id);
                let ty = plan.enums[id].clone();
                for (i, v) in e.values.iter().enumerate() {
                    plan.values.insert(
                        (*id, i),
                        ns.claim(&format!("{ty}{}", names::exported(&v.name))),
                    );
                }
                plan.codecs
                    .insert(*id, ns.claim(&format!("{}Codec", names::unexported(&ty))));
            }
            plan.files.insert(
                file.id,
                FilePlan {
                    package,
                    stem: stem.replace(
                        |c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-',
                        "_",
                    ),
                    namespace: ns,
                },
            );
        }
        Ok(plan)
    }
}

/// The file `--go-package` names: the only root file, or the only root with a service.
fn package_target(files: &[&File]) -> Result<FileId, GenError> {
    let roots: Vec<&&File> = files.iter().filter(|f| f.is_root).collect();
    if roots.len() == 1 {
        return Ok(roots[0].id);
    }
    let services: Vec<&&File> = roots
        .iter()
        .copied()
        .filter(|f| f.service.is_some())
        .collect();
    if services.len() == 1 {
        return Ok(services[0].id);
    }
    Err(GenError::Config(format!(
        "--go-package (or `package` in brief.toml) names one package, but {} contracts were given{}: \
         leave it out to name each package after its service or file, or generate one contract at a time",
        roots.len(),
        if services.len() > 1 { " with services" } else { "" }
    )))
}

fn is_go_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[derive(Template)]
#[template(path = "go/package.go.txt", escape = "none")]
struct PackageView {
    header: String,
    package: String,
    package_docs: Vec<String>,
    std_imports: Vec<String>,
    imports: Vec<String>,
    runtime: String,
    api_level: u32,
    topics: Vec<TopicView>,
    enums: Vec<EnumView>,
    /// Codecs of enums declared in other packages: (variable, expression).
    foreign_codecs: Vec<(String, String)>,
    messages: Vec<StructView>,
    errors: Vec<ErrorView>,
    service: Option<ServiceView>,
}

struct TopicView {
    name: String,
    topic: String,
    docs: Vec<String>,
}

struct EnumView {
    name: String,
    docs: Vec<String>,
    codec: String,
    values: Vec<ValueView>,
}

struct ValueView {
    name: String,
    wire: String,
    docs: Vec<String>,
}

struct StructView {
    name: String,
    docs: Vec<String>,
    fields: Vec<FieldView>,
}

struct FieldView {
    name: String,
    ty: String,
    tag: String,
    docs: Vec<String>,
    decode: String,
    encode: String,
}

struct ErrorView {
    data: StructView,
    code: String,
    wire_code: String,
    type_name: String,
    message: String,
}

struct ServiceView {
    name: String,
    server: Option<String>,
    handler: String,
    procedures: String,
    client: Option<String>,
    new_client: String,
    /// `SERVICE_<NAME>_URL`, where clients find the service.
    env_var: String,
    docs: Vec<String>,
    rpcs: Vec<RpcView>,
    /// The helper that re-labels foreign typed errors, when some rpc throws one.
    rethrow: Option<RethrowView>,
}

struct RethrowView {
    func: String,
    retype: String,
    /// (qualified Go type, wire type)
    errors: Vec<(String, String)>,
}

struct RpcView {
    name: String,
    var: String,
    method: String,
    input: String,
    output: String,
    idempotent: bool,
    readonly: bool,
    timeout: Option<String>,
    /// (wire type, qualified Go type)
    throws: Vec<(String, String)>,
    docs: Vec<String>,
    rethrow: bool,
}

/// Doc lines plus a `Deprecated:` paragraph when `deprecated` is set.
fn docs_deprecated(doc: &Option<String>, deprecated: bool, what: &str) -> Vec<String> {
    let mut lines = comment_lines(doc);
    if deprecated {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!(
            " Deprecated: the contract marks this {what} deprecated."
        ));
    }
    lines
}

/// The wire name of a typed error as its own type reports it.
fn declared_type(model: &Model, plan: &Plan, e: &ErrorType) -> String {
    let file = model.file(e.file);
    let prefix = match &file.service {
        Some(s) => s.name.clone(),
        None => plan.files[&e.file].package.clone(),
    };
    format!("{prefix}.{}", e.name)
}

/// Builds the view of one file, collecting the imports its types need.
struct Builder<'a> {
    model: &'a Model,
    plan: &'a Plan,
    file: &'a File,
    options: &'a Options,
    namespace: Namespace,
    /// Other contracts' packages in use: file → alias.
    foreign: BTreeMap<FileId, String>,
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
            foreign_codecs: BTreeMap::new(),
            uses_time: false,
        }
    }

    /// The Go name of a declared type as seen from this package.
    fn qualify(&mut self, file: FileId, name: &str) -> String {
        if file == self.file.id {
            return name.to_string();
        }
        let alias = self
            .foreign
            .entry(file)
            .or_insert_with(|| names::import_alias(&self.plan.files[&file].package))
            .clone();
        format!("{alias}.{name}")
    }

    fn message(&mut self, id: MessageId) -> String {
        let file = self.model.message(id).file;
        self.qualify(file, &self.plan.messages[&id])
    }

    fn error(&mut self, id: ErrorId) -> String {
        let file = self.model.error(id).file;
        self.qualify(file, &self.plan.errors[&id])
    }

    fn go_type(&mut self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Int => "int64".into(),
            Type::Float => "float64".into(),
            Type::String => "string".into(),
            Type::Bytes => "[]byte".into(),
            Type::Time => {
                self.uses_time = true;
                "time.Time".into()
            }
            Type::List(t) => format!("[]{}", self.go_type(t)),
            Type::Map(t) => format!("map[string]{}", self.go_type(t)),
            Type::Message(id) => self.message(*id),
            Type::Enum(id) => {
                let file = self.model.enum_(*id).file;
                self.qualify(file, &self.plan.enums[id])
            }
        }
    }

    fn codec(&mut self, ty: &Type) -> String {
        match ty {
            Type::Bool => "brief.Bool".into(),
            Type::Int => "brief.Int".into(),
            Type::Float => "brief.Float".into(),
            Type::String => "brief.String".into(),
            Type::Bytes => "brief.Bytes".into(),
            Type::Time => "brief.Time".into(),
            Type::List(t) => format!("brief.List({})", self.codec(t)),
            Type::Map(t) => format!("brief.Map({})", self.codec(t)),
            Type::Message(id) => format!("brief.Message[{}]()", self.message(*id)),
            Type::Enum(id) => {
                let e = self.model.enum_(*id);
                if e.file == self.file.id {
                    return self.plan.codecs[id].clone();
                }
                if let Some(var) = self.foreign_codecs.get(id) {
                    return var.clone();
                }
                let ty = self.qualify(e.file, &self.plan.enums[id]);
                let var = self.namespace.claim(&format!(
                    "{}Codec",
                    names::unexported(&ty.replace('.', "_"))
                ));
                self.foreign_codecs.insert(*id, var.clone());
                var
            }
        }
    }

    fn field(&mut self, fields: &mut Namespace, f: &Field) -> FieldView {
        let name = fields.claim(&names::exported(&f.name));
        let collection = matches!(f.ty, Type::List(_) | Type::Map(_));
        let mut ty = self.go_type(&f.ty);
        let codec = self.codec(&f.ty);
        let key = names::string_literal(&f.name);
        let (decode, encode) = if collection {
            let encode = match (&f.ty, f.optional) {
                (Type::List(elem), true) => {
                    format!(
                        "brief.PutOptionalList(e, {key}, m.{name}, {})",
                        self.codec(elem)
                    )
                }
                (Type::Map(elem), true) => {
                    format!(
                        "brief.PutOptionalMap(e, {key}, m.{name}, {})",
                        self.codec(elem)
                    )
                }
                _ => format!("brief.Put(e, {key}, m.{name}, {codec})"),
            };
            (
                format!("brief.Collection(d, {key}, &m.{name}, {codec})"),
                encode,
            )
        } else if f.optional {
            ty = format!("*{ty}");
            (
                format!("brief.Optional(d, {key}, &m.{name}, {codec})"),
                format!("brief.PutOptional(e, {key}, m.{name}, {codec})"),
            )
        } else {
            (
                format!("brief.Required(d, {key}, &m.{name}, {codec})"),
                format!("brief.Put(e, {key}, m.{name}, {codec})"),
            )
        };
        let tag = if f.optional {
            format!("`json:\"{},omitempty\"`", f.name)
        } else {
            format!("`json:\"{}\"`", f.name)
        };
        FieldView {
            name,
            ty,
            tag,
            docs: docs_deprecated(&f.doc, f.deprecated, "field"),
            decode,
            encode,
        }
    }

    fn data(
        &mut self,
        name: &str,
        doc: &Option<String>,
        fields: &[Field],
        reserved: &[&str],
    ) -> StructView {
        let mut ns = Namespace::with_reserved(reserved);
        StructView {
            name: name.to_string(),
            docs: comment_lines(doc),
            fields: fields.iter().map(|f| self.field(&mut ns, f)).collect(),
        }
    }

    fn build(mut self) -> Result<PackageView, GenError> {
        let model = self.model;
        let file = self.file;
        let fp = &self.plan.files[&file.id];

        let topics = file
            .schemas
            .iter()
            .map(|s| {
                let words = s.topic.replace(['.', '-'], "_");
                TopicView {
                    name: self
                        .namespace
                        .claim(&format!("Topic{}", names::exported(&words))),
                    topic: names::string_literal(&s.topic),
                    docs: comment_lines(&s.doc),
                }
            })
            .collect();

        let enums = file
            .enums
            .iter()
            .map(|id| {
                let e = model.enum_(*id);
                EnumView {
                    name: self.plan.enums[id].clone(),
                    docs: comment_lines(&e.doc),
                    codec: self.plan.codecs[id].clone(),
                    values: e
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| ValueView {
                            name: self.plan.values[&(*id, i)].clone(),
                            wire: names::string_literal(&v.name),
                            docs: comment_lines(&v.doc),
                        })
                        .collect(),
                }
            })
            .collect();

        let messages = file
            .messages
            .iter()
            .map(|id| {
                let m = model.message(*id);
                let name = self.plan.messages[id].clone();
                self.data(&name, &m.doc, &m.fields, names::MESSAGE_METHODS)
            })
            .collect();

        let error_reserved: Vec<&str> = names::MESSAGE_METHODS
            .iter()
            .chain(names::ERROR_METHODS)
            .copied()
            .collect();
        let errors = file
            .errors
            .iter()
            .map(|id| {
                let e = model.error(*id);
                let name = self.plan.errors[id].clone();
                ErrorView {
                    data: self.data(&name, &e.doc, &e.fields, &error_reserved),
                    code: format!("brief.Code{}", names::exported(e.code.as_str())),
                    wire_code: e.code.as_str().to_string(),
                    type_name: names::string_literal(&declared_type(model, self.plan, e)),
                    message: names::string_literal(e.doc.as_deref().unwrap_or(&e.name)),
                }
            })
            .collect();

        let service = file.service.as_ref().map(|s| self.service(s));

        // Imports: what the generated code refers to.
        let mut std_imports = BTreeSet::new();
        if let Some(s) = &service {
            if !s.rpcs.is_empty() && (s.client.is_some() || s.server.is_some()) {
                std_imports.insert("\"context\"".to_string());
            }
            if s.server.is_some() {
                std_imports.insert("\"net/http\"".to_string());
                if s.rethrow.is_some() {
                    std_imports.insert("\"errors\"".to_string());
                }
            }
            if s.rpcs.iter().any(|r| r.timeout.is_some()) {
                self.uses_time = true;
            }
        }
        if self.uses_time {
            std_imports.insert("\"time\"".to_string());
        }
        let mut imports = vec![format!(
            "brief {}",
            names::string_literal(&self.options.go_runtime)
        )];
        if !self.foreign.is_empty() {
            let Some(base) = self.options.go_import_path.as_deref() else {
                let other = model.file(*self.foreign.keys().next().expect("not empty"));
                return Err(GenError::Config(format!(
                    "{} uses types of {}, so its Go package must import that one's: pass \
                     --go-import-path (the Go import path of the output folder, e.g. \
                     example.com/svc/internal/rpc) or set `import_path` in the [go] table of brief.toml",
                    file.display_path(),
                    other.display_path()
                )));
            };
            let base = base.trim_end_matches('/');
            for (id, alias) in &self.foreign {
                let package = &self.plan.files[id].package;
                let path = names::string_literal(&format!("{base}/{package}"));
                if alias == package {
                    imports.push(path);
                } else {
                    imports.push(format!("{alias} {path}"));
                }
            }
        }

        let foreign_codecs = self
            .foreign_codecs
            .iter()
            .map(|(id, var)| {
                let e = model.enum_(*id);
                let values: Vec<String> = (0..e.values.len())
                    .map(|i| self.qualify_existing(e.file, &self.plan.values[&(*id, i)]))
                    .collect();
                (var.clone(), format!("brief.Enum({})", values.join(", ")))
            })
            .collect();

        let mut package_docs = Vec::new();
        match &file.service {
            Some(s) => {
                package_docs.push(format!(
                    " Package {} holds the types, client and server of the {} service, from {}.",
                    fp.package,
                    names::string_literal(&s.name),
                    file.display_path()
                ));
                let d = comment_lines(&s.doc);
                if !d.is_empty() {
                    package_docs.push(String::new());
                    package_docs.extend(d);
                }
            }
            None => package_docs.push(format!(
                " Package {} holds the types of {}.",
                fp.package,
                file.display_path()
            )),
        }

        Ok(PackageView {
            header: header("//", file),
            package: fp.package.clone(),
            package_docs,
            std_imports: std_imports.into_iter().collect(),
            imports,
            runtime: self.options.go_runtime.clone(),
            api_level: RUNTIME_API_LEVEL,
            topics,
            enums,
            foreign_codecs,
            messages,
            errors,
            service,
        })
    }

    /// Like [`Builder::qualify`] for a file already imported.
    fn qualify_existing(&self, file: FileId, name: &str) -> String {
        match self.foreign.get(&file) {
            Some(alias) if file != self.file.id => format!("{alias}.{name}"),
            _ => name.to_string(),
        }
    }

    fn service(&mut self, s: &Service) -> ServiceView {
        let base = names::exported(&s.name);
        let server = self.namespace.claim(&format!("{base}Server"));
        let handler = self.namespace.claim(&format!("New{base}Handler"));
        let procedures = self.namespace.claim(&format!("{base}Procedures"));
        let client = self.namespace.claim(&format!("{base}Client"));
        let new_client = self.namespace.claim(&format!("New{base}Client"));
        let mut methods = Namespace::new();
        let mut foreign_errors: BTreeMap<ErrorId, (String, String)> = BTreeMap::new();
        let mut rpcs = Vec::new();
        for r in &self.file.rpcs {
            let var = self
                .namespace
                .claim(&format!("{}RPC", names::unexported(&r.name)));
            let mut rethrow = false;
            let throws = r
                .modifiers
                .throws
                .iter()
                .map(|id| {
                    let e = self.model.error(*id);
                    let wire = format!("{}.{}", s.name, e.name);
                    let ty = self.error(*id);
                    if declared_type(self.model, self.plan, e) != wire {
                        rethrow = true;
                        foreign_errors.insert(*id, (ty.clone(), names::string_literal(&wire)));
                    }
                    (names::string_literal(&wire), ty)
                })
                .collect();
            rpcs.push(RpcView {
                name: names::string_literal(&r.name),
                var,
                method: methods.claim(&names::exported(&r.name)),
                input: self.message(r.input),
                output: self.message(r.output),
                idempotent: r.modifiers.is_idempotent(),
                readonly: r.modifiers.readonly,
                timeout: r.modifiers.timeout.map(duration_expr),
                throws,
                docs: docs_deprecated(&r.doc, r.modifiers.deprecated, "rpc"),
                rethrow,
            });
        }
        let rethrow = if foreign_errors.is_empty() || !self.options.server {
            None
        } else {
            Some(RethrowView {
                func: self.namespace.claim("briefRethrow"),
                retype: self.namespace.claim("briefRetype"),
                errors: foreign_errors.into_values().collect(),
            })
        };
        if rethrow.is_none() {
            for r in &mut rpcs {
                r.rethrow = false;
            }
        }
        ServiceView {
            name: names::string_literal(&s.name),
            server: self.options.server.then_some(server),
            handler,
            procedures,
            client: self.options.client.then_some(client),
            new_client,
            env_var: endpoint_env_var(&s.name),
            docs: comment_lines(&s.doc),
            rpcs,
            rethrow,
        }
    }
}

/// `300 * time.Millisecond`, `2 * time.Second`.
fn duration_expr(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(60_000) {
        format!("{} * time.Minute", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{} * time.Second", ms / 1000)
    } else {
        format!("{ms} * time.Millisecond")
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

    #[test]
    fn durations() {
        use std::time::Duration;
        assert_eq!(
            duration_expr(Duration::from_millis(300)),
            "300 * time.Millisecond"
        );
        assert_eq!(duration_expr(Duration::from_secs(2)), "2 * time.Second");
        assert_eq!(duration_expr(Duration::from_secs(120)), "2 * time.Minute");
    }
}
