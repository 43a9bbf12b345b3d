//! Transforms that build a new [`Profile`] from others with pstats' semantics: `strip_dirs`,
//! a filtered copy, `add` (through [`Combiner`]), and the profile without its edges.

use std::sync::OnceLock;

use hashbrown::HashMap;

use super::intern::Sym;
use super::{
    Builder, CallStats, FunctionId, FunctionKey, KeyId, Measure, Merge, Profile, SampleBuilder,
    SourceFile, Totals,
};
use crate::error::{Error, ErrorKind};

impl Profile {
    /// The profile without its edges (and without the functions only they named).
    pub(crate) fn without_edges(mut self) -> Profile {
        self.keys.truncate(self.listed);
        self.edges = Vec::new();
        self.callers_start = vec![0; self.listed + 1];
        self.callee_index = OnceLock::new();
        self
    }

    /// This profile, read without edges, with the callers of some of its listed functions:
    /// `callers` holds each such function and the callers dict of its entry, in the dict's
    /// order. Repeated callers are resolved as a Python dict resolves them (first position, last
    /// value), and keys of no function here become functions that appear only as callers, in
    /// order of first appearance. Every other function has no callers.
    pub(crate) fn with_callers_of(
        mut self,
        mut callers: Vec<(FunctionId, Vec<(FunctionKey, CallStats)>)>,
    ) -> Profile {
        debug_assert!(self.edges.is_empty());
        callers.sort_by_key(|(id, _)| *id);
        callers.dedup_by_key(|(id, _)| *id);
        // The callers' ids: one pass over the keys finds those that are functions already.
        let mut id_of: HashMap<FunctionKey, Option<FunctionId>> = HashMap::new();
        for (_, list) in &callers {
            id_of.extend(list.iter().map(|&(key, _)| (key, None)));
        }
        if !id_of.is_empty() {
            for (i, key) in self.keys.iter().enumerate() {
                if let Some(id @ None) = id_of.get_mut(key) {
                    *id = Some(FunctionId(i as u32));
                }
            }
        }
        let mut edges: Vec<(FunctionId, CallStats)> = Vec::new();
        let mut callers_start = Vec::with_capacity(self.listed + 1);
        let mut next = callers.into_iter().peekable();
        for function in 0..self.listed as u32 {
            callers_start.push(edges.len() as u32);
            let Some((_, list)) = next.next_if(|(id, _)| id.0 == function) else {
                continue;
            };
            let start = edges.len();
            // Where each caller went, for long lists; short ones are searched.
            let mut place: HashMap<FunctionId, usize> = HashMap::new();
            let long = list.len() > 16;
            for (key, call) in list {
                let id = match id_of.get(&key).copied().flatten() {
                    Some(id) => id,
                    None => {
                        // A function only callers name: the next id.
                        let id = FunctionId(self.keys.len() as u32);
                        self.keys.push(key);
                        id_of.insert(key, Some(id));
                        id
                    }
                };
                let earlier = match long {
                    true => place.get(&id).copied(),
                    false => (start..edges.len()).find(|&at| edges[at].0 == id),
                };
                match earlier {
                    Some(at) => edges[at].1 = call,
                    None => {
                        if long {
                            place.insert(id, edges.len());
                        }
                        edges.push((id, call));
                    }
                }
            }
        }
        callers_start.push(edges.len() as u32);
        self.edges = edges;
        self.callers_start = callers_start;
        self.callee_index = OnceLock::new();
        self
    }

