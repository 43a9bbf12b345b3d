//! The estimate: each function's own time walked up its callers, shared by the time each edge
//! carried ([`super`] documents the rules), into a [`StackTable`].

use std::ops::Range;

use hashbrown::HashMap;

use super::counts::counts_by_leaf;
use super::halves::in_halves;
use super::{Frame, Stack, StackOptions};
use crate::model::{CallStats, FunctionId, Profile};
use crate::query::units::TimeUnit;
use crate::threads;

/// The stacks of [`stacks`](super::stacks), in the same order, held in one buffer of frames: a
/// writer that only reads them saves a vector per stack, and each leaf's stacks are known
/// without a search.
#[derive(Debug, Clone, Default)]
pub struct StackTable {
    /// The frames of every stack, one after another.
    frames: Vec<Frame>,
    spans: Vec<Span>,
    /// Per leaf function with stacks, in order: the function and the index of its first
    /// stack; its stacks run to the next leaf's first (or the end).
    leaves: Vec<(FunctionId, usize)>,
}

impl StackTable {
    /// Reconstructs the stacks ([`stacks`](super::stacks) documents how). A large profile's
    /// functions are walked in two halves on two threads; the stacks are the same, in the same
    /// order.
    pub fn estimate(profile: &Profile, options: &StackOptions) -> StackTable {
        let total: f64 = profile
            .functions()
            .map(|id| profile.stats(id).tottime)
            .filter(|t| *t > 0.0 && t.is_finite())
            .sum();
        let cutoff = total * options.min_fraction;
        let listed = profile.function_count();
        let callers = Callers::new(profile);
        if !options.threads.two_from(listed, threads::STACK_ESTIMATE) {
            return estimate_part(profile, &callers, options, cutoff, 0..listed, MAX_STEPS).0;
        }
        in_halves(profile, &callers, options, cutoff, MAX_STEPS)
    }

    /// Appends `other`'s stacks after these.
    pub(super) fn append(&mut self, other: StackTable) {
        let (frames, spans) = (self.frames.len(), self.spans.len());
        self.frames.extend(other.frames);
        self.spans.extend(other.spans.into_iter().map(|span| Span {
            start: span.start + frames,
            end: span.end + frames,
            ..span
        }));
        self.leaves.extend(
            other
                .leaves
                .into_iter()
                .map(|(id, first)| (id, first + spans)),
        );
    }

    /// How many stacks there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no stacks.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The frames of stack `i` (as [`Stack::frames`]: root first). Panics if `i` is not below
    /// [`StackTable::len`].
    pub fn frames(&self, i: usize) -> &[Frame] {
        let span = self.spans[i];
        &self.frames[span.start..span.end]
    }

    /// The time of stack `i` (as [`Stack::seconds`]). Panics if `i` is not below
    /// [`StackTable::len`].
    pub fn seconds(&self, i: usize) -> f64 {
        self.spans[i].seconds
    }

    /// Each stack's frames and time, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[Frame], f64)> + '_ {
        self.spans
            .iter()
            .map(|span| (&self.frames[span.start..span.end], span.seconds))
    }

    /// Each leaf function that has stacks, in order, with the range of its stacks' indices.
    pub fn leaves(&self) -> impl ExactSizeIterator<Item = (FunctionId, Range<usize>)> + Clone + '_ {
        self.leaves.iter().enumerate().map(|(l, &(id, first))| {
            let end = self
                .leaves
                .get(l + 1)
                .map_or(self.spans.len(), |next| next.1);
            (id, first..end)
        })
    }

    /// [`stack_counts`](super::stack_counts) of these stacks: the same counts, without searching
    /// for each stack's leaf.
    pub fn counts(&self, unit: TimeUnit) -> Vec<u64> {
        counts_by_leaf(
            self.spans.len(),
            self.leaves().map(|(_, members)| members),
            |i| unit.from_seconds(self.spans[i].seconds),
        )
    }

    /// The stacks, one vector each.
    pub fn into_stacks(self) -> Vec<Stack> {
        self.iter()
            .map(|(frames, seconds)| Stack {
                frames: frames.to_vec(),
                seconds,
            })
            .collect()
    }
}

