//! SVG flame graphs, rendered by inferno from the folded stacks that [`super::folded`] writes:
//! a sampled profile's real stacks, or stacks reconstructed by [`crate::query::stacks`] (and
//! then labelled as estimated).

use std::io;

use crate::export::TimeUnit;
use crate::export::folded::Folded;
use crate::model::StackId;
use crate::query::stacks::StackOptions;
use crate::query::stacks::sampled_counts;
use crate::{Measure, Profile};

/// Options for SVG flame graphs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the counts shown on hover. Default: microseconds.
    pub unit: TimeUnit,
    /// The title above the graph; the unit is added to it. Default: `Flame Graph`.
    pub title: String,
    /// How stacks are reconstructed. Default: [`StackOptions::default`].
    pub stacks: StackOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unit: TimeUnit::Us,
            title: "Flame Graph".to_string(),
            stacks: StackOptions::default(),
        }
    }
}

/// Writes an SVG flame graph. A profile with no own time at all gives inferno nothing to draw;
/// it then writes its "no stack counts" image.
pub fn write<W: io::Write>(profile: &Profile, options: &Options, writer: W) -> io::Result<()> {
    // inferno takes `stack count` lines: one buffer of them, the folded stacks freed first.
    let mut lines = Vec::new();
    let mut folded = match sampled_counts(profile, options.unit) {
        // inferno merges the stacks into a tree of frames and leaves out the frames too narrow
        // to draw: merged in the stack table already, only the frames it draws need be written.
        Some(counts) => Folded::sampled(profile, &visible_frames(profile, &counts)),
        None => Folded::new(profile, &options.stacks, options.unit),
    };
    // inferno adds the counts in a usize: huge figures (a crafted file's 1e300 s) are drawn
    // in proportion, their total kept within 2^53 (docs/security.md, "Huge figures").
    folded.fit_total(1 << 53);
    folded.write_lines(&mut lines)?;
    let exact = folded.exact;
    drop(folded);
    let text = String::from_utf8(lines).map_err(io::Error::other)?;
    render(profile, options, exact, &text, writer)
}

/// inferno's rendering of folded `text`, with pstat's title and label settings.
fn render<W: io::Write>(
    profile: &Profile,
    options: &Options,
    exact: bool,
    text: &str,
    writer: W,
) -> io::Result<()> {
    let counts = match profile.measure() {
        Measure::Samples { timed: false } => "samples",
        _ => options.unit.name(),
    };
    let title = match exact {
        true => format!("{} ({counts})", options.title),
        false => format!(
            "{} ({}; stacks estimated from call edges)",
            options.title, options.unit
        ),
    };
    render_lines(title, counts, text, writer)
}

/// Renders `text`, inferno's folded lines (`stack count`, or `stack base new` for a
/// differential graph), as an SVG flame graph titled `title`, with the settings every pstat
/// flame graph shares: `count_name` for the counts on hover, labels cut on the right, and
/// colours from the frame names. Frames narrower than inferno's default `min_width` are left
/// out, as [`visible_frames`] expects.
pub(crate) fn render_lines<W: io::Write>(
    title: String,
    count_name: &str,
    text: &str,
    writer: W,
) -> io::Result<()> {
    let mut inferno_options = inferno::flamegraph::Options::default();
    inferno_options.title = title;
    inferno_options.count_name = count_name.to_string();
    // Labels are function first (`name (file:line)`): cut what does not fit on the right, so
    // the function's name is what stays (inferno cuts on the left by default).
    inferno_options.text_truncate_direction = inferno::flamegraph::TextTruncateDirection::Right;
    // Colours from the frame names, so the same profile renders the same SVG.
    inferno_options.hash = true;
    inferno_options.deterministic = true;
    inferno::flamegraph::from_lines(&mut inferno_options, text.lines(), writer)
}

