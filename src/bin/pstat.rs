//! The `pstat` command line: a thin layer that maps flags to library options.
//!
//! Exit status: 0 on success (also when the reader of standard output goes away), 1 when an
//! input cannot be read or is not a profile, 2 on a usage error.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use pstat::OutputFormat;
use pstat::export::{self, Input, TimeUnit};
use pstat::{
    Combiner, LineProfile, ListOptions, NameFilter, Profile, ReadOptions, Restriction, SortKey,
};

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
    /// Print the call tree, top-down from the roots (or bottom-up with --inverted), with
    /// cumulative %, self % and calls on each line; children below 0.5% are summarised
    Tree(TreeArgs),
}

#[derive(Args)]
struct TreeArgs {
    /// Profiles: .stats/.prof dumps from cProfile, profile or Python 3.15's sampler, folded
    /// stacks (py-spy, Python 3.15, flamegraph.pl) or speedscope JSON; several are added
    /// together first
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    #[command(flatten)]
    sampled: SampledArgs,

    /// Strip directories from file names first (and merge functions that then have the same key)
    #[arg(long)]
    strip_dirs: bool,

    /// Bottom-up: the functions with the most own time, each with who called them
    #[arg(long)]
    inverted: bool,

    /// Print at most N lines of the tree, then say how many were cut
    #[arg(long, value_name = "N")]
    max_lines: Option<usize>,

    /// Draw the tree with ASCII characters (the default when the locale is not UTF-8)
    #[arg(long)]
    ascii: bool,
}

#[derive(Args)]
struct ConvertArgs {
    /// Profiles: .stats/.prof dumps from cProfile, profile or Python 3.15's sampler, folded
    /// stacks (py-spy, Python 3.15, flamegraph.pl) or speedscope JSON
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    #[command(flatten)]
    sampled: SampledArgs,

    /// Output file, written whole or not at all; - for standard output
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,

    /// Output format; without it, OUT's name decides: callgrind.out*, *.callgrind →
    /// callgrind; *.folded, *.collapsed → folded; *.svg → svg; *.speedscope.json → speedscope;
    /// *.json → json; *.stats, *.prof, *.pstats → stats
    #[arg(long, short = 'f', value_name = "FORMAT")]
    format: Option<OutputFormat>,

    /// Strip directories from file names first (and merge functions that then have the same key)
    #[arg(long)]
    strip_dirs: bool,

    /// Keep only the functions whose printed name matches this Python regular expression
    /// (repeat to require several), with the calls between them
    #[arg(long = "match", short = 'm', value_name = "REGEX")]
    regex: Vec<String>,

    /// Time unit of the output's integer costs: ns, us, ms or s [default: ns for callgrind,
    /// us for folded, svg and speedscope]
    #[arg(long, value_name = "UNIT")]
    unit: Option<TimeUnit>,
}

#[derive(Args)]
struct LinesArgs {
    /// line_profiler dumps (.lprof, from kernprof -l or LineProfiler.dump_stats)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

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

/// How sampled inputs are read.
#[derive(Args)]
struct SampledArgs {
    /// Folded stacks: the sampling rate in Hz (py-spy's --rate, 100 by default; Python 3.15's
    /// -r, 1000 by default), so that times are seconds; without it they are sample counts
    #[arg(long, value_name = "HZ", value_parser = positive_float)]
    rate: Option<f64>,

    /// Sampled profiles with threads: keep each thread as a root frame, `thread (TID): NAME`,
    /// instead of merging the threads' stacks
    #[arg(long)]
    thread_frames: bool,
}

impl SampledArgs {
    fn read_options(&self) -> ReadOptions {
        let mut options = ReadOptions::default();
        options.sample_interval = self.rate.map(|hz| 1.0 / hz);
        options.thread_frames = self.thread_frames;
        options
    }
}

/// line_profiler's `positive_float`: anything Python's float() reads, above zero.
fn positive_float(text: &str) -> Result<f64, String> {
    let cleaned = text.trim().replace('_', "");
    match cleaned.parse::<f64>() {
        Ok(v) if v > 0.0 || v.is_nan() => Ok(v),
        _ => Err(format!("invalid positive_float value: {text:?}")),
    }
}

#[derive(Args)]
struct ReportArgs {
    /// Profiles: .stats/.prof dumps from cProfile, profile or Python 3.15's sampler, folded
    /// stacks (py-spy, Python 3.15, flamegraph.pl) or speedscope JSON; several are added
    /// together as pstats.Stats(a, b, ...) adds them
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    #[command(flatten)]
    sampled: SampledArgs,

