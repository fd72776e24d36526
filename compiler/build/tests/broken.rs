//! A contract with errors fails the build with the diagnostics `brief check` prints.

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("brief-build-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_broken_contract_fails_with_the_checker_diagnostic() {
    let dir = scratch("broken");
    let contract = dir.join("summer.brief");
    std::fs::write(&contract, "service \"summer\"\nrpc sum (SumIm) SumOut\nmessage SumIn { a int }\nmessage SumOut { sum int }\n").unwrap();
    let err = brief_build::configure()
        .out_dir(dir.join("out"))
        .emit_rerun_if_changed(false)
        .compile(&[&contract])
        .unwrap_err();
    let report = format!("{err:?}");
    assert!(report.contains("brief::unknown_type"), "{report}");
    assert!(report.contains("summer.brief:2:10"), "{report}");
    assert!(report.contains("did you mean `SumIn`?"), "{report}");
    assert!(
        !dir.join("out").exists(),
        "nothing is written for a broken contract"
    );
}

#[test]
fn a_good_contract_writes_modules_and_the_include_file() {
    let dir = scratch("good");
    let contract = dir.join("summer.brief");
    std::fs::write(&contract, "service \"summer\"\nrpc sum (SumIn) SumOut\nmessage SumIn { a int }\nmessage SumOut { sum int }\n").unwrap();
    brief_build::configure()
        .out_dir(dir.join("out"))
        .emit_rerun_if_changed(false)
        .compile(&[&contract])
        .unwrap();
    let include = std::fs::read_to_string(dir.join("out/brief.rs")).unwrap();
    assert!(include.contains("pub mod summer {"), "{include}");
    assert!(dir.join("out/summer.rs").exists());
}
