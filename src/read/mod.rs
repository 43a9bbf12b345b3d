//! Readers: bytes in, [`Profile`] out. Readers never open files; [`read_path`] is a thin
//! wrapper that also records the path and modification time for the report header.

pub mod cprofile;
mod file;
pub mod folded;
pub mod lprof;
pub mod mprof;
#[cfg(not(fuzzing))]
pub(crate) mod pickle;
/// The pickle machine, public only for the fuzz targets.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod pickle;
pub mod speedscope;

use std::path::Path;

use crate::error::Error;
use crate::model::{FunctionId, LineProfile, MemoryProfile, Profile, SourceFile};

/// What an input is, recognised by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputFormat {
    /// A marshalled stats dict (cProfile, profile, yappi, pstats).
    Stats,
    /// A pickle, as line_profiler's `.lprof` files are.
    Pickle,
    /// Folded stacks, one `frame;frame;… COUNT` line per stack (py-spy, Python 3.15,
    /// flamegraph.pl and inferno).
    Folded,
    /// A JSON object, such as a speedscope file.
    Json,
    /// gzip-compressed data.
    Gzip,
    /// Text.
    Text,
    /// No bytes at all.
    Empty,
    /// Anything else.
    Unknown,
    /// A memory_profiler recording (`mprof run`'s `mprofile_*.dat`): lines `CMDLINE …`,
    /// `MEM …`, `FUNC …`, `CHLD …`.
    Mprofile,
}

impl InputFormat {
    /// Recognises the format from the first bytes.
    pub fn detect(input: &[u8]) -> InputFormat {
        match input {
            [] => InputFormat::Empty,
            // A JSON object: '{', maybe whitespace, then a key. No marshal type code is
            // whitespace or '"', so a stats dump never starts this way.
            [b'{', rest @ ..] if is_json_object(rest) => InputFormat::Json,
            // '{' with or without FLAG_REF: every stats dump starts with its dict.
            [b'{' | 0xfb, ..] => InputFormat::Stats,
            // PROTO opcode with protocol 2–5: every pickle line_profiler writes.
            [0x80, 2..=5, ..] => InputFormat::Pickle,
            [0x1f, 0x8b, ..] => InputFormat::Gzip,
            // By its first line alone (a command line or a function name may hold control
            // characters), and before folded stacks: `CMDLINE python x.py 3` would pass for one.
            _ if mprof::looks_like_mprof(input) => InputFormat::Mprofile,
            _ if looks_like_text(input) && looks_folded(input) => InputFormat::Folded,
            _ if looks_like_text(input) => InputFormat::Text,
            _ => InputFormat::Unknown,
        }
    }

    /// What an input of this format is, in words: "a cProfile/profile stats dump", "an empty
    /// file", …
    pub fn description(self) -> &'static str {
        match self {
            InputFormat::Stats => "a cProfile/profile stats dump",
            InputFormat::Pickle => "a Python pickle, such as a line_profiler .lprof file",
            InputFormat::Folded => "folded stacks (py-spy, Python 3.15 --collapsed, flamegraph.pl)",
            InputFormat::Json => "JSON (pstat reads speedscope JSON files)",
            InputFormat::Gzip => "gzip-compressed data (decompress it first)",
            InputFormat::Text => "text (perhaps a printed report rather than a dump)",
            InputFormat::Empty => "an empty file",
            InputFormat::Unknown => "binary data of an unknown kind",
            InputFormat::Mprofile => "a memory_profiler recording (mprof run)",
        }
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

/// What to read of a profile.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReadOptions {
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
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            callers: true,
            thread_frames: false,
            sample_interval: None,
        }
    }
}

/// Reads a profile from bytes of any supported format.
pub fn read(input: &[u8]) -> Result<Profile, Error> {
    read_with(input, &ReadOptions::default())
}

