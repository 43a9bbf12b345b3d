//! The diff page's data block (docs/html.md, "The diff page"): the report's layout (a string
//! table and columnar arrays) over the diff's functions, each with the new side's figures where
//! the report has a profile's and the base side's beside them; the call edges of both sides;
//! and an icicle of the new side's stacks with each frame's own weight on both sides.
//!
//! Each function of either side is one row, matched as the [`Diff`] matched it; a function
//! named only as a caller gets a row after the diff's. With several runs on a side, every
//! figure is the mean over its runs, and scaled as [`DiffOptions::normalize`] says, as the
//! diff's own figures are.

use std::io;

use hashbrown::HashMap;

use super::Options;
use super::data::{Json, measure_name, preorder_by};
use crate::model::{CallStats, FunctionId, Measure, Profile};
use crate::query::diff::{Change, Diff, DiffOptions, Figures, Verdict};
use crate::query::stacks::{Frame, StackTable};

/// A function's key as the diff matches it: (file as rewritten, line, name).
type Key<'a> = (&'a str, i64, &'a str);

/// The rows: the diff's functions sorted by key (the tie order of `pstat diff`'s sorts), then
/// the functions named only as callers, and each side's keys.
struct Rows<'a> {
    diff: &'a Diff,
    /// Diff function index by row.
    order: Vec<usize>,
    /// Row by key, per side (a moved function has its base line on the base side).
    keys: [HashMap<Key<'a>, u32>; 2],
    /// Functions named only as callers: (file, line, name), and their rows by key.
    extra: Vec<(String, i64, String)>,
    extra_rows: HashMap<(String, i64, String), u32>,
}

impl<'a> Rows<'a> {
    fn new(diff: &'a Diff) -> Self {
        let mut order: Vec<usize> = (0..diff.functions.len()).collect();
        let f = &diff.functions;
        order.sort_unstable_by(|&a, &b| {
            (f[a].file.as_str(), f[a].line, f[a].name.as_str()).cmp(&(
                f[b].file.as_str(),
                f[b].line,
                f[b].name.as_str(),
            ))
        });
        let mut keys = [HashMap::new(), HashMap::new()];
        for (row, &i) in order.iter().enumerate() {
            let function = &f[i];
            let key = (
                function.file.as_str(),
                function.line,
                function.name.as_str(),
            );
            match function.change {
                Change::Matched => {
                    keys[0].insert(key, row as u32);
                    keys[1].insert(key, row as u32);
                }
                Change::Moved { base_line } => {
                    keys[0].insert((key.0, base_line, key.2), row as u32);
                    keys[1].insert(key, row as u32);
                }
                Change::Removed => {
                    keys[0].insert(key, row as u32);
                }
                Change::Added => {
                    keys[1].insert(key, row as u32);
                }
            }
        }
        Rows {
            diff,
            order,
            keys,
            extra: Vec::new(),
            extra_rows: HashMap::new(),
        }
    }

    /// Each of a profile's functions' rows (side 0 base, 1 new), files rewritten as the diff
    /// rewrote them.
    fn of(&mut self, side: usize, profile: &Profile, options: &DiffOptions) -> Vec<u32> {
        let mut files: Vec<Option<String>> = vec![None; profile.string_count()];
        let mut rows = Vec::with_capacity(profile.all_functions().len());
        for id in profile.all_functions() {
            let file = files[profile.file_id(id).index()]
                .get_or_insert_with(|| options.paths.apply(profile.file(id)));
            let (line, name) = (profile.line(id), profile.name(id));
            let row = match self.keys[side].get(&(file.as_str(), line, name)) {
                Some(&row) => row,
                None => {
                    let key = (file.clone(), line, name.to_string());
                    let next = (self.order.len() + self.extra.len()) as u32;
                    *self.extra_rows.entry(key.clone()).or_insert_with(|| {
                        self.extra.push(key);
                        next
                    })
                }
            };
            rows.push(row);
        }
        rows
    }

    fn count(&self) -> usize {
        self.order.len() + self.extra.len()
    }

    /// A row's (file, line, name).
    fn key(&self, row: usize) -> (&str, i64, &str) {
        match self.order.get(row) {
            Some(&i) => {
                let f = &self.diff.functions[i];
                (&f.file, f.line, &f.name)
            }
            None => {
                let (file, line, name) = &self.extra[row - self.order.len()];
                (file, *line, name)
            }
        }
    }
}

