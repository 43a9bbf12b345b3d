//! The call-graph model: functions with their figures and caller→callee edges with theirs.
//!
//! A [`Profile`] holds what a `.stats` dict holds, in the same order: the functions in file order
//! (dict order), each with its callers in the order the file lists them. It also keeps the totals
//! pstats computes at load time and the header line of each input file. Profiles are immutable;
//! [`Profile::strip_dirs`] and [`Profile::combine`] build new ones, with pstats' semantics.

mod intern;
mod keytable;
mod lines;

use std::ops::Range;
use std::sync::OnceLock;
use std::time::SystemTime;

use keytable::KeyTable;
use petgraph::visit::{GraphBase, GraphRef, IntoNeighbors, IntoNodeIdentifiers, NodeIndexable};

pub(crate) use intern::{Interner, Sym};
pub use lines::{LineFunction, LineProfile, LineTiming};

/// Identifies a function within one [`Profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId(pub(crate) u32);

impl FunctionId {
    /// The id as an index: ids are dense from 0 (see [`Profile::all_functions`]).
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

/// A loaded profile.
#[derive(Clone)]
pub struct Profile {
    strings: Interner,
    /// Every key: the listed functions first (ids `0..listed`), then keys that appear only as
    /// callers.
    keys: Vec<FunctionKey>,
    listed: usize,
    stats: Vec<FunctionStats>,
    /// Caller→callee edges as (caller, figures), grouped by callee (in function order), each
    /// group in the file's callers order; `callers_start` gives each group's start.
    edges: Vec<(FunctionId, CallStats)>,
    callers_start: Vec<u32>,
    /// Edges by caller. Built on first use: most reports never follow edges from caller to
    /// callee.
    callee_index: OnceLock<CalleeIndex>,
    totals: Totals,
    files: Vec<SourceFile>,
    top_level: Vec<FunctionId>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("functions", &self.listed)
            .field("edges", &self.edges.len())
            .field("totals", &self.totals)
            .field("files", &self.files)
            .finish()
    }
}

/// Edges grouped by caller: the calls function `c` makes are `edges[start[c]..start[c + 1]]`,
/// each as (edge index, callee).
#[derive(Clone, Debug)]
struct CalleeIndex {
    start: Vec<u32>,
    edges: Vec<(u32, u32)>,
}

/// The call graph reversed (each function → its callers), read straight from the edge arrays,
/// for petgraph's algorithms. A graph and its reverse have the same strongly connected
/// components.
#[derive(Clone, Copy)]
struct CallerGraph<'p>(&'p Profile);

type CallerIds<'p> = std::iter::Map<
    std::slice::Iter<'p, (FunctionId, CallStats)>,
    fn(&(FunctionId, CallStats)) -> u32,
>;

impl GraphBase for CallerGraph<'_> {
    type EdgeId = u32;
    type NodeId = u32;
}

impl GraphRef for CallerGraph<'_> {}

impl<'p> IntoNeighbors for CallerGraph<'p> {
    type Neighbors = CallerIds<'p>;
    fn neighbors(self, callee: u32) -> CallerIds<'p> {
        self.0
            .caller_slice(FunctionId(callee))
            .iter()
            .map(|(caller, _)| caller.0)
    }
}

impl IntoNodeIdentifiers for CallerGraph<'_> {
    type NodeIdentifiers = std::ops::Range<u32>;
    fn node_identifiers(self) -> std::ops::Range<u32> {
        0..self.0.keys.len() as u32
    }
}

impl NodeIndexable for CallerGraph<'_> {
    fn node_bound(&self) -> usize {
        self.0.keys.len()
    }
    fn to_index(&self, node: u32) -> usize {
        node as usize
    }
    fn from_index(&self, index: usize) -> u32 {
        index as u32
    }
}

