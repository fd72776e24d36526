//! A service: a variable per rpc, the server interface, its handler and the client.

use std::collections::BTreeMap;

use super::names;
use super::types::docs_deprecated;
use super::view::{RethrowView, RpcView, ServiceView};
use super::Builder;
use crate::gen::{comment_lines, endpoint_env_var};
use crate::model::*;

impl Builder<'_> {
    pub(super) fn service(&mut self, s: &Service) -> ServiceView {
        let base = names::exported(&s.name);
        let server = self.namespace.claim(&format!("{base}Server"));
        let handler = self.namespace.claim(&format!("New{base}Handler"));
        let procedures = self.namespace.claim(&format!("{base}Procedures"));
        let client = self.namespace.claim(&format!("{base}Client"));
        let new_client = self.namespace.claim(&format!("New{base}Client"));
        let mut methods = names::methods();
        let mut foreign_errors: BTreeMap<ErrorId, (String, String)> = BTreeMap::new();
        let mut rpcs = Vec::new();
        for r in &self.file.rpcs {
            let var = self
                .namespace
                .claim(&format!("{}RPC", names::unexported(&r.name)));
            let mut rethrow = false;
            let throws = r
                .modifiers
                .throws
                .iter()
                .map(|id| {
                    let wire = self.model.error_wire_name(*id, Some(s));
                    let ty = self.error(*id);
                    if self.model.error_wire_name(*id, None) != wire {
                        rethrow = true;
                        foreign_errors.insert(*id, (ty.clone(), names::string_literal(&wire)));
                    }
                    (names::string_literal(&wire), ty)
                })
                .collect();
            rpcs.push(RpcView {
                name: names::string_literal(&r.name),
                var,
                method: methods.claim(&names::exported(&r.name)),
                input: self.message(r.input),
                output: self.message(r.output),
                idempotent: r.modifiers.is_idempotent(),
                readonly: r.modifiers.readonly,
                timeout: duration_expr(r.modifiers.deadline()),
                throws,
                docs: docs_deprecated(&r.doc, r.modifiers.deprecated, "rpc"),
                rethrow,
            });
        }
        let rethrow = if foreign_errors.is_empty() || !self.options.server {
            None
        } else {
            Some(RethrowView {
                func: self.namespace.claim("briefRethrow"),
                retype: self.namespace.claim("briefRetype"),
                errors: foreign_errors.into_values().collect(),
            })
        };
        if rethrow.is_none() {
            for r in &mut rpcs {
                r.rethrow = false;
            }
        }
        ServiceView {
            name: names::string_literal(&s.name),
            server: self.options.server.then_some(server),
            handler,
            procedures,
            client: self.options.client.then_some(client),
            new_client,
            env_var: endpoint_env_var(&s.name),
            docs: comment_lines(&s.doc),
            rpcs,
            rethrow,
        }
    }
}

/// `300 * time.Millisecond`, `2 * time.Second`, `2 * time.Minute`.
fn duration_expr(d: std::time::Duration) -> String {
    use crate::dump::{largest_unit, DurationUnit};
    let (n, unit) = largest_unit(d);
    let unit = match unit {
        DurationUnit::Minutes => "Minute",
        DurationUnit::Seconds => "Second",
        DurationUnit::Millis => "Millisecond",
    };
    format!("{n} * time.{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations() {
        let table = [
            (Duration::from_millis(300), "300 * time.Millisecond"),
            (Duration::from_secs(2), "2 * time.Second"),
            (Duration::from_secs(120), "2 * time.Minute"),
            (Duration::from_millis(1500), "1500 * time.Millisecond"),
        ];
        for (d, want) in table {
            assert_eq!(duration_expr(d), want);
        }
    }
}
