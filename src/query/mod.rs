//! Queries over a profile, with pstats' semantics: sort keys and their abbreviations, stable
//! multi-key sorting, reversal, and restrictions (count, fraction, regex) applied in order.

pub mod diff;
pub mod filter;
pub mod stacks;
pub mod tree;
pub(crate) mod units;

use std::cmp::Ordering;
use std::fmt;

use crate::model::{FunctionId, Profile};
use crate::pyfmt;

/// A pstats sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortKey {
    /// `calls` / `ncalls`: call count, descending.
    Calls,
    /// `cumulative` / `cumtime`: cumulative time, descending.
    Cumulative,
    /// `filename` / `module`: file name, ascending.
    FileName,
    /// `line`: line number, ascending.
    Line,
    /// `name`: function name, ascending.
    Name,
    /// `nfl`: name, then file, then line.
    NameFileLine,
    /// `pcalls`: primitive call count, descending.
    PrimitiveCalls,
    /// `stdname`: the printed name, ascending.
    StdName,
    /// `time` / `tottime`: internal time, descending.
    Time,
}

/// pstats' `sort_arg_dict_default`, in its order (3.7–3.13).
const SORT_WORDS: [(&str, SortKey); 13] = [
    ("calls", SortKey::Calls),
    ("ncalls", SortKey::Calls),
    ("cumtime", SortKey::Cumulative),
    ("cumulative", SortKey::Cumulative),
    ("filename", SortKey::FileName),
    ("line", SortKey::Line),
    ("module", SortKey::FileName),
    ("name", SortKey::Name),
    ("nfl", SortKey::NameFileLine),
    ("pcalls", SortKey::PrimitiveCalls),
    ("stdname", SortKey::StdName),
    ("time", SortKey::Time),
    ("tottime", SortKey::Time),
];

impl SortKey {
    /// Every full key word pstats accepts, in its table order.
    pub fn words() -> impl Iterator<Item = &'static str> {
        SORT_WORDS.iter().map(|(word, _)| *word)
    }

    /// Parses a key or an abbreviation exactly as pstats' `get_sort_arg_defs` allows them:
    /// every prefix of a table word, except prefixes that two words share *and* that the
    /// table's walk puts in its bad list (so `c`, `cum`, `n` and `t` are refused, while e.g.
    /// `cu`, `fi` and `p` are accepted).
    pub fn parse(word: &str) -> Option<SortKey> {
        // Replays get_sort_arg_defs: walk each word's prefixes from longest to shortest; a
        // prefix already taken goes to the bad list and ends that word's walk.
        let mut taken: Vec<(&str, SortKey)> = Vec::new();
        let mut bad: Vec<&str> = Vec::new();
        for (full, key) in SORT_WORDS {
            for end in (1..=full.len()).rev() {
                let fragment = &full[..end];
                if taken.iter().any(|(f, _)| *f == fragment) {
                    bad.push(fragment);
                    break;
                }
                taken.push((fragment, key));
            }
        }
        if bad.contains(&word) {
            return None;
        }
        taken.iter().find(|(f, _)| *f == word).map(|(_, key)| *key)
    }

    /// The description pstats prints after "Ordered by:".
    pub fn description(self) -> &'static str {
        match self {
            SortKey::Calls => "call count",
            SortKey::Cumulative => "cumulative time",
            SortKey::FileName => "file name",
            SortKey::Line => "line number",
            SortKey::Name => "function name",
            SortKey::NameFileLine => "name/file/line",
            SortKey::PrimitiveCalls => "primitive call count",
            SortKey::StdName => "standard name",
            SortKey::Time => "internal time",
        }
    }

    /// The fields this key compares, most significant first.
    fn fields(self) -> &'static [Field] {
        match self {
            SortKey::Calls => &[Field::Calls],
            SortKey::Cumulative => &[Field::Cumtime],
            SortKey::FileName => &[Field::File],
            SortKey::Line => &[Field::Line],
            SortKey::Name => &[Field::Name],
            SortKey::NameFileLine => &[Field::Name, Field::File, Field::Line],
            SortKey::PrimitiveCalls => &[Field::PrimitiveCalls],
            SortKey::StdName => &[Field::StdName],
            SortKey::Time => &[Field::Tottime],
        }
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::str::FromStr for SortKey {
    type Err = ParseSortKeyError;
    fn from_str(s: &str) -> Result<SortKey, ParseSortKeyError> {
        SortKey::parse(s).ok_or_else(|| ParseSortKeyError(s.to_string()))
    }
}

