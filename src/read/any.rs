//! The front door: any input pstat reads, recognised by content and dispatched to its
//! format's reader, as [`AnyProfile`].

use std::path::Path;

use crate::error::Error;
use crate::format::{Detected, InputFormat, ProfileKind};
use crate::model::{LineProfile, MemoryProfile, Profile, SourceFile};
use crate::read::{ReadOptions, cprofile, file, folded, lprof, mprof, speedscope};

/// A profile of any kind pstat reads, as [`read()`] and [`read_path`] return it.
// A profile is made once per input and moved a few times: boxing the call profile would only
// make every caller's `match` dereference it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyProfile {
    /// A call profile: cProfile, profile, yappi or pstats dumps, and sampled stacks (py-spy,
    /// Python 3.15, folded stacks, speedscope).
    Calls(Profile),
    /// A line_profiler profile (`.lprof`).
    Lines(LineProfile),
    /// memory_profiler recordings (`mprof run`), one per input.
    Memory(Vec<MemoryProfile>),
}

impl AnyProfile {
    /// The kind of profile this is.
    pub fn kind(&self) -> ProfileKind {
        match self {
            AnyProfile::Calls(_) => ProfileKind::Calls,
            AnyProfile::Lines(_) => ProfileKind::Lines,
            AnyProfile::Memory(_) => ProfileKind::Memory,
        }
    }

    /// The call profile, or [`ErrorKind::WrongFormat`](crate::ErrorKind::WrongFormat) if this
    /// is another kind.
    pub fn into_calls(self) -> Result<Profile, Error> {
        match self {
            AnyProfile::Calls(profile) => Ok(profile),
            other => Err(other.wrong(ProfileKind::Calls)),
        }
    }

    /// The line profile, or [`ErrorKind::WrongFormat`](crate::ErrorKind::WrongFormat).
    pub fn into_lines(self) -> Result<LineProfile, Error> {
        match self {
            AnyProfile::Lines(profile) => Ok(profile),
            other => Err(other.wrong(ProfileKind::Lines)),
        }
    }

    /// The memory recordings, or [`ErrorKind::WrongFormat`](crate::ErrorKind::WrongFormat).
    pub fn into_memory(self) -> Result<Vec<MemoryProfile>, Error> {
        match self {
            AnyProfile::Memory(recordings) => Ok(recordings),
            other => Err(other.wrong(ProfileKind::Memory)),
        }
    }

    fn wrong(&self, expected: ProfileKind) -> Error {
        let found = match self {
            AnyProfile::Calls(_) => InputFormat::Stats,
            AnyProfile::Lines(_) => InputFormat::Lprof,
            AnyProfile::Memory(_) => InputFormat::Mprof,
        };
        Error::wrong_format(expected, Detected::Profile(found))
    }

    /// Records where the profile was read from: a call profile's file and modification time
    /// (the report header shows them), memory recordings' path. A line profile names its
    /// functions' own source files and records none.
    pub(crate) fn set_source(&mut self, path: &str, mtime: Option<std::time::SystemTime>) {
        match self {
            AnyProfile::Calls(profile) => profile.set_source(SourceFile {
                path: path.to_string(),
                mtime,
            }),
            AnyProfile::Lines(_) => {}
            AnyProfile::Memory(recordings) => {
                for recording in recordings {
                    recording.set_path(path);
                }
            }
        }
    }
}

/// Reads a profile of any format pstat reads from its bytes, recognised by content
/// ([`detect`](crate::read::detect)) unless [`ReadOptions::format`] names it.
///
/// # Errors
///
/// [`ErrorKind::WrongFormat`](crate::ErrorKind::WrongFormat) for an input that is no profile
/// pstat reads, or not of [`ReadOptions::kind`], before it is read; else the format's reader's
/// error, with the byte offset (and line, for text) where the input went wrong.
pub fn read(input: &[u8], options: &ReadOptions) -> Result<AnyProfile, Error> {
    let format = accepted(options.format_of(input), options)?;
    Ok(match format {
        InputFormat::Stats => AnyProfile::Calls(cprofile::read_with(input, options)?),
        InputFormat::Folded => {
            let folded = folded::Options {
                thread_frames: options.thread_frames,
                interval: options.sample_interval,
                threads: options.threads,
            };
            AnyProfile::Calls(folded::read(input, &folded)?)
        }
        InputFormat::Speedscope => {
            let speedscope = speedscope::Options {
                thread_frames: options.thread_frames,
            };
            AnyProfile::Calls(speedscope::read(input, &speedscope)?)
        }
        InputFormat::Lprof => AnyProfile::Lines(lprof::read(input)?),
        InputFormat::Mprof => AnyProfile::Memory(vec![mprof::read(input)?]),
    })
}

