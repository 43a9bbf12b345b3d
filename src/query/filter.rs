//! Filters that cut a profile down before any report or export: keep the call paths through
//! some functions (`focus`), drop others with what only they call (`ignore`), hide functions
//! and charge their time to their callers (`hide`), start at some functions (`root`), end at
//! others (`leaf`), stop at a depth, and drop what is below a fraction of the total.
//!
//! A cProfile (or `profile`) dump has no stacks: the filters work on its call graph and keep
//! the file's figures (module `graph`). A sampled profile with real stacks is filtered exactly,
//! stack by stack, and its figures are derived again from the samples kept (module `stacks`).
//! docs/filters.md in the repository gives the semantics with worked examples.
//!
//! ```
//! use pstat::query::filter::{Filter, Pattern};
//!
//! let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats", &Default::default()).and_then(pstat::AnyProfile::into_calls)?;
//! let mut filter = Filter::default();
//! filter.focus.push(Pattern::new("fib")?);
//! let filtered = profile.filter(&filter)?;
//! assert!(filtered.profile.function_count() < profile.function_count());
//! // The one line a report prints about it.
//! assert!(filtered.reduction.to_string().starts_with("Filtered by <--focus 'fib'>: kept "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod graph;
mod stacks;

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::model::{FunctionId, Measure, Profile};
use crate::pyfmt;
use crate::query::{NameFilter, RegexError};

/// A Python regular expression matched against functions' printed names
/// (`file:line(function)`, pstats' `func_std_string`) with `re.search` semantics, as `--match`
/// matches; it keeps its text for messages.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    filter: NameFilter,
}

impl Pattern {
    /// Compiles a Python regular expression; the error says why it is not one.
    pub fn new(text: &str) -> Result<Pattern, RegexError> {
        Ok(Pattern {
            text: text.to_string(),
            filter: NameFilter::new(text)?,
        })
    }

    /// The expression as it was given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the function's printed name matches anywhere.
    pub fn matches(&self, profile: &Profile, id: FunctionId) -> bool {
        self.filter.matches(profile, id)
    }
}

impl FromStr for Pattern {
    type Err = RegexError;
    fn from_str(text: &str) -> Result<Pattern, RegexError> {
        Pattern::new(text)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What to cut from a profile. Every list of patterns matches a function when any of its
/// patterns does. The steps apply in the order of the fields: focus, ignore, hide, root, leaf,
/// depth, node fraction, edge fraction; each on what the ones before left.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Filter {
    /// Keep only what lies on a call path through a matching function: its callers up to the
    /// roots and everything it calls. Default: none (no focus).
    pub focus: Vec<Pattern>,
    /// Drop matching functions and whatever is reachable only through them; their time leaves
    /// the total. Default: none.
    pub ignore: Vec<Pattern>,
    /// Remove matching functions from view and charge their own time to their callers, so that
    /// the total does not change (pprof's `-hide`). Default: none.
    pub hide: Vec<Pattern>,
    /// Keep only the matching functions and what they call (gprof2dot's `--root`). Default:
    /// none.
    pub root: Vec<Pattern>,
    /// Keep only the matching functions and what calls them (gprof2dot's `--leaf`). Default:
    /// none.
    pub leaf: Vec<Pattern>,
    /// Keep only functions at most this many calls below the roots (below the `root` matches
    /// when there are some); 0 keeps the roots alone. Default: `None` (no limit).
    pub depth: Option<usize>,
    /// Hide (as `hide` does) the functions whose cumulative time is below this fraction of the
    /// total time (a fraction: 0.005 is 0.5%, as pprof's `-nodefraction`). Default: `None`.
    pub node_fraction: Option<f64>,
    /// Drop the caller→callee edges whose cumulative time is below this fraction of the total
    /// time (pprof's `-edgefraction`). Default: `None`.
    pub edge_fraction: Option<f64>,
}

impl Filter {
    /// Whether the filter cuts nothing.
    pub fn is_empty(&self) -> bool {
        self.focus.is_empty()
            && self.ignore.is_empty()
            && self.hide.is_empty()
            && self.root.is_empty()
            && self.leaf.is_empty()
            && self.depth.is_none()
            && self.node_fraction.is_none()
            && self.edge_fraction.is_none()
    }

    /// The filter as command-line flags, patterns quoted as Python's `repr` quotes them:
    /// `--focus 'main' --hide '^<frozen'`.
    pub fn description(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let lists = [
            ("--focus", &self.focus),
            ("--ignore", &self.ignore),
            ("--hide", &self.hide),
            ("--root", &self.root),
            ("--leaf", &self.leaf),
        ];
        for (flag, patterns) in lists {
            for pattern in patterns {
                parts.push(format!("{flag} {}", pyfmt::str_repr(pattern.as_str())));
            }
        }
        if let Some(depth) = self.depth {
            parts.push(format!("--depth {depth}"));
        }
        for (flag, fraction) in [
            ("--node-fraction", self.node_fraction),
            ("--edge-fraction", self.edge_fraction),
        ] {
            if let Some(fraction) = fraction {
                parts.push(format!("{flag} {}", pyfmt::float_repr(fraction)));
            }
        }
        parts.join(" ")
    }