/// A word that is not a pstats sort key, nor an abbreviation pstats accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSortKeyError(String);

impl ParseSortKeyError {
    /// The word that was given.
    pub fn word(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ParseSortKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = SortKey::words().collect();
        write!(
            f,
            "{:?} is not a sort key or an unambiguous abbreviation of one; the keys are: {}",
            self.0,
            words.join(", ")
        )
    }
}

impl std::error::Error for ParseSortKeyError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    PrimitiveCalls,
    Calls,
    Tottime,
    Cumtime,
    File,
    Line,
    Name,
    StdName,
}

impl Field {
    /// pstats sorts numbers descending and names ascending.
    fn descending(self) -> bool {
        matches!(
            self,
            Field::PrimitiveCalls | Field::Calls | Field::Tottime | Field::Cumtime
        )
    }
}

/// One restriction of the listed functions, as pstats' `print_stats(*amount)` takes them.
#[derive(Debug, Clone, PartialEq)]
pub enum Restriction {
    /// Keep the first N (an int; no effect unless 0 <= N < length).
    Count(i64),
    /// Keep this fraction, rounded (a float; no effect unless 0.0 <= F < 1.0).
    Fraction(f64),
    /// Keep the functions whose printed name matches this Python regular expression.
    Regex(String),
}

/// What to list and in which order.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Sort keys, most significant first. Default: none, i.e. file order
    /// ("Random listing order was used").
    pub sort: Vec<SortKey>,
    /// Reverse the sorted order (pstats' `reverse_order()`: no effect without a sort).
    /// Default: false.
    pub reverse: bool,
    /// Restrictions, applied in order. Default: none.
    pub restrictions: Vec<Restriction>,
    /// What a [`filter::Filter`] cut from the profile before listing, said in one note after
    /// the order when it changed anything. Default: none.
    pub filtered: Option<filter::Reduction>,
}

/// The functions to report, with what pstats says about how they were chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The functions, in report order.
    pub functions: Vec<FunctionId>,
    /// How the list was ordered and reduced, in the order pstats prints its lines above a
    /// report.
    pub notes: Vec<Note>,
}

/// One thing pstats says above a report about the listed functions. Its `Display` is pstats'
/// wording, without the indentation a report adds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Note {
    /// No sort key was given: the functions are in file order ("Random listing order was
    /// used").
    FileOrder,
    /// The functions are sorted by these keys ("Ordered by: internal time, call count").
    OrderedBy(Vec<SortKey>),
    /// A regex restriction was not a valid regular expression and was skipped.
    InvalidRegex(String),
    /// A restriction reduced the list.
    Reduced {
        /// The number of functions before the restriction.
        from: usize,
        /// The number after it.
        to: usize,
        /// The restriction.
        restriction: Restriction,
    },
    /// A filter cut the profile down before listing
    /// ("Filtered by <--focus 'main'>: kept 12 of 450 functions, …").
    Filtered(filter::Reduction),
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::FileOrder => f.write_str("Random listing order was used"),
            Note::OrderedBy(keys) => {
                f.write_str("Ordered by: ")?;
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(key.description())?;
                }
                Ok(())
            }
            Note::InvalidRegex(pattern) => write!(
                f,
                "<Invalid regular expression {}>",
                pyfmt::str_repr(pattern)
            ),
            Note::Reduced {
                from,
                to,
                restriction,
            } => write!(
                f,
                "List reduced from {from} to {to} due to restriction <{}>",
                restriction_repr(restriction)
            ),
            Note::Filtered(reduction) => reduction.fmt(f),
        }
    }
}