    /// pstats' `strip_dirs()`: file names lose their directories, and functions whose keys
    /// then collide are added together (the first one's position is kept). Within one
    /// function's callers, colliding callers are not added: the last one wins, as in pstats.
    /// Totals are kept as they were.
    ///
    /// A profile with stacks is rebuilt from them instead, so its figures stay exact: a
    /// function's inclusive samples count each sample once even when two functions that merge
    /// were both on its stack, and the totals are recomputed.
    pub fn strip_dirs(&self) -> Profile {
        if let (Some(stacks), Measure::Samples { timed }) = (self.stacks(), self.measure) {
            let mut samples = SampleBuilder::new(timed);
            let key_of = rekey(samples.keys_mut(), self, strip_dir);
            samples.add_stacks(stacks, &key_of);
            return samples.finish(false, self.files.clone());
        }
        let mut builder = Builder::default();
        let key_of = rekey(&mut builder, self, strip_dir);
        builder.add_profile(self, &key_of, |_| true, Merge::Add);
        let top_level = self.top_level.iter().map(|id| key_of[id.index()]).collect();
        builder.finish_carrying(self.totals, top_level, self.files.clone())
    }

    /// A new profile with only the functions `keep` accepts (listed ones with their figures)
    /// and the edges between them; totals are recomputed from what is kept. The result has no
    /// stacks: the figures kept are those of the whole profile, which no subset of its stacks
    /// would give.
    pub fn retain(&self, keep: impl Fn(FunctionId) -> bool) -> Profile {
        let mut builder = Builder::default();
        let key_of = rekey(&mut builder, self, |file| file);
        let kept: Vec<bool> = (0..self.keys.len() as u32)
            .map(|i| keep(FunctionId(i)))
            .collect();
        builder.add_profile(self, &key_of, |id| kept[id.index()], Merge::Replace);
        let mut profile = builder.finish();
        profile.files = self.files.clone();
        profile.measure = self.measure;
        profile
    }

    /// pstats' `Stats(a, b, c, …)`: the first profile, then the others added in *reverse*
    /// order (so files and new functions come as a, c, b), with `add_func_stats`/`add_callers`
    /// semantics and totals summed in that order. Profiles with stacks are combined by adding
    /// their samples (see [`Combiner::add`]); profiles of different kinds are refused.
    pub fn combine(profiles: Vec<Profile>) -> Result<Profile, Error> {
        let mut profiles = profiles.into_iter();
        let Some(first) = profiles.next() else {
            return Ok(Builder::default().finish());
        };
        let mut rest: Vec<Profile> = profiles.collect();
        if rest.is_empty() {
            return Ok(first);
        }
        rest.reverse();
        let mut combiner = Combiner::default();
        for profile in std::iter::once(first).chain(rest) {
            combiner.add(&profile)?;
        }
        Ok(combiner.finish())
    }
}

/// pstats' `func_strip_path` on a file name.
fn strip_dir(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

/// What a profile is, for deciding whether two can be merged.
fn kind(profile: &Profile) -> &'static str {
    match (profile.measure, profile.stacks.is_some()) {
        (Measure::Samples { timed: true }, true) => "a sampled profile with stacks and times",
        (Measure::Samples { timed: false }, true) => "a sampled profile with stacks, without times",
        (measure, _) => measure.description(),
    }
}

/// The key each function of `profile` gets in `builder`, its file name passed through `file`.
fn rekey(builder: &mut Builder, profile: &Profile, file: impl Fn(&str) -> &str) -> Vec<KeyId> {
    let strings = &profile.strings;
    profile
        .keys
        .iter()
        .map(|key| builder.key(file(strings.get(key.file)), key.line, strings.get(key.name)))
        .collect()
}

/// The key of each of `profile`'s functions in `builder`, by function id. Each of the
/// profile's strings is interned once, not once per key using it.
pub(crate) fn keys_in(builder: &mut Builder, profile: &Profile) -> Vec<KeyId> {
    let sym_of: Vec<Sym> = profile
        .strings
        .iter()
        .map(|text| builder.strings.intern(text))
        .collect();
    profile
        .keys
        .iter()
        .map(|key| {
            builder.key_id(FunctionKey {
                file: sym_of[key.file.index()],
                line: key.line,
                name: sym_of[key.name.index()],
            })
        })
        .collect()
}

