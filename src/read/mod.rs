//! Readers: bytes in, [`Profile`] out. Readers never open files; [`read_path`] is a thin
//! wrapper that also records the path and modification time for the report header.

pub mod any;
pub mod cprofile;
mod file;
pub mod folded;
pub mod lprof;
pub mod mprof;
pub mod speedscope;

use std::path::Path;

use crate::error::Error;
use crate::format::{Detected, InputFormat, ProfileKind};
use crate::model::{Combiner, FunctionId, LineProfile, Profile};
use crate::threads::Threads;

pub use any::{AnyProfile, read, read_path};

/// Recognises an input's format from its first bytes: a profile format pstat reads, or what
/// else it looks like.
pub fn detect(input: &[u8]) -> Detected {
    match input {
        [] => Detected::Empty,
        // A JSON object: '{', maybe whitespace, then a key. No marshal type code is
        // whitespace or '"', so a stats dump never starts this way.
        [b'{', rest @ ..] if is_json_object(rest) => Detected::Profile(InputFormat::Speedscope),
        // '{' with or without FLAG_REF: every stats dump starts with its dict.
        [b'{' | 0xfb, ..] => Detected::Profile(InputFormat::Stats),
        // PROTO opcode with protocol 2–5: every pickle line_profiler writes.
        [0x80, 2..=5, ..] => Detected::Profile(InputFormat::Lprof),
        [0x1f, 0x8b, ..] => Detected::Gzip,
        // By its first line alone (a command line or a function name may hold control
        // characters), and before folded stacks: `CMDLINE python x.py 3` would pass for one.
        _ if mprof::looks_like_mprof(input) => Detected::Profile(InputFormat::Mprof),
        _ if looks_like_text(input) && looks_folded(input) => {
            Detected::Profile(InputFormat::Folded)
        }
        _ if looks_like_text(input) => Detected::Text,
        _ => Detected::Unknown,
    }
}

fn is_json_object(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii_start();
    matches!(rest.first(), Some(b'"' | b'}'))
}

/// Whether the first line that is not blank ends with a space and a count. The line may be
/// long (a deep stack): it is found, not parsed, so this costs one pass over it.
fn looks_folded(input: &[u8]) -> bool {
    let Some(line) = input
        .split(|&b| b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
    else {
        return false;
    };
    folded::is_stack_line(line)
}

fn looks_like_text(input: &[u8]) -> bool {
    let head = &input[..input.len().min(512)];
    let head = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut at the 512-byte mark is still text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    head.chars().all(|c| !c.is_control() || c.is_whitespace())
}

/// What to read of a profile, and how. The same options read every format; each field says
/// which formats it concerns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// The kind of profile wanted: an input of another kind is refused from its first bytes
    /// ([`ErrorKind::WrongFormat`](crate::ErrorKind::WrongFormat)), before the rest is read.
    /// Default: none, any kind.
    pub kind: Option<ProfileKind>,
    /// The input's format, instead of recognising it by content ([`detect`]). Default: none.
    pub format: Option<InputFormat>,
    /// Read the caller→callee edges. Default: true. Without them the profile has its
    /// functions, their figures, the totals and the top-level functions, and no edges (as if
    /// every callers dict were empty): all that a function listing (`pstat show`) needs, read
    /// in about half the time of a big profile.
    pub callers: bool,
    /// Sampled inputs with threads (py-spy `--threads`, Python 3.15, speedscope): give each
    /// stack its thread as a root frame instead of merging the threads. Default: false.
    pub thread_frames: bool,
    /// Folded stacks: the time one sample stands for, in seconds (1/rate). Without it their
    /// times are sample counts. Default: none.
    pub sample_interval: Option<f64>,
    /// How many threads reading may use ([`Threads`]): a big stats dump is read on two, and
    /// several inputs are read on one thread while another adds them up. Default: auto.
    pub threads: Threads,
    /// The most bytes an input may have when it is read into memory whole (every input but a
    /// stats dump of 4 MiB or more, which is decoded a window at a time and needs memory for
    /// its profile only): a larger one is refused with
    /// [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) before it is read, and a stream (a
    /// pipe, standard input, a device) when it gets past it. Default:
    /// [`DEFAULT_MAX_INPUT`], 4 GiB.
    pub max_input: u64,
}

