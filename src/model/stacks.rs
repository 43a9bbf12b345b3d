//! Real stacks, as sampling profilers record them: a table of stacks (a prefix tree of frames)
//! and the samples taken in each, per thread. A profile read from such an input keeps them
//! ([`Profile::stacks`](super::Profile::stacks)), and its function figures and caller→callee
//! edges are derived from them (docs/sampled-formats.md, "One mapping for all four"):
//!
//! * a function's `primitive_calls` counts the samples in which it is the leaf, `tottime` is
//!   their time;
//! * its `calls` counts the samples in which it appears anywhere on the stack, once per sample
//!   however often it recurses, and `cumtime` is their time;
//! * an edge caller→callee exists where the two are adjacent frames. Its `calls` counts every
//!   adjacency (a recursive pair twice in a stack counts twice, as Python 3.15's
//!   `PstatsCollector` counts), `primitive_calls` the samples containing it at least once,
//!   `tottime` the time of the samples where the callee is the leaf right under this caller,
//!   and `cumtime` the time of the samples containing the edge (once per sample).

mod builder;
mod sorted;
#[cfg(test)]
pub(crate) use builder::test_profile;
pub(crate) use builder::{Node, SampleBuilder};
pub(crate) use sorted::Run;

use super::{EdgeId, FunctionId};

/// Identifies one stack within one profile's [`Stacks`]: a frame and the stack it was called
/// from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StackId(pub(crate) u32);

impl StackId {
    /// The stack with this index (below [`Stacks::stack_count`]).
    pub fn from_index(index: usize) -> StackId {
        StackId(index as u32)
    }

    /// The id as an index: stack ids are dense from 0 to [`Stacks::stack_count`], and a stack's
    /// parent always has a smaller id.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Identifies one thread within one profile's [`Stacks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreadId(pub(crate) u32);

impl ThreadId {
    /// The id as an index into [`Stacks::threads`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A thread the samples were taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// The thread's id as the input spells it (an OS thread id for py-spy and Python 3.15, the
    /// profile's name for speedscope).
    pub id: String,
    /// Its name, when the input gives one.
    pub name: Option<String>,
}

impl Thread {
    /// The frame text py-spy writes for the thread: `thread (ID)` or `thread (ID): NAME`.
    pub fn frame_name(&self) -> String {
        match &self.name {
            Some(name) => format!("thread ({}): {name}", self.id),
            None => format!("thread ({})", self.id),
        }
    }
}

/// Samples taken in one stack and thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// The stack.
    pub stack: StackId,
    /// The thread, when the input says.
    pub thread: Option<ThreadId>,
    /// How many samples.
    pub count: u64,
    /// Their time: seconds when the profile is timed
    /// ([`Measure::Samples`](crate::model::Measure::Samples)), else the count.
    pub time: f64,
}

const NONE: u32 = u32::MAX;

/// The stacks and samples of a sampled profile (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Stacks {
    /// Per stack: its parent stack (or NONE for a root frame) and its frame.
    nodes: Vec<(u32, FunctionId)>,
    samples: Vec<Sample>,
    threads: Vec<Thread>,
    without_frames: u64,
    interval: Option<f64>,
    /// Per edge (by [`EdgeId`]): the time of the samples in which the edge enters the callee's
    /// outermost frame.
    entering_time: Vec<f64>,
}

impl Stacks {
    /// The time of the samples in which `edge` enters its callee's outermost frame (no frame
    /// of the callee above it): charged to each call, these make the calls into a function
    /// add up to the samples it is on, each once (callgrind's inclusive cost).
    pub(crate) fn entering_time(&self, edge: EdgeId) -> f64 {
        self.entering_time.get(edge.index()).copied().unwrap_or(0.0)
    }

    /// The time of one sample in seconds, when the input says and every sample has the same
    /// (folded stacks read with a rate).
    pub fn interval(&self) -> Option<f64> {
        self.interval
    }

    /// Every (stack, thread) that was sampled, with its count and time, in the input's order of
    /// first appearance. A stack appears once per thread.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// How many stacks there are: stack ids run from 0 to this. Every prefix of a sampled
    /// stack is a stack too.
    pub fn stack_count(&self) -> usize {
        self.nodes.len()
    }

    /// The innermost frame of a stack.
    pub fn frame(&self, stack: StackId) -> FunctionId {
        self.nodes[stack.index()].1
    }

    /// The stack `stack` was called from, or `None` for a root frame.
    pub fn parent(&self, stack: StackId) -> Option<StackId> {
        let parent = self.nodes[stack.index()].0;
        (parent != NONE).then_some(StackId(parent))
    }

    /// The frames of a stack, innermost (the leaf) first.
    pub fn frames(&self, stack: StackId) -> impl Iterator<Item = FunctionId> + '_ {
        let mut at = stack.0;
        std::iter::from_fn(move || {
            if at == NONE {
                return None;
            }
            let (parent, function) = self.nodes[at as usize];
            at = parent;
            Some(function)
        })
    }

    /// Puts the frames of a stack into `out`, root first (the order of folded stacks).
    pub fn frames_root_first(&self, stack: StackId, out: &mut Vec<FunctionId>) {
        out.clear();
        out.extend(self.frames(stack));
        out.reverse();
    }

    /// The threads, in order of first appearance.
    pub fn threads(&self) -> &[Thread] {
        &self.threads
    }

    /// Samples the input holds with no frame at all (py-spy writes them for threads caught
    /// outside Python code); they are in no stack and no function's figures.
    pub fn samples_without_frames(&self) -> u64 {
        self.without_frames
    }
}