/// The flame graph inferno draws from `counts`, as the fewest stacks that draw it: one per
/// frame wide enough to draw, carrying the samples of that frame that no drawn child carries.
///
/// A frame of the graph is a stack of the table (both merge equal paths), and its width is the
/// samples of every stack through it. inferno drops a frame narrower than its `min_width` (a
/// percentage of the whole), and with it the frames above it, which are narrower still. Moving
/// the samples of such frames down to the widest ancestor that is drawn changes no drawn
/// frame's width, nor the total: the SVG is the same as from every stack, at a cost that grows
/// with the frames drawn rather than with the samples.
fn visible_frames(profile: &Profile, counts: &[(StackId, u64)]) -> Vec<(StackId, u64)> {
    let Some(stacks) = profile.stacks() else {
        return counts.to_vec();
    };
    let mut width = vec![0u64; stacks.stack_count()];
    for &(stack, count) in counts {
        width[stack.index()] = width[stack.index()].saturating_add(count);
    }
    // A stack's parent has a smaller index: one pass from the end sums every subtree.
    for i in (0..width.len()).rev() {
        if let Some(parent) = stacks.parent(StackId::from_index(i)) {
            width[parent.index()] = width[parent.index()].saturating_add(width[i]);
        }
    }
    let total = counts.iter().fold(0u64, |a, &(_, c)| a.saturating_add(c));
    // inferno's test, `(end - start) as f64 < minwidth_time`, with its own arithmetic.
    let min_width = inferno::flamegraph::Options::default().min_width;
    let minwidth_time = min_width / (100.0 / total as f64);
    let drawn = |i: usize| width[i] > 0 && (width[i] as f64) >= minwidth_time;
    let mut own = width.clone();
    for (i, &w) in width.iter().enumerate() {
        if !drawn(i) {
            continue;
        }
        if let Some(parent) = stacks.parent(StackId::from_index(i)) {
            own[parent.index()] = own[parent.index()].saturating_sub(w);
        }
    }
    (0..width.len())
        .filter(|&i| drawn(i) && own[i] > 0)
        .map(|i| (StackId::from_index(i), own[i]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SVG drawn from the visible frames alone is inferno's SVG of every stack, byte for
    /// byte, for recordings with many frames too narrow to draw.
    /// Stacks from a recording and from generated text with thousands of frames too narrow
    /// to draw.
    fn profiles() -> Vec<(String, Profile)> {
        let mut out = Vec::new();
        for file in [
            "py-spy/threads.folded",
            "py-spy/recursive.folded",
            "folded/mix.folded",
        ] {
            let path = format!("tests/fixtures/sampled/{file}");
            out.push((
                file.to_string(),
                crate::read_path(&path, &Default::default())
                    .and_then(crate::AnyProfile::into_calls)
                    .expect("fixture reads"),
            ));
        }
        let mut text = String::from("main;hot 30000000\nmain;warm;x 4000\nmain;warm 2999\n");
        for i in 0..3000 {
            text.push_str(&format!("main;a{};b{};c{i} {}\n", i % 7, i % 13, 1 + i % 5));
        }
        let generated = crate::read(text.as_bytes(), &Default::default())
            .and_then(crate::AnyProfile::into_calls)
            .expect("reads");
        out.push(("generated".to_string(), generated));
        out
    }

    /// The SVG drawn from the visible frames alone is inferno's SVG of every stack, byte for
    /// byte.
    #[test]
    fn visible_frames_draw_the_same_graph() {
        for (name, profile) in profiles() {
            let options = Options::default();
            let counts = sampled_counts(&profile, options.unit).expect("stacks");
            let visible = visible_frames(&profile, &counts);
            if name == "generated" {
                assert!(visible.len() < 10, "{name}: {} stacks kept", visible.len());
            }
            let mut ours = Vec::new();
            write(&profile, &options, &mut ours).expect("svg");
            let mut all = Vec::new();
            Folded::sampled(&profile, &counts)
                .write_lines(&mut all)
                .expect("folded");
            let mut theirs = Vec::new();
            let text = String::from_utf8(all).expect("UTF-8");
            render(&profile, &options, true, &text, &mut theirs).expect("svg");
            assert!(ours == theirs, "{name}: the SVGs differ");
        }
    }
}
