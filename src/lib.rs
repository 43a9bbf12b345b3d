//! pstat reads Python profiler dumps — the `.stats`/`.prof` files that `cProfile` and `profile`
//! write, line_profiler's `.lprof` files, and the stacks of sampling profilers (py-spy, Python
//! 3.15's `profiling.sampling`, folded stacks, speedscope) — fast and exactly; prints the
//! reports Python's `pstats` and `python -m line_profiler` print, byte for byte; and converts
//! profiles to callgrind, folded stacks, SVG flame graphs, speedscope, JSON and `.stats`.
//!
//! # Layers
//!
//! Data flows one way, and the API follows it:
//!
//! | layer | what | start with |
//! |---|---|---|
//! | read | bytes in, a profile out; readers never open files, `*_path` wrappers do | [`read_path`], [`read()`], [`read_lines_path`], [`read_memory_path`], [`InputFormat::detect`] |
//! | model | what a profile holds: functions, their figures and the caller→callee edges, named by typed ids; for sampled inputs, the real stacks they were derived from | [`Profile`], [`FunctionId`], [`Profile::stacks`], [`LineProfile`] |
//! | query | values computed from a profile: pstats' ordering and restrictions, name filters, call stacks | [`query::list`], [`NameFilter`], [`query::stacks`] |
//! | report | the text reports, as pstats and line_profiler print them | [`report::write_stats`], [`report::write_callers`], [`report::lines::write`] |
//! | export | files for other tools, each format a module, all behind one entry point | [`export::write`], [`OutputFormat`] |
//!
//! Errors are one type, [`Error`]: its [`ErrorKind`] says what went wrong and
//! [`Error::offset`] where in the input. Everything writes to any [`std::io::Write`] as it goes;
//! pass a buffered writer. docs/design.md in the repository draws the layers and says how to add
//! an input or an output format.
//!
//! # Example
//!
//! Read a dump, print what `pstats.Stats(f).sort_stats("tottime").print_stats(5)` prints, look
//! at one function's callers, and convert the profile to callgrind:
//!
//! ```
//! use pstat::export::{self, OutputFormat};
//! use pstat::{ListOptions, Restriction, SortKey};
//!
//! let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats")?;
//!
//! // Query: the five functions with the most internal time, in pstats' order.
//! let mut options = ListOptions::default();
//! options.sort = vec![SortKey::Time];
//! options.restrictions = vec![Restriction::Count(5)];
//! let listing = pstat::query::list(&profile, &options);
//! assert_eq!(listing.functions.len(), 5);
//! let hottest = listing.functions[0];
//! for (caller, call) in profile.callers(hottest) {
//!     println!("{} called {} {} times", profile.display_name(caller),
//!              profile.name(hottest), call.calls());
//! }
//!
//! // Report: the same list as pstats prints it.
//! let mut report = Vec::new();
//! pstat::report::write_stats(&profile, &options, &mut report)?;
//! assert!(String::from_utf8(report)?.contains("Ordered by: internal time"));
//!
//! // Export: what `pstat convert f -o callgrind.out` writes.
//! let callgrind = export::to_vec(OutputFormat::Callgrind, (&profile).into(), &Default::default())?;
//! assert!(callgrind.starts_with(b"# callgrind format"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A py-spy recording reads the same way; its figures are samples, derived from the stacks it
//! keeps:
//!
//! ```
//! let mut options = pstat::ReadOptions::default();
//! options.sample_interval = Some(1.0 / 250.0); // recorded with `py-spy record --rate 250`
//! let profile = pstat::read_path_with("tests/fixtures/sampled/py-spy/mix.folded", &options)?;
//! assert_eq!(profile.measure(), pstat::Measure::Samples { timed: true });
//! let stacks = profile.stacks().expect("py-spy records stacks");
//! let samples: u64 = stacks.samples().iter().map(|s| s.count).sum();
//! assert_eq!(samples, 338);
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
pub use export::OutputFormat;
/// What is wrong with marshal data that does not decode, as
/// [`ErrorKind::Marshal`](crate::ErrorKind::Marshal) carries it.
pub use marshal::ErrorKind as MarshalErrorKind;
// The model's read API: a profile's functions, strings and edges are named by typed ids
// (`FunctionId`, `StringId`, `EdgeId`) dense from 0, so an exporter can keep per-function,
// per-string and per-edge figures in arrays, as the built-in ones do.
pub use model::{
    CallStats, Combiner, EdgeId, FunctionId, FunctionStats, LineFunction, LineProfile, LineTiming,
    Measure, Profile, RecursionGroup, RecursionGroups, Sample, SourceFile, StackId, Stacks,
    StringId, Thread, ThreadId, Totals,
};
/// memory_profiler's recordings: a program's memory over time (`pstat memory`).
pub use model::{ChildProcess, FunctionCall, MemoryFunction, MemoryProfile, MemorySample};
pub use query::{
    ListOptions, Listing, NameFilter, Note, ParseSortKeyError, RegexError, Restriction, SortKey,
};
/// Why a `.lprof` pickle was refused: what [`ErrorKind::Pickle`] holds.
pub use read::pickle::ErrorKind as PickleErrorKind;
pub use read::{
    InputFormat, ReadOptions, read, read_callers_of, read_lines, read_lines_path, read_path,
    read_path_callers_of, read_path_with, read_with,
};
pub use read::{read_memory, read_memory_path};