/// The key pstats uses to mark a top-level function; only crafted files carry it.
pub(crate) const TOP_LEVEL_MARK: (&str, i64, &str) = ("jprofile", 0, "profiler");

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

    /// A dense index of the function's file name: functions in one file share it.
    pub(crate) fn file_index(&self, id: FunctionId) -> usize {
        self.keys[id.index()].file.index()
    }

    /// The index of the function's interned name: equal names, equal indices.
    pub(crate) fn name_index(&self, id: FunctionId) -> usize {
        self.keys[id.index()].name.index()
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

    pub(crate) fn write_display_name(&self, id: FunctionId, out: &mut String) {
        use std::fmt::Write;
        let (file, line, name) = (self.file(id), self.line(id), self.name(id));
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

    /// The function's callers with the figures of each edge, in the file's order.
    pub fn callers(
        &self,
        id: FunctionId,
    ) -> impl ExactSizeIterator<Item = (FunctionId, CallStats)> + '_ {
        self.caller_slice(id).iter().copied()
    }

    /// The edges into `id` (none for a function that is not listed).
    fn caller_slice(&self, id: FunctionId) -> &[(FunctionId, CallStats)] {
        let range = match id.index() < self.listed {
            true => {
                self.callers_start[id.index()] as usize..self.callers_start[id.index() + 1] as usize
            }
            false => 0..0,
        };
        &self.edges[range]
    }

    /// Like [`Profile::callers`], with each edge's index (edges are numbered `0..edge_count()`
    /// in function order, each function's callers in file order).
    pub(crate) fn caller_edges(
        &self,
        id: FunctionId,
    ) -> impl ExactSizeIterator<Item = (usize, FunctionId, CallStats)> + '_ {
        let start = match id.index() < self.listed {
            true => self.callers_start[id.index()] as usize,
            false => 0,
        };
        self.callers(id)
            .enumerate()
            .map(move |(k, (caller, call))| (start + k, caller, call))
    }

    /// Like [`Profile::callees`], with each edge's index.
    pub(crate) fn callee_edges(
        &self,
        id: FunctionId,
    ) -> impl Iterator<Item = (usize, FunctionId, CallStats)> + '_ {
        self.callee_edge_indices(id).iter().map(|&(edge, callee)| {
            (
                edge as usize,
                FunctionId(callee),
                self.edges[edge as usize].1,
            )
        })
    }

    /// How many caller→callee edges the profile has.
    pub(crate) fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The functions `id` called, with the figures of each edge (in no particular order).
    pub fn callees(&self, id: FunctionId) -> impl Iterator<Item = (FunctionId, CallStats)> + '_ {
        self.callee_edge_indices(id)
            .iter()
            .map(|&(edge, callee)| (FunctionId(callee), self.edges[edge as usize].1))
    }

    /// Edge indices grouped by caller, built on first use. Within a caller, the order is the
    /// reverse of the edges' (callee-major) order, as the callees have always come out.
    fn callee_index(&self) -> &CalleeIndex {
        self.callee_index.get_or_init(|| {
            let nodes = self.keys.len();
            let mut start = vec![0u32; nodes + 1];
            for (caller, _) in &self.edges {
                start[caller.index() + 1] += 1;
            }
            for i in 0..nodes {
                start[i + 1] += start[i];
            }
            let mut next = start.clone();
            let mut edges = vec![(0u32, 0u32); self.edges.len()];
            for callee in (0..self.listed).rev() {
                let group = self.callers_start[callee]..self.callers_start[callee + 1];
                for i in group.rev() {
                    let at = &mut next[self.edges[i as usize].0.index()];
                    edges[*at as usize] = (i, callee as u32);
                    *at += 1;
                }
            }
            CalleeIndex { start, edges }
        })
    }

    /// The calls `id` makes: (edge index, callee).
    fn callee_edge_indices(&self, id: FunctionId) -> &[(u32, u32)] {
        let index = self.callee_index();
        let range = index.start[id.index()] as usize..index.start[id.index() + 1] as usize;
        &index.edges[range]
    }

    /// For each function id, the id of its recursion cycle: functions that can reach each other
    /// through calls (a strongly connected component of the call graph) share it; any other
    /// function has a component of its own. A function that calls itself is alone in its
    /// component but [`Profile::calls_itself`] says so.
    pub(crate) fn recursion_components(&self) -> Vec<u32> {
        let mut component = vec![0u32; self.keys.len()];
        for (i, scc) in petgraph::algo::tarjan_scc(CallerGraph(self))
            .iter()
            .enumerate()
        {
            for &node in scc {
                component[node as usize] = i as u32;
            }
        }
        component
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

    /// Compares two functions' keys as Python compares the key tuples (file, line, name).
    pub(crate) fn cmp_keys(&self, a: FunctionId, b: FunctionId) -> std::cmp::Ordering {
        // Equal names are one interned string: equal indices mean equal files.
        let files = if self.file_index(a) == self.file_index(b) {
            std::cmp::Ordering::Equal
        } else {
            self.file(a).cmp(self.file(b))
        };
        files
            .then(self.line(a).cmp(&self.line(b)))
            .then_with(|| self.name(a).cmp(self.name(b)))
    }

    /// The profile without its edges (and without the functions only they named).
    pub(crate) fn without_edges(mut self) -> Profile {
        self.keys.truncate(self.listed);
        self.edges = Vec::new();
        self.callers_start = vec![0; self.listed + 1];
        self.callee_index = OnceLock::new();
        self
    }

    /// Records the input file this profile came from (for the report header).
    pub fn set_source(&mut self, source: SourceFile) {
        self.files = vec![source];
    }

    /// pstats' `strip_dirs()`: file names lose their directories, and functions whose keys
    /// then collide are added together (the first one's position is kept). Within one
    /// function's callers, colliding callers are not added: the last one wins, as in pstats.
    /// Totals are kept as they were.
    pub fn strip_dirs(&self) -> Profile {
        let mut builder = Builder::default();
        let key_of: Vec<KeyId> = self
            .keys
            .iter()
            .map(|key| {
                let file = self.strings.get(key.file);
                let base = file.rsplit('/').next().unwrap_or(file);
                builder.key(base, key.line, self.strings.get(key.name))
            })
            .collect();
        for id in self.functions() {
            let callers = self
                .callers(id)
                .map(|(caller, stats)| (key_of[caller.index()], stats));
            builder.add_entry(key_of[id.index()], self.stats(id), callers, Merge::Add);
        }
        let top_level = self.top_level.iter().map(|id| key_of[id.index()]).collect();
        builder.finish(self.totals, self.files.clone(), Some(top_level))
    }

    /// A new profile with only the functions `keep` accepts (listed ones with their figures)
    /// and the edges between them; totals are recomputed from what is kept.
    pub fn retain(&self, keep: impl Fn(FunctionId) -> bool) -> Profile {
        let mut builder = Builder::default();
        let key_of: Vec<KeyId> = self
            .keys
            .iter()
            .map(|key| {
                let strings = &self.strings;
                builder.key(strings.get(key.file), key.line, strings.get(key.name))
            })
            .collect();
        let kept: Vec<bool> = (0..self.keys.len() as u32)
            .map(|i| keep(FunctionId(i)))
            .collect();
        for id in self.functions().filter(|id| kept[id.index()]) {
            let callers = self
                .callers(id)
                .filter(|(caller, _)| kept[caller.index()])
                .map(|(caller, stats)| (key_of[caller.index()], stats));
            builder.add_entry(key_of[id.index()], self.stats(id), callers, Merge::Replace);
        }
        builder.finish(Totals::default(), self.files.clone(), None)
    }

    /// pstats' `Stats(a, b, c, …)`: the first profile, then the others added in *reverse*
    /// order (so files and new functions come as a, c, b), with `add_func_stats`/`add_callers`
    /// semantics and totals summed in that order.
    pub fn combine(profiles: Vec<Profile>) -> Profile {
        let mut profiles = profiles.into_iter();
        let Some(first) = profiles.next() else {
            return Builder::default().finish(Totals::default(), Vec::new(), None);
        };
        let mut rest: Vec<Profile> = profiles.collect();
        if rest.is_empty() {
            return first;
        }
        rest.reverse();
        let mut combiner = Combiner::default();
        for profile in std::iter::once(first).chain(rest) {
            combiner.add(&profile);
        }
        combiner.finish()
    }
}

