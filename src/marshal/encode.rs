//! The encoder: marshal version 4, as CPython 3.4+ writes it.
//!
//! It writes the codes a Python 3 `marshal.dump(obj, f)` writes for the objects it supports
//! (`docs/formats.md`, "Marshal: Type codes"): `i` for ints that fit in 32 bits and `l` (base 2¹⁵
//! digits) for the others, `g` binary floats, `z` short ASCII and `a` longer ASCII text, `u` for
//! text that is not ASCII, `)` small tuples and `(` larger ones, `{`…`0` dicts. An object written
//! with `share` gets `FLAG_REF` and the next slot of the reader's reference table (slots are
//! numbered in pre-order of the flagged type bytes; `docs/formats.md`, "Marshal: References");
//! [`Encoder::reference`] writes an `r` to it.
//!
//! Bytes accumulate in a buffer the caller drains (`bytes`, `clear`), so a large stream can be
//! written out in pieces.

use std::io;

use super::{FLAG_REF, code};

/// Python's `r` takes an i32 index: the reference table holds at most this many slots.
const MAX_SLOTS: u32 = i32::MAX as u32;

/// A string or container too large for marshal's i32 size prefix (Python raises `ValueError`
/// there too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge(pub usize);

impl From<TooLarge> for io::Error {
    fn from(TooLarge(size): TooLarge) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "an object of size {size} is too large for the marshal format (2**31 - 1 at most)"
            ),
        )
    }
}

/// A reference-table slot: what `r` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(pub u32);

/// Marshal output in a growing buffer, with the count of reference slots handed out so far.
#[derive(Debug, Default)]
pub struct Encoder {
    out: Vec<u8>,
    slots: u32,
}

impl Encoder {
    /// The bytes written since the last [`Encoder::clear`].
    pub fn bytes(&self) -> &[u8] {
        &self.out
    }

    /// Forgets the buffered bytes (after the caller has written them out); slot numbering
    /// continues, as the stream does.
    pub fn clear(&mut self) {
        self.out.clear();
    }

    /// Writes a type byte; with `share`, flags it and returns the slot it takes. Should the
    /// reference table be full, the object is written unflagged and `None` tells the caller to
    /// write it in full again next time.
    fn type_byte(&mut self, code: u8, share: bool) -> Option<Slot> {
        if !share || self.slots == MAX_SLOTS {
            self.out.push(code);
            return None;
        }
        self.out.push(code | FLAG_REF);
        let slot = Slot(self.slots);
        self.slots += 1;
        Some(slot)
    }

