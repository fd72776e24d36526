//! Generates the Rust client of the scenarios' contract.

fn main() -> Result<(), brief_build::Error> {
    brief_build::configure()
        .server(false)
        .compile(&["../contract"])
}
