//! [`Builder`]: the readers and the transforms add stats-dict entries to it one at a time, with
//! pstats' dict semantics, and it lays them out as a [`Profile`].

use std::ops::Range;
use std::sync::OnceLock;

use super::intern::Interner;
use super::keytable::{KeyTable, PREFETCH_AHEAD};
use super::{
    CallStats, FunctionId, FunctionKey, FunctionStats, Measure, Profile, SourceFile, Totals,
};

/// The key pstats uses to mark a top-level function; only crafted files carry it.
pub(crate) const TOP_LEVEL_MARK: (&str, i64, &str) = ("jprofile", 0, "profiler");

/// How an entry whose key is already present is combined with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Merge {
    /// A duplicate key in one marshal dict: the later value replaces the earlier one.
    Replace,
    /// pstats' `add` (and `strip_dirs`): figures added, callers merged with `add_callers`.
    Add,
}

/// A distinct function key seen while building, numbered in order of first sight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct KeyId(pub(super) u32);

impl KeyId {
    /// The id as an index: ids are dense from 0 in order of first sight.
    #[inline]
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

const NONE: u32 = u32::MAX;

struct Entry {
    key: KeyId,
    stats: FunctionStats,
    callers: Range<u32>,
}

/// Builds a [`Profile`] with pstats' dict semantics: entries keep the position of their first
/// appearance; callers likewise within each entry, where a repeated caller's last value wins.
#[derive(Default)]
pub(crate) struct Builder {
    pub(crate) strings: Interner,
    keys: Vec<FunctionKey>,
    key_ids: KeyTable,
    /// Entry index of each key, or NONE.
    entry_of: Vec<u32>,
    entries: Vec<Entry>,
    /// Callers of all entries; an entry owns a range. Replaced ranges become garbage.
    callers: Vec<(KeyId, CallStats)>,
    /// For de-duplicating one callers dict without hashing: per key, the pass that last saw
    /// it and where it went. Sized to the keys at the start of each pass (see `next_pass`).
    seen: Vec<(u32, u32)>,
    pass: u32,
}

impl Builder {
    pub(crate) fn with_capacity(functions: usize) -> Builder {
        Builder {
            keys: Vec::with_capacity(functions),
            key_ids: KeyTable::with_capacity(functions),
            entries: Vec::with_capacity(functions),
            callers: Vec::with_capacity(functions * 2),
            ..Builder::default()
        }
    }

    /// The id of the key (file, line, name), given as text.
    pub(crate) fn key(&mut self, file: &str, line: i64, name: &str) -> KeyId {
        let key = FunctionKey {
            file: self.strings.intern(file),
            line,
            name: self.strings.intern(name),
        };
        self.key_id(key)
    }

    /// The id of an interned key; a key seen for the first time gets the next id.
    #[inline]
    pub(crate) fn key_id(&mut self, key: FunctionKey) -> KeyId {
        let next = KeyId(self.keys.len() as u32);
        let id = self.key_ids.get_or_insert(key, next);
        if id == next {
            self.keys.push(key);
            self.entry_of.push(NONE);
        }
        id
    }

    /// Brings what [`Builder::key_id`] of `key` reads first into the cache: called a few keys
    /// ahead of the lookup.
    #[inline]
    pub(crate) fn prefetch_key(&self, key: &FunctionKey) {
        self.key_ids.prefetch(key);
    }

    /// Brings what [`Builder::add_entry`] reads first for the entry of `key` into the cache:
    /// called a few entries ahead.
    #[inline]
    pub(crate) fn prefetch_entry(&self, key: KeyId) {
        if let Some(place) = self.entry_of.get(key.index()..) {
            super::prefetch(place);
        }
    }

    /// How many distinct keys have been seen: key ids run from 0 to this.
    pub(crate) fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Starts a de-duplication pass over one callers dict.
    fn next_pass(&mut self) {
        // Sized here rather than a mark pushed per key as keys come: reading a profile without
        // callers does not need the marks unless a crafted callers dict lists pstats' mark more
        // than 16 times, and keys are not added during a pass.
        if self.seen.len() < self.keys.len() {
            self.seen.resize(self.keys.len(), (0, 0));
        }
        self.pass = self.pass.wrapping_add(1);
        if self.pass == 0 {
            self.seen.iter_mut().for_each(|s| *s = (0, 0));
            self.pass = 1;
        }
    }

