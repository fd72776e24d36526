//! The main loop: the protocol's lifecycle and the open documents' text.

use std::io::{BufRead, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _,
};
use lsp_types::{
    CompletionOptions, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, InitializeParams, InitializeResult,
    OneOf, PositionEncodingKind, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use super::documents::Documents;
use super::text::apply_change;
use super::transport::{Incoming, Outbox, Reader};
use super::worker::{Client, Job, Worker};
use super::Options;

enum Event {
    Message(Message),
    /// The input ended (or failed): the client is gone.
    Closed,
}

#[derive(PartialEq)]
enum Phase {
    Uninitialized,
    Running,
    ShutDown,
}

/// Serves one session on `input` and `output`; see [`super::run_stdio`].
pub fn serve(
    input: impl BufRead + Send + 'static,
    output: impl Write + Send + 'static,
    options: Options,
) -> bool {
    let outbox = Outbox::new(output);
    let (events, incoming) = mpsc::channel();
    {
        let outbox = outbox.clone();
        std::thread::Builder::new()
            .name("brief-lsp-reader".into())
            .spawn(move || read_loop(input, options.max_message_size, &events, &outbox))
            .expect("a thread can be started");
    }
    let mut server = Server {
        outbox,
        options,
        phase: Phase::Uninitialized,
        docs: Arc::new(Mutex::new(Documents::default())),
        jobs: None,
    };
    for event in incoming {
        let message = match event {
            Event::Message(message) => message,
            Event::Closed => break,
        };
        match message {
            Message::Request(request) => server.request(request),
            Message::Notification(n) if n.method == "exit" => {
                return server.phase == Phase::ShutDown
            }
            Message::Notification(n) => server.notification(n),
            // We send no requests, so answers are not expected; they change nothing.
            Message::Response(_) => {}
        }
    }
    false
}

fn read_loop(
    input: impl BufRead,
    max_message_size: usize,
    events: &mpsc::Sender<Event>,
    outbox: &Outbox,
) {
    let mut reader = Reader::new(input, max_message_size);
    loop {
        match reader.next() {
            Ok(Some(Incoming::Message(message))) => {
                if events.send(Event::Message(message)).is_err() {
                    return;
                }
            }
            Ok(Some(Incoming::Malformed { id, code, message })) => {
                eprintln!("brief lsp: {message}");
                outbox.send_error(id, code, &message);
            }
            Ok(None) | Err(_) => {
                let _ = events.send(Event::Closed);
                return;
            }
        }
    }
}

struct Server {
    outbox: Outbox,
    options: Options,
    phase: Phase,
    docs: Arc<Mutex<Documents>>,
    /// The analysis thread's queue, once initialized.
    jobs: Option<mpsc::Sender<Job>>,
}

impl Server {
    fn error(&self, request: &Request, code: ErrorCode, message: &str) {
        self.outbox.send(Response::new_err(
            request.id.clone(),
            code as i32,
            message.to_string(),
        ));
    }

    fn request(&mut self, request: Request) {
        match (&self.phase, request.method.as_str()) {
            (Phase::Uninitialized, "initialize") => self.initialize(request),
            (Phase::Uninitialized, _) => self.error(
                &request,
                ErrorCode::ServerNotInitialized,
                "the server is not initialized: send `initialize` first",
            ),
            (Phase::ShutDown, _) => self.error(
                &request,
                ErrorCode::InvalidRequest,
                "the server is shut down: only `exit` is accepted",
            ),
            (Phase::Running, "initialize") => {
                self.error(&request, ErrorCode::InvalidRequest, "already initialized")
            }
            (Phase::Running, "shutdown") => {
                self.phase = Phase::ShutDown;
                self.outbox
                    .send(Response::new_ok(request.id, serde_json::Value::Null));
            }
            (Phase::Running, _) => self.send_job(Job::Request(request)),
        }
    }

    fn initialize(&mut self, request: Request) {
        let params: InitializeParams = match serde_json::from_value(request.params.clone()) {
            Ok(params) => params,
            Err(e) => {
                return self.error(
                    &request,
                    ErrorCode::InvalidParams,
                    &format!("invalid initialize parameters: {e}"),
                )
            }
        };
        let client = Client::from_params(&params);
        let worker = Worker::new(self.docs.clone(), self.outbox.clone(), self.options, client);
        self.jobs = Some(worker.spawn());
        self.phase = Phase::Running;
        let result = InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "brief".into(),
                version: Some(crate::VERSION.into()),
            }),
        };
        self.outbox.send(Response::new_ok(request.id, result));
    }

    fn send_job(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    fn notification(&mut self, n: Notification) {
        if self.phase != Phase::Running {
            return;
        }
        let method = n.method.clone();
        let result = match method.as_str() {
            DidOpenTextDocument::METHOD => n.extract(&method).map(|p| self.did_open(p)),
            DidChangeTextDocument::METHOD => n.extract(&method).map(|p| self.did_change(p)),
            DidCloseTextDocument::METHOD => n.extract(&method).map(|p| self.did_close(p)),
            DidSaveTextDocument::METHOD => n.extract(&method).map(|p| self.did_save(p)),
            // `initialized`, `$/cancelRequest` (answers are quick), settings, and whatever
            // the client sends that we do not use: nothing to do.
            _ => Ok(()),
        };
        if let Err(e) = result {
            // Notifications have no answer: say it where the editor logs the server.
            eprintln!("brief lsp: ignored {method}: {e}");
        }
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, Documents> {
        self.docs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn did_open(&mut self, p: DidOpenTextDocumentParams) {
        let doc = p.text_document;
        let path = self.docs().open(doc.uri, doc.version, doc.text);
        self.send_job(Job::Diagnose(path));
    }

    fn did_change(&mut self, p: DidChangeTextDocumentParams) {
        let uri = p.text_document.uri;
        let path = {
            let mut docs = self.docs();
            let Some(doc) = docs.get(&uri) else {
                eprintln!("brief lsp: a change to {} which is not open", uri.as_str());
                return;
            };
            let mut text = doc.text.to_string();
            for change in p.content_changes {
                text = apply_change(&text, change);
            }
            docs.update(&uri, p.text_document.version, text)
        };
        if let Some(path) = path {
            self.send_job(Job::Diagnose(path));
        }
    }

    fn did_close(&mut self, p: DidCloseTextDocumentParams) {
        self.docs().close(&p.text_document.uri);
        self.send_job(Job::Closed(p.text_document.uri));
    }

    fn did_save(&mut self, p: DidSaveTextDocumentParams) {
        // The text is the one already checked, unless a change was lost: check if stale.
        let path = super::documents::path_of(&p.text_document.uri);
        self.send_job(Job::Diagnose(path));
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..Default::default()
            },
        )),
        document_symbol_provider: Some(OneOf::Left(true)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["(".into(), ",".into(), "]".into()]),
            ..Default::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(lsp_types::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        ..Default::default()
    }
}
