//! A marshalled stats dict → [`Profile`]: dumps from cProfile and the pure-Python `profile`
//! module (every CPython from 2.7, and PyPy), yappi's pstat output and pstats' own
//! `dump_stats` (merged or stripped dumps).
//!
//! The shape (docs/formats.md, "The `.stats` dict"):
//! `{(file, line, name): (cc, nc, tt, ct, callers)}` with
//! `callers = {(file, line, name): (nc, cc, tt, ct)}` from cProfile or `{key: count}` from
//! `profile`. A key's name may be a code object (`python -m profile -o`); it is named the way
//! Python's `repr` names it.

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

use crate::error::Error;
use crate::format::{Detected, InputFormat};
use crate::marshal::{Decoder, DictItems, Items, Kind, Shared, Value};
use crate::model::{
    Builder, CallStats, FunctionId, FunctionKey, FunctionStats, KeyId, Measure, Merge, Profile, Sym,
};
use crate::read::ReadOptions;
use crate::threads::{self, Threads};

mod fast;
mod records;

/// Reads a stats dump from its bytes.
pub fn read(input: &[u8]) -> Result<Profile, Error> {
    read_with(input, &ReadOptions::default())
}

/// [`read`], with options.
pub fn read_with(input: &[u8], options: &ReadOptions) -> Result<Profile, Error> {
    let two_threads = options.threads.two_from(input.len(), threads::STATS_DECODE);
    match fast::read_on(input, options.callers, two_threads) {
        Some(profile) => Ok(profile),
        None if options.callers => read_general(input),
        None => read_general(input).map(Profile::without_edges),
    }
}

/// Inputs read a window at a time rather than whole ([`read_file`]): from this size on, where
/// the fast path also runs on two threads.
const STREAM_FROM: u64 = threads::STATS_DECODE as u64;

/// Bytes read at a time when a stats dump is read a window at a time.
const WINDOW: usize = 1 << 20;

/// Reads the stats dump in `file` (`len` bytes) a window at a time, as the fast path takes it,
/// instead of copying it whole into memory first (docs/performance.md, "Round 6"): `Ok(None)`
/// if it is small, not a stats dump, or one the fast path does not take; the caller then reads
/// it whole.
pub(crate) fn read_file(
    file: &mut std::fs::File,
    len: u64,
    options: &ReadOptions,
) -> Result<Option<Profile>, Error> {
    let Some(first) = first_window(file, len)? else {
        return Ok(None);
    };
    Ok(fast::read_stream(
        file,
        len,
        first,
        options.callers,
        options.threads.two(),
        WINDOW,
    )?)
}

/// The first window of `file` (`len` bytes), if the file is to be read a window at a time: from
/// [`STREAM_FROM`] bytes on, and a stats dump.
fn first_window(file: &mut std::fs::File, len: u64) -> Result<Option<Vec<u8>>, Error> {
    if len < STREAM_FROM {
        return Ok(None);
    }
    let mut first = Vec::new();
    file.by_ref().take(WINDOW as u64).read_to_end(&mut first)?;
    let stats = super::detect(&first) == Detected::Profile(InputFormat::Stats);
    Ok(stats.then_some(first))
}

/// Reads a stats dump for a report on the callers of the functions `select` picks from it
/// without edges (see [`crate::read::read_callers_of`]).
pub(crate) fn read_callers_of(
    input: &[u8],
    threads: Threads,
    select: impl FnOnce(&Profile) -> Vec<FunctionId>,
) -> Result<Profile, Error> {
    let two_threads = threads.two_from(input.len(), threads::STATS_DECODE);
    let Some((profile, log)) = fast::read_logged(input, two_threads) else {
        // The fast path declines it with or without callers.
        return read_general(input);
    };
    let selected = select(&profile);
    let bytes = |range: Range<usize>| input.get(range).map(Cow::Borrowed);
    let lazy = match picks_few(&log, &selected) {
        true => with_callers(profile, log, &selected, bytes),
        false => None,
    };
    match lazy {
        Some(profile) => Ok(profile),
        // Most of it picked, or a key repeats in the dict: read it with all its edges.
        None => read_with(input, &with_threads(threads)),
    }
}

/// [`read_callers_of`] over a file, as [`read_file`] reads it. If it is small or not a stats
/// dump, `select` comes back unused and the caller reads the file whole.
pub(crate) fn read_file_callers_of<F: FnOnce(&Profile) -> Vec<FunctionId>>(
    file: &mut std::fs::File,
    len: u64,
    threads: Threads,
    select: F,
) -> Result<Result<Profile, F>, Error> {
    let opened = file.metadata()?.modified().ok();
    let Some(first) = first_window(file, len)? else {
        return Ok(Err(select));
    };
    let Some((profile, log)) = fast::read_stream_logged(file, len, first, threads.two(), WINDOW)?
    else {
        // The fast path declines it with or without callers.
        return Ok(Ok(read_general(&super::file::read_opened(
            file, len, threads,
        )?)?));
    };
    let selected = select(&profile);
    let mut window = ReadBack::default();
    let bytes = |range: Range<usize>| window.bytes(file, range).map(Cow::Owned);
    let lazy = match picks_few(&log, &selected) {
        true => with_callers(profile, log, &selected, bytes),
        false => None,
    };
    // Read again from a file that did not change (by its length and time) since it was opened.
    let metadata = file.metadata()?;
    if let Some(profile) = lazy
        && metadata.len() == len
        && metadata.modified().ok() == opened
    {
        return Ok(Ok(profile));
    }
    // Most of it picked, the file changed since it was opened, or a key repeats in its dict:
    // read it whole.
    let bytes = super::file::read_opened(file, len, threads)?;
    Ok(Ok(read_with(&bytes, &with_threads(threads))?))
}

/// Default options but for the threads.
fn with_threads(threads: Threads) -> ReadOptions {
    ReadOptions {
        threads,
        ..ReadOptions::default()
    }
}

/// The bytes of a file read again at offsets that go up, through a buffer of at least
/// [`WINDOW`] bytes: the chosen entries of a big file often lie close together (the first N in
/// file order), and one read for each would be a system call each.
#[derive(Default)]
struct ReadBack {
    buffer: Vec<u8>,
    /// Where the buffer starts in the file.
    start: usize,
}

impl ReadBack {
    /// The file's bytes `range`, or `None` if they cannot be read.
    fn bytes(&mut self, file: &mut std::fs::File, range: Range<usize>) -> Option<Vec<u8>> {
        let end = self.start + self.buffer.len();
        if range.start < self.start || range.end > end {
            let want = range.len().max(WINDOW);
            self.buffer.clear();
            self.buffer.try_reserve_exact(want).ok()?;
            file.seek(SeekFrom::Start(range.start as u64)).ok()?;
            file.by_ref()
                .take(want as u64)
                .read_to_end(&mut self.buffer)
                .ok()?;
            self.start = range.start;
        }
        let at = range.start - self.start;
        self.buffer.get(at..at + range.len()).map(<[u8]>::to_vec)
    }
}

