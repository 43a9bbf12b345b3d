//! A DOT call graph (Graphviz), laid out as gprof2dot lays out a pstats profile: one box per
//! function with its name, file:line, cumulative and (self) percentage and calls, one arrow per
//! caller→callee edge with its percentage and calls, both coloured by cumulative percentage on
//! gprof2dot's default colour map, and the functions and edges below a fraction of the total
//! left out. docs/dot.md states the figures and formulas, taken from gprof2dot, that this
//! module reproduces, how names are escaped, and where it deliberately differs.
//!
//! For a sampled profile the graph is drawn from the functions and edges the model derives
//! exactly from the stacks, and the labels count samples (`12 samples`) instead of calls.
//!
//! ```
//! let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats", &Default::default()).and_then(pstat::AnyProfile::into_calls)?;
//! let mut dot = Vec::new();
//! pstat::export::dot::write(&profile, &pstat::export::dot::Options::default(), &mut dot)?;
//! assert!(dot.starts_with(b"digraph {\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::io;

use crate::escape::{DotString, dot_into};
use crate::model::{CallStats, FunctionId, Profile};
use crate::pyfmt;

/// Options of [`write()`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// Functions whose cumulative time is below this fraction of the total time are left out,
    /// with their edges (gprof2dot's `-n`, in percent there). Default: `0.005` (0.5 %).
    pub node_fraction: f64,
    /// Edges whose cumulative time is below this fraction of the total time are left out
    /// (gprof2dot's `-e`). Default: `0.001` (0.1 %).
    pub edge_fraction: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            node_fraction: 0.005,
            edge_fraction: 0.001,
        }
    }
}

/// The most bytes one name or file name takes inside a quoted DOT string. Graphviz refuses a
/// quoted string longer than 16,384 bytes; a label holds a name and a file name.
const MAX_ESCAPED_BYTES: usize = 4096;

/// Writes `profile` as a DOT graph. The writer should be buffered (see the
/// [module documentation](super)).
///
/// # Errors
///
/// Only those of `writer`.
pub fn write<W: io::Write>(profile: &Profile, options: &Options, mut writer: W) -> io::Result<()> {
    let weights = Weights::new(profile);
    let count_unit = if profile.measure().is_sampled() {
        " samples"
    } else {
        "×"
    };
    let kept: Vec<bool> = profile
        .all_functions()
        // Left out when below the fraction; NaN is kept, as gprof2dot keeps it.
        .map(|id| {
            weights.cumulative(id).partial_cmp(&options.node_fraction) != Some(Ordering::Less)
        })
        .collect();

    writer.write_all(HEADER.as_bytes())?;
    let mut out = String::new();
    for id in profile.all_functions().filter(|id| kept[id.index()]) {
        out.clear();
        write_node(&mut out, profile, &weights, id, count_unit);
        writer.write_all(out.as_bytes())?;
    }
    for callee in profile.functions().filter(|id| kept[id.index()]) {
        for (caller, call) in profile.callers(callee) {
            if !kept[caller.index()] {
                continue;
            }
            let (time, calls) = edge_figures(profile, callee, call);
            let weight = ratio(time, weights.total_time);
            if weight < options.edge_fraction {
                continue;
            }
            out.clear();
            write_edge(&mut out, caller, callee, weight, calls, count_unit);
            writer.write_all(out.as_bytes())?;
        }
    }
    writer.write_all(b"}\n")
}

/// gprof2dot's graph header, attributes in its (sorted) order. The `tooltip=" "` works around
/// a Graphviz bug that gives unnamed graphs a `%3` tooltip in SVG.
const HEADER: &str = "digraph {\n\
    \ttooltip=\" \"\n\
    \tgraph [fontname=Arial, nodesep=0.125, ranksep=0.25];\n\
    \tnode [fontcolor=white, fontname=Arial, height=0, shape=box, style=filled, width=0];\n\
    \tedge [fontname=Arial];\n";

