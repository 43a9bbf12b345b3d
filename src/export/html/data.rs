//! The report's data block: JSON with a string table and columnar arrays (docs/html.md, "Data
//! layout"), every string escaped so that the block cannot end its `<script>` element.

use std::io;
use std::ops::Range;

use hashbrown::HashMap;

use super::Options;
use crate::escape;
use crate::model::{CallStats, FunctionId, LineProfile, Measure, Profile};
use crate::pysource;
use crate::query::stacks::{Frame, StackTable};
use crate::report::lines::SourceProvider;
use crate::threads;

/// A JSON writer over any `io::Write`, for the few shapes the block needs. A column of
/// numbers is formatted into one buffer and written at once.
pub(super) struct Json<'a, W: io::Write> {
    out: &'a mut W,
    column: Vec<u8>,
    /// A float column's bytes before they are put in base64.
    binary: Vec<u8>,
}

impl<'a, W: io::Write> Json<'a, W> {
    pub(super) fn new(out: &'a mut W) -> Self {
        Json {
            out,
            column: Vec::new(),
            binary: Vec::new(),
        }
    }

    pub(super) fn raw(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())
    }

    /// `"key":`, after a comma unless it is the object's first member.
    pub(super) fn key(&mut self, key: &str, first: bool) -> io::Result<()> {
        if !first {
            self.raw(",")?;
        }
        self.string(key)?;
        self.raw(":")
    }

    /// A JSON string that cannot end the `<script>` element it is in
    /// ([`escape::json_in_script`]).
    pub(super) fn string(&mut self, text: &str) -> io::Result<()> {
        escape::json_in_script(self.out, text)
    }

    pub(super) fn int(&mut self, value: i64) -> io::Result<()> {
        self.out
            .write_all(itoa::Buffer::new().format(value).as_bytes())
    }

    /// A float as its shortest round-trip text; NaN and the infinities, which JSON lacks, as
    /// `null` (the page shows them as `nan`).
    pub(super) fn float(&mut self, value: f64) -> io::Result<()> {
        let mut text = zmij::Buffer::new();
        self.out.write_all(float_text(&mut text, value))
    }

    pub(super) fn ints(&mut self, values: impl Iterator<Item = i64>) -> io::Result<()> {
        let mut number = itoa::Buffer::new();
        self.column(values, |column, value| {
            column.extend_from_slice(number.format(value).as_bytes())
        })
    }

    /// A column of floats as a JSON array of their shortest round-trip texts, NaN and the
    /// infinities as `null`: shorter than [`Json::floats`] where the values are mostly small
    /// whole numbers, as the diff page's means of call counts are.
    pub(super) fn float_texts(&mut self, values: impl Iterator<Item = f64>) -> io::Result<()> {
        let mut text = zmij::Buffer::new();
        self.column(values, |column, value| {
            column.extend_from_slice(float_text(&mut text, value))
        })
    }

    /// A column of floats as `{"f64":"…"}`: the values' little-endian binary64 bytes in
    /// base64 (docs/html.md, "Data layout"). Exact, NaN and the infinities included, about 11
    /// characters a value where shortest round-trip text takes up to 24, and no number to
    /// format or parse.
    pub(super) fn floats(&mut self, values: impl Iterator<Item = f64>) -> io::Result<()> {
        let binary = &mut self.binary;
        binary.clear();
        binary.reserve(values.size_hint().0 * 8);
        for value in values {
            binary.extend_from_slice(&value.to_le_bytes());
        }
        let column = &mut self.column;
        column.clear();
        column.extend_from_slice(b"{\"f64\":\"");
        super::base64_sha::base64_into(binary, column);
        column.extend_from_slice(b"\"}");
        self.out.write_all(column)
    }

    /// `[a,b,…]`, each value put into the buffer by `push`, then written at once.
    fn column<T>(
        &mut self,
        values: impl Iterator<Item = T>,
        mut push: impl FnMut(&mut Vec<u8>, T),
    ) -> io::Result<()> {
        let column = &mut self.column;
        column.clear();
        column.push(b'[');
        for value in values {
            push(column, value);
            column.push(b',');
        }
        match column.last_mut() {
            Some(last) if *last == b',' => *last = b']',
            _ => column.push(b']'),
        }
        self.out.write_all(column)
    }

    pub(super) fn strings<'s>(&mut self, values: impl Iterator<Item = &'s str>) -> io::Result<()> {
        self.raw("[")?;
        for (i, value) in values.enumerate() {
            if i > 0 {
                self.raw(",")?;
            }
            self.string(value)?;
        }
        self.raw("]")
    }
}

