//! Which functions of a [`Diff`] a report shows, in what order, and the CI gate.

use std::fmt;

use super::{Diff, FunctionDiff, Verdict};
use crate::query::NameFilter;

/// The order of a diff's rows, largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DiffSort {
    /// `delta`: the size of the change of own time, |Δ tottime|. The default.
    #[default]
    Delta,
    /// `ratio`: new over base own time (added functions first, removed ones last).
    Ratio,
    /// `base`: the base side's own time.
    Base,
    /// `new`: the new side's own time.
    New,
}

impl DiffSort {
    /// The words `--sort` takes, in the order of the variants.
    pub const WORDS: [&'static str; 4] = ["delta", "ratio", "base", "new"];

    /// The word for this order.
    pub fn word(self) -> &'static str {
        match self {
            DiffSort::Delta => "delta",
            DiffSort::Ratio => "ratio",
            DiffSort::Base => "base",
            DiffSort::New => "new",
        }
    }

    /// The row's figure this order sorts on, descending.
    fn figure(self, row: &FunctionDiff) -> f64 {
        match self {
            DiffSort::Delta => row.tottime_delta().abs(),
            DiffSort::Ratio => match row.tottime_ratio() {
                Some(ratio) => ratio,
                None if row.new.tottime > 0.0 => f64::INFINITY,
                None => 1.0,
            },
            DiffSort::Base => row.base.tottime,
            DiffSort::New => row.new.tottime,
        }
    }
}

impl std::str::FromStr for DiffSort {
    type Err = ParseDiffSortError;
    fn from_str(s: &str) -> Result<DiffSort, ParseDiffSortError> {
        match s {
            "delta" => Ok(DiffSort::Delta),
            "ratio" => Ok(DiffSort::Ratio),
            "base" => Ok(DiffSort::Base),
            "new" => Ok(DiffSort::New),
            _ => Err(ParseDiffSortError(s.to_string())),
        }
    }
}

/// A word that is not a diff order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDiffSortError(String);

impl fmt::Display for ParseDiffSortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a diff order; use one of: {}",
            self.0,
            DiffSort::WORDS.join(", ")
        )
    }
}

impl std::error::Error for ParseDiffSortError {}

/// The smallest change of own time a row must have to be shown (and to trip the gate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinDelta {
    /// |Δ tottime| in seconds (samples, for sampled profiles without times).
    Seconds(f64),
    /// |Δ tottime| in percent of the base's; added and removed functions always pass.
    Percent(f64),
}

impl MinDelta {
    /// Whether the row's change is at least this large.
    pub fn passes(self, row: &FunctionDiff) -> bool {
        match self {
            MinDelta::Seconds(s) => row.tottime_delta().abs() >= s,
            MinDelta::Percent(pct) => match row.tottime_percent() {
                Some(p) => p.abs() >= pct,
                None => row.new.tottime != 0.0,
            },
        }
    }
}

impl std::str::FromStr for MinDelta {
    type Err = ParseMinDeltaError;
    /// `0.01` (seconds) or `5%`.
    fn from_str(s: &str) -> Result<MinDelta, ParseMinDeltaError> {
        let error = || ParseMinDeltaError(s.to_string());
        let (number, percent) = match s.trim().strip_suffix('%') {
            Some(number) => (number, true),
            None => (s.trim(), false),
        };
        let value: f64 = number.trim().parse().map_err(|_| error())?;
        if value.is_nan() || value < 0.0 || value.is_infinite() {
            return Err(error());
        }
        Ok(if percent {
            MinDelta::Percent(value)
        } else {
            MinDelta::Seconds(value)
        })
    }
}

/// A text that is neither a number of seconds nor a percentage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseMinDeltaError(String);

impl fmt::Display for ParseMinDeltaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a minimum change: give seconds (0.01) or a percentage (5%)",
            self.0
        )
    }
}

impl std::error::Error for ParseMinDeltaError {}

