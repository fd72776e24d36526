//! Writing one benchmark's section of `docs/benchmarks.md`.

use std::path::PathBuf;

/// Replaces the section `name` of docs/benchmarks.md (between `<!-- name:start -->` and
/// `<!-- name:end -->`), or appends it, leaving every other section alone.
pub fn write_section(name: &str, section: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/benchmarks.md");
    let path = brief::check::normalize(&path);
    let (start, end) = (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    );
    let current = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| "# Benchmarks\n\nMeasured on the development machine; each section is written by its benchmark.\n".into());
    let block = format!("{start}\n{section}{end}");
    let updated = match (current.find(&start), current.find(&end)) {
        (Some(s), Some(e)) if e > s => {
            format!("{}{block}{}", &current[..s], &current[e + end.len()..])
        }
        _ => format!("{}\n{block}\n", current.trim_end()),
    };
    std::fs::write(&path, updated).unwrap();
    println!("wrote {}", path.display());
}