/// A float as JSON: its shortest round-trip text, as serde_json writes it (both use zmij), or
/// `null` for NaN and the infinities.
fn float_text(buffer: &mut zmij::Buffer, value: f64) -> &[u8] {
    if value.is_finite() {
        buffer.format_finite(value).as_bytes()
    } else {
        b"null"
    }
}

/// The profile's files and names as one table sorted as Python compares strings (by code
/// point, which is UTF-8's byte order): comparing two indices compares the strings. Returns the
/// table and each of the profile's string ids' place in it.
fn string_table(profile: &Profile) -> (Vec<&str>, Vec<u32>) {
    let mut used = vec![false; profile.string_count()];
    for id in profile.all_functions() {
        used[profile.file_id(id).index()] = true;
        used[profile.name_id(id).index()] = true;
    }
    let mut ids: Vec<usize> = (0..used.len()).filter(|&i| used[i]).collect();
    let text = |i: usize| profile.string(crate::StringId(i as u32));
    ids.sort_unstable_by(|&a, &b| text(a).cmp(text(b)));
    let mut rank = vec![0u32; used.len()];
    for (place, &i) in ids.iter().enumerate() {
        rank[i] = place as u32;
    }
    (ids.into_iter().map(text).collect(), rank)
}

/// The block's `measure`: what the figures count (docs/html.md, "Data layout").
pub(super) fn measure_name(measure: Measure) -> &'static str {
    match measure {
        Measure::Calls => "calls",
        Measure::Samples { timed: true } => "samples",
        Measure::Samples { timed: false } => "counts",
    }
}

/// The call profile's block.
pub(super) fn write_calls<W: io::Write>(
    profile: &Profile,
    options: &Options,
    out: &mut W,
) -> io::Result<()> {
    let mut json = Json::new(out);
    json.raw("{")?;
    json.key("kind", true)?;
    json.string("calls")?;
    json.key("title", false)?;
    json.string(&options.title)?;
    json.key("inputs", false)?;
    json.raw("[")?;
    for (i, file) in profile.files().iter().enumerate() {
        json.raw(if i == 0 { "[" } else { ",[" })?;
        json.string(&file.path)?;
        json.raw(",")?;
        match file
            .mtime
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        {
            Some(since) => json.float(since.as_secs_f64())?,
            None => json.raw("null")?,
        }
        json.raw("]")?;
    }
    json.raw("]")?;
    json.key("measure", false)?;
    json.string(measure_name(profile.measure()))?;
    let totals = profile.totals();
    json.key("calls", false)?;
    json.int(totals.calls)?;
    json.key("pcalls", false)?;
    json.int(totals.primitive_calls)?;
    json.key("total", false)?;
    json.float(totals.tottime)?;

    let (strings, rank) = string_table(profile);
    // The icicle's frame tree (for cProfile input its stacks estimated from call edges, the
    // longest part) on a second core, while this one writes the functions' and the edges'
    // columns and orders the functions for the icicle's siblings.
    let tree = if options.stacks.threads.two() {
        std::thread::scope(|scope| {
            let tree = scope.spawn(|| frame_tree(profile, options));
            columns(profile, &strings, &rank, &mut json)?;
            let order = function_order(profile, &rank);
            let tree = tree
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            io::Result::Ok(preorder(&tree, &order))
        })?
    } else {
        let tree = frame_tree(profile, options);
        columns(profile, &strings, &rank, &mut json)?;
        preorder(&tree, &function_order(profile, &rank))
    };
    json.key("stacks", false)?;
    stacks_block(profile, &tree, &mut json)?;
    json.raw("}")
}

