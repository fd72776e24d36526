//! The comparison: services, rpcs and schemas matched by name, then every message they
//! reach compared field by field with the rules of its direction.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use super::rules::{Level, Party, Rule};
use super::Finding;
use crate::dump::format_duration;
use crate::model::{EnumId, ErrorId, Field, File, MessageId, Model, Rpc, Schema, Span, Type};

/// Which side of the wire writes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Dir {
    /// Written by clients, read by the server.
    Input,
    /// Written by the server or producer, read by clients or consumers.
    Output,
}

/// What a declaration is, for the source-level checks on declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum DeclKind {
    Message,
    Enum,
    Error,
}

impl DeclKind {
    fn word(self) -> &'static str {
        match self {
            DeclKind::Message => "message",
            DeclKind::Enum => "enum",
            DeclKind::Error => "error",
        }
    }
}

pub(crate) struct Walker<'a> {
    old: &'a Model,
    new: &'a Model,
    level: Level,
    /// Set for the consumer check: the consumer's name.
    consumer: Option<String>,
    /// Whom a change breaks along the current root.
    party: Party,
    /// The path from the current root to the message being compared.
    path: Vec<String>,
    seen_messages: HashSet<(MessageId, MessageId, Dir, Party)>,
    seen_enums: HashSet<(EnumId, EnumId, Dir, Party)>,
    seen_errors: HashSet<(ErrorId, ErrorId, Party)>,
    /// Old declarations already explained (renamed, or reported through `throws`).
    accounted: HashSet<(DeclKind, String)>,
    findings: Vec<Finding>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(
        old: &'a Model,
        new: &'a Model,
        level: Level,
        consumer: Option<String>,
    ) -> Self {
        Walker {
            old,
            new,
            level,
            party: Party::OldClients,
            consumer,
            path: Vec::new(),
            seen_messages: HashSet::new(),
            seen_enums: HashSet::new(),
            seen_errors: HashSet::new(),
            accounted: HashSet::new(),
            findings: Vec::new(),
        }
    }

    pub(crate) fn run(mut self) -> Vec<Finding> {
        self.services();
        self.schemas();
        if self.level == Level::Source && self.consumer.is_none() {
            self.declarations();
        }
        self.findings
    }

    fn root_party(&self, schema: bool) -> Party {
        match (&self.consumer, schema) {
            (Some(name), _) => Party::Consumer(name.clone()),
            (None, false) => Party::OldClients,
            (None, true) => Party::OldConsumers,
        }
    }

    fn emit(
        &mut self,
        rule: Rule,
        message: String,
        path: String,
        old: Option<Span>,
        new: Option<Span>,
    ) {
        if rule.level() > self.level {
            return;
        }
        let breaks = if rule.level() == Level::Source {
            vec![Party::GeneratedCode]
        } else {
            vec![self.party.clone()]
        };
        self.findings.push(Finding {
            rule,
            severity: rule.severity(),
            message,
            path,
            old: old.map(|s| self.old.location(s)),
            new: new.map(|s| self.new.location(s)),
            breaks,
        });
    }

    /// The current path with one more segment.
    fn path_with(&self, last: &str) -> String {
        let mut s = String::new();
        for seg in &self.path {
            s.push_str(seg);
            s.push_str(" → ");
        }
        s.push_str(last);
        s
    }

    // ---------------------------------------------------------------- services and rpcs

    fn services(&mut self) {
        let old_services = services(self.old);
        let new_services = services(self.new);
        let removed: Vec<&str> = old_services
            .keys()
            .filter(|n| !new_services.contains_key(*n))
            .copied()
            .collect();
        let added: Vec<&str> = new_services
            .keys()
            .filter(|n| !old_services.contains_key(*n))
            .copied()
            .collect();
        for (name, old_files) in &old_services {
            self.party = self.root_party(false);
            let old_span = old_files[0].service.as_ref().map(|s| s.span);
            let Some(new_files) = new_services.get(name) else {
                let hint = if removed.len() == 1 && added.len() == 1 && self.consumer.is_none() {
                    format!(" (renamed to \"{}\"?)", added[0])
                } else {
                    String::new()
                };
                let message = match &self.consumer {
                    Some(_) => format!(
                        "the consumer calls service \"{name}\", which the provider's contract does not declare"
                    ),
                    None => format!(
                        "service \"{name}\" was removed{hint}: every route of its rpcs changes"
                    ),
                };
                self.emit(
                    Rule::ServiceRemoved,
                    message,
                    format!("service \"{name}\""),
                    old_span,
                    None,
                );
                continue;
            };
            let new_service_span = new_files[0].service.as_ref().map(|s| s.span);
            let old_rpcs = rpcs(old_files);
            let new_rpcs = rpcs(new_files);
            for (rpc_name, old_rpc) in &old_rpcs {
                match new_rpcs.get(rpc_name) {
                    Some(new_rpc) => self.rpc(old_rpc, new_rpc),
                    None => {
                        let renamed: Vec<&str> = new_rpcs
                            .iter()
                            .filter(|(n, r)| {
                                !old_rpcs.contains_key(*n)
                                    && self.new.message(r.input).name
                                        == self.old.message(old_rpc.input).name
                                    && self.new.message(r.output).name
                                        == self.old.message(old_rpc.output).name
                            })
                            .map(|(n, _)| *n)
                            .collect();
                        let hint = match (renamed.as_slice(), &self.consumer) {
                            ([one], None) => format!(" (renamed to `{one}`?)"),
                            _ => String::new(),
                        };
                        let message = match &self.consumer {
                            Some(_) => format!(
                                "the consumer calls rpc `{rpc_name}`, which the provider does not serve"
                            ),
                            None => format!(
                                "rpc `{rpc_name}` was removed{hint}: old clients calling it get `unimplemented`"
                            ),
                        };
                        self.emit(
                            Rule::RpcRemoved,
                            message,
                            format!("rpc {rpc_name}"),
                            Some(old_rpc.span),
                            new_service_span,
                        );
                    }
                }
            }
        }
    }

    fn rpc(&mut self, old: &Rpc, new: &Rpc) {
        let root = format!("rpc {}", old.name);
        let (om, nm) = (&old.modifiers, &new.modifiers);
        if om.readonly && !nm.readonly {
            let still = if nm.is_idempotent() {
                "it is still idempotent, but old clients may call it by GET"
            } else {
                "old clients still retry it (and may call it by GET), though it is no longer idempotent"
            };
            self.emit(
                Rule::RpcReadonlyRemoved,
                format!("rpc `{}` is no longer readonly: {still}", old.name),
                root.clone(),
                Some(old.span),
                Some(new.span),
            );
        } else if om.is_idempotent() && !nm.is_idempotent() {
            self.emit(
                Rule::RpcIdempotentRemoved,
                format!(
                    "rpc `{}` is no longer idempotent: clients built from the old contract still retry it",
                    old.name
                ),
                root.clone(),
                Some(old.span),
                Some(new.span),
            );
        }
        if nm.deadline() < om.deadline() {
            let message = match &self.consumer {
                Some(_) => format!(
                    "the provider's timeout of rpc `{}` is {}, the consumer's copy says {}: calls the consumer expects to finish may be cut off",
                    old.name,
                    format_duration(nm.deadline()),
                    format_duration(om.deadline())
                ),
                None => format!(
                    "the timeout of rpc `{}` is shorter: {} (was {}); calls that used to finish in time may now be cut off",
                    old.name,
                    format_duration(nm.deadline()),
                    format_duration(om.deadline())
                ),
            };
            self.emit(
                Rule::RpcTimeoutShortened,
                message,
                root.clone(),
                Some(old.span),
                Some(new.span),
            );
        }

        self.path = vec![root.clone()];
        self.message(old.input, new.input, Dir::Input, Some(&old.name));
        self.path = vec![root.clone()];
        self.message(old.output, new.output, Dir::Output, Some(&old.name));

        for &oe in &om.throws {
            let old_error = self.old.error(oe);
            let found = nm
                .throws
                .iter()
                .copied()
                .find(|&ne| self.new.error(ne).name == old_error.name);
            match found {
                Some(ne) => {
                    self.path = vec![format!("{root} throws {}", old_error.name)];
                    self.error(oe, ne);
                }
                None => {
                    self.accounted
                        .insert((DeclKind::Error, old_error.name.clone()));
                    self.emit(
                        Rule::ErrorRemovedFromThrows,
                        format!(
                            "rpc `{}` no longer throws `{}`: generated code that handles it no longer compiles",
                            old.name, old_error.name
                        ),
                        format!("{root} throws {}", old_error.name),
                        Some(old_error.span),
                        Some(new.span),
                    );
                }
            }
        }
        self.path.clear();
    }

    fn error(&mut self, old: ErrorId, new: ErrorId) {
        if !self.seen_errors.insert((old, new, self.party.clone())) {
            return;
        }
        let (oe, ne) = (self.old.error(old), self.new.error(new));
        if oe.code != ne.code {
            self.emit(
                Rule::ErrorCodeChanged,
                format!(
                    "error `{}` now travels with code `{}` (was `{}`): old clients no longer recognize it",
                    oe.name, ne.code, oe.code
                ),
                self.path_with(&oe.name),
                Some(oe.span),
                Some(ne.span),
            );
        }
        self.fields(
            &oe.name,
            &oe.fields,
            oe.span,
            &ne.name,
            &ne.fields,
            ne.span,
            Dir::Output,
        );
    }

    // ---------------------------------------------------------------- schemas

    fn schemas(&mut self) {
        let old_schemas = schemas(self.old);
        let new_schemas = schemas(self.new);
        for (topic, old_schema) in &old_schemas {
            self.party = self.root_party(true);
            let root = format!("schema \"{topic}\"");
            match new_schemas.get(topic) {
                Some(new_schema) => {
                    self.path = vec![root];
                    self.message(old_schema.message, new_schema.message, Dir::Output, None);
                    self.path.clear();
                }
                None => {
                    let old_message = &self.old.message(old_schema.message).name;
                    let renamed: Vec<&str> = new_schemas
                        .iter()
                        .filter(|(t, s)| {
                            !old_schemas.contains_key(*t)
                                && &self.new.message(s.message).name == old_message
                        })
                        .map(|(t, _)| *t)
                        .collect();
                    let message = match (&self.consumer, renamed.as_slice()) {
                        (Some(_), _) => format!(
                            "the consumer listens to topic \"{topic}\", which the provider does not publish"
                        ),
                        (None, [one]) => format!(
                            "event topic \"{topic}\" was removed (renamed to \"{one}\"?): old consumers hear nothing"
                        ),
                        (None, _) => format!(
                            "event topic \"{topic}\" was removed: old consumers hear nothing"
                        ),
                    };
                    self.emit(
                        Rule::SchemaRemoved,
                        message,
                        root,
                        Some(old_schema.span),
                        None,
                    );
                }
            }
        }
    }

    // ---------------------------------------------------------------- messages and fields

    /// Compares the message `old` became `new`, reached at the current path.
    /// `rpc` is set for an rpc's own input or output.
    fn message(&mut self, old: MessageId, new: MessageId, dir: Dir, rpc: Option<&str>) {
        if !self
            .seen_messages
            .insert((old, new, dir, self.party.clone()))
        {
            return;
        }
        let (om, nm) = (self.old.message(old), self.new.message(new));
        if om.name != nm.name {
            self.accounted.insert((DeclKind::Message, om.name.clone()));
            let message = match rpc {
                Some(rpc) => format!(
                    "rpc `{rpc}` {} `{}` instead of `{}`: the wire matches, the generated signature does not",
                    if dir == Dir::Input { "takes" } else { "returns" },
                    nm.name,
                    om.name
                ),
                None => format!(
                    "message `{}` is now `{}` here: the wire matches, generated code does not",
                    om.name, nm.name
                ),
            };
            self.emit(
                Rule::MessageRenamed,
                message,
                self.path_with(&om.name),
                Some(om.span),
                Some(nm.span),
            );
        }
        self.fields(
            &om.name, &om.fields, om.span, &nm.name, &nm.fields, nm.span, dir,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn fields(
        &mut self,
        old_owner: &str,
        old_fields: &[Field],
        old_span: Span,
        new_owner: &str,
        new_fields: &[Field],
        new_span: Span,
        dir: Dir,
    ) {
        let new_by_name: HashMap<&str, &Field> =
            new_fields.iter().map(|f| (f.name.as_str(), f)).collect();
        let old_names: HashSet<&str> = old_fields.iter().map(|f| f.name.as_str()).collect();
        let mut removed = Vec::new();
        for of in old_fields {
            match new_by_name.get(of.name.as_str()) {
                Some(nf) => self.field(old_owner, of, nf, dir),
                None => removed.push(of),
            }
        }
        let added: Vec<&Field> = new_fields
            .iter()
            .filter(|f| !old_names.contains(f.name.as_str()))
            .collect();

        for &of in &removed {
            let path = self.path_with(&format!("{old_owner}.{}", of.name));
            let mut wire_error = false;
            if dir == Dir::Output && !of.optional {
                if of.ty.is_collection() {
                    self.emit(
                        Rule::ListOrMapAbsentAsEmpty,
                        format!(
                            "required field `{}` was removed from `{new_owner}`: old readers see it as empty",
                            of.name
                        ),
                        path.clone(),
                        Some(of.span),
                        Some(new_span),
                    );
                } else {
                    wire_error = true;
                    let message = match &self.consumer {
                        Some(_) => format!(
                            "the consumer requires field `{}` of `{old_owner}`, which the provider does not send",
                            of.name
                        ),
                        None => format!(
                            "required field `{}` was removed from `{new_owner}`: old readers reject every message without it",
                            of.name
                        ),
                    };
                    self.emit(
                        Rule::FieldRequiredRemovedOnOutput,
                        message,
                        path.clone(),
                        Some(of.span),
                        Some(new_span),
                    );
                }
            }
            if dir == Dir::Input && self.consumer.is_some() {
                self.emit(
                    Rule::ConsumerFieldIgnored,
                    format!(
                        "the consumer sends field `{}` of `{old_owner}`, which the provider does not know: it is ignored",
                        of.name
                    ),
                    path.clone(),
                    Some(of.span),
                    Some(new_span),
                );
            }
            let candidates: Vec<&&Field> = added
                .iter()
                .filter(|nf| renamed_field(self.old, of, self.new, nf))
                .collect();
            let unique = candidates.len() == 1
                && removed
                    .iter()
                    .filter(|rf| renamed_field(self.old, rf, self.new, candidates[0]))
                    .count()
                    == 1;
            if unique {
                let nf = candidates[0];
                self.emit(
                    Rule::FieldRenamed,
                    format!(
                        "field `{}` of `{old_owner}` looks renamed to `{}`: generated code that uses it no longer compiles",
                        of.name, nf.name
                    ),
                    path,
                    Some(of.span),
                    Some(nf.span),
                );
            } else if !wire_error {
                self.emit(
                    Rule::FieldRemoved,
                    format!(
                        "field `{}` was removed from `{new_owner}`: generated code that uses it no longer compiles",
                        of.name
                    ),
                    path,
                    Some(of.span),
                    Some(new_span),
                );
            }
        }

        if dir == Dir::Input {
            for nf in added.iter().filter(|f| !f.optional) {
                let path = self.path_with(&format!("{new_owner}.{}", nf.name));
                if nf.ty.is_collection() {
                    self.emit(
                        Rule::ListOrMapAbsentAsEmpty,
                        format!(
                            "required field `{}` was added to `{new_owner}`: old clients do not send it, so the server sees it empty",
                            nf.name
                        ),
                        path,
                        Some(old_span),
                        Some(nf.span),
                    );
                } else {
                    let message = match &self.consumer {
                        Some(_) => format!(
                            "the provider requires field `{}` of `{new_owner}`, which the consumer does not send",
                            nf.name
                        ),
                        None => format!(
                            "required field `{}` was added to `{new_owner}`: old clients do not send it, so the server rejects their requests",
                            nf.name
                        ),
                    };
                    self.emit(
                        Rule::FieldRequiredAddedOnInput,
                        message,
                        path,
                        Some(old_span),
                        Some(nf.span),
                    );
                }
            }
        }
    }

    fn field(&mut self, owner: &str, of: &Field, nf: &Field, dir: Dir) {
        let path = self.path_with(&format!("{owner}.{}", of.name));
        if !same_shape(&of.ty, &nf.ty) {
            let (ot, nt) = (
                written(self.old, &of.ty, of.optional),
                written(self.new, &nf.ty, nf.optional),
            );
            self.emit(
                Rule::FieldTypeChanged,
                format!(
                    "field `{}` of `{owner}` changed type from `{ot}` to `{nt}`: neither side reads the other's JSON",
                    of.name
                ),
                path,
                Some(of.type_span),
                Some(nf.type_span),
            );
            return;
        }
        if of.optional != nf.optional {
            let (ot, nt) = (
                written(self.old, &of.ty, of.optional),
                written(self.new, &nf.ty, nf.optional),
            );
            let change = format!(
                "field `{}` of `{owner}` changed from `{ot}` to `{nt}`",
                of.name
            );
            let wire = match (dir, nf.optional) {
                (Dir::Output, true) => Some((
                    Rule::FieldMadeOptionalOnOutput,
                    "old readers reject messages without it",
                    "old readers see it as empty when it is absent",
                )),
                (Dir::Input, false) => Some((
                    Rule::FieldMadeRequiredOnInput,
                    "old clients may leave it out, and the server rejects their requests",
                    "old clients may leave it out, and the server sees it empty",
                )),
                _ => None,
            };
            match wire {
                Some((rule, why, why_collection)) => {
                    let (rule, why) = if of.ty.is_collection() {
                        (Rule::ListOrMapAbsentAsEmpty, why_collection)
                    } else {
                        (rule, why)
                    };
                    let message = match (&self.consumer, rule) {
                        (Some(_), Rule::FieldMadeOptionalOnOutput) => format!(
                            "the consumer requires field `{}` of `{owner}`, which the provider may leave out",
                            of.name
                        ),
                        (Some(_), Rule::FieldMadeRequiredOnInput) => format!(
                            "the provider requires field `{}` of `{owner}`, which the consumer may leave out",
                            of.name
                        ),
                        _ => format!("{change}: {why}"),
                    };
                    self.emit(rule, message, path, Some(of.type_span), Some(nf.type_span));
                }
                None => self.emit(
                    Rule::FieldOptionalityChanged,
                    format!("{change}: the wire matches, the generated type does not"),
                    path,
                    Some(of.type_span),
                    Some(nf.type_span),
                ),
            }
        }
        let segment = format!("{owner}.{}{}", of.name, suffix(&of.ty));
        let depth = self.path.len();
        self.path.push(segment);
        self.descend(&of.ty, &nf.ty, dir);
        self.path.truncate(depth);
    }

    fn descend(&mut self, old: &Type, new: &Type, dir: Dir) {
        match (old, new) {
            (Type::List(a), Type::List(b)) | (Type::Map(a), Type::Map(b)) => {
                self.descend(a, b, dir)
            }
            (Type::Message(a), Type::Message(b)) => self.message(*a, *b, dir, None),
            (Type::Enum(a), Type::Enum(b)) => self.enum_(*a, *b, dir),
            _ => {}
        }
    }

    fn enum_(&mut self, old: EnumId, new: EnumId, dir: Dir) {
        if !self.seen_enums.insert((old, new, dir, self.party.clone())) {
            return;
        }
        let (oe, ne) = (self.old.enum_(old), self.new.enum_(new));
        if oe.name != ne.name {
            self.accounted.insert((DeclKind::Enum, oe.name.clone()));
            self.emit(
                Rule::EnumRenamed,
                format!(
                    "enum `{}` is now `{}` here: the wire matches, generated code does not",
                    oe.name, ne.name
                ),
                self.path_with(&oe.name),
                Some(oe.span),
                Some(ne.span),
            );
        }
        let old_values: HashSet<&str> = oe.values.iter().map(|v| v.name.as_str()).collect();
        let new_values: HashSet<&str> = ne.values.iter().map(|v| v.name.as_str()).collect();
        for v in &ne.values {
            if dir == Dir::Output && !old_values.contains(v.name.as_str()) {
                let message = match &self.consumer {
                    Some(_) => format!(
                        "the provider may send value `{}` of `{}`, which the consumer's copy lacks: it rejects the message",
                        v.name, ne.name
                    ),
                    None => format!(
                        "value `{}` was added to enum `{}`: old readers reject messages that carry it",
                        v.name, ne.name
                    ),
                };
                self.emit(
                    Rule::EnumValueAddedOnOutput,
                    message,
                    self.path_with(&format!("{}.{}", ne.name, v.name)),
                    Some(oe.span),
                    Some(v.span),
                );
            }
        }
        for v in &oe.values {
            if new_values.contains(v.name.as_str()) {
                continue;
            }
            let path = self.path_with(&format!("{}.{}", oe.name, v.name));
            if dir == Dir::Input {
                let message = match &self.consumer {
                    Some(_) => format!(
                        "the consumer may send value `{}` of `{}`, which the provider does not accept",
                        v.name, oe.name
                    ),
                    None => format!(
                        "value `{}` was removed from enum `{}`: the server rejects old clients that send it",
                        v.name, oe.name
                    ),
                };
                self.emit(
                    Rule::EnumValueRemovedOnInput,
                    message,
                    path,
                    Some(v.span),
                    Some(ne.span),
                );
            } else {
                self.emit(
                    Rule::EnumValueRemoved,
                    format!(
                        "value `{}` was removed from enum `{}`: generated code that uses it no longer compiles",
                        v.name, oe.name
                    ),
                    path,
                    Some(v.span),
                    Some(ne.span),
                );
            }
        }
    }

    // ---------------------------------------------------------------- declarations

    /// Source level: declarations that moved to another file, or disappeared without
    /// being found renamed.
    fn declarations(&mut self) {
        let old_decls = declarations(self.old);
        let new_decls = declarations(self.new);
        let moves = self.old.root_files().count() > 1 && self.new.root_files().count() > 1;
        let old_base = common_dir(self.old);
        let new_base = common_dir(self.new);
        let mut new_by_name: HashMap<&str, Vec<&(DeclKind, String, Span)>> = HashMap::new();
        for d in &new_decls {
            new_by_name.entry(d.1.as_str()).or_default().push(d);
        }
        for (kind, name, span) in &old_decls {
            let old_file = self.old.file(span.file);
            if !old_file.is_root {
                continue;
            }
            match new_by_name.get(name.as_str()) {
                Some(found) => {
                    if !moves {
                        continue;
                    }
                    let old_rel = relative(&old_file.path, &old_base);
                    let same_kind: Vec<_> = found.iter().filter(|d| d.0 == *kind).collect();
                    let stayed = same_kind
                        .iter()
                        .any(|d| relative(&self.new.file(d.2.file).path, &new_base) == old_rel);
                    let Some((_, _, new_span)) = same_kind.first().map(|d| **d) else {
                        continue;
                    };
                    if stayed {
                        continue;
                    }
                    let new_rel = relative(&self.new.file(new_span.file).path, &new_base);
                    self.emit(
                        Rule::TypeMoved,
                        format!(
                            "{} `{name}` moved from {old_rel} to {new_rel}: the wire matches, generated code may live elsewhere",
                            kind.word()
                        ),
                        format!("{} {name}", kind.word()),
                        Some(*span),
                        Some(*new_span),
                    );
                }
                None => {
                    if self.accounted.contains(&(*kind, name.clone())) {
                        continue;
                    }
                    self.emit(
                        Rule::TypeRemoved,
                        format!(
                            "{} `{name}` was removed: generated code that uses it no longer compiles",
                            kind.word()
                        ),
                        format!("{} {name}", kind.word()),
                        Some(*span),
                        None,
                    );
                }
            }
        }
    }
}

// -------------------------------------------------------------------- helpers

/// Services by name, with the files that declare them (normally one).
fn services(model: &Model) -> BTreeMap<&str, Vec<&File>> {
    let mut out: BTreeMap<&str, Vec<&File>> = BTreeMap::new();
    for file in &model.files {
        if let Some(service) = &file.service {
            out.entry(service.name.as_str()).or_default().push(file);
        }
    }
    out
}

fn rpcs<'m>(files: &[&'m File]) -> BTreeMap<&'m str, &'m Rpc> {
    let mut out = BTreeMap::new();
    for file in files {
        for rpc in &file.rpcs {
            out.entry(rpc.name.as_str()).or_insert(rpc);
        }
    }
    out
}

