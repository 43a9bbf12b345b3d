//! The callers of a few functions, read after the rest of the profile (docs/design.md, "Callers
//! of a few functions").
//!
//! A report on the callers of N functions needs the figures of all of them, to choose the N,
//! and the callers dicts of those N only. The first read goes without callers and keeps a
//! [`Log`]: where each entry starts, and the decoder's `FLAG_REF` slots as they are at the end.
//! A callers dict is then decoded again from its entry's start with those slots, which hold
//! every object a reference in it can name: marshal numbers the slots in file order, so the
//! first read filled each of them before the end.

use std::borrow::Cow;
use std::ops::Range;

use super::records::{Key, Record, Sink};
use super::{Reader, Slot};
use crate::marshal::Scanner;
use crate::model::{CallStats, FunctionKey, Interner, Sym};

/// What the read without callers keeps for [`callers_of`].
#[derive(Default)]
pub(in crate::read::cprofile) struct Log {
    /// Where each entry starts, by entry number.
    pub(super) entry_starts: Vec<u32>,
    /// Where the dict's closing `0` is, once read.
    pub(super) dict_end: Option<u32>,
    /// The key kept under each number (see [`Key::NewKept`]).
    pub(super) kept_keys: Vec<FunctionKey>,
    /// The number of the first entry whose callers dict is not empty (pstats prints the
    /// sub-heading of a callers report from its first caller's figures).
    pub(in crate::read::cprofile) first_with_callers: Option<u32>,
    /// The decoder's tables at the end of the read.
    tables: Option<Tables>,
}

/// The decoder's tables of shared objects, as the first read left them.
struct Tables {
    slots: Vec<Slot>,
    interned: Vec<Sym>,
    numbers: Vec<u64>,
    raw_keys: Vec<FunctionKey>,
}

/// The length of a [`Log`]'s lists at an entry's start, to go back to.
#[derive(Default)]
pub(super) struct LogCheckpoint {
    entry_starts: usize,
    kept_keys: usize,
    first_with_callers: Option<u32>,
}

impl LogCheckpoint {
    pub(super) fn of(log: Option<&Log>) -> LogCheckpoint {
        match log {
            None => LogCheckpoint::default(),
            Some(log) => LogCheckpoint {
                entry_starts: log.entry_starts.len(),
                kept_keys: log.kept_keys.len(),
                first_with_callers: log.first_with_callers,
            },
        }
    }
}

impl Log {
    pub(super) fn rollback(&mut self, at: &LogCheckpoint) {
        self.entry_starts.truncate(at.entry_starts);
        self.kept_keys.truncate(at.kept_keys);
        self.first_with_callers = at.first_with_callers;
        self.dict_end = None;
    }

    /// The current entry's callers dict is empty or not.
    #[inline]
    pub(super) fn saw_callers(&mut self, any: bool) {
        if any && self.first_with_callers.is_none() {
            self.first_with_callers = Some(self.entry_starts.len().saturating_sub(1) as u32);
        }
    }

    /// How many entries the dict has.
    pub(in crate::read::cprofile) fn entries(&self) -> usize {
        self.entry_starts.len()
    }

    /// How many bytes the dict's entries take.
    pub(in crate::read::cprofile) fn dict_bytes(&self) -> usize {
        match (self.entry_starts.first(), self.dict_end) {
            (Some(&start), Some(end)) => end.saturating_sub(start) as usize,
            _ => 0,
        }
    }

    /// The bytes of entry `entry`, from its key to the end of its callers dict.
    pub(in crate::read::cprofile) fn entry_range(&self, entry: usize) -> Option<Range<usize>> {
        let start = *self.entry_starts.get(entry)?;
        let end = match self.entry_starts.get(entry + 1) {
            Some(&next) => next,
            None => self.dict_end?,
        };
        (start <= end).then_some(start as usize..end as usize)
    }
}

impl Reader<'_> {
    /// Starts keeping a [`Log`].
    pub(super) fn keep_log(&mut self) {
        self.log = Some(Box::default());
    }

    /// The log, with the tables as this read left them; `None` if none was kept or the dict
    /// was not read to its end.
    pub(super) fn take_log(&mut self) -> Option<Box<Log>> {
        let mut log = self.log.take()?;
        log.dict_end?;
        log.tables = Some(Tables {
            slots: std::mem::take(&mut self.slots),
            interned: std::mem::take(&mut self.interned),
            numbers: std::mem::take(&mut self.numbers),
            raw_keys: std::mem::take(&mut self.raw_keys),
        });
        Some(log)
    }
}

/// One entry read again: its key and its callers, in the dict's order (repeats included).
pub(in crate::read::cprofile) type EntryCallers = (FunctionKey, Vec<(FunctionKey, CallStats)>);

/// Reads again the entries `entries` (by number) with the tables `log` kept, each entry's bytes
/// from `bytes` (given [`Log::entry_range`]); `strings` are the first read's, which are given
/// back, with any string the bytes hold that the first read did not (bytes changed since).
/// `None` if an entry's bytes are not one whole entry of the shapes the first read took.
pub(in crate::read::cprofile) fn callers_of<'b>(
    mut log: Box<Log>,
    strings: Interner,
    entries: &[usize],
    mut bytes: impl FnMut(Range<usize>) -> Option<Cow<'b, [u8]>>,
) -> (Interner, Option<Vec<EntryCallers>>) {
    let Some(tables) = log.tables.take() else {
        return (strings, None);
    };
    let mut reader = Reader::new(Scanner::new(&[]), true, Sink::records());
    reader.slots = tables.slots;
    reader.interned = tables.interned;
    reader.numbers = tables.numbers;
    reader.raw_keys = tables.raw_keys;
    reader.strings = strings;
    reader.kept = log.kept_keys.len() as u32;
    let ranges: Option<Vec<Range<usize>>> = entries.iter().map(|&e| log.entry_range(e)).collect();
    // The keys kept while reading again (a caller's key kept for the first time) are numbered
    // after the first read's: the log goes on keeping them. (Its other lists grow or not as
    // the entries are read again; nothing reads them after this.)
    reader.log = Some(log);
    let mut read = Vec::with_capacity(entries.len());
    let mut failed = ranges.is_none();
    for range in ranges.into_iter().flatten() {
        let Some(entry_bytes) = bytes(range) else {
            failed = true;
            break;
        };
        let mut here = reader.rescan(Scanner::new(&entry_bytes));
        let entry = here.entry_again();
        reader = here.rescan(Scanner::new(&[]));
        match entry {
            Some(entry) => read.push(entry),
            None => {
                failed = true;
                break;
            }
        }
    }
    (reader.strings, (!failed).then_some(read))
}

impl Reader<'_> {
    /// The entry the scanner holds, whole, read with the tables of the first read.
    fn entry_again(&mut self) -> Option<EntryCallers> {
        self.undo.clear();
        let key = self.key()?;
        let key = self.key_of(key)?;
        self.function_stats(Key::New(key))?;
        if self.scan.remaining() != 0 {
            return None;
        }
        let records = self.out.take();
        let mut callers = Vec::with_capacity(records.len().saturating_sub(1));
        for record in &records[1..] {
            let Record::Caller(caller, call) = *record else {
                return None;
            };
            callers.push((self.key_of(caller)?, call));
        }
        Some((key, callers))
    }

    fn key_of(&self, key: Key) -> Option<FunctionKey> {
        match key {
            Key::New(key) | Key::NewKept(key) => Some(key),
            Key::Seen(number) => self.log.as_ref()?.kept_keys.get(number as usize).copied(),
        }
    }
}
