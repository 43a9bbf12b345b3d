//! The fast path's two halves and what passes between them: the decoder turns the marshal
//! bytes into [`Record`]s (an entry's key and figures, then its callers), and a [`Build`] looks
//! the keys up and adds the entries to the [`Builder`]. On a big input the two run on two
//! threads, the records passed over in chunks, a few at a time (see [`Sink`]); on a small one the
//! decoder hands each chunk to the build itself.
//!
//! The decoder does not know key ids (the key table is the build's), so a key that takes a
//! `FLAG_REF` slot is numbered by the decoder in the order it is first sent ([`Key::NewKept`]),
//! and a later reference to it names that number ([`Key::Seen`]); the build keeps the id of
//! each number.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};

use crate::model::{
    Builder, CallStats, FunctionKey, FunctionStats, KeyId, Merge, PREFETCH_AHEAD, Profile,
};

/// Records in one chunk: about 1.2 MB, so that a chunk the decoder wrote is still in the
/// shared cache when the build reads it, and a few chunks in flight bound the memory (a chunk
/// is handed on between entries, so an entry with more callers than this makes a bigger one,
/// bounded by the input's size). The
/// tests and the fuzz target use chunks of a few records, so that small fixtures cross chunk boundaries.
pub(super) const CHUNK: usize = if cfg!(any(test, fuzzing)) {
    7
} else {
    16 * 1024
};

/// Chunks that may wait for the build: the decoder blocks on the next one.
pub(super) const IN_FLIGHT: usize = 2;

/// A function key as the decoder sends it.
#[derive(Clone, Copy)]
pub(super) enum Key {
    /// A key to look up.
    New(FunctionKey),
    /// A key to look up and keep under the next number, for [`Key::Seen`].
    NewKept(FunctionKey),
    /// The key kept under this number.
    Seen(u32),
}

/// One step of a stats dict.
#[derive(Clone, Copy)]
pub(super) enum Record {
    /// A function's key and figures; its callers follow, up to the next entry.
    Entry(Key, FunctionStats),
    /// A caller of the last entry.
    Caller(Key, CallStats),
}

/// The build's side: key lookups and entries.
pub(super) struct Build {
    builder: Builder,
    /// The id of each kept key, by number.
    kept: Vec<KeyId>,
    /// The entry whose callers are coming.
    entry: Option<(KeyId, FunctionStats)>,
    callers: Vec<(KeyId, CallStats)>,
}

impl Build {
    /// A build sized for about `functions` functions.
    pub(super) fn with_capacity(functions: usize) -> Build {
        Build {
            builder: Builder::with_capacity(functions),
            kept: Vec::with_capacity(functions),
            entry: None,
            callers: Vec::new(),
        }
    }

    #[inline]
    fn key(&mut self, key: Key) -> Option<KeyId> {
        match key {
            Key::New(key) => Some(self.builder.key_id(key)),
            Key::NewKept(key) => {
                let id = self.builder.key_id(key);
                self.kept.push(id);
                Some(id)
            }
            Key::Seen(number) => self.kept.get(number as usize).copied(),
        }
    }

    /// Asks for what the records further on will read at random, so that it is in the cache
    /// when they are applied: [`PREFETCH_AHEAD`] records ahead, the key table's slot of a key
    /// to look up or the id of a key kept earlier; half as far ahead, the place of an entry's
    /// key among the entries.
    #[inline]
    fn prefetch(&self, records: &[Record], at: usize) {
        if let Some(Record::Entry(key, _) | Record::Caller(key, _)) =
            records.get(at + PREFETCH_AHEAD)
        {
            match *key {
                Key::New(key) | Key::NewKept(key) => self.builder.prefetch_key(&key),
                Key::Seen(number) => {
                    if let Some(place) = self.kept.get(number as usize..) {
                        crate::model::prefetch(place);
                    }
                }
            }
        }
        // Half as far ahead, the id asked for above is (most likely) in the cache. Only an entry
        // whose key was seen before has a place to ask for; a new key's place is the last.
        if let Some(Record::Entry(Key::Seen(number), _)) = records.get(at + PREFETCH_AHEAD / 2)
            && let Some(&id) = self.kept.get(*number as usize)
        {
            self.builder.prefetch_entry(id);
        }
    }

