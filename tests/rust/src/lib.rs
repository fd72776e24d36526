//! Generated code under test. Warnings are errors here: generated code must compile
//! cleanly in a user's crate.
#![deny(warnings)]

/// Every valid contract of `tests/corpus/valid`.
pub mod corpus {
    include!(concat!(env!("OUT_DIR"), "/corpus/brief.rs"));
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
