//! `brief lsp`: a Language Server over the same front end as `brief check`.
//!
//! Threads: a reader parses framed JSON-RPC from the input; the main loop answers the
//! lifecycle (`initialize`, `shutdown`, `exit`) and keeps the open documents' text; an
//! analysis thread checks documents and answers every other request. A long check never
//! delays `shutdown` or `exit`, and a burst of edits is checked once, on the latest text.

mod analysis;
mod completion;
mod context;
mod diagnostics;
mod documents;
mod format;
mod hover;
mod navigate;
mod rename;
mod requests;
mod server;
mod symbols;
mod text;
mod transport;
mod uri;
mod worker;
mod workspace;

pub use server::serve;

/// The largest JSON-RPC message read: a whole document travels in one, JSON-escaped.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;

/// The largest document checked: as `brief check` reads files.
pub const DEFAULT_MAX_FILE_SIZE: usize = 16 << 20;

/// How many directory entries (files and folders) a search for references or a rename
/// reads below the workspace folders.
pub const DEFAULT_MAX_WORKSPACE_ENTRIES: usize = 100_000;

/// The server's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// A message larger than this is answered with an error and skipped.
    pub max_message_size: usize,
    /// A document larger than this gets one diagnostic saying so instead of a check.
    pub max_file_size: usize,
    /// A search of the workspace stops after this many directory entries.
    pub max_workspace_entries: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_workspace_entries: DEFAULT_MAX_WORKSPACE_ENTRIES,
        }
    }
}

/// Serves the protocol on stdin and stdout. Returns whether the session ended as the
/// protocol wants it (`shutdown`, then `exit`): the process's exit code is 0 then, else 1.
pub fn run_stdio(options: Options) -> bool {
    serve(
        std::io::BufReader::new(std::io::stdin()),
        std::io::stdout(),
        options,
    )
}
