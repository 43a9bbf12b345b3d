//! Folded ("collapsed") stacks: one line per stack, `frame;frame;… COUNT`, root first, as
//! flamegraph.pl and inferno read them, in the three dialects docs/sampled-formats.md describes:
//!
//! * **py-spy** `record --format raw`: frames `name (file:line)`; with `--threads`, a first frame
//!   `thread (TID)` or `thread (TID): NAME`, which becomes the sample's thread;
//! * **Python 3.15** `profiling.sampling --collapsed`: a first field `tid:N` (the thread), then
//!   frames `file:qualname:line`, and special frames such as `<GC>` bare;
//! * **plain**: frames are names with no location.
//!
//! The dialect is recognised from the first line that has a frame. A frame that does not parse
//! in its dialect is kept whole as a name, with pstats' builtin key shape (file `~`, line 0).
//! Counts are samples; with [`Options::interval`] they also get a time.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use crate::error::Error;
use crate::escape::quote;
use crate::model::{Profile, Run, SampleBuilder};
use crate::read::lines;
use crate::threads::{self, Threads};

/// The format's name in error messages.
const FORMAT: &str = "folded stacks";

/// The longest line read: longer ones are refused before any work is done on them.
pub const MAX_LINE: usize = 64 << 20;

/// The most samples a file may hold in all: every count up to it is exact as a float, so a
/// function's calls, times and shares agree (docs/security.md, "Huge figures").
pub const MAX_SAMPLES: u64 = 1 << 53;

/// Options for reading folded stacks.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Options {
    /// Give each stack its thread as a root frame (`thread (TID): NAME`), as py-spy's
    /// `--threads` writes them, instead of merging the threads' stacks. Default: false.
    pub thread_frames: bool,
    /// The time one sample stands for, in seconds (1/rate): with it the profile's times are
    /// seconds; without, they are sample counts. Default: none (no folded file says).
    pub interval: Option<f64>,
    /// Threads the scan may use: a big file is scanned in two pieces at once. Default: auto.
    pub threads: Threads,
}

/// Which dialect a file is written in (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dialect {
    /// py-spy's raw output: `name (file:line)`, optional `thread (TID)` first frame.
    PySpy,
    /// Python 3.15's collapsed output: `tid:N` first, frames `file:qualname:line`.
    Tachyon,
    /// Bare frame names.
    Plain,
}

impl Dialect {
    /// Recognises the dialect from the first line with a frame.
    pub fn detect(input: &[u8]) -> Dialect {
        let Some((stack, _)) = lines(input)
            .filter_map(|(_, line)| split_count(line))
            .find(|(stack, _)| !stack.is_empty())
        else {
            return Dialect::Plain;
        };
        let first = stack.split(|&b| b == b';').next().unwrap_or_default();
        if first.strip_prefix(b"tid:").is_some_and(is_digits) {
            return Dialect::Tachyon;
        }
        let is_py_spy = |frame: &[u8]| {
            let frame = String::from_utf8_lossy(frame);
            thread_frame(&frame).is_some() || py_spy_frame(&frame).is_some()
        };
        if stack.split(|&b| b == b';').any(is_py_spy) {
            Dialect::PySpy
        } else {
            Dialect::Plain
        }
    }
}

/// Reads folded stacks.
///
/// # Errors
///
/// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for an [`Options::interval`] that is not a
/// finite number of seconds above 0, before the input is looked at; else the input's first
/// error, with its line and byte offset.
pub fn read(input: &[u8], options: &Options) -> Result<Profile, Error> {
    if let Some(interval) = options.interval
        && !(interval > 0.0 && interval.is_finite())
    {
        return Err(Error::invalid(
            FORMAT,
            None,
            None,
            "a sampling interval of more than 0 seconds",
            interval.to_string(),
        ));
    }
    // Big inputs are scanned in two halves, one per core.
    let two = options.threads.two_from(input.len(), threads::FOLDED_SCAN);
    read_in(input, options, if two { 2 } else { 1 })
}

