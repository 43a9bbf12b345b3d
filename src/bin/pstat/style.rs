//! Colour on a terminal: `--color auto|always|never`, with `NO_COLOR` honoured.
//!
//! The reports are plain text from the library, byte for byte what pstats prints. On a
//! terminal, [`Highlight`] marks some of their lines (headers bold, notes dim) with SGR codes
//! as the text passes by, line by line. It sits after the writer that escapes control
//! characters in names, so its own codes are the only ones that reach the terminal raw; a name
//! crafted to look like a header line can at most get that line bolded.

use std::io::{self, Write};

/// When to colour, as `--color` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (and not empty) or `TERM` is `dumb`.
    Auto,
    /// Always, also into pipes and files.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour output that goes to a terminal (`terminal`) or not.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                terminal && !no_color && !dumb
            }
        }
    }
}

const BOLD: &[u8] = b"\x1b[1m";
const RED: &[u8] = b"\x1b[31m";
const YELLOW: &[u8] = b"\x1b[33m";
const DIM: &[u8] = b"\x1b[2m";
const RESET: &[u8] = b"\x1b[0m";

/// How a report line is shown.
fn style_of(line: &[u8]) -> Option<&'static [u8]> {
    const BOLD_STARTS: [&[u8]; 9] = [
        b"   ncalls  tottime",
        b"  total    self",
        b"Function ",
        b"Timer unit:",
        b"Total time:",
        b"File:",
        b"Line #",
        b"Line ",
        b"Function:",
    ];
    const DIM_STARTS: [&[u8]; 5] = [
        b"   Ordered by:",
        b"   Random listing",
        b"   List reduced",
        b"Call tree from",
        b"Filtered by",
    ];
    if BOLD_STARTS.iter().any(|s| line.starts_with(s)) {
        return Some(BOLD);
    }
    if DIM_STARTS.iter().any(|s| line.starts_with(s)) {
        return Some(DIM);
    }
    // pstats' totals line: `     5333 function calls (128 primitive calls) in 0.039 seconds`.
    let text = line.trim_ascii();
    if text.ends_with(b" seconds") && text.windows(15).any(|w| w == b" function calls") {
        return Some(BOLD);
    }
    None
}

/// A `pstat tree` line starts with two percentages (total, self): the first one's end and its
/// colour, red from 50%, yellow from 10%.
fn tree_share(line: &[u8]) -> Option<(usize, &'static [u8])> {
    let percent = |from: usize| -> Option<(usize, f64)> {
        let start = from + line[from..].iter().take_while(|b| **b == b' ').count();
        let len = line[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .count();
        if len == 0 || line.get(start + len) != Some(&b'%') {
            return None;
        }
        let value = std::str::from_utf8(&line[start..start + len])
            .ok()?
            .parse()
            .ok()?;
        Some((start + len + 1, value))
    };
    let (end, total) = percent(0)?;
    percent(end)?;
    let heat = match total {
        t if t >= 50.0 => RED,
        t if t >= 10.0 => YELLOW,
        _ => return None,
    };
    Some((end, heat))
}

/// Styles whole lines of a report as they pass (see the module docs); off, it passes bytes on.
pub struct Highlight<W: Write> {
    inner: W,
    active: bool,
    line: Vec<u8>,
}

impl<W: Write> Highlight<W> {
    pub fn new(inner: W, active: bool) -> Self {
        Highlight {
            inner,
            active,
            line: Vec::new(),
        }
    }

    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if let Some((end, heat)) = tree_share(body) {
            self.inner.write_all(heat)?;
            self.inner.write_all(&line[..end])?;
            self.inner.write_all(RESET)?;
            return self.inner.write_all(&line[end..]);
        }
        match style_of(body) {
            Some(style) if !body.is_empty() => {
                self.inner.write_all(style)?;
                self.inner.write_all(body)?;
                self.inner.write_all(RESET)?;
                self.inner.write_all(&line[body.len()..])
            }
            _ => self.inner.write_all(line),
        }
    }
}

impl<W: Write> Write for Highlight<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.active {
            return self.inner.write(buf);
        }
        let mut rest = buf;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(end + 1);
            if self.line.is_empty() {
                self.write_line(line)?;
            } else {
                let mut whole = std::mem::take(&mut self.line);
                whole.extend_from_slice(line);
                self.write_line(&whole)?;
            }
            rest = after;
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.write_line(&line)?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlighted(writes: &[&[u8]]) -> Vec<u8> {
        let mut out = Highlight::new(Vec::new(), true);
        for bytes in writes {
            out.write_all(bytes).expect("a Vec takes every byte");
        }
        out.flush().expect("a Vec flushes");
        out.inner
    }

    #[test]
    fn headers_are_bold_notes_dim_rows_untouched() {
        let report = b"         3 function calls in 0.000 seconds\n\n   Ordered by: cumulative time\n\n   ncalls  tottime\n        1    0.000 m.py:1(f)\n";
        let expected = b"\x1b[1m         3 function calls in 0.000 seconds\x1b[0m\n\n\x1b[2m   Ordered by: cumulative time\x1b[0m\n\n\x1b[1m   ncalls  tottime\x1b[0m\n        1    0.000 m.py:1(f)\n";
        assert_eq!(highlighted(&[report]), expected);
        // Split anywhere, the same.
        let (a, b) = report.split_at(20);
        assert_eq!(highlighted(&[a, b]), expected);
    }

    #[test]
    fn tree_shares_are_coloured_by_heat() {
        let tree = b" 99.9%    0.4%           1  main\n  3.6%    0.0%           1  fib\n 12.0%   12.0%  2  f\n";
        let expected = b"\x1b[31m 99.9%\x1b[0m    0.4%           1  main\n  3.6%    0.0%           1  fib\n\x1b[33m 12.0%\x1b[0m   12.0%  2  f\n";
        assert_eq!(highlighted(&[tree]), expected);
    }

    #[test]
    fn inactive_passes_bytes_through() {
        let mut out = Highlight::new(Vec::new(), false);
        out.write_all(b"   ncalls  tottime\n").expect("write");
        assert_eq!(out.inner, b"   ncalls  tottime\n");
    }
}
