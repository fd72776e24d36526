//! Services matched by name, their rpcs by name: removals, modifiers, the messages each
//! rpc takes and returns, and the errors it throws.

use std::collections::BTreeMap;

use super::{spans, DeclKind, Dir, Pair, Walker};
use crate::compat::report::wording::Change;
use crate::compat::rules::Rule;
use crate::model::{ErrorId, File, Model, Rpc};

impl Walker<'_> {
    pub(super) fn services(&mut self) {
        let old_services = services(self.models.old);
        let new_services = services(self.models.new);
        let removed: Vec<&str> = old_services
            .keys()
            .filter(|n| !new_services.contains_key(*n))
            .copied()
            .collect();
        let added: Vec<&str> = new_services
            .keys()
            .filter(|n| !old_services.contains_key(*n))
            .copied()
            .collect();
        for (name, old_files) in &old_services {
            self.party = self.root_party(false);
            let old_span = old_files[0].service.as_ref().map(|s| s.span);
            let Some(new_files) = new_services.get(name) else {
                let renamed_to =
                    (removed.len() == 1 && added.len() == 1 && self.consumer.is_none())
                        .then(|| added[0].to_string());
                let change = Change::ServiceRemoved {
                    name: name.to_string(),
                    renamed_to,
                };
                let path = format!("service \"{name}\"");
                self.emit(Rule::ServiceRemoved, change, path, spans(old_span, None));
                continue;
            };
            let new_service_span = new_files[0].service.as_ref().map(|s| s.span);
            let rpcs = Pair::new(rpcs(old_files), rpcs(new_files));
            for (rpc_name, old_rpc) in &rpcs.old {
                match rpcs.new.get(rpc_name) {
                    Some(new_rpc) => self.rpc(Pair::new(old_rpc, new_rpc)),
                    None => {
                        let renamed_to = match self.renamed_rpc(&rpcs, old_rpc).as_slice() {
                            [one] if self.consumer.is_none() => Some(one.to_string()),
                            _ => None,
                        };
                        let change = Change::RpcRemoved {
                            rpc: rpc_name.to_string(),
                            renamed_to,
                        };
                        let path = format!("rpc {rpc_name}");
                        let spans = spans(Some(old_rpc.span), new_service_span);
                        self.emit(Rule::RpcRemoved, change, path, spans);
                    }
                }
            }
        }
    }

    /// New rpcs that take and return messages of the same names as a removed one.
    fn renamed_rpc<'m>(
        &self,
        rpcs: &Pair<BTreeMap<&'m str, &'m Rpc>>,
        old_rpc: &Rpc,
    ) -> Vec<&'m str> {
        let (old, new) = (self.models.old, self.models.new);
        rpcs.new
            .iter()
            .filter(|(n, r)| {
                !rpcs.old.contains_key(*n)
                    && new.message(r.input).name == old.message(old_rpc.input).name
                    && new.message(r.output).name == old.message(old_rpc.output).name
            })
            .map(|(n, _)| *n)
            .collect()
    }

    fn rpc(&mut self, rpc: Pair<&Rpc>) {
        let root = format!("rpc {}", rpc.old.name);
        let name = rpc.old.name.clone();
        let both = spans(Some(rpc.old.span), Some(rpc.new.span));
        let (om, nm) = (&rpc.old.modifiers, &rpc.new.modifiers);
        if om.readonly && !nm.readonly {
            let change = Change::ReadonlyRemoved {
                rpc: name.clone(),
                still_idempotent: nm.is_idempotent(),
            };
            self.emit(Rule::RpcReadonlyRemoved, change, root.clone(), both);
        } else if om.is_idempotent() && !nm.is_idempotent() {
            let change = Change::IdempotentRemoved { rpc: name.clone() };
            self.emit(Rule::RpcIdempotentRemoved, change, root.clone(), both);
        }
        if nm.deadline() < om.deadline() {
            let change = Change::TimeoutShortened {
                rpc: name.clone(),
                old: om.deadline(),
                new: nm.deadline(),
            };
            self.emit(Rule::RpcTimeoutShortened, change, root.clone(), both);
        }

        self.path = vec![root.clone()];
        let inputs = Pair::new(rpc.old.input, rpc.new.input);
        self.message(inputs, Dir::Input, Some(&name));
        self.path = vec![root.clone()];
        let outputs = Pair::new(rpc.old.output, rpc.new.output);
        self.message(outputs, Dir::Output, Some(&name));

        for &oe in &om.throws {
            let old_error = self.models.old.error(oe);
            let found = nm
                .throws
                .iter()
                .copied()
                .find(|&ne| self.models.new.error(ne).name == old_error.name);
            let path = format!("{root} throws {}", old_error.name);
            match found {
                Some(ne) => {
                    self.path = vec![path];
                    self.error(Pair::new(oe, ne));
                }
                None => {
                    self.accounted
                        .insert((DeclKind::Error, old_error.name.clone()));
                    let change = Change::ErrorRemovedFromThrows {
                        rpc: name.clone(),
                        error: old_error.name.clone(),
                    };
                    let spans = spans(Some(old_error.span), Some(rpc.new.span));
                    self.emit(Rule::ErrorRemovedFromThrows, change, path, spans);
                }
            }
        }
        self.path.clear();
    }

    fn error(&mut self, ids: Pair<ErrorId>) {
        if !self
            .seen_errors
            .insert((ids.old, ids.new, self.party.clone()))
        {
            return;
        }
        let (oe, ne) = (
            self.models.old.error(ids.old),
            self.models.new.error(ids.new),
        );
        if oe.code != ne.code {
            let change = Change::ErrorCodeChanged {
                error: oe.name.clone(),
                old: oe.code,
                new: ne.code,
            };
            let path = self.path_with(&oe.name);
            let spans = spans(Some(oe.span), Some(ne.span));
            self.emit(Rule::ErrorCodeChanged, change, path, spans);
        }
        let owners = Pair::new(
            super::messages::Owner::of_error(oe),
            super::messages::Owner::of_error(ne),
        );
        self.fields(owners, Dir::Output);
    }
}

/// Services by name, with the files that declare them (normally one).
fn services(model: &Model) -> BTreeMap<&str, Vec<&File>> {
    let mut out: BTreeMap<&str, Vec<&File>> = BTreeMap::new();
    for file in &model.files {
        if let Some(service) = &file.service {
            out.entry(service.name.as_str()).or_default().push(file);
        }
    }
    out
}

fn rpcs<'m>(files: &[&'m File]) -> BTreeMap<&'m str, &'m Rpc> {
    let mut out = BTreeMap::new();
    for file in files {
        for rpc in &file.rpcs {
            out.entry(rpc.name.as_str()).or_insert(rpc);
        }
    }
    out
}
