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
//!   bounded.
//!
//! Every function's own time appears in full, split over its stacks: the stacks' times add up
//! to the sum of all tottimes, i.e. pstats' total time.
//!
//! [`stack_counts`] turns the stacks' times into the integer counts that folded stacks, SVG
//! flame graphs and speedscope write, rounded so that no time is lost or gained.
//!
//! A sampled profile with real stacks ([`Profile::stacks`]) needs none of this:
//! [`sampled_counts`] gives each sampled stack its count, exactly.

use hashbrown::HashMap;

use crate::model::{CallStats, FunctionId, Measure, Profile, StackId};
use crate::query::units::TimeUnit;

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
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            min_fraction: 1e-6,
            min_share_of_leaf: 0.01,
        }
    }
}

/// Reconstructs stacks for every listed function with positive own time; each distinct stack
/// appears once. Stacks come out in function order, each function's stacks in caller order;
/// functions with zero or negative own
/// time (possible only in crafted files) get none.
pub fn stacks(profile: &Profile, options: &StackOptions) -> Vec<Stack> {
    let total: f64 = profile
        .functions()
        .map(|id| profile.stats(id).tottime)
        .filter(|t| *t > 0.0 && t.is_finite())
        .sum();
    let mut walk = Walk {
        profile,
        cutoff: total * options.min_fraction,
        share_of_leaf: options.min_share_of_leaf,
        leaf_cutoff: 0.0,
        budget: MAX_STEPS,
        shares: Vec::new(),
        blocked: vec![false; profile.all_functions().len()],
        collapsed: false,
        frames: Vec::new(),
        spans: Vec::new(),
    };
    let mut path = Vec::new();
    for id in profile.functions() {
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
            // Every stack ends with its leaf, so only stacks of one leaf can be identical, and
            // only a collapsed recursion reaches a stack by a second route.
            if walk.collapsed {
                merge_identical(&walk.frames, &mut walk.spans, first);
            }
        }
    }
    let Walk { frames, spans, .. } = walk;
    spans
        .into_iter()
        .map(|span| Stack {
            frames: frames[span.start..span.end].to_vec(),
            seconds: span.seconds,
        })
        .collect()
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

struct Walk<'p> {
    profile: &'p Profile,
    /// Shares below both cutoffs are not followed.
    cutoff: f64,
    share_of_leaf: f64,
    leaf_cutoff: f64,
    budget: u64,
    /// Callers' shares, a stack of one segment per level being expanded.
    shares: Vec<(FunctionId, f64)>,
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
        if self.budget == 0 {
            self.emit(path, Some(Frame::OtherCallers), seconds);
            return;
        }
        self.budget -= 1;
        let top = *path.last().expect("path is never empty");
        let start = self.shares.len();
        let blocked = &self.blocked;
        caller_shares(
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
            let (caller, share) = self.shares[i];
            let part = seconds * share;
            let only_caller = share >= 1.0;
            let direct = path.len() == 1 && part >= self.leaf_cutoff;
            if part < self.cutoff && !only_caller && !direct {
                other += part;
                continue;
            }
            path.push(caller);
            self.blocked[caller.index()] = true;
            self.expand(path, part);
            self.blocked[caller.index()] = false;
            path.pop();
        }
        self.shares.truncate(start);
        if other > 0.0 {
            self.emit(path, Some(Frame::OtherCallers), other);
        }
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

/// Appends to `shares` the callers of `id` that are not skipped, each with its share (the
/// shares add up to 1): by edge time, or by call count when no edge carries time, or equal.
fn caller_shares(
    profile: &Profile,
    id: FunctionId,
    skip: impl Fn(FunctionId) -> bool,
    shares: &mut Vec<(FunctionId, f64)>,
) {
    let weight = |call: CallStats| {
        let usable = |x: f64| if x.is_finite() && x > 0.0 { x } else { 0.0 };
        match call {
            CallStats::Timed { cumtime, calls, .. } => (usable(cumtime), usable(calls as f64)),
            CallStats::Count(calls) => (0.0, usable(calls as f64)),
        }
    };
    let callers = || profile.callers(id).filter(|&(caller, _)| !skip(caller));
    let (by_time, by_calls, n) = callers().fold((0.0, 0.0, 0.0), |(t, c, n), (_, call)| {
        let (time, calls) = weight(call);
        (t + time, c + calls, n + 1.0)
    });
    shares.extend(callers().map(|(caller, call)| {
        let (time, calls) = weight(call);
        let share = if by_time > 0.0 {
            time / by_time
        } else if by_calls > 0.0 {
            calls / by_calls
        } else {
            1.0 / n
        };
        (caller, share)
    }));
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
    let amount = |i: usize| unit.from_seconds(stacks[i].seconds);
    let per_leaf: Vec<f64> = (0..leaves)
        .map(|l| {
            members[start[l]..start[l + 1]]
                .iter()
                .map(|&i| amount(i))
                .sum()
        })
        .collect();
    let leaf_counts = round_preserving_sum(&per_leaf);
    let mut counts = vec![0; stacks.len()];
    let mut amounts: Vec<f64> = Vec::new();
    let mut scratch = Rounding::default();
    let mut shares = Vec::new();
    for (l, leaf_count) in leaf_counts.into_iter().enumerate() {
        let members = &members[start[l]..start[l + 1]];
        if let [i] = *members {
            counts[i] = share_count_of_one(leaf_count, amount(i));
            continue;
        }
        amounts.clear();
        amounts.extend(members.iter().map(|&i| amount(i)));
        share_count_into(leaf_count, &amounts, &mut shares, &mut scratch);
        for (&i, &count) in members.iter().zip(&shares) {
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
    /// Indices ordered by remainder.
    by_remainder: Vec<usize>,
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
    counts.extend(amounts.iter().map(|a| a.max(0.0).floor() as u64));
    let assigned: u64 = counts.iter().sum();
    let wanted = total.max(0.0).round() as u64;
    let leftover = wanted.saturating_sub(assigned);
    if leftover > 0 {
        // The `leftover` first amounts by decreasing remainder, then index: a total order, so
        // selecting them gives the same amounts as sorting all.
        let remainder = |i: usize| amounts[i] - amounts[i].floor();
        let by_remainder = &mut scratch.by_remainder;
        by_remainder.clear();
        by_remainder.extend(0..amounts.len());
        let order = |a: &usize, b: &usize| remainder(*b).total_cmp(&remainder(*a)).then(a.cmp(b));
        let take = usize::try_from(leftover).map_or(amounts.len(), |n| n.min(amounts.len()));
        if take > 0 && take < by_remainder.len() {
            by_remainder.select_nth_unstable_by(take - 1, order);
        }
        for &i in &by_remainder[..take] {
            counts[i] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(bytes: &[u8]) -> Profile {
        crate::read(bytes).expect("valid test profile")
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
