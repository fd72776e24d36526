//! The analysis thread: checks documents, publishes their diagnostics and answers the
//! requests that need a checked document.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use lsp_server::{ErrorCode, Notification, Request, Response};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{InitializeParams, PublishDiagnosticsParams, Uri};

use super::analysis::{analyze, Analysis};
use super::documents::Documents;
use super::transport::Outbox;
use super::workspace::Workspace;
use super::{requests, Options};

/// Work for the analysis thread, in the order the client sent it.
pub enum Job {
    /// A document was opened or changed: check it, and the open documents that import it.
    Diagnose(PathBuf),
    /// A document was closed: clear its diagnostics.
    Closed(Uri),
    Request(Request),
}

/// What the client told us about itself.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// It takes `${1:...}` snippets in completions.
    pub snippets: bool,
    /// The folders it opened.
    pub workspace: Workspace,
}

impl Client {
    pub fn from_params(params: &InitializeParams) -> Client {
        let snippets = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        Client {
            snippets,
            workspace: Workspace::from_params(params),
        }
    }
}

pub struct Worker {
    docs: Arc<Mutex<Documents>>,
    outbox: Outbox,
    pub options: Options,
    pub client: Client,
    /// The latest analysis of each open document.
    analyses: HashMap<PathBuf, Arc<Analysis>>,
    /// The latest analysis of each open document in which it parsed: completion names
    /// what it declared while the line being typed does not parse.
    parsed: HashMap<PathBuf, Arc<Analysis>>,
}

impl Worker {
    pub fn new(
        docs: Arc<Mutex<Documents>>,
        outbox: Outbox,
        options: Options,
        client: Client,
    ) -> Self {
        Worker {
            docs,
            outbox,
            options,
            client,
            analyses: HashMap::new(),
            parsed: HashMap::new(),
        }
    }

    pub fn spawn(mut self) -> mpsc::Sender<Job> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("brief-lsp-analysis".into())
            .spawn(move || {
                for job in queue {
                    self.run(job);
                }
            })
            .expect("a thread can be started");
        jobs
    }

    fn run(&mut self, job: Job) {
        // A bug in one feature must not take the server down with it: the request gets
        // an error and the next job runs.
        let id = match &job {
            Job::Request(r) => Some(r.id.clone()),
            _ => None,
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
            Job::Diagnose(path) => self.diagnose(&path),
            Job::Closed(uri) => self.closed(uri),
            Job::Request(request) => {
                let response = requests::handle(self, request);
                self.outbox.send(response);
            }
        }));
        if outcome.is_err() {
            if let Some(id) = id {
                self.outbox.send(Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    "internal error in brief lsp (see its log)".into(),
                ));
            }
        }
    }

    /// The open documents as they are now.
    pub fn snapshot(&self) -> Documents {
        self.docs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A current analysis of the open document at `path` (checked now if stale, and its
    /// diagnostics published), or `None` if it is not open.
    pub fn analysis(&mut self, docs: &Documents, path: &Path) -> Option<Arc<Analysis>> {
        if let Some(a) = self.analyses.get(path) {
            if a.generation == docs.generation {
                return Some(a.clone());
            }
        }
        let analysis = Arc::new(analyze(docs, path, self.options.max_file_size)?);
        // A document rechecked because something it imports changed often comes out the
        // same: say nothing new then.
        let unchanged = self.analyses.get(path).is_some_and(|old| {
            old.version == analysis.version && old.diagnostics == analysis.diagnostics
        });
        if !unchanged {
            self.publish(&analysis);
        }
        if analysis.parsed {
            self.parsed.insert(path.to_path_buf(), analysis.clone());
        }
        self.analyses.insert(path.to_path_buf(), analysis.clone());
        Some(analysis)
    }

    /// The latest analysis in which the document parsed, if any.
    pub fn last_parsed(&self, path: &Path) -> Option<Arc<Analysis>> {
        self.parsed.get(path).cloned()
    }

    fn diagnose(&mut self, path: &Path) {
        let docs = self.snapshot();
        if docs.by_path(path).is_some() {
            self.analysis(&docs, path);
        }
        // Open documents that read this one see it changed.
        let dependents: Vec<PathBuf> = self
            .analyses
            .values()
            .filter(|a| a.path != path && a.generation != docs.generation && a.reads(path))
            .map(|a| a.path.clone())
            .collect();
        for dependent in dependents {
            self.analysis(&docs, &dependent);
        }
    }

    fn closed(&mut self, uri: Uri) {
        let path = super::documents::path_of(&uri);
        self.analyses.remove(&path);
        self.parsed.remove(&path);
        self.outbox.send(Notification::new(
            PublishDiagnostics::METHOD.into(),
            PublishDiagnosticsParams::new(uri, Vec::new(), None),
        ));
        // What imports it now reads it from disk.
        self.diagnose(&path);
    }

    fn publish(&self, analysis: &Analysis) {
        self.outbox.send(Notification::new(
            PublishDiagnostics::METHOD.into(),
            PublishDiagnosticsParams::new(
                analysis.uri.clone(),
                analysis.diagnostics.clone(),
                Some(analysis.version),
            ),
        ));
    }
}
