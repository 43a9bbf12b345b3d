//! `pstat diff a.lprof b.lprof` on real line_profiler runs (tests/fixtures/diff/lprof/): every
//! per-line change against the figures generate.py computed with line_profiler's own
//! `load_stats`, the slowed function first, added and removed functions, two timer units,
//! refused inputs and crafted names.

use std::path::{Path, PathBuf};

use pstat::query::diff::Change;
use pstat::query::diff::lines::{self, LineFigures};
use serde_json::Value;

use crate::support::{assert_only_own_escapes, json_file, on_terminal, repo_file, run, temp_file};

fn dir() -> PathBuf {
    repo_file("tests/fixtures/diff/lprof")
}

/// What generate.py computed for one pair of files.
fn expected(pair: &str) -> Value {
    json_file("tests/fixtures/diff/lprof/expected.json")[pair].clone()
}

fn figures(hits: &Value, time: &Value) -> Option<(i64, f64)> {
    match (hits.as_i64(), time.as_f64()) {
        (Some(hits), Some(time)) => Some((hits, time)),
        _ => None,
    }
}

/// The library's diff of every pair, function by function and line by line, equals what
/// Python computed from line_profiler's `load_stats` (ticks × unit in both, so the floats are
/// the same to the bit).
#[test]
fn changes_are_line_profilers_own_figures() {
    for pair in ["program", "hostile", "units"] {
        let expected = expected(pair);
        let read = |key: &str| {
            let path = dir().join(expected[key].as_str().expect("a path"));
            pstat::read_path(&path, &Default::default())
                .and_then(pstat::AnyProfile::into_lines)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let diff = lines::diff(&read("base"), &read("new"), &lines::Options::default())
            .expect("comparable");
        assert_eq!(
            diff.base_unit,
            expected["base_unit"].as_f64().expect("unit")
        );
        assert_eq!(diff.new_unit, expected["new_unit"].as_f64().expect("unit"));
        let functions = expected["functions"].as_array().expect("functions");
        assert_eq!(diff.functions.len(), functions.len(), "{pair}");
        for (actual, want) in diff.functions.iter().zip(functions) {
            let what = format!("{pair}: {}", want["name"]);
            assert_eq!(actual.name, want["name"].as_str().expect("name"), "{what}");
            assert_eq!(actual.recorded_file, want["file"].as_str().expect("file"));
            assert_eq!(
                Some(actual.first_line),
                want["first_line"].as_i64(),
                "{what}"
            );
            let change = match want["change"].as_str().expect("change") {
                "matched" => Change::Matched,
                "moved" => Change::Moved {
                    base_line: want["base_line"].as_i64().expect("base line"),
                },
                "added" => Change::Added,
                "removed" => Change::Removed,
                other => panic!("{other}"),
            };
            assert_eq!(actual.change, change, "{what}");
            assert_eq!(
                Some(actual.base_total),
                want["base_total"].as_f64(),
                "{what}"
            );
            assert_eq!(Some(actual.new_total), want["new_total"].as_f64(), "{what}");
            let want_lines = want["lines"].as_array().expect("lines");
            assert_eq!(actual.lines.len(), want_lines.len(), "{what}");
            for (line, want) in actual.lines.iter().zip(want_lines) {
                assert_eq!(Some(line.line), want["line"].as_i64(), "{what}");
                let pair = |f: Option<LineFigures>| f.map(|f| (f.hits, f.time));
                let (base, new) = (pair(line.base), pair(line.new));
                assert_eq!(base, figures(&want["base_hits"], &want["base_time"]));
                assert_eq!(new, figures(&want["new_hits"], &want["new_time"]));
                assert_eq!(
                    Some(line.hits_delta() as i64),
                    want["delta_hits"].as_i64(),
                    "{what} line {}",
                    line.line
                );
                assert_eq!(Some(line.time_delta()), want["delta_time"].as_f64());
            }
        }
    }
}

/// A row of the report as its cells: line number, Hits, ΔHits, Time, ΔTime, Per Hit, % Time
/// (for a line both sides timed).
fn row<'a>(report: &'a str, function: &str, line: i64) -> Vec<&'a str> {
    let start = report
        .find(&format!("Function: {function} at line"))
        .unwrap_or_else(|| panic!("{function} in {report}"));
    let number = line.to_string();
    report[start..]
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&number.as_str()))
        .unwrap_or_else(|| panic!("{function} line {line}"))
}

