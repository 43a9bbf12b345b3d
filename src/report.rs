//! Text reports byte-identical to Python 3.7–3.13's `pstats`: `print_stats`, `print_callers`
//! and `print_callees`. Each writes to any `io::Write`; pass a `BufWriter`. [`lines`] is the
//! report of `python -m line_profiler` for `.lprof` files.

pub mod diff;
pub mod diff_lines;
pub mod lines;
pub mod memory;
pub mod tree;

use std::io;

use crate::model::{CallStats, FunctionId, Measure, Profile};
use crate::pyfmt::{self, f3, f8, ljust, pad, rjust};
use crate::query::{self, ListOptions, Listing};

/// The width pstats gives the name column: the longest printed name in the list, plus 2.
fn name_width(profile: &Profile, listing: &Listing) -> usize {
    let mut name = String::new();
    let widest = listing
        .functions
        .iter()
        .map(|&id| {
            name.clear();
            profile.write_display_name(id, &mut name);
            pyfmt::width(&name)
        })
        .max()
        .unwrap_or(0);
    widest + 2
}

/// The block pstats prints before a non-empty list: each note indented by three spaces,
/// then a blank line.
fn write_notes(out: &mut String, listing: &Listing) {
    use std::fmt::Write;
    for note in &listing.notes {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "   {note}");
    }
    out.push('\n');
}

/// The totals line of a sampled profile, in place of pstats' "N function calls in T seconds":
/// every sample has one leaf, so the samples are the sum of the leaf counts.
fn sampled_totals(out: &mut String, profile: &Profile, timed: bool) {
    let totals = profile.totals();
    let without = profile.stacks().map_or(0, |s| s.samples_without_frames());
    let samples = (totals.primitive_calls.max(0) as u64).saturating_add(without);
    out.push_str(&format!("         {samples} samples "));
    if timed {
        out.push_str("in ");
        f3(out, totals.tottime);
        out.push_str(" seconds\n");
    } else {
        out.push_str("(times are sample counts: the input gives no sampling rate)\n");
    }
    if without > 0 {
        out.push_str(&format!("         {without} of them with no frame\n"));
    }
    out.push_str("         ncalls: samples on the stack/as the leaf\n\n");
}

/// `Stats(...).print_stats(*restrictions)` after the sort options.
pub fn write_stats<W: io::Write>(
    profile: &Profile,
    options: &ListOptions,
    mut writer: W,
) -> io::Result<()> {
    let mut out = String::with_capacity(4096);
    for file in profile.files() {
        if let Some(mtime) = file.mtime {
            out.push_str(&pyfmt::ctime(mtime));
            out.push_str("    ");
        }
        out.push_str(&file.path);
        out.push('\n');
    }
    if !profile.files().is_empty() {
        out.push('\n');
    }
    for &id in profile.top_level() {
        out.push_str("         ");
        out.push_str(profile.name(id));
        out.push('\n');
    }
    let totals = profile.totals();
    match profile.measure() {
        Measure::Samples { timed } => sampled_totals(&mut out, profile, timed),
        _ => {
            out.push_str(&format!("         {} function calls ", totals.calls));
            if totals.calls != totals.primitive_calls {
                out.push_str(&format!("({} primitive calls) ", totals.primitive_calls));
            }
            out.push_str("in ");
            f3(&mut out, totals.tottime);
            out.push_str(" seconds\n\n");
        }
    }

    let listing = query::list(profile, options);
    if !listing.functions.is_empty() {
        write_notes(&mut out, &listing);
        out.push_str("   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n");
        writer.write_all(out.as_bytes())?;
        for &id in &listing.functions {
            out.clear();
            stats_line(&mut out, profile, id);
            writer.write_all(out.as_bytes())?;
        }
        out.clear();
        out.push_str("\n\n");
    }
    writer.write_all(out.as_bytes())
}

/// pstats' `print_line`.
fn stats_line(out: &mut String, profile: &Profile, id: FunctionId) {
    let stats = profile.stats(id);
    let calls = if stats.calls != stats.primitive_calls {
        format!("{}/{}", stats.calls, stats.primitive_calls)
    } else {
        stats.calls.to_string()
    };
    rjust(out, &calls, 9);
    out.push(' ');
    time_and_per_call(out, stats.tottime, stats.calls);
    // cumtime per call divides by primitive calls, tottime per call by all calls.
    time_and_per_call(out, stats.cumtime, stats.primitive_calls);
    profile.write_display_name(id, out);
    out.push('\n');
}

