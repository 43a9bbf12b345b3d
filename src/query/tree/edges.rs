//! The trees of a profile's call edges (cProfile, `profile`): top-down from the roots, and
//! bottom-up from the functions with the most own time (see the parent module's docs).

use std::cmp::Ordering;

use super::{
    CallTree, Candidate, Figures, Mark, NO_PARENT, TreeNode, by_weight, edge_figures,
    function_figures, node, weight,
};
use crate::model::RecursionGroups;
use crate::model::{FunctionId, Profile};
use crate::threads::{self, Threads};

/// Whether a function was called: it is listed with calls. The `profile` module lists a
/// pseudo-function for its top level (`profile:0(profiler)`) with no calls and no time, and a
/// file may name callers it does not list: neither is a function of the tree, and what they
/// called are its roots.
fn called(profile: &Profile, id: FunctionId) -> bool {
    profile.is_listed(id) && profile.stats(id).calls > 0
}

/// Whether every call of a function is in the file's edges. A call from the top level of the
/// profiled code (the first call cProfile saw, or a call in another run of a merged profile) has
/// no caller, so there are then more calls than the edges into the function hold.
fn all_calls_have_callers(profile: &Profile, id: FunctionId) -> bool {
    let through_edges = profile
        .callers(id)
        .fold(0i64, |sum, (_, call)| sum.saturating_add(call.calls()));
    through_edges >= profile.stats(id).calls
}

/// The recursion groups and how calls enter them, which decide the roots and which calls
/// carry all of their callee.
struct Groups {
    groups: RecursionGroups,
    /// Per recursion group: how many edges enter it from outside.
    entries: Vec<u32>,
    /// Per recursion group: how many of those come from a function that was called.
    called_entries: Vec<u32>,
}

impl Groups {
    fn new(profile: &Profile) -> Groups {
        let groups = profile.recursion_groups();
        let mut entries = vec![0u32; groups.len()];
        let mut called_entries = vec![0u32; groups.len()];
        // Callers come in no order the memory follows: whether each was called is looked up
        // in a byte per function rather than in its figures.
        let was_called: Vec<bool> = profile
            .all_functions()
            .map(|id| called(profile, id))
            .collect();
        for callee in profile.functions() {
            let group = groups.group(callee).index();
            for (caller, _) in profile.callers(callee) {
                if groups.group(caller).index() != group {
                    entries[group] = entries[group].saturating_add(1);
                    if was_called[caller.index()] {
                        called_entries[group] = called_entries[group].saturating_add(1);
                    }
                }
            }
        }
        Groups {
            groups,
            entries,
            called_entries,
        }
    }

    /// The roots: the functions called from the top level (more calls than their edges hold),
    /// and in each recursion group no called function calls into from outside (a single
    /// function no other calls, or a cycle entered only from the top level), its function with
    /// the most cumulative time.
    fn roots(&self, profile: &Profile) -> Vec<FunctionId> {
        let mut heaviest: Vec<Option<FunctionId>> = vec![None; self.groups.len()];
        let mut roots = Vec::new();
        for id in profile.functions().filter(|&id| called(profile, id)) {
            let group = self.groups.group(id).index();
            if self.called_entries[group] == 0 {
                let best = &mut heaviest[group];
                let heavier = |b: FunctionId| {
                    let (x, y) = (profile.stats(id).cumtime, profile.stats(b).cumtime);
                    x > y || x == y && profile.compare_keys(id, b) == Ordering::Less
                };
                if best.is_none_or(heavier) {
                    *best = Some(id);
                }
            } else if !all_calls_have_callers(profile, id) {
                roots.push(id);
            }
        }
        roots.extend(heaviest.into_iter().flatten());
        roots
    }

    /// Whether the call `caller` → `callee` carries all of the callee: every call of the
    /// callee is in its edges, and this is the callee's one caller (the callee itself aside),
    /// or the one call into the callee's recursion group from outside it (then every call of
    /// the group happens under it).
    fn carries_all(&self, profile: &Profile, caller: FunctionId, callee: FunctionId) -> bool {
        let mut others = profile.callers(callee).filter(|&(c, _)| c != callee);
        let single = others.next().is_some_and(|(c, _)| c == caller) && others.next().is_none();
        let group = self.groups.group(callee).index();
        let entry = self.groups.group(caller).index() != group && self.entries[group] == 1;
        (single || entry) && all_calls_have_callers(profile, callee)
    }
}

