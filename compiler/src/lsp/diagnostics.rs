//! The checker's diagnostics as LSP diagnostics: the same code, message, labels and help
//! as `brief check` prints.

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString, Uri,
};
use miette::Diagnostic as _;

use crate::check::Diagnostic;

use super::text::{LineIndex, LspLines};

/// One diagnostic of the document `uri`, whose text and line index are given (the
/// diagnostic's own source is that text).
pub fn to_lsp(d: &Diagnostic, uri: &Uri, lines: &LineIndex) -> lsp_types::Diagnostic {
    let text = &*d.source;
    let mut labels = d.error.labels().into_iter().flatten();
    let primary = labels.next();
    let (start, end) = primary
        .as_ref()
        .map_or((0, 0), |l| (l.offset(), l.offset() + l.len()));
    let mut message = d.error.to_string();
    // The range already says where; a label that only says "here" adds nothing.
    if let Some(label) = primary.as_ref().and_then(|l| l.label()) {
        if label != "here" {
            message.push('\n');
            message.push_str(label);
        }
    }
    if let Some(help) = d.error.help() {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = labels
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(
                uri.clone(),
                lines.range(text, l.offset(), l.offset() + l.len()),
            ),
            message: l.label().unwrap_or_default().to_string(),
        })
        .collect();
    let code = d.code();
    let tags = (code == "brief::unused_import").then(|| vec![DiagnosticTag::UNNECESSARY]);
    lsp_types::Diagnostic {
        range: lines.range(text, start, end),
        severity: Some(if d.is_error() {
            DiagnosticSeverity::ERROR
        } else {
            DiagnosticSeverity::WARNING
        }),
        code: Some(NumberOrString::String(code)),
        code_description: None,
        source: Some("brief".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}
