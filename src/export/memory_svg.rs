//! The SVG plot of memory_profiler recordings: what `mprof plot` draws with matplotlib
//! (docs/mprof.md, "How mprof plot draws a recording"), as one self-contained SVG file.
//!
//! The plot area and the axis limits are written on the root element, so that a reader can map
//! any point back to data (docs/mprof.md, "The SVG"):
//! `data-plot="LEFT TOP WIDTH HEIGHT"`, `data-time-range="T0 T1"` (seconds from the start of
//! the recording), `data-mib-range="M0 M1"`; x = LEFT + (t − T0) / (T1 − T0) × WIDTH and
//! y = TOP + HEIGHT − (m − M0) / (M1 − M0) × HEIGHT.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;

use crate::escape::{markup, markup_into};
use crate::export::memory::Options;
use crate::model::{MemoryProfile, MemorySample};

/// matplotlib's single-letter colours, in the order `mprof plot` gives them to memory lines
/// (`mem_line_colors = "kbrgcym"`).
const LINE_COLORS: [&str; 7] = [
    "#000000", "#0000ff", "#ff0000", "#008000", "#00bfbf", "#bfbf00", "#bf00bf",
];
/// The colours of `@profile` brackets, one per function in turn (`all_colors = "cygrb"`).
const BRACKET_COLORS: [&str; 5] = ["#00bfbf", "#bfbf00", "#008000", "#ff0000", "#0000ff"];
/// More points than this many per horizontal pixel are thinned (keeping each column's first,
/// lowest, highest and last point, so extents and the peak stay exact).
const POINTS_PER_PIXEL: usize = 4;
/// How many times a function label is lengthened while it is ambiguous.
const LABEL_ROUNDS: usize = 8;

/// One line to draw: its points in data coordinates (seconds from the start, MiB).
struct Series {
    label: String,
    color: &'static str,
    class: &'static str,
    points: Vec<(f64, f64)>,
}

/// The plot area and axis limits: the transform from data to pixels.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    time: (f64, f64),
    mib: (f64, f64),
}

impl Frame {
    fn x(&self, t: f64) -> f64 {
        self.left + (t - self.time.0) / (self.time.1 - self.time.0) * self.width
    }

    fn y(&self, m: f64) -> f64 {
        self.top + self.height - (m - self.mib.0) / (self.mib.1 - self.mib.0) * self.height
    }
}

