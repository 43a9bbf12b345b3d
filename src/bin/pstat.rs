//! The `pstat` command line: a thin layer that maps flags to library options.
//!
//! Exit status: 0 on success (also when the reader of standard output goes away), 1 when an
//! input cannot be read or is not a profile, 2 on a usage error, 3 when `pstat diff
//! --fail-if-slower` finds a slowdown.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use pstat::OutputFormat;
use pstat::export::{self, Input, TimeUnit};
use pstat::query::filter::Reduction;
use pstat::query::tree::TreeSource;
use pstat::{
    Detected, InputFormat, ListOptions, NameFilter, Profile, ProfileKind, ReadOptions, Restriction,
    SortKey,
};

#[path = "pstat/diff.rs"]
mod diff;
#[path = "pstat/escape.rs"]
mod escape;
#[path = "pstat/filters.rs"]
mod filters;
#[path = "pstat/input.rs"]
mod input;
#[path = "pstat/interrupt.rs"]
mod interrupt;
#[path = "pstat/output.rs"]
mod output;
#[path = "pstat/progress.rs"]
mod progress;
#[path = "pstat/style.rs"]
mod style;
#[path = "pstat/view.rs"]
mod view;

use escape::EscapeControls;
use filters::FilterArgs;
use output::{emit, refuse_input_as_output, write_error};

#[derive(Parser)]
#[command(
    name = "pstat",
    version,
    about = "Read Python profiler dumps: pstats-identical reports, fast",
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Colour report headers: auto (on a terminal, unless NO_COLOR is set), always or never
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: style::ColorChoice,

    /// The largest input read into memory whole, in bytes, or with a suffix K, M, G or T
    /// (powers of 1024); larger inputs are refused before they are read, and a pipe when it
    /// gets past it. A stats dump of 4 MiB or more is decoded as it is read and needs no limit
    #[arg(long, global = true, value_name = "SIZE", default_value = "4G", value_parser = size)]
    max_input: u64,
}

/// A size in bytes: a whole number, or one with a suffix K, M, G or T (powers of 1024).
fn size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("{text:?}: the suffix is K, M, G or T")),
            };
            (&text[..at], shift)
        }
        _ => (text, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{text:?} is not a size in bytes above 0, such as 512M or 8G"))
}

