//! The graphs over the whole model: imports (cycles, unused imports) and required message
//! fields (messages that contain themselves).

use super::Resolver;
use crate::check::errors::CheckError;
use crate::model::*;

impl Resolver<'_> {
    pub(super) fn check_import_cycles(&mut self) {
        // Iterative depth-first search; a back edge closes a cycle.
        let n = self.units.len();
        let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
        let mut found: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
                let imports = &self.model.files[node].imports;
                if *edge >= imports.len() {
                    state[node] = 2;
                    stack.pop();
                    continue;
                }
                let i = *edge;
                *edge += 1;
                let target = imports[i].file.index();
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(f, _)| *f == target).unwrap_or(0);
                        let cycle = stack[from..].iter().map(|(f, _)| *f).collect();
                        found.push((node, i, cycle));
                    }
                    _ => {}
                }
            }
        }
        for (node, import_index, cycle) in found {
            let mut names: Vec<String> = cycle
                .iter()
                .map(|f| self.units[*f].path.display().to_string())
                .collect();
            names.push(self.units[cycle[0]].path.display().to_string());
            let span = self.model.files[node].imports[import_index].span;
            self.report(
                node,
                CheckError::ImportCycle {
                    cycle: names.join(" → "),
                    span: miette::SourceSpan::new(
                        (span.start as usize).into(),
                        (span.end - span.start) as usize,
                    ),
                },
            );
        }
    }

    /// A message that reaches itself through required message fields has no finite value.
    pub(super) fn check_infinite_types(&mut self) {
        let messages = &self.model.messages;
        let n = messages.len();
        let edges: Vec<Vec<(usize, usize)>> = messages
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
        let mut state = vec![0u8; n];
        let mut found = Vec::new();
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
                if *edge >= edges[node].len() {
                    state[node] = 2;
                    stack.pop();
                    continue;
                }
                let (field, target) = edges[node][*edge];
                *edge += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(m, _)| *m == target).unwrap_or(0);
                        // Each frame's edge counter is one past the edge it followed.
                        let mut path: Vec<String> = stack[from..]
                            .iter()
                            .map(|&(m, e)| {
                                let f = &messages[m].fields[edges[m][e - 1].0];
                                format!("{}.{}", messages[m].name, f.name)
                            })
                            .collect();
                        path.push(messages[target].name.clone());
                        found.push((node, field, target, path.join(" → ")));
                    }
                    _ => {}
                }
            }
        }
        for (node, field, start, cycle) in found {
            let m = &self.model.messages[node];
            let f = &m.fields[field];
            let error = CheckError::InfiniteType {
                // The message the cycle starts and ends at, as the cycle is written.
                name: self.model.messages[start].name.clone(),
                cycle,
                field: f.name.clone(),
                ty: f.ty.display(&self.model),
                span: miette::SourceSpan::new(
                    (f.span.start as usize).into(),
                    (f.span.end - f.span.start) as usize,
                ),
            };
            self.report(m.file.index(), error);
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
                            span: miette::SourceSpan::new(
                                (import.span.start as usize).into(),
                                (import.span.end - import.span.start) as usize,
                            ),
                        },
                    );
                }
            }
        }
    }
}