/// The call profile's string table, functions and edges: the block's members from `strings`
/// to `ect`.
fn columns<W: io::Write>(
    profile: &Profile,
    strings: &[&str],
    rank: &[u32],
    json: &mut Json<'_, W>,
) -> io::Result<()> {
    json.key("strings", false)?;
    json.strings(strings.iter().copied())?;
    json.key("listed", false)?;
    json.int(profile.function_count() as i64)?;
    let all = || profile.all_functions();
    let stats = |id: FunctionId| profile.stats(id);
    json.key("file", false)?;
    json.ints(all().map(|id| i64::from(rank[profile.file_id(id).index()])))?;
    json.key("line", false)?;
    json.ints(all().map(|id| profile.line(id)))?;
    json.key("name", false)?;
    json.ints(all().map(|id| i64::from(rank[profile.name_id(id).index()])))?;
    // pstats' `stdname` order, which the page would otherwise build the first time it is
    // asked for, from every printed name (docs/html.md, "Data layout").
    if let Some(order) = super::order::stdname_order(profile) {
        json.key("stdorder", false)?;
        json.ints(order.into_iter().map(i64::from))?;
    }
    let listed = || profile.functions();
    json.key("cc", false)?;
    json.ints(listed().map(|id| stats(id).primitive_calls))?;
    json.key("nc", false)?;
    json.ints(listed().map(|id| stats(id).calls))?;
    json.key("tt", false)?;
    json.floats(listed().map(|id| stats(id).tottime))?;
    json.key("ct", false)?;
    json.floats(listed().map(|id| stats(id).cumtime))?;

    // Edges grouped by callee, in function order, each group in the file's order.
    let timed = profile.has_timed_edges();
    let edges = || listed().flat_map(|id| profile.callers(id));
    json.key("ncallers", false)?;
    json.ints(listed().map(|id| profile.callers(id).len() as i64))?;
    json.key("timed", false)?;
    json.raw(if timed { "true" } else { "false" })?;
    json.key("ecaller", false)?;
    json.ints(edges().map(|(caller, _)| caller.index() as i64))?;
    json.key("enc", false)?;
    json.ints(edges().map(|(_, call)| call.calls()))?;
    let figures = |call: CallStats| match call {
        CallStats::Timed {
            primitive_calls,
            tottime,
            cumtime,
            ..
        } => (primitive_calls, tottime, cumtime),
        CallStats::Count(calls) => (calls, f64::NAN, f64::NAN),
    };
    if timed {
        json.key("ecc", false)?;
        json.ints(edges().map(|(_, call)| figures(call).0))?;
        json.key("ett", false)?;
        json.floats(edges().map(|(_, call)| figures(call).1))?;
        json.key("ect", false)?;
        json.floats(edges().map(|(_, call)| figures(call).2))?;
    }

    Ok(())
}

/// The block's `stacks` object: the icicle's frames in pre-order, each frame's parent written
/// as the distance back to it (`up`, 0 for a root), which in pre-order is mostly a few frames.
fn stacks_block<W: io::Write>(
    profile: &Profile,
    tree: &[Node],
    json: &mut Json<'_, W>,
) -> io::Result<()> {
    json.raw("{")?;
    json.key("exact", true)?;
    json.raw(if profile.stacks().is_some() {
        "true"
    } else {
        "false"
    })?;
    json.key("up", false)?;
    json.ints(up(tree.iter().map(|node| node.parent)))?;
    json.key("fn", false)?;
    json.ints(tree.iter().map(|node| node.function))?;
    json.key("self", false)?;
    json.floats(tree.iter().map(|node| node.weight))?;
    json.raw("}")
}

/// Parents in pre-order (-1 for a root) as distances back to the parent (0 for a root).
pub(super) fn up(parents: impl Iterator<Item = i64>) -> impl Iterator<Item = i64> {
    parents
        .enumerate()
        .map(|(i, parent)| if parent < 0 { 0 } else { i as i64 - parent })
}

/// One frame of the icicle: its parent's index (-1 for a root), its function (-1 for the
/// callers too small to follow) and its own weight (seconds, or samples when the profile has
/// no times).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    parent: i64,
    function: i64,
    weight: f64,
}

/// The icicle's frames in pre-order, siblings ordered by name, file and line: the real stacks
/// of a sampled profile, else those estimated from call edges (docs/stacks.md).
#[cfg(test)]
fn icicle(profile: &Profile, options: &Options, rank: &[u32]) -> Vec<Node> {
    preorder(
        &frame_tree(profile, options),
        &function_order(profile, rank),
    )
}

