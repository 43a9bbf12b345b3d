//! The text report of `python -m line_profiler`, byte for byte as line_profiler 5.1's
//! `show_text` writes it (docs/formats.md, "line_profiler's text report").

use std::collections::HashMap;
use std::io;

use crate::escape::plain;
use crate::model::{LineFunction, LineProfile};
use crate::pyfmt::{fixed, general};
use crate::pysource::{self, Source};

/// A function whose source is missing is shown with one empty row per line between its first
/// and last timed line; more rows than this are refused rather than printed (a crafted line
/// number of 2^62 makes Python try to allocate that many).
pub const MAX_MISSING_ROWS: i64 = 1_000_000;

/// What to print, as `python -m line_profiler`'s options say it.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the Time and Per Hit columns, in seconds (`-u`). Default: `None`, the file's
    /// own timer unit, as `show_text(output_unit=None)`; the command line passes 1e-6, as
    /// line_profiler's does.
    pub output_unit: Option<f64>,
    /// Leave out functions that never ran (`-z`), and zero-time functions from the summary.
    /// Default: false.
    pub skip_zero: bool,
    /// Add a one-line summary per function after the details (`-m`). Default: false.
    pub summarize: bool,
    /// Order functions by ascending total time instead of the file's order (`-t`). Default:
    /// false.
    pub sort: bool,
}

/// Column widths line_profiler 5.1 starts from (`[tool.line_profiler.show.column_widths]`).
const WIDTH_LINE: usize = 6;
const WIDTH_HITS: usize = 9;
const WIDTH_TIME: usize = 12;
const WIDTH_PERHIT: usize = 8;
const WIDTH_PERCENT: usize = 8;

/// Where the report finds the source of each profiled function.
pub trait SourceProvider {
    /// The lines of the source file `path` as the profile names it, each with its line ending;
    /// `None` where there is no such file (the report then says it could not find it),
    /// `Some(vec![])` where it exists but cannot be read or decoded (as Python's `linecache`).
    fn lines(&self, path: &str) -> Option<Vec<String>>;

    /// Whether `path` names generated code (a notebook cell and the like) whose source is not
    /// expected to exist: its function is printed without the "Could not find file" notice.
    /// Default: line_profiler 5's test, names starting with `<generated` or `<ipython-input-`
    /// (a provider that reads files adds its own temporary-directory names).
    fn is_generated(&self, path: &str) -> bool {
        is_generated_name(path)
    }
}

/// line_profiler 5's names for generated code that need no temporary directory to recognise.
fn is_generated_name(path: &str) -> bool {
    path.starts_with("<generated") || path.starts_with("<ipython-input-")
}

/// Sources read from the file system, relative to the current directory, as line_profiler
/// reads them (`os.path.exists`, then `linecache.getlines`, PEP 263 encodings). Unlike Python,
/// a path that is a FIFO, a device or a socket counts as missing, so the report never blocks or
/// reads forever.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl SourceProvider for FileSystem {
    fn lines(&self, path: &str) -> Option<Vec<String>> {
        match pysource::read_source(path) {
            Source::Lines(lines) => Some(lines),
            Source::Missing => None,
        }
    }

    /// The default names, and Jupyter's and xeus-python's cells in the temporary directory.
    fn is_generated(&self, path: &str) -> bool {
        let temp = std::env::temp_dir();
        let temp = temp.to_string_lossy();
        let temp = temp.trim_end_matches('/');
        is_generated_name(path)
            || path.starts_with(&format!("{temp}/ipykernel_"))
            || path.starts_with(&format!("{temp}/xpython_"))
    }
}

/// No sources at all: every function is printed as line_profiler prints one whose file is
/// missing, and no file is opened (`pstat lines --no-source`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSources;

impl SourceProvider for NoSources {
    fn lines(&self, _path: &str) -> Option<Vec<String>> {
        None
    }
}

/// Writes the report for `profile`, with sources read from the file system ([`FileSystem`]).
pub fn write<W: io::Write>(profile: &LineProfile, options: &Options, out: W) -> io::Result<()> {
    write_with_sources(profile, options, &FileSystem, out)
}

/// Writes the report for `profile`, with sources from `sources`.
pub fn write_with_sources<W: io::Write>(
    profile: &LineProfile,
    options: &Options,
    sources: &dyn SourceProvider,
    mut out: W,
) -> io::Result<()> {
    let unit = profile.unit;
    let header_unit = options.output_unit.unwrap_or(unit);
    write!(out, "Timer unit: {} s\n\n", general(header_unit, 6))?;
    let mut order: Vec<&LineFunction> = profile.functions.iter().collect();
    if options.sort {
        // sorted(..., key=total time): stable, so ties keep the file's order.
        order.sort_by_key(|f| f.total_time());
    }
    for function in &order {
        write_function(function, unit, options, sources, &mut out)?;
    }
    if options.summarize {
        for function in &order {
            let total = function.total_time() as f64 * unit;
            if !options.skip_zero || total != 0.0 {
                writeln!(
                    out,
                    "{:>6} seconds - {}:{} - {}",
                    fixed(total, 2),
                    plain(&function.file),
                    function.first_line,
                    plain(&function.name)
                )?;
            }
        }
    }
    Ok(())
}

