//! The comparison: services, rpcs and schemas matched by name, then every message they
//! reach compared field by field with the rules of its direction.
//!
//! - [`services`]: services, rpcs, their modifiers and the errors they throw;
//! - [`schemas`]: event topics;
//! - [`messages`]: messages and their fields, followed into nested types;
//! - [`enums`]: enum values;
//! - [`declarations`]: (source level) declarations moved or removed.
//!
//! The walk finds changes ([`Change`]); what a finding says is the report's business.

mod declarations;
mod enums;
mod messages;
mod schemas;
mod services;

use std::collections::HashSet;

use super::report::wording::{Change, Side};
use super::rules::{Level, Party, Rule};
use super::Finding;
use crate::model::{EnumId, ErrorId, MessageId, Model, Span};

/// Which side of the wire writes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Dir {
    /// Written by clients, read by the server.
    Input,
    /// Written by the server or producer, read by clients or consumers.
    Output,
}

impl Dir {
    fn side(self) -> Side {
        match self {
            Dir::Input => Side::Input,
            Dir::Output => Side::Output,
        }
    }
}

/// The old and the new version of one thing.
#[derive(Debug, Clone, Copy)]
struct Pair<T> {
    old: T,
    new: T,
}

impl<T> Pair<T> {
    fn new(old: T, new: T) -> Self {
        Pair { old, new }
    }

    fn map<U>(&self, f: impl Fn(&T) -> U) -> Pair<U> {
        Pair {
            old: f(&self.old),
            new: f(&self.new),
        }
    }
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
    models: Pair<&'a Model>,
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
            models: Pair::new(old, new),
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

    /// Records a finding of `rule` (unless the level leaves it out), worded by the
    /// report for this kind of check.
    fn emit(&mut self, rule: Rule, change: Change, path: String, spans: Pair<Option<Span>>) {
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
            message: change.sentence(rule, self.consumer.is_some()),
            path,
            old: spans.old.map(|s| self.models.old.location(s)),
            new: spans.new.map(|s| self.models.new.location(s)),
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
}

/// Both spans, for [`Walker::emit`].
fn spans(old: Option<Span>, new: Option<Span>) -> Pair<Option<Span>> {
    Pair::new(old, new)
}
