//! memory_profiler's `mprof run` recordings (`mprofile_*.dat`): text lines `CMDLINE …`,
//! `MEM <MiB> <time>`, `FUNC <name> <MiB> <time> <MiB> <time> [<level>]` and
//! `CHLD <child> <MiB> <time>`, read as memory_profiler 0.61's `read_mprofile_file` reads
//! them (docs/mprof.md), except that what it would take silently or fail on with a Python
//! exception is refused here with the line it is on: numbers that are not finite or are out
//! of range, missing fields, text that is not UTF-8.

use std::collections::HashMap;

use crate::error::Error;
use crate::escape::quote;
use crate::model::{ChildProcess, FunctionCall, MemoryFunction, MemoryProfile, MemorySample};
use crate::read::lines;

/// The format's name in error messages.
const FORMAT: &str = "memory_profiler recording";

/// The longest line read (a command line can be long, a sample line is short).
pub const MAX_LINE: usize = 4 << 20;

/// The largest magnitude accepted for a MiB figure or a time: far beyond any real one, and small
/// enough that differences and sums of them stay finite.
pub const MAX_VALUE: f64 = 1e15;

/// Whether the input starts the way `mprof run` files do: the first line is `CMDLINE …`, or a
/// `MEM`, `FUNC` or `CHLD` line whose second field is a number.
pub fn looks_like_mprof(input: &[u8]) -> bool {
    let first = input.split(|&b| b == b'\n').next().unwrap_or_default();
    if first.starts_with(b"CMDLINE ") {
        return true;
    }
    let mut fields = first.split(|&b| b == b' ');
    let (Some(kind), Some(second)) = (fields.next(), fields.next()) else {
        return false;
    };
    let number =
        |text: &[u8]| std::str::from_utf8(text).is_ok_and(|t| t.trim().parse::<f64>().is_ok());
    match kind {
        b"MEM" => number(second) && fields.next().is_some_and(number),
        b"CHLD" | b"FUNC" => fields.next().is_some_and(number),
        _ => false,
    }
}

/// Reads a recording.
pub fn read(input: &[u8]) -> Result<MemoryProfile, Error> {
    let mut profile = MemoryProfile::default();
    // Where each function and child is in the profile's lists, so that a file with many names
    // is not read in quadratic time. Only looked up, never iterated.
    let mut function_index: HashMap<&str, usize> = HashMap::new();
    let mut child_index: HashMap<&str, usize> = HashMap::new();
    for (index, (offset, line)) in lines(input).enumerate() {
        let number = index as u64 + 1;
        let at = Line {
            offset: offset as u64,
            number,
        };
        if line.len() > MAX_LINE {
            return Err(Error::too_large(
                "a memory_profiler recording's line",
                MAX_LINE as u64,
                Some(at.offset),
                Some(number),
            ));
        }
        let text = std::str::from_utf8(line).map_err(|e| {
            at.invalid_at(
                e.valid_up_to(),
                "UTF-8 text",
                quote(&line[e.valid_up_to()..]),
            )
        })?;
        // read_mprofile_file: `field, value = l.split(' ', 1)`; an empty line is "Sampling
        // time was too short", a line without a space an unpacking error.
        let Some((field, value)) = text.split_once(' ') else {
            return Err(at.invalid(
                "a line `CMDLINE …`, `MEM …`, `FUNC …` or `CHLD …`",
                quote(line),
            ));
        };
        match field {
            "MEM" => {
                let mut fields = Fields::new(value, at, field.len() + 1);
                let sample = fields.sample("MEM <MiB> <time>")?;
                // mprof samples a clock as it goes: a time before the last one is no
                // recording (it would give a negative duration and interval).
                if let Some(last) = profile.samples.last()
                    && sample.time < last.time
                {
                    return Err(at.invalid(
                        "a time no earlier than the sample before",
                        format!("{} after {}", sample.time, last.time),
                    ));
                }
                profile.samples.push(sample);
            }
            "CHLD" => {
                let mut fields = Fields::new(value, at, field.len() + 1);
                let id = fields.text("CHLD <child> <MiB> <time>")?;
                let sample = fields.sample("CHLD <child> <MiB> <time>")?;
                // `children` is a defaultdict keyed by the child's text: first appearance order.
                match child_index.get(id) {
                    Some(&i) => profile.children[i].samples.push(sample),
                    None => {
                        child_index.insert(id, profile.children.len());
                        profile.children.push(ChildProcess {
                            id: id.to_string(),
                            samples: vec![sample],
                        });
                    }
                }
            }
            "FUNC" => {
                const SHAPE: &str = "FUNC <name> <MiB> <time> <MiB> <time> [<level>]";
                let mut fields = Fields::new(value, at, field.len() + 1);
                let name = fields.text(SHAPE)?;
                let start = fields.sample(SHAPE)?;
                let end = fields.sample(SHAPE)?;
                let stack_level = fields.level()?;
                let call = FunctionCall {
                    start,
                    end,
                    stack_level,
                };
                match function_index.get(name) {
                    Some(&i) => profile.functions[i].calls.push(call),
                    None => {
                        function_index.insert(name, profile.functions.len());
                        profile.functions.push(MemoryFunction {
                            name: name.to_string(),
                            calls: vec![call],
                        });
                    }
                }
            }
            // The last command line wins, as in read_mprofile_file (its newline dropped).
            "CMDLINE" => profile.command = Some(value.to_string()),
            // read_mprofile_file skips any other field.
            _ => {}
        }
    }
    Ok(profile)
}

