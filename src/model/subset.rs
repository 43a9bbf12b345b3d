//! Builders of reduced profiles for the query layer's filters (`query::filter`): a sub-graph of
//! a profile with some of its functions and edges and adjusted own times, and a profile
//! rebuilt from rewritten stacks, whose figures are then derived again.

use super::builder::{Builder, Merge};
use super::transform::keys_in;
use super::{FunctionId, FunctionStats, Profile, SampleBuilder, Stacks, Totals};

/// What a sub-graph keeps of its profile; each vector is indexed by the profile's ids.
pub(crate) struct Subgraph<'a> {
    /// Per function id (all of them): whether it is kept.
    pub(crate) functions: &'a [bool],
    /// Per edge id: whether it is kept (an edge is kept only if both its ends are).
    pub(crate) edges: &'a [bool],
    /// Per function id: its tottime in the result.
    pub(crate) tottime: &'a [f64],
    /// The totals to carry over; `None` sums them again from the kept functions.
    pub(crate) totals: Option<Totals>,
}

impl Profile {
    /// A new profile with the kept listed functions (their figures as in this profile, but
    /// for their tottime) and the kept edges between kept functions, in this profile's order.
    /// The result has no stacks; its measure and input files are this profile's.
    pub(crate) fn subgraph(&self, keep: &Subgraph<'_>) -> Profile {
        let mut builder = Builder::default();
        let key_of = keys_in(&mut builder, self);
        for id in self.functions().filter(|id| keep.functions[id.index()]) {
            let callers = self
                .caller_edges(id)
                .filter(|&(edge, caller, _)| {
                    keep.edges[edge.index()] && keep.functions[caller.index()]
                })
                .map(|(_, caller, stats)| (key_of[caller.index()], stats));
            let stats = FunctionStats {
                tottime: keep.tottime[id.index()],
                ..self.stats(id)
            };
            builder.add_entry(key_of[id.index()], stats, callers, Merge::Replace);
        }
        let mut profile = match keep.totals {
            None => builder.finish(),
            Some(totals) => {
                let top_level = self
                    .top_level
                    .iter()
                    .filter(|id| keep.functions[id.index()])
                    .map(|id| key_of[id.index()])
                    .collect();
                builder.finish_carrying(totals, top_level, Vec::new())
            }
        };
        profile.files = self.files.clone();
        profile.measure = self.measure;
        profile
    }

    /// A new profile made of the samples of `stacks` (this profile's), each stack rewritten by
    /// `rewrite` from its frames (root first) into the frames it keeps, or dropped when
    /// `rewrite` returns false. A sample left with no frame counts among the samples without
    /// frames. The figures are derived from the new samples as a reader derives them.
    pub(crate) fn rewritten_stacks(
        &self,
        stacks: &Stacks,
        timed: bool,
        mut rewrite: impl FnMut(&[FunctionId], &mut Vec<FunctionId>) -> bool,
    ) -> Profile {
        let mut samples = SampleBuilder::new(timed);
        if let Some(interval) = stacks.interval() {
            samples.set_interval(interval);
        }
        let key_of = keys_in(samples.keys_mut(), self);
        let threads: Vec<_> = stacks
            .threads()
            .iter()
            .map(|t| samples.thread(&t.id, t.name.as_deref()))
            .collect();
        let mut frames = Vec::new();
        let mut kept = Vec::new();
        for sample in stacks.samples() {
            stacks.frames_root_first(sample.stack, &mut frames);
            kept.clear();
            if !rewrite(&frames, &mut kept) {
                continue;
            }
            let mut node = None;
            for &function in &kept {
                node = Some(samples.push(node, key_of[function.index()]));
            }
            let thread = sample.thread.map(|t| threads[t.index()]);
            samples.add(node, thread, sample.count, sample.time);
        }
        let without = stacks.samples_without_frames();
        if without > 0 {
            samples.add(None, None, without, 0.0);
        }
        samples.finish(false, self.files.clone())
    }
}
