//! gzip on every core: the protobuf is cut into blocks that worker threads deflate at the same
//! time, each ended by a sync flush (an empty stored block, so the next starts on a byte
//! boundary), as pigz does; the last is deflated with a final block. Their concatenation is one
//! deflate stream, written as one gzip member (RFC 1952) whose CRC-32 is the blocks' CRCs
//! combined: any gzip reader reads it, not only the ones that read multi-member files
//! (docs/pprof.md). Each block starts without the previous one's window, which costs a little
//! compression at each boundary (0.04 % of the size in 1 MiB blocks on a 44 MB export).
//!
//! The blocks depend only on the bytes and the block size, not on the threads: the output is
//! the same on any machine.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::mem;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{Scope, ScopedJoinHandle};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// A block to deflate: its number, its bytes.
type Job = (usize, Vec<u8>);

/// A deflated block: its number, and its deflate data with the CRC of its bytes.
type Done = (usize, io::Result<(Vec<u8>, Crc)>);

/// A writer that gzips what it is given, deflating blocks of `block` bytes on worker threads
/// of `scope` (started at the first full block), and writes the result to `writer` in order.
pub(super) struct ParallelGzip<'scope, 'env, W: Write> {
    scope: &'scope Scope<'scope, 'env>,
    writer: W,
    level: Compression,
    block: usize,
    threads: usize,
    /// The bytes of the block being filled.
    buffer: Vec<u8>,
    /// The queue of blocks for the workers (`None` before the first block).
    jobs: Option<SyncSender<Job>>,
    done: Option<Receiver<Done>>,
    workers: Vec<ScopedJoinHandle<'scope, ()>>,
    /// Blocks deflated out of turn, by number.
    waiting: BTreeMap<usize, (Vec<u8>, Crc)>,
    /// Blocks handed out, blocks written.
    sent: usize,
    written: usize,
    /// The CRC of every byte written so far.
    crc: Crc,
}

impl<'scope, 'env, W: Write> ParallelGzip<'scope, 'env, W> {
    /// Writes the gzip header. `threads` workers deflate blocks of `block` bytes (at least
    /// 64 KiB) at `level`; with none, the writing thread deflates each block itself.
    pub(super) fn new(
        scope: &'scope Scope<'scope, 'env>,
        mut writer: W,
        level: Compression,
        block: usize,
        threads: usize,
    ) -> io::Result<Self> {
        writer.write_all(&header(level))?;
        let block = block.max(MIN_BLOCK);
        Ok(ParallelGzip {
            scope,
            writer,
            level,
            block,
            threads,
            buffer: Vec::with_capacity(block),
            jobs: None,
            done: None,
            workers: Vec::new(),
            waiting: BTreeMap::new(),
            sent: 0,
            written: 0,
            crc: Crc::new(),
        })
    }

    /// Hands the buffer to the workers, starting them first if need be; then writes what they
    /// have finished, waiting when too many blocks are in flight (this bounds the memory).
    fn send(&mut self) -> io::Result<()> {
        let data = mem::replace(&mut self.buffer, Vec::with_capacity(self.block));
        if self.threads == 0 {
            let mut crc = Crc::new();
            crc.update(&data);
            self.writer.write_all(&deflate(&data, self.level, false)?)?;
            self.crc.combine(&crc);
            return Ok(());
        }
        if self.jobs.is_none() {
            self.start();
        }
        while self.sent - self.written > 2 * self.threads {
            self.receive(true)?;
        }
        let stopped = || io::Error::other("a gzip worker thread stopped");
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send((self.sent, data))
            .map_err(|_| stopped())?;
        self.sent += 1;
        while self.receive(false)? {}
        Ok(())
    }

    fn start(&mut self) {
        let (jobs, queue) = mpsc::sync_channel::<Job>(self.threads);
        let (report, done) = mpsc::channel::<Done>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..self.threads {
            let queue = Arc::clone(&queue);
            let report: Sender<Done> = report.clone();
            let level = self.level;
            self.workers.push(self.scope.spawn(move || {
                loop {
                    let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((number, data)) = job else { break };
                    let mut crc = Crc::new();
                    crc.update(&data);
                    let deflated = deflate(&data, level, false).map(|d| (d, crc));
                    if report.send((number, deflated)).is_err() {
                        break;
                    }
                }
            }));
        }
        self.jobs = Some(jobs);
        self.done = Some(done);
    }

    /// Takes one finished block (waiting for one if `wait`) and writes every block now in
    /// turn. Returns whether a block was taken.
    fn receive(&mut self, wait: bool) -> io::Result<bool> {
        let Some(done) = &self.done else {
            return Ok(false);
        };
        let (number, block) = if wait {
            done.recv()
                .map_err(|_| io::Error::other("a gzip worker thread stopped"))?
        } else {
            match done.try_recv() {
                Ok(received) => received,
                Err(_) => return Ok(false),
            }
        };
        self.waiting.insert(number, block?);
        while let Some((deflated, crc)) = self.waiting.remove(&self.written) {
            self.writer.write_all(&deflated)?;
            self.crc.combine(&crc);
            self.written += 1;
        }
        Ok(true)
    }

