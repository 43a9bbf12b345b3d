//! Exporters: one module per output format, each with an `Options` struct and
//! `write<W: io::Write>(&Profile, &Options, W) -> io::Result<()>`.

pub mod callgrind;
pub mod flamegraph;
pub mod folded;
pub mod json;
pub mod lines;
pub mod speedscope;
pub mod stats;

use std::fmt;
use std::path::Path;

/// The unit of integer costs in callgrind, folded stacks and flame graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeUnit {
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
}

impl TimeUnit {
    /// How many of this unit make a second.
    pub fn per_second(self) -> f64 {
        match self {
            TimeUnit::Ns => 1e9,
            TimeUnit::Us => 1e6,
            TimeUnit::Ms => 1e3,
            TimeUnit::S => 1.0,
        }
    }

    /// The short name: `ns`, `us`, `ms` or `s`.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Ns => "ns",
            TimeUnit::Us => "us",
            TimeUnit::Ms => "ms",
            TimeUnit::S => "s",
        }
    }

    /// The long name: `Nanoseconds`, …
    pub fn long_name(self) -> &'static str {
        match self {
            TimeUnit::Ns => "Nanoseconds",
            TimeUnit::Us => "Microseconds",
            TimeUnit::Ms => "Milliseconds",
            TimeUnit::S => "Seconds",
        }
    }

    /// `seconds` in this unit, as a float.
    pub fn from_seconds(self, seconds: f64) -> f64 {
        seconds * self.per_second()
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TimeUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<TimeUnit, String> {
        match s {
            "ns" => Ok(TimeUnit::Ns),
            "us" => Ok(TimeUnit::Us),
            "ms" => Ok(TimeUnit::Ms),
            "s" => Ok(TimeUnit::S),
            _ => Err(format!("{s:?} is not a time unit; use ns, us, ms or s")),
        }
    }
}

/// An output format of `pstat convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Callgrind, for KCachegrind and callgrind_annotate.
    Callgrind,
    /// Folded stacks, for inferno and flamegraph.pl.
    Folded,
    /// An SVG flame graph.
    Svg,
    /// pstat's JSON (docs/json.md).
    Json,
    /// speedscope's file format.
    Speedscope,
    /// A marshalled stats dump that Python's pstats reads.
    Stats,
}

impl Format {
    /// Every format with its name, as `--format` takes them.
    pub const ALL: [(&'static str, Format); 6] = [
        ("callgrind", Format::Callgrind),
        ("folded", Format::Folded),
        ("svg", Format::Svg),
        ("json", Format::Json),
        ("speedscope", Format::Speedscope),
        ("stats", Format::Stats),
    ];

    /// The format an output file's name implies: `callgrind.out*`, `callgrind.output` and
    /// `*.callgrind` → callgrind; `*.folded`, `*.collapsed` → folded; `*.svg` → SVG;
    /// `*.speedscope.json` → speedscope; `*.json` → JSON; `*.stats`, `*.prof`, `*.pstats` →
    /// stats.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let ends = |suffix: &str| name.ends_with(suffix);
        Some(if name.starts_with("callgrind.out") || ends(".callgrind") {
            Format::Callgrind
        } else if ends(".folded") || ends(".collapsed") {
            Format::Folded
        } else if ends(".svg") {
            Format::Svg
        } else if ends(".speedscope.json") {
            Format::Speedscope
        } else if ends(".json") {
            Format::Json
        } else if ends(".stats") || ends(".prof") || ends(".pstats") {
            Format::Stats
        } else {
            return None;
        })
    }

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "{s:?} is not an output format; use one of {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_file_name() {
        let cases = [
            ("callgrind.out", Some(Format::Callgrind)),
            ("callgrind.out.1234", Some(Format::Callgrind)),
            ("callgrind.output", Some(Format::Callgrind)),
            ("dir/prof.callgrind", Some(Format::Callgrind)),
            ("a.folded", Some(Format::Folded)),
            ("a.collapsed", Some(Format::Folded)),
            ("flame.SVG", Some(Format::Svg)),
            ("a.speedscope.json", Some(Format::Speedscope)),
            ("a.json", Some(Format::Json)),
            ("all.stats", Some(Format::Stats)),
            ("x.prof", Some(Format::Stats)),
            ("x.pstats", Some(Format::Stats)),
            ("report.txt", None),
            ("callgrind", None),
        ];
        for (name, format) in cases {
            assert_eq!(Format::from_path(Path::new(name)), format, "{name}");
        }
    }

    #[test]
    fn units_parse_and_scale() {
        assert_eq!("us".parse::<TimeUnit>(), Ok(TimeUnit::Us));
        assert!("sec".parse::<TimeUnit>().is_err());
        assert_eq!(TimeUnit::Ms.from_seconds(1.5), 1500.0);
    }
}
