//! Enums: a value added is new to old readers, a value removed is unknown to the new
//! server.

use std::collections::HashSet;

use super::{spans, DeclKind, Dir, Pair, Walker};
use crate::compat::report::wording::Change;
use crate::compat::rules::Rule;
use crate::model::EnumId;

impl Walker<'_> {
    pub(super) fn enum_(&mut self, ids: Pair<EnumId>, dir: Dir) {
        if !self
            .seen_enums
            .insert((ids.old, ids.new, dir, self.party.clone()))
        {
            return;
        }
        let (oe, ne) = (
            self.models.old.enum_(ids.old),
            self.models.new.enum_(ids.new),
        );
        if oe.name != ne.name {
            self.accounted.insert((DeclKind::Enum, oe.name.clone()));
            let change = Change::EnumRenamed {
                old: oe.name.clone(),
                new: ne.name.clone(),
            };
            let path = self.path_with(&oe.name);
            self.emit(
                Rule::EnumRenamed,
                change,
                path,
                spans(Some(oe.span), Some(ne.span)),
            );
        }
        let values = Pair::new(oe, ne).map(|e| {
            e.values
                .iter()
                .map(|v| v.name.as_str())
                .collect::<HashSet<&str>>()
        });
        if dir == Dir::Output {
            for v in ne
                .values
                .iter()
                .filter(|v| !values.old.contains(v.name.as_str()))
            {
                let change = Change::EnumValueAdded {
                    value: v.name.clone(),
                    owner: ne.name.clone(),
                };
                let path = self.path_with(&format!("{}.{}", ne.name, v.name));
                let spans = spans(Some(oe.span), Some(v.span));
                self.emit(Rule::EnumValueAddedOnOutput, change, path, spans);
            }
        }
        for v in oe
            .values
            .iter()
            .filter(|v| !values.new.contains(v.name.as_str()))
        {
            let path = self.path_with(&format!("{}.{}", oe.name, v.name));
            let rule = if dir == Dir::Input {
                Rule::EnumValueRemovedOnInput
            } else {
                Rule::EnumValueRemoved
            };
            let change = Change::EnumValueRemoved {
                value: v.name.clone(),
                owner: oe.name.clone(),
            };
            self.emit(rule, change, path, spans(Some(v.span), Some(ne.span)));
        }
    }
}