/// The default of [`ReadOptions::max_input`]: 4 GiB, eighty times the largest real profile
/// measured (a 300,000-function dump is 47 MB), and the most that the folded-stack reader's
/// 32-bit offsets address.
pub const DEFAULT_MAX_INPUT: u64 = 4 << 30;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            kind: None,
            format: None,
            callers: true,
            thread_frames: false,
            sample_interval: None,
            threads: Threads::Auto,
            max_input: DEFAULT_MAX_INPUT,
        }
    }
}

impl ReadOptions {
    /// Options that read only call profiles (cProfile dumps, sampled stacks), refusing the other
    /// kinds from their first bytes: the options `pstat show` reads with.
    pub fn calls() -> ReadOptions {
        ReadOptions {
            kind: Some(ProfileKind::Calls),
            ..ReadOptions::default()
        }
    }

    /// What the input is: the format these options name, else what its bytes say.
    fn format_of(&self, input: &[u8]) -> Detected {
        match self.format {
            Some(format) => Detected::Profile(format),
            None => detect(input),
        }
    }
}

/// The bytes of an input stream (standard input, a pipe), read to its end for [`read()`], as
/// [`read_path`] reads a file that is not a regular one: its first 4 KiB must be able to begin
/// an input of a format pstat reads (of [`ReadOptions::kind`], if given), or it is refused
/// there, and a stream longer than [`ReadOptions::max_input`] is refused when it gets past
/// it. So `/dev/zero`, `/dev/urandom` or an endless pipe of text end with an error at once,
/// and an endless pipe of profile-like text when it reaches the limit.
///
/// # Errors
///
/// [`ErrorKind::WrongFormat`](crate::ErrorKind::WrongFormat) from the first bytes,
/// [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) past the limit,
/// [`ErrorKind::Io`](crate::ErrorKind::Io) when reading fails or memory runs out.
pub fn input_bytes(reader: impl std::io::Read, options: &ReadOptions) -> Result<Vec<u8>, Error> {
    file::read_bounded(
        reader,
        options.max_input,
        |head, whole| any::refuse_early(head, whole, options),
        || Error::too_large("an input", options.max_input, None, None),
    )
}

/// Where an input comes from: a file, or bytes already in memory (standard input, a network
/// response) with the name the reports give it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Source<'a> {
    /// A file, read as [`read_path`] reads it.
    Path(&'a Path),
    /// Bytes, read as [`read()`] reads them; a call profile records `name` as its file (the
    /// report header shows it), a memory recording as its path.
    Bytes {
        /// What reports and errors call the input, such as `<stdin>`.
        name: &'a str,
        /// The input.
        bytes: &'a [u8],
    },
}

impl Source<'_> {
    /// What the input is, from its first 4 KiB; a file that cannot be read is
    /// [`Detected::Empty`] (reading it then reports why).
    pub fn detect(&self) -> Detected {
        match self {
            Source::Path(path) => detect(&file::head(path, 4096)),
            Source::Bytes { bytes, .. } => detect(&bytes[..bytes.len().min(4096)]),
        }
    }

    /// The kind of profile the input holds, from its first bytes: [`ProfileKind::Calls`] for
    /// anything that is no profile format pstat reads (reading it then says what it is).
    pub fn kind(&self) -> ProfileKind {
        self.detect()
            .format()
            .map_or(ProfileKind::Calls, InputFormat::kind)
    }

    /// The name errors give the input: the path as given, or the bytes' name.
    pub fn name(&self) -> String {
        match self {
            Source::Path(path) => path.display().to_string(),
            Source::Bytes { name, .. } => (*name).to_string(),
        }
    }

    /// Reads the input, with its name on any error ([`Error::input`]).
    pub fn read(&self, options: &ReadOptions) -> Result<AnyProfile, Error> {
        let read = match self {
            Source::Path(path) => any::read_path(path, options),
            Source::Bytes { name, bytes } => any::read(bytes, options).map(|mut profile| {
                profile.set_source(name, None);
                profile
            }),
        };
        read.map_err(|e| e.with_input(self.name()))
    }
}

