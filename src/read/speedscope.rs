//! speedscope JSON → [`Profile`] with real stacks (docs/sampled-formats.md, "speedscope JSON").
//!
//! The file is `{"shared": {"frames": [...]}, "profiles": [...]}`. Each speedscope profile is one
//! thread of the model. A sampled profile's `samples` are stacks of indices into
//! `shared.frames`, root first, with one weight each; an evented profile's open/close events
//! become one sample per span between consecutive events, in the stack open during it. Weights
//! and spans in a unit of time make a timed profile (seconds, one sample per entry); `none` and
//! `bytes` make an untimed one whose counts are the weights.
//!
//! py-spy names its profiles `Thread TID "NAME"` and, with `--threads`, puts a thread frame
//! (`thread (TID): NAME`, no file, line 0) at the root of every stack, as in its raw output. That
//! frame is read as the sample's thread rather than as a function, so [`Options::thread_frames`]
//! gives the same stacks for both outputs.

use std::borrow::Cow;
use std::fmt;

use hashbrown::HashSet;
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};

use crate::error::Error;
use crate::escape::quote;
use crate::model::{KeyId, Node, Profile, SampleBuilder, ThreadId};

const FORMAT: &str = "speedscope JSON";

/// The most frame visits the evented profiles of one file may cost: each distinct stack open
/// during a span is walked frame by frame when the figures are derived, so deep stacks that
/// change at every event would otherwise take time quadratic in the number of events.
const EVENTED_FRAMES_LIMIT: u64 = 1 << 26;

/// The largest weight an untimed profile may give a sample: every integer up to it is exact in
/// a JSON number read as `f64`.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// How to read a speedscope file.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Give every stack its thread as a root frame, `thread (ID): NAME` (file `~`, line 0), as
    /// py-spy's `--threads` writes it. Default: false (each speedscope profile is a thread of the
    /// model, and the functions are the frames alone).
    pub thread_frames: bool,
}

/// Reads a speedscope JSON file from its bytes.
pub fn read(input: &[u8], options: &Options) -> Result<Profile, Error> {
    let file: File<'_> = serde_json::from_slice(input).map_err(|e| json_error(input, &e))?;
    let timed = timed(&file.profiles)?;
    let mut reader = Reader {
        builder: SampleBuilder::new(timed),
        samples: 0,
        frames: &file.shared.frames,
        key_of: vec![None; file.shared.frames.len()],
        thread_of: vec![None; file.shared.frames.len()],
        evented_frames: 0,
    };
    for (index, profile) in file.profiles.iter().enumerate() {
        let scale = unit_scale(&profile.unit).unwrap_or(1.0);
        let thread = reader.profile_thread(index, profile.name.as_deref());
        match &*profile.kind {
            "sampled" => reader.sampled(index, profile, thread, timed, scale)?,
            "evented" => reader.evented(index, profile, thread, timed, scale)?,
            other => {
                return Err(invalid(
                    "a profile of type \"sampled\" or \"evented\"",
                    format!("profile {index}: type {}", quote(other.as_bytes())),
                ));
            }
        }
    }
    Ok(reader.builder.finish(options.thread_frames, Vec::new()))
}

/// The file, as far as pstat reads it; other keys (`$schema`, `exporter`, `startValue`, …) are
/// skipped.
#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    shared: Shared<'a>,
    #[serde(borrow)]
    profiles: Vec<SpeedscopeProfile<'a>>,
}

#[derive(Deserialize)]
struct Shared<'a> {
    #[serde(borrow)]
    frames: Vec<Frame<'a>>,
}

#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    line: Option<i64>,
}

#[derive(Deserialize)]
struct SpeedscopeProfile<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    name: Option<String>,
    #[serde(borrow)]
    unit: Cow<'a, str>,
    #[serde(default)]
    samples: Option<Samples>,
    #[serde(default)]
    weights: Option<Vec<f64>>,
    #[serde(default)]
    events: Option<Vec<Event>>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: EventKind,
    frame: u64,
    at: f64,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
enum EventKind {
    #[serde(rename = "O")]
    Open,
    #[serde(rename = "C")]
    Close,
}