/// Adds profiles one at a time with pstats' `add` semantics, so that a caller can combine
/// many files without holding them all. The order is the caller's: to reproduce
/// `pstats.Stats(a, b, c)`, add a, then c, then b (see [`Combiner::pstats_order`]).
#[derive(Default)]
pub struct Combiner {
    builder: Builder,
    totals: Totals,
    files: Vec<SourceFile>,
    top_level: Vec<KeyId>,
    count: usize,
}

impl Combiner {
    /// The order in which `pstats.Stats(inputs[0], inputs[1], …)` adds its inputs: the first,
    /// then the others from last to second.
    pub fn pstats_order(inputs: usize) -> Vec<usize> {
        (0..inputs.min(1)).chain((1..inputs).rev()).collect()
    }

    /// Adds one profile: its figures to those of the functions already present, its callers
    /// merged with `add_callers`, its totals and files after those already added.
    pub fn add(&mut self, profile: &Profile) {
        let builder = &mut self.builder;
        // Each of the profile's strings is interned once here, not once per key using it.
        let sym_of: Vec<Sym> = profile
            .strings
            .iter()
            .map(|text| builder.strings.intern(text))
            .collect();
        let key_of: Vec<KeyId> = profile
            .keys
            .iter()
            .map(|key| {
                builder.key_id(FunctionKey {
                    file: sym_of[key.file.index()],
                    line: key.line,
                    name: sym_of[key.name.index()],
                })
            })
            .collect();
        // The first file is loaded as is; every later one goes through `add_func_stats`.
        let merge = if self.count == 0 {
            Merge::Replace
        } else {
            Merge::Add
        };
        for id in profile.functions() {
            let callers = profile
                .callers(id)
                .map(|(c, stats)| (key_of[c.index()], stats));
            builder.add_entry(key_of[id.index()], profile.stats(id), callers, merge);
        }
        let totals = &mut self.totals;
        totals.calls = totals.calls.saturating_add(profile.totals.calls);
        totals.primitive_calls = totals
            .primitive_calls
            .saturating_add(profile.totals.primitive_calls);
        totals.tottime += profile.totals.tottime;
        self.files.extend(profile.files.iter().cloned());
        for id in &profile.top_level {
            let key = key_of[id.index()];
            if !self.top_level.contains(&key) {
                self.top_level.push(key);
            }
        }
        self.count += 1;
    }