/// `f8(time)`, then `f8(time / calls)` or 8 spaces when there were no calls, each followed
/// by a space.
fn time_and_per_call(out: &mut String, time: f64, calls: i64) {
    f8(out, time);
    out.push(' ');
    if calls == 0 {
        pad(out, 8);
    } else {
        f8(out, time / calls as f64);
    }
    out.push(' ');
}

/// Which way a call report looks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Callers,
    Callees,
}

/// `Stats(...).print_callers(*restrictions)` after the sort options.
pub fn write_callers<W: io::Write>(
    profile: &Profile,
    options: &ListOptions,
    writer: W,
) -> io::Result<()> {
    write_calls(profile, options, writer, Direction::Callers)
}

/// `Stats(...).print_callees(*restrictions)` after the sort options.
pub fn write_callees<W: io::Write>(
    profile: &Profile,
    options: &ListOptions,
    writer: W,
) -> io::Result<()> {
    write_calls(profile, options, writer, Direction::Callees)
}

fn write_calls<W: io::Write>(
    profile: &Profile,
    options: &ListOptions,
    mut writer: W,
    direction: Direction,
) -> io::Result<()> {
    let listing = query::list(profile, options);
    if listing.functions.is_empty() {
        return Ok(());
    }
    let width = name_width(profile, &listing);
    let mut out = String::with_capacity(4096);
    write_notes(&mut out, &listing);
    let (title, arrow) = match direction {
        Direction::Callers => ("was called by...", "<-"),
        Direction::Callees => ("called...", "->"),
    };
    ljust(&mut out, "Function ", width);
    out.push_str(title);
    out.push('\n');
    if profile.has_timed_edges() {
        pad(&mut out, width);
        out.push_str("    ncalls  tottime  cumtime\n");
    }
    writer.write_all(out.as_bytes())?;

    let mut calls: Vec<(FunctionId, CallStats)> = Vec::new();
    let mut name = String::new();
    for &id in &listing.functions {
        calls.clear();
        match direction {
            Direction::Callers => calls.extend(profile.callers(id)),
            Direction::Callees => calls.extend(profile.callees(id)),
        }
        // print_call_line sorts by the raw key tuple (file, line, name).
        calls.sort_by(|a, b| profile.compare_keys(a.0, b.0));
        out.clear();
        name.clear();
        profile.write_display_name(id, &mut name);
        ljust(&mut out, &name, width);
        out.push_str(arrow);
        // Python 3's `print(..., end=' ')` leaves a trailing space on an empty line.
        out.push(' ');
        if calls.is_empty() {
            out.push('\n');
        }
        for (i, (other, stats)) in calls.iter().enumerate() {
            let indent = if i == 0 { "" } else { " " };
            name.clear();
            profile.write_display_name(*other, &mut name);
            match *stats {
                CallStats::Timed {
                    calls,
                    primitive_calls,
                    tottime,
                    cumtime,
                } => {
                    if i > 0 {
                        pad(&mut out, width + 1);
                    }
                    let count = if calls != primitive_calls {
                        format!("{calls}/{primitive_calls}")
                    } else {
                        calls.to_string()
                    };
                    rjust(&mut out, &count, 7 + 2 * indent.len());
                    out.push(' ');
                    f8(&mut out, tottime);
                    out.push(' ');
                    f8(&mut out, cumtime);
                    out.push_str("  ");
                    out.push_str(&name);
                }
                CallStats::Count(count) => {
                    if i > 0 {
                        pad(&mut out, width + 3);
                    }
                    // '%s(%r) %s' % (name, value, f8(self.stats[func][3]))
                    out.push_str(&name);
                    out.push_str(&format!("({count}) "));
                    f8(&mut out, profile.stats(*other).cumtime);
                }
            }
            out.push('\n');
        }
        writer.write_all(out.as_bytes())?;
    }
    writer.write_all(b"\n\n")
}
