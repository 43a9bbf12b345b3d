//! Where conversions go: standard output, or a file written whole or not at all.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Where a conversion goes: a buffer in front of standard output or the output file. The
/// exporters write in small pieces into the buffer, which reaches the file in large ones.
pub type Output<'a> = io::BufWriter<&'a mut dyn Write>;

/// Writes a conversion to standard output (`-`) or to the output file, which must not be any
/// of `inputs` (by any name: the same path, a hard link, a symlink): every command that writes
/// a file goes through here, so none can write over what it read.
pub fn emit(
    output: &Path,
    inputs: &[PathBuf],
    write: impl FnOnce(&mut Output<'_>) -> io::Result<()>,
) -> anyhow::Result<()> {
    if output.as_os_str() != "-" {
        refuse_input_as_output(inputs, output)?;
    }
    if output.as_os_str() == "-" {
        let mut stdout = io::stdout().lock();
        let mut out: Output<'_> = io::BufWriter::new(&mut stdout);
        write(&mut out).context("writing to standard output")?;
        out.flush().context("writing to standard output")?;
        return Ok(());
    }
    let context = || format!("writing {}", output.display());
    match fs::metadata(output) {
        Ok(meta) if meta.is_dir() => {
            anyhow::bail!("cannot write {}: it is a directory", output.display())
        }
        // A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written to, never replaced.
        Ok(meta) if !meta.is_file() => write_in_place(output, write).with_context(context),
        Ok(meta) => write_atomically(output, Some(meta.permissions()), write).with_context(context),
        Err(_) => {
            let dir = parent(output);
            if !dir.is_dir() {
                anyhow::bail!(
                    "cannot write {}: the directory {} does not exist",
                    output.display(),
                    dir.display()
                );
            }
            write_atomically(output, None, write).with_context(context)
        }
    }
}

/// The directory a path is in (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn write_in_place(
    path: &Path,
    write: impl FnOnce(&mut Output<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).open(path)?;
    let mut out: Output<'_> = io::BufWriter::new(&mut file);
    write(&mut out)?;
    out.flush()
}

/// Writes to a temporary file beside `path`, then renames it over `path`: a reader never sees
/// a partial file, and a failed conversion leaves nothing behind. The file gets the mode of the
/// file it replaces (`keep`), or else the mode any new file gets (0666 less the umask), not the
/// temporary file's private 0600.
fn write_atomically(
    path: &Path,
    keep: Option<fs::Permissions>,
    write: impl FnOnce(&mut Output<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pstat-");
    #[cfg(unix)]
    let new_file = {
        use std::os::unix::fs::PermissionsExt;
        fs::Permissions::from_mode(0o666)
    };
    #[cfg(unix)]
    builder.permissions(new_file);
    let mut temp = builder
        .tempfile_in(parent(path))
        .map_err(without_temp_path)?;
    let _pending = crate::interrupt::pending(temp.path().to_path_buf());
    {
        let mut out: Output<'_> = io::BufWriter::new(temp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    if let Some(permissions) = keep {
        temp.as_file().set_permissions(permissions)?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| without_temp_path(e.error))?;
    Ok(())
}

/// The OS error behind an error of the temporary file, without the temporary file's name,
/// which the user never asked for (the message names the output instead).
fn without_temp_path(e: io::Error) -> io::Error {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|inner| inner as _);
    while let Some(error) = cause {
        if let Some(code) = error
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return io::Error::from_raw_os_error(code);
        }
        cause = error.source();
    }
    e
}

/// The I/O error behind a write error, so that it reads as before (`pstat::Error` shows an I/O
/// error's text and also gives it as its source).
pub fn write_error(e: pstat::Error) -> io::Error {
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

/// An output that is one of the inputs (by any name) would destroy it.
pub fn refuse_input_as_output(inputs: &[PathBuf], output: &Path) -> anyhow::Result<()> {
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(());
    };
    for input in inputs.iter().filter(|path| !crate::input::is_stdin(path)) {
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