/// A ΔTime cell: an explicit sign and one decimal, within rounding of `expected` (the report
/// converts each side's ticks as line_profiler does, Python multiplied seconds: the last bit
/// may differ).
fn assert_delta_cell(cell: &str, expected: f64, what: &str) {
    assert!(cell.starts_with(['+', '-']), "{what}: {cell}");
    let (_, decimals) = cell.split_once('.').expect("a decimal point");
    assert_eq!(decimals.len(), 1, "{what}: {cell}");
    let value: f64 = cell.parse().expect("a number");
    assert!(
        (value - expected).abs() <= 0.05 + 1e-9,
        "{what}: {cell} for {expected}"
    );
}

/// The report: the slowed (and moved) function first, its rows' changes as Python computed
/// them (formatted here as line_profiler formats times, in microseconds, with a sign), then
/// the added and removed ones, each said to be so.
#[test]
fn the_slowed_function_comes_first_with_its_changes() {
    let expected = expected("program");
    let output = run(&dir(), ["diff", "base.lprof", "new.lprof"]);
    assert!(output.success(), "{}", output.stderr());
    let report = output.stdout();
    let new_side = std::fs::read_to_string(dir().join("new.line_profiler.txt")).expect("fixture");
    let first = &expected["functions"][0];
    assert_eq!(first["name"], "compute");
    assert_eq!(first["change"], "moved");
    let functions: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("Function: "))
        .collect();
    assert_eq!(
        functions[0],
        format!(
            "Function: compute at line {} (moved from line {})",
            first["first_line"], first["base_line"]
        )
    );
    assert!(report.contains("Function: new_helper at line 24 (new side only)"));
    assert!(report.contains("Function: old_helper at line 21 (base side only)"));
    assert!(report.contains("Functions: 3 in both (2 moved), 1 added, 1 removed"));
    for function in expected["functions"].as_array().expect("functions") {
        let name = function["name"].as_str().expect("name");
        for line in function["lines"].as_array().expect("lines") {
            if line["base_hits"].is_null() || line["new_hits"].is_null() {
                continue;
            }
            let number = line["line"].as_i64().expect("line");
            let cells = row(&report, name, number);
            let delta_hits = line["delta_hits"].as_i64().expect("hits");
            assert_eq!(cells[2], format!("{delta_hits:+}"), "{name} {line}");
            let delta_time = line["delta_time"].as_f64().expect("time") * 1e6;
            assert_delta_cell(cells[4], delta_time, &format!("{name} {line}"));
            // Hits, Time, Per Hit and % Time as line_profiler prints the new file.
            let theirs = row(&new_side, name, number);
            assert_eq!(
                [cells[1], cells[3], cells[5], cells[6]],
                theirs[1..5],
                "{name} {number}"
            );
        }
    }
    // The total time's change of the slowed function, in line_profiler's `%g` of seconds.
    let total = report
        .lines()
        .find(|l| l.starts_with("Total time: "))
        .expect("a total");
    let delta = first["delta_total"].as_f64().expect("delta");
    assert!(delta > 0.0);
    let percent = 100.0 * delta / first["base_total"].as_f64().expect("base");
    assert!(total.ends_with(&format!(", {percent:+.1}%)")), "{total}");
}

/// Microseconds against nanoseconds: the report converts both to its unit.
#[test]
fn different_timer_units_are_converted() {
    let expected = expected("units");
    let lprof = repo_file("tests/fixtures/lprof");
    let output = run(
        &lprof,
        [
            "diff",
            "py27-lp3.0.2/demo.lprof",
            "py311-lp4.2.0/demo.lprof",
        ],
    );
    assert!(output.success(), "{}", output.stderr());
    let report = output.stdout();
    assert!(report.contains("base: py27-lp3.0.2/demo.lprof (timer unit 1e-06 s)"));
    assert!(report.contains("new:  py311-lp4.2.0/demo.lprof (timer unit 1e-09 s)"));
    let first = &expected["functions"][0];
    let name = first["name"].as_str().expect("name");
    for line in first["lines"].as_array().expect("lines") {
        let cells = row(&report, name, line["line"].as_i64().expect("line"));
        let delta_time = line["delta_time"].as_f64().expect("time") * 1e6;
        assert_delta_cell(cells[4], delta_time, &format!("{name} {line}"));
    }
}

