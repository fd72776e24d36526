//! PHP: a PSR-4 package for PHP 8.2+ on top of the runtime in `runtime/php`.
//!
//! Each contract file becomes a namespace, `<namespace option>\<Service or file>`
//! (`Acme\Rpc\Summer`, or `Summer` without the option), in a folder of the same name;
//! each message, enum and typed error is a class (a backed enum for enums) in a file of
//! its own, and a contract with a service adds `<Service>Service` (what the contract says
//! about each rpc), `<Service>Client`, the `<Service>Server` interface and
//! `<Service>Dispatcher`, which serves an implementation. `composer.json` maps the
//! namespaces (PSR-4), `autoload.php` loads them without Composer, and `preload.php`
//! loads everything at once for opcache.preload.
//!
//! Typed errors travel as `<service>.<ErrorName>`, where `<service>` is the service whose
//! rpc throws them, as in every language.

pub mod names;
mod service;
mod text;
mod types;

use std::collections::BTreeMap;

use askama::Template;

use super::{contract_files, file_stems, Files, GenError, Options};
use crate::model::*;

/// The runtime API level generated code needs: generated descriptors reference
/// `\Brief\Runtime::API_LEVEL_<N>`, which an older runtime does not declare.
pub const RUNTIME_API_LEVEL: u32 = 1;

/// Generates the package: one folder per contract, `composer.json` and `autoload.php`.
pub fn generate(model: &Model, options: &Options) -> Result<Files, GenError> {
    if let Some(ns) = &options.php_namespace {
        if !names::is_namespace(ns) {
            return Err(GenError::Config(format!(
                "--php-namespace {ns:?} is not a PHP namespace (segments of letters, digits \
                 and `_` joined by `\\`, such as Acme\\Rpc, none of them a reserved word)"
            )));
        }
    }
    let plan = Plan::build(model, options);
    let mut files = Files::new();
    for file in contract_files(model) {
        for (class, text) in types::render(model, &plan, file) {
            files.insert(plan.path(file.id, &class), text);
        }
        if let Some(s) = &file.service {
            for (class, text) in service::render(model, &plan, file, s, options) {
                files.insert(plan.path(file.id, &class), text);
            }
        }
    }
    let classes: Vec<String> = files
        .keys()
        .map(|path| {
            let dir = path
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ns = plan
                .files
                .values()
                .find(|f| f.dir == dir)
                .map(|f| f.namespace.clone())
                .unwrap_or_default();
            let class = path
                .file_stem()
                .map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("\\{ns}\\{class}")
        })
        .collect();
    files.insert("composer.json".into(), composer_json(&plan, options));
    files.insert("autoload.php".into(), autoload_php(&plan, options));
    let preload = PreloadView { classes };
    files.insert(
        "preload.php".into(),
        preload.render().expect("templates render plain data") + "\n",
    );
    Ok(files)
}

#[derive(Template)]
#[template(path = "php/preload.php.txt", escape = "none")]
struct PreloadView {
    /// Every generated class, fully qualified.
    classes: Vec<String>,
}

/// Every PHP name of every file, decided before any file is generated, so that a file
/// refers to another's classes by the names that file declares.
pub(crate) struct Plan {
    files: BTreeMap<FileId, FilePlan>,
    messages: BTreeMap<MessageId, String>,
    enums: BTreeMap<EnumId, String>,
    errors: BTreeMap<ErrorId, String>,
    prefix: Option<String>,
}

pub(crate) struct FilePlan {
    /// The full namespace, without a leading `\`.
    pub namespace: String,
    /// The folder under the output folder: the last segment of the namespace.
    pub dir: String,
    /// The classes generated for the file's service and schemas.
    pub generated: GeneratedClasses,
}

/// Names of the classes generated beside the contract's own, after those took theirs.
pub(crate) struct GeneratedClasses {
    pub service: String,
    pub client: String,
    pub server: String,
    pub dispatcher: String,
    pub topics: String,
}

