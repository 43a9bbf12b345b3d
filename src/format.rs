//! The names of the formats pstat reads and writes: what an input is ([`InputFormat`], or what
//! else it looks like: [`Detected`]), which kind of profile it holds ([`ProfileKind`]), and the
//! output formats ([`OutputFormat`]), with their parsing and display. Detecting a format from
//! an input's bytes is the readers' work (`read::detect`); this module only names them, so that
//! the error type below the readers and the exporters can name them too.

use std::fmt;
use std::path::Path;

/// The kinds of profile pstat reads, each its own model type: call profiles (functions, their
/// figures and call edges or stacks), line profiles and memory recordings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileKind {
    /// Functions with their calls and times (`Profile`): cProfile and profile dumps, sampled
    /// stacks.
    Calls,
    /// line_profiler's per-line timings (`LineProfile`).
    Lines,
    /// memory_profiler's recordings of memory over time (`MemoryProfile`).
    Memory,
}

impl ProfileKind {
    /// The kind in words, as messages name it: "a call profile", "a line profile", "a memory
    /// recording".
    pub fn description(self) -> &'static str {
        match self {
            ProfileKind::Calls => "a call profile",
            ProfileKind::Lines => "a line profile",
            ProfileKind::Memory => "a memory_profiler recording",
        }
    }
}

/// A profile format pstat reads, recognised by content (`read::detect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputFormat {
    /// A marshalled stats dict: cProfile, profile, yappi, pstats, Python 3.15's sampler.
    Stats,
    /// line_profiler's `.lprof`, a pickle of `LineStats`.
    Lprof,
    /// Folded stacks, one `frame;frame;… COUNT` line per stack (py-spy, Python 3.15,
    /// flamegraph.pl and inferno).
    Folded,
    /// A speedscope JSON file (py-spy `--format speedscope`, any tool's).
    Speedscope,
    /// A memory_profiler recording (`mprof run`'s `mprofile_*.dat`): lines `CMDLINE …`,
    /// `MEM …`, `FUNC …`, `CHLD …`.
    Mprof,
}

impl InputFormat {
    /// Every input format with its name, as [`InputFormat::name`] gives it and
    /// [`str::parse`] takes it.
    pub const ALL: [(&'static str, InputFormat); 5] = [
        ("stats", InputFormat::Stats),
        ("lprof", InputFormat::Lprof),
        ("folded", InputFormat::Folded),
        ("speedscope", InputFormat::Speedscope),
        ("mprof", InputFormat::Mprof),
    ];

    /// The format's short name: `stats`, `lprof`, `folded`, `speedscope`, `mprof`.
    pub fn name(self) -> &'static str {
        InputFormat::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// The kind of profile a file of this format holds.
    pub fn kind(self) -> ProfileKind {
        match self {
            InputFormat::Stats | InputFormat::Folded | InputFormat::Speedscope => {
                ProfileKind::Calls
            }
            InputFormat::Lprof => ProfileKind::Lines,
            InputFormat::Mprof => ProfileKind::Memory,
        }
    }

    /// What an input of this format is, in words: "a cProfile/profile stats dump", …
    pub fn description(self) -> &'static str {
        match self {
            InputFormat::Stats => "a cProfile/profile stats dump",
            InputFormat::Lprof => "a Python pickle, such as a line_profiler .lprof file",
            InputFormat::Folded => "folded stacks (py-spy, Python 3.15 --collapsed, flamegraph.pl)",
            InputFormat::Speedscope => "JSON (pstat reads speedscope JSON files)",
            InputFormat::Mprof => "a memory_profiler recording (mprof run)",
        }
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for InputFormat {
    type Err = ParseFormatError;
    fn from_str(s: &str) -> Result<InputFormat, ParseFormatError> {
        InputFormat::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| ParseFormatError {
                text: s.to_string(),
                input: true,
            })
    }
}

/// What an input is, as its first bytes tell (`read::detect`): a profile format pstat reads,
/// or else the kind of content it looks like, which an error names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Detected {
    /// A profile format pstat reads.
    Profile(InputFormat),
    /// gzip-compressed data.
    Gzip,
    /// Text that is no profile format pstat reads.
    Text,
    /// No bytes at all.
    Empty,
    /// Anything else.
    Unknown,
}