/// Whether the entries of the `selected` functions hold at most a third of the dict's bytes.
/// Decoding them again costs more than decoding them the first time did, on one core: past a
/// third, reading the whole dump again with its edges, on two, is faster (docs/performance.md,
/// "Round 10").
fn picks_few(log: &fast::lazy::Log, selected: &[FunctionId]) -> bool {
    let size = |entry: usize| log.entry_range(entry).map_or(0, |range| range.len());
    let all = log.dict_bytes();
    let mut picked = 0;
    for id in selected {
        picked += size(id.index());
        if picked > all / 3 {
            return false;
        }
    }
    true
}

/// `profile`, read without edges with `log` kept, with the callers of the `selected`
/// functions read again from their entries' `bytes`; `None` if that cannot be done and the
/// dump must be read whole with its edges.
fn with_callers<'b>(
    mut profile: Profile,
    log: Box<fast::lazy::Log>,
    selected: &[FunctionId],
    bytes: impl FnMut(Range<usize>) -> Option<Cow<'b, [u8]>>,
) -> Option<Profile> {
    // Entry n is function n, unless a key repeats in the dict: a later entry then replaces the
    // callers of an earlier one.
    if log.entries() != profile.function_count() {
        return None;
    }
    let mut entries: Vec<usize> = selected
        .iter()
        .filter(|&&id| profile.is_listed(id))
        .map(|id| id.index())
        .collect();
    // pstats heads a callers report from the first callers dict that is not empty: with it
    // read too, `Profile::has_timed_edges` says what it says after a full read.
    entries.extend(log.first_with_callers.map(|entry| entry as usize));
    entries.sort_unstable();
    entries.dedup();
    let strings = profile.take_strings();
    let (strings, read) = fast::lazy::callers_of(log, strings, &entries, bytes);
    profile.set_strings(strings);
    let mut callers = Vec::with_capacity(entries.len());
    for (&entry, (key, list)) in entries.iter().zip(read?) {
        let id = FunctionId(entry as u32);
        if profile.key(id) != key {
            return None;
        }
        callers.push((id, list));
    }
    Some(profile.with_callers_of(callers))
}

/// Reads a stats dump through the general marshal decoder: every shape the fast path declines
/// (code-object names, shared containers), and every error, with its offset.
fn read_general(input: &[u8]) -> Result<Profile, Error> {
    let mut decoder = Decoder::new(input)?;
    // A 43 MB dump has about 300k functions; about 140 bytes each.
    let mut keys = KeyCache {
        builder: Builder::with_capacity(input.len() / 140),
        keys: SlotCache::default(),
        strings: SlotCache::default(),
    };
    let mut callers = Vec::new();
    let mut sampled = false;
    let is_dict = decoder.read_dict_entries(|key, value| -> Result<(), Error> {
        if is_sampled_marker(&key, &value) {
            sampled = true;
            return Ok(());
        }
        let key = keys.function_key(key)?;
        let (stats, callers_dict) = function_value(value)?;
        callers.clear();
        for (caller, call) in callers_dict {
            callers.push((keys.function_key(caller)?, call_stats(call)?));
        }
        let builder = &mut keys.builder;
        builder.add_entry(key, stats, callers.drain(..), Merge::Replace);
        Ok(())
    })?;
    if !is_dict {
        let found = decoder
            .read_object()
            .map(|v| describe(&v))
            .unwrap_or_else(|_| "no dict".into());
        return Err(Error::shape(0, "a dict of function statistics", found));
    }
    // The caches are not needed any more: free them before the profile is built.
    let KeyCache { builder, .. } = keys;
    let mut profile = builder.finish();
    if sampled {
        profile.set_measure(Measure::Samples { timed: true });
    }
    Ok(profile)
}

/// Python 3.15's sampling profiler marks its dumps with one extra entry,
/// `("__sampled__",): True` (docs/sampled-formats.md); it is no function.
fn is_sampled_marker(key: &Value<'_, '_>, value: &Value<'_, '_>) -> bool {
    let marker = key
        .as_tuple()
        .filter(|t| t.len() == 1)
        .and_then(|t| t.get(0));
    marker.is_some_and(|m| m.as_text().as_deref() == Some("__sampled__"))
        && value.as_bool() == Some(true)
}

fn describe(value: &Value<'_, '_>) -> String {
    let kind = value.kind();
    match kind {
        Kind::Tuple | Kind::List | Kind::Set | Kind::FrozenSet => {
            let n = value.as_sequence().map_or(0, |s| s.len());
            format!("a {} of {n}", format!("{kind:?}").to_lowercase())
        }
        Kind::Int => format!("the int {}", value.as_int().unwrap_or_default()),
        Kind::Str | Kind::Bytes => {
            let text = value.as_text().unwrap_or_default();
            let short: String = text.chars().take(40).collect();
            format!("the string {short:?}")
        }
        other => format!("a {}", format!("{other:?}").to_lowercase()),
    }
}

/// Values already converted, by the marshal slot of the shared object they came from.
struct SlotCache<T> {
    by_ref: Vec<Option<T>>,
    by_interned: Vec<Option<T>>,
}

impl<T> Default for SlotCache<T> {
    fn default() -> Self {
        SlotCache {
            by_ref: Vec::new(),
            by_interned: Vec::new(),
        }
    }
}

impl<T: Copy> SlotCache<T> {
    fn get(&self, shared: Option<Shared>) -> Option<T> {
        match shared? {
            Shared::Ref(slot) => *self.by_ref.get(slot as usize)?,
            Shared::Interned(index) => *self.by_interned.get(index as usize)?,
        }
    }

    fn insert(&mut self, shared: Option<Shared>, value: T) {
        let (table, index) = match shared {
            None => return,
            Some(Shared::Ref(slot)) => (&mut self.by_ref, slot as usize),
            Some(Shared::Interned(index)) => (&mut self.by_interned, index as usize),
        };
        if table.len() <= index {
            table.resize_with(index + 1, || None);
        }
        table[index] = Some(value);
    }
}

/// Converts function keys, once per shared marshal object: cProfile dumps share each key tuple
/// between the stats entry and every callers dict that names it (as `r` references), and share
/// file and function names between keys.
struct KeyCache {
    builder: Builder,
    keys: SlotCache<KeyId>,
    strings: SlotCache<Sym>,
}

