//! What changed between two line profiles (line_profiler `.lprof` files): a [`LineDiff`]
//! built by [`diff`] and rendered by [`crate::report::diff_lines`] (docs/diff.md, "Line
//! profiles").
//!
//! Functions are matched as [`super::diff`] matches them: by (file, first line, name) after
//! their files are rewritten ([`PathNormalization`]), then a function on each side with the
//! same file and name and no other candidate as *moved*; the rest are *added* or *removed*.
//! Lines are matched by their offset from the function's first line, so that the lines of a
//! function that moved as a whole are compared with themselves. Times are converted from each
//! file's timer unit to seconds.

use hashbrown::HashMap;

use super::{Change, PathNormalization};
use crate::error::{Error, ErrorKind};
use crate::model::LineProfile;

/// How a line diff is computed.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Options {
    /// How files are rewritten before matching. Default: [`PathNormalization::default`]
    /// (canonical install prefixes, no maps, directories kept).
    pub paths: PathNormalization,
}

/// One side's figures for a line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LineFigures {
    /// How many times the line ran.
    pub hits: i64,
    /// Time spent on the line in the file's timer ticks ([`LineDiff::base_unit`] or
    /// [`LineDiff::new_unit`]), as line_profiler computes its columns from them.
    pub ticks: i64,
    /// Time spent on the line, in seconds (ticks × the file's timer unit).
    pub time: f64,
}

/// One line's change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineChange {
    /// The line number on the side the function is shown from (the new side, or the base side
    /// for a removed function).
    pub line: i64,
    /// The base side's figures; `None` where the base has no timing for the line.
    pub base: Option<LineFigures>,
    /// The new side's figures; `None` where the new side has no timing for the line.
    pub new: Option<LineFigures>,
}

impl LineChange {
    /// New minus base hits (a missing side counts zero).
    pub fn hits_delta(&self) -> i128 {
        let hits = |f: Option<LineFigures>| f.map_or(0, |f| i128::from(f.hits));
        hits(self.new) - hits(self.base)
    }

    /// New minus base time in seconds (a missing side counts zero).
    pub fn time_delta(&self) -> f64 {
        let time = |f: Option<LineFigures>| f.map_or(0.0, |f| f.time);
        time(self.new) - time(self.base)
    }
}

/// One function's change, line by line.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionLinesDiff {
    /// The file, rewritten as [`Options::paths`] says: what functions are matched by.
    pub file: String,
    /// The file as the shown side's profile records it (the new side's, or the base side's
    /// for a removed function): where the source is read from, and what the report prints.
    pub recorded_file: String,
    /// The first line on the shown side.
    pub first_line: i64,
    /// The function's name.
    pub name: String,
    /// How it was matched ([`Change::Moved`] holds the base side's first line).
    pub change: Change,
    /// The base side's total time in seconds (zero when the function was added).
    pub base_total: f64,
    /// The new side's total time in seconds (zero when the function was removed).
    pub new_total: f64,
    /// The new side's total time in its timer ticks, which line_profiler's `% Time` divides
    /// by.
    pub new_ticks: i128,
    /// Every line either side timed, in order of line number.
    pub lines: Vec<LineChange>,
}

impl FunctionLinesDiff {
    /// New minus base total time, in seconds.
    pub fn total_delta(&self) -> f64 {
        self.new_total - self.base_total
    }

    /// The change of total time in percent of the base's; `None` when the base's is zero.
    pub fn total_percent(&self) -> Option<f64> {
        (self.base_total != 0.0).then(|| 100.0 * self.total_delta() / self.base_total)
    }
}

/// Two line profiles compared function by function and line by line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDiff {
    /// The base file's timer unit, in seconds per tick.
    pub base_unit: f64,
    /// The new file's timer unit, in seconds per tick.
    pub new_unit: f64,
    /// Every function of either side, largest |Δ total time| first; ties in (file, first line,
    /// name) order.
    pub functions: Vec<FunctionLinesDiff>,
}

impl LineDiff {
    /// How many functions were matched on both sides (moved ones included).
    pub fn matched(&self) -> usize {
        self.functions
            .iter()
            .filter(|f| matches!(f.change, Change::Matched | Change::Moved { .. }))
            .count()
    }
}

/// A function of one side, its lines added up by line number (functions that share a key
/// after the files are rewritten are one function, as the call-profile diff adds them up).
struct Entry<'a> {
    recorded_file: &'a str,
    file: String,
    first_line: i64,
    name: &'a str,
    /// (line, hits, ticks), sorted by line.
    lines: Vec<(i64, i64, i64)>,
    ticks: i128,
    unit: f64,
}

