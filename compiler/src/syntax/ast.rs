//! The parse tree of one file, with byte spans. Private to the front end: the formatter
//! and the checker read it; generators read only [`crate::model`].

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A piece of source text with its span: a name, a string's content, a duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub span: Span,
}

/// A doc string with continuation-line indentation already trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ast {
    pub decls: Vec<Decl>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decl {
    Import(ImportDecl),
    Service(ServiceDecl),
    Rpc(RpcDecl),
    Schema(SchemaDecl),
    Message(MessageDecl),
    Enum(EnumDecl),
    Error(ErrorDecl),
}

impl Decl {
    pub fn span(&self) -> Span {
        match self {
            Decl::Import(d) => d.span,
            Decl::Service(d) => d.span,
            Decl::Rpc(d) => d.span,
            Decl::Schema(d) => d.span,
            Decl::Message(d) => d.span,
            Decl::Enum(d) => d.span,
            Decl::Error(d) => d.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportDecl {
    pub path: Token,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    pub name: Token,
    pub doc: Option<Doc>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RpcDecl {
    pub name: Token,
    pub input: Token,
    pub output: Token,
    pub modifiers: Vec<Modifier>,
    pub doc: Option<Doc>,
    pub span: Span,
}

/// `name` or `name(arg, ...)` after an rpc's output type.
#[derive(Debug, Clone, PartialEq)]
pub struct Modifier {
    pub name: Token,
    /// `None` when written without parentheses, `Some(vec![])` for `name()`.
    pub args: Option<Vec<ModifierArg>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModifierArg {
    Duration(Token),
    Name(Token),
}

impl ModifierArg {
    pub fn token(&self) -> &Token {
        match self {
            ModifierArg::Duration(t) | ModifierArg::Name(t) => t,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDecl {
    pub topic: Token,
    pub message: Token,
    pub doc: Option<Doc>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageDecl {
    pub name: Token,
    pub fields: Vec<Field>,
    pub doc: Option<Doc>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Token,
    pub values: Vec<EnumValue>,
    pub doc: Option<Doc>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDecl {
    pub name: Token,
    pub code: Token,
    pub fields: Vec<Field>,
    pub doc: Option<Doc>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: Token,
    pub ty: TypeExpr,
    pub deprecated: bool,
    pub doc: Option<Doc>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: Token,
    pub doc: Option<Doc>,
    pub span: Span,
}

/// A type as written: `[]`/`map[K]` prefixes, outermost first, then the base name.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub prefixes: Vec<TypePrefix>,
    pub base: Token,
    pub optional: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypePrefix {
    List(Span),
    Map { key: Token, span: Span },
}

impl TypeExpr {
    /// The type as it is written in source, without inner whitespace.
    pub fn source_text(&self) -> String {
        let mut out = String::new();
        for prefix in &self.prefixes {
            match prefix {
                TypePrefix::List(_) => out.push_str("[]"),
                TypePrefix::Map { key, .. } => {
                    out.push_str("map[");
                    out.push_str(&key.text);
                    out.push(']');
                }
            }
        }
        out.push_str(&self.base.text);
        if self.optional {
            out.push('?');
        }
        out
    }
}