/// Writes the recordings as an SVG plot of memory against time. With one recording, as
/// `mprof plot` does: its command line as the title, its `@profile` calls as brackets, its
/// peak (among the plotted points) marked with dashed lines; with several, each line is
/// labelled with its file in the legend and each peak is marked with a dot.
pub fn write_svg<W: io::Write>(
    recordings: &[MemoryProfile],
    options: &Options,
    mut out: W,
) -> io::Result<()> {
    let width = f64::from(options.width.clamp(200, 20_000));
    let height = f64::from(options.height.clamp(150, 20_000));
    let single = recordings.len() == 1;

    // mprof plot_file: the program's line holds its samples and the @profile calls' start and
    // end figures, sorted by time; time 0 is the earliest of them. Children are drawn
    // against the same time 0.
    let mut series: Vec<(usize, Series)> = Vec::new();
    for (n, profile) in recordings.iter().enumerate() {
        let Some(start) = profile.start() else {
            continue;
        };
        let mut points: Vec<(f64, f64)> = profile
            .samples()
            .iter()
            .chain(profile.calls().flat_map(|c| [&c.start, &c.end]))
            .map(|s| (s.time - start, s.mib))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let label = match (profile.path(), single) {
            (Some(path), _) => path.to_string(),
            (None, true) => "memory".to_string(),
            (None, false) => format!("recording {}", n + 1),
        };
        series.push((
            n,
            Series {
                label,
                color: LINE_COLORS[n % LINE_COLORS.len()],
                class: "memory",
                points,
            },
        ));
        for (idx, child) in profile.children().iter().enumerate() {
            series.push((
                n,
                Series {
                    label: format!("child {}", child.id),
                    color: LINE_COLORS[(idx + 1) % LINE_COLORS.len()],
                    class: "child",
                    points: relative(&child.samples, start),
                },
            ));
        }
    }

    let (left, top) = (70.0, 40.0);
    let legend_width = if width >= 500.0 { 220.0 } else { 0.0 };
    let frame = Frame {
        left,
        top,
        width: width - left - legend_width - 20.0,
        height: height - top - 55.0,
        time: limits(
            series
                .iter()
                .flat_map(|(_, s)| s.points.iter().map(|p| p.0)),
        ),
        mib: limits(
            series
                .iter()
                .flat_map(|(_, s)| s.points.iter().map(|p| p.1)),
        ),
    };

    let mut svg = String::with_capacity(64 * 1024);
    let _ = write!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\" \
         data-plot=\"{l} {t} {pw} {ph}\" data-time-range=\"{t0:?} {t1:?}\" \
         data-mib-range=\"{m0:?} {m1:?}\">\n",
        w = width,
        h = height,
        l = frame.left,
        t = frame.top,
        pw = frame.width,
        ph = frame.height,
        t0 = frame.time.0,
        t1 = frame.time.1,
        m0 = frame.mib.0,
        m1 = frame.mib.1,
    );
    let title = match recordings {
        [only] => only
            .command()
            .unwrap_or("memory_profiler recording")
            .to_string(),
        _ => "memory_profiler recordings".to_string(),
    };
    let _ = write!(
        svg,
        "<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text class=\"title\" x=\"{:.1}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n",
        markup(&title),
        frame.left + frame.width / 2.0,
        markup(&shorten(&title, ((frame.width / 7.5) as usize).max(10)))
    );
    axes(&mut svg, &frame);

    for (_, line) in &series {
        let points = thin(&line.points, &frame);
        svg.push_str("<polyline class=\"");
        svg.push_str(line.class);
        let _ = write!(
            svg,
            "\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.2\" points=\"",
            line.color
        );
        for (i, &(t, m)) in points.iter().enumerate() {
            if i > 0 {
                svg.push(' ');
            }
            let _ = write!(svg, "{:.2},{:.2}", frame.x(t), frame.y(m));
        }
        svg.push_str("\"><title>");
        markup_into(&mut svg, &line.label);
        svg.push_str("</title></polyline>\n");
    }

    let mut legend: Vec<(String, &str, bool)> = series
        .iter()
        .map(|(_, s)| (s.label.clone(), s.color, false))
        .collect();
    if let [profile] = recordings {
        brackets(&mut svg, &frame, profile, &mut legend);
    }
    peaks(&mut svg, &frame, &series, single);
    write_legend(&mut svg, &frame, &legend, width);
    svg.push_str("</svg>\n");
    out.write_all(svg.as_bytes())
}

fn relative(samples: &[MemorySample], start: f64) -> Vec<(f64, f64)> {
    samples.iter().map(|s| (s.time - start, s.mib)).collect()
}

/// Axis limits over `values` with matplotlib's default margin of 5% on each side; a single
/// value gets ±0.5 around it, as a flat line still needs a scale.
fn limits(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    // Also when the span is not a number (it cannot be: both ends are finite).
    if span.partial_cmp(&(1e-9 * lo.abs().max(hi.abs()).max(1.0)))
        != Some(std::cmp::Ordering::Greater)
    {
        return (lo - 0.5, hi + 0.5);
    }
    (lo - span * 0.05, hi + span * 0.05)
}

/// Ticks at multiples of 1, 2 or 5 × 10^k, five to ten of them, with the decimals they need.
fn ticks((lo, hi): (f64, f64)) -> (Vec<f64>, usize) {
    let raw = (hi - lo) / 6.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude);
    let decimals = (-step.log10().floor()).clamp(0.0, 9.0) as usize;
    let first = (lo / step).ceil();
    let ticks = (0..20)
        .map(|i| (first + f64::from(i)) * step)
        .take_while(|&v| v <= hi)
        .collect();
    (ticks, decimals)
}

