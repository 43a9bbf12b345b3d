//! A small, bounded pickle machine that never runs anything.
//!
//! Python's `pickle.load` imports any module a pickle names and calls any callable it asks for,
//! so opening a pickle with Python runs code. This machine knows only the opcodes that the
//! writers pstat reads use (line_profiler 2.x–5.x on Python 2.7–3.13: protocols 2, 4 and 5,
//! plus a few cheap extras), and it refuses every other opcode. `GLOBAL`/`STACK_GLOBAL` must name
//! a class on the allow-list the caller supplies; nothing is ever imported or resolved.
//! `NEWOBJ`, `REDUCE` and `BUILD` only record an inert [`Node::Object`] of that class, its
//! arguments and its state.
//!
//! It knows nothing of line_profiler. Bounds, each checked before anything is allocated:
//! * every length field is checked against the bytes that remain;
//! * at most [`MAX_MARKS`] open MARKs (real files need 3);
//! * containers nest at most [`MAX_DEPTH`] deep (real files need 5), and a container may not
//!   change once it sits inside another one, so the depth recorded at insertion is exact and no
//!   cycle can be built;
//! * memo ids must be near the memo's size ([`MAX_MEMO_GAP`]), so a tiny file cannot ask for a
//!   huge table;
//! * every opcode makes at most one node, so memory is linear in the input size.
//!
//! Values live in an arena ([`Pickle::node`]); strings borrow from the input. Nothing recurses
//! over values, neither here nor when the arena is dropped.

use std::collections::HashMap;

mod error;

pub use error::{Error, ErrorKind};

/// How many MARKs may be open at once.
pub const MAX_MARKS: usize = 64;
/// How deep containers may nest.
pub const MAX_DEPTH: u32 = 64;
/// How far past the memo's current size a PUT may name an id.
pub const MAX_MEMO_GAP: u64 = 1 << 16;
/// The longest decimal text an `INT` opcode may carry.
const MAX_INT_DIGITS: usize = 20;

/// The index of a node in a [`Pickle`]'s arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(u32);

/// One value the pickle built.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Node<'a> {
    /// `None`.
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A float.
    Float(f64),
    /// A Python 3 `str`: UTF-8 bytes as pickle wrote them (with `surrogatepass`, so they may
    /// hold encoded lone surrogates).
    Unicode(&'a [u8]),
    /// A Python 2 `str` or a Python 3 `bytes`.
    Bytes(&'a [u8]),
    /// A tuple.
    Tuple(Vec<NodeId>),
    /// A list.
    List(Vec<NodeId>),
    /// A dict, in insertion order (later duplicates are kept; the reader decides).
    Dict(Vec<(NodeId, NodeId)>),
    /// A class named by GLOBAL/STACK_GLOBAL, by its index in the allow-list.
    Class(usize),
    /// An inert instance: `class` is an allow-list index, `args` what NEWOBJ/REDUCE passed,
    /// `state` what BUILD passed.
    Object {
        /// Index into the allow-list.
        class: usize,
        /// The argument tuple.
        args: NodeId,
        /// The state, if BUILD gave one.
        state: Option<NodeId>,
    },
}

/// A decoded pickle: an arena of nodes and the root.
#[derive(Debug)]
pub struct Pickle<'a> {
    nodes: Vec<Node<'a>>,
    offsets: Vec<u32>,
    root: NodeId,
    #[cfg_attr(not(any(test, fuzzing)), allow(dead_code))]
    protocol: u8,
}

impl<'a> Pickle<'a> {
    /// The value STOP returned.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// A node of the arena.
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id.0 as usize]
    }

    /// The byte offset of the opcode that made a node.
    pub fn offset(&self, id: NodeId) -> u64 {
        u64::from(self.offsets[id.0 as usize])
    }

    /// The PROTO the pickle declared (0 without one).
    // Checked while loading; kept for the unit tests and the fuzz target.
    #[cfg_attr(not(any(test, fuzzing)), allow(dead_code))]
    pub fn protocol(&self) -> u8 {
        self.protocol
    }
}

