//! Answers to the requests that read a document.

use lsp_server::{ErrorCode, Request, Response};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    Request as LspRequest,
};
use lsp_types::{
    CompletionParams, CompletionResponse, DocumentFormattingParams, DocumentSymbolParams,
    DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse, HoverParams, Location,
    TextDocumentPositionParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::analysis::Analysis;
use super::documents::path_of;
use super::worker::Worker;
use super::{completion, context, format, hover, navigate, symbols};

pub fn handle(worker: &mut Worker, request: Request) -> Response {
    let id = request.id.clone();
    let result = match request.method.as_str() {
        DocumentSymbolRequest::METHOD => run(worker, request, document_symbols),
        HoverRequest::METHOD => run(worker, request, hover),
        Completion::METHOD => run(worker, request, completion),
        Formatting::METHOD => run(worker, request, formatting),
        GotoDefinition::METHOD => run(worker, request, definition),
        method => Err((
            ErrorCode::MethodNotFound,
            format!("brief lsp does not handle `{method}`"),
        )),
    };
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}

type Answer = Result<Value, (ErrorCode, String)>;

fn run<P: DeserializeOwned, R: serde::Serialize>(
    worker: &mut Worker,
    request: Request,
    answer: fn(&mut Worker, P) -> Result<Option<R>, String>,
) -> Answer {
    let params: P = serde_json::from_value(request.params).map_err(|e| {
        (
            ErrorCode::InvalidParams,
            format!("invalid parameters for `{}`: {e}", request.method),
        )
    })?;
    match answer(worker, params) {
        Ok(result) => Ok(serde_json::to_value(result).expect("LSP types serialize")),
        Err(message) => Err((ErrorCode::RequestFailed, message)),
    }
}

/// The current analysis of a document; `None` when it is not open (requests about
/// documents the client never opened are answered with nothing).
fn analysis_of(worker: &mut Worker, uri: &lsp_types::Uri) -> Option<std::sync::Arc<Analysis>> {
    let docs = worker.snapshot();
    worker.analysis(&docs, &path_of(uri))
}

/// The document and the byte offset of a position in it; `None` when the document is not
/// open or the position is past its end.
fn at_position(
    worker: &mut Worker,
    p: &TextDocumentPositionParams,
) -> Option<(std::sync::Arc<Analysis>, usize)> {
    let analysis = analysis_of(worker, &p.text_document.uri)?;
    let offset = analysis.lines.offset(&analysis.text, p.position)?;
    Some((analysis, offset))
}

fn document_symbols(
    worker: &mut Worker,
    p: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>, String> {
    let Some(a) = analysis_of(worker, &p.text_document.uri) else {
        return Ok(None);
    };
    Ok(symbols::document_symbols(&a.text, &a.lines).map(DocumentSymbolResponse::Nested))
}

fn hover(worker: &mut Worker, p: HoverParams) -> Result<Option<lsp_types::Hover>, String> {
    let Some((a, offset)) = at_position(worker, &p.text_document_position_params) else {
        return Ok(None);
    };
    let (Some(checked), Some(file)) = (&a.checked, a.file_id()) else {
        return Ok(None);
    };
    let Some(symbol) = navigate::symbol_at(&checked.model, file, offset) else {
        return Ok(None);
    };
    Ok(Some(hover::hover(&checked.model, symbol, file)))
}

fn completion(
    worker: &mut Worker,
    p: CompletionParams,
) -> Result<Option<CompletionResponse>, String> {
    let Some((a, offset)) = at_position(worker, &p.text_document_position) else {
        return Ok(None);
    };
    let slot = context::slot_at(&a.text, offset);
    // While the line being typed does not parse, the names come from the last version
    // that did.
    let named = if a.parsed {
        Some(a.clone())
    } else {
        worker.last_parsed(&a.path)
    };
    let model = named
        .as_ref()
        .and_then(|n| n.checked.as_ref())
        .map(|c| &c.model);
    let file = named.as_ref().and_then(|n| n.file_id());
    let items = completion::items(&slot, model, file, worker.client.snippets);
    Ok(Some(CompletionResponse::Array(items)))
}

fn formatting(
    worker: &mut Worker,
    p: DocumentFormattingParams,
) -> Result<Option<Vec<lsp_types::TextEdit>>, String> {
    let Some(a) = analysis_of(worker, &p.text_document.uri) else {
        return Ok(None);
    };
    format::format(&a.text, &a.lines).map(Some)
}

fn definition(
    worker: &mut Worker,
    p: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>, String> {
    let Some((a, offset)) = at_position(worker, &p.text_document_position_params) else {
        return Ok(None);
    };
    let (Some(checked), Some(file)) = (&a.checked, a.file_id()) else {
        return Ok(None);
    };
    let model = &checked.model;
    let Some(symbol) = navigate::symbol_at(model, file, offset) else {
        return Ok(None);
    };
    let span = navigate::definition(model, symbol);
    let target = model.file(span.file);
    let lines = super::text::LineIndex::new(&target.source);
    let docs = worker.snapshot();
    let location = Location::new(
        docs.uri_of(&target.path),
        lines.range(&target.source, span.start as usize, span.end as usize),
    );
    Ok(Some(GotoDefinitionResponse::Scalar(location)))
}
