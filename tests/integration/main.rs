//! The one integration test binary: pstat against pstats' own output on real fixtures, and the
//! command line's behaviour.

mod cli;
mod convert;
mod pstats_fixtures;
mod robustness;

use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}