    /// Appends a caller unless this pass has seen it; then it is combined with `combine`.
    fn push_caller(
        &mut self,
        caller: KeyId,
        call: CallStats,
        combine: fn(&mut CallStats, &CallStats),
    ) {
        match self.seen_in_pass(caller, self.callers.len()) {
            Some(earlier) => combine(&mut self.callers[earlier].1, &call),
            None => self.callers.push((caller, call)),
        }
    }

    /// Where this pass already put `caller`, if it did; otherwise marks it as put at `place`.
    fn seen_in_pass(&mut self, caller: KeyId, place: usize) -> Option<usize> {
        let (pass, at) = self.seen[caller.0 as usize];
        if pass == self.pass {
            return Some(at as usize);
        }
        self.seen[caller.0 as usize] = (self.pass, place as u32);
        None
    }

    /// Removes repeated callers from `callers[start..]` as a Python dict would have kept them:
    /// at the first one's position, with the last one's value. Real dumps have none, but
    /// crafted ones may.
    fn dedup_callers(&mut self, start: usize) {
        let mut kept = start;
        if self.callers.len() - start <= 16 {
            // Short lists (nearly all): compare within the list, which is in cache.
            for i in start..self.callers.len() {
                let (caller, call) = self.callers[i];
                match self.callers[start..kept].iter_mut().find(|c| c.0 == caller) {
                    Some(earlier) => earlier.1 = call,
                    None => {
                        self.callers[kept] = (caller, call);
                        kept += 1;
                    }
                }
            }
        } else {
            // Long lists (a hot helper's callers): the per-key marks of one pass.
            self.next_pass();
            for i in start..self.callers.len() {
                let (caller, call) = self.callers[i];
                match self.seen_in_pass(caller, kept) {
                    Some(earlier) => self.callers[earlier].1 = call,
                    None => {
                        self.callers[kept] = (caller, call);
                        kept += 1;
                    }
                }
            }
        }
        self.callers.truncate(kept);
    }

    /// Adds one stats-dict entry.
    pub(crate) fn add_entry(
        &mut self,
        key: KeyId,
        stats: FunctionStats,
        callers: impl Iterator<Item = (KeyId, CallStats)>,
        merge: Merge,
    ) {
        // This entry's own callers dict, duplicates resolved as a Python dict resolves them:
        // first position, last value.
        let start = self.callers.len() as u32;
        self.callers.extend(callers);
        self.dedup_callers(start as usize);
        let new_range = start..self.callers.len() as u32;
        let at = self.entry_of[key.0 as usize];
        if at == NONE {
            self.entry_of[key.0 as usize] = self.entries.len() as u32;
            self.entries.push(Entry {
                key,
                stats,
                callers: new_range,
            });
            return;
        }
        let entry = &mut self.entries[at as usize];
        if merge == Merge::Replace {
            entry.stats = stats;
            entry.callers = new_range;
            return;
        }
        entry.stats.add(&stats);
        let old = entry.callers.clone();
        // add_callers(existing, new): the existing order, then new callers appended. When every
        // new caller is already there (the usual case when adding runs of one program), the
        // figures are added in place instead of copying the list.
        self.next_pass();
        for i in old.clone() {
            let caller = self.callers[i as usize].0;
            self.seen[caller.0 as usize] = (self.pass, i);
        }
        let all_known = (new_range.start..new_range.end).all(|i| {
            let caller = self.callers[i as usize].0;
            self.seen[caller.0 as usize].0 == self.pass
        });
        if all_known {
            for i in new_range.clone() {
                let (caller, call) = self.callers[i as usize];
                let at = self.seen[caller.0 as usize].1;
                self.callers[at as usize].1.add(&call);
            }
            // The new range was appended last: give its space back.
            if new_range.end as usize == self.callers.len() {
                self.callers.truncate(new_range.start as usize);
            }
            return;
        }
        let merged_start = self.callers.len() as u32;
        self.next_pass();
        for i in old.chain(new_range) {
            let (caller, call) = self.callers[i as usize];
            self.push_caller(caller, call, CallStats::add);
        }
        self.entries[at as usize].callers = merged_start..self.callers.len() as u32;
    }

