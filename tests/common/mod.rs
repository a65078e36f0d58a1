//! Helpers shared by the root package's integration tests.

use std::path::{Path, PathBuf};

/// Every file under `dir`, recursively: what the leak checks search byte by byte.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
