//! The summary of memory_profiler recordings that `pstat memory` prints: per recording, the
//! command, duration, sample count, peak (as `mprof peak` finds it) and baseline, the child
//! processes' peaks, and a table of the `@profile` functions. docs/mprof.md says what each
//! figure is.

use std::fmt;
use std::io;
use std::str::FromStr;

use crate::escape::plain;
use crate::model::{MemoryFunction, MemoryProfile};

/// A column of the function table to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortKey {
    /// Number of calls, most first.
    Calls,
    /// Largest increase of memory in one call, largest first.
    Increase,
    /// Memory when the last call returned, largest first.
    End,
    /// Time inside the function, longest first.
    Time,
    /// Function name, in code point order.
    Name,
}

impl SortKey {
    /// The names `--sort` accepts, with their keys.
    pub const ALL: [(&'static str, SortKey); 5] = [
        ("calls", SortKey::Calls),
        ("increase", SortKey::Increase),
        ("end", SortKey::End),
        ("time", SortKey::Time),
        ("name", SortKey::Name),
    ];

    /// The name `--sort` accepts for it.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, key)| *key == self)
            .map_or("calls", |(name, _)| name)
    }
}

/// A sort key name that is not one of [`SortKey::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSortKeyError(String);

impl fmt::Display for ParseSortKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = SortKey::ALL.iter().map(|(name, _)| *name).collect();
        write!(
            f,
            "unknown sort key {:?}; use one of {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for ParseSortKeyError {}

impl FromStr for SortKey {
    type Err = ParseSortKeyError;

    fn from_str(text: &str) -> Result<SortKey, ParseSortKeyError> {
        SortKey::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, key)| *key)
            .ok_or_else(|| ParseSortKeyError(text.to_string()))
    }
}

/// Options for [`write()`].
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Options {
    /// Order of the function table. Default: none (the order functions first appear in the
    /// file, as memory_profiler keeps them). Ties keep that order.
    pub sort: Option<SortKey>,
}

/// The functions of a recording in the order `options` asks for.
pub fn sorted_functions<'a>(
    profile: &'a MemoryProfile,
    options: &Options,
) -> Vec<&'a MemoryFunction> {
    let mut functions: Vec<&MemoryFunction> = profile.functions().iter().collect();
    let Some(key) = options.sort else {
        return functions;
    };
    // Largest first; `total_cmp` is a total order, and the stable sort keeps file order on ties.
    let by = |f: &&MemoryFunction| -> f64 {
        match key {
            SortKey::Calls => f.calls.len() as f64,
            SortKey::Increase => f.largest_increase(),
            SortKey::End => f.memory_at_end(),
            SortKey::Time => f.time_inside(),
            SortKey::Name => 0.0,
        }
    };
    match key {
        SortKey::Name => functions.sort_by(|a, b| a.name.cmp(&b.name)),
        _ => functions.sort_by(|a, b| by(b).total_cmp(&by(a))),
    }
    functions
}

/// Writes the summary of each recording, a blank line between them.
pub fn write<W: io::Write + ?Sized>(
    recordings: &[MemoryProfile],
    options: &Options,
    out: &mut W,
) -> io::Result<()> {
    for (i, profile) in recordings.iter().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        write_one(profile, options, out)?;
    }
    Ok(())
}

fn write_one<W: io::Write + ?Sized>(
    profile: &MemoryProfile,
    options: &Options,
    out: &mut W,
) -> io::Result<()> {
    if let Some(path) = profile.path() {
        writeln!(out, "File:      {}", plain(path))?;
    }
    writeln!(
        out,
        "Command:   {}",
        plain(profile.command().unwrap_or("(not recorded)"))
    )?;
    let start = profile.start().unwrap_or(0.0);
    writeln!(out, "Duration:  {:.3} s", profile.duration())?;
    let samples = profile.samples();
    write!(out, "Samples:   {}", samples.len())?;
    if let (Some(first), Some(last)) = (samples.first(), samples.last())
        && samples.len() > 1
    {
        let every = (last.time - first.time) / (samples.len() - 1) as f64;
        write!(out, " (one every {every:.3} s on average)")?;
    }
    writeln!(out)?;
    match profile.peak() {
        Some(peak) => writeln!(
            out,
            "Peak:      {:.3} MiB at {:.3} s",
            peak.mib,
            peak.time - start
        )?,
        None => writeln!(out, "Peak:      none (no samples)")?,
    }
    if let Some(baseline) = profile.baseline() {
        writeln!(out, "Baseline:  {:.3} MiB (the first sample)", baseline.mib)?;
    }
    for child in profile.children() {
        if let Some(peak) = child.peak() {
            writeln!(
                out,
                "Child {}: peak {:.3} MiB at {:.3} s ({} samples)",
                child.id,
                peak.mib,
                peak.time - start,
                child.samples.len()
            )?;
        }
    }
    let functions = sorted_functions(profile, options);
    if functions.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    match options.sort {
        Some(key) => writeln!(out, "@profile functions, by {}:", key.name())?,
        None => writeln!(out, "@profile functions, in file order:")?,
    }
    writeln!(
        out,
        "{:>7}  {:>16}  {:>12}  {:>15}  function",
        "calls", "max increase MiB", "at end MiB", "time inside s"
    )?;
    for function in functions {
        writeln!(
            out,
            "{:>7}  {:>16.3}  {:>12.3}  {:>15.3}  {}",
            function.calls.len(),
            function.largest_increase(),
            function.memory_at_end(),
            function.time_inside(),
            plain(&function.name)
        )?;
    }
    Ok(())
}

/// The summary as a string.
pub fn to_string(recordings: &[MemoryProfile], options: &Options) -> String {
    let mut out = Vec::new();
    write(recordings, options, &mut out).expect("writing to memory cannot fail");
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_parse_and_sort() {
        let profile = crate::read::mprof::read(
            b"MEM 1 10\nFUNC m.b 1 10 9 11\nFUNC m.a 1 11 2 14\nFUNC m.a 2 14 3 15\n",
        )
        .expect("reads");
        let order = |key: Option<SortKey>| {
            let options = Options { sort: key };
            sorted_functions(&profile, &options)
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(order(None), ["m.b", "m.a"]);
        assert_eq!(order(Some("calls".parse().expect("a key"))), ["m.a", "m.b"]);
        assert_eq!(order(Some(SortKey::Increase)), ["m.b", "m.a"]);
        assert_eq!(order(Some(SortKey::Time)), ["m.a", "m.b"]);
        assert_eq!(order(Some(SortKey::Name)), ["m.a", "m.b"]);
        assert!("size".parse::<SortKey>().is_err());
        let text = to_string(&[profile], &Options::default());
        assert!(text.contains("Peak:      1.000 MiB at 0.000 s"), "{text}");
        assert!(
            text.contains("      2             1.000         3.000            4.000  m.a"),
            "{text}"
        );
    }
}
