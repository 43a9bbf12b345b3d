//! Python source lines as line_profiler shows them: `linecache.getlines` (read the file as
//! `tokenize.open` decodes it, with universal newlines) and `inspect.getblock` (cut the lines
//! of one `def` out of the rest, with a small Python tokenizer) as Python 3.12 does them.
//! Kept in one place, beside [`crate::pyfmt`], so the report reads as ordinary Rust.
//!
//! Safety: the file name comes from the profile, so only what is plausibly a Python source is
//! read (docs/security.md, "Source files"): a regular file (a FIFO would block `open`,
//! `/dev/zero` would never end), not under `/proc`, `/sys` or `/dev` once symlinks are
//! resolved, named `*.py` or `*.pyw` or starting with a `#!` line that names python; and at
//! most [`MAX_SOURCE_BYTES`] of it. A crafted profile naming `/proc/self/environ` or
//! `~/.ssh/id_rsa` gets the "Could not find file" block, not the file's content.

use std::fs;
use std::io::Read;
use std::path::Path;

/// Larger source files are treated as unreadable.
pub(crate) const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// What a source path is, as the report needs to know.
pub(crate) enum Source {
    /// `os.path.exists` is false (or, unlike Python, the path is a FIFO, device or socket).
    Missing,
    /// The file exists; its lines, or none when it cannot be read or decoded (as linecache).
    Lines(Vec<String>),
}

/// `os.path.exists(path)` then `linecache.getlines(path)`, without ever blocking.
pub(crate) fn read_source(path: &str) -> Source {
    let path = Path::new(path);
    // Not following a final symlink to a device matters as much as the device itself, so the
    // target's type is what is checked.
    let Ok(meta) = fs::metadata(path) else {
        return Source::Missing;
    };
    if meta.is_dir() {
        // Python: exists, but linecache cannot read it: no lines.
        return Source::Lines(Vec::new());
    }
    if !meta.is_file() || !plausible(path) {
        return Source::Missing;
    }
    if meta.len() > MAX_SOURCE_BYTES {
        return Source::Lines(Vec::new());
    }
    let mut bytes = Vec::new();
    let read = fs::File::open(path).and_then(|f| f.take(MAX_SOURCE_BYTES).read_to_end(&mut bytes));
    if read.is_err() {
        return Source::Lines(Vec::new());
    }
    Source::Lines(decode_lines(&bytes).unwrap_or_default())
}

/// Whether the regular file at `path` is plausibly a Python source: not under the kernel's
/// and the devices' trees, and named `*.py`/`*.pyw` or a script whose `#!` line names python.
fn plausible(path: &Path) -> bool {
    let Ok(real) = fs::canonicalize(path) else {
        return false;
    };
    if ["/proc", "/sys", "/dev"]
        .iter()
        .any(|root| real.starts_with(root))
    {
        return false;
    }
    let named = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("py") || e.eq_ignore_ascii_case("pyw"))
    };
    if named(path) && named(&real) {
        return true;
    }
    let mut first = Vec::new();
    let read = fs::File::open(&real).and_then(|f| f.take(256).read_to_end(&mut first));
    read.is_ok() && {
        let line = first.split(|&b| b == b'\n').next().unwrap_or_default();
        line.starts_with(b"#!") && line.windows(6).any(|w| w == b"python")
    }
}

/// `tokenize.open(...).readlines()` plus linecache's final newline: PEP 263 cookie or BOM,
/// UTF-8 by default; `\r\n`, `\r` and `\n` all end a line. `None` where Python fails to decode
/// (linecache then returns no lines). Only UTF-8, Latin-1 and ASCII cookies are known; any
/// other encoding is treated as undecodable.
pub(crate) fn decode_lines(bytes: &[u8]) -> Option<Vec<String>> {
    let (bom, bytes) = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let encoding = cookie(bytes);
    let text = match encoding.as_deref() {
        None | Some("utf-8") => String::from_utf8(bytes.to_vec()).ok()?,
        _ if bom => return None,
        Some("latin-1") => bytes.iter().map(|&b| char::from(b)).collect(),
        Some("ascii") if bytes.is_ascii() => String::from_utf8(bytes.to_vec()).ok()?,
        Some(_) => return None,
    };
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                current.push('\n');
                lines.push(std::mem::take(&mut current));
            }
            '\n' => {
                current.push('\n');
                lines.push(std::mem::take(&mut current));
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        current.push('\n');
        lines.push(current);
    }
    Some(lines)
}

