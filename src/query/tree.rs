//! The call tree of a profile, top-down from the roots or bottom-up from the hottest functions,
//! with figures on every node: a value built from a profile ([`build`]) that
//! [`crate::report::tree`] renders as text.
//!
//! Two sources, as the profile has them (docs/tree.md says how each is read, with examples):
//!
//! * **Real stacks** (sampled profiles, [`Profile::stacks`]): the tree is the exact stack tree.
//!   A node is a stack; its figures are the samples (and their time) of every stack through it,
//!   and of the stack itself.
//! * **Call edges** (cProfile, `profile`): the file holds each function's figures and each
//!   caller→callee edge's figures, not stacks. Every figure on a node is one of those: a root
//!   or a function's own entry shows the function's figures, a call shows the edge's. A function
//!   with one caller (itself aside) is expanded under it, where the edge holds all of it; a
//!   function with several callers is shown at each of them with that edge's figures and marked
//!   [`Mark::Elsewhere`], and expanded once, as an entry of its own at the top level. A function
//!   already on the path is marked [`Mark::Recursion`] and not expanded again.
//!
//! Children below [`TreeOptions::min_fraction`] of the total are summarised in one
//! [`Mark::Pruned`] node.

use std::cmp::Ordering;

mod edges;
mod stacks;

use crate::model::{CallStats, FunctionId, Measure, Profile};
use crate::threads::Threads;

/// A child waiting to be placed: its function (or trie node), figures, and the figure it is
/// ordered and pruned by.
type Candidate = (FunctionId, Figures, f64);

/// How a call tree is built.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TreeOptions {
    /// Bottom-up: the functions with the most own time first, each expanded into its callers.
    /// Default: false (top-down from the roots).
    pub inverted: bool,
    /// Children whose figure is below this fraction of the total (0.0 to 1.0) are left out and
    /// counted in one summary node (pprof's `nodefraction`). Default: 0.005 (0.5%).
    pub min_fraction: f64,
    /// Threads the build may use: a profile of 65,536 edges or more indexes its
    /// callees on a second one. The tree is the same. Default: auto.
    pub threads: Threads,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            inverted: false,
            min_fraction: 0.005,
            threads: Threads::Auto,
        }
    }
}

/// What a tree's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreeSource {
    /// The profile's real stacks: the figures are exact for every path.
    Stacks,
    /// The file's function and caller→callee edge figures (cProfile, `profile`).
    CallEdges,
}

/// What a node is, besides a function with its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mark {
    /// A function, expanded here (its children follow it, if it has any above the threshold).
    Expanded,
    /// A call to a function already on the path: shown with the call's figures, not expanded.
    Recursion,
    /// A call to a function with several callers: shown with this call's figures; the function
    /// is expanded once, as its own entry at the top level of the tree.
    Elsewhere,
    /// Not a function: `count` siblings whose figure is below the threshold, left out.
    Pruned {
        /// How many were left out.
        count: usize,
    },
}

/// A node's figures. Each is one the input holds (a function's, an edge's, or the samples of
/// a stack); `None` where the input holds none for this node (the `profile` module records no
/// time per edge; the bottom-up tree of call edges has no own time past its roots).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    /// Top-down: the time (or samples) in this node and everything under it. Bottom-up: the
    /// root function's own time that reached it along this path of callers.
    pub cumulative: Option<f64>,
    /// Top-down: the time in this node itself. Bottom-up (stacks): the part of
    /// [`Figures::cumulative`] whose path starts here (no caller above).
    pub own: Option<f64>,
    /// Calls (of a function, or along an edge); for stacks, the samples counted in
    /// [`Figures::cumulative`].
    pub calls: Option<i64>,
    /// Calls that were not recursive, where the input tells them from calls; for stacks, the
    /// samples counted in [`Figures::own`].
    pub primitive_calls: Option<i64>,
}

