//! The byte cursor that every reader of marshal data moves through the input.

#[cfg(doc)]
use super::FLAG_REF;
use super::code;
use super::error::{Error, ErrorKind, Result};

/// A bare cursor over marshal data. It reads one primitive at a time and answers `None` where
/// the data ends or is malformed. A fixed-size primitive answers `None` without moving; a sized
/// one (a count, a string, a text float) may have moved past its size, so after any `None` the
/// reader gives up rather than reading on.
///
/// Readers that know the shape of what they read decode with it directly, without building
/// values. Such a reader keeps its own table of `FLAG_REF` slots (every object whose type byte
/// has [`FLAG_REF`] takes the next slot, in the order of type bytes; singletons take
/// none) and falls back to [`Decoder`](super::Decoder), which says what went wrong and where,
/// whenever it meets something it does not expect.
#[derive(Debug, Clone)]
pub struct Scanner<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// A cursor at the start of `input`.
    pub fn new(input: &'a [u8]) -> Scanner<'a> {
        Scanner { input, pos: 0 }
    }

    /// The whole input.
    #[inline]
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    /// The current byte offset.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves back to an offset this cursor has been at.
    #[inline]
    pub(super) fn seek(&mut self, pos: usize) {
        debug_assert!(pos <= self.input.len());
        self.pos = pos.min(self.input.len());
    }

    /// How many bytes remain.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// The bytes from the current position on, for readers that match several bytes at once.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        &self.input[self.pos..]
    }

    /// Moves past `n` bytes that [`Scanner::rest`] showed.
    #[inline]
    pub fn skip(&mut self, n: usize) {
        debug_assert!(n <= self.input.len() - self.pos);
        self.pos = (self.pos + n).min(self.input.len());
    }

    /// The next byte, without consuming it.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// The next byte (a type code, or a one-byte size).
    #[inline]
    pub fn byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = self.input.get(self.pos..self.pos + N)?;
        self.pos += N;
        bytes.try_into().ok()
    }

    /// A little-endian 32-bit integer (`i` payloads, sizes, reference indices).
    #[inline]
    pub fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_le_bytes)
    }

    /// A little-endian 64-bit integer (`I` payloads).
    #[inline]
    pub fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_le_bytes)
    }

    /// A little-endian binary float (`g` payloads).
    #[inline]
    pub fn f64(&mut self) -> Option<f64> {
        self.array().map(f64::from_le_bytes)
    }

    /// The payload of a long (`l`), if well formed and within `i64`.
    pub fn long(&mut self) -> Option<i64> {
        let (value, end) = long_value(self.input, self.pos).ok()?;
        self.pos = end;
        value
    }

    /// The payload of a text float (`f`).
    pub fn text_float(&mut self) -> Option<f64> {
        let digits = self.sized(false)?;
        text_float(digits)
    }

    /// The payload of a string whose type code (without [`FLAG_REF`]) is `ty`:
    /// `s`, `t`, `u`, `a`, `A` with a 32-bit size, `z`, `Z` with a one-byte size. `None` for
    /// other codes.
    #[inline]
    pub fn string(&mut self, ty: u8) -> Option<&'a [u8]> {
        match ty {
            code::STRING | code::INTERNED | code::UNICODE | code::ASCII | code::ASCII_INTERNED => {
                self.sized(true)
            }
            code::SHORT_ASCII | code::SHORT_ASCII_INTERNED => self.sized(false),
            _ => None,
        }
    }

    /// A container's element count: one byte for small tuples (`)`), else 32 bits.
    #[inline]
    pub fn count(&mut self, ty: u8) -> Option<usize> {
        let n = if ty == code::SMALL_TUPLE {
            usize::from(self.byte()?)
        } else {
            usize::try_from(self.i32()?).ok()?
        };
        (n <= self.remaining()).then_some(n)
    }

    #[inline]
    fn sized(&mut self, long: bool) -> Option<&'a [u8]> {
        let n = if long {
            usize::try_from(self.i32()?).ok()?
        } else {
            usize::from(self.byte()?)
        };
        let bytes = self.input.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(bytes)
    }
}