fn schemas(model: &Model) -> BTreeMap<&str, &Schema> {
    let mut out = BTreeMap::new();
    for file in &model.files {
        for schema in &file.schemas {
            out.entry(schema.topic.as_str()).or_insert(schema);
        }
    }
    out
}

fn declarations(model: &Model) -> Vec<(DeclKind, String, Span)> {
    let mut out = Vec::new();
    for file in &model.files {
        for &m in &file.messages {
            let m = model.message(m);
            out.push((DeclKind::Message, m.name.clone(), m.span));
        }
        for &e in &file.enums {
            let e = model.enum_(e);
            out.push((DeclKind::Enum, e.name.clone(), e.span));
        }
        for &e in &file.errors {
            let e = model.error(e);
            out.push((DeclKind::Error, e.name.clone(), e.span));
        }
    }
    out
}

/// The folder every root file is in (the part to strip to compare file names).
fn common_dir(model: &Model) -> PathBuf {
    let mut roots = model
        .root_files()
        .map(|f| f.path.parent().unwrap_or(&f.path));
    let Some(first) = roots.next() else {
        return PathBuf::new();
    };
    let mut common: Vec<_> = first.components().collect();
    for dir in roots {
        let n = common
            .iter()
            .zip(dir.components())
            .take_while(|(a, b)| *a == b)
            .count();
        common.truncate(n);
    }
    common.iter().collect()
}