/// The functions of `profile` by rewritten key, in the file's order.
fn entries<'a>(profile: &'a LineProfile, paths: &PathNormalization) -> Vec<Entry<'a>> {
    let mut index: HashMap<(String, i64, &str), usize> = HashMap::new();
    let mut out: Vec<Entry<'a>> = Vec::new();
    for function in &profile.functions {
        let file = paths.apply(&function.file);
        let key = (file.clone(), function.first_line, function.name.as_str());
        let at = *index.entry(key).or_insert_with(|| {
            out.push(Entry {
                recorded_file: &function.file,
                file,
                first_line: function.first_line,
                name: &function.name,
                lines: Vec::new(),
                ticks: 0,
                unit: profile.unit,
            });
            out.len() - 1
        });
        let entry = &mut out[at];
        entry
            .lines
            .extend(function.lines.iter().map(|l| (l.line, l.hits, l.time)));
        entry.ticks += function.total_time();
    }
    for entry in &mut out {
        entry.lines.sort_by_key(|l| l.0);
        // Equal line numbers (a repeated entry, or functions merged by the rewrite) add up.
        entry.lines.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = kept.1.saturating_add(later.1);
                kept.2 = kept.2.saturating_add(later.2);
            }
            same
        });
    }
    out
}

/// The functions of each side left unmatched with one (file, name): (base, new) indexes.
type Candidates = (Vec<usize>, Vec<usize>);

/// A timer unit the figures can be converted with: positive and finite (the reader refuses
/// others; a profile built by hand may hold one).
fn check_unit(unit: f64) -> Result<(), Error> {
    if unit > 0.0 && unit.is_finite() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Invalid {
            format: "line_profiler",
            expected: "a positive timer unit in seconds",
            found: unit.to_string(),
        },
        None,
    ))
}

