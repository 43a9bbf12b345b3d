//! A marshalled stats dict → [`Profile`]: dumps from cProfile and the pure-Python `profile`
//! module (every CPython from 2.7, and PyPy), yappi's pstat output and pstats' own
//! `dump_stats` (merged or stripped dumps).
//!
//! The shape (docs/formats.md, "The `.stats` dict"):
//! `{(file, line, name): (cc, nc, tt, ct, callers)}` with
//! `callers = {(file, line, name): (nc, cc, tt, ct)}` from cProfile or `{key: count}` from
//! `profile`. A key's name may be a code object (`python -m profile -o`); it is named the way
//! Python's `repr` names it.
//!
//! The parts: [`read`] and [`read_with`] here offer a dump to the fast path (`fast`, its two
//! threads in `records`) and hand what it declines to the general reader (`general`); `window`
//! reads a big file a window at a time, `callers_of` reads the callers of a few functions
//! only, and `check` holds what the tests and the fuzz target compare readings with.

use crate::error::Error;
use crate::model::Profile;
use crate::read::ReadOptions;
use crate::threads;

mod callers_of;
#[cfg(any(test, fuzzing))]
mod check;
mod fast;
mod general;
mod records;
mod window;

pub(crate) use callers_of::{read_callers_of, read_file_callers_of};
#[cfg(fuzzing)]
#[doc(hidden)]
pub use check::check_fast_path;
use general::read_general;
pub(crate) use window::read_file;

/// Reads a stats dump from its bytes.
pub fn read(input: &[u8]) -> Result<Profile, Error> {
    read_with(input, &ReadOptions::default())
}