/// The stacks of the listed functions whose ids are in `functions`, walked with at most `budget`
/// steps, and the steps taken.
pub(super) fn estimate_part(
    profile: &Profile,
    callers: &Callers,
    options: &StackOptions,
    cutoff: f64,
    functions: Range<usize>,
    budget: u64,
) -> (StackTable, u64) {
    let mut walk = Walk {
        profile,
        callers,
        cutoff,
        share_of_leaf: options.min_share_of_leaf,
        leaf_cutoff: 0.0,
        budget,
        depth: 0,
        shares: Vec::new(),
        blocked: vec![false; profile.all_functions().len()],
        collapsed: false,
        frames: Vec::new(),
        spans: Vec::new(),
    };
    let mut leaves = Vec::new();
    let mut path = Vec::new();
    for id in functions.map(|i| FunctionId(i as u32)) {
        let tottime = profile.stats(id).tottime;
        if tottime > 0.0 && tottime.is_finite() {
            walk.leaf_cutoff = tottime * walk.share_of_leaf;
            let first = walk.spans.len();
            walk.collapsed = false;
            path.clear();
            path.push(id);
            walk.blocked[id.index()] = true;
            walk.expand(&mut path, tottime);
            walk.blocked[id.index()] = false;
            // Every stack ends with its leaf, so only stacks of one leaf can be identical,
            // and only a collapsed recursion reaches a stack by a second route.
            if walk.collapsed {
                merge_identical(&walk.frames, &mut walk.spans, first);
            }
            if walk.spans.len() > first {
                leaves.push((id, first));
            }
        }
    }
    let used = budget - walk.budget;
    let Walk { frames, spans, .. } = walk;
    let table = StackTable {
        frames,
        spans,
        leaves,
    };
    (table, used)
}

/// A stack being built: its frames in [`Walk::frames`] and its time.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    seconds: f64,
}

/// Sums the spans from `first` on that have the same frames, keeping the order of first
/// appearance (and the order of the additions).
fn merge_identical(frames: &[Frame], spans: &mut Vec<Span>, first: usize) {
    let mut index: HashMap<&[Frame], usize> = HashMap::with_capacity(spans.len() - first);
    let mut kept = first;
    for i in first..spans.len() {
        let span = spans[i];
        let key = &frames[span.start..span.end];
        match index.get(key) {
            Some(&at) => spans[at].seconds += span.seconds,
            None => {
                index.insert(key, kept);
                spans[kept] = span;
                kept += 1;
            }
        }
    }
    spans.truncate(kept);
}

/// Expansion steps allowed in all: past this (only pathological graphs get there), the
/// remaining shares are gathered under [`Frame::OtherCallers`] where they stand.
pub(super) const MAX_STEPS: u64 = 20_000_000;

/// Expansions nested in one another allowed (each a frame of the thread's stack, about 200
/// bytes; a walk may run on a thread of 2 MiB): a share that would go deeper is gathered under
/// [`Frame::OtherCallers`] where it stands. Only a crafted chain of thousands of distinct
/// functions gets there.
const MAX_DEPTH: u32 = 4_000;

struct Walk<'p> {
    profile: &'p Profile,
    callers: &'p Callers,
    /// Shares below both cutoffs are not followed.
    cutoff: f64,
    share_of_leaf: f64,
    leaf_cutoff: f64,
    budget: u64,
    /// How many expansions are under way, one inside the other.
    depth: u32,
    /// Callers' weights, a stack of one segment per level being expanded.
    shares: Vec<(FunctionId, Weight)>,
    /// Per function (by index): whether it is on the path, or in a recursion collapsed out of
    /// it; such callers are not followed.
    blocked: Vec<bool>,
    /// Whether a recursion was collapsed since the current leaf's walk began.
    collapsed: bool,
    /// The frames of every stack, one after another.
    frames: Vec<Frame>,
    spans: Vec<Span>,
}