impl Plan {
    fn build(model: &Model, options: &Options) -> Plan {
        let stems = file_stems(model);
        let mut segments = names::Namespace::new(names::Case::Insensitive);
        let mut plan = Plan {
            files: BTreeMap::new(),
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
            errors: BTreeMap::new(),
            prefix: options.php_namespace.clone(),
        };
        for file in contract_files(model) {
            let base = file
                .service
                .as_ref()
                .map_or(stems[&file.id].as_str(), |s| s.name.as_str());
            let dir = segments.claim_with(&names::namespace_segment(base), "");
            let namespace = match &plan.prefix {
                Some(p) => format!("{p}\\{dir}"),
                None => dir.clone(),
            };
            // Contract names come first; generated classes step aside for them.
            let mut classes = names::class_scope();
            for id in &file.messages {
                let name =
                    classes.claim_with(&names::class_name(&model.message(*id).name), "Message");
                plan.messages.insert(*id, name);
            }
            for id in &file.enums {
                let name = classes.claim_with(&names::class_name(&model.enum_(*id).name), "Enum");
                plan.enums.insert(*id, name);
            }
            for id in &file.errors {
                let name = classes.claim_with(&names::class_name(&model.error(*id).name), "Error");
                plan.errors.insert(*id, name);
            }
            let base = file
                .service
                .as_ref()
                .map(|s| names::namespace_segment(&s.name))
                .unwrap_or_default();
            let mut generated = |name: String| classes.claim_with(&name, "Rpc");
            let generated = GeneratedClasses {
                service: generated(format!("{base}Service")),
                client: generated(format!("{base}Client")),
                server: generated(format!("{base}Server")),
                dispatcher: generated(format!("{base}Dispatcher")),
                topics: generated("Topics".into()),
            };
            plan.files.insert(
                file.id,
                FilePlan {
                    namespace,
                    dir,
                    generated,
                },
            );
        }
        plan
    }

    pub(crate) fn file(&self, id: FileId) -> &FilePlan {
        &self.files[&id]
    }

    fn path(&self, id: FileId, class: &str) -> std::path::PathBuf {
        format!("{}/{class}.php", self.files[&id].dir).into()
    }

    /// A class as code in `from`'s namespace sees it: its bare name there, otherwise
    /// fully qualified.
    pub(crate) fn class_ref(&self, from: FileId, of: FileId, name: &str) -> String {
        if from == of {
            name.to_string()
        } else {
            format!("\\{}\\{name}", self.files[&of].namespace)
        }
    }

    pub(crate) fn message(&self, from: FileId, model: &Model, id: MessageId) -> String {
        self.class_ref(from, model.message(id).file, &self.messages[&id])
    }

    pub(crate) fn enum_(&self, from: FileId, model: &Model, id: EnumId) -> String {
        self.class_ref(from, model.enum_(id).file, &self.enums[&id])
    }

    pub(crate) fn error(&self, from: FileId, model: &Model, id: ErrorId) -> String {
        self.class_ref(from, model.error(id).file, &self.errors[&id])
    }

    pub(crate) fn message_name(&self, id: MessageId) -> &str {
        &self.messages[&id]
    }

    pub(crate) fn enum_name(&self, id: EnumId) -> &str {
        &self.enums[&id]
    }

    pub(crate) fn error_name(&self, id: ErrorId) -> &str {
        &self.errors[&id]
    }

