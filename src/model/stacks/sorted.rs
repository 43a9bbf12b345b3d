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
        let sorted = sort_runs(keys, frames, with_frames);
        let table = SortedTable::build(sorted.items.len(), runs.len(), keys.len(), |i, buffer| {
            sorted.frames(i, buffer, frames)
        });
        drop(sorted);
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

/// The runs `with_frames` (run `i`'s frames are `frames(i)`, taken from `keys`) in the order of
/// their frames, compared key by key, a run before the runs it is a prefix of. Keys are packed into 128-bit digits (each key plus one,
/// 0 past the end), two digits to an item, and sorted an item at a time: only runs equal so
/// far are compared further, and each digit is read once from the key array. The first item of
/// every run is read in input order; a later one is read in sorted order, at random, so two
/// digits go into each, and most stacks end within the first.
fn sort_runs<'k>(
    keys: &[u32],
    frames: impl Fn(usize) -> &'k [u32],
    with_frames: Vec<u32>,
) -> SortedRuns {
    let max = keys.iter().copied().max().unwrap_or(0) as u64 + 1;
    let bits = 64 - max.leading_zeros();
    let per_digit = (128 / bits) as usize;
    let digit = |frames: &[u32], index: usize| -> u128 {
        let from = (index * per_digit).min(frames.len());
        let to = (from + per_digit).min(frames.len());
        let mut d = 0u128;
        for (i, &k) in frames[from..to].iter().enumerate() {
            d |= (u128::from(k) + 1) << (128 - bits as usize * (i + 1));
        }
        d
    };
    let item = |run: u32, level: usize| -> Digits {
        let frames = frames(run as usize);
        [digit(frames, 2 * level), digit(frames, 2 * level + 1)]
    };
    let mut items: Vec<(Digits, u32, u32)> = with_frames
        .into_iter()
        .map(|r| (item(r, 0), r, 0))
        .collect();
    items.sort_unstable();
    let mut sorted = SortedRuns { items, bits };
    // Ranges of equal items at a level, still to be ordered by the next item.
    let mut work = Vec::new();
    sorted.push_ties(0..sorted.items.len(), 0, &mut work);
    while let Some((range, level)) = work.pop() {
        for entry in &mut sorted.items[range.clone()] {
            entry.0 = item(entry.1, level);
            entry.2 = level as u32;
        }
        sorted.items[range.clone()].sort_unstable();
        sorted.push_ties(range, level, &mut work);
    }
    sorted
}

/// Two digits of a run's keys.
type Digits = [u128; 2];

/// Runs in sorted order: each with the item it was last sorted by, and that item's level.
struct SortedRuns {
    items: Vec<(Digits, u32, u32)>,
    /// Bits per key in a digit.
    bits: u32,
}

impl SortedRuns {
    /// Whether an item's last slot holds a key: the run may have more keys after it.
    fn full(&self, d: &Digits) -> bool {
        let last_slot = 128 % self.bits;
        (d[1] >> last_slot) & ((1u128 << self.bits) - 1) != 0
    }

    /// Pushes each run of two or more equal, full items in `range` (runs not yet ended) for
    /// the next level.
    fn push_ties(
        &self,
        range: std::ops::Range<usize>,
        level: usize,
        work: &mut Vec<(std::ops::Range<usize>, usize)>,
    ) {
        let items = &self.items;
        let mut at = range.start;
        while at < range.end {
            let d = items[at].0;
            let mut end = at + 1;
            while end < range.end && items[end].0 == d {
                end += 1;
            }
            if end - at > 1 && self.full(&d) {
                work.push((at..end, level + 1));
            }
            at = end;
        }
    }

    /// Puts the frames of the `i`-th run in sorted order into `buffer` and returns the run.
    /// A run whose first item holds all its keys is read from the item, in sorted order; any
    /// other from `frames`, at random.
    fn frames<'k>(
        &self,
        i: usize,
        buffer: &mut Vec<u32>,
        frames: impl Fn(usize) -> &'k [u32],
    ) -> u32 {
        let (digits, run, level) = self.items[i];
        buffer.clear();
        if level != 0 || self.full(&digits) {
            buffer.extend_from_slice(frames(run as usize));
            return run;
        }
        let bits = self.bits as usize;
        let mask = (1u128 << bits) - 1;
        'digits: for d in digits {
            for slot in 0..128 / bits {
                let key = (d >> (128 - bits * (slot + 1))) & mask;
                if key == 0 {
                    break 'digits;
                }
                buffer.push((key - 1) as u32);
            }
        }
        run
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
    /// The tree of `count` sorted runs, `fill(i, buffer)` putting the `i`-th one's frames into
    /// the buffer and returning its index among the `runs`; the runs have `frames` frames in
    /// all.
    fn build(
        count: usize,
        runs: usize,
        frames: usize,
        mut fill: impl FnMut(usize, &mut Vec<u32>) -> u32,
    ) -> SortedTable {
        // At most a node per frame: the arrays are reserved for that many, so that they are
        // never copied as they grow (the pages past the last node are never touched).
        let mut t = SortedTable {
            parent: Vec::with_capacity(frames),
            key: Vec::with_capacity(frames),
            depth: Vec::with_capacity(frames),
            first: Vec::with_capacity(frames),
            leaf: vec![NONE; runs],
        };
        // The path to the previous run's leaf, and the first run through each of its nodes.
        let mut path: Vec<u32> = Vec::new();
        let mut path_first: Vec<u32> = Vec::new();
        let mut keys: Vec<u32> = Vec::new();
        let mut previous: Vec<u32> = Vec::new();
        for i in 0..count {
            let run = fill(i, &mut keys);
            let shared = keys
                .iter()
                .zip(&previous)
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
            std::mem::swap(&mut keys, &mut previous);
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
