//! The text of a [`Diff`]: a header with both sides' files and totals and the change, then one
//! row per function with the change of its own time first (docs/diff.md, "The report").
//! Times are formatted as pstats formats them (`%8.3f`), changes with an explicit sign.

use std::fmt::Write as _;
use std::io;

use crate::escape::plain;
use crate::model::Measure;
use crate::pyfmt::{ljust, rjust};
use crate::query::diff::{Change, Diff, Figures, FunctionDiff, Selection, Side, Verdict};

/// How a diff is written.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// Which rows, in what order. Default: every function, largest |Δ tottime| first.
    pub selection: Selection,
}

/// Writes the report.
pub fn write<W: io::Write>(diff: &Diff, options: &Options, mut writer: W) -> io::Result<()> {
    let mut out = String::with_capacity(4096);
    header(&mut out, diff, options);
    writer.write_all(out.as_bytes())?;
    let rows = diff.select(&options.selection);
    if rows.is_empty() {
        return writer.write_all(b"   no function is left to show\n");
    }
    out.clear();
    column_titles(&mut out, diff);
    writer.write_all(out.as_bytes())?;
    let spread = diff.has_noise_estimate();
    for row in rows {
        out.clear();
        write_row(&mut out, row, spread);
        writer.write_all(out.as_bytes())?;
    }
    Ok(())
}

/// The report as a string.
pub fn to_string(diff: &Diff, options: &Options) -> String {
    let mut out = Vec::new();
    write(diff, options, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// What a time figure counts.
fn unit(diff: &Diff) -> &'static str {
    match diff.measure {
        Measure::Samples { timed: false } => "samples",
        _ => "seconds",
    }
}

fn header(out: &mut String, diff: &Diff, options: &Options) {
    for (label, side) in [("base", &diff.base), ("new", &diff.new)] {
        files(out, label, side);
    }
    out.push('\n');
    let runs = |side: &Side| match side.runs {
        1 => String::new(),
        n => format!(" ({n} runs)"),
    };
    let _ = writeln!(
        out,
        "{:>24} {:>20} {:>12}",
        format!("base{}", runs(&diff.base)),
        format!("new{}", runs(&diff.new)),
        "change"
    );
    let calls = |f: &Figures| match diff.measure {
        Measure::Calls => f.calls,
        Measure::Samples { .. } => f.primitive_calls,
    };
    let calls_label = match diff.measure {
        Measure::Calls => "function calls",
        Measure::Samples { .. } => "samples",
    };
    let (base_calls, new_calls) = (calls(&diff.base.totals), calls(&diff.new.totals));
    let _ = write!(
        out,
        "{calls_label:<16}{:>8} {:>20} {:>12}",
        number(base_calls),
        number(new_calls),
        signed(new_calls - base_calls),
    );
    percent_suffix(
        out,
        (base_calls != 0.0).then(|| 100.0 * (new_calls - base_calls) / base_calls),
    );
    out.push('\n');
    let time = |f: &Figures, with_spread: bool| match with_spread {
        true => format!("{:.3}±{:.3}", f.tottime, f.tottime_spread),
        false => format!("{:.3}", f.tottime),
    };
    let spread = diff.has_noise_estimate();
    let _ = write!(
        out,
        "{:<16}{:>8} {:>20} {:>+12.3}",
        unit(diff),
        time(&diff.base.totals, spread),
        time(&diff.new.totals, spread),
        diff.tottime_delta(),
    );
    percent_suffix(out, diff.tottime_percent());
    out.push('\n');
    out.push('\n');
    match diff.total_verdict {
        Verdict::Unknown => out.push_str(
            "   No noise estimate: one run on a side. Give several runs per side \
             (--base A1 A2 … --new B1 B2 …)\n   to tell changes from run-to-run noise.\n",
        ),
        verdict => {
            let _ = writeln!(
                out,
                "   Noise test: Welch's t-test on own time over the runs, two-sided, at level {}; \
                 total time: {}",
                diff.alpha,
                verdict_words(verdict)
            );
        }
    }
    if diff.normalized {
        out.push_str("   Times scaled so that every run's total is the new side's mean total\n");
    }
    let _ = writeln!(
        out,
        "\n   Ordered by: {}\n",
        match options.selection.sort.word() {
            "delta" => "|Δ tottime|",
            "ratio" => "new/base tottime",
            "base" => "base tottime",
            _ => "new tottime",
        }
    );
}

fn files(out: &mut String, label: &str, side: &Side) {
    if side.files.is_empty() {
        let _ = writeln!(out, "{label:<5} (no file name)");
    }
    for (i, file) in side.files.iter().enumerate() {
        let label = if i == 0 { label } else { "" };
        let _ = writeln!(out, "{label:<5} {}", plain(file));
    }
}

/// ` (+5.3%)`, or nothing when the base is zero.
fn percent_suffix(out: &mut String, percent: Option<f64>) {
    if let Some(p) = percent {
        let _ = write!(out, " ({p:+.1}%)");
    }
}

fn verdict_words(verdict: Verdict) -> String {
    match verdict {
        Verdict::Unknown => "no estimate".to_string(),
        Verdict::Noise { p } => format!("within the noise (p = {p:.3})"),
        Verdict::Significant { p } => format!("a real change (p = {p:.3})"),
    }
}

/// [`number`] with an explicit sign.
fn signed(x: f64) -> String {
    match x < 0.0 {
        true => number(x),
        false => format!("+{}", number(x)),
    }
}

/// A mean count: whole numbers as integers, others with one decimal.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.1}")
    }
}

