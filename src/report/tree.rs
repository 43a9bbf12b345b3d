//! The text of a call tree ([`crate::query::tree::CallTree`]): one line per node with its
//! percentages, calls and function-first name, indented with box-drawing characters (or ASCII).
//!
//! Names are data from whoever made the profile: control characters (C0, DEL, C1), the line and
//! paragraph separators and the bidirectional-text controls are written as escapes (`\x1b`,
//! `\u{202e}`), so a name cannot move the cursor, recolour the terminal, break a line or
//! reorder what follows it (docs/tree.md, "Names").

use std::fmt::Write as _;
use std::io;

use crate::escape::terminal_into;
use crate::model::{FunctionId, Measure, Profile};
use crate::query::tree::{CallTree, Figures, Mark, NodeId, TreeSource};

/// How a call tree is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Draw the tree with ASCII (`|`, `+-`, `` `- ``, `...`) instead of box-drawing characters:
    /// the whole output is then ASCII. Default: false.
    pub ascii: bool,
    /// Write at most this many lines of the tree (one per node); a last line then says how many
    /// were cut. The two heading lines and that note are not counted. Default: `None` (no
    /// limit).
    pub max_lines: Option<usize>,
    /// Write the nodes at most this many calls below a root; each run of deeper ones is one
    /// line saying how many were cut. Default: [`MAX_DEPTH`] (1,000); `None` for no limit.
    pub max_depth: Option<usize>,
    /// Draw the guides of at most this many levels; a deeper line continues flat, its depth
    /// written as `[depth N]` before its name, so that a line's length does not grow with the
    /// depth and the output stays linear in the tree. Default: [`MAX_INDENT`] (64).
    pub max_indent: usize,
}

/// The default [`Options::max_depth`].
pub const MAX_DEPTH: usize = 1000;

/// The default [`Options::max_indent`].
pub const MAX_INDENT: usize = 64;

impl Default for Options {
    fn default() -> Self {
        Options {
            ascii: false,
            max_lines: None,
            max_depth: Some(MAX_DEPTH),
            max_indent: MAX_INDENT,
        }
    }
}

/// The drawing characters of one style.
struct Style {
    branch: &'static str,
    last: &'static str,
    through: &'static str,
    blank: &'static str,
    ellipsis: &'static str,
}

const UNICODE: Style = Style {
    branch: "├─ ",
    last: "└─ ",
    through: "│  ",
    blank: "   ",
    ellipsis: "…",
};

const ASCII: Style = Style {
    branch: "+- ",
    last: "`- ",
    through: "|  ",
    blank: "   ",
    ellipsis: "...",
};