fn relative(path: &std::path::Path, base: &std::path::Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Whether two types have the same JSON shape, messages and enums compared later.
fn same_shape(old: &Type, new: &Type) -> bool {
    match (old, new) {
        (Type::List(a), Type::List(b)) | (Type::Map(a), Type::Map(b)) => same_shape(a, b),
        (Type::Message(_), Type::Message(_)) | (Type::Enum(_), Type::Enum(_)) => true,
        (a, b) => {
            !matches!(
                a,
                Type::List(_) | Type::Map(_) | Type::Message(_) | Type::Enum(_)
            ) && a == b
        }
    }
}

/// A removed field and an added one that could be the same field renamed.
fn renamed_field(old: &Model, of: &Field, new: &Model, nf: &Field) -> bool {
    of.optional == nf.optional && of.ty.display(old) == nf.ty.display(new)
}

/// `[]` per list and `{}` per map around the element type, for paths.
fn suffix(ty: &Type) -> String {
    let mut s = String::new();
    let mut ty = ty;
    loop {
        match ty {
            Type::List(t) => {
                s.push_str("[]");
                ty = t;
            }
            Type::Map(t) => {
                s.push_str("{}");
                ty = t;
            }
            _ => return s,
        }
    }
}

fn written(model: &Model, ty: &Type, optional: bool) -> String {
    let mut s = ty.display(model);
    if optional {
        s.push('?');
    }
    s
}
