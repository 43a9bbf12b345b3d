//! Views of decoded objects.

use std::borrow::Cow;
use std::fmt;

use super::decode::{Decoder, Node, ShareKind, Tag};

/// A view of one decoded object.
#[derive(Clone, Copy)]
pub struct Value<'d, 'a> {
    pub(super) dec: &'d Decoder<'a>,
    node: Node,
}
/// What kind of object a [`Value`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// `None`.
    None,
    /// `True` or `False`.
    Bool,
    /// `StopIteration` or `Ellipsis`.
    Singleton,
    /// An integer that fits in `i64`.
    Int,
    /// An integer that does not fit in `i64`.
    BigInt,
    /// A float.
    Float,
    /// A complex number.
    Complex,
    /// Bytes (Python 2 `str`).
    Bytes,
    /// Text.
    Str,
    /// A tuple.
    Tuple,
    /// A list.
    List,
    /// A dict.
    Dict,
    /// A set.
    Set,
    /// A frozenset.
    FrozenSet,
    /// A slice.
    Slice,
    /// A code object.
    Code,
}

/// How a shared object can be referred to again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// Its FLAG_REF slot, which `r` references name.
    Ref(u32),
    /// Its index in Python 2's interned-string table, which `R` references name.
    Interned(u32),
}

/// The parts of a code object a profile needs to name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Code<'a> {
    /// `co_filename`.
    pub filename: Cow<'a, str>,
    /// `co_name`.
    pub name: Cow<'a, str>,
    /// `co_firstlineno`.
    pub firstlineno: i64,
}

impl<'d, 'a> Value<'d, 'a> {
    pub(super) fn new(dec: &'d Decoder<'a>, node: Node) -> Value<'d, 'a> {
        Value { dec, node }
    }

    /// The byte offset of this object's type byte.
    pub fn offset(&self) -> u64 {
        u64::from(self.node.offset)
    }

    /// How this object can appear again later in the stream, if it can: an object written
    /// without a FLAG_REF slot (and not a Python 2 interned string) never recurs, so only shared
    /// objects are worth caching work for. A value reached through a reference reports the slot
    /// of the object it refers to. Slots and interned-string indices are dense from 0.
    pub fn shared(&self) -> Option<Shared> {
        match self.node.share {
            ShareKind::None => None,
            ShareKind::Ref => Some(Shared::Ref(self.node.slot)),
            ShareKind::Interned => Some(Shared::Interned(self.node.slot)),
        }
    }

    /// What kind of object this is.
    pub fn kind(&self) -> Kind {
        match self.node.tag {
            Tag::None => Kind::None,
            Tag::False | Tag::True => Kind::Bool,
            Tag::StopIteration | Tag::Ellipsis | Tag::Null | Tag::Reserved => Kind::Singleton,
            Tag::Int => Kind::Int,
            Tag::BigInt => Kind::BigInt,
            Tag::Float => Kind::Float,
            Tag::Complex => Kind::Complex,
            Tag::Bytes => Kind::Bytes,
            Tag::Utf8 | Tag::Latin1 => Kind::Str,
            Tag::Tuple => Kind::Tuple,
            Tag::List => Kind::List,
            Tag::Dict => Kind::Dict,
            Tag::Set => Kind::Set,
            Tag::FrozenSet => Kind::FrozenSet,
            Tag::Slice => Kind::Slice,
            Tag::Code => Kind::Code,
        }
    }

    /// The value of an integer that fits in `i64` (booleans are not integers here).
    pub fn as_int(&self) -> Option<i64> {
        (self.node.tag == Tag::Int).then(|| self.node.wide() as i64)
    }

