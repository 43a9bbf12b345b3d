//! The general decoder: any marshal stream into an arena of nodes that [`Value`] views.
//!
//! Values live in an arena of small fixed-size nodes that borrow string bytes from the input.
//! A reference (`r`, `R`) copies a node, so shared objects cost nothing extra. For large inputs
//! [`Decoder::read_dict_entries`] streams the entries of a top-level dict and frees each entry's
//! unshared nodes after the callback has seen it, so memory stays proportional to the objects
//! the stream shares, not to its size.

use std::borrow::Cow;

use super::error::{Error, ErrorKind, Result};
use super::scan::{Scanner, long_value, text_float};
use super::value::Value;
use super::{FLAG_REF, MAX_DEPTH, code};

/// A failed layout guess for a code object costs a re-parse; this bounds the guessing on
/// hostile input, where every guess would fail deep inside nested code objects.
const MAX_CODE_LAYOUT_FAILURES: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Tag {
    Null,
    None,
    False,
    True,
    StopIteration,
    Ellipsis,
    Int,
    /// A long that does not fit in i64; `a` = offset of its `l` payload.
    BigInt,
    Float,
    /// `a` = index into `complexes`.
    Complex,
    Bytes,
    Utf8,
    Latin1,
    Tuple,
    List,
    Dict,
    Set,
    FrozenSet,
    Slice,
    /// `a` = index into `codes`.
    Code,
    /// A FLAG_REF slot whose object is still being read.
    Reserved,
}

/// One decoded object: 16 bytes. Strings point into the input, containers into `items`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Node {
    pub(super) tag: Tag,
    /// How later parts of the stream can refer to this object again, if at all.
    pub(super) share: ShareKind,
    pub(super) offset: u32,
    pub(super) a: u32,
    pub(super) b: u32,
    /// The FLAG_REF slot or the interned-string index, per `share`.
    pub(super) slot: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum ShareKind {
    None,
    Ref,
    Interned,
}

impl Node {
    fn new(tag: Tag, offset: usize, a: u32, b: u32) -> Node {
        Node {
            tag,
            share: ShareKind::None,
            offset: offset as u32,
            a,
            b,
            slot: 0,
        }
    }
    fn int(offset: usize, v: i64) -> Node {
        Node::new(Tag::Int, offset, v as u64 as u32, ((v as u64) >> 32) as u32)
    }
    fn float(offset: usize, v: f64) -> Node {
        let bits = v.to_bits();
        Node::new(Tag::Float, offset, bits as u32, (bits >> 32) as u32)
    }
    pub(super) fn wide(&self) -> u64 {
        u64::from(self.a) | (u64::from(self.b) << 32)
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct CodeInfo {
    pub(super) filename: Node,
    pub(super) name: Node,
    pub(super) firstlineno: i64,
}

/// The CPython code-object layouts (docs/code-objects.md), most recent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeLayout {
    Py311,
    Py38,
    Py30,
    Py27,
}

const CODE_LAYOUTS: [CodeLayout; 4] = [
    CodeLayout::Py311,
    CodeLayout::Py38,
    CodeLayout::Py30,
    CodeLayout::Py27,
];

/// Decoder state over one input.
pub struct Decoder<'a> {
    scan: Scanner<'a>,
    /// FLAG_REF slots, in pre-order of their type bytes.
    refs: Vec<Node>,
    /// Python 2 interned strings (`t`), for `R`.
    strings: Vec<Node>,
    /// Children of completed containers; a container node holds a range of it.
    pub(super) items: Vec<Node>,
    /// Children of containers still being read.
    scratch: Vec<Node>,
    /// `items.len()` when the last container that a FLAG_REF slot can reach was completed:
    /// nothing below this may be freed.
    keep: usize,
    pub(super) codes: Vec<CodeInfo>,
    pub(super) complexes: Vec<(f64, f64)>,
    code_layout: Option<CodeLayout>,
    code_failures: u32,
}

