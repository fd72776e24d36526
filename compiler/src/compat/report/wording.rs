//! What a finding says: one sentence per kind of change, in the words of the check that
//! found it — a new version against the old one (old clients, old readers), or a
//! provider against a consumer's copy (the consumer, the provider).

use std::time::Duration;

use super::super::rules::Rule;
use crate::model::ErrorCode;

/// Which side writes a message, as the wording needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Written by clients (an rpc's input).
    Input,
    /// Written by the server or a producer.
    Output,
}

/// Which reader still reads the other side's JSON after a field's type changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readable {
    Neither,
    /// The new type reads every value of the old one, not the other way round.
    NewReadsOld,
    /// The old type reads every value of the new one, not the other way round.
    OldReadsNew,
}

/// One change the walk found, with what the sentence needs.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    ServiceRemoved {
        name: String,
        renamed_to: Option<String>,
    },
    RpcRemoved {
        rpc: String,
        renamed_to: Option<String>,
    },
    ReadonlyRemoved {
        rpc: String,
        still_idempotent: bool,
    },
    IdempotentRemoved {
        rpc: String,
    },
    TimeoutShortened {
        rpc: String,
        old: Duration,
        new: Duration,
    },
    ErrorRemovedFromThrows {
        rpc: String,
        error: String,
    },
    ErrorCodeChanged {
        error: String,
        old: ErrorCode,
        new: ErrorCode,
    },
    SchemaRemoved {
        topic: String,
        renamed_to: Option<String>,
    },
    MessageRenamed {
        old: String,
        new: String,
        /// The rpc whose own input or output it is, and which.
        rpc: Option<(String, Side)>,
    },
    /// A field is gone; `old_owner`/`new_owner` name the message in each version.
    FieldRemoved {
        field: String,
        old_owner: String,
        new_owner: String,
    },
    FieldIgnored {
        field: String,
        owner: String,
    },
    FieldRenamed {
        owner: String,
        old: String,
        new: String,
    },
    RequiredFieldAdded {
        field: String,
        owner: String,
        collection: bool,
    },
    FieldTypeChanged {
        field: String,
        owner: String,
        old_type: String,
        new_type: String,
        readable: Readable,
    },
    /// `T` ↔ `T?`.
    OptionalityChanged {
        field: String,
        owner: String,
        old_type: String,
        new_type: String,
        collection: bool,
    },
    EnumRenamed {
        old: String,
        new: String,
    },
    EnumValueAdded {
        value: String,
        owner: String,
    },
    EnumValueRemoved {
        value: String,
        owner: String,
    },
    TypeMoved {
        kind: &'static str,
        name: String,
        from: String,
        to: String,
    },
    TypeRemoved {
        kind: &'static str,
        name: String,
    },
}

/// `300ms`, `2s`, `1m`, as a contract would write it.
fn duration(d: Duration) -> String {
    crate::dump::format_duration(d)
}

fn renamed(to: &Option<String>, quote: &str) -> String {
    to.as_ref()
        .map(|n| format!(" (renamed to {quote}{n}{quote}?)"))
        .unwrap_or_default()
}