/// A sampled profile's stacks, kept flat: sample `i` is `frames[ends[i - 1]..ends[i]]`. Indices
/// past `u32::MAX` are stored as `u32::MAX`, which no frame has.
#[derive(Default)]
struct Samples {
    frames: Vec<u32>,
    ends: Vec<usize>,
}

impl Samples {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &[u32] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.frames[start..self.ends[i]]
    }
}

impl<'de> Deserialize<'de> for Samples {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Samples, D::Error> {
        deserializer.deserialize_seq(SamplesVisitor)
    }
}

struct SamplesVisitor;

impl<'de> Visitor<'de> for SamplesVisitor {
    type Value = Samples;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of samples")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Samples, A::Error> {
        let mut samples = Samples::default();
        while seq
            .next_element_seed(StackSeed(&mut samples.frames))?
            .is_some()
        {
            samples.ends.push(samples.frames.len());
        }
        Ok(samples)
    }
}

/// Appends one sample's frame indices to the flat list.
struct StackSeed<'s>(&'s mut Vec<u32>);

impl<'de> DeserializeSeed<'de> for StackSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for StackSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sample (an array of frame indices)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(index) = seq.next_element::<u64>()? {
            self.0.push(u32::try_from(index).unwrap_or(u32::MAX));
        }
        Ok(())
    }
}

/// A thread frame py-spy's `--threads` puts at the root of a stack.
#[derive(Clone)]
struct ThreadFrame {
    id: String,
    name: Option<String>,
}

struct Reader<'f, 'a> {
    builder: SampleBuilder,
    /// The samples added so far, at most [`crate::read::folded::MAX_SAMPLES`].
    samples: u64,
    frames: &'f [Frame<'a>],
    /// Per frame: its key, once a stack has used it.
    key_of: Vec<Option<KeyId>>,
    /// Per frame: whether it is a py-spy thread frame (`Some(None)`: not one), once looked at.
    thread_of: Vec<Option<Option<ThreadId>>>,
    evented_frames: u64,
}

impl Reader<'_, '_> {
    /// The model thread of profile `index`: py-spy's `Thread TID "NAME"`, else the profile's
    /// name, else its index.
    fn profile_thread(&mut self, index: usize, name: Option<&str>) -> ThreadId {
        match name {
            Some(name) => match py_spy_profile_thread(name) {
                Some((id, thread_name)) => self.builder.thread(id, Some(thread_name)),
                None => self.builder.thread(name, None),
            },
            None => self.builder.thread(&index.to_string(), None),
        }
    }

    /// The key of frame `index`, which the caller has checked is in range.
    fn key(&mut self, index: usize) -> KeyId {
        if let Some(key) = self.key_of[index] {
            return key;
        }
        let frame = &self.frames[index];
        let file = frame.file.as_deref().unwrap_or("");
        let line = frame.line.unwrap_or(0);
        // pstats' shape for builtins, which its reports print as the bare name.
        let key = if file.is_empty() && line == 0 {
            self.builder.key("~", 0, &frame.name)
        } else {
            self.builder.key(file, line, &frame.name)
        };
        self.key_of[index] = Some(key);
        key
    }

    /// The thread frame `index` stands for, if it is a py-spy thread frame.
    fn thread_frame(&mut self, index: usize) -> Option<ThreadId> {
        if let Some(thread) = self.thread_of[index] {
            return thread;
        }
        let frame = &self.frames[index];
        let thread = (frame.file.as_deref().unwrap_or("").is_empty()
            && frame.line.unwrap_or(0) == 0)
            .then(|| py_spy_thread_frame(&frame.name))
            .flatten()
            .map(|t| self.builder.thread(&t.id, t.name.as_deref()));
        self.thread_of[index] = Some(thread);
        thread
    }

    fn check_frame(&self, index: u64, at: impl FnOnce() -> String) -> Result<usize, Error> {
        let count = self.frames.len();
        match usize::try_from(index) {
            Ok(i) if i < count && index < u64::from(u32::MAX) => Ok(i),
            _ => Err(invalid(
                "a frame index less than the number of shared frames",
                format!("{}: frame index {index} ({count} frames)", at()),
            )),
        }
    }

