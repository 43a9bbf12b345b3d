//! pstat's JSON export: the whole call graph as one JSON document, `"format": "pstat-profile"`,
//! `"version": 1`, described in `docs/json.md` and by the JSON Schema
//! `docs/pstat-profile.schema.json`.
//!
//! The document holds everything the [`Profile`] holds: the inputs, the totals, every function
//! (ids are indexes into `functions`) and every caller→callee edge, in the file's order. Times
//! are seconds exactly as read; a time that is not a finite number (only crafted files hold one)
//! is written as the string `"NaN"`, `"Infinity"` or `"-Infinity"`, since JSON has no such
//! numbers.
//!
//! The default layout puts each input, function and edge on a line of its own, so the output
//! can be read by `grep`, diffed and streamed line by line; [`Options::pretty`] indents every
//! field instead. Both hold the same document.
//!
//! Line-level profiles (line_profiler's `.lprof`) will get a sibling format of the same family,
//! `"format": "pstat-lines"`, with per-line rows in place of functions and edges.
//!
//! ```
//! let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats", &Default::default()).and_then(pstat::AnyProfile::into_calls)?;
//! let json = pstat::export::json::to_vec(&profile, &Default::default());
//! let doc: serde_json::Value = serde_json::from_slice(&json)?;
//! assert_eq!(doc["format"], "pstat-profile");
//! assert_eq!(doc["functions"].as_array().map(Vec::len), Some(profile.function_count()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, Write};
use std::time::SystemTime;

use crate::model::{CallStats, FunctionId, Measure, Profile, StackId, Stacks};

/// The value of the document's `format` field.
pub const FORMAT: &str = "pstat-profile";

/// The value of the document's `version` field. It changes only when a field is removed or
/// changes meaning; fields may be added within a version.
pub const VERSION: u32 = 1;

/// How the JSON is laid out. Every layout holds the same document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Indent every object and array, one field per line, as `jq .` and Python's
    /// `json.dumps(indent=2)` do. Default `false`: the top-level fields one per line and each
    /// input, function and edge compact on a line of its own.
    pub pretty: bool,
}

/// Writes `profile` as a `pstat-profile` JSON document, ending with a newline. The output is
/// written as it is produced; pass a buffered writer.
pub fn write<W: Write>(profile: &Profile, options: &Options, writer: W) -> io::Result<()> {
    let mut out = Emitter::new(writer, options.pretty);
    out.open(b'{')?;
    out.key("format")?;
    out.str(FORMAT)?;
    out.key("version")?;
    out.u64(VERSION.into())?;
    out.key("time_unit")?;
    out.str(match profile.measure() {
        Measure::Samples { timed: false } => "samples",
        _ => "s",
    })?;
    out.key("measure")?;
    out.str(match profile.measure() {
        Measure::Samples { .. } => "samples",
        _ => "calls",
    })?;

    out.key("inputs")?;
    out.open(b'[')?;
    for file in profile.files() {
        out.item()?;
        out.open(b'{')?;
        out.key("path")?;
        out.str(&file.path)?;
        out.key("mtime")?;
        match file.mtime.and_then(rfc3339) {
            Some(mtime) => out.str(&mtime)?,
            None => out.null()?,
        }
        out.close(b'}')?;
    }
    out.close(b']')?;

    let totals = profile.totals();
    out.key("totals")?;
    out.open(b'{')?;
    out.key("calls")?;
    out.i64(totals.calls)?;
    out.key("primitive_calls")?;
    out.i64(totals.primitive_calls)?;
    out.key("tottime")?;
    out.f64(totals.tottime)?;
    out.close(b'}')?;

    let (edge_kind, function_count) = scan_edges(profile);
    out.key("edge_kind")?;
    out.str(edge_kind.name())?;

    out.key("top_level")?;
    out.open(b'[')?;
    for &id in profile.top_level() {
        out.item()?;
        out.id(id)?;
    }
    out.close(b']')?;

    out.key("functions")?;
    out.open(b'[')?;
    let mut display_name = String::new();
    for id in profile.all_functions().take(function_count) {
        let stats = profile.stats(id);
        out.item()?;
        out.open(b'{')?;
        out.key("id")?;
        out.id(id)?;
        out.key("file")?;
        out.str(profile.file(id))?;
        out.key("line")?;
        out.i64(profile.line(id))?;
        out.key("name")?;
        out.str(profile.name(id))?;
        out.key("display_name")?;
        display_name.clear();
        profile.write_display_name(id, &mut display_name);
        out.str(&display_name)?;
        out.key("listed")?;
        out.bool(profile.is_listed(id))?;
        out.key("primitive_calls")?;
        out.i64(stats.primitive_calls)?;
        out.key("calls")?;
        out.i64(stats.calls)?;
        out.key("tottime")?;
        out.f64(stats.tottime)?;
        out.key("cumtime")?;
        out.f64(stats.cumtime)?;
        out.close(b'}')?;
    }
    out.close(b']')?;

    out.key("edges")?;
    out.open(b'[')?;
    for callee in profile.functions() {
        for (caller, call) in profile.callers(callee) {
            out.item()?;
            out.open(b'{')?;
            out.key("caller")?;
            out.id(caller)?;
            out.key("callee")?;
            out.id(callee)?;
            out.key("calls")?;
            out.i64(call.calls())?;
            if let CallStats::Timed {
                primitive_calls,
                tottime,
                cumtime,
                ..
            } = call
            {
                out.key("primitive_calls")?;
                out.i64(primitive_calls)?;
                out.key("tottime")?;
                out.f64(tottime)?;
                out.key("cumtime")?;
                out.f64(cumtime)?;
            }
            out.close(b'}')?;
        }
    }
    out.close(b']')?;

    if let Some(stacks) = profile.stacks() {
        write_stacks(&mut out, stacks)?;
    }

    out.close(b'}')?;
    out.newline()?;
    Ok(())
}

