//! Exporters: one module per output format, each with an `Options` struct and
//! `write<W: io::Write>(&Profile, &Options, W) -> io::Result<()>`, and [`write()`], which
//! writes any [`OutputFormat`] from a call profile or a line profile, as `pstat convert` does.
//!
//! Exporters write to the writer as they go, in small pieces, and neither buffer nor flush it:
//! pass a buffered writer (an [`io::BufWriter`] around a file or standard output) and flush it
//! after. The `to_vec` helpers write into a `Vec`, which needs no buffer.
//!
//! ```
//! use pstat::OutputFormat;
//! use pstat::export::{Input, Options};
//!
//! let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats")?;
//! let mut options = Options::default();
//! options.inputs = vec!["cprofile.stats".to_string()];
//! let folded = pstat::export::to_vec(OutputFormat::Folded, Input::Calls(&profile), &options)?;
//! assert!(folded.ends_with(b"\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod callgrind;
pub mod diff;
pub mod dot;
pub mod flamegraph;
pub mod folded;
pub mod html;
pub mod json;
pub mod lines;
pub mod memory;
mod memory_svg;
pub mod pprof;
pub mod speedscope;
pub mod stats;

use std::fmt;
use std::io;
use std::path::Path;

use crate::error::{Error, ErrorKind};
use crate::model::{LineProfile, Profile};

pub use crate::query::units::{ParseTimeUnitError, TimeUnit};

/// An output format of `pstat convert` and [`write()`].
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

    /// Whether [`write()`] writes a line profile ([`Input::Lines`]) in this format: JSON,
    /// callgrind and HTML do.
    pub fn converts_line_profiles(self) -> bool {
        match self {
            OutputFormat::Json | OutputFormat::Callgrind | OutputFormat::Html => true,
            OutputFormat::Folded
            | OutputFormat::Svg
            | OutputFormat::Speedscope
            | OutputFormat::Stats
            | OutputFormat::Dot
            | OutputFormat::Pprof => false,
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
    type Err = ParseOutputFormatError;
    fn from_str(s: &str) -> Result<OutputFormat, ParseOutputFormatError> {
        OutputFormat::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| ParseOutputFormatError {
                text: s.to_string(),
            })
    }
}

/// A text that is not the name of an [`OutputFormat`] (see [`OutputFormat::ALL`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOutputFormatError {
    text: String,
}

impl fmt::Display for ParseOutputFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = OutputFormat::ALL.iter().map(|(n, _)| *n).collect();
        write!(
            f,
            "{:?} is not an output format; use one of {}",
            self.text,
            names.join(", ")
        )
    }
}

impl std::error::Error for ParseOutputFormatError {}

/// What [`write()`] exports: a call profile or a line profile.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Input<'a> {
    /// A call profile (cProfile's or profile's `.stats`): every output format.
    Calls(&'a Profile),
    /// A line profile (line_profiler's `.lprof`): JSON (`pstat-lines`), callgrind and HTML only
    /// ([`OutputFormat::converts_line_profiles`]).
    Lines(&'a LineProfile),
}

impl<'a> From<&'a Profile> for Input<'a> {
    fn from(profile: &'a Profile) -> Input<'a> {
        Input::Calls(profile)
    }
}

impl<'a> From<&'a LineProfile> for Input<'a> {
    fn from(profile: &'a LineProfile) -> Input<'a> {
        Input::Lines(profile)
    }
}

/// Options of [`write()`]: what `pstat convert` lets its user choose. Each format's own module
/// has the complete options of that format.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the integer costs of callgrind, folded stacks, SVG flame graphs and
    /// speedscope. Default: `None`, each format's own: nanoseconds for callgrind, microseconds
    /// for the others.
    pub unit: Option<TimeUnit>,
    /// The title of an SVG flame graph and the name of a speedscope profile. Default: `None`,
    /// the [`inputs`](Options::inputs) joined by spaces, or without inputs each format's own
    /// (`Flame Graph`, `profile`).
    pub title: Option<String>,
    /// The names of the input files, as the user gave them: a line profile's JSON lists them as
    /// its `inputs` and its callgrind as its `cmd:` line, and they make the default title. (A
    /// call profile's callgrind names the files the profile was read from.) Default: empty.
    pub inputs: Vec<String>,
    /// A DOT graph's node threshold: functions whose cumulative time is below this fraction of
    /// the total are left out (gprof2dot's `-n`, as a fraction). Default: `None`, the
    /// format's own (0.005).
    pub node_fraction: Option<f64>,
    /// A DOT graph's edge threshold (gprof2dot's `-e`, as a fraction). Default: `None`, the
    /// format's own (0.001).
    pub edge_fraction: Option<f64>,
}

