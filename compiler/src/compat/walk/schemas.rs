//! Event schemas matched by topic; the message each publishes is written by producers.

use std::collections::BTreeMap;

use super::{spans, Dir, Pair, Walker};
use crate::compat::report::wording::Change;
use crate::compat::rules::Rule;
use crate::model::{Model, Schema};

impl Walker<'_> {
    pub(super) fn schemas(&mut self) {
        let old_schemas = schemas(self.models.old);
        let new_schemas = schemas(self.models.new);
        for (topic, old_schema) in &old_schemas {
            self.party = self.root_party(true);
            let root = format!("schema \"{topic}\"");
            if let Some(new_schema) = new_schemas.get(topic) {
                self.path = vec![root];
                let messages = Pair::new(old_schema.message, new_schema.message);
                self.message(messages, Dir::Output, None);
                self.path.clear();
                continue;
            }
            let old_message = &self.models.old.message(old_schema.message).name;
            let renamed: Vec<&str> = new_schemas
                .iter()
                .filter(|(t, s)| {
                    !old_schemas.contains_key(*t)
                        && &self.models.new.message(s.message).name == old_message
                })
                .map(|(t, _)| *t)
                .collect();
            let change = Change::SchemaRemoved {
                topic: topic.to_string(),
                renamed_to: match renamed.as_slice() {
                    [one] => Some(one.to_string()),
                    _ => None,
                },
            };
            let spans = spans(Some(old_schema.span), None);
            self.emit(Rule::SchemaRemoved, change, root, spans);
        }
    }
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
