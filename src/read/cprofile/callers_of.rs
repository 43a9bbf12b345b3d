//! The callers of a few functions (docs/design.md, "Callers of a few functions"): a stats dump
//! read without edges, a few functions chosen from it, and their callers dicts decoded again
//! from their entries' bytes, in memory or from the file; or else a full read.

use std::borrow::Cow;
use std::ops::Range;

use super::general::read_general;
use super::window::{ReadBack, WINDOW, first_window};
use super::{fast, read_with};
use crate::error::Error;
use crate::model::{FunctionId, Profile};
use crate::read::ReadOptions;
use crate::threads::{self, Threads};

/// Reads a stats dump for a report on the callers of the functions `select` picks from it
/// without edges (see [`crate::read::read_callers_of`]).
pub(crate) fn read_callers_of(
    input: &[u8],
    threads: Threads,
    select: impl FnOnce(&Profile) -> Vec<FunctionId>,
) -> Result<Profile, Error> {
    let two_threads = threads.two_from(input.len(), threads::STATS_DECODE);
    let Some((profile, log)) = fast::read_logged(input, two_threads) else {
        // The fast path declines it with or without callers.
        return read_general(input);
    };
    let selected = select(&profile);
    let bytes = |range: Range<usize>| input.get(range).map(Cow::Borrowed);
    let lazy = match picks_few(&log, &selected) {
        true => with_callers(profile, log, &selected, bytes),
        false => None,
    };
    match lazy {
        Some(profile) => Ok(profile),
        // Most of it picked, or a key repeats in the dict: read it with all its edges.
        None => read_with(input, &with_threads(threads)),
    }
}

/// [`read_callers_of`] over a file, as [`read_file`](super::read_file) reads it. If it is small
/// or not a stats dump, `select` comes back unused and the caller reads the file whole.
pub(crate) fn read_file_callers_of<F: FnOnce(&Profile) -> Vec<FunctionId>>(
    file: &mut std::fs::File,
    len: u64,
    threads: Threads,
    select: F,
) -> Result<Result<Profile, F>, Error> {
    let opened = file.metadata()?.modified().ok();
    let Some(first) = first_window(file, len)? else {
        return Ok(Err(select));
    };
    let Some((profile, log)) = fast::read_stream_logged(file, len, first, threads.two(), WINDOW)?
    else {
        // The fast path declines it with or without callers.
        return Ok(Ok(read_general(&crate::read::file::read_opened(
            file, len, threads,
        )?)?));
    };
    let selected = select(&profile);
    let mut window = ReadBack::default();
    let bytes = |range: Range<usize>| window.bytes(file, range).map(Cow::Owned);
    let lazy = match picks_few(&log, &selected) {
        true => with_callers(profile, log, &selected, bytes),
        false => None,
    };
    // Read again from a file that did not change (by its length and time) since it was opened.
    let metadata = file.metadata()?;
    if let Some(profile) = lazy
        && metadata.len() == len
        && metadata.modified().ok() == opened
    {
        return Ok(Ok(profile));
    }
    // Most of it picked, the file changed since it was opened, or a key repeats in its dict:
    // read it whole.
    let bytes = crate::read::file::read_opened(file, len, threads)?;
    Ok(Ok(read_with(&bytes, &with_threads(threads))?))
}

/// Default options but for the threads.
fn with_threads(threads: Threads) -> ReadOptions {
    ReadOptions {
        threads,
        ..ReadOptions::default()
    }
}

/// Whether the entries of the `selected` functions hold at most a third of the dict's bytes.
/// Decoding them again costs more than decoding them the first time did, on one core: past a
/// third, reading the whole dump again with its edges, on two, is faster. On a 300k-function
/// dump, decoding every entry again took 304 ms more than a full read, and a full read after
/// the first wastes only the first (52 ms): the two break even near 0.3 of the dict
/// (docs/performance.md).
fn picks_few(log: &fast::lazy::Log, selected: &[FunctionId]) -> bool {
    let size = |entry: usize| log.entry_range(entry).map_or(0, |range| range.len());
    let all = log.dict_bytes();
    let mut picked = 0;
    for id in selected {
        picked += size(id.index());
        if picked > all / 3 {
            return false;
        }
    }
    true
}

