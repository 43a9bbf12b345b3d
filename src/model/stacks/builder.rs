//! [`SampleBuilder`]: collects stacks and samples while an input is read, then derives the
//! profile's figures and edges from them (the mapping is in [`super`]'s docs).

use std::sync::Arc;

use hashbrown::HashMap;

use super::{NONE, Sample, StackId, Stacks, Thread, ThreadId};
use crate::model::{
    Builder, CallStats, FunctionId, FunctionStats, KeyId, Measure, Merge, Profile, SourceFile,
    Totals,
};

/// Collects stacks and samples while an input is read, then derives the profile's figures
/// from them ([`SampleBuilder::finish`]). The fields that [`SampleBuilder::add_runs`]
/// (`sorted.rs`) lays out are `pub(super)`.
pub(crate) struct SampleBuilder {
    keys: Builder,
    /// Per node: (parent node or NONE, key).
    pub(super) nodes: Vec<(u32, KeyId)>,
    node_of: HashMap<(u32, KeyId), u32>,
    pub(super) samples: Vec<(u32, u32, u64, f64)>,
    /// Per stack node, its most recent sample, and per sample the one before it in the same
    /// node (another thread's): equal (stack, thread) samples are found without hashing.
    sample_at: Vec<u32>,
    pub(super) sample_next: Vec<u32>,
    threads: Vec<Thread>,
    thread_of: HashMap<String, u32>,
    without_frames: u64,
    timed: bool,
    /// The time of one sample, when every sample has the same.
    interval: Option<f64>,
    /// When the nodes were laid out by [`SampleBuilder::add_runs`]: each node's number in order
    /// of first appearance, the numbering the profile's stack table keeps.
    pub(super) first_seen: Option<Vec<u32>>,
}

/// A node of the stack being built: `None` before its first frame.
pub(crate) type Node = Option<u32>;

impl SampleBuilder {
    /// A builder for samples whose times are seconds (`timed`) or counts.
    pub(crate) fn new(timed: bool) -> SampleBuilder {
        SampleBuilder {
            keys: Builder::default(),
            nodes: Vec::new(),
            node_of: HashMap::new(),
            samples: Vec::new(),
            sample_at: Vec::new(),
            sample_next: Vec::new(),
            threads: Vec::new(),
            thread_of: HashMap::new(),
            without_frames: 0,
            timed,
            interval: None,
            first_seen: None,
        }
    }

    /// Says that every sample lasts `interval` seconds: the figures' times are then computed as
    /// Python 3.15 computes them, samples × interval, rather than summed sample by sample
    /// (which rounds differently).
    pub(crate) fn set_interval(&mut self, interval: f64) {
        self.interval = Some(interval);
    }

    /// The id of the function key (file, line, name).
    pub(crate) fn key(&mut self, file: &str, line: i64, name: &str) -> KeyId {
        self.keys.key(file, line, name)
    }

    /// The thread with this id; a name given now replaces none given before (py-spy names a
    /// thread on some of its lines only).
    pub(crate) fn thread(&mut self, id: &str, name: Option<&str>) -> ThreadId {
        let index = match self.thread_of.get(id) {
            Some(&index) => index,
            None => {
                let index = self.threads.len() as u32;
                self.threads.push(Thread {
                    id: id.to_string(),
                    name: None,
                });
                self.thread_of.insert(id.to_string(), index);
                index
            }
        };
        let thread = &mut self.threads[index as usize];
        if thread.name.is_none() {
            thread.name = name.filter(|n| !n.is_empty()).map(str::to_string);
        }
        ThreadId(index)
    }

    /// The stack `parent` + `key`.
    #[inline]
    pub(crate) fn push(&mut self, parent: Node, key: KeyId) -> u32 {
        let parent = parent.unwrap_or(NONE);
        let next = self.nodes.len() as u32;
        let node = *self.node_of.entry((parent, key)).or_insert(next);
        if node == next {
            self.nodes.push((parent, key));
        }
        node
    }