    fn i32(&mut self, v: i32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    /// Checks a size against marshal's i32 prefix before anything of the object is written.
    fn check_size(n: usize) -> Result<i32, TooLarge> {
        i32::try_from(n).map_err(|_| TooLarge(n))
    }

    /// An int: `i` if it fits in 32 bits, else `l`.
    pub fn int(&mut self, v: i64, share: bool) -> Option<Slot> {
        if let Ok(small) = i32::try_from(v) {
            let slot = self.type_byte(code::INT, share);
            self.i32(small);
            return slot;
        }
        let slot = self.type_byte(code::LONG, share);
        // Base 2**15 digits of |v|, least significant first; the count carries the sign.
        let mut magnitude = v.unsigned_abs();
        let mut digits = [0u16; 5];
        let mut count = 0;
        while magnitude != 0 {
            digits[count] = (magnitude & 0x7fff) as u16;
            magnitude >>= 15;
            count += 1;
        }
        let count = count as i32;
        self.i32(if v < 0 { -count } else { count });
        for digit in &digits[..count as usize] {
            self.out.extend_from_slice(&digit.to_le_bytes());
        }
        slot
    }

    /// `True` or `False`: singletons, never given a reference slot, as Python writes them.
    pub fn bool(&mut self, v: bool) {
        self.out.push(if v { code::TRUE } else { code::FALSE });
    }

    /// A float, as `g`: the IEEE-754 bits, little-endian.
    pub fn float(&mut self, v: f64, share: bool) -> Option<Slot> {
        let slot = self.type_byte(code::BINARY_FLOAT, share);
        self.out.extend_from_slice(&v.to_le_bytes());
        slot
    }

    /// A str: `z` (ASCII, shorter than 256 bytes), `a` (longer ASCII) or `u` (UTF-8), the codes
    /// Python 3's `w_object` picks for a str that is not interned.
    pub fn str(&mut self, text: &str, share: bool) -> Result<Option<Slot>, TooLarge> {
        let size = Self::check_size(text.len())?;
        let slot = if !text.is_ascii() {
            let slot = self.type_byte(code::UNICODE, share);
            self.i32(size);
            slot
        } else if let Ok(short) = u8::try_from(text.len()) {
            let slot = self.type_byte(code::SHORT_ASCII, share);
            self.out.push(short);
            slot
        } else {
            let slot = self.type_byte(code::ASCII, share);
            self.i32(size);
            slot
        };
        self.out.extend_from_slice(text.as_bytes());
        Ok(slot)
    }

    /// The start of a tuple of `len` objects, which the caller writes next.
    pub fn tuple(&mut self, len: usize, share: bool) -> Result<Option<Slot>, TooLarge> {
        let size = Self::check_size(len)?;
        Ok(match u8::try_from(len) {
            Ok(short) => {
                let slot = self.type_byte(code::SMALL_TUPLE, share);
                self.out.push(short);
                slot
            }
            Err(_) => {
                let slot = self.type_byte(code::TUPLE, share);
                self.i32(size);
                slot
            }
        })
    }

    /// The start of a dict; the caller writes key, value, key, value, … then [`Encoder::end_dict`].
    pub fn dict(&mut self, share: bool) -> Option<Slot> {
        self.type_byte(code::DICT, share)
    }

    /// The end of a dict: the NULL terminator, which takes no slot.
    pub fn end_dict(&mut self) {
        self.out.push(code::NULL);
    }

    /// `r`: the object already written into `slot`, again.
    pub fn reference(&mut self, slot: Slot) {
        self.out.push(code::REF);
        self.out.extend_from_slice(&slot.0.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marshal::{Decoder, Kind, Shared};

    fn encoded(write: impl FnOnce(&mut Encoder)) -> Vec<u8> {
        let mut enc = Encoder::default();
        write(&mut enc);
        enc.bytes().to_vec()
    }

    #[test]
    fn ints_fitting_32_bits_are_i() {
        assert_eq!(
            encoded(|e| {
                e.int(7, false);
            }),
            b"i\x07\0\0\0"
        );
        assert_eq!(
            encoded(|e| {
                e.int(-1, false);
            }),
            b"i\xff\xff\xff\xff"
        );
        assert_eq!(
            encoded(|e| {
                e.int(i64::from(i32::MAX), false);
            }),
            b"i\xff\xff\xff\x7f"
        );
        assert_eq!(
            encoded(|e| {
                e.int(i64::from(i32::MIN), false);
            }),
            b"i\0\0\0\x80"
        );
    }

    #[test]
    fn larger_ints_are_l_with_base_2_15_digits() {
        // 2**40 + 5 = 5 + 0 * 2**15 + 1024 * 2**30
        assert_eq!(
            encoded(|e| {
                e.int((1 << 40) + 5, false);
            }),
            b"l\x03\0\0\0\x05\0\0\0\0\x04"
        );
        // 2**31: the smallest positive int Python 3 writes as `l`.
        assert_eq!(
            encoded(|e| {
                e.int(1 << 31, false);
            }),
            b"l\x03\0\0\0\0\0\0\0\x02\0"
        );
        // The sign goes in the digit count.
        assert_eq!(
            encoded(|e| {
                e.int(-(1 << 31) - 1, false);
            }),
            b"l\xfd\xff\xff\xff\x01\0\0\0\x02\0"
        );
        // i64::MIN: 2**63 = 8 * 2**60, five digits.
        assert_eq!(
            encoded(|e| {
                e.int(i64::MIN, false);
            }),
            b"l\xfb\xff\xff\xff\0\0\0\0\0\0\0\0\x08\0"
        );
    }

    #[test]
    fn ints_decode_to_themselves() {
        for v in [
            0,
            1,
            -1,
            i64::from(i32::MAX) + 1,
            i64::from(i32::MIN) - 1,
            (1 << 40) + 5,
            3_000_000_000,
            -(1 << 45),
            i64::MAX,
            i64::MIN,
        ] {
            let bytes = encoded(|e| {
                e.int(v, false);
            });
            let mut dec = Decoder::new(&bytes).unwrap();
            assert_eq!(dec.read_object().unwrap().as_int(), Some(v), "{v}");
        }
    }

    #[test]
    fn floats_are_binary() {
        assert_eq!(
            encoded(|e| {
                e.float(0.5, false);
            }),
            b"g\0\0\0\0\0\0\xe0\x3f"
        );
    }

    #[test]
    fn strings_pick_python_3_codes() {
        assert_eq!(
            encoded(|e| {
                e.str("fib", false).unwrap();
            }),
            b"z\x03fib"
        );
        assert_eq!(
            encoded(|e| {
                e.str("", false).unwrap();
            }),
            b"z\x00"
        );
        let long = "x".repeat(256);
        let mut expected = b"a\0\x01\0\0".to_vec();
        expected.extend(long.as_bytes());
        assert_eq!(
            encoded(|e| {
                e.str(&long, false).unwrap();
            }),
            expected
        );
        // Not ASCII (Latin-1 included): `u` with the UTF-8 bytes.
        assert_eq!(
            encoded(|e| {
                e.str("é", false).unwrap();
            }),
            b"u\x02\0\0\0\xc3\xa9"
        );
        assert_eq!(
            encoded(|e| {
                e.str("ünï.py", false).unwrap();
            }),
            "u\x08\0\0\0ünï.py".as_bytes()
        );
    }

    #[test]
    fn containers() {
        let bytes = encoded(|e| {
            e.dict(false);
            e.tuple(1, false).unwrap();
            e.int(1, false);
            e.tuple(300, false).unwrap();
            for _ in 0..300 {
                e.int(0, false);
            }
            e.end_dict();
        });
        assert_eq!(&bytes[..9], b"{)\x01i\x01\0\0\0(");
        assert_eq!(&bytes[9..13], b"\x2c\x01\0\0");
        assert_eq!(bytes.last(), Some(&b'0'));
        let mut dec = Decoder::new(&bytes).unwrap();
        let dict = dec.read_object().unwrap();
        let (key, value) = dict.as_dict().unwrap().next().unwrap();
        assert_eq!(key.as_tuple().unwrap().len(), 1);
        assert_eq!(value.as_tuple().unwrap().len(), 300);
    }

    #[test]
    fn shared_objects_take_slots_in_pre_order_and_references_resolve() {
        let bytes = encoded(|e| {
            e.tuple(4, false).unwrap();
            let tuple = e.tuple(1, true).unwrap().unwrap();
            let name = e.str("f", true).unwrap().unwrap();
            e.reference(name);
            e.reference(tuple);
            e.int(5, false);
        });
        assert_eq!(
            bytes,
            b")\x04\xa9\x01\xfa\x01fr\x01\0\0\0r\0\0\0\0i\x05\0\0\0"
        );
        let mut dec = Decoder::new(&bytes).unwrap();
        let outer = dec.read_object().unwrap();
        let items: Vec<_> = outer.as_tuple().unwrap().collect();
        assert_eq!(items[0].shared(), Some(Shared::Ref(0)));
        assert_eq!(items[2].shared(), Some(Shared::Ref(0)));
        assert_eq!(items[2].kind(), Kind::Tuple);
        assert_eq!(items[1].shared(), Some(Shared::Ref(1)));
        assert_eq!(items[1].as_text().as_deref(), Some("f"));
    }

    #[test]
    fn oversized_objects_are_refused_before_any_byte() {
        let mut enc = Encoder::default();
        assert_eq!(enc.tuple(1 << 31, false), Err(TooLarge(1 << 31)));
        assert!(enc.bytes().is_empty());
        let error = io::Error::from(TooLarge(1 << 31));
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_full_reference_table_writes_objects_unflagged() {
        let mut enc = Encoder {
            slots: MAX_SLOTS,
            ..Encoder::default()
        };
        assert_eq!(enc.str("f", true), Ok(None));
        assert_eq!(enc.bytes(), b"z\x01f");
    }
}
