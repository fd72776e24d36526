//! Generated identifiers, the same way in every language: one [`Namespace`] per scope of
//! generated code (a module or package, a struct's fields, a client's methods, ...).
//!
//! Contract names are claimed first, in declaration order, then the names of generated
//! helpers (`SummerClient`, `router`, `sumRPC`, ...). A name already taken, or reserved by
//! the language, gets `_` appended until it is free. So a generated file compiles whatever
//! the contract calls things, and the same contract always gives the same names.
//!
//! A language supplies only its case conversion and its [`Reserved`] words; its
//! `names.rs` builds the namespaces of its scopes from them. Words a language can escape
//! instead (Rust's raw identifiers, `r#type`) are left to that language's case conversion.
//!
//! The checker already rejects two names of one scope that differ only in case or `_`
//! (`brief::name_collision`), so the `_` rule is what separates contract names from
//! generated ones and from reserved words.

use std::collections::BTreeSet;

/// How a language compares identifiers of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Case {
    /// `Item` and `item` are two names (Rust, Go; PHP variables, properties, constants).
    #[default]
    Sensitive,
    /// `Item` and `item` are one name (PHP classes, interfaces, functions and methods).
    Insensitive,
}

/// The words a target language does not let generated code declare, by kind.
#[derive(Debug, Clone, Copy)]
pub struct Reserved {
    /// The language, for messages (`rust`, `go`).
    pub language: &'static str,
    /// Keywords and other words of the grammar.
    pub keywords: &'static [&'static str],
    /// Type and value names the language predeclares or that generated code uses
    /// unqualified (`Result`, `String`; `error`, `nil`).
    pub names: &'static [&'static str],
}

impl Reserved {
    /// Every reserved word, keywords first.
    pub fn words(&self) -> impl Iterator<Item = &'static str> {
        self.keywords.iter().chain(self.names).copied()
    }
}

/// The identifiers taken in one scope of generated code.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    case: Case,
    taken: BTreeSet<String>,
}

impl Namespace {
    /// An empty scope comparing names as `case` says.
    pub fn new(case: Case) -> Namespace {
        Namespace {
            case,
            taken: BTreeSet::new(),
        }
    }

    /// The scope with `words` taken already: reserved words, or the methods every
    /// generated type has.
    pub fn reserving<'a>(case: Case, words: impl IntoIterator<Item = &'a str>) -> Namespace {
        let mut ns = Namespace::new(case);
        for w in words {
            ns.taken.insert(ns.key(w));
        }
        ns
    }

    fn key(&self, name: &str) -> String {
        match self.case {
            Case::Sensitive => name.to_string(),
            Case::Insensitive => name.to_ascii_lowercase(),
        }
    }

    /// Whether `name` is still free.
    pub fn is_free(&self, name: &str) -> bool {
        !self.taken.contains(&self.key(name))
    }

    /// `want`, or `want_`, `want__`, ...: the first that is free, which is then taken.
    pub fn claim(&mut self, want: &str) -> String {
        let mut got = self.claim_group(&[want]);
        got.pop().expect("one name in, one out")
    }

    /// Names that go together and so get the same number of `_` (Rust's `sum` and
    /// `sum_with`): the fewest that leave every one of them free. The names must differ
    /// from each other (as this scope compares them).
    pub fn claim_group(&mut self, wants: &[&str]) -> Vec<String> {
        let distinct: BTreeSet<String> = wants.iter().map(|w| self.key(w)).collect();
        assert_eq!(
            distinct.len(),
            wants.len(),
            "a group of equal names: {wants:?}"
        );
        let mut suffix = String::new();
        loop {
            let names: Vec<String> = wants.iter().map(|w| format!("{w}{suffix}")).collect();
            if names.iter().all(|n| self.is_free(n)) {
                for n in &names {
                    self.taken.insert(self.key(n));
                }
                return names;
            }
            suffix.push('_');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_and_reserved_names_get_underscores_in_claim_order() {
        let mut ns = Namespace::reserving(Case::Sensitive, ["Error", "new"]);
        let table = [
            ("Item", "Item"),
            ("Item", "Item_"),
            ("Item_", "Item__"),
            ("Error", "Error_"),
            ("new", "new_"),
            ("item", "item"),
        ];
        for (want, got) in table {
            assert_eq!(ns.claim(want), got, "{want}");
        }
        assert!(!ns.is_free("Item__") && ns.is_free("Item___"));
    }

    #[test]
    fn case_insensitive_scopes_fold_ascii_case() {
        let mut ns = Namespace::reserving(Case::Insensitive, ["list"]);
        assert_eq!(ns.claim("List"), "List_");
        assert_eq!(ns.claim("Item"), "Item");
        assert_eq!(ns.claim("ITEM"), "ITEM_");
        assert!(!ns.is_free("item_"));
    }

    #[test]
    fn groups_share_one_suffix() {
        let mut ns = Namespace::reserving(Case::Sensitive, ["new", "sum_with"]);
        assert_eq!(ns.claim_group(&["sum", "sum_with"]), ["sum_", "sum_with_"]);
        assert_eq!(
            ns.claim_group(&["sum", "sum_with"]),
            ["sum__", "sum_with__"]
        );
        assert_eq!(ns.claim_group(&["get", "get_with"]), ["get", "get_with"]);
    }
}