fn axes(svg: &mut String, frame: &Frame) {
    let (right, bottom) = (frame.left + frame.width, frame.top + frame.height);
    let (xticks, xdec) = ticks(frame.time);
    for t in xticks {
        let x = frame.x(t);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{x:.2}\" y1=\"{:.2}\" x2=\"{x:.2}\" y2=\"{bottom:.2}\" stroke=\"#b0b0b0\" stroke-width=\"0.8\"/>\
             <line x1=\"{x:.2}\" y1=\"{bottom:.2}\" x2=\"{x:.2}\" y2=\"{:.2}\" stroke=\"#000000\"/>\
             <text class=\"xtick\" x=\"{x:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
            frame.top,
            bottom + 4.0,
            bottom + 17.0,
            tick_label(t, xdec)
        );
    }
    let (yticks, ydec) = ticks(frame.mib);
    for m in yticks {
        let y = frame.y(m);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{:.2}\" y1=\"{y:.2}\" x2=\"{right:.2}\" y2=\"{y:.2}\" stroke=\"#b0b0b0\" stroke-width=\"0.8\"/>\
             <line x1=\"{:.2}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\" stroke=\"#000000\"/>\
             <text class=\"ytick\" x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
            frame.left,
            frame.left - 4.0,
            frame.left,
            frame.left - 7.0,
            y + 4.0,
            tick_label(m, ydec)
        );
    }
    let _ = write!(
        svg,
        "<rect class=\"frame\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"none\" stroke=\"#000000\"/>\n\
         <text class=\"xlabel\" x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">time (in seconds)</text>\n\
         <text class=\"ylabel\" transform=\"translate(16 {:.2}) rotate(-90)\" text-anchor=\"middle\">memory used (in MiB)</text>\n",
        frame.left,
        frame.top,
        frame.width,
        frame.height,
        frame.left + frame.width / 2.0,
        bottom + 38.0,
        frame.top + frame.height / 2.0
    );
}

