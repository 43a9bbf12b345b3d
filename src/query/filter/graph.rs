//! Filters on the call graph of a profile without stacks (cProfile, `profile`, Python 3.15's
//! sampled `.pstats`). The functions and edges kept keep the file's figures; only `hide` (and
//! `node_fraction`, which hides) changes a figure, the tottime of the callers it charges.
//! docs/filters.md gives the rules with examples.

use std::collections::VecDeque;

use super::{Filter, matching};
use crate::model::{CallStats, EdgeId, FunctionId, Profile, Subgraph};

/// What is left of the graph while the steps run: per function and per edge whether it is
/// alive, and each function's tottime.
struct View<'p> {
    profile: &'p Profile,
    alive: Vec<bool>,
    edges: Vec<bool>,
    tottime: Vec<f64>,
    /// Whether a step removed time, so that the totals are summed again at the end.
    time_removed: bool,
}

pub(super) fn apply(profile: &Profile, filter: &Filter) -> Profile {
    let functions = profile.all_functions().len();
    let mut view = View {
        profile,
        alive: vec![true; functions],
        edges: vec![true; profile.edge_count()],
        tottime: profile
            .all_functions()
            .map(|id| profile.stats(id).tottime)
            .collect(),
        time_removed: false,
    };
    if !filter.focus.is_empty() {
        view.focus(&matching(profile, &filter.focus));
    }
    if !filter.ignore.is_empty() {
        view.ignore(&matching(profile, &filter.ignore));
    }
    if !filter.hide.is_empty() {
        let hidden = view.alive_and(&matching(profile, &filter.hide));
        view.hide(&hidden);
    }
    let mut roots = None;
    if !filter.root.is_empty() {
        let matched = view.alive_and(&matching(profile, &filter.root));
        let below = view.reach(&matched, Direction::Callees);
        view.keep_only(&below);
        roots = Some(matched);
    }
    if !filter.leaf.is_empty() {
        let matched = view.alive_and(&matching(profile, &filter.leaf));
        let above = view.reach(&matched, Direction::Callers);
        view.keep_only(&above);
    }
    if let Some(depth) = filter.depth {
        let roots = match roots {
            Some(matched) => view.alive_and(&matched),
            None => view.roots(),
        };
        view.depth(&roots, depth);
    }
    if let Some(fraction) = filter.node_fraction {
        let threshold = fraction * view.total();
        let hidden: Vec<bool> = profile
            .all_functions()
            .map(|id| view.alive[id.index()] && profile.stats(id).cumtime < threshold)
            .collect();
        view.hide(&hidden);
    }
    if let Some(fraction) = filter.edge_fraction {
        let threshold = fraction * view.total();
        for id in profile.functions() {
            for (edge, _, call) in profile.caller_edges(id) {
                if let CallStats::Timed { cumtime, .. } = call
                    && cumtime < threshold
                {
                    view.edges[edge.index()] = false;
                }
            }
        }
    }
    let totals = match view.time_removed {
        true => None,
        false => Some(profile.totals()),
    };
    profile.subgraph(&Subgraph {
        functions: &view.alive,
        edges: &view.edges,
        tottime: &view.tottime,
        totals,
    })
}

#[derive(Clone, Copy)]
enum Direction {
    Callers,
    Callees,
}