impl Change {
    /// The sentence of a finding of `rule`; `consumer` for the consumer-driven check.
    pub(crate) fn sentence(&self, rule: Rule, consumer: bool) -> String {
        use Change::*;
        match self {
            ServiceRemoved { name, .. } if consumer => format!(
                "the consumer calls service \"{name}\", which the provider's contract does not declare"
            ),
            ServiceRemoved { name, renamed_to } => format!(
                "service \"{name}\" was removed{}: every route of its rpcs changes",
                renamed(renamed_to, "\"")
            ),
            RpcRemoved { rpc, .. } if consumer => {
                format!("the consumer calls rpc `{rpc}`, which the provider does not serve")
            }
            RpcRemoved { rpc, renamed_to } => format!(
                "rpc `{rpc}` was removed{}: old clients calling it get `unimplemented`",
                renamed(renamed_to, "`")
            ),
            ReadonlyRemoved {
                rpc,
                still_idempotent,
            } => {
                let still = if *still_idempotent {
                    "it is still idempotent, but old clients may call it by GET"
                } else {
                    "old clients still retry it (and may call it by GET), though it is no longer idempotent"
                };
                format!("rpc `{rpc}` is no longer readonly: {still}")
            }
            IdempotentRemoved { rpc } => format!(
                "rpc `{rpc}` is no longer idempotent: clients built from the old contract still retry it"
            ),
            TimeoutShortened { rpc, old, new } if consumer => format!(
                "the provider's timeout of rpc `{rpc}` is {}, the consumer's copy says {}: calls the consumer expects to finish may be cut off",
                duration(*new),
                duration(*old)
            ),
            TimeoutShortened { rpc, old, new } => format!(
                "the timeout of rpc `{rpc}` is shorter: {} (was {}); calls that used to finish in time may now be cut off",
                duration(*new),
                duration(*old)
            ),
            ErrorRemovedFromThrows { rpc, error } => format!(
                "rpc `{rpc}` no longer throws `{error}`: generated code that handles it no longer compiles"
            ),
            ErrorCodeChanged { error, old, new } => format!(
                "error `{error}` now travels with code `{new}` (was `{old}`): old clients no longer recognize it"
            ),
            SchemaRemoved { topic, .. } if consumer => format!(
                "the consumer listens to topic \"{topic}\", which the provider does not publish"
            ),
            SchemaRemoved { topic, renamed_to } => format!(
                "event topic \"{topic}\" was removed{}: old consumers hear nothing",
                renamed(renamed_to, "\"")
            ),
            MessageRenamed {
                old,
                new,
                rpc: Some((rpc, side)),
            } => format!(
                "rpc `{rpc}` {} `{new}` instead of `{old}`: the wire matches, the generated signature does not",
                if *side == Side::Input { "takes" } else { "returns" }
            ),
            MessageRenamed { old, new, rpc: None } => format!(
                "message `{old}` is now `{new}` here: the wire matches, generated code does not"
            ),
            FieldRemoved {
                field, new_owner, ..
            } if rule == Rule::ListOrMapAbsentAsEmpty => format!(
                "required field `{field}` was removed from `{new_owner}`: old readers see it as empty"
            ),
            FieldRemoved {
                field, old_owner, ..
            } if rule == Rule::FieldRequiredRemovedOnOutput && consumer => format!(
                "the consumer requires field `{field}` of `{old_owner}`, which the provider does not send"
            ),
            FieldRemoved {
                field, new_owner, ..
            } if rule == Rule::FieldRequiredRemovedOnOutput => format!(
                "required field `{field}` was removed from `{new_owner}`: old readers reject every message without it"
            ),
            FieldRemoved {
                field, new_owner, ..
            } => format!(
                "field `{field}` was removed from `{new_owner}`: generated code that uses it no longer compiles"
            ),
            FieldIgnored { field, owner } => format!(
                "the consumer sends field `{field}` of `{owner}`, which the provider does not know: it is ignored"
            ),
            FieldRenamed { owner, old, new } => format!(
                "field `{old}` of `{owner}` looks renamed to `{new}`: generated code that uses it no longer compiles"
            ),
            RequiredFieldAdded {
                field,
                owner,
                collection: true,
            } => format!(
                "required field `{field}` was added to `{owner}`: old clients do not send it, so the server sees it empty"
            ),
            RequiredFieldAdded { field, owner, .. } if consumer => format!(
                "the provider requires field `{field}` of `{owner}`, which the consumer does not send"
            ),
            RequiredFieldAdded { field, owner, .. } => format!(
                "required field `{field}` was added to `{owner}`: old clients do not send it, so the server rejects their requests"
            ),
            FieldTypeChanged {
                field,
                owner,
                old_type,
                new_type,
                readable,
            } => {
                let why = match readable {
                    Readable::Neither => "neither side reads the other's JSON".to_string(),
                    Readable::NewReadsOld => format!(
                        "`{new_type}` reads every `{old_type}` value, but not the other way round"
                    ),
                    Readable::OldReadsNew => format!(
                        "`{old_type}` reads every `{new_type}` value, but not the other way round"
                    ),
                };
                format!("field `{field}` of `{owner}` changed type from `{old_type}` to `{new_type}`: {why}")
            }
            OptionalityChanged { field, owner, .. }
                if consumer && rule == Rule::FieldMadeOptionalOnOutput =>
            {
                format!(
                    "the consumer requires field `{field}` of `{owner}`, which the provider may leave out"
                )
            }
            OptionalityChanged { field, owner, .. }
                if consumer && rule == Rule::FieldMadeRequiredOnInput =>
            {
                format!(
                    "the provider requires field `{field}` of `{owner}`, which the consumer may leave out"
                )
            }
            OptionalityChanged {
                field,
                owner,
                old_type,
                new_type,
                collection,
            } => {
                let why = match (rule, new_type.ends_with('?'), collection) {
                    (Rule::FieldOptionalityChanged, ..) => {
                        "the wire matches, the generated type does not"
                    }
                    (_, true, false) => "old readers reject messages without it",
                    (_, true, true) => "old readers see it as empty when it is absent",
                    (_, false, false) => {
                        "old clients may leave it out, and the server rejects their requests"
                    }
                    (_, false, true) => "old clients may leave it out, and the server sees it empty",
                };
                format!("field `{field}` of `{owner}` changed from `{old_type}` to `{new_type}`: {why}")
            }
            EnumRenamed { old, new } => format!(
                "enum `{old}` is now `{new}` here: the wire matches, generated code does not"
            ),
            EnumValueAdded { value, owner } if consumer => format!(
                "the provider may send value `{value}` of `{owner}`, which the consumer's copy lacks: it rejects the message"
            ),
            EnumValueAdded { value, owner } => format!(
                "value `{value}` was added to enum `{owner}`: old readers reject messages that carry it"
            ),
            EnumValueRemoved { value, owner } if rule == Rule::EnumValueRemovedOnInput && consumer => {
                format!(
                    "the consumer may send value `{value}` of `{owner}`, which the provider does not accept"
                )
            }
            EnumValueRemoved { value, owner } if rule == Rule::EnumValueRemovedOnInput => format!(
                "value `{value}` was removed from enum `{owner}`: the server rejects old clients that send it"
            ),
            EnumValueRemoved { value, owner } => format!(
                "value `{value}` was removed from enum `{owner}`: generated code that uses it no longer compiles"
            ),
            TypeMoved {
                kind,
                name,
                from,
                to,
            } => format!(
                "{kind} `{name}` moved from {from} to {to}: the wire matches, generated code may live elsewhere"
            ),
            TypeRemoved { kind, name } => format!(
                "{kind} `{name}` was removed: generated code that uses it no longer compiles"
            ),
        }
    }
}
