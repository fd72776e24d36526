//! The checked model: every name resolved, every modifier parsed into its value.
//!
//! This is what code generators and the compatibility check read. It holds no parse
//! tree; types refer to declarations by id ([`MessageId`], [`EnumId`], [`ErrorId`]) into
//! arenas on [`Model`], and every declaration keeps its [`Span`] so tools can point back
//! at the source.
//!
//! ```
//! let sources = brief::MemorySources::new([(
//!     "summer.brief",
//!     "service \"summer\"\nrpc sum (In) Out\nmessage In { a int }\nmessage Out { sum int }",
//! )]);
//! let checked = brief::check_with(&sources, &["summer.brief".into()]).unwrap();
//! assert!(!checked.diagnostics.has_errors());
//! let model = checked.model;
//! let file = &model.files[0];
//! let rpc = &file.rpcs[0];
//! assert_eq!(rpc.name, "sum");
//! assert_eq!(model.message(rpc.input).name, "In");
//! assert_eq!(rpc.modifiers.deadline(), std::time::Duration::from_secs(1));
//! ```

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod lines;
mod references;

pub use lines::{LineIndex, Utf16Position};
pub use references::{Reference, ReferenceKind, Symbol};

/// The deadline an rpc gets when its contract says no `timeout(...)`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the matching arena of [`Model`].
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A file of [`Model::files`].
    FileId
);
id_type!(
    /// A message of [`Model::messages`].
    MessageId
);
id_type!(
    /// An enum of [`Model::enums`].
    EnumId
);
id_type!(
    /// A typed error of [`Model::errors`].
    ErrorId
);

/// A byte range in one of the model's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

/// A human position: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// Every checked file (the ones asked for and the ones they import) and the
/// declarations they hold.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub files: Vec<File>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    pub errors: Vec<ErrorType>,
    /// Every name that refers to a declaration (field types, rpc inputs and outputs,
    /// `throws`, schema messages) and every import path, sorted by file and position;
    /// see [`Model::symbol_at`] and [`Model::references_to`].
    pub references: Vec<Reference>,
}

impl Model {
    pub fn file(&self, id: FileId) -> &File {
        &self.files[id.index()]
    }
    pub fn message(&self, id: MessageId) -> &Message {
        &self.messages[id.index()]
    }
    pub fn enum_(&self, id: EnumId) -> &Enum {
        &self.enums[id.index()]
    }
    pub fn error(&self, id: ErrorId) -> &ErrorType {
        &self.errors[id.index()]
    }

    /// The files that were asked for, as opposed to those only reached by `import`.
    pub fn root_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| f.is_root)
    }

    /// Where a span starts, as `path:line:column`.
    pub fn location(&self, span: Span) -> Location {
        self.file(span.file).location(span.start as usize)
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        &self.file(span.file).source[span.start as usize..span.end as usize]
    }

    /// The detail type a typed error travels with, `<service>.<ErrorName>`: under the
    /// service whose rpc throws it (`thrower`), wherever the error is declared. An error
    /// sent by an rpc that does not throw it goes under its own file's service or, for a
    /// file without one, the file's name without `.brief` (`common.Gone`).
    pub fn error_wire_name(&self, error: ErrorId, thrower: Option<&Service>) -> String {
        let e = self.error(error);
        let file = self.file(e.file);
        let prefix = match thrower.or(file.service.as_ref()) {
            Some(s) => s.name.clone(),
            None => file
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        format!("{prefix}.{}", e.name)
    }
}

/// One `.brief` file.
#[derive(Debug, Clone)]
pub struct File {
    pub id: FileId,
    /// The path as the user gave it or as an import resolved it, `/`-separated.
    pub path: PathBuf,
    pub source: Arc<str>,
    /// Given on the command line (or to the API), rather than only imported.
    pub is_root: bool,
    pub imports: Vec<Import>,
    pub service: Option<Service>,
    pub rpcs: Vec<Rpc>,
    pub schemas: Vec<Schema>,
    /// Declared in this file, in source order.
    pub messages: Vec<MessageId>,
    pub enums: Vec<EnumId>,
    pub errors: Vec<ErrorId>,
    pub(crate) lines: LineIndex,
}

impl File {
    /// The path for messages: `/`-separated on every platform.
    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    /// 1-based line and column of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let (line, column) = self.lines.line_column(&self.source, offset);
        Location {
            path: self.display_path(),
            line,
            column,
        }
    }

    /// Where the lines of the file start.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// The position of a byte offset as the Language Server Protocol counts it (0-based
    /// line, UTF-16 column).
    pub fn utf16_position(&self, offset: usize) -> Utf16Position {
        self.lines.utf16_position(&self.source, offset)
    }

    /// The byte offset of an LSP position; `None` for a line past the end.
    pub fn offset_of_utf16(&self, position: Utf16Position) -> Option<usize> {
        self.lines.offset_of_utf16(&self.source, position)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// As written in the file.
    pub path: String,
    pub file: FileId,
    pub span: Span,
}