    /// The combined profile.
    pub fn finish(self) -> Profile {
        self.builder
            .finish(self.totals, self.files, Some(self.top_level))
    }
}

/// How an entry whose key is already present is combined with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Merge {
    /// A duplicate key in one marshal dict: the later value replaces the earlier one.
    Replace,
    /// pstats' `add` (and `strip_dirs`): figures added, callers merged with `add_callers`.
    Add,
}

/// A distinct function key seen while building, numbered in order of first sight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct KeyId(u32);

const NONE: u32 = u32::MAX;

struct Entry {
    key: KeyId,
    stats: FunctionStats,
    callers: Range<u32>,
}

/// Builds a [`Profile`] with pstats' dict semantics: entries keep the position of their first
/// appearance; callers likewise within each entry, where a repeated caller's last value wins.
#[derive(Default)]
pub(crate) struct Builder {
    pub(crate) strings: Interner,
    keys: Vec<FunctionKey>,
    key_ids: KeyTable,
    /// Entry index of each key, or NONE.
    entry_of: Vec<u32>,
    entries: Vec<Entry>,
    /// Callers of all entries; an entry owns a range. Replaced ranges become garbage.
    callers: Vec<(KeyId, CallStats)>,
    /// For de-duplicating one callers dict without hashing: per key, the pass that last saw
    /// it and where it went.
    seen: Vec<(u32, u32)>,
    pass: u32,
}

