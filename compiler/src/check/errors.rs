//! Every problem the front end reports. Each variant carries the span it is about and a
//! stable code (`brief::unknown_type`) that tools may match on.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Debug, Clone, Error, Diagnostic, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckError {
    #[error("{message}")]
    #[diagnostic(code(brief::syntax))]
    Syntax {
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is declared more than once")]
    #[diagnostic(code(brief::duplicate_declaration))]
    DuplicateDeclaration {
        name: String,
        #[label(primary, "declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: Option<SourceSpan>,
        #[help]
        help: Option<String>,
    },

    #[error("field `{name}` is declared more than once in `{owner}`")]
    #[diagnostic(
        code(brief::duplicate_field),
        help("JSON keys must be unique: rename or remove one")
    )]
    DuplicateField {
        name: String,
        owner: String,
        #[label(primary, "declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    #[error("value `{name}` is declared more than once in enum `{owner}`")]
    #[diagnostic(code(brief::duplicate_enum_value))]
    DuplicateEnumValue {
        name: String,
        owner: String,
        #[label(primary, "declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    #[error("enum `{name}` has no values")]
    #[diagnostic(
        code(brief::empty_enum),
        help("an enum is a closed set: list at least one value, one per line")
    )]
    EmptyEnum {
        name: String,
        #[label("declared here")]
        span: SourceSpan,
    },

    #[error("unknown type `{name}`")]
    #[diagnostic(code(brief::unknown_type))]
    UnknownType {
        name: String,
        #[label("not a builtin type, nor declared in this file or its imports")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("rpc `{name}` needs a service")]
    #[diagnostic(
        code(brief::rpc_without_service),
        help("declare the service this rpc belongs to in the same file: service \"my-service\"")
    )]
    RpcWithoutService {
        name: String,
        #[label("declared in a file without `service`")]
        span: SourceSpan,
    },

    #[error("a file declares at most one service")]
    #[diagnostic(
        code(brief::multiple_services),
        help("split the contract: one service per file")
    )]
    MultipleServices {
        #[label(primary, "second service")]
        span: SourceSpan,
        #[label("first service")]
        first: SourceSpan,
    },

    #[error("the {role} of {owner} must be a message, but `{name}` is {found}")]
    #[diagnostic(
        code(brief::not_a_message),
        help("wrap it in a message: message {suggestion} {{ value {name} }}")
    )]
    NotAMessage {
        role: &'static str,
        owner: String,
        name: String,
        found: &'static str,
        suggestion: String,
        #[label("not a message")]
        span: SourceSpan,
    },

    #[error("`{name}` is not a valid service name")]
    #[diagnostic(code(brief::service_name))]
    ServiceName {
        name: String,
        #[label("expected lowercase kebab-case, such as `image-storage`")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{topic}` is not a valid schema topic")]
    #[diagnostic(code(brief::topic_format))]
    TopicFormat {
        topic: String,
        #[label("expected dotted lowercase words, such as `service.create`")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{kind} `{name}` should be {expected}")]
    #[diagnostic(code(brief::name_case), severity(Warning))]
    NameCase {
        kind: &'static str,
        name: String,
        expected: &'static str,
        #[label("not {expected}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("cannot import `{path}`: {reason}")]
    #[diagnostic(
        code(brief::import_not_found),
        help("import paths are relative to the importing file")
    )]
    ImportNotFound {
        path: String,
        reason: String,
        #[label("imported here")]
        span: SourceSpan,
    },

    #[error("cannot import `{path}`: it is outside the contract roots ({roots})")]
    #[diagnostic(code(brief::import_outside_roots))]
    ImportOutsideRoots {
        path: String,
        roots: String,
        #[label("imported here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("import cycle: {cycle}")]
    #[diagnostic(
        code(brief::import_cycle),
        help("move the shared declarations into a file that both import")
    )]
    ImportCycle {
        cycle: String,
        #[label("this import closes the cycle")]
        span: SourceSpan,
    },

    #[error("`{name}` is imported from two files")]
    #[diagnostic(code(brief::import_conflict))]
    ImportConflict {
        name: String,
        #[label("this import brings a second `{name}`")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("nothing from `{path}` is used")]
    #[diagnostic(
        code(brief::unused_import),
        severity(Warning),
        help("remove the import")
    )]
    UnusedImport {
        path: String,
        #[label("unused import")]
        span: SourceSpan,
    },

    #[error("message `{name}` contains itself and could never be written down: {cycle}")]
    #[diagnostic(
        code(brief::infinite_type),
        help("break the cycle with an optional field (`{field} {ty}?`), a list or a map")
    )]
    InfiniteType {
        name: String,
        cycle: String,
        field: String,
        ty: String,
        #[label("required field closes the cycle")]
        span: SourceSpan,
    },

    #[error("`{text}` is not a valid duration")]
    #[diagnostic(code(brief::invalid_duration))]
    InvalidDuration {
        text: String,
        #[label("{reason}")]
        span: SourceSpan,
        reason: String,
        #[help]
        help: Option<String>,
    },

    #[error("unknown rpc modifier `{name}`")]
    #[diagnostic(code(brief::unknown_modifier))]
    UnknownModifier {
        name: String,
        #[label("not a modifier")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("modifier `{name}` {problem}")]
    #[diagnostic(code(brief::modifier_arguments))]
    ModifierArguments {
        name: String,
        problem: String,
        #[label("{expected}")]
        span: SourceSpan,
        expected: String,
    },

    #[error("{what} is given more than once")]
    #[diagnostic(code(brief::duplicate_modifier), help("remove the repetition"))]
    DuplicateModifier {
        what: String,
        #[label(primary, "repeated here")]
        span: SourceSpan,
        #[label("first given here")]
        first: SourceSpan,
    },

    #[error("`readonly` already implies `idempotent`")]
    #[diagnostic(
        code(brief::redundant_modifier),
        severity(Warning),
        help("remove `idempotent`")
    )]
    RedundantModifier {
        #[label("redundant")]
        span: SourceSpan,
    },

    #[error("`throws` lists `{name}`, which is {found}, not an error")]
    #[diagnostic(
        code(brief::not_an_error),
        help("only errors can be thrown: declare one with `error Name(code) {{ fields }}`")
    )]
    NotAnError {
        name: String,
        found: &'static str,
        #[label("not an error")]
        span: SourceSpan,
    },

    #[error("`{name}` is an error, which cannot be used as a field type")]
    #[diagnostic(
        code(brief::error_as_type),
        help("errors travel only through `throws`; declare a message with the same fields to embed them")
    )]
    ErrorAsType {
        name: String,
        #[label("an error, not a message or enum")]
        span: SourceSpan,
    },

    #[error("unknown error code `{code}`")]
    #[diagnostic(code(brief::unknown_error_code))]
    UnknownErrorCode {
        code: String,
        #[label("not one of the protocol's codes")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is reserved and cannot name {} {kind}", article(kind))]
    #[diagnostic(
        code(brief::reserved_name),
        help("choose another name, e.g. `{suggestion}`")
    )]
    ReservedName {
        name: String,
        kind: &'static str,
        suggestion: String,
        #[label("reserved word")]
        span: SourceSpan,
    },

    #[error("{kind} `{name}` collides with `{other}`{owner}")]
    #[diagnostic(
        code(brief::name_collision),
        help("names in one scope must differ by more than letter case and `_`, or generated code would spell them the same way in some language: rename one")
    )]
    NameCollision {
        kind: &'static str,
        name: String,
        other: String,
        /// ` in message `M``, or empty for top-level names.
        owner: String,
        #[label(primary, "collides with `{other}`")]
        span: SourceSpan,
        #[label("`{other}` declared here")]
        first: Option<SourceSpan>,
    },

    #[error("map keys must be `string`, not `{key}`")]
    #[diagnostic(
        code(brief::map_key),
        help("JSON object keys are strings: write `map[string]...`")
    )]
    MapKey {
        key: String,
        #[label("key type")]
        span: SourceSpan,
    },

    #[error("type nests {depth} levels deep; at most {max} are allowed")]
    #[diagnostic(code(brief::type_too_deep), help("name the inner levels as messages"))]
    TypeTooDeep {
        depth: usize,
        max: usize,
        #[label("too deep")]
        span: SourceSpan,
    },
}

/// `a` or `an`, for the kinds of declaration named in messages.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

pub(crate) fn span(s: crate::syntax::ast::Span) -> SourceSpan {
    SourceSpan::new(s.start.into(), s.len())
}
