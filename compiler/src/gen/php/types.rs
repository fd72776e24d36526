//! Messages, enums, typed errors and topics as PHP classes: the type mapping and the
//! per-field code that decodes and encodes the JSON of docs/language.md through the
//! runtime's `\Brief\Decoder` and `\Brief\Encoder`.

use askama::Template;

use super::names;
use super::text::{call, deprecatable, doc_lines, docblock, string_expr, Arg};
use super::Plan;
use crate::gen::header;
use crate::model::*;

/// The runtime's type specs (`\Brief\Spec`): a flat list, outermost first, so that a spec
/// of any depth can be broken one element per line.
const SPEC: &str = "\\Brief\\Spec::";

/// The classes of one contract file: (class name, file text).
pub(super) fn render(model: &Model, plan: &Plan, file: &File) -> Vec<(String, String)> {
    let ctx = Types {
        model,
        plan,
        file: file.id,
    };
    let fp = plan.file(file.id);
    let head = || Head {
        header: file_header(file),
        namespace: fp.namespace.clone(),
    };
    let mut out = Vec::new();
    for id in &file.messages {
        let m = model.message(*id);
        let name = plan.message_name(*id).to_string();
        let fields = ctx.fields(&m.fields, false);
        let mut description = doc_lines(&m.doc);
        if description.is_empty() {
            description.push(format!("The message {} of the contract.", m.name));
        }
        let view = MessageView {
            head: head(),
            docblock: docblock(0, &description, &[]).expect("not empty")
                + &names::sniff_note(0, &name, names::CLASS_SNIFF),
            constructor: constructor(&fields, None),
            decode_body: decode_body(&fields, None),
            encode_body: encode_body(&fields),
            name: name.clone(),
        };
        out.push((
            name,
            view.render().expect("templates render plain data") + "\n",
        ));
    }
    for id in &file.enums {
        let e = model.enum_(*id);
        let name = plan.enum_name(*id).to_string();
        let mut description = doc_lines(&e.doc);
        if description.is_empty() {
            description.push(format!("The enum {} of the contract.", e.name));
        }
        description.push(String::new());
        description
            .push("A closed set: decoding any other value fails with invalid_argument.".into());
        let mut cases = names::constants();
        let view = EnumView {
            head: head(),
            docblock: docblock(0, &description, &[]).expect("not empty")
                + &names::sniff_note(0, &name, names::CLASS_SNIFF),
            name: name.clone(),
            cases: e
                .values
                .iter()
                .map(|v| CaseView {
                    docblock: docblock(4, &doc_lines(&v.doc), &[]),
                    name: names::case_name(&mut cases, &v.name),
                    wire: names::string_literal(&v.name),
                })
                .collect(),
        };
        out.push((
            name,
            view.render().expect("templates render plain data") + "\n",
        ));
    }
    for id in &file.errors {
        let e = model.error(*id);
        let name = plan.error_name(*id).to_string();
        let fields = ctx.fields(&e.fields, true);
        let default_message = e.doc.clone().unwrap_or_else(|| e.name.clone());
        let mut description = doc_lines(&e.doc);
        if !description.is_empty() {
            description.push(String::new());
        }
        description.push(format!(
            "A typed error, sent with code {}. Handlers throw it; clients of an rpc that \
             throws it catch it, with its fields and the message the handler chose.",
            e.code
        ));
        let view = ErrorView {
            head: head(),
            docblock: docblock(0, &description, &[]).expect("not empty")
                + &names::sniff_note(0, &name, names::CLASS_SNIFF),
            constructor: constructor(
                &fields,
                Some(ErrorCtor {
                    code: heck::ToUpperCamelCase::to_upper_camel_case(e.code.as_str()),
                    message: default_message,
                }),
            ),
            decode_body: decode_body(&fields, Some("message: $message")),
            encode_body: encode_body(&fields),
            error_name: names::string_literal(&e.name),
            name: name.clone(),
        };
        out.push((
            name,
            view.render().expect("templates render plain data") + "\n",
        ));
    }
    if !file.schemas.is_empty() {
        let class = fp.generated.topics.clone();
        let mut consts = names::constants();
        let view = TopicsView {
            head: head(),
            docblock: docblock(
                0,
                &[format!(
                    "The data-bus topics of {}, each published with its message.",
                    file.display_path()
                )],
                &[],
            )
            .expect("not empty")
                + &names::sniff_note(0, &class, names::CLASS_SNIFF),
            name: class.clone(),
            topics: file
                .schemas
                .iter()
                .map(|s| {
                    let mut description = doc_lines(&s.doc);
                    description.push(format!(
                        "Message: {}.",
                        plan.message(file.id, model, s.message)
                    ));
                    TopicView {
                        docblock: docblock(4, &description, &[]).expect("not empty"),
                        name: names::topic_const(&mut consts, &s.topic),
                        topic: names::string_literal(&s.topic),
                    }
                })
                .collect(),
        };
        out.push((
            class,
            view.render().expect("templates render plain data") + "\n",
        ));
    }
    out
}

