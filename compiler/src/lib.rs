//! The brief compiler: the contract language's front end, formatter, code generators and
//! compatibility check, as a library. The `brief` binary is a thin CLI over it.
//!
//! The stages, each reading only the output of the one before:
//! - [`syntax`]: source text → a parse tree with spans (private to the front end);
//! - [`check`]: parse trees → the resolved [`model::Model`] or [`check::Diagnostics`];
//! - [`fmt`]: the canonical layout of a file;
//! - code generators, `openapi` and `compat`, which read only the model.
//!
//! The model also answers what an editor asks: which declaration the name at a position
//! refers to ([`Model::symbol_at`]), where a declaration is used
//! ([`Model::references_to`]), and positions in UTF-16 units as the Language Server
//! Protocol counts them ([`model::File::utf16_position`]).

pub mod check;
pub mod compat;
pub mod diagnostics;
pub mod dump;
pub mod fmt;
pub mod gen;
pub mod lsp;
pub mod model;
pub mod openapi;
pub mod syntax;

pub use check::{check_paths, check_source, check_with, Checked, Diagnostics, MemorySources};
pub use model::Model;

/// The compiler's version, written into generated files.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
