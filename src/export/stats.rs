//! A `.stats` dump that Python 3's `pstats` (and `marshal.load`) reads back: the profile as the
//! marshalled dict cProfile writes (docs/formats.md, "The `.stats` dict"),
//!
//! ```text
//! {(file, line, name): (cc, nc, tt, ct, {(file, line, name): (nc, cc, tt, ct) or count})}
//! ```
//!
//! in marshal version 4, as Python 3.4+ writes it (docs/formats.md, "Marshal"). The entries
//! come in the profile's function order (file order, or pstats' `add` order for combined
//! profiles), each callers dict in the profile's caller order, so Python's dict order, and with it pstats' "random listing
//! order", its ties in sorting and its totals, come out as pstat has them. Callers of timed data
//! are `(nc, cc, tt, ct)` tuples; the `profile` module's call counts stay plain ints. Functions
//! that appear only as callers are caller keys, not entries, as in the input.
//!
//! Like Python's own dumps, the stream shares objects through `FLAG_REF` and `r` references:
//! each distinct file and function name is written once, and so is each key tuple that appears
//! more than once (as an entry and in callers dicts); every later use is a 5-byte `r`.
//!
//! What cannot be kept as it was read:
//!
//! * A function name that was a code object (the `('profile', 0, <code>)` key of
//!   `python -m profile -o`) is held by pstat as Python's `repr` of it, with a fixed address,
//!   and is written as that string. pstats prints it the same way (except the address), but as
//!   a string it now sorts with the other names instead of making `sort_stats('name')` raise.
//! * Times are written as floats; the `profile` module's fake `profiler` entry had int zeros.
//! * Python 2 byte strings are written as `str`, decoded as pstat read them (UTF-8, with
//!   U+FFFD for invalid sequences), which is what lets Python 3 load a 2.7 profile at all.

use std::io::{self, Write};

use hashbrown::HashMap;

use crate::marshal::{Encoder, Slot};
use crate::model::{CallStats, FunctionId, Profile};

/// Options for [`write()`]. There are none yet: the dump holds everything the profile holds.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {}

/// Buffered output is handed to the writer whenever it passes this size.
const CHUNK: usize = 64 * 1024;

/// Writes `profile` as a marshalled stats dict, as `pstats.Stats.dump_stats` writes one.
///
/// The output goes out in pieces of about 64 KiB, so `writer` need not be buffered. Fails only
/// if `writer` does, or for a name longer than marshal's 2 GiB limit.
///
/// A sampled profile is written in Python 3.15's sampled layout (docs/sampled-formats.md):
/// callers values are plain sample counts (each edge's `calls`), and the dict ends with the
/// marker entry `("__sampled__",): True`.
pub fn write<W: Write>(profile: &Profile, options: &Options, mut writer: W) -> io::Result<()> {
    let Options {} = options;
    let sampled = profile.measure().is_sampled();
    let mut keys = KeyWriter::new(profile);
    let mut enc = Encoder::default();
    enc.dict(false);
    for id in profile.functions() {
        keys.write(&mut enc, id)?;
        let stats = profile.stats(id);
        // Entries are (cc, nc, tt, ct, callers) ...
        enc.tuple(5, false)?;
        enc.int(stats.primitive_calls, false);
        enc.int(stats.calls, false);
        enc.float(stats.tottime, false);
        enc.float(stats.cumtime, false);
        enc.dict(false);
        for (caller, call) in profile.callers(id) {
            keys.write(&mut enc, caller)?;
            match call {
                // Python 3.15's sampling profiler writes sample counts.
                _ if sampled => {
                    enc.int(call.calls(), false);
                }
                // ... but cProfile's callers values are (nc, cc, tt, ct).
                CallStats::Timed {
                    calls,
                    primitive_calls,
                    tottime,
                    cumtime,
                } => {
                    enc.tuple(4, false)?;
                    enc.int(calls, false);
                    enc.int(primitive_calls, false);
                    enc.float(tottime, false);
                    enc.float(cumtime, false);
                }
                CallStats::Count(calls) => {
                    enc.int(calls, false);
                }
            }
        }
        enc.end_dict();
        if enc.bytes().len() >= CHUNK {
            writer.write_all(enc.bytes())?;
            enc.clear();
        }
    }
    if sampled {
        enc.tuple(1, false)?;
        enc.str("__sampled__", false)?;
        enc.bool(true);
    }
    enc.end_dict();
    writer.write_all(enc.bytes())
}

