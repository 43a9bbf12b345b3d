//! The one integration test binary: pstat against pstats' own output on real fixtures, the
//! exports (stats dumps read back by Python, callgrind read by callgrind_annotate, JSON against
//! its schema), and the command line's behaviour.

mod cli;
mod convert;
mod convert_stats;
mod hostile;
mod json_export;
mod lines;
mod pstats_fixtures;
mod robustness;

use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every `.stats` fixture under tests/fixtures/stats/, sorted.
pub fn stats_fixtures() -> Vec<PathBuf> {
    let files = fixture_files(&fixtures().join("stats"), "stats");
    assert!(files.len() >= 70, "only {} fixtures", files.len());
    files
}

/// The files with this extension one directory below `root` (`root/*/*.ext`), sorted.
pub fn fixture_files(root: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(root).expect("fixture directory") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).expect("fixture subdirectory") {
            let file = file.expect("entry").path();
            if file.extension().is_some_and(|e| e == extension) {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}