impl KeyCache {
    fn function_key(&mut self, key: Value<'_, '_>) -> Result<KeyId, Error> {
        if let Some(known) = self.keys.get(key.shared()) {
            return Ok(known);
        }
        let converted = self.convert_key(key)?;
        let id = self.builder.key_id(converted);
        self.keys.insert(key.shared(), id);
        Ok(id)
    }

    fn convert_key(&mut self, key: Value<'_, '_>) -> Result<FunctionKey, Error> {
        let parts = tuple_of(key, 3, "a function key (file, line, name)")?;
        let [file, line, name] = [0, 1, 2].map(|i| parts.get(i).expect("length checked"));
        let file = self.string(file, "a file name string")?;
        let line = line
            .as_int()
            .ok_or_else(|| Error::shape(line.offset(), "a line number", describe(&line)))?;
        let name = match name.as_code() {
            Some(code) => {
                let repr = code_repr(&code.name, &code.filename, code.firstlineno);
                self.builder.strings.intern(&repr)
            }
            None => self.string(name, "a function name")?,
        };
        Ok(FunctionKey { file, line, name })
    }

    fn string(&mut self, value: Value<'_, '_>, expected: &'static str) -> Result<Sym, Error> {
        if let Some(sym) = self.strings.get(value.shared()) {
            return Ok(sym);
        }
        let text = value
            .as_text()
            .ok_or_else(|| Error::shape(value.offset(), expected, describe(&value)))?;
        let sym = self.builder.strings.intern(&text);
        self.strings.insert(value.shared(), sym);
        Ok(sym)
    }
}

/// Python's `repr` of a code object. Its address is not in the file (it is where the object
/// happened to live when pstats loaded it); a fixed address of the usual width keeps column
/// widths as Python's. See docs/differences.md.
pub(crate) fn code_repr(name: &str, filename: &str, line: i64) -> String {
    format!("<code object {name} at 0x000000000000, file \"{filename}\", line {line}>")
}

fn function_value<'d, 'a>(
    value: Value<'d, 'a>,
) -> Result<(FunctionStats, DictItems<'d, 'a>), Error> {
    let parts = tuple_of(value, 5, "function statistics (cc, nc, tt, ct, callers)")?;
    let get = |i| parts.get(i).expect("length checked");
    let callers = get(4);
    let callers_dict = callers
        .as_dict()
        .ok_or_else(|| Error::shape(callers.offset(), "a dict of callers", describe(&callers)))?;
    let stats = FunctionStats {
        primitive_calls: count(get(0))?,
        calls: count(get(1))?,
        tottime: seconds(get(2))?,
        cumtime: seconds(get(3))?,
    };
    Ok((stats, callers_dict))
}

/// The elements of `value` if it is a tuple of `len`; otherwise a shape error.
fn tuple_of<'d, 'a>(
    value: Value<'d, 'a>,
    len: usize,
    expected: &'static str,
) -> Result<Items<'d, 'a>, Error> {
    value
        .as_tuple()
        .filter(|t| t.len() == len)
        .ok_or_else(|| Error::shape(value.offset(), expected, describe(&value)))
}

fn count(value: Value<'_, '_>) -> Result<i64, Error> {
    value.as_int().ok_or_else(|| {
        let found = match value.kind() {
            Kind::BigInt => "an integer beyond 64 bits".into(),
            _ => describe(&value),
        };
        Error::shape(value.offset(), "a call count", found)
    })
}

/// A time: a float, or an int (the `profile` module's fake entries have int times).
fn seconds(value: Value<'_, '_>) -> Result<f64, Error> {
    value
        .as_float()
        .or_else(|| value.as_int().map(|i| i as f64))
        .ok_or_else(|| Error::shape(value.offset(), "a time in seconds", describe(&value)))
}

fn call_stats(value: Value<'_, '_>) -> Result<CallStats, Error> {
    if let Some(n) = value.as_int() {
        return Ok(CallStats::Count(n));
    }
    let parts = tuple_of(
        value,
        4,
        "caller statistics (nc, cc, tt, ct) or a call count",
    )?;
    let get = |i| parts.get(i).expect("length checked");
    Ok(CallStats::Timed {
        calls: count(get(0))?,
        primitive_calls: count(get(1))?,
        tottime: seconds(get(2))?,
        cumtime: seconds(get(3))?,
    })
}

/// Everything a profile holds, as text, to compare two readings.
#[cfg(any(test, fuzzing))]
pub(crate) fn describe_profile(p: &Profile) -> String {
    let mut out = format!("{:?} top {:?}\n", p.totals(), p.top_level());
    for id in p.all_functions() {
        out += &format!("{} listed={}", p.display_name(id), p.is_listed(id));
        if p.is_listed(id) {
            out += &format!(" {:?} callers", p.stats(id));
            for (caller, call) in p.callers(id) {
                out += &format!(" {}:{call:?}", caller.0);
            }
        }
        out += "\n";
    }
    out
}

/// What a report on the callers of `selected` reads of a profile: every listed function's
/// key and figures, the totals, the top-level functions, the sub-heading's choice, and the
/// callers of the selected functions by name.
#[cfg(any(test, fuzzing))]
pub(crate) fn describe_callers_of(p: &Profile, selected: &[FunctionId]) -> String {
    let mut out = format!(
        "{:?} top {:?} timed {}\n",
        p.totals(),
        p.top_level(),
        p.has_timed_edges()
    );
    for id in p.functions() {
        out += &format!("{} {:?}\n", p.display_name(id), p.stats(id));
    }
    for &id in selected {
        out += &format!("callers of {}:", p.display_name(id));
        for (caller, call) in p.callers(id) {
            out += &format!(" {} {call:?};", p.display_name(caller));
        }
        out += "\n";
    }
    out
}

