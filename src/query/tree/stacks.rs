//! The trees of a profile's real stacks: the stack table itself (top-down), or the stacks read
//! from their leaves (bottom-up).

use std::cmp::Ordering;

use hashbrown::HashMap;

use super::{CallTree, Candidate, Figures, Mark, NO_PARENT, node};
use crate::model::{FunctionId, Profile, StackId};

/// A tree of frames with the samples of each path: the stack table itself (top-down), or the
/// stacks read from their leaves (bottom-up).
pub(super) struct StackTrie {
    /// Per node: parent (or NO_PARENT) and function.
    nodes: Vec<(u32, FunctionId)>,
    /// Per node: samples and time of the paths through it, and of those ending at it.
    count: Vec<u64>,
    time: Vec<f64>,
    own_count: Vec<u64>,
    own_time: Vec<f64>,
}

impl StackTrie {
    fn with_nodes(nodes: Vec<(u32, FunctionId)>) -> StackTrie {
        let n = nodes.len();
        StackTrie {
            nodes,
            count: vec![0; n],
            time: vec![0.0; n],
            own_count: vec![0; n],
            own_time: vec![0.0; n],
        }
    }

    /// The stack table: a stack's parent is the stack it was called from.
    pub(super) fn top_down(profile: &Profile) -> StackTrie {
        let Some(stacks) = profile.stacks() else {
            return StackTrie::with_nodes(Vec::new());
        };
        let nodes = (0..stacks.stack_count())
            .map(|i| {
                let stack = StackId::from_index(i);
                let parent = stacks.parent(stack).map_or(NO_PARENT, |p| p.index() as u32);
                (parent, stacks.frame(stack))
            })
            .collect();
        let mut trie = StackTrie::with_nodes(nodes);
        for sample in stacks.samples() {
            let i = sample.stack.index();
            trie.own_count[i] = trie.own_count[i].saturating_add(sample.count);
            trie.own_time[i] += sample.time;
        }
        trie.sum_subtrees();
        trie
    }

    /// The stacks read from leaf to root, merged where they share a leaf-side part: a root is a
    /// leaf frame, and a node's children are the frames that called it on those stacks.
    pub(super) fn bottom_up(profile: &Profile) -> StackTrie {
        let Some(stacks) = profile.stacks() else {
            return StackTrie::with_nodes(Vec::new());
        };
        let mut nodes: Vec<(u32, FunctionId)> = Vec::new();
        let mut index: HashMap<(u32, FunctionId), u32> = HashMap::new();
        let mut ends: Vec<(u32, u64, f64)> = Vec::new();
        for sample in stacks.samples() {
            let mut at = NO_PARENT;
            for function in stacks.frames(sample.stack) {
                at = *index.entry((at, function)).or_insert_with(|| {
                    nodes.push((at, function));
                    (nodes.len() - 1) as u32
                });
            }
            if at != NO_PARENT {
                ends.push((at, sample.count, sample.time));
            }
        }
        let mut trie = StackTrie::with_nodes(nodes);
        for (at, count, time) in ends {
            let i = at as usize;
            trie.own_count[i] = trie.own_count[i].saturating_add(count);
            trie.own_time[i] += time;
        }
        trie.sum_subtrees();
        trie
    }

    /// Sums each node's own samples into its ancestors: a parent always has a smaller index.
    fn sum_subtrees(&mut self) {
        self.count.clone_from(&self.own_count);
        self.time.clone_from(&self.own_time);
        for i in (0..self.nodes.len()).rev() {
            let parent = self.nodes[i].0;
            if parent != NO_PARENT {
                let p = parent as usize;
                self.count[p] = self.count[p].saturating_add(self.count[i]);
                self.time[p] += self.time[i];
            }
        }
    }

    /// The time of every sample: the sum over the roots.
    pub(super) fn total(&self) -> f64 {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].0 == NO_PARENT)
            .map(|i| self.time[i])
            .sum()
    }

    fn figures(&self, i: usize) -> Figures {
        Figures {
            cumulative: Some(self.time[i]),
            own: Some(self.own_time[i]),
            calls: Some(i64::try_from(self.count[i]).unwrap_or(i64::MAX)),
            primitive_calls: Some(i64::try_from(self.own_count[i]).unwrap_or(i64::MAX)),
        }
    }

    /// Writes the trie's nodes into the tree in print order, pruning below the threshold.
    pub(super) fn emit(&self, profile: &Profile, tree: &mut CallTree) {
        let threshold = tree.total * tree.min_fraction;
        let n = self.nodes.len();
        // Children lists, by parent (the roots under NO_PARENT → slot n).
        let mut start = vec![0u32; n + 2];
        for &(parent, _) in &self.nodes {
            let slot = if parent == NO_PARENT {
                n
            } else {
                parent as usize
            };
            start[slot + 1] += 1;
        }
        for i in 0..=n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0u32; n];
        for (i, &(parent, _)) in self.nodes.iter().enumerate() {
            let slot = if parent == NO_PARENT {
                n
            } else {
                parent as usize
            };
            children[fill[slot] as usize] = i as u32;
            fill[slot] += 1;
        }
        let sorted = |slot: usize| -> Vec<Candidate> {
            let mut list: Vec<_> = children[start[slot] as usize..start[slot + 1] as usize]
                .iter()
                .map(|&c| {
                    (
                        FunctionId(c),
                        self.figures(c as usize),
                        self.time[c as usize],
                    )
                })
                .collect();
            // Ties by the frames' function keys, then by trie node.
            list.sort_by(|a, b| {
                b.2.partial_cmp(&a.2)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| {
                        let (fa, fb) = (self.nodes[a.0.index()].1, self.nodes[b.0.index()].1);
                        profile.compare_keys(fa, fb)
                    })
                    .then(a.0.cmp(&b.0))
            });
            list
        };
        // The FunctionId slot of each candidate holds the trie node until it is placed.
        let mut stack: Vec<(u32, Vec<Candidate>, usize)> = vec![(NO_PARENT, sorted(n), 0)];
        while let Some((parent, list, i)) = stack.last_mut() {
            if *i == list.len() {
                stack.pop();
                continue;
            }
            let parent = *parent;
            let depth = match parent {
                NO_PARENT => 0,
                p => tree.nodes[p as usize].depth + 1,
            };
            let (trie_node, figures, child_weight) = list[*i];
            if child_weight < threshold {
                let count = list.len() - *i;
                *i = list.len();
                tree.nodes.push(node(
                    None,
                    Mark::Pruned { count },
                    Figures::default(),
                    depth,
                    parent,
                ));
                continue;
            }
            *i += 1;
            let function = self.nodes[trie_node.index()].1;
            let index = tree.nodes.len() as u32;
            tree.nodes
                .push(node(Some(function), Mark::Expanded, figures, depth, parent));
            stack.push((index, sorted(trie_node.index()), 0));
        }
    }
}
