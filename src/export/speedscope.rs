//! speedscope's file format (`https://www.speedscope.app/file-format-schema.json`): for a
//! sampled profile with real stacks, one "sampled" profile per thread with its stacks as they
//! are; otherwise one whose samples are the stacks reconstructed from caller→callee edges (see
//! [`crate::query::stacks`]), weighted by the time each carries.

use std::io;

use serde_json::{Value, json};

use crate::Profile;
use crate::export::TimeUnit;
use crate::model::{FunctionId, Measure, Sample, Stacks};
use crate::query::stacks::{Frame, StackOptions, StackTable, sample_weights};

/// Options for speedscope output.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the weights. Default: microseconds.
    pub unit: TimeUnit,
    /// The profile's name as speedscope shows it. Default: `profile`.
    pub name: String,
    /// How stacks are reconstructed. Default: [`StackOptions::default`].
    pub stacks: StackOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unit: TimeUnit::Us,
            name: "profile".to_string(),
            stacks: StackOptions::default(),
        }
    }
}

/// Writes a speedscope file. The weights are integers in `options.unit`, rounded as folded
/// stacks' counts are ([`crate::query::stacks::stack_counts`]).
///
/// The document is written as it goes, not built first: one pass over the stacks numbers the
/// frames, a second writes each sample; memory beyond the stacks themselves is the frame table.
///
/// A profile with real stacks gets one sampled profile per thread (one in all when the input
/// names no thread), each sample a stack as it was recorded: weights are sample counts (unit
/// `none`) when the profile's times are counts, else times in `options.unit`.
pub fn write<W: io::Write>(profile: &Profile, options: &Options, mut out: W) -> io::Result<()> {
    if let Some(stacks) = profile.stacks() {
        return write_sampled(profile, stacks, options, out);
    }
    let stacks = StackTable::estimate(profile, &options.stacks);
    let weights = stacks.counts(options.unit);
    let kept = || {
        stacks
            .iter()
            .zip(weights.iter().copied())
            .filter(|(_, weight)| *weight > 0)
    };

    // Frames numbered in order of first appearance: by function index, [other callers] last.
    let slot = |frame: &Frame| match frame {
        Frame::Function(id) => id.index(),
        Frame::OtherCallers => profile.all_functions().len(),
    };
    let mut frame_index: Vec<u32> = vec![u32::MAX; profile.all_functions().len() + 1];
    let mut frames: Vec<Frame> = Vec::new();
    for ((stack, _), _) in kept() {
        for frame in stack {
            let index = &mut frame_index[slot(frame)];
            if *index == u32::MAX {
                *index = frames.len() as u32;
                frames.push(*frame);
            }
        }
    }
    let total = kept().fold(0u64, |sum, (_, weight)| sum.saturating_add(weight));

    let string = |out: &mut W, text: &str| serde_json::to_writer(out, text);
    write_header(&mut out, options)?;
    out.write_all(b",\"profiles\":[{\"endValue\":")?;
    write!(out, "{total}")?;
    out.write_all(b",\"name\":")?;
    string(
        &mut out,
        &format!("{} (stacks estimated from call edges)", options.name),
    )?;
    out.write_all(b",\"samples\":[")?;
    let mut number = itoa::Buffer::new();
    for (i, ((stack, _), _)) in kept().enumerate() {
        out.write_all(if i == 0 { b"[" } else { b",[" })?;
        for (j, frame) in stack.iter().enumerate() {
            if j > 0 {
                out.write_all(b",")?;
            }
            out.write_all(number.format(frame_index[slot(frame)]).as_bytes())?;
        }
        out.write_all(b"]")?;
    }
    out.write_all(b"],\"startValue\":0,\"type\":\"sampled\",\"unit\":")?;
    string(&mut out, unit_name(options.unit))?;
    out.write_all(b",\"weights\":[")?;
    for (i, (_, weight)) in kept().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(number.format(weight).as_bytes())?;
    }
    out.write_all(b"]}],\"shared\":{\"frames\":[")?;
    for (i, &frame) in frames.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &frame_json(profile, frame))?;
    }
    out.write_all(b"]}}\n")
}