/// The denominators of gprof2dot's percentages.
struct Weights<'p> {
    profile: &'p Profile,
    /// The sum of every function's tottime, in file order: what self percentages divide by.
    self_time: f64,
    /// pstats' total time or the largest cumtime, whichever is larger: what cumulative
    /// percentages divide by.
    total_time: f64,
}

impl<'p> Weights<'p> {
    fn new(profile: &'p Profile) -> Weights<'p> {
        let mut self_time = 0.0;
        let mut total_time = profile.totals().tottime;
        for id in profile.functions() {
            let stats = profile.stats(id);
            self_time += stats.tottime;
            // Python's `max(total, ct)`: keeps `total` unless `ct` is larger.
            if stats.cumtime > total_time {
                total_time = stats.cumtime;
            }
        }
        Weights {
            profile,
            self_time,
            total_time,
        }
    }

    fn cumulative(&self, id: FunctionId) -> f64 {
        ratio(self.profile.stats(id).cumtime, self.total_time)
    }

    fn own(&self, id: FunctionId) -> f64 {
        ratio(self.profile.stats(id).tottime, self.self_time)
    }
}

/// gprof2dot's `ratio`: `numerator / denominator` clamped to 0..=1, and 1 when the denominator
/// is 0 ("more useful" than undefined, it says). NaN stays NaN.
fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        return 1.0;
    }
    (numerator / denominator).clamp(0.0, 1.0)
}

/// An edge's cumulative time and the calls its label shows, as gprof2dot takes them from a
/// pstats callers dict: cProfile's cumtime and primitive calls; for the `profile` module's bare
/// count `n`, the callee's cumtime times `n` over the callee's calls.
fn edge_figures(profile: &Profile, callee: FunctionId, call: CallStats) -> (f64, i64) {
    match call {
        CallStats::Timed {
            primitive_calls,
            cumtime,
            ..
        } => (cumtime, primitive_calls),
        CallStats::Count(n) => {
            let stats = profile.stats(callee);
            (ratio(n as f64, stats.calls as f64) * stats.cumtime, n)
        }
    }
}

fn write_node(
    out: &mut String,
    profile: &Profile,
    weights: &Weights<'_>,
    id: FunctionId,
    count_unit: &str,
) {
    let weight = weights.cumulative(id);
    let color = color(weight);
    let _ = write!(
        out,
        "\t{} [color=\"{color}\", fontcolor=\"#ffffff\", fontsize=\"10.00\", label=\"",
        id.index()
    );
    let (file, line, name) = (profile.file(id), profile.line(id), profile.name(id));
    dot_into(out, name, DotString::Label, MAX_ESCAPED_BYTES);
    if !(line == 0 && (file == "~" || file.is_empty())) {
        out.push_str("\\n");
        dot_into(
            out,
            file.rsplit('/').next().unwrap_or(file),
            DotString::Label,
            MAX_ESCAPED_BYTES,
        );
        let _ = write!(out, ":{line}");
    }
    let _ = write!(
        out,
        "\\n{}%\\n({}%)\\n{}{count_unit}\", tooltip=\"",
        percent(weight),
        percent(weights.own(id)),
        profile.stats(id).calls
    );
    dot_into(out, file, DotString::Tooltip, MAX_ESCAPED_BYTES);
    let _ = write!(out, ":{line}(");
    dot_into(out, name, DotString::Tooltip, MAX_ESCAPED_BYTES);
    out.push_str(")\"];\n");
}

fn write_edge(
    out: &mut String,
    caller: FunctionId,
    callee: FunctionId,
    weight: f64,
    calls: i64,
    count_unit: &str,
) {
    let color = color(weight);
    let pen = pen_width(weight);
    let _ = writeln!(
        out,
        "\t{} -> {} [arrowsize=\"{}\", color=\"{color}\", fontcolor=\"{color}\", \
         fontsize=\"10.00\", label=\"{}%\\n{calls}{count_unit}\", labeldistance=\"{}\", \
         penwidth=\"{}\"];",
        caller.index(),
        callee.index(),
        pyfmt::fixed(0.5 * pen.sqrt(), 2),
        percent(weight),
        pyfmt::fixed(pen, 2),
        pyfmt::fixed(pen, 2),
    );
}

