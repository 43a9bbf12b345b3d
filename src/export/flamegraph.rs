//! SVG flame graphs, rendered by inferno from the folded stacks that [`super::folded`] writes:
//! a sampled profile's real stacks, or stacks reconstructed by [`crate::query::stacks`] (and
//! then labelled as estimated).

use std::io;

use crate::export::TimeUnit;
use crate::export::folded::Folded;
use crate::query::stacks::StackOptions;
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
    let folded = Folded::new(profile, &options.stacks, options.unit);
    folded.write_lines(&mut lines)?;
    let exact = folded.exact;
    drop(folded);
    let text = String::from_utf8(lines).map_err(io::Error::other)?;
    let mut inferno_options = inferno::flamegraph::Options::default();
    let counts = match profile.measure() {
        Measure::Samples { timed: false } => "samples",
        _ => options.unit.name(),
    };
    inferno_options.title = match exact {
        true => format!("{} ({counts})", options.title),
        false => format!(
            "{} ({}; stacks estimated from call edges)",
            options.title, options.unit
        ),
    };
    inferno_options.count_name = counts.to_string();
    // Labels are function first (`name (file:line)`): cut what does not fit on the right, so
    // the function's name is what stays (inferno cuts on the left by default).
    inferno_options.text_truncate_direction = inferno::flamegraph::TextTruncateDirection::Right;
    // Colours from the frame names, so the same profile renders the same SVG.
    inferno_options.hash = true;
    inferno_options.deterministic = true;
    inferno::flamegraph::from_lines(&mut inferno_options, text.lines(), writer)
        .map_err(io::Error::other)
}
