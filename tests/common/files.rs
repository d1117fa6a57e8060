//! Files on disk for tests that run the binary or a `MockServer` on state, scenario or
//! contract files.

use std::path::{Path, PathBuf};

/// A fresh, empty directory of its own for one test: the process id and thread keep tests
/// running at the same time apart, `tag` names the test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "trunkmock-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json(path: &Path, value: &serde_json::Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}