#[derive(Subcommand)]
enum Command {
    /// Print the statistics table, like pstats' print_stats
    Show(ReportArgs),
    /// Print who called each function, like pstats' print_callers
    Callers(ReportArgs),
    /// Print what each function called, like pstats' print_callees
    Callees(ReportArgs),
    /// Print a line_profiler .lprof file as `python -m line_profiler` does (several files are
    /// added together first, as line_profiler 5 adds them)
    Lines(LinesArgs),
    /// Write the profile as callgrind, folded stacks, an SVG flame graph, JSON, speedscope or
    /// a .stats dump (several inputs are added together first, as pstats adds them)
    Convert(ConvertArgs),
    /// Summarise memory_profiler recordings (mprof run's mprofile_*.dat): command, duration,
    /// samples, peak (as `mprof peak`), baseline, and the @profile functions
    Memory(MemoryArgs),
    /// Print a completion script for a shell (bash, zsh, fish, powershell or elvish)
    Completions {
        /// The shell
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Write man pages, pstat.1 and one per command (pstat-show.1, …), into a directory
    Man {
        /// Where to write them (created if missing)
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print the call tree, top-down from the roots (or bottom-up with --inverted), with
    /// cumulative %, self % and calls on each line; children below 0.5% are summarised
    Tree(TreeArgs),
    /// Compare two profiles (or two groups of runs): what got slower, by how much, and
    /// whether it is noise
    Diff(diff::DiffArgs),
    /// Write the HTML report (summary, function table, callers and callees, icicle) to a
    /// temporary file and open it in the default browser
    View(view::ViewArgs),
}

#[derive(Args)]
struct TreeArgs {
    #[command(flatten)]
    profile: ProfileArgs,

    /// Bottom-up: the functions with the most own time, each with who called them
    #[arg(long)]
    inverted: bool,

    /// Print at most N lines of the tree, then say how many were cut
    #[arg(long, value_name = "N")]
    max_lines: Option<usize>,

    /// Print the tree down to N calls below the roots (0: no limit); deeper calls are counted
    /// in one line. Lines deeper than 64 levels are not indented further: they continue flat,
    /// with `[depth N]` before the name, so the output grows with the tree, not its depth squared
    #[arg(long, value_name = "N", default_value_t = pstat::report::tree::MAX_DEPTH)]
    max_depth: usize,

    /// Draw the tree with ASCII characters (the default when the locale is not UTF-8)
    #[arg(long)]
    ascii: bool,

    #[command(flatten)]
    filters: FilterArgs,
}

#[derive(Args)]
struct ConvertArgs {
    #[command(flatten)]
    profile: ProfileArgs,

    /// Output file, written whole or not at all; - for standard output
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,

    /// Output format; without it, OUT's name decides: callgrind.out*, *.callgrind →
    /// callgrind; *.folded, *.collapsed → folded; *.svg → svg; *.speedscope.json → speedscope;
    /// *.json → json; *.stats, *.prof, *.pstats → stats; *.html → html
    #[arg(long, short = 'f', value_name = "FORMAT")]
    format: Option<OutputFormat>,

    /// Keep only the functions whose printed name matches this Python regular expression
    /// (repeat to require several), with the calls between them
    #[arg(long = "match", short = 'm', value_name = "REGEX")]
    regex: Vec<String>,

    /// Time unit of the output's integer costs: ns, us, ms or s [default: ns for callgrind,
    /// us for folded, svg and speedscope]
    #[arg(long, value_name = "UNIT")]
    unit: Option<TimeUnit>,

    #[command(flatten)]
    filters: FilterArgs,
}

#[derive(Args)]
struct LinesArgs {
    /// line_profiler dumps (.lprof, from kernprof -l or LineProfiler.dump_stats)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Print no source lines and read no source file: each function as line_profiler prints
    /// one whose file is missing (sources are read only where plausible: docs/security.md)
    #[arg(long)]
    no_source: bool,

    /// Output unit of the Time and Per Hit columns, in seconds
    #[arg(short = 'u', long, value_name = "U", default_value = "1e-6", value_parser = positive_float)]
    unit: f64,

    /// Leave out functions that never ran (and zero-time ones from the summary)
    #[arg(short = 'z', long)]
    skip_zero: bool,

    /// Print a summary of each function's total time after the details
    #[arg(short = 'm', long)]
    summarize: bool,

    /// Order functions by ascending total time
    #[arg(short = 't', long)]
    sort: bool,
}

#[derive(Args)]
struct MemoryArgs {
    /// memory_profiler recordings (mprofile_*.dat, from `mprof run`)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Order the @profile functions by KEY: calls, increase (largest increase in one call),
    /// end (memory at the end), time (time inside) or name. Without it, in file order
    #[arg(long, short = 's', value_name = "KEY")]
    sort: Option<pstat::report::memory::SortKey>,
}

/// The arguments of every command that reads call profiles: the inputs and how to read them.
#[derive(Args)]
struct ProfileArgs {
    /// Profiles: .stats/.prof dumps from cProfile, profile or Python 3.15's sampler, folded
    /// stacks (py-spy, Python 3.15, flamegraph.pl) or speedscope JSON; for convert and view
    /// also line_profiler .lprof files, and for convert memory_profiler recordings (mprof
    /// run's .dat, to svg, json or html); several are added together first, as
    /// pstats.Stats(a, b, ...) adds them
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    #[command(flatten)]
    sampled: SampledArgs,

    /// Strip directories from file names first (and merge functions that then have the same key)
    #[arg(long)]
    strip_dirs: bool,
}

impl ProfileArgs {
    /// The inputs' names as given, as an export names its inputs.
    fn names(&self) -> Vec<String> {
        self.files.iter().map(|p| p.display().to_string()).collect()
    }
}

/// Where a line report's sources come from: none with `--no-source`, else the file system
/// (plausible Python sources only).
fn line_sources(no_source: bool) -> &'static dyn pstat::report::lines::SourceProvider {
    match no_source {
        true => &pstat::report::lines::NoSources,
        false => &pstat::report::lines::FileSystem,
    }
}

/// How sampled inputs are read.
#[derive(Args)]
pub(crate) struct SampledArgs {
    /// Folded stacks: the sampling rate in Hz (py-spy's --rate, 100 by default; Python 3.15's
    /// -r, 1000 by default), so that times are seconds; without it they are sample counts
    #[arg(long, value_name = "HZ", value_parser = rate)]
    rate: Option<f64>,

