//! One file: check, render, format (idempotent, same diagnostics).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let checked = brief::check_source("fuzz.brief", input);
    common::render_all(&checked);
    common::check_formatting("fuzz.brief", input, &checked);
});