/// The icicle's frames, not yet in pre-order: the real stacks of a sampled
/// profile, else those estimated from call edges (docs/stacks.md).
fn frame_tree(profile: &Profile, options: &Options) -> Vec<Node> {
    let Some(real) = profile.stacks() else {
        let estimated = StackTable::estimate(profile, &options.stacks);
        return estimated_tree(&estimated, options.stacks.threads);
    };
    let timed = matches!(profile.measure(), Measure::Samples { timed: true });
    let mut nodes: Vec<Node> = (0..real.stack_count())
        .map(|index| {
            let stack = crate::StackId::from_index(index);
            Node {
                parent: real.parent(stack).map_or(-1, |p| p.index() as i64),
                function: real.frame(stack).index() as i64,
                weight: 0.0,
            }
        })
        .collect();
    for sample in real.samples() {
        if let Some(node) = nodes.get_mut(sample.stack.index()) {
            node.weight += if timed {
                sample.time
            } else {
                sample.count as f64
            };
        }
    }
    nodes
}

/// The frame tree of estimated stacks: a node per distinct path from a root, each with the
/// time of the stacks that end at it. A large table's stacks are put into two trees on two
/// threads, the second then merged into the first.
fn estimated_tree(estimated: &StackTable, threads: threads::Threads) -> Vec<Node> {
    // Split between two leaves' stacks, near the middle.
    let split = match estimated
        .leaves()
        .find(|(_, members)| members.end * 2 >= estimated.len())
    {
        Some((_, members)) if threads.two_from(estimated.len(), threads::HTML_FRAME_TREE) => {
            members.end
        }
        _ => estimated.len(),
    };
    tree_in_two_parts(estimated, split)
}

/// [`estimated_tree`] with the second tree's stacks from `split` on (none if `split` is the
/// table's length).
fn tree_in_two_parts(estimated: &StackTable, split: usize) -> Vec<Node> {
    let (mut first, second) = std::thread::scope(|scope| {
        let second = (split < estimated.len())
            .then(|| scope.spawn(|| PartTree::build(estimated, split..estimated.len())));
        let first = PartTree::build(estimated, 0..split);
        let second = second.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (first, second)
    });
    // The second part's nodes, numbered in the first's tree.
    let mut renumbered: Vec<i64> = Vec::new();
    if let Some(second) = &second {
        renumbered.reserve(second.nodes.len());
        for &(parent, function) in &second.nodes {
            let parent = usize::try_from(parent).map_or(-1, |p| renumbered[p]);
            renumbered.push(first.node(parent, function) as i64);
        }
    }
    let mut nodes: Vec<Node> = first
        .nodes
        .iter()
        .map(|&(parent, function)| Node {
            parent,
            function,
            weight: 0.0,
        })
        .collect();
    // The times are added stack by stack in the table's order, as one tree would add them.
    let ends = first.ends.iter().copied().chain(
        second
            .iter()
            .flat_map(|second| second.ends.iter())
            .map(|&end| usize::try_from(end).map_or(-1, |end| renumbered[end])),
    );
    for ((_, seconds), end) in estimated.iter().zip(ends) {
        if let Ok(end) = usize::try_from(end) {
            nodes[end].weight += seconds;
        }
    }
    nodes
}

/// The frame tree of a range of stacks: each node's parent (-1 for a root) and function (-1
/// for [`Frame::OtherCallers`]), and the node each stack ends at (-1 for an empty one).
struct PartTree {
    nodes: Vec<(i64, i64)>,
    /// (parent node, function) → node; ids fit in 32 bits each, the "other callers" root as
    /// u32::MAX.
    index: HashMap<u64, usize>,
    ends: Vec<i64>,
}

impl PartTree {
    fn build(estimated: &StackTable, stacks: Range<usize>) -> PartTree {
        // Each distinct stack ends in a node of its own: at least as many nodes as stacks.
        let mut tree = PartTree {
            nodes: Vec::with_capacity(stacks.len()),
            index: HashMap::with_capacity(stacks.len()),
            ends: Vec::with_capacity(stacks.len()),
        };
        // The previous stack's frames and their nodes. Consecutive stacks often start with the
        // same frames (a function's stacks come together, and most share their roots); a node
        // is its path from the root, so the shared frames' nodes are the previous stack's and
        // need no lookup.
        let mut path: Vec<(Frame, usize)> = Vec::new();
        for i in stacks {
            let frames = estimated.frames(i);
            let shared = path
                .iter()
                .zip(frames)
                .take_while(|((previous, _), frame)| previous == *frame)
                .count();
            path.truncate(shared);
            let mut parent = path.last().map_or(-1, |&(_, node)| node as i64);
            for &frame in &frames[shared..] {
                let function = match frame {
                    Frame::Function(id) => id.index() as i64,
                    Frame::OtherCallers => -1,
                };
                let at = tree.node(parent, function);
                path.push((frame, at));
                parent = at as i64;
            }
            tree.ends.push(parent);
        }
        tree
    }