    /// Sampled profiles with threads: keep each thread as a root frame, `thread (TID): NAME`,
    /// instead of merging the threads' stacks
    #[arg(long)]
    thread_frames: bool,
}

impl SampledArgs {
    pub(crate) fn read_options(&self) -> ReadOptions {
        let mut options = ReadOptions::default();
        options.sample_interval = self.rate.map(|hz| 1.0 / hz);
        options.thread_frames = self.thread_frames;
        options
    }
}

/// A number as Python's float() reads it (line_profiler's `positive_float`), finite and above
/// zero; line_profiler also takes `nan` and `inf`, which make every time `nan` or 0.
fn positive_float(text: &str) -> Result<f64, String> {
    let cleaned = text.trim().replace('_', "");
    match cleaned.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!(
            "{text:?} is not a number above 0 (a finite one, such as 1e-6)"
        )),
    }
}

/// A sampling rate in Hz: finite, above zero, and with a finite interval (1/rate), so that
/// `--rate 1e-320` is refused rather than making every time infinite.
fn rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && (1.0 / v).is_finite() => Ok(v),
        _ => Err(format!(
            "{text:?} is not a sampling rate: give a number of samples per second above 0 \
             (py-spy's default is 100)"
        )),
    }
}

/// pstats' fraction restriction: 0.0 to 1.0 (pstats silently ignores any other float).
fn fraction_of_list(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{text:?} is not a fraction from 0 to 1 (0.1 keeps a tenth of the list)"
        )),
    }
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    profile: ProfileArgs,

    /// Sort by KEY: calls, cumulative, filename, line, name, nfl, pcalls, stdname, time (and
    /// pstats' aliases and unambiguous abbreviations); repeat or separate with commas for
    /// several keys. Without it, functions are listed in file order
    #[arg(long, short = 's', value_name = "KEY", value_delimiter = ',')]
    sort: Vec<SortKey>,

    /// Reverse the sorted order
    #[arg(long)]
    reverse: bool,

    /// Keep the first N functions (restrictions apply in command-line order)
    #[arg(
        short = 'n',
        long = "count",
        value_name = "N",
        allow_negative_numbers = true
    )]
    count: Vec<i64>,

    /// Keep this fraction (0.0 to 1.0) of the functions
    #[arg(long, value_name = "F", allow_negative_numbers = true, value_parser = fraction_of_list)]
    fraction: Vec<f64>,

    /// Keep the functions whose printed name matches this Python regular expression
    #[arg(long = "match", short = 'm', value_name = "REGEX")]
    regex: Vec<String>,

    #[command(flatten)]
    filters: FilterArgs,
}