    /// Adds `count` samples of time `time` in stack `leaf` (`None`: a sample with no frame).
    pub(crate) fn add(&mut self, leaf: Node, thread: Option<ThreadId>, count: u64, time: f64) {
        let Some(leaf) = leaf else {
            self.without_frames = self.without_frames.saturating_add(count);
            return;
        };
        let thread = thread.map_or(NONE, |t| t.0);
        if self.sample_at.len() <= leaf as usize {
            self.sample_at
                .resize(self.nodes.len().max(leaf as usize + 1), NONE);
        }
        let mut at = self.sample_at[leaf as usize];
        while at != NONE {
            let sample = &mut self.samples[at as usize];
            if sample.1 == thread {
                sample.2 = sample.2.saturating_add(count);
                sample.3 += time;
                return;
            }
            at = self.sample_next[at as usize];
        }
        self.sample_next.push(self.sample_at[leaf as usize]);
        self.sample_at[leaf as usize] = self.samples.len() as u32;
        self.samples.push((leaf, thread, count, time));
    }

    /// Adds every sample of `profile`'s stacks, each function renamed to `key_of[function]`.
    pub(crate) fn add_stacks(&mut self, stacks: &Stacks, key_of: &[KeyId]) {
        // One interval for all only if every profile added has the same.
        self.interval = match self.samples.is_empty() && self.without_frames == 0 {
            true => stacks.interval,
            false => self.interval.filter(|&i| Some(i) == stacks.interval),
        };
        let thread_of: Vec<ThreadId> = stacks
            .threads
            .iter()
            .map(|t| self.thread(&t.id, t.name.as_deref()))
            .collect();
        // Parents come before their children, so one pass maps every node.
        let mut node_of = Vec::with_capacity(stacks.nodes.len());
        for &(parent, function) in &stacks.nodes {
            let parent = (parent != NONE).then(|| node_of[parent as usize]);
            node_of.push(self.push(parent, key_of[function.index()]));
        }
        for sample in &stacks.samples {
            let thread = sample.thread.map(|t| thread_of[t.index()]);
            let leaf = node_of[sample.stack.index()];
            self.add(Some(leaf), thread, sample.count, sample.time);
        }
        self.without_frames = self.without_frames.saturating_add(stacks.without_frames);
    }

    /// The keys seen so far, for a transform that renames a profile's functions into them.
    pub(crate) fn keys_mut(&mut self) -> &mut Builder {
        &mut self.keys
    }