    /// The value of `True` or `False`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.node.tag {
            Tag::True => Some(true),
            Tag::False => Some(false),
            _ => None,
        }
    }

    /// The value of a float.
    pub fn as_float(&self) -> Option<f64> {
        (self.node.tag == Tag::Float).then(|| f64::from_bits(self.node.wide()))
    }

    /// The value of a complex number (only the tests look inside one).
    #[cfg(test)]
    pub fn as_complex(&self) -> Option<(f64, f64)> {
        (self.node.tag == Tag::Complex).then(|| self.dec.complexes[self.node.a as usize])
    }

    /// Text of a string of any kind: bytes and UTF-8 strings are decoded lossily
    /// (invalid sequences become U+FFFD), ASCII-typed strings as Latin-1.
    pub fn as_text(&self) -> Option<Cow<'a, str>> {
        matches!(self.node.tag, Tag::Bytes | Tag::Utf8 | Tag::Latin1)
            .then(|| self.dec.text_of(self.node))
    }

    /// The elements of a tuple, list, set, frozenset or slice.
    pub fn as_sequence(&self) -> Option<Items<'d, 'a>> {
        match self.node.tag {
            Tag::Tuple | Tag::List | Tag::Set | Tag::FrozenSet | Tag::Slice => Some(self.items()),
            _ => None,
        }
    }

    /// The elements of a tuple.
    pub fn as_tuple(&self) -> Option<Items<'d, 'a>> {
        (self.node.tag == Tag::Tuple).then(|| self.items())
    }

    /// The (key, value) pairs of a dict, in file order (duplicates included).
    pub fn as_dict(&self) -> Option<DictItems<'d, 'a>> {
        (self.node.tag == Tag::Dict).then(|| DictItems {
            inner: self.items(),
        })
    }

    /// The name, file and first line of a code object.
    pub fn as_code(&self) -> Option<Code<'a>> {
        (self.node.tag == Tag::Code).then(|| {
            let info = self.dec.codes[self.node.a as usize];
            Code {
                filename: self.dec.text_of(info.filename),
                name: self.dec.text_of(info.name),
                firstlineno: info.firstlineno,
            }
        })
    }

    /// A container's nodes (a dict's are key, value, key, value, …).
    fn items(&self) -> Items<'d, 'a> {
        let start = self.node.a as usize;
        let end = start + self.node.b as usize;
        Items {
            dec: self.dec,
            nodes: &self.dec.items[start..end],
        }
    }
}

impl fmt::Debug for Value<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            Kind::Int => write!(f, "{}", self.as_int().unwrap_or_default()),
            Kind::Float => write!(f, "{:?}", self.as_float().unwrap_or_default()),
            Kind::Str => write!(f, "{:?}", self.as_text().unwrap_or_default()),
            Kind::Bytes => write!(f, "b{:?}", self.as_text().unwrap_or_default()),
            Kind::Tuple | Kind::List | Kind::Set | Kind::FrozenSet | Kind::Slice => f
                .debug_list()
                .entries(self.as_sequence().into_iter().flatten())
                .finish(),
            Kind::Dict => f
                .debug_map()
                .entries(self.as_dict().into_iter().flatten())
                .finish(),
            other => write!(f, "<{other:?}>"),
        }
    }
}

/// Elements of a sequence.
#[derive(Clone)]
pub struct Items<'d, 'a> {
    dec: &'d Decoder<'a>,
    nodes: &'d [Node],
}

impl<'d, 'a> Items<'d, 'a> {
    /// How many elements remain.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<Value<'d, 'a>> {
        self.nodes
            .get(index)
            .map(|&node| Value::new(self.dec, node))
    }
}

impl<'d, 'a> Iterator for Items<'d, 'a> {
    type Item = Value<'d, 'a>;
    fn next(&mut self) -> Option<Self::Item> {
        let (&node, rest) = self.nodes.split_first()?;
        self.nodes = rest;
        Some(Value::new(self.dec, node))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.nodes.len(), Some(self.nodes.len()))
    }
}

impl ExactSizeIterator for Items<'_, '_> {}

/// The (key, value) pairs of a dict.
#[derive(Clone)]
pub struct DictItems<'d, 'a> {
    inner: Items<'d, 'a>,
}

impl<'d, 'a> DictItems<'d, 'a> {
    /// How many pairs remain.
    pub fn len(&self) -> usize {
        self.inner.len() / 2
    }
}

impl<'d, 'a> Iterator for DictItems<'d, 'a> {
    type Item = (Value<'d, 'a>, Value<'d, 'a>);
    fn next(&mut self) -> Option<Self::Item> {
        Some((self.inner.next()?, self.inner.next()?))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl ExactSizeIterator for DictItems<'_, '_> {}
