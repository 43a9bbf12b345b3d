//! line_profiler `.lprof` files: a pickle value → [`LineProfile`].
//!
//! A `.lprof` file is one pickle of a `LineStats` instance whose state is
//! `{'timings': {(file, first line, name): [(line, hits, time), ...]}, 'unit': float}`
//! (docs/lprof.md). The class path names the writer's generation; all three are
//! accepted, and nothing else is. Python 2 files hold byte strings: they are read as UTF-8,
//! or as Latin-1 when they are not valid UTF-8.

use crate::error::Error;
use crate::model::{LineFunction, LineProfile, LineTiming};
use crate::pickle::{self, Node, NodeId, Pickle};

/// The `LineStats` classes line_profiler writes: 1.x–2.x, 3.x–4.x and 5.x.
pub const LINE_STATS_CLASSES: [(&str, &str); 3] = [
    ("_line_profiler", "LineStats"),
    ("line_profiler._line_profiler", "LineStats"),
    ("line_profiler.line_profiler", "LineStats"),
];

/// Reads a `.lprof` file's bytes.
pub fn read(input: &[u8]) -> Result<LineProfile, Error> {
    let pickle = pickle::load(input, &LINE_STATS_CLASSES)?;
    let shape = Shape { pickle: &pickle };
    shape.line_stats(pickle.root())
}

struct Shape<'p, 'a> {
    pickle: &'p Pickle<'a>,
}

impl<'a> Shape<'_, 'a> {
    fn node(&self, id: NodeId) -> &Node<'a> {
        self.pickle.node(id)
    }

    fn fail(&self, id: NodeId, expected: &'static str) -> Error {
        let found = match self.node(id) {
            Node::None => "None",
            Node::Bool(_) => "a bool",
            Node::Int(_) => "an int",
            Node::Float(_) => "a float",
            Node::Unicode(_) => "a str",
            Node::Bytes(_) => "a byte string",
            Node::Tuple(_) => "a tuple",
            Node::List(_) => "a list",
            Node::Dict(_) => "a dict",
            Node::Class(_) => "a class",
            Node::Object { .. } => "an object",
        };
        Error::shape(self.pickle.offset(id), expected, found)
    }

    fn line_stats(&self, root: NodeId) -> Result<LineProfile, Error> {
        let Node::Object {
            state: Some(state), ..
        } = self.node(root)
        else {
            return Err(self.fail(root, "a LineStats object with its state"));
        };
        let Node::Dict(items) = self.node(*state) else {
            return Err(self.fail(*state, "LineStats' state dict"));
        };
        let (mut timings, mut unit) = (None, None);
        for &(key, value) in items {
            match self.string(key).as_deref() {
                Some("timings") => timings = Some(value),
                Some("unit") => unit = Some(value),
                // Later line_profiler versions may add attributes; they do not matter here.
                _ => {}
            }
        }
        let Some(unit) = unit else {
            return Err(self.fail(*state, "a state with 'unit'"));
        };
        let unit = match *self.node(unit) {
            Node::Float(u) if u.is_finite() && u > 0.0 => u,
            Node::Int(u) if u > 0 => u as f64,
            _ => return Err(self.fail(unit, "a positive unit")),
        };
        let Some(timings) = timings else {
            return Err(self.fail(*state, "a state with 'timings'"));
        };
        let Node::Dict(entries) = self.node(timings) else {
            return Err(self.fail(timings, "a timings dict"));
        };
        let mut functions: Vec<LineFunction> = Vec::with_capacity(entries.len());
        for &(key, value) in entries {
            let function = self.function(key, value)?;
            // A dict key given twice keeps its first place and its last value, as in Python.
            match functions.iter_mut().find(|f| {
                f.file == function.file
                    && f.first_line == function.first_line
                    && f.name == function.name
            }) {
                Some(existing) => *existing = function,
                None => functions.push(function),
            }
        }
        Ok(LineProfile { unit, functions })
    }

    fn function(&self, key: NodeId, value: NodeId) -> Result<LineFunction, Error> {
        let Node::Tuple(parts) = self.node(key) else {
            return Err(self.fail(key, "a (file, line, name) key"));
        };
        let [file, first_line, name] = parts[..] else {
            return Err(self.fail(key, "a (file, line, name) key"));
        };
        let file = self
            .string(file)
            .ok_or_else(|| self.fail(file, "a file name"))?;
        let first_line = self.int(first_line, "a first line number")?;
        let name = self
            .string(name)
            .ok_or_else(|| self.fail(name, "a function name"))?;
        let Node::List(rows) = self.node(value) else {
            return Err(self.fail(value, "a list of (line, hits, time)"));
        };
        let mut lines = Vec::with_capacity(rows.len());
        for &row in rows {
            let Node::Tuple(cells) = self.node(row) else {
                return Err(self.fail(row, "a (line, hits, time) tuple"));
            };
            let [line, hits, time] = cells[..] else {
                return Err(self.fail(row, "a (line, hits, time) tuple"));
            };
            lines.push(LineTiming {
                line: self.int(line, "a line number")?,
                hits: self.int(hits, "a hit count")?,
                time: match *self.node(time) {
                    // Hand-made files may hold float times; line_profiler sums them the same.
                    Node::Float(t) if t.is_finite() => t.round_ties_even() as i64,
                    _ => self.int(time, "a time")?,
                },
            });
        }
        Ok(LineFunction {
            file,
            first_line,
            name,
            lines,
        })
    }

    fn int(&self, id: NodeId, expected: &'static str) -> Result<i64, Error> {
        match *self.node(id) {
            Node::Int(v) => Ok(v),
            Node::Bool(b) => Ok(i64::from(b)),
            _ => Err(self.fail(id, expected)),
        }
    }

    fn string(&self, id: NodeId) -> Option<String> {
        match *self.node(id) {
            Node::Unicode(bytes) => Some(decode_surrogatepass(bytes)),
            Node::Bytes(bytes) => Some(match std::str::from_utf8(bytes) {
                Ok(s) => s.to_owned(),
                Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
            }),
            _ => None,
        }
    }
}