/// Orders and restricts the profile's functions as pstats' `sort_stats`, `reverse_order` and
/// `get_print_list` do.
pub fn list(profile: &Profile, options: &ListOptions) -> Listing {
    let mut functions: Vec<FunctionId> = profile.functions().collect();
    let mut notes = Vec::new();
    if options.sort.is_empty() {
        notes.push(Note::FileOrder);
    } else {
        // `-n N` first keeps only the N first: those are all that need sorting.
        let wanted = match options.restrictions.first() {
            Some(&Restriction::Count(n)) if !options.reverse => usize::try_from(n).ok(),
            _ => None,
        };
        sort(profile, &mut functions, &options.sort, wanted);
        if options.reverse {
            functions.reverse();
        }
        notes.push(Note::OrderedBy(options.sort.clone()));
    }
    if let Some(reduction) = options.filtered.as_ref().filter(|r| r.changed()) {
        notes.push(Note::Filtered(reduction.clone()));
    }
    for restriction in &options.restrictions {
        let before = functions.len();
        match restriction {
            Restriction::Regex(pattern) => {
                let Ok(filter) = NameFilter::new(pattern) else {
                    notes.push(Note::InvalidRegex(pattern.clone()));
                    continue;
                };
                let mut name = String::new();
                functions.retain(|&id| filter.matches_with(profile, id, &mut name));
            }
            &Restriction::Fraction(f) => {
                if (0.0..1.0).contains(&f) {
                    // int(count * sel + .5)
                    functions.truncate((before as f64 * f + 0.5) as usize);
                }
            }
            &Restriction::Count(n) => {
                if let Ok(n) = usize::try_from(n) {
                    functions.truncate(n);
                }
            }
        }
        if functions.len() != before {
            notes.push(Note::Reduced {
                from: before,
                to: functions.len(),
                restriction: restriction.clone(),
            });
        }
    }
    Listing { functions, notes }
}

/// A Python regular expression matched against functions' printed names, as pstats matches
/// its regex restrictions (`re.search` on `func_std_string`).
#[derive(Debug, Clone)]
pub struct NameFilter {
    regex: fancy_regex::Regex,
}

impl NameFilter {
    /// Compiles a Python regular expression; the error says why it is not one.
    pub fn new(pattern: &str) -> Result<NameFilter, RegexError> {
        fancy_regex::Regex::new(&pyfmt::python_regex(pattern))
            .map(|regex| NameFilter { regex })
            .map_err(|e| RegexError(e.to_string()))
    }

    /// Whether the function's printed name matches anywhere.
    pub fn matches(&self, profile: &Profile, id: FunctionId) -> bool {
        self.matches_with(profile, id, &mut String::new())
    }

    /// Whether a printed name (`file:line(function)`) matches anywhere.
    pub fn matches_text(&self, name: &str) -> bool {
        self.regex.is_match(name).unwrap_or(false)
    }

    fn matches_with(&self, profile: &Profile, id: FunctionId, name: &mut String) -> bool {
        name.clear();
        profile.write_display_name(id, name);
        // A match that exceeds the engine's backtracking limit counts as no match.
        self.regex.is_match(name).unwrap_or(false)
    }
}

/// A pattern that is not a regular expression pstat can match: its `Display` says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError(String);

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegexError {}

fn restriction_repr(restriction: &Restriction) -> String {
    match restriction {
        Restriction::Count(n) => n.to_string(),
        Restriction::Fraction(f) => pyfmt::float_repr(*f),
        Restriction::Regex(pattern) => pyfmt::str_repr(pattern),
    }
}

/// One sort field's values, by position in the list being sorted.
enum Column<'p> {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Text(Vec<&'p str>),
    Owned(Vec<String>),
}

impl Column<'_> {
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        match self {
            Column::Int(v) => v[a].cmp(&v[b]),
            Column::Float(v) => cmp_f64(v[a], v[b]),
            Column::Text(v) => v[a].cmp(v[b]),
            Column::Owned(v) => v[a].cmp(&v[b]),
        }
    }
}

