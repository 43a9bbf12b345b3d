//! Where profiles come from: files, or standard input when the path is `-`
//! (`ssh host cat app.prof | pstat show -`). The library reads them (`pstat::read_all`); this
//! module only turns the command line's paths into its sources, draws progress, and says which
//! input an error is about.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pstat::{
    AnyProfile, FunctionId, LineProfile, Profile, ProfileKind, ReadOptions, Source, SourceFile,
};

use crate::progress;

/// What the report calls standard input, as Python's pstats would name a stream.
const STDIN: &str = "<stdin>";

/// Whether `path` stands for standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How an input is named in messages.
pub fn describe(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".to_string()
    } else {
        path.display().to_string()
    }
}

/// Standard input can be read once: `-` may appear once among the inputs.
fn check(files: &[PathBuf]) -> anyhow::Result<()> {
    if files.iter().filter(|path| is_stdin(path)).count() > 1 {
        anyhow::bail!("`-` (standard input) is given more than once; it can be read only once");
    }
    Ok(())
}

/// The most bytes an input read whole may have (`--max-input`), for every read the command
/// makes; the library's default until set.
static MAX_INPUT: OnceLock<u64> = OnceLock::new();

/// Sets `--max-input` for the reads to come (once, before any).
pub fn set_max_input(bytes: u64) {
    let _ = MAX_INPUT.set(bytes);
}

/// `options` with `--max-input`.
fn limited(options: &ReadOptions) -> ReadOptions {
    let mut options = options.clone();
    options.max_input = *MAX_INPUT.get_or_init(|| ReadOptions::default().max_input);
    options
}

/// All of standard input, read on first use, as the library reads a stream: refused from its
/// first bytes if they begin no profile, and past `--max-input`.
fn stdin_bytes() -> Result<&'static [u8], pstat::Error> {
    static BYTES: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    static ERROR: OnceLock<std::sync::Mutex<Option<pstat::Error>>> = OnceLock::new();
    let read = BYTES.get_or_init(|| {
        let options = limited(&ReadOptions::default());
        pstat::read::input_bytes(io::stdin().lock(), &options).map_err(|e| {
            let text = e.to_string();
            *ERROR
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
            text
        })
    });
    match read {
        Ok(bytes) => Ok(bytes),
        Err(text) => {
            let taken = ERROR.get().and_then(|error| {
                error
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
            });
            Err(taken.unwrap_or_else(|| io::Error::other(text.clone()).into()))
        }
    }
}

/// The library's source for one command-line input.
fn source(path: &Path) -> anyhow::Result<Source<'_>> {
    if !is_stdin(path) {
        return Ok(Source::Path(path));
    }
    let bytes = stdin_bytes().map_err(|e| named(e.with_input(STDIN)))?;
    Ok(Source::Bytes { name: STDIN, bytes })
}

/// The library's sources for the command line's inputs.
pub fn sources(files: &[PathBuf]) -> anyhow::Result<Vec<Source<'_>>> {
    check(files)?;
    files.iter().map(|path| source(path)).collect()
}

/// The kind of profile an input holds, as the library tells it from its first bytes.
pub fn kind(path: &Path) -> ProfileKind {
    match source(path) {
        Ok(source) => source.kind(),
        // Reading it will say what is wrong.
        Err(_) => ProfileKind::Calls,
    }
}

/// What a failed read of `path` says first.
fn reading(path: &Path) -> String {
    format!("reading {}", describe(path))
}

/// The library's error with the input it names first, as `reading app.prof: …` (or `merging
/// app.prof: …` for a profile that cannot be added to the others).
pub fn named(error: pstat::Error) -> anyhow::Error {
    let verb = match error.kind() {
        pstat::ErrorKind::Incompatible { .. } => "merging",
        _ => "reading",
    };
    let name = match error.input() {
        Some(STDIN) => "standard input".to_string(),
        Some(name) => name.to_string(),
        None => return error.into(),
    };
    anyhow::Error::new(error).context(format!("{verb} {name}"))
}

/// Reads the inputs and adds them together (`pstat::read_all`), with a spinner for a big
/// input or a bar over several, drawn on a terminal only.
pub fn read(files: &[PathBuf], options: &ReadOptions) -> anyhow::Result<AnyProfile> {
    let sources = sources(files)?;
    let bar = match files {
        [only] => progress::working(files, reading(only)),
        _ => progress::merging(files),
    };
    let read = pstat::read_all(&sources, &limited(options), |_| bar.inc(1));
    bar.finish_and_clear();
    read.map_err(named)
}

/// Reads each input on its own (`pstat::read_each`): a diff's runs.
pub fn read_each(files: &[PathBuf], options: &ReadOptions) -> anyhow::Result<Vec<AnyProfile>> {
    let sources = sources(files)?;
    pstat::read_each(&sources, &limited(options)).map_err(named)
}

/// Reads call profiles: the inputs of `show`, `tree`, `convert` and the others.
pub fn read_calls(files: &[PathBuf], options: &ReadOptions) -> anyhow::Result<Profile> {
    let mut options = options.clone();
    options.kind = Some(ProfileKind::Calls);
    Ok(read(files, &options)?.into_calls()?)
}

/// Reads line profiles, added together as line_profiler 5 adds them.
pub fn read_lines(files: &[PathBuf]) -> anyhow::Result<LineProfile> {
    let mut options = ReadOptions::default();
    options.kind = Some(ProfileKind::Lines);
    Ok(read(files, &options)?.into_lines()?)
}

/// Reads memory_profiler recordings, one per input.
pub fn read_memory(files: &[PathBuf]) -> anyhow::Result<Vec<pstat::MemoryProfile>> {
    let mut options = ReadOptions::default();
    options.kind = Some(ProfileKind::Memory);
    Ok(read(files, &options)?.into_memory()?)
}

/// Reads a call profile from a file or standard input for a report on the callers of the
/// functions `select` picks (see [`pstat::read_path_callers_of`]).
pub fn read_callers_of(
    path: &Path,
    options: &ReadOptions,
    select: impl FnOnce(&Profile) -> Vec<FunctionId>,
) -> anyhow::Result<Profile> {
    let spinner = progress::working(&[path.to_path_buf()], reading(path));
    let read = match source(path)? {
        Source::Bytes { bytes, .. } => pstat::read_callers_of(bytes, &limited(options), select)
            .map(|mut profile| {
                profile.set_source(SourceFile {
                    path: STDIN.to_string(),
                    mtime: None,
                });
                profile
            }),
        _ => pstat::read_path_callers_of(path, &limited(options), select),
    };
    spinner.finish_and_clear();
    read.map_err(|e| {
        let name = if is_stdin(path) {
            STDIN.to_string()
        } else {
            path.display().to_string()
        };
        named(e.with_input(name))
    })
}