/// [`read`], with options.
pub fn read_with(input: &[u8], options: &ReadOptions) -> Result<Profile, Error> {
    let two_threads = options.threads.two_from(input.len(), threads::STATS_DECODE);
    match fast::read_on(input, options.callers, two_threads) {
        Some(profile) => Ok(profile),
        None if options.callers => read_general(input),
        None => read_general(input).map(Profile::without_edges),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallStats, FunctionId};
    use crate::read::cprofile::check::{describe_profile, fixture_dumps, two_py311};

    #[test]
    fn reads_reference_dump_with_shared_objects() {
        let p = read(&two_py311()).unwrap();
        assert_eq!(p.function_count(), 2);
        let g = FunctionId(1);
        assert_eq!(p.display_name(g), "/home/u/prj/two.py:2(g)");
        let callers: Vec<_> = p.callers(g).map(|(c, s)| (p.display_name(c), s)).collect();
        assert_eq!(
            callers,
            [(
                "/home/u/prj/two.py:4(f)".to_string(),
                CallStats::Timed {
                    calls: 2,
                    primitive_calls: 2,
                    tottime: 0.25,
                    cumtime: 0.5
                }
            )]
        );
        assert_eq!(p.totals().tottime, 1.0);
    }

    #[test]
    fn reads_python27_dump() {
        // A one-function dump as Python 2.7 writes it:
        // {('tiny.py', 2, 'f'): (2, 2, 1e-06, 1e-06, {})}
        let mut b = b"{(\x03\0\0\0s\x07\0\0\0tiny.pyi\x02\0\0\0t\x01\0\0\0f(\x05\0\0\0".to_vec();
        b.extend(b"i\x02\0\0\0i\x02\0\0\0");
        for _ in 0..2 {
            b.push(b'g');
            b.extend(1e-6f64.to_le_bytes());
        }
        b.extend(b"{00");
        assert_eq!(b.len(), 65);
        let p = read(&b).unwrap();
        assert_eq!(p.display_name(FunctionId(0)), "tiny.py:2(f)");
        assert_eq!(p.stats(FunctionId(0)).tottime, 1e-6);
    }

    #[test]
    fn empty_dict_is_an_empty_profile() {
        let p = read(b"{0").unwrap();
        assert_eq!(p.function_count(), 0);
    }

    #[test]
    fn profile_module_counts() {
        // {('', 0, 'len'): (1, 1, 0, 0, {('m.py', 1, 'f'): 1})}
        let b = b"{)\x03z\x00i\0\0\0\0z\x03len)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{)\x03z\x04m.pyi\x01\0\0\0z\x01fi\x01\0\0\x0000";
        let p = read(b).unwrap();
        assert_eq!(p.display_name(FunctionId(0)), ":0(len)");
        assert_eq!(
            p.callers(FunctionId(0)).next().unwrap().1,
            CallStats::Count(1)
        );
        assert!(!p.is_listed(FunctionId(1)));
    }

    #[test]
    fn not_a_dict() {
        let e = read(b"N").unwrap_err();
        assert_eq!(e.offset(), Some(0));
        assert!(e.to_string().contains("found a none"), "{e}");
    }

    #[test]
    fn wrong_key_shape_names_offset() {
        let e = read(b"{i\x01\0\0\0i\x02\0\0\x000").unwrap_err();
        assert_eq!(e.offset(), Some(1));
        assert_eq!(
            e.to_string(),
            "not a profile: expected a function key (file, line, name), found the int 1 (at byte 1)"
        );
    }

    #[test]
    fn wrong_value_shape() {
        let b = b"{)\x03z\x00i\0\0\0\0z\x03len)\x01N0";
        let e = read(b).unwrap_err();
        assert_eq!(e.offset(), Some(15));
        assert!(e.to_string().contains("function statistics"), "{e}");
    }

    /// The fast path agrees with the general reader wherever it accepts a file, and it accepts
    /// every fixture but those whose keys name code objects (`python -m profile -o`) or that
    /// the general reader refuses.
    #[test]
    fn fast_path_agrees_with_the_general_reader() {
        let mut fast_count = 0;
        for (path, bytes) in fixture_dumps() {
            let general = read_general(&bytes);
            match (fast::read(&bytes, true), &general) {
                (Some(fast), Ok(general)) => {
                    assert_eq!(
                        describe_profile(&fast),
                        describe_profile(general),
                        "{}",
                        path.display()
                    );
                    let without = fast::read(&bytes, false).expect("read with callers");
                    assert_eq!(
                        describe_profile(&without),
                        describe_profile(&general.clone().without_edges()),
                        "{}",
                        path.display()
                    );
                    // On two threads, with chunks of a few records in the tests, so that
                    // every fixture crosses chunk boundaries.
                    for callers in [true, false] {
                        let two = fast::read_on(&bytes, callers, true).expect("two threads");
                        let one = fast::read_on(&bytes, callers, false).expect("one thread");
                        assert_eq!(
                            describe_profile(&two),
                            describe_profile(&one),
                            "{}",
                            path.display()
                        );
                    }
                    fast_count += 1;
                }
                (Some(_), Err(e)) => panic!("{}: fast path accepted, general: {e}", path.display()),
                (None, Ok(general)) => {
                    let code_keys = general
                        .all_functions()
                        .any(|id| general.name(id).starts_with("<code object"));
                    assert!(
                        code_keys,
                        "{}: fast path declined a plain dump",
                        path.display()
                    );
                }
                (None, Err(_)) => {}
            }
        }
        assert!(
            fast_count >= 70,
            "only {fast_count} fixtures took the fast path"
        );
    }

    /// The bytes a hex string (two digits a byte) stands for.
    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn without_callers_keeps_top_level_and_drops_edges() {
        // marshal.dumps(d, 2) of {('a.py', 1, 'f'): (1, 1, .5, .5, {pstats' top-level mark:
        // (1, 1, .5, .5)}), ('a.py', 5, 'g'): (2, 2, .25, .25, {('a.py', 1, 'f'): (...)})}
        let hex = "7b28030000007504000000612e7079690100000075010000006628050000006901000000690100000067000000000000e03f67000000000000e03f7b280300000075080000006a70726f66696c656900000000750800000070726f66696c657228040000006901000000690100000067000000000000e03f67000000000000e03f3028030000007504000000612e7079690500000075010000006728050000006902000000690200000067000000000000d03f67000000000000d03f7b28030000007504000000612e7079690100000075010000006628040000006902000000690200000067000000000000d03f67000000000000d03f3030";
        let bytes = unhex(hex);
        let full = read(&bytes).unwrap();
        let options = ReadOptions {
            callers: false,
            ..ReadOptions::default()
        };
        let without = read_with(&bytes, &options).unwrap();
        assert_eq!(full.top_level(), [FunctionId(0)]);
        assert_eq!(without.top_level(), [FunctionId(0)]);
        assert_eq!(full.callers(FunctionId(1)).count(), 1);
        assert_eq!(without.callers(FunctionId(1)).count(), 0);
        assert_eq!(without.all_functions().count(), 2);
        assert_eq!(without.totals(), full.totals());
        assert_eq!(
            describe_profile(&without),
            describe_profile(&full.without_edges())
        );
    }

    /// Caller entries in the common layout and beside it: `marshal.dumps(d, 4)` of
    /// {f: (5, 5, .5, .5, {}), g: (n, n, .25, .25, {f: (n, n, .5, .25), mark: (1, 1, .1, .1)}),
    /// h: (1, 1, .1, .1, {mark: (1, 1, .1, .1), g: (m, m, 0, .1), f: (m, 1, .2, .2)}),
    /// k: (2, 1, .3, .3, {k: (1, 1, .3, .3)})} with n = 300000 and m = 400000 each one object
    /// (a flagged `i`, then a reference to it), the mark shared (a reference in h's callers),
    /// and the entry for g in h's callers a tuple whose tottime is a shared int: the one-go
    /// decode takes m's slot, then declines, and k's key, after it, is found by its slot.
    #[test]
    fn caller_entries_in_and_beside_the_common_layout() {
        let hex = "fba903fa04612e7079e901000000da01662905e9050000007205000000e7000000000000e03f72060000007b30a9037202000000e902000000da01672905e9e0930400720a00000067000000000000d03f67000000000000d03f7b72010000002904720a000000720a00000067000000000000e03f67000000000000d03fa903da086a70726f66696c65e900000000da0870726f66696c6572a90472030000007203000000e79a9999999999b93f721000000030a9037202000000e903000000da0168290572030000007203000000679a9999999999b93f679a9999999999b93f7b720b000000290472030000007203000000679a9999999999b93f679a9999999999b93f72070000002904e9801a06007214000000720d000000679a9999999999b93f7201000000290472140000007203000000679a9999999999c93f679a9999999999c93f30a9037202000000e904000000da016b29057208000000720300000067333333333333d33f67333333333333d33f7b721500000029047203000000720300000067333333333333d33f67333333333333d33f3030";
        let bytes = unhex(hex);
        let general = read_general(&bytes).unwrap();
        let fast = fast::read(&bytes, true).expect("the fast path reads it");
        assert_eq!(describe_profile(&fast), describe_profile(&general));
        assert_eq!(fast.display_name(FunctionId(3)), "a.py:4(k)");
        assert_eq!(
            fast.callers(FunctionId(3))
                .map(|(id, _)| id)
                .collect::<Vec<_>>(),
            [FunctionId(3)]
        );
        let without = fast::read(&bytes, false).expect("the fast path reads it");
        assert_eq!(
            describe_profile(&without),
            describe_profile(&general.clone().without_edges())
        );
        // g and h have the mark among their callers.
        assert_eq!(without.top_level(), [FunctionId(1), FunctionId(2)]);
        let h_callers: Vec<_> = fast.callers(FunctionId(2)).map(|(_, c)| c).collect();
        assert_eq!(
            h_callers[1..],
            [
                CallStats::Timed {
                    calls: 400_000,
                    primitive_calls: 400_000,
                    tottime: 0.0,
                    cumtime: 0.1
                },
                CallStats::Timed {
                    calls: 400_000,
                    primitive_calls: 1,
                    tottime: 0.2,
                    cumtime: 0.2
                }
            ]
        );
    }

    /// The fast path read a window at a time gives what it gives over the whole input: the
    /// same profile, or `None` for the same inputs (every fixture, one it declines, cut ones),
    /// over windows from one byte up; on the smallest fixtures, with the first window ending
    /// at every byte in turn.
    #[test]
    fn windows_read_as_the_whole_input_does() {
        let mut inputs: Vec<Vec<u8>> = fixture_dumps().into_iter().map(|(_, b)| b).collect();
        let declined =
            b"{)\x03z\x00i\0\0\0\0z\x01\xe9)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00";
        inputs.push(declined.to_vec());
        inputs.push(Vec::new());
        let longest = inputs.iter().max_by_key(|b| b.len()).unwrap().clone();
        for cut in [1, 7, longest.len() / 2, longest.len() - 1] {
            inputs.push(longest[..cut].to_vec());
        }
        for bytes in &inputs {
            for callers in [true, false] {
                let whole = fast::read_on(bytes, callers, false).map(|p| describe_profile(&p));
                for (window, first) in [(1, 0), (7, 3), (64, 64), (4096, 1), (1 << 20, 0)] {
                    let first = first.min(bytes.len());
                    let mut source = &bytes[first..];
                    let read = fast::read_stream(
                        &mut source,
                        bytes.len() as u64,
                        bytes[..first].to_vec(),
                        callers,
                        window % 2 == 0,
                        window,
                    )
                    .unwrap()
                    .map(|p| describe_profile(&p));
                    assert_eq!(read, whole, "{} bytes, window {window}", bytes.len());
                }
            }
        }
        let mut small: Vec<Vec<u8>> = fixture_dumps()
            .into_iter()
            .map(|(_, b)| b)
            .filter(|b| fast::read(b, true).is_some())
            .collect();
        small.sort_by_key(Vec::len);
        for bytes in small.iter().take(3) {
            let whole = fast::read_on(bytes, true, false).map(|p| describe_profile(&p));
            for first in 0..=bytes.len() {
                let mut source = &bytes[first..];
                let len = bytes.len() as u64;
                let read =
                    fast::read_stream(&mut source, len, bytes[..first].to_vec(), true, false, 1)
                        .unwrap()
                        .map(|p| describe_profile(&p));
                assert_eq!(read, whole, "{} bytes, first window {first}", bytes.len());
            }
        }
    }

    /// A read error part way is an error, not a file for the general reader; and nothing past
    /// the length the file had when opened is read.
    #[test]
    fn windows_pass_read_errors_on_and_stop_at_the_length() {
        struct Failing<'a>(&'a [u8]);
        impl std::io::Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("disk gone"));
                }
                let n = buf.len().min(self.0.len()).min(100);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (_, bytes) = fixture_dumps()
            .into_iter()
            .filter(|(_, b)| fast::read(b, true).is_some())
            .max_by_key(|(_, b)| b.len())
            .unwrap();
        let half = &bytes[..bytes.len() / 2];
        let error = fast::read_stream(
            &mut Failing(half),
            bytes.len() as u64,
            Vec::new(),
            true,
            true,
            64,
        );
        assert_eq!(error.unwrap_err().to_string(), "disk gone");
        // The whole dump, then bytes that would be an error if they were read.
        let mut source = Failing(&bytes);
        let read = fast::read_stream(&mut source, bytes.len() as u64, Vec::new(), true, true, 64)
            .unwrap()
            .map(|p| describe_profile(&p));
        assert_eq!(
            read,
            fast::read_on(&bytes, true, true).map(|p| describe_profile(&p))
        );
    }

    #[test]
    fn fast_path_declines_what_it_does_not_know() {
        let mut bad_ref = b"{)\x03z\x00i\0\0\0\0z\x03len)\x05r\0\0\0\0".to_vec();
        bad_ref.extend(b"i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00");
        for input in [
            &b"N"[..],
            b"{",
            b"{)\x03z\x00i\0\0\0\0z\x03len)\x01N0",
            &bad_ref,
            // A NULL value ends the dict for Python; the general reader does that.
            b"{)\x03z\x00i\0\0\0\0z\x03len0",
            // A non-ASCII Latin-1 name.
            b"{)\x03z\x00i\0\0\0\0z\x01\xe9)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00",
        ] {
            assert!(fast::read(input, true).is_none(), "{input:?}");
            assert!(fast::read_on(input, true, true).is_none(), "{input:?}");
        }
        // ... and the general reader reads the last one.
        let p =
            read(b"{)\x03z\x00i\0\0\0\0z\x01\xe9)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{00")
                .unwrap();
        assert_eq!(p.name(FunctionId(0)), "\u{e9}");
    }

    /// A caller's key that refers to a slot holding no key is declined, with or without
    /// callers, whether the check falls in the first batch of references or a later one, and
    /// whether the slot holds a string or is a container's, taken and not yet filled.
    #[test]
    fn callers_referring_to_no_key_are_declined() {
        // Entry 0: key (slot 0; its file, line and name 1 to 3), value tuple flagged (slot 4),
        // callers dict flagged (slot 5). Then `callers` entries whose callers refer to key 0.
        let dump = |callers: usize, bad: &[u8]| {
            let mut b = b"{\xa9\x03\xfa\x04a.py\xe9\x01\0\0\0\xfa\x01f".to_vec();
            b.extend(b"\xa9\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0\xfb");
            b.extend(bad);
            b.push(b'0');
            for i in 0..callers {
                b.extend(b")\x03r\x01\0\0\0i");
                b.extend((i as u32 + 10).to_le_bytes());
                b.extend(b"r\x03\0\0\0)\x05i\x01\0\0\0i\x01\0\0\0i\0\0\0\0i\0\0\0\0{");
                b.extend(b"r\0\0\0\0)\x04i\x01\0\0\0i\x01\0\0\0g");
                b.extend(0.0f64.to_le_bytes());
                b.push(b'g');
                b.extend(0.0f64.to_le_bytes());
                b.push(b'0');
            }
            b.push(b'0');
            b
        };
        let good = dump(5000, b"");
        assert_eq!(fast::read(&good, false).unwrap().function_count(), 5001);
        assert_eq!(fast::read(&good, true).unwrap().function_count(), 5001);
        let count = |n: u8| [b'i', n, 0, 0, 0];
        for bad in [
            b"r\x01\0\0\0",
            b"r\x04\0\0\0",
            b"r\x05\0\0\0",
            b"r\x09\0\0\0",
        ] {
            // The bad reference in the first entry's callers, then in the last one's.
            let mut first = bad.to_vec();
            first.extend(count(1));
            let mut input = dump(5000, &first);
            assert!(fast::read(&input, false).is_none(), "{bad:?}");
            assert!(fast::read(&input, true).is_none(), "{bad:?}");
            input = good.clone();
            let end = input.len() - 2;
            input.splice(end..end, bad.iter().copied().chain(count(1)));
            assert!(fast::read(&input, false).is_none(), "{bad:?} last");
            assert!(fast::read(&input, true).is_none(), "{bad:?} last");
            assert!(read(&input).is_err(), "{bad:?} last");
            // A window at a time, where a failed check looks like an entry cut short: the
            // entry is rolled back, decoded again, and the bad reference found again.
            for input in [dump(5000, &first), input] {
                for (window, callers) in [(64, false), (4096, false), (4096, true)] {
                    let len = input.len() as u64;
                    let mut source = &input[..];
                    let read =
                        fast::read_stream(&mut source, len, Vec::new(), callers, true, window);
                    assert!(read.unwrap().is_none(), "{bad:?} window {window}");
                    let mut source = &input[..];
                    let logged =
                        fast::read_stream_logged(&mut source, len, Vec::new(), false, window);
                    assert!(logged.unwrap().is_none(), "{bad:?} window {window}");
                }
            }
        }
    }

    /// A dump cut short after many records have gone to the build's thread: the decoder
    /// stops, the thread ends, and the general reader says where the data ends.
    #[test]
    fn two_threads_stop_on_a_cut_dump() {
        let (_, bytes) = fixture_dumps()
            .into_iter()
            .max_by_key(|(_, bytes)| bytes.len())
            .unwrap();
        for cut in [bytes.len() / 2, bytes.len() - 1] {
            assert!(fast::read_on(&bytes[..cut], true, true).is_none());
            assert!(fast::read_on(&bytes[..cut], false, true).is_none());
            assert!(read(&bytes[..cut]).is_err());
        }
    }
}
