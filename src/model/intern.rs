//! String interning: each distinct string is stored once in one buffer.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// A handle to an interned string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Sym(u32);

impl Sym {
    /// A dense index: symbols are numbered from 0 in order of interning.
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }

    /// The symbol with this index (see [`Interner::len`]).
    pub(crate) fn from_index(index: usize) -> Sym {
        Sym(index as u32)
    }
}

/// Distinct strings in one buffer; `Sym`s are indices into `spans`.
#[derive(Default, Clone)]
pub(crate) struct Interner {
    buffer: String,
    spans: Vec<(u32, u32)>,
    table: HashTable<Sym>,
    hasher: DefaultHashBuilder,
}

impl Interner {
    pub(crate) fn intern(&mut self, text: &str) -> Sym {
        let hash = self.hasher.hash_one(text);
        let Interner {
            buffer,
            spans,
            table,
            hasher,
        } = self;
        let lookup = |sym: &Sym| {
            let (start, len) = spans[sym.0 as usize];
            &buffer[start as usize..(start + len) as usize] == text
        };
        if let Some(sym) = table.find(hash, lookup) {
            return *sym;
        }
        let sym = Sym(spans.len() as u32);
        spans.push((buffer.len() as u32, text.len() as u32));
        buffer.push_str(text);
        table.insert_unique(hash, sym, |sym| {
            let (start, len) = spans[sym.0 as usize];
            hasher.hash_one(&buffer[start as usize..(start + len) as usize])
        });
        sym
    }

    /// Every string, in symbol order (the first has index 0; see [`Sym::index`]).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans
            .iter()
            .map(|&(start, len)| &self.buffer[start as usize..(start + len) as usize])
    }

    /// How many distinct strings there are: symbol indices run from 0 to this.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(crate) fn get(&self, sym: Sym) -> &str {
        let (start, len) = self.spans[sym.0 as usize];
        &self.buffer[start as usize..(start + len) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once() {
        let mut strings = Interner::default();
        let a = strings.intern("fib");
        let b = strings.intern("main");
        assert_eq!(strings.intern("fib"), a);
        assert_ne!(a, b);
        assert_eq!(strings.get(b), "main");
        assert_eq!(strings.buffer, "fibmain");
    }
}
