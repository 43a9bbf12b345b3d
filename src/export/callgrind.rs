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

use hashbrown::HashMap;
use std::io::{self, Write};

use crate::export::TimeUnit;
use crate::model::{CallStats, FunctionId, Profile};

/// Options for callgrind output.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the costs. Default: nanoseconds (what pyprof2calltree writes).
    pub unit: TimeUnit,
    /// The `cmd:` line: what the profile was made from. Default: the input files' paths.
    pub command: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unit: TimeUnit::Ns,
            command: None,
        }
    }
}

/// Writes the profile in callgrind format.
pub fn write<W: Write>(profile: &Profile, options: &Options, writer: W) -> io::Result<()> {
    let mut out = io::BufWriter::new(writer);
    let unit = options.unit;
    let cost = |seconds: f64| -> u64 {
        let v = unit.from_seconds(seconds).round();
        if v.is_finite() && v > 0.0 {
            v as u64
        } else {
            0
        }
    };
    let edge_seconds = EdgeCosts::new(profile);
    let self_costs: Vec<u64> = profile
        .functions()
        .map(|id| cost(profile.stats(id).tottime))
        .collect();
    let total: u64 = self_costs.iter().sum();

    writeln!(out, "# callgrind format")?;
    writeln!(out, "version: 1")?;
    writeln!(out, "creator: pstat {}", env!("CARGO_PKG_VERSION"))?;
    let command = options.command.clone().unwrap_or_else(|| {
        let paths: Vec<&str> = profile.files().iter().map(|f| f.path.as_str()).collect();
        paths.join(" ")
    });
    writeln!(out, "cmd: {}", single_line(&command))?;
    writeln!(
        out,
        "# Python profile converted by pstat. Costs are {} of time:",
        unit.long_name()
    )?;
    for comment in [
        "# self cost = tottime, at the function's first line; a call's inclusive cost is",
        "# the edge's cumtime, except for calls from inside a recursion cycle, which share",
        "# what is left of the callee's cumtime: the calls into a function add up to its",
        "# cumtime, and no time is counted twice.",
    ] {
        writeln!(out, "{comment}")?;
    }
    if !profile.has_timed_edges() && profile.functions().any(|id| profile.callers(id).len() > 0) {
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
    writeln!(out, "event: {} : {}", unit.name(), unit.long_name())?;
    writeln!(out, "events: {}", unit.name())?;
    writeln!(out, "summary: {total}")?;

    let names = FunctionNames::new(profile);
    let mut files = Compressor::default();
    let mut functions = Compressor::default();
    let mut callees: Vec<(FunctionId, CallStats, f64)> = Vec::new();
    for (i, id) in profile.functions().enumerate() {
        writeln!(out)?;
        let file = names.file(profile, id);
        writeln!(out, "fl={}", files.name(profile.file_index(id), file))?;
        writeln!(out, "fn={}", functions.name(id.index(), names.function(id)))?;
        let line = position(profile.line(id));
        writeln!(out, "{line} {}", self_costs[i])?;
        callees.clear();
        callees.extend(
            profile
                .callee_edges(id)
                .map(|(edge, callee, call)| (callee, call, edge_seconds.seconds[edge])),
        );
        // Deterministic order: by the callee's key, as pstats prints callees.
        callees.sort_by(|a, b| profile.cmp_keys(a.0, b.0));
        for &(callee, call, seconds) in &callees {
            let callee_file = names.file(profile, callee);
            if callee_file != file {
                writeln!(
                    out,
                    "cfl={}",
                    files.name(profile.file_index(callee), callee_file)
                )?;
            }
            writeln!(
                out,
                "cfn={}",
                functions.name(callee.index(), names.function(callee))
            )?;
            writeln!(
                out,
                "calls={} {}",
                call.calls().max(0),
                position(profile.line(callee))
            )?;
            writeln!(out, "{line} {}", cost(seconds))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "totals: {total}")?;
    out.flush()
}

/// Line numbers are positions; callgrind has no negative ones.
fn position(line: i64) -> u64 {
    line.max(0) as u64
}

fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Name compression: the first use of a name defines `(id) name`, later uses are `(id)`.
/// Names are looked up by a dense key (a file's symbol, a function's id), not by their text.
#[derive(Default)]
struct Compressor {
    ids: Vec<u32>,
    next: u32,
}

impl Compressor {
    fn name(&mut self, key: usize, name: &str) -> String {
        if self.ids.len() <= key {
            self.ids.resize(key + 1, 0);
        }
        match self.ids[key] {
            0 => {
                self.next += 1;
                self.ids[key] = self.next;
                format!("({}) {}", self.next, single_line(name))
            }
            id => format!("({id})"),
        }
    }
}

/// Callgrind identifies a function by (file, name): two functions with one name in one file
/// (methods of two classes, say) are written as `name:line`.
struct FunctionNames {
    names: Vec<String>,
}

impl FunctionNames {
    fn new(profile: &Profile) -> FunctionNames {
        let ids = || profile.all_functions();
        let mut lines_by_name: HashMap<(&str, &str), Vec<i64>> = HashMap::new();
        for id in ids() {
            let lines = lines_by_name
                .entry((profile.file(id), profile.name(id)))
                .or_default();
            if !lines.contains(&profile.line(id)) {
                lines.push(profile.line(id));
            }
        }
        let names = ids()
            .map(|id| {
                let name = profile.name(id);
                match lines_by_name[&(profile.file(id), name)].len() {
                    1 => name.to_string(),
                    _ => format!("{name}:{}", profile.line(id)),
                }
            })
            .collect();
        FunctionNames { names }
    }

    fn function(&self, id: FunctionId) -> &str {
        &self.names[id.index()]
    }

    fn file<'p>(&self, profile: &'p Profile, id: FunctionId) -> &'p str {
        match profile.file(id) {
            // The profile module's builtins have an empty file name; callgrind needs one.
            "" => "~",
            file => file,
        }
    }
}

/// The inclusive cost, in seconds, written for each caller→callee edge, by edge index.
struct EdgeCosts {
    seconds: Vec<f64>,
}

impl EdgeCosts {
    fn new(profile: &Profile) -> EdgeCosts {
        let component = profile.recursion_components();
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
                raw[edge] = match call {
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
            let cycle = component[callee.index()];
            let inside = |caller: FunctionId| component[caller.index()] == cycle;
            let (mut from_outside, mut weight, mut within) = (0.0, 0.0, 0usize);
            for (edge, caller, _) in profile.caller_edges(callee) {
                if inside(caller) {
                    weight += raw[edge];
                    within += 1;
                } else {
                    from_outside += raw[edge];
                }
            }
            if within == 0 {
                continue;
            }
            let left = (finite(profile.stats(callee).cumtime) - from_outside).max(0.0);
            for (edge, caller, _) in profile.caller_edges(callee) {
                if inside(caller) {
                    let share = if weight > 0.0 {
                        raw[edge] / weight
                    } else {
                        1.0 / within as f64
                    };
                    seconds[edge] = left * share;
                }
            }
        }
        EdgeCosts { seconds }
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}
