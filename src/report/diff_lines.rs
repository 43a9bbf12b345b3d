//! The text of a [`LineDiff`]: `python -m line_profiler`'s report with the change of each
//! line's hits and time beside its figures, functions largest |Δ total time| first
//! (docs/diff.md, "Line profiles").

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use crate::escape::plain;
use crate::pyfmt::{fixed, general};
use crate::pysource;
use crate::query::diff::Change;
use crate::query::diff::lines::{FunctionLinesDiff, LineChange, LineDiff, LineFigures};
use crate::report::lines::{FileSystem, SourceProvider};

/// How a line diff is written.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the Time, ΔTime and Per Hit columns, in seconds. Default: 1e-6, as
    /// `python -m line_profiler` and `pstat lines` print.
    pub output_unit: f64,
    /// How the two sides are named in the header (their files, say). Default: none, and the
    /// header names them `base` and `new` only.
    pub labels: [String; 2],
}

impl Default for Options {
    fn default() -> Self {
        Options {
            output_unit: 1e-6,
            labels: Default::default(),
        }
    }
}

/// Column widths line_profiler 5.1 starts from; the Δ columns take their figure's.
const WIDTH_LINE: usize = 6;
const WIDTH_HITS: usize = 9;
const WIDTH_TIME: usize = 12;
const WIDTH_PERHIT: usize = 8;
const WIDTH_PERCENT: usize = 8;

/// Writes the report, with sources read from the file system.
pub fn write<W: io::Write>(diff: &LineDiff, options: &Options, out: W) -> io::Result<()> {
    write_with_sources(diff, options, &FileSystem, out)
}

