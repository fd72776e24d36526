//! A bounded randomized test of the front end: mutated contracts must never make
//! `check_source`, diagnostic rendering or `format_source` panic, hang or overflow the
//! stack, and what the formatter prints must be a fixed point that checks the same way.
//!
//! Seeds: a few built-in contracts plus every `*.brief` under `examples/` and
//! `tests/corpus/` (whatever exists when the test runs). Each iteration derives its own
//! PRNG state from the base seed and its index, so any single failure is reproducible:
//!
//! ```text
//! BRIEF_MUTATION_SEED=<seed> BRIEF_MUTATION_ONLY=<iteration> \
//!     cargo test -p brief --test mutation -- --nocapture
//! ```
//!
//! Other knobs: `BRIEF_MUTATION_ITERS` (default 100,000), `BRIEF_MUTATION_TIMEOUT_SECS`
//! (default 300: the whole batch must finish within it).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use brief::diagnostics::{render, Style};
use brief::fmt::format_source;

const DEFAULT_SEED: u64 = 0x5eed_b71e_f00d_cafe;
const DEFAULT_ITERS: u64 = 100_000;
const DEFAULT_TIMEOUT_SECS: u64 = 300;
/// Iterations per worker thread; each chunk runs on a thread named after its range, so a
/// stack overflow (which aborts the process) still says where it happened.
const CHUNK: u64 = 2_000;
/// Worker threads get a small stack, smaller than the main thread's, so that recursion
/// on deeply nested input shows up here before it shows up in the CLI.
const WORKER_STACK: usize = 2 * 1024 * 1024;

const BUILTIN_SEEDS: &[&str] = &[
    r#"// rpc/summer.brief
service "summer" `Adds numbers`

rpc sum (SumIn) SumOut idempotent timeout(300ms) `A sum method`

message SumIn {
    a    int    `A first number`
    b    int    `A second number`
}

message SumOut {
    sum   int     `A sum of the numbers`
    info  string? `Additional info`
}
"#,
    r#"schema "service.create" ServiceCreate `Service creation`

message ServiceCreate {
    serviceId int
    userId    int
}
"#,
    r#"service "items"
error NotFound(not_found) { id int } `No such item`
error Conflict(already_exists) {}
rpc get (GetIn) GetOut readonly throws(NotFound, Conflict) `Fetches an item`
rpc put (GetIn) GetOut deprecated timeout(2s) throws(Conflict)
message GetIn { id int }
message GetOut {
    // the item
    item    Item        `The item,
                         on two lines`
    tags    []string?
    attrs   map[string][]Item
    created time deprecated
    raw     bytes
    ratio   float
    ok      bool
}
message Item {
    id     int
    parent Item?
    kind   Kind
}
enum Kind {
    plain `A plain one`
    fancy_one
    otherKind
} `Kinds of items`
"#,
    r#"import "common.brief"
import "../shared/types.brief"
message Uses { a Common  b Shared? }
message Self { me Self  list []Self }
enum Empty {}
message Dup { a int  a string }
rpc NoService (Dup) Int badmod(1h, x) timeout(0ms) throws(Dup)
service "Bad_Name"
service "second"
schema "Bad..Topic" Kind
"#,
];

/// Tokens of the language, and some near misses.
const VOCAB: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "?",
    "`",
    "\"",
    "//",
    "message",
    "rpc",
    "service",
    "map[string]",
    "[]",
    "enum",
    "error",
    "schema",
    "import",
    "idempotent",
    "readonly",
    "timeout(300ms)",
    "timeout(",
    "throws(",
    "throws(NotFound)",
    "deprecated",
    "300ms",
    "2s",
    "1m",
    "0ms",
    ",",
    ";",
    "=",
    "\n",
    "\n\n",
    " ",
    "\t",
    "\r\n",
    "int",
    "string",
    "bool",
    "float",
    "bytes",
    "time",
    "Item",
    "x",
    "_",
    "map[",
    "map[int]",
    "[]int?",
    "?",
    "??",
    "\"summer\"",
    "`doc`",
    "// comment\n",
    "message M {}",
    "enum E { a }",
    "error E(not_found) {}",
    "import \"x.brief\"",
    "import \"\"",
    "import \"/abs.brief\"",
    "import \"../../up.brief\"",
    "rpc r (A) B",
    "9999999999999999999999ms",
    "\u{FEFF}",
    "\0",
];

