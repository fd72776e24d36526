//! What a decode keeps track of beyond serde's reach: how deep the JSON nesting is, and
//! the field path of an error as it travels up.
//!
//! Both live in thread-locals because the `Wire` impls are generic over any
//! `Deserializer`: a level of decoding cannot hand state to the next one through the
//! deserializer it passes on. A decode never yields, so one thread runs one decode at a
//! time (a nested [`Scope`] saves and restores the outer one).

use std::cell::{Cell, RefCell};
use std::fmt::Write;

/// The most levels of JSON nesting (objects and arrays, the outermost object included)
/// a decoder accepts: 1,023 levels of a message holding itself in a list, 2,047 through
/// an optional field. Deeper input is `invalid_argument`.
///
/// The decoder itself would manage any depth (see [`nested`]), but what the program
/// then does with the value does not grow the stack: a decoded message is dropped,
/// cloned, compared and printed by derived, recursive code. At this depth all of those
/// fit a 2 MiB thread stack even in an unoptimized build.
pub const MAX_DEPTH: usize = 2_048;

/// The most characters of a received value an error message repeats; a longer value
/// is cut there and followed by `...`.
pub const ECHO_MAX_CHARS: usize = 64;

/// The most segments a path in an error message shows: a deeper path keeps its first
/// and last halves, joined by ` ... `.
pub const PATH_MAX_SEGMENTS: usize = 64;

/// How often the stack is checked: every this many levels of nesting (so the one or
/// two levels of a common message never pay for it).
const CHECK_EVERY: usize = 8;
/// The stack that must be left at a check: `CHECK_EVERY` levels take about 24 KiB in an
/// unoptimized build (6 KiB optimized), and the work at the leaves (parsing a time,
/// formatting an error) a few more. When less is left, decoding continues on a fresh
/// segment of `STACK_SEGMENT`, so no depth below [`MAX_DEPTH`] can overflow the stack
/// of whatever thread decodes (a 2 MiB tokio worker, a 128 KiB test thread).
const RED_ZONE: usize = 128 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A message field: `.name`.
    Field(String),
    /// A list element: `[2]`.
    Index(usize),
    /// A map value: `["key"]`.
    Key(String),
}

#[derive(Default)]
struct PathState {
    /// Inside [`Scope`]: segments are recorded only then.
    active: bool,
    /// The error is about the whole input (too deep): it gets no path.
    whole_input: bool,
    /// Innermost first, as the error travels up.
    segments: Vec<Segment>,
}

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    static PATH: RefCell<PathState> = RefCell::new(PathState::default());
}

/// Runs `f`, which decodes the inside of one object or array, one level deeper: past
/// [`MAX_DEPTH`] it fails instead.
pub(crate) fn nested<T, E: serde::de::Error>(f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    deeper(|depth| {
        if depth > MAX_DEPTH {
            about_whole_input();
            return Err(E::custom(format_args!(
                "JSON nested deeper than {MAX_DEPTH} levels"
            )));
        }
        f()
    })
}

/// Runs `f` one level of nesting deeper (decoding an object or array, encoding a
/// message), giving it the new depth; every [`CHECK_EVERY`] levels, on a fresh stack
/// segment when the current one runs low.
pub(crate) fn deeper<R>(f: impl FnOnce(usize) -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(d.get() - 1));
        }
    }
    let depth = DEPTH.with(|d| {
        d.set(d.get() + 1);
        d.get()
    });
    let _leave = Leave;
    if depth.is_multiple_of(CHECK_EVERY) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || f(depth))
    } else {
        f(depth)
    }
}

/// Marks the error being raised as one about the whole input, which gets no path (the
/// nesting limit, a repeated key inside the value of an unknown field).
pub(crate) fn about_whole_input() {
    PATH.with(|p| p.borrow_mut().whole_input = true);
}

/// Records that the error passing by happened inside `segment` (called innermost
/// first). Does nothing outside a [`Scope`], so that decoding with serde_json directly
/// leaves nothing behind.
pub(crate) fn push(segment: impl FnOnce() -> Segment) {
    PATH.with(|p| {
        let mut p = p.borrow_mut();
        if p.active && !p.whole_input {
            p.segments.push(segment());
        }
    });
}