/// The factor each run's times are scaled by, as [`crate::query::diff::diff`] scales them.
fn scales(base: &[Profile], new: &[Profile], options: &DiffOptions) -> [Vec<f64>; 2] {
    let target = new.iter().map(|p| p.totals().tottime).sum::<f64>() / new.len().max(1) as f64;
    let scale = |p: &Profile| {
        let total = p.totals().tottime;
        match options.normalize && total != 0.0 && total.is_finite() {
            true => target / total,
            false => 1.0,
        }
    };
    [
        base.iter().map(scale).collect(),
        new.iter().map(scale).collect(),
    ]
}

/// One edge's figures, summed over a side's runs: calls, primitive calls, tottime, cumtime.
type EdgeSums = [f64; 4];

/// Writes the diff page's block.
pub(super) fn write_diff<W: io::Write>(
    base: &[Profile],
    new: &[Profile],
    diff: &Diff,
    diff_options: &DiffOptions,
    options: &Options,
    out: &mut W,
) -> io::Result<()> {
    let mut rows = Rows::new(diff);
    let sides = [base, new];
    let scales = scales(base, new, diff_options);
    let mut function_rows: [Vec<Vec<u32>>; 2] = [Vec::new(), Vec::new()];
    for side in 0..2 {
        for profile in sides[side] {
            let of = rows.of(side, profile, diff_options);
            function_rows[side].push(of);
        }
    }

    // Edges of both sides by (callee, caller) row, each side's the mean over its runs.
    let mut edges: HashMap<(u32, u32), [EdgeSums; 2]> = HashMap::new();
    for side in 0..2 {
        let runs = sides[side].len().max(1) as f64;
        for (run, profile) in sides[side].iter().enumerate() {
            let of = &function_rows[side][run];
            let scale = scales[side][run] / runs;
            for callee in profile.functions() {
                for (caller, call) in profile.callers(callee) {
                    let (calls, primitive, tottime, cumtime) = match call {
                        CallStats::Timed {
                            calls,
                            primitive_calls,
                            tottime,
                            cumtime,
                        } => (calls, primitive_calls, tottime, cumtime),
                        CallStats::Count(calls) => (calls, calls, f64::NAN, f64::NAN),
                    };
                    let key = (of[callee.index()], of[caller.index()]);
                    let sums = &mut edges.entry(key).or_insert([[0.0; 4]; 2])[side];
                    sums[0] += calls as f64 / runs;
                    sums[1] += primitive as f64 / runs;
                    sums[2] += tottime * scale;
                    sums[3] += cumtime * scale;
                }
            }
        }
    }
    let mut edges: Vec<((u32, u32), [EdgeSums; 2])> = edges.into_iter().collect();
    edges.sort_unstable_by_key(|&(key, _)| key);
    let all = || base.iter().chain(new);
    let timed = all().any(|p| p.has_timed_edges())
        && all().all(|p| p.has_timed_edges() || p.edge_count() == 0);

    let tree = icicle(sides, &function_rows, &scales, options);

    // The string table, sorted by code point (UTF-8's byte order), as the report's.
    let count = rows.count();
    let mut texts: Vec<&str> = Vec::with_capacity(2 * count);
    for row in 0..count {
        let (file, _, name) = rows.key(row);
        texts.push(file);
        texts.push(name);
    }
    texts.sort_unstable();
    texts.dedup();
    let rank = |text: &str| texts.binary_search(&text).unwrap_or(0) as i64;

    let mut json = Json::new(out);
    json.raw("{")?;
    json.key("kind", true)?;
    json.string("diff")?;
    json.key("title", false)?;
    json.string(&options.title)?;
    json.key("measure", false)?;
    json.string(measure_name(diff.measure))?;
    for (label, side) in [("base", &diff.base), ("new", &diff.new)] {
        json.key(label, false)?;
        json.raw("{")?;
        json.key("files", true)?;
        json.strings(side.files.iter().map(String::as_str))?;
        json.key("runs", false)?;
        json.int(side.runs as i64)?;
        json.key("calls", false)?;
        json.float(side.totals.calls)?;
        json.key("pcalls", false)?;
        json.float(side.totals.primitive_calls)?;
        json.key("total", false)?;
        json.float(side.totals.tottime)?;
        json.key("spread", false)?;
        json.float(side.totals.tottime_spread)?;
        json.raw("}")?;
    }
    let (total_verdict, p) = verdict(diff.total_verdict);
    json.key("total_verdict", false)?;
    json.int(total_verdict)?;
    json.key("total_p", false)?;
    json.float(p)?;
    json.key("alpha", false)?;
    json.float(diff.alpha)?;
    json.key("normalized", false)?;
    json.raw(if diff.normalized { "true" } else { "false" })?;
    // What the call profile's report reads: the new side's totals.
    json.key("calls", false)?;
    json.float(diff.new.totals.calls)?;
    json.key("pcalls", false)?;
    json.float(diff.new.totals.primitive_calls)?;
    json.key("total", false)?;
    json.float(diff.new.totals.tottime)?;

    json.key("strings", false)?;
    json.strings(texts.iter().copied())?;
    json.key("listed", false)?;
    json.int(rows.order.len() as i64)?;
    json.key("file", false)?;
    json.ints((0..count).map(|row| rank(rows.key(row).0)))?;
    json.key("line", false)?;
    json.ints((0..count).map(|row| rows.key(row).1))?;
    json.key("name", false)?;
    json.ints((0..count).map(|row| rank(rows.key(row).2)))?;
    // pstats' `stdname` order of the rows, as in the report's block.
    let listed = rows.order.len();
    let keys = (0..listed).map(|row| rows.key(row));
    if let Some(order) = super::order::stdname_order_of_keys(keys) {
        json.key("stdorder", false)?;
        json.ints(order.into_iter().map(i64::from))?;
    }
    let functions = || rows.order.iter().map(|&i| &diff.functions[i]);
    type Column = fn(&Figures) -> f64;
    // Calls are means of whole numbers, mostly whole and short as text; times are binary.
    let columns: [(&str, &str, Column, bool); 4] = [
        ("cc", "bcc", |f| f.primitive_calls, false),
        ("nc", "bnc", |f| f.calls, false),
        ("tt", "btt", |f| f.tottime, true),
        ("ct", "bct", |f| f.cumtime, true),
    ];
    for (new_key, base_key, figure, binary) in columns {
        for (key, side) in [(new_key, 1), (base_key, 0)] {
            json.key(key, false)?;
            let values = functions().map(|f| figure(if side == 1 { &f.new } else { &f.base }));
            if binary {
                json.floats(values)?;
            } else {
                json.float_texts(values)?;
            }
        }
    }
    json.key("change", false)?;
    json.ints(functions().map(|f| match f.change {
        Change::Matched => 0,
        Change::Moved { .. } => 1,
        Change::Added => 2,
        Change::Removed => 3,
    }))?;
    json.key("bline", false)?;
    json.ints(functions().map(|f| match f.change {
        Change::Moved { base_line } => base_line,
        _ => f.line,
    }))?;
    json.key("verdict", false)?;
    json.ints(functions().map(|f| verdict(f.verdict).0))?;
    json.key("pvalue", false)?;
    json.floats(functions().map(|f| verdict(f.verdict).1))?;

    // Edges grouped by callee, callers in row order.
    let mut ncallers = vec![0i64; listed];
    for &((callee, _), _) in &edges {
        if let Some(n) = ncallers.get_mut(callee as usize) {
            *n += 1;
        }
    }
    // A callee that is no row of the diff (only crafted files) has no place: its edges go.
    edges.retain(|&((callee, _), _)| (callee as usize) < listed);
    json.key("ncallers", false)?;
    json.ints(ncallers.into_iter())?;
    json.key("timed", false)?;
    json.raw(if timed { "true" } else { "false" })?;
    json.key("ecaller", false)?;
    json.ints(edges.iter().map(|&((_, caller), _)| i64::from(caller)))?;
    for (side, prefix) in [(1, ""), (0, "b")] {
        json.key(&format!("{prefix}enc"), false)?;
        json.float_texts(edges.iter().map(|(_, sums)| sums[side][0]))?;
        json.key(&format!("{prefix}ecc"), false)?;
        json.float_texts(edges.iter().map(|(_, sums)| sums[side][1]))?;
        json.key(&format!("{prefix}ett"), false)?;
        json.floats(edges.iter().map(|(_, sums)| sums[side][2]))?;
        json.key(&format!("{prefix}ect"), false)?;
        json.floats(edges.iter().map(|(_, sums)| sums[side][3]))?;
    }

    json.key("stacks", false)?;
    json.raw("{")?;
    json.key("exact", true)?;
    json.raw(if all().all(|p| p.stacks().is_some()) {
        "true"
    } else {
        "false"
    })?;
    let order = preorder_by(
        &tree.iter().map(|node| node.parent).collect::<Vec<_>>(),
        &tree
            .iter()
            .map(|node| match usize::try_from(node.row) {
                Ok(row) => {
                    let (file, line, name) = rows.key(row);
                    Some((rank(name), rank(file), line))
                }
                Err(_) => None,
            })
            .collect::<Vec<_>>(),
    );
    json.key("up", false)?;
    json.ints(super::data::up(order.iter().map(|&(_, parent)| parent)))?;
    json.key("fn", false)?;
    json.ints(order.iter().map(|&(old, _)| tree[old].row))?;
    json.key("self", false)?;
    json.floats(order.iter().map(|&(old, _)| tree[old].weight[1]))?;
    json.key("base", false)?;
    json.floats(order.iter().map(|&(old, _)| tree[old].weight[0]))?;
    json.raw("}}")
}

