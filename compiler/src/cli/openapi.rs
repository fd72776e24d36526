//! `brief openapi`: OpenAPI 3.1 documents of the contracts' services.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brief::diagnostics;

use super::text_style;

#[derive(clap::Args)]
pub struct OpenapiArgs {
    /// Files or folders; a folder means every *.brief file below it.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Where to write. With one document: the file (default: stdout). With several,
    /// or when it is an existing folder: the folder, one <name>.openapi.json each.
    #[arg(long, value_name = "FILE|DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    load: super::LoadArgs,
}

pub fn run(args: &OpenapiArgs) -> Result<ExitCode, String> {
    let checked = super::check_given(&args.paths, &args.load)?;
    if !checked.diagnostics.is_empty() {
        eprint!(
            "{}",
            diagnostics::render(&checked.diagnostics, text_style())
        );
    }
    if checked.diagnostics.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let documents = brief::openapi::documents(&checked.model).map_err(|e| e.to_string())?;
    let names = || {
        documents
            .iter()
            .map(|d| d.file_name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&args.out, documents.as_slice()) {
        (_, []) => Err("no .brief files given".into()),
        (None, [document]) => {
            print!("{}", document.text);
            Ok(ExitCode::SUCCESS)
        }
        (None, _) => Err(format!(
            "{} documents ({}): give --out DIR to write them",
            documents.len(),
            names()
        )),
        (Some(out), [document]) if !out.is_dir() => {
            write(out, &document.text)?;
            eprintln!("openapi: {} written", out.display());
            Ok(ExitCode::SUCCESS)
        }
        (Some(dir), _) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            for document in &documents {
                write(&dir.join(&document.file_name), &document.text)?;
            }
            eprintln!("openapi: {} in {}", names(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
