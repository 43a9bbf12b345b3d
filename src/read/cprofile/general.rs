//! The general reader: a stats dump decoded into marshal values, then converted; every shape
//! the fast path declines, and every error, with its offset.

use crate::error::Error;
use crate::marshal::{Decoder, DictItems, Items, Kind, Shared, Value};
use crate::model::{
    Builder, CallStats, FunctionKey, FunctionStats, KeyId, Measure, Merge, Profile, Sym,
};

/// Reads a stats dump through the general marshal decoder: every shape the fast path declines
/// (code-object names, shared containers), and every error, with its offset.
pub(super) fn read_general(input: &[u8]) -> Result<Profile, Error> {
    let mut decoder = Decoder::new(input)?;
    // A 43 MB dump has about 300k functions; about 140 bytes each.
    let mut keys = KeyCache {
        builder: Builder::with_capacity(input.len() / 140),
        keys: SlotCache::default(),
        strings: SlotCache::default(),
    };
    let mut callers = Vec::new();
    let mut sampled = false;
    let is_dict = decoder.read_dict_entries(|key, value| -> Result<(), Error> {
        if is_sampled_marker(&key, &value) {
            sampled = true;
            return Ok(());
        }
        let key = keys.function_key(key)?;
        let (stats, callers_dict) = function_value(value)?;
        callers.clear();
        for (caller, call) in callers_dict {
            callers.push((keys.function_key(caller)?, call_stats(call)?));
        }
        let builder = &mut keys.builder;
        builder.add_entry(key, stats, callers.drain(..), Merge::Replace);
        Ok(())
    })?;
    if !is_dict {
        let found = decoder
            .read_object()
            .map(|v| describe(&v))
            .unwrap_or_else(|_| "no dict".into());
        return Err(Error::shape(0, "a dict of function statistics", found));
    }
    // The caches are not needed any more: free them before the profile is built.
    let KeyCache { builder, .. } = keys;
    let mut profile = builder.finish();
    if sampled {
        profile.set_measure(Measure::Samples { timed: true });
    }
    Ok(profile)
}

/// Python 3.15's sampling profiler marks its dumps with one extra entry,
/// `("__sampled__",): True` (docs/sampled-formats.md); it is no function.
fn is_sampled_marker(key: &Value<'_, '_>, value: &Value<'_, '_>) -> bool {
    let marker = key
        .as_tuple()
        .filter(|t| t.len() == 1)
        .and_then(|t| t.get(0));
    marker.is_some_and(|m| m.as_text().as_deref() == Some("__sampled__"))
        && value.as_bool() == Some(true)
}

fn describe(value: &Value<'_, '_>) -> String {
    let kind = value.kind();
    match kind {
        Kind::Tuple | Kind::List | Kind::Set | Kind::FrozenSet => {
            let n = value.as_sequence().map_or(0, |s| s.len());
            format!("a {} of {n}", format!("{kind:?}").to_lowercase())
        }
        Kind::Int => format!("the int {}", value.as_int().unwrap_or_default()),
        Kind::Str | Kind::Bytes => {
            let text = value.as_text().unwrap_or_default();
            let short: String = text.chars().take(40).collect();
            format!("the string {short:?}")
        }
        other => format!("a {}", format!("{other:?}").to_lowercase()),
    }
}

/// Values already converted, by the marshal slot of the shared object they came from.
struct SlotCache<T> {
    by_ref: Vec<Option<T>>,
    by_interned: Vec<Option<T>>,
}

impl<T> Default for SlotCache<T> {
    fn default() -> Self {
        SlotCache {
            by_ref: Vec::new(),
            by_interned: Vec::new(),
        }
    }
}

impl<T: Copy> SlotCache<T> {
    fn get(&self, shared: Option<Shared>) -> Option<T> {
        match shared? {
            Shared::Ref(slot) => *self.by_ref.get(slot as usize)?,
            Shared::Interned(index) => *self.by_interned.get(index as usize)?,
        }
    }

    fn insert(&mut self, shared: Option<Shared>, value: T) {
        let (table, index) = match shared {
            None => return,
            Some(Shared::Ref(slot)) => (&mut self.by_ref, slot as usize),
            Some(Shared::Interned(index)) => (&mut self.by_interned, index as usize),
        };
        if table.len() <= index {
            table.resize_with(index + 1, || None);
        }
        table[index] = Some(value);
    }
}

/// Converts function keys, once per shared marshal object: cProfile dumps share each key tuple
/// between the stats entry and every callers dict that names it (as `r` references), and share
/// file and function names between keys.
struct KeyCache {
    builder: Builder,
    keys: SlotCache<KeyId>,
    strings: SlotCache<Sym>,
}