/// Writes the report, with sources from `sources`.
pub fn write_with_sources<W: io::Write>(
    diff: &LineDiff,
    options: &Options,
    sources: &dyn SourceProvider,
    mut out: W,
) -> io::Result<()> {
    let mut text = String::with_capacity(4096);
    header(&mut text, diff, options);
    out.write_all(text.as_bytes())?;
    for function in &diff.functions {
        text.clear();
        write_function(&mut text, diff, function, options, sources);
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The report as a string, with sources from `sources`.
pub fn to_string(diff: &LineDiff, options: &Options, sources: &dyn SourceProvider) -> String {
    let mut out = Vec::new();
    write_with_sources(diff, options, sources, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

fn header(out: &mut String, diff: &LineDiff, options: &Options) {
    let _ = write!(out, "Timer unit: {} s\n\n", general(options.output_unit, 6));
    for (label, name, unit) in [
        ("base:", &options.labels[0], diff.base_unit),
        ("new: ", &options.labels[1], diff.new_unit),
    ] {
        match name.is_empty() {
            true => {
                let _ = writeln!(out, "{label} timer unit {} s", general(unit, 6));
            }
            false => {
                let name = plain(name);
                let _ = writeln!(out, "{label} {name} (timer unit {} s)", general(unit, 6));
            }
        }
    }
    let count =
        |change: fn(&Change) -> bool| diff.functions.iter().filter(|f| change(&f.change)).count();
    let _ = writeln!(
        out,
        "Functions: {} in both ({} moved), {} added, {} removed",
        diff.matched(),
        count(|c| matches!(c, Change::Moved { .. })),
        count(|c| *c == Change::Added),
        count(|c| *c == Change::Removed),
    );
    out.push_str(
        "Ordered by: |Δ total time|\n\
         Hits, Time, Per Hit, % Time: the new side's. ΔHits, ΔTime: new - base, with lines \
         paired\nby their distance from the function's first line.\n\n",
    );
}

/// `+x` or `-x`: line_profiler's `%5.1f` with an explicit sign, or `%5.3g` when that is wider
/// than the column, as line_profiler falls back for its Time column.
fn signed_time(x: f64, width: usize) -> String {
    let sign = if x.is_sign_negative() { "" } else { "+" };
    let cell = format!("{sign}{}", fixed(x, 1));
    match cell.len() > width {
        true => format!("{sign}{}", general(x, 3)),
        false => cell,
    }
}

/// `%5.1f`, or `%5.3g` when wider than `width` (line_profiler's Time and Per Hit cells).
fn time_cell(x: f64, width: usize) -> String {
    let cell = format!("{:>5}", fixed(x, 1));
    match cell.len() > width {
        true => format!("{:>5}", general(x, 3)),
        false => cell,
    }
}

fn total_line(out: &mut String, function: &FunctionLinesDiff) {
    let _ = write!(
        out,
        "Total time: {} s -> {} s ({}{} s",
        general(function.base_total, 6),
        general(function.new_total, 6),
        if function.total_delta() < 0.0 {
            ""
        } else {
            "+"
        },
        general(function.total_delta(), 6),
    );
    match (function.change, function.total_percent()) {
        (Change::Added, _) => out.push_str(", added)\n"),
        (Change::Removed, _) => out.push_str(", removed)\n"),
        (_, Some(p)) => {
            let _ = writeln!(out, ", {p:+.1}%)");
        }
        (_, None) => out.push_str(")\n"),
    }
}

fn write_function(
    out: &mut String,
    diff: &LineDiff,
    function: &FunctionLinesDiff,
    options: &Options,
    sources: &dyn SourceProvider,
) {
    total_line(out, function);
    let start = function.first_line;
    let which = match function.change {
        Change::Matched => String::new(),
        Change::Moved { base_line } => format!(" (moved from line {base_line})"),
        Change::Added => " (new side only)".to_string(),
        Change::Removed => " (base side only)".to_string(),
    };
    // A removed function's source is not read: the file on disk is the new side's, where the
    // function is gone. Its timed lines are shown without their contents.
    let source = match function.change {
        Change::Removed => None,
        _ if start < 1 => None,
        _ => sources.lines(&function.recorded_file),
    };
    let generated = sources.is_generated(&function.recorded_file);
    if source.is_none() && !generated && function.change != Change::Removed {
        // line_profiler's notice, in place of the File and Function lines.
        let _ = write!(
            out,
            "\nCould not find file {}\n\
             Are you sure you are running this program from the same directory\n\
             that you ran the profiler from?\n\
             Continuing without the function's contents; only timed lines are shown.\n",
            plain(&function.recorded_file)
        );
        let _ = writeln!(
            out,
            "Function: {} at line {start}{which}",
            plain(&function.name)
        );
    } else {
        let _ = write!(
            out,
            "File: {}\nFunction: {} at line {start}{which}\n",
            plain(&function.recorded_file),
            plain(&function.name)
        );
    }
    let block: &[String] = match &source {
        Some(lines) => pysource::getblock(pysource::from_line(lines, start)),
        None => &[],
    };

    // line_profiler's factor from ticks to the output unit, for each side.
    let scalars = [
        diff.base_unit / options.output_unit,
        diff.new_unit / options.output_unit,
    ];
    let cells: Vec<[String; 6]> = function
        .lines
        .iter()
        .map(|line| line_cells(line, function.new_ticks, scalars))
        .collect();
    let minimums = [
        WIDTH_HITS,
        WIDTH_HITS,
        WIDTH_TIME,
        WIDTH_TIME,
        WIDTH_PERHIT,
        WIDTH_PERCENT,
    ];
    let mut widths = [WIDTH_LINE, 0, 0, 0, 0, 0, 0];
    for (i, minimum) in minimums.into_iter().enumerate() {
        widths[i + 1] = cells
            .iter()
            .map(|c| c[i].chars().count())
            .fold(minimum, usize::max);
    }
    let row = |out: &mut String, cells: [&str; 7], contents: &str| {
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let _ = write!(out, "{cell:>width$}");
        }
        let _ = writeln!(out, "  {contents}");
    };
    let mut title = String::new();
    row(
        &mut title,
        [
            "Line #", "Hits", "ΔHits", "Time", "ΔTime", "Per Hit", "% Time",
        ],
        "Line Contents",
    );
    let _ = write!(
        out,
        "\n{title}{}\n",
        "=".repeat(title.trim_end_matches('\n').chars().count())
    );
    // The function's source lines, and any timed line outside them (a line of the base side
    // past the new side's block), in order of line number.
    let mut rows: BTreeMap<i64, (&str, Option<usize>)> = BTreeMap::new();
    for (i, text) in block.iter().enumerate() {
        let contents = text.trim_end_matches('\n').trim_end_matches('\r');
        rows.insert(start.saturating_add(i as i64), (contents, None));
    }
    for (i, line) in function.lines.iter().enumerate() {
        rows.entry(line.line).or_insert(("", None)).1 = Some(i);
    }
    let empty: [String; 6] = Default::default();
    for (number, (contents, timed)) in rows {
        let c = timed.map_or(&empty, |i| &cells[i]);
        let number = number.to_string();
        row(
            out,
            [&number, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5]],
            contents,
        );
    }
    out.push('\n');
}

/// Hits, ΔHits, Time, ΔTime, Per Hit and % Time of one line, in output units, the new side's
/// computed from ticks as line_profiler computes them.
fn line_cells(line: &LineChange, new_ticks: i128, [base_scalar, scalar]: [f64; 2]) -> [String; 6] {
    let (hits, time, per_hit, percent) = match line.new {
        Some(new) => {
            let mut hits = new.hits.to_string();
            if hits.len() > WIDTH_HITS {
                hits = general(new.hits as f64, 6);
            }
            let per_hit = match new.hits {
                0 => String::new(),
                n => time_cell(new.ticks as f64 * scalar / n as f64, WIDTH_PERHIT),
            };
            let percent = match new_ticks == 0 {
                true => String::new(),
                false => format!(
                    "{:>5}",
                    fixed(100.0 * new.ticks as f64 / new_ticks as f64, 1)
                ),
            };
            let time = time_cell(new.ticks as f64 * scalar, WIDTH_TIME);
            (hits, time, per_hit, percent)
        }
        None => Default::default(),
    };
    let ticks = |side: Option<LineFigures>| side.map_or(0.0, |f| f.ticks as f64);
    let delta_hits = line.hits_delta();
    let mut delta_hits_cell = format!("{delta_hits:+}");
    if delta_hits_cell.len() > WIDTH_HITS {
        let sign = if delta_hits < 0 { "" } else { "+" };
        delta_hits_cell = format!("{sign}{}", general(delta_hits as f64, 6));
    }
    [
        hits,
        delta_hits_cell,
        time,
        signed_time(
            ticks(line.new) * scalar - ticks(line.base) * base_scalar,
            WIDTH_TIME,
        ),
        per_hit,
        percent,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LineFunction, LineProfile};
    use crate::query::diff::lines;

    /// One source file, `a.py`.
    struct OneFile(&'static str);

    impl SourceProvider for OneFile {
        fn lines(&self, path: &str) -> Option<Vec<String>> {
            (path == "a.py").then(|| self.0.split_inclusive('\n').map(String::from).collect())
        }
    }

    /// (first line, name, [(line, hits, ticks)]) of a function of `a.py`.
    type Function<'a> = (i64, &'a str, &'a [(i64, i64, i64)]);

    fn profile(unit: f64, functions: &[Function<'_>]) -> LineProfile {
        LineProfile {
            unit,
            functions: functions
                .iter()
                .map(|&(first_line, name, lines)| {
                    LineFunction::from_triples("a.py", first_line, name, lines)
                })
                .collect(),
        }
    }

    #[test]
    fn lines_outside_the_block_and_removed_functions_have_rows_without_source() {
        // The base's f was a line longer; g is gone from the new source.
        let base = profile(
            1e-6,
            &[(1, "f", &[(2, 1, 10), (3, 1, 20)]), (5, "g", &[(6, 2, 30)])],
        );
        let new = profile(1e-9, &[(1, "f", &[(2, 3, 50_000)])]);
        let source = "def f():\n    return 1\n";
        let diff = lines::diff(&base, &new, &lines::Options::default()).expect("comparable");
        let text = to_string(&diff, &Options::default(), &OneFile(source));
        let rows: Vec<Vec<&str>> = text
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        let find = |cells: &[&str]| rows.iter().any(|r| r.as_slice() == cells);
        assert!(
            find(&[
                "2", "3", "+2", "50.0", "+40.0", "16.7", "100.0", "return", "1"
            ]),
            "{text}"
        );
        assert!(find(&["3", "-1", "-20.0"]), "{text}");
        assert!(find(&["6", "-2", "-30.0"]), "{text}");
        assert!(
            text.contains("Function: g at line 5 (base side only)"),
            "{text}"
        );
        assert!(
            text.contains("Total time: 3e-05 s -> 5e-05 s (+2e-05 s, +66.7%)"),
            "{text}"
        );
    }
}
