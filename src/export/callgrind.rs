//! Callgrind format (valgrind's "Callgrind Format Specification", version 1), for KCachegrind
//! and callgrind_annotate.
//!
//! Each function gets its self cost (tottime) at its first line, and one `calls=` line per
//! callee with the edge's call count and an inclusive cost, chosen so that the costs of all
//! calls into a function add up to its cumtime (docs/callgrind.md):
//!
//! * a call from outside the callee's recursion cycle costs the edge's cumtime;
//! * calls from inside the cycle (a function calling itself, or mutual recursion) share what is
//!   left of the callee's cumtime, in proportion to their edge cumtime. Taking each recursive
//!   edge's cumtime as it is counts the same time twice: that is why callgrind_annotate, which
//!   sums the calls into a function for its inclusive cost, doubles recursive functions in
//!   pyprof2calltree's output.
//!
//! The pure-Python `profile` module records no time per edge; then an edge's time is estimated
//! as the callee's cumtime shared in proportion to call counts, and the file says so.
//!
//! A sampled profile with real stacks needs no estimate: each sample is charged, for every
//! function on its stack, to the one call into that function's outermost frame. So the calls
//! into a function (what callgrind_annotate `--inclusive=yes` adds up) cost exactly the
//! samples it is on, each once, recursion or not. Costs are sample counts when the profile's
//! times are counts.

use hashbrown::HashMap;
use std::io::{self, Write};
use std::ops::Range;

use crate::export::TimeUnit;
use crate::model::{CallStats, EdgeId, FunctionId, Measure, Profile, Stacks, StringId};
use crate::query::units::integer_cost;
use crate::threads::{self, Threads};

/// Options for callgrind output.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the costs. Default: nanoseconds (what pyprof2calltree writes).
    pub unit: TimeUnit,
    /// The `cmd:` line: what the profile was made from. Default: the input files' paths.
    pub command: Option<String>,
    /// Threads the writer may use: the edges' costs are worked out on a second one, and a
    /// profile of 50,000 calls or more is formatted in two halves at once. The output is the same. Default: auto.
    pub threads: Threads,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unit: TimeUnit::Ns,
            command: None,
            threads: Threads::Auto,
        }
    }
}