    /// Adds the listed functions of `profile` that `keep` accepts, with their callers that
    /// `keep` accepts, under the keys `key_of` gives each of its function ids.
    pub(super) fn add_profile(
        &mut self,
        profile: &Profile,
        key_of: &[KeyId],
        keep: impl Fn(FunctionId) -> bool,
        merge: Merge,
    ) {
        for id in profile.functions().filter(|&id| keep(id)) {
            let callers = profile
                .callers(id)
                .filter(|&(caller, _)| keep(caller))
                .map(|(caller, stats)| (key_of[caller.index()], stats));
            self.add_entry(key_of[id.index()], profile.stats(id), callers, merge);
        }
    }

    /// How many caller slots are in use, garbage included.
    #[cfg(test)]
    pub(super) fn caller_slots(&self) -> usize {
        self.callers.len()
    }

    /// Builds the profile as pstats loads a stats dict: totals and top-level functions are
    /// computed from the entries (`get_top_level_stats`); no input files are recorded.
    pub(crate) fn finish(mut self) -> Profile {
        let mut totals = Totals::default();
        for entry in &self.entries {
            totals.add(&Totals::of_function(&entry.stats));
        }
        let top_level = self.marked_top_level();
        let (mut profile, _) = self.into_profile(totals, Vec::new());
        profile.top_level = top_level;
        profile
    }

    /// Builds the profile with totals, top-level functions and input files carried over from
    /// the profiles it was made of (`strip_dirs` and `add` do not recompute them). Top-level
    /// keys that no listed function has are dropped.
    pub(crate) fn finish_carrying(
        self,
        totals: Totals,
        top_level: Vec<KeyId>,
        files: Vec<SourceFile>,
    ) -> Profile {
        let listed = self.entries.len();
        let (mut profile, id_of) = self.into_profile(totals, files);
        profile.top_level = top_level
            .into_iter()
            .filter_map(|k| {
                let id = id_of[k.0 as usize];
                (id != NONE && (id as usize) < listed).then_some(FunctionId(id))
            })
            .collect();
        profile
    }

    /// The listed functions that have pstats' top-level mark among their callers.
    fn marked_top_level(&mut self) -> Vec<FunctionId> {
        let mark = self.key_ids.get(&FunctionKey {
            file: self.strings.intern(TOP_LEVEL_MARK.0),
            line: TOP_LEVEL_MARK.1,
            name: self.strings.intern(TOP_LEVEL_MARK.2),
        });
        let mut top_level = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let callers = &self.callers[entry.callers.start as usize..entry.callers.end as usize];
            if callers.iter().any(|(k, _)| Some(*k) == mark) {
                top_level.push(FunctionId(i as u32));
            }
        }
        top_level
    }

    /// Lays the entries out as a profile without top-level functions, and says which function
    /// id each key got (NONE for keys that no entry or caller uses).
    pub(super) fn into_profile(
        mut self,
        totals: Totals,
        files: Vec<SourceFile>,
    ) -> (Profile, Vec<u32>) {
        let listed = self.entries.len();
        // Not needed from here on; free it before the profile's arrays are allocated.
        drop(std::mem::take(&mut self.key_ids));
        // Function ids: the entries in order, then keys that appear only as callers, in order
        // of first appearance.
        let mut id_of: Vec<u32> = vec![NONE; self.keys.len()];
        let mut keys: Vec<FunctionKey> = Vec::with_capacity(listed);
        let mut callers_start = Vec::with_capacity(listed + 1);
        let mut next_start = 0u32;
        let mut contiguous = true;
        for (i, entry) in self.entries.iter().enumerate() {
            // Keys are numbered in order of first sight, callers included, so the entries'
            // keys are read at random: ask for one a few entries ahead.
            if let Some(ahead) = self.entries.get(i + PREFETCH_AHEAD) {
                super::prefetch(&self.keys[ahead.key.index()..]);
                super::prefetch(&id_of[ahead.key.index()..]);
            }
            id_of[entry.key.0 as usize] = i as u32;
            keys.push(self.keys[entry.key.0 as usize]);
            contiguous &= entry.callers.start == next_start;
            callers_start.push(next_start);
            next_start += entry.callers.len() as u32;
        }
        callers_start.push(next_start);
        contiguous &= next_start as usize == self.callers.len();
        // Without replaced or merged entries the callers are already in edge order: reuse the
        // allocation (collecting a same-sized map in place) instead of copying.
        let mut ordered = if contiguous {
            std::mem::take(&mut self.callers)
        } else {
            self.entries
                .iter()
                .flat_map(|e| e.callers.clone())
                .map(|i| self.callers[i as usize])
                .collect()
        };
        // The figures in place of the entries, in their allocation: no fresh memory to fault in.
        let mut stats: Vec<FunctionStats> = std::mem::take(&mut self.entries)
            .into_iter()
            .map(|entry| entry.stats)
            .collect();
        // The entries' capacity was an estimate from the input's size: give back the rest.
        stats.shrink_to_fit();
        // Each caller's key becomes its function id in place, the ids of callers further on
        // asked for ahead (they are read at random); then the list is relabelled, which reuses
        // its allocation.
        for i in 0..ordered.len() {
            if let Some((ahead, _)) = ordered.get(i + PREFETCH_AHEAD) {
                super::prefetch(&id_of[ahead.index()..]);
            }
            let caller = ordered[i].0.index();
            if id_of[caller] == NONE {
                id_of[caller] = keys.len() as u32;
                keys.push(self.keys[caller]);
            }
            ordered[i].0 = KeyId(id_of[caller]);
        }
        let edges: Vec<(FunctionId, CallStats)> = ordered
            .into_iter()
            .map(|(id, call)| (FunctionId(id.0), call))
            .collect();

        let profile = Profile {
            strings: self.strings,
            keys,
            listed,
            stats,
            edges,
            callers_start,
            callee_index: OnceLock::new(),
            totals,
            files,
            top_level: Vec::new(),
            measure: Measure::Calls,
            stacks: None,
        };
        (profile, id_of)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fs, sample};
    use super::*;