/// Compares the line profile `base` with `new`. The error is [`ErrorKind::Invalid`] when a
/// profile's timer unit is not a positive, finite number of seconds: its times cannot be
/// converted.
pub fn diff(base: &LineProfile, new: &LineProfile, options: &Options) -> Result<LineDiff, Error> {
    check_unit(base.unit)?;
    check_unit(new.unit)?;
    let base_entries = entries(base, &options.paths);
    let new_entries = entries(new, &options.paths);
    let key = |e: &Entry<'_>| (e.file.clone(), e.first_line, e.name.to_string());
    let new_index: HashMap<(String, i64, String), usize> = new_entries
        .iter()
        .enumerate()
        .map(|(i, e)| (key(e), i))
        .collect();
    let mut new_matched = vec![false; new_entries.len()];
    let mut base_match: Vec<Option<usize>> = base_entries
        .iter()
        .map(|e| new_index.get(&key(e)).copied())
        .collect();
    for &i in base_match.iter().flatten() {
        new_matched[i] = true;
    }
    // Moved: among the functions left over, one with the same file and name on each side.
    let mut groups: HashMap<(&str, &str), Candidates> = HashMap::new();
    for (i, e) in base_entries.iter().enumerate() {
        if base_match[i].is_none() {
            groups.entry((&e.file, e.name)).or_default().0.push(i);
        }
    }
    for (i, e) in new_entries.iter().enumerate() {
        if !new_matched[i]
            && let Some(group) = groups.get_mut(&(e.file.as_str(), e.name))
        {
            group.1.push(i);
        }
    }
    let mut moved = vec![false; base_entries.len()];
    for (olds, news) in groups.values() {
        if let ([old], [new]) = (olds.as_slice(), news.as_slice()) {
            base_match[*old] = Some(*new);
            new_matched[*new] = true;
            moved[*old] = true;
        }
    }

    let mut functions = Vec::with_capacity(base_entries.len().max(new_entries.len()));
    for (i, b) in base_entries.iter().enumerate() {
        functions.push(match base_match[i] {
            Some(n) => {
                let n = &new_entries[n];
                let change = match moved[i] {
                    true => Change::Moved {
                        base_line: b.first_line,
                    },
                    false => Change::Matched,
                };
                compare(Some(b), Some(n), change)
            }
            None => compare(Some(b), None, Change::Removed),
        });
    }
    for (i, n) in new_entries.iter().enumerate() {
        if !new_matched[i] {
            functions.push(compare(None, Some(n), Change::Added));
        }
    }
    functions.sort_by(|a, b| {
        b.total_delta()
            .abs()
            .total_cmp(&a.total_delta().abs())
            .then_with(|| a.file.cmp(&b.file))
            .then(a.first_line.cmp(&b.first_line))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(LineDiff {
        base_unit: base.unit,
        new_unit: new.unit,
        functions,
    })
}

/// One function's lines, matched by offset from each side's first line.
fn compare(base: Option<&Entry<'_>>, new: Option<&Entry<'_>>, change: Change) -> FunctionLinesDiff {
    let shown = new.or(base).expect("a function is on at least one side");
    // Offsets from each side's first line, merged in order (both lists are sorted).
    let offsets = |e: Option<&Entry<'_>>| -> Vec<(i128, LineFigures)> {
        e.map_or_else(Vec::new, |e| {
            e.lines
                .iter()
                .map(|&(line, hits, ticks)| {
                    let figures = LineFigures {
                        hits,
                        ticks,
                        time: ticks as f64 * e.unit,
                    };
                    (i128::from(line) - i128::from(e.first_line), figures)
                })
                .collect()
        })
    };
    let (base_lines, new_lines) = (offsets(base), offsets(new));
    let mut lines = Vec::with_capacity(base_lines.len().max(new_lines.len()));
    let (mut b, mut n) = (base_lines.iter().peekable(), new_lines.iter().peekable());
    loop {
        let (offset, base_figures, new_figures) = match (b.peek(), n.peek()) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                let (x, y) = (b.next().copied(), n.next().copied());
                (x.map_or(0, |x| x.0), x.map(|x| x.1), y.map(|y| y.1))
            }
            (Some(x), Some(y)) if x.0 < y.0 => (x.0, b.next().map(|x| x.1), None),
            (Some(x), None) => (x.0, b.next().map(|x| x.1), None),
            (_, Some(y)) => (y.0, None, n.next().map(|y| y.1)),
            (None, None) => break,
        };
        // Within i64: offsets come from two i64 lines; a crafted pair that does not fit is
        // clamped rather than wrapped.
        let line = (i128::from(shown.first_line) + offset)
            .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        lines.push(LineChange {
            line,
            base: base_figures,
            new: new_figures,
        });
    }
    FunctionLinesDiff {
        file: shown.file.clone(),
        recorded_file: shown.recorded_file.to_string(),
        first_line: shown.first_line,
        name: shown.name.to_string(),
        change,
        base_total: base.map_or(0.0, |e| e.ticks as f64 * e.unit),
        new_total: new.map_or(0.0, |e| e.ticks as f64 * e.unit),
        new_ticks: new.map_or(0, |e| e.ticks),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LineFunction;

    #[test]
    fn moved_functions_match_lines_by_offset_and_units_convert() {
        let base = LineProfile {
            unit: 1e-6,
            functions: vec![
                LineFunction::from_triples("a.py", 10, "f", &[(11, 1, 100), (12, 5, 50)]),
                LineFunction::from_triples("a.py", 20, "gone", &[(21, 1, 7)]),
            ],
        };
        let new = LineProfile {
            unit: 1e-9,
            functions: vec![
                LineFunction::from_triples("a.py", 13, "f", &[(14, 1, 100_000), (15, 15, 150_000)]),
                LineFunction::from_triples("a.py", 30, "fresh", &[(31, 2, 4_000)]),
            ],
        };
        let diff = diff(&base, &new, &Options::default()).expect("comparable");
        let names: Vec<&str> = diff.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["f", "gone", "fresh"]);
        let f = &diff.functions[0];
        assert_eq!(f.change, Change::Moved { base_line: 10 });
        assert_eq!(f.first_line, 13);
        assert_eq!(f.lines.len(), 2);
        assert_eq!(f.lines[1].line, 15);
        assert_eq!(f.lines[1].hits_delta(), 10);
        assert!((f.lines[1].time_delta() - 100e-6).abs() < 1e-15);
        assert_eq!(diff.functions[1].change, Change::Removed);
        assert_eq!(diff.functions[1].lines[0].line, 21);
        assert_eq!(diff.functions[2].change, Change::Added);
        assert_eq!(diff.matched(), 1);
    }

    #[test]
    fn two_candidates_are_not_a_move() {
        let base = LineProfile {
            unit: 1e-6,
            functions: vec![LineFunction::from_triples("a.py", 1, "f", &[(2, 1, 1)])],
        };
        let new = LineProfile {
            unit: 1e-6,
            functions: vec![
                LineFunction::from_triples("a.py", 5, "f", &[(6, 1, 1)]),
                LineFunction::from_triples("a.py", 9, "f", &[(10, 1, 1)]),
            ],
        };
        let diff = diff(&base, &new, &Options::default()).expect("comparable");
        let changes: Vec<Change> = diff.functions.iter().map(|f| f.change).collect();
        assert_eq!(changes, [Change::Removed, Change::Added, Change::Added]);
    }

    #[test]
    fn unusable_units_are_refused() {
        let good = LineProfile {
            unit: 1e-6,
            functions: vec![],
        };
        for unit in [0.0, -1e-6, f64::NAN, f64::INFINITY] {
            let bad = LineProfile {
                unit,
                functions: vec![],
            };
            let error = diff(&good, &bad, &Options::default()).expect_err("refused");
            assert!(matches!(error.kind(), ErrorKind::Invalid { .. }));
            assert!(diff(&bad, &good, &Options::default()).is_err());
        }
    }

    #[test]
    fn extreme_line_numbers_do_not_overflow() {
        let base = LineProfile {
            unit: 1e-6,
            functions: vec![LineFunction::from_triples(
                "a.py",
                i64::MIN,
                "f",
                &[(i64::MAX, 1, 1)],
            )],
        };
        let new = LineProfile {
            unit: 1e-6,
            functions: vec![LineFunction::from_triples(
                "a.py",
                i64::MAX,
                "f",
                &[(i64::MIN, 1, 1)],
            )],
        };
        let diff = diff(&base, &new, &Options::default()).expect("comparable");
        assert_eq!(diff.functions[0].lines.len(), 2);
    }
}