/// The first lines every generated PHP file shares.
pub(super) struct Head {
    pub header: String,
    pub namespace: String,
}

/// The "generated by" line as a file docblock (PSR-12 puts it before `declare`).
pub(super) fn file_header(file: &File) -> String {
    format!("/**\n * {}\n */", header("", file).trim_start())
}

#[derive(Template)]
#[template(path = "php/message.php.txt", escape = "none")]
struct MessageView {
    head: Head,
    docblock: String,
    name: String,
    constructor: String,
    decode_body: String,
    encode_body: String,
}

#[derive(Template)]
#[template(path = "php/error.php.txt", escape = "none")]
struct ErrorView {
    head: Head,
    docblock: String,
    name: String,
    error_name: String,
    constructor: String,
    decode_body: String,
    encode_body: String,
}

#[derive(Template)]
#[template(path = "php/enum.php.txt", escape = "none")]
struct EnumView {
    head: Head,
    docblock: String,
    name: String,
    cases: Vec<CaseView>,
}

struct CaseView {
    docblock: Option<String>,
    name: String,
    wire: String,
}

#[derive(Template)]
#[template(path = "php/topics.php.txt", escape = "none")]
struct TopicsView {
    head: Head,
    docblock: String,
    name: String,
    topics: Vec<TopicView>,
}

struct TopicView {
    docblock: String,
    name: String,
    topic: String,
}

/// How a field is read and written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    /// A scalar, enum or message without `?`: absent or null is an error.
    Required,
    /// A list or map without `?`: absent or null is empty; always written.
    Collection,
    /// `T?`: absent or null is null; omitted when null.
    Optional,
}

/// One field of a message or error, with everything the templates need.
struct FieldView {
    property: String,
    wire: String,
    presence: Presence,
    /// `int`, `?string`, `array`, `\DateTimeImmutable`, `Item`.
    php_type: String,
    docblock: Option<String>,
    spec: Vec<String>,
    /// The JSON value of `$this->{property}` (known not to be null), unless it is a
    /// list or map, which `\Brief\Encoder::value` writes by its spec.
    encode: Option<String>,
}

impl FieldView {
    /// `{lhs}{the JSON value}{tail}` at `indent`, within the line limit.
    fn encode_line(&self, indent: usize, lhs: &str, tail: &str) -> String {
        match &self.encode {
            Some(expr) => format!("{}{lhs}{expr}{tail}", " ".repeat(indent)),
            None => call(
                indent,
                &format!("{lhs}\\Brief\\Encoder::value"),
                &[
                    Arg::Text(format!("$this->{}", self.property)),
                    spec_arg(self.spec.clone()),
                ],
                tail,
            ),
        }
    }
}

struct Types<'a> {
    model: &'a Model,
    plan: &'a Plan,
    file: FileId,
}