/// One line of a call tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// The function; `None` for a [`Mark::Pruned`] summary.
    pub function: Option<FunctionId>,
    /// What the node is.
    pub mark: Mark,
    /// Its figures (all `None` for a summary).
    pub figures: Figures,
    /// How deep it is: 0 for a root.
    pub depth: u32,
    pub(super) parent: u32,
    /// One past the last node of its subtree.
    pub(super) end: u32,
}

/// Identifies a node of one [`CallTree`]: nodes are numbered in the order they print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The node at this position in [`CallTree::nodes`].
    pub fn from_index(index: usize) -> NodeId {
        NodeId(index as u32)
    }

    /// The node's position in [`CallTree::nodes`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

pub(super) const NO_PARENT: u32 = u32::MAX;

/// A call tree: nodes in the order they print (each node before its children, children by
/// decreasing figure), with figures and marks. Built by [`build`].
#[derive(Debug, Clone, PartialEq)]
pub struct CallTree {
    pub(super) nodes: Vec<TreeNode>,
    /// The total every percentage is of.
    pub total: f64,
    /// What the figures come from.
    pub source: TreeSource,
    /// Whether the tree is bottom-up.
    pub inverted: bool,
    /// What the profile's figures count.
    pub measure: Measure,
    /// The threshold the tree was pruned at, as a fraction of the total.
    pub min_fraction: f64,
}

impl CallTree {
    /// Every node, in print order.
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> &TreeNode {
        &self.nodes[id.index()]
    }

    /// The node's parent, `None` for a root.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let parent = self.nodes[id.index()].parent;
        (parent != NO_PARENT).then_some(NodeId(parent))
    }

    /// The node's children, in print order.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let end = self.nodes[id.index()].end;
        self.siblings_from(id.0 + 1, end)
    }

    /// The roots, in print order.
    pub fn roots(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.siblings_from(0, self.nodes.len() as u32)
    }

    /// Whether the node is the last child of its parent (or the last root).
    pub fn is_last_child(&self, id: NodeId) -> bool {
        let node = &self.nodes[id.index()];
        let parent_end = match node.parent {
            NO_PARENT => self.nodes.len() as u32,
            parent => self.nodes[parent as usize].end,
        };
        node.end == parent_end
    }

    fn siblings_from(&self, start: u32, end: u32) -> impl Iterator<Item = NodeId> + '_ {
        let mut at = start;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let id = NodeId(at);
            at = self.nodes[at as usize].end;
            Some(id)
        })
    }
}

/// Builds the call tree of a profile: from its real stacks when it has them, else from its
/// call edges (see the module docs and docs/tree.md).
///
/// ```
/// use pstat::query::tree::{self, Mark, TreeOptions};
///
/// let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats", &Default::default()).and_then(pstat::AnyProfile::into_calls)?;
/// let tree = tree::build(&profile, &TreeOptions::default());
/// let root = tree.roots().next().expect("a root");
/// // A root shows its function's own figures, as the file holds them.
/// let function = tree.node(root).function.expect("a function");
/// assert_eq!(tree.node(root).figures.cumulative, Some(profile.stats(function).cumtime));
/// // Its children are calls, each shown with the edge's figures.
/// for child in tree.children(root) {
///     assert!(tree.node(child).depth == 1);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build(profile: &Profile, options: &TreeOptions) -> CallTree {
    let min_fraction = match options.min_fraction {
        f if f.is_finite() && f > 0.0 => f,
        _ => 0.0,
    };
    let mut tree = CallTree {
        nodes: Vec::new(),
        total: 0.0,
        source: TreeSource::CallEdges,
        inverted: options.inverted,
        measure: profile.measure(),
        min_fraction,
    };
    match profile.stacks() {
        Some(_) => {
            tree.source = TreeSource::Stacks;
            let trie = match options.inverted {
                false => stacks::StackTrie::top_down(profile),
                true => stacks::StackTrie::bottom_up(profile),
            };
            tree.total = trie.total();
            trie.emit(profile, &mut tree);
        }
        None => {
            tree.total = profile.totals().tottime;
            match options.inverted {
                false => edges::top_down(profile, &mut tree, options.threads),
                true => edges::bottom_up(profile, &mut tree),
            }
        }
    }
    finish(&mut tree.nodes);
    tree
}