impl Walk<'_> {
    /// Follows the callers of the last frame of `path` (leaf first), carrying `seconds`;
    /// blocked callers are not followed.
    fn expand(&mut self, path: &mut Vec<FunctionId>, seconds: f64) {
        if self.budget == 0 || self.depth == MAX_DEPTH {
            self.emit(path, Some(Frame::OtherCallers), seconds);
            return;
        }
        self.budget -= 1;
        self.depth += 1;
        self.step(path, seconds);
        self.depth -= 1;
    }

    /// One step of [`Walk::expand`].
    #[inline(always)]
    fn step(&mut self, path: &mut Vec<FunctionId>, seconds: f64) {
        let top = *path.last().expect("path is never empty");
        let callers = self.callers.of(self.profile, top);
        if callers.is_empty() {
            self.dead_end(path, seconds);
            return;
        }
        if callers.ids.iter().any(|c| self.blocked[*c as usize]) {
            self.expand_blocked(path, seconds);
            return;
        }
        // No caller is on the path: the shares are those of all the callers, computed once.
        let mut other = 0.0;
        for (&caller, &share) in callers.ids.iter().zip(callers.shares) {
            other += self.follow(path, FunctionId(caller), share, seconds);
        }
        if other > 0.0 {
            self.emit(path, Some(Frame::OtherCallers), other);
        }
    }

    /// [`Walk::expand`] where some callers of the top of `path` are blocked: the shares are
    /// taken among the others.
    fn expand_blocked(&mut self, path: &mut Vec<FunctionId>, seconds: f64) {
        let top = *path.last().expect("path is never empty");
        let start = self.shares.len();
        let blocked = &self.blocked;
        let totals = caller_weights(
            self.profile,
            top,
            |caller| blocked[caller.index()],
            &mut self.shares,
        );
        if self.shares.len() == start {
            self.dead_end(path, seconds);
            return;
        }
        let mut other = 0.0;
        for i in start..self.shares.len() {
            let (caller, weight) = self.shares[i];
            other += self.follow(path, caller, totals.share(weight), seconds);
        }
        self.shares.truncate(start);
        if other > 0.0 {
            self.emit(path, Some(Frame::OtherCallers), other);
        }
    }

    /// Follows `caller` of the top of `path` with its `share` of `seconds`, or returns the part
    /// that is too small to follow (0 if followed).
    #[inline(always)]
    fn follow(
        &mut self,
        path: &mut Vec<FunctionId>,
        caller: FunctionId,
        share: f64,
        seconds: f64,
    ) -> f64 {
        let part = seconds * share;
        let only_caller = share >= 1.0;
        let direct = path.len() == 1 && part >= self.leaf_cutoff;
        if part < self.cutoff && !only_caller && !direct {
            return part;
        }
        path.push(caller);
        self.blocked[caller.index()] = true;
        self.expand(path, part);
        self.blocked[caller.index()] = false;
        path.pop();
        0.0
    }

    /// The top of `path` has no caller left to follow. If it has none at all, it is a root.
    /// Otherwise its callers are all on the stack already: this time was spent in a recursive
    /// call, so it goes to the outermost of those callers' frames, which continues without the
    /// frames of the cycle (they stay blocked).
    fn dead_end(&mut self, path: &mut Vec<FunctionId>, seconds: f64) {
        let top = *path.last().expect("path is never empty");
        let outermost = self
            .profile
            .callers(top)
            .filter_map(|(caller, _)| path.iter().position(|&f| f == caller))
            .min();
        match outermost {
            Some(j) if j + 1 < path.len() => {
                self.collapsed = true;
                let cycle = path.split_off(j + 1);
                self.expand(path, seconds);
                path.extend(cycle);
            }
            _ => self.emit(path, None, seconds),
        }
    }

    fn emit(&mut self, path: &[FunctionId], root: Option<Frame>, seconds: f64) {
        let start = self.frames.len();
        self.frames.extend(root);
        self.frames
            .extend(path.iter().rev().map(|&id| Frame::Function(id)));
        self.spans.push(Span {
            start,
            end: self.frames.len(),
            seconds,
        });
    }
}

/// Every edge's caller and its share of the callee's time when none of the callee's callers
/// is blocked, by edge id: two arrays a quarter the size of the profile's edges (which the walk
/// would otherwise read at random, one cache miss per step).
pub(super) struct Callers {
    ids: Vec<u32>,
    shares: Vec<f64>,
}

/// One function's callers in [`Callers`].
struct CallersOf<'a> {
    ids: &'a [u32],
    shares: &'a [f64],
}

