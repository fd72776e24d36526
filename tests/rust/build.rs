//! Generates Rust for every contract of the corpus that checks (`valid/` and `warn/`),
//! for the adversarial names of `tests/names`, and for the contracts the loopback tests
//! use, so that the workspace's build and clippy cover generated code.

use std::path::{Path, PathBuf};

use brief::gen::{self, Lang, Options};

fn main() -> Result<(), String> {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    generate(Path::new("../corpus/valid"), &out.join("corpus"))?;
    generate(Path::new("../corpus/warn"), &out.join("warn"))?;
    for part in ["keywords", "scopes", "packages"] {
        let dir = Path::new("../names").join(part);
        generate(&dir, &out.join("names").join(part))?;
    }
    let build = |dir: &str| brief_build::configure().out_dir(out.join(dir));
    build("contracts")
        .compile(&["contracts"])
        .map_err(|e| format!("{e:?}"))?;
    // One side only must compile as cleanly as both.
    build("client_only")
        .server(false)
        .compile(&["contracts"])
        .map_err(|e| format!("{e:?}"))?;
    build("server_only")
        .client(false)
        .compile(&["contracts"])
        .map_err(|e| format!("{e:?}"))
}

/// Like `brief_build`, but quiet about warnings: the `warn/` corpus has them on purpose.
fn generate(dir: &Path, out: &Path) -> Result<(), String> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let checked = brief::check_paths(&[dir.to_path_buf()]).map_err(|e| e.to_string())?;
    for file in &checked.model.files {
        println!("cargo:rerun-if-changed={}", file.path.display());
    }
    if checked.diagnostics.has_errors() {
        let style = brief::diagnostics::Style::Text { color: false };
        return Err(brief::diagnostics::render(&checked.diagnostics, style));
    }
    let files = gen::generate(&checked.model, Lang::Rust, &Options::default())
        .map_err(|e| e.to_string())?;
    gen::write_files(out, &files).map_err(|e| e.to_string())?;
    Ok(())
}
