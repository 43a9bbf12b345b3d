//! The line-level model: what a line_profiler `.lprof` file holds.

/// A line_profiler profile: functions with per-line timings, and the timer unit.
#[derive(Debug, Clone, PartialEq)]
pub struct LineProfile {
    /// Seconds per timer tick (1e-6 before line_profiler 4.0, 1e-9 since, on Linux and macOS).
    pub unit: f64,
    /// The functions, in the file's order (line_profiler 5 prints them in this order).
    pub functions: Vec<LineFunction>,
}

/// One profiled function. line_profiler keys it by (file, first line, name).
#[derive(Debug, Clone, PartialEq)]
pub struct LineFunction {
    /// The code object's file name, as compiled (often relative to where the profiler ran).
    pub file: String,
    /// The line of the `def`, or of its first decorator.
    pub first_line: i64,
    /// The function's name (its qualified name with line_profiler 5 on Python 3.11+).
    pub name: String,
    /// The timed lines, in the file's order (sorted by line number in every real file).
    pub lines: Vec<LineTiming>,
}

/// The figures of one source line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTiming {
    /// The line number.
    pub line: i64,
    /// How many times the line ran.
    pub hits: i64,
    /// Time spent on the line, in timer ticks ([`LineProfile::unit`]).
    pub time: i64,
}

impl LineFunction {
    /// The total time in ticks: the sum over all entries, as line_profiler sums them.
    pub fn total_time(&self) -> i128 {
        self.lines.iter().map(|l| i128::from(l.time)).sum()
    }

    /// The total of the hits.
    pub fn total_hits(&self) -> i128 {
        self.lines.iter().map(|l| i128::from(l.hits)).sum()
    }
}

/// (line, hits, time scaled to the target unit) while profiles are added.
type MergedLine = (i64, i128, f64);

impl LineProfile {
    /// Adds profiles together as line_profiler 5's `LineStats.from_files` does: one profile is
    /// kept as it is; several are converted to the largest unit (times become
    /// `round(sum of time × unit / largest unit)`, half to even), functions with the same key
    /// are merged line by line, keys keep the order they are first seen in (inputs taken in
    /// ascending order of unit, stably), and each function's lines are sorted by number.
    pub fn combine(mut profiles: Vec<LineProfile>) -> LineProfile {
        if profiles.len() == 1 {
            return profiles.pop().expect("one profile");
        }
        profiles.sort_by(|a, b| a.unit.total_cmp(&b.unit));
        let unit = profiles.last().map_or(1e-6, |p| p.unit);
        // Key order of first appearance; per key, lines in order of first appearance.
        let mut index: std::collections::HashMap<(String, i64, String), usize> =
            std::collections::HashMap::new();
        let mut merged: Vec<(LineFunction, Vec<MergedLine>)> = Vec::new();
        for profile in &profiles {
            let factor = profile.unit / unit;
            for function in &profile.functions {
                let key = (
                    function.file.clone(),
                    function.first_line,
                    function.name.clone(),
                );
                let at = *index.entry(key).or_insert_with(|| {
                    merged.push((
                        LineFunction {
                            lines: Vec::new(),
                            ..function.clone()
                        },
                        Vec::new(),
                    ));
                    merged.len() - 1
                });
                let rows = &mut merged[at].1;
                for timing in &function.lines {
                    let scaled = factor * timing.time as f64;
                    match rows.iter_mut().find(|r| r.0 == timing.line) {
                        Some(row) => {
                            row.1 += i128::from(timing.hits);
                            row.2 += scaled;
                        }
                        // `prev_time + factor * time` with prev_time the int 0.
                        None => rows.push((timing.line, i128::from(timing.hits), 0.0 + scaled)),
                    }
                }
            }
        }
        let functions = merged
            .into_iter()
            .map(|(mut function, mut rows)| {
                rows.sort_by_key(|r| r.0);
                function.lines = rows
                    .into_iter()
                    .map(|(line, hits, time)| LineTiming {
                        line,
                        hits: hits.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
                        time: time.round_ties_even() as i64,
                    })
                    .collect();
                function
            })
            .collect();
        LineProfile { unit, functions }
    }
}

#[cfg(test)]
impl LineFunction {
    /// A function from `(line, hits, time)` triples, for unit tests.
    pub(crate) fn from_triples(
        file: &str,
        first_line: i64,
        name: &str,
        lines: &[(i64, i64, i64)],
    ) -> LineFunction {
        LineFunction {
            file: file.into(),
            first_line,
            name: name.into(),
            lines: lines
                .iter()
                .map(|&(line, hits, time)| LineTiming { line, hits, time })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str, lines: &[(i64, i64, i64)]) -> LineFunction {
        LineFunction::from_triples("spam.py", 1, name, lines)
    }

    /// line_profiler 5.1's own doctest of `LineStats.__iadd__`.
    #[test]
    fn combine_scales_to_the_largest_unit() {
        let a = LineProfile {
            unit: 1e-6,
            functions: vec![
                function("foo", &[(2, 10, 300)]),
                function("bar", &[(11, 2, 1000), (12, 1, 500)]),
            ],
        };
        let b = LineProfile {
            unit: 1e-7,
            functions: vec![
                function("bar", &[(11, 10, 20000), (12, 5, 1000)]),
                function("baz", &[(5, 2, 5000)]),
            ],
        };
        let sum = LineProfile::combine(vec![a, b]);
        assert_eq!(sum.unit, 1e-6);
        let names: Vec<&str> = sum.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["bar", "baz", "foo"]);
        assert_eq!(
            sum.functions[0],
            function("bar", &[(11, 12, 3000), (12, 6, 600)])
        );
        assert_eq!(sum.functions[1], function("baz", &[(5, 2, 500)]));
    }
}
