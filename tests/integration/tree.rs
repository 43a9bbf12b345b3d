//! `pstat tree` against the fixtures: every figure it prints is one the file holds, computed
//! independently by Python (`tree_figures.py`: pstats for `.stats`, the folded text for sampled
//! stacks); children add up to at most their parent except under a recursion mark; the line
//! limit, ASCII mode and escaping of hostile names hold.

use std::path::Path;

use pstat::query::tree::{self, Mark, TreeOptions};
use serde_json::Value;

use crate::support::{
    fixtures, mask_code_addresses, python3, relative, repo_file, run, stats_fixtures, temp_file,
};

/// What `tree_figures.py` computes for a fixture, or `None` when Python cannot load it (the
/// Python 2 dumps, which Python 3's marshal refuses).
fn python_figures(kind: &str, path: &Path) -> Option<Value> {
    let output = crate::support::tool("python3")
        .arg(repo_file("tests/integration/tree_figures.py"))
        .arg(kind)
        .arg(path)
        .output()
        .expect("python3 must be installed: .ci/run installs it");
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).expect("tree_figures.py prints JSON"))
}

/// `pstat tree ARGS` with a UTF-8 locale; must succeed.
fn tree_text(args: &[&str]) -> String {
    let output = crate::support::pstat(&fixtures())
        .env("LC_ALL", "C.UTF-8")
        .arg("tree")
        .args(args)
        .output()
        .expect("run pstat");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// One printed line of the tree: its figure columns (as printed), depth and label.
struct Line {
    columns: Vec<String>,
    depth: usize,
    label: String,
}

fn parse(line: &str, inverted: bool) -> Option<Line> {
    // Columns: `{:5.1}%` and, top-down, the self percentage, each 6 wide; then calls, 10 wide;
    // two spaces after each. A summary line has blank columns; the limit note starts with `…`.
    let percentages = if inverted { 1 } else { 2 };
    if !line.is_char_boundary(6) || line[..6].trim().is_empty() {
        return None;
    }
    let mut columns: Vec<String> = (0..percentages)
        .map(|i| line[i * 8..i * 8 + 6].to_string())
        .collect();
    let calls_at = percentages * 8;
    columns.push(line[calls_at..calls_at + 10].trim().to_string());
    let mut rest = &line[calls_at + 12..];
    let mut depth = 0;
    while let Some(unit) = ["├─ ", "└─ ", "│  ", "   "]
        .iter()
        .find(|unit| rest.starts_with(**unit))
    {
        rest = &rest[unit.len()..];
        depth += 1;
    }
    let label = rest
        .trim_end_matches("  [recursive]")
        .trim_end_matches("  [see its own entry]")
        .to_string();
    Some(Line {
        columns,
        depth,
        label,
    })
}

/// The tree's lines after the two heading lines.
fn body(text: &str) -> impl Iterator<Item = &str> {
    text.lines().skip(2)
}

#[test]
fn every_printed_figure_of_a_stats_tree_is_one_of_the_files() {
    let mut checked = 0;
    for path in stats_fixtures() {
        let Some(figures) = python_figures("stats", &path) else {
            continue;
        };
        let input = path.display().to_string();
        for inverted in [false, true] {
            let mut args = vec![input.as_str(), "--max-lines", "100000"];
            if inverted {
                args.push("--inverted");
            }
            let text = tree_text(&args);
            let table = &figures[if inverted { "up" } else { "down" }];
            for line in body(&text) {
                let Some(parsed) = parse(line, inverted) else {
                    continue;
                };
                let candidates = table[&mask_code_addresses(&parsed.label)]
                    .as_array()
                    .unwrap_or_else(|| {
                        panic!("{}: no function {:?}", relative(&path), parsed.label)
                    });
                let columns: Vec<Value> = parsed
                    .columns
                    .iter()
                    .map(|c| Value::from(c.as_str()))
                    .collect();
                assert!(
                    candidates.iter().any(|c| c.as_array() == Some(&columns)),
                    "{} (inverted: {inverted}): {line:?} shows {:?}, none of the file's {candidates:?}",
                    relative(&path),
                    parsed.columns
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} lines checked");
}

#[test]
fn every_printed_figure_of_a_sampled_tree_is_the_folded_texts() {
    let dir = fixtures().join("sampled");
    let mut checked = 0;
    for name in [
        "py-spy/mix.folded",
        "py-spy/recursive.folded",
        "py-spy/threads.folded",
        "folded/mix.folded",
        "folded/recursive.folded",
        "folded/threads.folded",
    ] {
        let path = dir.join(name);
        let figures = python_figures("folded", &path).expect("tree_figures.py reads folded text");
        let total = figures["total"].as_f64().expect("total");
        let input = path.display().to_string();
        for inverted in [false, true] {
            let mut args = vec![input.as_str()];
            if inverted {
                args.push("--inverted");
            }
            let text = tree_text(&args);
            let table = &figures[if inverted { "up" } else { "down" }];
            let mut path_labels: Vec<String> = Vec::new();
            for line in body(&text) {
                let Some(parsed) = parse(line, inverted) else {
                    continue;
                };
                path_labels.truncate(parsed.depth);
                path_labels.push(parsed.label.clone());
                let key = path_labels.join(";");
                let [samples, own] = [0, 1].map(|i| table[&key][i].as_f64().expect("a path"));
                let percent = |value: f64| format!("{:5.1}%", value / total * 100.0);
                let want = match inverted {
                    false => vec![percent(samples), percent(own), format!("{samples}")],
                    true => vec![percent(samples), format!("{samples}")],
                };
                assert_eq!(
                    parsed.columns, want,
                    "{name} (inverted: {inverted}): {line:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} lines checked");
}

#[test]
fn children_add_up_to_at_most_their_parent_except_under_recursion() {
    let mut checked = 0;
    // The marshal test vectors are fixed dicts with made-up figures, not measurements: their
    // edges need not fit inside their functions.
    let measured = stats_fixtures()
        .into_iter()
        .filter(|p| !p.parent().is_some_and(|d| d.ends_with("vectors")));
    for path in measured {
        let profile = pstat::read_path(&path, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture");
        let groups = profile.recursion_groups();
        let mut size = vec![0usize; groups.len()];
        for f in profile.all_functions() {
            size[groups.group(f).index()] += 1;
        }
        let in_cycle: Vec<bool> = size.iter().map(|&n| n > 1).collect();
        for min_fraction in [0.0, 0.005] {
            let mut options = TreeOptions::default();
            options.min_fraction = min_fraction;
            let tree = tree::build(&profile, &options);
            for (i, node) in tree.nodes().iter().enumerate() {
                let id = tree::NodeId::from_index(i);
                let Some(parent) = node.figures.cumulative else {
                    continue;
                };
                // In a cycle, cProfile's edge times count the inner calls inside the outer ones
                // again: a node with a recursion mark anywhere below it is not checked.
                let below = &tree.nodes()[i + 1..];
                let subtree = below.iter().take_while(|n| n.depth > node.depth);
                if subtree.clone().any(|n| n.mark == Mark::Recursion) {
                    continue;
                }
                // Nor is a function in a cycle whose way back goes through an entry of its own.
                if node
                    .function
                    .is_some_and(|f| in_cycle[groups.group(f).index()] || profile.calls_itself(f))
                {
                    continue;
                }
                let children: Vec<_> = tree.children(id).map(|c| tree.node(c)).collect();
                let sum: f64 = children.iter().filter_map(|c| c.figures.cumulative).sum();
                assert!(
                    sum <= parent * (1.0 + 1e-9) + 1e-12,
                    "{}: children of node {i} add up to {sum} > {parent}",
                    relative(&path)
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} nodes checked");
}

#[test]
fn max_lines_bounds_the_tree_and_says_what_was_cut() {
    let input = fixtures().join("stats/py313/cprofile.stats");
    let input = input.display().to_string();
    let full = tree_text(&[&input, "--max-lines", "100000"]);
    let nodes = body(&full).count();
    assert!(nodes > 5, "{full}");
    for limit in [0, 1, 5] {
        let text = tree_text(&[&input, "--max-lines", &limit.to_string()]);
        let lines: Vec<_> = body(&text).collect();
        assert_eq!(lines.len(), limit + 1, "{text}");
        assert_eq!(
            &lines[..limit],
            &body(&full).take(limit).collect::<Vec<_>>()[..]
        );
        assert_eq!(
            lines[limit],
            format!(
                "… {} more lines cut by the line limit ({limit})",
                nodes - limit
            )
        );
    }
}

#[test]
fn ascii_mode_writes_only_ascii() {
    let mut inputs: Vec<String> = stats_fixtures()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    inputs.push(
        fixtures()
            .join("sampled/py-spy/threads.folded")
            .display()
            .to_string(),
    );
    for input in &inputs {
        for inverted in [false, true] {
            let mut args = vec!["tree", input.as_str()];
            if inverted {
                args.push("--inverted");
            }
            let flagged: crate::support::Run = crate::support::pstat(&fixtures())
                .env("LC_ALL", "C.UTF-8")
                .args(&args)
                .arg("--ascii")
                .output()
                .expect("run pstat")
                .into();
            assert!(flagged.success(), "{}", flagged.stderr());
            assert!(
                flagged.stdout_bytes().is_ascii(),
                "{input}: {}",
                flagged.stdout()
            );
            // Without the flag, a locale that is not UTF-8 gives the same.
            let output = crate::support::pstat(&fixtures())
                .env("LC_ALL", "C")
                .args(&args)
                .output()
                .expect("run pstat");
            assert_eq!(output.stdout, flagged.stdout_bytes(), "{input}");
        }
    }
}

#[test]
fn hostile_names_are_escaped() {
    // A cProfile-shaped dump whose names and files carry terminal controls, written by Python.
    let script = r#"
import marshal, sys
names = ["evil\x1b[31m", "line\nbreak", "rtl\u202eexe.py", "c1\x85x", "bell\x07"]
stats = {}
prev = None
for i, n in enumerate(names):
    key = ("f\x1b]0;title\x07.py", i + 1, n)
    callers = {prev: (1, 1, 0.1, 1.0 - 0.1 * i)} if prev else {}
    stats[key] = (1, 1, 0.1, 1.0 - 0.1 * i + 0.1, callers)
    prev = key
sys.stdout.buffer.write(marshal.dumps(stats))
"#;
    let (dir, _) = temp_file(
        "hostile.stats",
        &python3(None, script, std::iter::empty::<&str>()),
    );
    for extra in [&[][..], &["--inverted"][..], &["--ascii"][..]] {
        let mut args = vec!["tree", "hostile.stats"];
        args.extend(extra);
        let result = run(dir.path(), &args);
        assert!(result.success(), "{}", result.stderr());
        let text = result.stdout();
        for c in text.chars() {
            assert!(
                c == '\n' || !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{extra:?}: {c:?} in {text}"
            );
        }
        for escaped in [
            "evil\\x1b[31m",
            "line\\x0abreak",
            "c1\\x85x",
            "f\\x1b]0;title\\x07.py",
        ] {
            assert!(text.contains(escaped), "{extra:?}: {escaped} not in {text}");
        }
        if extra.is_empty() {
            assert!(text.contains("rtl\\u{202e}exe.py"), "{text}");
        }
    }
}

/// The README's tree example is what pstat prints.
#[test]
fn readme_example_is_the_trees_output() {
    let readme = std::fs::read_to_string(repo_file("README.md")).expect("README");
    let marker = "pstat tree tests/fixtures/stats/py313/cprofile.stats --strip-dirs`):\n\n```\n";
    let start = readme.find(marker).expect("the example's marker") + marker.len();
    let len = readme[start..].find("```").expect("the example's end");
    let output = crate::support::pstat(&repo_file("."))
        .env("LC_ALL", "C.UTF-8")
        .args([
            "tree",
            "tests/fixtures/stats/py313/cprofile.stats",
            "--strip-dirs",
        ])
        .output()
        .expect("run pstat");
    assert!(output.status.success());
    assert_eq!(
        &readme[start..start + len],
        String::from_utf8_lossy(&output.stdout)
    );
}

/// A deep stack cannot blow the tree up: by default the tree stops at depth 1,000 with one line
/// for the rest, and past 64 levels a line continues flat with `[depth N]`, so that without the
/// depth limit the output grows with the frames, not with their square (5,000 frames printed
/// 37 MB before).
#[test]
fn a_deep_stack_prints_a_tree_linear_in_its_frames() {
    let frames = 5000;
    let stack: Vec<String> = (0..frames).map(|i| format!("f{i}")).collect();
    let (_dir, path) =
        crate::support::temp_file("deep.folded", format!("{} 1\n", stack.join(";")).as_bytes());
    let cwd = path.parent().expect("a directory");
    let tree = run(cwd, ["tree", "deep.folded"]);
    assert!(tree.success(), "{}", tree.stderr());
    let text = tree.stdout();
    assert!(text.len() < 300_000, "{} bytes", text.len());
    assert!(text.contains("└─ [depth 65] f65\n"), "{text:.2000}");
    assert!(text.contains("… 3999 more below the depth limit (1000)\n"));
    let unlimited = run(cwd, ["tree", "deep.folded", "--max-depth", "0"]);
    assert!(unlimited.success(), "{}", unlimited.stderr());
    let text = unlimited.stdout();
    assert!(text.contains("[depth 4999] f4999\n"));
    assert!(text.len() < frames * 300, "{} bytes", text.len());
}