impl Builder {
    pub(crate) fn with_capacity(functions: usize) -> Builder {
        Builder {
            keys: Vec::with_capacity(functions),
            key_ids: KeyTable::with_capacity(functions),
            entries: Vec::with_capacity(functions),
            callers: Vec::with_capacity(functions * 2),
            ..Builder::default()
        }
    }

    /// The id of the key (file, line, name), given as text.
    pub(crate) fn key(&mut self, file: &str, line: i64, name: &str) -> KeyId {
        let key = FunctionKey {
            file: self.strings.intern(file),
            line,
            name: self.strings.intern(name),
        };
        self.key_id(key)
    }

    /// The id of an interned key; a key seen for the first time gets the next id.
    #[inline]
    pub(crate) fn key_id(&mut self, key: FunctionKey) -> KeyId {
        let next = KeyId(self.keys.len() as u32);
        let id = self.key_ids.get_or_insert(key, next);
        if id == next {
            self.keys.push(key);
            self.entry_of.push(NONE);
            self.seen.push((0, 0));
        }
        id
    }

    /// The key an id stands for.
    pub(crate) fn key_of(&self, id: KeyId) -> FunctionKey {
        self.keys[id.0 as usize]
    }

    /// Starts a de-duplication pass over one callers dict.
    fn next_pass(&mut self) {
        self.pass = self.pass.wrapping_add(1);
        if self.pass == 0 {
            self.seen.iter_mut().for_each(|s| *s = (0, 0));
            self.pass = 1;
        }
    }

    /// Appends a caller unless this pass has seen it; then it is combined with `combine`.
    fn push_caller(
        &mut self,
        caller: KeyId,
        call: CallStats,
        combine: fn(&mut CallStats, &CallStats),
    ) {
        match self.seen_in_pass(caller, self.callers.len()) {
            Some(earlier) => combine(&mut self.callers[earlier].1, &call),
            None => self.callers.push((caller, call)),
        }
    }

    /// Where this pass already put `caller`, if it did; otherwise marks it as put at `place`.
    fn seen_in_pass(&mut self, caller: KeyId, place: usize) -> Option<usize> {
        let (pass, at) = self.seen[caller.0 as usize];
        if pass == self.pass {
            return Some(at as usize);
        }
        self.seen[caller.0 as usize] = (self.pass, place as u32);
        None
    }

    /// Removes repeated callers from `callers[start..]` as a Python dict would have kept them:
    /// at the first one's position, with the last one's value. Real dumps have none, but
    /// crafted ones may.
    fn dedup_callers(&mut self, start: usize) {
        let mut kept = start;
        if self.callers.len() - start <= 16 {
            // Short lists (nearly all): compare within the list, which is in cache.
            for i in start..self.callers.len() {
                let (caller, call) = self.callers[i];
                match self.callers[start..kept].iter_mut().find(|c| c.0 == caller) {
                    Some(earlier) => earlier.1 = call,
                    None => {
                        self.callers[kept] = (caller, call);
                        kept += 1;
                    }
                }
            }
        } else {
            // Long lists (a hot helper's callers): the per-key marks of one pass.
            self.next_pass();
            for i in start..self.callers.len() {
                let (caller, call) = self.callers[i];
                match self.seen_in_pass(caller, kept) {
                    Some(earlier) => self.callers[earlier].1 = call,
                    None => {
                        self.callers[kept] = (caller, call);
                        kept += 1;
                    }
                }
            }
        }
        self.callers.truncate(kept);
    }