impl<'a> Decoder<'a> {
    /// A decoder positioned at the start of `input`.
    pub fn new(input: &'a [u8]) -> Result<Decoder<'a>> {
        if u32::try_from(input.len()).is_err() {
            return Err(Error::at(0, ErrorKind::InputTooLarge));
        }
        Ok(Decoder {
            scan: Scanner::new(input),
            refs: Vec::new(),
            strings: Vec::new(),
            items: Vec::new(),
            scratch: Vec::new(),
            keep: 0,
            codes: Vec::new(),
            complexes: Vec::new(),
            code_layout: None,
            code_failures: 0,
        })
    }

    /// The current byte offset (only the tests ask).
    #[cfg(test)]
    pub fn position(&self) -> usize {
        self.scan.position()
    }

    /// Reads one whole object. Trailing bytes after it are left unread, as marshal does.
    pub fn read_object(&mut self) -> Result<Value<'_, 'a>> {
        let node = self.read_node(0)?;
        if node.tag == Tag::Null {
            return Err(Error::at(node.offset as usize, ErrorKind::UnexpectedNull));
        }
        Ok(Value::new(self, node))
    }

    /// Reads a dict at the current position entry by entry, calling `f(key, value)` for each,
    /// in file order, and freeing what an entry does not share before the next one.
    /// Returns `Ok(false)` without consuming anything if the object here is not a dict.
    ///
    /// Like Python 3's reader, a NULL in value position ends the dict silently.
    pub fn read_dict_entries<E>(
        &mut self,
        mut f: impl FnMut(Value<'_, 'a>, Value<'_, 'a>) -> std::result::Result<(), E>,
    ) -> std::result::Result<bool, E>
    where
        E: From<Error>,
    {
        let start = self.scan.position();
        let Some(type_byte) = self.scan.peek() else {
            return Err(self.eof("a dict").into());
        };
        if type_byte & !FLAG_REF != code::DICT {
            return Ok(false);
        }
        self.scan.skip(1);
        let slot = self.reserve(type_byte);
        loop {
            let key = self.read_node(1)?;
            if key.tag == Tag::Null {
                break;
            }
            let value = self.read_node(1)?;
            if value.tag == Tag::Null {
                break;
            }
            f(Value::new(self, key), Value::new(self, value))?;
            // Only containers reachable from FLAG_REF slots or the string table survive.
            self.items.truncate(self.keep);
        }
        // The streamed dict itself is not kept: a reference to it yields an empty dict.
        let mut node = Node::new(Tag::Dict, start, self.items.len() as u32, 0);
        self.fill(slot, &mut node);
        Ok(true)
    }

    fn eof(&self, expected: &'static str) -> Error {
        Error::at(self.scan.position(), ErrorKind::UnexpectedEof { expected })
    }

    fn u8(&mut self, expected: &'static str) -> Result<u8> {
        match self.scan.byte() {
            Some(b) => Ok(b),
            None => Err(self.eof(expected)),
        }
    }

    fn i32(&mut self, expected: &'static str) -> Result<i32> {
        match self.scan.i32() {
            Some(v) => Ok(v),
            None => Err(self.eof(expected)),
        }
    }

    fn i64(&mut self, expected: &'static str) -> Result<i64> {
        match self.scan.i64() {
            Some(v) => Ok(v),
            None => Err(self.eof(expected)),
        }
    }

    fn f64(&mut self, expected: &'static str) -> Result<f64> {
        match self.scan.f64() {
            Some(v) => Ok(v),
            None => Err(self.eof(expected)),
        }
    }

    /// A size prefix, checked against what remains (each element takes at least
    /// `min_element_size` bytes).
    fn size(&mut self, long: bool, min_element_size: usize) -> Result<usize> {
        let at = self.scan.position();
        let n = if long {
            i64::from(self.i32("a size")?)
        } else {
            i64::from(self.u8("a size")?)
        };
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(min_element_size) <= self.scan.remaining() => Ok(n),
            _ => Err(Error::at(at, ErrorKind::LengthTooLarge(n))),
        }
    }

    fn bytes_span(&mut self, long: bool) -> Result<(u32, u32)> {
        let n = self.size(long, 1)?;
        let start = self.scan.position();
        self.scan.skip(n);
        Ok((start as u32, n as u32))
    }

    fn reserve(&mut self, type_byte: u8) -> Option<usize> {
        if type_byte & FLAG_REF == 0 {
            return None;
        }
        self.refs
            .push(Node::new(Tag::Reserved, self.scan.position(), 0, 0));
        Some(self.refs.len() - 1)
    }

    fn fill(&mut self, slot: Option<usize>, node: &mut Node) {
        if let Some(slot) = slot {
            node.share = ShareKind::Ref;
            node.slot = slot as u32;
            self.refs[slot] = *node;
        }
    }

