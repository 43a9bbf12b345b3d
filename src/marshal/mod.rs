//! Python's `marshal` format: a decoder for what CPython 2.7 and 3.4–3.14 and PyPy write, and
//! an encoder for what Python 3.4+ writes. It knows nothing of profiles: it could be a crate of
//! its own.
//!
//! * [`Scanner`] is the one byte cursor. It reads one primitive at a time and answers `None`
//!   where the data ends or is malformed. Readers that know the shape of what they read (the
//!   stats fast path) use it directly; [`Decoder`] reads through it.
//! * [`Decoder`] reads every type code that can appear in a marshal stream (`docs/formats.md`,
//!   "Marshal"): marshal versions 0–5, `FLAG_REF` slots and `r` references, the Python 2
//!   interned-string table (`t` / `R`), text and binary floats, 32-bit, 64-bit and
//!   arbitrary-size integers, every string type, every container, and code objects (whose
//!   layout is not self-describing: it is recognised by trying each CPython layout with strict
//!   field types). It says what went wrong and where ([`Error`]).
//! * [`Value`] views the decoded objects, which live in the decoder's arena of small
//!   fixed-size nodes that borrow string bytes from the input.
//! * [`Encoder`] writes marshal version 4, as `marshal.dump` does in Python 3.4+.
//!
//! Every length is checked against the bytes that remain before anything is allocated, nesting
//! is capped at [`MAX_DEPTH`], and a reference to a slot not yet filled (a cycle) is rejected,
//! so hostile input costs time and memory linear in its size.

mod decode;
mod encode;
mod error;
mod scan;
mod value;

pub use decode::Decoder;
pub use encode::{Encoder, Slot};
pub use error::{Error, ErrorKind};
pub use scan::Scanner;
pub use value::{DictItems, Items, Kind, Shared, Value};

/// How deep containers may nest. Profiles need about 5 levels; CPython allows 2000.
pub const MAX_DEPTH: u32 = 512;

/// The bit of a type byte that gives the object the next slot of the reference table, which
/// `r` references name.
pub const FLAG_REF: u8 = 0x80;

/// The type codes (the type byte without [`FLAG_REF`]), as `Python/marshal.c` names them.
pub mod code {
    /// NULL: ends a dict; never a value.
    pub const NULL: u8 = b'0';
    /// `None`.
    pub const NONE: u8 = b'N';
    /// `False`.
    pub const FALSE: u8 = b'F';
    /// `True`.
    pub const TRUE: u8 = b'T';
    /// `StopIteration`.
    pub const STOPITER: u8 = b'S';
    /// `Ellipsis`.
    pub const ELLIPSIS: u8 = b'.';
    /// An int in 32 bits.
    pub const INT: u8 = b'i';
    /// An int in 64 bits (written by Python 2 only).
    pub const INT64: u8 = b'I';
    /// An int of any size, in base 2¹⁵ digits.
    pub const LONG: u8 = b'l';
    /// A float as text (marshal versions 0 and 1).
    pub const FLOAT: u8 = b'f';
    /// A float as 8 little-endian IEEE-754 bytes.
    pub const BINARY_FLOAT: u8 = b'g';
    /// A complex number as two text floats.
    pub const COMPLEX: u8 = b'x';
    /// A complex number as two binary floats.
    pub const BINARY_COMPLEX: u8 = b'y';
    /// Bytes (Python 2 `str`), 32-bit size.
    pub const STRING: u8 = b's';
    /// An interned string, 32-bit size (Python 2: appended to the string table).
    pub const INTERNED: u8 = b't';
    /// A Python 2 reference into the interned-string table.
    pub const STRINGREF: u8 = b'R';
    /// UTF-8 text, 32-bit size.
    pub const UNICODE: u8 = b'u';
    /// ASCII text, 32-bit size.
    pub const ASCII: u8 = b'a';
    /// Interned ASCII text, 32-bit size.
    pub const ASCII_INTERNED: u8 = b'A';
    /// ASCII text, one-byte size.
    pub const SHORT_ASCII: u8 = b'z';
    /// Interned ASCII text, one-byte size.
    pub const SHORT_ASCII_INTERNED: u8 = b'Z';
    /// A tuple, 32-bit count.
    pub const TUPLE: u8 = b'(';
    /// A tuple, one-byte count.
    pub const SMALL_TUPLE: u8 = b')';
    /// A list.
    pub const LIST: u8 = b'[';
    /// A dict: key, value, key, value, … then NULL.
    pub const DICT: u8 = b'{';
    /// A set.
    pub const SET: u8 = b'<';
    /// A frozenset.
    pub const FROZENSET: u8 = b'>';
    /// A slice: start, stop, step (Python 3.14+).
    pub const SLICE: u8 = b':';
    /// A code object.
    pub const CODE: u8 = b'c';
    /// A reference to a `FLAG_REF` slot.
    pub const REF: u8 = b'r';
}
