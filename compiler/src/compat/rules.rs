//! The rules of the compatibility check: one stable id per kind of change.

use std::fmt;

/// How strict the check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// What breaks JSON on the wire between old and new (the default).
    #[default]
    Wire,
    /// Also what breaks code generated from the old contract though the wire still
    /// matches: renamed messages, enums and fields, moved or removed types.
    Source,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Wire => "wire",
            Level::Source => "source",
        }
    }
}

/// Whether a finding fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something breaks: `brief compat` exits 1.
    Error,
    /// Worth a look, breaks nobody: the exit code stays 0.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Who is hurt by a change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Party {
    /// Clients built from the old contract, calling the new server.
    OldClients,
    /// Event consumers built from the old contract, reading what the new producer
    /// publishes.
    OldConsumers,
    /// Code written against code generated from the old contract, once regenerated
    /// (source-level findings).
    GeneratedCode,
    /// A named consumer, in the consumer-driven check.
    Consumer(String),
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::OldClients => f.write_str("old clients"),
            Party::OldConsumers => f.write_str("old consumers"),
            Party::GeneratedCode => f.write_str("code generated from the old contract"),
            Party::Consumer(name) => write!(f, "consumer {name}"),
        }
    }
}

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $id:literal, $level:ident, $severity:ident;)*) => {
        /// A kind of change the check reports. Every rule has a stable id
        /// (`FIELD_REQUIRED_ADDED_ON_INPUT`), the level it belongs to and its severity.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($(#[$doc])* $variant,)*
        }

        impl Rule {
            /// Every rule, in the order of `docs/compat.md`.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable id, as printed and as written in CI configuration.
            pub fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }

            /// The level that reports it: wire rules are reported at every level.
            pub fn level(self) -> Level {
                match self { $(Rule::$variant => Level::$level,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity,)* }
            }
        }
    };
}

rules! {
    /// A `service` of the old contract is gone (removed or renamed): every route changes.
    ServiceRemoved = "SERVICE_REMOVED", Wire, Error;
    /// An rpc is gone (removed or renamed): old clients get `unimplemented`.
    RpcRemoved = "RPC_REMOVED", Wire, Error;
    /// An event topic is gone (removed or renamed): old consumers hear nothing.
    SchemaRemoved = "SCHEMA_REMOVED", Wire, Error;
    /// A required field was added to a message clients write: old clients do not send it.
    FieldRequiredAddedOnInput = "FIELD_REQUIRED_ADDED_ON_INPUT", Wire, Error;
    /// A required field was removed from a message the server writes: old readers
    /// reject every answer.
    FieldRequiredRemovedOnOutput = "FIELD_REQUIRED_REMOVED_ON_OUTPUT", Wire, Error;
    /// `T` → `T?` in a message the server writes: old readers reject it when absent.
    FieldMadeOptionalOnOutput = "FIELD_MADE_OPTIONAL_ON_OUTPUT", Wire, Error;
    /// `T?` → `T` in a message clients write: old clients may leave it out.
    FieldMadeRequiredOnInput = "FIELD_MADE_REQUIRED_ON_INPUT", Wire, Error;
    /// Any other change of a field's type (`int` → `float`, `T` → `[]T`, an enum for a
    /// message...): breaking both ways.
    FieldTypeChanged = "FIELD_TYPE_CHANGED", Wire, Error;
    /// A value was added to an enum the server writes: old readers reject it.
    EnumValueAddedOnOutput = "ENUM_VALUE_ADDED_ON_OUTPUT", Wire, Error;
    /// A value was removed from an enum clients write: the new server rejects it.
    EnumValueRemovedOnInput = "ENUM_VALUE_REMOVED_ON_INPUT", Wire, Error;
    /// A typed error an rpc throws now travels with another code.
    ErrorCodeChanged = "ERROR_CODE_CHANGED", Wire, Error;
    /// A change the table calls breaking, made to a list or map field: an absent list
    /// or map decodes as empty, so nobody is rejected, but the reader now sees `[]`/`{}`.
    ListOrMapAbsentAsEmpty = "LIST_OR_MAP_ABSENT_AS_EMPTY", Wire, Warning;
    /// `idempotent` was removed: clients built from the old contract still retry.
    RpcIdempotentRemoved = "RPC_IDEMPOTENT_REMOVED", Wire, Warning;
    /// `readonly` was removed: old clients still retry it (and may call it by GET).
    RpcReadonlyRemoved = "RPC_READONLY_REMOVED", Wire, Warning;
    /// The `timeout` (the promised latency bound, and clients' default deadline) is shorter.
    RpcTimeoutShortened = "RPC_TIMEOUT_SHORTENED", Wire, Warning;
    /// Consumer check: the consumer sends a field the provider does not know; it is
    /// silently ignored.
    ConsumerFieldIgnored = "CONSUMER_FIELD_IGNORED", Wire, Warning;
    /// A message reached from the same place has another name (same fields on the wire).
    MessageRenamed = "MESSAGE_RENAMED", Source, Error;
    /// An enum reached from the same place has another name.
    EnumRenamed = "ENUM_RENAMED", Source, Error;
    /// A field was renamed (one field removed and one of the same type added).
    FieldRenamed = "FIELD_RENAMED", Source, Error;
    /// A field was removed where the wire does not mind.
    FieldRemoved = "FIELD_REMOVED", Source, Error;
    /// `T` ↔ `T?` where the wire does not mind: the generated type changes.
    FieldOptionalityChanged = "FIELD_OPTIONALITY_CHANGED", Source, Error;
    /// An enum value was removed where the wire does not mind.
    EnumValueRemoved = "ENUM_VALUE_REMOVED", Source, Error;
    /// An rpc no longer lists a typed error in `throws`.
    ErrorRemovedFromThrows = "ERROR_REMOVED_FROM_THROWS", Source, Error;
    /// A message, enum or error is declared in another file than before.
    TypeMoved = "TYPE_MOVED", Source, Error;
    /// A message, enum or error is gone (and was not found renamed).
    TypeRemoved = "TYPE_REMOVED", Source, Error;
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