/// Writes `tree`, built from `profile`, as text.
///
/// ```
/// use pstat::query::tree::{self, TreeOptions};
/// use pstat::report;
///
/// let profile = pstat::read_path("tests/fixtures/stats/py313/cprofile.stats", &Default::default()).and_then(pstat::AnyProfile::into_calls)?;
/// let tree = tree::build(&profile, &TreeOptions::default());
/// let mut options = report::tree::Options::default();
/// options.ascii = true;
/// options.max_lines = Some(10);
/// let text = report::tree::to_string(&profile, &tree, &options);
/// assert!(text.is_ascii());
/// assert!(text.lines().count() <= 2 + 10 + 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write<W: io::Write>(
    profile: &Profile,
    tree: &CallTree,
    options: &Options,
    mut writer: W,
) -> io::Result<()> {
    let style = match options.ascii {
        true => &ASCII,
        false => &UNICODE,
    };
    let mut out = String::with_capacity(8192);
    heading(&mut out, profile, tree);
    // Per depth, whether the node open at that depth is the last of its siblings.
    let mut last_at: Vec<bool> = Vec::new();
    let limit = options.max_lines.unwrap_or(usize::MAX);
    let nodes = tree.nodes();
    let max_depth = options.max_depth.unwrap_or(usize::MAX);
    let mut written = 0;
    // Nodes below the depth limit not written yet: one line for each run of them.
    let mut too_deep = 0usize;
    for i in 0..nodes.len() {
        let id = NodeId::from_index(i);
        let node = tree.node(id);
        let depth = node.depth as usize;
        if depth > max_depth {
            too_deep += 1;
            continue;
        }
        if too_deep > 0 {
            cut_too_deep(&mut out, tree, style, too_deep, max_depth);
            too_deep = 0;
        }
        if written == limit {
            let _ = writeln!(
                out,
                "{} {} more lines cut by the line limit ({limit})",
                style.ellipsis,
                nodes.len() - i
            );
            break;
        }
        written += 1;
        last_at.truncate(depth);
        last_at.push(tree.is_last_child(id));
        columns(&mut out, tree, &node.figures, node.mark);
        if depth > 0 {
            let drawn = depth.min(options.max_indent.max(1));
            for &last in &last_at[1..drawn] {
                out.push_str(if last { style.blank } else { style.through });
            }
            out.push_str(if last_at[depth] {
                style.last
            } else {
                style.branch
            });
            if depth > drawn {
                let _ = write!(out, "[depth {depth}] ");
            }
        }
        match (node.mark, node.function) {
            (Mark::Pruned { count }, _) => {
                let _ = write!(
                    out,
                    "{} {count} more below {}%",
                    style.ellipsis,
                    percent_text(tree.min_fraction * 100.0)
                );
            }
            (mark, Some(function)) => {
                function_name(&mut out, profile, function, options.ascii);
                match mark {
                    Mark::Recursion => out.push_str("  [recursive]"),
                    Mark::Elsewhere => out.push_str("  [see its own entry]"),
                    _ => {}
                }
            }
            (_, None) => {}
        }
        out.push('\n');
        if out.len() >= 64 * 1024 {
            writer.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    if too_deep > 0 {
        cut_too_deep(&mut out, tree, style, too_deep, max_depth);
    }
    writer.write_all(out.as_bytes())
}

/// The line for `count` nodes cut below the depth limit, its figures' columns blank as a
/// summary line's are.
fn cut_too_deep(out: &mut String, tree: &CallTree, style: &Style, count: usize, max_depth: usize) {
    let width = if tree.inverted { 18 } else { 26 };
    out.extend(std::iter::repeat_n(' ', width + 2));
    let _ = writeln!(
        out,
        "{} {count} more below the depth limit ({max_depth})",
        style.ellipsis
    );
}

/// [`write()`] into a string.
pub fn to_string(profile: &Profile, tree: &CallTree, options: &Options) -> String {
    let mut out = Vec::new();
    write(profile, tree, options, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the tree is written as UTF-8")
}

/// The two heading lines: what the tree is and what 100% is, then the column names.
fn heading(out: &mut String, profile: &Profile, tree: &CallTree) {
    let direction = match tree.inverted {
        false => "Call tree",
        true => "Bottom-up call tree (own time by callers)",
    };
    let source = match tree.source {
        TreeSource::Stacks => "from the recorded stacks",
        _ => "from call edges, every figure the file's",
    };
    let _ = write!(out, "{direction} {source}; 100% = ");
    match tree.measure {
        Measure::Samples { timed } => {
            let samples = profile.totals().primitive_calls.max(0);
            let _ = write!(out, "{samples} samples");
            if timed {
                let _ = write!(out, " ({:.3} seconds)", tree.total);
            }
        }
        _ => {
            let _ = write!(out, "{:.3} seconds", tree.total);
        }
    }
    let _ = writeln!(
        out,
        "; below {}% left out",
        percent_text(tree.min_fraction * 100.0)
    );
    let calls = match tree.measure {
        Measure::Samples { .. } => "samples",
        _ => "calls",
    };
    match tree.inverted {
        false => {
            let _ = writeln!(out, "  total    self  {calls:>10}  function");
        }
        true => {
            let _ = writeln!(out, "   own  {calls:>10}  function");
        }
    }
}

/// The figure columns of one line.
fn columns(out: &mut String, tree: &CallTree, figures: &Figures, mark: Mark) {
    if matches!(mark, Mark::Pruned { .. }) {
        let width = if tree.inverted {
            6 + 2 + 10
        } else {
            6 + 2 + 6 + 2 + 10
        };
        out.extend(std::iter::repeat_n(' ', width + 2));
        return;
    }
    percent_column(out, figures.cumulative, tree.total);
    if !tree.inverted {
        out.push_str("  ");
        percent_column(out, figures.own, tree.total);
    }
    out.push_str("  ");
    let calls = match (figures.calls, figures.primitive_calls, tree.source) {
        (Some(calls), Some(primitive), TreeSource::CallEdges) if calls != primitive => {
            format!("{calls}/{primitive}")
        }
        (Some(calls), _, _) => calls.to_string(),
        (None, _, _) => "-".to_string(),
    };
    let _ = write!(out, "{calls:>10}  ");
}

/// `100.0%`, right-aligned in 6 characters; `-` where the figure is unknown.
fn percent_column(out: &mut String, figure: Option<f64>, total: f64) {
    match figure {
        Some(value) if total > 0.0 => {
            let _ = write!(out, "{:5.1}%", value / total * 100.0);
        }
        _ => out.push_str("     -"),
    }
}

/// A percentage with as many decimals as it needs (up to four): `0.5`, `1`, `0.125`.
fn percent_text(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// The function-first name: `name  file:line`, or the name alone for builtins (file `~`,
/// line 0), escaped.
fn function_name(out: &mut String, profile: &Profile, id: FunctionId, ascii: bool) {
    terminal_into(out, profile.name(id), ascii);
    let (file, line) = (profile.file(id), profile.line(id));
    if file == "~" && line == 0 {
        return;
    }
    out.push_str("  ");
    terminal_into(out, file, ascii);
    let _ = write!(out, ":{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_print_as_short_as_they_can() {
        assert_eq!(percent_text(0.5), "0.5");
        assert_eq!(percent_text(1.0), "1");
        assert_eq!(percent_text(0.125), "0.125");
        assert_eq!(percent_text(0.0), "0");
    }
}
