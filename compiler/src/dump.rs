//! A stable, human-readable text dump of a checked [`Model`], for tests and debugging.
//!
//! The dump lists every file of the model (the root files first, in the order they were
//! given, then the files reached only through `import`, in the order they were loaded)
//! and, per file: its imports, service, rpcs, schemas, messages, enums and errors, each
//! kind in source order:
//!
//! ```text
//! file rpc/summer.brief (root)
//!   service "summer"
//!     doc "Adds numbers"
//!   rpc sum (SumIn) SumOut
//!     written idempotent timeout(300ms)
//!     effective idempotent=true readonly=false deprecated=false deadline=300ms
//!     throws -
//!     doc "A sum method"
//!   message SumIn
//!     field a int
//!       doc "A first number"
//! ```
//!
//! - Doc strings are printed as Rust string literals (`"line one\nline two"`), so a
//!   multi-line doc stays on one line and every character of it is visible.
//! - Types are printed with [`Type::display`], followed by `?` for an optional field; the
//!   flags `optional` and `deprecated` follow when set.
//! - An rpc lists the modifiers as written (`written`, `-` for none), then the effective
//!   values: idempotency (`readonly` implies it) and the deadline (its `timeout(...)` or
//!   [`DEFAULT_TIMEOUT`](crate::model::DEFAULT_TIMEOUT)), then its `throws` list with each
//!   error's code.
//! - Errors show their code and the HTTP status it maps to.
//!
//! With `locations: false` the dump holds no positions, so a file and its formatted
//! version (see [`crate::fmt`]) dump identically. With `locations: true` every item's line
//! gets ` @line:col` (1-based, columns in characters) appended.
//!
//! ```
//! let checked = brief::check_source(
//!     "summer.brief",
//!     "service \"summer\"\nrpc sum (In) Out readonly\nmessage In { a int }\nmessage Out { sum int? }",
//! );
//! let dump = brief::dump::dump_model(&checked.model, false);
//! assert!(dump.contains("  rpc sum (In) Out\n"));
//! assert!(dump.contains("effective idempotent=true readonly=true deprecated=false deadline=1s"));
//! assert!(dump.contains("    field sum int? optional\n"));
//! ```

use std::fmt::Write as _;
use std::time::Duration;

use crate::model::{Enum, ErrorType, Field, File, Message, Model, Span};

/// Dumps every file of `model` and its declarations; see the [module docs](self) for the
/// layout. `locations` adds `@line:col` to each item.
pub fn dump_model(model: &Model, locations: bool) -> String {
    let mut d = Dumper {
        model,
        locations,
        out: String::new(),
    };
    let roots = model.files.iter().filter(|f| f.is_root);
    let imported = model.files.iter().filter(|f| !f.is_root);
    for file in roots.chain(imported) {
        d.file(file);
    }
    d.out
}

/// The units a contract writes durations in (whole numbers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    Minutes,
    Seconds,
    Millis,
}

/// A duration in the largest unit that holds it exactly: `(2, Minutes)` for 120 s,
/// `(1500, Millis)` for 1.5 s, `(0, Millis)` for zero. Everything that writes a duration
/// (contracts, reports, generated code) starts from this.
pub fn largest_unit(d: Duration) -> (u128, DurationUnit) {
    let ms = d.as_millis();
    if ms > 0 && ms.is_multiple_of(60_000) {
        (ms / 60_000, DurationUnit::Minutes)
    } else if ms > 0 && ms.is_multiple_of(1_000) {
        (ms / 1_000, DurationUnit::Seconds)
    } else {
        (ms, DurationUnit::Millis)
    }
}

/// `300ms`, `2s`, `1m`, as a contract writes it.
pub fn format_duration(d: Duration) -> String {
    let (n, unit) = largest_unit(d);
    let unit = match unit {
        DurationUnit::Minutes => "m",
        DurationUnit::Seconds => "s",
        DurationUnit::Millis => "ms",
    };
    format!("{n}{unit}")
}

struct Dumper<'m> {
    model: &'m Model,
    locations: bool,
    out: String,
}

