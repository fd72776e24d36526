//! What the templates in `templates/rust` see: plain data, every name and literal final.

use askama::Template;

#[derive(Template)]
#[template(path = "rust/index.rs.txt", escape = "none")]
pub struct IndexView {
    pub header: String,
    pub modules: Vec<IndexEntry>,
    /// `brief.rs` declares the modules inline (for `include!` from `OUT_DIR`); `mod.rs`
    /// declares them as files.
    pub inline: bool,
}

#[derive(Clone)]
pub struct IndexEntry {
    pub name: String,
    pub file: String,
    pub docs: Vec<String>,
}

#[derive(Template)]
#[template(path = "rust/module.rs.txt", escape = "none")]
pub struct ModuleView {
    pub header: String,
    pub api_level: u32,
    /// Whether the module declares serde types (and so imports the derives).
    pub has_types: bool,
    pub service: Option<ServiceView>,
    pub topics: Vec<TopicView>,
    pub messages: Vec<StructView>,
    pub enums: Vec<EnumView>,
    pub errors: Vec<ErrorView>,
}

pub struct ServiceView {
    pub name: String,
    /// The same as a string literal.
    pub name_literal: String,
    pub env_var: String,
    pub trait_name: String,
    pub client_name: String,
    pub docs: Vec<String>,
    pub rpcs: Vec<RpcView>,
    pub client: bool,
    pub server: bool,
}

pub struct RpcView {
    pub name: String,
    /// The same as a string literal.
    pub name_literal: String,
    pub method: String,
    /// The client's method with per-call options.
    pub method_with: String,
    pub const_name: String,
    pub input: String,
    pub output: String,
    /// `brief_runtime::Error`, or the rpc's own error enum when it declares `throws`.
    pub error: String,
    pub idempotent: bool,
    pub readonly: bool,
    /// The rpc's deadline as a `std::time::Duration` expression.
    pub timeout: String,
    pub docs: Vec<String>,
    /// The `#[deprecated(...)]` attribute, when the rpc is deprecated.
    pub deprecated: Option<String>,
    /// The method is named like a conversion (`from_*`, `into_*`), which clippy expects
    /// to take `self` differently.
    pub conversion_name: bool,
    pub throws: Vec<ThrowView>,
}

pub struct ThrowView {
    pub variant: String,
    /// The error's type as seen from this module.
    pub ty: String,
    /// The detail type on the wire, as a string literal.
    pub wire_name: String,
    pub code: String,
    /// The contract's doc (or the error's name) as a string literal: the default message.
    pub message: String,
    pub docs: Vec<String>,
}

pub struct TopicView {
    pub const_name: String,
    /// The topic as a string literal.
    pub topic: String,
    pub message: String,
    pub docs: Vec<String>,
}

pub struct StructView {
    pub name: String,
    /// The message reaches itself, so other structs hold it boxed.
    pub boxed: bool,
    pub docs: Vec<String>,
    pub fields: Vec<FieldView>,
}

pub struct FieldView {
    pub name: String,
    pub docs: Vec<String>,
    pub serde: String,
    pub ty: String,
    /// The `#[deprecated(...)]` attribute, when the field is deprecated.
    pub deprecated: Option<String>,
}

pub struct EnumView {
    pub name: String,
    pub docs: Vec<String>,
    pub variants: Vec<VariantView>,
}

pub struct VariantView {
    pub name: String,
    /// The value on the wire, as a string literal.
    pub wire: String,
    pub docs: Vec<String>,
}

pub struct ErrorView {
    pub data: StructView,
    pub code: String,
}