/// Which rows a report shows.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Selection {
    /// The order, largest first; ties are in printed-name order. Default: [`DiffSort::Delta`].
    pub sort: DiffSort,
    /// Keep only rows whose printed name matches every one of these. Default: none.
    pub matches: Vec<NameFilter>,
    /// Keep only rows whose change is at least this. Default: none.
    pub min_delta: Option<MinDelta>,
    /// Keep the first N rows, after the other restrictions. Default: all.
    pub count: Option<usize>,
}

impl Diff {
    /// The rows `selection` keeps, in its order.
    pub fn select(&self, selection: &Selection) -> Vec<&FunctionDiff> {
        let mut name = String::new();
        let mut rows: Vec<(&FunctionDiff, f64)> = self
            .functions
            .iter()
            .filter(|row| selection.min_delta.is_none_or(|min| min.passes(row)))
            .filter(|row| {
                selection.matches.is_empty() || {
                    name.clear();
                    row.write_display_name(&mut name);
                    selection.matches.iter().all(|m| m.matches_text(&name))
                }
            })
            .map(|row| (row, selection.sort.figure(row)))
            .collect();
        // A total order (no two rows share a key), so an unstable sort is deterministic.
        let order = |(a, fa): &(&FunctionDiff, f64), (b, fb): &(&FunctionDiff, f64)| {
            fb.total_cmp(fa)
                .then_with(|| a.file.cmp(&b.file))
                .then(a.line.cmp(&b.line))
                .then_with(|| a.name.cmp(&b.name))
        };
        if let Some(count) = selection.count
            && count < rows.len()
        {
            // The first N alone are sorted: -n 20 of a large diff need not sort it all.
            if count > 0 {
                rows.select_nth_unstable_by(count - 1, order);
            }
            rows.truncate(count);
        }
        rows.sort_unstable_by(order);
        rows.into_iter().map(|(row, _)| row).collect()
    }

    /// The CI gate: fails when total time grew by more than `percent`, or, with `min_delta`,
    /// when a function whose change passes it grew by more than `percent` (an added one counts
    /// as grown without bound). A change the noise test found to be noise does not fail.
    pub fn gate(&self, percent: f64, min_delta: Option<MinDelta>) -> Option<GateFailure> {
        if !self.total_verdict.is_noise()
            && let Some(total) = self.tottime_percent()
            && total > percent
        {
            return Some(GateFailure::Total { percent: total });
        }
        let min_delta = min_delta?;
        let grown = |row: &&FunctionDiff| {
            row.tottime_delta() > 0.0
                && !row.verdict.is_noise()
                && min_delta.passes(row)
                && row.tottime_percent().is_none_or(|p| p > percent)
        };
        let selection = Selection {
            min_delta: Some(min_delta),
            ..Selection::default()
        };
        let worst = self.select(&selection).into_iter().find(grown)?;
        Some(GateFailure::Function {
            name: worst.display_name(),
            percent: worst.tottime_percent(),
            delta: worst.tottime_delta(),
        })
    }
}

/// Why the gate failed.
#[derive(Debug, Clone, PartialEq)]
pub enum GateFailure {
    /// Total time grew by `percent`.
    Total {
        /// The growth of total time, in percent of the base's.
        percent: f64,
    },
    /// A function's own time grew beyond the threshold (the one with the largest change).
    Function {
        /// Its printed name.
        name: String,
        /// Its growth in percent, or `None` for a function the base did not have time in.
        percent: Option<f64>,
        /// Its change of own time.
        delta: f64,
    },
}

impl fmt::Display for GateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateFailure::Total { percent } => write!(f, "total time grew by {percent:+.1}%"),
            GateFailure::Function {
                name,
                percent: Some(percent),
                delta,
            } => write!(f, "{name} grew by {percent:+.1}% ({delta:+.3})"),
            GateFailure::Function { name, delta, .. } => {
                write!(f, "{name} is new, with own time {delta:+.3}")
            }
        }
    }
}

impl Verdict {
    /// The p-value, when there is an estimate.
    pub fn p_value(self) -> Option<f64> {
        match self {
            Verdict::Unknown => None,
            Verdict::Noise { p } | Verdict::Significant { p } => Some(p),
        }
    }
}