/// Reads folded stacks, scanning the text in `parts` pieces (split at line ends) in parallel;
/// the profile is the same for any number of parts.
fn read_in(input: &[u8], options: &Options, parts: usize) -> Result<Profile, Error> {
    // Stacks, samples and frame texts are numbered with 32 bits.
    if input.len() > u32::MAX as usize {
        return Err(Error::too_large(
            "a folded-stack file",
            u32::MAX as u64,
            Some(0),
            None,
        ));
    }
    let dialect = Dialect::detect(input);
    let mut builder = SampleBuilder::new(options.interval.is_some());
    if let Some(interval) = options.interval {
        builder.set_interval(interval);
    }
    let pieces = split_at_lines(input, parts);
    let scans: Vec<Result<Scan, Error>> = if pieces.len() == 1 {
        vec![Scan::run(input, 0, dialect)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = pieces
                .iter()
                .map(|&(base, piece)| scope.spawn(move || Scan::run(piece, base, dialect)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    let mut scans = match scans.into_iter().collect::<Result<Vec<Scan>, Error>>() {
        Ok(scans) => scans,
        // A later piece's line numbers count from its own start: the whole text is scanned
        // again for the error the one-piece read gives.
        Err(_) if pieces.len() > 1 => return read_in(input, options, 1),
        Err(e) => return Err(e),
    };
    // Each piece is within the limit; together they may not be: the one-piece read says where.
    let total = scans
        .iter()
        .fold(0u64, |sum, scan| sum.saturating_add(scan.total));
    if total > MAX_SAMPLES && pieces.len() > 1 {
        return read_in(input, options, 1);
    }
    // Frame texts become keys, and threads get their ids, in order of first appearance: the
    // first piece's, then each later piece's new ones.
    let mut keys: Vec<u32> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut first = FrameTexts::default();
    let mut key_of_first: Vec<u32> = Vec::new();
    for (i, scan) in scans.iter_mut().enumerate() {
        let key_of: Vec<u32> = (0..scan.texts.len())
            .map(|t| {
                let text = scan.texts.text(t);
                let known = if i == 0 { None } else { first.get(text) };
                match known {
                    Some(f) => key_of_first[f as usize],
                    None => {
                        let text = String::from_utf8_lossy(text);
                        let (file, line, name) = parse_frame(dialect, &text);
                        builder.key(file, line, name).index() as u32
                    }
                }
            })
            .collect();
        let thread_of: Vec<u32> = scan
            .threads
            .iter()
            .map(|(id, name)| builder.thread(id, name.as_deref()).index() as u32)
            .collect();
        let base = keys.len() as u32;
        keys.extend(scan.frames.iter().map(|&t| key_of[t as usize]));
        runs.extend(scan.runs.iter().map(|run| Run {
            end: run.end + base,
            thread: match run.thread {
                NO_THREAD => NO_THREAD,
                t => thread_of[t as usize],
            },
            count: run.count,
        }));
        if i == 0 {
            key_of_first = key_of;
            first = std::mem::take(&mut scan.texts);
        }
    }
    drop(scans);
    let interval = options.interval;
    builder.add_runs(&keys, &runs, |count| match interval {
        Some(interval) => count as f64 * interval,
        None => count as f64,
    });
    Ok(builder.finish(options.thread_frames, Vec::new()))
}

/// Splits the input into up to `parts` pieces that end at line ends, with their offsets.
fn split_at_lines(input: &[u8], parts: usize) -> Vec<(usize, &[u8])> {
    let mut pieces = Vec::new();
    let mut at = 0;
    for part in 1..parts {
        let target = (input.len() / parts * part).max(at);
        let Some(end) = memchr::memchr(b'\n', &input[target..]).map(|n| target + n + 1) else {
            break;
        };
        pieces.push((at, &input[at..end]));
        at = end;
    }
    pieces.push((at, &input[at..]));
    pieces
}

const NO_THREAD: u32 = u32::MAX;

/// One piece of the text, scanned: its stacks as runs of frame-text ids, frame texts and
/// threads numbered in order of first appearance within the piece.
struct Scan {
    /// The samples so far, at most [`MAX_SAMPLES`].
    total: u64,
    texts: FrameTexts,
    frames: Vec<u32>,
    runs: Vec<Run>,
    /// Thread ids and the first name given to each.
    threads: Vec<(String, Option<String>)>,
}

impl Scan {
    /// Scans `input`, which starts at byte `base` of the file.
    fn run(input: &[u8], base: usize, dialect: Dialect) -> Result<Scan, Error> {
        let mut scan = Scan {
            total: 0,
            texts: FrameTexts::default(),
            // About 30 bytes a frame and 300 a line in a py-spy recording: growing the arrays
            // as they fill would copy them a dozen times.
            frames: Vec::with_capacity(input.len() / 30),
            runs: Vec::with_capacity(input.len() / 300),
            threads: Vec::new(),
        };
        let mut thread_of: HashMap<String, u32> = HashMap::new();
        // The frames of the lines before, by depth, and their ids: most lines start as the one
        // before.
        let mut previous: Vec<(&[u8], u32)> = Vec::new();
        for (number, (offset, line)) in lines(input).enumerate() {
            let offset = base + offset;
            let number = number as u64 + 1;
            if line.len() > MAX_LINE {
                return Err(Error::too_large(
                    "a folded-stack line",
                    MAX_LINE as u64,
                    Some(offset as u64),
                    Some(number),
                ));
            }
            let Some((stack, count)) = split_count(line) else {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Err(Error::invalid(
                    FORMAT,
                    Some(offset as u64),
                    Some(number),
                    "a line `frame;frame;… COUNT`",
                    quote(line),
                ));
            };
            let count = parse_count(count).ok_or_else(|| {
                Error::invalid(
                    FORMAT,
                    Some((offset + stack.len() + 1) as u64),
                    Some(number),
                    "a sample count from 0 to 18446744073709551615",
                    quote(count),
                )
            })?;
            if count == 0 {
                continue;
            }
            scan.total = scan
                .total
                .checked_add(count)
                .filter(|total| *total <= MAX_SAMPLES)
                .ok_or_else(|| {
                    Error::too_large(
                        "the sample count of a folded-stack file",
                        MAX_SAMPLES,
                        Some((offset + stack.len() + 1) as u64),
                        Some(number),
                    )
                })?;
            let mut frames = Frames::new(stack);
            let thread = match (dialect, frames.peek()) {
                (Dialect::Tachyon, Some(first)) => first.strip_prefix(b"tid:").map(|tid| {
                    let tid = String::from_utf8_lossy(tid);
                    frames.next();
                    scan.thread(&mut thread_of, &tid, None)
                }),
                (Dialect::PySpy, Some(first)) if first.starts_with(b"thread (") => {
                    let text = String::from_utf8_lossy(first);
                    let thread = thread_frame(&text)
                        .map(|(tid, name)| scan.thread(&mut thread_of, tid, name));
                    if thread.is_some() {
                        frames.next();
                    }
                    thread
                }
                _ => None,
            };
            let mut shared = true;
            for (depth, frame) in frames.enumerate() {
                if shared
                    && let Some(&(text, id)) = previous.get(depth)
                    && text == frame
                {
                    scan.frames.push(id);
                    continue;
                }
                if shared {
                    previous.truncate(depth);
                    shared = false;
                }
                let id = scan.texts.get_or_insert(frame);
                scan.frames.push(id);
                previous.push((frame, id));
            }
            scan.runs.push(Run {
                end: scan.frames.len() as u32,
                thread: thread.unwrap_or(NO_THREAD),
                count,
            });
        }
        Ok(scan)
    }

    /// The number of the thread `id`, remembering the first name given to it.
    fn thread(
        &mut self,
        thread_of: &mut HashMap<String, u32>,
        id: &str,
        name: Option<&str>,
    ) -> u32 {
        let index = match thread_of.get(id) {
            Some(&index) => index,
            None => {
                let index = self.threads.len() as u32;
                self.threads.push((id.to_string(), None));
                thread_of.insert(id.to_string(), index);
                index
            }
        };
        let slot = &mut self.threads[index as usize].1;
        if slot.is_none() {
            *slot = name.filter(|n| !n.is_empty()).map(str::to_string);
        }
        index
    }
}

/// Text `id` of a [`FrameTexts`].
fn slice<'a>(text: &'a [u8], ends: &[u32], id: u32) -> &'a [u8] {
    let start = if id == 0 { 0 } else { ends[id as usize - 1] };
    &text[start as usize..ends[id as usize] as usize]
}

/// Frame texts, numbered in order of first appearance. The texts are copied into one buffer:
/// compared in place, they would be read from wherever in the input each was first seen, a
/// cache miss per frame.
#[derive(Default)]
struct FrameTexts {
    text: Vec<u8>,
    /// Per id, where its text ends in `text`.
    ends: Vec<u32>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl FrameTexts {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn text(&self, id: usize) -> &[u8] {
        slice(&self.text, &self.ends, id as u32)
    }

    fn get(&self, frame: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(frame);
        self.table
            .find(hash, |&id| self.text(id as usize) == frame)
            .copied()
    }

    fn get_or_insert(&mut self, frame: &[u8]) -> u32 {
        let hash = self.hasher.hash_one(frame);
        let found = self.table.find(hash, |&id| self.text(id as usize) == frame);
        if let Some(&id) = found {
            return id;
        }
        let id = self.ends.len() as u32;
        self.text.extend_from_slice(frame);
        self.ends.push(self.text.len() as u32);
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.table
            .insert_unique(hash, id, |&id| hasher.hash_one(slice(text, ends, id)));
        id
    }
}

/// The frames of a stack, split at `;` (none for an empty stack).
struct Frames<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Frames<'a> {
    fn new(stack: &'a [u8]) -> Frames<'a> {
        Frames {
            rest: (!stack.is_empty()).then_some(stack),
        }
    }

    fn peek(&self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        Some(memchr::memchr(b';', rest).map_or(rest, |n| &rest[..n]))
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memchr(b';', rest) {
            Some(n) => {
                self.rest = Some(&rest[n + 1..]);
                Some(&rest[..n])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// Whether a line is `stack COUNT` (the stack may be empty): what detection looks for.
pub(crate) fn is_stack_line(line: &[u8]) -> bool {
    split_count(line).is_some_and(|(_, count)| is_digits(count))
}

/// Splits `stack COUNT` at the last space (or tab); `None` if there is no separator.
fn split_count(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = line.trim_ascii_end();
    let at = line.iter().rposition(|&b| b == b' ' || b == b'\t')?;
    Some((&line[..at], &line[at + 1..]))
}

fn is_digits(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().all(u8::is_ascii_digit)
}

/// A count: decimal digits that fit in a u64.
fn parse_count(text: &[u8]) -> Option<u64> {
    if !is_digits(text) {
        return None;
    }
    text.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// py-spy's thread frame: `thread (TID)` or `thread (TID): NAME`, as (TID, NAME).
fn thread_frame(frame: &str) -> Option<(&str, Option<&str>)> {
    let rest = frame.strip_prefix("thread (")?;
    let close = rest.find(')')?;
    let tid = &rest[..close];
    if !is_digits(tid.as_bytes()) && !tid.starts_with("0x") {
        return None;
    }
    match &rest[close + 1..] {
        "" => Some((tid, None)),
        name => Some((tid, Some(name.strip_prefix(": ")?))),
    }
}

/// py-spy's frame `name (file:line)` (or `name (file)` with `--nolineno`), as (file, line, name).
fn py_spy_frame(frame: &str) -> Option<(&str, i64, &str)> {
    let inner = frame.strip_suffix(')')?;
    let open = inner.rfind(" (")?;
    let (name, location) = (&inner[..open], &inner[open + 2..]);
    match location.rsplit_once(':') {
        Some((file, line)) if is_digits(line.as_bytes()) => Some((file, line.parse().ok()?, name)),
        _ => Some((location, 0, name)),
    }
}

/// Python 3.15's frame `file:qualname:line`, as (file, line, name).
fn tachyon_frame(frame: &str) -> Option<(&str, i64, &str)> {
    let (file, rest) = frame.split_once(':')?;
    let (name, line) = rest.rsplit_once(':')?;
    if !is_digits(line.as_bytes()) {
        return None;
    }
    Some((file, line.parse().ok()?, name))
}

/// A frame's key (file, line, name) in `dialect`; kept whole as a builtin-shaped key when it
/// does not parse.
fn parse_frame(dialect: Dialect, frame: &str) -> (&str, i64, &str) {
    let parsed = match dialect {
        Dialect::PySpy => py_spy_frame(frame),
        Dialect::Tachyon => tachyon_frame(frame),
        Dialect::Plain => None,
    };
    parsed.unwrap_or(("~", 0, frame))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::model::{FunctionId, Measure};

    fn read_text(text: &str) -> Profile {
        read(text.as_bytes(), &Options::default()).expect("reads")
    }

    fn find(p: &Profile, name: &str) -> FunctionId {
        p.functions().find(|&f| p.name(f) == name).expect(name)
    }

    #[test]
    fn dialects_are_recognised() {
        assert_eq!(Dialect::detect(b"tid:5;a.py:f:3 1\n"), Dialect::Tachyon);
        assert_eq!(
            Dialect::detect(b"f (a.py:3);g (a.py:9) 2\n"),
            Dialect::PySpy
        );
        assert_eq!(Dialect::detect(b"thread (12);g 2\n"), Dialect::PySpy);
        assert_eq!(Dialect::detect(b" 2\nmain;f 3\n"), Dialect::Plain);
        assert_eq!(Dialect::detect(b""), Dialect::Plain);
    }

    #[test]
    fn py_spy_frames_and_threads() {
        let p = read_text(
            "thread (7): MainThread;<module> (m.py:9);f (m.py:3) 2\n\
             thread (7);<module> (m.py:9) 1\nthread (8) 4\n",
        );
        let f = find(&p, "f");
        assert_eq!((p.file(f), p.line(f)), ("m.py", 3));
        let module = find(&p, "<module>");
        assert_eq!(p.stats(module).calls, 3);
        assert_eq!(p.stats(module).primitive_calls, 1);
        let stacks = p.stacks().expect("stacks");
        assert_eq!(stacks.threads().len(), 2);
        assert_eq!(stacks.threads()[0].name.as_deref(), Some("MainThread"));
        assert_eq!(stacks.samples_without_frames(), 4);
        assert_eq!(p.measure(), Measure::Samples { timed: false });
    }

    #[test]
    fn thread_frames_can_be_kept() {
        let options = Options {
            thread_frames: true,
            interval: Some(0.01),
            ..Default::default()
        };
        let p = read(b"thread (7);f (m.py:3) 2\n", &options).expect("reads");
        let thread = find(&p, "thread (7)");
        assert_eq!(p.stats(thread).calls, 2);
        assert_eq!(p.stats(thread).cumtime, 0.02);
        assert_eq!(p.measure(), Measure::Samples { timed: true });
    }

    #[test]
    fn tachyon_frames_and_special_frames() {
        let p = read_text("tid:3;a.py:Outer.f:12;<GC> 5\ntid:3;a.py:Outer.f:12 1\n");
        let f = find(&p, "Outer.f");
        assert_eq!((p.file(f), p.line(f)), ("a.py", 12));
        let gc = find(&p, "<GC>");
        assert_eq!(p.display_name(gc), "{GC}");
        assert_eq!(p.stats(f).calls, 6);
        assert_eq!(p.stats(f).primitive_calls, 1);
    }

    #[test]
    fn plain_frames_are_names() {
        let p = read_text("main;f;g 3\r\nmain;f 1\n\nmain;f;g 2\n");
        let g = find(&p, "g");
        assert_eq!(p.display_name(g), "g");
        assert_eq!(p.stats(g).primitive_calls, 5);
        assert_eq!(p.stacks().expect("stacks").samples().len(), 2);
    }

    #[test]
    fn bad_lines_name_the_line_and_offset() {
        let e = read(b"main;f 1\nmain;f\n", &Options::default()).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Invalid { .. }), "{e}");
        assert_eq!((e.line(), e.offset()), (Some(2), Some(9)));
        assert!(e.to_string().contains("`main;f`"), "{e}");
        let e = read(b"f 18446744073709551616\n", &Options::default()).unwrap_err();
        assert_eq!((e.line(), e.offset()), (Some(1), Some(2)));
        // A count that fits in a u64 but past MAX_SAMPLES in all is too large, where it was.
        let e = read(b"f 18446744073709551615\n", &Options::default()).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::TooLarge { .. }), "{e}");
        assert_eq!((e.line(), e.offset()), (Some(1), Some(2)));
        assert!(read(b"f 9007199254740992\n", &Options::default()).is_ok());
        let e = read(b"f 9007199254740992\ng 1\n", &Options::default()).unwrap_err();
        assert_eq!((e.line(), e.offset()), (Some(2), Some(21)));
        let e = read(b"f -1\n", &Options::default()).unwrap_err();
        assert!(e.to_string().contains("`-1`"), "{e}");
    }

    #[test]
    fn odd_bytes_are_data() {
        let p = read(b"ma\xffin;f\0g 1\n", &Options::default()).expect("reads");
        assert!(p.functions().any(|f| p.name(f) == "f\0g"));
        assert!(p.functions().any(|f| p.name(f) == "ma\u{fffd}in"));
    }

    #[test]
    fn huge_names_are_data_and_huge_lines_are_refused() {
        let name = "x".repeat(1 << 20);
        let p = read(format!("main;{name} 2\n").as_bytes(), &Options::default()).expect("reads");
        assert!(p.functions().any(|f| p.name(f).len() == 1 << 20));
        let mut line = vec![b'f'; MAX_LINE + 1];
        line.extend_from_slice(b" 1\n");
        let mut input = b"main 1\n".to_vec();
        input.extend_from_slice(&line);
        let e = read(&input, &Options::default()).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::TooLarge { .. }), "{e}");
        assert_eq!((e.line(), e.offset()), (Some(2), Some(7)));
    }

    /// The stack-by-stack read (a (parent, frame) lookup per frame, lines in input order),
    /// against which the sorted build is checked.
    fn read_stack_by_stack(input: &[u8], dialect: Dialect) -> Profile {
        let mut builder = SampleBuilder::new(false);
        let mut texts = FrameTexts::default();
        let mut key_of = Vec::new();
        for (_, line) in lines(input) {
            let Some((stack, count)) = split_count(line) else {
                continue;
            };
            let count = parse_count(count).expect("count");
            if count == 0 {
                continue;
            }
            let mut frames = Frames::new(stack);
            let thread = match frames.peek() {
                Some(first) if dialect == Dialect::PySpy && first.starts_with(b"thread (") => {
                    frames.next();
                    let text = String::from_utf8_lossy(first).into_owned();
                    let (tid, name) = thread_frame(&text).expect("thread");
                    Some(builder.thread(tid, name))
                }
                _ => None,
            };
            let mut node = None;
            for frame in frames {
                let id = texts.get_or_insert(frame) as usize;
                if id == key_of.len() {
                    let text = String::from_utf8_lossy(frame);
                    let (file, line, name) = parse_frame(dialect, &text);
                    key_of.push(builder.key(file, line, name));
                }
                node = Some(builder.push(node, key_of[id]));
            }
            builder.add(node, thread, count, count as f64);
        }
        builder.finish(false, Vec::new())
    }

    /// Generated py-spy lines in no order: shared prefixes, recursion, repeated stacks,
    /// threads, equal frames under several texts (`f (a.py)` and `f (a.py:0)`).
    fn generated(lines: usize, seed: u64) -> String {
        let mut state = seed;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let mut text = String::new();
        for _ in 0..lines {
            match next(4) {
                0 => text.push_str("thread (1): main;"),
                1 => text.push_str("thread (2);"),
                _ => {}
            }
            let depth = next(9);
            let mut frames = vec!["<module> (m.py:1)".to_string()];
            for _ in 0..depth {
                frames.push(match next(7) {
                    0 => "f (a.py)".to_string(),
                    1 => "f (a.py:0)".to_string(),
                    n => format!("g{} (b.py:{})", n, next(3)),
                });
            }
            text.push_str(&frames.join(";"));
            text.push_str(&format!(" {}\n", next(5)));
        }
        text
    }

    #[test]
    fn sorted_build_is_the_stack_by_stack_read() {
        let json = |p: &Profile| crate::export::json::to_vec(p, &Default::default());
        for (lines, seed) in [(1, 1), (40, 2), (500, 3), (3000, 4)] {
            let text = generated(lines, seed);
            let expected = json(&read_stack_by_stack(text.as_bytes(), Dialect::PySpy));
            for parts in 1..4 {
                let p = read_in(text.as_bytes(), &Options::default(), parts).expect("reads");
                assert!(json(&p) == expected, "{lines} lines in {parts} parts");
            }
        }
    }

    /// Deep stacks over many distinct frames, so that the sort packs few keys to a digit and
    /// orders ties through several levels: long shared prefixes, stacks that end exactly where
    /// a level does, prefixes of each other, and repeats.
    #[test]
    fn sorted_build_of_deep_stacks_is_the_stack_by_stack_read() {
        let json = |p: &Profile| crate::export::json::to_vec(p, &Default::default());
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        // 5,000 names make 13-bit keys: 9 to a digit, 18 to an item.
        let mut text: String = (0..5000).map(|i| format!("n{i} 1\n")).collect();
        let prefix: Vec<String> = (0..70).map(|i| format!("p{}", i % 7)).collect();
        for _ in 0..2000 {
            let shared = [0, 9, 17, 18, 19, 36, 54, 70][next(8) as usize];
            let mut frames = prefix[..shared].to_vec();
            for _ in 0..next(30) {
                frames.push(format!("n{}", next(3) * 1000 + next(2)));
            }
            text.push_str(&frames.join(";"));
            text.push_str(&format!(" {}\n", next(3)));
        }
        let expected = json(&read_stack_by_stack(text.as_bytes(), Dialect::Plain));
        for parts in 1..3 {
            let p = read_in(text.as_bytes(), &Options::default(), parts).expect("reads");
            assert!(json(&p) == expected, "{parts} parts");
        }
    }

    /// Frames taken from the line before end where its frames end: at a `;`, at the end of
    /// either text, after a thread frame, after an empty frame.
    #[test]
    fn frames_shared_with_the_line_before_at_every_boundary() {
        let json = |p: &Profile| crate::export::json::to_vec(p, &Default::default());
        let text = "thread (1);a 1\na;b 1\na;bc 1\na;b;c 1\na 1\na; 1\na;; 1\na;;x 2\na;b 1\n\
                    a;b;c 1\nab;c 1\na;b;c;d 1\na;b;c 1\nthread (1);a;b 1\nthread (2);a;b 1\n 3\n\
                    thread (2) 1\nthread (2);a;bb 1\n;a 1\n;a;b 1\n:;:;: 1\n:;:;;: 1\n";
        let expected = json(&read_stack_by_stack(text.as_bytes(), Dialect::PySpy));
        let p = read_in(text.as_bytes(), &Options::default(), 1).expect("reads");
        assert!(json(&p) == expected);
    }

    #[test]
    fn later_pieces_report_errors_as_one_piece_does() {
        let mut text = generated(300, 5);
        text.push_str("main;f x\n");
        text.push_str(&generated(300, 6));
        let one = read_in(text.as_bytes(), &Options::default(), 1).unwrap_err();
        let two = read_in(text.as_bytes(), &Options::default(), 2).unwrap_err();
        assert_eq!(one.to_string(), two.to_string());
        assert_eq!(one.line(), Some(301));
    }

    #[test]
    fn deep_stacks_are_bounded_by_the_line() {
        let mut line = vec!["f"; 100_000].join(";");
        line.push_str(" 1\n");
        let p = read(line.as_bytes(), &Options::default()).expect("reads");
        let f = find(&p, "f");
        assert_eq!(p.stats(f).calls, 1);
        assert_eq!(p.stacks().expect("stacks").stack_count(), 100_000);
    }
}