impl Options {
    /// The title to use: the one set, else the inputs' names, else `default`.
    fn title_or(&self, default: String) -> String {
        match &self.title {
            Some(title) => title.clone(),
            None if self.inputs.is_empty() => default,
            None => self.inputs.join(" "),
        }
    }
}

/// Writes `input` in `format`, as `pstat convert` does. The writer should be buffered (see the
/// [module documentation](self)).
///
/// # Errors
///
/// [`ErrorKind::UnsupportedOutput`] when a line profile is to be written in a format other
/// than JSON, callgrind or HTML, before anything is written; [`ErrorKind::Io`] when writing fails;
/// when `format` is [`OutputFormat::Stats`], [`ErrorKind::Io`] also for a name longer than
/// marshal's 2 GiB limit.
pub fn write(
    format: OutputFormat,
    input: Input<'_>,
    options: &Options,
    writer: impl io::Write,
) -> Result<(), Error> {
    match input {
        Input::Calls(profile) => write_calls(format, profile, options, writer)?,
        Input::Lines(profile) => write_lines(format, profile, options, writer)?,
    }
    Ok(())
}

/// What [`write()`] writes, in memory.
///
/// # Errors
///
/// [`ErrorKind::UnsupportedOutput`], as [`write()`] returns it; writing to memory does not fail.
pub fn to_vec(format: OutputFormat, input: Input<'_>, options: &Options) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    write(format, input, options, &mut out)?;
    Ok(out)
}

fn write_calls(
    format: OutputFormat,
    profile: &Profile,
    options: &Options,
    writer: impl io::Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Callgrind => {
            let defaults = callgrind::Options::default();
            let options = callgrind::Options {
                unit: options.unit.unwrap_or(defaults.unit),
                ..defaults
            };
            callgrind::write(profile, &options, writer)
        }
        OutputFormat::Folded => {
            let defaults = folded::Options::default();
            let options = folded::Options {
                unit: options.unit.unwrap_or(defaults.unit),
                ..defaults
            };
            folded::write(profile, &options, writer)
        }
        OutputFormat::Svg => {
            let defaults = flamegraph::Options::default();
            let options = flamegraph::Options {
                unit: options.unit.unwrap_or(defaults.unit),
                title: options.title_or(defaults.title),
                ..defaults
            };
            flamegraph::write(profile, &options, writer)
        }
        OutputFormat::Speedscope => {
            let defaults = speedscope::Options::default();
            let options = speedscope::Options {
                unit: options.unit.unwrap_or(defaults.unit),
                name: options.title_or(defaults.name),
                ..defaults
            };
            speedscope::write(profile, &options, writer)
        }
        OutputFormat::Json => json::write(profile, &json::Options::default(), writer),
        OutputFormat::Stats => stats::write(profile, &stats::Options::default(), writer),
        OutputFormat::Dot => {
            let mut dot_options = dot::Options::default();
            if let Some(fraction) = options.node_fraction {
                dot_options.node_fraction = fraction;
            }
            if let Some(fraction) = options.edge_fraction {
                dot_options.edge_fraction = fraction;
            }
            dot::write(profile, &dot_options, writer)
        }
        OutputFormat::Pprof => {
            let options = pprof::Options {
                comments: (!options.inputs.is_empty())
                    .then(|| format!("from {}", options.inputs.join(" ")))
                    .into_iter()
                    .collect(),
                ..pprof::Options::default()
            };
            pprof::write(profile, &options, writer)
        }
        OutputFormat::Html => {
            let options = html_options(options);
            html::write(profile, &options, writer)
        }
    }
}

/// The HTML report's options from [`Options`]: its title is the given one, else the inputs.
fn html_options(options: &Options) -> html::Options {
    let defaults = html::Options::default();
    html::Options {
        title: options.title_or(defaults.title.clone()),
        inputs: options.inputs.clone(),
        ..defaults
    }
}

