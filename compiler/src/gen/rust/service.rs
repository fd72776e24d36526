//! A service: a constant per rpc, an error enum per rpc that throws, the client, the
//! server trait and its router.

use super::names::{self, Scopes};
use super::types::{code_variant, deprecated, Scope};
use super::view::{RpcView, ServiceView, ThrowView};
use crate::gen::names::Namespace;
use crate::gen::{comment_lines, endpoint_env_var, Options};
use crate::model::*;

pub fn service_view(
    scope: &Scope,
    scopes: &mut Scopes,
    service: &Service,
    rpcs: &[Rpc],
    options: &Options,
) -> ServiceView {
    let base = names::service_type(&service.name);
    let trait_name = scopes.helper_type(&base);
    let client_name = scopes.helper_type(&format!("{base}Client"));
    let mut methods = names::methods();
    let rpcs = rpcs
        .iter()
        .map(|r| rpc_view(scope, scopes, &mut methods, service, r))
        .collect();
    ServiceView {
        env_var: endpoint_env_var(&service.name),
        name: service.name.clone(),
        name_literal: names::string_literal(&service.name),
        trait_name,
        client_name,
        docs: comment_lines(&service.doc),
        rpcs,
        client: options.client,
        server: options.server,
    }
}

fn rpc_view(
    scope: &Scope,
    scopes: &mut Scopes,
    methods: &mut Namespace,
    service: &Service,
    r: &Rpc,
) -> RpcView {
    let (method, method_with) = names::method_names(methods, &r.name);
    let mut variants = names::variants(true);
    let throws: Vec<ThrowView> = r
        .modifiers
        .throws
        .iter()
        .map(|id| {
            let e = scope.model.error(*id);
            ThrowView {
                variant: names::variant_name(&mut variants, &e.name),
                ty: scope.error(*id),
                wire_name: names::string_literal(&scope.model.error_wire_name(*id, Some(service))),
                code: code_variant(e.code),
                message: names::string_literal(e.doc.as_deref().unwrap_or(&e.name)),
                docs: comment_lines(&e.doc),
            }
        })
        .collect();
    let error = if throws.is_empty() {
        "brief_runtime::Error".to_string()
    } else {
        let base = heck::ToUpperCamelCase::to_upper_camel_case(r.name.as_str());
        scopes.helper_type(&format!("{base}Error"))
    };
    RpcView {
        name: r.name.clone(),
        name_literal: names::string_literal(&r.name),
        const_name: scopes.const_name(&r.name, ""),
        input: scope.message(r.input),
        output: scope.message(r.output),
        error,
        idempotent: r.modifiers.is_idempotent(),
        readonly: r.modifiers.readonly,
        timeout: duration_expr(r.modifiers.deadline()),
        docs: comment_lines(&r.doc),
        deprecated: deprecated(&r.doc, r.modifiers.deprecated),
        throws,
        conversion_name: ["from_", "into_"]
            .iter()
            .any(|prefix| method.trim_start_matches("r#").starts_with(prefix)),
        method,
        method_with,
    }
}

/// `std::time::Duration::from_secs(2)`, `from_millis(300)`.
fn duration_expr(d: std::time::Duration) -> String {
    use crate::dump::{largest_unit, DurationUnit};
    match largest_unit(d) {
        (n, DurationUnit::Minutes) => format!("std::time::Duration::from_secs({})", n * 60),
        (n, DurationUnit::Seconds) => format!("std::time::Duration::from_secs({n})"),
        (n, DurationUnit::Millis) => format!("std::time::Duration::from_millis({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations() {
        let table = [
            (Duration::from_millis(300), "from_millis(300)"),
            (Duration::from_secs(2), "from_secs(2)"),
            (Duration::from_secs(120), "from_secs(120)"),
            (Duration::from_millis(1500), "from_millis(1500)"),
        ];
        for (d, want) in table {
            assert_eq!(duration_expr(d), format!("std::time::Duration::{want}"));
        }
    }
}
