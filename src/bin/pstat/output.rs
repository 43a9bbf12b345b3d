//! Where conversions go: standard output, or a file written whole or not at all.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;

/// Where a conversion goes: a buffer in front of standard output or the output file. The
/// exporters write in small pieces into the buffer, which reaches the file in large ones.
pub type Output<'a> = io::BufWriter<&'a mut dyn Write>;

/// Writes a conversion to standard output (`-`) or to the output file.
pub fn emit(
    output: &Path,
    write: impl FnOnce(&mut Output<'_>) -> io::Result<()>,
) -> anyhow::Result<()> {
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
