//! The fast path over a file read a window at a time, instead of the whole file copied into
//! memory first.
//!
//! A 47 MB dump copied into a new buffer costs a page fault for each of its 11,500 pages, and
//! those, not the copy, were most of the kernel's half of `show`'s time (docs/performance.md);
//! a window of 1 MiB, refilled as it is decoded, takes its pages once. The decoder goes entry
//! by entry: an entry cut short by the window's end is abandoned ([`Reader::rollback`]), the
//! bytes from its start are moved to the front, more are read, and it is decoded again. A
//! window holds at least twice what was left over, so the attempts at an entry grow
//! geometrically and cost at most a few times its size.
//!
//! The decoder cannot tell an entry cut short from one the fast path does not take (a code
//! object as a name, a malformed file): both are `None`. So a file it declines is read to its
//! end, the window growing to hold what is left from the declined entry on, before the read
//! ends in `None`, as over the whole input; the caller then reads the file whole again for the
//! general reader. A declined file costs one more copy of itself, next to a general read that
//! builds every marshal value. No more than the `len` bytes the file had when it was opened
//! are read.

use std::io::{self, Read};

use super::lazy::Log;
use super::{Reader, Slot, build_from};
use crate::marshal::Scanner;
use crate::model::Profile;

/// Reads the stats dump that `source` holds, `len` bytes, of which `first` were read already
/// (`source` goes on after them), as [`super::read_on`] reads it whole: `Ok(None)` where the
/// general reader must take over. `window` is how many bytes to read at a time.
pub(in crate::read::cprofile) fn read_stream(
    source: &mut impl Read,
    len: u64,
    first: Vec<u8>,
    callers: bool,
    two_threads: bool,
    window: usize,
) -> io::Result<Option<Profile>> {
    let read = stream(source, len, first, callers, false, two_threads, window)?;
    Ok(read.map(|(profile, _)| profile))
}

/// [`read_stream`] without callers, keeping the [`Log`] that reading some entries' callers
/// afterwards needs, as [`super::read_logged`] does.
pub(in crate::read::cprofile) fn read_stream_logged(
    source: &mut impl Read,
    len: u64,
    first: Vec<u8>,
    two_threads: bool,
    window: usize,
) -> io::Result<Option<(Profile, Box<Log>)>> {
    let read = stream(source, len, first, false, true, two_threads, window)?;
    Ok(read.and_then(|(profile, log)| Some((profile, log?))))
}

fn stream(
    source: &mut impl Read,
    len: u64,
    first: Vec<u8>,
    callers: bool,
    log: bool,
    two_threads: bool,
    window: usize,
) -> io::Result<Option<(Profile, Option<Box<Log>>)>> {
    // Ids and offsets are 32-bit, as over the whole input.
    let Ok(len) = u32::try_from(len) else {
        return Ok(None);
    };
    let mut error = None;
    let mut source = source.take(u64::from(len).saturating_sub(first.len() as u64));
    let profile = build_from(len as usize, callers, two_threads, |out| {
        let mut window = Window {
            bytes: first,
            offset: 0,
            source: &mut source,
            size: window.max(1),
            at_end: false,
        };
        let mut reader = Reader::new(Scanner::new(&[]), callers, out);
        if log {
            reader.keep_log();
        }
        match decode(&mut window, reader) {
            Ok(decoded) => decoded,
            Err(e) => {
                error = Some(e);
                None
            }
        }
    });
    match error {
        Some(e) => Err(e),
        None => Ok(profile),
    }
}

/// The bytes read and not yet decoded.
struct Window<'s, R: Read> {
    bytes: Vec<u8>,
    /// Where `bytes` start in the input.
    offset: usize,
    source: &'s mut R,
    /// How many bytes to read at a time.
    size: usize,
    at_end: bool,
}

impl<R: Read> Window<'_, R> {
    /// Drops the first `consumed` bytes and reads on until the window holds at least `size`
    /// bytes and twice what was left, or the source ends.
    fn refill(&mut self, consumed: usize) -> io::Result<()> {
        self.bytes.drain(..consumed);
        self.offset += consumed;
        let want = self.bytes.len() + self.size.max(self.bytes.len());
        while self.bytes.len() < want && !self.at_end {
            let missing = (want - self.bytes.len()) as u64;
            if self
                .source
                .by_ref()
                .take(missing)
                .read_to_end(&mut self.bytes)?
                == 0
            {
                self.at_end = true;
            }
        }
        Ok(())
    }
}

/// What [`decode`] gives: the strings, the sink and the log, if the reader keeps one.
type Decoded = (crate::model::Interner, super::Sink, Option<Box<Log>>);

/// Decodes the dict from `window`, refilled as it goes, with `reader` (over no bytes yet).
fn decode<R: Read>(
    window: &mut Window<'_, R>,
    mut reader: Reader<'_>,
) -> io::Result<Option<Decoded>> {
    window.refill(0)?;
    let mut dict_slot = None;
    loop {
        let mut here = reader.rescan(Scanner::new(&window.bytes));
        // Offsets are 32-bit: the input's length was checked.
        here.base = window.offset as u32;
        let mut consumed = 0;
        let mut ended = false;
        if dict_slot.is_none() {
            match here.dict_header() {
                Some(slot) => {
                    dict_slot = Some(slot);
                    consumed = here.scan.position();
                }
                // One byte, and not a dict's: not for the fast path.
                None if !window.bytes.is_empty() => return Ok(None),
                None => {}
            }
        }
        if dict_slot.is_some() {
            loop {
                let at = here.checkpoint();
                match here.entry() {
                    Some(true) => {
                        consumed = here.scan.position();
                        // The build has stopped (only a decoder's bug does that): no retry.
                        if here.out.flush_if_full().is_none() {
                            return Ok(None);
                        }
                    }
                    Some(false) => {
                        ended = true;
                        break;
                    }
                    None => {
                        here.rollback(&at);
                        break;
                    }
                }
            }
        }
        reader = here.rescan(Scanner::new(&[]));
        if ended {
            // A reference to the top-level dict is nonsense; the general reader handles it.
            reader.fill(dict_slot.flatten(), Slot::Other);
            let log = reader.take_log();
            return Ok(reader
                .out
                .flush()
                .map(|()| (reader.strings, reader.out, log)));
        }
        if window.at_end {
            return Ok(None);
        }
        window.refill(consumed)?;
    }
}