/// The PEP 263 encoding declared on line 1, or on line 2 when line 1 is blank or a comment,
/// normalised as `tokenize._get_normal_name` does.
fn cookie(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split_inclusive(|&b| b == b'\n');
    for _ in 0..2 {
        let line = lines.next()?;
        let trimmed: &[u8] = {
            let start = line
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))
                .unwrap_or(line.len());
            &line[start..]
        };
        if trimmed.first() == Some(&b'#') {
            let text = String::from_utf8_lossy(trimmed);
            if let Some(at) = text.find("coding").map(|i| i + "coding".len())
                && let Some(rest) = text[at..].strip_prefix([':', '='])
            {
                let name: String = rest
                    .trim_start_matches([' ', '\t'])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                if !name.is_empty() {
                    return Some(normal_name(&name));
                }
            }
        }
        let blank = trimmed.is_empty() || matches!(trimmed[0], b'#' | b'\r' | b'\n');
        if !blank {
            return None;
        }
    }
    None
}

fn normal_name(name: &str) -> String {
    let enc: String = name
        .chars()
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase()
        .replace('_', "-");
    if enc == "utf-8" || enc.starts_with("utf-8-") {
        "utf-8".into()
    } else if ["latin-1", "iso-8859-1", "iso-latin-1"]
        .iter()
        .any(|p| enc == *p || enc.starts_with(&format!("{p}-")))
    {
        "latin-1".into()
    } else if matches!(enc.as_str(), "ascii" | "us-ascii") {
        "ascii".into()
    } else {
        enc
    }
}

/// `lines[start_lineno - 1:]` with Python's slice semantics (a negative start counts from the
/// end).
pub(crate) fn from_line(lines: &[String], start_lineno: i64) -> &[String] {
    let len = lines.len() as i64;
    let mut start = start_lineno.saturating_sub(1);
    if start < 0 {
        start = (len + start).max(0);
    }
    &lines[start.min(len) as usize..]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Op,
    Other,
    Comment,
    Nl,
    Newline,
    Indent,
    Dedent,
}

/// The block finder stopped: the block ends.
struct End;

/// `inspect.BlockFinder` of Python 3.12, with line_profiler 5's Cython tweak (`cdef`, `cpdef`
/// and `property` count as `def` before the block starts).
#[derive(Default)]
struct BlockFinder {
    indent: i64,
    islambda: bool,
    started: bool,
    passline: bool,
    indecorator: bool,
    last: usize,
    body_col0: Option<usize>,
}

impl BlockFinder {
    fn eat(
        &mut self,
        kind: Kind,
        token: &str,
        row: usize,
        col: usize,
        end_col: usize,
    ) -> Result<(), End> {
        if !self.started && !self.indecorator {
            let token = if kind == Kind::Name && matches!(token, "cdef" | "cpdef" | "property") {
                "def"
            } else {
                token
            };
            if token == "@" {
                self.indecorator = true;
            } else if matches!(token, "def" | "class" | "lambda") {
                self.islambda = token == "lambda";
                self.started = true;
            }
            self.passline = true;
        } else if kind == Kind::Newline {
            self.passline = false;
            self.last = row;
            if self.islambda {
                return Err(End);
            }
            self.indecorator = false;
        } else if self.passline {
        } else if kind == Kind::Indent {
            if self.body_col0.is_none() && self.started {
                self.body_col0 = Some(end_col);
            }
            self.indent += 1;
            self.passline = true;
        } else if kind == Kind::Dedent {
            self.indent -= 1;
            if self.indent <= 0 {
                return Err(End);
            }
        } else if kind == Kind::Comment {
            if self.body_col0.is_some_and(|c| col >= c) {
                self.last = row;
            }
        } else if self.indent == 0 && kind != Kind::Nl {
            return Err(End);
        }
        Ok(())
    }
}

/// `inspect.getblock(lines)`: the lines of the block that starts `lines`.
pub(crate) fn getblock(lines: &[String]) -> &[String] {
    let mut finder = BlockFinder {
        last: 1,
        ..BlockFinder::default()
    };
    let _ = tokenize(lines, &mut finder);
    &lines[..finder.last.min(lines.len())]
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || !c.is_ascii()
}