impl View<'_> {
    fn is_live(&self, edge: EdgeId, caller: FunctionId, callee: FunctionId) -> bool {
        self.edges[edge.index()] && self.alive[caller.index()] && self.alive[callee.index()]
    }

    /// The live edges into `id`: (edge, caller, figures).
    fn callers(&self, id: FunctionId) -> impl Iterator<Item = (EdgeId, FunctionId, CallStats)> {
        self.profile
            .caller_edges(id)
            .filter(move |&(edge, caller, _)| self.is_live(edge, caller, id))
    }

    /// The live edges out of `id`: (edge, callee).
    fn callees(&self, id: FunctionId) -> impl Iterator<Item = (EdgeId, FunctionId)> {
        self.profile
            .callee_edges(id)
            .filter(move |&(edge, callee, _)| self.is_live(edge, id, callee))
            .map(|(edge, callee, _)| (edge, callee))
    }

    fn alive_and(&self, set: &[bool]) -> Vec<bool> {
        set.iter().zip(&self.alive).map(|(s, a)| *s && *a).collect()
    }

    /// The total time the fractions are of: pstats' total, or the kept functions' tottime
    /// once a step has removed time.
    fn total(&self) -> f64 {
        match self.time_removed {
            false => self.profile.totals().tottime,
            true => self
                .profile
                .functions()
                .filter(|id| self.alive[id.index()])
                .map(|id| self.tottime[id.index()])
                .sum(),
        }
    }

    /// The live functions that no other live function calls.
    fn roots(&self) -> Vec<bool> {
        self.profile
            .all_functions()
            .map(|id| self.alive[id.index()] && self.callers(id).all(|(_, caller, _)| caller == id))
            .collect()
    }

    /// The live functions reachable from `start` (included) along live edges.
    fn reach(&self, start: &[bool], direction: Direction) -> Vec<bool> {
        let mut seen = start.to_vec();
        let mut work: Vec<FunctionId> = self
            .profile
            .all_functions()
            .filter(|id| seen[id.index()])
            .collect();
        let mut next = Vec::new();
        while let Some(id) = work.pop() {
            next.clear();
            match direction {
                Direction::Callees => next.extend(self.callees(id).map(|(_, f)| f)),
                Direction::Callers => next.extend(self.callers(id).map(|(_, f, _)| f)),
            }
            for &f in &next {
                if !seen[f.index()] {
                    seen[f.index()] = true;
                    work.push(f);
                }
            }
        }
        seen
    }

    fn keep_only(&mut self, keep: &[bool]) {
        for (alive, keep) in self.alive.iter_mut().zip(keep) {
            *alive &= *keep;
        }
        self.time_removed = true;
    }

    /// Keeps the functions and edges on a call path through a matching function: an edge is on
    /// one when its callee can reach a match or its caller is reachable from one.
    fn focus(&mut self, matched: &[bool]) {
        let matched = self.alive_and(matched);
        let below = self.reach(&matched, Direction::Callees);
        let above = self.reach(&matched, Direction::Callers);
        for callee in self.profile.functions() {
            for (edge, caller, _) in self.profile.caller_edges(callee) {
                if !(above[callee.index()] || below[caller.index()]) {
                    self.edges[edge.index()] = false;
                }
            }
        }
        let keep: Vec<bool> = above.iter().zip(&below).map(|(a, b)| *a || *b).collect();
        self.keep_only(&keep);
    }

    /// Drops the matching functions and those that the roots reached only through them.
    fn ignore(&mut self, matched: &[bool]) {
        let roots = self.roots();
        let before = self.reach(&roots, Direction::Callees);
        for (alive, matched) in self.alive.iter_mut().zip(matched) {
            *alive &= !*matched;
        }
        let roots = self.alive_and(&roots);
        let after = self.reach(&roots, Direction::Callees);
        let keep: Vec<bool> = before.iter().zip(&after).map(|(b, a)| *a || !*b).collect();
        self.keep_only(&keep);
    }

    /// Keeps the functions within `depth` calls of `roots` (by the shortest path).
    fn depth(&mut self, roots: &[bool], depth: usize) {
        let mut distance = vec![usize::MAX; self.alive.len()];
        let mut queue: VecDeque<FunctionId> = VecDeque::new();
        for id in self.profile.all_functions().filter(|id| roots[id.index()]) {
            distance[id.index()] = 0;
            queue.push_back(id);
        }
        while let Some(id) = queue.pop_front() {
            let next = distance[id.index()] + 1;
            if next > depth {
                continue;
            }
            for (_, callee) in self.callees(id) {
                if distance[callee.index()] == usize::MAX {
                    distance[callee.index()] = next;
                    queue.push_back(callee);
                }
            }
        }
        let keep: Vec<bool> = distance.iter().map(|&d| d <= depth).collect();
        self.keep_only(&keep);
    }

    /// Removes the `hidden` functions and charges their tottime to their callers. A hidden
    /// function's time is split among the live functions calling it in proportion to each
    /// edge's tottime (its own time in calls from that caller), or to the calls when those are
    /// all zero or unrecorded. Time charged to a hidden caller goes on to its callers; a group
    /// of hidden functions that call each other (a recursion cycle) passes its time on as one,
    /// to the functions calling into the group. Time with no caller to go to (a hidden root)
    /// stays in the totals and in no function.
    fn hide(&mut self, hidden: &[bool]) {
        let groups = self.hidden_groups(hidden);
        let mut group_of = vec![u32::MAX; self.alive.len()];
        for (g, members) in groups.iter().enumerate() {
            for &id in members {
                group_of[id.index()] = g as u32;
            }
        }
        let mut pending: Vec<f64> = groups
            .iter()
            .map(|members| members.iter().map(|id| self.tottime[id.index()]).sum())
            .collect();
        let mut entries: Vec<(FunctionId, f64, i64)> = Vec::new();
        // Callees' groups come first: all the time a group receives is in before it is passed.
        for (g, members) in groups.iter().enumerate() {
            entries.clear();
            for &id in members {
                for (_, caller, call) in self.callers(id) {
                    if group_of[caller.index()] == g as u32 {
                        continue;
                    }
                    let time = match call {
                        CallStats::Timed { tottime, .. } if tottime > 0.0 => tottime,
                        _ => 0.0,
                    };
                    entries.push((caller, time, call.calls().max(0)));
                }
            }
            let time_weight: f64 = entries.iter().map(|e| e.1).sum();
            let calls_weight: f64 = entries.iter().map(|e| e.2 as f64).sum();
            let amount = pending[g];
            for &(caller, time, calls) in &entries {
                let share = if time_weight > 0.0 {
                    amount * time / time_weight
                } else if calls_weight > 0.0 {
                    amount * calls as f64 / calls_weight
                } else {
                    0.0
                };
                match group_of[caller.index()] {
                    u32::MAX => self.tottime[caller.index()] += share,
                    other => pending[other as usize] += share,
                }
            }
        }
        for (alive, hidden) in self.alive.iter_mut().zip(hidden) {
            *alive &= !*hidden;
        }
    }

    /// The strongly connected groups of the live `hidden` functions along live edges between
    /// them, callees' groups before their callers' (Tarjan's algorithm, which emits a group
    /// after every group it reaches).
    fn hidden_groups(&self, hidden: &[bool]) -> Vec<Vec<FunctionId>> {
        const UNSEEN: u32 = u32::MAX;
        let n = self.alive.len();
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<FunctionId> = Vec::new();
        let mut groups = Vec::new();
        let mut next_index = 0u32;
        let hidden_callees = |id: FunctionId| -> Vec<FunctionId> {
            self.callees(id)
                .map(|(_, f)| f)
                .filter(|f| hidden[f.index()])
                .collect()
        };
        for start in self.profile.all_functions() {
            if !hidden[start.index()]
                || !self.alive[start.index()]
                || index[start.index()] != UNSEEN
            {
                continue;
            }
            // (function, its hidden callees, the next one to visit)
            let mut calls: Vec<(FunctionId, Vec<FunctionId>, usize)> = Vec::new();
            index[start.index()] = next_index;
            low[start.index()] = next_index;
            next_index += 1;
            stack.push(start);
            on_stack[start.index()] = true;
            calls.push((start, hidden_callees(start), 0));
            while let Some((id, callees, at)) = calls.last_mut() {
                let id = *id;
                if let Some(&callee) = callees.get(*at) {
                    *at += 1;
                    if index[callee.index()] == UNSEEN {
                        index[callee.index()] = next_index;
                        low[callee.index()] = next_index;
                        next_index += 1;
                        stack.push(callee);
                        on_stack[callee.index()] = true;
                        calls.push((callee, hidden_callees(callee), 0));
                    } else if on_stack[callee.index()] {
                        low[id.index()] = low[id.index()].min(index[callee.index()]);
                    }
                    continue;
                }
                calls.pop();
                if let Some((parent, _, _)) = calls.last() {
                    low[parent.index()] = low[parent.index()].min(low[id.index()]);
                }
                if low[id.index()] == index[id.index()] {
                    let mut group = Vec::new();
                    while let Some(member) = stack.pop() {
                        on_stack[member.index()] = false;
                        group.push(member);
                        if member == id {
                            break;
                        }
                    }
                    groups.push(group);
                }
            }
        }
        groups
    }
}
