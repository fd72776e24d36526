//! Every Rust name a file declares, decided before any module is generated, so that a
//! module refers to another's types by the names that module gives them.

use std::collections::BTreeMap;

use super::names::{self, Scopes};
use crate::gen::{contract_files, file_stems};
use crate::model::*;

/// A contract file's module: its name in code (`r#type`) and its file (`type.rs`).
pub struct Module {
    pub name: String,
    pub file: String,
}

pub struct Plan {
    pub modules: BTreeMap<FileId, Module>,
    pub messages: BTreeMap<MessageId, String>,
    pub enums: BTreeMap<EnumId, String>,
    pub errors: BTreeMap<ErrorId, String>,
    /// Each module's namespaces once its declared types are in, for the names the
    /// generator adds.
    pub scopes: BTreeMap<FileId, Scopes>,
}

impl Plan {
    pub fn build(model: &Model) -> Plan {
        let stems = file_stems(model);
        let mut modules = names::modules();
        let mut plan = Plan {
            modules: BTreeMap::new(),
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
            errors: BTreeMap::new(),
            scopes: BTreeMap::new(),
        };
        for file in contract_files(model) {
            let (name, bare) = names::module_name(&mut modules, &stems[&file.id]);
            plan.modules.insert(
                file.id,
                Module {
                    name,
                    file: format!("{bare}.rs"),
                },
            );
            // Names the contract declares come first; generated names step aside.
            let mut scopes = Scopes::default();
            for id in &file.messages {
                let name = scopes.type_name(&model.message(*id).name);
                plan.messages.insert(*id, name);
            }
            for id in &file.enums {
                let name = scopes.type_name(&model.enum_(*id).name);
                plan.enums.insert(*id, name);
            }
            for id in &file.errors {
                let name = scopes.type_name(&model.error(*id).name);
                plan.errors.insert(*id, name);
            }
            plan.scopes.insert(file.id, scopes);
        }
        plan
    }
}