    /// Deflates the last bytes with the final block, waits for the workers, writes the
    /// trailer (CRC-32 and length modulo 2^32) and returns the writer.
    pub(super) fn finish(mut self) -> io::Result<W> {
        let tail = mem::take(&mut self.buffer);
        let mut crc = Crc::new();
        crc.update(&tail);
        let deflated = deflate(&tail, self.level, true)?;
        // The workers stop once the queue is empty and closed.
        self.jobs = None;
        while self.written < self.sent {
            self.receive(true)?;
        }
        for worker in self.workers.drain(..) {
            worker
                .join()
                .map_err(|_| io::Error::other("a gzip worker thread panicked"))?;
        }
        self.writer.write_all(&deflated)?;
        self.crc.combine(&crc);
        let mut trailer = [0; 8];
        trailer[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
        trailer[4..].copy_from_slice(&self.crc.amount().to_le_bytes());
        self.writer.write_all(&trailer)?;
        Ok(self.writer)
    }
}

impl<W: Write> Write for ParallelGzip<'_, '_, W> {
    /// Cuts blocks at multiples of the block size, whatever the sizes of the writes.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            let room = self.block - self.buffer.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.buffer.extend_from_slice(now);
            rest = later;
            if self.buffer.len() == self.block {
                self.send()?;
            }
        }
        Ok(data.len())
    }

    /// Blocks are deflated whole: a flush writes nothing before [`ParallelGzip::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The smallest block: smaller ones would lose compression for no gain in time.
const MIN_BLOCK: usize = 1 << 16;

/// The gzip header flate2's `GzEncoder` writes: no name, no time; the extra flags say "fastest"
/// at level 1 and below, "best" at 9; the operating system is unknown (255).
fn header(level: Compression) -> [u8; 10] {
    let extra_flags = if level.level() >= Compression::best().level() {
        2
    } else if level.level() <= Compression::fast().level() {
        4
    } else {
        0
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extra_flags, 255]
}

/// Raw deflate of `data`, ended by a final block if `last`, else by a sync flush.
fn deflate(data: &[u8], level: Compression, last: bool) -> io::Result<Vec<u8>> {
    let mut compress = Compress::new(level, false);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    loop {
        let consumed = usize::try_from(compress.total_in()).unwrap_or(data.len());
        let status = compress
            .compress_vec(&data[consumed.min(data.len())..], &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = usize::try_from(compress.total_in()).is_ok_and(|n| n >= data.len());
        // A flush is complete when the compressor stops short of the space it was given.
        let complete = match status {
            Status::StreamEnd => true,
            _ => !last && out.len() < out.capacity(),
        };
        if all_in && complete {
            return Ok(out);
        }
        out.reserve(out.capacity().max(1024));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        io::Read::read_to_end(&mut flate2::read::GzDecoder::new(data), &mut plain)
            .expect("gunzips");
        plain
    }

    /// Bytes that compress somewhat, as a protobuf does, and differ along the way.
    fn sample(len: usize) -> Vec<u8> {
        let mut state = 12345u32;
        (0..len)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                if i % 3 == 0 {
                    (state >> 24) as u8
                } else {
                    (i / 7) as u8
                }
            })
            .collect()
    }

    /// One gzip member (flate2's single-member reader sees every byte), the same bytes
    /// whatever the threads, and whatever the sizes of the writes.
    #[test]
    fn blocks_make_one_member_with_every_byte() {
        let data = sample(1_000_000);
        let mut outputs = Vec::new();
        for (threads, piece) in [(0, 1000), (1, 1000), (2, 65_536), (3, 7)] {
            let out = std::thread::scope(|scope| {
                let mut gz =
                    ParallelGzip::new(scope, Vec::new(), Compression::fast(), 1 << 16, threads)
                        .unwrap();
                for chunk in data.chunks(piece) {
                    gz.write_all(chunk).unwrap();
                }
                gz.finish().unwrap()
            });
            assert_eq!(gunzip(&out), data, "threads {threads}");
            outputs.push(out);
        }
        assert_eq!(outputs[0], outputs[1]);
        assert_eq!(outputs[0], outputs[2]);
    }

    #[test]
    fn empty_and_exact_block_inputs_gzip() {
        for len in [0, 1 << 16, 2 << 16] {
            let data = sample(len);
            let out = std::thread::scope(|scope| {
                let mut gz =
                    ParallelGzip::new(scope, Vec::new(), Compression::fast(), 1 << 16, 2).unwrap();
                gz.write_all(&data).unwrap();
                gz.finish().unwrap()
            });
            assert_eq!(gunzip(&out), data, "{len} bytes");
        }
    }
}