    fn read_node(&mut self, depth: u32) -> Result<Node> {
        if depth > MAX_DEPTH {
            return Err(Error::at(self.scan.position(), ErrorKind::TooDeep));
        }
        let start = self.scan.position();
        let type_byte = self.u8("an object")?;
        let ty = type_byte & !FLAG_REF;
        let singleton = |tag| Ok(Node::new(tag, start, 0, 0));
        match ty {
            // Singletons never take a FLAG_REF slot (marshal.c r_object).
            code::NULL => return singleton(Tag::Null),
            code::NONE => return singleton(Tag::None),
            code::FALSE => return singleton(Tag::False),
            code::TRUE => return singleton(Tag::True),
            code::STOPITER => return singleton(Tag::StopIteration),
            code::ELLIPSIS => return singleton(Tag::Ellipsis),
            code::REF => {
                let index = self.i32("a reference index")? as u32;
                return match self.refs.get(index as usize) {
                    Some(node) if node.tag != Tag::Reserved => Ok(*node),
                    _ => Err(Error::at(start, ErrorKind::DanglingRef(index))),
                };
            }
            code::STRINGREF => {
                let index = self.i32("a string reference index")? as u32;
                return match self.strings.get(index as usize) {
                    Some(node) => Ok(*node),
                    None => Err(Error::at(start, ErrorKind::StringRefOutOfRange(index))),
                };
            }
            _ => {}
        }
        let slot = self.reserve(type_byte);
        let mut node = match ty {
            code::INT => Node::int(start, i64::from(self.i32("a 32-bit int")?)),
            code::INT64 => Node::int(start, self.i64("a 64-bit int")?),
            code::LONG => self.read_long(start)?,
            code::FLOAT => Node::float(start, self.read_text_float()?),
            code::BINARY_FLOAT => Node::float(start, self.f64("a binary float")?),
            code::COMPLEX | code::BINARY_COMPLEX => {
                let (re, im) = if ty == code::COMPLEX {
                    (self.read_text_float()?, self.read_text_float()?)
                } else {
                    (self.f64("a binary complex")?, self.f64("a binary complex")?)
                };
                self.complexes.push((re, im));
                Node::new(Tag::Complex, start, (self.complexes.len() - 1) as u32, 0)
            }
            code::STRING => {
                let (a, b) = self.bytes_span(true)?;
                Node::new(Tag::Bytes, start, a, b)
            }
            code::INTERNED | code::UNICODE => {
                let (a, b) = self.bytes_span(true)?;
                let mut node = Node::new(Tag::Utf8, start, a, b);
                if ty == code::INTERNED {
                    // Python 2's string table; Python 3 never writes `R`, so this is harmless there.
                    node.share = ShareKind::Interned;
                    node.slot = self.strings.len() as u32;
                    self.strings.push(node);
                }
                node
            }
            code::ASCII | code::ASCII_INTERNED => {
                let (a, b) = self.bytes_span(true)?;
                Node::new(Tag::Latin1, start, a, b)
            }
            code::SHORT_ASCII | code::SHORT_ASCII_INTERNED => {
                let (a, b) = self.bytes_span(false)?;
                Node::new(Tag::Latin1, start, a, b)
            }
            code::TUPLE | code::SMALL_TUPLE | code::LIST | code::SET | code::FROZENSET => {
                let n = self.size(ty != code::SMALL_TUPLE, 1)?;
                let tag = match ty {
                    code::TUPLE | code::SMALL_TUPLE => Tag::Tuple,
                    code::LIST => Tag::List,
                    code::SET => Tag::Set,
                    _ => Tag::FrozenSet,
                };
                self.read_sequence(start, tag, n, depth)?
            }
            code::SLICE => self.read_sequence(start, Tag::Slice, 3, depth)?,
            code::DICT => self.read_dict(start, depth)?,
            code::CODE => self.read_code(start, depth)?,
            _ => return Err(Error::at(start, ErrorKind::UnknownType(type_byte))),
        };
        if slot.is_some() {
            self.fill(slot, &mut node);
            if matches!(
                node.tag,
                Tag::Tuple | Tag::List | Tag::Dict | Tag::Set | Tag::FrozenSet | Tag::Slice
            ) {
                self.keep = self.items.len();
            }
        }
        Ok(node)
    }

    fn read_long(&mut self, start: usize) -> Result<Node> {
        let payload = self.scan.position();
        let (value, end) = long_value(self.scan.input(), payload)?;
        self.scan.seek(end);
        Ok(match value {
            Some(v) => Node::int(start, v),
            None => Node::new(Tag::BigInt, start, payload as u32, 0),
        })
    }

    fn read_text_float(&mut self) -> Result<f64> {
        let (a, b) = self.bytes_span(false)?;
        text_float(&self.scan.input()[a as usize..(a + b) as usize])
            .ok_or_else(|| Error::at(a as usize - 1, ErrorKind::BadFloat))
    }

    fn read_sequence(&mut self, start: usize, tag: Tag, n: usize, depth: u32) -> Result<Node> {
        // The length is known (and was checked against the remaining bytes): reserve the block
        // and fill it in place. Nested containers put their children after it.
        let first = self.items.len();
        self.items
            .resize(first + n, Node::new(Tag::Null, start, 0, 0));
        for i in 0..n {
            let child = self.read_node(depth + 1)?;
            if child.tag == Tag::Null {
                return Err(Error::at(child.offset as usize, ErrorKind::UnexpectedNull));
            }
            self.items[first + i] = child;
        }
        Ok(Node::new(tag, start, first as u32, n as u32))
    }

    fn read_dict(&mut self, start: usize, depth: u32) -> Result<Node> {
        let base = self.scratch.len();
        loop {
            let key = self.read_node(depth + 1)?;
            if key.tag == Tag::Null {
                break;
            }
            let value = self.read_node(depth + 1)?;
            if value.tag == Tag::Null {
                // Python 3 ends the dict silently here (`docs/formats.md`, "Marshal: Dicts").
                break;
            }
            self.scratch.push(key);
            self.scratch.push(value);
        }
        Ok(self.commit(start, Tag::Dict, base))
    }

    /// Moves the children gathered since `base` into `items` as one contiguous range.
    fn commit(&mut self, start: usize, tag: Tag, base: usize) -> Node {
        let first = self.items.len();
        self.items.extend(self.scratch.drain(base..));
        Node::new(tag, start, first as u32, (self.items.len() - first) as u32)
    }

