//! `pstat view`: the HTML report (docs/html.md) in a file of its own under the temporary
//! directory, opened in the default browser.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context;
use clap::Args;
use pstat::export::{self, Input};
use pstat::{OutputFormat, ProfileKind};

use super::filters::FilterArgs;
use super::{ProfileArgs, input, write_error};

#[derive(Args)]
pub struct ViewArgs {
    #[command(flatten)]
    profile: ProfileArgs,

    /// Print the report's path instead of opening a browser
    #[arg(long)]
    no_browser: bool,

    /// Line profiles: leave the functions' source out of the report and read no source file
    #[arg(long)]
    no_source: bool,

    #[command(flatten)]
    filters: FilterArgs,
}

/// Writes the report and opens it. The file is kept: the browser reads it after pstat exits.
pub fn view(args: ViewArgs) -> anyhow::Result<()> {
    let mut options = export::Options::default();
    options.no_source = args.no_source;
    options.inputs = args.profile.names();
    let lines;
    let profile;
    let input = if input::kind(&args.profile.files[0]) == ProfileKind::Lines {
        if args.profile.strip_dirs || !args.filters.is_empty() {
            anyhow::bail!(
                "--strip-dirs and the filters apply to call profiles, not to .lprof files"
            );
        }
        lines = input::read_lines(&args.profile.files)?;
        Input::Lines(&lines)
    } else {
        let mut loaded =
            input::read_calls(&args.profile.files, &args.profile.sampled.read_options())?;
        if args.profile.strip_dirs {
            loaded = loaded.strip_dirs();
        }
        profile = args.filters.apply(loaded)?.0;
        Input::Calls(&profile)
    };
    let stem = args.profile.files[0]
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
    // Removed if a signal stops pstat before the report is whole.
    let pending = crate::interrupt::pending(path.clone());
    let context = || format!("writing {}", path.display());
    {
        let mut out = std::io::BufWriter::new(file.as_file());
        export::write(OutputFormat::Html, input, &options, &mut out)
            .map_err(write_error)
            .with_context(context)?;
        out.flush().with_context(context)?;
    }
    file.keep().with_context(context)?;
    drop(pending);
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