    /// The node of `function` under `parent`, added if new.
    fn node(&mut self, parent: i64, function: i64) -> usize {
        let next = self.nodes.len();
        let key = (u64::from(parent as u32) << 32) | u64::from(function as u32);
        let at = *self.index.entry(key).or_insert(next);
        if at == next {
            self.nodes.push((parent, function));
        }
        at
    }
}

/// Each function's place (from 1) in the order of the icicle's siblings: by name, file and
/// line, as `rank` orders the strings.
fn function_order(profile: &Profile, rank: &[u32]) -> Vec<u32> {
    let mut keys: Vec<(u32, u32, i64, u32)> = profile
        .all_functions()
        .map(|id| {
            (
                rank[profile.name_id(id).index()],
                rank[profile.file_id(id).index()],
                profile.line(id),
                id.0,
            )
        })
        .collect();
    keys.sort_unstable();
    let mut order = vec![0; keys.len()];
    for (place, &(.., id)) in keys.iter().enumerate() {
        order[id as usize] = place as u32 + 1;
    }
    order
}

/// The nodes renumbered in pre-order, children sorted by their function's place in `order`
/// ([`function_order`]; the callers too small to follow first), so that a parent comes before
/// its children and siblings stay together.
fn preorder(nodes: &[Node], order: &[u32]) -> Vec<Node> {
    let keys: Vec<u32> = nodes
        .iter()
        .map(|node| usize::try_from(node.function).map_or(0, |f| order[f]))
        .collect();
    let parents: Vec<i64> = nodes.iter().map(|node| node.parent).collect();
    preorder_by(&parents, &keys)
        .into_iter()
        .map(|(old, parent)| Node {
            parent,
            ..nodes[old]
        })
        .collect()
}

/// A tree given by its nodes' parents (-1 for a root) in pre-order, children sorted by `keys`
/// (ties by index): each node's old index and its parent's new index. A parent then comes
/// before its children and siblings stay together.
pub(super) fn preorder_by<K: Ord + Copy>(parents: &[i64], keys: &[K]) -> Vec<(usize, i64)> {
    let n = parents.len();
    // Each node's children in one array, node p's at start[p]..start[p + 1], the roots' in the
    // last slot (n): one allocation instead of one per node.
    let slot = |i: usize| {
        usize::try_from(parents[i])
            .ok()
            .filter(|&p| p < n)
            .unwrap_or(n)
    };
    let mut start = vec![0usize; n + 2];
    for i in 0..n {
        start[slot(i) + 1] += 1;
    }
    for p in 0..=n {
        start[p + 1] += start[p];
    }
    let mut children = vec![0usize; n];
    let mut cursor = start.clone();
    for i in 0..n {
        let at = &mut cursor[slot(i)];
        children[*at] = i;
        *at += 1;
    }
    for p in 0..=n {
        children[start[p]..start[p + 1]].sort_unstable_by_key(|&i| (keys[i], i));
    }
    let kids = |p: usize| &children[start[p]..start[p + 1]];
    let mut out = Vec::with_capacity(n);
    let mut renumbered = vec![-1i64; n];
    // (node, its parent's new number), deepest last.
    let mut todo: Vec<(usize, i64)> = kids(n).iter().rev().map(|&r| (r, -1)).collect();
    while let Some((node, parent)) = todo.pop() {
        if renumbered[node] >= 0 {
            continue; // a cycle in crafted parent links: each node once
        }
        let number = out.len() as i64;
        renumbered[node] = number;
        out.push((node, parent));
        todo.extend(kids(node).iter().rev().map(|&k| (k, number)));
    }
    out
}