    fn read_code(&mut self, start: usize, depth: u32) -> Result<Node> {
        // A file is written by one Python: once a layout fits, it is the only one tried.
        let known = self.code_layout;
        let layouts: &[CodeLayout] = match &known {
            Some(known) => std::slice::from_ref(known),
            None => &CODE_LAYOUTS,
        };
        let mut last_error = None;
        for &layout in layouts {
            let saved = (
                self.scan.position(),
                self.refs.len(),
                self.strings.len(),
                self.items.len(),
                self.scratch.len(),
                self.codes.len(),
                self.keep,
            );
            match self.read_code_fields(layout, depth) {
                Ok(info) => {
                    self.code_layout = Some(layout);
                    self.codes.push(info);
                    return Ok(Node::new(
                        Tag::Code,
                        start,
                        (self.codes.len() - 1) as u32,
                        0,
                    ));
                }
                Err(e) => {
                    self.scan.seek(saved.0);
                    self.keep = saved.6;
                    self.refs.truncate(saved.1);
                    self.strings.truncate(saved.2);
                    self.items.truncate(saved.3);
                    self.scratch.truncate(saved.4);
                    self.codes.truncate(saved.5);
                    self.code_failures += 1;
                    last_error = Some(e);
                    if self.code_failures > MAX_CODE_LAYOUT_FAILURES {
                        break;
                    }
                }
            }
        }
        // A truncated file fails every layout the same way: report that, not a layout problem.
        match last_error {
            Some(e) if matches!(e.kind, ErrorKind::UnexpectedEof { .. } | ErrorKind::TooDeep) => {
                Err(e)
            }
            _ => Err(Error::at(start, ErrorKind::BadCode)),
        }
    }

    fn read_code_fields(&mut self, layout: CodeLayout, depth: u32) -> Result<CodeInfo> {
        use Tag::*;
        let int_count = match layout {
            CodeLayout::Py27 => 4,
            CodeLayout::Py30 | CodeLayout::Py311 => 5,
            CodeLayout::Py38 => 6,
        };
        for _ in 0..int_count {
            self.i32("a code object field")?;
        }
        let field = |dec: &mut Self, allowed: &[Tag]| -> Result<Node> {
            let node = dec.read_node(depth + 1)?;
            if allowed.contains(&node.tag) {
                Ok(node)
            } else {
                Err(Error::at(node.offset as usize, ErrorKind::BadCode))
            }
        };
        const TEXT: &[Tag] = &[Utf8, Latin1, Bytes];
        // co_code and co_lnotab are bytes, but in 2.7 they are `str`, which marshal writes as
        // `t` (then `R`) when the string is interned: 2.7 interns the empty string, so the
        // empty co_lnotab of a one-line lambda is `t` (docs/code-objects.md).
        let bytes_field = |dec: &mut Self| -> Result<Node> {
            let node = dec.read_node(depth + 1)?;
            let interned_str =
                layout == CodeLayout::Py27 && node.tag == Utf8 && node.share == ShareKind::Interned;
            if node.tag == Bytes || interned_str {
                Ok(node)
            } else {
                Err(Error::at(node.offset as usize, ErrorKind::BadCode))
            }
        };
        bytes_field(self)?; // co_code
        field(self, &[Tuple])?; // co_consts
        field(self, &[Tuple])?; // co_names
        let (filename, name) = match layout {
            CodeLayout::Py311 => {
                field(self, &[Tuple])?; // co_localsplusnames
                field(self, &[Bytes])?; // co_localspluskinds
                let filename = field(self, TEXT)?;
                let name = field(self, TEXT)?;
                field(self, TEXT)?; // co_qualname
                (filename, name)
            }
            _ => {
                field(self, &[Tuple])?; // co_varnames
                field(self, &[Tuple])?; // co_freevars
                field(self, &[Tuple])?; // co_cellvars
                (field(self, TEXT)?, field(self, TEXT)?)
            }
        };
        let firstlineno = i64::from(self.i32("co_firstlineno")?);
        bytes_field(self)?; // co_lnotab / co_linetable
        if layout == CodeLayout::Py311 {
            bytes_field(self)?; // co_exceptiontable
        }
        Ok(CodeInfo {
            filename,
            name,
            firstlineno,
        })
    }

