//! Exports of line-level profiles (line_profiler `.lprof`), one function per format, each with
//! its own options: [`write_json`] (`pstat-lines` JSON, with [`JsonOptions`]) and
//! [`write_callgrind`] (callgrind with one cost line per source line, with
//! [`CallgrindOptions`]). Both take `(&LineProfile, &Options, W)` as the call-profile exporters
//! do; [`super::write()`] reaches them for [`OutputFormat::Json`](super::OutputFormat::Json)
//! and [`OutputFormat::Callgrind`](super::OutputFormat::Callgrind).

use std::io;

use serde_json::json;

use super::TimeUnit;
use crate::model::LineProfile;

/// Options of [`write_json`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct JsonOptions {
    /// The input paths, as given, for `inputs`. Default: empty.
    pub inputs: Vec<String>,
}

/// Writes the `pstat-lines` JSON document (docs/json.md): the top-level fields on lines of
/// their own and each function on one line. Times are in seconds; `ticks` keeps the file's
/// integer counts exactly.
pub fn write_json<W: io::Write>(
    profile: &LineProfile,
    options: &JsonOptions,
    mut out: W,
) -> io::Result<()> {
    let unit = profile.unit;
    let inputs: Vec<_> = options
        .inputs
        .iter()
        .map(|p| json!({ "path": p }))
        .collect();
    writeln!(out, "{{")?;
    writeln!(out, "\"format\": \"pstat-lines\",")?;
    writeln!(out, "\"version\": 1,")?;
    writeln!(out, "\"time_unit\": \"s\",")?;
    writeln!(out, "\"timer_unit\": {},", json!(unit))?;
    writeln!(out, "\"inputs\": {},", json!(inputs))?;
    write!(out, "\"functions\": [")?;
    for (id, function) in profile.functions.iter().enumerate() {
        let lines: Vec<_> = function
            .lines
            .iter()
            .map(|l| {
                json!({
                    "line": l.line,
                    "hits": l.hits,
                    "ticks": l.time,
                    "time": l.time as f64 * unit,
                })
            })
            .collect();
        let value = json!({
            "id": id,
            "file": function.file,
            "line": function.first_line,
            "name": function.name,
            "hits": function.total_hits().clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            "time": function.total_time() as f64 * unit,
            "lines": lines,
        });
        if id > 0 {
            write!(out, ",")?;
        }
        write!(out, "\n{value}")?;
    }
    writeln!(out, "\n]")?;
    writeln!(out, "}}")?;
    Ok(())
}

/// Options of [`write_callgrind`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallgrindOptions {
    /// The unit of the integer costs. Default: nanoseconds.
    pub unit: TimeUnit,
    /// The command recorded in the `cmd:` line. Default: empty.
    pub command: String,
}

impl Default for CallgrindOptions {
    fn default() -> CallgrindOptions {
        CallgrindOptions {
            unit: TimeUnit::Ns,
            command: String::new(),
        }
    }
}

/// Writes callgrind with `positions: line`: one block per function (`fl=`/`fn=`) with one cost
/// line per timed source line, its self time; no calls, since line_profiler records none.
/// KCachegrind then shows the sources annotated with the times.
pub fn write_callgrind<W: io::Write>(
    profile: &LineProfile,
    options: &CallgrindOptions,
    mut out: W,
) -> io::Result<()> {
    let cost = |ticks: i64| -> i128 {
        let value = options
            .unit
            .from_seconds(ticks as f64 * profile.unit)
            .round();
        // Callgrind costs are unsigned.
        value.max(0.0) as i128
    };
    let total: i128 = profile
        .functions
        .iter()
        .flat_map(|f| f.lines.iter())
        .map(|l| cost(l.time))
        .sum();
    writeln!(out, "# callgrind format")?;
    writeln!(out, "version: 1")?;
    writeln!(out, "creator: pstat {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "cmd: {}", single_line(&options.command))?;
    writeln!(
        out,
        "# line_profiler timings: the cost of each line is its own time."
    )?;
    writeln!(out, "positions: line")?;
    let unit = options.unit;
    writeln!(out, "event: {} : {}", unit.name(), unit.long_name())?;
    writeln!(out, "events: {}", unit.name())?;
    writeln!(out, "summary: {total}")?;
    let mut files: Vec<&str> = Vec::new();
    for (id, function) in profile.functions.iter().enumerate() {
        writeln!(out)?;
        match files.iter().position(|f| *f == function.file) {
            Some(i) => writeln!(out, "fl=({})", i + 1)?,
            None => {
                files.push(&function.file);
                writeln!(out, "fl=({}) {}", files.len(), single_line(&function.file))?;
            }
        }
        // Each function gets its own id: several may share a name.
        writeln!(
            out,
            "fn=({}) {}",
            id + 1,
            single_line(&unique_name(profile, id))
        )?;
        for line in &function.lines {
            writeln!(out, "{} {}", line.line.max(0), cost(line.time))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "totals: {total}")?;
    Ok(())
}

/// The function's name, with `:line` when another function in the same file has the same name.
fn unique_name(profile: &LineProfile, id: usize) -> String {
    let f = &profile.functions[id];
    let shared = profile
        .functions
        .iter()
        .filter(|g| g.file == f.file && g.name == f.name)
        .count()
        > 1;
    if shared {
        format!("{}:{}", f.name, f.first_line)
    } else {
        f.name.clone()
    }
}

fn single_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}
