//! What changed between two profiles, or two groups of runs: a [`Diff`] built by [`diff`] and
//! rendered by [`crate::report::diff`] or [`crate::export::diff`] (docs/diff.md).
//!
//! Functions are matched by (file, line, name) after their files are rewritten
//! ([`PathNormalization`]); a function on each side with the same file and name and no other
//! candidate is matched as *moved*; the rest are *added* or *removed*. With several runs on a
//! side, each figure is the mean over its runs (a run that lacks the function counts zero for
//! it), and a change is tested against the run-to-run spread with Welch's t-test.

pub mod lines;
mod paths;
mod select;
mod welch;

pub use paths::{PathNormalization, SITE_PACKAGES, STDLIB};
pub use select::{
    DiffSort, GateFailure, MinDelta, ParseDiffSortError, ParseMinDeltaError, Selection,
};

use hashbrown::HashMap;

use crate::error::{Error, ErrorKind};
use crate::model::{Measure, Profile};

/// How a diff is computed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DiffOptions {
    /// How files are rewritten before matching. Default: [`PathNormalization::default`]
    /// (canonical install prefixes, no maps, directories kept).
    pub paths: PathNormalization,
    /// Scale every run's times so that its total time is the new side's mean total, as pprof's
    /// `-normalize` does, for runs of different length. Calls are not scaled. Default: false.
    pub normalize: bool,
    /// The level of the noise test: a change with a p-value at or above it is noise.
    /// Default: 0.05.
    pub alpha: f64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            paths: PathNormalization::default(),
            normalize: false,
            alpha: 0.05,
        }
    }
}

/// One side's figures for a function (or for the whole side): means over the side's runs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    /// All calls (samples on the stack, for sampled profiles).
    pub calls: f64,
    /// Non-recursive calls (samples as the leaf, for sampled profiles).
    pub primitive_calls: f64,
    /// Own time in seconds (samples, for sampled profiles without times).
    pub tottime: f64,
    /// Cumulative time, in the same unit as `tottime`; zero for a side's totals.
    pub cumtime: f64,
    /// The sample standard deviation of `tottime` over the runs; zero with one run.
    pub tottime_spread: f64,
}

/// How a function was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// On both sides with the same key.
    Matched,
    /// On both sides with the same file and name, and a different first line: the new line is
    /// the function's, this is the base's.
    Moved {
        /// The line on the base side.
        base_line: i64,
    },
    /// On the new side only.
    Added,
    /// On the base side only.
    Removed,
}

/// Whether a change stands out from the run-to-run noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// A side has a single run: no noise estimate is possible.
    Unknown,
    /// The test's p-value is at or above the level: the change is within the noise.
    Noise {
        /// Welch's two-sided p-value.
        p: f64,
    },
    /// The p-value is below the level.
    Significant {
        /// Welch's two-sided p-value.
        p: f64,
    },
}

impl Verdict {
    /// Whether the change was found to be within the noise.
    pub fn is_noise(self) -> bool {
        matches!(self, Verdict::Noise { .. })
    }
}

/// One function's change.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDiff {
    /// The file, rewritten as [`DiffOptions::paths`] says.
    pub file: String,
    /// The first line (the new side's, for a moved function).
    pub line: i64,
    /// The function's name.
    pub name: String,
    /// How it was matched.
    pub change: Change,
    /// The base side's figures (zero when the function was added).
    pub base: Figures,
    /// The new side's figures (zero when the function was removed).
    pub new: Figures,
    /// The noise verdict on the change of own time.
    pub verdict: Verdict,
}

impl FunctionDiff {
    /// New minus base own time.
    pub fn tottime_delta(&self) -> f64 {
        self.new.tottime - self.base.tottime
    }

    /// New minus base cumulative time.
    pub fn cumtime_delta(&self) -> f64 {
        self.new.cumtime - self.base.cumtime
    }

