//! A [`Diff`]'s files: versioned JSON ([docs/diff-json.md](../../docs/diff-json.md)), inferno's
//! two-count folded stacks (`stack base new`) and a differential flame graph rendered by
//! inferno (red where the new side spends more, blue where it spends less; frames drawn with the
//! new side's widths). Stacks are the profiles' real ones when they have them, otherwise
//! estimated from call edges ([`crate::query::stacks`]), and the flame graph's title says so.

use std::io;
use std::path::Path;

use serde_json::{Value, json};

use crate::Profile;
use crate::export::TimeUnit;
use crate::export::flamegraph;
use crate::export::folded::push_clean;
use crate::model::Measure;
use crate::query::diff::{Change, Diff, DiffOptions, Figures, Selection, Verdict};
use crate::query::stacks::{Frame, StackOptions, StackTable, sampled_counts};

/// The version of the JSON layout; docs/diff-json.md says what each version holds.
pub const JSON_VERSION: u32 = 1;

/// What a diff is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiffFormat {
    /// The text report ([`crate::report::diff`]).
    Text,
    /// JSON, [`JSON_VERSION`].
    Json,
    /// inferno's two-count folded stacks.
    Folded,
    /// A differential flame graph.
    Svg,
    /// A self-contained HTML page ([`crate::export::html::write_diff`]).
    Html,
}

impl DiffFormat {
    /// The format a file's name implies: `*.json`, `*.folded`/`*.collapsed`, `*.svg`, and
    /// `*.txt` for the text report, `*.html`/`*.htm` for the HTML page.
    pub fn from_path(path: &Path) -> Option<DiffFormat> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let ends = |suffix: &str| name.ends_with(suffix);
        Some(if ends(".json") {
            DiffFormat::Json
        } else if ends(".folded") || ends(".collapsed") {
            DiffFormat::Folded
        } else if ends(".svg") {
            DiffFormat::Svg
        } else if ends(".txt") {
            DiffFormat::Text
        } else if ends(".html") || ends(".htm") {
            DiffFormat::Html
        } else {
            return None;
        })
    }
}

impl std::str::FromStr for DiffFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<DiffFormat, String> {
        match s {
            "text" => Ok(DiffFormat::Text),
            "json" => Ok(DiffFormat::Json),
            "folded" => Ok(DiffFormat::Folded),
            "svg" => Ok(DiffFormat::Svg),
            "html" => Ok(DiffFormat::Html),
            _ => Err(format!(
                "{s:?} is not a diff format; use text, json, folded, svg or html"
            )),
        }
    }
}

/// Options for the stacks of the folded and SVG outputs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The unit of the counts (for profiles whose times are seconds). Default: microseconds.
    pub unit: TimeUnit,
    /// How stacks are estimated for profiles without real ones. Default:
    /// [`StackOptions::default`].
    pub stacks: StackOptions,
    /// The flame graph's title. Default: `Differential Flame Graph`.
    pub title: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unit: TimeUnit::Us,
            stacks: StackOptions::default(),
            title: "Differential Flame Graph".to_string(),
        }
    }
}

/// A non-finite figure (only crafted files have them) is written as `null`.
fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn figures(f: &Figures) -> Value {
    json!({
        "calls": number(f.calls),
        "primitive_calls": number(f.primitive_calls),
        "tottime": number(f.tottime),
        "cumtime": number(f.cumtime),
        "tottime_spread": number(f.tottime_spread),
    })
}

fn verdict(v: Verdict) -> Value {
    let (kind, p) = match v {
        Verdict::Unknown => ("unknown", None),
        Verdict::Noise { p } => ("noise", Some(p)),
        Verdict::Significant { p } => ("significant", Some(p)),
    };
    json!({ "kind": kind, "p": p.map_or(Value::Null, number) })
}