    #[test]
    fn totals_are_computed_at_load() {
        let p = sample();
        assert_eq!(
            p.totals(),
            Totals {
                calls: 5,
                primitive_calls: 4,
                tottime: 1.75
            }
        );
        assert_eq!(p.function_count(), 3);
        assert_eq!(p.display_name(FunctionId(1)), "/a/util.py:5(f)");
    }

    #[test]
    fn duplicate_dict_keys_keep_first_position_and_last_value() {
        let mut b = Builder::default();
        let k = b.key("m.py", 1, "f");
        let other = b.key("m.py", 2, "g");
        b.add_entry(k, fs(1, 1, 1.0, 1.0), std::iter::empty(), Merge::Replace);
        b.add_entry(
            other,
            fs(1, 1, 1.0, 1.0),
            std::iter::empty(),
            Merge::Replace,
        );
        b.add_entry(k, fs(7, 7, 2.0, 2.0), std::iter::empty(), Merge::Replace);
        let p = b.finish();
        assert_eq!(p.stats(FunctionId(0)).calls, 7);
        assert_eq!(p.name(FunctionId(0)), "f");
    }

    #[test]
    fn timed_edges_decided_by_first_function_with_callers() {
        let mut b = Builder::default();
        let k = b.key("m.py", 1, "f");
        let g = b.key("m.py", 2, "g");
        b.add_entry(k, fs(1, 1, 0.0, 0.0), std::iter::empty(), Merge::Replace);
        b.add_entry(
            g,
            fs(1, 1, 0.0, 0.0),
            [(k, CallStats::Count(1))].into_iter(),
            Merge::Replace,
        );
        assert!(!b.finish().has_timed_edges());
        assert!(sample().has_timed_edges());
    }

    #[test]
    fn top_level_is_marked_at_load_and_carried_otherwise() {
        let build = |carry: bool| {
            let mut b = Builder::default();
            let mark = b.key(TOP_LEVEL_MARK.0, TOP_LEVEL_MARK.1, TOP_LEVEL_MARK.2);
            let f = b.key("m.py", 1, "f");
            let g = b.key("m.py", 2, "g");
            let call = CallStats::Count(1);
            b.add_entry(
                f,
                fs(1, 1, 0.0, 0.0),
                [(mark, call)].into_iter(),
                Merge::Replace,
            );
            b.add_entry(g, fs(1, 1, 0.5, 0.5), std::iter::empty(), Merge::Replace);
            match carry {
                false => b.finish(),
                true => b.finish_carrying(Totals::default(), vec![mark, g], Vec::new()),
            }
        };
        let loaded = build(false);
        assert_eq!(loaded.top_level(), [FunctionId(0)]);
        assert_eq!(loaded.totals().tottime, 0.5);
        // The mark is only a caller, not a listed function: it is dropped.
        let carried = build(true);
        assert_eq!(carried.top_level(), [FunctionId(1)]);
        assert_eq!(carried.totals(), Totals::default());
    }
}
