//! speedscope's file format (`https://www.speedscope.app/file-format-schema.json`): one
//! "sampled" profile whose samples are the stacks reconstructed from caller→callee edges
//! (see [`crate::query::stacks`]), weighted by the time each carries.

use std::io;

use hashbrown::HashMap;
use serde_json::{Value, json};

use crate::Profile;
use crate::export::{TimeUnit, folded::stack_counts};
use crate::query::stacks::{self, Frame, StackOptions};

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
/// stacks' counts are ([`super::folded::write`]).
pub fn write<W: io::Write>(profile: &Profile, options: &Options, writer: W) -> io::Result<()> {
    let stacks = stacks::stacks(profile, &options.stacks);
    let weights = stack_counts(&stacks, options.unit);

    let mut frame_index: HashMap<Frame, usize> = HashMap::new();
    let mut frames: Vec<Value> = Vec::new();
    let mut samples: Vec<Vec<usize>> = Vec::with_capacity(stacks.len());
    let mut kept_weights: Vec<u64> = Vec::with_capacity(stacks.len());
    for (stack, weight) in stacks.iter().zip(weights) {
        if weight == 0 {
            continue;
        }
        let sample = stack
            .frames
            .iter()
            .map(|&frame| {
                *frame_index.entry(frame).or_insert_with(|| {
                    frames.push(frame_json(profile, frame));
                    frames.len() - 1
                })
            })
            .collect();
        samples.push(sample);
        kept_weights.push(weight);
    }
    let total: u64 = kept_weights.iter().sum();
    let document = json!({
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "exporter": format!("pstat {}", env!("CARGO_PKG_VERSION")),
        "name": options.name,
        "activeProfileIndex": 0,
        "shared": { "frames": frames },
        "profiles": [{
            "type": "sampled",
            "name": format!("{} (stacks estimated from call edges)", options.name),
            "unit": unit_name(options.unit),
            "startValue": 0,
            "endValue": total,
            "samples": samples,
            "weights": kept_weights,
        }],
    });
    let mut writer = io::BufWriter::new(writer);
    serde_json::to_writer(&mut writer, &document)?;
    io::Write::write_all(&mut writer, b"\n")?;
    io::Write::flush(&mut writer)
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