/// For the fuzz target `fastpath`: panics if the fast path accepts `input` and reads it to
/// anything but what the general reader reads.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn check_fast_path(input: &[u8]) {
    if let Some(fast) = fast::read(input, true) {
        let general =
            read_general(input).expect("the general reader reads what the fast path reads");
        assert_eq!(describe_profile(&fast), describe_profile(&general));
        let without = fast::read(input, false).expect("read without callers");
        assert_eq!(
            describe_profile(&without),
            describe_profile(&general.without_edges())
        );
    }
    // The read that keeps a log accepts what the read without callers accepts, whole or a
    // window at a time; and the callers of some functions, read after the rest, are those a
    // full read gives them.
    let logged = fast::read_logged(input, false).map(|(p, _)| describe_profile(&p));
    let without = fast::read(input, false).map(|p| describe_profile(&p));
    assert_eq!(logged, without);
    for window in [1, 13] {
        let mut source = input;
        let len = input.len() as u64;
        let streamed = fast::read_stream_logged(&mut source, len, Vec::new(), window > 1, window)
            .expect("reading from memory")
            .map(|(p, _)| describe_profile(&p));
        assert_eq!(streamed, without);
    }
    if let Some(full) = fast::read(input, true) {
        let all: Vec<FunctionId> = full.functions().collect();
        for selected in [all.clone(), all.iter().copied().step_by(2).collect()] {
            let lazy = read_callers_of(input, Threads::Auto, |_| selected.clone())
                .expect("read as a full read");
            assert_eq!(
                describe_callers_of(&lazy, &selected),
                describe_callers_of(&full, &selected)
            );
        }
    }
    // The two-thread pipeline accepts exactly what one thread accepts, and agrees; so does
    // the read a window at a time, with windows that cut entries anywhere.
    for callers in [true, false] {
        let one = fast::read_on(input, callers, false).map(|p| describe_profile(&p));
        let two = fast::read_on(input, callers, true).map(|p| describe_profile(&p));
        assert_eq!(one, two);
        for window in [1, 13] {
            let mut source = input;
            let streamed = fast::read_stream(
                &mut source,
                input.len() as u64,
                Vec::new(),
                callers,
                window > 1,
                window,
            )
            .expect("reading from memory")
            .map(|p| describe_profile(&p));
            assert_eq!(one, streamed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FunctionId;

    /// A two-function dump as Python 3.11 writes it, with callers and shared objects (floats
    /// 0.5/1.0/0.25).
    fn two_py311() -> Vec<u8> {
        let g = |v: f64| {
            let mut b = vec![0xe7];
            b.extend(v.to_le_bytes());
            b
        };
        let r = |i: u32| {
            let mut b = vec![b'r'];
            b.extend(i.to_le_bytes());
            b
        };
        let mut b = vec![0xfb, 0xa9, 0x03, 0xfa, 0x12];
        b.extend(b"/home/u/prj/two.py");
        b.extend([0xe9, 4, 0, 0, 0, 0xda, 1, b'f']);
        b.extend([0x29, 5, 0xe9, 1, 0, 0, 0]);
        b.extend(r(5));
        b.extend(g(0.5));
        b.extend(g(1.0));
        b.extend([b'{', b'0']);
        b.extend([0xa9, 3]);
        b.extend(r(2));
        b.extend([0xe9, 2, 0, 0, 0, 0xda, 1, b'g']);
        b.extend([0x29, 5]);
        b.extend(r(9));
        b.extend(r(9));
        b.extend(r(6));
        b.extend(r(7));
        b.extend([b'{', 0xa9, 3]);
        b.extend(r(2));
        b.extend(r(3));
        b.extend(r(4));
        b.extend([0x29, 4]);
        b.extend(r(9));
        b.extend(r(9));
        b.extend(g(0.25));
        b.extend(r(6));
        b.extend([b'0', b'0']);
        b
    }

    #[test]
    fn reads_reference_dump_with_shared_objects() {
        let p = read(&two_py311()).unwrap();
        assert_eq!(p.function_count(), 2);
        let g = FunctionId(1);
        assert_eq!(p.display_name(g), "/home/u/prj/two.py:2(g)");
        let callers: Vec<_> = p.callers(g).map(|(c, s)| (p.display_name(c), s)).collect();
        assert_eq!(
            callers,
            [(
                "/home/u/prj/two.py:4(f)".to_string(),
                CallStats::Timed {
                    calls: 2,
                    primitive_calls: 2,
                    tottime: 0.25,
                    cumtime: 0.5
                }
            )]
        );
        assert_eq!(p.totals().tottime, 1.0);
    }

    #[test]
    fn reads_python27_dump() {
        // A one-function dump as Python 2.7 writes it:
        // {('tiny.py', 2, 'f'): (2, 2, 1e-06, 1e-06, {})}
        let mut b = b"{(\x03\0\0\0s\x07\0\0\0tiny.pyi\x02\0\0\0t\x01\0\0\0f(\x05\0\0\0".to_vec();
        b.extend(b"i\x02\0\0\0i\x02\0\0\0");
        for _ in 0..2 {
            b.push(b'g');
            b.extend(1e-6f64.to_le_bytes());
        }
        b.extend(b"{00");
        assert_eq!(b.len(), 65);
        let p = read(&b).unwrap();
        assert_eq!(p.display_name(FunctionId(0)), "tiny.py:2(f)");
        assert_eq!(p.stats(FunctionId(0)).tottime, 1e-6);
    }

    #[test]
    fn empty_dict_is_an_empty_profile() {
        let p = read(b"{0").unwrap();
        assert_eq!(p.function_count(), 0);
    }

    #[test]
    fn profile_module_counts() {
        // {('', 0, 'len'): (1, 1, 0, 0, {('m.py', 1, 'f'): 1})}
        let b = b"{)\x03z\x00i\0\0\0\0z\x03len)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{)\x03z\x04m.pyi\x01\0\0\0z\x01fi\x01\0\0\x0000";
        let p = read(b).unwrap();
        assert_eq!(p.display_name(FunctionId(0)), ":0(len)");
        assert_eq!(
            p.callers(FunctionId(0)).next().unwrap().1,
            CallStats::Count(1)
        );
        assert!(!p.is_listed(FunctionId(1)));
    }

    #[test]
    fn not_a_dict() {
        let e = read(b"N").unwrap_err();
        assert_eq!(e.offset(), Some(0));
        assert!(e.to_string().contains("found a none"), "{e}");
    }

    #[test]
    fn wrong_key_shape_names_offset() {
        let e = read(b"{i\x01\0\0\0i\x02\0\0\x000").unwrap_err();
        assert_eq!(e.offset(), Some(1));
        assert_eq!(
            e.to_string(),
            "not a profile: expected a function key (file, line, name), found the int 1 (at byte 1)"
        );
    }

    #[test]
    fn wrong_value_shape() {
        let b = b"{)\x03z\x00i\0\0\0\0z\x03len)\x01N0";
        let e = read(b).unwrap_err();
        assert_eq!(e.offset(), Some(15));
        assert!(e.to_string().contains("function statistics"), "{e}");
    }

    /// Every stats fixture and fuzz regression input.
    fn fixture_dumps() -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut dirs = vec![root];
        let mut found = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "stats") {
                    let bytes = std::fs::read(&path).unwrap();
                    found.push((path, bytes));
                }
            }
        }
        found.sort();
        found
    }

    /// The biggest fixture the fast path takes.
    fn biggest_fast_fixture() -> Vec<u8> {
        let (_, bytes) = fixture_dumps()
            .into_iter()
            .filter(|(_, bytes)| fast::read(bytes, true).is_some())
            .max_by_key(|(_, bytes)| bytes.len())
            .unwrap();
        bytes
    }

    /// [`biggest_fast_fixture`], and a file `big.stats` in a new directory that holds it
    /// padded past [`STREAM_FROM`] bytes (Python's marshal stops at the dict's end: what follows
    /// it is never read), with the padded bytes.
    fn big_file() -> (Vec<u8>, Vec<u8>, tempfile::TempDir) {
        let bytes = biggest_fast_fixture();
        let mut padded = bytes.clone();
        padded.resize(STREAM_FROM as usize + 1, 0);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.stats"), &padded).unwrap();
        (bytes, padded, dir)
    }

    /// The fast path agrees with the general reader wherever it accepts a file, and it accepts
    /// every fixture but those whose keys name code objects (`python -m profile -o`) or that
    /// the general reader refuses.
    #[test]
    fn fast_path_agrees_with_the_general_reader() {
        let mut fast_count = 0;
        for (path, bytes) in fixture_dumps() {
            let general = read_general(&bytes);
            match (fast::read(&bytes, true), &general) {
                (Some(fast), Ok(general)) => {
                    assert_eq!(
                        describe_profile(&fast),
                        describe_profile(general),
                        "{}",
                        path.display()
                    );
                    let without = fast::read(&bytes, false).expect("read with callers");
                    assert_eq!(
                        describe_profile(&without),
                        describe_profile(&general.clone().without_edges()),
                        "{}",
                        path.display()
                    );
                    // On two threads, with chunks of a few records in the tests, so that
                    // every fixture crosses chunk boundaries.
                    for callers in [true, false] {
                        let two = fast::read_on(&bytes, callers, true).expect("two threads");
                        let one = fast::read_on(&bytes, callers, false).expect("one thread");
                        assert_eq!(
                            describe_profile(&two),
                            describe_profile(&one),
                            "{}",
                            path.display()
                        );
                    }
                    fast_count += 1;
                }
                (Some(_), Err(e)) => panic!("{}: fast path accepted, general: {e}", path.display()),
                (None, Ok(general)) => {
                    let code_keys = general
                        .all_functions()
                        .any(|id| general.name(id).starts_with("<code object"));
                    assert!(
                        code_keys,
                        "{}: fast path declined a plain dump",
                        path.display()
                    );
                }
                (None, Err(_)) => {}
            }
        }
        assert!(
            fast_count >= 70,
            "only {fast_count} fixtures took the fast path"
        );
    }

    /// The bytes a hex string (two digits a byte) stands for.
    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn without_callers_keeps_top_level_and_drops_edges() {
        // marshal.dumps(d, 2) of {('a.py', 1, 'f'): (1, 1, .5, .5, {pstats' top-level mark:
        // (1, 1, .5, .5)}), ('a.py', 5, 'g'): (2, 2, .25, .25, {('a.py', 1, 'f'): (...)})}
        let hex = "7b28030000007504000000612e7079690100000075010000006628050000006901000000690100000067000000000000e03f67000000000000e03f7b280300000075080000006a70726f66696c656900000000750800000070726f66696c657228040000006901000000690100000067000000000000e03f67000000000000e03f3028030000007504000000612e7079690500000075010000006728050000006902000000690200000067000000000000d03f67000000000000d03f7b28030000007504000000612e7079690100000075010000006628040000006902000000690200000067000000000000d03f67000000000000d03f3030";
        let bytes = unhex(hex);
        let full = read(&bytes).unwrap();
        let options = ReadOptions {
            callers: false,
            ..ReadOptions::default()
        };
        let without = read_with(&bytes, &options).unwrap();
        assert_eq!(full.top_level(), [FunctionId(0)]);
        assert_eq!(without.top_level(), [FunctionId(0)]);
        assert_eq!(full.callers(FunctionId(1)).count(), 1);
        assert_eq!(without.callers(FunctionId(1)).count(), 0);
        assert_eq!(without.all_functions().count(), 2);
        assert_eq!(without.totals(), full.totals());
        assert_eq!(
            describe_profile(&without),
            describe_profile(&full.without_edges())
        );
    }

    /// Caller entries in the common layout and beside it: `marshal.dumps(d, 4)` of
    /// {f: (5, 5, .5, .5, {}), g: (n, n, .25, .25, {f: (n, n, .5, .25), mark: (1, 1, .1, .1)}),
    /// h: (1, 1, .1, .1, {mark: (1, 1, .1, .1), g: (m, m, 0, .1), f: (m, 1, .2, .2)}),
    /// k: (2, 1, .3, .3, {k: (1, 1, .3, .3)})} with n = 300000 and m = 400000 each one object
    /// (a flagged `i`, then a reference to it), the mark shared (a reference in h's callers),
    /// and the entry for g in h's callers a tuple whose tottime is a shared int: the one-go
    /// decode takes m's slot, then declines, and k's key, after it, is found by its slot.
    #[test]
    fn caller_entries_in_and_beside_the_common_layout() {
        let hex = "fba903fa04612e7079e901000000da01662905e9050000007205000000e7000000000000e03f72060000007b30a9037202000000e902000000da01672905e9e0930400720a00000067000000000000d03f67000000000000d03f7b72010000002904720a000000720a00000067000000000000e03f67000000000000d03fa903da086a70726f66696c65e900000000da0870726f66696c6572a90472030000007203000000e79a9999999999b93f721000000030a9037202000000e903000000da0168290572030000007203000000679a9999999999b93f679a9999999999b93f7b720b000000290472030000007203000000679a9999999999b93f679a9999999999b93f72070000002904e9801a06007214000000720d000000679a9999999999b93f7201000000290472140000007203000000679a9999999999c93f679a9999999999c93f30a9037202000000e904000000da016b29057208000000720300000067333333333333d33f67333333333333d33f7b721500000029047203000000720300000067333333333333d33f67333333333333d33f3030";
        let bytes = unhex(hex);
        let general = read_general(&bytes).unwrap();
        let fast = fast::read(&bytes, true).expect("the fast path reads it");
        assert_eq!(describe_profile(&fast), describe_profile(&general));
        assert_eq!(fast.display_name(FunctionId(3)), "a.py:4(k)");
        assert_eq!(
            fast.callers(FunctionId(3))
                .map(|(id, _)| id)
                .collect::<Vec<_>>(),
            [FunctionId(3)]
        );
        let without = fast::read(&bytes, false).expect("the fast path reads it");
        assert_eq!(
            describe_profile(&without),
            describe_profile(&general.clone().without_edges())
        );
        // g and h have the mark among their callers.
        assert_eq!(without.top_level(), [FunctionId(1), FunctionId(2)]);
        let h_callers: Vec<_> = fast.callers(FunctionId(2)).map(|(_, c)| c).collect();
        assert_eq!(
            h_callers[1..],
            [
                CallStats::Timed {
                    calls: 400_000,
                    primitive_calls: 400_000,
                    tottime: 0.0,
                    cumtime: 0.1
                },
                CallStats::Timed {
                    calls: 400_000,
                    primitive_calls: 1,
                    tottime: 0.2,
                    cumtime: 0.2
                }
            ]
        );
    }

    /// The fast path read a window at a time gives what it gives over the whole input: the
    /// same profile, or `None` for the same inputs (every fixture, one it declines, cut ones),
    /// over windows from one byte up; on the smallest fixtures, with the first window ending
    /// at every byte in turn.
    #[test]
    fn windows_read_as_the_whole_input_does() {
        let mut inputs: Vec<Vec<u8>> = fixture_dumps().into_iter().map(|(_, b)| b).collect();
        let declined =
            b"{)\x03z\x00i\0\0\0\0z\x01\xe9)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00";
        inputs.push(declined.to_vec());
        inputs.push(Vec::new());
        let longest = inputs.iter().max_by_key(|b| b.len()).unwrap().clone();
        for cut in [1, 7, longest.len() / 2, longest.len() - 1] {
            inputs.push(longest[..cut].to_vec());
        }
        for bytes in &inputs {
            for callers in [true, false] {
                let whole = fast::read_on(bytes, callers, false).map(|p| describe_profile(&p));
                for (window, first) in [(1, 0), (7, 3), (64, 64), (4096, 1), (1 << 20, 0)] {
                    let first = first.min(bytes.len());
                    let mut source = &bytes[first..];
                    let read = fast::read_stream(
                        &mut source,
                        bytes.len() as u64,
                        bytes[..first].to_vec(),
                        callers,
                        window % 2 == 0,
                        window,
                    )
                    .unwrap()
                    .map(|p| describe_profile(&p));
                    assert_eq!(read, whole, "{} bytes, window {window}", bytes.len());
                }
            }
        }
        let mut small: Vec<Vec<u8>> = fixture_dumps()
            .into_iter()
            .map(|(_, b)| b)
            .filter(|b| fast::read(b, true).is_some())
            .collect();
        small.sort_by_key(Vec::len);
        for bytes in small.iter().take(3) {
            let whole = fast::read_on(bytes, true, false).map(|p| describe_profile(&p));
            for first in 0..=bytes.len() {
                let mut source = &bytes[first..];
                let len = bytes.len() as u64;
                let read =
                    fast::read_stream(&mut source, len, bytes[..first].to_vec(), true, false, 1)
                        .unwrap()
                        .map(|p| describe_profile(&p));
                assert_eq!(read, whole, "{} bytes, first window {first}", bytes.len());
            }
        }
    }

    /// A read error part way is an error, not a file for the general reader; and nothing past
    /// the length the file had when opened is read.
    #[test]
    fn windows_pass_read_errors_on_and_stop_at_the_length() {
        struct Failing<'a>(&'a [u8]);
        impl std::io::Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("disk gone"));
                }
                let n = buf.len().min(self.0.len()).min(100);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (_, bytes) = fixture_dumps()
            .into_iter()
            .filter(|(_, b)| fast::read(b, true).is_some())
            .max_by_key(|(_, b)| b.len())
            .unwrap();
        let half = &bytes[..bytes.len() / 2];
        let error = fast::read_stream(
            &mut Failing(half),
            bytes.len() as u64,
            Vec::new(),
            true,
            true,
            64,
        );
        assert_eq!(error.unwrap_err().to_string(), "disk gone");
        // The whole dump, then bytes that would be an error if they were read.
        let mut source = Failing(&bytes);
        let read = fast::read_stream(&mut source, bytes.len() as u64, Vec::new(), true, true, 64)
            .unwrap()
            .map(|p| describe_profile(&p));
        assert_eq!(
            read,
            fast::read_on(&bytes, true, true).map(|p| describe_profile(&p))
        );
    }

    /// A file is read a window at a time only from [`STREAM_FROM`] bytes on, and only if it is
    /// a stats dump; read that way, the biggest fixture the fast path takes, padded past that
    /// size, reads as it reads whole (it fits in the first window: the tests above refill).
    #[test]
    fn big_files_are_read_a_window_at_a_time() {
        let (bytes, padded, dir) = big_file();
        let path = dir.path().join("big.stats");
        for callers in [true, false] {
            let options = ReadOptions {
                callers,
                ..ReadOptions::default()
            };
            let mut file = std::fs::File::open(&path).unwrap();
            let streamed = read_file(&mut file, padded.len() as u64, &options)
                .unwrap()
                .expect("a big stats dump is read a window at a time");
            let whole = read_with(&bytes, &options).unwrap();
            assert_eq!(describe_profile(&streamed), describe_profile(&whole));
            // Small, or not a stats dump: read whole by the caller.
            let mut file = std::fs::File::open(&path).unwrap();
            assert!(
                read_file(&mut file, STREAM_FROM - 1, &options)
                    .unwrap()
                    .is_none()
            );
        }
        std::fs::write(&path, vec![b'\n'; STREAM_FROM as usize]).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        assert!(
            read_file(&mut file, STREAM_FROM, &ReadOptions::default())
                .unwrap()
                .is_none()
        );
    }

    /// How many edges a profile read by [`with_callers`] with `selected` has (where it does
    /// not fall back to a full read): the callers of the selected functions and of the first
    /// function with callers.
    fn lazy_edges(full: &Profile, selected: &[FunctionId]) -> usize {
        let first = full.functions().find(|&id| full.callers(id).len() > 0);
        let mut read: Vec<FunctionId> = selected.iter().copied().chain(first).collect();
        read.sort();
        read.dedup();
        read.iter().map(|&id| full.callers(id).len()).sum()
    }

    /// The callers of a few functions are read after the rest; of most of them, with a full
    /// read.
    #[test]
    fn callers_of_most_functions_are_read_with_a_full_read() {
        let bytes = biggest_fast_fixture();
        let (profile, log) = fast::read_logged(&bytes, false).unwrap();
        let all: Vec<FunctionId> = profile.functions().collect();
        assert!(!picks_few(&log, &all));
        assert!(picks_few(&log, &all[..1]));
        assert!(picks_few(&log, &[]));
        let third = log.dict_bytes() / 3;
        let mut picked = 0;
        let few: Vec<FunctionId> = all
            .iter()
            .copied()
            .take_while(|id| {
                picked += log.entry_range(id.index()).unwrap().len();
                picked <= third
            })
            .collect();
        assert!(picks_few(&log, &few));
        assert!(!picks_few(&log, &all[..few.len() + 1]));
    }

    /// Some selections of a profile's functions: all, none, every third, the last.
    fn selections(p: &Profile) -> Vec<Vec<FunctionId>> {
        let all: Vec<FunctionId> = p.functions().collect();
        vec![
            all.clone(),
            Vec::new(),
            all.iter().copied().step_by(3).collect(),
            all.last().copied().into_iter().collect(),
        ]
    }

    /// Reading the callers of a few functions after the rest gives them as a full read does,
    /// from the whole input on one thread or two, and a window at a time; every fixture is
    /// read, by the fast path and the logged read, or else whole.
    #[test]
    fn callers_of_a_few_read_as_a_full_read_reads_them() {
        let mut logged = 0;
        for (path, bytes) in fixture_dumps() {
            let Ok(full) = read(&bytes) else {
                continue;
            };
            for selected in selections(&full) {
                let expected = describe_callers_of(&full, &selected);
                let lazy = read_callers_of(&bytes, Threads::Auto, |_| selected.clone()).unwrap();
                let name = path.display();
                assert_eq!(describe_callers_of(&lazy, &selected), expected, "{name}");
                let Some((_, log)) = fast::read_logged(&bytes, false) else {
                    continue;
                };
                // Read that way, not by a full read, unless most of the dict is picked.
                let edges = match picks_few(&log, &selected) {
                    true => lazy_edges(&full, &selected),
                    false => full.edge_count(),
                };
                assert_eq!(lazy.edge_count(), edges, "{name}");
                let input = |range: Range<usize>| bytes.get(range).map(Cow::Borrowed);
                for two_threads in [false, true] {
                    let (profile, log) = fast::read_logged(&bytes, two_threads).unwrap();
                    let lazy = with_callers(profile, log, &selected, input).unwrap();
                    assert_eq!(describe_callers_of(&lazy, &selected), expected, "{name}");
                }
                for window in [1, 13, 4096] {
                    let mut source = &bytes[..];
                    let len = bytes.len() as u64;
                    let (profile, log) =
                        fast::read_stream_logged(&mut source, len, Vec::new(), true, window)
                            .unwrap()
                            .expect("streamed as read whole");
                    let lazy = with_callers(profile, log, &selected, input).unwrap();
                    assert_eq!(describe_callers_of(&lazy, &selected), expected, "{name}");
                }
                logged += 1;
            }
            // With every function selected, the profile is the full read's.
            let all: Vec<FunctionId> = full.functions().collect();
            let lazy = read_callers_of(&bytes, Threads::Auto, |_| all).unwrap();
            assert_eq!(describe_profile(&lazy), describe_profile(&full));
        }
        assert!(logged >= 4 * 70, "only {logged} reads took the logged path");
    }

    /// Repeated callers are resolved as a full read resolves them. Where entries and functions
    /// do not match one to one (a key repeated in the dict, its later entry replacing the
    /// earlier), or an entry's bytes are not what the first read read, the dump is read whole
    /// instead.
    #[test]
    fn callers_of_a_few_fall_back_to_a_full_read() {
        let key = |file: &str, line: u8, name: &str| {
            let mut b = vec![b')', 3, b'z', file.len() as u8];
            b.extend(file.as_bytes());
            b.extend([b'i', line, 0, 0, 0, b'z', name.len() as u8]);
            b.extend(name.as_bytes());
            b
        };
        let value = |calls: u8, callers: &[(Vec<u8>, u8)]| {
            let mut b = vec![b')', 5, b'i', calls, 0, 0, 0, b'i', calls, 0, 0, 0];
            b.extend([b'g'].iter().chain(&0.5f64.to_le_bytes()));
            b.extend([b'g'].iter().chain(&0.5f64.to_le_bytes()));
            b.push(b'{');
            for (key, count) in callers {
                b.extend(key);
                b.extend([b'i', *count, 0, 0, 0]);
            }
            b.push(b'0');
            b
        };
        let (f, g) = (key("a.py", 1, "f"), key("a.py", 2, "g"));
        // A caller repeated in one dict keeps its first place and its last value, in a short
        // list and in a long one.
        for others in [1, 30] {
            let mut callers: Vec<(Vec<u8>, u8)> = vec![(f.clone(), 2)];
            callers.extend((0..others).map(|i| (key("b.py", 10 + i, "h"), i)));
            callers.push((f.clone(), 5));
            let mut dump = vec![b'{'];
            dump.extend(&f);
            dump.extend(value(1, &[]));
            dump.extend(&g);
            dump.extend(value(2, &callers));
            dump.push(b'0');
            let full = read(&dump).unwrap();
            assert_eq!(full.callers(FunctionId(1)).len(), others as usize + 1);
            for selected in selections(&full) {
                let (profile, log) = fast::read_logged(&dump, false).unwrap();
                let input = |range: Range<usize>| dump.get(range).map(Cow::Borrowed);
                let lazy = with_callers(profile, log, &selected, input).unwrap();
                let expected = describe_callers_of(&full, &selected);
                assert_eq!(describe_callers_of(&lazy, &selected), expected);
            }
        }
        let mut dump = vec![b'{'];
        dump.extend(&f);
        dump.extend(value(1, &[]));
        dump.extend(&g);
        dump.extend(value(2, &[(f.clone(), 2)]));
        dump.extend(&f);
        dump.extend(value(3, &[(g.clone(), 3)]));
        dump.push(b'0');
        let full = read(&dump).unwrap();
        assert_eq!(full.function_count(), 2);
        let (profile, log) = fast::read_logged(&dump, false).expect("the fast path reads it");
        assert_eq!(log.entries(), 3);
        let input = |range: Range<usize>| dump.get(range).map(Cow::Borrowed);
        assert!(with_callers(profile, log, &[FunctionId(0)], input).is_none());
        for selected in selections(&full) {
            let lazy = read_callers_of(&dump, Threads::Auto, |_| selected.clone()).unwrap();
            let expected = describe_callers_of(&full, &selected);
            assert_eq!(describe_callers_of(&lazy, &selected), expected);
        }
        // The bytes of another entry, or cut short: not the entry the first read read.
        let dump = two_py311();
        let (profile, log) = fast::read_logged(&dump, false).unwrap();
        let (first, second) = (log.entry_range(0).unwrap(), log.entry_range(1).unwrap());
        let other = |_| dump.get(second.clone()).map(Cow::Borrowed);
        assert!(with_callers(profile, log, &[FunctionId(0)], other).is_none());
        let (profile, log) = fast::read_logged(&dump, false).unwrap();
        let cut = |_| dump.get(first.start..first.end - 1).map(Cow::Borrowed);
        assert!(with_callers(profile, log, &[FunctionId(0)], cut).is_none());
    }

    /// A big file: its first read goes a window at a time and the chosen entries are read
    /// again from the file; if the file changes in between, it is read whole again.
    #[test]
    fn callers_of_a_few_in_a_big_file() {
        let (bytes, padded, dir) = big_file();
        let path = dir.path().join("big.stats");
        let full = read(&bytes).unwrap();
        let len = padded.len() as u64;
        for selected in selections(&full) {
            let mut file = std::fs::File::open(&path).unwrap();
            let Ok(Ok(lazy)) =
                read_file_callers_of(&mut file, len, Threads::Auto, |_| selected.clone())
            else {
                panic!("a big stats dump is read a window at a time");
            };
            let expected = describe_callers_of(&full, &selected);
            assert_eq!(describe_callers_of(&lazy, &selected), expected);
            let (_, log) = fast::read_logged(&bytes, false).unwrap();
            let edges = match picks_few(&log, &selected) {
                true => lazy_edges(&full, &selected),
                false => full.edge_count(),
            };
            assert_eq!(lazy.edge_count(), edges);
        }
        // Small: the caller reads it whole.
        let mut file = std::fs::File::open(&path).unwrap();
        let small = read_file_callers_of(&mut file, STREAM_FROM - 1, Threads::Auto, |_| Vec::new());
        assert!(matches!(small, Ok(Err(_))));
        // Changed between the two reads: read whole again, here to an error.
        let mut file = std::fs::File::open(&path).unwrap();
        let changed = read_file_callers_of(&mut file, len, Threads::Auto, |p| {
            std::fs::write(&path, vec![0; padded.len()]).unwrap();
            p.functions().collect()
        });
        assert!(changed.is_err());
        // Same length and bytes, but written again after the first read: read whole again,
        // with every edge.
        std::fs::write(&path, &padded).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        let rewritten = read_file_callers_of(&mut file, len, Threads::Auto, |_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            std::fs::write(&path, &padded).unwrap();
            Vec::new()
        });
        let Ok(Ok(rewritten)) = rewritten else {
            panic!("read whole again");
        };
        assert_eq!(describe_profile(&rewritten), describe_profile(&full));
    }

    #[test]
    fn fast_path_declines_what_it_does_not_know() {
        let mut bad_ref = b"{)\x03z\x00i\0\0\0\0z\x03len)\x05r\0\0\0\0".to_vec();
        bad_ref.extend(b"i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00");
        for input in [
            &b"N"[..],
            b"{",
            b"{)\x03z\x00i\0\0\0\0z\x03len)\x01N0",
            &bad_ref,
            // A NULL value ends the dict for Python; the general reader does that.
            b"{)\x03z\x00i\0\0\0\0z\x03len0",
            // A non-ASCII Latin-1 name.
            b"{)\x03z\x00i\0\0\0\0z\x01\xe9)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00",
        ] {
            assert!(fast::read(input, true).is_none(), "{input:?}");
            assert!(fast::read_on(input, true, true).is_none(), "{input:?}");
        }
        // ... and the general reader reads the last one.
        let p =
            read(b"{)\x03z\x00i\0\0\0\0z\x01\xe9)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00")
                .unwrap();
        assert_eq!(p.name(FunctionId(0)), "\u{e9}");
    }

    /// A caller's key that refers to a slot holding no key is declined, with or without
    /// callers, whether the check falls in the first batch of references or a later one, and
    /// whether the slot holds a string or is a container's, taken and not yet filled.
    #[test]
    fn callers_referring_to_no_key_are_declined() {
        // Entry 0: key (slot 0; its file, line and name 1 to 3), value tuple flagged (slot 4),
        // callers dict flagged (slot 5). Then `callers` entries whose callers refer to key 0.
        let dump = |callers: usize, bad: &[u8]| {
            let mut b = b"{\xa9\x03\xfa\x04a.py\xe9\x01\0\0\0\xfa\x01f".to_vec();
            b.extend(b"\xa9\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0\xfb");
            b.extend(bad);
            b.push(b'0');
            for i in 0..callers {
                b.extend(b")\x03r\x01\0\0\0i");
                b.extend((i as u32 + 10).to_le_bytes());
                b.extend(b"r\x03\0\0\0)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{");
                b.extend(b"r\0\0\0\0)\x04i\x01\0\0\0i\x01\0\0\0g");
                b.extend(0.0f64.to_le_bytes());
                b.push(b'g');
                b.extend(0.0f64.to_le_bytes());
                b.push(b'0');
            }
            b.push(b'0');
            b
        };
        let good = dump(5000, b"");
        assert_eq!(fast::read(&good, false).unwrap().function_count(), 5001);
        assert_eq!(fast::read(&good, true).unwrap().function_count(), 5001);
        let count = |n: u8| [b'i', n, 0, 0, 0];
        for bad in [
            b"r\x01\0\0\0",
            b"r\x04\0\0\0",
            b"r\x05\0\0\0",
            b"r\x09\0\0\0",
        ] {
            // The bad reference in the first entry's callers, then in the last one's.
            let mut first = bad.to_vec();
            first.extend(count(1));
            let mut input = dump(5000, &first);
            assert!(fast::read(&input, false).is_none(), "{bad:?}");
            assert!(fast::read(&input, true).is_none(), "{bad:?}");
            input = good.clone();
            let end = input.len() - 2;
            input.splice(end..end, bad.iter().copied().chain(count(1)));
            assert!(fast::read(&input, false).is_none(), "{bad:?} last");
            assert!(fast::read(&input, true).is_none(), "{bad:?} last");
            assert!(read(&input).is_err(), "{bad:?} last");
            // A window at a time, where a failed check looks like an entry cut short: the
            // entry is rolled back, decoded again, and the bad reference found again.
            for input in [dump(5000, &first), input] {
                for (window, callers) in [(64, false), (4096, false), (4096, true)] {
                    let len = input.len() as u64;
                    let mut source = &input[..];
                    let read =
                        fast::read_stream(&mut source, len, Vec::new(), callers, true, window);
                    assert!(read.unwrap().is_none(), "{bad:?} window {window}");
                    let mut source = &input[..];
                    let logged =
                        fast::read_stream_logged(&mut source, len, Vec::new(), false, window);
                    assert!(logged.unwrap().is_none(), "{bad:?} window {window}");
                }
            }
        }
    }

    /// A dump cut short after many records have gone to the build's thread: the decoder
    /// stops, the thread ends, and the general reader says where the data ends.
    #[test]
    fn two_threads_stop_on_a_cut_dump() {
        let (_, bytes) = fixture_dumps()
            .into_iter()
            .max_by_key(|(_, bytes)| bytes.len())
            .unwrap();
        for cut in [bytes.len() / 2, bytes.len() - 1] {
            assert!(fast::read_on(&bytes[..cut], true, true).is_none());
            assert!(fast::read_on(&bytes[..cut], false, true).is_none());
            assert!(read(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn code_repr_matches_python_shape() {
        assert_eq!(
            code_repr("<module>", "prog.py", 1),
            "<code object <module> at 0x000000000000, file \"prog.py\", line 1>"
        );
    }
}
