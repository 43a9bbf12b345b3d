//! A big stats dump read from its file a window at a time, as the fast path decodes it, and
//! read again at chosen offsets (docs/design.md, "Stats reader").

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

use super::fast;
use crate::error::Error;
use crate::format::{Detected, InputFormat};
use crate::model::Profile;
use crate::read::ReadOptions;
use crate::threads;

/// Inputs read a window at a time rather than whole ([`read_file`]): from this size on, where
/// the fast path also runs on two threads.
pub(super) const STREAM_FROM: u64 = threads::STATS_DECODE as u64;

/// Bytes read at a time when a stats dump is read a window at a time.
pub(super) const WINDOW: usize = 1 << 20;

/// Reads the stats dump in `file` (`len` bytes) a window at a time, as the fast path takes it,
/// instead of copying it whole into memory first, where each 4 KiB page of the new buffer
/// costs a page fault (`show` of a 47 MB dump took 18 % less, docs/performance.md): `Ok(None)`
/// if it is small, not a stats dump, or one the fast path does not take; the caller then reads
/// it whole.
pub(crate) fn read_file(
    file: &mut std::fs::File,
    len: u64,
    options: &ReadOptions,
) -> Result<Option<Profile>, Error> {
    let Some(first) = first_window(file, len)? else {
        return Ok(None);
    };
    Ok(fast::read_stream(
        file,
        len,
        first,
        options.callers,
        options.threads.two(),
        WINDOW,
    )?)
}

/// The first window of `file` (`len` bytes), if the file is to be read a window at a time: from
/// [`STREAM_FROM`] bytes on, and a stats dump.
pub(super) fn first_window(file: &mut std::fs::File, len: u64) -> Result<Option<Vec<u8>>, Error> {
    if len < STREAM_FROM {
        return Ok(None);
    }
    let mut first = Vec::new();
    file.by_ref().take(WINDOW as u64).read_to_end(&mut first)?;
    let stats = crate::read::detect(&first) == Detected::Profile(InputFormat::Stats);
    Ok(stats.then_some(first))
}

/// The bytes of a file read again at offsets that go up, through a buffer of at least
/// [`WINDOW`] bytes: the chosen entries of a big file often lie close together (the first N in
/// file order), and one read for each would be a system call each.
#[derive(Default)]
pub(super) struct ReadBack {
    buffer: Vec<u8>,
    /// Where the buffer starts in the file.
    start: usize,
}

impl ReadBack {
    /// The file's bytes `range`, or `None` if they cannot be read.
    pub(super) fn bytes(
        &mut self,
        file: &mut std::fs::File,
        range: Range<usize>,
    ) -> Option<Vec<u8>> {
        let end = self.start + self.buffer.len();
        if range.start < self.start || range.end > end {
            let want = range.len().max(WINDOW);
            self.buffer.clear();
            self.buffer.try_reserve_exact(want).ok()?;
            file.seek(SeekFrom::Start(range.start as u64)).ok()?;
            file.by_ref()
                .take(want as u64)
                .read_to_end(&mut self.buffer)
                .ok()?;
            self.start = range.start;
        }
        let at = range.start - self.start;
        self.buffer.get(at..at + range.len()).map(<[u8]>::to_vec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cprofile::check::{big_file, describe_profile};
    use crate::read::cprofile::read_with;

    /// A file is read a window at a time only from [`STREAM_FROM`] bytes on, and only if it is
    /// a stats dump; read that way, the biggest fixture the fast path takes, padded past that
    /// size, reads as it reads whole (it fits in the first window: the tests above refill).
    #[test]
    fn big_files_are_read_a_window_at_a_time() {
        let (bytes, padded, dir) = big_file();
        let path = dir.path().join("big.stats");
        for callers in [true, false] {
            let options = ReadOptions {
                callers,
                ..ReadOptions::default()
            };
            let mut file = std::fs::File::open(&path).unwrap();
            let streamed = read_file(&mut file, padded.len() as u64, &options)
                .unwrap()
                .expect("a big stats dump is read a window at a time");
            let whole = read_with(&bytes, &options).unwrap();
            assert_eq!(describe_profile(&streamed), describe_profile(&whole));
            // Small, or not a stats dump: read whole by the caller.
            let mut file = std::fs::File::open(&path).unwrap();
            assert!(
                read_file(&mut file, STREAM_FROM - 1, &options)
                    .unwrap()
                    .is_none()
            );
        }
        std::fs::write(&path, vec![b'\n'; STREAM_FROM as usize]).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        assert!(
            read_file(&mut file, STREAM_FROM, &ReadOptions::default())
                .unwrap()
                .is_none()
        );
    }
}
