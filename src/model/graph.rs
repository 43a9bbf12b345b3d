//! Views that follow edges: the calls each function makes (an index by caller, built on first
//! use) and the recursion groups (strongly connected components, found by petgraph through a
//! zero-copy adapter over the edge arrays).

use petgraph::visit::{GraphBase, GraphRef, IntoNeighbors, IntoNodeIdentifiers, NodeIndexable};

use super::{CallStats, EdgeId, FunctionId, Profile};

/// Edges grouped by caller: the calls function `c` makes are `edges[start[c]..start[c + 1]]`,
/// each as (edge index, callee).
#[derive(Clone, Debug)]
pub(crate) struct CalleeIndex {
    start: Vec<u32>,
    edges: Vec<(u32, u32)>,
}

impl Profile {
    /// The functions `id` called, with the figures of each edge (in no particular order).
    pub fn callees(&self, id: FunctionId) -> impl Iterator<Item = (FunctionId, CallStats)> + '_ {
        self.callee_edge_indices(id)
            .iter()
            .map(|&(edge, callee)| (FunctionId(callee), self.edges[edge as usize].1))
    }

    /// Like [`Profile::callees`], with each edge's id: (edge, callee, figures).
    pub fn callee_edges(
        &self,
        id: FunctionId,
    ) -> impl Iterator<Item = (EdgeId, FunctionId, CallStats)> + '_ {
        self.callee_edge_indices(id).iter().map(|&(edge, callee)| {
            (
                EdgeId(edge),
                FunctionId(callee),
                self.edges[edge as usize].1,
            )
        })
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

    /// The profile's recursion groups: functions that can reach each other through calls (a
    /// strongly connected component of the call graph) are in one group; any other function is
    /// in a group of its own. Computed anew on each call, in time linear in the edges.
    pub fn recursion_groups(&self) -> RecursionGroups {
        let mut group_of = vec![0u32; self.keys.len()];
        let components = petgraph::algo::tarjan_scc(CallerGraph(self));
        for (i, scc) in components.iter().enumerate() {
            for &node in scc {
                group_of[node as usize] = i as u32;
            }
        }
        RecursionGroups {
            group_of,
            count: components.len(),
        }
    }
}

/// Which recursion group each function of a profile is in (see [`Profile::recursion_groups`]).
/// A function that calls only itself is alone in its group; [`Profile::calls_itself`] tells it
/// from one that does not recurse.
#[derive(Debug, Clone)]
pub struct RecursionGroups {
    group_of: Vec<u32>,
    count: usize,
}

/// Identifies one recursion group within one [`RecursionGroups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecursionGroup(u32);

impl RecursionGroup {
    /// The group as an index: groups are dense from 0 to [`RecursionGroups::len`].
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl RecursionGroups {
    /// The group of function `id` (any function id of the profile, listed or not).
    #[inline]
    pub fn group(&self, id: FunctionId) -> RecursionGroup {
        RecursionGroup(self.group_of[id.index()])
    }

    /// How many groups there are.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no groups (the profile has no functions).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
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

#[cfg(test)]
mod tests {
    use super::super::testing::{fs, sample};
    use super::super::{Builder, Merge};
    use super::*;

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
    fn callee_edges_name_the_edges_caller_edges_name() {
        let p = sample();
        for caller in p.all_functions() {
            for (edge, callee, call) in p.callee_edges(caller) {
                assert!(
                    p.caller_edges(callee)
                        .any(|(e, c, s)| e == edge && c == caller && s == call)
                );
            }
        }
    }

    #[test]
    fn recursion_groups_join_functions_that_reach_each_other() {
        let mut b = Builder::default();
        let (f, g, h) = (
            b.key("m.py", 1, "f"),
            b.key("m.py", 2, "g"),
            b.key("m.py", 3, "h"),
        );
        let call = CallStats::Count(1);
        b.add_entry(
            f,
            fs(1, 1, 0.0, 0.0),
            [(g, call)].into_iter(),
            Merge::Replace,
        );
        b.add_entry(
            g,
            fs(1, 1, 0.0, 0.0),
            [(f, call)].into_iter(),
            Merge::Replace,
        );
        b.add_entry(
            h,
            fs(1, 1, 0.0, 0.0),
            [(g, call)].into_iter(),
            Merge::Replace,
        );
        let p = b.finish();
        let groups = p.recursion_groups();
        let (f, g, h) = (FunctionId(0), FunctionId(1), FunctionId(2));
        assert_eq!(groups.group(f), groups.group(g));
        assert_ne!(groups.group(f), groups.group(h));
        assert_eq!(groups.len(), 2);
        assert!(groups.group(h).index() < groups.len());
    }
}
