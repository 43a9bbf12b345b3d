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
//! let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats", &Default::default()).and_then(pstat::AnyProfile::into_calls)?;
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

use std::io;

use crate::error::{Error, ErrorKind};
use crate::format::{OutputFormat, ProfileKind};
use crate::model::{LineProfile, MemoryProfile, Profile};
use crate::query::stacks::StackOptions;
use crate::read::AnyProfile;
use crate::threads::Threads;

pub use crate::query::units::{ParseTimeUnitError, TimeUnit};

/// What [`write()`] exports: a call profile, a line profile or memory recordings.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Input<'a> {
    /// A call profile (cProfile's or profile's `.stats`, sampled stacks): every output format.
    Calls(&'a Profile),
    /// A line profile (line_profiler's `.lprof`): JSON (`pstat-lines`), callgrind and HTML only
    /// ([`OutputFormat::writes`]).
    Lines(&'a LineProfile),
    /// memory_profiler recordings: SVG (the plot), JSON and HTML only ([`memory`]).
    Memory(&'a [MemoryProfile]),
}

impl Input<'_> {
    /// The kind of profile this is.
    pub fn kind(&self) -> ProfileKind {
        match self {
            Input::Calls(_) => ProfileKind::Calls,
            Input::Lines(_) => ProfileKind::Lines,
            Input::Memory(_) => ProfileKind::Memory,
        }
    }
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

impl<'a> From<&'a [MemoryProfile]> for Input<'a> {
    fn from(recordings: &'a [MemoryProfile]) -> Input<'a> {
        Input::Memory(recordings)
    }
}

impl<'a> From<&'a AnyProfile> for Input<'a> {
    fn from(profile: &'a AnyProfile) -> Input<'a> {
        match profile {
            AnyProfile::Calls(profile) => Input::Calls(profile),
            AnyProfile::Lines(profile) => Input::Lines(profile),
            AnyProfile::Memory(recordings) => Input::Memory(recordings),
        }
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
    /// Threads the writer may use ([`Threads`]); every output is the same whatever the
    /// setting. Default: auto.
    pub threads: Threads,
    /// A line profile's HTML report: leave out its functions' source, reading no file
    /// ([`crate::report::lines::NoSources`]). Default: false, the sources are read as
    /// [`crate::report::lines::FileSystem`] reads them (docs/security.md, "Source files").
    pub no_source: bool,
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
/// [`ErrorKind::UnsupportedOutput`] when the format cannot hold the input's kind (a line profile
/// in a format other than JSON, callgrind or HTML, memory recordings in one other than SVG,
/// JSON or HTML: [`OutputFormat::writes`]), before anything is written; [`ErrorKind::Io`] when writing fails;
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
        Input::Memory(recordings) => {
            memory::write(format, recordings, &memory::Options::default(), writer)?
        }
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
                threads: options.threads,
                ..defaults
            };
            callgrind::write(profile, &options, writer)
        }
        OutputFormat::Folded => {
            let defaults = folded::Options::default();
            let options = folded::Options {
                unit: options.unit.unwrap_or(defaults.unit),
                stacks: stacks(options),
                ..defaults
            };
            folded::write(profile, &options, writer)
        }
        OutputFormat::Svg => {
            let defaults = flamegraph::Options::default();
            let options = flamegraph::Options {
                unit: options.unit.unwrap_or(defaults.unit),
                title: options.title_or(defaults.title),
                stacks: stacks(options),
                ..defaults
            };
            flamegraph::write(profile, &options, writer)
        }
        OutputFormat::Speedscope => {
            let defaults = speedscope::Options::default();
            let options = speedscope::Options {
                unit: options.unit.unwrap_or(defaults.unit),
                name: options.title_or(defaults.name),
                stacks: stacks(options),
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
                stacks: stacks(options),
                threads: options.threads,
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
        stacks: stacks(options),
        ..defaults
    }
}

/// The default stack estimate, with the threads of `options`.
fn stacks(options: &Options) -> StackOptions {
    StackOptions {
        threads: options.threads,
        ..StackOptions::default()
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
            let sources: &dyn crate::report::lines::SourceProvider = match options.no_source {
                true => &crate::report::lines::NoSources,
                false => &crate::report::lines::FileSystem,
            };
            let options = html_options(options);
            html::write_lines(profile, &options, sources, writer)?;
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
    fn units_parse_and_scale() {
        assert_eq!("us".parse::<TimeUnit>(), Ok(TimeUnit::Us));
        assert!("sec".parse::<TimeUnit>().is_err());
        assert_eq!(TimeUnit::Ms.from_seconds(1.5), 1500.0);
    }

    #[test]
    fn time_unit_parse_errors_say_what_is_accepted() {
        let unit = "sec".parse::<TimeUnit>().unwrap_err();
        assert_eq!(
            unit.to_string(),
            r#""sec" is not a time unit; use ns, us, ms or s"#
        );
    }

    fn call_profile() -> Profile {
        crate::read_path(
            "tests/fixtures/stats/py313/cprofile.stats",
            &Default::default(),
        )
        .and_then(crate::AnyProfile::into_calls)
        .expect("fixture reads")
    }

    fn line_profile() -> LineProfile {
        crate::read_path(
            "tests/fixtures/lprof/py312-lp5.1.0/demo.lprof",
            &Default::default(),
        )
        .and_then(crate::AnyProfile::into_lines)
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
            assert_eq!(
                result.is_ok(),
                format.writes(crate::format::ProfileKind::Lines),
                "{format}"
            );
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