/// A Python tokenizer reduced to what the block finder needs: names, operators, strings
/// (prefixed, triple-quoted, continued), comments, brackets, backslash continuations, and
/// INDENT/DEDENT with tabs to multiples of 8. Stops at the first error, as getblock does
/// (it catches IndentationError; other syntax errors end the block here too).
fn tokenize(lines: &[String], f: &mut BlockFinder) -> Result<(), End> {
    let mut indents: Vec<usize> = vec![0];
    let mut depth = 0usize;
    let mut continued = false;
    // An open triple-quoted (or backslash-continued) string: its quote and start row.
    let mut open_string: Option<(String, usize)> = None;
    for (index, line) in lines.iter().enumerate() {
        let row = index + 1;
        let chars: Vec<char> = line.chars().collect();
        let mut pos = 0;
        if let Some((quote, start_row)) = open_string.take() {
            match find_string_end(&chars, 0, &quote) {
                StringEnd::At(end) => {
                    f.eat(Kind::Other, "", start_row, 0, 0)?;
                    pos = end;
                }
                StringEnd::Continues => {
                    open_string = Some((quote, start_row));
                    continue;
                }
                StringEnd::Unterminated => return Err(End),
            }
        } else if depth == 0 && !continued {
            // The start of a logical line: measure the indentation.
            let mut column = 0;
            while pos < chars.len() {
                match chars[pos] {
                    ' ' => column += 1,
                    '\t' => column = (column / 8 + 1) * 8,
                    '\x0c' => column = 0,
                    _ => break,
                }
                pos += 1;
            }
            match chars.get(pos) {
                None | Some('\n') => {
                    f.eat(Kind::Nl, "\n", row, pos, pos + 1)?;
                    continue;
                }
                Some('#') => {
                    f.eat(Kind::Comment, "#", row, pos, chars.len())?;
                    f.eat(Kind::Nl, "\n", row, chars.len(), chars.len())?;
                    continue;
                }
                _ => {}
            }
            let current = *indents.last().expect("never empty");
            if column > current {
                indents.push(column);
                f.eat(Kind::Indent, "", row, 0, pos)?;
            } else {
                while column < *indents.last().expect("never empty") {
                    indents.pop();
                    f.eat(Kind::Dedent, "", row, pos, pos)?;
                }
                if column != *indents.last().expect("never empty") {
                    // IndentationError: getblock stops here.
                    return Err(End);
                }
            }
        }
        continued = false;
        let mut saw_token = false;
        while pos < chars.len() {
            let c = chars[pos];
            if let Some(quote) = string_quote(&chars, pos) {
                match scan_string(&chars, quote) {
                    (StringEnd::At(end), _) => {
                        f.eat(Kind::Other, "", row, pos, end)?;
                        pos = end;
                        saw_token = true;
                        continue;
                    }
                    (StringEnd::Continues, quote) => {
                        open_string = Some((quote, row));
                        break;
                    }
                    (StringEnd::Unterminated, _) => return Err(End),
                }
            }
            match c {
                ' ' | '\t' | '\x0c' => pos += 1,
                '\n' => break,
                '#' => {
                    f.eat(Kind::Comment, "#", row, pos, chars.len())?;
                    break;
                }
                '\\' if matches!(chars.get(pos + 1), None | Some('\n')) => {
                    continued = true;
                    break;
                }
                c if is_name_char(c) && !c.is_ascii_digit() => {
                    let start = pos;
                    while pos < chars.len() && is_name_char(chars[pos]) {
                        pos += 1;
                    }
                    let word: String = chars[start..pos].iter().collect();
                    f.eat(Kind::Name, &word, row, start, pos)?;
                    saw_token = true;
                }
                c if c.is_ascii_digit()
                    || (c == '.' && chars.get(pos + 1).is_some_and(|d| d.is_ascii_digit())) =>
                {
                    let start = pos;
                    while pos < chars.len() && (is_name_char(chars[pos]) || chars[pos] == '.') {
                        pos += 1;
                    }
                    f.eat(Kind::Other, "", row, start, pos)?;
                    saw_token = true;
                }
                _ => {
                    match c {
                        '(' | '[' | '{' => depth += 1,
                        ')' | ']' | '}' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    let text = c.to_string();
                    f.eat(Kind::Op, &text, row, pos, pos + 1)?;
                    pos += 1;
                    saw_token = true;
                }
            }
        }
        if open_string.is_some() || continued {
            continue;
        }
        if depth > 0 || !saw_token {
            f.eat(Kind::Nl, "\n", row, pos, pos + 1)?;
        } else {
            f.eat(Kind::Newline, "\n", row, pos, pos + 1)?;
        }
    }
    if open_string.is_some() || depth > 0 {
        // "unexpected EOF": a syntax error; the block ends where it got to.
        return Err(End);
    }
    let row = lines.len() + 1;
    while indents.len() > 1 {
        indents.pop();
        f.eat(Kind::Dedent, "", row, 0, 0)?;
    }
    f.eat(Kind::Other, "", row, 0, 0)
}

/// Where the quote is if a string literal starts at `pos`: at `pos` itself, or after a prefix
/// (`r`, `b`, `f`, `u` and their pairs, at most two letters).
fn string_quote(chars: &[char], pos: usize) -> Option<usize> {
    let is_quote = |c: &char| matches!(c, '\'' | '"');
    if is_quote(chars.get(pos)?) {
        return Some(pos);
    }
    let end = pos
        + chars[pos..]
            .iter()
            .take(3)
            .position(|c| !is_name_char(*c))?;
    let prefix: String = chars[pos..end].iter().collect();
    (end > pos && chars.get(end).is_some_and(is_quote) && is_string_prefix(&prefix)).then_some(end)
}

fn is_string_prefix(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "r" | "u" | "b" | "f" | "br" | "rb" | "fr" | "rf"
    )
}

