//! The graphs over the whole model: imports (cycles, unused imports) and required message
//! fields (messages that contain themselves).

use super::Resolver;
use crate::check::errors::CheckError;
use crate::model::*;

/// An edge that closes a cycle: it leaves `node` (it is `edge`-th of its edges) for a
/// node on the current path. `path` is the cycle as (node, index of the edge it left by)
/// from that node round to `node` itself.
struct BackEdge {
    node: usize,
    edge: usize,
    path: Vec<(usize, usize)>,
}

/// Every back edge of a directed graph (node → the nodes its edges lead to), found by an
/// iterative depth-first search, so that no input can overflow the stack.
fn back_edges(edges: &[Vec<usize>]) -> Vec<BackEdge> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; edges.len()];
    let mut found = Vec::new();
    for start in 0..edges.len() {
        if state[start] != NEW {
            continue;
        }
        // Each frame: a node and how many of its edges were followed.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = ON_PATH;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let Some(&target) = edges[node].get(*next) else {
                state[node] = DONE;
                stack.pop();
                continue;
            };
            let edge = *next;
            *next += 1;
            match state[target] {
                NEW => {
                    state[target] = ON_PATH;
                    stack.push((target, 0));
                }
                ON_PATH => {
                    let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                    // A frame's counter is one past the edge it left by.
                    let path = stack[from..].iter().map(|&(n, e)| (n, e - 1)).collect();
                    found.push(BackEdge { node, edge, path });
                }
                _ => {}
            }
        }
    }
    found
}

fn source_span(span: Span) -> miette::SourceSpan {
    miette::SourceSpan::new(
        (span.start as usize).into(),
        (span.end - span.start) as usize,
    )
}

impl Resolver<'_> {
    pub(super) fn check_import_cycles(&mut self) {
        let edges: Vec<Vec<usize>> = self
            .model
            .files
            .iter()
            .map(|f| f.imports.iter().map(|i| i.file.index()).collect())
            .collect();
        for back in back_edges(&edges) {
            let mut names: Vec<String> = back
                .path
                .iter()
                .map(|&(f, _)| self.units[f].path.display().to_string())
                .collect();
            names.push(names[0].clone());
            let span = self.model.files[back.node].imports[back.edge].span;
            self.report(
                back.node,
                CheckError::ImportCycle {
                    cycle: names.join(" → "),
                    span: source_span(span),
                },
            );
        }
    }

    /// A message that reaches itself through required message fields has no finite value.
    pub(super) fn check_infinite_types(&mut self) {
        let messages = &self.model.messages;
        // Per message: the index of each required message field, and where it leads.
        let fields: Vec<Vec<(usize, usize)>> = messages
            .iter()
            .map(|m| {
                m.fields
                    .iter()
                    .enumerate()
                    .filter_map(|(fi, f)| match (&f.ty, f.optional) {
                        (Type::Message(id), false) => Some((fi, id.index())),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let edges: Vec<Vec<usize>> = fields
            .iter()
            .map(|f| f.iter().map(|&(_, target)| target).collect())
            .collect();
        let field_of = |(m, e): (usize, usize)| &messages[m].fields[fields[m][e].0];
        let mut errors = Vec::new();
        for back in back_edges(&edges) {
            let start = back.path[0].0;
            let mut cycle: Vec<String> = back
                .path
                .iter()
                .map(|&(m, e)| format!("{}.{}", messages[m].name, field_of((m, e)).name))
                .collect();
            cycle.push(messages[start].name.clone());
            let f = field_of((back.node, back.edge));
            let error = CheckError::InfiniteType {
                // The message the cycle starts and ends at, as the cycle is written.
                name: messages[start].name.clone(),
                cycle: cycle.join(" → "),
                field: f.name.clone(),
                ty: f.ty.display(&self.model),
                span: source_span(f.span),
            };
            errors.push((messages[back.node].file.index(), error));
        }
        for (file, error) in errors {
            self.report(file, error);
        }
    }

    pub(super) fn check_unused_imports(&mut self) {
        for file in 0..self.units.len() {
            let imports = self.model.files[file].imports.clone();
            for import in imports {
                let target = import.file.index();
                if target != file
                    && !self.used_imports.contains(&(file, target))
                    && !self.own[target].is_empty()
                {
                    self.report(
                        file,
                        CheckError::UnusedImport {
                            path: import.path.clone(),
                            span: source_span(import.span),
                        },
                    );
                }
            }
        }
    }
}
