//! `pstat diff`: what changed between two profiles or two groups of runs (docs/diff.md).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use pstat::Profile;
use pstat::export::TimeUnit;
use pstat::export::diff::DiffFormat;
use pstat::query::diff::{DiffOptions, DiffSort, GateFailure, MinDelta, Selection};
use pstat::{NameFilter, ProfileKind};

use crate::filters::FilterArgs;
use crate::output::emit;
use crate::{SampledArgs, input, report_output, style, usage_error};

/// The exit status when `--fail-if-slower` finds a slowdown.
pub const SLOWER: u8 = 3;

#[derive(Args)]
pub struct DiffArgs {
    /// The base profile, then the new one (or give each side's runs with --base and --new)
    #[arg(value_name = "FILE", num_args = 0..=2)]
    files: Vec<PathBuf>,

    /// The base side's runs: each side is the mean of its runs, with the spread shown and a
    /// noise test on each change
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "new", conflicts_with = "files")]
    base: Vec<PathBuf>,

    /// The new side's runs
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "base", conflicts_with = "files")]
    new: Vec<PathBuf>,

    #[command(flatten)]
    sampled: SampledArgs,

    /// Order rows by: delta (|Δ tottime|), ratio (new/base), base or new (own time), largest
    /// first
    #[arg(long, short = 's', value_name = "KEY", default_value = "delta")]
    sort: DiffSort,

    /// Show the first N rows
    #[arg(short = 'n', long = "count", value_name = "N")]
    count: Option<usize>,

    /// Show the rows whose printed name matches this Python regular expression (repeat to
    /// require several)
    #[arg(long = "match", short = 'm', value_name = "REGEX")]
    regex: Vec<String>,

    /// Show the rows whose own time changed by at least this: seconds (0.01) or a percentage
    /// of the base's (5%)
    #[arg(long, value_name = "MIN")]
    min_delta: Option<MinDelta>,

    /// Exit with status 3 and one line saying why when total time grew by more than PCT
    /// percent, or, with --min-delta, when a function above it did (changes the noise test
    /// finds to be noise do not count)
    #[arg(long, value_name = "PCT")]
    fail_if_slower: Option<f64>,

    /// Match files below site-packages/, dist-packages/ and lib/pythonX.Y/ under any prefix
    /// (the default)
    #[arg(long, overrides_with = "no_normalize_paths")]
    normalize_paths: bool,

    /// Match files by their paths as recorded
    #[arg(long)]
    no_normalize_paths: bool,

    /// Rewrite paths that start with OLD to start with NEW before matching (repeat for
    /// several; the first that matches applies)
    #[arg(long, value_name = "OLD=NEW", value_parser = prefix_map)]
    map: Vec<(String, String)>,

    /// Match files by base name only, as pstats' strip_dirs (functions that then share a key
    /// are added up)
    #[arg(long)]
    strip_dirs: bool,

    /// Scale every run's times to the new side's mean total first (pprof's -normalize)
    #[arg(long)]
    normalize: bool,

    /// Line profiles: print no source lines and read no source file
    #[arg(long)]
    no_source: bool,

    /// Output format on standard output: text or json; with -o, OUT's name decides (*.json,
    /// *.folded, *.svg, *.txt, *.html)
    #[arg(long, short = 'f', value_name = "FORMAT")]
    format: Option<DiffFormat>,

    /// Write to this file instead of the report on standard output; - for standard output
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,

    /// Time unit of the folded and SVG outputs' counts: ns, us, ms or s [default: us]
    #[arg(long, value_name = "UNIT")]
    unit: Option<TimeUnit>,

    #[command(flatten)]
    filters: FilterArgs,
}

/// `--map OLD=NEW`.
fn prefix_map(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((old, new)) if !old.is_empty() => Ok((old.to_string(), new.to_string())),
        _ => Err(format!("{text:?} is not OLD=NEW")),
    }
}

/// The gate's verdict, carried to `main` for its exit status.
#[derive(Debug)]
pub struct Slower(pub GateFailure, pub f64);