impl CallersOf<'_> {
    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl Callers {
    pub(super) fn new(profile: &Profile) -> Callers {
        let edges = profile.edge_count();
        let mut ids = vec![0; edges];
        let mut shares = vec![0.0; edges];
        let mut weights = Vec::new();
        for id in profile.functions() {
            weights.clear();
            let totals = caller_weights(profile, id, |_| false, &mut weights);
            for (edge, &(caller, weight)) in profile.caller_range(id).zip(&weights) {
                ids[edge] = caller.0;
                shares[edge] = totals.share(weight);
            }
        }
        Callers { ids, shares }
    }

    /// The callers of `id` (none for a function that is not listed, as [`Profile::callers`]).
    fn of(&self, profile: &Profile, id: FunctionId) -> CallersOf<'_> {
        let range = profile.caller_range(id);
        CallersOf {
            ids: &self.ids[range.clone()],
            shares: &self.shares[range],
        }
    }
}

/// An edge's weight for sharing: its time, and its calls.
#[derive(Debug, Clone, Copy)]
struct Weight {
    time: f64,
    calls: f64,
}

/// The weights of one function's callers added up, and how many there are.
#[derive(Debug, Clone, Copy)]
struct Totals {
    time: f64,
    calls: f64,
    callers: f64,
}

impl Totals {
    /// A caller's share (the shares add up to 1): by edge time, or by call count when no edge
    /// carries time, or equal.
    fn share(&self, weight: Weight) -> f64 {
        if self.time > 0.0 {
            weight.time / self.time
        } else if self.calls > 0.0 {
            weight.calls / self.calls
        } else {
            1.0 / self.callers
        }
    }
}

/// Appends to `weights` the callers of `id` that are not skipped, each with its edge's weight,
/// and returns their totals ([`Totals::share`] turns a weight into a share).
fn caller_weights(
    profile: &Profile,
    id: FunctionId,
    skip: impl Fn(FunctionId) -> bool,
    weights: &mut Vec<(FunctionId, Weight)>,
) -> Totals {
    let usable = |x: f64| if x.is_finite() && x > 0.0 { x } else { 0.0 };
    let mut totals = Totals {
        time: 0.0,
        calls: 0.0,
        callers: 0.0,
    };
    for (caller, call) in profile.callers(id) {
        if skip(caller) {
            continue;
        }
        let weight = match call {
            CallStats::Timed { cumtime, calls, .. } => Weight {
                time: usable(cumtime),
                calls: usable(calls as f64),
            },
            CallStats::Count(calls) => Weight {
                time: 0.0,
                calls: usable(calls as f64),
            },
        };
        totals.time += weight.time;
        totals.calls += weight.calls;
        totals.callers += 1.0;
        weights.push((caller, weight));
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::stacks::tests::{Row, dump, profile, row};

    #[test]
    fn a_chain_deeper_than_the_limit_ends_in_other_callers_without_losing_time() {
        // f0 called by f1, called by f2, … : each leaf's one stack goes up the whole chain.
        let names: Vec<String> = (0..10_000).map(|i| format!("f{i}")).collect();
        let rows: Vec<Row<'_>> = (0..names.len())
            .map(|i| match names.get(i + 1) {
                Some(caller) => row(&names[i], 0.001, &[(caller.as_str(), 1.0)]),
                None => row(&names[i], 0.001, &[]),
            })
            .collect();
        let p = profile(&dump(&rows));
        // On a thread of 2 MiB, as the HTML report's estimate runs: past the limit, this
        // overflows the thread's stack and aborts.
        let table = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || StackTable::estimate(&p, &StackOptions::default()))
            .expect("thread starts")
            .join()
            .expect("no panic");
        let deepest = table.iter().map(|(frames, _)| frames.len()).max();
        assert_eq!(deepest, Some(MAX_DEPTH as usize + 2));
        for (frames, _) in table.iter().filter(|(f, _)| f.len() > MAX_DEPTH as usize) {
            assert_eq!(frames[0], Frame::OtherCallers);
        }
        let total: f64 = table.iter().map(|(_, seconds)| seconds).sum();
        assert!((total - 10.0).abs() < 1e-9, "{total}");
    }
}
