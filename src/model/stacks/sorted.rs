//! The stack table built from whole stacks at once, for readers that have every stack before
//! building any (folded stacks): the stacks are sorted by their frames, so that each shares its
//! prefix with the one before and the table is built in one pass with no (parent, frame) hash
//! table, its nodes laid out depth-first.
//!
//! The table a profile keeps is numbered as [`SampleBuilder::push`] numbers it, in order of
//! first appearance in the input, and the figures are derived in the order of a depth-first
//! pass over that table (children in order of first appearance). Both orders are computed here
//! from the sorted table, so the profile is the one a stack-by-stack read builds.

use super::{NONE, SampleBuilder};
use crate::model::KeyId;

/// One input stack: its frames are `keys[previous end..end]`, root first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    /// Where its frames end in the key array.
    pub(crate) end: u32,
    /// Its thread, or `u32::MAX`.
    pub(crate) thread: u32,
    /// Its sample count.
    pub(crate) count: u64,
}

impl SampleBuilder {
    /// Adds every run's samples, in order, as `push` and `add` would have one run at a time;
    /// `keys` are key indices, `time` gives a run's time from its count. Must be the first
    /// stacks added.
    pub(crate) fn add_runs(&mut self, keys: &[u32], runs: &[Run], time: impl Fn(u64) -> f64) {
        debug_assert!(self.nodes.is_empty());
        let start = |i: usize| if i == 0 { 0 } else { runs[i - 1].end as usize };
        let frames = |i: usize| &keys[start(i)..runs[i].end as usize];
        let with_frames: Vec<u32> = (0..runs.len() as u32)
            .filter(|&i| !frames(i as usize).is_empty())
            .collect();
        let order = sort_runs(keys, runs, with_frames);
        // The runs' frames copied out in sorted order first: the copies are independent of
        // each other, so their cache misses overlap, where the build, which compares each run
        // with the one before as it reads it, would wait for each in turn.
        let mut sorted_keys = Vec::with_capacity(keys.len());
        let mut sorted_ends = Vec::with_capacity(order.len());
        for &run in &order {
            sorted_keys.extend_from_slice(frames(run as usize));
            sorted_ends.push(sorted_keys.len() as u32);
        }
        let table = SortedTable::build(&order, &sorted_keys, &sorted_ends, runs.len());
        drop((sorted_keys, sorted_ends));
        let (nodes, first_seen, leaf) = table.renumber(runs.len(), |i| frames(i).len());
        self.nodes = nodes;
        self.first_seen = Some(first_seen);
        self.samples.reserve(runs.len());
        self.sample_next.reserve(runs.len());
        for (i, run) in runs.iter().enumerate() {
            let leaf = (leaf[i] != NONE).then_some(leaf[i]);
            let thread = (run.thread != NONE).then_some(super::ThreadId(run.thread));
            self.add(leaf, thread, run.count, time(run.count));
        }
    }
}

/// The runs (indices into `runs`) in the order of their frames, compared key by key, a run
/// before the runs it is a prefix of. Keys are packed into 128-bit digits (each key plus one,
/// 0 past the end) and sorted a digit at a time: only runs equal so far are compared further,
/// and each digit is read once from the key array.
fn sort_runs(keys: &[u32], runs: &[Run], with_frames: Vec<u32>) -> Vec<u32> {
    let max = keys.iter().copied().max().unwrap_or(0) as u64 + 1;
    let bits = 64 - max.leading_zeros();
    let per_digit = (128 / bits) as usize;
    let digit = |run: u32, level: usize| -> u128 {
        let begin = if run == 0 {
            0
        } else {
            runs[run as usize - 1].end as usize
        };
        let frames = &keys[begin..runs[run as usize].end as usize];
        let from = (level * per_digit).min(frames.len());
        let to = (from + per_digit).min(frames.len());
        let mut d = 0u128;
        for (i, &k) in frames[from..to].iter().enumerate() {
            d |= (u128::from(k) + 1) << (128 - bits as usize * (i + 1));
        }
        d
    };
    let mut items: Vec<(u128, u32)> = with_frames.into_iter().map(|r| (digit(r, 0), r)).collect();
    items.sort_unstable();
    // Ranges of equal digits at a level, still to be ordered by the next digit.
    let mut work = Vec::new();
    push_ties(&items, 0..items.len(), 0, bits, &mut work);
    while let Some((range, level)) = work.pop() {
        for item in &mut items[range.clone()] {
            item.0 = digit(item.1, level);
        }
        items[range.clone()].sort_unstable();
        push_ties(&items, range, level, bits, &mut work);
    }
    items.into_iter().map(|(_, r)| r).collect()
}

/// Pushes each run of two or more equal, full digits in `range` (runs not yet ended) for the
/// next level.
fn push_ties(
    items: &[(u128, u32)],
    range: std::ops::Range<usize>,
    level: usize,
    bits: u32,
    work: &mut Vec<(std::ops::Range<usize>, usize)>,
) {
    // A digit whose last slot holds a key may have more keys after it.
    let last_slot = 128 % bits;
    let full = |d: u128| (d >> last_slot) & ((1u128 << bits) - 1) != 0;
    let mut at = range.start;
    while at < range.end {
        let d = items[at].0;
        let mut end = at + 1;
        while end < range.end && items[end].0 == d {
            end += 1;
        }
        if end - at > 1 && full(d) {
            work.push((at..end, level + 1));
        }
        at = end;
    }
}

