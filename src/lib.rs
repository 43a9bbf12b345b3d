//! pstat reads Python profiler dumps — the `.stats`/`.prof` files that `cProfile` and `profile`
//! write — fast and exactly, and prints the reports Python's `pstats` prints, byte for byte.
//!
//! ```
//! use pstat::{ListOptions, Restriction, SortKey};
//!
//! let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats")?;
//! println!("{} functions", profile.function_count());
//!
//! // Stats(f).sort_stats("tottime").print_stats(5)
//! let mut options = ListOptions::default();
//! options.sort = vec![SortKey::Time];
//! options.restrictions = vec![Restriction::Count(5)];
//! let mut report = Vec::new();
//! pstat::report::write_stats(&profile, &options, &mut report)?;
//! assert!(String::from_utf8(report)?.contains("Ordered by: internal time"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
pub mod export;
mod model;
mod pyfmt;
mod pysource;
pub mod query;
pub mod read;
pub mod report;

pub use error::{Error, ErrorKind};
pub use export::OutputFormat;
pub use model::{
    CallStats, Combiner, FunctionId, FunctionStats, LineFunction, LineProfile, LineTiming, Profile,
    SourceFile, Totals,
};
pub use query::{ListOptions, Listing, NameFilter, Restriction, SortKey};
pub use read::{
    Format, ReadOptions, read, read_lines, read_lines_path, read_path, read_path_with, read_with,
};