/// Reads several inputs and adds them together, as `pstat show a b c` does: call profiles as
/// `pstats.Stats(a, b, c)` adds them (in its order: a, then c, then b; see
/// [`Combiner::pstats_order`]), line profiles as line_profiler 5 adds them, and memory
/// recordings side by side, in the order given. The first input's kind decides; an input of
/// another kind is refused from its first bytes. `added` is called with each input's index
/// once it has been added (a progress bar's hook).
///
/// With [`ReadOptions::threads`] allowing two, call profiles are read on one thread while the
/// calling thread adds them up, at most two read profiles waiting in between, so memory stays
/// that of the sum and not of all the inputs. The result is the same either way.
///
/// # Errors
///
/// The first input's error, named by [`Error::input`]; merging profiles of different kinds
/// ([`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible)) names the input that did not
/// fit.
pub fn read_all(
    sources: &[Source<'_>],
    options: &ReadOptions,
    mut added: impl FnMut(usize),
) -> Result<AnyProfile, Error> {
    let Some(first) = sources.first() else {
        return Err(Error::new(
            crate::ErrorKind::Invalid {
                format: "inputs",
                expected: "at least one input",
                found: "none".to_string(),
            },
            None,
        ));
    };
    if let [only] = sources {
        let profile = only.read(options)?;
        added(0);
        return Ok(profile);
    }
    let kind = options.kind.unwrap_or_else(|| first.kind());
    let options = ReadOptions {
        kind: Some(kind),
        ..options.clone()
    };
    match kind {
        ProfileKind::Calls => merge_calls(sources, &options, added).map(AnyProfile::Calls),
        ProfileKind::Lines => {
            let mut profiles = Vec::with_capacity(sources.len());
            for (i, source) in sources.iter().enumerate() {
                profiles.push(source.read(&options)?.into_lines()?);
                added(i);
            }
            Ok(AnyProfile::Lines(LineProfile::combine(profiles)))
        }
        ProfileKind::Memory => {
            let mut recordings = Vec::with_capacity(sources.len());
            for (i, source) in sources.iter().enumerate() {
                recordings.extend(source.read(&options)?.into_memory()?);
                added(i);
            }
            Ok(AnyProfile::Memory(recordings))
        }
    }
}

/// Reads each input on its own, as [`Source::read`] does, into one profile per input in the
/// inputs' order (the runs of a side of `pstat diff`). With [`ReadOptions::threads`] allowing
/// two, the first half of the inputs is read on another thread while this one reads the
/// second.
///
/// # Errors
///
/// The first failing input's error, in the inputs' order, named by [`Error::input`].
pub fn read_each(sources: &[Source<'_>], options: &ReadOptions) -> Result<Vec<AnyProfile>, Error> {
    let read = |sources: &[Source<'_>]| -> Result<Vec<AnyProfile>, Error> {
        sources.iter().map(|source| source.read(options)).collect()
    };
    if sources.len() < 2 || !options.threads.two() {
        return read(sources);
    }
    let (first, second) = sources.split_at(sources.len() / 2);
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| read(first));
        let second = read(second);
        let first = first
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    let mut profiles = first?;
    profiles.extend(second?);
    Ok(profiles)
}

/// Call profiles added up in pstats' order, read on another thread when two are allowed.
fn merge_calls(
    sources: &[Source<'_>],
    options: &ReadOptions,
    mut added: impl FnMut(usize),
) -> Result<Profile, Error> {
    let order = Combiner::pstats_order(sources.len());
    let read = |i: usize| sources[i].read(options).and_then(AnyProfile::into_calls);
    let mut combiner = Combiner::default();
    let mut add = |i: usize, profile: Profile| -> Result<(), Error> {
        combiner
            .add(&profile)
            .map_err(|e| e.with_input(sources[i].name()))?;
        added(i);
        Ok(())
    };
    if !options.threads.two() {
        for i in order {
            add(i, read(i)?)?;
        }
        return Ok(combiner.finish());
    }
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(2);
        scope.spawn(move || {
            for i in order {
                let result = read(i);
                let failed = result.is_err();
                if sender.send((i, result)).is_err() || failed {
                    break;
                }
            }
        });
        for (i, profile) in receiver {
            add(i, profile?)?;
        }
        Ok::<(), Error>(())
    })?;
    Ok(combiner.finish())
}