/// Writes the diff as JSON: both sides' totals, and the rows `selection` keeps, in its order.
pub fn write_json<W: io::Write>(
    diff: &Diff,
    selection: &Selection,
    mut writer: W,
) -> io::Result<()> {
    let measure = match diff.measure {
        Measure::Calls => "calls",
        Measure::Samples { timed: true } => "samples-timed",
        Measure::Samples { timed: false } => "samples",
    };
    let side = |s: &crate::query::diff::Side| json!({ "files": s.files, "runs": s.runs, "totals": figures(&s.totals) });
    let functions: Vec<Value> = diff
        .select(selection)
        .into_iter()
        .map(|row| {
            let (change, base_line) = match row.change {
                Change::Matched => ("matched", None),
                Change::Moved { base_line } => ("moved", Some(base_line)),
                Change::Added => ("added", None),
                Change::Removed => ("removed", None),
            };
            json!({
                "file": row.file,
                "line": row.line,
                "name": row.name,
                "display_name": row.display_name(),
                "change": change,
                "base_line": base_line,
                "base": figures(&row.base),
                "new": figures(&row.new),
                "tottime_delta": number(row.tottime_delta()),
                "cumtime_delta": number(row.cumtime_delta()),
                "tottime_ratio": row.tottime_ratio().map_or(Value::Null, number),
                "tottime_percent": row.tottime_percent().map_or(Value::Null, number),
                "verdict": verdict(row.verdict),
            })
        })
        .collect();
    let document = json!({
        "format": "pstat-diff",
        "version": JSON_VERSION,
        "measure": measure,
        "alpha": number(diff.alpha),
        "normalized": diff.normalized,
        "noise_estimate": diff.has_noise_estimate(),
        "base": side(&diff.base),
        "new": side(&diff.new),
        "total": {
            "tottime_delta": number(diff.tottime_delta()),
            "tottime_percent": diff.tottime_percent().map_or(Value::Null, number),
            "verdict": verdict(diff.total_verdict),
        },
        "functions": functions,
    });
    // serde_json gives a write error back as the io::Error it was (a closed pipe stays one).
    serde_json::to_writer(&mut writer, &document).map_err(io::Error::from)?;
    writer.write_all(b"\n")
}

/// One side's folded stacks (`stack count` lines) with file names rewritten as the diff
/// rewrites them, the mean over the side's runs; and whether they are exact.
fn side_stacks(
    profiles: &[Profile],
    diff: &DiffOptions,
    options: &Options,
) -> (Vec<(String, u64)>, bool) {
    let mut counts: hashbrown::HashMap<String, u64> = hashbrown::HashMap::new();
    let mut exact = true;
    let mut frames = Vec::new();
    for profile in profiles {
        let mut names: Vec<Option<String>> = vec![None; profile.all_functions().len()];
        let mut name = |id: crate::FunctionId| -> String {
            names[id.index()]
                .get_or_insert_with(|| frame_name(profile, id, diff))
                .clone()
        };
        let mut add = |stack: String, count: u64| {
            let slot = counts.entry(stack).or_insert(0);
            *slot = slot.saturating_add(count);
        };
        match sampled_counts(profile, options.unit) {
            Some(sampled) => {
                let Some(table) = profile.stacks() else {
                    continue;
                };
                for (stack, count) in sampled.into_iter().filter(|(_, c)| *c > 0) {
                    table.frames_root_first(stack, &mut frames);
                    let text: Vec<String> = frames.iter().map(|&id| name(id)).collect();
                    add(text.join(";"), count);
                }
            }
            None => {
                exact = false;
                let estimated = StackTable::estimate(profile, &options.stacks);
                let weights = estimated.counts(options.unit);
                for ((frames, _), count) in estimated.iter().zip(weights).filter(|(_, c)| *c > 0) {
                    let text: Vec<String> = frames
                        .iter()
                        .map(|frame| match *frame {
                            Frame::Function(id) => name(id),
                            Frame::OtherCallers => "[other callers]".to_string(),
                        })
                        .collect();
                    add(text.join(";"), count);
                }
            }
        }
    }
    let runs = profiles.len().max(1) as u64;
    // The mean, rounded half up, without the overflow of `(count + runs / 2) / runs`.
    let mean = |count: u64| count / runs + (count % runs + runs / 2) / runs;
    let mut lines: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(stack, count)| (stack, mean(count)))
        .filter(|(_, count)| *count > 0)
        .collect();
    lines.sort_unstable();
    (lines, exact && !profiles.is_empty())
}

/// The `stack count` lines of one side, each count scaled by `factor` (and kept at least 1).
fn side_text(lines: &[(String, u64)], factor: f64) -> String {
    let mut text = String::new();
    for (stack, count) in lines {
        let count = match factor < 1.0 {
            true => ((*count as f64 * factor) as u64).max(1),
            false => *count,
        };
        text.push_str(stack);
        text.push(' ');
        text.push_str(itoa::Buffer::new().format(count));
        text.push('\n');
    }
    text
}

/// A frame as the folded export names it (`name (file:line)`, builtins by name alone), with
/// the file rewritten; `;` and line breaks, which would break the line's syntax, replaced.
fn frame_name(profile: &Profile, id: crate::FunctionId, diff: &DiffOptions) -> String {
    let mut out = String::new();
    push_clean(&mut out, profile.name(id));
    if !(profile.file(id) == "~" && profile.line(id) == 0) {
        out.push_str(" (");
        push_clean(&mut out, &diff.paths.apply(profile.file(id)));
        out.push(':');
        out.push_str(&profile.line(id).to_string());
        out.push(')');
    }
    out
}