    /// Derives every function's figures and every edge's from the samples (see the module
    /// docs) and builds the profile. With `thread_frames`, each stack gets its thread as a root
    /// frame (`thread (ID): NAME`, file `~`, line 0), as py-spy's `--threads` writes it.
    pub(crate) fn finish(mut self, thread_frames: bool, files: Vec<SourceFile>) -> Profile {
        if thread_frames {
            self.add_thread_frames();
        }
        let (mut figures, mut edges, mut totals, order) = self.derive();
        let keys = self.keys.key_count();
        if let Some(interval) = self.interval {
            let time = |count: i64| count as f64 * interval;
            for f in &mut figures {
                f.tottime = time(f.primitive_calls);
                f.cumtime = time(f.calls);
            }
            for (_, _, f) in &mut edges {
                f.tottime = time(f.leaf);
                f.cumtime = time(f.primitive_calls);
                f.entering_time = time(f.entering);
            }
            totals.tottime = time(totals.primitive_calls);
        }
        // Callers grouped by callee, each group in order of first appearance.
        let mut callers_of: Vec<Vec<u32>> = vec![Vec::new(); keys];
        for (i, (_, callee, _)) in edges.iter().enumerate() {
            callers_of[callee.index()].push(i as u32);
        }
        for &key in &order {
            let callers = callers_of[key.index()].iter().map(|&e| {
                let (caller, _, f) = edges[e as usize];
                (
                    caller,
                    CallStats::Timed {
                        calls: f.calls,
                        primitive_calls: f.primitive_calls,
                        tottime: f.tottime,
                        cumtime: f.cumtime,
                    },
                )
            });
            self.keys
                .add_entry(key, figures[key.index()], callers, Merge::Replace);
        }
        // The profile numbers its edges by callee in function order, each callee's callers in
        // the order given: the order just used.
        let mut entering_time = vec![0.0; edges.len()];
        let mut next = 0;
        for &key in &order {
            for &e in &callers_of[key.index()] {
                entering_time[next] = edges[e as usize].2.entering_time;
                next += 1;
            }
        }
        let threads = std::mem::take(&mut self.threads);
        let (mut profile, id_of) = self.keys.into_profile(totals, files);
        let function = |key: KeyId| FunctionId(id_of[key.index()]);
        let (nodes, number) = match &self.first_seen {
            None => (
                self.nodes
                    .iter()
                    .map(|&(parent, key)| (parent, function(key)))
                    .collect(),
                None,
            ),
            Some(number) => {
                let mut nodes = vec![(NONE, FunctionId(0)); self.nodes.len()];
                for (i, &(parent, key)) in self.nodes.iter().enumerate() {
                    let parent = if parent == NONE {
                        NONE
                    } else {
                        number[parent as usize]
                    };
                    nodes[number[i] as usize] = (parent, function(key));
                }
                (nodes, Some(number))
            }
        };
        let stacks = Stacks {
            nodes,
            samples: self
                .samples
                .iter()
                .map(|&(leaf, thread, count, time)| Sample {
                    stack: StackId(number.map_or(leaf, |n| n[leaf as usize])),
                    thread: (thread != NONE).then_some(ThreadId(thread)),
                    count,
                    time,
                })
                .collect(),
            threads,
            without_frames: self.without_frames,
            interval: self.interval,
            entering_time,
        };
        profile.measure = Measure::Samples { timed: self.timed };
        profile.stacks = Some(Arc::new(stacks));
        profile
    }