impl std::fmt::Display for Slower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "slower: {} (--fail-if-slower {}%)", self.0, self.1)
    }
}

impl std::error::Error for Slower {}

pub fn run(args: DiffArgs, color: style::ColorChoice) -> anyhow::Result<()> {
    let (base_files, new_files) = match args.files.as_slice() {
        [base, new] => (vec![base.clone()], vec![new.clone()]),
        [] if !args.base.is_empty() => (args.base.clone(), args.new.clone()),
        _ => usage_error("give two profiles, BASE and NEW, or --base A1 A2 … --new B1 B2 …"),
    };
    let format = match (&args.format, &args.output) {
        (Some(format), _) => *format,
        (None, Some(out)) if out.as_os_str() == "-" => DiffFormat::Text,
        (None, Some(out)) => DiffFormat::from_path(out).unwrap_or_else(|| {
            usage_error(&format!(
                "cannot tell the output format from the name {:?}; name it x.json, x.folded, \
                 x.svg, x.txt or x.html, or pass --format",
                out.display()
            ))
        }),
        (None, None) => DiffFormat::Text,
    };
    if matches!(
        format,
        DiffFormat::Folded | DiffFormat::Svg | DiffFormat::Html
    ) && args.output.is_none()
    {
        usage_error(
            "folded, SVG and HTML output go to a file: give -o OUT (- for standard output)",
        );
    }
    let mut selection = Selection::default();
    selection.sort = args.sort;
    selection.count = args.count;
    selection.min_delta = args.min_delta;
    selection.matches = args
        .regex
        .iter()
        .map(|pattern| {
            NameFilter::new(pattern)
                .unwrap_or_else(|e| usage_error(&format!("--match {pattern:?}: {e}")))
        })
        .collect();
    let mut options = DiffOptions::default();
    options.paths.canonical = !args.no_normalize_paths;
    options.paths.maps = args.map.clone();
    options.paths.strip_dirs = args.strip_dirs;
    options.normalize = args.normalize;

    let mut read_options = args.sampled.read_options();
    // The report needs no edges (reading without them takes about half the time); filters and
    // estimated stacks do.
    read_options.callers = !args.filters.is_empty()
        || matches!(
            format,
            DiffFormat::Folded | DiffFormat::Svg | DiffFormat::Html
        );
    let all = [base_files.clone(), new_files.clone()].concat();
    input::sources(&all)?;
    let (lines, calls): (Vec<&PathBuf>, Vec<&PathBuf>) = all
        .iter()
        .partition(|path| input::kind(path) == ProfileKind::Lines);
    match (lines.first(), calls.first()) {
        (Some(lines), Some(calls)) => anyhow::bail!(
            "cannot compare {} (a line_profiler file) with {} (not one): give two .lprof \
             files, or two call profiles",
            input::describe(lines),
            input::describe(calls)
        ),
        (Some(_), None) => {
            return run_lines(&args, &base_files, &new_files, format, &options, color);
        }
        _ => {}
    }
    // Each run on its own, the two halves at once where there are two cores.
    read_options.kind = Some(ProfileKind::Calls);
    let read = input::read_each(&all, &read_options)?;
    let mut base = read
        .into_iter()
        .zip(&all)
        .map(|(profile, path)| {
            let (profile, _) = args
                .filters
                .apply(profile.into_calls()?)
                .with_context(|| input::describe(path))?;
            Ok(profile)
        })
        .collect::<anyhow::Result<Vec<Profile>>>()?;
    let new = base.split_off(base_files.len());
    let diff = pstat::query::diff::diff(&base, &new, &options).context("comparing the profiles")?;

    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        match format {
            DiffFormat::Text => {
                let mut report = pstat::report::diff::Options::default();
                report.selection = selection.clone();
                pstat::report::diff::write(&diff, &report, out)
            }
            DiffFormat::Json => pstat::export::diff::write_json(&diff, &selection, out),
            DiffFormat::Html => {
                let mut page = pstat::export::html::Options::default();
                let names = |files: &[PathBuf]| {
                    let names: Vec<String> =
                        files.iter().map(|f| f.display().to_string()).collect();
                    names.join(" ")
                };
                page.title = format!("{} → {}", names(&base_files), names(&new_files));
                pstat::export::html::write_diff(&base, &new, &diff, &options, &page, out)
            }
            _ => {
                let mut export = pstat::export::diff::Options::default();
                if let Some(unit) = args.unit {
                    export.unit = unit;
                }
                match format {
                    DiffFormat::Folded => {
                        pstat::export::diff::write_folded(&base, &new, &options, &export, out)
                    }
                    _ => pstat::export::diff::write_svg(&base, &new, &options, &export, out),
                }
            }
        }
    };
    deliver(args.output.as_deref(), &all, color, write)?;
    if let Some(percent) = args.fail_if_slower
        && let Some(failure) = diff.gate(percent, args.min_delta)
    {
        return Err(Slower(failure, percent).into());
    }
    Ok(())
}

