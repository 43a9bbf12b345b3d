//! The call-graph model: functions with their figures and caller→callee edges with theirs.
//!
//! A [`Profile`] holds what a `.stats` dict holds, in the same order: the functions in file order
//! (dict order), each with its callers in the order the file lists them. It also keeps the totals
//! pstats computes at load time and the header line of each input file. Profiles are immutable;
//! [`Profile::strip_dirs`] and [`Profile::combine`] build new ones, with pstats' semantics.
//!
//! The value types live here; [`Profile`] and its read accessors in `profile`, the views that
//! follow edges (callees, recursion groups) in `graph`, the transforms in `transform`, and the
//! [`Builder`] the readers and the transforms fill in `builder`.

mod builder;
mod graph;
mod intern;
mod keytable;
mod lines;
mod measure;
mod memory;
mod profile;
mod stacks;
mod subset;
mod transform;

pub(crate) use builder::{Builder, KeyId, Merge, TOP_LEVEL_MARK};
pub use graph::{RecursionGroup, RecursionGroups};
pub(crate) use intern::Interner;
pub(crate) use intern::Sym;
pub(crate) use keytable::{PREFETCH_AHEAD, prefetch};
pub use lines::{LineFunction, LineProfile, LineTiming};
pub use measure::Measure;
pub use memory::{ChildProcess, FunctionCall, MemoryFunction, MemoryProfile, MemorySample};
pub use profile::Profile;
pub(crate) use profile::write_std_name;
#[cfg(test)]
pub(crate) use stacks::test_profile;
pub(crate) use stacks::{Node, Run, SampleBuilder};
pub use stacks::{Sample, StackId, Stacks, Thread, ThreadId};
pub(crate) use subset::Subgraph;
pub use transform::Combiner;

use std::time::SystemTime;

/// Identifies a function within one [`Profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId(pub(crate) u32);

impl FunctionId {
    /// The id as an index: ids are dense from 0 (see [`Profile::all_functions`]).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Identifies a string (a file name or a function name) within one [`Profile`]: equal ids
/// mean equal text, and functions defined in one file share the id of its name, so a writer can
/// emit each distinct string once. Ids are dense from 0 to [`Profile::string_count`]; see
/// [`Profile::file_id`], [`Profile::name_id`] and [`Profile::string`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StringId(pub(crate) u32);

impl StringId {
    /// The id as an index, for a table of strings already written.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    #[inline]
    pub(crate) fn of(sym: Sym) -> StringId {
        StringId(sym.index() as u32)
    }
}

/// Identifies one caller→callee edge within one [`Profile`]. Edges are numbered from 0 to
/// [`Profile::edge_count`], grouped by callee in function order and, within each callee, in the
/// file's order of its callers; so a writer can keep a figure per edge in an array. See
/// [`Profile::caller_edges`] and [`Profile::callee_edges`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeId(pub(crate) u32);

impl EdgeId {
    /// The id as an index into a per-edge array of [`Profile::edge_count`] items.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A function's key as pstats has it: (file, first line, name), interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FunctionKey {
    pub(crate) file: Sym,
    pub(crate) line: i64,
    pub(crate) name: Sym,
}

/// A function's own figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FunctionStats {
    /// Calls that were not recursive (pstats' `cc`).
    pub primitive_calls: i64,
    /// All calls, recursive ones included (pstats' `nc`).
    pub calls: i64,
    /// Time spent in the function itself, in seconds (`tottime`).
    pub tottime: f64,
    /// Time spent in the function and everything it called, in seconds (`cumtime`).
    pub cumtime: f64,
}

impl FunctionStats {
    /// pstats' `add_func_stats` on the figures.
    fn add(&mut self, other: &FunctionStats) {
        self.primitive_calls = self.primitive_calls.saturating_add(other.primitive_calls);
        self.calls = self.calls.saturating_add(other.calls);
        self.tottime += other.tottime;
        self.cumtime += other.cumtime;
    }
}

/// The figures of one caller→callee edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CallStats {
    /// cProfile records calls, primitive calls and times per edge.
    Timed {
        /// Calls along this edge.
        calls: i64,
        /// Non-recursive calls along this edge.
        primitive_calls: i64,
        /// Callee's own time spent in calls along this edge.
        tottime: f64,
        /// Callee's cumulative time spent in calls along this edge.
        cumtime: f64,
    },
    /// The pure-Python `profile` module records only a call count per edge.
    Count(i64),
}