    /// Adds one stats-dict entry.
    pub(crate) fn add_entry(
        &mut self,
        key: KeyId,
        stats: FunctionStats,
        callers: impl Iterator<Item = (KeyId, CallStats)>,
        merge: Merge,
    ) {
        // This entry's own callers dict, duplicates resolved as a Python dict resolves them:
        // first position, last value.
        let start = self.callers.len() as u32;
        self.callers.extend(callers);
        self.dedup_callers(start as usize);
        let new_range = start..self.callers.len() as u32;
        let at = self.entry_of[key.0 as usize];
        if at == NONE {
            self.entry_of[key.0 as usize] = self.entries.len() as u32;
            self.entries.push(Entry {
                key,
                stats,
                callers: new_range,
            });
            return;
        }
        let entry = &mut self.entries[at as usize];
        if merge == Merge::Replace {
            entry.stats = stats;
            entry.callers = new_range;
            return;
        }
        entry.stats.add(&stats);
        let old = entry.callers.clone();
        // add_callers(existing, new): the existing order, then new callers appended. When every
        // new caller is already there (the usual case when adding runs of one program), the
        // figures are added in place instead of copying the list.
        self.next_pass();
        for i in old.clone() {
            let caller = self.callers[i as usize].0;
            self.seen[caller.0 as usize] = (self.pass, i);
        }
        let all_known = (new_range.start..new_range.end).all(|i| {
            let caller = self.callers[i as usize].0;
            self.seen[caller.0 as usize].0 == self.pass
        });
        if all_known {
            for i in new_range.clone() {
                let (caller, call) = self.callers[i as usize];
                let at = self.seen[caller.0 as usize].1;
                self.callers[at as usize].1.add(&call);
            }
            // The new range was appended last: give its space back.
            if new_range.end as usize == self.callers.len() {
                self.callers.truncate(new_range.start as usize);
            }
            return;
        }
        let merged_start = self.callers.len() as u32;
        self.next_pass();
        for i in old.chain(new_range) {
            let (caller, call) = self.callers[i as usize];
            self.push_caller(caller, call, CallStats::add);
        }
        self.entries[at as usize].callers = merged_start..self.callers.len() as u32;
    }

    /// Builds the profile. With `top_level: None`, totals and top-level functions are computed
    /// from the entries as pstats' `get_top_level_stats` does at load time.
    pub(crate) fn finish(
        mut self,
        totals: Totals,
        files: Vec<SourceFile>,
        top_level: Option<Vec<KeyId>>,
    ) -> Profile {
        let listed = self.entries.len();
        let (totals, top_level) = match top_level {
            Some(top) => (totals, Ok(top)),
            None => {
                let mark = self.key_ids.get(&FunctionKey {
                    file: self.strings.intern(TOP_LEVEL_MARK.0),
                    line: TOP_LEVEL_MARK.1,
                    name: self.strings.intern(TOP_LEVEL_MARK.2),
                });
                let mut totals = Totals::default();
                let mut top_level = Vec::new();
                for (i, entry) in self.entries.iter().enumerate() {
                    totals.calls = totals.calls.saturating_add(entry.stats.calls);
                    totals.primitive_calls = totals
                        .primitive_calls
                        .saturating_add(entry.stats.primitive_calls);
                    totals.tottime += entry.stats.tottime;
                    let callers =
                        &self.callers[entry.callers.start as usize..entry.callers.end as usize];
                    if callers.iter().any(|(k, _)| Some(*k) == mark) {
                        top_level.push(FunctionId(i as u32));
                    }
                }
                (totals, Err(top_level))
            }
        };
        // Not needed from here on; free it before the profile's arrays are allocated.
        drop(std::mem::take(&mut self.key_ids));

        // Function ids: the entries in order, then keys that appear only as callers, in order
        // of first appearance.
        let mut id_of: Vec<u32> = vec![NONE; self.keys.len()];
        let mut keys: Vec<FunctionKey> = Vec::with_capacity(listed);
        let mut stats = Vec::with_capacity(listed);
        let mut callers_start = Vec::with_capacity(listed + 1);
        let mut next_start = 0u32;
        let mut contiguous = true;
        for (i, entry) in self.entries.iter().enumerate() {
            id_of[entry.key.0 as usize] = i as u32;
            keys.push(self.keys[entry.key.0 as usize]);
            stats.push(entry.stats);
            contiguous &= entry.callers.start == next_start;
            callers_start.push(next_start);
            next_start += entry.callers.len() as u32;
        }
        callers_start.push(next_start);
        contiguous &= next_start as usize == self.callers.len();
        // Without replaced or merged entries the callers are already in edge order: reuse the
        // allocation (collecting a same-sized map in place) instead of copying.
        let ordered = if contiguous {
            std::mem::take(&mut self.callers)
        } else {
            self.entries
                .iter()
                .flat_map(|e| e.callers.clone())
                .map(|i| self.callers[i as usize])
                .collect()
        };
        let edges: Vec<(FunctionId, CallStats)> = ordered
            .into_iter()
            .map(|(caller, call)| {
                let slot = &mut id_of[caller.0 as usize];
                if *slot == NONE {
                    *slot = keys.len() as u32;
                    keys.push(self.keys[caller.0 as usize]);
                }
                (FunctionId(*slot), call)
            })
            .collect();

        let top_level = match top_level {
            Err(found) => found,
            Ok(top) => top
                .into_iter()
                .filter_map(|k| {
                    let id = id_of[k.0 as usize];
                    (id != NONE && (id as usize) < listed).then_some(FunctionId(id))
                })
                .collect(),
        };

        Profile {
            strings: self.strings,
            keys,
            listed,
            stats,
            edges,
            callers_start,
            callee_index: OnceLock::new(),
            totals,
            files,
            top_level,
        }
    }
}

