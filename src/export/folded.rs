//! Folded stacks (`root;caller;callee count`), as inferno and flamegraph.pl read them, from
//! stacks reconstructed out of caller→callee edges (see [`crate::query::stacks`] and
//! docs/stacks.md).

use std::io::{self, Write};

use crate::Profile;
use crate::export::TimeUnit;
use hashbrown::HashMap;

use crate::query::stacks::{self, Frame, Stack, StackOptions};

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
pub fn write<W: io::Write>(profile: &Profile, options: &Options, writer: W) -> io::Result<()> {
    let mut out = io::BufWriter::new(writer);
    Folded::new(profile, options).write_lines(&mut out)?;
    out.flush()
}

/// The folded stacks with a count above zero, sorted (as inferno and flamegraph.pl expect).
/// Each frame's name is rendered once, and the stacks share one buffer, sorted by index.
pub(crate) struct Folded {
    text: String,
    /// (start, length) in `text`, and count; in output order.
    stacks: Vec<(usize, usize, u64)>,
}

impl Folded {
    pub(crate) fn new(profile: &Profile, options: &Options) -> Folded {
        let stacks = stacks::stacks(profile, &options.stacks);
        let counts = stack_counts(&stacks, options.unit);
        let mut names: Vec<Option<String>> = vec![None; profile.all_functions().len()];
        let mut other = String::new();
        frame_name(profile, Frame::OtherCallers, &mut other);
        let mut stack_text = String::new();
        let mut lines: Vec<(usize, usize, u64)> = Vec::new();
        for (stack, count) in stacks.iter().zip(counts).filter(|(_, count)| *count > 0) {
            let start = stack_text.len();
            for (i, &frame) in stack.frames.iter().enumerate() {
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
        let stack_of = |&(start, len, _): &(usize, usize, u64)| &stack_text[start..start + len];
        lines.sort_unstable_by(|a, b| stack_of(a).cmp(stack_of(b)).then(a.2.cmp(&b.2)));
        Folded {
            text: stack_text,
            stacks: lines,
        }
    }

    /// Writes a `stack count` line per stack, in output order.
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

pub(crate) fn frame_name(profile: &Profile, frame: Frame, out: &mut String) {
    let clean = |text: &str, out: &mut String| {
        out.extend(text.chars().map(|c| match c {
            ';' => ',',
            '\n' | '\r' => ' ',
            c if c.is_control() => '?',
            c => c,
        }))
    };
    match frame {
        Frame::Function(id) => {
            clean(profile.name(id), out);
            out.push_str(" (");
            clean(profile.file(id), out);
            out.push(':');
            out.push_str(&profile.line(id).to_string());
            out.push(')');
        }
        Frame::OtherCallers => out.push_str("[other callers]"),
    }
}

/// Integer counts in `unit` for the stacks: each function's own time is rounded first (so the
/// functions' counts add up to the rounded total), then shared among that function's stacks
/// (so no function gains or loses more than the rounding of its own time).
pub(crate) fn stack_counts(stacks: &[Stack], unit: TimeUnit) -> Vec<u64> {
    let mut leaves: Vec<Frame> = Vec::new();
    let mut by_leaf: HashMap<Frame, Vec<usize>> = HashMap::new();
    for (i, stack) in stacks.iter().enumerate() {
        let leaf = *stack.frames.last().expect("stacks are never empty");
        by_leaf
            .entry(leaf)
            .or_insert_with(|| {
                leaves.push(leaf);
                Vec::new()
            })
            .push(i);
    }
    let per_leaf: Vec<f64> = leaves
        .iter()
        .map(|leaf| {
            by_leaf[leaf]
                .iter()
                .map(|&i| unit.from_seconds(stacks[i].seconds))
                .sum()
        })
        .collect();
    let leaf_counts = round_preserving_sum(&per_leaf);
    let mut counts = vec![0; stacks.len()];
    for (leaf, leaf_count) in leaves.iter().zip(leaf_counts) {
        let members = &by_leaf[leaf];
        let amounts: Vec<f64> = members
            .iter()
            .map(|&i| unit.from_seconds(stacks[i].seconds))
            .collect();
        for (&i, count) in members.iter().zip(share_count(leaf_count, &amounts)) {
            counts[i] = count;
        }
    }
    counts
}

/// Splits the integer `count` among `amounts` in proportion, by largest remainders.
fn share_count(count: u64, amounts: &[f64]) -> Vec<u64> {
    let total: f64 = amounts.iter().sum();
    if total <= 0.0 {
        return vec![0; amounts.len()];
    }
    let scaled: Vec<f64> = amounts.iter().map(|a| a / total * count as f64).collect();
    let mut shares = round_preserving_sum(&scaled);
    // The scaled amounts add up to `count` up to float error; settle the last unit.
    let sum: u64 = shares.iter().sum();
    if let Some(largest) = (0..shares.len()).max_by(|&a, &b| scaled[a].total_cmp(&scaled[b])) {
        shares[largest] = (shares[largest] + count).saturating_sub(sum);
    }
    shares
}

/// Rounds each amount to an integer so that the integers add up to the rounded sum of the
/// amounts (largest remainders get the leftover units; ties go to the earlier amount).
pub(crate) fn round_preserving_sum(amounts: &[f64]) -> Vec<u64> {
    let total: f64 = amounts.iter().sum();
    let mut counts: Vec<u64> = amounts.iter().map(|a| a.max(0.0).floor() as u64).collect();
    let assigned: u64 = counts.iter().sum();
    let wanted = total.max(0.0).round() as u64;
    let mut leftover = wanted.saturating_sub(assigned);
    if leftover > 0 {
        let mut by_remainder: Vec<usize> = (0..amounts.len()).collect();
        by_remainder.sort_by(|&a, &b| {
            let (ra, rb) = (
                amounts[a] - amounts[a].floor(),
                amounts[b] - amounts[b].floor(),
            );
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for i in by_remainder {
            if leftover == 0 {
                break;
            }
            counts[i] += 1;
            leftover -= 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharing_keeps_the_count() {
        assert_eq!(share_count(3, &[0.3, 0.3, 0.3]), [1, 1, 1]);
        assert_eq!(share_count(1, &[0.3, 0.3, 0.3]), [1, 0, 0]);
        assert_eq!(share_count(5, &[0.0, 0.0]), [0, 0]);
        assert_eq!(share_count(7, &[1.0, 2.0, 4.0]).iter().sum::<u64>(), 7);
    }

    #[test]
    fn rounding_keeps_the_sum() {
        assert_eq!(round_preserving_sum(&[0.4, 0.4, 0.4]), [1, 0, 0]);
        assert_eq!(round_preserving_sum(&[1.5, 2.5]), [2, 2]);
        assert_eq!(round_preserving_sum(&[0.2, 0.7, 3.0]), [0, 1, 3]);
        let many: Vec<f64> = (0..1000).map(|i| 0.001 * f64::from(i % 7)).collect();
        let total: f64 = many.iter().sum();
        assert_eq!(
            round_preserving_sum(&many).iter().sum::<u64>(),
            total.round() as u64
        );
    }
}