/// The two-count lines, sorted, and whether both sides' stacks are exact.
fn two_count_lines(
    base: &[Profile],
    new: &[Profile],
    diff: &DiffOptions,
    options: &Options,
) -> io::Result<(Vec<u8>, bool)> {
    let (before, base_exact) = side_stacks(base, diff, options);
    let (after, new_exact) = side_stacks(new, diff, options);
    // inferno adds each side's counts in a usize: huge figures (a crafted file's 1e300 s) are
    // scaled down on both sides by one factor, so that the larger total stays within 2^53 and
    // the comparison keeps its proportions (docs/security.md, "Huge figures").
    let total = |lines: &[(String, u64)]| lines.iter().map(|(_, c)| *c as f64).sum::<f64>();
    let largest = total(&before).max(total(&after));
    let limit = (1u64 << 53) as f64;
    let factor = if largest > limit {
        limit / largest
    } else {
        1.0
    };
    let (before, after) = (side_text(&before, factor), side_text(&after, factor));
    let differential = inferno::differential::Options {
        normalize: diff.normalize,
        ..Default::default()
    };
    let mut out = Vec::new();
    inferno::differential::from_readers(
        differential,
        before.as_bytes(),
        after.as_bytes(),
        &mut out,
    )?;
    // inferno writes its lines in hash order: sorted, the output is the same every time.
    let mut lines: Vec<&[u8]> = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort_unstable();
    let mut sorted = Vec::with_capacity(out.len());
    for line in lines {
        sorted.extend_from_slice(line);
        sorted.push(b'\n');
    }
    Ok((sorted, base_exact && new_exact))
}

/// Writes inferno's two-count folded stacks, `stack base new`, sorted by stack. With several
/// runs on a side its counts are the means over them; with [`DiffOptions::normalize`] the
/// base's counts are scaled to the new side's total, as inferno's `--normalize` does.
pub fn write_folded<W: io::Write>(
    base: &[Profile],
    new: &[Profile],
    diff: &DiffOptions,
    options: &Options,
    mut writer: W,
) -> io::Result<()> {
    let (lines, _) = two_count_lines(base, new, diff, options)?;
    writer.write_all(&lines)
}

/// Writes a differential flame graph: inferno's flame graph of the two-count stacks, drawn
/// with the new side's widths, red where the new side spends more and blue where it spends
/// less.
pub fn write_svg<W: io::Write>(
    base: &[Profile],
    new: &[Profile],
    diff: &DiffOptions,
    options: &Options,
    writer: W,
) -> io::Result<()> {
    let (lines, exact) = two_count_lines(base, new, diff, options)?;
    let text = String::from_utf8(lines).map_err(io::Error::other)?;
    let counts = match base.iter().chain(new).map(|p| p.measure()).next() {
        Some(Measure::Samples { timed: false }) => "samples",
        _ => options.unit.name(),
    };
    let title = match exact {
        true => format!("{} ({counts})", options.title),
        false => format!(
            "{} ({counts}; stacks estimated from call edges)",
            options.title
        ),
    };
    flamegraph::render_lines(title, counts, &text, writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names() {
        for (name, format) in [
            ("d.json", Some(DiffFormat::Json)),
            ("d.folded", Some(DiffFormat::Folded)),
            ("d.SVG", Some(DiffFormat::Svg)),
            ("d.txt", Some(DiffFormat::Text)),
            ("d.html", Some(DiffFormat::Html)),
            ("d.stats", None),
        ] {
            assert_eq!(DiffFormat::from_path(Path::new(name)), format, "{name}");
        }
    }

    #[test]
    fn folded_stacks_of_sampled_profiles_are_exact() {
        let base = crate::read(b"main;f 3\nmain;g 1\n", &Default::default())
            .and_then(crate::AnyProfile::into_calls)
            .expect("folded");
        let new = crate::read(b"main;f 6\nmain;h 2\n", &Default::default())
            .and_then(crate::AnyProfile::into_calls)
            .expect("folded");
        let mut out = Vec::new();
        write_folded(
            &[base],
            &[new],
            &DiffOptions::default(),
            &Options::default(),
            &mut out,
        )
        .expect("folded");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "main;f 3 6\nmain;g 1 0\nmain;h 0 2\n"
        );
    }
}