impl CallStats {
    /// The number of calls along the edge.
    pub fn calls(&self) -> i64 {
        match *self {
            CallStats::Timed { calls, .. } | CallStats::Count(calls) => calls,
        }
    }

    /// pstats' `add_callers` on one value. Mixing the two kinds cannot come from one
    /// profiler; Python raises there, we keep the timed figures and add the count.
    fn add(&mut self, other: &CallStats) {
        match (self, other) {
            (
                CallStats::Timed {
                    calls,
                    primitive_calls,
                    tottime,
                    cumtime,
                },
                CallStats::Timed {
                    calls: c2,
                    primitive_calls: p2,
                    tottime: t2,
                    cumtime: u2,
                },
            ) => {
                *calls = calls.saturating_add(*c2);
                *primitive_calls = primitive_calls.saturating_add(*p2);
                *tottime += t2;
                *cumtime += u2;
            }
            (CallStats::Timed { calls, .. }, CallStats::Count(n))
            | (CallStats::Count(calls), CallStats::Timed { calls: n, .. })
            | (CallStats::Count(calls), CallStats::Count(n)) => {
                *calls = calls.saturating_add(*n);
            }
        }
    }
}

/// The header line pstats prints for one input: its path as given and its modification time.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    /// The path exactly as the user gave it.
    pub path: String,
    /// The file's modification time, if known.
    pub mtime: Option<SystemTime>,
}

/// Totals pstats computes when it loads a file, summed over files in `add` order.
/// Like pstats, `strip_dirs` does not recompute them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    /// Sum of all functions' calls.
    pub calls: i64,
    /// Sum of all functions' primitive calls.
    pub primitive_calls: i64,
    /// Sum of all functions' tottime, in seconds.
    pub tottime: f64,
}

impl Totals {
    /// Adds another's totals to these, as pstats sums them over its inputs.
    pub(crate) fn add(&mut self, other: &Totals) {
        self.calls = self.calls.saturating_add(other.calls);
        self.primitive_calls = self.primitive_calls.saturating_add(other.primitive_calls);
        self.tottime += other.tottime;
    }

    /// One function's share of the totals.
    pub(crate) fn of_function(stats: &FunctionStats) -> Totals {
        Totals {
            calls: stats.calls,
            primitive_calls: stats.primitive_calls,
            tottime: stats.tottime,
        }
    }
}

/// Short constructors for the figures in unit tests across the crate.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Builder, CallStats, FunctionStats, Merge, Profile};

    /// A cProfile edge: (nc, cc, tt, ct), in the callers tuple's order.
    pub(crate) fn timed(calls: i64, primitive_calls: i64, tottime: f64, cumtime: f64) -> CallStats {
        CallStats::Timed {
            calls,
            primitive_calls,
            tottime,
            cumtime,
        }
    }

    /// A function's figures: (cc, nc, tt, ct), in the stats tuple's order.
    pub(crate) fn fs(
        primitive_calls: i64,
        calls: i64,
        tottime: f64,
        cumtime: f64,
    ) -> FunctionStats {
        FunctionStats {
            primitive_calls,
            calls,
            tottime,
            cumtime,
        }
    }

    /// Three functions: main calls f and g, f calls g; g is in another directory than f, with
    /// the same file name, line and name.
    pub(crate) fn sample() -> Profile {
        let mut b = Builder::default();
        let main = b.key("/a/main.py", 1, "main");
        let f = b.key("/a/util.py", 5, "f");
        let g = b.key("/b/util.py", 5, "f");
        b.add_entry(main, fs(1, 1, 0.5, 3.0), std::iter::empty(), Merge::Replace);
        b.add_entry(
            f,
            fs(2, 3, 1.0, 1.5),
            [(main, timed(3, 2, 1.0, 1.5))].into_iter(),
            Merge::Replace,
        );
        b.add_entry(
            g,
            fs(1, 1, 0.25, 0.25),
            [(f, timed(1, 1, 0.25, 0.25)), (main, timed(1, 1, 0.0, 0.0))].into_iter(),
            Merge::Replace,
        );
        b.finish()
    }
}
