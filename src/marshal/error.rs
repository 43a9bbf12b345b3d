//! What went wrong while decoding, and where.

use std::fmt;

use super::MAX_DEPTH;

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// Byte offset in the input where the problem was found.
    pub offset: u64,
    /// What the problem is.
    pub kind: ErrorKind,
}

/// The kinds of marshal decoding errors.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The data ends where more was needed.
    UnexpectedEof {
        /// What was being read.
        expected: &'static str,
    },
    /// A type byte that marshal does not define.
    UnknownType(u8),
    /// An `r` reference to a slot that does not exist or is not filled yet.
    DanglingRef(u32),
    /// A Python 2 `R` reference past the end of the interned-string table.
    StringRefOutOfRange(u32),
    /// Containers nested more than 512 deep.
    TooDeep,
    /// A declared size that is negative or larger than the bytes that remain.
    LengthTooLarge(i64),
    /// A NULL (`0`) where an object is required.
    UnexpectedNull,
    /// A long integer whose digits are not normalised or out of range.
    BadLong,
    /// A text float (`f`) that does not parse.
    BadFloat,
    /// A code object that matches no known CPython layout.
    BadCode,
    /// The input is larger than the 4 GiB this decoder addresses.
    InputTooLarge,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnexpectedEof { expected } => {
                write!(f, "data ends where {expected} was expected")
            }
            ErrorKind::UnknownType(byte) => {
                write!(f, "unknown marshal type code 0x{byte:02x}")?;
                if byte.is_ascii_graphic() {
                    write!(f, " ({:?})", *byte as char)?;
                }
                // Every Python so far has only added codes: an unknown one means a newer
                // Python or damage.
                write!(
                    f,
                    ", which no Python up to 3.15 writes: the file is damaged or from a newer \
                     Python than pstat knows"
                )
            }
            ErrorKind::DanglingRef(index) => write!(
                f,
                "reference to object #{index}, which does not exist or is not complete yet"
            ),
            ErrorKind::StringRefOutOfRange(index) => write!(
                f,
                "reference to interned string #{index}, past the end of the string table"
            ),
            ErrorKind::TooDeep => write!(f, "objects nested more than {MAX_DEPTH} deep"),
            ErrorKind::LengthTooLarge(n) => {
                write!(
                    f,
                    "declared size {n} is negative or larger than the remaining data"
                )
            }
            ErrorKind::UnexpectedNull => write!(f, "NULL object where a value was expected"),
            ErrorKind::BadLong => write!(f, "malformed long integer digits"),
            ErrorKind::BadFloat => write!(f, "malformed text float"),
            ErrorKind::BadCode => write!(f, "code object in no known CPython layout"),
            ErrorKind::InputTooLarge => write!(f, "input larger than 4 GiB"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.kind)
    }
}

impl std::error::Error for Error {}

impl Error {
    pub(super) fn at(offset: usize, kind: ErrorKind) -> Error {
        Error {
            offset: offset as u64,
            kind,
        }
    }
}

pub(super) type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_deep_names_the_cap() {
        assert_eq!(
            ErrorKind::TooDeep.to_string(),
            format!("objects nested more than {MAX_DEPTH} deep")
        );
        assert_eq!(MAX_DEPTH, 512);
    }
}