impl Dumper<'_> {
    /// Writes one item line: indentation, text, and its location if asked for.
    fn item(&mut self, depth: usize, text: &str, span: Option<Span>) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        if let (true, Some(span)) = (self.locations, span) {
            let loc = self.model.location(span);
            let _ = write!(self.out, " @{}:{}", loc.line, loc.column);
        }
        self.out.push('\n');
    }

    fn doc(&mut self, depth: usize, doc: &Option<String>) {
        if let Some(doc) = doc {
            self.item(depth, &format!("doc {doc:?}"), None);
        }
    }

    fn file(&mut self, file: &File) {
        let kind = if file.is_root { "root" } else { "imported" };
        self.item(0, &format!("file {} ({kind})", file.display_path()), None);
        for import in &file.imports {
            let target = self.model.file(import.file).display_path();
            self.item(
                1,
                &format!("import {:?} -> {target}", import.path),
                Some(import.span),
            );
        }
        if let Some(service) = &file.service {
            self.item(
                1,
                &format!("service {:?}", service.name),
                Some(service.span),
            );
            self.doc(2, &service.doc);
        }
        for rpc in &file.rpcs {
            let m = &rpc.modifiers;
            let header = format!(
                "rpc {} ({}) {}",
                rpc.name,
                self.model.message(rpc.input).name,
                self.model.message(rpc.output).name
            );
            self.item(1, &header, Some(rpc.span));
            let mut written = Vec::new();
            if m.idempotent {
                written.push("idempotent".to_string());
            }
            if m.readonly {
                written.push("readonly".to_string());
            }
            if let Some(t) = m.timeout {
                written.push(format!("timeout({})", format_duration(t)));
            }
            if m.deprecated {
                written.push("deprecated".to_string());
            }
            if !m.throws.is_empty() {
                let names: Vec<&str> = m
                    .throws
                    .iter()
                    .map(|e| self.model.error(*e).name.as_str())
                    .collect();
                written.push(format!("throws({})", names.join(", ")));
            }
            let written = if written.is_empty() {
                "-".to_string()
            } else {
                written.join(" ")
            };
            self.item(2, &format!("written {written}"), None);
            self.item(
                2,
                &format!(
                    "effective idempotent={} readonly={} deprecated={} deadline={}",
                    m.is_idempotent(),
                    m.readonly,
                    m.deprecated,
                    format_duration(m.deadline())
                ),
                None,
            );
            let throws: Vec<String> = m
                .throws
                .iter()
                .map(|e| {
                    let e = self.model.error(*e);
                    format!("{}({})", e.name, e.code)
                })
                .collect();
            let throws = if throws.is_empty() {
                "-".to_string()
            } else {
                throws.join(", ")
            };
            self.item(2, &format!("throws {throws}"), None);
            self.doc(2, &rpc.doc);
        }
        for schema in &file.schemas {
            let text = format!(
                "schema {:?} {}",
                schema.topic,
                self.model.message(schema.message).name
            );
            self.item(1, &text, Some(schema.span));
            self.doc(2, &schema.doc);
        }
        for id in &file.messages {
            self.message(self.model.message(*id));
        }
        for id in &file.enums {
            self.enum_(self.model.enum_(*id));
        }
        for id in &file.errors {
            self.error(self.model.error(*id));
        }
    }

    fn message(&mut self, m: &Message) {
        self.item(1, &format!("message {}", m.name), Some(m.span));
        self.doc(2, &m.doc);
        self.fields(&m.fields);
    }

    fn enum_(&mut self, e: &Enum) {
        self.item(1, &format!("enum {}", e.name), Some(e.span));
        self.doc(2, &e.doc);
        for v in &e.values {
            self.item(2, &format!("value {}", v.name), Some(v.span));
            self.doc(3, &v.doc);
        }
    }

    fn error(&mut self, e: &ErrorType) {
        let text = format!("error {}({}) http {}", e.name, e.code, e.code.http_status());
        self.item(1, &text, Some(e.span));
        self.doc(2, &e.doc);
        self.fields(&e.fields);
    }

    fn fields(&mut self, fields: &[Field]) {
        for f in fields {
            let mut text = format!("field {} {}", f.name, f.ty.display(self.model));
            if f.optional {
                text.push_str("? optional");
            }
            if f.deprecated {
                text.push_str(" deprecated");
            }
            self.item(2, &text, Some(f.span));
            self.doc(3, &f.doc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_source;

    const SUMMER: &str = "service \"summer\" `Adds numbers`\n\
        rpc sum (SumIn) SumOut idempotent timeout(300ms) `A sum method`\n\
        message SumIn {\n    a    int    `A first number`\n    b    int    `A second number`\n}\n\
        message SumOut {\n    sum   int     `A sum of the numbers`\n    info  string? `Additional info`\n}\n";

    #[test]
    fn dumps_the_seed_example() {
        let checked = check_source("summer.brief", SUMMER);
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        let expected = r#"file summer.brief (root)
  service "summer"
    doc "Adds numbers"
  rpc sum (SumIn) SumOut
    written idempotent timeout(300ms)
    effective idempotent=true readonly=false deprecated=false deadline=300ms
    throws -
    doc "A sum method"
  message SumIn
    field a int
      doc "A first number"
    field b int
      doc "A second number"
  message SumOut
    field sum int
      doc "A sum of the numbers"
    field info string? optional
      doc "Additional info"
"#;
        assert_eq!(dump_model(&checked.model, false), expected);
    }

    #[test]
    fn locations_are_line_and_column() {
        let checked = check_source("summer.brief", SUMMER);
        let dump = dump_model(&checked.model, true);
        assert!(dump.contains("  service \"summer\" @1:1\n"), "{dump}");
        assert!(dump.contains("  rpc sum (SumIn) SumOut @2:1\n"), "{dump}");
        assert!(dump.contains("    field a int @4:5\n"), "{dump}");
        assert!(
            dump.contains("    field info string? optional @9:5\n"),
            "{dump}"
        );
        // Without locations nothing positional remains.
        assert!(!dump_model(&checked.model, false).contains('@'));
    }

    #[test]
    fn modifiers_errors_enums_and_nested_types() {
        let src = "service \"shop\"\n\
            rpc get (In) Out readonly throws(NotFound, Gone) deprecated `Get\n  it`\n\
            rpc put (In) Out timeout(2m)\n\
            schema \"shop.created\" Out\n\
            message In { ids []map[string][]Color? }\n\
            message Out { old int deprecated\n deprecated bool }\n\
            enum Color { red `Red` darkBlue }\n\
            error NotFound(not_found) { id int }\n\
            error Gone(failed_precondition) {}\n";
        let checked = check_source("shop.brief", src);
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        let dump = dump_model(&checked.model, false);
        for line in [
            "    written readonly deprecated throws(NotFound, Gone)\n",
            "    effective idempotent=true readonly=true deprecated=true deadline=1s\n",
            "    throws NotFound(not_found), Gone(failed_precondition)\n",
            "    doc \"Get\\nit\"\n",
            "    written timeout(2m)\n",
            "    effective idempotent=false readonly=false deprecated=false deadline=2m\n",
            "  schema \"shop.created\" Out\n",
            "    field ids []map[string][]Color? optional\n",
            "    field old int deprecated\n",
            "    field deprecated bool\n",
            "  enum Color\n    value red\n      doc \"Red\"\n    value darkBlue\n",
            "  error NotFound(not_found) http 404\n    field id int\n",
            "  error Gone(failed_precondition) http 400\n",
        ] {
            assert!(dump.contains(line), "missing {line:?} in\n{dump}");
        }
    }

    #[test]
    fn imported_files_follow_the_roots() {
        let sources = crate::MemorySources::new([
            ("a.brief", "import \"lib/b.brief\"\nmessage A { b B }"),
            ("lib/b.brief", "message B { x int }"),
        ]);
        let checked = crate::check_with(&sources, &["a.brief".into()]).unwrap();
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        let dump = dump_model(&checked.model, false);
        assert_eq!(
            dump,
            "file a.brief (root)\n  import \"lib/b.brief\" -> lib/b.brief\n  message A\n    field b B\n\
             file lib/b.brief (imported)\n  message B\n    field x int\n"
        );
    }

    #[test]
    fn durations_use_the_largest_exact_unit() {
        assert_eq!(format_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format_duration(Duration::from_secs(1)), "1s");
        assert_eq!(format_duration(Duration::from_secs(90)), "90s");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
    }
}
