//! The pickle machine's errors: what went wrong, the opcode, and the byte offset.

use std::fmt;

use super::{MAX_DEPTH, MAX_MARKS};

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// Byte offset of the opcode being run.
    pub offset: u64,
    /// The opcode being run, if any.
    pub opcode: Option<u8>,
    /// What the problem is.
    pub kind: ErrorKind,
}

/// The kinds of pickle errors.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The data ends where more was needed.
    UnexpectedEof {
        /// What was being read.
        expected: &'static str,
    },
    /// A byte that is no pickle opcode.
    UnknownOpcode(u8),
    /// A pickle opcode this machine refuses (it could run code, or no supported writer uses it).
    ForbiddenOpcode(u8),
    /// A PROTO other than 2–5.
    UnsupportedProtocol(u8),
    /// A declared length larger than the bytes that remain.
    LengthTooLarge(u64),
    /// Containers nested deeper than 64 (the reader's depth limit).
    TooDeep,
    /// More than 64 MARKs open at once (the reader's limit).
    TooManyMarks,
    /// An opcode needs more values than the stack (above the last MARK) holds.
    StackUnderflow,
    /// An opcode needs a MARK and there is none.
    NoMark,
    /// A memo id out of range: too far ahead on PUT, or never stored on GET.
    MemoOutOfRange(u64),
    /// A GLOBAL naming a class that is not on the allow-list.
    ForbiddenGlobal {
        /// The module, as written (lossy UTF-8).
        module: String,
        /// The name, as written.
        name: String,
    },
    /// A value of the wrong type for the opcode.
    WrongType {
        /// What the opcode needs.
        expected: &'static str,
    },
    /// A container changed after it was put inside another one (this is how cycles are
    /// built; no supported writer does it).
    SharedMutation,
    /// An integer too large for 64 bits, or malformed INT text.
    BadInt,
    /// The data ends without a STOP.
    MissingStop,
    /// Bytes after the STOP.
    TrailingData,
    /// STOP with other than exactly one value on the stack.
    BadStop,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnexpectedEof { expected } => {
                write!(f, "data ends where {expected} was expected")
            }
            ErrorKind::UnknownOpcode(op) => write!(f, "unknown pickle opcode 0x{op:02x}"),
            ErrorKind::ForbiddenOpcode(op) => {
                write!(f, "pickle opcode 0x{op:02x} is not allowed in a profile")
            }
            ErrorKind::UnsupportedProtocol(p) => write!(f, "unsupported pickle protocol {p}"),
            ErrorKind::LengthTooLarge(n) => {
                write!(f, "declared length {n} is larger than the remaining data")
            }
            ErrorKind::TooDeep => write!(f, "values nested more than {MAX_DEPTH} deep"),
            ErrorKind::TooManyMarks => write!(f, "more than {MAX_MARKS} MARKs open"),
            ErrorKind::StackUnderflow => write!(f, "stack underflow"),
            ErrorKind::NoMark => write!(f, "no MARK to match"),
            ErrorKind::MemoOutOfRange(i) => write!(f, "memo id {i} out of range"),
            ErrorKind::ForbiddenGlobal { module, name } => write!(
                f,
                "refusing the global {module}.{name}: it is not on the allow-list"
            ),
            ErrorKind::WrongType { expected } => write!(f, "expected {expected}"),
            ErrorKind::SharedMutation => {
                write!(f, "a container changed after it was put into another")
            }
            ErrorKind::BadInt => write!(f, "integer malformed or too large for 64 bits"),
            ErrorKind::MissingStop => write!(f, "data ends without a STOP opcode"),
            ErrorKind::TrailingData => write!(f, "data after the STOP opcode"),
            ErrorKind::BadStop => write!(f, "STOP with other than one value on the stack"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}", self.offset)?;
        if let Some(op) = self.opcode {
            write!(f, " (opcode 0x{op:02x})")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for Error {}
