//! An rpc: its input and output, and its modifiers (`idempotent`, `readonly`,
//! `timeout(...)`, `deprecated`, `throws(...)`) parsed into their values.

use std::collections::HashMap;
use std::time::Duration;

use super::types::Role;
use super::{DeclRef, Resolver};
use crate::check::errors::{span as src_span, CheckError};
use crate::check::names;
use crate::model::*;
use crate::syntax::ast;

const MODIFIERS: &[&str] = &["idempotent", "readonly", "timeout", "deprecated", "throws"];

impl Resolver<'_> {
    /// An rpc; `has_service` says whether its file declares a service.
    pub(super) fn rpc(
        &mut self,
        file: usize,
        rpc: &ast::RpcDecl,
        has_service: bool,
    ) -> Option<Rpc> {
        if !has_service {
            self.report(
                file,
                CheckError::RpcWithoutService {
                    name: rpc.name.text.clone(),
                    span: src_span(rpc.name.span),
                },
            );
        }
        if !names::is_lower_camel_case(&rpc.name.text) {
            self.warn_case(
                file,
                "rpc",
                &rpc.name,
                "lowerCamelCase",
                names::to_lower_camel_case(&rpc.name.text),
            );
        }
        let owner = format!("rpc `{}`", rpc.name.text);
        let base = names::to_pascal_case(&rpc.name.text);
        let input = self.message_ref(
            file,
            &rpc.input,
            Role::RpcInput,
            &owner,
            format!("{base}In"),
        );
        let output = self.message_ref(
            file,
            &rpc.output,
            Role::RpcOutput,
            &owner,
            format!("{base}Out"),
        );
        let modifiers = self.modifiers(file, rpc);
        Some(Rpc {
            name: rpc.name.text.clone(),
            input: input?,
            output: output?,
            modifiers,
            doc: rpc.doc.as_ref().map(|d| d.text.clone()),
            span: Self::span(file, rpc.span),
        })
    }

    fn modifiers(&mut self, file: usize, rpc: &ast::RpcDecl) -> RpcModifiers {
        let mut out = RpcModifiers::default();
        let mut seen: HashMap<&str, ast::Span> = HashMap::new();
        let mut idempotent_span = None;
        for m in &rpc.modifiers {
            let name = m.name.text.as_str();
            if !MODIFIERS.contains(&name) {
                let help = names::did_you_mean(name, MODIFIERS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("the modifiers are: {}", MODIFIERS.join(", "))));
                self.report(
                    file,
                    CheckError::UnknownModifier {
                        name: name.to_string(),
                        span: src_span(m.name.span),
                        help,
                    },
                );
                continue;
            }
            if let Some(first) = seen.get(name) {
                let first = *first;
                self.report(
                    file,
                    CheckError::DuplicateModifier {
                        what: format!("modifier `{name}`"),
                        span: src_span(m.span),
                        first: src_span(first),
                    },
                );
                continue;
            }
            seen.insert(name, m.span);
            match name {
                "timeout" => out.timeout = self.timeout(file, m),
                "throws" => out.throws = self.throws(file, m),
                flag => {
                    if m.args.is_some() {
                        self.report(
                            file,
                            CheckError::ModifierArguments {
                                name: flag.to_string(),
                                problem: "takes no arguments".into(),
                                span: src_span(m.span),
                                expected: format!("write just `{flag}`"),
                            },
                        );
                    }
                    match flag {
                        "idempotent" => {
                            out.idempotent = true;
                            idempotent_span = Some(m.span);
                        }
                        "readonly" => out.readonly = true,
                        _ => out.deprecated = true,
                    }
                }
            }
        }
        if let (Some(span), true) = (idempotent_span, out.readonly) {
            self.report(
                file,
                CheckError::RedundantModifier {
                    span: src_span(span),
                },
            );
        }
        out
    }

    fn timeout(&mut self, file: usize, m: &ast::Modifier) -> Option<Duration> {
        let arg = match m.args.as_deref() {
            Some([ast::ModifierArg::Duration(t)]) => t,
            _ => {
                self.report(
                    file,
                    CheckError::ModifierArguments {
                        name: "timeout".into(),
                        problem: "takes one duration".into(),
                        span: src_span(m.span),
                        expected: "write e.g. `timeout(300ms)`, `timeout(2s)` or `timeout(1m)`"
                            .into(),
                    },
                );
                return None;
            }
        };
        match parse_duration(&arg.text) {
            Ok(d) => Some(d),
            Err((reason, help)) => {
                self.report(
                    file,
                    CheckError::InvalidDuration {
                        text: arg.text.clone(),
                        span: src_span(arg.span),
                        reason,
                        help,
                    },
                );
                None
            }
        }
    }

    fn throws(&mut self, file: usize, m: &ast::Modifier) -> Vec<ErrorId> {
        let args = m.args.as_deref().unwrap_or(&[]);
        if args.is_empty() {
            self.report(
                file,
                CheckError::ModifierArguments {
                    name: "throws".into(),
                    problem: "needs at least one error".into(),
                    span: src_span(m.span),
                    expected: "write e.g. `throws(NotFound)`".into(),
                },
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut seen: HashMap<&str, ast::Span> = HashMap::new();
        for arg in args {
            let t = arg.token();
            let ast::ModifierArg::Name(t) = arg else {
                self.report(
                    file,
                    CheckError::ModifierArguments {
                        name: "throws".into(),
                        problem: "takes error names".into(),
                        span: src_span(t.span),
                        expected: "not an error name".into(),
                    },
                );
                continue;
            };
            if let Some(first) = seen.get(t.text.as_str()) {
                let first = *first;
                self.report(
                    file,
                    CheckError::DuplicateModifier {
                        what: format!("error `{}`", t.text),
                        span: src_span(t.span),
                        first: src_span(first),
                    },
                );
                continue;
            }
            seen.insert(&t.text, t.span);
            let found = if Type::builtin(&t.text).is_some() {
                "a builtin type"
            } else {
                match self.lookup(file, t, ReferenceKind::Throws) {
                    Some(DeclRef::Error(id)) => {
                        out.push(id);
                        continue;
                    }
                    Some(DeclRef::Message(_)) => "a message",
                    Some(DeclRef::Enum(_)) => "an enum",
                    None => {
                        self.unknown_type(file, t);
                        continue;
                    }
                }
            };
            self.report(
                file,
                CheckError::NotAnError {
                    name: t.text.clone(),
                    found,
                    span: src_span(t.span),
                },
            );
        }
        out
    }
}

/// `300ms`, `2s`, `1m` → a positive duration; otherwise the label and help to show.
pub fn parse_duration(text: &str) -> Result<Duration, (String, Option<String>)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let units_help =
        Some("write a whole number with `ms`, `s` or `m`: `300ms`, `2s`, `1m`".to_string());
    let per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "" => return Err(("missing a unit".into(), units_help)),
        "h" => {
            return Err((
                "hours are not a unit here".into(),
                Some(format!(
                    "write `{}m`",
                    number.parse::<u64>().unwrap_or(1).saturating_mul(60)
                )),
            ))
        }
        other => return Err((format!("unknown unit `{other}`"), units_help)),
    };
    if number.is_empty() {
        return Err(("not a number".to_string(), units_help));
    }
    // Only digits are left, so a number that does not parse is too large.
    let too_long = || {
        (
            "longer than a day".to_string(),
            Some("a deadline this long would never fire; use at most 24h worth".to_string()),
        )
    };
    let value: u64 = number.parse().map_err(|_| too_long())?;
    if value == 0 {
        return Err(("a timeout must be longer than zero".into(), None));
    }
    let millis = value
        .checked_mul(per_unit)
        .filter(|ms| *ms <= 24 * 3_600_000)
        .ok_or_else(too_long)?;
    Ok(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        for bad in [
            "0ms",
            "300",
            "3h",
            "5us",
            "99999999999999999999ms",
            "25000000s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