struct Machine<'a, 'c> {
    input: &'a [u8],
    pos: usize,
    op_at: usize,
    op: u8,
    allowed: &'c [(&'c str, &'c str)],
    nodes: Vec<Node<'a>>,
    offsets: Vec<u32>,
    depth: Vec<u32>,
    /// Set once a container sits inside another one.
    embedded: Vec<bool>,
    stack: Vec<NodeId>,
    marks: Vec<usize>,
    memo: HashMap<u64, NodeId>,
    protocol: u8,
}

type Result<T> = std::result::Result<T, Error>;

/// Runs the pickle in `input`. `allowed` lists the `(module, name)` class paths GLOBAL and
/// STACK_GLOBAL may name; any other is an error.
pub fn load<'a>(input: &'a [u8], allowed: &[(&str, &str)]) -> Result<Pickle<'a>> {
    if u32::try_from(input.len()).is_err() {
        return Err(Error {
            offset: 0,
            opcode: None,
            kind: ErrorKind::LengthTooLarge(input.len() as u64),
        });
    }
    let mut m = Machine {
        input,
        pos: 0,
        op_at: 0,
        op: 0,
        allowed,
        nodes: Vec::new(),
        offsets: Vec::new(),
        depth: Vec::new(),
        embedded: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        protocol: 0,
    };
    let root = m.run()?;
    Ok(Pickle {
        nodes: m.nodes,
        offsets: m.offsets,
        root,
        protocol: m.protocol,
    })
}