impl KeyCache {
    fn function_key(&mut self, key: Value<'_, '_>) -> Result<KeyId, Error> {
        if let Some(known) = self.keys.get(key.shared()) {
            return Ok(known);
        }
        let converted = self.convert_key(key)?;
        let id = self.builder.key_id(converted);
        self.keys.insert(key.shared(), id);
        Ok(id)
    }

    fn convert_key(&mut self, key: Value<'_, '_>) -> Result<FunctionKey, Error> {
        let parts = tuple_of(key, 3, "a function key (file, line, name)")?;
        let [file, line, name] = [0, 1, 2].map(|i| parts.get(i).expect("length checked"));
        let file = self.string(file, "a file name string")?;
        let line = line
            .as_int()
            .ok_or_else(|| Error::shape(line.offset(), "a line number", describe(&line)))?;
        let name = match name.as_code() {
            Some(code) => {
                let repr = code_repr(&code.name, &code.filename, code.firstlineno);
                self.builder.strings.intern(&repr)
            }
            None => self.string(name, "a function name")?,
        };
        Ok(FunctionKey { file, line, name })
    }

    fn string(&mut self, value: Value<'_, '_>, expected: &'static str) -> Result<Sym, Error> {
        if let Some(sym) = self.strings.get(value.shared()) {
            return Ok(sym);
        }
        let text = value
            .as_text()
            .ok_or_else(|| Error::shape(value.offset(), expected, describe(&value)))?;
        let sym = self.builder.strings.intern(&text);
        self.strings.insert(value.shared(), sym);
        Ok(sym)
    }
}

/// Python's `repr` of a code object. Its address is not in the file (it is where the object
/// happened to live when pstats loaded it); a fixed address of the usual width keeps column
/// widths as Python's. See docs/differences.md.
pub(crate) fn code_repr(name: &str, filename: &str, line: i64) -> String {
    format!("<code object {name} at 0x000000000000, file \"{filename}\", line {line}>")
}

fn function_value<'d, 'a>(
    value: Value<'d, 'a>,
) -> Result<(FunctionStats, DictItems<'d, 'a>), Error> {
    let parts = tuple_of(value, 5, "function statistics (cc, nc, tt, ct, callers)")?;
    let get = |i| parts.get(i).expect("length checked");
    let callers = get(4);
    let callers_dict = callers
        .as_dict()
        .ok_or_else(|| Error::shape(callers.offset(), "a dict of callers", describe(&callers)))?;
    let stats = FunctionStats {
        primitive_calls: count(get(0))?,
        calls: count(get(1))?,
        tottime: seconds(get(2))?,
        cumtime: seconds(get(3))?,
    };
    Ok((stats, callers_dict))
}

/// The elements of `value` if it is a tuple of `len`; otherwise a shape error.
fn tuple_of<'d, 'a>(
    value: Value<'d, 'a>,
    len: usize,
    expected: &'static str,
) -> Result<Items<'d, 'a>, Error> {
    value
        .as_tuple()
        .filter(|t| t.len() == len)
        .ok_or_else(|| Error::shape(value.offset(), expected, describe(&value)))
}

fn count(value: Value<'_, '_>) -> Result<i64, Error> {
    value.as_int().ok_or_else(|| {
        let found = match value.kind() {
            Kind::BigInt => "an integer beyond 64 bits".into(),
            _ => describe(&value),
        };
        Error::shape(value.offset(), "a call count", found)
    })
}

/// A time: a float, or an int (the `profile` module's fake entries have int times).
fn seconds(value: Value<'_, '_>) -> Result<f64, Error> {
    value
        .as_float()
        .or_else(|| value.as_int().map(|i| i as f64))
        .ok_or_else(|| Error::shape(value.offset(), "a time in seconds", describe(&value)))
}

fn call_stats(value: Value<'_, '_>) -> Result<CallStats, Error> {
    if let Some(n) = value.as_int() {
        return Ok(CallStats::Count(n));
    }
    let parts = tuple_of(
        value,
        4,
        "caller statistics (nc, cc, tt, ct) or a call count",
    )?;
    let get = |i| parts.get(i).expect("length checked");
    Ok(CallStats::Timed {
        calls: count(get(0))?,
        primitive_calls: count(get(1))?,
        tottime: seconds(get(2))?,
        cumtime: seconds(get(3))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_repr_matches_python_shape() {
        assert_eq!(
            code_repr("<module>", "prog.py", 1),
            "<code object <module> at 0x000000000000, file \"prog.py\", line 1>"
        );
    }
}