/// Fills in each node's `end` from the depths of the nodes in print order.
fn finish(nodes: &mut [TreeNode]) {
    let mut open: Vec<usize> = Vec::new();
    for i in 0..nodes.len() {
        while let Some(&top) = open.last() {
            if nodes[top].depth < nodes[i].depth {
                break;
            }
            nodes[top].end = i as u32;
            open.pop();
        }
        open.push(i);
    }
    for top in open {
        nodes[top].end = nodes.len() as u32;
    }
}

/// The figure children are ordered and pruned by: the cumulative one, or for calls with no
/// time, the calls.
pub(super) fn weight(figures: &Figures) -> f64 {
    figures
        .cumulative
        .unwrap_or_else(|| figures.calls.unwrap_or(0) as f64)
}

/// Orders candidates by decreasing weight, then by key (pstats' order of names), so equal
/// figures print in a stable order.
pub(super) fn by_weight(
    profile: &Profile,
) -> impl Fn(&(FunctionId, Figures, f64), &(FunctionId, Figures, f64)) -> Ordering + '_ {
    |a, b| {
        b.2.partial_cmp(&a.2)
            .unwrap_or(Ordering::Equal)
            .then_with(|| profile.compare_keys(a.0, b.0))
            .then(a.0.cmp(&b.0))
    }
}

pub(super) fn node(
    function: Option<FunctionId>,
    mark: Mark,
    figures: Figures,
    depth: u32,
    parent: u32,
) -> TreeNode {
    TreeNode {
        function,
        mark,
        figures,
        depth,
        parent,
        end: 0,
    }
}

/// A function's own figures, as the file holds them.
pub(super) fn function_figures(profile: &Profile, id: FunctionId) -> Figures {
    if !profile.is_listed(id) {
        return Figures::default();
    }
    let stats = profile.stats(id);
    Figures {
        cumulative: Some(stats.cumtime),
        own: Some(stats.tottime),
        calls: Some(stats.calls),
        primitive_calls: Some(stats.primitive_calls),
    }
}

