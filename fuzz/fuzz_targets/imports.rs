//! Two or three in-memory files that import each other (also cyclically, also missing
//! or odd paths): checking them together must not panic, and every diagnostic renders.
//!
//! The input is split at lines consisting of `----`; each part becomes a file. Files get
//! imports of the others prepended according to the first byte, so the fuzzer need not
//! discover the import syntax first.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const PATHS: [&str; 3] = ["rpc/a.brief", "rpc/b.brief", "rpc/sub/c.brief"];
/// How each file refers to the others, indexed [from][to].
const REFS: [[&str; 3]; 3] = [
    ["a.brief", "b.brief", "sub/c.brief"],
    ["./a.brief", "b.brief", "sub/../sub/c.brief"],
    ["../a.brief", "../b.brief", "c.brief"],
];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(input) = std::str::from_utf8(rest) else {
        return;
    };
    let parts: Vec<&str> = input.split("\n----\n").take(3).collect();
    let count = parts.len().max(2);
    let mut texts: Vec<String> = Vec::new();
    for i in 0..count {
        let mut text = String::new();
        for j in 0..count {
            // Bit (i * 3 + j) of the flags: file i imports file j (j == i: itself).
            if flags as usize >> ((i * 3 + j) % 8) & 1 == 1 {
                text.push_str(&format!("import \"{}\"\n", REFS[i][j]));
            }
        }
        text.push_str(parts.get(i).copied().unwrap_or(""));
        texts.push(text);
    }
    let sources = brief::MemorySources::new(
        texts.iter().enumerate().map(|(i, t)| (PATHS[i], t.as_str())),
    );
    let roots: Vec<PathBuf> = match flags >> 6 {
        0 => vec![PathBuf::from(PATHS[0])],
        1 => vec![PathBuf::from(PATHS[count - 1])],
        _ => (0..count).map(|i| PathBuf::from(PATHS[i])).collect(),
    };
    let checked = brief::check_with(&sources, &roots).expect("the roots are in memory");
    let inputs: Vec<&str> = texts.iter().map(String::as_str).collect();
    common::render_all(&checked);
    // Each file alone still obeys the single-file promises.
    for (i, text) in texts.iter().enumerate() {
        let alone = brief::check_source(PATHS[i], text);
        common::check_formatting(PATHS[i], text, &alone);
    }
});