    /// Checks the fractions: each between 0 and 1.
    fn check(&self) -> Result<(), Error> {
        for fraction in [self.node_fraction, self.edge_fraction]
            .into_iter()
            .flatten()
        {
            if !(0.0..=1.0).contains(&fraction) {
                return Err(Error::invalid(
                    "filter options",
                    None,
                    None,
                    "a fraction from 0 to 1",
                    fraction.to_string(),
                ));
            }
        }
        Ok(())
    }
}

/// A profile after a [`Filter`], with what was cut.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Filtered {
    /// The reduced profile.
    pub profile: Profile,
    /// What the filter cut.
    pub reduction: Reduction,
}

/// A figure before and after a filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kept<T> {
    /// Before the filter.
    pub before: T,
    /// After it.
    pub after: T,
}

impl<T: PartialEq> Kept<T> {
    fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// What a filter cut from a profile. Its `Display` is the one line a report prints about it:
/// `Filtered by <--focus 'main'>: kept 12 of 450 functions, 30 of 71 edges, 2.345 of 3.456
/// seconds`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reduction {
    /// The filter as command-line flags ([`Filter::description`]).
    pub filter: String,
    /// The listed functions.
    pub functions: Kept<usize>,
    /// The caller→callee edges.
    pub edges: Kept<usize>,
    /// The samples, for a profile with stacks (samples with no frame included).
    pub samples: Option<Kept<u64>>,
    /// The total time (pstats' total: the sum of the functions' tottime, unless a filter that
    /// keeps totals ran), in seconds, or in samples for a sampled profile without times.
    pub time: Kept<f64>,
    /// Whether `time` is seconds.
    pub timed: bool,
}

impl Reduction {
    fn new(filter: &Filter, before: &Profile, after: &Profile) -> Reduction {
        let samples = |p: &Profile| {
            p.stacks().map(|s| {
                s.samples()
                    .iter()
                    .fold(s.samples_without_frames(), |n, x| n.saturating_add(x.count))
            })
        };
        Reduction {
            filter: filter.description(),
            functions: Kept {
                before: before.function_count(),
                after: after.function_count(),
            },
            edges: Kept {
                before: before.edge_count(),
                after: after.edge_count(),
            },
            samples: samples(before)
                .zip(samples(after))
                .map(|(before, after)| Kept { before, after }),
            time: Kept {
                before: before.totals().tottime,
                after: after.totals().tottime,
            },
            timed: !matches!(before.measure(), Measure::Samples { timed: false }),
        }
    }

    /// Whether the filter changed anything a report shows: functions, edges, samples or the
    /// total time.
    pub fn changed(&self) -> bool {
        self.functions.changed()
            || self.edges.changed()
            || self.samples.is_some_and(|s| s.changed())
            || self.time.changed()
    }
}

impl fmt::Display for Reduction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Filtered by <{}>: kept {} of {} functions",
            self.filter, self.functions.after, self.functions.before
        )?;
        if self.edges.before > 0 {
            write!(f, ", {} of {} edges", self.edges.after, self.edges.before)?;
        }
        if let Some(samples) = self.samples {
            write!(f, ", {} of {} samples", samples.after, samples.before)?;
        }
        if self.timed {
            let (mut after, mut before) = (String::new(), String::new());
            pyfmt::f3(&mut after, self.time.after);
            pyfmt::f3(&mut before, self.time.before);
            write!(f, ", {after} of {before} seconds")?;
        }
        Ok(())
    }
}

impl Profile {
    /// The profile cut down by `filter` (see [`Filter`] and the module docs), with what was
    /// cut. A profile with stacks is filtered stack by stack and keeps its stacks; any other is
    /// filtered on its call graph. An empty filter gives the profile unchanged. The error is a
    /// fraction outside 0 to 1.
    pub fn filter(&self, filter: &Filter) -> Result<Filtered, Error> {
        filter.check()?;
        let profile = if filter.is_empty() {
            self.clone()
        } else {
            match (self.stacks(), self.measure()) {
                (Some(stacks), Measure::Samples { timed }) => {
                    stacks::apply(self, stacks, timed, filter)
                }
                _ => graph::apply(self, filter),
            }
        };
        let reduction = Reduction::new(filter, self, &profile);
        Ok(Filtered { profile, reduction })
    }
}

/// Whether each function (every id, listed or not) matches any of the patterns.
fn matching(profile: &Profile, patterns: &[Pattern]) -> Vec<bool> {
    profile
        .all_functions()
        .map(|id| patterns.iter().any(|p| p.matches(profile, id)))
        .collect()
}

#[cfg(test)]
mod tests;
