//! Reading a whole input file into memory, over both cores when it is large.
//!
//! Most of the time `std::fs::read` takes for a large profile is not the copy from the page
//! cache but the page faults of the new buffer, one per 4 KiB page, taken one after the other.
//! Two threads reading the two halves take them two at a time: `show` of a 47 MB dump took
//! 2–14 % less (docs/performance.md).

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

use crate::threads::{self, Threads};

/// The whole content of the file at `path`, as `std::fs::read` gives it.
#[cfg(test)]
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    read_opened(&mut file, len, Threads::Auto)
}

/// The first `len` bytes of the file at `path` (fewer if it is shorter; none if it cannot be
/// read, which reading it then reports).
pub(crate) fn head(path: &Path, len: usize) -> Vec<u8> {
    let mut head = Vec::with_capacity(len);
    if let Ok(file) = File::open(path) {
        let _ = file.take(len as u64).read_to_end(&mut head);
    }
    head
}

/// The whole content of an open `file` whose metadata gave `len` bytes, from its start
/// whatever has been read from it already.
/// With `threads` allowing two, a file of [`threads::FILE_HALVES`] bytes or more is read as two
/// halves at once.
pub(crate) fn read_opened(file: &mut File, len: u64, threads: Threads) -> io::Result<Vec<u8>> {
    if let Ok(size) = usize::try_from(len)
        && threads.two_from(size, threads::FILE_HALVES)
        && let Some(bytes) = read_halves(file, size)?
    {
        return Ok(bytes);
    }
    // One read from the start (the halves' positioned reads leave the file's offset where it
    // was): small files, and a file that changed size while it was read in halves. A file
    // with a length can seek back to its start; a pipe or a device shows none, and no caller
    // reads from those first.
    if len > 0 {
        file.rewind()?;
    }
    let mut bytes = Vec::new();
    // As `std::fs::read`, sized from the metadata; a buffer that cannot be had is an error,
    // not an abort.
    reserve(&mut bytes, usize::try_from(len).unwrap_or(usize::MAX))?;
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Room for `more` bytes in `bytes`, or an out-of-memory error.
pub(crate) fn reserve(bytes: &mut Vec<u8>, more: usize) -> io::Result<()> {
    bytes.try_reserve_exact(more).map_err(|_| {
        io::Error::new(
            io::ErrorKind::OutOfMemory,
            format!("not enough memory for {more} bytes of input"),
        )
    })
}

/// Reads `reader` to its end into memory, at most `limit` bytes: a stream has no length to
/// check first (standard input, a pipe, a device). `head` sees the first [`HEAD`] bytes (or all
/// of a shorter input, with `true` for its end) before anything more is read, and may refuse
/// the input there. Past `limit`, `too_large` is the error.
pub(crate) fn read_bounded<E: From<io::Error>>(
    mut reader: impl Read,
    limit: u64,
    head: impl FnOnce(&[u8], bool) -> Result<(), E>,
    too_large: impl FnOnce() -> E,
) -> Result<Vec<u8>, E> {
    let mut bytes = Vec::new();
    let mut head = Some(head);
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if bytes.len() as u64 + n as u64 > limit {
            return Err(too_large());
        }
        reserve(&mut bytes, n)?;
        bytes.extend_from_slice(&chunk[..n]);
        if (n == 0 || bytes.len() >= HEAD)
            && let Some(check) = head.take()
        {
            check(&bytes, n == 0)?;
        }
        if n == 0 {
            return Ok(bytes);
        }
    }
}

/// How much of an input is looked at before the rest is read.
pub(crate) const HEAD: usize = 4096;

/// The file's `size` bytes read as two halves on two threads, or `None` if the file no longer
/// has exactly that size.
#[cfg(unix)]
fn read_halves(file: &File, size: usize) -> io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::FileExt;
    let mut bytes = Vec::new();
    reserve(&mut bytes, size)?;
    bytes.resize(size, 0);
    let (first, second) = bytes.split_at_mut(size / 2);
    let offset = first.len() as u64;
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| file.read_exact_at(second, offset));
        let mine = file.read_exact_at(first, 0);
        (mine, other.join())
    });
    for result in [
        a,
        b.unwrap_or_else(|_| Err(io::Error::other("reading thread failed"))),
    ] {
        match result {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    // Grown since its size was taken?
    let mut probe = [0u8; 1];
    if file.read_at(&mut probe, size as u64)? != 0 {
        return Ok(None);
    }
    Ok(Some(bytes))
}

#[cfg(not(unix))]
fn read_halves(_: &File, _: usize) -> io::Result<Option<Vec<u8>>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file large enough to be read in halves comes back byte for byte; so does a small one.
    #[test]
    fn reads_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        for size in [0usize, 1, 4097, threads::FILE_HALVES + 12_345] {
            let content: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let path = dir.path().join(format!("f{size}"));
            std::fs::write(&path, &content).unwrap();
            assert_eq!(read_file(&path).unwrap(), content, "{size} bytes");
        }
    }

    /// An open file is read from its start, whatever was read from it before.
    #[test]
    fn open_files_are_read_from_their_start() {
        let dir = tempfile::tempdir().unwrap();
        for size in [4097usize, threads::FILE_HALVES + 12_345] {
            let content: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let path = dir.path().join(format!("f{size}"));
            std::fs::write(&path, &content).unwrap();
            let mut file = File::open(&path).unwrap();
            file.read_exact(&mut [0u8; 100]).unwrap();
            let read = read_opened(&mut file, size as u64, Threads::Auto).unwrap();
            assert_eq!(read, content, "{size} bytes");
        }
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let err = read_file(Path::new("/nonexistent/pstat-test")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