/// Reads a profile file of any format, as [`read()`] reads bytes, and records its path (as
/// given) and modification time, which the report header shows. A stats dump of 4 MiB or more
/// is decoded as it is read, a window at a time, rather than copied whole into memory first;
/// anything else is read whole (a stats dump the fast decoder declines, such as one with code
/// objects for names, is read both ways).
///
/// # Errors
///
/// As [`read()`], and [`ErrorKind::Io`](crate::ErrorKind::Io) when the file cannot be read;
/// every error names the path ([`Error::input`]).
pub fn read_path(path: impl AsRef<Path>, options: &ReadOptions) -> Result<AnyProfile, Error> {
    let path = path.as_ref();
    read_file_at(path, |opened, metadata| {
        let len = metadata.len();
        if !metadata.is_file() {
            // A pipe or a device: no length to trust, read as a stream.
            return read(&crate::read::input_bytes(&mut *opened, options)?, options);
        }
        // A big stats dump is decoded as it is read; anything else is read whole first.
        let streamed = matches!(options.format, None | Some(InputFormat::Stats))
            && matches!(options.kind, None | Some(ProfileKind::Calls));
        if streamed && let Some(profile) = cprofile::read_file(opened, len, options)? {
            return Ok(AnyProfile::Calls(profile));
        }
        if len > options.max_input {
            return Err(Error::too_large(
                "a file read whole",
                options.max_input,
                None,
                None,
            ));
        }
        // What the first bytes rule out is refused before the rest is read.
        // From the start: the stats reader may have read a first window already.
        std::io::Seek::rewind(opened)?;
        let mut head = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut *opened, file::HEAD as u64),
            &mut head,
        )?;
        refuse_early(&head, head.len() as u64 == len, options)?;
        read(&file::read_opened(opened, len, options.threads)?, options)
    })
    .map_err(|e| e.with_input(path.display().to_string()))
}

/// Refuses an input whose first bytes (`head`; `whole` if they are all of it) already show that
/// it is no input of a format pstat reads, or not of the kind asked for: binary data of no
/// known kind, gzip, text whose first line is complete and no profile's. A text whose first line
/// goes on past `head` (a deep folded stack) is left to the full detection.
pub(crate) fn refuse_early(head: &[u8], whole: bool, options: &ReadOptions) -> Result<(), Error> {
    if whole {
        return Ok(());
    }
    let detected = options.format_of(head);
    let conclusive = match detected {
        Detected::Unknown | Detected::Gzip => true,
        Detected::Empty => false,
        // By their first bytes.
        Detected::Profile(InputFormat::Stats | InputFormat::Lprof | InputFormat::Speedscope) => {
            true
        }
        // By their first line, which must end within the head.
        Detected::Text | Detected::Profile(InputFormat::Folded | InputFormat::Mprof) => head
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .is_some_and(|start| head[start..].contains(&b'\n')),
    };
    if !conclusive {
        return Ok(());
    }
    accepted(detected, options).map(|_| ())
}

/// The format to read an input as: what was detected, if it is a profile format pstat reads
/// and of [`ReadOptions::kind`] when that is given; else the wrong-format error.
fn accepted(detected: Detected, options: &ReadOptions) -> Result<InputFormat, Error> {
    match (detected.format(), options.kind) {
        (Some(format), None) => Ok(format),
        (Some(format), Some(kind)) if format.kind() == kind => Ok(format),
        (_, kind) => Err(Error::wrong_format(
            kind.unwrap_or(ProfileKind::Calls),
            detected,
        )),
    }
}

/// Opens `path`, reads a profile from the open file (given with its metadata) with `read`, and
/// records the path and the file's modification time in the profile.
pub(crate) fn read_file_at(
    path: &Path,
    read: impl FnOnce(&mut std::fs::File, &std::fs::Metadata) -> Result<AnyProfile, Error>,
) -> Result<AnyProfile, Error> {
    let mut opened = std::fs::File::open(path)?;
    let metadata = opened.metadata()?;
    let mut profile = read(&mut opened, &metadata)?;
    profile.set_source(&path.to_string_lossy(), metadata.modified().ok());
    Ok(profile)
}