/// A verdict as a number (0 unknown, 1 noise, 2 significant) and its p-value (NaN if none).
fn verdict(verdict: Verdict) -> (i64, f64) {
    match verdict {
        Verdict::Unknown => (0, f64::NAN),
        Verdict::Noise { p } => (1, p),
        Verdict::Significant { p } => (2, p),
    }
}

/// A frame of the diff's icicle: its parent (-1 for a root), its row (-1 for the callers too
/// small to follow), its own weight on each side.
struct Node {
    parent: i64,
    row: i64,
    weight: [f64; 2],
}

/// Both sides' stacks (real, or estimated from call edges) on one tree of rows, each frame's
/// own weight the mean over the side's runs. The page draws the new side's widths, as
/// inferno's differential flame graph does.
fn icicle(
    sides: [&[Profile]; 2],
    function_rows: &[Vec<Vec<u32>>; 2],
    scales: &[Vec<f64>; 2],
    options: &Options,
) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: HashMap<(i64, i64), usize> = HashMap::new();
    let mut path = |frames: &mut dyn Iterator<Item = i64>, nodes: &mut Vec<Node>| -> i64 {
        let mut parent = -1i64;
        for row in frames {
            let next = nodes.len();
            let at = *index.entry((parent, row)).or_insert(next);
            if at == next {
                nodes.push(Node {
                    parent,
                    row,
                    weight: [0.0; 2],
                });
            }
            parent = at as i64;
        }
        parent
    };
    let mut frames = Vec::new();
    for side in 0..2 {
        let runs = sides[side].len().max(1) as f64;
        for (run, profile) in sides[side].iter().enumerate() {
            let of = &function_rows[side][run];
            let row = |id: FunctionId| i64::from(of[id.index()]);
            if let Some(real) = profile.stacks() {
                let timed = matches!(profile.measure(), Measure::Samples { timed: true });
                let scale = scales[side][run] / runs;
                for sample in real.samples() {
                    real.frames_root_first(sample.stack, &mut frames);
                    let leaf = path(&mut frames.iter().map(|&id| row(id)), &mut nodes);
                    let weight = match timed {
                        true => sample.time,
                        false => sample.count as f64,
                    };
                    if leaf >= 0 {
                        nodes[leaf as usize].weight[side] += weight * scale;
                    }
                }
            } else {
                let scale = scales[side][run] / runs;
                for (frames, seconds) in StackTable::estimate(profile, &options.stacks).iter() {
                    let leaf = path(
                        &mut frames.iter().map(|frame| match *frame {
                            Frame::Function(id) => row(id),
                            Frame::OtherCallers => -1,
                        }),
                        &mut nodes,
                    );
                    if leaf >= 0 {
                        nodes[leaf as usize].weight[side] += seconds * scale;
                    }
                }
            }
        }
    }
    nodes
}