    /// Adds the records; `None` if they do not follow each other as the decoder sends them
    /// (a caller before any entry, a number never kept), which the decoder never does.
    pub(super) fn apply(&mut self, records: &[Record]) -> Option<()> {
        for (i, record) in records.iter().enumerate() {
            self.prefetch(records, i);
            match *record {
                Record::Entry(key, stats) => {
                    let id = self.key(key)?;
                    self.end_entry();
                    self.entry = Some((id, stats));
                }
                Record::Caller(key, call) => {
                    self.entry.as_ref()?;
                    let id = self.key(key)?;
                    self.callers.push((id, call));
                }
            }
        }
        Some(())
    }

    fn end_entry(&mut self) {
        if let Some((key, stats)) = self.entry.take() {
            self.builder
                .add_entry(key, stats, self.callers.drain(..), Merge::Replace);
        }
    }

    /// The profile, with the strings the decoder interned.
    pub(super) fn finish(mut self, strings: crate::model::Interner) -> Profile {
        self.end_entry();
        self.builder.strings = strings;
        self.builder.finish()
    }
}

/// Where the decoder's records go: a chunk at a time, to the build on this thread or over a
/// bounded channel to the build's thread.
pub(super) struct Sink {
    chunk: Vec<Record>,
    to: To,
}

enum To {
    Here(Box<Build>),
    Thread {
        full: SyncSender<Vec<Record>>,
        /// Chunks the build has emptied, to fill again instead of allocating.
        empty: Receiver<Vec<Record>>,
    },
    /// Kept for whoever reads the records back ([`Sink::take`]).
    Kept,
}

impl Sink {
    /// Records applied to `build` on this thread.
    pub(super) fn here(build: Build) -> Sink {
        Sink {
            chunk: Vec::with_capacity(CHUNK),
            to: To::Here(Box::new(build)),
        }
    }

    /// Records sent over `full`; emptied chunks come back over `empty`.
    pub(super) fn thread(full: SyncSender<Vec<Record>>, empty: Receiver<Vec<Record>>) -> Sink {
        Sink {
            chunk: Vec::with_capacity(CHUNK),
            to: To::Thread { full, empty },
        }
    }

    /// Records kept in the sink, to take back with [`Sink::take`].
    pub(super) fn records() -> Sink {
        Sink {
            chunk: Vec::new(),
            to: To::Kept,
        }
    }

    /// The records kept so far (see [`Sink::records`]), taken out.
    pub(super) fn take(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.chunk)
    }

    /// Adds a record. Records are handed on only between entries ([`Sink::flush_if_full`]),
    /// so that the records of an entry not finished can be taken back ([`Sink::truncate`]).
    #[inline]
    pub(super) fn push(&mut self, record: Record) {
        self.chunk.push(record);
    }

    /// Records pushed and not yet handed on.
    #[inline]
    pub(super) fn pending(&self) -> usize {
        self.chunk.len()
    }

    /// Takes back the records pushed after the first `len` not yet handed on.
    pub(super) fn truncate(&mut self, len: usize) {
        self.chunk.truncate(len);
    }

    /// Hands the records on once a chunk is full (or more: an entry's callers are never
    /// split); `None` if the build has stopped.
    #[inline]
    pub(super) fn flush_if_full(&mut self) -> Option<()> {
        if self.chunk.len() >= CHUNK {
            return self.flush();
        }
        Some(())
    }

    /// Hands the records so far on; `None` if the build has stopped.
    #[cold]
    pub(super) fn flush(&mut self) -> Option<()> {
        match &mut self.to {
            To::Here(build) => {
                build.apply(&self.chunk)?;
                self.chunk.clear();
            }
            To::Thread { full, empty } => {
                let next = match empty.try_recv() {
                    Ok(mut chunk) => {
                        chunk.clear();
                        chunk
                    }
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                        Vec::with_capacity(CHUNK)
                    }
                };
                full.send(std::mem::replace(&mut self.chunk, next)).ok()?;
            }
            To::Kept => {}
        }
        Some(())
    }

    /// The build, when it ran on this thread (after a last [`Sink::flush`]).
    pub(super) fn into_build(self) -> Option<Build> {
        match self.to {
            To::Here(build) => Some(*build),
            To::Thread { .. } | To::Kept => None,
        }
    }
}

/// The build's thread: applies the chunks as they come and sends each back emptied, until the
/// decoder drops its sender. `None` if a chunk did not apply (the decoder then finds the
/// channel closed and stops).
pub(super) fn build_thread(
    mut build: Build,
    full: Receiver<Vec<Record>>,
    empty: std::sync::mpsc::Sender<Vec<Record>>,
) -> Option<Build> {
    for chunk in full {
        build.apply(&chunk)?;
        // The decoder may have finished and gone: then the chunk is simply freed.
        let _ = empty.send(chunk);
    }
    Some(build)
}
