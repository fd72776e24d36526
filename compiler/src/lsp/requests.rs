//! Answers to the requests that read a document.

use lsp_server::{ErrorCode, Request, Response};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename, Request as LspRequest,
};
use lsp_types::{
    CompletionParams, CompletionResponse, DocumentFormattingParams, DocumentSymbolParams,
    DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse, HoverParams, Location,
    PrepareRenameResponse, ReferenceParams, RenameParams, TextDocumentPositionParams, TextEdit,
    WorkspaceEdit,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use std::collections::HashMap;

use crate::check::Checked;
use crate::model::Symbol;

use super::analysis::Analysis;
use super::documents::{path_of, Documents};
use super::text::{span_range, LspLines};
use super::worker::Worker;
use super::{completion, context, format, hover, navigate, rename, symbols};

pub fn handle(worker: &mut Worker, request: Request) -> Response {
    let id = request.id.clone();
    let result = match request.method.as_str() {
        DocumentSymbolRequest::METHOD => run(worker, request, document_symbols),
        HoverRequest::METHOD => run(worker, request, hover),
        Completion::METHOD => run(worker, request, completion),
        Formatting::METHOD => run(worker, request, formatting),
        GotoDefinition::METHOD => run(worker, request, definition),
        References::METHOD => run(worker, request, references),
        PrepareRenameRequest::METHOD => run(worker, request, prepare_rename),
        Rename::METHOD => run(worker, request, rename),
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
    let Some((a, symbol)) = symbol_at(worker, &p.text_document_position_params) else {
        return Ok(None);
    };
    let (Some(checked), Some(file)) = (&a.checked, a.file_id()) else {
        return Ok(None);
    };
    Ok(hover::hover(&checked.model, symbol, file))
}

/// The symbol the name at a position refers to (or declares), by the document's check.
fn symbol_at(
    worker: &mut Worker,
    p: &TextDocumentPositionParams,
) -> Option<(std::sync::Arc<Analysis>, Symbol)> {
    let (a, offset) = at_position(worker, p)?;
    let model = &a.checked.as_ref()?.model;
    let symbol = model.symbol_at(a.file_id()?, offset as u32)?;
    Some((a, symbol))
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
    let Some((a, symbol)) = symbol_at(worker, &p.text_document_position_params) else {
        return Ok(None);
    };
    let Some(checked) = &a.checked else {
        return Ok(None);
    };
    let model = &checked.model;
    let location = navigate::location(&worker.snapshot(), model, model.definition(symbol));
    Ok(Some(GotoDefinitionResponse::Scalar(location)))
}

/// A symbol found in a document, and every file of the workspace checked together
/// (the open documents as they are in the editor), with the symbol in that check.
struct InWorkspace {
    docs: Documents,
    checked: Checked,
    symbol: Symbol,
}

fn in_workspace(worker: &mut Worker, a: &Analysis, symbol: Symbol) -> Option<InWorkspace> {
    let model = &a.checked.as_ref()?.model;
    let anchor = navigate::anchor(model, symbol);
    let docs = worker.snapshot();
    let workspace = &worker.client.workspace;
    let files = workspace.files(&docs, worker.options.max_workspace_entries);
    let checked = workspace.check(&docs, files, worker.options.max_file_size)?;
    let symbol = navigate::find(&checked.model, &anchor)?;
    Some(InWorkspace {
        docs,
        checked,
        symbol,
    })
}

fn references(worker: &mut Worker, p: ReferenceParams) -> Result<Option<Vec<Location>>, String> {
    let Some((a, symbol)) = symbol_at(worker, &p.text_document_position) else {
        return Ok(None);
    };
    let Some(found) = in_workspace(worker, &a, symbol) else {
        return Ok(None);
    };
    let model = &found.checked.model;
    let spans = navigate::uses(model, found.symbol, p.context.include_declaration);
    Ok(Some(
        spans
            .into_iter()
            .map(|span| navigate::location(&found.docs, model, span))
            .collect(),
    ))
}

fn prepare_rename(
    worker: &mut Worker,
    p: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some((a, symbol)) = symbol_at(worker, &p) else {
        return Ok(None);
    };
    if matches!(symbol, Symbol::File(_)) {
        return Err("an import names a file: rename the file instead".into());
    }
    let (Some(checked), Some(file), Some(offset)) =
        (&a.checked, a.file_id(), a.lines.offset(&a.text, p.position))
    else {
        return Ok(None);
    };
    let model = &checked.model;
    let span = navigate::name_at(model, symbol, file, offset as u32);
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: span_range(
            model.file(span.file),
            span.start as usize,
            span.end as usize,
        ),
        placeholder: model.symbol_name(symbol),
    }))
}

// `WorkspaceEdit::changes` is keyed by `Uri`, which clippy takes for mutable (it caches
// its parse lazily); the keys are never changed here.
#[allow(clippy::mutable_key_type)]
fn rename(worker: &mut Worker, p: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let Some((a, symbol)) = symbol_at(worker, &p.text_document_position) else {
        return Ok(None);
    };
    if matches!(symbol, Symbol::File(_)) {
        return Err("an import names a file: rename the file instead".into());
    }
    if let Some(why) = rename::invalid_name(&p.new_name) {
        return Err(why);
    }
    let Some(found) = in_workspace(worker, &a, symbol) else {
        return Ok(None);
    };
    let model = &found.checked.model;
    let old_name = model.symbol_name(found.symbol);
    let spans = navigate::uses(model, found.symbol, true);
    // The checker decides what the new name may be: the workspace checked again with
    // the rename applied must have no error it did not have before.
    let texts = rename::renamed_texts(model, &spans, &p.new_name);
    let edited = rename::Edited {
        docs: &found.docs,
        texts: &texts,
    };
    let files: Vec<_> = model.root_files().map(|f| f.path.clone()).collect();
    let after = worker
        .client
        .workspace
        .check(&edited, files, worker.options.max_file_size)
        .ok_or("the workspace could not be checked again")?;
    if let Some(error) = rename::new_error(&found.checked, &after) {
        return Err(format!(
            "cannot rename `{old_name}` to `{}`: {error}",
            p.new_name
        ));
    }
    let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
    for span in spans {
        let location = navigate::location(&found.docs, model, span);
        changes
            .entry(location.uri)
            .or_default()
            .push(TextEdit::new(location.range, p.new_name.clone()));
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}
