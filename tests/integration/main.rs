//! The one integration test binary: pstat against pstats' own output on real fixtures, pstat's
//! stats dumps read back by Python, and the command line's behaviour.

mod cli;
mod convert;
mod convert_stats;
mod pstats_fixtures;
mod robustness;

use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}