/// One decode: collects the path of its error.
pub(crate) struct Scope {
    outer: Option<PathState>,
}

impl Scope {
    pub(crate) fn enter() -> Scope {
        let fresh = PathState {
            active: true,
            ..PathState::default()
        };
        Scope {
            outer: Some(PATH.with(|p| p.replace(fresh))),
        }
    }

    /// The path of the error that ended the decode (`items[2].userId`), `None` when it
    /// has none (at the top level, or about the whole input).
    pub(crate) fn path(&self) -> Option<String> {
        PATH.with(|p| {
            let p = p.borrow();
            if p.whole_input || p.segments.is_empty() {
                None
            } else {
                Some(render(p.segments.iter().rev()))
            }
        })
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let Some(outer) = self.outer.take() {
            PATH.with(|p| *p.borrow_mut() = outer);
        }
    }
}

/// Writes segments, outermost first, as a path: `byId["v1.2"].items[2].userId`; past
/// [`PATH_MAX_SEGMENTS`], the first and last halves with ` ... ` between them. A field
/// whose name is not an identifier (an unknown key named in a duplicate-key error) is
/// written like a map key, `["a.b"]`, so that the path stays unambiguous and short.
fn render<'a>(segments: impl ExactSizeIterator<Item = &'a Segment>) -> String {
    let n = segments.len();
    let half = PATH_MAX_SEGMENTS / 2;
    let mut out = String::new();
    let mut first = true;
    for (i, seg) in segments.enumerate() {
        if n > PATH_MAX_SEGMENTS && i >= half && i < n - half {
            if i == half {
                out.push_str(" ... ");
                first = true;
            }
            continue;
        }
        match seg {
            Segment::Field(name) if is_identifier(name) => {
                if !first {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Segment::Field(key) | Segment::Key(key) => {
                out.push('[');
                out.push_str(&quote(key));
                out.push(']');
            }
        }
        first = false;
    }
    out
}

/// A name brief accepts for a field: a letter or `_`, then letters, digits and `_`, at
/// most [`ECHO_MAX_CHARS`] of them.
fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && s.len() <= ECHO_MAX_CHARS
}

/// `s` as a JSON string for an error message, cut after [`ECHO_MAX_CHARS`] characters
/// (then followed by `...`). Escapes `"`, `\` and control characters, the latter as
/// `\b \f \n \r \t` or `\u00xx`, as JavaScript's `JSON.stringify` does; every runtime
/// quotes the same way so that paths and messages agree.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(ECHO_MAX_CHARS) + 2);
    out.push('"');
    let mut chars = s.chars();
    for c in chars.by_ref().take(ECHO_MAX_CHARS) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    if chars.next().is_some() {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_cuts() {
        assert_eq!(quote("v1.2"), r#""v1.2""#);
        assert_eq!(quote("a\"b\\c\nd\u{1}é"), r#""a\"b\\c\nd\u0001é""#);
        let long = "é".repeat(ECHO_MAX_CHARS + 1);
        assert_eq!(
            quote(&long),
            format!("\"{}\"...", "é".repeat(ECHO_MAX_CHARS))
        );
        assert_eq!(quote(&long[2..]), format!("\"{}\"", &long[2..]));
    }

    #[test]
    fn render_paths() {
        let segs = [
            Segment::Field("byId".into()),
            Segment::Key("v1.2".into()),
            Segment::Field("items".into()),
            Segment::Index(2),
            Segment::Field("userId".into()),
        ];
        assert_eq!(render(segs.iter()), r#"byId["v1.2"].items[2].userId"#);
        assert_eq!(render([Segment::Index(0)].iter()), "[0]");
        let odd = [Segment::Field("v".into()), Segment::Field("a.b".into())];
        assert_eq!(render(odd.iter()), r#"v["a.b"]"#);
    }

    #[test]
    fn render_elides_the_middle_of_deep_paths() {
        let mut segs = Vec::new();
        for _ in 0..100 {
            segs.push(Segment::Field("children".into()));
            segs.push(Segment::Index(0));
        }
        segs.push(Segment::Field("id".into()));
        let head = vec!["children[0]"; 16].join(".");
        let tail = format!("[0]{}.id", ".children[0]".repeat(15));
        assert_eq!(render(segs.iter()), format!("{head} ... {tail}"));
    }
}