    fn sampled(
        &mut self,
        p: usize,
        profile: &SpeedscopeProfile<'_>,
        thread: ThreadId,
        timed: bool,
        scale: f64,
    ) -> Result<(), Error> {
        let (Some(samples), Some(weights)) = (&profile.samples, &profile.weights) else {
            let missing = if profile.samples.is_none() {
                "samples"
            } else {
                "weights"
            };
            return Err(invalid(
                "a sampled profile with samples and weights",
                format!("profile {p}: no {missing}"),
            ));
        };
        if samples.len() != weights.len() {
            return Err(invalid(
                "as many weights as samples",
                format!(
                    "profile {p}: {} samples and {} weights",
                    samples.len(),
                    weights.len()
                ),
            ));
        }
        for (s, &weight) in weights.iter().enumerate() {
            let at = || format!("profile {p}, sample {s}");
            let Some((count, time)) = figures(weight, timed, scale) else {
                return Err(bad_weight(timed, format!("{}: weight {weight}", at())));
            };
            if count == 0 {
                continue;
            }
            let mut node: Node = None;
            let mut sample_thread = thread;
            for (depth, &index) in samples.get(s).iter().enumerate() {
                let index = self.check_frame(u64::from(index), at)?;
                if depth == 0
                    && let Some(t) = self.thread_frame(index)
                {
                    sample_thread = t;
                    continue;
                }
                let key = self.key(index);
                node = Some(self.builder.push(node, key));
            }
            self.count(count)?;
            self.builder.add(node, Some(sample_thread), count, time);
        }
        Ok(())
    }

    /// Counts `count` more samples, refusing a file past
    /// [`MAX_SAMPLES`](crate::read::folded::MAX_SAMPLES) in all, as the folded reader does.
    fn count(&mut self, count: u64) -> Result<(), Error> {
        let limit = crate::read::folded::MAX_SAMPLES;
        self.samples = self
            .samples
            .checked_add(count)
            .filter(|total| *total <= limit)
            .ok_or_else(|| {
                Error::too_large("the sample count of a speedscope file", limit, None, None)
            })?;
        Ok(())
    }

    fn evented(
        &mut self,
        p: usize,
        profile: &SpeedscopeProfile<'_>,
        thread: ThreadId,
        timed: bool,
        scale: f64,
    ) -> Result<(), Error> {
        let Some(events) = &profile.events else {
            return Err(invalid(
                "an evented profile with events",
                format!("profile {p}: no events"),
            ));
        };
        // The open frames, innermost last, with the stack each one ends.
        let mut open: Vec<(usize, u32)> = Vec::new();
        let mut seen: HashSet<u32> = HashSet::new();
        let mut last_at: Option<f64> = None;
        for (e, event) in events.iter().enumerate() {
            let at = || format!("profile {p}, event {e}");
            if let Some(last) = last_at {
                if event.at < last {
                    return Err(invalid(
                        "event times that never go backwards",
                        format!("{}: at {} after {last}", at(), event.at),
                    ));
                }
                let span = event.at - last;
                if let Some(&(_, leaf)) = open.last()
                    && span > 0.0
                {
                    let Some((count, time)) = figures(span, timed, scale) else {
                        return Err(bad_weight(timed, format!("{}: a span of {span}", at())));
                    };
                    if seen.insert(leaf) {
                        self.evented_frames += open.len() as u64;
                        if self.evented_frames > EVENTED_FRAMES_LIMIT {
                            return Err(Error::too_large(
                                "the frames of the distinct stacks of evented profiles",
                                EVENTED_FRAMES_LIMIT,
                                None,
                                None,
                            ));
                        }
                    }
                    self.count(count)?;
                    self.builder.add(Some(leaf), Some(thread), count, time);
                }
            }
            last_at = Some(event.at);
            let index = self.check_frame(event.frame, at)?;
            match event.kind {
                EventKind::Open => {
                    let key = self.key(index);
                    let node = self.builder.push(open.last().map(|&(_, n)| n), key);
                    open.push((index, node));
                }
                EventKind::Close => match open.last() {
                    Some(&(innermost, _)) if innermost == index => {
                        open.pop();
                    }
                    innermost => {
                        let open_now = match innermost {
                            Some(&(i, _)) => format!("frame {i} is open"),
                            None => "no frame is open".to_string(),
                        };
                        return Err(invalid(
                            "a close event for the innermost open frame",
                            format!("{}: closes frame {index} while {open_now}", at()),
                        ));
                    }
                },
            }
        }
        if !open.is_empty() {
            return Err(invalid(
                "a close event for every open frame",
                format!("profile {p}: {} frames still open at the end", open.len()),
            ));
        }
        Ok(())
    }
}

