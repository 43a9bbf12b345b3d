//! Where profiles come from: files, or standard input when the path is `-`
//! (`ssh host cat app.prof | pstat show -`).

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;
use pstat::{FunctionId, LineProfile, Profile, ReadOptions, SourceFile};

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
pub fn check(files: &[PathBuf]) -> anyhow::Result<()> {
    if files.iter().filter(|path| is_stdin(path)).count() > 1 {
        anyhow::bail!("`-` (standard input) is given more than once; it can be read only once");
    }
    Ok(())
}

/// All of standard input, read on first use.
fn stdin_bytes() -> io::Result<&'static [u8]> {
    static BYTES: OnceLock<Result<Vec<u8>, (io::ErrorKind, String)>> = OnceLock::new();
    let read = BYTES.get_or_init(|| {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map(|_| bytes)
            .map_err(|e| (e.kind(), e.to_string()))
    });
    match read {
        Ok(bytes) => Ok(bytes),
        Err((kind, text)) => Err(io::Error::new(*kind, text.clone())),
    }
}

/// Reads a call profile from a file or standard input.
pub fn read_profile(path: &Path, options: &ReadOptions) -> anyhow::Result<Profile> {
    if !is_stdin(path) {
        return pstat::read_path_with(path, options).with_context(|| reading(path));
    }
    read_stdin_profile(|input| pstat::read_with(input, options))
}

/// What a failed read of `path` says first.
fn reading(path: &Path) -> String {
    format!("reading {}", describe(path))
}

/// Reads a call profile from standard input with `read`, named `<stdin>` in the report.
fn read_stdin_profile(
    read: impl FnOnce(&[u8]) -> Result<Profile, pstat::Error>,
) -> anyhow::Result<Profile> {
    let context = || reading(Path::new("-"));
    let mut profile = read(stdin_bytes().with_context(context)?).with_context(context)?;
    profile.set_source(SourceFile {
        path: "<stdin>".to_string(),
        mtime: None,
    });
    Ok(profile)
}

/// Reads a call profile from a file or standard input for a report on the callers of the
/// functions `select` picks (see [`pstat::read_path_callers_of`]).
pub fn read_profile_callers_of(
    path: &Path,
    options: &ReadOptions,
    select: impl FnOnce(&Profile) -> Vec<FunctionId>,
) -> anyhow::Result<Profile> {
    if !is_stdin(path) {
        return pstat::read_path_callers_of(path, options, select).with_context(|| reading(path));
    }
    read_stdin_profile(|input| pstat::read_callers_of(input, options, select))
}

/// Reads a line profile from a file or standard input.
pub fn read_lines(path: &Path) -> anyhow::Result<LineProfile> {
    let context = || reading(path);
    if is_stdin(path) {
        pstat::read_lines(stdin_bytes().with_context(context)?).with_context(context)
    } else {
        pstat::read_lines_path(path).with_context(context)
    }
}

/// Reads a memory_profiler recording from a file or standard input.
pub fn read_memory(path: &Path) -> anyhow::Result<pstat::MemoryProfile> {
    let context = || reading(path);
    if is_stdin(path) {
        let mut recording =
            pstat::read_memory(stdin_bytes().with_context(context)?).with_context(context)?;
        recording.set_path("<stdin>");
        Ok(recording)
    } else {
        pstat::read_memory_path(path).with_context(context)
    }
}

/// The first bytes of an input (fewer if it is shorter; none if it cannot be read, which the
/// reader then reports).
pub fn head(path: &Path) -> Vec<u8> {
    head_of(path, 16)
}

/// The first `len` bytes of an input, as [`head`]: text formats are told by their first line.
pub fn head_of(path: &Path, len: usize) -> Vec<u8> {
    if is_stdin(path) {
        return stdin_bytes().map_or_else(|_| Vec::new(), |b| b[..b.len().min(len)].to_vec());
    }
    let mut head = Vec::with_capacity(len);
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(len as u64).read_to_end(&mut head);
    }
    head
}
