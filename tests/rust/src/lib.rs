//! Generated code under test. Warnings are errors here: generated code must compile
//! cleanly in a user's crate.
#![deny(warnings)]

/// Every valid contract of `tests/corpus/valid`.
pub mod corpus {
    include!(concat!(env!("OUT_DIR"), "/corpus/brief.rs"));
}

/// Every contract of `tests/corpus/warn`: warnings do not stop generated code compiling.
pub mod warn {
    include!(concat!(env!("OUT_DIR"), "/warn/brief.rs"));
}

/// The adversarial names of `tests/names`: reserved words of every language, names that
/// differ only in case across scopes, names of what the generators add.
pub mod names {
    /// Every word a target language reserves, in every role (`tests/names/keywords`).
    pub mod keywords {
        include!(concat!(env!("OUT_DIR"), "/names/keywords/brief.rs"));
    }
    /// Names that collide with generated ones, or with each other once converted.
    pub mod scopes {
        include!(concat!(env!("OUT_DIR"), "/names/scopes/brief.rs"));
    }
    /// File, module and package names: imports of awkwardly named contracts.
    pub mod packages {
        include!(concat!(env!("OUT_DIR"), "/names/packages/brief.rs"));
    }
}

/// The contracts of the loopback tests.
pub mod contracts {
    include!(concat!(env!("OUT_DIR"), "/contracts/brief.rs"));
}

/// The contracts generated with `.server(false)`.
pub mod client_only {
    include!(concat!(env!("OUT_DIR"), "/client_only/brief.rs"));
}

/// The contracts generated with `.client(false)`.
pub mod server_only {
    include!(concat!(env!("OUT_DIR"), "/server_only/brief.rs"));
}

pub mod probe;
pub mod scenarios;
