//! Views that follow edges: the calls each function makes (an index by caller, built on first
//! use) and the recursion groups (strongly connected components, found by an iterative Tarjan
//! walk over the caller lists).

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

    /// Builds the index [`Profile::callees`] uses now, rather than on its first call: a caller
    /// with a core to spare can build it on another thread while it does other work.
    pub(crate) fn index_callees(&self) {
        self.callee_index();
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
        // Tarjan's algorithm, iterative, on the graph of each function to its callers (a graph
        // and its reverse have the same components), from every function in id order, callers
        // in the profile's order: groups are numbered in the order their walks finish.
        //
        // The walk visits functions in no order the memory follows, so it works on a copy of
        // the callers' ids alone (4 bytes an edge, against an edge's 48 with its figures), and
        // tells where each caller stands from a byte per function, small enough to stay in
        // cache: most callers met are already done, and only one still on the stack needs its
        // visit number.
        const UNSEEN: u8 = 0;
        const ON_STACK: u8 = 1;
        const DONE: u8 = 2;
        let n = self.keys.len();
        let callers: Vec<u32> = self.edges.iter().map(|(caller, _)| caller.0).collect();
        let starts = &self.callers_start;
        let callers_of = |v: u32| -> &[u32] {
            match (v as usize) < self.listed {
                true => &callers[starts[v as usize] as usize..starts[v as usize + 1] as usize],
                false => &[],
            }
        };
        let mut mark = vec![UNSEEN; n];
        // Per function on the stack: (visit number, lowest visit number it reaches).
        let mut numbers = vec![(0u32, 0u32); n];
        let mut group_of = vec![0u32; n];
        let mut stack: Vec<u32> = Vec::new();
        // The walk: each function being visited with the position of its next caller.
        let mut visiting: Vec<(u32, u32)> = Vec::new();
        let mut seen = 0u32;
        let mut count = 0u32;
        for start in 0..n as u32 {
            if mark[start as usize] != UNSEEN {
                continue;
            }
            let mut entering = Some(start);
            loop {
                if let Some(v) = entering.take() {
                    mark[v as usize] = ON_STACK;
                    numbers[v as usize] = (seen, seen);
                    seen += 1;
                    stack.push(v);
                    visiting.push((v, 0));
                }
                let Some(&mut (v, ref mut next)) = visiting.last_mut() else {
                    break;
                };
                if let Some(&w) = callers_of(v).get(*next as usize) {
                    *next += 1;
                    match mark[w as usize] {
                        UNSEEN => entering = Some(w),
                        ON_STACK => {
                            let order = numbers[w as usize].0;
                            let low = &mut numbers[v as usize].1;
                            *low = (*low).min(order);
                        }
                        _ => {}
                    }
                    continue;
                }
                visiting.pop();
                let (order, low) = numbers[v as usize];
                if let Some(&(u, _)) = visiting.last() {
                    let parent = &mut numbers[u as usize].1;
                    *parent = (*parent).min(low);
                }
                if low == order {
                    while let Some(w) = stack.pop() {
                        mark[w as usize] = DONE;
                        group_of[w as usize] = count;
                        if w == v {
                            break;
                        }
                    }
                    count += 1;
                }
            }
        }
        RecursionGroups {
            group_of,
            count: count as usize,
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

    /// On every stats fixture: two functions share a group exactly when each reaches the other
    /// through calls, found by a search from every function (quadratic, so the larger fixtures
    /// are left out), and groups are numbered densely.
    #[test]
    fn recursion_groups_are_mutual_reachability_on_the_fixtures() {
        let mut checked = 0;
        for dir in std::fs::read_dir("tests/fixtures/stats").expect("fixtures") {
            for file in std::fs::read_dir(dir.expect("entry").path()).expect("fixture dir") {
                let path = file.expect("entry").path();
                if path.extension().is_none_or(|e| e != "stats") {
                    continue;
                }
                let profile = crate::read_path(&path, &Default::default())
                    .and_then(crate::AnyProfile::into_calls)
                    .expect("fixture reads");
                let n = profile.all_functions().len();
                if n > 1500 {
                    continue;
                }
                // reach[a] = the functions a reaches by calls (itself included).
                let reach: Vec<Vec<bool>> = (0..n)
                    .map(|a| {
                        let mut seen = vec![false; n];
                        let mut todo = vec![a];
                        seen[a] = true;
                        while let Some(f) = todo.pop() {
                            for (callee, _) in profile.callees(FunctionId(f as u32)) {
                                if !seen[callee.index()] {
                                    seen[callee.index()] = true;
                                    todo.push(callee.index());
                                }
                            }
                        }
                        seen
                    })
                    .collect();
                let groups = profile.recursion_groups();
                let mut used = vec![false; groups.len()];
                let group = |f: usize| groups.group(FunctionId(f as u32));
                for (a, reached) in reach.iter().enumerate() {
                    used[group(a).index()] = true;
                    for (b, &a_reaches_b) in reached.iter().enumerate() {
                        let same = group(a) == group(b);
                        assert_eq!(same, a_reaches_b && reach[b][a], "{}", path.display());
                    }
                }
                assert!(used.iter().all(|&u| u), "{}", path.display());
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked} fixtures");
    }
}
