//! Generates Rust for every valid contract of the corpus (so that the workspace's build
//! and clippy cover generated code) and for the contracts the loopback tests use.

use std::path::PathBuf;

fn main() -> Result<(), brief_build::Error> {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    brief_build::configure()
        .out_dir(out.join("corpus"))
        .compile(&["../corpus/valid"])?;
    brief_build::configure()
        .out_dir(out.join("contracts"))
        .compile(&["contracts"])?;
    // One side only must compile as cleanly as both.
    brief_build::configure()
        .out_dir(out.join("client_only"))
        .server(false)
        .compile(&["contracts"])?;
    brief_build::configure()
        .out_dir(out.join("server_only"))
        .client(false)
        .compile(&["contracts"])
}
