//! What a generated file imports: the standard packages its code uses, the runtime, and
//! the packages of other contracts whose types it uses, each under a name that shadows
//! nothing.

use std::collections::BTreeSet;

use super::names;
use super::view::ServiceView;
use super::Builder;
use crate::gen::GenError;
use crate::model::*;

impl Builder<'_> {
    /// The name under which this file imports another contract's package.
    pub(super) fn import(&mut self, file: FileId) -> String {
        if let Some(alias) = self.foreign.get(&file) {
            return alias.clone();
        }
        let alias = names::import_alias(&mut self.aliases, &self.plan.files[&file].package);
        self.foreign.insert(file, alias.clone());
        alias
    }

    /// The standard imports and the others (the runtime, then other contracts' packages).
    pub(super) fn imports(
        &mut self,
        service: Option<&ServiceView>,
    ) -> Result<(Vec<String>, Vec<String>), GenError> {
        let mut std_imports = BTreeSet::new();
        if let Some(s) = service {
            if !s.rpcs.is_empty() {
                // Every rpc's variable holds its deadline.
                self.uses_time = true;
                if s.client.is_some() || s.server.is_some() {
                    std_imports.insert("\"context\"".to_string());
                }
            }
            if s.server.is_some() {
                std_imports.insert("\"net/http\"".to_string());
                if s.rethrow.is_some() {
                    std_imports.insert("\"errors\"".to_string());
                }
            }
        }
        if self.uses_time {
            std_imports.insert("\"time\"".to_string());
        }
        let mut imports = vec![format!(
            "brief {}",
            names::string_literal(&self.options.go_runtime)
        )];
        if let Some((first, _)) = self.foreign.first_key_value() {
            let Some(base) = self.options.go_import_path.as_deref() else {
                return Err(GenError::Config(format!(
                    "{} uses types of {}, so its Go package must import that one's: pass \
                     --go-import-path (the Go import path of the output folder, e.g. \
                     example.com/svc/internal/rpc) or set `import_path` in the [go] table of brief.toml",
                    self.file.display_path(),
                    self.model.file(*first).display_path()
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
        Ok((std_imports.into_iter().collect(), imports))
    }

    /// The codecs of other packages' enums this file's fields use: (variable, expression).
    pub(super) fn foreign_codecs(&self) -> Vec<(String, String)> {
        self.foreign_codecs
            .iter()
            .map(|(id, var)| {
                let e = self.model.enum_(*id);
                let alias = &self.foreign[&e.file];
                let values: Vec<String> = (0..e.values.len())
                    .map(|i| format!("{alias}.{}", self.plan.values[&(*id, i)]))
                    .collect();
                (var.clone(), format!("brief.Enum({})", values.join(", ")))
            })
            .collect()
    }
}
