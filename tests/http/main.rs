//! Debrief over real HTTP: the real `debrief` binary on a real database (a
//! SQLite file, or PostgreSQL with `DEBRIEF_TEST_DATABASE=postgres`), one
//! module per feature. One test binary, so the app and its test
//! dependencies are linked once (`cargo test --features ssr --test http`;
//! one feature: `... --test http transcripts::`).

#[path = "../common/mod.rs"]
mod common;

mod access;
mod archive;
mod attachments;
mod auth;
mod backup;
mod bad_input;
mod compression;
mod countermeasures;
mod faults;
mod incidents;
mod meeting;
mod postmortem;
mod report;
mod reverse_proxy;
mod review;
mod schema;
mod search;
mod several_instances;
mod startup;
mod timeline;
mod transcripts;
mod webhooks;
mod xss;

/// Tests and benchmarks find the source tree through the `CARGO_MANIFEST_DIR`
/// cargo sets when it runs them, never the one compiled in: cargo keeps a
/// test binary built in another clone that shares the target folder (CI's
/// warm cache), and a path compiled into it names that clone, gone since.
#[test]
fn test_code_reads_the_source_tree_path_at_run_time() {
    let root = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let compiled_in = ["env!(", "\"CARGO_MANIFEST_DIR\")"].concat();
    let mut offenders = Vec::new();
    let mut folders: Vec<std::path::PathBuf> = ["app", "tests", "benches", "src"]
        .iter()
        .map(|f| root.join(f))
        .collect();
    let mut files = 0;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("target") && !path.ends_with("node_modules") {
                    folders.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains(&compiled_in) {
                    offenders.push(path.display().to_string());
                }
            }
        }
    }
    assert!(files > 100, "the walk found the sources ({files} files)");
    assert!(
        offenders.is_empty(),
        "use std::env::var_os(\"CARGO_MANIFEST_DIR\") instead in: {offenders:?}"
    );
}
