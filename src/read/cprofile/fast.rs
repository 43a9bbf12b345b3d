//! The fast path for stats dumps: decodes the marshal bytes straight into the [`Builder`],
//! knowing the dict's shape, without building marshal values first.
//!
//! It accepts the shapes cProfile, `profile` (by API), yappi and pstats write, from every
//! Python, and nothing else: on anything it does not expect (a code object as a name, a
//! reference to an object it did not keep, a non-ASCII Latin-1 string, a NULL value, or any
//! malformed data) it gives up and the general reader reads the file again, either to the same
//! profile by the slow road or to an error that says what is wrong and where. So it never has
//! to explain a problem, only to agree with the general reader wherever it succeeds; the tests
//! hold it to that on every fixture, and a fuzz target on arbitrary input.
//!
//! Each object costs a type byte dispatch and its payload; a function key costs one hash
//! lookup unless it is a reference to a key tuple already seen, and a string one interning
//! unless it is a reference.

use std::sync::mpsc;

pub(super) mod lazy;
mod stream;
pub(super) use stream::{read_stream, read_stream_logged};

use super::records::{self, Build, Key, Record, Sink};
use crate::marshal::{FLAG_REF, Scanner};
use crate::model::{CallStats, FunctionKey, FunctionStats, Interner, Profile, Sym};

/// The type byte of an int that takes a slot.
const INT_REF: u8 = b'i' | FLAG_REF;

/// What a `FLAG_REF` slot holds, as far as this reader needs to know: 8 bytes.
#[derive(Clone, Copy)]
enum Slot {
    /// Taken, object not complete yet: a reference to it is a cycle.
    Reserved,
    /// An object this reader does not keep (a container other than a key): a reference to it
    /// sends the file to the general reader.
    Other,
    /// An integer within 32 bits (call counts and line numbers are).
    Int(i32),
    /// A larger integer, by index into `numbers`.
    Int64(u32),
    /// A float, by index into `numbers`.
    Float(u32),
    Str(Sym),
    /// A key tuple, by the number it was kept under (see [`Key::NewKept`]).
    Key(u32),
    /// A key tuple seen only as a caller while callers are not read: not looked up unless
    /// an entry names it. By index into `raw_keys`.
    RawKey(u32),
}

struct Reader<'a> {
    scan: Scanner<'a>,
    slots: Vec<Slot>,
    /// Python 2's interned-string table (`t`), for `R`.
    interned: Vec<Sym>,
    /// Values of shared numbers (as bits; `Slot` says which kind).
    numbers: Vec<u64>,
    strings: Interner,
    /// Where the entries go.
    out: Sink,
    /// How many keys have been kept (see [`Key::NewKept`]).
    kept: u32,
    /// Whether to read the callers dicts into edges, or only to step through them.
    callers: bool,
    raw_keys: Vec<FunctionKey>,
    /// The slots that hold pstats' top-level mark as a key, in increasing order (slots are
    /// filled in order): without `callers`, the only caller keys looked at.
    mark_slots: Vec<u32>,
    /// pstats' top-level mark as a key, once seen.
    mark: Option<FunctionKey>,
    /// Slots referred to as callers' keys without callers, not yet checked to hold keys (see
    /// [`Reader::mark_ref`]).
    key_refs: Vec<u32>,
    /// The slots the current entry changed that it did not take, with what they held: what
    /// [`Reader::rollback`] puts back.
    undo: Vec<(usize, Slot)>,
    /// What a later read of some entries' callers needs (see [`lazy`]), when it is kept.
    log: Option<Box<lazy::Log>>,
    /// The offset in the input of the scanner's first byte: a window's start when streaming.
    base: u32,
}

/// Where the reader stood at the start of an entry (see [`Reader::checkpoint`]).
struct Checkpoint {
    slots: usize,
    interned: usize,
    numbers: usize,
    kept: u32,
    raw_keys: usize,
    mark_slots: usize,
    mark: Option<FunctionKey>,
    key_refs: usize,
    records: usize,
    log: lazy::LogCheckpoint,
}

/// How many references to callers' keys are checked at a time (see [`Reader::check_keys`]):
/// 16 KiB of indices, which stay in the cache.
const KEY_REFS_CHECKED_AT: usize = 4096;

/// Reads a stats dump, or `None` where the general reader must take over. Without `callers`,
/// the profile has no edges (see [`crate::ReadOptions`]).
#[cfg(any(test, fuzzing))]
pub(super) fn read(input: &[u8], callers: bool) -> Option<Profile> {
    use crate::threads::{self, Threads};
    read_on(
        input,
        callers,
        Threads::Auto.two_from(input.len(), threads::STATS_DECODE),
    )
}