impl Detected {
    /// The profile format, if the input is one.
    pub fn format(self) -> Option<InputFormat> {
        match self {
            Detected::Profile(format) => Some(format),
            _ => None,
        }
    }

    /// What the input is, in words: a format's [`description`](InputFormat::description), "an
    /// empty file", …
    pub fn description(self) -> &'static str {
        match self {
            Detected::Profile(format) => format.description(),
            Detected::Gzip => "gzip-compressed data (decompress it first)",
            Detected::Text => "text (perhaps a printed report rather than a dump)",
            Detected::Empty => "an empty file",
            Detected::Unknown => "binary data of an unknown kind",
        }
    }
}

impl From<InputFormat> for Detected {
    fn from(format: InputFormat) -> Detected {
        Detected::Profile(format)
    }
}

/// An output format of `pstat convert` and [`export::write`](crate::export::write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputFormat {
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
    /// A DOT call graph for Graphviz, laid out as gprof2dot lays it out.
    Dot,
    /// pprof's gzip-compressed `profile.proto` (docs/pprof.md).
    Pprof,
    /// A self-contained HTML report (docs/html.md).
    Html,
}

impl OutputFormat {
    /// Every format with its name, as `--format` takes them.
    pub const ALL: [(&'static str, OutputFormat); 9] = [
        ("callgrind", OutputFormat::Callgrind),
        ("folded", OutputFormat::Folded),
        ("svg", OutputFormat::Svg),
        ("json", OutputFormat::Json),
        ("speedscope", OutputFormat::Speedscope),
        ("stats", OutputFormat::Stats),
        ("dot", OutputFormat::Dot),
        ("pprof", OutputFormat::Pprof),
        ("html", OutputFormat::Html),
    ];

    /// The format an output file's name implies: `callgrind.out*`, `callgrind.output` and
    /// `*.callgrind` → callgrind; `*.folded`, `*.collapsed` → folded; `*.svg` → SVG;
    /// `*.speedscope.json` → speedscope; `*.json` → JSON; `*.stats`, `*.prof`, `*.pstats` →
    /// stats; `*.dot`, `*.gv` → DOT; `*.pb.gz`, `*.pprof` → pprof; `*.html`, `*.htm` → HTML.
    pub fn from_path(path: &Path) -> Option<OutputFormat> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let ends = |suffix: &str| name.ends_with(suffix);
        Some(if name.starts_with("callgrind.out") || ends(".callgrind") {
            OutputFormat::Callgrind
        } else if ends(".folded") || ends(".collapsed") {
            OutputFormat::Folded
        } else if ends(".svg") {
            OutputFormat::Svg
        } else if ends(".speedscope.json") {
            OutputFormat::Speedscope
        } else if ends(".json") {
            OutputFormat::Json
        } else if ends(".stats") || ends(".prof") || ends(".pstats") {
            OutputFormat::Stats
        } else if ends(".dot") || ends(".gv") {
            OutputFormat::Dot
        } else if ends(".pb.gz") || ends(".pprof") {
            OutputFormat::Pprof
        } else if ends(".html") || ends(".htm") {
            OutputFormat::Html
        } else {
            return None;
        })
    }

    /// Whether [`export::write`](crate::export::write) writes a profile of this kind in this
    /// format: a call profile in every format, a line profile as JSON, callgrind or HTML, and
    /// memory recordings as SVG, JSON or HTML.
    pub fn writes(self, kind: ProfileKind) -> bool {
        match kind {
            ProfileKind::Calls => true,
            ProfileKind::Lines => matches!(
                self,
                OutputFormat::Json | OutputFormat::Callgrind | OutputFormat::Html
            ),
            ProfileKind::Memory => matches!(
                self,
                OutputFormat::Svg | OutputFormat::Json | OutputFormat::Html
            ),
        }
    }

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        OutputFormat::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = ParseFormatError;
    fn from_str(s: &str) -> Result<OutputFormat, ParseFormatError> {
        OutputFormat::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| ParseFormatError {
                text: s.to_string(),
                input: false,
            })
    }
}