/// Python 3 pickles strings as UTF-8 with `surrogatepass`, so lone surrogates (from file names
/// that were not valid UTF-8) appear as 3-byte sequences Rust rejects; they become U+FFFD.
fn decode_surrogatepass(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real `kernprof -l gone.py` by line_profiler 2.1.2 on Python 2.7 (docs/formats.md).
    const GONE_PY27: &[u8] = b"\x80\x02c_line_profiler\nLineStats\nq\x01)\x81q\x02}q\x03(U\x04unitq\x04G>\xb0\xc6\xf7\xa0\xb5\xed\x8dU\x07timingsq\x05}q\x06U\x07gone.pyq\x07K\x06U\x06vanishq\x08\x87]q\t(K\x08K\x01K\x01\x87q\nK\tKeK\x14\x87q\x0bK\nKdK\x19\x87q\x0cK\x0bK\x01K\x00\x87q\resub.";

    #[test]
    fn reads_a_python2_file() {
        let profile = read(GONE_PY27).unwrap();
        assert_eq!(profile.unit, 1e-6);
        assert_eq!(profile.functions.len(), 1);
        let f = &profile.functions[0];
        assert_eq!(
            (f.file.as_str(), f.first_line, f.name.as_str()),
            ("gone.py", 6, "vanish")
        );
        assert_eq!(
            f.lines,
            [
                LineTiming {
                    line: 8,
                    hits: 1,
                    time: 1
                },
                LineTiming {
                    line: 9,
                    hits: 101,
                    time: 20
                },
                LineTiming {
                    line: 10,
                    hits: 100,
                    time: 25
                },
                LineTiming {
                    line: 11,
                    hits: 1,
                    time: 0
                },
            ]
        );
    }

    #[test]
    fn rejects_other_classes_and_shapes() {
        let e = read(b"\x80\x02cos\nsystem\n.").unwrap_err();
        assert!(e.to_string().contains("os.system"), "{e}");
        let e = read(b"\x80\x02}.").unwrap_err();
        assert!(e.to_string().contains("LineStats"), "{e}");
        let e = read(b"\x80\x02c_line_profiler\nLineStats\n)\x81}b.").unwrap_err();
        assert!(e.to_string().contains("unit"), "{e}");
    }
}