/// [`read`], on two threads or on this one.
pub(super) fn read_on(input: &[u8], callers: bool, two_threads: bool) -> Option<Profile> {
    read_whole(input, callers, false, two_threads).map(|(profile, _)| profile)
}

/// [`read_on`] without callers, keeping the [`lazy::Log`] that reading some entries' callers
/// afterwards needs ([`lazy::callers_of`]).
pub(super) fn read_logged(input: &[u8], two_threads: bool) -> Option<(Profile, Box<lazy::Log>)> {
    let (profile, log) = read_whole(input, false, true, two_threads)?;
    Some((profile, log?))
}

/// [`read_on`], keeping a [`lazy::Log`] if `log` is set.
fn read_whole(
    input: &[u8],
    callers: bool,
    log: bool,
    two_threads: bool,
) -> Option<(Profile, Option<Box<lazy::Log>>)> {
    // Ids and offsets are 32-bit; the general reader says why a larger input is refused.
    u32::try_from(input.len()).ok()?;
    build_from(input.len(), callers, two_threads, |out| {
        let mut reader = Reader::new(Scanner::new(input), callers, out);
        if log {
            reader.keep_log();
        }
        reader.dict()?;
        reader.out.flush()?;
        let log = reader.take_log();
        Some((reader.strings, reader.out, log))
    })
}