    /// Sort by KEY: calls, cumulative, filename, line, name, nfl, pcalls, stdname, time (and
    /// pstats' aliases and unambiguous abbreviations); repeat or separate with commas for
    /// several keys. Without it, functions are listed in file order
    #[arg(long, short = 's', value_name = "KEY", value_delimiter = ',')]
    sort: Vec<SortKey>,

    /// Reverse the sorted order
    #[arg(long)]
    reverse: bool,

    /// Strip directories from file names (and merge functions that then have the same key)
    #[arg(long)]
    strip_dirs: bool,

    /// Keep the first N functions (restrictions apply in command-line order)
    #[arg(
        short = 'n',
        long = "count",
        value_name = "N",
        allow_negative_numbers = true
    )]
    count: Vec<i64>,

    /// Keep this fraction (0.0 to 1.0) of the functions
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    fraction: Vec<f64>,

    /// Keep the functions whose printed name matches this Python regular expression
    #[arg(long = "match", short = 'm', value_name = "REGEX")]
    regex: Vec<String>,
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
    let sub_matches = matches
        .subcommand()
        .map(|(_, m)| m)
        .expect("subcommand is required");
    match run(cli, sub_matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pstat: {}", describe(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes, each after a colon as anyhow's `{:#}` prints them, with advice
/// where the library's error says that an input is of another kind than the command reads.
fn describe(e: &anyhow::Error) -> String {
    let causes: Vec<String> = e
        .chain()
        .map(|cause| match cause.downcast_ref::<pstat::Error>() {
            Some(error) => with_advice(error),
            None => cause.to_string(),
        })
        .collect();
    causes.join(": ")
}

/// A wrong-format error names the command that reads what the input is instead.
fn with_advice(error: &pstat::Error) -> String {
    let advice = match error.kind() {
        pstat::ErrorKind::WrongFormat {
            found: pstat::InputFormat::Stats,
            ..
        } => "use `pstat show` for those",
        pstat::ErrorKind::WrongFormat {
            found: pstat::InputFormat::Pickle,
            ..
        } => "use `pstat lines` for those",
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
    let (args, write): (ReportArgs, Writer) = match cli.command {
        Command::Show(args) => (args, |p, o, w| pstat::report::write_stats(p, o, w)),
        Command::Callers(args) => (args, |p, o, w| pstat::report::write_callers(p, o, w)),
        Command::Callees(args) => (args, |p, o, w| pstat::report::write_callees(p, o, w)),
        Command::Convert(args) => return convert(args),
        Command::Lines(args) => return lines(args),
        Command::Tree(args) => return tree(args),
    };
    // A function listing needs no edges: reading without them takes about half the time.
    let mut read_options = args.sampled.read_options();
    read_options.callers = !show;
    let mut profile = load(&args.files, &read_options)?;
    if args.strip_dirs {
        profile = profile.strip_dirs();
    }
    let mut options = ListOptions::default();
    options.sort = args.sort.clone();
    options.reverse = args.reverse;
    options.restrictions = args.restrictions(matches);

    let mut out = report_output();
    write(&profile, &options, &mut out).context("writing the report")?;
    out.flush().context("writing the report")?;
    Ok(())
}

fn lines(args: LinesArgs) -> anyhow::Result<()> {
    let profile = load_lines(&args.files)?;
    let mut options = pstat::report::lines::Options::default();
    options.output_unit = Some(args.unit);
    options.skip_zero = args.skip_zero;
    options.summarize = args.summarize;
    options.sort = args.sort;
    let mut out = report_output();
    pstat::report::lines::write(&profile, &options, &mut out).context("writing the report")?;
    out.flush().context("writing the report")?;
    Ok(())
}

fn tree(args: TreeArgs) -> anyhow::Result<()> {
    let mut profile = load(&args.files, &args.sampled.read_options())?;
    if args.strip_dirs {
        profile = profile.strip_dirs();
    }
    let mut options = pstat::query::tree::TreeOptions::default();
    options.inverted = args.inverted;
    let tree = pstat::query::tree::build(&profile, &options);
    let mut report = pstat::report::tree::Options::default();
    report.ascii = args.ascii || !utf8_locale();
    report.max_lines = args.max_lines;
    let mut out = report_output();
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

/// Standard output for a report: buffered, with control characters escaped on a terminal.
fn report_output() -> io::BufWriter<EscapeControls<io::StdoutLock<'static>>> {
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    io::BufWriter::with_capacity(64 * 1024, EscapeControls::new(stdout.lock(), terminal))
}

fn load_lines(files: &[PathBuf]) -> anyhow::Result<LineProfile> {
    let profiles = files
        .iter()
        .map(|path| {
            pstat::read_lines_path(path).with_context(|| format!("reading {}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(LineProfile::combine(profiles))
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
        refuse_input_as_output(&args.files, &args.output)?;
    }
    let mut options = export::Options::default();
    options.unit = args.unit;
    options.inputs = args.files.iter().map(|p| p.display().to_string()).collect();
    if is_line_profile(&args.files[0]) {
        return convert_lines(&args, format, &options);
    }

    let mut profile = load(&args.files, &args.sampled.read_options())?;
    if args.strip_dirs {
        profile = profile.strip_dirs();
    }
    if !filters.is_empty() {
        profile = profile.retain(|id| filters.iter().all(|f| f.matches(&profile, id)));
    }
    emit(&args.output, |out| {
        export::write(format, Input::Calls(&profile), &options, out).map_err(write_error)
    })
}

/// Whether a file is a pickle, as line_profiler's `.lprof` files are.
fn is_line_profile(path: &Path) -> bool {
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && pstat::InputFormat::detect(&head) == pstat::InputFormat::Pickle
}

fn convert_lines(
    args: &ConvertArgs,
    format: OutputFormat,
    options: &export::Options,
) -> anyhow::Result<()> {
    // Checked before reading, so that a wrong format is what is reported first.
    if !format.converts_line_profiles() {
        anyhow::bail!(
            "{} is a line_profiler file: it converts to json or callgrind, not {}",
            args.files[0].display(),
            format.name()
        );
    }
    if args.strip_dirs || !args.regex.is_empty() {
        anyhow::bail!("--strip-dirs and --match apply to .stats profiles only");
    }
    let profile = load_lines(&args.files)?;
    emit(&args.output, |out| {
        export::write(format, Input::Lines(&profile), options, out).map_err(write_error)
    })
}

/// The I/O error behind a write error, so that it reads as before (`pstat::Error` shows an I/O
/// error's text and also gives it as its source).
fn write_error(e: pstat::Error) -> io::Error {
    let kind = match e.kind() {
        pstat::ErrorKind::Io(io) => io.kind(),
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, WriteError(e))
}

/// A `pstat::Error` from writing, shown as the I/O error it holds.
#[derive(Debug)]
struct WriteError(pstat::Error);

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.kind() {
            pstat::ErrorKind::Io(io) => io.fmt(f),
            _ => self.0.fmt(f),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.0.kind() {
            pstat::ErrorKind::Io(io) => io.source(),
            _ => self.0.source(),
        }
    }
}

/// Where a conversion goes: a buffer in front of standard output or the output file. The
/// exporters write in small pieces into the buffer, which reaches the file in large ones.
type Output<'a> = io::BufWriter<&'a mut dyn Write>;

/// Writes a conversion to standard output (`-`) or, atomically, to the output file.
fn emit(
    output: &Path,
    write: impl FnOnce(&mut Output<'_>) -> io::Result<()>,
) -> anyhow::Result<()> {
    if output.as_os_str() == "-" {
        let mut stdout = io::stdout().lock();
        let mut out: Output<'_> = io::BufWriter::new(&mut stdout);
        write(&mut out).context("writing to standard output")?;
        out.flush().context("writing to standard output")?;
    } else {
        write_atomically(output, write).with_context(|| format!("writing {}", output.display()))?;
    }
    Ok(())
}

/// Writes to a temporary file beside `path`, then renames it over `path`: a reader never sees
/// a partial file, and a failed conversion leaves nothing behind.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut Output<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".pstat-")
        .tempfile_in(dir)?;
    {
        let mut out: Output<'_> = io::BufWriter::new(temp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// An output that is one of the inputs (by any name) would destroy it.
fn refuse_input_as_output(inputs: &[PathBuf], output: &Path) -> anyhow::Result<()> {
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(());
    };
    for input in inputs {
        if let Ok(meta) = std::fs::metadata(input)
            && same_file(&meta, &out)
        {
            anyhow::bail!(
                "refusing to write {}: it is the input {}",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

fn usage_error(message: &str) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, message)
        .exit()
}

/// Names in a profile are data from whoever made it: on a terminal, control characters
/// (C0 other than newline and tab, DEL, C1) are shown as `\xNN` / `\uNNNN` instead of being
/// sent raw, so a crafted name cannot drive the terminal. Into a pipe or file the report goes
/// byte for byte, as pstats prints it.
struct EscapeControls<W> {
    inner: W,
    active: bool,
    /// A 0xC2 byte seen at the end of the last write: the start of a possible C1 character.
    pending_c2: bool,
}

impl<W: Write> EscapeControls<W> {
    fn new(inner: W, active: bool) -> Self {
        EscapeControls {
            inner,
            active,
            pending_c2: false,
        }
    }
}

impl<W: Write> Write for EscapeControls<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.active {
            return self.inner.write(buf);
        }
        let mut out = Vec::with_capacity(buf.len() + 16);
        for &byte in buf {
            if self.pending_c2 {
                self.pending_c2 = false;
                if (0x80..=0x9f).contains(&byte) {
                    out.extend_from_slice(format!("\\u{:04x}", byte).as_bytes());
                    continue;
                }
                out.push(0xc2);
            }
            match byte {
                b'\n' | b'\t' => out.push(byte),
                0x00..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{byte:02x}").as_bytes()),
                0xc2 => self.pending_c2 = true,
                _ => out.push(byte),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.pending_c2) {
            self.inner.write_all(&[0xc2])?;
        }
        self.inner.flush()
    }
}

type Writer = fn(&Profile, &ListOptions, &mut dyn Write) -> io::Result<()>;

fn load(files: &[PathBuf], options: &ReadOptions) -> anyhow::Result<Profile> {
    let read = |path: &PathBuf| {
        pstat::read_path_with(path, options).with_context(|| format!("reading {}", path.display()))
    };
    if let [only] = files {
        return read(only);
    }
    // pstats.Stats(a, b, c) adds a, then c, then b. One thread decodes the files in that order
    // while this one adds them up; at most two decoded profiles wait in between, so memory
    // stays that of the combined profile, not of all the inputs.
    let order = Combiner::pstats_order(files.len());
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(2);
        scope.spawn(move || {
            for i in order {
                let result = read(&files[i]);
                let failed = result.is_err();
                if sender.send((i, result)).is_err() || failed {
                    break;
                }
            }
        });
        let mut combiner = Combiner::default();
        for (i, profile) in receiver {
            combiner
                .add(&profile?)
                .with_context(|| format!("merging {}", files[i].display()))?;
        }
        Ok(combiner.finish())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `EscapeControls` sends on for `writes`, written one after the other, then flushed.
    fn escaped(active: bool, writes: &[&[u8]]) -> Vec<u8> {
        let mut out = EscapeControls::new(Vec::new(), active);
        for bytes in writes {
            assert_eq!(
                out.write(bytes).expect("a Vec takes every byte"),
                bytes.len()
            );
        }
        out.flush().expect("a Vec flushes");
        out.inner
    }

    #[test]
    fn c0_controls_and_del_are_escaped() {
        assert_eq!(escaped(true, &[b"a\x00b\x1bc\x7f"]), b"a\\x00b\\x1bc\\x7f");
        assert_eq!(escaped(true, &[b"\r\x08\x1f"]), b"\\x0d\\x08\\x1f");
    }

    #[test]
    fn newline_and_tab_go_through() {
        assert_eq!(escaped(true, &[b"a\tb\n"]), b"a\tb\n");
    }

    #[test]
    fn c1_controls_are_escaped() {
        assert_eq!(escaped(true, &[b"x\xc2\x80y\xc2\x9b"]), b"x\\u0080y\\u009b");
        assert_eq!(escaped(true, &[b"\xc2\x9f"]), b"\\u009f");
    }

    #[test]
    fn c1_control_split_across_writes_is_escaped() {
        assert_eq!(escaped(true, &[b"x\xc2", b"\x9by"]), b"x\\u009by");
        assert_eq!(escaped(true, &[b"\xc2", b"\xc2", b"\x85"]), b"\xc2\\u0085");
    }

    #[test]
    fn trailing_c2_is_written_on_flush() {
        let mut out = EscapeControls::new(Vec::new(), true);
        out.write_all(b"ab\xc2").expect("a Vec takes every byte");
        assert_eq!(out.inner, b"ab");
        out.flush().expect("a Vec flushes");
        assert_eq!(out.inner, b"ab\xc2");
        out.flush().expect("a Vec flushes");
        assert_eq!(out.inner, b"ab\xc2", "written once");
    }

    #[test]
    fn utf8_text_is_untouched() {
        let text = "café → naïve ¡¿ 日本語 \u{a0}\u{ff} 🦀".as_bytes();
        assert_eq!(escaped(true, &[text]), text);
        // Split inside multi-byte characters, the 0xC2 of U+00A0 among them.
        let (a, b) = text.split_at(text.iter().position(|&b| b == 0xc2).expect("has 0xC2") + 1);
        assert_eq!(escaped(true, &[a, b]), text);
    }

    #[test]
    fn inactive_passes_bytes_through() {
        let bytes: &[u8] = b"a\x00\x1b[31m\x7f\xc2\x9b\xc2";
        assert_eq!(
            escaped(false, &[bytes, b"\xc2", b"\x80"]),
            b"a\x00\x1b[31m\x7f\xc2\x9b\xc2\xc2\x80"
        );
    }
}