/// The line profile's block: per function its key, its timed lines and its source (the block
/// `inspect.getblock` finds at its first line, as line_profiler shows it).
pub(super) fn write_lines<W: io::Write>(
    profile: &LineProfile,
    options: &Options,
    sources: &dyn SourceProvider,
    out: &mut W,
) -> io::Result<()> {
    let mut json = Json::new(out);
    json.raw("{")?;
    json.key("kind", true)?;
    json.string("lines")?;
    json.key("title", false)?;
    json.string(&options.title)?;
    json.key("inputs", false)?;
    json.strings(options.inputs.iter().map(String::as_str))?;
    json.key("unit", false)?;
    json.float(profile.unit)?;
    json.key("functions", false)?;
    json.raw("[")?;
    for (i, function) in profile.functions.iter().enumerate() {
        json.raw(if i == 0 { "{" } else { ",{" })?;
        json.key("file", true)?;
        json.string(&function.file)?;
        json.key("line", false)?;
        json.int(function.first_line)?;
        json.key("name", false)?;
        json.string(&function.name)?;
        json.key("lines", false)?;
        json.ints(function.lines.iter().map(|l| l.line))?;
        json.key("hits", false)?;
        json.ints(function.lines.iter().map(|l| l.hits))?;
        json.key("time", false)?;
        json.ints(function.lines.iter().map(|l| l.time))?;
        json.key("source", false)?;
        match sources.lines(&function.file) {
            Some(lines) => {
                let block = pysource::getblock(pysource::from_line(&lines, function.first_line));
                json.strings(block.iter().map(|l| l.trim_end_matches(['\n', '\r'])))?;
            }
            None => json.raw("null")?,
        }
        json.raw("}")?;
    }
    json.raw("]}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_columns_are_base64_of_their_bytes() {
        // The expected text is Python's base64.b64encode(struct.pack('<3d', …)).
        let column = |write: &dyn Fn(&mut Json<'_, Vec<u8>>) -> io::Result<()>| {
            let mut out = Vec::new();
            write(&mut Json::new(&mut out)).expect("writes");
            String::from_utf8(out).expect("ASCII")
        };
        // Python's NaN has the quiet bit only, as Rust's f64::NAN.
        let floats = column(&|json| json.floats([0.5, f64::NAN, f64::NEG_INFINITY].into_iter()));
        assert_eq!(floats, r#"{"f64":"AAAAAAAA4D8AAAAAAAD4fwAAAAAAAPD/"}"#);
    }

    #[test]
    fn a_tree_built_in_two_parts_is_the_tree_built_in_one() {
        for path in [
            "tests/fixtures/stats/py313/cprofile.stats",
            "tests/fixtures/stats/py27/cprofile.stats",
        ] {
            let profile = crate::read_path(path, &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .expect("fixture reads");
            let estimated = StackTable::estimate(&profile, &Options::default().stacks);
            let whole = tree_in_two_parts(&estimated, estimated.len());
            assert!(estimated.len() > 10, "{path}");
            for split in 0..estimated.len() {
                assert_eq!(
                    tree_in_two_parts(&estimated, split),
                    whole,
                    "{path}, second part from stack {split}"
                );
            }
        }
    }

    #[test]
    fn icicle_is_in_preorder() {
        for path in [
            "tests/fixtures/stats/py313/cprofile.stats",
            "tests/fixtures/sampled/py-spy/threads.folded",
        ] {
            let profile = crate::read_path(path, &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .expect("fixture reads");
            let (_, rank) = string_table(&profile);
            let nodes = icicle(&profile, &Options::default(), &rank);
            assert!(!nodes.is_empty(), "{path}");
            for (i, node) in nodes.iter().enumerate() {
                assert!(node.parent < i as i64, "{path}: node {i}");
            }
            // `up` is the distance back to the parent, 0 only for a root.
            let ups: Vec<i64> = up(nodes.iter().map(|node| node.parent)).collect();
            for (i, (node, &up)) in nodes.iter().zip(&ups).enumerate() {
                let parent = if up == 0 { -1 } else { i as i64 - up };
                assert_eq!(parent, node.parent, "{path}: node {i}");
                assert!(up >= 0, "{path}: node {i}");
            }
            assert!(
                ups.iter().any(|&up| up > 0),
                "{path}: some frame has a parent"
            );
        }
    }
}
