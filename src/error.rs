//! The library's error type. Every error about input data carries the byte offset where the
//! problem was found; the caller (the CLI) adds the file name.

use std::fmt;

use crate::export::OutputFormat;
use crate::read::{marshal, pickle};

/// An error reading a profile.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    offset: Option<u64>,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not Python marshal data as the format requires.
    Marshal(marshal::ErrorKind),
    /// The bytes are not a pickle this reader accepts (see `read::pickle`).
    Pickle {
        /// What went wrong.
        kind: pickle::ErrorKind,
        /// The opcode being run, if any.
        opcode: Option<u8>,
    },
    /// The input is not a line_profiler `.lprof` file.
    NotLineProfile {
        /// What the input looks like instead.
        looks_like: &'static str,
    },
    /// The marshal data decoded, but is not shaped like a stats dump.
    Shape {
        /// What the reader expected at this point.
        expected: &'static str,
        /// What it found instead.
        found: String,
    },
    /// The input is not a stats dump at all.
    NotStats {
        /// What the input looks like instead.
        looks_like: &'static str,
    },
    /// Reading the input failed.
    Io(std::io::Error),
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
        Error { kind, offset }
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Marshal(kind) => write!(f, "corrupt marshal data: {kind}")?,
            ErrorKind::Pickle { kind, opcode } => {
                write!(f, "unsafe or corrupt pickle: {kind}")?;
                if let Some(op) = opcode {
                    write!(f, " (opcode 0x{op:02x})")?;
                }
            }
            ErrorKind::NotLineProfile { looks_like } => write!(
                f,
                "not a line_profiler .lprof file (a pickle): this looks like {looks_like}"
            )?,
            ErrorKind::Shape { expected, found } => {
                write!(f, "not a profile: expected {expected}, found {found}")?
            }
            ErrorKind::NotStats { looks_like } => write!(
                f,
                "not a cProfile/profile stats dump (a marshalled dict): this looks like {looks_like}"
            )?,
            ErrorKind::Io(e) => write!(f, "{e}")?,
            ErrorKind::UnsupportedOutput { format, input } => {
                write!(f, "{input} cannot be written as {format}")?
            }
        }
        if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        Ok(())
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

impl From<marshal::Error> for Error {
    fn from(e: marshal::Error) -> Error {
        Error::new(ErrorKind::Marshal(e.kind), Some(e.offset))
    }
}

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