/// A text that is not the name of an [`InputFormat`] or an [`OutputFormat`] (see their `ALL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFormatError {
    text: String,
    input: bool,
}

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, names): (&str, Vec<&str>) = if self.input {
            (
                "an input",
                InputFormat::ALL.iter().map(|(n, _)| *n).collect(),
            )
        } else {
            (
                "an output",
                OutputFormat::ALL.iter().map(|(n, _)| *n).collect(),
            )
        };
        write!(
            f,
            "{:?} is not {what} format; use one of {}",
            self.text,
            names.join(", ")
        )
    }
}

impl std::error::Error for ParseFormatError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_file_name() {
        let cases = [
            ("callgrind.out", Some(OutputFormat::Callgrind)),
            ("callgrind.out.1234", Some(OutputFormat::Callgrind)),
            ("callgrind.output", Some(OutputFormat::Callgrind)),
            ("dir/prof.callgrind", Some(OutputFormat::Callgrind)),
            ("a.folded", Some(OutputFormat::Folded)),
            ("a.collapsed", Some(OutputFormat::Folded)),
            ("flame.SVG", Some(OutputFormat::Svg)),
            ("a.speedscope.json", Some(OutputFormat::Speedscope)),
            ("a.json", Some(OutputFormat::Json)),
            ("all.stats", Some(OutputFormat::Stats)),
            ("x.prof", Some(OutputFormat::Stats)),
            ("x.pstats", Some(OutputFormat::Stats)),
            ("graph.dot", Some(OutputFormat::Dot)),
            ("graph.GV", Some(OutputFormat::Dot)),
            ("cpu.pb.gz", Some(OutputFormat::Pprof)),
            ("x.PPROF", Some(OutputFormat::Pprof)),
            ("report.html", Some(OutputFormat::Html)),
            ("r.HTM", Some(OutputFormat::Html)),
            ("report.txt", None),
            ("callgrind", None),
        ];
        for (name, format) in cases {
            assert_eq!(OutputFormat::from_path(Path::new(name)), format, "{name}");
        }
    }

    #[test]
    fn parse_errors_say_what_is_accepted() {
        let format = "png".parse::<OutputFormat>().unwrap_err();
        assert_eq!(
            format.to_string(),
            r#""png" is not an output format; use one of callgrind, folded, svg, json, speedscope, stats, dot, pprof, html"#
        );
        for (name, format) in OutputFormat::ALL {
            assert_eq!(name.parse::<OutputFormat>(), Ok(format));
            assert_eq!(format.to_string(), name);
        }
    }

    #[test]
    fn input_formats_parse_and_display() {
        for (name, format) in InputFormat::ALL {
            assert_eq!(name.parse::<InputFormat>(), Ok(format));
            assert_eq!(format.to_string(), name);
        }
        assert_eq!(
            "pickle".parse::<InputFormat>().unwrap_err().to_string(),
            r#""pickle" is not an input format; use one of stats, lprof, folded, speedscope, mprof"#
        );
    }

    #[test]
    fn each_kind_is_written_in_its_formats() {
        let names = |kind| -> Vec<&str> {
            OutputFormat::ALL
                .iter()
                .filter(|(_, f)| f.writes(kind))
                .map(|(n, _)| *n)
                .collect()
        };
        assert_eq!(names(ProfileKind::Calls).len(), OutputFormat::ALL.len());
        assert_eq!(names(ProfileKind::Lines), ["callgrind", "json", "html"]);
        assert_eq!(names(ProfileKind::Memory), ["svg", "json", "html"]);
    }
}