    /// New own time over base own time; `None` when the base's is zero.
    pub fn tottime_ratio(&self) -> Option<f64> {
        (self.base.tottime != 0.0).then(|| self.new.tottime / self.base.tottime)
    }

    /// The change of own time in percent of the base's; `None` when the base's is zero.
    pub fn tottime_percent(&self) -> Option<f64> {
        (self.base.tottime != 0.0).then(|| 100.0 * self.tottime_delta() / self.base.tottime)
    }

    /// The name as pstats prints it: `file:line(name)`, or `{name}` for builtins.
    pub fn display_name(&self) -> String {
        let mut out = String::new();
        self.write_display_name(&mut out);
        out
    }

    /// Appends [`FunctionDiff::display_name`] to `out`.
    pub fn write_display_name(&self, out: &mut String) {
        crate::model::write_std_name(&self.file, self.line, &self.name, out);
    }
}

/// One side of a diff as a whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Side {
    /// The input files of each run, as their profiles record them.
    pub files: Vec<String>,
    /// How many runs (profiles) the side has.
    pub runs: usize,
    /// The means of the runs' totals (`cumtime` is zero), with the spread of total time.
    pub totals: Figures,
}

/// Two profiles (or groups of runs) compared function by function.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The base (before) side.
    pub base: Side,
    /// The new (after) side.
    pub new: Side,
    /// What the figures measure (both sides measure the same).
    pub measure: Measure,
    /// Every function of either side: the base's in its order (first run first), then those
    /// only the new side has, in its order.
    pub functions: Vec<FunctionDiff>,
    /// The noise verdict on the change of total time.
    pub total_verdict: Verdict,
    /// The level of the noise test ([`DiffOptions::alpha`]).
    pub alpha: f64,
    /// Whether the runs were scaled to the same total ([`DiffOptions::normalize`]).
    pub normalized: bool,
}

impl Diff {
    /// Whether each side has at least two runs, so that the verdicts are estimates.
    pub fn has_noise_estimate(&self) -> bool {
        self.base.runs >= 2 && self.new.runs >= 2
    }

    /// New minus base mean total time.
    pub fn tottime_delta(&self) -> f64 {
        self.new.totals.tottime - self.base.totals.tottime
    }

    /// The change of total time in percent of the base's; `None` when the base's is zero.
    pub fn tottime_percent(&self) -> Option<f64> {
        let base = self.base.totals.tottime;
        (base != 0.0).then(|| 100.0 * self.tottime_delta() / base)
    }
}

/// Strings interned across both sides, by text.
#[derive(Default)]
struct Strings {
    index: HashMap<String, u32>,
    texts: Vec<String>,
}

impl Strings {
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.index.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.texts.push(text.to_string());
        self.index.insert(text.to_string(), id);
        id
    }
}

/// A function's sums over one side's runs.
#[derive(Clone, Copy, Default)]
struct Sums {
    calls: f64,
    primitive_calls: f64,
    tottime: f64,
    cumtime: f64,
    tottime_squares: f64,
    /// The run being summed (functions that collide after rewriting add up within a run).
    run: u32,
    run_tottime: f64,
    present: bool,
}

impl Sums {
    fn add(&mut self, run: u32, calls: f64, primitive_calls: f64, tottime: f64, cumtime: f64) {
        if !self.present || self.run != run {
            self.flush();
            self.run = run;
            self.present = true;
        }
        self.calls += calls;
        self.primitive_calls += primitive_calls;
        self.tottime += tottime;
        self.cumtime += cumtime;
        self.run_tottime += tottime;
    }

    fn flush(&mut self) {
        self.tottime_squares += self.run_tottime * self.run_tottime;
        self.run_tottime = 0.0;
    }