/// The top-down tree of call edges (see the module docs).
pub(super) fn top_down(profile: &Profile, tree: &mut CallTree, threads: Threads) {
    let threshold = tree.total * tree.min_fraction;
    let functions = profile.all_functions().len();
    // The walk below follows callees; their index is built on another thread meanwhile, where
    // it is worth a thread.
    let inline = std::thread::scope(|scope| {
        if threads.two_from(profile.edge_count(), threads::TREE_CALLEES) {
            scope.spawn(|| profile.index_callees());
        }
        Groups::new(profile)
    });
    // Roots first. Then, as they are found, the functions with several callers, each expanded
    // once as an entry of its own.
    let mut entries: Vec<Candidate> = inline
        .roots(profile)
        .into_iter()
        .map(|id| {
            let figures = function_figures(profile, id);
            (id, figures, weight(&figures))
        })
        .collect();
    let mut entered = vec![false; functions];
    for &(id, _, _) in &entries {
        entered[id.index()] = true;
    }
    // Entries are built one at a time, each into its own list of nodes; the lists are put in
    // order of the entries' weights at the end.
    let mut built: Vec<(f64, FunctionId, Vec<TreeNode>)> = Vec::new();
    let mut pruned_roots = 0usize;
    let mut on_path = vec![false; functions];
    let mut next = 0;
    while next < entries.len() {
        let (root, figures, root_weight) = entries[next];
        next += 1;
        if root_weight < threshold {
            pruned_roots += 1;
            continue;
        }
        let mut nodes = vec![node(Some(root), Mark::Expanded, figures, 0, NO_PARENT)];
        // Depth-first, with the path's functions marked: (node index, next child to visit) and
        // each expanded node's sorted children.
        let mut stack: Vec<(usize, Vec<Candidate>, usize)> = Vec::new();
        on_path[root.index()] = true;
        let children = edge_children(profile, root);
        stack.push((0, children, 0));
        while let Some((at, children, i)) = stack.last_mut() {
            let parent = *at;
            if *i == children.len() {
                if let Some(id) = nodes[parent].function {
                    on_path[id.index()] = false;
                }
                stack.pop();
                continue;
            }
            let depth = nodes[parent].depth + 1;
            let (callee, figures, child_weight) = children[*i];
            if child_weight < threshold {
                let count = children.len() - *i;
                *i = children.len();
                nodes.push(node(
                    None,
                    Mark::Pruned { count },
                    Figures::default(),
                    depth,
                    parent as u32,
                ));
                continue;
            }
            *i += 1;
            let mark = if on_path[callee.index()] {
                Mark::Recursion
            } else if nodes[parent]
                .function
                .is_some_and(|caller| inline.carries_all(profile, caller, callee))
            {
                Mark::Expanded
            } else {
                if !entered[callee.index()] {
                    entered[callee.index()] = true;
                    let own = function_figures(profile, callee);
                    entries.push((callee, own, weight(&own)));
                }
                Mark::Elsewhere
            };
            // The `profile` module's edges hold no time: a function with one caller is all
            // in that call, so its own times are the call's.
            let figures = match (mark, figures.cumulative) {
                (Mark::Expanded, None) => Figures {
                    calls: figures.calls,
                    ..function_figures(profile, callee)
                },
                _ => figures,
            };
            let index = nodes.len();
            nodes.push(node(Some(callee), mark, figures, depth, parent as u32));
            if mark == Mark::Expanded {
                on_path[callee.index()] = true;
                let children = edge_children(profile, callee);
                stack.push((index, children, 0));
            }
        }
        built.push((root_weight, root, nodes));
    }
    built.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(Ordering::Equal)
            .then_with(|| profile.compare_keys(a.1, b.1))
    });
    for (_, _, nodes) in built {
        append(&mut tree.nodes, nodes);
    }
    if pruned_roots > 0 {
        let count = pruned_roots;
        tree.nodes.push(node(
            None,
            Mark::Pruned { count },
            Figures::default(),
            0,
            NO_PARENT,
        ));
    }
}

/// Appends the nodes of one entry, renumbering their parents.
fn append(all: &mut Vec<TreeNode>, nodes: Vec<TreeNode>) {
    let base = all.len() as u32;
    all.extend(nodes.into_iter().map(|mut n| {
        if n.parent != NO_PARENT {
            n.parent += base;
        }
        n
    }));
}

/// A function's calls as children: each callee with the edge's figures, heaviest first.
fn edge_children(profile: &Profile, id: FunctionId) -> Vec<Candidate> {
    let mut children: Vec<_> = profile
        .callee_edges(id)
        .map(|(_, callee, call)| {
            let figures = edge_figures(call);
            let weight = match figures.cumulative {
                Some(time) => time,
                // No time on the edge (the `profile` module): placed by the callee's own
                // cumulative time, the most the call can have taken.
                None => profile.stats(callee).cumtime,
            };
            (callee, figures, weight)
        })
        .collect();
    children.sort_by(by_weight(profile));
    children
}

/// The bottom-up tree of call edges: each function with its own time, and under it its
/// callers, each with the part of that time spent in calls from it (the edge's tottime).
pub(super) fn bottom_up(profile: &Profile, tree: &mut CallTree) {
    let threshold = tree.total * tree.min_fraction;
    let mut roots: Vec<Candidate> = profile
        .functions()
        .map(|id| {
            let stats = profile.stats(id);
            let figures = Figures {
                cumulative: Some(stats.tottime),
                own: None,
                calls: Some(stats.calls),
                primitive_calls: Some(stats.primitive_calls),
            };
            (id, figures, stats.tottime)
        })
        .collect();
    roots.sort_by(by_weight(profile));
    let cut = roots
        .iter()
        .position(|r| r.2 < threshold)
        .unwrap_or(roots.len());
    for &(id, figures, _) in &roots[..cut] {
        let parent = tree.nodes.len() as u32;
        tree.nodes
            .push(node(Some(id), Mark::Expanded, figures, 0, NO_PARENT));
        let mut callers: Vec<Candidate> = profile
            .callers(id)
            .map(|(caller, call)| {
                let edge = edge_figures(call);
                let figures = Figures {
                    cumulative: edge.own,
                    own: None,
                    ..edge
                };
                (caller, figures, weight(&figures))
            })
            .collect();
        callers.sort_by(by_weight(profile));
        let shown = callers
            .iter()
            .position(|c| c.2 < threshold)
            .unwrap_or(callers.len());
        for &(caller, figures, _) in &callers[..shown] {
            let mark = match caller == id {
                true => Mark::Recursion,
                false => Mark::Expanded,
            };
            tree.nodes
                .push(node(Some(caller), mark, figures, 1, parent));
        }
        if shown < callers.len() {
            let count = callers.len() - shown;
            tree.nodes.push(node(
                None,
                Mark::Pruned { count },
                Figures::default(),
                1,
                parent,
            ));
        }
    }
    if cut < roots.len() {
        let count = roots.len() - cut;
        tree.nodes.push(node(
            None,
            Mark::Pruned { count },
            Figures::default(),
            0,
            NO_PARENT,
        ));
    }
}