/// An edge's figures; for the `profile` module's bare counts, the calls alone.
pub(super) fn edge_figures(call: CallStats) -> Figures {
    match call {
        CallStats::Timed {
            calls,
            primitive_calls,
            tottime,
            cumtime,
        } => Figures {
            cumulative: Some(cumtime),
            own: Some(tottime),
            calls: Some(calls),
            primitive_calls: Some(primitive_calls),
        },
        CallStats::Count(calls) => Figures {
            calls: Some(calls),
            ..Figures::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{fs, timed};
    use crate::model::{Builder, Merge};

    /// The tree as lines `depth name cumulative own calls mark`, figures `-` where unknown.
    fn lines(profile: &Profile, tree: &CallTree) -> Vec<String> {
        let figure = |f: Option<f64>| f.map_or("-".to_string(), |v| v.to_string());
        tree.nodes()
            .iter()
            .map(|n| {
                let indent = "  ".repeat(n.depth as usize);
                match (n.mark, n.function) {
                    (Mark::Pruned { count }, _) => format!("{indent}({count} pruned)"),
                    (mark, Some(id)) => {
                        let mark = match mark {
                            Mark::Recursion => " recursion",
                            Mark::Elsewhere => " elsewhere",
                            _ => "",
                        };
                        let calls = n.figures.calls.map_or("-".to_string(), |c| c.to_string());
                        format!(
                            "{indent}{} {} {} {calls}{mark}",
                            profile.name(id),
                            figure(n.figures.cumulative),
                            figure(n.figures.own),
                        )
                    }
                    (_, None) => unreachable!("a function node has a function"),
                }
            })
            .collect()
    }

    fn build_with(profile: &Profile, inverted: bool, min_fraction: f64) -> Vec<String> {
        let options = TreeOptions {
            inverted,
            min_fraction,
            ..Default::default()
        };
        lines(profile, &build(profile, &options))
    }

    /// main calls a and b, both call c: c has two callers.
    fn diamond() -> Profile {
        let mut b = Builder::default();
        let (main, a, bb, c) = (
            b.key("m.py", 1, "main"),
            b.key("m.py", 2, "a"),
            b.key("m.py", 3, "b"),
            b.key("m.py", 4, "c"),
        );
        let none = std::iter::empty();
        b.add_entry(main, fs(1, 1, 1.0, 10.0), none, Merge::Replace);
        let from_main = [(main, timed(1, 1, 2.0, 6.0))];
        b.add_entry(a, fs(1, 1, 2.0, 6.0), from_main.into_iter(), Merge::Replace);
        let from_main = [(main, timed(1, 1, 1.0, 3.0))];
        b.add_entry(
            bb,
            fs(1, 1, 1.0, 3.0),
            from_main.into_iter(),
            Merge::Replace,
        );
        let from_ab = [(a, timed(2, 2, 4.0, 4.0)), (bb, timed(1, 1, 2.0, 2.0))];
        b.add_entry(c, fs(3, 3, 6.0, 6.0), from_ab.into_iter(), Merge::Replace);
        b.finish()
    }

    #[test]
    fn a_function_with_several_callers_is_expanded_once_as_its_own_entry() {
        let p = diamond();
        assert_eq!(
            build_with(&p, false, 0.005),
            [
                "main 10 1 1",
                "  a 6 2 1",
                "    c 4 4 2 elsewhere",
                "  b 3 1 1",
                "    c 2 2 1 elsewhere",
                "c 6 6 3",
            ]
        );
    }

    #[test]
    fn bottom_up_edges_give_each_caller_its_share_of_own_time() {
        let p = diamond();
        assert_eq!(
            build_with(&p, true, 0.005),
            [
                "c 6 - 3",
                "  a 4 - 2",
                "  b 2 - 1",
                "a 2 - 1",
                "  main 2 - 1",
                // Equal figures go in pstats' order of keys: main is m.py:1, b m.py:3.
                "main 1 - 1",
                "b 1 - 1",
                "  main 1 - 1",
            ]
        );
        // At 15% (1.5 s of 10), b and main's own time go, and so does b's share of c.
        assert_eq!(
            build_with(&p, true, 0.15),
            [
                "c 6 - 3",
                "  a 4 - 2",
                "  b 2 - 1",
                "a 2 - 1",
                "  main 2 - 1",
                "(2 pruned)"
            ]
        );
    }

    #[test]
    fn recursion_is_marked_and_not_expanded() {
        let mut b = Builder::default();
        let (main, f, g) = (
            b.key("m.py", 1, "main"),
            b.key("m.py", 2, "f"),
            b.key("m.py", 3, "g"),
        );
        let none = std::iter::empty();
        b.add_entry(main, fs(1, 1, 0.0, 4.0), none, Merge::Replace);
        let callers = [(main, timed(1, 1, 1.0, 4.0)), (g, timed(2, 0, 0.5, 2.0))];
        b.add_entry(f, fs(1, 3, 1.5, 4.0), callers.into_iter(), Merge::Replace);
        let callers = [(f, timed(2, 1, 2.5, 3.0))];
        b.add_entry(g, fs(1, 2, 2.5, 3.0), callers.into_iter(), Merge::Replace);
        let p = b.finish();
        assert_eq!(
            build_with(&p, false, 0.005),
            [
                "main 4 0 1",
                "  f 4 1 1",
                "    g 3 2.5 2",
                "      f 2 0.5 2 recursion",
            ]
        );
    }

    #[test]
    fn small_children_are_summarised() {
        let mut b = Builder::default();
        let main = b.key("m.py", 1, "main");
        let keys: Vec<_> = (0..4).map(|i| b.key("m.py", 10 + i, "leaf")).collect();
        let none = std::iter::empty();
        b.add_entry(main, fs(1, 1, 0.0, 100.0), none, Merge::Replace);
        for (i, &key) in keys.iter().enumerate() {
            let time = [97.0, 1.0, 1.0, 0.4][i];
            let callers = [(main, timed(1, 1, time, time))];
            b.add_entry(
                key,
                fs(1, 1, time, time),
                callers.into_iter(),
                Merge::Replace,
            );
        }
        let p = b.finish();
        // 1% of 99.4 s is 0.994 s: the two 1 s leaves stay, the 0.4 s one goes.
        assert_eq!(
            build_with(&p, false, 0.01),
            [
                "main 100 0 1",
                "  leaf 97 97 1",
                "  leaf 1 1 1",
                "  leaf 1 1 1",
                "  (1 pruned)",
            ]
        );
        assert_eq!(build_with(&p, false, 0.0).len(), 5);
    }

    #[test]
    fn profile_module_edges_show_calls_and_the_function_figures_where_they_are_all_of_it() {
        let mut b = Builder::default();
        let (top, main, f) = (
            b.key("profile", 0, "profiler"),
            b.key("m.py", 1, "main"),
            b.key("m.py", 2, "f"),
        );
        b.add_entry(top, fs(0, 0, 0.0, 0.0), std::iter::empty(), Merge::Replace);
        let callers = [(top, CallStats::Count(1))];
        b.add_entry(
            main,
            fs(1, 1, 1.0, 3.0),
            callers.into_iter(),
            Merge::Replace,
        );
        let callers = [(main, CallStats::Count(2)), (f, CallStats::Count(5))];
        b.add_entry(f, fs(2, 7, 2.0, 2.0), callers.into_iter(), Merge::Replace);
        let p = b.finish();
        // The pseudo-function `profile` lists for its top level is no root: what it called is.
        assert_eq!(
            build_with(&p, false, 0.005),
            ["main 3 1 1", "  f 2 2 2", "    f - - 5 recursion"]
        );
    }

    /// A sampled profile from (frames root first, samples); each sample takes 1 s.
    fn sampled(stacks: &[(&[&str], u64)]) -> Profile {
        crate::model::test_profile(stacks, true)
    }

    #[test]
    fn stacks_give_the_exact_tree_both_ways() {
        let p = sampled(&[
            (&["main", "a", "c"], 4),
            (&["main", "b", "c"], 2),
            (&["main"], 1),
            (&["main", "a"], 1),
        ]);
        assert_eq!(
            build_with(&p, false, 0.005),
            [
                "main 8 1 8",
                "  a 5 1 5",
                "    c 4 4 4",
                "  b 2 0 2",
                "    c 2 2 2",
            ]
        );
        assert_eq!(
            build_with(&p, true, 0.005),
            [
                "c 6 0 6",
                "  a 4 0 4",
                "    main 4 4 4",
                "  b 2 0 2",
                "    main 2 2 2",
                "a 1 0 1",
                "  main 1 1 1",
                "main 1 1 1",
            ]
        );
    }

    #[test]
    fn tree_navigation_follows_print_order() {
        let p = diamond();
        let tree = build(&p, &TreeOptions::default());
        let roots: Vec<_> = tree.roots().map(NodeId::index).collect();
        assert_eq!(roots, [0, 5]);
        let children: Vec<_> = tree.children(NodeId(0)).map(NodeId::index).collect();
        assert_eq!(children, [1, 3]);
        assert_eq!(tree.parent(NodeId(4)), Some(NodeId(3)));
        assert_eq!(tree.parent(NodeId(5)), None);
        assert!(tree.is_last_child(NodeId(3)) && !tree.is_last_child(NodeId(1)));
        assert!(tree.is_last_child(NodeId(5)) && !tree.is_last_child(NodeId(0)));
    }
}