enum StringEnd {
    /// The string ends before this char index.
    At(usize),
    /// The string goes on to the next line.
    Continues,
    /// A single-quoted string ends with the line: a syntax error.
    Unterminated,
}

/// Scans a string whose opening quote is at `pos`; returns where it ends and its quote.
fn scan_string(chars: &[char], pos: usize) -> (StringEnd, String) {
    let q = chars[pos];
    let triple = chars.get(pos + 1) == Some(&q) && chars.get(pos + 2) == Some(&q);
    let quote: String = if triple {
        [q, q, q].iter().collect()
    } else {
        q.to_string()
    };
    let start = pos + quote.chars().count();
    (find_string_end(chars, start, &quote), quote)
}

/// Finds the end of a string body starting at `from`, honouring backslash escapes.
fn find_string_end(chars: &[char], from: usize, quote: &str) -> StringEnd {
    let quote: Vec<char> = quote.chars().collect();
    let triple = quote.len() == 3;
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if matches!(chars.get(i + 1), None | Some('\n')) {
                    // A backslash-newline continues any string.
                    return StringEnd::Continues;
                }
                i += 2;
            }
            '\n' if !triple => return StringEnd::Unterminated,
            c if c == quote[0] && chars[i..].starts_with(&quote) => {
                return StringEnd::At(i + quote.len());
            }
            _ => i += 1,
        }
    }
    if triple {
        StringEnd::Continues
    } else {
        StringEnd::Unterminated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        decode_lines(text.as_bytes()).unwrap()
    }

    fn block(text: &str) -> usize {
        getblock(&lines(text)).len()
    }

    #[test]
    fn blocks_end_where_python_ends_them() {
        assert_eq!(
            block("@profile\ndef f():\n    return 1\n\n\ndef g():\n    pass\n"),
            3
        );
        // A comment indented like the body counts (Python 3.8+); trailing blanks do not.
        assert_eq!(block("def f():\n    x = 1\n    # tail\n\nx = 2\n"), 3);
        assert_eq!(block("def f():\n    x = 1\n# not this\nx = 2\n"), 2);
        // Strings and brackets may hold lines at column 0.
        assert_eq!(
            block("def f():\n    '''doc\nat col 0\n    '''\n    return [1,\n2]\ny = 3\n"),
            6
        );
        assert_eq!(block("def f():\n    x = 1 + \\\n2\n    return x\ny\n"), 4);
        // A method: the first line is indented.
        assert_eq!(
            block(
                "    @profile\n    def bump(self):\n        return 1\n\n    def other(self):\n        pass\n"
            ),
            3
        );
        // A lambda ends at its first NEWLINE.
        assert_eq!(block("f = lambda x: (x +\n  1)\ny = 2\n"), 2);
        // Tabs expand to multiples of 8.
        assert_eq!(block("def f():\n\tx = 1\n        y = 2\nz\n"), 3);
        // Mixed indentation that Python rejects ends the block early.
        assert_eq!(block("def f():\n    x = 1\n  y = 2\n"), 2);
    }

    #[test]
    fn decodes_like_tokenize_open() {
        assert_eq!(lines("a\r\nb\rc"), ["a\n", "b\n", "c\n"]);
        assert_eq!(decode_lines(b"\xef\xbb\xbfx = 1\n").unwrap(), ["x = 1\n"]);
        assert_eq!(
            decode_lines(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n").unwrap()[1],
            "x = '\u{e9}'\n"
        );
        assert!(decode_lines(b"x = '\xe9'\n").is_none());
        assert!(decode_lines(b"# coding: koi8-r\n").is_none());
    }

    #[test]
    fn slices_like_python() {
        let l = lines("a\nb\nc\n");
        assert_eq!(from_line(&l, 2), ["b\n", "c\n"]);
        assert_eq!(from_line(&l, 9).len(), 0);
        assert_eq!(from_line(&l, 0), ["c\n"]);
    }
}
