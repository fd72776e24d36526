//! A `schema`: its topic constant, a typed publisher (with client code) and a consumer
//! trait with the function that mounts it (with server code).

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::names::{self, Scopes};
use super::types::Scope;
use super::view::TopicView;
use crate::gen::names::Namespace;
use crate::gen::{comment_lines, Options};
use crate::model::Schema;

/// `handlers` holds the consumer traits' methods of one module: distinct, so that one
/// type can implement several consumers.
pub fn topic_view(
    scope: &Scope,
    scopes: &mut Scopes,
    handlers: &mut Namespace,
    schema: &Schema,
    options: &Options,
) -> TopicView {
    // `image-storage.resized` → `ImageStorageResized`, `image_storage_resized`.
    let words = schema.topic.replace(['.', '-'], "_");
    let pascal = words.to_upper_camel_case();
    let snake = words.to_snake_case();
    TopicView {
        const_name: scopes.const_name(&schema.topic, "_TOPIC"),
        topic: names::string_literal(&schema.topic),
        route: names::string_literal(&format!("events/{}", schema.topic)),
        topic_text: schema.topic.clone(),
        message: scope.message(schema.message),
        docs: comment_lines(&schema.doc),
        publisher: options
            .client
            .then(|| scopes.helper_type(&format!("{pascal}Publisher"))),
        consumer: options.server.then(|| {
            (
                scopes.helper_type(&format!("{pascal}Consumer")),
                scopes.value_name(&format!("{snake}_consumer")),
            )
        }),
        handler: handlers.claim(&format!("on_{snake}")),
    }
}