/// Where a line is, for errors.
#[derive(Clone, Copy)]
struct Line {
    offset: u64,
    number: u64,
}

impl Line {
    fn invalid(self, expected: &'static str, found: String) -> Error {
        self.invalid_at(0, expected, found)
    }

    fn invalid_at(self, column: usize, expected: &'static str, found: String) -> Error {
        Error::invalid(
            FORMAT,
            Some(self.offset + column as u64),
            Some(self.number),
            expected,
            found,
        )
    }
}

/// The space-separated fields after a line's first, with their columns for errors.
struct Fields<'a> {
    rest: &'a str,
    column: usize,
    at: Line,
}

impl<'a> Fields<'a> {
    fn new(rest: &'a str, at: Line, column: usize) -> Fields<'a> {
        Fields { rest, column, at }
    }

    /// The next field, `None` at the end of the line. Fields are split at single spaces, as
    /// Python's `split(' ')` splits them.
    fn next(&mut self) -> Option<(usize, &'a str)> {
        if self.rest.is_empty() {
            return None;
        }
        let column = self.column;
        let (field, rest, separator) = match self.rest.split_once(' ') {
            Some((field, rest)) => (field, rest, 1),
            None => (self.rest, "", 0),
        };
        self.rest = rest;
        self.column += field.len() + separator;
        Some((column, field))
    }

    fn text(&mut self, shape: &'static str) -> Result<&'a str, Error> {
        match self.next() {
            Some((_, text)) if !text.is_empty() => Ok(text),
            Some((column, _)) => Err(self.at.invalid_at(column, shape, "an empty field".into())),
            None => Err(self.missing(shape)),
        }
    }

    fn missing(&self, shape: &'static str) -> Error {
        self.at
            .invalid_at(self.column, shape, "the end of the line".into())
    }

    fn number(&mut self, shape: &'static str) -> Result<f64, Error> {
        let Some((column, text)) = self.next() else {
            return Err(self.missing(shape));
        };
        match text.trim().parse::<f64>() {
            Ok(value) if value.is_finite() && value.abs() <= MAX_VALUE => Ok(value),
            Ok(_) => Err(self.at.invalid_at(
                column,
                "a finite number no larger than 1e15",
                quote(text.as_bytes()),
            )),
            Err(_) => Err(self.at.invalid_at(column, shape, quote(text.as_bytes()))),
        }
    }

    /// `<MiB> <time>`.
    fn sample(&mut self, shape: &'static str) -> Result<MemorySample, Error> {
        let mib = self.number(shape)?;
        let time = self.number(shape)?;
        Ok(MemorySample { mib, time })
    }

    /// An optional stack level (Python's `int()` of the sixth field).
    fn level(&mut self) -> Result<Option<u32>, Error> {
        let Some((column, text)) = self.next() else {
            return Ok(None);
        };
        text.trim().parse::<u32>().map(Some).map_err(|_| {
            self.at.invalid_at(
                column,
                "a stack level from 0 to 4294967295",
                quote(text.as_bytes()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn error(text: &[u8]) -> Error {
        read(text).expect_err("refused")
    }

    #[test]
    fn reads_every_kind_of_line() {
        let profile = read(
            b"CMDLINE python x.py\nMEM 1.5 100.25\nFUNC m.f 1.0 100.0 2.0 100.5 0\n\
              CHLD 7 3.0 100.3\nFUNC m.f 2.0 101.0 1.0 101.5\nCHLD 7 4.0 100.4\nXTRA 1\n",
        )
        .expect("reads");
        assert_eq!(profile.command(), Some("python x.py"));
        assert_eq!(
            profile.samples(),
            &[MemorySample {
                mib: 1.5,
                time: 100.25
            }]
        );
        assert_eq!(profile.functions().len(), 1);
        let calls = &profile.functions()[0].calls;
        assert_eq!(
            (calls[0].stack_level, calls[1].stack_level),
            (Some(0), None)
        );
        assert_eq!(profile.children()[0].id, "7");
        assert_eq!(profile.children()[0].samples.len(), 2);
    }

    #[test]
    fn crlf_lines_read_like_lf_lines() {
        let profile = read(b"CMDLINE a b\r\nMEM 1 2\r\n").expect("reads");
        assert_eq!(profile.command(), Some("a b"));
        assert_eq!(profile.samples().len(), 1);
    }

    #[test]
    fn errors_say_line_and_byte() {
        let e = error(b"CMDLINE x\nMEM 1.0\n");
        assert_eq!((e.line(), e.offset()), (Some(2), Some(17)));
        assert!(e.to_string().contains("expected MEM <MiB> <time>"), "{e}");
        let e = error(b"MEM 1 2\n\n");
        assert_eq!(e.line(), Some(2));
        let e = error(b"MEM nan 2\n");
        assert!(e.to_string().contains("finite"), "{e}");
        assert_eq!(e.offset(), Some(4));
        let e = error(b"MEM 1 1e400\n");
        assert!(e.to_string().contains("finite"), "{e}");
        let e = error(b"MEM 1 2\nFUNC f 1 2 3 4 -1\n");
        assert!(e.to_string().contains("stack level"), "{e}");
        assert_eq!(e.line(), Some(2));
        let e = error(b"MEM 1 2\nCHLD  1 2\n");
        assert!(e.to_string().contains("empty field"), "{e}");
        let e = error(b"MEM 1 \xff\n");
        assert!(e.to_string().contains("UTF-8"), "{e}");
        assert_eq!(e.offset(), Some(6));
    }

    #[test]
    fn long_lines_are_refused() {
        let mut text = b"CMDLINE ".to_vec();
        text.resize(MAX_LINE + 10, b'a');
        let e = error(&text);
        assert!(matches!(e.kind(), ErrorKind::TooLarge { .. }), "{e}");
        assert_eq!(e.line(), Some(1));
    }

    #[test]
    fn detection() {
        assert!(looks_like_mprof(b"CMDLINE python x.py 3\n"));
        assert!(looks_like_mprof(b"MEM 1.5 2.5\n"));
        assert!(looks_like_mprof(b"FUNC m.f 1.0 2\n"));
        assert!(!looks_like_mprof(b"MEM 5\n"));
        assert!(!looks_like_mprof(b"MEMORY 1 2\n"));
        assert!(!looks_like_mprof(b"main;f 12\n"));
    }
}