/// Unicode that tends to break byte/char arithmetic.
const ODD_CHARS: &[char] = &[
    'é',
    'ß',
    'ç',
    '€',
    '𝄞',
    '😀',
    '\u{0301}',
    '\u{200B}',
    '\u{200D}',
    '\u{202E}',
    '\u{FEFF}',
    '\u{FFFD}',
    '\u{10FFFF}',
    '\u{7F}',
    '\u{85}',
    '\u{2028}',
    '\u{3000}',
    '日',
    'Ω',
    '\r',
    '\t',
    '\u{0}',
    '\u{1B}',
];

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, iteration: u64) -> Rng {
        // splitmix64 of the pair, so neighbouring iterations are unrelated.
        let mut z = seed ^ iteration.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Rng(z | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

fn collect_seeds() -> Vec<String> {
    let mut seeds: Vec<String> = BUILTIN_SEEDS.iter().map(|s| s.to_string()).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["examples", "tests/corpus"] {
        find_brief_files(&root.join(dir), &mut files);
    }
    files.sort();
    for f in files {
        if let Ok(text) = std::fs::read_to_string(&f) {
            // Very large seeds would only slow the batch down.
            if text.len() <= 64 * 1024 {
                seeds.push(text);
            }
        }
    }
    seeds
}

fn find_brief_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            find_brief_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "brief") {
            out.push(path);
        }
    }
}

