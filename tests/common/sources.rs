//! The project's own source files, for tests that keep rules about the code itself.

use std::path::PathBuf;

/// This checkout's root (the run's manifest directory: the shared build cache may hand
/// a clone binaries built in another clone).
pub fn root() -> PathBuf {
    std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or(env!("CARGO_MANIFEST_DIR").into())
        .into()
}

/// Every `.rs` file below `dir` (relative to the root), with its text.
pub fn rust_files(dir: &str) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join(dir)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.push((path, text));
            }
        }
    }
    assert!(!files.is_empty(), "no Rust files under {dir}");
    files
}