/// Whether the profiles are timed; they must all agree.
fn timed(profiles: &[SpeedscopeProfile<'_>]) -> Result<bool, Error> {
    let mut timed = None;
    for (p, profile) in profiles.iter().enumerate() {
        let this = match &*profile.unit {
            "none" | "bytes" => false,
            unit if unit_scale(unit).is_some() => true,
            unit => {
                return Err(invalid(
                    "a unit: none, nanoseconds, microseconds, milliseconds, seconds or bytes",
                    format!("profile {p}: unit {}", quote(unit.as_bytes())),
                ));
            }
        };
        match timed {
            Some(t) if t != this => {
                return Err(invalid(
                    "profiles that all measure time or all measure no time",
                    format!(
                        "profile {p}: unit {} among the others",
                        quote(profile.unit.as_bytes())
                    ),
                ));
            }
            _ => timed = Some(this),
        }
    }
    Ok(timed.unwrap_or(false))
}

/// Seconds per unit, for the units of time.
fn unit_scale(unit: &str) -> Option<f64> {
    match unit {
        "seconds" => Some(1.0),
        "milliseconds" => Some(1e-3),
        "microseconds" => Some(1e-6),
        "nanoseconds" => Some(1e-9),
        _ => None,
    }
}

/// A sample's count and time from its weight: one sample of `weight` units when timed, else
/// `weight` samples (a non-negative integer). `None` for a weight that cannot be either.
fn figures(weight: f64, timed: bool, scale: f64) -> Option<(u64, f64)> {
    if !weight.is_finite() || weight < 0.0 {
        return None;
    }
    if timed {
        Some((1, weight * scale))
    } else if weight.fract() == 0.0 && weight <= MAX_COUNT {
        // In range and integral: the conversion is exact.
        let count = weight as u64;
        Some((count, count as f64))
    } else {
        None
    }
}

fn bad_weight(timed: bool, found: String) -> Error {
    let expected = if timed {
        "a weight that is a non-negative number"
    } else {
        "a weight that is a non-negative integer of at most 2^53 (unit none or bytes)"
    };
    invalid(expected, found)
}

/// py-spy's profile name `Thread TID "NAME"` as (TID, NAME).
fn py_spy_profile_thread(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("Thread ")?;
    let (id, quoted) = rest.split_once(' ')?;
    let thread_name = quoted.strip_prefix('"')?.strip_suffix('"')?;
    is_thread_id(id).then_some((id, thread_name))
}

/// py-spy's thread frame `thread (TID)` or `thread (TID): NAME`.
fn py_spy_thread_frame(name: &str) -> Option<ThreadFrame> {
    let rest = name.strip_prefix("thread (")?;
    let (id, rest) = rest.split_once(')')?;
    let thread_name = match rest {
        "" => None,
        rest => Some(rest.strip_prefix(": ")?.to_string()),
    };
    is_thread_id(id).then(|| ThreadFrame {
        id: id.to_string(),
        name: thread_name,
    })
}

/// A thread id as py-spy writes one: decimal, or hexadecimal with `0x`.
fn is_thread_id(id: &str) -> bool {
    match id.strip_prefix("0x") {
        Some(hex) => !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn invalid(expected: &'static str, found: String) -> Error {
    Error::invalid(FORMAT, None, None, expected, found)
}

/// A serde_json error as an [`Error`] at its line and byte offset.
fn json_error(input: &[u8], e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    let expected = match e.classify() {
        Category::Eof => "more JSON (the file ends early)",
        Category::Syntax | Category::Io => "JSON",
        Category::Data => "a speedscope file (speedscope's file-format-spec.ts)",
    };
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let found = message
        .strip_suffix(&suffix)
        .unwrap_or(&message)
        .to_string();
    if e.line() == 0 {
        return Error::invalid(FORMAT, None, None, expected, found);
    }
    // serde_json counts lines from 1 and columns in bytes from 1 (0 right after a newline).
    let line_start = if e.line() == 1 {
        0
    } else {
        input
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(e.line() - 2)
            .map_or(input.len(), |(i, _)| i + 1)
    };
    let offset = (line_start + e.column().saturating_sub(1)).min(input.len());
    Error::invalid(
        FORMAT,
        Some(offset as u64),
        Some(e.line() as u64),
        expected,
        found,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::model::FunctionId;

    fn read_str(text: &str) -> Result<Profile, Error> {
        read(text.as_bytes(), &Options::default())
    }

    fn id(p: &Profile, name: &str) -> FunctionId {
        p.functions()
            .find(|&f| p.name(f) == name)
            .unwrap_or_else(|| panic!("no function {name}"))
    }

    /// (primitive_calls, calls, tottime, cumtime) of the function named `name`.
    fn figures_of(p: &Profile, name: &str) -> (i64, i64, f64, f64) {
        let s = p.stats(id(p, name));
        (s.primitive_calls, s.calls, s.tottime, s.cumtime)
    }

    const FRAMES: &str = r#"{"frames": [
        {"name": "main", "file": "m.py", "line": 1},
        {"name": "f", "file": "m.py", "line": 5, "col": null},
        {"name": "g", "file": "m.py", "line": null},
        {"name": "len"},
        {"name": "thread (7): MainThread", "file": "", "line": 0}
    ]}"#;

    fn file(profiles: &str) -> String {
        format!(r#"{{"$schema": "x", "shared": {FRAMES}, "profiles": [{profiles}]}}"#)
    }

    fn sampled(unit: &str, samples: &str, weights: &str) -> String {
        file(&format!(
            r#"{{"type": "sampled", "name": "Thread 7 \"\"", "unit": "{unit}",
                "samples": {samples}, "weights": {weights}}}"#
        ))
    }

    fn evented(unit: &str, events: &[(&str, u64, f64)]) -> String {
        let events: Vec<String> = events
            .iter()
            .map(|(t, f, at)| format!(r#"{{"type": "{t}", "frame": {f}, "at": {at}}}"#))
            .collect();
        file(&format!(
            r#"{{"type": "evented", "name": "p", "unit": "{unit}", "events": [{}]}}"#,
            events.join(",")
        ))
    }

    fn found(e: &Error) -> (&'static str, String) {
        match e.kind() {
            ErrorKind::Invalid {
                format,
                expected,
                found,
            } => {
                assert_eq!(*format, FORMAT);
                (*expected, found.clone())
            }
            other => panic!("{other:?}"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn sampled_figures_are_samples_and_seconds() {
        let text = sampled(
            "milliseconds",
            "[[0, 1, 2], [0, 1], [0, 2], [0, 1, 2], [0, 3]]",
            "[4, 4, 4, 4, 2]",
        );
        let p = read_str(&text).unwrap();
        let (main, f, g, len) = (
            figures_of(&p, "main"),
            figures_of(&p, "f"),
            figures_of(&p, "g"),
            figures_of(&p, "len"),
        );
        assert_eq!((main.0, main.1), (0, 5));
        assert_eq!((f.0, f.1), (1, 3));
        assert_eq!((g.0, g.1), (3, 3));
        assert_eq!((len.0, len.1), (1, 1));
        assert!(
            close(main.3, 0.018) && close(f.2, 0.004) && close(f.3, 0.012),
            "{f:?}"
        );
        assert!(close(g.2, 0.012) && close(len.2, 0.002));
        assert_eq!(p.totals().primitive_calls, 5);
        assert_eq!(p.measure(), crate::Measure::Samples { timed: true });
        // Keys: a frame without a file or line is pstats' builtin shape; a null line is 0.
        let len = id(&p, "len");
        assert_eq!((p.file(len), p.line(len)), ("~", 0));
        let g = id(&p, "g");
        assert_eq!((p.file(g), p.line(g)), ("m.py", 0));
        let threads = p.stacks().unwrap().threads();
        assert_eq!(threads.len(), 1);
        assert_eq!(
            (threads[0].id.as_str(), threads[0].name.as_deref()),
            ("7", None)
        );
    }

    #[test]
    fn untimed_counts_are_the_weights() {
        let p = read_str(&sampled("none", "[[0, 1], [0]]", "[3, 2]")).unwrap();
        assert_eq!(figures_of(&p, "main"), (2, 5, 2.0, 5.0));
        assert_eq!(figures_of(&p, "f"), (3, 3, 3.0, 3.0));
        assert_eq!(p.measure(), crate::Measure::Samples { timed: false });
        let p = read_str(&sampled("bytes", "[[0]]", "[1024]")).unwrap();
        assert_eq!(figures_of(&p, "main"), (1024, 1024, 1024.0, 1024.0));
    }

    #[test]
    fn py_spy_thread_frames_are_threads() {
        let text = sampled("seconds", "[[4, 0, 1], [4], [0]]", "[0.5, 0.5, 0.5]");
        let p = read_str(&text).unwrap();
        assert!(p.functions().all(|f| !p.name(f).starts_with("thread")));
        let stacks = p.stacks().unwrap();
        assert_eq!(stacks.samples_without_frames(), 1);
        assert_eq!(stacks.threads().len(), 1);
        assert_eq!(stacks.threads()[0].name.as_deref(), Some("MainThread"));
        assert_eq!(figures_of(&p, "main").1, 2);
        // With thread frames, every stack gets one back.
        let options = Options {
            thread_frames: true,
        };
        let p = read(text.as_bytes(), &options).unwrap();
        let thread = id(&p, "thread (7): MainThread");
        assert_eq!(p.stats(thread).calls, 2);
        assert_eq!(p.file(thread), "~");
    }

    #[test]
    fn profiles_are_threads() {
        let text = file(
            r#"{"type": "sampled", "name": "Thread 1 \"worker\"", "unit": "none",
                "samples": [[0]], "weights": [1]},
               {"type": "sampled", "name": "other", "unit": "none",
                "samples": [[1]], "weights": [1]},
               {"type": "sampled", "unit": "none", "samples": [[2]], "weights": [1]}"#,
        );
        let p = read_str(&text).unwrap();
        let threads: Vec<_> = p
            .stacks()
            .unwrap()
            .threads()
            .iter()
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        assert_eq!(
            threads,
            [
                ("1".to_string(), Some("worker".to_string())),
                ("other".to_string(), None),
                ("2".to_string(), None)
            ]
        );
    }

    #[test]
    fn evented_spans_are_samples() {
        // main [0, 10): f [2, 5) with g [3, 4) inside; len [6, 6) is empty.
        let events = [
            ("O", 0, 0.0),
            ("O", 1, 2.0),
            ("O", 2, 3.0),
            ("C", 2, 4.0),
            ("C", 1, 5.0),
            ("O", 3, 6.0),
            ("C", 3, 6.0),
            ("C", 0, 10.0),
        ];
        let p = read_str(&evented("seconds", &events)).unwrap();
        // Spans: main 2, f 1, g 1, f 1, main 1, main 4.
        assert_eq!(figures_of(&p, "main"), (3, 6, 7.0, 10.0));
        assert_eq!(figures_of(&p, "f"), (2, 3, 2.0, 3.0));
        assert_eq!(figures_of(&p, "g"), (1, 1, 1.0, 1.0));
        assert!(p.functions().all(|f| p.name(f) != "len"));
        let p = read_str(&evented("none", &events)).unwrap();
        assert_eq!(figures_of(&p, "main"), (7, 10, 7.0, 10.0));
        assert_eq!(figures_of(&p, "f"), (2, 3, 2.0, 3.0));
        let p = read_str(&evented("microseconds", &events)).unwrap();
        assert!(close(figures_of(&p, "main").3, 10e-6));
    }

    #[test]
    fn empty_file_is_an_empty_profile() {
        let p = read_str(r#"{"shared": {"frames": []}, "profiles": []}"#).unwrap();
        assert_eq!(p.function_count(), 0);
    }

    #[test]
    fn json_errors_say_where() {
        let text = "{\"shared\": {\"frames\": []},\n  \"profiles\": [}";
        let e = read_str(text).unwrap_err();
        let (expected, _) = found(&e);
        assert_eq!(expected, "JSON");
        assert_eq!(e.line(), Some(2));
        // The offset is the byte of the stray '}'.
        assert_eq!(e.offset(), Some(42));
        assert_eq!(text.as_bytes()[42], b'}');
        let e = read_str("{\"shared\": {\"frames\": []},").unwrap_err();
        assert!(found(&e).0.starts_with("more JSON"), "{e}");
        let e = read(b"\xff", &Options::default()).unwrap_err();
        assert_eq!(found(&e).0, "JSON");
    }

    #[test]
    fn missing_field() {
        let e = read_str(r#"{"profiles": []}"#).unwrap_err();
        let (expected, found) = found(&e);
        assert!(expected.starts_with("a speedscope file"));
        assert!(found.contains("missing field `shared`"), "{found}");
        assert_eq!(e.line(), Some(1));
        let e = read_str(&file(
            r#"{"type": "sampled", "samples": [], "weights": []}"#,
        ));
        assert!(e.unwrap_err().to_string().contains("missing field `unit`"));
    }

    #[test]
    fn wrong_type() {
        let e = read_str(&sampled("seconds", r#"[["a"]]"#, "[1]")).unwrap_err();
        assert!(found(&e).1.contains("invalid type: string"), "{e}");
        let e = read_str(&sampled("seconds", "[[0.5]]", "[1]")).unwrap_err();
        assert!(found(&e).1.contains("invalid type: floating point"), "{e}");
        let e = read_str(r#"{"shared": {"frames": [{"name": 3}]}, "profiles": []}"#).unwrap_err();
        assert!(found(&e).1.contains("invalid type: integer"), "{e}");
        assert!(e.offset().is_some());
    }

    #[test]
    fn unknown_profile_type_and_unit() {
        let e = read_str(&file(r#"{"type": "other", "unit": "none"}"#)).unwrap_err();
        assert_eq!(found(&e).1, "profile 0: type `other`");
        let e = read_str(&sampled("hours", "[]", "[]")).unwrap_err();
        assert_eq!(found(&e).1, "profile 0: unit `hours`");
    }

    #[test]
    fn units_must_agree() {
        let text = file(
            r#"{"type": "sampled", "unit": "seconds", "samples": [], "weights": []},
               {"type": "sampled", "unit": "none", "samples": [], "weights": []}"#,
        );
        let e = read_str(&text).unwrap_err();
        assert_eq!(found(&e).1, "profile 1: unit `none` among the others");
    }

    #[test]
    fn frame_index_out_of_range() {
        let e = read_str(&sampled("seconds", "[[0], [0, 5]]", "[1, 1]")).unwrap_err();
        assert_eq!(found(&e).1, "profile 0, sample 1: frame index 5 (5 frames)");
        let e = read_str(&sampled("seconds", "[[99999999999999]]", "[1]")).unwrap_err();
        assert!(found(&e).1.contains("frame index"), "{e}");
        let e = read_str(&sampled("seconds", "[[-1]]", "[1]")).unwrap_err();
        assert!(found(&e).1.contains("invalid value: integer `-1`"), "{e}");
        let e = read_str(&evented("seconds", &[("O", 9, 0.0)])).unwrap_err();
        assert_eq!(found(&e).1, "profile 0, event 0: frame index 9 (5 frames)");
    }

    #[test]
    fn bad_weights() {
        let e = read_str(&sampled("seconds", "[[0]]", "[-1]")).unwrap_err();
        assert_eq!(found(&e).1, "profile 0, sample 0: weight -1");
        let e = read_str(&sampled("none", "[[0]]", "[1.5]")).unwrap_err();
        assert!(found(&e).0.contains("integer"), "{e}");
        let e = read_str(&sampled("none", "[[0]]", "[1e300]")).unwrap_err();
        assert!(found(&e).0.contains("2^53"), "{e}");
        // Past f64's range, serde_json refuses the number.
        let e = read_str(&sampled("seconds", "[[0]]", "[1e999]")).unwrap_err();
        assert!(found(&e).1.contains("number out of range"), "{e}");
    }

    #[test]
    fn samples_and_weights_must_match() {
        let e = read_str(&sampled("seconds", "[[0], [0]]", "[1]")).unwrap_err();
        assert_eq!(found(&e).1, "profile 0: 2 samples and 1 weights");
        let e = read_str(&file(
            r#"{"type": "sampled", "unit": "none", "samples": []}"#,
        ));
        assert_eq!(found(&e.unwrap_err()).1, "profile 0: no weights");
        let e = read_str(&file(r#"{"type": "evented", "unit": "none"}"#));
        assert_eq!(found(&e.unwrap_err()).1, "profile 0: no events");
    }

    #[test]
    fn unbalanced_events() {
        let e = read_str(&evented(
            "seconds",
            &[("O", 0, 0.0), ("O", 1, 1.0), ("C", 0, 2.0)],
        ));
        assert_eq!(
            found(&e.unwrap_err()).1,
            "profile 0, event 2: closes frame 0 while frame 1 is open"
        );
        let e = read_str(&evented("seconds", &[("C", 0, 0.0)]));
        assert_eq!(
            found(&e.unwrap_err()).1,
            "profile 0, event 0: closes frame 0 while no frame is open"
        );
        let e = read_str(&evented("seconds", &[("O", 0, 0.0), ("O", 1, 1.0)]));
        assert_eq!(
            found(&e.unwrap_err()).1,
            "profile 0: 2 frames still open at the end"
        );
        let e = read_str(&file(
            r#"{"type": "evented", "unit": "none", "events": [{"type": "X", "frame": 0, "at": 0}]}"#,
        ));
        assert!(found(&e.unwrap_err()).1.contains("unknown variant `X`"));
    }

    #[test]
    fn events_going_backwards() {
        let e = read_str(&evented("seconds", &[("O", 0, 2.0), ("C", 0, 1.0)]));
        assert_eq!(found(&e.unwrap_err()).1, "profile 0, event 1: at 1 after 2");
        let e = read_str(&evented("none", &[("O", 0, 0.0), ("C", 0, 0.5)]));
        assert_eq!(
            found(&e.unwrap_err()).1,
            "profile 0, event 1: a span of 0.5"
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        // The shape itself is at most five levels deep; serde_json skips unknown keys without
        // recursing, so deep nesting there costs no stack.
        let deep = format!(
            r#"{{"shared": {{"frames": []}}, "profiles": [], "x": {}{}}}"#,
            "[".repeat(1_000_000),
            "]".repeat(1_000_000)
        );
        assert!(read_str(&deep).is_ok());
        let deep = format!(r#"{{"shared": {}"#, "[".repeat(1_000_000));
        let e = read_str(&deep).unwrap_err();
        assert!(found(&e).1.contains("invalid type: sequence"), "{e}");
    }

    #[test]
    fn evented_stack_work_is_bounded() {
        // Frames opened ever deeper, each span a new stack: the sum of their depths passes the
        // limit long before the input gets large.
        let depth = 20_000;
        let mut events = Vec::new();
        for i in 0..depth {
            events.push(format!(r#"{{"type": "O", "frame": {}, "at": {i}}}"#, i % 2));
        }
        for i in (0..depth).rev() {
            events.push(format!(
                r#"{{"type": "C", "frame": {}, "at": {}}}"#,
                i % 2,
                2 * depth - i
            ));
        }
        let text = file(&format!(
            r#"{{"type": "evented", "unit": "none", "events": [{}]}}"#,
            events.join(",")
        ));
        let e = read_str(&text).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::TooLarge { .. }), "{e}");
    }

    #[test]
    fn thread_names() {
        assert_eq!(
            py_spy_profile_thread("Thread 19133 \"\""),
            Some(("19133", ""))
        );
        assert_eq!(
            py_spy_profile_thread("Thread 0x1f \"a \"b\"\""),
            Some(("0x1f", "a \"b\""))
        );
        assert_eq!(py_spy_profile_thread("Thread x \"\""), None);
        assert_eq!(py_spy_profile_thread("Thread 12"), None);
        let t = py_spy_thread_frame("thread (12): Main").unwrap();
        assert_eq!((t.id.as_str(), t.name.as_deref()), ("12", Some("Main")));
        assert!(py_spy_thread_frame("thread (12)").unwrap().name.is_none());
        assert!(py_spy_thread_frame("thread (12)x").is_none());
        assert!(py_spy_thread_frame("thread ()").is_none());
    }
}