/// Writes the profile in callgrind format.
pub fn write<W: Write>(profile: &Profile, options: &Options, mut out: W) -> io::Result<()> {
    let unit = options.unit;
    let samples = matches!(profile.measure(), Measure::Samples { timed: false });
    let (event, long_name) = match samples {
        true => ("samples", "samples"),
        false => (unit.name(), unit.long_name()),
    };
    let cost = |time: f64| -> u64 {
        integer_cost(if samples {
            time
        } else {
            unit.from_seconds(time)
        })
    };
    let self_costs: Vec<u64> = profile
        .functions()
        .map(|id| cost(profile.stats(id).tottime))
        .collect();
    // Saturating, as every integer cost: a sum that wrapped would be smaller than its parts.
    let total: u64 = self_costs.iter().fold(0, |sum, &c| sum.saturating_add(c));

    writeln!(out, "# callgrind format")?;
    writeln!(out, "version: 1")?;
    writeln!(out, "creator: pstat {}", env!("CARGO_PKG_VERSION"))?;
    let command = options.command.clone().unwrap_or_else(|| {
        let paths: Vec<&str> = profile.files().iter().map(|f| f.path.as_str()).collect();
        paths.join(" ")
    });
    writeln!(out, "cmd: {}", single_line(&command))?;
    let comments: &[&str] = match profile.stacks() {
        Some(_) => &[
            "# self cost = the samples in which the function is the leaf (their time); each",
            "# sample is charged, for every function on its stack, to the call into that",
            "# function's outermost frame: the calls into a function cost the samples it is",
            "# on, each counted once, recursion or not.",
        ],
        None => &[
            "# self cost = tottime, at the function's first line; a call's inclusive cost is",
            "# the edge's cumtime, except for calls from inside a recursion cycle, which share",
            "# what is left of the callee's cumtime: the calls into a function add up to its",
            "# cumtime, and no time is counted twice.",
        ],
    };
    match samples {
        true => writeln!(
            out,
            "# Python profile converted by pstat. Costs are samples:"
        )?,
        false => writeln!(
            out,
            "# Python profile converted by pstat. Costs are {} of time:",
            unit.long_name()
        )?,
    }
    for comment in comments {
        writeln!(out, "{comment}")?;
    }
    if !profile.has_timed_edges()
        && profile.stacks().is_none()
        && profile.functions().any(|id| profile.callers(id).len() > 0)
    {
        writeln!(
            out,
            "# This profile comes from the pure-Python profile module, which records no time"
        )?;
        writeln!(
            out,
            "# per call edge: each call's cost is estimated as the callee's cumtime shared in"
        )?;
        writeln!(out, "# proportion to call counts.")?;
    }
    writeln!(out, "positions: line")?;
    writeln!(out, "event: {event} : {long_name}")?;
    writeln!(out, "events: {event}")?;
    writeln!(out, "summary: {total}")?;

    // The edges' costs on one core while the other orders the callees and numbers the names;
    // then the two halves of the output are put together on both cores.
    let costs = || {
        let costs = match profile.stacks() {
            Some(stacks) => EdgeCosts::from_stacks(profile, stacks),
            None => EdgeCosts::new(profile),
        };
        (costs, FunctionNames::new(profile))
    };
    let ((edge_seconds, names), plan) = if options.threads.two() {
        std::thread::scope(|scope| {
            let costs = scope.spawn(costs);
            let plan = Plan::new(profile);
            let costs = costs
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (costs, plan)
        })
    } else {
        (costs(), Plan::new(profile))
    };
    let format = Format {
        profile,
        plan: &plan,
        names,
        self_costs: &self_costs,
        edge_seconds: &edge_seconds.seconds,
        cost: &cost,
    };
    let blocks = plan.functions.len();
    let split = if options
        .threads
        .two_from(plan.callees.len(), threads::CALLGRIND_FORMAT)
    {
        // Two fifths of the calls on this thread, which also writes; three on the other.
        plan.start
            .partition_point(|&s| (s as usize) < plan.callees.len() * 2 / 5)
    } else {
        blocks
    }
    .min(blocks);
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 64 * 1024);
    let mut flush = |buf: &mut Vec<u8>| {
        out.write_all(buf)?;
        buf.clear();
        Ok(())
    };
    let second = if split < blocks {
        std::thread::scope(|scope| -> io::Result<Vec<u8>> {
            let second = scope.spawn(|| {
                let mut second = Vec::new();
                format.blocks(split..blocks, &mut second, &mut |_| Ok(()))?;
                Ok::<_, io::Error>(second)
            });
            format.blocks(0..split, &mut buf, &mut flush)?;
            second
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?
    } else {
        format.blocks(0..split, &mut buf, &mut flush)?;
        Vec::new()
    };
    out.write_all(&buf)?;
    out.write_all(&second)?;
    writeln!(out)?;
    writeln!(out, "totals: {total}")
}

/// The order of the output, worked out before any of it is written: each function's callees
/// in key order, and the number each file and function name gets at its first use (callgrind's
/// name compression: the first use of a name writes `(id) name`, later uses `(id)`).
struct Plan {
    /// The listed functions, in the order they are written.
    functions: Vec<FunctionId>,
    /// The calls of all functions, each function's in key order: (callee, edge).
    callees: Vec<(FunctionId, EdgeId, CallStats)>,
    /// Function `i`'s calls are `callees[start[i]..start[i + 1]]`.
    start: Vec<u32>,
    files: Names,
    names: Names,
}

/// Compressed names: per key (a file's string id, a function's id), its number and the
/// function (by position) whose block uses it first. 0 = never used.
struct Names {
    id: Vec<u32>,
    first_block: Vec<u32>,
    next: u32,
}

impl Names {
    fn new(keys: usize) -> Names {
        Names {
            id: vec![0; keys],
            first_block: vec![0; keys],
            next: 0,
        }
    }

    fn use_in(&mut self, key: usize, block: usize) {
        if self.id[key] == 0 {
            self.next += 1;
            self.id[key] = self.next;
            self.first_block[key] = block as u32;
        }
    }
}

impl Plan {
    fn new(profile: &Profile) -> Plan {
        let file_rank = file_ranks(profile);
        let functions: Vec<FunctionId> = profile.functions().collect();
        let mut callees = Vec::with_capacity(profile.edge_count());
        let mut start = Vec::with_capacity(functions.len() + 1);
        let mut files = Names::new(profile.string_count());
        let mut names = Names::new(profile.all_functions().len());
        for (block, &id) in functions.iter().enumerate() {
            start.push(callees.len() as u32);
            let file = profile.file_id(id);
            files.use_in(file.index(), block);
            names.use_in(id.index(), block);
            let from = callees.len();
            callees.extend(
                profile
                    .callee_edges(id)
                    .map(|(edge, callee, call)| (callee, edge, call)),
            );
            // As `Profile::compare_keys` orders them, with files compared by rank.
            callees[from..].sort_by(|&(a, ..), &(b, ..)| {
                let rank = |f: FunctionId| file_rank[profile.file_id(f).index()];
                rank(a)
                    .cmp(&rank(b))
                    .then(profile.line(a).cmp(&profile.line(b)))
                    .then_with(|| profile.name(a).cmp(profile.name(b)))
            });
            for &(callee, ..) in &callees[from..] {
                let callee_file = profile.file_id(callee);
                if callee_file != file {
                    files.use_in(callee_file.index(), block);
                }
                names.use_in(callee.index(), block);
            }
        }
        start.push(callees.len() as u32);
        Plan {
            functions,
            callees,
            start,
            files,
            names,
        }
    }
}

/// Puts the function blocks of the output together.
struct Format<'a, C: Fn(f64) -> u64> {
    profile: &'a Profile,
    plan: &'a Plan,
    names: FunctionNames,
    self_costs: &'a [u64],
    edge_seconds: &'a [f64],
    cost: &'a C,
}