/// `pstat diff a.lprof b.lprof`: the line-by-line report (docs/diff.md, "Line profiles").
fn run_lines(
    args: &DiffArgs,
    base_files: &[PathBuf],
    new_files: &[PathBuf],
    format: DiffFormat,
    options: &DiffOptions,
    color: style::ColorChoice,
) -> anyhow::Result<()> {
    let ([base_file], [new_file]) = (base_files, new_files) else {
        anyhow::bail!(
            "line profiles are compared one file per side: the noise test over several runs \
             is done for call profiles only (give one .lprof for --base and one for --new)"
        );
    };
    // The options of the function report that have no meaning for line profiles.
    let unused = [
        (args.sort != DiffSort::Delta, "--sort"),
        (args.count.is_some(), "-n"),
        (!args.regex.is_empty(), "--match"),
        (args.min_delta.is_some(), "--min-delta"),
        (args.fail_if_slower.is_some(), "--fail-if-slower"),
        (args.normalize, "--normalize"),
        (args.unit.is_some(), "--unit"),
        (
            format != DiffFormat::Text,
            "an output format other than text",
        ),
        (!args.filters.is_empty(), "filters"),
        (
            args.sampled.rate.is_some() || args.sampled.thread_frames,
            "--rate and --thread-frames",
        ),
    ];
    if let Some((_, option)) = unused.iter().find(|(given, _)| *given) {
        usage_error(&format!(
            "{option} does not apply to line profiles: their diff is line_profiler's text \
             report with changes, largest change of total time first"
        ));
    }
    let (base, new) = (
        input::read_lines(std::slice::from_ref(base_file))?,
        input::read_lines(std::slice::from_ref(new_file))?,
    );
    let mut line_options = pstat::query::diff::lines::Options::default();
    line_options.paths = options.paths.clone();
    let diff = pstat::query::diff::lines::diff(&base, &new, &line_options)
        .context("comparing the line profiles")?;
    if diff.matched() == 0 {
        anyhow::bail!(
            "no function of {} is in {}: nothing to compare (are they profiles of the same \
             program? --map OLD=NEW or --strip-dirs match files that moved)",
            input::describe(base_file),
            input::describe(new_file)
        );
    }
    let mut report = pstat::report::diff_lines::Options::default();
    report.labels = [input::describe(base_file), input::describe(new_file)];
    let sources = crate::line_sources(args.no_source);
    let write = |out: &mut dyn Write| {
        pstat::report::diff_lines::write_with_sources(&diff, &report, sources, out)
    };
    let inputs = [base_file.clone(), new_file.clone()];
    deliver(args.output.as_deref(), &inputs, color, write)?;
    Ok(())
}

/// Writes the report to `output`, or to standard output when there is none.
fn deliver(
    output: Option<&std::path::Path>,
    inputs: &[PathBuf],
    color: style::ColorChoice,
    write: impl Fn(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => emit(path, inputs, |out| write(out)),
        None => {
            let mut out = report_output(color);
            write(&mut out).context("writing the report")?;
            out.flush().context("writing the report")
        }
    }
}