/// The prefix tree of the sorted runs, numbered depth-first in sorted order.
struct SortedTable {
    parent: Vec<u32>,
    key: Vec<u32>,
    depth: Vec<u32>,
    /// The first run (in input order) through each node.
    first: Vec<u32>,
    /// Per run, its leaf node (NONE for a run with no frames).
    leaf: Vec<u32>,
}

impl SortedTable {
    /// The tree of the runs `order`, whose frames are `keys[ends[i - 1]..ends[i]]` for the
    /// `i`-th of them.
    fn build(order: &[u32], keys: &[u32], ends: &[u32], runs: usize) -> SortedTable {
        let mut t = SortedTable {
            parent: Vec::new(),
            key: Vec::new(),
            depth: Vec::new(),
            first: Vec::new(),
            leaf: vec![NONE; runs],
        };
        // The path to the previous run's leaf, and the first run through each of its nodes.
        let mut path: Vec<u32> = Vec::new();
        let mut path_first: Vec<u32> = Vec::new();
        let mut previous: &[u32] = &[];
        for (i, &run) in order.iter().enumerate() {
            let begin = if i == 0 { 0 } else { ends[i - 1] as usize };
            let keys = &keys[begin..ends[i] as usize];
            let shared = keys
                .iter()
                .zip(previous)
                .take_while(|(a, b)| a == b)
                .count();
            for first in &mut path_first[..shared] {
                *first = (*first).min(run);
            }
            for depth in shared..path.len() {
                t.first[path[depth] as usize] = path_first[depth];
            }
            path.truncate(shared);
            path_first.truncate(shared);
            for (depth, &key) in keys.iter().enumerate().skip(shared) {
                let node = t.parent.len() as u32;
                t.parent.push(path.last().copied().unwrap_or(NONE));
                t.key.push(key);
                t.depth.push(depth as u32);
                t.first.push(run);
                path.push(node);
                path_first.push(run);
            }
            t.leaf[run as usize] = path[keys.len() - 1];
            previous = keys;
        }
        for (depth, &node) in path.iter().enumerate() {
            t.first[node as usize] = path_first[depth];
        }
        t
    }

    /// The table in depth-first order with children in order of first appearance (the order
    /// the figures are derived in), each node's number in order of first appearance, and each
    /// run's leaf in the first of those numberings.
    fn renumber(
        self,
        runs: usize,
        frame_count: impl Fn(usize) -> usize,
    ) -> (Vec<(u32, KeyId)>, Vec<u32>, Vec<u32>) {
        let n = self.parent.len();
        // Children of each node (roots under `n`), sorted by their first run.
        let mut child_start = vec![0u32; n + 2];
        for &p in &self.parent {
            let p = if p == NONE { n } else { p as usize };
            child_start[p + 1] += 1;
        }
        for i in 0..=n {
            child_start[i + 1] += child_start[i];
        }
        let mut next = child_start.clone();
        let mut children = vec![0u32; n];
        for (i, &p) in self.parent.iter().enumerate() {
            let p = if p == NONE { n } else { p as usize };
            children[next[p] as usize] = i as u32;
            next[p] += 1;
        }
        for p in 0..=n {
            let list = &mut children[child_start[p] as usize..child_start[p + 1] as usize];
            if list.len() > 1 {
                list.sort_unstable_by_key(|&c| self.first[c as usize]);
            }
        }
        // Depth-first numbers.
        let mut number = vec![NONE; n];
        let mut nodes = Vec::with_capacity(n);
        let roots = &children[child_start[n] as usize..child_start[n + 1] as usize];
        let mut work: Vec<u32> = roots.iter().rev().copied().collect();
        while let Some(node) = work.pop() {
            let parent = self.parent[node as usize];
            let parent = if parent == NONE {
                NONE
            } else {
                number[parent as usize]
            };
            number[node as usize] = nodes.len() as u32;
            nodes.push((parent, KeyId(self.key[node as usize])));
            let list = &children
                [child_start[node as usize] as usize..child_start[node as usize + 1] as usize];
            work.extend(list.iter().rev());
        }
        // First-appearance numbers: by first run, then depth. The nodes first met in a run are
        // the deepest of its path, from depth (frames - new) down.
        let mut new = vec![0u32; runs];
        for &f in &self.first {
            new[f as usize] += 1;
        }
        let mut begin = vec![0u32; runs];
        let mut total = 0u32;
        for run in 0..runs {
            begin[run] = total;
            total += new[run];
        }
        let mut first_seen = vec![0u32; n];
        for node in 0..n {
            let run = self.first[node] as usize;
            let shallowest = frame_count(run) as u32 - new[run];
            first_seen[number[node] as usize] = begin[run] + self.depth[node] - shallowest;
        }
        let leaf = self
            .leaf
            .iter()
            .map(|&l| if l == NONE { NONE } else { number[l as usize] })
            .collect();
        (nodes, first_seen, leaf)
    }
}