fn column_titles(out: &mut String, diff: &Diff) {
    out.push_str(" Δtottime       Δ%  tottime  tottime");
    if diff.has_noise_estimate() {
        out.push_str("    ±base     ±new");
    }
    out.push_str(" Δcumtime            ncalls  flags    filename:lineno(function)\n");
    out.push_str("                       base      new");
    if diff.has_noise_estimate() {
        out.push_str("                  ");
    }
    out.push_str("                  base->new\n");
}

fn write_row(out: &mut String, row: &FunctionDiff, spread: bool) {
    let _ = write!(out, "{:+9.3}", row.tottime_delta());
    match row.tottime_percent() {
        Some(p) if p.abs() < 1e5 => {
            let _ = write!(out, " {:>+7.1}%", p);
        }
        Some(_) => out.push_str("   >1e5 %"),
        None => out.push_str("        -"),
    }
    let _ = write!(out, " {:8.3} {:8.3}", row.base.tottime, row.new.tottime);
    if spread {
        let _ = write!(
            out,
            " {:8.3} {:8.3}",
            row.base.tottime_spread, row.new.tottime_spread
        );
    }
    let _ = write!(out, " {:+8.3} ", row.cumtime_delta());
    let calls = match (row.change, row.base.calls == row.new.calls) {
        (Change::Added, _) => format!("-> {}", number(row.new.calls)),
        (Change::Removed, _) => format!("{} ->", number(row.base.calls)),
        (_, true) => number(row.new.calls),
        (_, false) => format!("{}->{}", number(row.base.calls), number(row.new.calls)),
    };
    rjust(out, &calls, 17);
    out.push_str("  ");
    let flag = match (row.change, row.verdict) {
        (Change::Added, _) => "added".to_string(),
        (Change::Removed, _) => "removed".to_string(),
        (Change::Moved { base_line }, verdict) => {
            format!(
                "moved:{base_line}{}",
                if verdict.is_noise() { ",noise" } else { "" }
            )
        }
        (Change::Matched, Verdict::Noise { .. }) => "noise".to_string(),
        (Change::Matched, _) => String::new(),
    };
    ljust(out, &flag, 8);
    out.push(' ');
    let mut name = String::new();
    row.write_display_name(&mut name);
    out.push_str(&plain(&name));
    out.push('\n');
}