/// Reads a profile for a report on the callers of some of its functions (`pstat callers -n
/// 20`), without reading the callers of the others.
///
/// The profile is first read without edges, as [`ReadOptions::callers`] `false` reads it;
/// `select` picks functions from it, and then only their callers dicts are read, again from
/// where they are in the input. The result has every function's figures, the totals and the
/// top-level functions, and for each function `select` picked the callers a full read
/// ([`read()`]) gives it: the same keys and figures in the same order (a function known
/// only as a caller may have another id). Other functions may have no callers, so no other
/// edge is to be relied on, nor the callees of any function. [`Profile::has_timed_edges`] is
/// what it is after a full read. It pays when `select` picks a few functions: on a
/// 300k-function dump, `pstat callers -n 20` then takes about the time of a read without
/// edges, 126 ms against a full read's 185 (docs/performance.md). If the picked functions'
/// entries hold more than a third of the dump, decoding them again would cost more than a full
/// read: the dump is then read again whole, with its edges.
///
/// Only stats dumps are read this way. Any other input, and a stats dump the fast decoder
/// declines (docs/design.md), is read whole with its edges, and `select` is not called.
/// `options.callers` is not looked at.
///
/// ```
/// # fn main() -> Result<(), pstat::Error> {
/// use pstat::query::{self, ListOptions};
/// let input = std::fs::read("tests/fixtures/stats/py313/cprofile.stats")?;
/// let mut options = ListOptions::default();
/// options.restrictions = vec![query::Restriction::Count(20)];
/// let profile = pstat::read_callers_of(&input, &Default::default(), |profile| {
///     query::list(profile, &options).functions
/// })?;
/// let mut report = Vec::new();
/// pstat::report::write_callers(&profile, &options, &mut report)?;
/// # Ok(())
/// # }
/// ```
pub fn read_callers_of(
    input: &[u8],
    options: &ReadOptions,
    select: impl FnOnce(&Profile) -> Vec<FunctionId>,
) -> Result<Profile, Error> {
    let options = ReadOptions {
        callers: true,
        kind: Some(ProfileKind::Calls),
        ..options.clone()
    };
    match options.format_of(input) {
        Detected::Profile(InputFormat::Stats) => {
            cprofile::read_callers_of(input, options.threads, select)
        }
        _ => any::read(input, &options)?.into_calls(),
    }
}

/// [`read_callers_of`] of a file, which also records its path and modification time as
/// [`read_path`] does. A stats dump of 4 MiB or more is decoded as it is read, and the chosen
/// callers dicts are read again from the file; if its length or modification time changed in
/// between, it is read whole again, with all its edges.
pub fn read_path_callers_of(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    select: impl FnOnce(&Profile) -> Vec<FunctionId>,
) -> Result<Profile, Error> {
    let read = |opened: &mut std::fs::File, metadata: &std::fs::Metadata| {
        if !metadata.is_file() {
            // A pipe or a device, read as a stream and with its bound, as read_path reads it.
            let bytes = input_bytes(&mut *opened, options)?;
            return Ok(AnyProfile::Calls(read_callers_of(&bytes, options, select)?));
        }
        let len = metadata.len();
        let threads = options.threads;
        let profile = match cprofile::read_file_callers_of(opened, len, threads, select)? {
            Ok(profile) => profile,
            Err(select) => {
                read_callers_of(&file::read_opened(opened, len, threads)?, options, select)?
            }
        };
        Ok(AnyProfile::Calls(profile))
    };
    let path = path.as_ref();
    any::read_file_at(path, read)
        .and_then(AnyProfile::into_calls)
        .map_err(|e| e.with_input(path.display().to_string()))
}