/// The real stacks of a sampled profile: its threads, its stack table (each stack a frame and
/// the stack it was called from) and its samples.
fn write_stacks<W: Write>(out: &mut Emitter<W>, stacks: &Stacks) -> io::Result<()> {
    out.key("threads")?;
    out.open(b'[')?;
    for thread in stacks.threads() {
        out.item()?;
        out.open(b'{')?;
        out.key("id")?;
        out.str(&thread.id)?;
        out.key("name")?;
        match &thread.name {
            Some(name) => out.str(name)?,
            None => out.null()?,
        }
        out.close(b'}')?;
    }
    out.close(b']')?;
    out.key("stacks")?;
    out.open(b'[')?;
    for i in 0..stacks.stack_count() {
        let stack = StackId(i as u32);
        out.item()?;
        out.open(b'{')?;
        out.key("parent")?;
        match stacks.parent(stack) {
            Some(parent) => out.u64(parent.index() as u64)?,
            None => out.null()?,
        }
        out.key("function")?;
        out.id(stacks.frame(stack))?;
        out.close(b'}')?;
    }
    out.close(b']')?;
    out.key("samples")?;
    out.open(b'[')?;
    for sample in stacks.samples() {
        out.item()?;
        out.open(b'{')?;
        out.key("stack")?;
        out.u64(sample.stack.index() as u64)?;
        out.key("thread")?;
        match sample.thread {
            Some(thread) => out.u64(thread.index() as u64)?,
            None => out.null()?,
        }
        out.key("count")?;
        out.u64(sample.count)?;
        out.key("time")?;
        out.f64(sample.time)?;
        out.close(b'}')?;
    }
    out.close(b']')?;
    out.key("samples_without_frames")?;
    out.u64(stacks.samples_without_frames())
}

/// The JSON document in memory.
pub fn to_vec(profile: &Profile, options: &Options) -> Vec<u8> {
    let mut out = Vec::new();
    write(profile, options, &mut out).expect("writing to a Vec cannot fail");
    out
}

/// What the edges record, over all of them (pstats looks only at the first function with
/// callers; a merged dump can hold both kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    None,
    Timed,
    Count,
    Mixed,
}

impl EdgeKind {
    fn name(self) -> &'static str {
        match self {
            EdgeKind::None => "none",
            EdgeKind::Timed => "timed",
            EdgeKind::Count => "count",
            EdgeKind::Mixed => "mixed",
        }
    }
}

/// One pass over the edges: their kind, and how many functions there are in all. The model
/// numbers the listed functions first and then those that appear only as callers, in order of
/// first appearance, so the ids are `0..count`.
fn scan_edges(profile: &Profile) -> (EdgeKind, usize) {
    let (mut timed, mut count) = (false, false);
    let mut functions = profile.function_count();
    for id in profile.functions() {
        for (caller, call) in profile.callers(id) {
            match call {
                CallStats::Timed { .. } => timed = true,
                CallStats::Count(_) => count = true,
            }
            functions = functions.max(caller.index() + 1);
        }
    }
    let kind = match (timed, count) {
        (true, true) => EdgeKind::Mixed,
        (true, false) => EdgeKind::Timed,
        (false, true) => EdgeKind::Count,
        (false, false) => EdgeKind::None,
    };
    (kind, functions)
}