/// `"%.02f" % (p * 100.0)`, gprof2dot's percentage.
fn percent(p: f64) -> String {
    pyfmt::fixed(p * 100.0, 2)
}

/// gprof2dot's edge pen width: `max(weight * 4.0, 0.5)` (its theme's maximum and minimum).
fn pen_width(weight: f64) -> f64 {
    let weight = if weight.is_nan() { 0.0 } else { weight };
    (weight * 4.0).max(0.5)
}

/// The colour of a weight on gprof2dot's default colour map ("color"): hue, saturation and
/// lightness go linearly from dark blue (2/3, 0.8, 0.25) at 0 to red (0, 1, 0.5) at 1, then
/// HSL → RGB as CSS 3 defines it (gamma 1), each channel rounded to 0..=255.
fn color(weight: f64) -> String {
    let weight = if weight.is_nan() {
        0.0
    } else {
        weight.clamp(0.0, 1.0)
    };
    let (h_min, s_min, l_min) = (2.0 / 3.0, 0.80, 0.25);
    let (h_max, s_max, l_max) = (0.0, 1.0, 0.5);
    let h = h_min + weight * (h_max - h_min);
    let s = s_min + weight * (s_max - s_min);
    let l = l_min + weight * (l_max - l_min);
    let (r, g, b) = hsl_to_rgb(h, s, l);
    let channel = |c: f64| -> u8 {
        if c <= 0.0 {
            0
        } else if c >= 1.0 {
            255
        } else {
            // `int(255.0 * c + 0.5)`: truncation of a positive number.
            (255.0 * c + 0.5) as u8
        }
    };
    format!("#{:02x}{:02x}{:02x}", channel(r), channel(g), channel(b))
}

/// CSS 3's HSL → RGB, as gprof2dot computes it.
fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (f64, f64, f64) {
    let h = h.rem_euclid(1.0);
    let s = s.clamp(0.0, 1.0);
    let l = l.clamp(0.0, 1.0);
    let m2 = if l <= 0.5 {
        l * (s + 1.0)
    } else {
        l + s - l * s
    };
    let m1 = l * 2.0 - m2;
    (
        hue_to_rgb(m1, m2, h + 1.0 / 3.0),
        hue_to_rgb(m1, m2, h),
        hue_to_rgb(m1, m2, h - 1.0 / 3.0),
    )
}

fn hue_to_rgb(m1: f64, m2: f64, h: f64) -> f64 {
    let h = if h < 0.0 {
        h + 1.0
    } else if h > 1.0 {
        h - 1.0
    } else {
        h
    };
    if h * 6.0 < 1.0 {
        m1 + (m2 - m1) * h * 6.0
    } else if h * 2.0 < 1.0 {
        m2
    } else if h * 3.0 < 2.0 {
        m1 + (m2 - m1) * (2.0 / 3.0 - h) * 6.0
    } else {
        m1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_is_gprof2dots() {
        assert_eq!(ratio(1.0, 0.0), 1.0);
        assert_eq!(ratio(-1.0, 2.0), 0.0);
        assert_eq!(ratio(3.0, 2.0), 1.0);
        assert_eq!(ratio(1.0, 4.0), 0.25);
        assert!(ratio(f64::NAN, 1.0).is_nan());
    }

    #[test]
    fn colours_run_from_dark_blue_to_red() {
        // Values gprof2dot's Theme prints for these weights.
        assert_eq!(color(0.0), "#0d0d73");
        assert_eq!(color(0.5), "#0ab60a");
        assert_eq!(color(0.123456), "#0d4783");
        assert_eq!(color(0.9), "#f06102");
        assert_eq!(color(1.0), "#ff0000");
        assert_eq!(color(f64::NAN), color(0.0));
        assert_eq!(pen_width(0.0), 0.5);
        assert_eq!(pen_width(1.0), 4.0);
    }
}