impl<C: Fn(f64) -> u64> Format<'_, C> {
    /// Puts blocks `range` (function positions) into `buf`, handing it to `flush` whenever it
    /// holds [`FLUSH_AT`] bytes or more.
    fn blocks(
        &self,
        range: Range<usize>,
        buf: &mut Vec<u8>,
        flush: &mut dyn FnMut(&mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        let (profile, plan) = (self.profile, self.plan);
        // Which names this range has defined already: a name is defined at its first use in
        // the block that uses it first, and that block is in one range only.
        let mut file_defined = vec![false; plan.files.id.len()];
        let mut name_defined = vec![false; plan.names.id.len()];
        let mut number = itoa::Buffer::new();
        for block in range {
            let id = plan.functions[block];
            let file = profile.file_id(id);
            buf.extend_from_slice(b"\nfl=");
            push_name(
                buf,
                &plan.files,
                &mut file_defined,
                file.index(),
                block,
                |buf| self.names.push_file(buf, profile, id),
            );
            buf.extend_from_slice(b"\nfn=");
            push_name(
                buf,
                &plan.names,
                &mut name_defined,
                id.index(),
                block,
                |buf| self.names.push_function(buf, profile, id),
            );
            buf.push(b'\n');
            // The position of every cost line of this function: its first line.
            let mut line_number = itoa::Buffer::new();
            let line = line_number.format(position(profile.line(id))).as_bytes();
            buf.extend_from_slice(line);
            buf.push(b' ');
            buf.extend_from_slice(number.format(self.self_costs[block]).as_bytes());
            buf.push(b'\n');
            let calls = plan.start[block] as usize..plan.start[block + 1] as usize;
            for &(callee, edge, call) in &plan.callees[calls] {
                // Equal file names are one interned string: comparing indices compares names.
                let callee_file = profile.file_id(callee);
                if callee_file != file {
                    buf.extend_from_slice(b"cfl=");
                    let key = callee_file.index();
                    push_name(buf, &plan.files, &mut file_defined, key, block, |buf| {
                        self.names.push_file(buf, profile, callee)
                    });
                    buf.push(b'\n');
                }
                buf.extend_from_slice(b"cfn=");
                push_name(
                    buf,
                    &plan.names,
                    &mut name_defined,
                    callee.index(),
                    block,
                    |buf| self.names.push_function(buf, profile, callee),
                );
                buf.extend_from_slice(b"\ncalls=");
                // Never `calls=0`: callgrind_annotate and KCachegrind take the cost line after
                // it for the caller's self cost. An edge with time and no completed call (a
                // thread's first frames under Python 3.12's cProfile) counts one call
                // (docs/callgrind.md, "Calls").
                buf.extend_from_slice(number.format(call.calls().max(1)).as_bytes());
                buf.push(b' ');
                buf.extend_from_slice(number.format(position(profile.line(callee))).as_bytes());
                buf.push(b'\n');
                buf.extend_from_slice(line);
                buf.push(b' ');
                let seconds = self.edge_seconds[edge.index()];
                buf.extend_from_slice(number.format((self.cost)(seconds)).as_bytes());
                buf.push(b'\n');
            }
            if buf.len() >= FLUSH_AT {
                flush(buf)?;
            }
        }
        Ok(())
    }
}