fn write_lines(
    format: OutputFormat,
    profile: &LineProfile,
    options: &Options,
    writer: impl io::Write,
) -> Result<(), Error> {
    match format {
        OutputFormat::Json => {
            let options = lines::JsonOptions {
                inputs: options.inputs.clone(),
            };
            lines::write_json(profile, &options, writer)?;
        }
        OutputFormat::Callgrind => {
            let defaults = lines::CallgrindOptions::default();
            let options = lines::CallgrindOptions {
                unit: options.unit.unwrap_or(defaults.unit),
                command: options.inputs.join(" "),
            };
            lines::write_callgrind(profile, &options, writer)?;
        }
        OutputFormat::Html => {
            let options = html_options(options);
            html::write_lines(profile, &options, &crate::report::lines::FileSystem, writer)?;
        }
        OutputFormat::Folded
        | OutputFormat::Svg
        | OutputFormat::Speedscope
        | OutputFormat::Stats
        | OutputFormat::Dot
        | OutputFormat::Pprof => {
            return Err(Error::new(
                ErrorKind::UnsupportedOutput {
                    format,
                    input: "a line profile",
                },
                None,
            ));
        }
    }
    Ok(())
}

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
    fn units_parse_and_scale() {
        assert_eq!("us".parse::<TimeUnit>(), Ok(TimeUnit::Us));
        assert!("sec".parse::<TimeUnit>().is_err());
        assert_eq!(TimeUnit::Ms.from_seconds(1.5), 1500.0);
    }

    #[test]
    fn parse_errors_say_what_is_accepted() {
        let unit = "sec".parse::<TimeUnit>().unwrap_err();
        assert_eq!(
            unit.to_string(),
            r#""sec" is not a time unit; use ns, us, ms or s"#
        );
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

    fn call_profile() -> Profile {
        crate::read_path("tests/fixtures/stats/py313/cprofile.stats").expect("fixture reads")
    }

    fn line_profile() -> LineProfile {
        crate::read_lines_path("tests/fixtures/lprof/py312-lp5.1.0/demo.lprof")
            .expect("fixture reads")
    }

    #[test]
    fn write_is_each_formats_own_writer_with_its_defaults() {
        let profile = call_profile();
        let input = Input::Calls(&profile);
        let options = Options::default();
        let written = |format| to_vec(format, input, &options).expect("writes");
        let mut expected = Vec::new();
        callgrind::write(&profile, &callgrind::Options::default(), &mut expected).unwrap();
        assert_eq!(written(OutputFormat::Callgrind), expected);
        expected.clear();
        folded::write(&profile, &folded::Options::default(), &mut expected).unwrap();
        assert_eq!(written(OutputFormat::Folded), expected);
        expected.clear();
        speedscope::write(&profile, &speedscope::Options::default(), &mut expected).unwrap();
        assert_eq!(written(OutputFormat::Speedscope), expected);
        expected.clear();
        stats::write(&profile, &stats::Options::default(), &mut expected).unwrap();
        assert_eq!(written(OutputFormat::Stats), expected);
        expected.clear();
        dot::write(&profile, &dot::Options::default(), &mut expected).unwrap();
        assert_eq!(written(OutputFormat::Dot), expected);
    }

    #[test]
    fn unit_and_title_reach_the_writers() {
        let profile = call_profile();
        let mut options = Options {
            unit: Some(TimeUnit::Ms),
            inputs: vec!["a.stats".to_string(), "b.stats".to_string()],
            ..Options::default()
        };
        let speedscope =
            to_vec(OutputFormat::Speedscope, Input::Calls(&profile), &options).expect("writes");
        let speedscope = String::from_utf8(speedscope).expect("UTF-8");
        assert!(speedscope.contains(r#""name":"a.stats b.stats","#));
        assert!(speedscope.contains(r#""unit":"milliseconds""#));
        options.title = Some("mine".to_string());
        let svg = to_vec(OutputFormat::Svg, Input::Calls(&profile), &options).expect("writes");
        let svg = String::from_utf8(svg).expect("UTF-8");
        assert!(svg.contains("mine (ms; stacks estimated from call edges)"));
    }

    #[test]
    fn line_profiles_write_json_and_callgrind_only() {
        let profile = line_profile();
        let options = Options {
            inputs: vec!["demo.lprof".to_string()],
            ..Options::default()
        };
        let callgrind =
            to_vec(OutputFormat::Callgrind, Input::Lines(&profile), &options).expect("writes");
        assert!(callgrind.starts_with(b"# callgrind format\n"));
        assert!(
            String::from_utf8(callgrind)
                .unwrap()
                .contains("\ncmd: demo.lprof\n")
        );
        let json = to_vec(OutputFormat::Json, Input::Lines(&profile), &options).expect("writes");
        assert!(
            String::from_utf8(json)
                .unwrap()
                .contains(r#""inputs": [{"path":"demo.lprof"}],"#)
        );
        for (_, format) in OutputFormat::ALL {
            let mut out = Vec::new();
            let result = write(format, Input::Lines(&profile), &options, &mut out);
            assert_eq!(result.is_ok(), format.converts_line_profiles(), "{format}");
            if let Err(e) = result {
                assert!(matches!(
                    e.kind(),
                    ErrorKind::UnsupportedOutput { format: f, .. } if *f == format
                ));
                assert_eq!(
                    e.to_string(),
                    format!("a line profile cannot be written as {format}")
                );
                assert!(out.is_empty(), "nothing written before the error");
            }
        }
    }
}
