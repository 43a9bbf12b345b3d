//! Folded stacks (`root;caller;callee count`), as inferno and flamegraph.pl read them, from
//! stacks reconstructed out of caller→callee edges (see [`crate::query::stacks`] and
//! docs/stacks.md).

use std::io;

use crate::Profile;
use crate::export::TimeUnit;
use crate::query::stacks::{Folded, StackOptions};

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
pub fn write<W: io::Write>(profile: &Profile, options: &Options, mut writer: W) -> io::Result<()> {
    Folded::new(profile, &options.stacks, options.unit).write_lines(&mut writer)
}