    /// Every function's figures, every edge's (caller, callee, figures) in order of first
    /// appearance, and the totals, in one depth-first pass over the stack table: a sample is
    /// counted at each stack on its path, so a stack's figures are those of the samples in it
    /// and below it (its subtree). A function's inclusive figures are the subtrees of its
    /// outermost frames (no ancestor with the same function), so a sample counts once however
    /// often the function recurses; likewise an edge's primitive calls and cumtime.
    ///
    /// Also returns the functions in the order the pass first meets them (roots first), leaving
    /// out stacks with no sample in them or below (an evented span of no length).
    #[allow(clippy::type_complexity)]
    fn derive(
        &self,
    ) -> (
        Vec<FunctionStats>,
        Vec<(KeyId, KeyId, EdgeFigures)>,
        Totals,
        Vec<KeyId>,
    ) {
        let nodes = self.nodes.len();
        // The samples in each stack (threads merged), then in each subtree: a parent has a
        // smaller index than its children.
        let mut own = vec![(0i64, 0.0f64); nodes];
        for &(leaf, _, count, time) in &self.samples {
            let slot = &mut own[leaf as usize];
            slot.0 = slot.0.saturating_add(count.min(i64::MAX as u64) as i64);
            slot.1 += time;
        }
        let mut subtree = own.clone();
        for i in (0..nodes).rev() {
            let parent = self.nodes[i].0;
            if parent != NONE {
                let (count, time) = subtree[i];
                let slot = &mut subtree[parent as usize];
                slot.0 = slot.0.saturating_add(count);
                slot.1 += time;
            }
        }
        let keys = self.keys.key_count();
        // The edge into each node, numbered here in node order; the profile numbers them in
        // the order the pass below first meets them. Looked up in a loop of their own, the
        // lookups' cache misses overlap.
        let mut edge_of: HashMap<(KeyId, KeyId), u32> = HashMap::new();
        let mut edge_keys: Vec<(KeyId, KeyId)> = Vec::new();
        let mut edge_into = vec![NONE; nodes];
        for (node, &(parent, key)) in self.nodes.iter().enumerate() {
            if parent != NONE {
                let caller = self.nodes[parent as usize].1;
                let next = edge_keys.len() as u32;
                let edge = *edge_of.entry((caller, key)).or_insert(next);
                if edge == next {
                    edge_keys.push((caller, key));
                }
                edge_into[node] = edge;
            }
        }
        drop(edge_of);
        // Per edge: how often it is on the path, and its number in order of first meeting.
        let mut edge_state = vec![(0u32, NONE); edge_keys.len()];
        let mut edge_order: Vec<u32> = Vec::new();
        let mut on_path = vec![0u32; keys];
        let mut met = vec![false; keys];
        let mut order = Vec::new();
        // The nodes in the order the walk meets them, each with whether it is its function's
        // outermost frame and its edge's. Entering a node counts it on the path; leaving undoes
        // its marks. The figures are summed afterwards, node by node in the same order: apart
        // from the marks, the walk reads nothing at random.
        let mut visits: Vec<(u32, bool, bool)> = Vec::with_capacity(nodes);
        self.walk(&subtree, |node, entering| {
            let (parent, key) = self.nodes[node as usize];
            let edge = edge_into[node as usize];
            if !entering {
                on_path[key.index()] -= 1;
                if edge != NONE {
                    edge_state[edge as usize].0 -= 1;
                }
                return;
            }
            if !met[key.index()] {
                met[key.index()] = true;
                order.push(key);
            }
            let outermost = on_path[key.index()] == 0;
            on_path[key.index()] += 1;
            let mut edge_outermost = false;
            if parent != NONE {
                let state = &mut edge_state[edge as usize];
                if state.1 == NONE {
                    state.1 = edge_order.len() as u32;
                    edge_order.push(edge);
                }
                edge_outermost = state.0 == 0;
                state.0 += 1;
            }
            visits.push((node, outermost, edge_outermost));
        });
        let mut figures = vec![FunctionStats::default(); keys];
        let mut totals = Totals::default();
        let mut edge_figures = vec![EdgeFigures::default(); edge_keys.len()];
        for &(node, outermost, edge_outermost) in &visits {
            let key = self.nodes[node as usize].1;
            let (own_count, own_time) = own[node as usize];
            let (count, time) = subtree[node as usize];
            let f = &mut figures[key.index()];
            f.primitive_calls = f.primitive_calls.saturating_add(own_count);
            f.tottime += own_time;
            totals.primitive_calls = totals.primitive_calls.saturating_add(own_count);
            totals.tottime += own_time;
            if outermost {
                f.calls = f.calls.saturating_add(count);
                f.cumtime += time;
                totals.calls = totals.calls.saturating_add(count);
            }
            let edge = edge_into[node as usize];
            if edge != NONE {
                let e = &mut edge_figures[edge as usize];
                e.calls = e.calls.saturating_add(count);
                e.tottime += own_time;
                e.leaf = e.leaf.saturating_add(own_count);
                if edge_outermost {
                    e.primitive_calls = e.primitive_calls.saturating_add(count);
                    e.cumtime += time;
                }
                if outermost {
                    e.entering = e.entering.saturating_add(count);
                    e.entering_time += time;
                }
            }
        }
        let edges = edge_order
            .iter()
            .map(|&e| {
                let (caller, callee) = edge_keys[e as usize];
                (caller, callee, edge_figures[e as usize])
            })
            .collect();
        (figures, edges, totals, order)
    }