    /// The means over `runs`, and the sample for the noise test.
    fn figures(mut self, runs: usize) -> (Figures, welch::Sample) {
        self.flush();
        let n = runs.max(1) as f64;
        let mean = self.tottime / n;
        let variance = if runs >= 2 {
            ((self.tottime_squares - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        let figures = Figures {
            calls: self.calls / n,
            primitive_calls: self.primitive_calls / n,
            tottime: mean,
            cumtime: self.cumtime / n,
            tottime_spread: variance.sqrt(),
        };
        let sample = welch::Sample {
            n: runs,
            mean,
            variance,
        };
        (figures, sample)
    }
}

/// Function keys of both sides, with each side's sums.
struct Table {
    files: Strings,
    names: Strings,
    keys: HashMap<(u32, i64, u32), u32>,
    /// (file, line, name) by key index.
    order: Vec<(u32, i64, u32)>,
    sums: [Vec<Sums>; 2],
}

impl Table {
    /// Adds one run of side `side` (0 base, 1 new), its times scaled by `scale`.
    fn add_run(
        &mut self,
        side: usize,
        run: u32,
        profile: &Profile,
        paths: &PathNormalization,
        scale: f64,
    ) {
        let mut file_of: Vec<u32> = vec![u32::MAX; profile.string_count()];
        let mut name_of: Vec<u32> = vec![u32::MAX; profile.string_count()];
        for id in profile.functions() {
            let file_id = profile.file_id(id).index();
            if file_of[file_id] == u32::MAX {
                file_of[file_id] = self.files.intern(&paths.apply(profile.file(id)));
            }
            let name_id = profile.name_id(id).index();
            if name_of[name_id] == u32::MAX {
                name_of[name_id] = self.names.intern(profile.name(id));
            }
            let key = (file_of[file_id], profile.line(id), name_of[name_id]);
            let next = self.order.len() as u32;
            let index = *self.keys.entry(key).or_insert(next) as usize;
            if index == self.order.len() {
                self.order.push(key);
                self.sums[0].push(Sums::default());
                self.sums[1].push(Sums::default());
            }
            let stats = profile.stats(id);
            self.sums[side][index].add(
                run,
                stats.calls as f64,
                stats.primitive_calls as f64,
                stats.tottime * scale,
                stats.cumtime * scale,
            );
        }
    }
}

/// Compares `base` with `new`: one profile per run on each side (usually one each). All
/// profiles must measure the same thing (calls and seconds, or samples with or without
/// times); otherwise the error is [`ErrorKind::Incomparable`].
pub fn diff(base: &[Profile], new: &[Profile], options: &DiffOptions) -> Result<Diff, Error> {
    let measure = base
        .iter()
        .chain(new)
        .map(|p| p.measure())
        .next()
        .unwrap_or(Measure::Calls);
    if let Some(other) = base
        .iter()
        .chain(new)
        .map(|p| p.measure())
        .find(|m| *m != measure)
    {
        return Err(Error::new(
            ErrorKind::Incomparable {
                base: measure.description(),
                new: other.description(),
            },
            None,
        ));
    }
    let mean_total = |side: &[Profile]| {
        side.iter().map(|p| p.totals().tottime).sum::<f64>() / side.len().max(1) as f64
    };
    let target = mean_total(new);
    let scale = |profile: &Profile| {
        let total = profile.totals().tottime;
        match options.normalize && total != 0.0 && total.is_finite() {
            true => target / total,
            false => 1.0,
        }
    };
    // Room for the larger side's functions: most diffs match most of them.
    let largest = base
        .iter()
        .chain(new)
        .map(Profile::function_count)
        .max()
        .unwrap_or(0);
    let mut table = Table {
        files: Strings::default(),
        names: Strings::default(),
        keys: HashMap::with_capacity(largest),
        order: Vec::with_capacity(largest),
        sums: [Vec::with_capacity(largest), Vec::with_capacity(largest)],
    };
    let mut sides = [Side::default(), Side::default()];
    let mut totals = [Sums::default(), Sums::default()];
    for (side, profiles) in [base, new].into_iter().enumerate() {
        sides[side].runs = profiles.len();
        for (run, profile) in profiles.iter().enumerate() {
            let scale = scale(profile);
            table.add_run(side, run as u32, profile, &options.paths, scale);
            let t = profile.totals();
            totals[side].add(
                run as u32,
                t.calls as f64,
                t.primitive_calls as f64,
                t.tottime * scale,
                0.0,
            );
            sides[side]
                .files
                .extend(profile.files().iter().map(|f| f.path.clone()));
        }
    }
    let alpha = options.alpha;
    let verdict = |a: welch::Sample, b: welch::Sample| match welch::p_value(a, b) {
        None => Verdict::Unknown,
        Some(p) if p < alpha => Verdict::Significant { p },
        Some(p) => Verdict::Noise { p },
    };
    let (base_totals, base_sample) = totals[0].figures(base.len());
    let (new_totals, new_sample) = totals[1].figures(new.len());
    sides[0].totals = base_totals;
    sides[1].totals = new_totals;
    let total_verdict = verdict(base_sample, new_sample);

    let moved = moved_pairs(&table);
    let mut functions = Vec::with_capacity(table.order.len());
    let mut push = |key: usize, base_key: usize, change: Change| {
        let (file, line, name) = table.order[key];
        let (base_figures, base_sample) = table.sums[0][base_key].figures(base.len());
        let (new_figures, new_sample) = table.sums[1][key].figures(new.len());
        functions.push(FunctionDiff {
            file: table.files.texts[file as usize].clone(),
            line,
            name: table.names.texts[name as usize].clone(),
            change,
            base: base_figures,
            new: new_figures,
            verdict: verdict(base_sample, new_sample),
        });
    };
    // Base keys in order (a moved one with its new key), then keys only the new side has.
    for (key, &to) in moved.iter().enumerate() {
        let (in_base, in_new) = (table.sums[0][key].present, table.sums[1][key].present);
        match (in_base, in_new) {
            (true, true) => push(key, key, Change::Matched),
            (true, false) => match to {
                u32::MAX => push(key, key, Change::Removed),
                to => push(
                    to as usize,
                    key,
                    Change::Moved {
                        base_line: table.order[key].1,
                    },
                ),
            },
            _ => {}
        }
    }
    for (key, _) in moved.iter().enumerate() {
        let (in_base, in_new) = (table.sums[0][key].present, table.sums[1][key].present);
        if !in_base && in_new && !moved_to(&moved, key) {
            push(key, key, Change::Added);
        }
    }
    Ok(Diff {
        base: std::mem::take(&mut sides[0]),
        new: std::mem::take(&mut sides[1]),
        measure,
        functions,
        total_verdict,
        alpha,
        normalized: options.normalize,
    })
}

/// For each base-only key, the new-only key it moved to (same file and name, the only
/// candidate on each side), or `u32::MAX`. New-only keys that were matched point to
/// themselves, so that [`moved_to`] can tell them.
fn moved_pairs(table: &Table) -> Vec<u32> {
    // (file, name) → (base-only keys, new-only keys, one of each).
    let mut groups: HashMap<(u32, u32), (u32, u32, u32, u32)> = HashMap::new();
    for (key, &(file, _, name)) in table.order.iter().enumerate() {
        let (in_base, in_new) = (table.sums[0][key].present, table.sums[1][key].present);
        if in_base == in_new {
            continue;
        }
        let group = groups.entry((file, name)).or_insert((0, 0, 0, 0));
        if in_base {
            group.0 += 1;
            group.2 = key as u32;
        } else {
            group.1 += 1;
            group.3 = key as u32;
        }
    }
    let mut moved = vec![u32::MAX; table.order.len()];
    for (base_only, new_only, base_key, new_key) in groups.into_values() {
        if base_only == 1 && new_only == 1 {
            moved[base_key as usize] = new_key;
            moved[new_key as usize] = new_key;
        }
    }
    moved
}

/// Whether a new-only key was matched as the new place of a moved function.
fn moved_to(moved: &[u32], key: usize) -> bool {
    moved[key] == key as u32
}

#[cfg(test)]
mod tests;