/// The real stacks, one speedscope profile per thread.
fn write_sampled<W: io::Write>(
    profile: &Profile,
    stacks: &Stacks,
    options: &Options,
    mut out: W,
) -> io::Result<()> {
    let timed = matches!(profile.measure(), Measure::Samples { timed: true });
    // Samples by thread; samples with no thread form one profile of their own.
    let threads = stacks.threads();
    let mut groups: Vec<Vec<&Sample>> = vec![Vec::new(); threads.len() + 1];
    for sample in stacks.samples() {
        groups[sample.thread.map_or(threads.len(), |t| t.index())].push(sample);
    }
    let mut frame_index: Vec<u32> = vec![u32::MAX; profile.all_functions().len()];
    let mut frames: Vec<FunctionId> = Vec::new();
    let mut path = Vec::new();
    for sample in stacks.samples() {
        stacks.frames_root_first(sample.stack, &mut path);
        for &id in &path {
            if frame_index[id.index()] == u32::MAX {
                frame_index[id.index()] = frames.len() as u32;
                frames.push(id);
            }
        }
    }
    let string = |out: &mut W, text: &str| serde_json::to_writer(out, text);
    write_header(&mut out, options)?;
    out.write_all(b",\"profiles\":[")?;
    let mut number = itoa::Buffer::new();
    let mut first = true;
    for (group, samples) in groups.iter().enumerate().filter(|(_, s)| !s.is_empty()) {
        let weights = sample_weights(
            profile,
            options.unit,
            samples.iter().map(|s| (s.count, s.time)),
        );
        let total: u64 = weights.iter().fold(0, |a, &w| a.saturating_add(w));
        out.write_all(if first { b"{" } else { b",{" })?;
        first = false;
        out.write_all(b"\"endValue\":")?;
        out.write_all(number.format(total).as_bytes())?;
        out.write_all(b",\"name\":")?;
        let name = match threads.get(group) {
            Some(thread) => thread.frame_name(),
            None => options.name.clone(),
        };
        string(&mut out, &name)?;
        out.write_all(b",\"samples\":[")?;
        for (i, sample) in samples.iter().enumerate() {
            out.write_all(if i == 0 { b"[" } else { b",[" })?;
            stacks.frames_root_first(sample.stack, &mut path);
            for (j, id) in path.iter().enumerate() {
                if j > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(number.format(frame_index[id.index()]).as_bytes())?;
            }
            out.write_all(b"]")?;
        }
        out.write_all(b"],\"startValue\":0,\"type\":\"sampled\",\"unit\":")?;
        string(
            &mut out,
            if timed {
                unit_name(options.unit)
            } else {
                "none"
            },
        )?;
        out.write_all(b",\"weights\":[")?;
        for (i, weight) in weights.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(number.format(*weight).as_bytes())?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"],\"shared\":{\"frames\":[")?;
    for (i, &id) in frames.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &frame_json(profile, Frame::Function(id)))?;
    }
    out.write_all(b"]}}\n")
}

/// The document's opening fields, up to its list of profiles.
fn write_header<W: io::Write>(out: &mut W, options: &Options) -> io::Result<()> {
    out.write_all(b"{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",")?;
    out.write_all(b"\"activeProfileIndex\":0,\"exporter\":")?;
    serde_json::to_writer(&mut *out, &format!("pstat {}", env!("CARGO_PKG_VERSION")))?;
    out.write_all(b",\"name\":")?;
    serde_json::to_writer(&mut *out, &options.name)?;
    Ok(())
}

fn frame_json(profile: &Profile, frame: Frame) -> Value {
    match frame {
        Frame::Function(id) => {
            let line = profile.line(id);
            if line > 0 {
                json!({ "name": profile.name(id), "file": profile.file(id), "line": line })
            } else {
                json!({ "name": profile.display_name(id), "file": profile.file(id) })
            }
        }
        Frame::OtherCallers => json!({ "name": "[other callers]" }),
    }
}

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Ns => "nanoseconds",
        TimeUnit::Us => "microseconds",
        TimeUnit::Ms => "milliseconds",
        TimeUnit::S => "seconds",
    }
}
