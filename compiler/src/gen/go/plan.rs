//! Every Go name of every file, decided before any file is generated, so that a file
//! refers to another's types by the names that file declares.

use std::collections::BTreeMap;

use super::names;
use crate::gen::names::{Case, Namespace};
use crate::gen::{contract_files, file_stems, GenError, Options};
use crate::model::*;

pub struct Plan {
    pub files: BTreeMap<FileId, FilePlan>,
    pub messages: BTreeMap<MessageId, String>,
    pub enums: BTreeMap<EnumId, String>,
    pub errors: BTreeMap<ErrorId, String>,
    /// The constant of each enum value, by enum and value index.
    pub values: BTreeMap<(EnumId, usize), String>,
    /// The codec variable of each enum, in its own package.
    pub codecs: BTreeMap<EnumId, String>,
}

pub struct FilePlan {
    pub package: String,
    /// The generated file is `<package>/<stem>.brief.go`.
    pub stem: String,
    /// The package-level names still free after the declared types and constants.
    pub namespace: Namespace,
}

impl Plan {
    pub fn build(model: &Model, options: &Options) -> Result<Plan, GenError> {
        let stems = file_stems(model);
        let files = contract_files(model);
        let single = options
            .go_package
            .as_ref()
            .map(|p| package_target(&files).map(|id| (id, p.clone())))
            .transpose()?;
        let mut packages = names::packages();
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
            if !is_go_identifier(p) || !packages.is_free(p) {
                return Err(GenError::Config(format!(
                    "--go-package {p:?} is not a Go package name (lowercase letters and digits, \
                     not a keyword nor `main`)"
                )));
            }
            packages.claim(p);
        }
        for file in &files {
            let package = match &single {
                Some((id, p)) if *id == file.id => p.clone(),
                _ => {
                    let stem = stems[&file.id].as_str();
                    let base = file.service.as_ref().map_or(stem, |s| s.name.as_str());
                    packages.claim(&names::package_name(base))
                }
            };
            let mut ns = Namespace::new(Case::Sensitive);
            for id in &file.messages {
                let name = ns.claim(&names::type_name(&model.message(*id).name));
                plan.messages.insert(*id, name);
            }
            for id in &file.enums {
                let name = ns.claim(&names::type_name(&model.enum_(*id).name));
                plan.enums.insert(*id, name);
            }
            for id in &file.errors {
                let name = ns.claim(&names::type_name(&model.error(*id).name));
                plan.errors.insert(*id, name);
            }
            for id in &file.enums {
                let e = model.enum_(*id);
                let ty = plan.enums[id].clone();
                for (i, v) in e.values.iter().enumerate() {
                    let name = ns.claim(&format!("{ty}{}", names::exported(&v.name)));
                    plan.values.insert((*id, i), name);
                }
                let codec = ns.claim(&format!("{}Codec", names::unexported(&ty)));
                plan.codecs.insert(*id, codec);
            }
            plan.files.insert(
                file.id,
                FilePlan {
                    package,
                    stem: names::file_stem(&stems[&file.id]),
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