/// Short constructors for the figures in unit tests across the crate.
#[cfg(test)]
pub(crate) mod testing {
    use super::{CallStats, FunctionStats};

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
}

#[cfg(test)]
mod tests {
    use super::testing::{fs, timed};
    use super::*;

    fn sample() -> Profile {
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
        b.finish(Totals::default(), vec![], None)
    }

    #[test]
    fn retain_keeps_functions_and_edges_between_them() {
        let p = sample();
        let kept = p.retain(|id| p.name(id) != "main");
        assert_eq!(kept.function_count(), 2);
        assert_eq!(
            kept.totals(),
            Totals {
                calls: 4,
                primitive_calls: 3,
                tottime: 1.25
            }
        );
        let callers: Vec<_> = kept
            .callers(FunctionId(1))
            .map(|(c, _)| kept.display_name(c))
            .collect();
        assert_eq!(callers, ["/a/util.py:5(f)"]);
    }

    #[test]
    fn totals_are_computed_at_load() {
        let p = sample();
        assert_eq!(
            p.totals(),
            Totals {
                calls: 5,
                primitive_calls: 4,
                tottime: 1.75
            }
        );
        assert_eq!(p.function_count(), 3);
        assert_eq!(p.display_name(FunctionId(1)), "/a/util.py:5(f)");
    }

    #[test]
    fn callees_follow_edges() {
        let p = sample();
        let mut callees: Vec<_> = p
            .callees(FunctionId(0))
            .map(|(c, s)| (c, s.calls()))
            .collect();
        callees.sort();
        assert_eq!(callees, [(FunctionId(1), 3), (FunctionId(2), 1)]);
    }

    #[test]
    fn strip_dirs_adds_colliding_functions_and_keeps_totals() {
        let p = sample().strip_dirs();
        assert_eq!(p.function_count(), 2);
        let f = FunctionId(1);
        assert_eq!(p.display_name(f), "util.py:5(f)");
        assert_eq!(p.stats(f), fs(3, 4, 1.25, 1.75));
        // callers of the merged entry: main (3+1 calls, summed by add_callers), then f itself.
        let callers: Vec<_> = p
            .callers(f)
            .map(|(c, s)| (p.display_name(c), s.calls()))
            .collect();
        assert_eq!(
            callers,
            [
                ("main.py:1(main)".to_string(), 4),
                ("util.py:5(f)".to_string(), 1)
            ]
        );
        assert_eq!(p.totals(), sample().totals());
    }