/// Adds profiles one at a time with pstats' `add` semantics, so that a caller can combine
/// many files without holding them all. The order is the caller's: to reproduce
/// `pstats.Stats(a, b, c)`, add a, then c, then b (see [`Combiner::pstats_order`]).
#[derive(Default)]
pub struct Combiner {
    builder: Builder,
    /// For profiles with stacks: their samples, added up.
    samples: Option<SampleBuilder>,
    kind: Option<&'static str>,
    measure: Measure,
    totals: Totals,
    files: Vec<SourceFile>,
    top_level: Vec<KeyId>,
    count: usize,
}

impl Combiner {
    /// The order in which `pstats.Stats(inputs[0], inputs[1], …)` adds its inputs: the first,
    /// then the others from last to second.
    pub fn pstats_order(inputs: usize) -> Vec<usize> {
        (0..inputs.min(1)).chain((1..inputs).rev()).collect()
    }

    /// Adds one profile: its figures to those of the functions already present, its callers
    /// merged with `add_callers`, its totals and files after those already added. A profile
    /// with stacks has its samples added to those already there instead, and the figures are
    /// derived from all of them at the end.
    ///
    /// Profiles of different kinds (see [`crate::Measure`]; with stacks or without) cannot be
    /// merged: the figures would mean different things. The error says which kinds met.
    pub fn add(&mut self, profile: &Profile) -> Result<(), Error> {
        let kind = kind(profile);
        match self.kind {
            Some(first) if first != kind => {
                return Err(Error::new(
                    ErrorKind::Incompatible { first, other: kind },
                    None,
                ));
            }
            _ => self.kind = Some(kind),
        }
        self.measure = profile.measure;
        if let (Some(stacks), Measure::Samples { timed }) = (profile.stacks(), profile.measure) {
            let samples = self
                .samples
                .get_or_insert_with(|| SampleBuilder::new(timed));
            let keys = samples.keys_mut();
            let key_of = rekey(keys, profile, |file| file);
            samples.add_stacks(stacks, &key_of);
            self.files.extend(profile.files.iter().cloned());
            self.count += 1;
            return Ok(());
        }
        let builder = &mut self.builder;
        let key_of = keys_in(builder, profile);
        // The first file is loaded as is; every later one goes through `add_func_stats`.
        let merge = if self.count == 0 {
            Merge::Replace
        } else {
            Merge::Add
        };
        builder.add_profile(profile, &key_of, |_| true, merge);
        self.totals.add(&profile.totals);
        self.files.extend(profile.files.iter().cloned());
        for id in &profile.top_level {
            let key = key_of[id.index()];
            if !self.top_level.contains(&key) {
                self.top_level.push(key);
            }
        }
        self.count += 1;
        Ok(())
    }

    /// The combined profile.
    pub fn finish(self) -> Profile {
        if let Some(samples) = self.samples {
            return samples.finish(false, self.files);
        }
        let mut profile = self
            .builder
            .finish_carrying(self.totals, self.top_level, self.files);
        profile.measure = self.measure;
        profile
    }
}

#[cfg(test)]
mod tests {
    use super::super::CallStats;
    use super::super::testing::{fs, sample, timed};
    use super::*;

    #[test]
    fn retain_keeps_functions_and_edges_between_them() {
        let p = sample();
        let kept = p.retain(|id| p.name(id) != "main");
        assert_eq!(kept.function_count(), 2);
        assert_eq!(
            kept.totals(),
            Totals {
                calls: 4,
                primitive_calls: 3,
                tottime: 1.25
            }
        );
        let callers: Vec<_> = kept
            .callers(FunctionId(1))
            .map(|(c, _)| kept.display_name(c))
            .collect();
        assert_eq!(callers, ["/a/util.py:5(f)"]);
    }