    /// Walks the stack table depth-first, children in order of index, through the stacks with
    /// samples in them or below (`subtree` is not zero): `visit(node, true)` on entering a
    /// node, `visit(node, false)` on leaving it.
    fn walk(&self, subtree: &[(i64, f64)], mut visit: impl FnMut(u32, bool)) {
        let nodes = self.nodes.len();
        let empty = |node: usize| subtree[node] == (0, 0.0);
        if self.first_seen.is_some() {
            // Laid out by `add_runs`, depth-first with children in order of index, and not
            // added to since (`push` would number a new node past `first_seen`): the walk is
            // the nodes in index order, left along the path back to each one's parent. A stack
            // with no samples below has none in its subtree, which is skipped with it.
            let mut path: Vec<u32> = Vec::new();
            for (node, &(parent, _)) in self.nodes.iter().enumerate() {
                if empty(node) {
                    continue;
                }
                while let Some(&top) = path.last()
                    && top != parent
                {
                    path.pop();
                    visit(top, false);
                }
                visit(node as u32, true);
                path.push(node as u32);
            }
            while let Some(top) = path.pop() {
                visit(top, false);
            }
            return;
        }
        let mut children_start = vec![0u32; nodes + 1];
        for &(parent, _) in &self.nodes {
            if parent != NONE {
                children_start[parent as usize + 1] += 1;
            }
        }
        for i in 0..nodes {
            children_start[i + 1] += children_start[i];
        }
        let mut next = children_start.clone();
        let mut children = vec![0u32; children_start[nodes] as usize];
        let mut roots = Vec::new();
        for (i, &(parent, _)) in self.nodes.iter().enumerate() {
            if parent == NONE {
                roots.push(i as u32);
            } else {
                children[next[parent as usize] as usize] = i as u32;
                next[parent as usize] += 1;
            }
        }
        // (node, entering)
        let mut work: Vec<(u32, bool)> = roots.iter().rev().map(|&r| (r, true)).collect();
        while let Some((node, entering)) = work.pop() {
            if !entering {
                visit(node, false);
                continue;
            }
            if empty(node as usize) {
                continue;
            }
            visit(node, true);
            work.push((node, false));
            let range =
                children_start[node as usize] as usize..children_start[node as usize + 1] as usize;
            work.extend(children[range].iter().rev().map(|&c| (c, true)));
        }
    }

    /// Rebuilds the stack table with each sample's thread as its root frame.
    fn add_thread_frames(&mut self) {
        let thread_keys: Vec<KeyId> = (0..self.threads.len())
            .map(|t| {
                let name = self.threads[t].frame_name();
                self.keys.key("~", 0, &name)
            })
            .collect();
        let old = std::mem::take(&mut self.nodes);
        // Rebuilt by `push`, the new table is numbered in order of first appearance.
        self.first_seen = None;
        self.node_of.clear();
        let samples = std::mem::take(&mut self.samples);
        self.sample_at.clear();
        self.sample_next.clear();
        let mut copied: HashMap<(u32, u32), u32> = HashMap::new();
        let mut path = Vec::new();
        for (leaf, thread, count, time) in samples {
            path.clear();
            let mut at = leaf;
            while at != NONE {
                path.push(at);
                at = old[at as usize].0;
            }
            let mut node: Node =
                (thread != NONE).then(|| self.push(None, thread_keys[thread as usize]));
            for &old_node in path.iter().rev() {
                node = Some(match copied.get(&(thread, old_node)) {
                    Some(&n) => n,
                    None => {
                        let n = self.push(node, old[old_node as usize].1);
                        copied.insert((thread, old_node), n);
                        n
                    }
                });
            }
            let thread = (thread != NONE).then_some(ThreadId(thread));
            self.add(node, thread, count, time);
        }
    }
}

/// An edge's figures while they are summed.
#[derive(Default, Clone, Copy)]
struct EdgeFigures {
    calls: i64,
    /// Samples in which the callee is the leaf under this caller.
    leaf: i64,
    /// Samples in which this edge enters the callee's outermost frame, and their time.
    entering: i64,
    entering_time: f64,
    primitive_calls: i64,
    tottime: f64,
    cumtime: f64,
}

