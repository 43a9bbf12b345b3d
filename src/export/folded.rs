//! Folded stacks (`root;caller;callee count`), as inferno and flamegraph.pl read them: the real
//! stacks of a sampled profile that has them, otherwise stacks reconstructed out of
//! caller→callee edges (see [`crate::query::stacks`] and docs/stacks.md).

use std::io::{self, Write};

use crate::Profile;
use crate::export::TimeUnit;
use crate::model::StackId;
use crate::query::stacks::{Frame, StackOptions, StackTable, sampled_counts};

/// Options for folded stacks.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the counts. Default: microseconds.
    pub unit: TimeUnit,
    /// How stacks are reconstructed. Default: [`StackOptions::default`].
    pub stacks: StackOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unit: TimeUnit::Us,
            stacks: StackOptions::default(),
        }
    }
}

/// Writes one line per stack, sorted, with integer counts in `options.unit`. The counts add up
/// to the profile's total own time rounded to the unit, and each function's counts to its own
/// time within one unit; stacks whose count rounds to zero are left out.
///
/// A profile with real stacks has them written as they are, threads merged: the counts are its
/// samples when its times are sample counts, else its times in `options.unit` (see
/// [`crate::query::stacks::sampled_counts`]). Samples with no frame are left out.
pub fn write<W: io::Write>(profile: &Profile, options: &Options, mut writer: W) -> io::Result<()> {
    Folded::new(profile, &options.stacks, options.unit).write_lines(&mut writer)
}

/// The folded stacks with a count above zero, sorted (as inferno and flamegraph.pl expect).
/// Each frame's name is rendered once, and the stacks share one buffer, sorted by index.
pub(crate) struct Folded {
    text: String,
    /// (start, length) in `text`, and count; in output order.
    stacks: Vec<(usize, usize, u64)>,
    /// Whether these are the profile's real stacks, not estimated ones.
    pub(crate) exact: bool,
}

impl Folded {
    pub(crate) fn new(profile: &Profile, options: &StackOptions, unit: TimeUnit) -> Folded {
        match sampled_counts(profile, unit) {
            Some(counts) => Folded::sampled(profile, &counts),
            None => Folded::estimated(profile, options, unit),
        }
    }

    /// The real stacks, each written by walking from its leaf to the root.
    pub(crate) fn sampled(profile: &Profile, counts: &[(StackId, u64)]) -> Folded {
        let mut lines = Vec::with_capacity(counts.len());
        let mut text = String::new();
        let Some(stacks) = profile.stacks() else {
            return Folded::sorted(text, lines, true);
        };
        let mut names: Vec<Option<String>> = vec![None; profile.all_functions().len()];
        let mut frames = Vec::new();
        for &(stack, count) in counts.iter().filter(|(_, count)| *count > 0) {
            stacks.frames_root_first(stack, &mut frames);
            let start = text.len();
            for (i, &id) in frames.iter().enumerate() {
                if i > 0 {
                    text.push(';');
                }
                let name = names[id.index()].get_or_insert_with(|| {
                    let mut name = String::new();
                    frame_name(profile, Frame::Function(id), &mut name);
                    name
                });
                text.push_str(name);
            }
            lines.push((start, text.len() - start, count));
        }
        Folded::sorted(text, lines, true)
    }

    /// Stacks reconstructed from the call edges.
    fn estimated(profile: &Profile, options: &StackOptions, unit: TimeUnit) -> Folded {
        let stacks = StackTable::estimate(profile, options);
        let counts = stacks.counts(unit);
        let mut names: Vec<Option<String>> = vec![None; profile.all_functions().len()];
        let mut other = String::new();
        frame_name(profile, Frame::OtherCallers, &mut other);
        let mut stack_text = String::new();
        let mut lines: Vec<(usize, usize, u64)> = Vec::new();
        for ((stack, _), count) in stacks.iter().zip(counts).filter(|(_, count)| *count > 0) {
            let start = stack_text.len();
            for (i, &frame) in stack.iter().enumerate() {
                if i > 0 {
                    stack_text.push(';');
                }
                match frame {
                    Frame::Function(id) => {
                        let name = names[id.index()].get_or_insert_with(|| {
                            let mut name = String::new();
                            frame_name(profile, frame, &mut name);
                            name
                        });
                        stack_text.push_str(name);
                    }
                    Frame::OtherCallers => stack_text.push_str(&other),
                }
            }
            lines.push((start, stack_text.len() - start, count));
        }
        Folded::sorted(stack_text, lines, false)
    }

    /// The lines sorted by stack text (then count).
    fn sorted(text: String, mut lines: Vec<(usize, usize, u64)>, exact: bool) -> Folded {
        let stack_of = |&(start, len, _): &(usize, usize, u64)| &text[start..start + len];
        lines.sort_unstable_by(|a, b| stack_of(a).cmp(stack_of(b)).then(a.2.cmp(&b.2)));
        Folded {
            text,
            stacks: lines,
            exact,
        }
    }

    /// Writes a `stack count` line per stack, in output order.
    /// Scales the counts down, in proportion, so that they add up to at most `limit` (a count
    /// above zero stays at least 1): for a renderer that adds them in a machine word.
    pub(crate) fn fit_total(&mut self, limit: u64) {
        let total: f64 = self.stacks.iter().map(|s| s.2 as f64).sum();
        if total <= limit as f64 {
            return;
        }
        let factor = limit as f64 / total;
        for stack in &mut self.stacks {
            stack.2 = ((stack.2 as f64 * factor) as u64).max(1);
        }
    }

    pub(crate) fn write_lines(&self, out: &mut impl Write) -> io::Result<()> {
        let mut number = itoa::Buffer::new();
        for &(start, len, count) in &self.stacks {
            out.write_all(&self.text.as_bytes()[start..start + len])?;
            out.write_all(b" ")?;
            out.write_all(number.format(count).as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Puts `text` into a frame's label with `;` and line breaks, which would break the folded
/// line's syntax, replaced, and other control characters as `?`.
pub(crate) fn push_clean(out: &mut String, text: &str) {
    out.extend(text.chars().map(|c| match c {
        ';' => ',',
        '\n' | '\r' => ' ',
        c if c.is_control() => '?',
        c => c,
    }))
}

fn frame_name(profile: &Profile, frame: Frame, out: &mut String) {
    match frame {
        // Builtins and frames with no location (pstats' `~`, line 0) are their name alone.
        Frame::Function(id) if profile.file(id) == "~" && profile.line(id) == 0 => {
            push_clean(out, profile.name(id));
        }
        Frame::Function(id) => {
            push_clean(out, profile.name(id));
            out.push_str(" (");
            push_clean(out, profile.file(id));
            out.push(':');
            out.push_str(&profile.line(id).to_string());
            out.push(')');
        }
        Frame::OtherCallers => out.push_str("[other callers]"),
    }
}