/// Puts `(id)`, and at the name's first use ` name` after it (`name` puts the name).
fn push_name(
    buf: &mut Vec<u8>,
    names: &Names,
    defined: &mut [bool],
    key: usize,
    block: usize,
    name: impl FnOnce(&mut Vec<u8>),
) {
    buf.push(b'(');
    buf.extend_from_slice(itoa::Buffer::new().format(names.id[key]).as_bytes());
    buf.push(b')');
    if names.first_block[key] as usize == block && !defined[key] {
        defined[key] = true;
        buf.push(b' ');
        name(buf);
    }
}

/// Each file name's place among the profile's file names in sorted order, by string id: callees
/// are ordered by their keys, and comparing ranks is cheaper than comparing paths.
fn file_ranks(profile: &Profile) -> Vec<u32> {
    let mut rank = vec![0u32; profile.string_count()];
    let mut files: Vec<StringId> = Vec::new();
    for id in profile.all_functions() {
        let file = profile.file_id(id);
        if rank[file.index()] == 0 {
            rank[file.index()] = 1;
            files.push(file);
        }
    }
    // Equal names are one interned string, so no two ids tie.
    files.sort_unstable_by(|&a, &b| profile.string(a).cmp(profile.string(b)));
    for (i, file) in files.into_iter().enumerate() {
        rank[file.index()] = i as u32;
    }
    rank
}

/// How much output is gathered in memory before it is written.
const FLUSH_AT: usize = 1 << 20;

fn position(line: i64) -> u64 {
    line.max(0) as u64
}

fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Puts text with control characters (which would break a callgrind line) as spaces.
fn push_single_line(buf: &mut Vec<u8>, text: &str) {
    // Control characters below U+0080 are single bytes; the C1 controls are two (0xC2 0x80..=0x9F).
    if !text.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) {
        buf.extend_from_slice(text.as_bytes());
        return;
    }
    buf.extend_from_slice(single_line(text).as_bytes());
}

/// Callgrind identifies a function by (file, name): two functions with one name in one file
/// (methods of two classes, say) are written as `name:line`.
struct FunctionNames {
    /// Per function id: whether its name needs the line.
    qualified: Vec<bool>,
}

