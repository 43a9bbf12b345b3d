//! Call stacks reconstructed from caller→callee edges, for flame graphs.
//!
//! cProfile keeps no stacks, only each function's own time and, per caller→callee edge, the
//! calls and time along it. A flame graph needs stacks, so they are estimated (docs/stacks.md):
//!
//! * Each function's own time (tottime) is shared among its callers in proportion to the time
//!   each edge carried (the edge's cumtime; with no time on any edge, its call count). The share
//!   a caller receives is shared in turn among *its* callers, up to a function with no callers,
//!   which is a root.
//! * Recursion is cut: a caller already on the stack being built is skipped, and the shares are
//!   taken among the remaining callers. A function whose callers are all on the stack ends it.
//! * Shares too small to show (below 1e-6 of the total time, by default) are not followed
//!   further up, unless they are a frame's only caller (no branching) or a leaf function's direct
//!   caller with at least 1% of its own time: all other callers of one frame are gathered under
//!   one [`Frame::OtherCallers`] root, so no time is lost and the number of stacks stays
//!   bounded. So are the shares still to follow when the walk has taken 20,000,000 steps, or
//!   is 4,000 steps up from the leaf (a crafted chain of distinct functions).
//!
//! Every function's own time appears in full, split over its stacks: the stacks' times add up
//! to the sum of all tottimes, i.e. pstats' total time.
//!
//! [`stack_counts`] turns the stacks' times into the integer counts that folded stacks, SVG
//! flame graphs and speedscope write, rounded so that no time is lost or gained.
//!
//! A sampled profile with real stacks ([`Profile::stacks`]) needs none of this:
//! [`sampled_counts`] gives each sampled stack its count, exactly.

use std::ops::Range;

use hashbrown::HashMap;

use crate::model::{CallStats, FunctionId, Measure, Profile, StackId};
use crate::query::units::TimeUnit;
use crate::threads::{self, Threads};

/// One frame of a reconstructed stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Frame {
    /// A function of the profile.
    Function(FunctionId),
    /// Callers whose shares were too small to follow, gathered into one root.
    OtherCallers,
}

/// A reconstructed stack: frames from the root to the function whose own time it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// Root first.
    pub frames: Vec<Frame>,
    /// The leaf function's own time attributed to this stack, in seconds.
    pub seconds: f64,
}

/// How stacks are reconstructed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StackOptions {
    /// A caller's share is followed further up if it is at least this fraction of the total
    /// time… Default: 1e-6.
    pub min_fraction: f64,
    /// …or at least this fraction of the leaf function's own time. Smaller shares are gathered
    /// under [`Frame::OtherCallers`]. Default: 0.01.
    pub min_share_of_leaf: f64,
    /// Threads the estimate may use: a profile of 20,000 functions or more is walked
    /// in two halves at once, giving the same stacks. Default: auto.
    pub threads: Threads,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            min_fraction: 1e-6,
            min_share_of_leaf: 0.01,
            threads: Threads::Auto,
        }
    }
}

/// Reconstructs stacks for every listed function with positive own time; each distinct stack
/// appears once. Stacks come out in function order, each function's stacks in caller order;
/// functions with zero or negative own
/// time (possible only in crafted files) get none.
///
/// [`StackTable::estimate`] gives the same stacks in one buffer, without a vector per stack.
pub fn stacks(profile: &Profile, options: &StackOptions) -> Vec<Stack> {
    StackTable::estimate(profile, options).into_stacks()
}