fn tick_label(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    // "-0" and "-0.0" read as 0.
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// Each `@profile` call as `mprof plot`'s `add_brackets` draws it: a `[` at the call's start
/// and a `]` at its end, each 1/20 of the plot high above and below the memory there and 1/60
/// of it wide, in the function's colour, two units thick.
fn brackets(
    svg: &mut String,
    frame: &Frame,
    profile: &MemoryProfile,
    legend: &mut Vec<(String, &'static str, bool)>,
) {
    let Some(start) = profile.start() else {
        return;
    };
    let (h, v) = (frame.width / 60.0, frame.height / 20.0);
    let names: Vec<&str> = profile
        .functions()
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    let labels = function_labels(&names);
    for (i, function) in profile.functions().iter().enumerate() {
        let color = BRACKET_COLORS[i % BRACKET_COLORS.len()];
        for call in &function.calls {
            let title = markup(&format!("{} {:.3}s", labels[i], call.duration()));
            for (sample, dir) in [(call.start, 1.0), (call.end, -1.0)] {
                let (x, y) = (frame.x(sample.time - start), frame.y(sample.mib));
                let _ = writeln!(
                    svg,
                    "<polyline class=\"bracket\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" \
                     points=\"{:.2},{:.2} {x:.2},{:.2} {x:.2},{:.2} {:.2},{:.2}\"><title>{title}</title></polyline>",
                    x + dir * h,
                    y - v,
                    y - v,
                    y + v,
                    x + dir * h,
                    y + v,
                );
            }
        }
        let total: f64 = function.time_inside();
        let calls = function.calls.len();
        let label = format!(
            "{} ({calls} call{}, {total:.3}s)",
            labels[i],
            if calls == 1 { "" } else { "s" }
        );
        legend.push((label, color, true));
    }
}

/// `mprof plot`'s function labels: the last dotted component of each name, and one more
/// component of each name whose label is still ambiguous, round after round. After
/// [`LABEL_ROUNDS`] rounds a name still ambiguous is shown whole, so that hostile names (many,
/// with thousands of components) cost linear time.
fn function_labels(names: &[&str]) -> Vec<String> {
    let suffix = |name: &str, level: usize| -> String {
        let mut cut = name.len();
        for _ in 0..level {
            match name[..cut].rfind('.') {
                Some(dot) => cut = dot,
                None => return name.to_string(),
            }
        }
        name[cut + 1..].to_string()
    };
    let mut levels = vec![1usize; names.len()];
    for round in 0..=LABEL_ROUNDS {
        let labels: Vec<String> = names
            .iter()
            .zip(&levels)
            .map(|(n, &l)| suffix(n, l))
            .collect();
        let mut count: HashMap<&str, usize> = HashMap::new();
        for label in &labels {
            *count.entry(label.as_str()).or_default() += 1;
        }
        let ambiguous: Vec<usize> = (0..names.len())
            .filter(|&i| count[labels[i].as_str()] > 1 && labels[i] != names[i])
            .collect();
        if ambiguous.is_empty() {
            return labels;
        }
        if round == LABEL_ROUNDS {
            let mut labels = labels;
            for i in ambiguous {
                labels[i] = names[i].to_string();
            }
            return labels;
        }
        for i in ambiguous {
            levels[i] += 1;
        }
    }
    names.iter().map(|n| n.to_string()).collect()
}

/// Marks each program's peak among its plotted points; with one recording also as `mprof
/// plot` does: a dashed red line across the plot at the peak's memory and one at its time.
fn peaks(svg: &mut String, frame: &Frame, series: &[(usize, Series)], single: bool) {
    for (n, line) in series.iter().filter(|(_, s)| s.class == "memory") {
        let Some(&(t, m)) = line
            .points
            .iter()
            .reduce(|best, p| if p.1 > best.1 { p } else { best })
        else {
            continue;
        };
        let (x, y) = (frame.x(t), frame.y(m));
        if single {
            let _ = writeln!(
                svg,
                "<line class=\"peak\" x1=\"{:.2}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\" stroke=\"#ff0000\" stroke-dasharray=\"6 4\"/>\
                 <line class=\"peak\" x1=\"{x:.2}\" y1=\"{:.2}\" x2=\"{x:.2}\" y2=\"{:.2}\" stroke=\"#ff0000\" stroke-dasharray=\"6 4\"/>",
                frame.left,
                frame.left + frame.width,
                frame.top,
                frame.top + frame.height
            );
        }
        let _ = writeln!(
            svg,
            "<circle class=\"peak\" data-recording=\"{n}\" cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"4\" fill=\"{}\" stroke=\"#ff0000\"><title>peak {m:.3} MiB at {t:.3} s</title></circle>",
            line.color
        );
    }
}

fn write_legend(svg: &mut String, frame: &Frame, entries: &[(String, &str, bool)], width: f64) {
    let x = frame.left + frame.width + 14.0;
    if x + 60.0 > width || entries.is_empty() {
        return;
    }
    let rows = ((frame.height - 10.0) / 18.0).max(1.0) as usize;
    let chars = (((width - x - 34.0) / 7.0) as usize).max(8);
    let shown = if entries.len() > rows {
        rows - 1
    } else {
        entries.len()
    };
    svg.push_str("<g class=\"legend\">\n");
    for (i, (label, color, bracket)) in entries.iter().take(shown).enumerate() {
        let y = frame.top + 12.0 + 18.0 * i as f64;
        let mark = if *bracket {
            format!(
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{:.1},{:.1} {x:.1},{:.1} {x:.1},{:.1} {:.1},{:.1}\"/>",
                x + 6.0,
                y - 5.0,
                y - 5.0,
                y + 5.0,
                x + 6.0,
                y + 5.0
            )
        } else {
            format!(
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{color}\" stroke-width=\"2\"/>",
                x + 20.0
            )
        };
        let _ = writeln!(
            svg,
            "{mark}<text x=\"{:.1}\" y=\"{:.1}\">{}<title>{}</title></text>",
            x + 26.0,
            y + 4.0,
            markup(&shorten(label, chars)),
            markup(label)
        );
    }
    if shown < entries.len() {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\">… and {} more</text>",
            x + 26.0,
            frame.top + 16.0 + 18.0 * shown as f64,
            entries.len() - shown
        );
    }
    svg.push_str("</g>\n");
}

/// Thins a line to at most [`POINTS_PER_PIXEL`] points per pixel column: in each column its
/// first, lowest, highest and last point, in their order.
fn thin(points: &[(f64, f64)], frame: &Frame) -> Vec<(f64, f64)> {
    let columns = frame.width.max(1.0) as usize;
    if points.len() <= POINTS_PER_PIXEL * columns {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(POINTS_PER_PIXEL * columns + 4);
    let mut column: Option<(i64, usize, usize, usize, usize)> = None;
    let flush = |c: (i64, usize, usize, usize, usize), out: &mut Vec<(f64, f64)>| {
        let (_, first, low, high, last) = c;
        let mut keep = [first, low, high, last];
        keep.sort_unstable();
        let mut previous = usize::MAX;
        for i in keep {
            if i != previous {
                out.push(points[i]);
                previous = i;
            }
        }
    };
    for (i, &(t, m)) in points.iter().enumerate() {
        let col = (frame.x(t) - frame.left).floor() as i64;
        column = Some(match column {
            Some((c, first, low, high, _)) if c == col => {
                let low = if m < points[low].1 { i } else { low };
                let high = if m > points[high].1 { i } else { high };
                (c, first, low, high, i)
            }
            Some(done) => {
                flush(done, &mut out);
                (col, i, i, i, i)
            }
            None => (col, i, i, i, i),
        });
    }
    if let Some(done) = column {
        flush(done, &mut out);
    }
    out
}

/// At most `chars` characters of `text`, with `…` where it was cut.
fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_as_mprof_makes_them() {
        assert_eq!(
            function_labels(&["a.f", "b.f", "a.g", "x.y.z"]),
            ["a.f", "b.f", "g", "z"]
        );
        assert_eq!(function_labels(&["b.c", "a.b.c"]), ["b.c", "a.b.c"]);
        let deep = [
            format!("a.{}f", "x.".repeat(50)),
            format!("b.{}f", "x.".repeat(50)),
        ];
        let names: Vec<&str> = deep.iter().map(String::as_str).collect();
        assert_eq!(function_labels(&names), deep);
    }

    #[test]
    fn ticks_are_round() {
        let (t, decimals) = ticks((-0.05, 1.05));
        let labels: Vec<String> = t.iter().map(|&v| tick_label(v, decimals)).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let (t, decimals) = ticks((3.0, 103.0));
        assert_eq!((t[0], decimals), (20.0, 0));
    }

    #[test]
    fn names_are_escaped() {
        let profile = crate::read::mprof::read(
            b"CMDLINE </title><script>x</script>\nMEM 1 2\nMEM 3 4\nFUNC m.<f> 1 2 3 4 0\n",
        )
        .expect("reads");
        let mut out = Vec::new();
        write_svg(&[profile], &Options::default(), &mut out).expect("writes");
        let svg = String::from_utf8(out).expect("UTF-8");
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;f&gt; 2.000s"), "{svg}");
    }

    #[test]
    fn thinning_keeps_extents() {
        let points: Vec<(f64, f64)> = (0..100_000)
            .map(|i| (f64::from(i) * 1e-3, f64::from(i % 977)))
            .collect();
        let frame = Frame {
            left: 0.0,
            top: 0.0,
            width: 500.0,
            height: 100.0,
            time: (0.0, 100.0),
            mib: (0.0, 1000.0),
        };
        let thinned = thin(&points, &frame);
        assert!(thinned.len() <= 4 * 501, "{}", thinned.len());
        let max = |p: &[(f64, f64)]| p.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let min = |p: &[(f64, f64)]| p.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        assert_eq!((max(&thinned), min(&thinned)), (max(&points), min(&points)));
        assert_eq!(thinned.last(), points.last());
    }
}