impl FunctionNames {
    fn new(profile: &Profile) -> FunctionNames {
        // Per (file, name): the first line seen, and whether another line was seen.
        let mut lines: HashMap<(StringId, StringId), (i64, bool)> = HashMap::new();
        for id in profile.all_functions() {
            let line = profile.line(id);
            lines
                .entry((profile.file_id(id), profile.name_id(id)))
                .and_modify(|(first, several)| *several |= *first != line)
                .or_insert((line, false));
        }
        let qualified = profile
            .all_functions()
            .map(|id| lines[&(profile.file_id(id), profile.name_id(id))].1)
            .collect();
        FunctionNames { qualified }
    }

    /// Puts a function's name: `name`, or `name:line` where the name is not unique in its file.
    fn push_function(&self, buf: &mut Vec<u8>, profile: &Profile, id: FunctionId) {
        push_single_line(buf, profile.name(id));
        if self.qualified[id.index()] {
            buf.push(b':');
            buf.extend_from_slice(itoa::Buffer::new().format(profile.line(id)).as_bytes());
        }
    }

    /// Puts a function's file name.
    fn push_file(&self, buf: &mut Vec<u8>, profile: &Profile, id: FunctionId) {
        match profile.file(id) {
            // The profile module's builtins have an empty file name; callgrind needs one.
            "" => buf.push(b'~'),
            file => push_single_line(buf, file),
        }
    }
}

/// The inclusive cost, in seconds, written for each caller→callee edge, by edge index.
struct EdgeCosts {
    seconds: Vec<f64>,
}

impl EdgeCosts {
    fn new(profile: &Profile) -> EdgeCosts {
        let groups = profile.recursion_groups();
        let timed = profile.has_timed_edges();
        // The measured (or, for the profile module, estimated) time along each edge.
        let mut raw = vec![0.0; profile.edge_count()];
        for callee in profile.functions() {
            let cumtime = finite(profile.stats(callee).cumtime);
            let counted: f64 = profile
                .callers(callee)
                .map(|(_, c)| c.calls().max(0) as f64)
                .sum();
            for (edge, _, call) in profile.caller_edges(callee) {
                raw[edge.index()] = match call {
                    CallStats::Timed { cumtime, .. } if timed => finite(cumtime),
                    _ if counted > 0.0 => cumtime * call.calls().max(0) as f64 / counted,
                    _ => 0.0,
                };
            }
        }
        let mut seconds = raw.clone();
        // Calls into a function from inside its recursion cycle re-enter time that the calls
        // from outside already carry: they share only what is left of its cumtime.
        for callee in profile.functions() {
            let cycle = groups.group(callee);
            let inside = |caller: FunctionId| groups.group(caller) == cycle;
            let (mut from_outside, mut weight, mut within) = (0.0, 0.0, 0usize);
            for (edge, caller, _) in profile.caller_edges(callee) {
                if inside(caller) {
                    weight += raw[edge.index()];
                    within += 1;
                } else {
                    from_outside += raw[edge.index()];
                }
            }
            if within == 0 {
                continue;
            }
            let left = (finite(profile.stats(callee).cumtime) - from_outside).max(0.0);
            for (edge, caller, _) in profile.caller_edges(callee) {
                if inside(caller) {
                    let share = if weight > 0.0 {
                        raw[edge.index()] / weight
                    } else {
                        1.0 / within as f64
                    };
                    seconds[edge.index()] = left * share;
                }
            }
        }
        EdgeCosts { seconds }
    }

    /// Each edge's cost from the real stacks (see the module docs): the time of the samples in
    /// which it enters its callee's outermost frame, summed when the figures were derived.
    fn from_stacks(profile: &Profile, stacks: &Stacks) -> EdgeCosts {
        let seconds = (0..profile.edge_count())
            .map(|e| stacks.entering_time(EdgeId(e as u32)))
            .collect();
        EdgeCosts { seconds }
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}