    /// The PSR-4 map: namespace prefix (with its trailing `\`) → folder.
    fn psr4(&self) -> Vec<(String, String)> {
        match &self.prefix {
            Some(p) => vec![(format!("{p}\\"), String::new())],
            None => self
                .files
                .values()
                .map(|f| (format!("{}\\", f.namespace), format!("{}/", f.dir)))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "php/composer.json.txt", escape = "none")]
struct ComposerView {
    name: String,
    description: String,
    runtime: Option<String>,
    psr4: Vec<(String, String)>,
}

/// `composer.json`: the PSR-4 map of the generated namespaces; the runtime comes from a
/// path repository when [`Options::php_runtime`] names its folder.
fn composer_json(plan: &Plan, options: &Options) -> String {
    let name = match &plan.prefix {
        Some(p) => {
            let words: Vec<String> = p
                .split('\\')
                .map(heck::ToKebabCase::to_kebab_case)
                .collect();
            if words.len() == 1 {
                format!("{}/rpc", words[0])
            } else {
                format!("{}/{}", words[0], words[1..].join("-"))
            }
        }
        None => {
            let dirs: Vec<String> = plan
                .files
                .values()
                .map(|f| heck::ToKebabCase::to_kebab_case(f.dir.as_str()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            format!("brief-generated/{}", dirs.join("-"))
        }
    };
    let json = |s: &str| serde_json::to_string(s).expect("strings serialize");
    let view = ComposerView {
        name: json(&name),
        description: json("Generated by brief from .brief contracts. Do not edit."),
        runtime: options.php_runtime.as_deref().map(json),
        psr4: plan
            .psr4()
            .into_iter()
            .map(|(ns, dir)| (json(&ns), json(&dir)))
            .collect(),
    };
    view.render().expect("templates render plain data") + "\n"
}

#[derive(Template)]
#[template(path = "php/autoload.php.txt", escape = "none")]
struct AutoloadView {
    runtime: Option<String>,
    psr4: Vec<(String, String)>,
}

/// `autoload.php`, for projects without Composer: loads the runtime (when its folder is
/// known) and registers a PSR-4 autoloader for the generated namespaces.
fn autoload_php(plan: &Plan, options: &Options) -> String {
    let view = AutoloadView {
        runtime: options
            .php_runtime
            .as_deref()
            .map(|r| names::string_literal(&format!("/{}/autoload.php", r.trim_end_matches('/')))),
        psr4: plan
            .psr4()
            .into_iter()
            .map(|(ns, dir)| {
                (
                    names::string_literal(&ns),
                    names::string_literal(&format!("/{dir}")),
                )
            })
            .collect(),
    };
    view.render().expect("templates render plain data") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::gen::checked_model as model;

    const COMMON: &str = "message Money { amount int }\nerror Gone(not_found) {}\n";
    const SHOP: &str = "import \"common.brief\"\nservice \"image-shop\"\n\
        rpc buy (Money) Money throws(Gone)\nmessage List { items []Money }\n";

    #[test]
    fn one_namespace_per_contract() {
        let m = model(
            &[("common.brief", COMMON), ("shop.brief", SHOP)],
            &["shop.brief"],
        );
        let files = generate(&m, &Options::default()).unwrap();
        let paths: Vec<String> = files.keys().map(|p| p.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "Common/Gone.php",
                "Common/Money.php",
                "ImageShop/ImageShopClient.php",
                "ImageShop/ImageShopDispatcher.php",
                "ImageShop/ImageShopServer.php",
                "ImageShop/ImageShopService.php",
                "ImageShop/ListMessage.php",
                "autoload.php",
                "composer.json",
                "preload.php",
            ]
        );
        let service = &files[std::path::Path::new("ImageShop/ImageShopService.php")];
        assert!(
            service.contains("'image-shop.Gone' => \\Common\\Gone::class"),
            "{service}"
        );
        let composer = &files[std::path::Path::new("composer.json")];
        assert!(
            composer.contains("\"ImageShop\\\\\": \"ImageShop/\""),
            "{composer}"
        );
    }

    #[test]
    fn the_namespace_option_is_a_prefix() {
        let m = model(
            &[("shop.brief", SHOP), ("common.brief", COMMON)],
            &["shop.brief"],
        );
        let options = Options {
            php_namespace: Some("Acme\\Rpc".into()),
            php_runtime: Some("../runtime/php".into()),
            ..Options::default()
        };
        let files = generate(&m, &options).unwrap();
        let list = &files[std::path::Path::new("ImageShop/ListMessage.php")];
        assert!(list.contains("namespace Acme\\Rpc\\ImageShop;"), "{list}");
        assert!(list.contains("\\Acme\\Rpc\\Common\\Money"), "{list}");
        let autoload = &files[std::path::Path::new("autoload.php")];
        assert!(
            autoload.contains("'/../runtime/php/autoload.php'"),
            "{autoload}"
        );
        let bad = Options {
            php_namespace: Some("Acme\\3d".into()),
            ..Options::default()
        };
        assert!(generate(&m, &bad).is_err());
    }
}