/// A stable sort by the keys' fields in order, like pstats' `TupleComp`. Equal rows keep file
/// order. NaN times, which Python compares inconsistently, sort as larger than every number.
/// With `wanted`, only that many first rows are put in order; the rest follow in no order.
fn sort(profile: &Profile, functions: &mut [FunctionId], keys: &[SortKey], wanted: Option<usize>) {
    let mut fields: Vec<Field> = Vec::new();
    for field in keys.iter().flat_map(|k| k.fields().iter().copied()) {
        // A repeated field can never break a tie the first one left.
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    let ids = &*functions;
    let columns: Vec<(Column<'_>, bool)> = fields
        .iter()
        .map(|&field| {
            let column = match field {
                Field::PrimitiveCalls => Column::Int(
                    ids.iter()
                        .map(|&i| profile.stats(i).primitive_calls)
                        .collect(),
                ),
                Field::Calls => Column::Int(ids.iter().map(|&i| profile.stats(i).calls).collect()),
                Field::Tottime => {
                    Column::Float(ids.iter().map(|&i| profile.stats(i).tottime).collect())
                }
                Field::Cumtime => {
                    Column::Float(ids.iter().map(|&i| profile.stats(i).cumtime).collect())
                }
                Field::File => Column::Text(ids.iter().map(|&i| profile.file(i)).collect()),
                Field::Line => Column::Int(ids.iter().map(|&i| profile.line(i)).collect()),
                Field::Name => Column::Text(ids.iter().map(|&i| profile.name(i)).collect()),
                Field::StdName => {
                    Column::Owned(ids.iter().map(|&i| profile.display_name(i)).collect())
                }
            };
            (column, field.descending())
        })
        .collect();
    let mut order: Vec<u32> = (0..functions.len() as u32).collect();
    // Ties go to file order, which makes the order total: an unstable sort or a selection
    // gives what the stable sort gives.
    let compare = |&a: &u32, &b: &u32| {
        columns
            .iter()
            .map(|(column, descending)| {
                let ordering = column.cmp(a as usize, b as usize);
                if *descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.cmp(&b))
    };
    match wanted {
        Some(n) if n < order.len() => {
            if n > 0 {
                order.select_nth_unstable_by(n - 1, compare);
            }
            order[..n].sort_unstable_by(compare);
        }
        _ => order.sort_unstable_by(compare),
    }
    let sorted: Vec<FunctionId> = order.iter().map(|&i| functions[i as usize]).collect();
    functions.copy_from_slice(&sorted);
}

/// A total order on floats that agrees with Python's `<` wherever that is consistent:
/// -0.0 == 0.0, and NaN above every number.
fn cmp_f64(a: f64, b: f64) -> Ordering {
    match a.partial_cmp(&b) {
        Some(o) => o,
        None => a.is_nan().cmp(&b.is_nan()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_follow_pstats() {
        for bad in ["c", "cum", "n", "t", "x", "", "calls2", "timee"] {
            assert_eq!(SortKey::parse(bad), None, "{bad:?}");
        }
        let good = [
            ("calls", SortKey::Calls),
            ("ca", SortKey::Calls),
            ("nc", SortKey::Calls),
            ("cu", SortKey::Cumulative),
            ("cumu", SortKey::Cumulative),
            ("cumt", SortKey::Cumulative),
            ("f", SortKey::FileName),
            ("file", SortKey::FileName),
            ("m", SortKey::FileName),
            ("l", SortKey::Line),
            ("na", SortKey::Name),
            ("nf", SortKey::NameFileLine),
            ("p", SortKey::PrimitiveCalls),
            ("s", SortKey::StdName),
            ("ti", SortKey::Time),
            ("to", SortKey::Time),
        ];
        for (word, key) in good {
            assert_eq!(SortKey::parse(word), Some(key), "{word:?}");
        }
    }

    #[test]
    fn nan_sorts_without_panicking() {
        let mut v = [1.0, f64::NAN, 0.5, f64::NAN, -0.0, 0.0];
        v.sort_by(|a, b| cmp_f64(*a, *b));
        assert_eq!(&v[..4], &[-0.0, 0.0, 0.5, 1.0]);
        assert!(v[4].is_nan() && v[5].is_nan());
    }
}