/// Runs `decode` on this thread, its records built into a profile on a second thread or on
/// this one; `len` is the input's size. `decode` gives the strings it interned, the sink,
/// flushed, and whatever else it kept, or `None` where the general reader must take over.
fn build_from<T>(
    len: usize,
    callers: bool,
    two_threads: bool,
    decode: impl FnOnce(Sink) -> Option<(Interner, Sink, T)>,
) -> Option<(Profile, T)> {
    // A 43 MB dump has about 300k functions; about 140 bytes each.
    let functions = len / 140;
    let (decoded, build) = if two_threads {
        let (full_tx, full_rx) = mpsc::sync_channel(records::IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::channel();
        std::thread::scope(|scope| {
            let builder = scope.spawn(move || {
                records::build_thread(Build::with_capacity(functions), full_rx, empty_tx)
            });
            // The sink (the sender) is dropped before the join, so the build's thread ends
            // whether the decoding succeeds or not; if the build fails or panics, the
            // decoder's next send fails and it stops.
            let decoded = decode(Sink::thread(full_tx, empty_rx))
                .map(|(strings, _sink, kept)| (strings, kept));
            let build = builder
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (decoded, build)
        })
    } else {
        let (strings, sink, kept) = decode(Sink::here(Build::with_capacity(functions)))?;
        (Some((strings, kept)), sink.into_build())
    };
    let (strings, kept) = decoded?;
    let profile = build?.finish(strings);
    // The top-level functions were found through their edges from pstats' mark, the only
    // edges kept without `callers`.
    let profile = if callers {
        profile
    } else {
        profile.without_edges()
    };
    Some((profile, kept))
}

impl<'a> Reader<'a> {
    fn new(scan: Scanner<'a>, callers: bool, out: Sink) -> Reader<'a> {
        Reader {
            scan,
            slots: Vec::new(),
            interned: Vec::new(),
            numbers: Vec::new(),
            strings: Interner::default(),
            out,
            kept: 0,
            callers,
            raw_keys: Vec::new(),
            mark_slots: Vec::new(),
            mark: None,
            key_refs: Vec::new(),
            undo: Vec::new(),
            log: None,
            base: 0,
        }
    }

    /// The same reader over other bytes: what it has read so far stays, and it goes on at the
    /// start of `scan` (see [`stream`]).
    fn rescan<'b>(self, scan: Scanner<'b>) -> Reader<'b> {
        Reader {
            scan,
            slots: self.slots,
            interned: self.interned,
            numbers: self.numbers,
            strings: self.strings,
            out: self.out,
            kept: self.kept,
            callers: self.callers,
            raw_keys: self.raw_keys,
            mark_slots: self.mark_slots,
            mark: self.mark,
            key_refs: self.key_refs,
            undo: self.undo,
            log: self.log,
            base: self.base,
        }
    }

    /// Where the reader stands, to go back to with [`Reader::rollback`] if the entry that
    /// follows turns out cut short. The strings an abandoned entry interned stay interned: read
    /// again, it interns the same strings in the same order.
    fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            slots: self.slots.len(),
            interned: self.interned.len(),
            numbers: self.numbers.len(),
            kept: self.kept,
            raw_keys: self.raw_keys.len(),
            mark_slots: self.mark_slots.len(),
            mark: self.mark,
            key_refs: self.key_refs.len(),
            records: self.out.pending(),
            log: lazy::LogCheckpoint::of(self.log.as_deref()),
        }
    }

    /// Back to `at`, taken before the entry now abandoned.
    fn rollback(&mut self, at: &Checkpoint) {
        while let Some((index, slot)) = self.undo.pop() {
            self.slots[index] = slot;
        }
        self.slots.truncate(at.slots);
        self.interned.truncate(at.interned);
        self.numbers.truncate(at.numbers);
        self.kept = at.kept;
        self.raw_keys.truncate(at.raw_keys);
        self.mark_slots.truncate(at.mark_slots);
        self.mark = at.mark;
        self.key_refs.truncate(at.key_refs);
        self.out.truncate(at.records);
        if let Some(log) = &mut self.log {
            log.rollback(&at.log);
        }
    }

    /// Takes the next slot if the type byte asks for one.
    #[inline]
    fn reserve(&mut self, code: u8) -> Option<usize> {
        if code & FLAG_REF == 0 {
            return None;
        }
        self.slots.push(Slot::Reserved);
        Some(self.slots.len() - 1)
    }

    #[inline]
    fn fill(&mut self, slot: Option<usize>, value: Slot) {
        if let Some(slot) = slot {
            self.slots[slot] = value;
        }
    }

    /// If a reference (`r` and its index) comes next, moves past it and gives the slot.
    #[inline]
    fn next_ref(&mut self) -> Option<Slot> {
        let [b'r', a, b, c, d, ..] = *self.scan.rest() else {
            return None;
        };
        self.scan.skip(5);
        Some(*self.slots.get(u32::from_le_bytes([a, b, c, d]) as usize)?)
    }

    /// The top-level dict: `{key: (cc, nc, tt, ct, callers)}`.
    fn dict(&mut self) -> Option<()> {
        let slot = self.dict_header()?;
        while self.entry()? {
            self.out.flush_if_full()?;
        }
        // A reference to the top-level dict is nonsense; the general reader handles it.
        self.fill(slot, Slot::Other);
        Some(())
    }

    /// The dict's next entry, its records pushed to the sink: `Some(false)` at the dict's end
    /// (its `0` left unread).
    #[inline]
    fn entry(&mut self) -> Option<bool> {
        self.undo.clear();
        let end = self.scan.peek()? == b'0';
        if let Some(log) = &mut self.log {
            let at = self.base + self.scan.position() as u32;
            match end {
                true => log.dict_end = Some(at),
                false => log.entry_starts.push(at),
            }
        }
        if end {
            self.check_keys()?;
            return Some(false);
        }
        let key = self.key()?;
        self.function_stats(key)?;
        Some(true)
    }

    /// `(cc, nc, tt, ct, callers)` of the function `key`, sent as its entry and its callers.
    fn function_stats(&mut self, key: Key) -> Option<()> {
        self.tuple(5)?;
        let stats = FunctionStats {
            primitive_calls: self.int()?,
            calls: self.int()?,
            tottime: self.seconds()?,
            cumtime: self.seconds()?,
        };
        self.out.push(Record::Entry(key, stats));
        let slot = self.dict_header()?;
        if let Some(log) = &mut self.log {
            log.saw_callers(self.scan.peek()? != b'0');
        }
        while self.scan.peek()? != b'0' {
            if let Some((index, call)) = self.common_caller_entry() {
                if self.callers {
                    let caller = self.key_ref(index)?;
                    self.out.push(Record::Caller(caller, call));
                } else if let Some(mark) = self.mark_ref(index)? {
                    self.out.push(Record::Caller(Key::New(mark), call));
                }
                continue;
            }
            if self.callers {
                let caller = self.key()?;
                let call = self.call_stats()?;
                self.out.push(Record::Caller(caller, call));
            } else {
                let mark = self.unresolved_key()?;
                let call = self.call_stats()?;
                if let Some(mark) = mark {
                    self.out.push(Record::Caller(Key::New(mark), call));
                }
            }
        }
        self.scan.byte();
        self.fill(slot, Slot::Other);
        Some(())
    }

    /// A dict's type byte, and the slot the dict takes, if any (its caller fills it once the
    /// dict is read).
    #[inline]
    fn dict_header(&mut self) -> Option<Option<usize>> {
        let code = self.scan.byte()?;
        (code & !FLAG_REF == b'{').then(|| self.reserve(code))
    }

    /// A tuple header of exactly `len` elements, and the slot the tuple takes, if any.
    #[inline]
    fn tuple_header(&mut self, len: usize) -> Option<Option<usize>> {
        let code = self.scan.byte()?;
        let ty = code & !FLAG_REF;
        if !matches!(ty, b'(' | b')') || self.scan.count(ty)? != len {
            return None;
        }
        Some(self.reserve(code))
    }

    /// A tuple header of exactly `len` elements. The tuple itself is not kept.
    #[inline]
    fn tuple(&mut self, len: usize) -> Option<()> {
        let slot = self.tuple_header(len)?;
        self.fill(slot, Slot::Other);
        Some(())
    }

    /// `(nc, cc, tt, ct)` from cProfile, or a call count from `profile`.
    fn call_stats(&mut self) -> Option<CallStats> {
        // A caller whose key is written out here (its first appearance) has the common tuple.
        let rest = self.scan.rest();
        if let [b')', 4, ..] = *rest
            && let Some(call) = self.common_call_stats(rest, 2)
        {
            return Some(call);
        }
        let code = self.scan.peek()?;
        if matches!(code & !FLAG_REF, b'(' | b')') {
            self.tuple(4)?;
            return Some(CallStats::Timed {
                calls: self.int()?,
                primitive_calls: self.int()?,
                tottime: self.seconds()?,
                cumtime: self.seconds()?,
            });
        }
        Some(CallStats::Count(self.int()?))
    }

    /// A caller's key, or a reference to one, stepped through without looking it up: the key
    /// itself if it is pstats' top-level mark.
    #[inline]
    fn unresolved_key(&mut self) -> Option<Option<FunctionKey>> {
        if let [b'r', a, b, c, d, ..] = *self.scan.rest() {
            self.scan.skip(5);
            return self.mark_ref(u32::from_le_bytes([a, b, c, d]) as usize);
        }
        let (key, slot) = self.key_tuple()?;
        if slot.is_some() {
            self.raw_keys.push(key);
            self.fill(slot, Slot::RawKey(self.raw_keys.len() as u32 - 1));
        }
        Some(self.is_top_level_mark(&key).then_some(key))
    }

    /// A reference to a key, by slot index, stepped through without looking it up: the key
    /// itself if it is pstats' top-level mark.
    ///
    /// That the slot holds a key is checked later, a batch at a time ([`Reader::check_keys`]):
    /// loading it here, at a random place in the table, was a fifth of a read's time. The
    /// answer is the same then: a slot taken and not yet filled when a caller refers to it is
    /// a container's (the top-level dict, or the entry's callers dict), which never holds a
    /// key, and a filled slot holds a key for good or never does.
    #[inline]
    fn mark_ref(&mut self, index: usize) -> Option<Option<FunctionKey>> {
        if index >= self.slots.len() {
            return None;
        }
        self.key_refs.push(index as u32);
        if self.key_refs.len() >= KEY_REFS_CHECKED_AT {
            self.check_keys()?;
        }
        if self.mark_slots.is_empty() || self.mark_slots.binary_search(&(index as u32)).is_err() {
            return Some(None);
        }
        self.mark.map(Some)
    }

    /// Checks that the slots [`Reader::mark_ref`] was given hold keys; `None` if one does not.
    /// Those checked are forgotten only if they all do: a windowed read that takes the `None`
    /// for an entry cut short rolls the entry back and decodes it again, and must find the
    /// same bad reference still there (see [`stream`]).
    #[cold]
    fn check_keys(&mut self) -> Option<()> {
        // The loads do not depend on each other: the processor overlaps them.
        let slots = &self.slots;
        let keys = self.key_refs.iter().all(|&index| {
            matches!(
                slots.get(index as usize),
                Some(Slot::Key(_) | Slot::RawKey(_))
            )
        });
        if keys {
            self.key_refs.clear();
        }
        keys.then_some(())
    }

    /// A reference to a key, by slot index.
    #[inline]
    fn key_ref(&mut self, index: usize) -> Option<Key> {
        match *self.slots.get(index)? {
            Slot::Key(number) => Some(Key::Seen(number)),
            Slot::RawKey(i) => {
                let key = *self.raw_keys.get(i as usize)?;
                self.undo.push((index, Slot::RawKey(i)));
                self.slots[index] = Slot::Key(self.keep(key));
                Some(Key::NewKept(key))
            }
            _ => None,
        }
    }

    /// The number `key` is kept under: the next (see [`Key::NewKept`]).
    #[inline]
    fn keep(&mut self, key: FunctionKey) -> u32 {
        if let Some(log) = &mut self.log {
            log.kept_keys.push(key);
        }
        self.kept += 1;
        self.kept - 1
    }

    /// A caller entry in its common layout, decoded in one go: a reference to a key (`r` and
    /// its index), then a 4-tuple written without `FLAG_REF` (`)` and 4) of two ints and two
    /// binary floats, each int an `i`, flagged or not, or a reference to an int, each float an
    /// unflagged `g`. Gives the key's slot index and the figures; for any other layout `None`,
    /// having consumed nothing and taken no slot, and the general step reads the entry.
    #[inline]
    fn common_caller_entry(&mut self) -> Option<(usize, CallStats)> {
        let rest = self.scan.rest();
        let [b'r', a, b, c, d, b')', 4, ..] = *rest else {
            return None;
        };
        let call = self.common_call_stats(rest, 7)?;
        Some((u32::from_le_bytes([a, b, c, d]) as usize, call))
    }

    /// The tuple of [`Reader::common_caller_entry`], its figures from `rest[at..]` on: moves
    /// past the entry, or gives `None` having consumed nothing and taken no slot.
    #[inline(always)]
    fn common_call_stats(&mut self, rest: &[u8], at: usize) -> Option<CallStats> {
        let taken = self.slots.len();
        let call = self.common_figures(rest, at);
        match call {
            Some((end, call)) => {
                self.scan.skip(end);
                Some(call)
            }
            None => {
                // An `i` with FLAG_REF may have taken a slot before the layout turned out other.
                self.slots.truncate(taken);
                None
            }
        }
    }

    /// The figures of [`Reader::common_call_stats`] and the offset in `rest` after them.
    #[inline(always)]
    fn common_figures(&mut self, rest: &[u8], mut at: usize) -> Option<(usize, CallStats)> {
        let calls = self.int_at(rest, &mut at)?;
        let primitive_calls = self.int_at(rest, &mut at)?;
        let floats: [u8; 18] = rest.get(at..at + 18)?.try_into().ok()?;
        let [
            b'g',
            t0,
            t1,
            t2,
            t3,
            t4,
            t5,
            t6,
            t7,
            b'g',
            c0,
            c1,
            c2,
            c3,
            c4,
            c5,
            c6,
            c7,
        ] = floats
        else {
            return None;
        };
        let call = CallStats::Timed {
            calls,
            primitive_calls,
            tottime: f64::from_le_bytes([t0, t1, t2, t3, t4, t5, t6, t7]),
            cumtime: f64::from_le_bytes([c0, c1, c2, c3, c4, c5, c6, c7]),
        };
        Some((at + 18, call))
    }

    /// An int at `rest[*at..]` written as `i` (flagged or not: a flagged one takes its slot) or
    /// a reference to an int, moving `at` past it; `None` for anything else, with no slot taken.
    #[inline(always)]
    fn int_at(&mut self, rest: &[u8], at: &mut usize) -> Option<i64> {
        let [code, a, b, c, d]: [u8; 5] = rest.get(*at..*at + 5)?.try_into().ok()?;
        let raw = u32::from_le_bytes([a, b, c, d]);
        let value = match code {
            b'r' => match *self.slots.get(raw as usize)? {
                Slot::Int(v) => i64::from(v),
                Slot::Int64(i) => self.numbers[i as usize] as i64,
                _ => return None,
            },
            b'i' => i64::from(raw as i32),
            INT_REF => {
                self.slots.push(Slot::Int(raw as i32));
                i64::from(raw as i32)
            }
            _ => return None,
        };
        *at += 5;
        Some(value)
    }

    fn is_top_level_mark(&self, key: &FunctionKey) -> bool {
        let (file, line, name) = crate::model::TOP_LEVEL_MARK;
        let strings = &self.strings;
        key.line == line && strings.get(key.name) == name && strings.get(key.file) == file
    }

    /// A function key `(file, line, name)`, or a reference to one.
    #[inline]
    fn key(&mut self) -> Option<Key> {
        if let [b'r', a, b, c, d, ..] = *self.scan.rest() {
            self.scan.skip(5);
            return self.key_ref(u32::from_le_bytes([a, b, c, d]) as usize);
        }
        let (key, slot) = self.key_tuple()?;
        Some(match slot {
            Some(slot) => {
                self.slots[slot] = Slot::Key(self.keep(key));
                Key::NewKept(key)
            }
            None => Key::New(key),
        })
    }

    /// A key tuple `(file, line, name)` written out (not a reference), and the slot it takes.
    #[inline]
    fn key_tuple(&mut self) -> Option<(FunctionKey, Option<usize>)> {
        let slot = self.tuple_header(3)?;
        let key = FunctionKey {
            file: self.string()?,
            line: self.int()?,
            name: self.string()?,
        };
        if let Some(slot) = slot
            && self.is_top_level_mark(&key)
        {
            self.mark_slots.push(slot as u32);
            self.mark = Some(key);
        }
        Some((key, slot))
    }

    /// A string of any type, interned, or a reference to one.
    #[inline]
    fn string(&mut self) -> Option<Sym> {
        if let [b'r', ..] = self.scan.rest() {
            return match self.next_ref()? {
                Slot::Str(sym) => Some(sym),
                _ => None,
            };
        }
        let code = self.scan.byte()?;
        let ty = code & !FLAG_REF;
        if ty == b'R' {
            let index = usize::try_from(self.scan.i32()?).ok()?;
            return self.interned.get(index).copied();
        }
        let slot = self.reserve(code);
        let bytes = self.scan.string(ty)?;
        // As the general reader decodes them: UTF-8 types as UTF-8, the others as Latin-1 (the
        // slow road handles the rare non-ASCII Latin-1 and invalid UTF-8).
        let text = match ty {
            b'a' | b'A' | b'z' | b'Z' if !bytes.is_ascii() => return None,
            _ => std::str::from_utf8(bytes).ok()?,
        };
        let sym = self.strings.intern(text);
        if ty == b't' {
            self.interned.push(sym);
        }
        self.fill(slot, Slot::Str(sym));
        Some(sym)
    }

    /// An integer that fits in `i64`, or a reference to one.
    #[inline]
    fn int(&mut self) -> Option<i64> {
        // Nearly every integer is a reference to a shared small int or a 32-bit one.
        let mut at = 0;
        match self.int_at(self.scan.rest(), &mut at) {
            Some(value) => {
                self.scan.skip(at);
                Some(value)
            }
            None => self.other_int(),
        }
    }

    #[cold]
    fn other_int(&mut self) -> Option<i64> {
        let code = self.scan.byte()?;
        let value = match code & !FLAG_REF {
            b'i' => i64::from(self.scan.i32()?),
            b'I' => self.scan.i64()?,
            b'l' => self.scan.long()?,
            _ => return None,
        };
        if code & FLAG_REF != 0 {
            let slot = match i32::try_from(value) {
                Ok(small) => Slot::Int(small),
                Err(_) => {
                    self.numbers.push(value as u64);
                    Slot::Int64(self.numbers.len() as u32 - 1)
                }
            };
            self.slots.push(slot);
        }
        Some(value)
    }

    /// A time in seconds: a float, or an int (the `profile` module's fake entries), or a
    /// reference to one.
    #[inline]
    fn seconds(&mut self) -> Option<f64> {
        // Nearly every time is an unshared binary float.
        if let [b'g', a, b, c, d, e, f, g, h, ..] = *self.scan.rest() {
            self.scan.skip(9);
            return Some(f64::from_le_bytes([a, b, c, d, e, f, g, h]));
        }
        self.other_seconds()
    }

    #[cold]
    fn other_seconds(&mut self) -> Option<f64> {
        let code = self.scan.peek()?;
        let value = match code & !FLAG_REF {
            b'g' => {
                self.scan.byte();
                self.scan.f64()?
            }
            b'f' => {
                self.scan.byte();
                self.scan.text_float()?
            }
            b'r' => {
                return match self.next_ref()? {
                    Slot::Float(i) => Some(f64::from_bits(self.numbers[i as usize])),
                    Slot::Int(v) => Some(f64::from(v)),
                    Slot::Int64(i) => Some(self.numbers[i as usize] as i64 as f64),
                    _ => None,
                };
            }
            _ => return self.int().map(|i| i as f64),
        };
        if code & FLAG_REF != 0 {
            self.numbers.push(value.to_bits());
            self.slots.push(Slot::Float(self.numbers.len() as u32 - 1));
        }
        Some(value)
    }
}