/// Decodes the payload of a long (`l`) at `at`: a signed digit count, then base-2**15 digits.
/// Returns the value if it fits in `i64` (else `None`) and the offset after the digits.
pub(super) fn long_value(input: &[u8], at: usize) -> Result<(Option<i64>, usize)> {
    let n = match input.get(at..at + 4) {
        Some(b) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => {
            return Err(Error::at(
                at,
                ErrorKind::UnexpectedEof {
                    expected: "a long digit count",
                },
            ));
        }
    };
    let mut pos = at + 4;
    let count = n.unsigned_abs() as usize;
    if count.saturating_mul(2) > input.len() - pos {
        return Err(Error::at(at, ErrorKind::LengthTooLarge(i64::from(n))));
    }
    let mut value: i128 = 0;
    let mut fits = true;
    for i in 0..count {
        let digit = u16::from_le_bytes([input[pos], input[pos + 1]]);
        if digit >= 1 << 15 || (i + 1 == count && digit == 0) {
            return Err(Error::at(pos, ErrorKind::BadLong));
        }
        pos += 2;
        if i * 15 < 64 + 15 {
            value |= i128::from(digit) << (i * 15);
        } else {
            fits = false;
        }
    }
    if n < 0 {
        value = -value;
    }
    Ok((i64::try_from(value).ok().filter(|_| fits), pos))
}

/// Parses a text float's digits as marshal's `f` and `x` codes store them.
pub(super) fn text_float(digits: &[u8]) -> Option<f64> {
    std::str::from_utf8(digits).ok()?.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_are_little_endian() {
        let mut b = vec![7u8];
        b.extend((-2i32).to_le_bytes());
        b.extend((1i64 << 40).to_le_bytes());
        b.extend(0.5f64.to_le_bytes());
        let mut scan = Scanner::new(&b);
        assert_eq!(scan.peek(), Some(7));
        assert_eq!(scan.byte(), Some(7));
        assert_eq!(scan.i32(), Some(-2));
        assert_eq!(scan.i64(), Some(1 << 40));
        assert_eq!(scan.f64(), Some(0.5));
        assert_eq!(scan.remaining(), 0);
    }

    #[test]
    fn a_primitive_past_the_end_is_none_and_does_not_move() {
        let mut scan = Scanner::new(b"\x01\x02\x03");
        assert_eq!(scan.i32(), None);
        assert_eq!(scan.position(), 0);
        assert_eq!(scan.i64(), None);
        assert_eq!(scan.f64(), None);
        scan.skip(3);
        assert_eq!(scan.byte(), None);
        assert_eq!(scan.position(), 3);
    }

    #[test]
    fn strings_by_type_code() {
        let mut scan = Scanner::new(b"\x02hi\x01\0\0\0x");
        assert_eq!(scan.string(code::SHORT_ASCII), Some(&b"hi"[..]));
        assert_eq!(scan.string(code::UNICODE), Some(&b"x"[..]));
        assert_eq!(Scanner::new(b"\x05ab").string(code::SHORT_ASCII), None);
        assert_eq!(Scanner::new(b"\x01a").string(code::INT), None);
    }

    #[test]
    fn counts_are_checked_against_what_remains() {
        assert_eq!(Scanner::new(b"\x02NN").count(code::SMALL_TUPLE), Some(2));
        assert_eq!(Scanner::new(b"\x03NN").count(code::SMALL_TUPLE), None);
        assert_eq!(Scanner::new(b"\x01\0\0\0N").count(code::LIST), Some(1));
        assert_eq!(Scanner::new(b"\xff\xff\xff\xff").count(code::TUPLE), None);
    }

    #[test]
    fn longs_and_text_floats() {
        // 2**40 + 5 = digits base 2**15: [5, 0, 1024]
        let mut scan = Scanner::new(b"\x03\0\0\0\x05\0\0\0\0\x04");
        assert_eq!(scan.long(), Some((1 << 40) + 5));
        assert_eq!(scan.remaining(), 0);
        assert_eq!(Scanner::new(b"\x01\0\0\0\0\0").long(), None); // top digit 0
        assert_eq!(Scanner::new(b"\x031.5").text_float(), Some(1.5));
        assert_eq!(Scanner::new(b"\x02x1").text_float(), None);
    }
}
