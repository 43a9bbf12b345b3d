//! [`Profile`] and its read accessors: functions, their keys and figures, the edges into each
//! function, the totals, the inputs, what the figures count and the real stacks.

use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

use super::graph::CalleeIndex;
use super::intern::{Interner, Sym};
use super::{
    CallStats, EdgeId, FunctionId, FunctionKey, FunctionStats, Measure, SourceFile, Stacks,
    StringId, Totals,
};

/// A loaded profile.
///
/// Functions are [`FunctionId`]s, dense from 0: first the functions the profile lists (the keys
/// of the stats dict, in file order), then those that appear only as callers. Each function's
/// file and name are interned strings with a [`StringId`]; each caller→callee edge has an
/// [`EdgeId`]. A writer can keep per-function, per-string and per-edge figures in arrays indexed
/// by these ids.
#[derive(Clone)]
pub struct Profile {
    pub(super) strings: Interner,
    /// Every key: the listed functions first (ids `0..listed`), then keys that appear only as
    /// callers.
    pub(super) keys: Vec<FunctionKey>,
    pub(super) listed: usize,
    pub(super) stats: Vec<FunctionStats>,
    /// Caller→callee edges as (caller, figures), grouped by callee (in function order), each
    /// group in the file's callers order; `callers_start` gives each group's start.
    pub(super) edges: Vec<(FunctionId, CallStats)>,
    pub(super) callers_start: Vec<u32>,
    /// Edges by caller. Built on first use: most reports never follow edges from caller to
    /// callee.
    pub(super) callee_index: OnceLock<CalleeIndex>,
    pub(super) totals: Totals,
    pub(super) files: Vec<SourceFile>,
    pub(super) top_level: Vec<FunctionId>,
    pub(super) measure: Measure,
    /// The real stacks, for sampled inputs that have them.
    pub(super) stacks: Option<Arc<Stacks>>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("functions", &self.listed)
            .field("edges", &self.edges.len())
            .field("totals", &self.totals)
            .field("files", &self.files)
            .field("measure", &self.measure)
            .field("stacks", &self.stacks.as_ref().map(|s| s.samples().len()))
            .finish()
    }
}