/// The stacks of [`stacks`], in the same order, held in one buffer of frames: a writer that
/// only reads them saves a vector per stack, and each leaf's stacks are known without a search.
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
    /// Reconstructs the stacks ([`stacks`] documents how). A large profile's functions are
    /// walked in two halves on two threads; the stacks are the same, in the same order.
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
    fn append(&mut self, other: StackTable) {
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

    /// [`stack_counts`] of these stacks: the same counts, without searching for each stack's
    /// leaf.
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
fn estimate_part(
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

/// [`estimate_part`] of all listed functions, in two halves on two threads: the same stacks
/// in the same order as one walk with `budget` steps.
fn in_halves(
    profile: &Profile,
    callers: &Callers,
    options: &StackOptions,
    cutoff: f64,
    budget: u64,
) -> StackTable {
    let listed = profile.function_count();
    let half = listed / 2;
    let ((mut first, used), (second, more)) = std::thread::scope(|scope| {
        let second =
            scope.spawn(|| estimate_part(profile, callers, options, cutoff, half..listed, budget));
        let first = estimate_part(profile, callers, options, cutoff, 0..half, budget);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    // One walk after the other would have left the second half only the steps the first did
    // not use: if together they took more, the second half is walked again with those.
    let second = if used.saturating_add(more) > budget {
        estimate_part(
            profile,
            callers,
            options,
            cutoff,
            half..listed,
            budget - used,
        )
        .0
    } else {
        second
    };
    first.append(second);
    first
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
const MAX_STEPS: u64 = 20_000_000;

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
struct Callers {
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
    fn new(profile: &Profile) -> Callers {
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

/// Integer counts in `unit` for the stacks, in their order, as folded stacks, flame graphs and
/// speedscope weigh them: each function's own time is rounded first (so the functions' counts
/// add up to the rounded total), then shared among that function's stacks (so no function gains
/// or loses more than the rounding of its own time). A stack whose count is zero is best left
/// out of the output.
pub fn stack_counts(stacks: &[Stack], unit: TimeUnit) -> Vec<u64> {
    // Each stack's leaf, numbered in order of first appearance (stacks of one leaf usually come
    // together, so the previous stack's leaf is tried first).
    const NO_LEAF: u32 = u32::MAX;
    let mut leaf_of: Vec<u32> = Vec::with_capacity(stacks.len());
    let mut numbers: HashMap<Frame, u32> = HashMap::new();
    let mut previous: Option<(Frame, u32)> = None;
    for stack in stacks {
        let Some(&leaf) = stack.frames.last() else {
            leaf_of.push(NO_LEAF);
            continue;
        };
        let number = match previous {
            Some((frame, number)) if frame == leaf => number,
            _ => {
                let next = numbers.len() as u32;
                *numbers.entry(leaf).or_insert(next)
            }
        };
        previous = Some((leaf, number));
        leaf_of.push(number);
    }
    // The stacks of each leaf, in their order: leaf `l`'s are members[start[l]..start[l + 1]].
    let leaves = numbers.len();
    let mut start = vec![0usize; leaves + 1];
    for &leaf in leaf_of.iter().filter(|&&l| l != NO_LEAF) {
        start[leaf as usize + 1] += 1;
    }
    for l in 0..leaves {
        start[l + 1] += start[l];
    }
    let mut next = start.clone();
    let mut members = vec![0usize; start[leaves]];
    for (i, &leaf) in leaf_of.iter().enumerate().filter(|(_, l)| **l != NO_LEAF) {
        members[next[leaf as usize]] = i;
        next[leaf as usize] += 1;
    }
    counts_by_leaf(
        stacks.len(),
        (0..leaves).map(|l| members[start[l]..start[l + 1]].iter().copied()),
        |i| unit.from_seconds(stacks[i].seconds),
    )
}

/// The integer counts of `len` stacks, given each leaf's stacks (their indices, in order) and
/// each stack's amount: the leaves' totals rounded so that they add up to the rounded whole,
/// then each leaf's count shared among its stacks in proportion ([`stack_counts`] and
/// [`StackTable::counts`], which find the leaves' stacks in two ways).
fn counts_by_leaf<L, M>(len: usize, leaves: L, amount: impl Fn(usize) -> f64) -> Vec<u64>
where
    L: Iterator<Item = M> + Clone,
    M: ExactSizeIterator<Item = usize> + Clone,
{
    let per_leaf: Vec<f64> = leaves
        .clone()
        .map(|members| members.map(&amount).sum())
        .collect();
    let leaf_counts = round_preserving_sum(&per_leaf);
    let mut counts = vec![0; len];
    let mut amounts: Vec<f64> = Vec::new();
    let mut scratch = Rounding::default();
    let mut shares = Vec::new();
    for (mut members, leaf_count) in leaves.zip(leaf_counts) {
        if members.len() == 1
            && let Some(i) = members.next()
        {
            counts[i] = share_count_of_one(leaf_count, amount(i));
            continue;
        }
        amounts.clear();
        amounts.extend(members.clone().map(&amount));
        share_count_into(leaf_count, &amounts, &mut shares, &mut scratch);
        for (i, &count) in members.zip(&shares) {
            counts[i] = count;
        }
    }
    counts
}

/// The sampled stacks of a profile with real stacks, threads merged, each with its integer
/// count: the samples themselves when the profile's times are sample counts, otherwise their
/// time in `unit`, rounded so that the counts add up to the rounded total. In order of first
/// appearance; `None` for a profile without stacks.
pub fn sampled_counts(profile: &Profile, unit: TimeUnit) -> Option<Vec<(StackId, u64)>> {
    let stacks = profile.stacks()?;
    let mut at: Vec<u32> = vec![u32::MAX; stacks.stack_count()];
    let mut merged: Vec<(StackId, u64, f64)> = Vec::new();
    for sample in stacks.samples() {
        let slot = &mut at[sample.stack.index()];
        if *slot == u32::MAX {
            *slot = merged.len() as u32;
            merged.push((sample.stack, 0, 0.0));
        }
        let entry = &mut merged[*slot as usize];
        entry.1 = entry.1.saturating_add(sample.count);
        entry.2 += sample.time;
    }
    let counts = sample_weights(profile, unit, merged.iter().map(|m| (m.1, m.2)));
    Some(merged.iter().map(|m| m.0).zip(counts).collect())
}

/// Integer weights for samples given as (count, time): their counts when the profile's times
/// are sample counts, else their times in `unit`, rounded so that they add up to the rounded
/// total.
pub(crate) fn sample_weights(
    profile: &Profile,
    unit: TimeUnit,
    samples: impl Iterator<Item = (u64, f64)>,
) -> Vec<u64> {
    match profile.measure() {
        Measure::Samples { timed: true } => {
            let amounts: Vec<f64> = samples.map(|(_, time)| unit.from_seconds(time)).collect();
            round_preserving_sum(&amounts)
        }
        _ => samples.map(|(count, _)| count).collect(),
    }
}

/// [`share_count`] of one amount, without its allocations: all of `count`, unless the amount is
/// zero or negative.
fn share_count_of_one(count: u64, amount: f64) -> u64 {
    if amount <= 0.0 { 0 } else { count }
}

/// Splits the integer `count` among `amounts` in proportion, by largest remainders.
#[cfg(test)]
fn share_count(count: u64, amounts: &[f64]) -> Vec<u64> {
    let mut shares = Vec::new();
    share_count_into(count, amounts, &mut shares, &mut Rounding::default());
    shares
}

/// [`share_count`] into `shares`, with scratch space reused from call to call (stack counts
/// share among the stacks of each of 100,000s of functions: allocations would dominate).
fn share_count_into(count: u64, amounts: &[f64], shares: &mut Vec<u64>, scratch: &mut Rounding) {
    let total: f64 = amounts.iter().sum();
    shares.clear();
    if total <= 0.0 {
        shares.resize(amounts.len(), 0);
        return;
    }
    let mut scaled = std::mem::take(&mut scratch.scaled);
    scaled.clear();
    scaled.extend(amounts.iter().map(|a| a / total * count as f64));
    round_preserving_sum_into(&scaled, shares, scratch);
    // The scaled amounts add up to `count` up to float error; settle the last unit.
    let sum: u64 = shares.iter().sum();
    if let Some(largest) = (0..shares.len()).max_by(|&a, &b| scaled[a].total_cmp(&scaled[b])) {
        shares[largest] = (shares[largest] + count).saturating_sub(sum);
    }
    scratch.scaled = scaled;
}

/// Scratch space for [`round_preserving_sum_into`] and the sharing built on it.
#[derive(Debug, Default)]
pub(crate) struct Rounding {
    /// Amounts scaled to a count.
    pub(crate) scaled: Vec<f64>,
    /// Remainders with their indices, ordered by remainder.
    by_remainder: Vec<(f64, usize)>,
}

/// `amount - amount.floor()`, without a call to libm's floor for the amounts that counts
/// have (non-negative, below 2^52, where truncation is the floor and exact).
fn remainder(amount: f64) -> f64 {
    if amount == 0.0 {
        // What the floor gives for both zeros (a zero remainder, positive).
        0.0
    } else if amount > 0.0 && amount < 4_503_599_627_370_496.0 {
        amount - (amount as u64) as f64
    } else {
        amount - amount.floor()
    }
}

/// Rounds each amount to an integer so that the integers add up to the rounded sum of the
/// amounts (largest remainders get the leftover units; ties go to the earlier amount).
pub(crate) fn round_preserving_sum(amounts: &[f64]) -> Vec<u64> {
    let mut counts = Vec::with_capacity(amounts.len());
    round_preserving_sum_into(amounts, &mut counts, &mut Rounding::default());
    counts
}

/// [`round_preserving_sum`] into `counts`, with reused scratch space.
pub(crate) fn round_preserving_sum_into(
    amounts: &[f64],
    counts: &mut Vec<u64>,
    scratch: &mut Rounding,
) {
    let total: f64 = amounts.iter().sum();
    counts.clear();
    // `as` truncates, which is the floor of a non-negative amount (NaN becomes 0 either way),
    // without a call to libm's floor per amount.
    counts.extend(amounts.iter().map(|a| a.max(0.0) as u64));
    let assigned: u64 = counts.iter().sum();
    let wanted = total.max(0.0).round() as u64;
    let leftover = wanted.saturating_sub(assigned);
    if leftover > 0 {
        // The `leftover` first amounts by decreasing remainder, then index: a total order, so
        // selecting them gives the same amounts as sorting all.
        let by_remainder = &mut scratch.by_remainder;
        by_remainder.clear();
        by_remainder.extend(amounts.iter().enumerate().map(|(i, &a)| (remainder(a), i)));
        let order = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let take = usize::try_from(leftover).map_or(amounts.len(), |n| n.min(amounts.len()));
        if take > 0 && take < by_remainder.len() {
            by_remainder.select_nth_unstable_by(take - 1, order);
        }
        for &(_, i) in &by_remainder[..take] {
            counts[i] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn profile(bytes: &[u8]) -> Profile {
        crate::read(bytes, &Default::default())
            .and_then(crate::AnyProfile::into_calls)
            .expect("valid test profile")
    }

    /// A function of a test profile: its name, own time, and callers with each edge's cumtime.
    struct Row<'a> {
        name: &'a str,
        tottime: f64,
        callers: Vec<(&'a str, f64)>,
    }

    fn row<'a>(name: &'a str, tottime: f64, callers: &[(&'a str, f64)]) -> Row<'a> {
        Row {
            name,
            tottime,
            callers: callers.to_vec(),
        }
    }

    /// Builds a cProfile-shaped marshal dict; every function lives in `m.py` at line = its
    /// index + 1.
    fn dump(rows: &[Row<'_>]) -> Vec<u8> {
        let line_of = |name: &str| rows.iter().position(|r| r.name == name).unwrap() as i32 + 1;
        let key = |out: &mut Vec<u8>, name: &str| {
            out.extend(b")\x03z\x04m.pyi");
            out.extend(line_of(name).to_le_bytes());
            out.push(b'z');
            out.push(name.len() as u8);
            out.extend(name.as_bytes());
        };
        let float = |out: &mut Vec<u8>, v: f64| {
            out.push(b'g');
            out.extend(v.to_le_bytes());
        };
        let int = |out: &mut Vec<u8>, v: i32| {
            out.push(b'i');
            out.extend(v.to_le_bytes());
        };
        let mut out = vec![b'{'];
        for r in rows {
            key(&mut out, r.name);
            out.extend(b")\x05");
            int(&mut out, 1);
            int(&mut out, 1);
            float(&mut out, r.tottime);
            float(&mut out, r.tottime);
            out.push(b'{');
            for (caller, ct) in &r.callers {
                key(&mut out, caller);
                out.extend(b")\x04");
                int(&mut out, 1);
                int(&mut out, 1);
                float(&mut out, 0.0);
                float(&mut out, *ct);
            }
            out.push(b'0');
        }
        out.push(b'0');
        out
    }

    fn folded(p: &Profile) -> Vec<(String, f64)> {
        stacks(p, &StackOptions::default())
            .into_iter()
            .map(|s| {
                let names: Vec<&str> = s
                    .frames
                    .iter()
                    .map(|f| match f {
                        Frame::Function(id) => p.name(*id),
                        Frame::OtherCallers => "[other]",
                    })
                    .collect();
                (names.join(";"), s.seconds)
            })
            .collect()
    }

    #[test]
    fn halves_walk_as_one_walk_does() {
        // A tangled graph (each function called from the two before it and, closing cycles,
        // from three after it), walked whole and in halves, with budgets that run out in the
        // first half, in the second, and not at all.
        let names: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
        let rows: Vec<Row<'_>> = (0..30)
            .map(|i| {
                let callers: Vec<(&str, f64)> = [i + 29, i + 28, i + 3]
                    .into_iter()
                    .filter(|&j| j % 30 != i && (j < 30 || i >= 2))
                    .map(|j| (names[j % 30].as_str(), 0.1 + (j % 7) as f64))
                    .collect();
                row(&names[i], 0.5 + (i % 5) as f64, &callers)
            })
            .collect();
        let p = profile(&dump(&rows));
        let options = StackOptions::default();
        let callers = Callers::new(&p);
        let whole =
            |budget| estimate_part(&p, &callers, &options, 0.01, 0..p.function_count(), budget);
        let (_, all_steps) = whole(MAX_STEPS);
        assert!(
            all_steps > 100,
            "the graph is too small to test budgets: {all_steps}"
        );
        for budget in [
            10,
            all_steps / 3,
            all_steps * 2 / 3,
            all_steps - 1,
            MAX_STEPS,
        ] {
            let expected = whole(budget).0;
            let halves = in_halves(&p, &callers, &options, 0.01, budget);
            let stacks = |t: &StackTable| -> Vec<(Vec<Frame>, f64)> {
                t.iter().map(|(f, s)| (f.to_vec(), s)).collect()
            };
            assert_eq!(stacks(&halves), stacks(&expected), "budget {budget}");
            assert_eq!(
                halves.leaves().collect::<Vec<_>>(),
                expected.leaves().collect::<Vec<_>>(),
                "budget {budget}"
            );
        }
    }

    #[test]
    fn shares_follow_edge_time() {
        // main calls a (edge 3.0) and b (edge 1.0); both call leaf, 0.75 via a, 0.25 via b.
        let p = profile(&dump(&[
            row("main", 1.0, &[]),
            row("a", 2.0, &[("main", 3.0)]),
            row("b", 0.5, &[("main", 1.0)]),
            row("leaf", 1.0, &[("a", 0.75), ("b", 0.25)]),
        ]));
        assert_eq!(
            folded(&p),
            [
                ("main".to_string(), 1.0),
                ("main;a".to_string(), 2.0),
                ("main;b".to_string(), 0.5),
                ("main;a;leaf".to_string(), 0.75),
                ("main;b;leaf".to_string(), 0.25),
            ]
        );
    }

    #[test]
    fn recursion_is_cut() {
        // fib calls itself; mutual recursion even <-> odd under main.
        let p = profile(&dump(&[
            row("main", 0.5, &[]),
            row("fib", 1.0, &[("main", 1.5), ("fib", 1.2)]),
            row("even", 0.25, &[("main", 0.5), ("odd", 0.4)]),
            row("odd", 0.25, &[("even", 0.45)]),
        ]));
        assert_eq!(
            folded(&p),
            [
                ("main".to_string(), 0.5),
                ("main;fib".to_string(), 1.0),
                ("main;even".to_string(), 0.25),
                ("main;even;odd".to_string(), 0.25),
            ]
        );
    }

    #[test]
    fn total_is_kept_and_small_shares_are_gathered() {
        let names: Vec<String> = (0..50).map(|i| format!("c{i}")).collect();
        let mut rows = vec![row("root", 0.0, &[])];
        rows.extend(names.iter().map(|n| row(n, 0.0, &[("root", 1.0)])));
        rows.push(Row {
            name: "leaf",
            tottime: 1.0,
            callers: names.iter().map(|n| (n.as_str(), 1.0)).collect(),
        });
        let p = profile(&dump(&rows));
        let options = StackOptions {
            min_fraction: 0.05,
            min_share_of_leaf: 0.05,
            ..Default::default()
        };
        let stacks = stacks(&p, &options);
        // Each caller's share is 1/50 = 0.02 < 0.05: all gathered under one root.
        assert_eq!(stacks.len(), 1);
        assert_eq!(stacks[0].frames.first(), Some(&Frame::OtherCallers));
        assert!((stacks[0].seconds - 1.0).abs() < 1e-12);
    }

    #[test]
    fn every_caller_less_function_is_a_root() {
        let p = profile(&dump(&[row("a", 1.0, &[]), row("b", 2.0, &[])]));
        assert_eq!(folded(&p), [("a".to_string(), 1.0), ("b".to_string(), 2.0)]);
    }

    #[test]
    fn sharing_keeps_the_count() {
        for amount in [0.0, -0.0, -1.0, 1e-300, 0.25, 3.0, f64::INFINITY, f64::NAN] {
            assert_eq!(
                share_count(12_345, &[amount]),
                [share_count_of_one(12_345, amount)],
                "{amount}"
            );
        }
        assert_eq!(share_count(3, &[0.3, 0.3, 0.3]), [1, 1, 1]);
        assert_eq!(share_count(1, &[0.3, 0.3, 0.3]), [1, 0, 0]);
        assert_eq!(share_count(5, &[0.0, 0.0]), [0, 0]);
        assert_eq!(share_count(7, &[1.0, 2.0, 4.0]).iter().sum::<u64>(), 7);
    }

    #[test]
    fn the_table_counts_as_stack_counts_does() {
        let mut checked = 0;
        for entry in std::fs::read_dir("tests/fixtures/stats/py313").expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "stats") {
                continue;
            }
            let p = crate::read_path(&path, &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .expect("fixture reads");
            let table = StackTable::estimate(&p, &StackOptions::default());
            let vectors = table.clone().into_stacks();
            assert_eq!(table.len(), vectors.len());
            for unit in [TimeUnit::Ns, TimeUnit::Us, TimeUnit::Ms] {
                assert_eq!(table.counts(unit), stack_counts(&vectors, unit), "{path:?}");
            }
            // The leaves' ranges cover every stack in order, each stack ending with its leaf.
            let mut next = 0;
            for (leaf, members) in table.leaves() {
                assert_eq!(members.start, next);
                assert!(!members.is_empty());
                for i in members.clone() {
                    assert_eq!(table.frames(i).last(), Some(&Frame::Function(leaf)));
                    assert_eq!(table.frames(i), vectors[i].frames);
                    assert_eq!(table.seconds(i), vectors[i].seconds);
                }
                next = members.end;
            }
            assert_eq!(next, table.len());
            checked += table.len();
        }
        assert!(checked > 100, "{checked} stacks");
    }

    #[test]
    fn remainders_are_the_floors() {
        for amount in [
            0.0,
            -0.0,
            0.25,
            1.0,
            7.75,
            -2.5,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ] {
            let expected = amount - amount.floor();
            assert_eq!(remainder(amount).to_bits(), expected.to_bits(), "{amount}");
        }
    }

    #[test]
    fn rounding_keeps_the_sum() {
        assert_eq!(round_preserving_sum(&[0.4, 0.4, 0.4]), [1, 0, 0]);
        assert_eq!(round_preserving_sum(&[1.5, 2.5]), [2, 2]);
        assert_eq!(round_preserving_sum(&[0.2, 0.7, 3.0]), [0, 1, 3]);
        let many: Vec<f64> = (0..1000).map(|i| 0.001 * f64::from(i % 7)).collect();
        let total: f64 = many.iter().sum();
        assert_eq!(
            round_preserving_sum(&many).iter().sum::<u64>(),
            total.round() as u64
        );
    }
}