/// `service "name"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Kebab-case, used for routing (`/{name}/{rpc}`) and discovery.
    pub name: String,
    pub doc: Option<String>,
    pub span: Span,
}

/// A unary method of the file's service.
#[derive(Debug, Clone, PartialEq)]
pub struct Rpc {
    pub name: String,
    pub input: MessageId,
    pub output: MessageId,
    pub modifiers: RpcModifiers,
    pub doc: Option<String>,
    pub span: Span,
}

/// The modifiers of an rpc, with their values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RpcModifiers {
    /// Written `idempotent`; see [`RpcModifiers::is_idempotent`] for the effective value.
    pub idempotent: bool,
    pub readonly: bool,
    /// `timeout(...)`, if written.
    pub timeout: Option<Duration>,
    pub deprecated: bool,
    /// `throws(...)`, in the order written.
    pub throws: Vec<ErrorId>,
}

impl RpcModifiers {
    /// Whether clients may retry the call: `idempotent`, or `readonly` which implies it.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent || self.readonly
    }

    /// The rpc's default deadline: its `timeout(...)` or [`DEFAULT_TIMEOUT`].
    pub fn deadline(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }
}

/// `schema "topic" Message`: an event published on the data bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub topic: String,
    pub message: MessageId,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub name: String,
    /// The name where it is declared (what "go to definition" shows).
    pub name_span: Span,
    /// The file that declares it.
    pub file: FileId,
    pub fields: Vec<Field>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// lowerCamelCase by convention; the JSON key exactly as written.
    pub name: String,
    pub ty: Type,
    /// Written with `?`: absent or null is allowed.
    pub optional: bool,
    pub deprecated: bool,
    pub doc: Option<String>,
    pub span: Span,
    pub type_span: Span,
}

/// A field's type, without the optional marker (see [`Field::optional`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Int,
    Float,
    String,
    Bytes,
    Time,
    List(Box<Type>),
    /// `map[string]T`: keys are always strings.
    Map(Box<Type>),
    Message(MessageId),
    Enum(EnumId),
}

impl Type {
    /// The scalar named by a builtin type name.
    pub fn builtin(name: &str) -> Option<Type> {
        Some(match name {
            "bool" => Type::Bool,
            "int" => Type::Int,
            "float" => Type::Float,
            "string" => Type::String,
            "bytes" => Type::Bytes,
            "time" => Type::Time,
            _ => return None,
        })
    }

    /// Lists and maps: absent on the wire means empty, so they are never required.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Map(_))
    }

    /// The type as it would be written in a contract.
    pub fn display(&self, model: &Model) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Float => "float".into(),
            Type::String => "string".into(),
            Type::Bytes => "bytes".into(),
            Type::Time => "time".into(),
            Type::List(t) => format!("[]{}", t.display(model)),
            Type::Map(t) => format!("map[string]{}", t.display(model)),
            Type::Message(id) => model.message(*id).name.clone(),
            Type::Enum(id) => model.enum_(*id).name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub name: String,
    pub name_span: Span,
    pub file: FileId,
    pub values: Vec<EnumValue>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// The JSON string exactly as written.
    pub name: String,
    pub doc: Option<String>,
    pub span: Span,
}

/// `error Name(code) { fields }`: a typed error an rpc may return.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorType {
    pub name: String,
    pub name_span: Span,
    pub file: FileId,
    pub code: ErrorCode,
    pub fields: Vec<Field>,
    pub doc: Option<String>,
    pub span: Span,
}

macro_rules! error_codes {
    ($($variant:ident = $name:literal, $status:literal;)*) => {
        /// The wire protocol's error codes (Connect's).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            /// Every code, in the protocol's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it travels in JSON: `not_found`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// The HTTP status a server answers with.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            pub fn parse(name: &str) -> Option<ErrorCode> {
                match name { $($name => Some(ErrorCode::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    Canceled = "canceled", 499;
    Unknown = "unknown", 500;
    InvalidArgument = "invalid_argument", 400;
    DeadlineExceeded = "deadline_exceeded", 504;
    NotFound = "not_found", 404;
    AlreadyExists = "already_exists", 409;
    PermissionDenied = "permission_denied", 403;
    ResourceExhausted = "resource_exhausted", 429;
    FailedPrecondition = "failed_precondition", 400;
    Aborted = "aborted", 409;
    OutOfRange = "out_of_range", 400;
    Unimplemented = "unimplemented", 501;
    Internal = "internal", 500;
    Unavailable = "unavailable", 503;
    DataLoss = "data_loss", 500;
    Unauthenticated = "unauthenticated", 401;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_round_trip() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
        assert_eq!(ErrorCode::ALL.len(), 16);
    }
}
