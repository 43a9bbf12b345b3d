//! Function keys → ids while a profile is built: the one lookup a reader does per key it has
//! not seen as a shared object, hundreds of thousands of times on a big profile, each at a
//! random place in a table too large for the cache.
//!
//! A general hash map costs two or three cache misses a lookup there (control bytes, bucket,
//! and the key if stored apart). This table keeps each key inside its 16-byte slot (file and
//! name symbols, line, id), probes linearly, and stays at most three quarters full, so a lookup
//! usually touches one cache line. Keys whose line does not fit in 32 bits (crafted files only)
//! go to a general map beside it. The hash is randomly seeded, so crafted keys cannot aim at
//! one probe run.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashMap};

use super::{FunctionKey, KeyId};

/// A slot: file symbol, name symbol, line, id + 1 (0 = empty).
type Slot = [u32; 4];

/// `len` empty slots, each 4 KiB page of them written once. A large zeroed allocation comes
/// from the system unmapped: read first, as a probe reads it, a page is mapped to the shared
/// page of zeros, and the first key written to it then remaps it, which makes the kernel flush
/// that address from the other core's TLB too while the decoding thread runs there (an
/// interrupt each time: 9 % of `show`'s samples on a 300k-function dump, docs/performance.md).
/// Written first, each page is mapped once.
fn written_zeros(len: usize) -> Vec<Slot> {
    let mut slots = vec![[0; 4]; len];
    for slot in slots.iter_mut().step_by(4096 / size_of::<Slot>()) {
        // The compiler knows the memory holds zeros and would leave out a plain write of one.
        *slot = std::hint::black_box([0; 4]);
    }
    slots
}

#[derive(Default)]
pub(crate) struct KeyTable {
    slots: Vec<Slot>,
    len: usize,
    hasher: DefaultHashBuilder,
    wide: HashMap<FunctionKey, KeyId>,
}

impl KeyTable {
    /// A table that holds `keys` keys before it grows.
    pub(crate) fn with_capacity(keys: usize) -> KeyTable {
        KeyTable {
            slots: written_zeros((keys * 4 / 3).next_power_of_two().max(16)),
            ..KeyTable::default()
        }
    }

    /// The id of `key`, or `next` (which is then its id) if it is not there yet.
    #[inline]
    pub(crate) fn get_or_insert(&mut self, key: FunctionKey, next: KeyId) -> KeyId {
        let Some(wanted) = slot_key(&key) else {
            return *self.wide.entry(key).or_insert(next);
        };
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        match self.probe(&wanted) {
            Ok(id) => id,
            Err(at) => {
                self.slots[at] = [wanted[0], wanted[1], wanted[2], next.0 + 1];
                self.len += 1;
                next
            }
        }
    }

    /// Asks the processor to bring the slot where a probe for `key` starts into the cache, so
    /// that a [`KeyTable::get_or_insert`] of it a few keys later does not wait for memory: the
    /// table is several megabytes, read at random, and nearly every probe missed the cache
    /// (89 % of the lookup's samples waited for the slot, docs/performance.md).
    #[inline]
    pub(crate) fn prefetch(&self, key: &FunctionKey) {
        let Some(wanted) = slot_key(key) else {
            return;
        };
        if self.slots.is_empty() {
            return;
        }
        let at = self.hasher.hash_one(wanted) as usize & (self.slots.len() - 1);
        prefetch(&self.slots[at..]);
    }

    /// The id of `key`, if it has one.
    pub(crate) fn get(&self, key: &FunctionKey) -> Option<KeyId> {
        match slot_key(key) {
            None => self.wide.get(key).copied(),
            Some(_) if self.slots.is_empty() => None,
            Some(wanted) => self.probe(&wanted).ok(),
        }
    }

    /// The id in the slot holding `wanted`, or the empty slot where it would go. The table is
    /// never full, so the probe ends.
    #[inline]
    fn probe(&self, wanted: &[u32; 3]) -> Result<KeyId, usize> {
        let mask = self.slots.len() - 1;
        let mut at = self.hasher.hash_one(wanted) as usize & mask;
        loop {
            let slot = &self.slots[at];
            if slot[3] == 0 {
                return Err(at);
            }
            if [slot[0], slot[1], slot[2]] == *wanted {
                return Ok(KeyId(slot[3] - 1));
            }
            at = (at + 1) & mask;
        }
    }

    #[cold]
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = written_zeros((old.len() * 2).max(16));
        for slot in old.into_iter().filter(|s| s[3] != 0) {
            // Keys are distinct: the probe only finds the empty slot for each.
            if let Err(at) = self.probe(&[slot[0], slot[1], slot[2]]) {
                self.slots[at] = slot;
            }
        }
    }
}

/// How many items ahead of its use a read at random is asked for with [`prefetch`], by the
/// reader's build (records) and by the builder (entries, callers): far enough for the line to
/// arrive, near enough for it to stay (docs/performance.md, "Prefetch in the build").
pub(crate) const PREFETCH_AHEAD: usize = 16;

/// A hint to load the cache line of `items`' first element: for a read at random a few steps
/// ahead of it. Nothing where there is no such instruction.
#[inline(always)]
pub(crate) fn prefetch<T>(items: &[T]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the intrinsic's only precondition is SSE, which every x86-64 processor has. The
    // pointer is never dereferenced (the instruction only hints at a load and cannot fault),
    // so it need not point into an allocation: `items` may be empty.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(items.as_ptr().cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = items;
}

/// A key as a slot holds it (file symbol, name symbol, line), if its line fits in 32 bits.
fn slot_key(key: &FunctionKey) -> Option<[u32; 3]> {
    let line = u32::try_from(key.line).ok()?;
    Some([key.file.index() as u32, key.name.index() as u32, line])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::intern::Interner;

    #[test]
    fn ids_survive_growth_and_wide_lines() {
        let mut strings = Interner::default();
        let (f, g) = (strings.intern("f.py"), strings.intern("g"));
        let mut table = KeyTable::default();
        let key = |line| FunctionKey {
            file: f,
            line,
            name: g,
        };
        for i in 0..1000u32 {
            assert_eq!(table.get_or_insert(key(i64::from(i)), KeyId(i)), KeyId(i));
        }
        for line in [-1, 1 << 40] {
            assert_eq!(table.get_or_insert(key(line), KeyId(5000)), KeyId(5000));
        }
        for i in 0..1000u32 {
            assert_eq!(table.get(&key(i64::from(i))), Some(KeyId(i)));
            assert_eq!(
                table.get_or_insert(key(i64::from(i)), KeyId(9999)),
                KeyId(i)
            );
        }
        assert_eq!(table.get(&key(-1)), Some(KeyId(5000)));
        assert_eq!(table.get(&key(1000)), None);
        assert!(table.slots.len() >= 2000);
    }
}
