//! pstat reads Python profiler dumps — the `.stats`/`.prof` files that `cProfile` and `profile`
//! write, line_profiler's `.lprof` files, memory_profiler's recordings, and the stacks of
//! sampling profilers (py-spy, Python 3.15's `profiling.sampling`, folded stacks, speedscope) —
//! fast and exactly; prints the reports Python's `pstats` and `python -m line_profiler` print,
//! byte for byte; and converts profiles to callgrind, folded stacks, SVG flame graphs,
//! speedscope, JSON, `.stats`, DOT, pprof and HTML.
//!
//! # The front door
//!
//! One way in for every input: [`read_path`] (or [`read()`] for bytes) recognises the format
//! by content and returns an [`AnyProfile`]: a call profile ([`Profile`]), a line profile
//! ([`LineProfile`]) or memory recordings ([`MemoryProfile`]). [`ReadOptions`] says what to
//! read and how, for every format at once: the kind wanted ([`ReadOptions::calls`] refuses
//! the others from their first bytes), whether to read the call edges, the sampling rate of
//! folded stacks, the [`Threads`] the read may use. [`read_all`] adds several inputs up, as
//! `pstats.Stats(a, b, c)` does; [`read_callers_of`] reads only a few functions' callers.
//! Then one call writes any output: [`export::write`] takes an [`OutputFormat`] and an
//! [`export::Input`] of any kind.
//!
//! # Layers
//!
//! Data flows one way, and the API follows it:
//!
//! | layer | what | start with |
//! |---|---|---|
//! | read | bytes in, a profile out; readers never open files, the front door's `*_path` calls do | [`read_path`], [`read()`], [`read_all`], [`read::detect`] |
//! | model | what a profile holds: functions, their figures and the caller→callee edges, named by typed ids; for sampled inputs, the real stacks they were derived from | [`Profile`], [`FunctionId`], [`Profile::stacks`], [`LineProfile`] |
//! | query | values computed from a profile: pstats' ordering and restrictions, name filters, call stacks, the call tree, a diff | [`query::list`], [`NameFilter`], [`query::stacks`], [`query::tree`], [`query::diff`] |
//! | report | the text reports, as pstats and line_profiler print them | [`report::write_stats`], [`report::write_callers`], [`report::lines::write`] |
//! | export | files for other tools, each format a module, all behind one entry point | [`export::write`], [`OutputFormat`] |
//!
//! Errors are one type, [`Error`]: its [`ErrorKind`] says what went wrong, [`Error::offset`]
//! and [`Error::line`] where in the input, and [`Error::input`] which input. Everything writes
//! to any [`std::io::Write`] as it goes; pass a buffered writer. docs/design.md in the
//! repository draws the layers and says how to add an input or an output format.
//!
//! # Example
//!
//! Read a dump, print what `pstats.Stats(f).sort_stats("tottime").print_stats(5)` prints, look
//! at one function's callers, and convert the profile to callgrind:
//!
//! ```
//! use pstat::export::{self, Input};
//! use pstat::{ListOptions, OutputFormat, ReadOptions, Restriction, SortKey};
//!
//! let path = "tests/fixtures/stats/py313/cprofile.stats";
//! let profile = pstat::read_path(path, &ReadOptions::calls())?.into_calls()?;
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
//! let callgrind = export::to_vec(OutputFormat::Callgrind, Input::Calls(&profile), &Default::default())?;
//! assert!(callgrind.starts_with(b"# callgrind format"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Any input reads the same way. A py-spy recording's figures are samples, derived from the
//! stacks it keeps; a line profile converts as a call profile does:
//!
//! ```
//! use pstat::{AnyProfile, OutputFormat, ReadOptions};
//!
//! let mut options = ReadOptions::default();
//! options.sample_interval = Some(1.0 / 250.0); // recorded with `py-spy record --rate 250`
//! let profile = pstat::read_path("tests/fixtures/sampled/py-spy/mix.folded", &options)?;
//! let AnyProfile::Calls(profile) = profile else { panic!("a call profile") };
//! assert_eq!(profile.measure(), pstat::Measure::Samples { timed: true });
//! let stacks = profile.stacks().expect("py-spy records stacks");
//! let samples: u64 = stacks.samples().iter().map(|s| s.count).sum();
//! assert_eq!(samples, 338);
//!
//! let lines = pstat::read_path("tests/fixtures/lprof/py312-lp5.1.0/demo.lprof", &options)?;
//! assert_eq!(lines.kind(), pstat::ProfileKind::Lines);
//! let json = pstat::export::to_vec(OutputFormat::Json, (&lines).into(), &Default::default())?;
//! assert!(json.starts_with(b"{"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
mod escape;
pub mod export;
mod format;
#[cfg(not(fuzzing))]
mod marshal;
/// The marshal codec, reachable only by the fuzz targets.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod marshal;
mod model;
#[cfg(not(fuzzing))]
mod pickle;
/// The pickle machine, reachable only by the fuzz targets.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod pickle;
mod pyfmt;
mod pysource;
pub mod query;
pub mod read;
pub mod report;
mod threads;

// The front door: read any input into an `AnyProfile`, with one `ReadOptions`.
pub use read::{
    AnyProfile, ReadOptions, Source, read, read_all, read_callers_of, read_each, read_path,
    read_path_callers_of,
};

pub use error::{Error, ErrorKind};
pub use format::{Detected, InputFormat, OutputFormat, ParseFormatError, ProfileKind};
/// What is wrong with marshal data that does not decode, as
/// [`ErrorKind::Marshal`](crate::ErrorKind::Marshal) carries it.
pub use marshal::ErrorKind as MarshalErrorKind;
pub use threads::Threads;
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
/// Why a `.lprof` pickle was refused: what [`ErrorKind::Pickle`] holds.
pub use pickle::ErrorKind as PickleErrorKind;
pub use query::{
    ListOptions, Listing, NameFilter, Note, ParseSortKeyError, RegexError, Restriction, SortKey,
};