/// Byte offsets of line starts, plus the end.
fn line_ranges(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.iter().enumerate() {
        if *b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// One mutated input. Works on bytes, so some mutations split UTF-8 sequences; the result
/// is made valid again lossily, which itself injects U+FFFD.
fn mutate(rng: &mut Rng, seeds: &[String]) -> String {
    let mut buf: Vec<u8> = rng.pick(seeds).as_bytes().to_vec();
    let ops = 1 + rng.below(6);
    for _ in 0..ops {
        let pos = if buf.is_empty() {
            0
        } else {
            rng.below(buf.len() + 1)
        };
        match rng.below(16) {
            // Delete a few bytes.
            0 | 1 => {
                let n = (1 + rng.below(8)).min(buf.len() - pos.min(buf.len()));
                buf.drain(pos..pos + n);
            }
            // Insert a token of the language.
            2..=4 => {
                let mut tok = rng.pick(VOCAB).to_string();
                if rng.chance(2) {
                    tok = format!(" {tok} ");
                }
                buf.splice(pos..pos, tok.bytes());
            }
            // Insert odd unicode.
            5 => {
                let c = *rng.pick(ODD_CHARS);
                let mut tmp = [0u8; 4];
                buf.splice(pos..pos, c.encode_utf8(&mut tmp).bytes());
            }
            // Insert a random char of any plane.
            6 => {
                let c = char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{FFFD}');
                let mut tmp = [0u8; 4];
                buf.splice(pos..pos, c.encode_utf8(&mut tmp).bytes());
            }
            // Duplicate a line.
            7 => {
                let lines = line_ranges(&buf);
                if !lines.is_empty() {
                    let (s, e) = *rng.pick(&lines);
                    let line = buf[s..e].to_vec();
                    buf.splice(s..s, line);
                }
            }
            // Swap two lines.
            8 => {
                let lines = line_ranges(&buf);
                if lines.len() >= 2 {
                    let a = rng.below(lines.len());
                    let b = rng.below(lines.len());
                    let (a, b) = (a.min(b), a.max(b));
                    if a != b {
                        let (la, lb) = (lines[a], lines[b]);
                        let mut out = Vec::with_capacity(buf.len());
                        out.extend_from_slice(&buf[..la.0]);
                        out.extend_from_slice(&buf[lb.0..lb.1]);
                        out.extend_from_slice(&buf[la.1..lb.0]);
                        out.extend_from_slice(&buf[la.0..la.1]);
                        out.extend_from_slice(&buf[lb.1..]);
                        buf = out;
                    }
                }
            }
            // Delete a line.
            9 => {
                let lines = line_ranges(&buf);
                if !lines.is_empty() {
                    let (s, e) = *rng.pick(&lines);
                    buf.drain(s..e);
                }
            }
            // Truncate.
            10 => buf.truncate(pos),
            // Replace a byte with a letter, digit or punctuation.
            11 => {
                if pos < buf.len() {
                    buf[pos] = *rng.pick(b"aZ_09{}()[]?`\"/ \n,.-");
                }
            }
            // Splice a line from another seed.
            12 => {
                let other = rng.pick(seeds).as_bytes();
                let lines = line_ranges(other);
                if !lines.is_empty() {
                    let (s, e) = *rng.pick(&lines);
                    buf.splice(pos..pos, other[s..e].iter().copied());
                }
            }
            // Repeat a declaration-sized chunk many times.
            13 => {
                let lines = line_ranges(&buf);
                if !lines.is_empty() && rng.chance(4) {
                    let first = rng.below(lines.len());
                    let last = (first + rng.below(6)).min(lines.len() - 1);
                    let chunk = buf[lines[first].0..lines[last].1].to_vec();
                    let times = 2 + rng.below(100);
                    let mut rep = Vec::with_capacity(chunk.len() * times);
                    for _ in 0..times {
                        rep.extend_from_slice(&chunk);
                    }
                    buf.splice(lines[first].0..lines[first].0, rep);
                }
            }
            // Deep nesting or long runs.
            _ => {
                if rng.chance(6) {
                    const DEEP: &[&str] = &[
                        "[]",
                        "{",
                        "}",
                        "(",
                        ")",
                        "[",
                        "]",
                        "map[string]",
                        "map[",
                        "`",
                        "\"",
                        "//",
                        "?",
                        "(a",
                        "{a int ",
                        "message M {",
                        "[]map[string]",
                    ];
                    let tok = *rng.pick(DEEP);
                    let times = if rng.chance(3) {
                        10_000
                    } else {
                        1 + rng.below(200)
                    };
                    let rep = tok.repeat(times);
                    buf.splice(pos..pos, rep.bytes());
                }
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn codes(checked: &brief::Checked) -> Vec<String> {
    let mut codes: Vec<String> = checked.diagnostics.iter().map(|d| d.code()).collect();
    codes.sort();
    codes
}

/// Everything the front end does with one input; `Err` describes a broken invariant.
fn exercise(input: &str) -> Result<(), String> {
    let checked = brief::check_source("mutant.brief", input);
    let json = render(&checked.diagnostics, Style::Json);
    // One line per diagnostic kept, and one per file whose others were only counted.
    let lines = checked.diagnostics.len() + checked.diagnostics.omitted().len();
    if json.lines().count() != lines {
        return Err("JSON rendering lost diagnostics".into());
    }
    let text = render(&checked.diagnostics, Style::Text { color: false });
    if checked.diagnostics.is_empty() != text.is_empty() {
        return Err("text rendering lost diagnostics".into());
    }
    let original = codes(&checked);
    let syntax_error = original.iter().any(|c| c == "brief::syntax");
    match format_source(input) {
        Err(_) if syntax_error => Ok(()),
        Err(e) => Err(format!(
            "format_source failed ({}) but check reported no syntax error",
            e.message
        )),
        Ok(_) if syntax_error => {
            Err("format_source succeeded but check reported a syntax error".into())
        }
        Ok(formatted) => {
            let again = format_source(&formatted).map_err(|e| {
                format!("formatted text does not parse: {}\n{formatted}", e.message)
            })?;
            if again != formatted {
                return Err(format!(
                    "formatting is not idempotent:\n--- once\n{formatted}\n--- twice\n{again}"
                ));
            }
            let after = codes(&brief::check_source("mutant.brief", &formatted));
            if after != original {
                return Err(format!(
                    "formatting changed the diagnostics: {original:?} -> {after:?}\n--- formatted\n{formatted}"
                ));
            }
            Ok(())
        }
    }
}

struct Failure {
    iteration: u64,
    input: String,
    problem: String,
}

fn run_one(seed: u64, iteration: u64, seeds: &[String]) -> Option<Failure> {
    let mut rng = Rng::new(seed, iteration);
    let input = mutate(&mut rng, seeds);
    let result = catch_unwind(AssertUnwindSafe(|| exercise(&input)));
    let problem = match result {
        Ok(Ok(())) => return None,
        Ok(Err(problem)) => problem,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            format!("panicked: {msg}")
        }
    };
    Some(Failure {
        iteration,
        input,
        problem,
    })
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}

#[test]
fn mutated_contracts_never_break_the_front_end() {
    let seed = env_u64("BRIEF_MUTATION_SEED").unwrap_or(DEFAULT_SEED);
    let seeds = Arc::new(collect_seeds());

    if let Some(only) = env_u64("BRIEF_MUTATION_ONLY") {
        let input = mutate(&mut Rng::new(seed, only), &seeds);
        eprintln!("input of iteration {only}:\n{input:?}");
        if let Some(f) = run_one(seed, only, &seeds) {
            panic!("iteration {only}: {}", f.problem);
        }
        return;
    }

    let iterations = env_u64("BRIEF_MUTATION_ITERS").unwrap_or(DEFAULT_ITERS);
    let timeout =
        Duration::from_secs(env_u64("BRIEF_MUTATION_TIMEOUT_SECS").unwrap_or(DEFAULT_TIMEOUT_SECS));
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4) as u64;

    // Panics are caught and reported below; keep the default hook from printing each one.
    let quiet = Arc::new(AtomicBool::new(true));
    let default_hook = std::panic::take_hook();
    {
        let quiet = quiet.clone();
        std::panic::set_hook(Box::new(move |info| {
            if !quiet.load(Ordering::Relaxed) {
                default_hook(info);
            }
        }));
    }

    let next_chunk = Arc::new(AtomicU64::new(0));
    let failures: Arc<Mutex<Vec<Failure>>> = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let started = Instant::now();
    for _ in 0..workers {
        let (seeds, next_chunk, failures, done_tx) = (
            seeds.clone(),
            next_chunk.clone(),
            failures.clone(),
            done_tx.clone(),
        );
        std::thread::Builder::new()
            .name("mutation-dispatch".into())
            .spawn(move || loop {
                let first = next_chunk.fetch_add(CHUNK, Ordering::Relaxed);
                if first >= iterations {
                    let _ = done_tx.send(());
                    return;
                }
                let last = (first + CHUNK).min(iterations);
                let (seeds, failures) = (seeds.clone(), failures.clone());
                let chunk = std::thread::Builder::new()
                    .name(format!(
                        "mutation seed={seed:#x} iterations {first}..{last}"
                    ))
                    .stack_size(WORKER_STACK)
                    .spawn(move || {
                        for i in first..last {
                            if let Some(f) = run_one(seed, i, &seeds) {
                                failures.lock().unwrap().push(f);
                            }
                        }
                    })
                    .expect("spawn a worker");
                let _ = chunk.join();
            })
            .expect("spawn a dispatcher");
    }
    drop(done_tx);

    let deadline = started + timeout;
    let mut finished = 0;
    while finished < workers {
        let left = deadline.saturating_duration_since(Instant::now());
        match done_rx.recv_timeout(left) {
            Ok(()) => finished += 1,
            Err(_) => {
                let reached = next_chunk.load(Ordering::Relaxed).min(iterations);
                panic!(
                    "the batch did not finish within {timeout:?} (seed {seed:#x}); the chunks \
                     that were running start below iteration {reached}: rerun single \
                     iterations with BRIEF_MUTATION_SEED={seed:#x} BRIEF_MUTATION_ONLY=<i>"
                );
            }
        }
    }
    quiet.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    eprintln!(
        "{iterations} mutated inputs from {} seeds in {elapsed:.1?} on {workers} threads",
        seeds.len()
    );

    let mut failures = std::mem::take(&mut *failures.lock().unwrap());
    if failures.is_empty() {
        return;
    }
    failures.sort_by_key(|f| f.iteration);
    let mut report = format!(
        "{} of {iterations} mutated inputs broke the front end (seed {seed:#x}); reproduce one \
         with BRIEF_MUTATION_SEED={seed:#x} BRIEF_MUTATION_ONLY=<iteration> cargo test -p brief \
         --test mutation -- --nocapture\n",
        failures.len()
    );
    for f in failures.iter().take(5) {
        report.push_str(&format!(
            "\n== iteration {}: {}\ninput: {:?}\n",
            f.iteration,
            shorten(&f.problem, 2_000),
            shorten(&f.input, 2_000)
        ));
    }
    panic!("{report}");
}
