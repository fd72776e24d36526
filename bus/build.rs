//! Generates the data bus's own API (`rpc/data-bus.brief`): the publish rpc's info and
//! its message types. The handler reads the body itself (see `src/api.rs`).
fn main() -> Result<(), brief_build::Error> {
    brief_build::configure()
        .client(false)
        .server(false)
        .compile(&["rpc"])
}
