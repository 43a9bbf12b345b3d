//! Progress on standard error for long work: merging many files, reading or converting a big
//! one. Drawn only when standard error is a terminal (indicatif checks); silent otherwise, so
//! scripts and pipes see nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs at least this big get a spinner while they are read and converted.
const BIG_INPUT: u64 = 32 << 20;

/// A bar over the files being merged, when there are several.
pub fn merging(files: &[PathBuf]) -> ProgressBar {
    if files.len() < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(files.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("merging {pos}/{len} files [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// A spinner saying `what`, when the inputs add up to a big size.
pub fn working(files: &[PathBuf], what: String) -> ProgressBar {
    let size: u64 = files
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum();
    if size < BIG_INPUT {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(what);
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// What a spinner says while a file is converted.
pub fn converting(output: &Path) -> String {
    format!("converting to {}", output.display())
}
