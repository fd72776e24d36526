//! `brief lsp`: the language server, on stdin and stdout.

use std::process::ExitCode;

use brief::lsp;

#[derive(clap::Args)]
pub struct LspArgs {
    /// The largest message read from the editor, in bytes; larger ones are answered
    /// with an error and skipped.
    #[arg(long, value_name = "BYTES", default_value_t = lsp::DEFAULT_MAX_MESSAGE_SIZE)]
    max_message_size: usize,
    /// The largest document checked, in bytes; a larger one gets a diagnostic saying so.
    #[arg(long, value_name = "BYTES", default_value_t = lsp::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: usize,
    /// How many directory entries a search for references or a rename reads below the
    /// workspace folders; files past it are not searched.
    #[arg(long, value_name = "N", default_value_t = lsp::DEFAULT_MAX_WORKSPACE_ENTRIES)]
    max_workspace_entries: usize,
    /// Accepted for editors that pass it (VS Code's language client does); stdio is the
    /// only transport.
    #[arg(long, hide = true)]
    stdio: bool,
}

pub fn run(args: &LspArgs) -> ExitCode {
    let options = lsp::Options {
        max_message_size: args.max_message_size,
        max_file_size: args.max_file_size,
        max_workspace_entries: args.max_workspace_entries,
    };
    if lsp::run_stdio(options) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