impl ReportArgs {
    /// The restrictions in the order they appear on the command line, as pstats applies its
    /// arguments in order.
    fn restrictions(&self, matches: &ArgMatches) -> Vec<Restriction> {
        let mut ordered: Vec<(usize, Restriction)> = Vec::new();
        let mut collect = |id: &str, make: &mut dyn FnMut(usize) -> Restriction| {
            if let Some(indices) = matches.indices_of(id) {
                ordered.extend(indices.enumerate().map(|(i, at)| (at, make(i))));
            }
        };
        collect("count", &mut |i| Restriction::Count(self.count[i]));
        collect("fraction", &mut |i| Restriction::Fraction(self.fraction[i]));
        collect("regex", &mut |i| Restriction::Regex(self.regex[i].clone()));
        ordered.sort_by_key(|(at, _)| *at);
        ordered.into_iter().map(|(_, r)| r).collect()
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    input::set_max_input(cli.max_input);
    let sub_matches = matches
        .subcommand()
        .map(|(_, m)| m)
        .expect("subcommand is required");
    match run(cli, sub_matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<diff::Slower>().is_some() => {
            eprintln!("pstat: {e}");
            ExitCode::from(diff::SLOWER)
        }
        Err(e) => {
            eprintln!("pstat: {}", describe(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes, each after a colon as anyhow's `{:#}` prints them, with advice
/// where the library's error says that an input is of another kind than the command reads. A
/// cause whose text the one before it already ends with (an I/O error that `pstat::Error`
/// shows and also gives as its source) is printed once.
fn describe(e: &anyhow::Error) -> String {
    let mut causes: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = match cause.downcast_ref::<pstat::Error>() {
            Some(error) => with_advice(error),
            None => cause.to_string(),
        };
        if causes.last().is_some_and(|last| last.ends_with(&text)) {
            continue;
        }
        causes.push(text);
    }
    causes.join(": ")
}

/// A wrong-format error names the command that reads what the input is instead.
fn with_advice(error: &pstat::Error) -> String {
    let advice = match error.kind() {
        pstat::ErrorKind::WrongFormat {
            found: Detected::Profile(format),
            ..
        } => match format {
            InputFormat::Stats => "use `pstat show` for those",
            InputFormat::Lprof => "use `pstat lines` for those",
            InputFormat::Mprof => "use `pstat memory` for those",
            _ => return error.to_string(),
        },
        _ => return error.to_string(),
    };
    let mut text = format!("{}: {advice}", error.kind());
    if let Some(offset) = error.offset() {
        text.push_str(&format!(" (at byte {offset})"));
    }
    text
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let show = matches!(cli.command, Command::Show(_));
    let callers = matches!(cli.command, Command::Callers(_));
    let (args, write): (ReportArgs, Writer) = match cli.command {
        Command::Show(args) => (args, |p, o, w| pstat::report::write_stats(p, o, w)),
        Command::Callers(args) => (args, |p, o, w| pstat::report::write_callers(p, o, w)),
        Command::Callees(args) => (args, |p, o, w| pstat::report::write_callees(p, o, w)),
        Command::Convert(args) => return convert(args),
        Command::Lines(args) => return lines(args, cli.color),
        Command::Memory(args) => return memory(args, cli.color),
        Command::Completions { shell } => return completions(shell),
        Command::Man { dir } => return man_pages(&dir),
        Command::Tree(args) => return tree(args, cli.color),
        Command::Diff(args) => return diff::run(args, cli.color),
        Command::View(args) => return view::view(args),
    };
    let mut options = ListOptions::default();
    options.sort = args.sort.clone();
    options.reverse = args.reverse;
    options.restrictions = args.restrictions(matches);
    // A function listing needs no edges: reading without them takes about half the time.
    let mut read_options = args.profile.sampled.read_options();
    read_options.callers = !show || !args.filters.is_empty();
    // One input, no filter, no --strip-dirs, and a restriction that may print a few functions:
    // only the printed functions' callers are read (docs/design.md, "Callers of a few
    // functions"). Without a restriction every function is printed, and a full read is faster.
    let listed_callers = callers
        && !args.profile.strip_dirs
        && args.filters.is_empty()
        && !options.restrictions.is_empty();
    let profile = match args.profile.files.as_slice() {
        [only] if listed_callers => {
            let select = |profile: &Profile| pstat::query::list(profile, &options).functions;
            input::read_callers_of(only, &read_options, select)?
        }
        _ => input::read_calls(&args.profile.files, &read_options)?,
    };
    let profile = match args.profile.strip_dirs {
        true => profile.strip_dirs(),
        false => profile,
    };
    let (profile, reduction) = args.filters.apply(profile)?;
    options.filtered = reduction;

    let mut out = report_output(cli.color);
    write(&profile, &options, &mut out).context("writing the report")?;
    out.flush().context("writing the report")?;
    Ok(())
}

fn lines(args: LinesArgs, color: style::ColorChoice) -> anyhow::Result<()> {
    let profile = input::read_lines(&args.files)?;
    let mut options = pstat::report::lines::Options::default();
    options.output_unit = Some(args.unit);
    options.skip_zero = args.skip_zero;
    options.summarize = args.summarize;
    options.sort = args.sort;
    let mut out = report_output(color);
    pstat::report::lines::write_with_sources(
        &profile,
        &options,
        line_sources(args.no_source),
        &mut out,
    )
    .context("writing the report")?;
    out.flush().context("writing the report")?;
    Ok(())
}

fn tree(args: TreeArgs, color: style::ColorChoice) -> anyhow::Result<()> {
    let mut profile = input::read_calls(&args.profile.files, &args.profile.sampled.read_options())?;
    if args.profile.strip_dirs {
        profile = profile.strip_dirs();
    }
    let mut options = pstat::query::tree::TreeOptions::default();
    options.inverted = args.inverted;
    // The tree takes --node-fraction as the share below which children are summarised in one
    // line, rather than hidden into their callers.
    let mut filter_args = args.filters.clone();
    if let Some(fraction) = filter_args.node_fraction.take() {
        options.min_fraction = fraction;
    }
    let (profile, reduction) = filter_args.apply(profile)?;
    let mut tree = pstat::query::tree::build(&profile, &options);
    // Without stacks, a filter keeps the callers' figures from the file, which include time
    // the filter took out (docs/filters.md): percentages of the whole run stay at most 100%.
    if tree.source == TreeSource::CallEdges
        && let Some(reduction) = &reduction
    {
        tree.total = tree.total.max(reduction.time.before);
    }
    let mut report = pstat::report::tree::Options::default();
    report.ascii = args.ascii || !utf8_locale();
    report.max_lines = args.max_lines;
    report.max_depth = (args.max_depth > 0).then_some(args.max_depth);
    let mut out = report_output(color);
    if let Some(reduction) = reduction.filter(Reduction::changed) {
        writeln!(out, "{reduction}").context("writing the tree")?;
    }
    pstat::report::tree::write(&profile, &tree, &report, &mut out).context("writing the tree")?;
    out.flush().context("writing the tree")?;
    Ok(())
}

/// Whether the locale's character set is UTF-8, as the C library decides it: the first of
/// LC_ALL, LC_CTYPE and LANG that is set and not empty names the locale.
fn utf8_locale() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
        .is_some_and(|locale| {
            let locale = locale.to_ascii_lowercase();
            locale.contains("utf-8") || locale.contains("utf8")
        })
}

/// Standard output for a report: buffered, with control characters escaped on a terminal,
/// then headers coloured if `color` says so.
fn report_output(
    color: style::ColorChoice,
) -> io::BufWriter<EscapeControls<style::Highlight<io::StdoutLock<'static>>>> {
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let highlight = style::Highlight::new(stdout.lock(), color.enabled(terminal));
    io::BufWriter::with_capacity(64 * 1024, EscapeControls::new(highlight, terminal))
}

fn memory(args: MemoryArgs, color: style::ColorChoice) -> anyhow::Result<()> {
    let recordings = input::read_memory(&args.files)?;
    let mut options = pstat::report::memory::Options::default();
    options.sort = args.sort;
    let mut out = report_output(color);
    pstat::report::memory::write(&recordings, &options, &mut out).context("writing the report")?;
    out.flush().context("writing the report")?;
    Ok(())
}

fn convert(args: ConvertArgs) -> anyhow::Result<()> {
    let to_stdout = args.output.as_os_str() == "-";
    let format = match args.format {
        Some(format) => format,
        None if to_stdout => usage_error("writing to standard output needs --format"),
        None => OutputFormat::from_path(&args.output).unwrap_or_else(|| {
            let names: Vec<&str> = OutputFormat::ALL.iter().map(|(name, _)| *name).collect();
            usage_error(&format!(
                "cannot tell the output format from the name {:?}; name it like \
                 callgrind.out, x.callgrind, x.folded, x.svg, x.speedscope.json, x.json or \
                 x.stats, or pass --format with one of: {}",
                args.output.display(),
                names.join(", ")
            ))
        }),
    };
    let filters = args
        .regex
        .iter()
        .map(|pattern| {
            NameFilter::new(pattern)
                .unwrap_or_else(|e| usage_error(&format!("--match {pattern:?}: {e}")))
        })
        .collect::<Vec<_>>();
    if !to_stdout {
        refuse_input_as_output(&args.profile.files, &args.output)?;
    }
    let mut options = export::Options::default();
    options.unit = args.unit;
    options.inputs = args.profile.names();
    match input::kind(&args.profile.files[0]) {
        ProfileKind::Lines => return convert_lines(&args, format, &options),
        ProfileKind::Memory => return convert_memory(&args, format),
        _ => {}
    }

    let mut profile = input::read_calls(&args.profile.files, &args.profile.sampled.read_options())?;
    if args.profile.strip_dirs {
        profile = profile.strip_dirs();
    }
    // A DOT graph takes the fractions as its thresholds, as gprof2dot's -n and -e: functions
    // and calls below them are left out of the drawing rather than hidden into their callers.
    let mut filter_args = args.filters.clone();
    if format == OutputFormat::Dot {
        options.node_fraction = filter_args.node_fraction.take();
        options.edge_fraction = filter_args.edge_fraction.take();
    }
    let (mut profile, _) = filter_args.apply(profile)?;
    if !filters.is_empty() {
        profile = profile.retain(|id| filters.iter().all(|f| f.matches(&profile, id)));
    }
    let spinner = progress::working(&args.profile.files, progress::converting(&args.output));
    let written = emit(&args.output, &args.profile.files, |out| {
        export::write(format, Input::Calls(&profile), &options, out).map_err(write_error)
    });
    spinner.finish_and_clear();
    written
}

fn convert_memory(args: &ConvertArgs, format: OutputFormat) -> anyhow::Result<()> {
    // Checked before reading, so that a wrong format is what is reported first.
    if !format.writes(ProfileKind::Memory) {
        anyhow::bail!(
            "{} is a memory_profiler recording: it converts to svg, json or html, not {}",
            args.profile.files[0].display(),
            format.name()
        );
    }
    if args.profile.strip_dirs || !args.regex.is_empty() || args.unit.is_some() {
        anyhow::bail!("--strip-dirs, --match and --unit apply to call profiles only");
    }
    let recordings = input::read_memory(&args.profile.files)?;
    let options = export::Options::default();
    emit(&args.output, &args.profile.files, |out| {
        export::write(format, Input::Memory(&recordings), &options, out).map_err(write_error)
    })
}

fn convert_lines(
    args: &ConvertArgs,
    format: OutputFormat,
    options: &export::Options,
) -> anyhow::Result<()> {
    // Checked before reading, so that a wrong format is what is reported first.
    if !format.writes(ProfileKind::Lines) {
        anyhow::bail!(
            "{} is a line_profiler file: it converts to json or callgrind, not {}",
            args.profile.files[0].display(),
            format.name()
        );
    }
    if args.profile.strip_dirs || !args.regex.is_empty() {
        anyhow::bail!("--strip-dirs and --match apply to .stats profiles only");
    }
    if !args.filters.is_empty() {
        anyhow::bail!(
            "the filters (--focus, --ignore, …) apply to call profiles, not to line_profiler files"
        );
    }
    let profile = input::read_lines(&args.profile.files)?;
    emit(&args.output, &args.profile.files, |out| {
        export::write(format, Input::Lines(&profile), options, out).map_err(write_error)
    })
}

fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    // clap_complete panics when its writer fails (a closed pipe): it writes into memory, and
    // the script goes out as any other output does.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pstat", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .context("writing to standard output")
}

/// One man page for `pstat` and one per subcommand (`pstat-show.1`, …), as git names its own.
fn man_pages(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut command = Cli::command();
    // Building gives each subcommand the global options (--color), so its page lists them.
    command.build();
    let mut pages = vec![("pstat".to_string(), command.clone())];
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("pstat-{}", sub.get_name());
        let bin_name = format!("pstat {}", sub.get_name());
        pages.push((
            name.clone(),
            sub.clone().display_name(name).bin_name(bin_name),
        ));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        emit(&path, &[], |out| clap_mangen::Man::new(page).render(out))?;
    }
    Ok(())
}

fn usage_error(message: &str) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, message)
        .exit()
}

type Writer = fn(&Profile, &ListOptions, &mut dyn Write) -> io::Result<()>;
