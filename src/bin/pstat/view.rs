//! `pstat view`: the HTML report (docs/html.md) in a file of its own under the temporary
//! directory, opened in the default browser.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use clap::Args;
use pstat::export::{self, Input, OutputFormat};

use super::filters::FilterArgs;
use super::{SampledArgs, is_line_profile, load, load_lines, write_error};

#[derive(Args)]
pub struct ViewArgs {
    /// Profiles: .stats/.prof dumps, folded stacks, speedscope JSON, or line_profiler .lprof
    /// files; several are added together first
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    #[command(flatten)]
    sampled: SampledArgs,

    /// Strip directories from file names first (and merge functions that then have the same key)
    #[arg(long)]
    strip_dirs: bool,

    /// Print the report's path instead of opening a browser
    #[arg(long)]
    no_browser: bool,

    #[command(flatten)]
    filters: FilterArgs,
}

/// Writes the report and opens it. The file is kept: the browser reads it after pstat exits.
pub fn view(args: ViewArgs) -> anyhow::Result<()> {
    let mut options = export::Options::default();
    options.inputs = args.files.iter().map(|p| p.display().to_string()).collect();
    let lines;
    let profile;
    let input = if is_line_profile(&args.files[0]) {
        if args.strip_dirs || !args.filters.is_empty() {
            anyhow::bail!(
                "--strip-dirs and the filters apply to call profiles, not to .lprof files"
            );
        }
        lines = load_lines(&args.files)?;
        Input::Lines(&lines)
    } else {
        let mut loaded = load(&args.files, &args.sampled.read_options())?;
        if args.strip_dirs {
            loaded = loaded.strip_dirs();
        }
        profile = args.filters.apply(loaded)?.0;
        Input::Calls(&profile)
    };
    let stem = args.files[0]
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .unwrap_or("profile");
    let file = tempfile::Builder::new()
        .prefix(&format!("pstat-view-{stem}-"))
        .suffix(".html")
        .tempfile()
        .context("creating the report in the temporary directory")?;
    let path = file.path().to_path_buf();
    let context = || format!("writing {}", path.display());
    {
        let mut out = std::io::BufWriter::new(file.as_file());
        export::write(OutputFormat::Html, input, &options, &mut out)
            .map_err(write_error)
            .with_context(context)?;
        out.flush().with_context(context)?;
    }
    file.keep().with_context(context)?;
    if args.no_browser {
        println!("{}", path.display());
        return Ok(());
    }
    if let Err(e) = open(&path) {
        eprintln!(
            "pstat: could not open a browser ({e}); the report is {}",
            path.display()
        );
    }
    Ok(())
}

/// Opens `path` with the desktop's default application for it.
fn open(path: &Path) -> std::io::Result<()> {
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        Command::new("xdg-open")
    };
    let status = command
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("it exited with {status}")))
    }
}