impl Types<'_> {
    fn fields(&self, fields: &[Field], error: bool) -> Vec<FieldView> {
        let mut props = names::properties(error);
        fields
            .iter()
            .map(|f| {
                let presence = if f.optional {
                    Presence::Optional
                } else if f.ty.is_collection() {
                    Presence::Collection
                } else {
                    Presence::Required
                };
                let base = self.php_type(&f.ty);
                let php_type = if f.optional { format!("?{base}") } else { base };
                let (description, mut tags) = deprecatable(&f.doc, f.deprecated);
                if matches!(
                    f.ty,
                    Type::List(_) | Type::Map(_) | Type::Bytes | Type::Float
                ) {
                    let mut doc_type = self.doc_type(&f.ty);
                    if f.optional {
                        doc_type.push_str("|null");
                    }
                    tags.push(format!("@var {doc_type}"));
                }
                let property = names::property_name(&mut props, &f.name);
                FieldView {
                    encode: self.encode(&f.ty, &format!("$this->{property}")),
                    property,
                    wire: names::string_literal(&f.name),
                    presence,
                    php_type,
                    docblock: docblock(8, &description, &tags),
                    spec: self.spec(&f.ty),
                }
            })
            .collect()
    }

    /// The declared PHP type of a field's value.
    fn php_type(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Float => "float".into(),
            Type::String | Type::Bytes => "string".into(),
            Type::Time => "\\DateTimeImmutable".into(),
            Type::List(_) | Type::Map(_) => "array".into(),
            Type::Message(id) => self.plan.message(self.file, self.model, *id),
            Type::Enum(id) => self.plan.enum_(self.file, self.model, *id),
        }
    }

    /// The PHPDoc type: `list<Item>`, `array<string, list<int>>`; bytes say what they
    /// hold, and a float may be NAN or INF.
    fn doc_type(&self, ty: &Type) -> String {
        match ty {
            Type::Bytes => "string raw bytes (base64 on the wire)".into(),
            Type::Float => {
                "float (NAN and INF travel as \"NaN\", \"Infinity\", \"-Infinity\")".into()
            }
            Type::List(t) => format!("list<{}>", self.inner_doc_type(t)),
            Type::Map(t) => format!("array<string, {}>", self.inner_doc_type(t)),
            _ => self.php_type(ty),
        }
    }

    fn inner_doc_type(&self, ty: &Type) -> String {
        match ty {
            Type::List(t) => format!("list<{}>", self.inner_doc_type(t)),
            Type::Map(t) => format!("array<string, {}>", self.inner_doc_type(t)),
            _ => self.php_type(ty),
        }
    }

    /// The runtime spec: `\Brief\Spec::INT`, `Item::class`, then for lists, maps and
    /// enums the constructor first: `\Brief\Spec::LIST, \Brief\Spec::ENUM, Color::class`.
    fn spec(&self, ty: &Type) -> Vec<String> {
        match ty {
            Type::Bool => vec![format!("{SPEC}BOOL")],
            Type::Int => vec![format!("{SPEC}INT")],
            Type::Float => vec![format!("{SPEC}FLOAT")],
            Type::String => vec![format!("{SPEC}STRING")],
            Type::Bytes => vec![format!("{SPEC}BYTES")],
            Type::Time => vec![format!("{SPEC}TIME")],
            Type::List(t) => std::iter::once(format!("{SPEC}LIST"))
                .chain(self.spec(t))
                .collect(),
            Type::Map(t) => std::iter::once(format!("{SPEC}MAP"))
                .chain(self.spec(t))
                .collect(),
            Type::Message(_) => vec![format!("{}::class", self.php_type(ty))],
            Type::Enum(_) => vec![
                format!("{SPEC}ENUM"),
                format!("{}::class", self.php_type(ty)),
            ],
        }
    }

    /// The JSON value of `value` (an expression of the field's type, not null); `None`
    /// for lists and maps, which are written by their spec.
    fn encode(&self, ty: &Type, value: &str) -> Option<String> {
        Some(match ty {
            Type::Bool | Type::Int | Type::String => value.to_string(),
            Type::Float => format!("\\Brief\\Encoder::float({value})"),
            Type::Bytes => format!("\\base64_encode({value})"),
            Type::Time => format!("\\Brief\\Encoder::time({value})"),
            Type::Enum(_) => format!("{value}->value"),
            Type::Message(_) => format!("{value}->jsonSerialize()"),
            Type::List(_) | Type::Map(_) => return None,
        })
    }
}

/// A spec as a call argument: the bare constant when it is one element.
fn spec_arg(spec: Vec<String>) -> Arg {
    if spec.len() == 1 {
        Arg::Text(spec.into_iter().next().expect("one element"))
    } else {
        Arg::Array(spec)
    }
}

/// What a typed error's constructor adds.
struct ErrorCtor {
    /// The `\Brief\Code` case.
    code: String,
    /// The default message.
    message: String,
}

