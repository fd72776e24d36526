//! The language's naming rules and "did you mean" suggestions.

/// Words that cannot name a message, enum or error: the builtin types and keywords.
pub const RESERVED: &[&str] = &[
    "bool", "int", "float", "string", "bytes", "time", "map", "service", "rpc", "message", "enum",
    "error", "schema", "import",
];

pub fn is_pascal_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

pub fn is_lower_camel_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

pub fn is_lower_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// `image-storage`: lowercase words joined by single hyphens.
pub fn is_service_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `service.create`: lowercase words (which may hold `-` or `_`) joined by dots.
pub fn is_topic(topic: &str) -> bool {
    !topic.is_empty()
        && topic.split('.').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && !word.ends_with(['-', '_'])
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

pub fn to_pascal_case(name: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(name)
}

pub fn to_lower_camel_case(name: &str) -> String {
    heck::ToLowerCamelCase::to_lower_camel_case(name)
}

pub fn to_kebab_case(name: &str) -> String {
    heck::ToKebabCase::to_kebab_case(name)
}

/// A name as the collision rule compares names: ASCII letters lowercased, `_` removed.
/// Two names of one scope with the same folded form collide (`userId`, `userID`,
/// `user_id`), since some language's generated code would spell them the same way.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|&c| c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The closest candidate to a misspelt name, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            // A difference in case alone is the likeliest typo of all.
            let d = if c.to_ascii_lowercase() == lower {
                0
            } else {
                edit_distance(name, c)
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_rules() {
        let table: &[(&str, bool, bool, bool)] = &[
            // name, Pascal, lowerCamel, lower_snake
            ("SumIn", true, false, false),
            ("sumIn", false, true, false),
            ("sum_in", false, false, true),
            ("sum", false, true, true),
            ("Sum_In", false, false, false),
            ("_x", false, false, false),
            ("x__y", false, false, false),
            ("HTTPServer", true, false, false),
        ];
        for &(name, pascal, camel, snake) in table {
            assert_eq!(is_pascal_case(name), pascal, "{name} pascal");
            assert_eq!(is_lower_camel_case(name), camel, "{name} camel");
            assert_eq!(is_lower_snake_case(name), snake, "{name} snake");
        }
    }

    #[test]
    fn service_names_and_topics() {
        for ok in ["summer", "image-storage", "s3-proxy"] {
            assert!(is_service_name(ok), "{ok}");
        }
        for bad in ["Summer", "image_storage", "-a", "a-", "a--b", "", "3d"] {
            assert!(!is_service_name(bad), "{bad}");
        }
        for ok in ["service.create", "user", "image-storage.resized_v2"] {
            assert!(is_topic(ok), "{ok}");
        }
        for bad in [
            "Service.create",
            "service..create",
            ".a",
            "a.",
            "a.-b",
            "a b",
        ] {
            assert!(!is_topic(bad), "{bad}");
        }
    }

    #[test]
    fn folding_ignores_case_and_underscores() {
        assert_eq!(fold("userId"), fold("userID"));
        assert_eq!(fold("user_id"), fold("UserId"));
        assert_eq!(fold("a_b"), fold("aB"));
        assert_ne!(fold("user1"), fold("user_id"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("SumIm", ["SumIn", "SumOut"]), Some("SumIn"));
        assert_eq!(did_you_mean("Int", ["int", "string"]), Some("int"));
        assert_eq!(did_you_mean("Zebra", ["SumIn", "SumOut"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