impl Profile {
    /// The functions the profile lists (the keys of the stats dict), in file order.
    pub fn functions(&self) -> impl ExactSizeIterator<Item = FunctionId> + '_ {
        (0..self.listed as u32).map(FunctionId)
    }

    /// How many functions the profile lists.
    pub fn function_count(&self) -> usize {
        self.listed
    }

    /// Every function id: the listed functions, then those that appear only as callers.
    pub fn all_functions(&self) -> impl ExactSizeIterator<Item = FunctionId> + '_ {
        (0..self.keys.len() as u32).map(FunctionId)
    }

    /// Whether `id` is a listed function (not only named as a caller).
    pub fn is_listed(&self, id: FunctionId) -> bool {
        id.index() < self.listed
    }

    /// The file the function was defined in; `~` for builtins (cProfile), empty for builtins
    /// of the `profile` module.
    pub fn file(&self, id: FunctionId) -> &str {
        self.strings.get(self.keys[id.index()].file)
    }

    /// The id of the function's file name ([`Profile::file`]): functions defined in one file
    /// share it, so a writer can write a file name once and refer to it after.
    #[inline]
    pub fn file_id(&self, id: FunctionId) -> StringId {
        StringId::of(self.keys[id.index()].file)
    }

    /// The id of the function's name ([`Profile::name`]): equal names, equal ids.
    #[inline]
    pub fn name_id(&self, id: FunctionId) -> StringId {
        StringId::of(self.keys[id.index()].name)
    }

    /// The text of an interned file or function name.
    #[inline]
    pub fn string(&self, id: StringId) -> &str {
        self.strings.get(Sym::from_index(id.index()))
    }

    /// How many distinct strings the profile holds: string ids run from 0 to this. A few may
    /// be no function's file or name.
    #[inline]
    pub fn string_count(&self) -> usize {
        self.strings.len()
    }

    /// The function's key.
    pub(crate) fn key(&self, id: FunctionId) -> FunctionKey {
        self.keys[id.index()]
    }

    /// The strings, taken out to intern more (the profile names none of them until
    /// [`Profile::set_strings`] gives them back).
    pub(crate) fn take_strings(&mut self) -> Interner {
        std::mem::take(&mut self.strings)
    }

    /// Gives back the strings [`Profile::take_strings`] took, with any added.
    pub(crate) fn set_strings(&mut self, strings: Interner) {
        self.strings = strings;
    }

    /// The function's first line (0 for builtins).
    pub fn line(&self, id: FunctionId) -> i64 {
        self.keys[id.index()].line
    }

    /// The function's name as the profiler recorded it.
    pub fn name(&self, id: FunctionId) -> &str {
        self.strings.get(self.keys[id.index()].name)
    }

    /// The function's figures; zero for a function that appears only as a caller.
    pub fn stats(&self, id: FunctionId) -> FunctionStats {
        self.stats.get(id.index()).copied().unwrap_or_default()
    }

    /// The name as pstats prints it (`func_std_string`): `file:line(name)`, or for builtins
    /// `{name}`.
    pub fn display_name(&self, id: FunctionId) -> String {
        let mut out = String::new();
        self.write_display_name(id, &mut out);
        out
    }

    /// Appends [`Profile::display_name`] to `out`: a report that prints many names can reuse
    /// one buffer.
    pub fn write_display_name(&self, id: FunctionId, out: &mut String) {
        write_std_name(self.file(id), self.line(id), self.name(id), out);
    }

    /// Compares two functions' keys as Python compares the key tuples (file, line, name): the
    /// order in which pstats prints a function's callers and callees.
    pub fn compare_keys(&self, a: FunctionId, b: FunctionId) -> Ordering {
        // Equal names are one interned string: equal ids mean equal files.
        let files = if self.file_id(a) == self.file_id(b) {
            Ordering::Equal
        } else {
            self.file(a).cmp(self.file(b))
        };
        files
            .then(self.line(a).cmp(&self.line(b)))
            .then_with(|| self.name(a).cmp(self.name(b)))
    }

    /// The function's callers with the figures of each edge, in the file's order.
    pub fn callers(
        &self,
        id: FunctionId,
    ) -> impl ExactSizeIterator<Item = (FunctionId, CallStats)> + '_ {
        self.caller_slice(id).iter().copied()
    }

    /// The edges into `id` (none for a function that is not listed).
    pub(super) fn caller_slice(&self, id: FunctionId) -> &[(FunctionId, CallStats)] {
        &self.edges[self.caller_range(id)]
    }

    /// The ids of the edges into `id`, as indices (empty for a function that is not listed):
    /// [`Profile::callers`] gives them in this order.
    pub(crate) fn caller_range(&self, id: FunctionId) -> std::ops::Range<usize> {
        match id.index() < self.listed {
            true => {
                self.callers_start[id.index()] as usize..self.callers_start[id.index() + 1] as usize
            }
            false => 0..0,
        }
    }

    /// Like [`Profile::callers`], with each edge's id: (edge, caller, figures).
    pub fn caller_edges(
        &self,
        id: FunctionId,
    ) -> impl ExactSizeIterator<Item = (EdgeId, FunctionId, CallStats)> + '_ {
        let start = self.caller_range(id).start as u32;
        self.callers(id)
            .enumerate()
            .map(move |(k, (caller, call))| (EdgeId(start + k as u32), caller, call))
    }

    /// How many caller→callee edges the profile has: edge ids run from 0 to this.
    #[inline]
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Whether the function appears among its own callers.
    pub fn calls_itself(&self, id: FunctionId) -> bool {
        self.callers(id).any(|(caller, _)| caller == id)
    }

    /// Whether the data is cProfile's (timed edges) rather than the `profile` module's, decided
    /// as pstats decides it: by the first function, in file order, that has callers.
    pub fn has_timed_edges(&self) -> bool {
        self.functions()
            .find_map(|id| self.callers(id).next())
            .is_some_and(|(_, stats)| matches!(stats, CallStats::Timed { .. }))
    }

    /// The totals of all input files.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// The inputs, in pstats' order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Functions pstats reports as top level (only crafted files have any).
    pub fn top_level(&self) -> &[FunctionId] {
        &self.top_level
    }

    /// What the figures count: calls and seconds, or samples.
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// Records what the figures count (a reader that learns it from a marker, as in Python
    /// 3.15's sampled dumps).
    pub(crate) fn set_measure(&mut self, measure: Measure) {
        self.measure = measure;
    }

    /// The real stacks, when the input has them (sampling profilers; see [`Stacks`]). cProfile
    /// data has none: its flame graphs are estimated from call edges
    /// ([`crate::query::stacks`]).
    pub fn stacks(&self) -> Option<&Stacks> {
        self.stacks.as_deref()
    }

    /// Records the input file this profile came from (for the report header).
    pub fn set_source(&mut self, source: SourceFile) {
        self.files = vec![source];
    }
}

/// Appends pstats' `func_std_string` of the key (file, line, name) to `out`:
/// `file:line(name)`, or for a builtin (file `~`, line 0) `{name}` when the name is `<name>`,
/// else the name alone.
pub(crate) fn write_std_name(file: &str, line: i64, name: &str, out: &mut String) {
    use std::fmt::Write;
    if file == "~" && line == 0 {
        match name.strip_prefix('<').and_then(|n| n.strip_suffix('>')) {
            Some(inner) => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
            }
            None => out.push_str(name),
        }
    } else {
        let _ = write!(out, "{file}:{line}({name})");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::sample;
    use super::*;

    #[test]
    fn keys_share_interned_strings() {
        let p = sample();
        let (main, f, g) = (FunctionId(0), FunctionId(1), FunctionId(2));
        assert_eq!(p.name_id(f), p.name_id(g));
        assert_ne!(p.file_id(f), p.file_id(g));
        assert_ne!(p.file_id(main), p.file_id(f));
        assert_eq!(p.string(p.file_id(g)), "/b/util.py");
        assert!(p.string_count() > p.file_id(g).index());
        assert_eq!(p.compare_keys(f, g), Ordering::Less);
        assert_eq!(p.compare_keys(g, g), Ordering::Equal);
    }

    #[test]
    fn caller_edges_are_numbered_by_callee_then_file_order() {
        let p = sample();
        assert_eq!(p.edge_count(), 3);
        let edges: Vec<_> = p
            .functions()
            .flat_map(|id| p.caller_edges(id).map(move |(e, c, _)| (e.index(), c, id)))
            .collect();
        assert_eq!(
            edges,
            [
                (0, FunctionId(0), FunctionId(1)),
                (1, FunctionId(1), FunctionId(2)),
                (2, FunctionId(0), FunctionId(2)),
            ]
        );
    }
}
