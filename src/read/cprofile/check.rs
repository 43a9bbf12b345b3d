//! What the tests and the fuzz target `fastpath` compare readings with: a profile as text, the
//! fuzz hook that holds the fast path to the general reader, and the tests' inputs.

use super::fast;
#[cfg(test)]
use super::window::STREAM_FROM;
#[cfg(fuzzing)]
use super::{callers_of::read_callers_of, general::read_general};
use crate::model::{FunctionId, Profile};
#[cfg(fuzzing)]
use crate::threads::Threads;

/// Everything a profile holds, as text, to compare two readings.
#[cfg(any(test, fuzzing))]
pub(crate) fn describe_profile(p: &Profile) -> String {
    let mut out = format!("{:?} top {:?}\n", p.totals(), p.top_level());
    for id in p.all_functions() {
        out += &format!("{} listed={}", p.display_name(id), p.is_listed(id));
        if p.is_listed(id) {
            out += &format!(" {:?} callers", p.stats(id));
            for (caller, call) in p.callers(id) {
                out += &format!(" {}:{call:?}", caller.0);
            }
        }
        out += "\n";
    }
    out
}

/// What a report on the callers of `selected` reads of a profile: every listed function's
/// key and figures, the totals, the top-level functions, the sub-heading's choice, and the
/// callers of the selected functions by name.
#[cfg(any(test, fuzzing))]
pub(crate) fn describe_callers_of(p: &Profile, selected: &[FunctionId]) -> String {
    let mut out = format!(
        "{:?} top {:?} timed {}\n",
        p.totals(),
        p.top_level(),
        p.has_timed_edges()
    );
    for id in p.functions() {
        out += &format!("{} {:?}\n", p.display_name(id), p.stats(id));
    }
    for &id in selected {
        out += &format!("callers of {}:", p.display_name(id));
        for (caller, call) in p.callers(id) {
            out += &format!(" {} {call:?};", p.display_name(caller));
        }
        out += "\n";
    }
    out
}

/// For the fuzz target `fastpath`: panics if the fast path accepts `input` and reads it to
/// anything but what the general reader reads.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn check_fast_path(input: &[u8]) {
    if let Some(fast) = fast::read(input, true) {
        let general =
            read_general(input).expect("the general reader reads what the fast path reads");
        assert_eq!(describe_profile(&fast), describe_profile(&general));
        let without = fast::read(input, false).expect("read without callers");
        assert_eq!(
            describe_profile(&without),
            describe_profile(&general.without_edges())
        );
    }
    // The read that keeps a log accepts what the read without callers accepts, whole or a
    // window at a time; and the callers of some functions, read after the rest, are those a
    // full read gives them.
    let logged = fast::read_logged(input, false).map(|(p, _)| describe_profile(&p));
    let without = fast::read(input, false).map(|p| describe_profile(&p));
    assert_eq!(logged, without);
    for window in [1, 13] {
        let mut source = input;
        let len = input.len() as u64;
        let streamed = fast::read_stream_logged(&mut source, len, Vec::new(), window > 1, window)
            .expect("reading from memory")
            .map(|(p, _)| describe_profile(&p));
        assert_eq!(streamed, without);
    }
    if let Some(full) = fast::read(input, true) {
        let all: Vec<FunctionId> = full.functions().collect();
        for selected in [all.clone(), all.iter().copied().step_by(2).collect()] {
            let lazy = read_callers_of(input, Threads::Auto, |_| selected.clone())
                .expect("read as a full read");
            assert_eq!(
                describe_callers_of(&lazy, &selected),
                describe_callers_of(&full, &selected)
            );
        }
    }
    // The two-thread pipeline accepts exactly what one thread accepts, and agrees; so does
    // the read a window at a time, with windows that cut entries anywhere.
    for callers in [true, false] {
        let one = fast::read_on(input, callers, false).map(|p| describe_profile(&p));
        let two = fast::read_on(input, callers, true).map(|p| describe_profile(&p));
        assert_eq!(one, two);
        for window in [1, 13] {
            let mut source = input;
            let streamed = fast::read_stream(
                &mut source,
                input.len() as u64,
                Vec::new(),
                callers,
                window > 1,
                window,
            )
            .expect("reading from memory")
            .map(|p| describe_profile(&p));
            assert_eq!(one, streamed);
        }
    }
}

/// A two-function dump as Python 3.11 writes it, with callers and shared objects (floats
/// 0.5/1.0/0.25).
#[cfg(test)]
pub(super) fn two_py311() -> Vec<u8> {
    let g = |v: f64| {
        let mut b = vec![0xe7];
        b.extend(v.to_le_bytes());
        b
    };
    let r = |i: u32| {
        let mut b = vec![b'r'];
        b.extend(i.to_le_bytes());
        b
    };
    let mut b = vec![0xfb, 0xa9, 0x03, 0xfa, 0x12];
    b.extend(b"/home/u/prj/two.py");
    b.extend([0xe9, 4, 0, 0, 0, 0xda, 1, b'f']);
    b.extend([0x29, 5, 0xe9, 1, 0, 0, 0]);
    b.extend(r(5));
    b.extend(g(0.5));
    b.extend(g(1.0));
    b.extend([b'{', b'0']);
    b.extend([0xa9, 3]);
    b.extend(r(2));
    b.extend([0xe9, 2, 0, 0, 0, 0xda, 1, b'g']);
    b.extend([0x29, 5]);
    b.extend(r(9));
    b.extend(r(9));
    b.extend(r(6));
    b.extend(r(7));
    b.extend([b'{', 0xa9, 3]);
    b.extend(r(2));
    b.extend(r(3));
    b.extend(r(4));
    b.extend([0x29, 4]);
    b.extend(r(9));
    b.extend(r(9));
    b.extend(g(0.25));
    b.extend(r(6));
    b.extend([b'0', b'0']);
    b
}

/// Every stats fixture and fuzz regression input.
#[cfg(test)]
pub(super) fn fixture_dumps() -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs = vec![root];
    let mut found = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "stats") {
                let bytes = std::fs::read(&path).unwrap();
                found.push((path, bytes));
            }
        }
    }
    found.sort();
    found
}

/// The biggest fixture the fast path takes.
#[cfg(test)]
pub(super) fn biggest_fast_fixture() -> Vec<u8> {
    let (_, bytes) = fixture_dumps()
        .into_iter()
        .filter(|(_, bytes)| fast::read(bytes, true).is_some())
        .max_by_key(|(_, bytes)| bytes.len())
        .unwrap();
    bytes
}

/// [`biggest_fast_fixture`], and a file `big.stats` in a new directory that holds it
/// padded past [`STREAM_FROM`] bytes (Python's marshal stops at the dict's end: what follows
/// it is never read), with the padded bytes.
#[cfg(test)]
pub(super) fn big_file() -> (Vec<u8>, Vec<u8>, tempfile::TempDir) {
    let bytes = biggest_fast_fixture();
    let mut padded = bytes.clone();
    padded.resize(STREAM_FROM as usize + 1, 0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.stats"), &padded).unwrap();
    (bytes, padded, dir)
}