/// RFC 3339 in UTC with as many fractional digits as the time has (`2023-11-14T22:13:20Z`);
/// `None` for a time outside the range RFC 3339 can write (years 0000–9999).
fn rfc3339(time: SystemTime) -> Option<String> {
    let timestamp = jiff::Timestamp::try_from(time).ok()?;
    let year = timestamp.to_zoned(jiff::tz::TimeZone::UTC).year();
    (year >= 0).then(|| timestamp.to_string())
}

/// Writes JSON tokens with commas and line breaks placed by nesting depth: containers at depth 1
/// and 2 (the document, its arrays and small objects) put each element on its own line; deeper
/// ones (inputs, functions, edges) are written compact on one line, unless `pretty`.
struct Emitter<W> {
    out: W,
    pretty: bool,
    /// For each open container, whether it has an element yet.
    open: Vec<bool>,
}

impl<W: Write> Emitter<W> {
    fn new(out: W, pretty: bool) -> Emitter<W> {
        Emitter {
            out,
            pretty,
            open: Vec::with_capacity(4),
        }
    }

    /// Whether the innermost open container puts its elements on lines of their own.
    fn breaks(&self) -> bool {
        self.pretty || self.open.len() <= 2
    }

    fn indent(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n")?;
        for _ in 0..self.open.len() {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Starts the next element of the innermost container.
    fn item(&mut self) -> io::Result<()> {
        let breaks = self.breaks();
        if let Some(has_items) = self.open.last_mut() {
            if std::mem::replace(has_items, true) {
                self.out.write_all(b",")?;
            }
            if breaks {
                self.indent()?;
            }
        }
        Ok(())
    }

    fn key(&mut self, key: &str) -> io::Result<()> {
        self.item()?;
        self.str(key)?;
        let separator: &[u8] = if self.breaks() { b": " } else { b":" };
        self.out.write_all(separator)
    }

    fn open(&mut self, bracket: u8) -> io::Result<()> {
        self.open.push(false);
        self.out.write_all(&[bracket])
    }

    fn close(&mut self, bracket: u8) -> io::Result<()> {
        let breaks = self.breaks();
        if self.open.pop() == Some(true) && breaks {
            self.indent()?;
        }
        self.out.write_all(&[bracket])
    }

    fn newline(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n")
    }

    fn str(&mut self, value: &str) -> io::Result<()> {
        Ok(serde_json::to_writer(&mut self.out, value)?)
    }

    fn i64(&mut self, value: i64) -> io::Result<()> {
        Ok(serde_json::to_writer(&mut self.out, &value)?)
    }

    fn u64(&mut self, value: u64) -> io::Result<()> {
        Ok(serde_json::to_writer(&mut self.out, &value)?)
    }

    fn id(&mut self, id: FunctionId) -> io::Result<()> {
        self.u64(id.index() as u64)
    }

    fn bool(&mut self, value: bool) -> io::Result<()> {
        self.out.write_all(if value { b"true" } else { b"false" })
    }

    fn null(&mut self) -> io::Result<()> {
        self.out.write_all(b"null")
    }

    /// A time: the shortest decimal that reads back as the same `f64`, or for a value JSON
    /// cannot hold, the string Python's `float()` and JavaScript's `Number()` read back (the
    /// spelling protobuf's JSON mapping uses).
    fn f64(&mut self, value: f64) -> io::Result<()> {
        if value.is_finite() {
            Ok(serde_json::to_writer(&mut self.out, &value)?)
        } else if value.is_nan() {
            self.str("NaN")
        } else if value > 0.0 {
            self.str("Infinity")
        } else {
            self.str("-Infinity")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use serde_json::{Value, json};

    use super::*;
    use crate::model::SourceFile;

    /// Just enough of Python's marshal format (version 2 codes) to write a stats dict by hand.
    enum M<'a> {
        Dict(Vec<(M<'a>, M<'a>)>),
        Tuple(Vec<M<'a>>),
        Str(&'a str),
        Int(i32),
        Float(f64),
    }

    impl M<'_> {
        fn encode(&self, out: &mut Vec<u8>) {
            match self {
                M::Dict(entries) => {
                    out.push(b'{');
                    for (key, value) in entries {
                        key.encode(out);
                        value.encode(out);
                    }
                    out.push(b'0');
                }
                M::Tuple(items) => {
                    out.push(b'(');
                    out.extend((items.len() as u32).to_le_bytes());
                    items.iter().for_each(|item| item.encode(out));
                }
                M::Str(s) => {
                    out.push(b'u');
                    out.extend((s.len() as u32).to_le_bytes());
                    out.extend(s.as_bytes());
                }
                M::Int(i) => {
                    out.push(b'i');
                    out.extend(i.to_le_bytes());
                }
                M::Float(f) => {
                    out.push(b'g');
                    out.extend(f.to_le_bytes());
                }
            }
        }
    }

    fn key<'a>(file: &'a str, line: i32, name: &'a str) -> M<'a> {
        M::Tuple(vec![M::Str(file), M::Int(line), M::Str(name)])
    }

    fn timed(calls: i32, primitive_calls: i32, tottime: f64, cumtime: f64) -> M<'static> {
        M::Tuple(vec![
            M::Int(calls),
            M::Int(primitive_calls),
            M::Float(tottime),
            M::Float(cumtime),
        ])
    }

    fn entry<'a>(figures: (i32, i32, f64, f64), callers: Vec<(M<'a>, M<'a>)>) -> M<'a> {
        let (primitive_calls, calls, tottime, cumtime) = figures;
        M::Tuple(vec![
            M::Int(primitive_calls),
            M::Int(calls),
            M::Float(tottime),
            M::Float(cumtime),
            M::Dict(callers),
        ])
    }

    fn read(dict: M<'_>) -> Profile {
        let mut bytes = Vec::new();
        dict.encode(&mut bytes);
        crate::read(&bytes, &Default::default())
            .and_then(crate::AnyProfile::into_calls)
            .expect("hand-written dump reads")
    }

    /// main → fib (recursive: 3 calls, 1 primitive) → len; `outer` calls main but is not
    /// listed itself.
    fn small() -> Profile {
        read(M::Dict(vec![
            (
                key("app.py", 1, "main"),
                entry(
                    (1, 1, 0.5, 2.0),
                    vec![(key("x.py", 9, "outer"), timed(1, 1, 0.5, 2.0))],
                ),
            ),
            (
                key("app.py", 5, "fib"),
                entry(
                    (1, 3, 1.25, 1.5),
                    vec![
                        (key("app.py", 1, "main"), timed(1, 1, 0.25, 1.5)),
                        (key("app.py", 5, "fib"), timed(2, 0, 1.0, 1.25)),
                    ],
                ),
            ),
            (
                key("~", 0, "<built-in method builtins.len>"),
                entry(
                    (2, 2, 0.1, 0.1),
                    vec![(key("app.py", 5, "fib"), timed(2, 2, 0.1, 0.1))],
                ),
            ),
        ]))
    }

    fn parse(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("valid JSON")
    }

    #[test]
    fn writes_one_line_per_function_and_edge() {
        let mut profile = small();
        profile.set_source(SourceFile {
            path: "run.stats".into(),
            mtime: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
        });
        let json = String::from_utf8(to_vec(&profile, &Options::default())).expect("UTF-8");
        let expected = r#"{
  "format": "pstat-profile",
  "version": 1,
  "time_unit": "s",
  "measure": "calls",
  "inputs": [
    {"path":"run.stats","mtime":"2023-11-14T22:13:20Z"}
  ],
  "totals": {
    "calls": 6,
    "primitive_calls": 4,
    "tottime": 1.85
  },
  "edge_kind": "timed",
  "top_level": [],
  "functions": [
    {"id":0,"file":"app.py","line":1,"name":"main","display_name":"app.py:1(main)","listed":true,"primitive_calls":1,"calls":1,"tottime":0.5,"cumtime":2.0},
    {"id":1,"file":"app.py","line":5,"name":"fib","display_name":"app.py:5(fib)","listed":true,"primitive_calls":1,"calls":3,"tottime":1.25,"cumtime":1.5},
    {"id":2,"file":"~","line":0,"name":"<built-in method builtins.len>","display_name":"{built-in method builtins.len}","listed":true,"primitive_calls":2,"calls":2,"tottime":0.1,"cumtime":0.1},
    {"id":3,"file":"x.py","line":9,"name":"outer","display_name":"x.py:9(outer)","listed":false,"primitive_calls":0,"calls":0,"tottime":0.0,"cumtime":0.0}
  ],
  "edges": [
    {"caller":3,"callee":0,"calls":1,"primitive_calls":1,"tottime":0.5,"cumtime":2.0},
    {"caller":0,"callee":1,"calls":1,"primitive_calls":1,"tottime":0.25,"cumtime":1.5},
    {"caller":1,"callee":1,"calls":2,"primitive_calls":0,"tottime":1.0,"cumtime":1.25},
    {"caller":1,"callee":2,"calls":2,"primitive_calls":2,"tottime":0.1,"cumtime":0.1}
  ]
}
"#;
        assert_eq!(json, expected);
    }

    #[test]
    fn pretty_holds_the_same_document() {
        let profile = small();
        let compact = to_vec(&profile, &Options::default());
        let pretty = to_vec(&profile, &Options { pretty: true });
        assert_eq!(parse(&pretty), parse(&compact));
        let text = String::from_utf8(pretty).expect("UTF-8");
        assert!(text.contains("\n      \"listed\": false,\n"), "{text}");
        assert!(text.contains("\"top_level\": [],\n"), "{text}");
    }

    #[test]
    fn times_are_written_exactly_as_read() {
        let values = [
            0.1 + 0.2,
            1e-7,
            12345.6785,
            -0.0001,
            -0.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            2.5e-5,
            1e300,
        ];
        let dict = M::Dict(
            values
                .iter()
                .enumerate()
                .map(|(i, &t)| (key("t.py", i as i32, "f"), entry((1, 1, t, -t), vec![])))
                .collect(),
        );
        let json = to_vec(&read(dict), &Options::default());
        let text = std::str::from_utf8(&json).expect("UTF-8");
        assert!(text.contains(r#""tottime":0.30000000000000004,"#), "{text}");
        assert!(text.contains(r#""tottime":-0.0,"cumtime":0.0}"#), "{text}");
        for (i, function) in parse(&json)["functions"]
            .as_array()
            .expect("functions")
            .iter()
            .enumerate()
        {
            let tottime = function["tottime"].as_f64().expect("a number");
            let cumtime = function["cumtime"].as_f64().expect("a number");
            assert_eq!(tottime.to_bits(), values[i].to_bits(), "{}", values[i]);
            assert_eq!(cumtime.to_bits(), (-values[i]).to_bits(), "{}", values[i]);
        }
    }

    #[test]
    fn non_finite_times_are_strings() {
        let profile = read(M::Dict(vec![
            (
                key("a.py", 1, "nan"),
                entry((1, 1, f64::NAN, f64::INFINITY), vec![]),
            ),
            (
                key("a.py", 2, "inf"),
                entry(
                    (1, 1, f64::NEG_INFINITY, 1.0),
                    vec![(key("a.py", 1, "nan"), timed(1, 1, f64::INFINITY, f64::NAN))],
                ),
            ),
        ]));
        let doc = parse(&to_vec(&profile, &Options::default()));
        assert_eq!(doc["functions"][0]["tottime"], "NaN");
        assert_eq!(doc["functions"][0]["cumtime"], "Infinity");
        assert_eq!(doc["functions"][1]["tottime"], "-Infinity");
        assert_eq!(doc["functions"][1]["cumtime"], 1.0);
        assert_eq!(doc["edges"][0]["tottime"], "Infinity");
        assert_eq!(doc["edges"][0]["cumtime"], "NaN");
        // NaN + (-inf): pstats' total is NaN too.
        assert_eq!(doc["totals"]["tottime"], "NaN");
    }

    /// What only crafted files hold (non-finite times, negative counts and lines) still fits
    /// the published schema.
    #[test]
    fn crafted_values_fit_the_schema() {
        let schema: Value =
            serde_json::from_str(include_str!("../../docs/pstat-profile.schema.json"))
                .expect("the schema is JSON");
        let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
        let profile = read(M::Dict(vec![(
            key("a.py", -1, "f"),
            entry(
                (-3, -2, f64::NAN, f64::NEG_INFINITY),
                vec![(key("b.py", 1, "g"), timed(-2, -3, f64::INFINITY, -0.0))],
            ),
        )]));
        for pretty in [false, true] {
            let doc = parse(&to_vec(&profile, &Options { pretty }));
            assert_eq!(doc["functions"][0]["calls"], -2);
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
    }

    #[test]
    fn profile_module_edges_have_only_a_count() {
        let profile = read(M::Dict(vec![
            (
                key("profile", 0, "profiler"),
                entry((0, 0, 0.0, 0.0), vec![]),
            ),
            (
                key("", 0, "len"),
                entry(
                    (4, 4, 0.0, 0.0),
                    vec![(key("profile", 0, "profiler"), M::Int(4))],
                ),
            ),
        ]));
        let doc = parse(&to_vec(&profile, &Options::default()));
        assert_eq!(doc["edge_kind"], "count");
        assert_eq!(
            doc["edges"],
            json!([{"caller": 0, "callee": 1, "calls": 4}])
        );
        assert_eq!(doc["functions"][1]["display_name"], ":0(len)");
    }

    #[test]
    fn edge_kind_covers_every_edge() {
        let none = read(M::Dict(vec![(
            key("a.py", 1, "f"),
            entry((1, 1, 0.0, 0.0), vec![]),
        )]));
        assert_eq!(
            parse(&to_vec(&none, &Options::default()))["edge_kind"],
            "none"
        );

        // Only merging dumps of the two profilers makes this; pstats would look at the first
        // function's callers alone and call it timed.
        let mixed = read(M::Dict(vec![
            (
                key("a.py", 1, "f"),
                entry(
                    (1, 1, 0.0, 0.0),
                    vec![(key("a.py", 3, "h"), timed(1, 1, 0.0, 0.0))],
                ),
            ),
            (
                key("a.py", 2, "g"),
                entry((1, 1, 0.0, 0.0), vec![(key("a.py", 1, "f"), M::Int(1))]),
            ),
        ]));
        assert!(mixed.has_timed_edges());
        let doc = parse(&to_vec(&mixed, &Options::default()));
        assert_eq!(doc["edge_kind"], "mixed");
        assert_eq!(doc["edges"][0]["tottime"], 0.0);
        assert_eq!(
            doc["edges"][1],
            json!({"caller": 0, "callee": 1, "calls": 1})
        );
        assert_eq!(doc["functions"][2]["listed"], false);
    }

    #[test]
    fn strings_are_escaped() {
        let file = "dir \"q\"\\ü\n\u{1}/ünï.py";
        let profile = read(M::Dict(vec![(
            key(file, 3, "f\t"),
            entry((1, 1, 0.0, 0.0), vec![]),
        )]));
        let json = to_vec(&profile, &Options::default());
        let text = std::str::from_utf8(&json).expect("UTF-8");
        assert!(
            text.contains(r#""file":"dir \"q\"\\ü\n\u0001/ünï.py""#),
            "{text}"
        );
        // One line per function even when a name holds a newline.
        assert_eq!(text.lines().filter(|l| l.contains("\"id\":0")).count(), 1);
        let doc = parse(&json);
        assert_eq!(doc["functions"][0]["file"], file);
        assert_eq!(
            doc["functions"][0]["display_name"],
            format!("{file}:3(f\t)")
        );
    }

    #[test]
    fn mtime_is_rfc3339_in_utc_or_null() {
        let at = |seconds: u64, nanos: u32| {
            rfc3339(SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos))
        };
        assert_eq!(
            at(1_700_000_000, 0).as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(
            at(1_700_000_000, 500_000_000).as_deref(),
            Some("2023-11-14T22:13:20.5Z")
        );
        assert_eq!(
            at(1_700_000_000, 123_456_789).as_deref(),
            Some("2023-11-14T22:13:20.123456789Z")
        );
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH - Duration::from_secs(86_400)).as_deref(),
            Some("1969-12-31T00:00:00Z")
        );

        let mut profile = small();
        profile.set_source(SourceFile {
            path: "p.stats".into(),
            mtime: None,
        });
        let doc = parse(&to_vec(&profile, &Options::default()));
        assert_eq!(doc["inputs"], json!([{"path": "p.stats", "mtime": null}]));
    }

    #[test]
    fn an_empty_profile_is_a_complete_document() {
        let json = to_vec(&read(M::Dict(vec![])), &Options::default());
        let doc = parse(&json);
        assert_eq!(doc["functions"], json!([]));
        assert_eq!(doc["edges"], json!([]));
        assert_eq!(doc["inputs"], json!([]));
        assert_eq!(doc["edge_kind"], "none");
        assert_eq!(
            doc["totals"],
            json!({"calls": 0, "primitive_calls": 0, "tottime": 0.0})
        );
    }

    #[test]
    fn write_errors_are_returned() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let error = write(&small(), &Options::default(), Full).expect_err("fails");
        assert_eq!(error.to_string(), "disk full");
    }
}