fn assert_fails(args: &[&Path], code: i32, says: &[&str]) {
    let output = run(&dir(), args);
    assert_eq!(output.code(), Some(code), "{}", output.stderr());
    for text in says {
        assert!(output.stderr().contains(text), "{}", output.stderr());
    }
}

/// Mixed, several runs, unrelated profiles, a broken file and options of the function report.
#[test]
fn inputs_that_cannot_be_compared_are_refused() {
    let stats = repo_file("tests/fixtures/diff/slow_base.stats");
    let p = |s: &'static str| Path::new(s);
    let stats_name = stats.display().to_string();
    for pair in [[p("base.lprof"), &stats], [&stats, p("base.lprof")]] {
        assert_fails(
            &[p("diff"), pair[0], pair[1]],
            1,
            &["base.lprof (a line_profiler file)", &stats_name],
        );
    }
    assert_fails(
        &[
            p("diff"),
            p("--base"),
            p("base.lprof"),
            p("base.lprof"),
            p("--new"),
            p("new.lprof"),
        ],
        1,
        &["one file per side"],
    );
    assert_fails(
        &[p("diff"), p("base.lprof"), p("hostile_new.lprof")],
        1,
        &["no function of base.lprof is in hostile_new.lprof"],
    );
    for option in ["-n", "--sort", "--min-delta", "--fail-if-slower"] {
        let value = if option == "--sort" { "ratio" } else { "1" };
        assert_fails(
            &[
                p("diff"),
                p("base.lprof"),
                p("new.lprof"),
                p(option),
                p(value),
            ],
            2,
            &["does not apply to line profiles"],
        );
    }
    assert_fails(
        &[
            p("diff"),
            p("base.lprof"),
            p("new.lprof"),
            p("--format"),
            p("json"),
        ],
        2,
        &["does not apply to line profiles"],
    );
    // A .lprof cut short: the reader's error, with the file named.
    let bytes = std::fs::read(dir().join("new.lprof")).expect("fixture");
    let (temp, cut) = temp_file("cut.lprof", &bytes[..bytes.len() / 2]);
    let output = run(
        temp.path(),
        [Path::new("diff"), &dir().join("base.lprof"), &cut],
    );
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr().contains("reading "), "{}", output.stderr());
    assert!(output.stderr().contains("cut.lprof"), "{}", output.stderr());
}

/// A file and a function name with terminal escapes: escaped in the diff, pstat's own report,
/// into a pipe as on a terminal (docs/diff.md, "Names"), so that no control reaches either.
#[test]
fn crafted_names_are_escaped_on_a_terminal() {
    let name = "evil\\x1b[31mred\\x9bx at line 1";
    let file = "evil\\x1b]0;pwned\\x07.py";
    let piped = run(&dir(), ["diff", "hostile_base.lprof", "hostile_new.lprof"]);
    assert!(piped.success(), "{}", piped.stderr());
    assert!(piped.stdout().contains(name), "{}", piped.stdout());
    assert!(piped.stdout().contains(file), "{}", piped.stdout());
    assert!(!piped.stdout().contains('\u{1b}') && !piped.stdout().contains('\u{9b}'));

    let shown = on_terminal(&dir(), "diff hostile_base.lprof hostile_new.lprof", &[]);
    assert!(shown.contains(name), "{shown:?}");
    assert!(shown.contains(file), "{shown:?}");
    assert_only_own_escapes(&shown);
}

/// docs/diff.md's example is what pstat prints for the fixture pair.
#[test]
fn the_documented_example_is_the_reports_output() {
    let docs = std::fs::read_to_string(repo_file("docs/diff.md")).expect("docs");
    let marker = "$ pstat diff base.lprof new.lprof\n";
    let start = docs.find(marker).expect("the example's marker") + marker.len();
    let len = docs[start..].find("```").expect("the example's end");
    let output = run(&dir(), ["diff", "base.lprof", "new.lprof"]);
    assert!(output.success(), "{}", output.stderr());
    assert_eq!(&docs[start..start + len], output.stdout());
}
