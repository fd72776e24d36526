//! Source text → [`ast::Ast`] with spans, using the pest grammar in `grammar/brief.pest`.

pub mod ast;
mod comments;
mod parse;

pub use comments::{scan_comments, Comment};
pub use parse::{parse, SyntaxError};