/// For tests: a profile from folded-style stacks of names (root first, each function at
/// `m.py:1`) with counts; each sample lasts one second when `timed`.
#[cfg(test)]
pub(crate) fn test_profile(stacks: &[(&[&str], u64)], timed: bool) -> Profile {
    let mut b = SampleBuilder::new(timed);
    for (frames, count) in stacks {
        let mut node = None;
        for name in *frames {
            let key = b.key("m.py", 1, name);
            node = Some(b.push(node, key));
        }
        b.add(node, None, *count, *count as f64);
    }
    b.finish(false, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(stacks: &[(&[&str], u64)]) -> Profile {
        test_profile(stacks, false)
    }

    fn id(p: &Profile, name: &str) -> FunctionId {
        p.functions().find(|&f| p.name(f) == name).unwrap()
    }

    #[test]
    fn figures_derive_from_stacks() {
        let p = profile(&[
            (&["main", "f", "g"], 3),
            (&["main", "f"], 2),
            (&["main", "g"], 1),
        ]);
        let (main, f, g) = (id(&p, "main"), id(&p, "f"), id(&p, "g"));
        let s = |id| {
            let s = p.stats(id);
            (s.primitive_calls, s.calls)
        };
        assert_eq!(s(main), (0, 6));
        assert_eq!(s(f), (2, 5));
        assert_eq!(s(g), (4, 4));
        assert_eq!(p.totals().primitive_calls, 6);
        let callers: Vec<_> = p.callers(g).collect();
        assert_eq!(callers.len(), 2);
        assert_eq!(
            callers[0],
            (
                f,
                CallStats::Timed {
                    calls: 3,
                    primitive_calls: 3,
                    tottime: 3.0,
                    cumtime: 3.0
                }
            )
        );
        assert_eq!(p.measure(), Measure::Samples { timed: false });
        assert_eq!(p.stacks().unwrap().samples().len(), 3);
    }

    #[test]
    fn recursion_counts_once_per_sample_and_every_adjacency_on_edges() {
        let p = profile(&[(&["main", "fib", "fib", "fib"], 4)]);
        let fib = id(&p, "fib");
        assert_eq!(p.stats(fib).calls, 4);
        assert_eq!(p.stats(fib).primitive_calls, 4);
        let to_self = p.callers(fib).find(|(c, _)| *c == fib).unwrap().1;
        assert_eq!(
            to_self,
            CallStats::Timed {
                calls: 8,
                primitive_calls: 4,
                tottime: 4.0,
                cumtime: 4.0
            }
        );
    }

    #[test]
    fn equal_stacks_merge_and_prefixes_are_shared() {
        let p = profile(&[(&["a", "b"], 1), (&["a", "b"], 2), (&["a"], 1)]);
        let stacks = p.stacks().unwrap();
        assert_eq!(stacks.stack_count(), 2);
        assert_eq!(stacks.samples().len(), 2);
        assert_eq!(stacks.samples()[0].count, 3);
        let mut frames = Vec::new();
        stacks.frames_root_first(stacks.samples()[0].stack, &mut frames);
        let names: Vec<_> = frames.iter().map(|&f| p.name(f)).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn thread_frames_become_roots() {
        let mut b = SampleBuilder::new(false);
        let t = b.thread("7", None);
        b.thread("7", Some("MainThread"));
        let key = b.key("m.py", 1, "main");
        let node = Some(b.push(None, key));
        b.add(node, Some(t), 2, 2.0);
        b.add(None, Some(t), 1, 1.0);
        let p = b.finish(true, Vec::new());
        let names: Vec<_> = p.functions().map(|f| p.display_name(f)).collect();
        assert_eq!(names, ["thread (7): MainThread", "m.py:1(main)"]);
        assert_eq!(p.stacks().unwrap().samples_without_frames(), 1);
    }

    #[test]
    fn strip_dirs_merges_functions_exactly() {
        let mut b = SampleBuilder::new(false);
        let mut node = None;
        for (file, name) in [("/a/m.py", "main"), ("/a/m.py", "f"), ("/b/m.py", "f")] {
            let key = b.key(file, 1, name);
            node = Some(b.push(node, key));
        }
        b.add(node, None, 1, 1.0);
        let merged = b.finish(false, Vec::new()).strip_dirs();
        let f = id(&merged, "f");
        assert_eq!(merged.stats(f).calls, 1);
        assert_eq!(merged.stats(f).primitive_calls, 1);
        assert_eq!(merged.function_count(), 2);
    }
}
