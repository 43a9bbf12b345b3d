//! The `pstat` command line: a thin layer that maps flags to library options.
//!
//! Exit status: 0 on success (also when the reader of standard output goes away), 1 when an
//! input cannot be read or is not a profile, 2 on a usage error.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use pstat::{ListOptions, Profile, Restriction, SortKey};

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
}

#[derive(Args)]
struct ReportArgs {
    /// Profile dumps (.stats/.prof from cProfile or profile); several are added together as
    /// pstats.Stats(a, b, ...) adds them
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

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
            eprintln!("pstat: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let (args, write): (ReportArgs, Writer) = match cli.command {
        Command::Show(args) => (args, |p, o, w| pstat::report::write_stats(p, o, w)),
        Command::Callers(args) => (args, |p, o, w| pstat::report::write_callers(p, o, w)),
        Command::Callees(args) => (args, |p, o, w| pstat::report::write_callees(p, o, w)),
    };
    let mut profile = load(&args.files)?;
    if args.strip_dirs {
        profile = profile.strip_dirs();
    }
    let mut options = ListOptions::default();
    options.sort = args.sort.clone();
    options.reverse = args.reverse;
    options.restrictions = args.restrictions(matches);

    let stdout = io::stdout().lock();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout);
    write(&profile, &options, &mut out).context("writing the report")?;
    out.flush().context("writing the report")?;
    Ok(())
}

type Writer = fn(&Profile, &ListOptions, &mut dyn Write) -> io::Result<()>;

fn load(files: &[PathBuf]) -> anyhow::Result<Profile> {
    let profiles = files
        .iter()
        .map(|path| pstat::read_path(path).with_context(|| format!("reading {}", path.display())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Profile::combine(profiles))
}
