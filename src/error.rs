//! The library's error type. Every error about input data carries the byte offset where the
//! problem was found; the caller (the CLI) adds the file name.

use std::fmt;

use crate::format::{Detected, OutputFormat, ProfileKind};
use crate::marshal;
use crate::pickle;

/// An error reading a profile.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    offset: Option<u64>,
    /// For text inputs: the 1-based line where the problem was found.
    line: Option<u64>,
    /// The input the error is about, when the reader was given its name (a path, `<stdin>`).
    input: Option<String>,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not Python marshal data as the format requires.
    Marshal(marshal::ErrorKind),
    /// The bytes are not a pickle this reader accepts (line_profiler's `LineStats` only).
    Pickle {
        /// What went wrong.
        kind: pickle::ErrorKind,
        /// The opcode being run, if any.
        opcode: Option<u8>,
    },
    /// The marshal data decoded, but is not shaped like a stats dump.
    Shape {
        /// What the reader expected at this point.
        expected: &'static str,
        /// What it found instead.
        found: String,
    },
    /// The input is of another format than the one asked for (a pickle given to the stats
    /// reader, text, an empty file, …).
    WrongFormat {
        /// The kind of profile asked for.
        expected: ProfileKind,
        /// What the input is, as [`read::detect`](crate::read::detect) recognises it.
        found: Detected,
    },
    /// Reading the input failed.
    Io(std::io::Error),
    /// The input is of the right format but breaks its syntax or its rules (a folded-stack line
    /// without a count, a speedscope frame index out of range, …).
    Invalid {
        /// The format being read, such as `folded stacks`.
        format: &'static str,
        /// What the reader expected at this point.
        expected: &'static str,
        /// What it found instead (quoted and shortened when it is input text).
        found: String,
    },
    /// The input is well formed but goes past a limit that keeps memory and time bounded.
    TooLarge {
        /// What is too large, such as `a folded-stack line`.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// Profiles of different kinds cannot be merged (calls and seconds with samples, samples in
    /// seconds with samples without a time, stacks with edges).
    Incompatible {
        /// The kind of the profiles merged so far.
        first: &'static str,
        /// The kind of the one being added.
        other: &'static str,
    },
    /// Profiles of different kinds cannot be compared (`pstat::query::diff::diff`).
    Incomparable {
        /// The kind of the base side's first profile.
        base: &'static str,
        /// The kind of the profile that differs.
        new: &'static str,
    },
    /// The output format cannot hold this kind of profile (`pstat::export::write`).
    UnsupportedOutput {
        /// The format asked for.
        format: OutputFormat,
        /// What kind of profile was given, such as `a line profile`.
        input: &'static str,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, offset: Option<u64>) -> Error {
        Error {
            kind,
            offset,
            line: None,
            input: None,
        }
    }

    /// An error in a text or JSON input at `offset` and on `line` (1-based), when they are known.
    pub(crate) fn invalid(
        format: &'static str,
        offset: Option<u64>,
        line: Option<u64>,
        expected: &'static str,
        found: impl Into<String>,
    ) -> Error {
        Error {
            kind: ErrorKind::Invalid {
                format,
                expected,
                found: found.into(),
            },
            offset,
            line,
            input: None,
        }
    }

    /// A limit exceeded at `offset` and on `line`, when they are known.
    pub(crate) fn too_large(
        what: &'static str,
        limit: u64,
        offset: Option<u64>,
        line: Option<u64>,
    ) -> Error {
        Error {
            kind: ErrorKind::TooLarge { what, limit },
            offset,
            line,
            input: None,
        }
    }

    pub(crate) fn wrong_format(expected: ProfileKind, found: Detected) -> Error {
        Error::new(ErrorKind::WrongFormat { expected, found }, Some(0))
    }

    pub(crate) fn shape(offset: u64, expected: &'static str, found: impl Into<String>) -> Error {
        Error::new(
            ErrorKind::Shape {
                expected,
                found: found.into(),
            },
            Some(offset),
        )
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The byte offset in the input where the problem was found, if it is about the data.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// The 1-based line of a text input where the problem was found, if known.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The input the error is about, as the reader was told its name: the path given to
    /// [`read_path`](crate::read_path) or a [`Source`](crate::read::Source)'s name. `Display`
    /// leaves it out, so that a caller can say it its own way (`reading app.prof: …`).
    pub fn input(&self) -> Option<&str> {
        self.input.as_deref()
    }

    /// The error, about the input called `name` (unless it already names one).
    pub fn with_input(mut self, name: impl Into<String>) -> Error {
        if self.input.is_none() {
            self.input = Some(name.into());
        }
        self
    }
}

/// What went wrong, without where: [`Error`]'s `Display` adds the byte offset.
impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Marshal(kind) => write!(f, "corrupt marshal data: {kind}"),
            ErrorKind::Pickle { kind, opcode } => {
                f.write_str("unsafe or corrupt pickle: ")?;
                match kind {
                    // The only pickles read are line_profiler's, whose reader allows one class.
                    pickle::ErrorKind::ForbiddenGlobal { module, name } => write!(
                        f,
                        "refusing the global {module}.{name}: only line_profiler's LineStats is allowed"
                    )?,
                    kind => write!(f, "{kind}")?,
                }
                match opcode {
                    Some(op) => write!(f, " (opcode 0x{op:02x})"),
                    None => Ok(()),
                }
            }
            ErrorKind::Shape { expected, found } => {
                write!(f, "not a profile: expected {expected}, found {found}")
            }
            ErrorKind::WrongFormat { expected, found } => {
                match expected {
                    ProfileKind::Lines => {
                        f.write_str("not a line_profiler .lprof file (a pickle)")?
                    }
                    ProfileKind::Memory => {
                        f.write_str("not a memory_profiler recording (mprof run)")?
                    }
                    ProfileKind::Calls => f.write_str(
                        "not a profile pstat reads (a cProfile/profile stats dump, folded stacks or speedscope JSON)",
                    )?,
                }
                write!(f, ": this looks like {}", found.description())
            }
            ErrorKind::Invalid {
                format,
                expected,
                found,
            } => write!(f, "not valid {format}: expected {expected}, found {found}"),
            ErrorKind::TooLarge { what, limit } => {
                write!(f, "{what} is larger than the limit of {limit}")
            }
            ErrorKind::Incompatible { first, other } => {
                write!(f, "cannot merge {other} into {first}")
            }
            ErrorKind::Incomparable { base, new } => {
                write!(f, "cannot compare {new} with {base}")
            }
            ErrorKind::Io(e) => write!(f, "{e}"),
            ErrorKind::UnsupportedOutput { format, input } => {
                write!(f, "{input} cannot be written as {format}")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        match (self.line, self.offset) {
            (Some(line), Some(offset)) => write!(f, " (line {line}, byte {offset})"),
            (Some(line), None) => write!(f, " (line {line})"),
            (None, Some(offset)) => write!(f, " (at byte {offset})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

// The codecs are crate-private: these conversions are not API.
#[doc(hidden)]
impl From<marshal::Error> for Error {
    fn from(e: marshal::Error) -> Error {
        Error::new(ErrorKind::Marshal(e.kind), Some(e.offset))
    }
}

// The codecs are crate-private: these conversions are not API.
#[doc(hidden)]
impl From<pickle::Error> for Error {
    fn from(e: pickle::Error) -> Error {
        Error::new(
            ErrorKind::Pickle {
                kind: e.kind,
                opcode: e.opcode,
            },
            Some(e.offset),
        )
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io(e), None)
    }
}
