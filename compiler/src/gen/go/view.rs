//! What the template `templates/go/package.go.txt` sees: plain data, every name and
//! literal final.

use askama::Template;

#[derive(Template)]
#[template(path = "go/package.go.txt", escape = "none")]
pub struct PackageView {
    pub header: String,
    pub package: String,
    pub package_docs: Vec<String>,
    pub std_imports: Vec<String>,
    pub imports: Vec<String>,
    pub runtime: String,
    pub api_level: u32,
    pub topics: Vec<TopicView>,
    pub enums: Vec<EnumView>,
    /// Codecs of enums declared in other packages: (variable, expression).
    pub foreign_codecs: Vec<(String, String)>,
    pub messages: Vec<StructView>,
    pub errors: Vec<ErrorView>,
    pub service: Option<ServiceView>,
}

pub struct TopicView {
    pub name: String,
    pub topic: String,
    pub docs: Vec<String>,
}

pub struct EnumView {
    pub name: String,
    pub docs: Vec<String>,
    pub codec: String,
    pub values: Vec<ValueView>,
}

pub struct ValueView {
    pub name: String,
    pub wire: String,
    pub docs: Vec<String>,
}

pub struct StructView {
    pub name: String,
    pub docs: Vec<String>,
    pub fields: Vec<FieldView>,
}

pub struct FieldView {
    pub name: String,
    pub ty: String,
    pub tag: String,
    pub docs: Vec<String>,
    pub decode: String,
    pub encode: String,
}

pub struct ErrorView {
    pub data: StructView,
    pub code: String,
    pub wire_code: String,
    /// The detail type of the error sent by an rpc that does not throw it.
    pub type_name: String,
    /// The contract's doc (or the error's name): the message unless one is chosen.
    pub message: String,
}

pub struct ServiceView {
    pub name: String,
    pub server: Option<String>,
    pub handler: String,
    pub procedures: String,
    pub client: Option<String>,
    pub new_client: String,
    /// `SERVICE_<NAME>_URL`, where clients find the service.
    pub env_var: String,
    pub docs: Vec<String>,
    pub rpcs: Vec<RpcView>,
    /// The helper that re-labels foreign typed errors, when some rpc throws one.
    pub rethrow: Option<RethrowView>,
}

pub struct RethrowView {
    pub func: String,
    pub retype: String,
    /// (qualified Go type, wire type)
    pub errors: Vec<(String, String)>,
}

pub struct RpcView {
    pub name: String,
    pub var: String,
    pub method: String,
    pub input: String,
    pub output: String,
    pub idempotent: bool,
    pub readonly: bool,
    /// The rpc's deadline as a `time.Duration` expression.
    pub timeout: String,
    /// (wire type, qualified Go type)
    pub throws: Vec<(String, String)>,
    pub docs: Vec<String>,
    pub rethrow: bool,
}
