fn main() -> Result<(), brief_build::Error> {
    brief_build::configure()
        .client(true)
        .server(true)
        .compile(&["../rpc"])
}
