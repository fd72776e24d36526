//! `brief compat`: whether a new version of a contract breaks anyone using the old one.
//!
//! Two checks read two checked [`Model`]s:
//! - [`compare`]: an old and a new version of the same contracts. Services are matched
//!   by name, rpcs by service and name, event schemas by topic; file names play no part,
//!   so moving a declaration to another file changes nothing on the wire.
//! - [`consumer`]: a provider's own contract against a consumer's copy of it
//!   (`rpc/<provider>.brief` in the consumer's repository): every rpc the consumer
//!   declares exists, every field it sends is accepted, every field it requires in
//!   answers and events is sent, and enum values line up in the direction that matters.
//!
//! Messages are followed from their roots with a direction: what an rpc takes is written
//! by clients and read by the server (the *input* side); what it returns, the fields of
//! the errors it throws and event schemas are written by the server or producer and read
//! by clients or consumers (the *output* side). A message reached both ways gets both
//! sets of rules. Each [`Finding`] names its [`Rule`], the path through the contract
//! that makes it matter (`rpc sum → SumIn.items[] → Item.price`), the old and new
//! positions and whom it breaks.
//!
//! ```
//! use brief::compat::{self, Level};
//! let old = brief::check_source("a.brief", "service \"s\"\nrpc f (In) Out\nmessage In { a int }\nmessage Out { b int }");
//! let new = brief::check_source("a.brief", "service \"s\"\nrpc f (In) Out\nmessage In { a int\n c int }\nmessage Out { b int }");
//! let report = compat::compare(&old.model, &new.model, Level::Wire);
//! assert!(report.is_breaking());
//! assert_eq!(report.findings[0].rule.id(), "FIELD_REQUIRED_ADDED_ON_INPUT");
//! assert_eq!(report.findings[0].path, "rpc f → In.c");
//! ```

pub mod git;
mod report;
mod rules;
mod walk;

pub use report::Format;
pub use rules::{Level, Party, Rule, Severity};

use crate::model::{Location, Model};

/// One change that breaks someone (or deserves a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// What changed, in a sentence.
    pub message: String,
    /// How the change is reached from an rpc or schema: `rpc sum → SumIn.items[] → Item.price`.
    pub path: String,
    /// Where the changed thing was in the old contract (absent for additions).
    pub old: Option<Location>,
    /// Where the change shows in the new contract: the changed thing itself, or for a
    /// removal the declaration that lost it (absent when nothing encloses it any more).
    pub new: Option<Location>,
    /// Whom it breaks.
    pub breaks: Vec<Party>,
}

/// Every finding of one comparison, sorted by new position, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The level the comparison ran at.
    pub level: Level,
    pub findings: Vec<Finding>,
    /// Where the old contract came from when it is not a path on disk (`main` for
    /// `--against main`); shown beside old positions.
    pub old_label: Option<String>,
}

impl Report {
    fn new(level: Level, findings: Vec<Finding>) -> Report {
        let mut findings = dedup(findings);
        findings.sort_by(|a, b| {
            (&a.new, &a.old, a.rule, &a.path).cmp(&(&b.new, &b.old, b.rule, &b.path))
        });
        Report {
            level,
            findings,
            old_label: None,
        }
    }

    /// Whether anything breaks: the CLI exits 1.
    pub fn is_breaking(&self) -> bool {
        self.errors().next().is_some()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// Appends another report's findings (the consumer check runs one per consumer).
    pub fn extend(&mut self, other: Report) {
        let mut all = std::mem::take(&mut self.findings);
        all.extend(other.findings);
        self.findings = Report::new(self.level, all).findings;
    }

    /// The report as `text`, `json` or GitHub Actions annotations.
    pub fn render(&self, format: Format) -> String {
        report::render(self, format)
    }
}

/// The same change reached along two paths is one finding, breaking both parties.
fn dedup(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut index = std::collections::BTreeMap::new();
    for f in findings {
        let key = (f.rule, f.old.clone(), f.new.clone(), f.message.clone());
        match index.get(&key) {
            Some(&i) => {
                let kept: &mut Finding = &mut out[i];
                for p in f.breaks {
                    if !kept.breaks.contains(&p) {
                        kept.breaks.push(p);
                    }
                }
                kept.breaks.sort();
            }
            None => {
                index.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

/// Compares an old and a new version of the same contracts at `level`.
///
/// Both models should be free of check errors. Every service, rpc and schema of `old`
/// is looked up in `new` by name; the messages they reach are compared field by field
/// with the rules of their direction.
pub fn compare(old: &Model, new: &Model, level: Level) -> Report {
    let findings = walk::Walker::new(old, new, level, None).run();
    Report::new(level, findings)
}

/// The consumer-driven check: the provider's contract against one consumer's copy.
///
/// The copy plays the old contract (the consumer's code was generated from it), the
/// provider's contract the new one, at the wire level. Only what the copy declares is
/// checked; rpcs, schemas and fields it leaves out are the consumer's business. On top of
/// the version rules, a field the consumer sends that the provider does not know is a
/// warning ([`Rule::ConsumerFieldIgnored`]). `consumer_name` names the consumer in
/// [`Finding::breaks`].
pub fn consumer(provider: &Model, consumer: &Model, consumer_name: &str) -> Report {
    let findings = walk::Walker::new(
        consumer,
        provider,
        Level::Wire,
        Some(consumer_name.to_string()),
    )
    .run();
    Report::new(Level::Wire, findings)
}
