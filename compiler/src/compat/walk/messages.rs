//! Messages (and the fields of errors) compared field by field with the rules of the
//! side that writes them, then followed into the types of their fields.

use std::collections::{HashMap, HashSet};

use super::{spans, DeclKind, Dir, Pair, Walker};
use crate::compat::report::wording::{Change, Readable};
use crate::compat::rules::Rule;
use crate::model::{ErrorType, Field, Message, MessageId, Model, Span, Type};

/// A message or an error: what has fields.
#[derive(Debug, Clone, Copy)]
pub(super) struct Owner<'m> {
    name: &'m str,
    fields: &'m [Field],
    span: Span,
}

impl<'m> Owner<'m> {
    fn of_message(m: &'m Message) -> Self {
        Owner {
            name: &m.name,
            fields: &m.fields,
            span: m.span,
        }
    }

    pub(super) fn of_error(e: &'m ErrorType) -> Self {
        Owner {
            name: &e.name,
            fields: &e.fields,
            span: e.span,
        }
    }
}

impl Walker<'_> {
    /// Compares the message `old` became `new`, reached at the current path.
    /// `rpc` is set for an rpc's own input or output.
    pub(super) fn message(&mut self, ids: Pair<MessageId>, dir: Dir, rpc: Option<&str>) {
        if !self
            .seen_messages
            .insert((ids.old, ids.new, dir, self.party.clone()))
        {
            return;
        }
        let (om, nm) = (
            self.models.old.message(ids.old),
            self.models.new.message(ids.new),
        );
        if om.name != nm.name {
            self.accounted.insert((DeclKind::Message, om.name.clone()));
            let change = Change::MessageRenamed {
                old: om.name.clone(),
                new: nm.name.clone(),
                rpc: rpc.map(|r| (r.to_string(), dir.side())),
            };
            let path = self.path_with(&om.name);
            let spans = spans(Some(om.span), Some(nm.span));
            self.emit(Rule::MessageRenamed, change, path, spans);
        }
        self.fields(Pair::new(Owner::of_message(om), Owner::of_message(nm)), dir);
    }

    /// The fields of one message (or error) in both versions.
    pub(super) fn fields(&mut self, owners: Pair<Owner>, dir: Dir) {
        let new_by_name: HashMap<&str, &Field> = owners
            .new
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f))
            .collect();
        let old_names: HashSet<&str> = owners.old.fields.iter().map(|f| f.name.as_str()).collect();
        let mut removed = Vec::new();
        for of in owners.old.fields {
            match new_by_name.get(of.name.as_str()) {
                Some(nf) => self.field(owners.old.name, Pair::new(of, *nf), dir),
                None => removed.push(of),
            }
        }
        let added: Vec<&Field> = owners
            .new
            .fields
            .iter()
            .filter(|f| !old_names.contains(f.name.as_str()))
            .collect();
        for &of in &removed {
            self.removed_field(&owners, of, &removed, &added, dir);
        }
        if dir == Dir::Input {
            for nf in added.iter().filter(|f| !f.optional) {
                let path = self.path_with(&format!("{}.{}", owners.new.name, nf.name));
                let collection = nf.ty.is_collection();
                let rule = if collection {
                    Rule::ListOrMapAbsentAsEmpty
                } else {
                    Rule::FieldRequiredAddedOnInput
                };
                let change = Change::RequiredFieldAdded {
                    field: nf.name.clone(),
                    owner: owners.new.name.to_string(),
                    collection,
                };
                self.emit(
                    rule,
                    change,
                    path,
                    spans(Some(owners.old.span), Some(nf.span)),
                );
            }
        }
    }

    /// A field of the old version the new one lacks: gone on the wire, or renamed.
    fn removed_field(
        &mut self,
        owners: &Pair<Owner>,
        of: &Field,
        removed: &[&Field],
        added: &[&Field],
        dir: Dir,
    ) {
        let path = self.path_with(&format!("{}.{}", owners.old.name, of.name));
        let gone = || Change::FieldRemoved {
            field: of.name.clone(),
            old_owner: owners.old.name.to_string(),
            new_owner: owners.new.name.to_string(),
        };
        let to_owner = spans(Some(of.span), Some(owners.new.span));
        let mut wire_error = false;
        if dir == Dir::Output && !of.optional {
            let rule = if of.ty.is_collection() {
                Rule::ListOrMapAbsentAsEmpty
            } else {
                wire_error = true;
                Rule::FieldRequiredRemovedOnOutput
            };
            self.emit(rule, gone(), path.clone(), to_owner);
        }
        if dir == Dir::Input && self.consumer.is_some() {
            let change = Change::FieldIgnored {
                field: of.name.clone(),
                owner: owners.old.name.to_string(),
            };
            self.emit(Rule::ConsumerFieldIgnored, change, path.clone(), to_owner);
        }
        let models = self.models;
        let candidates: Vec<&&Field> = added
            .iter()
            .filter(|nf| renamed_field(models, of, nf))
            .collect();
        let unique = candidates.len() == 1
            && removed
                .iter()
                .filter(|rf| renamed_field(models, rf, candidates[0]))
                .count()
                == 1;
        if unique {
            let nf = candidates[0];
            let change = Change::FieldRenamed {
                owner: owners.old.name.to_string(),
                old: of.name.clone(),
                new: nf.name.clone(),
            };
            self.emit(
                Rule::FieldRenamed,
                change,
                path,
                spans(Some(of.span), Some(nf.span)),
            );
        } else if !wire_error {
            self.emit(Rule::FieldRemoved, gone(), path, to_owner);
        }
    }

    /// A field in both versions, of message `owner` (its old name).
    fn field(&mut self, owner: &str, field: Pair<&Field>, dir: Dir) {
        let (of, nf) = (field.old, field.new);
        let path = self.path_with(&format!("{owner}.{}", of.name));
        let types = spans(Some(of.type_span), Some(nf.type_span));
        let written = Pair::new(
            written(self.models.old, &of.ty, of.optional),
            written(self.models.new, &nf.ty, nf.optional),
        );
        if !same_shape(&of.ty, &nf.ty) {
            let readable = match (reads(&nf.ty, &of.ty), reads(&of.ty, &nf.ty)) {
                (true, false) => Readable::NewReadsOld,
                (false, true) => Readable::OldReadsNew,
                _ => Readable::Neither,
            };
            let change = Change::FieldTypeChanged {
                field: of.name.clone(),
                owner: owner.to_string(),
                old_type: written.old,
                new_type: written.new,
                readable,
            };
            self.emit(Rule::FieldTypeChanged, change, path, types);
            return;
        }
        if of.optional != nf.optional {
            let collection = of.ty.is_collection();
            let on_the_wire = match (dir, nf.optional) {
                (Dir::Output, true) => Some(Rule::FieldMadeOptionalOnOutput),
                (Dir::Input, false) => Some(Rule::FieldMadeRequiredOnInput),
                _ => None,
            };
            let rule = match on_the_wire {
                // An absent list or map reads as empty: nobody is rejected.
                Some(_) if collection => Rule::ListOrMapAbsentAsEmpty,
                Some(rule) => rule,
                None => Rule::FieldOptionalityChanged,
            };
            let change = Change::OptionalityChanged {
                field: of.name.clone(),
                owner: owner.to_string(),
                old_type: written.old,
                new_type: written.new,
                collection,
            };
            self.emit(rule, change, path, types);
        }
        let segment = format!("{owner}.{}{}", of.name, suffix(&of.ty));
        let depth = self.path.len();
        self.path.push(segment);
        self.descend(Pair::new(&of.ty, &nf.ty), dir);
        self.path.truncate(depth);
    }

    fn descend(&mut self, types: Pair<&Type>, dir: Dir) {
        match (types.old, types.new) {
            (Type::List(a), Type::List(b)) | (Type::Map(a), Type::Map(b)) => {
                self.descend(Pair::new(a, b), dir)
            }
            (Type::Message(a), Type::Message(b)) => self.message(Pair::new(*a, *b), dir, None),
            (Type::Enum(a), Type::Enum(b)) => self.enum_(Pair::new(*a, *b), dir),
            _ => {}
        }
    }
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

/// Whether a reader of type `reader` accepts every JSON value a writer of `writer`
/// writes, for two types of different shapes: a `string` reads times, bytes and enum
/// values (all JSON strings), a `float` reads `int` values (JSON numbers).
fn reads(reader: &Type, writer: &Type) -> bool {
    match (reader, writer) {
        (Type::List(r), Type::List(w)) | (Type::Map(r), Type::Map(w)) => reads(r, w),
        (Type::String, Type::Time | Type::Bytes | Type::Enum(_)) => true,
        (Type::Float, Type::Int) => true,
        _ => false,
    }
}

/// A removed field and an added one that could be the same field renamed.
fn renamed_field(models: Pair<&Model>, of: &Field, nf: &Field) -> bool {
    of.optional == nf.optional && of.ty.display(models.old) == nf.ty.display(models.new)
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