/// `profile`, read without edges with `log` kept, with the callers of the `selected`
/// functions read again from their entries' `bytes`; `None` if that cannot be done and the
/// dump must be read whole with its edges.
fn with_callers<'b>(
    mut profile: Profile,
    log: Box<fast::lazy::Log>,
    selected: &[FunctionId],
    bytes: impl FnMut(Range<usize>) -> Option<Cow<'b, [u8]>>,
) -> Option<Profile> {
    // Entry n is function n, unless a key repeats in the dict: a later entry then replaces the
    // callers of an earlier one.
    if log.entries() != profile.function_count() {
        return None;
    }
    let mut entries: Vec<usize> = selected
        .iter()
        .filter(|&&id| profile.is_listed(id))
        .map(|id| id.index())
        .collect();
    // pstats heads a callers report from the first callers dict that is not empty: with it
    // read too, `Profile::has_timed_edges` says what it says after a full read.
    entries.extend(log.first_with_callers.map(|entry| entry as usize));
    entries.sort_unstable();
    entries.dedup();
    let strings = profile.take_strings();
    let (strings, read) = fast::lazy::callers_of(log, strings, &entries, bytes);
    profile.set_strings(strings);
    let mut callers = Vec::with_capacity(entries.len());
    for (&entry, (key, list)) in entries.iter().zip(read?) {
        let id = FunctionId(entry as u32);
        if profile.key(id) != key {
            return None;
        }
        callers.push((id, list));
    }
    Some(profile.with_callers_of(callers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cprofile::check::{
        big_file, biggest_fast_fixture, describe_callers_of, describe_profile, fixture_dumps,
        two_py311,
    };
    use crate::read::cprofile::read;
    use crate::read::cprofile::window::STREAM_FROM;

    /// How many edges a profile read by [`with_callers`] with `selected` has (where it does
    /// not fall back to a full read): the callers of the selected functions and of the first
    /// function with callers.
    fn lazy_edges(full: &Profile, selected: &[FunctionId]) -> usize {
        let first = full.functions().find(|&id| full.callers(id).len() > 0);
        let mut read: Vec<FunctionId> = selected.iter().copied().chain(first).collect();
        read.sort();
        read.dedup();
        read.iter().map(|&id| full.callers(id).len()).sum()
    }

    /// The callers of a few functions are read after the rest; of most of them, with a full
    /// read.
    #[test]
    fn callers_of_most_functions_are_read_with_a_full_read() {
        let bytes = biggest_fast_fixture();
        let (profile, log) = fast::read_logged(&bytes, false).unwrap();
        let all: Vec<FunctionId> = profile.functions().collect();
        assert!(!picks_few(&log, &all));
        assert!(picks_few(&log, &all[..1]));
        assert!(picks_few(&log, &[]));
        let third = log.dict_bytes() / 3;
        let mut picked = 0;
        let few: Vec<FunctionId> = all
            .iter()
            .copied()
            .take_while(|id| {
                picked += log.entry_range(id.index()).unwrap().len();
                picked <= third
            })
            .collect();
        assert!(picks_few(&log, &few));
        assert!(!picks_few(&log, &all[..few.len() + 1]));
    }

    /// Some selections of a profile's functions: all, none, every third, the last.
    fn selections(p: &Profile) -> Vec<Vec<FunctionId>> {
        let all: Vec<FunctionId> = p.functions().collect();
        vec![
            all.clone(),
            Vec::new(),
            all.iter().copied().step_by(3).collect(),
            all.last().copied().into_iter().collect(),
        ]
    }

    /// Reading the callers of a few functions after the rest gives them as a full read does,
    /// from the whole input on one thread or two, and a window at a time; every fixture is
    /// read, by the fast path and the logged read, or else whole.
    #[test]
    fn callers_of_a_few_read_as_a_full_read_reads_them() {
        let mut logged = 0;
        for (path, bytes) in fixture_dumps() {
            let Ok(full) = read(&bytes) else {
                continue;
            };
            for selected in selections(&full) {
                let expected = describe_callers_of(&full, &selected);
                let lazy = read_callers_of(&bytes, Threads::Auto, |_| selected.clone()).unwrap();
                let name = path.display();
                assert_eq!(describe_callers_of(&lazy, &selected), expected, "{name}");
                let Some((_, log)) = fast::read_logged(&bytes, false) else {
                    continue;
                };
                // Read that way, not by a full read, unless most of the dict is picked.
                let edges = match picks_few(&log, &selected) {
                    true => lazy_edges(&full, &selected),
                    false => full.edge_count(),
                };
                assert_eq!(lazy.edge_count(), edges, "{name}");
                let input = |range: Range<usize>| bytes.get(range).map(Cow::Borrowed);
                for two_threads in [false, true] {
                    let (profile, log) = fast::read_logged(&bytes, two_threads).unwrap();
                    let lazy = with_callers(profile, log, &selected, input).unwrap();
                    assert_eq!(describe_callers_of(&lazy, &selected), expected, "{name}");
                }
                for window in [1, 13, 4096] {
                    let mut source = &bytes[..];
                    let len = bytes.len() as u64;
                    let (profile, log) =
                        fast::read_stream_logged(&mut source, len, Vec::new(), true, window)
                            .unwrap()
                            .expect("streamed as read whole");
                    let lazy = with_callers(profile, log, &selected, input).unwrap();
                    assert_eq!(describe_callers_of(&lazy, &selected), expected, "{name}");
                }
                logged += 1;
            }
            // With every function selected, the profile is the full read's.
            let all: Vec<FunctionId> = full.functions().collect();
            let lazy = read_callers_of(&bytes, Threads::Auto, |_| all).unwrap();
            assert_eq!(describe_profile(&lazy), describe_profile(&full));
        }
        assert!(logged >= 4 * 70, "only {logged} reads took the logged path");
    }

    /// Repeated callers are resolved as a full read resolves them. Where entries and functions
    /// do not match one to one (a key repeated in the dict, its later entry replacing the
    /// earlier), or an entry's bytes are not what the first read read, the dump is read whole
    /// instead.
    #[test]
    fn callers_of_a_few_fall_back_to_a_full_read() {
        let key = |file: &str, line: u8, name: &str| {
            let mut b = vec![b')', 3, b'z', file.len() as u8];
            b.extend(file.as_bytes());
            b.extend([b'i', line, 0, 0, 0, b'z', name.len() as u8]);
            b.extend(name.as_bytes());
            b
        };
        let value = |calls: u8, callers: &[(Vec<u8>, u8)]| {
            let mut b = vec![b')', 5, b'i', calls, 0, 0, 0, b'i', calls, 0, 0, 0];
            b.extend([b'g'].iter().chain(&0.5f64.to_le_bytes()));
            b.extend([b'g'].iter().chain(&0.5f64.to_le_bytes()));
            b.push(b'{');
            for (key, count) in callers {
                b.extend(key);
                b.extend([b'i', *count, 0, 0, 0]);
            }
            b.push(b'0');
            b
        };
        let (f, g) = (key("a.py", 1, "f"), key("a.py", 2, "g"));
        // A caller repeated in one dict keeps its first place and its last value, in a short
        // list and in a long one.
        for others in [1, 30] {
            let mut callers: Vec<(Vec<u8>, u8)> = vec![(f.clone(), 2)];
            callers.extend((0..others).map(|i| (key("b.py", 10 + i, "h"), i)));
            callers.push((f.clone(), 5));
            let mut dump = vec![b'{'];
            dump.extend(&f);
            dump.extend(value(1, &[]));
            dump.extend(&g);
            dump.extend(value(2, &callers));
            dump.push(b'0');
            let full = read(&dump).unwrap();
            assert_eq!(full.callers(FunctionId(1)).len(), others as usize + 1);
            for selected in selections(&full) {
                let (profile, log) = fast::read_logged(&dump, false).unwrap();
                let input = |range: Range<usize>| dump.get(range).map(Cow::Borrowed);
                let lazy = with_callers(profile, log, &selected, input).unwrap();
                let expected = describe_callers_of(&full, &selected);
                assert_eq!(describe_callers_of(&lazy, &selected), expected);
            }
        }
        let mut dump = vec![b'{'];
        dump.extend(&f);
        dump.extend(value(1, &[]));
        dump.extend(&g);
        dump.extend(value(2, &[(f.clone(), 2)]));
        dump.extend(&f);
        dump.extend(value(3, &[(g.clone(), 3)]));
        dump.push(b'0');
        let full = read(&dump).unwrap();
        assert_eq!(full.function_count(), 2);
        let (profile, log) = fast::read_logged(&dump, false).expect("the fast path reads it");
        assert_eq!(log.entries(), 3);
        let input = |range: Range<usize>| dump.get(range).map(Cow::Borrowed);
        assert!(with_callers(profile, log, &[FunctionId(0)], input).is_none());
        for selected in selections(&full) {
            let lazy = read_callers_of(&dump, Threads::Auto, |_| selected.clone()).unwrap();
            let expected = describe_callers_of(&full, &selected);
            assert_eq!(describe_callers_of(&lazy, &selected), expected);
        }
        // The bytes of another entry, or cut short: not the entry the first read read.
        let dump = two_py311();
        let (profile, log) = fast::read_logged(&dump, false).unwrap();
        let (first, second) = (log.entry_range(0).unwrap(), log.entry_range(1).unwrap());
        let other = |_| dump.get(second.clone()).map(Cow::Borrowed);
        assert!(with_callers(profile, log, &[FunctionId(0)], other).is_none());
        let (profile, log) = fast::read_logged(&dump, false).unwrap();
        let cut = |_| dump.get(first.start..first.end - 1).map(Cow::Borrowed);
        assert!(with_callers(profile, log, &[FunctionId(0)], cut).is_none());
    }

    /// A big file: its first read goes a window at a time and the chosen entries are read
    /// again from the file; if the file changes in between, it is read whole again.
    #[test]
    fn callers_of_a_few_in_a_big_file() {
        let (bytes, padded, dir) = big_file();
        let path = dir.path().join("big.stats");
        let full = read(&bytes).unwrap();
        let len = padded.len() as u64;
        for selected in selections(&full) {
            let mut file = std::fs::File::open(&path).unwrap();
            let Ok(Ok(lazy)) =
                read_file_callers_of(&mut file, len, Threads::Auto, |_| selected.clone())
            else {
                panic!("a big stats dump is read a window at a time");
            };
            let expected = describe_callers_of(&full, &selected);
            assert_eq!(describe_callers_of(&lazy, &selected), expected);
            let (_, log) = fast::read_logged(&bytes, false).unwrap();
            let edges = match picks_few(&log, &selected) {
                true => lazy_edges(&full, &selected),
                false => full.edge_count(),
            };
            assert_eq!(lazy.edge_count(), edges);
        }
        // Small: the caller reads it whole.
        let mut file = std::fs::File::open(&path).unwrap();
        let small = read_file_callers_of(&mut file, STREAM_FROM - 1, Threads::Auto, |_| Vec::new());
        assert!(matches!(small, Ok(Err(_))));
        // Changed between the two reads: read whole again, here to an error.
        let mut file = std::fs::File::open(&path).unwrap();
        let changed = read_file_callers_of(&mut file, len, Threads::Auto, |p| {
            std::fs::write(&path, vec![0; padded.len()]).unwrap();
            p.functions().collect()
        });
        assert!(changed.is_err());
        // Same length and bytes, but written again after the first read: read whole again,
        // with every edge.
        std::fs::write(&path, &padded).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        let rewritten = read_file_callers_of(&mut file, len, Threads::Auto, |_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            std::fs::write(&path, &padded).unwrap();
            Vec::new()
        });
        let Ok(Ok(rewritten)) = rewritten else {
            panic!("read whole again");
        };
        assert_eq!(describe_profile(&rewritten), describe_profile(&full));
    }
}