fn write_function<W: io::Write>(
    function: &LineFunction,
    unit: f64,
    options: &Options,
    sources: &dyn SourceProvider,
    out: &mut W,
) -> io::Result<()> {
    let total_hits = function.total_hits();
    let total_time = function.total_time();
    if options.skip_zero && total_hits == 0 {
        return Ok(());
    }
    let output_unit = options.output_unit.unwrap_or(unit);
    let scalar = unit / output_unit;
    let start = function.first_line;

    writeln!(
        out,
        "Total time: {} s",
        general(total_time as f64 * unit, 6)
    )?;
    let source = sources.lines(&function.file);
    let blank = String::new();
    let owned: Vec<String>;
    let sublines: &[String] = match source {
        Some(lines) => {
            write!(
                out,
                "File: {}\nFunction: {} at line {}\n",
                plain(&function.file),
                plain(&function.name),
                start
            )?;
            owned = lines;
            pysource::getblock(pysource::from_line(&owned, start))
        }
        None if sources.is_generated(&function.file) => {
            write!(
                out,
                "File: {}\nFunction: {} at line {}\n",
                plain(&function.file),
                plain(&function.name),
                start
            )?;
            &[]
        }
        None => {
            write!(
                out,
                "\nCould not find file {}\n\
                 Are you sure you are running this program from the same directory\n\
                 that you ran the profiler from?\n\
                 Continuing without the function's contents.\n",
                plain(&function.file)
            )?;
            let lines = function.lines.iter().map(|l| l.line);
            let rows = match (lines.clone().max(), lines.min()) {
                (Some(max), Some(min)) => i128::from(max) - i128::from(min.min(start)) + 1,
                _ => 1,
            };
            if rows > i128::from(MAX_MISSING_ROWS) {
                return Err(io::Error::other(format!(
                    "{}:{} {}: {rows} lines to show, more than {MAX_MISSING_ROWS}",
                    function.file, start, function.name
                )));
            }
            owned = vec![blank; rows.max(0) as usize];
            &owned
        }
    };

    // Cells per line; a later entry for the same line replaces an earlier one.
    let mut display: HashMap<i64, [String; 4]> = HashMap::new();
    for timing in &function.lines {
        let percent = if total_time == 0 {
            String::new()
        } else {
            format!(
                "{:>5}",
                fixed(100.0 * timing.time as f64 / total_time as f64, 1)
            )
        };
        let time = timing.time as f64 * scalar;
        let mut time_cell = format!("{:>5}", fixed(time, 1));
        if time_cell.len() > WIDTH_TIME {
            time_cell = format!("{:>5}", general(time, 3));
        }
        // nhits == 0 makes Python divide by zero; pstat leaves the cell empty.
        let perhit_cell = if timing.hits == 0 {
            String::new()
        } else {
            let per_hit = timing.time as f64 * scalar / timing.hits as f64;
            let cell = format!("{:>5}", fixed(per_hit, 1));
            if cell.len() > WIDTH_PERHIT {
                format!("{:>5}", general(per_hit, 3))
            } else {
                cell
            }
        };
        let mut hits_cell = timing.hits.to_string();
        if hits_cell.len() > WIDTH_HITS {
            hits_cell = general(timing.hits as f64, 6);
        }
        display.insert(timing.line, [hits_cell, time_cell, perhit_cell, percent]);
    }
    let widest = |i: usize, min: usize| {
        display
            .values()
            .map(|cells| cells[i].chars().count())
            .fold(min, usize::max)
    };
    let widths = [
        WIDTH_LINE,
        widest(0, WIDTH_HITS),
        widest(1, WIDTH_TIME),
        widest(2, WIDTH_PERHIT),
        WIDTH_PERCENT,
    ];
    let row = |cells: [&str; 5], contents: &str| {
        format!(
            "{:>w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            contents,
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
        )
    };
    let header = row(
        ["Line #", "Hits", "Time", "Per Hit", "% Time"],
        "Line Contents",
    );
    write!(out, "\n{header}\n{}\n", "=".repeat(header.chars().count()))?;
    let empty: [String; 4] = Default::default();
    for (i, line) in sublines.iter().enumerate() {
        let lineno = start + i as i64;
        let cells = display.get(&lineno).unwrap_or(&empty);
        let contents = line.trim_end_matches('\n').trim_end_matches('\r');
        let number = lineno.to_string();
        writeln!(
            out,
            "{}",
            row(
                [&number, &cells[0], &cells[1], &cells[2], &cells[3]],
                contents
            )
        )?;
    }
    writeln!(out)?;
    Ok(())
}
