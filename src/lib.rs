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
#[cfg(not(fuzzing))]
mod marshal;
/// The marshal codec, reachable only by the fuzz targets.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod marshal;
mod model;
mod pyfmt;
mod pysource;
pub mod query;
pub mod read;
pub mod report;

pub use error::{Error, ErrorKind};
/// What is wrong with marshal data that does not decode, as
/// [`ErrorKind::Marshal`](crate::ErrorKind::Marshal) carries it.
pub use marshal::ErrorKind as MarshalErrorKind;
// The model's read API: a profile's functions, strings and edges are named by typed ids
// (`FunctionId`, `StringId`, `EdgeId`) dense from 0, so an exporter can keep per-function,
// per-string and per-edge figures in arrays, as the built-in ones do.
pub use model::{
    CallStats, Combiner, EdgeId, FunctionId, FunctionStats, LineFunction, LineProfile, LineTiming,
    Profile, RecursionGroup, RecursionGroups, SourceFile, StringId, Totals,
};
pub use query::{
    ListOptions, Listing, NameFilter, Note, ParseSortKeyError, RegexError, Restriction, SortKey,
};
/// Why a `.lprof` pickle was refused: what [`ErrorKind::Pickle`] holds.
pub use read::pickle::ErrorKind as PickleErrorKind;
pub use read::{
    InputFormat, ReadOptions, read, read_lines, read_lines_path, read_path, read_path_with,
    read_with,
};