/// The constructor: promoted readonly properties, required ones first (so that optional
/// parameters can have defaults), each with its docs.
fn constructor(fields: &[FieldView], error: Option<ErrorCtor>) -> String {
    let mut params: Vec<String> = Vec::new();
    for presence in [Presence::Required, Presence::Collection, Presence::Optional] {
        for f in fields.iter().filter(|f| f.presence == presence) {
            let default = match presence {
                Presence::Required => "",
                Presence::Collection => " = []",
                Presence::Optional => " = null",
            };
            let mut p = String::new();
            if let Some(d) = &f.docblock {
                p.push_str(d);
                p.push('\n');
            }
            p.push_str(&format!(
                "        public readonly {} ${}{default},",
                f.php_type, f.property
            ));
            params.push(p);
        }
    }
    let mut out = String::new();
    let body = match &error {
        Some(e) => {
            out.push_str("    /** The message the error has unless the handler gives one: the contract's doc. */\n");
            out.push_str(&string_expr(
                4,
                "public const DEFAULT_MESSAGE = ",
                &e.message,
            ));
            out.push_str("\n\n");
            out.push_str(
                &docblock(
                    4,
                    &[],
                    &[
                        "@param string|null $message the error's message; null for DEFAULT_MESSAGE"
                            .into(),
                    ],
                )
                .expect("a tag"),
            );
            out.push('\n');
            params.push("        ?string $message = null,".into());
            format!(
                "        parent::__construct(\\Brief\\Code::{}, $message ?? self::DEFAULT_MESSAGE);\n",
                e.code
            )
        }
        None => String::new(),
    };
    if params.is_empty() {
        out.push_str(&format!(
            "    public function __construct()\n    {{\n{body}    }}"
        ));
    } else if params.len() == 1 && error.is_some() && fields.is_empty() {
        out.push_str(&format!(
            "    public function __construct(?string $message = null)\n    {{\n{body}    }}"
        ));
    } else {
        out.push_str("    public function __construct(\n");
        out.push_str(&params.join("\n"));
        out.push_str(&format!("\n    ) {{\n{body}    }}"));
    }
    out
}

/// The body of `decodeWith`/`fromDetail`: read the object's members, then construct.
fn decode_body(fields: &[FieldView], extra: Option<&str>) -> String {
    let mut args: Vec<String> = fields
        .iter()
        .map(|f| {
            let method = match f.presence {
                Presence::Required => "required",
                Presence::Collection => "collection",
                Presence::Optional => "optional",
            };
            call(
                12,
                &format!("{}: $d->{method}", f.property),
                &[
                    Arg::Text("$f".into()),
                    Arg::Text(f.wire.clone()),
                    spec_arg(f.spec.clone()),
                ],
                ",",
            )
        })
        .collect();
    if let Some(extra) = extra {
        args.push(format!("            {extra},"));
    }
    if fields.is_empty() {
        let args = extra.map(|e| e.to_string()).unwrap_or_default();
        return format!("        $d->fields($value);\n\n        return new self({args});");
    }
    format!(
        "        $f = $d->fields($value);\n\n        return new self(\n{}\n        );",
        args.join("\n")
    )
}

/// The body of `jsonSerialize`: required members in one array literal, then the optional
/// ones that are set. An object that may have no members is a `\stdClass`, so that
/// json_encode() writes `{}`.
fn encode_body(fields: &[FieldView]) -> String {
    let always: Vec<&FieldView> = fields
        .iter()
        .filter(|f| f.presence != Presence::Optional)
        .collect();
    let optional: Vec<&FieldView> = fields
        .iter()
        .filter(|f| f.presence == Presence::Optional)
        .collect();
    if fields.is_empty() {
        return "        return new \\stdClass();".into();
    }
    let mut out = String::new();
    if always.is_empty() {
        out.push_str("        $o = [];\n");
    } else {
        out.push_str("        $o = [\n");
        for f in &always {
            out.push_str(&f.encode_line(12, &format!("{} => ", f.wire), ","));
            out.push('\n');
        }
        out.push_str("        ];\n");
    }
    for f in &optional {
        out.push_str(&format!("        if ($this->{} !== null) {{\n", f.property));
        out.push_str(&f.encode_line(12, &format!("$o[{}] = ", f.wire), ";"));
        out.push_str("\n        }\n");
    }
    if always.is_empty() {
        out.push_str("\n        return $o === [] ? new \\stdClass() : $o;");
    } else {
        out.push_str("\n        return $o;");
    }
    out
}