    #[test]
    fn strip_dirs_adds_colliding_functions_and_keeps_totals() {
        let p = sample().strip_dirs();
        assert_eq!(p.function_count(), 2);
        let f = FunctionId(1);
        assert_eq!(p.display_name(f), "util.py:5(f)");
        assert_eq!(p.stats(f), fs(3, 4, 1.25, 1.75));
        // callers of the merged entry: main (3+1 calls, summed by add_callers), then f itself.
        let callers: Vec<_> = p
            .callers(f)
            .map(|(c, s)| (p.display_name(c), s.calls()))
            .collect();
        assert_eq!(
            callers,
            [
                ("main.py:1(main)".to_string(), 4),
                ("util.py:5(f)".to_string(), 1)
            ]
        );
        assert_eq!(p.totals(), sample().totals());
    }

    #[test]
    fn strip_dirs_overwrites_colliding_callers_within_one_dict() {
        let mut b = Builder::default();
        let x1 = b.key("/a/x.py", 1, "f");
        let x2 = b.key("/b/x.py", 1, "f");
        let h = b.key("h.py", 1, "h");
        b.add_entry(
            h,
            fs(3, 3, 0.0, 0.0),
            [(x1, CallStats::Count(1)), (x2, CallStats::Count(2))].into_iter(),
            Merge::Replace,
        );
        let p = b.finish().strip_dirs();
        let callers: Vec<_> = p.callers(FunctionId(0)).map(|(_, s)| s).collect();
        assert_eq!(callers, [CallStats::Count(2)]);
    }

    #[test]
    fn combine_uses_pstats_add_order() {
        let mk = |name: &str, t: f64| {
            let mut b = Builder::default();
            let k = b.key("m.py", 1, name);
            let shared = b.key("m.py", 9, "shared");
            b.add_entry(k, fs(1, 1, t, t), std::iter::empty(), Merge::Replace);
            b.add_entry(
                shared,
                fs(1, 1, 1.0, 1.0),
                std::iter::empty(),
                Merge::Replace,
            );
            let mut p = b.finish();
            p.set_source(SourceFile {
                path: name.into(),
                mtime: None,
            });
            p
        };
        let p = Profile::combine(vec![mk("a", 0.5), mk("b", 0.25), mk("c", 0.125)]).unwrap();
        let names: Vec<_> = p.functions().map(|id| p.name(id).to_string()).collect();
        assert_eq!(names, ["a", "shared", "c", "b"]);
        let files: Vec<_> = p.files().iter().map(|f| f.path.as_str()).collect();
        assert_eq!(files, ["a", "c", "b"]);
        assert_eq!(p.stats(FunctionId(1)), fs(3, 3, 3.0, 3.0));
        assert_eq!(p.totals().calls, 6);
    }

    #[test]
    fn combiner_adds_in_pstats_order_and_merges_callers_in_place() {
        assert_eq!(Combiner::pstats_order(0), Vec::<usize>::new());
        assert_eq!(Combiner::pstats_order(1), [0]);
        assert_eq!(Combiner::pstats_order(4), [0, 3, 2, 1]);
        let mut combiner = Combiner::default();
        for _ in 0..100 {
            combiner.add(&sample()).unwrap();
        }
        let garbage = combiner.builder.caller_slots();
        let p = combiner.finish();
        // Every run has the same callers: they were added in place, not copied 100 times.
        assert_eq!(garbage, 3);
        let f = FunctionId(1);
        assert_eq!(p.stats(f), fs(200, 300, 100.0, 150.0));
        assert_eq!(
            p.callers(f).next().map(|(_, s)| s),
            Some(timed(300, 200, 100.0, 150.0))
        );
        assert_eq!(p.totals().calls, 500);
    }

    #[test]
    fn without_edges_keeps_listed_functions_and_figures() {
        let p = sample().without_edges();
        assert_eq!(p.function_count(), 3);
        assert_eq!(p.all_functions().len(), 3);
        assert_eq!(p.edge_count(), 0);
        assert_eq!(p.callers(FunctionId(2)).len(), 0);
        assert_eq!(p.callees(FunctionId(0)).count(), 0);
        assert_eq!(p.stats(FunctionId(1)), fs(2, 3, 1.0, 1.5));
    }
}