/// How often a function's key occurs in the dump, and once written with a slot, where.
#[derive(Debug, Clone, Copy, PartialEq)]
enum KeyUse {
    Unused,
    Once,
    Repeated,
    Written(Slot),
}

/// Writes function keys, each repeated key tuple and each string once and then as `r`.
struct KeyWriter<'p> {
    profile: &'p Profile,
    /// By function id.
    keys: Vec<KeyUse>,
    strings: HashMap<&'p str, Slot>,
}

impl<'p> KeyWriter<'p> {
    /// Counts each key's occurrences first, so that only tuples that recur take a reference
    /// slot, as in Python's dumps (whose `w_ref` flags objects with more than one reference).
    fn new(profile: &'p Profile) -> KeyWriter<'p> {
        let mut keys = Vec::with_capacity(profile.function_count());
        let mut count = |id: FunctionId| {
            let index = id.index();
            if keys.len() <= index {
                keys.resize(index + 1, KeyUse::Unused);
            }
            keys[index] = match keys[index] {
                KeyUse::Unused => KeyUse::Once,
                _ => KeyUse::Repeated,
            };
        };
        for id in profile.functions() {
            count(id);
            profile.callers(id).for_each(|(caller, _)| count(caller));
        }
        KeyWriter {
            profile,
            keys,
            strings: HashMap::new(),
        }
    }

    fn write(&mut self, enc: &mut Encoder, id: FunctionId) -> io::Result<()> {
        let index = id.index();
        let (share, known) = match self.keys.get(index) {
            Some(KeyUse::Written(slot)) => {
                enc.reference(*slot);
                return Ok(());
            }
            Some(KeyUse::Repeated) => (true, true),
            Some(_) => (false, true),
            // Every key was counted; should one not have been, it is simply not shared.
            None => (false, false),
        };
        let slot = enc.tuple(3, share)?;
        self.string(enc, self.profile.file(id))?;
        enc.int(self.profile.line(id), false);
        self.string(enc, self.profile.name(id))?;
        if let (Some(slot), true) = (slot, known) {
            self.keys[index] = KeyUse::Written(slot);
        }
        Ok(())
    }

    fn string(&mut self, enc: &mut Encoder, text: &'p str) -> io::Result<()> {
        match self.strings.get(text) {
            Some(&slot) => enc.reference(slot),
            None => {
                if let Some(slot) = enc.str(text, true)? {
                    self.strings.insert(text, slot);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::marshal::{Decoder, Shared};
    use crate::model::testing::{fs, timed};
    use crate::model::{Builder, FunctionStats, Merge, Totals};

    fn dump(profile: &Profile) -> Vec<u8> {
        let mut out = Vec::new();
        write(profile, &Options::default(), &mut out).expect("writing to memory");
        out
    }

    fn g(v: f64) -> Vec<u8> {
        let mut b = vec![b'g'];
        b.extend(v.to_le_bytes());
        b
    }

    fn r(slot: u32) -> Vec<u8> {
        let mut b = vec![b'r'];
        b.extend(slot.to_le_bytes());
        b
    }

    /// f (line 4) calls g (line 2) in one file; main, never listed, calls f.
    fn two() -> Profile {
        let mut b = Builder::default();
        let f = b.key("/home/u/prj/two.py", 4, "f");
        let g = b.key("/home/u/prj/two.py", 2, "g");
        let main = b.key("/home/u/prj/two.py", 9, "main");
        b.add_entry(
            f,
            fs(1, 1, 0.5, 1.0),
            [(main, timed(1, 1, 0.5, 1.0))].into_iter(),
            Merge::Replace,
        );
        b.add_entry(
            g,
            fs(2, 2, 0.5, 0.5),
            [(f, timed(2, 2, 0.25, 0.5))].into_iter(),
            Merge::Replace,
        );
        b.finish()
    }

    #[test]
    fn one_entry_as_python_writes_it() {
        // A one-function dump as Python 3.11 writes it:
        // {('/home/u/prj/tiny.py', 2, 'f'): (2, 2, t, t, {})}. The key
        // tuple occurs once, so it takes no slot; the strings do.
        let mut b = Builder::default();
        let f = b.key("/home/u/prj/tiny.py", 2, "f");
        b.add_entry(f, fs(2, 2, 1e-6, 1e-6), std::iter::empty(), Merge::Replace);
        let profile = b.finish();
        let mut expected = b"{)\x03\xfa\x13/home/u/prj/tiny.pyi\x02\0\0\0\xfa\x01f".to_vec();
        expected.extend(b")\x05i\x02\0\0\0i\x02\0\0\0");
        expected.extend(g(1e-6));
        expected.extend(g(1e-6));
        expected.extend(b"{00");
        assert_eq!(dump(&profile), expected);
    }

    #[test]
    fn repeated_keys_and_strings_are_references() {
        let mut expected = Vec::new();
        // f's key, shared (it is also g's caller): slot 0; its file and name: slots 1 and 2.
        expected.extend(b"{\xa9\x03\xfa\x12/home/u/prj/two.pyi\x04\0\0\0\xfa\x01f");
        expected.extend(b")\x05i\x01\0\0\0i\x01\0\0\0");
        expected.extend(g(0.5));
        expected.extend(g(1.0));
        // main occurs once: no slot for its tuple; the file is a reference; "main": slot 3.
        expected.extend(b"{)\x03");
        expected.extend(r(1));
        expected.extend(b"i\x09\0\0\0\xfa\x04main");
        expected.extend(b")\x04i\x01\0\0\0i\x01\0\0\0");
        expected.extend(g(0.5));
        expected.extend(g(1.0));
        expected.extend(b"0");
        // g: occurs once; "g" takes slot 4. Its caller f is a reference to slot 0.
        expected.extend(b")\x03");
        expected.extend(r(1));
        expected.extend(b"i\x02\0\0\0\xfa\x01g");
        expected.extend(b")\x05i\x02\0\0\0i\x02\0\0\0");
        expected.extend(g(0.5));
        expected.extend(g(0.5));
        expected.extend(b"{");
        expected.extend(r(0));
        expected.extend(b")\x04i\x02\0\0\0i\x02\0\0\0");
        expected.extend(g(0.25));
        expected.extend(g(0.5));
        expected.extend(b"00");
        assert_eq!(dump(&two()), expected);
    }

    #[test]
    fn output_decodes_and_its_references_resolve() {
        let bytes = dump(&two());
        let mut whole = Decoder::new(&bytes).unwrap();
        whole.read_object().unwrap();
        assert_eq!(
            whole.position(),
            bytes.len(),
            "one object, no trailing bytes"
        );
        let mut dec = Decoder::new(&bytes).unwrap();
        let dict = dec.read_object().unwrap();
        let entries: Vec<_> = dict.as_dict().unwrap().collect();
        assert_eq!(entries.len(), 2);
        let (f_key, _) = entries[0];
        let (g_key, g_value) = entries[1];
        let g_callers: Vec<_> = g_value
            .as_tuple()
            .unwrap()
            .get(4)
            .unwrap()
            .as_dict()
            .unwrap()
            .collect();
        let (caller_key, caller_value) = g_callers[0];
        // The caller key is the same object as f's entry key: slot 0.
        assert_eq!(f_key.shared(), Some(Shared::Ref(0)));
        assert_eq!(caller_key.shared(), Some(Shared::Ref(0)));
        assert_eq!(format!("{caller_key:?}"), format!("{f_key:?}"));
        assert_eq!(g_key.shared(), None);
        assert_eq!(format!("{g_key:?}"), "[\"/home/u/prj/two.py\", 2, \"g\"]");
        assert_eq!(format!("{caller_value:?}"), "[2, 2, 0.25, 0.5]");
        // The file name was written once and referred to from both other keys.
        let file_of =
            |key: crate::marshal::Value<'_, '_>| key.as_tuple().unwrap().get(0).unwrap().shared();
        assert_eq!(file_of(f_key), Some(Shared::Ref(1)));
        assert_eq!(file_of(g_key), Some(Shared::Ref(1)));
    }

    #[test]
    fn profile_module_counts_large_ints_and_odd_names() {
        let mut b = Builder::default();
        let len = b.key("", 0, "len");
        let append = b.key("", 0, "append");
        let fib = b.key("dir with spaces/ünïcode_mod.py", 1 << 33, &"x".repeat(300));
        b.add_entry(
            len,
            fs(3_000_000_000, 3_000_000_000, 0.0, 0.0),
            [(fib, CallStats::Count(3_000_000_000))].into_iter(),
            Merge::Replace,
        );
        b.add_entry(
            append,
            fs(1, (1 << 40) + 5, 0.0, 0.0),
            [(fib, CallStats::Count(-7)), (len, CallStats::Count(1))].into_iter(),
            Merge::Replace,
        );
        let profile = b.finish();
        let bytes = dump(&profile);
        // The non-ASCII file is `u`, the 300-character name `a`, 2**40 + 5 an `l`.
        assert!(bytes.windows(5).any(|w| w == b"\xf5\x20\0\0\0"));
        assert!(bytes.windows(5).any(|w| w == b"\xe1\x2c\x01\0\0"));
        assert!(
            bytes
                .windows(11)
                .any(|w| w == b"l\x03\0\0\0\x05\0\0\0\0\x04")
        );
        assert_same(
            &profile,
            &crate::read(&bytes, &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .unwrap(),
            "built",
        );
    }

    #[test]
    fn empty_profile_is_an_empty_dict() {
        let profile = Builder::default().finish();
        assert_eq!(dump(&profile), b"{0");
    }

    #[test]
    fn writes_through_in_pieces() {
        struct Counting(Vec<usize>);
        impl Write for Counting {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.push(buf.len());
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut b = Builder::default();
        for line in 0..5000 {
            let key = b.key("/a/very/long/path/to/some/module.py", line, "function_name");
            b.add_entry(key, fs(1, 1, 0.5, 0.5), std::iter::empty(), Merge::Replace);
        }
        let profile = b.finish();
        let mut out = Counting(Vec::new());
        write(&profile, &Options::default(), &mut out).unwrap();
        assert!(out.0.len() > 1, "{:?}", out.0);
        assert!(out.0.iter().all(|&n| n < 2 * CHUNK));
        assert_eq!(out.0.iter().sum::<usize>(), dump(&profile).len());
    }

    /// Everything a report can show: keys, figures, callers (bit for bit), totals.
    fn assert_same(expected: &Profile, actual: &Profile, what: &str) {
        fn key(p: &Profile, id: FunctionId) -> (&str, i64, &str) {
            (p.file(id), p.line(id), p.name(id))
        }
        let bits = |s: FunctionStats| {
            (
                s.primitive_calls,
                s.calls,
                s.tottime.to_bits(),
                s.cumtime.to_bits(),
            )
        };
        let call_bits = |c: CallStats| match c {
            CallStats::Timed {
                calls,
                primitive_calls,
                tottime,
                cumtime,
            } => (
                calls,
                Some((primitive_calls, tottime.to_bits(), cumtime.to_bits())),
            ),
            CallStats::Count(n) => (n, None),
        };
        assert_eq!(expected.function_count(), actual.function_count(), "{what}");
        for (a, b) in expected.functions().zip(actual.functions()) {
            let k = key(expected, a);
            assert_eq!(k, key(actual, b), "{what}");
            assert_eq!(
                bits(expected.stats(a)),
                bits(actual.stats(b)),
                "{what} {k:?}"
            );
            let callers_of = |p, id| -> Vec<_> {
                Profile::callers(p, id)
                    .map(|(c, s)| (key(p, c), call_bits(s)))
                    .collect()
            };
            assert_eq!(
                callers_of(expected, a),
                callers_of(actual, b),
                "{what} {k:?}"
            );
        }
        let totals = |t: Totals| (t.calls, t.primitive_calls, t.tottime.to_bits());
        assert_eq!(totals(expected.totals()), totals(actual.totals()), "{what}");
        assert_eq!(expected.top_level().len(), actual.top_level().len());
    }

    fn fixtures() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats");
        let mut files = Vec::new();
        for dir in std::fs::read_dir(root).unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let file = file.unwrap().path();
                if file.extension().is_some_and(|e| e == "stats") {
                    files.push(file);
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn every_fixture_reads_back_the_same() {
        let files = fixtures();
        assert!(files.len() >= 70, "only {} fixtures", files.len());
        for path in files {
            let what = path.display().to_string();
            let original = crate::read(&std::fs::read(&path).unwrap(), &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .unwrap();
            let bytes = dump(&original);
            let again = crate::read(&bytes, &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_same(&original, &again, &what);
            // Written again, the bytes are the same: the output is a function of the profile.
            assert_eq!(dump(&again), bytes, "{what}");
        }
    }
}