    /// The raw bytes of a string node.
    fn bytes_of(&self, node: Node) -> &'a [u8] {
        &self.scan.input()[node.a as usize..(node.a + node.b) as usize]
    }

    pub(super) fn text_of(&self, node: Node) -> Cow<'a, str> {
        let bytes = self.bytes_of(node);
        match node.tag {
            Tag::Latin1 => match std::str::from_utf8(bytes) {
                Ok(ascii) if bytes.is_ascii() => Cow::Borrowed(ascii),
                _ => Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
            },
            _ => String::from_utf8_lossy(bytes),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::marshal::{Kind, Shared};

    fn decode(bytes: &[u8]) -> Result<String> {
        let mut dec = Decoder::new(bytes)?;
        let v = dec.read_object()?;
        Ok(format!("{v:?}"))
    }

    fn error(bytes: &[u8]) -> Error {
        decode(bytes).expect_err("expected an error")
    }

    fn i32le(v: i32) -> [u8; 4] {
        v.to_le_bytes()
    }

    #[test]
    fn singletons() {
        let mut dec = Decoder::new(b"N").unwrap();
        assert_eq!(dec.read_object().unwrap().kind(), Kind::None);
        for (byte, kind) in [
            (b'T', Kind::Bool),
            (b'F', Kind::Bool),
            (b'S', Kind::Singleton),
            (b'.', Kind::Singleton),
        ] {
            let input = [byte];
            let mut dec = Decoder::new(&input).unwrap();
            assert_eq!(dec.read_object().unwrap().kind(), kind, "{}", byte as char);
        }
    }

    #[test]
    fn int_i() {
        let mut b = vec![b'i'];
        b.extend(i32le(-7));
        assert_eq!(decode(&b).unwrap(), "-7");
    }

    #[test]
    fn int64_capital_i() {
        let mut b = vec![b'I'];
        b.extend((1i64 << 40).to_le_bytes());
        assert_eq!(decode(&b).unwrap(), (1i64 << 40).to_string());
    }

    #[test]
    fn long_l() {
        // 2**40 + 5 = digits base 2**15: [5, 0, 1024]
        let mut b = vec![b'l'];
        b.extend(i32le(3));
        for d in [5u16, 0, 1024] {
            b.extend(d.to_le_bytes());
        }
        assert_eq!(decode(&b).unwrap(), ((1i64 << 40) + 5).to_string());
        // negative: sign in the count
        let mut b = vec![b'l'];
        b.extend(i32le(-1));
        b.extend(7u16.to_le_bytes());
        assert_eq!(decode(&b).unwrap(), "-7");
    }

    #[test]
    fn long_too_big_for_i64_is_bigint() {
        let mut b = vec![b'l'];
        b.extend(i32le(5)); // 75 bits
        for _ in 0..5 {
            b.extend(0x7fffu16.to_le_bytes());
        }
        let mut dec = Decoder::new(&b).unwrap();
        assert_eq!(dec.read_object().unwrap().kind(), Kind::BigInt);
    }

    #[test]
    fn long_bad_digit() {
        let mut b = vec![b'l'];
        b.extend(i32le(1));
        b.extend(0x8000u16.to_le_bytes());
        assert_eq!(error(&b).kind, ErrorKind::BadLong);
        let mut b = vec![b'l'];
        b.extend(i32le(1));
        b.extend(0u16.to_le_bytes());
        assert_eq!(
            error(&b),
            Error {
                offset: 5,
                kind: ErrorKind::BadLong
            }
        );
    }

    #[test]
    fn floats_f_and_g() {
        assert_eq!(decode(b"f\x031.5").unwrap(), "1.5");
        assert_eq!(decode(b"f\x03inf").unwrap(), "inf");
        let mut b = vec![b'g'];
        b.extend(0.25f64.to_le_bytes());
        assert_eq!(decode(&b).unwrap(), "0.25");
        assert_eq!(
            error(b"f\x02x1"),
            Error {
                offset: 1,
                kind: ErrorKind::BadFloat
            }
        );
    }

    #[test]
    fn complex_x_and_y() {
        let mut dec = Decoder::new(b"x\x031.5\x012").unwrap();
        assert_eq!(dec.read_object().unwrap().as_complex(), Some((1.5, 2.0)));
        let mut b = vec![b'y'];
        b.extend(1.0f64.to_le_bytes());
        b.extend((-2.0f64).to_le_bytes());
        let mut dec = Decoder::new(&b).unwrap();
        assert_eq!(dec.read_object().unwrap().as_complex(), Some((1.0, -2.0)));
    }

    #[test]
    fn strings_of_every_type() {
        assert_eq!(decode(b"s\x02\0\0\0ab").unwrap(), "b\"ab\"");
        assert_eq!(decode(b"u\x02\0\0\0\xc3\xa9").unwrap(), "\"é\"");
        assert_eq!(decode(b"t\x01\0\0\0f").unwrap(), "\"f\"");
        assert_eq!(decode(b"a\x01\0\0\0q").unwrap(), "\"q\"");
        assert_eq!(decode(b"A\x01\0\0\0q").unwrap(), "\"q\"");
        assert_eq!(decode(b"z\x02hi").unwrap(), "\"hi\"");
        assert_eq!(decode(b"Z\x02hi").unwrap(), "\"hi\"");
        // ASCII-typed strings are read as Latin-1, like CPython's 1-byte kind.
        assert_eq!(decode(b"z\x01\xe9").unwrap(), "\"é\"");
    }

    #[test]
    fn containers() {
        assert_eq!(decode(b"(\x02\0\0\0NT").unwrap(), "[<None>, <Bool>]");
        assert_eq!(decode(b")\x01i\x01\0\0\0").unwrap(), "[1]");
        assert_eq!(decode(b"[\x01\0\0\0z\x01a").unwrap(), "[\"a\"]");
        assert_eq!(decode(b"<\x01\0\0\0z\x01a").unwrap(), "[\"a\"]");
        assert_eq!(decode(b">\x00\0\0\0").unwrap(), "[]");
        assert_eq!(decode(b"{z\x01ai\x01\0\0\x000").unwrap(), "{\"a\": 1}");
        assert_eq!(decode(b":NNN").unwrap(), "[<None>, <None>, <None>]");
    }

    #[test]
    fn dict_null_value_ends_silently() {
        // Python 3: loads(b"{i\1\0\0\0" b"0") == {}
        assert_eq!(decode(b"{i\x01\0\0\x000").unwrap(), "{}");
    }

    #[test]
    fn flag_ref_and_r() {
        // [ 'ab'|FLAG, r0 ]  -> slot 0 is the string (the list has no flag)
        let b = b"[\x02\0\0\0\xfa\x02abr\0\0\0\0";
        assert_eq!(decode(b).unwrap(), "[\"ab\", \"ab\"]");
        // Pre-order: the flagged tuple takes slot 0 before its flagged child takes slot 1.
        let b = b"[\x03\0\0\0\xa9\x01\xe9\x05\0\0\0r\x01\0\0\0r\0\0\0\0";
        assert_eq!(decode(b).unwrap(), "[[5], 5, [5]]");
    }

    #[test]
    fn singletons_take_no_slot() {
        let b = b"[\x02\0\0\0\xce\xfa\x01xr\0\0\0\0"; // N|FLAG then z|FLAG: slot 0 is "x"
        assert_eq!(decode(b).unwrap(), "[<None>, \"x\"]");
    }

    #[test]
    fn shared_objects_report_their_slot() {
        // [ 'ab'|FLAG, r0, 'c', t'd', R0 ]
        let b = b"[\x05\0\0\0\xfa\x02abr\0\0\0\0z\x01ct\x01\0\0\0dR\0\0\0\0";
        let mut dec = Decoder::new(b).unwrap();
        let list = dec.read_object().unwrap();
        let shared: Vec<_> = list.as_sequence().unwrap().map(|v| v.shared()).collect();
        assert_eq!(
            shared,
            [
                Some(Shared::Ref(0)),
                Some(Shared::Ref(0)),
                None,
                Some(Shared::Interned(0)),
                Some(Shared::Interned(0)),
            ]
        );
    }

    #[test]
    fn python2_interned_t_and_r() {
        // ('g', 'f', R1) -> R 1 is the second interned string, "f"
        let b = b"(\x03\0\0\0t\x01\0\0\0gt\x01\0\0\0fR\x01\0\0\0";
        assert_eq!(decode(b).unwrap(), "[\"g\", \"f\", \"f\"]");
    }

    #[test]
    fn error_unexpected_eof() {
        assert_eq!(
            error(b""),
            Error {
                offset: 0,
                kind: ErrorKind::UnexpectedEof {
                    expected: "an object"
                }
            }
        );
        assert_eq!(
            error(b"i\x01\0"),
            Error {
                offset: 1,
                kind: ErrorKind::UnexpectedEof {
                    expected: "a 32-bit int"
                }
            }
        );
        assert_eq!(error(b"{z\x01a").offset, 4);
    }

    #[test]
    fn error_unknown_type() {
        assert_eq!(
            error(b"(\x01\0\0\0W"),
            Error {
                offset: 5,
                kind: ErrorKind::UnknownType(b'W')
            }
        );
        assert_eq!(error(b"?").kind, ErrorKind::UnknownType(b'?'));
        assert_eq!(error(b"\xd7").kind, ErrorKind::UnknownType(0xd7));
    }

    #[test]
    fn error_dangling_ref() {
        assert_eq!(
            error(b"r\x00\0\0\0"),
            Error {
                offset: 0,
                kind: ErrorKind::DanglingRef(0)
            }
        );
        // A list that contains itself: CPython allows the cycle, we refuse it.
        assert_eq!(
            error(b"\xdb\x01\0\0\0r\0\0\0\0").kind,
            ErrorKind::DanglingRef(0)
        );
    }

    #[test]
    fn error_string_ref_out_of_range() {
        assert_eq!(
            error(b"R\x02\0\0\0"),
            Error {
                offset: 0,
                kind: ErrorKind::StringRefOutOfRange(2)
            }
        );
    }

    #[test]
    fn error_too_deep() {
        let b: Vec<u8> = std::iter::repeat_n(*b")\x01", 100_000).flatten().collect();
        assert_eq!(error(&b).kind, ErrorKind::TooDeep);
    }

    #[test]
    fn error_length_too_large() {
        assert_eq!(
            error(b"s\xff\xff\xff\x7fab"),
            Error {
                offset: 1,
                kind: ErrorKind::LengthTooLarge(0x7fff_ffff)
            }
        );
        assert_eq!(
            error(b"(\xff\xff\xff\xff").kind,
            ErrorKind::LengthTooLarge(-1)
        );
        assert_eq!(
            error(b"l\x00\x00\x00\x40").kind,
            ErrorKind::LengthTooLarge(1 << 30)
        );
    }

    #[test]
    fn error_unexpected_null() {
        assert_eq!(
            error(b"0"),
            Error {
                offset: 0,
                kind: ErrorKind::UnexpectedNull
            }
        );
        assert_eq!(error(b"(\x01\0\0\x000").offset, 5);
    }

    #[test]
    fn trailing_bytes_are_ignored() {
        assert_eq!(decode(b"Nxyz").unwrap(), "<None>");
    }

    /// A code object as CPython 3.11–3.13 writes it (docs/code-objects.md), inside a tuple.
    fn code_311() -> Vec<u8> {
        let mut b = b")\x03".to_vec();
        b.extend(b"z\x07profile");
        b.extend(b"i\0\0\0\0");
        b.push(b'c');
        for _ in 0..5 {
            b.extend(i32le(0));
        }
        b.extend(b"s\x02\0\0\0\x97\0"); // code
        b.extend(b")\x00"); // consts
        b.extend(b")\x00"); // names
        b.extend(b")\x00"); // localsplusnames
        b.extend(b"s\0\0\0\0"); // localspluskinds
        b.extend(b"z\x07prog.py");
        b.extend(b"z\x08<module>");
        b.extend(b"z\x08<module>");
        b.extend(i32le(1));
        b.extend(b"s\0\0\0\0");
        b.extend(b"s\0\0\0\0");
        b
    }

    #[test]
    fn code_object_py311() {
        let b = code_311();
        let mut dec = Decoder::new(&b).unwrap();
        let v = dec.read_object().unwrap();
        let code = v.as_tuple().unwrap().get(2).unwrap().as_code().unwrap();
        assert_eq!(code.name, "<module>");
        assert_eq!(code.filename, "prog.py");
        assert_eq!(code.firstlineno, 1);
    }

    #[test]
    fn code_object_py27() {
        let mut b = vec![b'c'];
        for _ in 0..4 {
            b.extend(i32le(0));
        }
        b.extend(b"s\0\0\0\0(\0\0\0\0(\0\0\0\0(\0\0\0\0(\0\0\0\0(\0\0\0\0");
        b.extend(b"s\x07\0\0\0prog.pyt\x08\0\0\0<module>");
        b.extend(i32le(3));
        b.extend(b"s\0\0\0\0");
        let mut dec = Decoder::new(&b).unwrap();
        let code = dec.read_object().unwrap().as_code().unwrap();
        assert_eq!((code.name.as_ref(), code.firstlineno), ("<module>", 3));
    }

    /// A Python 2.7 code object named `name` whose co_lnotab is `lnotab` (type byte included).
    fn code_27(name: &[u8], lnotab: &[u8]) -> Vec<u8> {
        let mut b = vec![b'c'];
        for _ in 0..4 {
            b.extend(i32le(0));
        }
        b.extend(b"s\x04\0\0\0d\x00\x00S(\0\0\0\0(\0\0\0\0(\0\0\0\0(\0\0\0\0(\0\0\0\0");
        b.extend(b"s\x07\0\0\0prog.pyt");
        b.extend(i32le(name.len() as i32));
        b.extend(name);
        b.extend(i32le(7));
        b.extend(lnotab);
        b
    }

    #[test]
    fn code_object_py27_interned_lnotab() {
        // 2.7 interns the empty string: a one-line lambda's co_lnotab is `t`, the next one's is
        // `R` to it (what `marshal.dumps(compile("f = lambda: 0", ...))` writes under 2.7).
        // Interned strings so far: "<lambda>" (0), "" (1), then "g" (2).
        let mut b = b"(\x02\0\0\0".to_vec();
        b.extend(code_27(b"<lambda>", b"t\0\0\0\0"));
        b.extend(code_27(b"g", b"R\x01\0\0\0"));
        let mut dec = Decoder::new(&b).unwrap();
        let v = dec.read_object().unwrap();
        let tuple = v.as_tuple().unwrap();
        let names: Vec<_> = (0..2)
            .map(|i| tuple.get(i).unwrap().as_code().unwrap().name.into_owned())
            .collect();
        assert_eq!(names, ["<lambda>", "g"]);
        assert_eq!(dec.code_layout, Some(CodeLayout::Py27));
    }

    #[test]
    fn code_object_interned_str_is_not_bytes_in_python3() {
        // The same `t` co_linetable in a 3.11 code object: 3.x never writes bytes as `t`.
        let mut b = code_311();
        let at = b.len() - 10;
        b[at] = b't';
        assert_eq!(
            error(&b),
            Error {
                offset: 16, // the `c` byte
                kind: ErrorKind::BadCode
            }
        );
    }

    #[test]
    fn error_bad_code_py27_keeps_its_offset() {
        // A 2.7 code object at byte 5 whose co_lnotab is unicode (`u`): malformed.
        let mut b = b"(\x01\0\0\0".to_vec();
        b.extend(code_27(b"f", b"u\0\0\0\0"));
        assert_eq!(
            error(&b),
            Error {
                offset: 5,
                kind: ErrorKind::BadCode
            }
        );
    }

    /// Every code object of the `-m profile -o` dumps of tests/fixtures/programs/shapes*.py
    /// (closures, cells, generators, coroutines, async generators, comprehensions, lambdas,
    /// class bodies, nesting three deep, keyword- and positional-only arguments, big constant
    /// tables: docs/code-objects.md) decodes in its interpreter's layout.
    #[test]
    fn code_objects_of_every_shape_from_every_interpreter() {
        const SHAPES: &[&str] = &[
            "<genexpr>",
            "<lambda>",
            "<module>",
            "Opened",
            "Shape",
            "Square",
            "Unit",
            "__enter__",
            "__exit__",
            "__init__",
            "area",
            "bump",
            "classify",
            "decorate",
            "decorated",
            "fib",
            "guarded",
            "inner",
            "is_even",
            "is_odd",
            "kinds",
            "label",
            "main",
            "make",
            "make_counter",
            "member",
            "middle",
            "outer",
            "scale",
            "squares",
            "with_block",
            "wrapper",
        ];
        const SHAPES3: &[&str] = &[
            "<lambda>",
            "<module>",
            "Awaitable",
            "Base",
            "Child",
            "Session",
            "__aenter__",
            "__aexit__",
            "__await__",
            "bump",
            "counter",
            "delegate",
            "describe",
            "fetch",
            "gather",
            "main",
            "run",
            "ticks",
        ];
        const SHAPES38: &[&str] = &[
            "<lambda>", "<module>", "Vector", "__init__", "clamp", "dot", "double", "main",
            "scale", "scaler",
        ];
        use CodeLayout::*;
        // (file, layout, code objects in the file, comprehensions with a code object)
        let cases: &[(&str, CodeLayout, usize, &[&str])] = &[
            ("py27/shapes", Py27, 111, &["<dictcomp>", "<setcomp>"]),
            (
                "py36/shapes",
                Py30,
                38,
                &["<dictcomp>", "<listcomp>", "<setcomp>"],
            ),
            ("py36/shapes3", Py30, 20, &["<listcomp>"]),
            (
                "py37/shapes",
                Py30,
                38,
                &["<dictcomp>", "<listcomp>", "<setcomp>"],
            ),
            ("py37/shapes3", Py30, 20, &["<listcomp>"]),
            (
                "py38/shapes",
                Py38,
                38,
                &["<dictcomp>", "<listcomp>", "<setcomp>"],
            ),
            ("py38/shapes3", Py38, 20, &["<listcomp>"]),
            ("py38/shapes38", Py38, 10, &[]),
            (
                "py39/shapes",
                Py38,
                38,
                &["<dictcomp>", "<listcomp>", "<setcomp>"],
            ),
            ("py39/shapes3", Py38, 20, &["<listcomp>"]),
            ("py39/shapes38", Py38, 10, &[]),
            (
                "py310/shapes",
                Py38,
                38,
                &["<dictcomp>", "<listcomp>", "<setcomp>"],
            ),
            ("py310/shapes3", Py38, 20, &["<listcomp>"]),
            ("py310/shapes38", Py38, 10, &[]),
            (
                "py311/shapes",
                Py311,
                38,
                &["<dictcomp>", "<listcomp>", "<setcomp>"],
            ),
            ("py311/shapes3", Py311, 20, &["<listcomp>"]),
            ("py311/shapes38", Py311, 10, &[]),
            ("py312/shapes", Py311, 35, &[]),
            ("py312/shapes3", Py311, 19, &[]),
            ("py312/shapes38", Py311, 10, &[]),
            ("py313/shapes", Py311, 35, &[]),
            ("py313/shapes3", Py311, 19, &[]),
            ("py313/shapes38", Py311, 10, &[]),
            (
                "pypy3/shapes",
                Py38,
                114,
                &["<dictcomp>", "<listcomp>", "<setcomp>"],
            ),
            ("pypy3/shapes3", Py38, 60, &["<listcomp>"]),
            ("pypy3/shapes38", Py38, 30, &[]),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats");
        for &(file, layout, count, comprehensions) in cases {
            let bytes = std::fs::read(root.join(format!("{file}.stats"))).unwrap();
            let mut dec = Decoder::new(&bytes).unwrap();
            dec.read_object().unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(dec.code_layout, Some(layout), "{file}");
            assert_eq!(dec.codes.len(), count, "{file}");
            let mut names: Vec<String> = dec
                .codes
                .iter()
                .map(|info| dec.text_of(info.name).into_owned())
                .collect();
            names.sort();
            names.dedup();
            let program = match file.rsplit('/').next() {
                Some("shapes") => SHAPES,
                Some("shapes3") => SHAPES3,
                _ => SHAPES38,
            };
            let mut expected: Vec<&str> = program.iter().chain(comprehensions).copied().collect();
            expected.sort();
            assert_eq!(names, expected, "{file}");
        }
    }

    #[test]
    fn error_bad_code() {
        let mut b = vec![b'c'];
        b.extend([0u8; 24]);
        b.extend(b"NNNNNNNNNNNNNNNNNNNNNNNN");
        assert_eq!(
            error(&b),
            Error {
                offset: 0,
                kind: ErrorKind::BadCode
            }
        );
    }

    #[test]
    fn streaming_dict_frees_unshared_entries() {
        // {1: (2,), 3: (4,)} with no flags: nothing survives between entries.
        let b = b"{i\x01\0\0\0)\x01i\x02\0\0\0i\x03\0\0\0)\x01i\x04\0\0\x000";
        let mut dec = Decoder::new(b).unwrap();
        let mut seen = Vec::new();
        let mut max_items = 0;
        let ok = dec
            .read_dict_entries(|k, v| {
                seen.push(format!("{k:?}:{v:?}"));
                max_items = max_items.max(k.dec.items.len());
                Ok::<(), Error>(())
            })
            .unwrap();
        assert!(ok);
        assert_eq!(seen, ["1:[2]", "3:[4]"]);
        assert_eq!(max_items, 1);
        assert!(dec.items.is_empty());
    }

    #[test]
    fn streaming_dict_keeps_shared_containers() {
        // {(|FLAG 'f',): 1, 2: r(tuple)}: the flagged tuple is referenced by a later entry.
        let b = b"{\xa9\x01z\x01fi\x01\0\0\0i\x02\0\0\0r\0\0\0\x000";
        let mut dec = Decoder::new(b).unwrap();
        let mut seen = Vec::new();
        dec.read_dict_entries(|k, v| {
            seen.push(format!("{k:?}:{v:?}"));
            Ok::<(), Error>(())
        })
        .unwrap();
        assert_eq!(seen, ["[\"f\"]:1", "2:[\"f\"]"]);
    }

    #[test]
    fn streaming_dict_declines_non_dict() {
        let mut dec = Decoder::new(b"N").unwrap();
        assert!(!dec.read_dict_entries(|_, _| Ok::<(), Error>(())).unwrap());
        assert_eq!(dec.position(), 0);
    }
}