    #[test]
    fn strip_dirs_overwrites_colliding_callers_within_one_dict() {
        let mut b = Builder::default();
        let x1 = b.key("/a/x.py", 1, "f");
        let x2 = b.key("/b/x.py", 1, "f");
        let h = b.key("h.py", 1, "h");
        b.add_entry(
            h,
            fs(3, 3, 0.0, 0.0),
            [(x1, CallStats::Count(1)), (x2, CallStats::Count(2))].into_iter(),
            Merge::Replace,
        );
        let p = b.finish(Totals::default(), vec![], None).strip_dirs();
        let callers: Vec<_> = p.callers(FunctionId(0)).map(|(_, s)| s).collect();
        assert_eq!(callers, [CallStats::Count(2)]);
    }

    #[test]
    fn combine_uses_pstats_add_order() {
        let mk = |name: &str, t: f64| {
            let mut b = Builder::default();
            let k = b.key("m.py", 1, name);
            let shared = b.key("m.py", 9, "shared");
            b.add_entry(k, fs(1, 1, t, t), std::iter::empty(), Merge::Replace);
            b.add_entry(
                shared,
                fs(1, 1, 1.0, 1.0),
                std::iter::empty(),
                Merge::Replace,
            );
            let mut p = b.finish(Totals::default(), vec![], None);
            p.set_source(SourceFile {
                path: name.into(),
                mtime: None,
            });
            p
        };
        let p = Profile::combine(vec![mk("a", 0.5), mk("b", 0.25), mk("c", 0.125)]);
        let names: Vec<_> = p.functions().map(|id| p.name(id).to_string()).collect();
        assert_eq!(names, ["a", "shared", "c", "b"]);
        let files: Vec<_> = p.files().iter().map(|f| f.path.as_str()).collect();
        assert_eq!(files, ["a", "c", "b"]);
        assert_eq!(p.stats(FunctionId(1)), fs(3, 3, 3.0, 3.0));
        assert_eq!(p.totals().calls, 6);
    }

    #[test]
    fn combiner_adds_in_pstats_order_and_merges_callers_in_place() {
        assert_eq!(Combiner::pstats_order(0), Vec::<usize>::new());
        assert_eq!(Combiner::pstats_order(1), [0]);
        assert_eq!(Combiner::pstats_order(4), [0, 3, 2, 1]);
        let mut combiner = Combiner::default();
        for _ in 0..100 {
            combiner.add(&sample());
        }
        let garbage = combiner.builder.callers.len();
        let p = combiner.finish();
        // Every run has the same callers: they were added in place, not copied 100 times.
        assert_eq!(garbage, 3);
        let f = FunctionId(1);
        assert_eq!(p.stats(f), fs(200, 300, 100.0, 150.0));
        assert_eq!(
            p.callers(f).next().map(|(_, s)| s),
            Some(timed(300, 200, 100.0, 150.0))
        );
        assert_eq!(p.totals().calls, 500);
    }

    #[test]
    fn duplicate_dict_keys_keep_first_position_and_last_value() {
        let mut b = Builder::default();
        let k = b.key("m.py", 1, "f");
        let other = b.key("m.py", 2, "g");
        b.add_entry(k, fs(1, 1, 1.0, 1.0), std::iter::empty(), Merge::Replace);
        b.add_entry(
            other,
            fs(1, 1, 1.0, 1.0),
            std::iter::empty(),
            Merge::Replace,
        );
        b.add_entry(k, fs(7, 7, 2.0, 2.0), std::iter::empty(), Merge::Replace);
        let p = b.finish(Totals::default(), vec![], None);
        assert_eq!(p.stats(FunctionId(0)).calls, 7);
        assert_eq!(p.name(FunctionId(0)), "f");
    }

    #[test]
    fn timed_edges_decided_by_first_function_with_callers() {
        let mut b = Builder::default();
        let k = b.key("m.py", 1, "f");
        let g = b.key("m.py", 2, "g");
        b.add_entry(k, fs(1, 1, 0.0, 0.0), std::iter::empty(), Merge::Replace);
        b.add_entry(
            g,
            fs(1, 1, 0.0, 0.0),
            [(k, CallStats::Count(1))].into_iter(),
            Merge::Replace,
        );
        assert!(!b.finish(Totals::default(), vec![], None).has_timed_edges());
        assert!(sample().has_timed_edges());
    }
}