impl<'a> Machine<'a, '_> {
    fn err(&self, kind: ErrorKind) -> Error {
        Error {
            offset: self.op_at as u64,
            opcode: Some(self.op),
            kind,
        }
    }

    fn take(&mut self, n: usize, expected: &'static str) -> Result<&'a [u8]> {
        if n > self.input.len() - self.pos {
            return Err(self.err(ErrorKind::UnexpectedEof { expected }));
        }
        let bytes = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1, "a 1-byte argument")?[0])
    }

    fn le<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N, "a fixed-size argument")?;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A length-prefixed payload: the length is checked against the remaining bytes first.
    fn counted(&mut self, len: u64) -> Result<&'a [u8]> {
        let remaining = (self.input.len() - self.pos) as u64;
        if len > remaining {
            return Err(self.err(ErrorKind::LengthTooLarge(len)));
        }
        self.take(len as usize, "a string")
    }

    fn line(&mut self) -> Result<&'a [u8]> {
        let rest = &self.input[self.pos..];
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            return Err(self.err(ErrorKind::UnexpectedEof {
                expected: "a newline",
            }));
        };
        self.pos += end + 1;
        Ok(&rest[..end])
    }

    fn new_node(&mut self, node: Node<'a>, depth: u32) -> Result<NodeId> {
        if depth > MAX_DEPTH {
            return Err(self.err(ErrorKind::TooDeep));
        }
        // Every opcode makes at most one node, so the arena is bounded by the input size.
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node);
        self.offsets.push(self.op_at as u32);
        self.depth.push(depth);
        self.embedded.push(false);
        Ok(id)
    }

    fn push_new(&mut self, node: Node<'a>) -> Result<()> {
        let id = self.new_node(node, 0)?;
        self.stack.push(id);
        Ok(())
    }

    fn pop(&mut self) -> Result<NodeId> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.err(ErrorKind::StackUnderflow));
        }
        Ok(self.stack.pop().expect("checked above"))
    }

    fn top(&self) -> Result<NodeId> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.err(ErrorKind::StackUnderflow));
        }
        Ok(self.stack[self.stack.len() - 1])
    }

    /// Pops everything above the last MARK, and the MARK.
    fn pop_mark(&mut self) -> Result<Vec<NodeId>> {
        let Some(mark) = self.marks.pop() else {
            return Err(self.err(ErrorKind::NoMark));
        };
        Ok(self.stack.split_off(mark))
    }

    fn is_container(&self, id: NodeId) -> bool {
        matches!(
            self.nodes[id.0 as usize],
            Node::Tuple(_) | Node::List(_) | Node::Dict(_) | Node::Object { .. }
        )
    }

    /// The depth a container holding `items` has, marking them as embedded.
    fn embed(&mut self, items: &[NodeId]) -> Result<u32> {
        let mut depth = 0;
        for &item in items {
            if self.is_container(item) {
                self.embedded[item.0 as usize] = true;
            }
            depth = depth.max(self.depth[item.0 as usize]);
        }
        if depth + 1 > MAX_DEPTH {
            return Err(self.err(ErrorKind::TooDeep));
        }
        Ok(depth + 1)
    }

    fn make_tuple(&mut self, items: Vec<NodeId>) -> Result<()> {
        let depth = self.embed(&items)?;
        let id = self.new_node(Node::Tuple(items), depth)?;
        self.stack.push(id);
        Ok(())
    }

    /// Adds `items` to the list or dict `target` (SETITEM(S)/APPEND(S)).
    fn extend(&mut self, target: NodeId, items: Vec<NodeId>, dict: bool) -> Result<()> {
        if self.embedded[target.0 as usize] {
            return Err(self.err(ErrorKind::SharedMutation));
        }
        if dict && !items.len().is_multiple_of(2) {
            return Err(self.err(ErrorKind::StackUnderflow));
        }
        let depth = self.embed(&items)?.max(self.depth[target.0 as usize]);
        // Putting a container into itself makes it embedded now: a cycle.
        if self.embedded[target.0 as usize] {
            return Err(self.err(ErrorKind::SharedMutation));
        }
        match (&mut self.nodes[target.0 as usize], dict) {
            (Node::List(list), false) => list.extend(items),
            (Node::Dict(map), true) => map.extend(items.chunks_exact(2).map(|kv| (kv[0], kv[1]))),
            _ => {
                return Err(self.err(ErrorKind::WrongType {
                    expected: if dict { "a dict" } else { "a list" },
                }));
            }
        }
        self.depth[target.0 as usize] = depth;
        Ok(())
    }

    fn put(&mut self, index: u64) -> Result<()> {
        if index > self.memo.len() as u64 + MAX_MEMO_GAP {
            return Err(self.err(ErrorKind::MemoOutOfRange(index)));
        }
        let top = self.top()?;
        self.memo.insert(index, top);
        Ok(())
    }

    fn get(&mut self, index: u64) -> Result<()> {
        let Some(&id) = self.memo.get(&index) else {
            return Err(self.err(ErrorKind::MemoOutOfRange(index)));
        };
        self.stack.push(id);
        Ok(())
    }

    fn global(&mut self, module: &[u8], name: &[u8]) -> Result<()> {
        let found = self
            .allowed
            .iter()
            .position(|(m, n)| m.as_bytes() == module && n.as_bytes() == name);
        match found {
            Some(class) => self.push_new(Node::Class(class)),
            None => Err(self.err(ErrorKind::ForbiddenGlobal {
                module: String::from_utf8_lossy(module).into_owned(),
                name: String::from_utf8_lossy(name).into_owned(),
            })),
        }
    }

    fn string_of(&self, id: NodeId) -> Result<&'a [u8]> {
        match self.nodes[id.0 as usize] {
            Node::Unicode(s) | Node::Bytes(s) => Ok(s),
            _ => Err(self.err(ErrorKind::WrongType {
                expected: "a string",
            })),
        }
    }

    /// NEWOBJ and REDUCE: an inert object of an allowed class; nothing is called.
    fn instantiate(&mut self) -> Result<()> {
        let args = self.pop()?;
        let class = self.pop()?;
        if !matches!(self.nodes[args.0 as usize], Node::Tuple(_)) {
            return Err(self.err(ErrorKind::WrongType {
                expected: "an argument tuple",
            }));
        }
        let Node::Class(class) = self.nodes[class.0 as usize] else {
            return Err(self.err(ErrorKind::WrongType {
                expected: "a class",
            }));
        };
        let depth = self.embed(&[args])?;
        let id = self.new_node(
            Node::Object {
                class,
                args,
                state: None,
            },
            depth,
        )?;
        self.stack.push(id);
        Ok(())
    }

    fn build(&mut self) -> Result<()> {
        let state = self.pop()?;
        let target = self.top()?;
        if self.embedded[target.0 as usize] {
            return Err(self.err(ErrorKind::SharedMutation));
        }
        let depth = self.embed(&[state])?.max(self.depth[target.0 as usize]);
        if self.embedded[target.0 as usize] {
            return Err(self.err(ErrorKind::SharedMutation));
        }
        match &mut self.nodes[target.0 as usize] {
            Node::Object { state: slot, .. } if slot.is_none() => *slot = Some(state),
            _ => {
                return Err(self.err(ErrorKind::WrongType {
                    expected: "an object without state before BUILD",
                }));
            }
        }
        self.depth[target.0 as usize] = depth;
        Ok(())
    }

    fn int_text(&mut self) -> Result<()> {
        let text = self.line()?;
        let node = match text {
            b"00" => Node::Bool(false),
            b"01" => Node::Bool(true),
            _ => {
                if text.len() > MAX_INT_DIGITS {
                    return Err(self.err(ErrorKind::BadInt));
                }
                let value = std::str::from_utf8(text)
                    .ok()
                    .and_then(|t| t.trim().parse::<i64>().ok())
                    .ok_or_else(|| self.err(ErrorKind::BadInt))?;
                Node::Int(value)
            }
        };
        self.push_new(node)
    }

    /// LONG1/LONG4 payload: little-endian two's complement, at most 8 bytes.
    fn long(&mut self, len: u64) -> Result<()> {
        let bytes = self.counted(len)?;
        if bytes.len() > 8 {
            return Err(self.err(ErrorKind::BadInt));
        }
        let mut buf = if bytes.last().is_some_and(|b| b & 0x80 != 0) {
            [0xff; 8]
        } else {
            [0; 8]
        };
        buf[..bytes.len()].copy_from_slice(bytes);
        self.push_new(Node::Int(i64::from_le_bytes(buf)))
    }

    fn run(&mut self) -> Result<NodeId> {
        loop {
            self.op_at = self.pos;
            if self.pos >= self.input.len() {
                self.op = 0;
                return Err(Error {
                    offset: self.pos as u64,
                    opcode: None,
                    kind: ErrorKind::MissingStop,
                });
            }
            self.op = self.input[self.pos];
            self.pos += 1;
            match self.op {
                // PROTO
                0x80 => {
                    let p = self.u8()?;
                    if !(2..=5).contains(&p) {
                        return Err(self.err(ErrorKind::UnsupportedProtocol(p)));
                    }
                    self.protocol = p;
                }
                // FRAME: only a hint for buffering; its length must still fit.
                0x95 => {
                    let len = u64::from_le_bytes(self.le::<8>()?);
                    if len > (self.input.len() - self.pos) as u64 {
                        return Err(self.err(ErrorKind::LengthTooLarge(len)));
                    }
                }
                // STOP
                b'.' => {
                    if !self.marks.is_empty() || self.stack.len() != 1 {
                        return Err(self.err(ErrorKind::BadStop));
                    }
                    if self.pos != self.input.len() {
                        return Err(Error {
                            offset: self.pos as u64,
                            opcode: None,
                            kind: ErrorKind::TrailingData,
                        });
                    }
                    return Ok(self.stack[0]);
                }
                // MARK
                b'(' => {
                    if self.marks.len() >= MAX_MARKS {
                        return Err(self.err(ErrorKind::TooManyMarks));
                    }
                    self.marks.push(self.stack.len());
                }
                // POP, POP_MARK
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                // DUP is unused by every writer, but harmless.
                b'2' => {
                    let top = self.top()?;
                    self.stack.push(top);
                }
                // GLOBAL: "module\nname\n"
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.global(module, name)?;
                }
                // STACK_GLOBAL
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (module, name) = (self.string_of(module)?, self.string_of(name)?);
                    self.global(module, name)?;
                }
                // NEWOBJ, REDUCE
                0x81 | b'R' => self.instantiate()?,
                // BUILD
                b'b' => self.build()?,
                // EMPTY_TUPLE, TUPLE1-3, TUPLE
                b')' => self.make_tuple(Vec::new())?,
                0x85..=0x87 => {
                    let n = usize::from(self.op - 0x84);
                    let floor = self.marks.last().copied().unwrap_or(0);
                    if self.stack.len() < floor + n {
                        return Err(self.err(ErrorKind::StackUnderflow));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.make_tuple(items)?;
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.make_tuple(items)?;
                }
                // EMPTY_LIST, EMPTY_DICT
                b']' => self.push_new(Node::List(Vec::new()))?,
                b'}' => self.push_new(Node::Dict(Vec::new()))?,
                // APPEND, APPENDS
                b'a' => {
                    let item = self.pop()?;
                    let target = self.top()?;
                    self.extend(target, vec![item], false)?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.extend(target, items, false)?;
                }
                // SETITEM, SETITEMS
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    let target = self.top()?;
                    self.extend(target, vec![key, value], true)?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.extend(target, items, true)?;
                }
                // NONE, NEWTRUE, NEWFALSE
                b'N' => self.push_new(Node::None)?,
                0x88 => self.push_new(Node::Bool(true))?,
                0x89 => self.push_new(Node::Bool(false))?,
                // BININT1, BININT2, BININT, INT, LONG1, LONG4
                b'K' => {
                    let v = self.u8()?;
                    self.push_new(Node::Int(i64::from(v)))?;
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.le::<2>()?);
                    self.push_new(Node::Int(i64::from(v)))?;
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.le::<4>()?);
                    self.push_new(Node::Int(i64::from(v)))?;
                }
                b'I' => self.int_text()?,
                0x8a => {
                    let len = self.u8()?;
                    self.long(u64::from(len))?;
                }
                0x8b => {
                    let len = i32::from_le_bytes(self.le::<4>()?);
                    if len < 0 {
                        return Err(self.err(ErrorKind::LengthTooLarge(len as u64)));
                    }
                    self.long(len as u64)?;
                }
                // BINFLOAT (big-endian)
                b'G' => {
                    let v = f64::from_be_bytes(self.le::<8>()?);
                    self.push_new(Node::Float(v))?;
                }
                // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
                0x8c => {
                    let len = self.u8()?;
                    let s = self.counted(u64::from(len))?;
                    self.push_new(Node::Unicode(s))?;
                }
                b'X' => {
                    let len = u32::from_le_bytes(self.le::<4>()?);
                    let s = self.counted(u64::from(len))?;
                    self.push_new(Node::Unicode(s))?;
                }
                0x8d => {
                    let len = u64::from_le_bytes(self.le::<8>()?);
                    let s = self.counted(len)?;
                    self.push_new(Node::Unicode(s))?;
                }
                // SHORT_BINSTRING, BINSTRING (Python 2 str), SHORT_BINBYTES, BINBYTES
                b'U' | b'C' => {
                    let len = self.u8()?;
                    let s = self.counted(u64::from(len))?;
                    self.push_new(Node::Bytes(s))?;
                }
                b'T' | b'B' => {
                    let len = i32::from_le_bytes(self.le::<4>()?);
                    if len < 0 {
                        return Err(self.err(ErrorKind::LengthTooLarge(len as u64)));
                    }
                    let s = self.counted(len as u64)?;
                    self.push_new(Node::Bytes(s))?;
                }
                // MEMOIZE, BINPUT, LONG_BINPUT, BINGET, LONG_BINGET
                0x94 => {
                    let index = self.memo.len() as u64;
                    self.put(index)?;
                }
                b'q' => {
                    let i = self.u8()?;
                    self.put(u64::from(i))?;
                }
                b'r' => {
                    let i = u32::from_le_bytes(self.le::<4>()?);
                    self.put(u64::from(i))?;
                }
                b'h' => {
                    let i = self.u8()?;
                    self.get(u64::from(i))?;
                }
                b'j' => {
                    let i = u32::from_le_bytes(self.le::<4>()?);
                    self.get(u64::from(i))?;
                }
                // Known opcodes that run code, reach outside the pickle, or that no supported
                // writer uses: INST, OBJ, NEWOBJ_EX, PERSID, BINPERSID, EXT1/2/4, the text
                // opcodes of protocol 0, sets, bytearrays and out-of-band buffers.
                b'i'
                | b'o'
                | 0x92
                | b'P'
                | b'Q'
                | 0x82..=0x84
                | b'p'
                | b'g'
                | b'S'
                | b'V'
                | b'L'
                | b'F'
                | b'l'
                | b'd'
                | 0x8e..=0x91
                | 0x96..=0x98 => {
                    return Err(self.err(ErrorKind::ForbiddenOpcode(self.op)));
                }
                other => return Err(self.err(ErrorKind::UnknownOpcode(other))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    const ALLOWED: &[(&str, &str)] = &[("mod", "Cls")];

    fn run(bytes: &[u8]) -> Result<Pickle<'_>> {
        load(bytes, ALLOWED)
    }

    fn kind(bytes: &[u8]) -> ErrorKind {
        run(bytes).expect_err("should fail").kind
    }

    fn quick(f: impl FnOnce()) {
        let start = Instant::now();
        f();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn ints_of_every_width() {
        for (bytes, want) in [
            (&b"\x80\x02K\x07."[..], 7),
            (b"\x80\x02M\x01\x02.", 0x0201),
            (b"\x80\x02J\xff\xff\xff\xff.", -1),
            (b"\x80\x02I12345678901\n.", 12345678901),
            (b"\x80\x02\x8a\x05\x00\x00\x00\x00\x01.", 1 << 32),
            (b"\x80\x02\x8a\x01\xff.", -1),
            (b"\x80\x02\x8a\x00.", 0),
            (b"\x80\x02\x8b\x01\x00\x00\x00\x05.", 5),
        ] {
            let p = run(bytes).unwrap();
            assert_eq!(p.node(p.root()), &Node::Int(want), "{bytes:?}");
        }
        let p = run(b"\x80\x02I01\n.").unwrap();
        assert_eq!(p.node(p.root()), &Node::Bool(true));
    }

    #[test]
    fn floats_strings_and_constants() {
        let p = run(b"\x80\x05G?\xf0\x00\x00\x00\x00\x00\x00.").unwrap();
        assert_eq!(p.node(p.root()), &Node::Float(1.0));
        let p = run(b"\x80\x05\x8c\x02hi.").unwrap();
        assert_eq!(p.node(p.root()), &Node::Unicode(b"hi"));
        let p = run(b"\x80\x05X\x02\x00\x00\x00hi.").unwrap();
        assert_eq!(p.node(p.root()), &Node::Unicode(b"hi"));
        let p = run(b"\x80\x02U\x02hi.").unwrap();
        assert_eq!(p.node(p.root()), &Node::Bytes(b"hi"));
        let p = run(b"\x80\x02T\x02\x00\x00\x00hi.").unwrap();
        assert_eq!(p.node(p.root()), &Node::Bytes(b"hi"));
        let p = run(b"\x80\x02N.").unwrap();
        assert_eq!(p.node(p.root()), &Node::None);
        let p = run(b"\x80\x02\x89.").unwrap();
        assert_eq!(p.node(p.root()), &Node::Bool(false));
    }

    #[test]
    fn containers_keep_order() {
        // {'b': [1, 2], 'a': (3,)} built with MARK/SETITEMS/APPENDS and TUPLE1.
        let p = run(b"\x80\x05}(\x8c\x01b](K\x01K\x02e\x8c\x01aK\x03\x85u.").unwrap();
        let Node::Dict(items) = p.node(p.root()) else {
            panic!()
        };
        assert_eq!(p.node(items[0].0), &Node::Unicode(b"b"));
        assert_eq!(p.node(items[1].0), &Node::Unicode(b"a"));
        let Node::List(list) = p.node(items[0].1) else {
            panic!()
        };
        assert_eq!(list.len(), 2);
        let p = run(b"\x80\x02(K\x01K\x02t.").unwrap();
        assert!(matches!(p.node(p.root()), Node::Tuple(t) if t.len() == 2));
        let p = run(b"\x80\x02]K\x01a.").unwrap();
        assert!(matches!(p.node(p.root()), Node::List(t) if t.len() == 1));
        let p = run(b"\x80\x02}K\x01K\x02s.").unwrap();
        assert!(matches!(p.node(p.root()), Node::Dict(t) if t.len() == 1));
    }

    #[test]
    fn memo_shares_values() {
        // MEMOIZE then BINGET, BINPUT then LONG_BINGET.
        let p = run(b"\x80\x05\x8c\x01x\x94h\x00\x86.").unwrap();
        let Node::Tuple(t) = p.node(p.root()) else {
            panic!()
        };
        assert_eq!(t[0], t[1]);
        let p = run(b"\x80\x02U\x01xq\x05j\x05\x00\x00\x00\x86.").unwrap();
        assert!(matches!(p.node(p.root()), Node::Tuple(_)));
        let p = run(b"\x80\x02U\x01xr\x05\x00\x00\x00h\x05\x86.").unwrap();
        assert!(matches!(p.node(p.root()), Node::Tuple(_)));
    }

    #[test]
    fn objects_are_inert() {
        for bytes in [
            &b"\x80\x02cmod\nCls\n)\x81}b."[..],
            b"\x80\x05\x8c\x03mod\x8c\x03Cls\x93)\x81}b.",
            b"\x80\x02cmod\nCls\n)R}b.",
        ] {
            let p = run(bytes).unwrap();
            let Node::Object { class, state, .. } = p.node(p.root()) else {
                panic!("{bytes:?}")
            };
            assert_eq!(*class, 0);
            assert!(matches!(p.node(state.unwrap()), Node::Dict(_)));
        }
        assert!(matches!(
            kind(b"\x80\x02K\x01)\x81."),
            ErrorKind::WrongType { .. }
        ));
        assert!(matches!(
            kind(b"\x80\x02cmod\nCls\n)\x81}b}b."),
            ErrorKind::WrongType { .. }
        ));
    }

    #[test]
    fn protocol_and_frame() {
        let p = run(b"\x80\x05\x95\x02\x00\x00\x00\x00\x00\x00\x00N.").unwrap();
        assert_eq!(p.protocol(), 5);
        assert_eq!(kind(b"\x80\x06N."), ErrorKind::UnsupportedProtocol(6));
        assert_eq!(
            kind(b"\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\x7fN."),
            ErrorKind::LengthTooLarge(0x7fff_ffff_ffff_ffff)
        );
    }

    #[test]
    fn error_unexpected_eof() {
        assert!(matches!(
            kind(b"\x80\x02J\x01"),
            ErrorKind::UnexpectedEof { .. }
        ));
        assert!(matches!(kind(b"\x80"), ErrorKind::UnexpectedEof { .. }));
    }

    #[test]
    fn error_missing_stop_and_trailing_data() {
        assert_eq!(kind(b"\x80\x02N"), ErrorKind::MissingStop);
        assert_eq!(kind(b"\x80\x02N.x"), ErrorKind::TrailingData);
        assert_eq!(kind(b"\x80\x02NN."), ErrorKind::BadStop);
    }

    #[test]
    fn error_stack_underflow_and_no_mark() {
        assert_eq!(kind(b"\x80\x02\x87."), ErrorKind::StackUnderflow);
        assert_eq!(kind(b"\x80\x02]a."), ErrorKind::StackUnderflow);
        // Values below a MARK are not reachable from inside it.
        assert_eq!(kind(b"\x80\x02N(0."), ErrorKind::StackUnderflow);
        assert_eq!(kind(b"\x80\x02]e."), ErrorKind::NoMark);
    }

    #[test]
    fn error_bad_int() {
        assert_eq!(kind(b"\x80\x02I1x\n."), ErrorKind::BadInt);
        assert_eq!(
            kind(b"\x80\x02I123456789012345678901\n."),
            ErrorKind::BadInt
        );
        assert_eq!(
            kind(b"\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01."),
            ErrorKind::BadInt
        );
    }

    #[test]
    fn error_wrong_type() {
        assert!(matches!(
            kind(b"\x80\x02K\x01K\x01a."),
            ErrorKind::WrongType { .. }
        ));
        assert!(matches!(
            kind(b"\x80\x05K\x01K\x01\x93."),
            ErrorKind::WrongType { .. }
        ));
    }

    #[test]
    fn error_shared_mutation() {
        // A list appended to itself through the memo: the way cycles are built.
        assert_eq!(kind(b"\x80\x02]q\x01h\x01a."), ErrorKind::SharedMutation);
        // A list changed after it went into a tuple.
        assert_eq!(
            kind(b"\x80\x02]q\x01\x85h\x01K\x01a0."),
            ErrorKind::SharedMutation
        );
    }

    #[test]
    fn error_forbidden_opcode() {
        // REDUCE is allowed only on an allowed class; INST, PERSID and friends never.
        assert_eq!(
            kind(b"\x80\x02(imod\nCls\n."),
            ErrorKind::ForbiddenOpcode(b'i')
        );
        assert_eq!(kind(b"\x80\x02Pid\n."), ErrorKind::ForbiddenOpcode(b'P'));
        assert_eq!(kind(b"\x80\x02\x82\x01."), ErrorKind::ForbiddenOpcode(0x82));
    }

    // The six hostile inputs: each is refused quickly, with a clear error.

    #[test]
    fn hostile_mark_flood() {
        quick(|| {
            let mut bytes = b"\x80\x02".to_vec();
            bytes.resize(1 << 20, b'(');
            let e = run(&bytes).unwrap_err();
            assert_eq!(e.kind, ErrorKind::TooManyMarks);
            assert_eq!(e.offset, 2 + MAX_MARKS as u64);
        });
    }

    #[test]
    fn hostile_deep_lists() {
        quick(|| {
            // [[[...]]] 100,000 deep, the way pickle writes it: EMPTY_LIST ... APPEND.
            let depth = 100_000;
            let mut bytes = b"\x80\x02".to_vec();
            bytes.extend(std::iter::repeat_n(b']', depth));
            bytes.extend(std::iter::repeat_n(b'a', depth - 1));
            bytes.push(b'.');
            assert_eq!(run(&bytes).unwrap_err().kind, ErrorKind::TooDeep);
            // And with MARK ... APPENDS around each level.
            let mut bytes = b"\x80\x02".to_vec();
            for _ in 0..depth {
                bytes.extend(b"](");
            }
            assert_eq!(run(&bytes).unwrap_err().kind, ErrorKind::TooManyMarks);
        });
    }

    #[test]
    fn hostile_memo_index() {
        quick(|| {
            let e = run(b"\x80\x02]r\x00\x00\x00\x80.").unwrap_err();
            assert_eq!(e.kind, ErrorKind::MemoOutOfRange(1 << 31));
            let e = run(b"\x80\x02j\x00\x00\x00\x80.").unwrap_err();
            assert_eq!(e.kind, ErrorKind::MemoOutOfRange(1 << 31));
        });
    }

    #[test]
    fn hostile_length_past_end() {
        quick(|| {
            for bytes in [
                &b"\x80\x05X\xff\xff\xff\x7fabc."[..],
                b"\x80\x05\x8d\x00\x00\x00\x00\x00\x00\x00\x40abc.",
                b"\x80\x02T\x00\x00\x00\x7fabc.",
                b"\x80\x05\x8c\xffabc.",
                b"\x80\x05\x8b\x00\x00\x00\x7f.",
            ] {
                assert!(
                    matches!(run(bytes).unwrap_err().kind, ErrorKind::LengthTooLarge(_)),
                    "{bytes:?}"
                );
            }
            assert!(matches!(
                kind(b"\x80\x02T\xff\xff\xff\xff."),
                ErrorKind::LengthTooLarge(_)
            ));
        });
    }

    #[test]
    fn hostile_unknown_opcode() {
        quick(|| {
            let e = run(b"\x80\x02\xff.").unwrap_err();
            assert_eq!(e.kind, ErrorKind::UnknownOpcode(0xff));
            assert_eq!((e.offset, e.opcode), (2, Some(0xff)));
        });
    }

    #[test]
    fn hostile_global_os_system() {
        quick(|| {
            let e = run(b"\x80\x02cos\nsystem\nU\x04echo\x85R.").unwrap_err();
            assert_eq!(
                e.kind,
                ErrorKind::ForbiddenGlobal {
                    module: "os".into(),
                    name: "system".into()
                }
            );
            assert!(e.to_string().contains("os.system"), "{e}");
            let e = run(b"\x80\x05\x8c\x05posix\x8c\x06system\x93.").unwrap_err();
            assert!(matches!(e.kind, ErrorKind::ForbiddenGlobal { .. }));
        });
    }
}