/// [`read`], with options.
pub fn read_with(input: &[u8], options: &ReadOptions) -> Result<Profile, Error> {
    match InputFormat::detect(input) {
        InputFormat::Stats => cprofile::read_with(input, options),
        InputFormat::Folded => {
            let folded = folded::Options {
                thread_frames: options.thread_frames,
                interval: options.sample_interval,
            };
            folded::read(input, &folded)
        }
        InputFormat::Json => {
            let speedscope = speedscope::Options {
                thread_frames: options.thread_frames,
            };
            speedscope::read(input, &speedscope)
        }
        found => Err(Error::wrong_format(InputFormat::Stats, found)),
    }
}

/// Reads a profile file and records its path (as given) and modification time, which the
/// report header shows. A stats dump of 4 MiB or more is decoded as it is read, a window at a
/// time, rather than copied whole into memory first; anything else is read whole (a stats
/// dump the fast decoder declines, such as one with code objects for names, is read both
/// ways).
pub fn read_path(path: impl AsRef<Path>) -> Result<Profile, Error> {
    read_path_with(path, &ReadOptions::default())
}

/// [`read_path`], with options.
pub fn read_path_with(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Profile, Error> {
    read_file_at(path.as_ref(), |opened, len| {
        // A big stats dump is decoded as it is read; anything else is read whole first.
        match cprofile::read_file(opened, len, options)? {
            Some(profile) => Ok(profile),
            None => read_with(&file::read_opened(opened, len)?, options),
        }
    })
}

/// Opens `path`, reads a profile from the open file (given with its length) with `read`, and
/// records the path and the file's modification time in the profile.
fn read_file_at(
    path: &Path,
    read: impl FnOnce(&mut std::fs::File, u64) -> Result<Profile, Error>,
) -> Result<Profile, Error> {
    let mut opened = std::fs::File::open(path)?;
    let metadata = opened.metadata()?;
    let mut profile = read(&mut opened, metadata.len())?;
    profile.set_source(SourceFile {
        path: path.to_string_lossy().into_owned(),
        mtime: metadata.modified().ok(),
    });
    Ok(profile)
}

/// Reads a profile for a report on the callers of some of its functions (`pstat callers -n
/// 20`), without reading the callers of the others.
///
/// The profile is first read without edges, as [`ReadOptions::callers`] `false` reads it;
/// `select` picks functions from it, and then only their callers dicts are read, again from
/// where they are in the input. The result has every function's figures, the totals and the
/// top-level functions, and for each function `select` picked the callers a full read
/// ([`read_with`]) gives it: the same keys and figures in the same order (a function known
/// only as a caller may have another id). Other functions may have no callers, so no other
/// edge is to be relied on, nor the callees of any function. [`Profile::has_timed_edges`] is
/// what it is after a full read. It pays when `select` picks a few functions: on a
/// 300k-function dump, `pstat callers -n 20` then takes about the time of a read without
/// edges (docs/performance.md, "Round 10"). If the picked functions' entries hold more than
/// a third of the dump, decoding them again would cost more than a full read: the dump is then
/// read again whole, with its edges.
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
    match InputFormat::detect(input) {
        InputFormat::Stats => cprofile::read_callers_of(input, select),
        _ => read_with(
            input,
            &ReadOptions {
                callers: true,
                ..options.clone()
            },
        ),
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
    read_file_at(
        path.as_ref(),
        |opened, len| match cprofile::read_file_callers_of(opened, len, select)? {
            Ok(profile) => Ok(profile),
            Err(select) => read_callers_of(&file::read_opened(opened, len)?, options, select),
        },
    )
}

/// Reads a line_profiler profile (`.lprof`) from bytes.
pub fn read_lines(input: &[u8]) -> Result<LineProfile, Error> {
    match InputFormat::detect(input) {
        InputFormat::Pickle => lprof::read(input),
        found => Err(Error::wrong_format(InputFormat::Pickle, found)),
    }
}

/// Reads a line_profiler profile (`.lprof`) file.
pub fn read_lines_path(path: impl AsRef<Path>) -> Result<LineProfile, Error> {
    read_lines(&file::read_file(path.as_ref())?)
}

/// Reads a memory_profiler recording (`mprof run`'s `mprofile_*.dat`) from bytes.
pub fn read_memory(input: &[u8]) -> Result<MemoryProfile, Error> {
    match InputFormat::detect(input) {
        InputFormat::Mprofile => mprof::read(input),
        found => Err(Error::wrong_format(InputFormat::Mprofile, found)),
    }
}

/// Reads a memory_profiler recording file and records its path (as given).
pub fn read_memory_path(path: impl AsRef<Path>) -> Result<MemoryProfile, Error> {
    let path = path.as_ref();
    let mut profile = read_memory(&file::read_file(path)?)?;
    profile.set_path(path.to_string_lossy());
    Ok(profile)
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
        assert_eq!(InputFormat::detect(b"{0"), InputFormat::Stats);
        assert_eq!(InputFormat::detect(b"\xfb)\x03"), InputFormat::Stats);
        assert_eq!(InputFormat::detect(b"\x80\x04\x95"), InputFormat::Pickle);
        assert_eq!(InputFormat::detect(b"\x1f\x8b\x08"), InputFormat::Gzip);
        assert_eq!(
            InputFormat::detect(b"   ncalls  tottime\n"),
            InputFormat::Text
        );
        assert_eq!(InputFormat::detect(b""), InputFormat::Empty);
        assert_eq!(InputFormat::detect(b"main;f 12\n"), InputFormat::Folded);
        assert_eq!(InputFormat::detect(b"\n 2\n"), InputFormat::Folded);
        assert_eq!(InputFormat::detect(b"main;f 1x\n"), InputFormat::Text);
        assert_eq!(InputFormat::detect(b"{\n  \"$schema\""), InputFormat::Json);
        assert_eq!(InputFormat::detect(b"{}"), InputFormat::Json);
        assert_eq!(InputFormat::detect(b"\x00\x01\x02"), InputFormat::Unknown);
        assert_eq!(
            InputFormat::detect(b"CMDLINE python x.py 3\nMEM 1.5 2\n"),
            InputFormat::Mprofile
        );
        assert_eq!(InputFormat::detect(b"MEM 1.5 2\n"), InputFormat::Mprofile);
    }

    /// Inputs other than stats dumps are read whole, with their edges, without asking which
    /// functions; ids that are no listed function are passed over; a path records its source.
    #[test]
    fn callers_of_a_few_by_input_kind() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let folded = root.join("sampled/py-spy/recursive.folded");
        let options = ReadOptions::default();
        let full = read_path_with(&folded, &options).unwrap();
        let read = read_path_callers_of(&folded, &options, |_| panic!("not a stats dump")).unwrap();
        assert_eq!(read.edge_count(), full.edge_count());
        assert_eq!(read.files(), full.files());
        let stats = root.join("stats/py313/cprofile.stats");
        let full = read_path(&stats).unwrap();
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

    #[test]
    fn wrong_input_says_what_it_looks_like() {
        let found = |e: Error| match e.kind() {
            crate::ErrorKind::WrongFormat { expected, found } => (*expected, *found),
            other => panic!("{other:?}"),
        };
        let e = read(b"\x80\x04\x95\x00").unwrap_err();
        assert!(e.to_string().contains("line_profiler .lprof"), "{e}");
        assert_eq!(found(e), (InputFormat::Stats, InputFormat::Pickle));
        let e = read_lines(b"{0").unwrap_err();
        assert!(
            e.to_string().contains("this looks like a cProfile/profile"),
            "{e}"
        );
        assert_eq!(found(e), (InputFormat::Pickle, InputFormat::Stats));
        let e = read(b"").unwrap_err();
        assert!(e.to_string().contains("empty file"), "{e}");
    }
}