/// The lines of a text input (folded stacks, mprof recordings) with their byte offsets, without their `\n` or `\r\n`.
pub(crate) fn lines(input: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= input.len() {
            return None;
        }
        let start = at;
        let end = memchr::memchr(b'\n', &input[start..]).map_or(input.len(), |n| start + n);
        at = end + 1;
        let line = &input[start..end];
        Some((start, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        let format = |f| Detected::Profile(f);
        assert_eq!(detect(b"{0"), format(InputFormat::Stats));
        assert_eq!(detect(b"\xfb)\x03"), format(InputFormat::Stats));
        assert_eq!(detect(b"\x80\x04\x95"), format(InputFormat::Lprof));
        assert_eq!(detect(b"\x1f\x8b\x08"), Detected::Gzip);
        assert_eq!(detect(b"   ncalls  tottime\n"), Detected::Text);
        assert_eq!(detect(b""), Detected::Empty);
        assert_eq!(detect(b"main;f 12\n"), format(InputFormat::Folded));
        assert_eq!(detect(b"\n 2\n"), format(InputFormat::Folded));
        assert_eq!(detect(b"main;f 1x\n"), Detected::Text);
        assert_eq!(detect(b"{\n  \"$schema\""), format(InputFormat::Speedscope));
        assert_eq!(detect(b"{}"), format(InputFormat::Speedscope));
        assert_eq!(detect(b"\x00\x01\x02"), Detected::Unknown);
        assert_eq!(
            detect(b"CMDLINE python x.py 3\nMEM 1.5 2\n"),
            format(InputFormat::Mprof)
        );
        assert_eq!(detect(b"MEM 1.5 2\n"), format(InputFormat::Mprof));
    }

    fn fixture(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path)
    }

    fn calls(path: &Path) -> Profile {
        read_path(path, &ReadOptions::default())
            .and_then(AnyProfile::into_calls)
            .unwrap()
    }

    /// Inputs other than stats dumps are read whole, with their edges, without asking which
    /// functions; ids that are no listed function are passed over; a path records its source.
    #[test]
    fn callers_of_a_few_by_input_kind() {
        let folded = fixture("sampled/py-spy/recursive.folded");
        let options = ReadOptions::default();
        let full = calls(&folded);
        let read = read_path_callers_of(&folded, &options, |_| panic!("not a stats dump")).unwrap();
        assert_eq!(read.edge_count(), full.edge_count());
        assert_eq!(read.files(), full.files());
        let stats = fixture("stats/py313/cprofile.stats");
        let full = calls(&stats);
        let beyond = vec![FunctionId((full.all_functions().len() + 5) as u32)];
        let read = read_path_callers_of(&stats, &options, |_| beyond).unwrap();
        assert_eq!(read.function_count(), full.function_count());
        assert_eq!(read.files(), full.files());
        let bytes = std::fs::read(&stats).unwrap();
        let mut asked = 0;
        let read = read_callers_of(&bytes, &options, |p| {
            asked += 1;
            vec![FunctionId((p.function_count() - 1) as u32)]
        })
        .unwrap();
        assert_eq!(asked, 1);
        let last = FunctionId(full.function_count() as u32 - 1);
        assert_eq!(read.callers(last).len(), full.callers(last).len());
    }

    fn wrong_format(e: &Error) -> (ProfileKind, Detected) {
        match e.kind() {
            crate::ErrorKind::WrongFormat { expected, found } => (*expected, *found),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_input_says_what_it_looks_like() {
        let lines = ReadOptions {
            kind: Some(ProfileKind::Lines),
            ..ReadOptions::default()
        };
        let e = read(b"\x80\x04\x95\x00", &ReadOptions::calls()).unwrap_err();
        assert!(e.to_string().contains("line_profiler .lprof"), "{e}");
        let lprof = Detected::Profile(InputFormat::Lprof);
        assert_eq!(wrong_format(&e), (ProfileKind::Calls, lprof));
        let e = read(b"{0", &lines).unwrap_err();
        assert!(
            e.to_string().contains("this looks like a cProfile/profile"),
            "{e}"
        );
        let stats = Detected::Profile(InputFormat::Stats);
        assert_eq!(wrong_format(&e), (ProfileKind::Lines, stats));
        let e = read(b"", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("empty file"), "{e}");
        assert_eq!(e.input(), None);
    }

    /// Any kind is read by the one door, and a kind asked for refuses the others from their
    /// first bytes: a cut-short `.lprof` read for calls is a wrong format, not a bad pickle.
    #[test]
    fn the_front_door_reads_every_kind() {
        let any = ReadOptions::default();
        let stats = read_path(fixture("stats/py313/cprofile.stats"), &any).unwrap();
        assert_eq!(stats.kind(), ProfileKind::Calls);
        let lprof = fixture("lprof/py312-lp5.1.0/demo.lprof");
        let lines = read_path(&lprof, &any).unwrap();
        assert_eq!(lines.kind(), ProfileKind::Lines);
        let mprof = fixture("mprof/functions.dat");
        let memory = read_path(&mprof, &any).unwrap().into_memory().unwrap();
        assert_eq!(memory.len(), 1);
        assert_eq!(memory[0].path(), Some(mprof.to_str().unwrap()));
        let cut = &std::fs::read(&lprof).unwrap()[..40];
        let e = read(cut, &ReadOptions::calls()).unwrap_err();
        assert_eq!(wrong_format(&e).0, ProfileKind::Calls);
        assert!(matches!(
            read(cut, &any).unwrap_err().kind(),
            crate::ErrorKind::Pickle { .. }
        ));
        let e = read_path(fixture("no/such/file.stats"), &any).unwrap_err();
        assert!(matches!(e.kind(), crate::ErrorKind::Io(_)));
        assert!(e.input().is_some_and(|name| name.ends_with("file.stats")));
        let forced = ReadOptions {
            format: Some(InputFormat::Folded),
            ..ReadOptions::default()
        };
        let e = read(b"{0", &forced).unwrap_err();
        assert!(e.to_string().contains("folded stacks"), "{e}");
    }

    /// Several inputs add up as pstats adds them, the same with threads or without; the error
    /// of a bad one names it; the first input's kind decides.
    #[test]
    fn several_inputs_add_up_with_or_without_threads() {
        let paths = [
            fixture("diff/slow_run1.stats"),
            fixture("diff/slow_run2.stats"),
            fixture("diff/slow_run3.stats"),
        ];
        let sources: Vec<Source<'_>> = paths.iter().map(|p| Source::Path(p)).collect();
        let json = |options: &ReadOptions| {
            let mut order = Vec::new();
            let profile = read_all(&sources, options, |i| order.push(i))
                .and_then(AnyProfile::into_calls)
                .unwrap();
            (
                crate::export::json::to_vec(&profile, &Default::default()),
                order,
            )
        };
        let auto = json(&ReadOptions::default());
        let off = json(&ReadOptions {
            threads: Threads::Off,
            ..ReadOptions::default()
        });
        assert_eq!(auto, off);
        assert_eq!(auto.1, [0, 2, 1], "pstats' order");
        let mut expected = Combiner::default();
        for i in [0, 2, 1] {
            expected.add(&calls(&paths[i])).unwrap();
        }
        let expected = crate::export::json::to_vec(&expected.finish(), &Default::default());
        assert_eq!(auto.0, expected);

        let lprof = fixture("lprof/py312-lp5.1.0/demo.lprof");
        let mixed = [Source::Path(&paths[0]), Source::Path(&lprof)];
        let e = read_all(&mixed, &ReadOptions::default(), |_| {}).unwrap_err();
        assert_eq!(e.input(), Some(lprof.to_str().unwrap()));
        assert_eq!(wrong_format(&e).0, ProfileKind::Calls);
        let bytes = std::fs::read(&paths[0]).unwrap();
        let named = [Source::Bytes {
            name: "<stdin>",
            bytes: &bytes,
        }];
        let profile = read_all(&named, &ReadOptions::default(), |_| {})
            .and_then(AnyProfile::into_calls)
            .unwrap();
        assert_eq!(profile.files()[0].path, "<stdin>");
        assert_eq!(named[0].kind(), ProfileKind::Calls);
        assert_eq!(Source::Path(&lprof).kind(), ProfileKind::Lines);
    }
}
