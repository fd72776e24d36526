//! A contract with errors fails the build with the diagnostics `brief check` prints.

use std::path::PathBuf;
use std::process::Command;

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

const BROKEN: &str = "service \"summer\"\nrpc sum (SumIm) SumOut\nmessage SumIn { a int }\nmessage SumOut { sum int }\n";

/// What a build script does: `fn main() -> Result<(), brief_build::Error>`, whose error
/// the standard library prints as `Error: {err:?}`.
fn build_script(dir: &std::path::Path) -> std::process::ExitCode {
    let result = brief_build::configure()
        .out_dir(dir.join("out"))
        .emit_rerun_if_changed(false)
        .compile(&[dir.join("summer.brief")]);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err:?}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[test]
fn a_broken_contract_is_reported_once() {
    const CHILD: &str = "BRIEF_BUILD_TEST_CHILD";
    if let Some(dir) = std::env::var_os(CHILD) {
        // The child: everything it prints reaches its stderr (`--nocapture`).
        let code = build_script(std::path::Path::new(&dir));
        std::process::exit(if code == std::process::ExitCode::SUCCESS {
            0
        } else {
            1
        });
    }
    let dir = scratch("once");
    std::fs::write(dir.join("summer.brief"), BROKEN).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_broken_contract_is_reported_once",
            "--nocapture",
        ])
        .env(CHILD, &dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("brief::unknown_type").count(),
        1,
        "the diagnostic is printed once:\n{stderr}"
    );
    assert!(stderr.contains("did you mean `SumIn`?"), "{stderr}");
}
