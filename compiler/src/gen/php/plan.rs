//! Every PHP name of a generated package, decided before any file is generated: each
//! contract file's namespace and folder, its classes, and the classes generated beside
//! them (see `names.rs` for the rule).

use std::collections::BTreeMap;

use super::names;
use crate::gen::{contract_files, file_stems, Options};
use crate::model::*;

/// Every PHP name of every file, decided before any file is generated, so that a file
/// refers to another's classes by the names that file declares.
pub(crate) struct Plan {
    pub files: BTreeMap<FileId, FilePlan>,
    messages: BTreeMap<MessageId, String>,
    enums: BTreeMap<EnumId, String>,
    errors: BTreeMap<ErrorId, String>,
    /// The namespace option, every contract's namespace goes under.
    pub prefix: Option<String>,
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
    pub(crate) fn build(model: &Model, options: &Options) -> Plan {
        let stems = file_stems(model);
        let mut segments = names::namespaces();
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
            let dir = names::namespace_segment(&mut segments, base);
            let namespace = match &plan.prefix {
                Some(p) => format!("{p}\\{dir}"),
                None => dir.clone(),
            };
            // Contract names come first; generated classes step aside for them.
            let mut classes = names::classes();
            for id in &file.messages {
                let name = names::class_name(&mut classes, &model.message(*id).name);
                plan.messages.insert(*id, name);
            }
            for id in &file.enums {
                let name = names::class_name(&mut classes, &model.enum_(*id).name);
                plan.enums.insert(*id, name);
            }
            for id in &file.errors {
                let name = names::class_name(&mut classes, &model.error(*id).name);
                plan.errors.insert(*id, name);
            }
            let stem = file
                .service
                .as_ref()
                .map(|s| names::service_stem(&s.name))
                .unwrap_or_default();
            let mut generated = |name: String| names::helper_class(&mut classes, &name);
            let generated = GeneratedClasses {
                service: generated(format!("{stem}Service")),
                client: generated(format!("{stem}Client")),
                server: generated(format!("{stem}Server")),
                dispatcher: generated(format!("{stem}Dispatcher")),
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

    /// The file of `class`, declared in contract file `id`, under the output folder.
    pub(crate) fn path(&self, id: FileId, class: &str) -> std::path::PathBuf {
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
    pub(crate) fn psr4(&self) -> Vec<(String, String)> {
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
