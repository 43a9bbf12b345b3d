//! The few messages of pprof's `profile.proto` that the exporter writes, encoded by hand
//! (protobuf's wire format: varints and length-delimited fields). The field numbers are those of
//! `proto/profile.proto` in github.com/google/pprof, listed in docs/pprof.md; `go tool pprof`
//! reads every fixture's export in the tests, which checks them.

use std::io::{self, Write};

/// Field numbers, by message.
pub(super) mod field {
    pub const PROFILE_SAMPLE_TYPE: u32 = 1;
    pub const PROFILE_SAMPLE: u32 = 2;
    pub const PROFILE_MAPPING: u32 = 3;
    pub const PROFILE_LOCATION: u32 = 4;
    pub const PROFILE_FUNCTION: u32 = 5;
    pub const PROFILE_STRING_TABLE: u32 = 6;
    pub const PROFILE_PERIOD_TYPE: u32 = 11;
    pub const PROFILE_PERIOD: u32 = 12;
    pub const PROFILE_COMMENT: u32 = 13;
    pub const PROFILE_DEFAULT_SAMPLE_TYPE: u32 = 14;
    pub const VALUE_TYPE_TYPE: u32 = 1;
    pub const VALUE_TYPE_UNIT: u32 = 2;
    pub const SAMPLE_LOCATION_ID: u32 = 1;
    pub const SAMPLE_VALUE: u32 = 2;
    pub const SAMPLE_LABEL: u32 = 3;
    pub const LABEL_KEY: u32 = 1;
    pub const LABEL_STR: u32 = 2;
    pub const MAPPING_ID: u32 = 1;
    pub const MAPPING_HAS_FUNCTIONS: u32 = 7;
    pub const MAPPING_HAS_FILENAMES: u32 = 8;
    pub const MAPPING_HAS_LINE_NUMBERS: u32 = 9;
    pub const LOCATION_ID: u32 = 1;
    pub const LOCATION_MAPPING_ID: u32 = 2;
    pub const LOCATION_LINE: u32 = 4;
    pub const LINE_FUNCTION_ID: u32 = 1;
    pub const LINE_LINE: u32 = 2;
    pub const FUNCTION_ID: u32 = 1;
    pub const FUNCTION_NAME: u32 = 2;
    pub const FUNCTION_SYSTEM_NAME: u32 = 3;
    pub const FUNCTION_FILENAME: u32 = 4;
    pub const FUNCTION_START_LINE: u32 = 5;
}

const VARINT: u32 = 0;
const LENGTH_DELIMITED: u32 = 2;

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    varint(out, u64::from((field << 3) | wire_type));
}

/// An `int64` or `uint64` field; zero, proto3's default, is left out. A negative `int64` is
/// its two's complement, ten bytes, as protobuf encodes it.
pub(super) fn int(out: &mut Vec<u8>, field: u32, value: i64) {
    uint(out, field, value as u64);
}

/// A `uint64` field; zero is left out.
pub(super) fn uint(out: &mut Vec<u8>, field: u32, value: u64) {
    if value != 0 {
        key(out, field, VARINT);
        varint(out, value);
    }
}

/// A `string`, `bytes` or embedded message field.
pub(super) fn bytes(out: &mut Vec<u8>, field: u32, data: &[u8]) {
    key(out, field, LENGTH_DELIMITED);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// A packed repeated `int64`/`uint64` field; `scratch` is reused for the payload.
pub(super) fn packed(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    field: u32,
    values: impl Iterator<Item = u64>,
) {
    scratch.clear();
    for value in values {
        varint(scratch, value);
    }
    if !scratch.is_empty() {
        bytes(out, field, scratch);
    }
}

/// Writes top-level fields of a message to a writer in large pieces: each field is built in
/// memory, then appended to a buffer that is handed over when it is full.
pub(super) struct Stream<W: Write> {
    writer: W,
    buffer: Vec<u8>,
    /// The message being built, for [`Stream::message`].
    pub(super) body: Vec<u8>,
    /// Scratch space for packed fields inside `body`.
    pub(super) scratch: Vec<u8>,
}

const CHUNK: usize = 1 << 16;

impl<W: Write> Stream<W> {
    pub(super) fn new(writer: W) -> Stream<W> {
        Stream {
            writer,
            buffer: Vec::with_capacity(CHUNK + 1024),
            body: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Writes `body` as the embedded message or string `field`, and clears it.
    pub(super) fn message(&mut self, field: u32) -> io::Result<()> {
        bytes(&mut self.buffer, field, &self.body);
        self.body.clear();
        self.spill()
    }

    /// Writes a string field.
    pub(super) fn string(&mut self, field: u32, text: &str) -> io::Result<()> {
        bytes(&mut self.buffer, field, text.as_bytes());
        self.spill()
    }

    /// Writes a varint field (left out when zero).
    pub(super) fn int(&mut self, field: u32, value: i64) -> io::Result<()> {
        int(&mut self.buffer, field, value);
        self.spill()
    }

    /// Writes bytes already encoded (top-level fields).
    pub(super) fn raw(&mut self, data: &[u8]) -> io::Result<()> {
        self.writer.write_all(&self.buffer)?;
        self.buffer.clear();
        self.writer.write_all(data)
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.buffer.len() >= CHUNK {
            self.writer.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Writes what is left and returns the writer.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.writer.write_all(&self.buffer)?;
        Ok(self.writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-checked encodings from the protobuf encoding guide's examples (150 → `96 01`).
    #[test]
    fn varints_and_fields_encode_as_protobuf_does() {
        let mut out = Vec::new();
        int(&mut out, 1, 150);
        assert_eq!(out, [0x08, 0x96, 0x01]);
        out.clear();
        int(&mut out, 1, 0);
        assert!(out.is_empty(), "proto3 leaves defaults out");
        int(&mut out, 2, -1);
        assert_eq!(out.len(), 11, "a negative int64 takes ten bytes");
        assert_eq!(out[0], 0x10);
        assert_eq!(out[10], 0x01);
        out.clear();
        bytes(&mut out, 2, b"testing");
        assert_eq!(out, b"\x12\x07testing");
        out.clear();
        let mut scratch = Vec::new();
        packed(&mut out, &mut scratch, 4, [3, 270, 86942].into_iter());
        assert_eq!(out, [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05]);
    }

    #[test]
    fn the_stream_hands_over_everything() {
        let mut stream = Stream::new(Vec::new());
        for i in 0..20_000 {
            stream.body.clear();
            int(&mut stream.body, 1, i);
            stream.message(2).unwrap();
        }
        stream.string(6, "x").unwrap();
        let out = stream.finish().unwrap();
        assert!(out.ends_with(b"\x32\x01x"));
        assert!(out.len() > CHUNK);
    }
}
