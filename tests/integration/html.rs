//! The HTML report in a real browser: Debian's headless Chromium (which .ci/run installs) loads
//! the page with `#selftest`, the page performs what a person would (sort by each column,
//! filter, open a function, draw the icicle) and writes what it then shows as JSON into a
//! `<pre id="selftest">`, which `--dump-dom` prints. The expected rows, callers, callees and
//! stacks come from Python's pstats, line_profiler's own output and the folded input itself.

use std::path::Path;

use serde_json::Value;

use crate::support::{chain_dump, chromium, fixtures, lprof_dir, python3_json, run};

/// Loads `page#fragment` in headless Chromium and returns the page's self-test results.
pub(crate) fn selftest(page: &Path, fragment: &str) -> Value {
    let output = chromium(
        &["--window-size=1400,900", "--dump-dom"],
        &format!("file://{}#{fragment}", page.display()),
    );
    let dom = String::from_utf8(output.stdout).expect("UTF-8");
    let start = dom
        .find("<pre id=\"selftest\">")
        .unwrap_or_else(|| panic!("no self-test results in the page: {dom}"))
        + "<pre id=\"selftest\">".len();
    let end = start + dom[start..].find("</pre>").expect("end of the results");
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    let results: Value = serde_json::from_str(&text).expect("the results are JSON");
    assert_eq!(results["errors"], serde_json::json!([]), "console errors");
    assert_eq!(results["network"], serde_json::json!([]), "requests");
    assert_eq!(
        results["styled"], true,
        "the style sheet applies under the policy"
    );
    assert_eq!(
        results["inline_script_ran"], false,
        "the policy refuses a script it does not name"
    );
    results
}

/// Writes `input` (relative to `cwd`) as an HTML report in `dir`.
fn report(cwd: &Path, input: &str, dir: &Path) -> std::path::PathBuf {
    let page = dir.join("report.html");
    let output = run(cwd, ["convert", input, "-o", &page.display().to_string()]);
    assert!(output.success(), "{input}: {}", output.stderr());
    page
}

/// Runs a Python script with `args` and returns its standard output parsed as JSON.
pub(crate) fn python(script: &str, args: &[&str]) -> Value {
    python3_json(None, script, args)
}

/// What pstats lists for each sort key, each row as the table's cells (ncalls, tottime,
/// percall, cumtime, percall, name), formatted by pstats' own f8 and func_std_string; the
/// callers and callees of one function as print_callers/print_callees print each edge.
const PSTATS: &str = r#"
import io, json, pstats, sys
from pstats import f8, func_std_string
path, rows, opened, pattern = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def cells(s, func):
    cc, nc, tt, ct, _ = s.stats[func]
    return [str(nc) if nc == cc else '%d/%d' % (nc, cc), f8(tt), '' if nc == 0 else f8(tt / nc),
            f8(ct), '' if cc == 0 else f8(ct / cc), func_std_string(func)]
def edge(value, func):
    nc, cc, tt, ct = value
    return [str(nc) if nc == cc else '%d/%d' % (nc, cc), f8(tt), f8(ct), func_std_string(func)]
out = {}
for key in ['calls', 'cumulative', 'filename', 'line', 'name', 'nfl', 'pcalls', 'stdname', 'time']:
    s = pstats.Stats(path, stream=io.StringIO())
    s.sort_stats(key)
    out[key] = [cells(s, f) for f in s.fcn_list[:rows]]
s = pstats.Stats(path, stream=io.StringIO())
s.sort_stats('time').reverse_order()
out['reversed'] = [cells(s, f) for f in s.fcn_list[:rows]]
s = pstats.Stats(path, stream=io.StringIO())
s.sort_stats('time')
_, listed = s.get_print_list((pattern,))
out['filtered'] = {'count': len(listed), 'rows': [cells(s, f) for f in listed[:rows]]}
s = pstats.Stats(path, stream=io.StringIO())
s.sort_stats(opened)
func = s.fcn_list[0]
s.calc_callees()
out['function'] = {
    'title': func_std_string(func),
    'callers': [edge(s.stats[func][4][c], c) for c in sorted(s.stats[func][4])],
    'callees': [edge(v, c) for c, v in sorted(s.all_callees.get(func, {}).items())],
}
print(json.dumps(out))
"#;

/// The table's columns that pstats prints: all but the two percentages.
fn pstats_cells(row: &Value) -> Vec<String> {
    let row = row.as_array().expect("row");
    [0, 1, 2, 3, 4, 7]
        .iter()
        .map(|&i| row[i].as_str().expect("cell").to_string())
        .collect()
}

/// The first rows of the table for every pstats sort key, reversed, filtered by a regular
/// expression, and one function's callers and callees are what pstats lists, figure for figure.
#[test]
fn the_table_and_a_function_page_show_what_pstats_lists() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = "stats/py313/cprofile.stats";
    let page = report(&fixtures(), fixture, dir.path());
    let results = selftest(&page, "selftest&filter=method|lock&regex=1&open=cumulative");
    assert_eq!(results["title"], fixture);
    let path = fixtures().join(fixture).display().to_string();
    let shown = results["sorts"]["time"]["rows"]
        .as_array()
        .expect("rows")
        .len();
    assert!(shown >= 20, "{shown} rows visible");
    let expected = python(
        PSTATS,
        &[&path, &shown.to_string(), "cumulative", "method|lock"],
    );
    for (key, rows) in expected.as_object().expect("object") {
        let actual = match key.as_str() {
            "filtered" => {
                assert_eq!(
                    results["filtered"]["count"], rows["count"],
                    "filtered count"
                );
                &results["filtered"]["rows"]
            }
            "reversed" => &results["reversed"],
            "function" => continue,
            _ => &results["sorts"][key]["rows"],
        };
        let actual: Vec<Vec<String>> = actual
            .as_array()
            .expect("rows")
            .iter()
            .map(pstats_cells)
            .collect();
        let rows = if key == "filtered" {
            &rows["rows"]
        } else {
            rows
        };
        let expected: Vec<Vec<String>> = serde_json::from_value(rows.clone()).expect("rows");
        assert_eq!(actual, expected, "sorted by {key}");
    }
    let function = &results["function"];
    assert_eq!(function["title"], expected["function"]["title"]);
    assert_eq!(function["callers"], expected["function"]["callers"]);
    assert_eq!(function["callees"], expected["function"]["callees"]);
    assert!(
        !function["callees"].as_array().expect("callees").is_empty(),
        "the opened function calls others"
    );
    let summary = results["summary"].as_str().expect("summary");
    assert!(summary.contains("5333 function calls (128 primitive calls)"));
}

/// The distinct stacks of a folded file after its thread frames (merged, as pstat reads it by
/// default): the icicle's frames. Also the samples on those stacks.
const FOLDED_FRAMES: &str = r#"
import json, sys
prefixes, total = set(), 0
for line in open(sys.argv[1], encoding='utf-8'):
    stack, count = line.rstrip('\n').rsplit(' ', 1)
    frames = [f for f in stack.split(';') if not f.startswith('thread (')]
    if frames:
        total += int(count)
    for i in range(1, len(frames) + 1):
        prefixes.add(tuple(frames[:i]))
print(json.dumps({'frames': len(prefixes), 'total': total}))
"#;

/// The icicle of a sampled profile has one frame per distinct stack prefix of the input and
/// says its stacks are exact; a cProfile profile's says they are estimated from call edges.
#[test]
fn the_icicle_draws_every_stack() {
    let dir = tempfile::tempdir().expect("temp dir");
    for fixture in [
        "sampled/py-spy/threads.folded",
        "sampled/py-spy/recursive.folded",
    ] {
        let page = report(&fixtures(), fixture, dir.path());
        let results = selftest(&page, "selftest");
        let path = fixtures().join(fixture).display().to_string();
        let expected = python(FOLDED_FRAMES, &[&path]);
        let icicle = &results["icicle"];
        assert_eq!(icicle["frames"], expected["frames"], "{fixture}");
        assert_eq!(icicle["total"], expected["total"], "{fixture}");
        let drawn = icicle["drawn"].as_u64().expect("drawn");
        assert!(drawn > 0 && drawn <= expected["frames"].as_u64().unwrap());
        assert!(icicle["note"].as_str().unwrap().starts_with("Exact stacks"));
    }
    let page = report(&fixtures(), "stats/py313/cprofile.stats", dir.path());
    let results = selftest(&page, "selftest");
    assert!(
        results["icicle"]["note"]
            .as_str()
            .unwrap()
            .starts_with("Stacks estimated from call edges"),
        "{}",
        results["icicle"]
    );
}

/// line_profiler's text report as rows: (function, [line, hits, time, per hit, % time,
/// contents]) from `python -m line_profiler` 5.1's output.
fn line_profiler_rows(text: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let mut out: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Function: ") {
            let name = rest.rsplit_once(" at line ").expect("at line").0;
            out.push((name.to_string(), Vec::new()));
            in_table = false;
        } else if line.starts_with("====") {
            in_table = true;
        } else if line.is_empty() {
            in_table = false;
        } else if in_table {
            let cell = |from: usize, to: usize| line.get(from..to).unwrap_or("").trim().to_string();
            let row = vec![
                cell(0, 6),
                cell(7, 16),
                cell(17, 29),
                cell(30, 38),
                cell(39, 47),
                line.get(49..).unwrap_or("").to_string(),
            ];
            out.last_mut().expect("a function").1.push(row);
        }
    }
    out
}

/// A line profile's page shows each function's lines with line_profiler's figures and its
/// source, functions by descending total time.
#[test]
fn line_profiles_show_line_profilers_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = report(&lprof_dir(), "py312-lp5.1.0/demo.lprof", dir.path());
    let results = selftest(&page, "selftest");
    let expected =
        std::fs::read_to_string(lprof_dir().join("expected/py312-lp5.1.0/demo/plain.txt"))
            .expect("expected output");
    let expected = line_profiler_rows(&expected);
    let shown = results["lines"].as_array().expect("functions");
    assert_eq!(shown.len(), expected.len());
    let totals: Vec<i64> = shown.iter().map(|f| f["total"].as_i64().unwrap()).collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    for function in shown {
        let name = function["name"].as_str().expect("name");
        let (_, rows) = expected
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} in line_profiler's output"));
        let actual: Vec<Vec<String>> =
            serde_json::from_value(function["rows"].clone()).expect("rows");
        // line_profiler pads the contents' column; the page shows each line as it is.
        let trimmed = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
            rows.into_iter()
                .map(|mut row| {
                    row[5] = row[5].trim_end().to_string();
                    row
                })
                .collect()
        };
        let (actual, rows) = (trimmed(actual), trimmed(rows.clone()));
        assert_eq!(actual, rows, "{name}");
    }
}

/// Names that would run as script or make elements if they reached the page as markup, in a
/// dump whose own file name is markup too. Every page of the report (table, each function,
/// icicle, summary) is drawn; the title stays the file's name as text, no script runs, no
/// element is added, and the table shows each name exactly.
#[test]
fn hostile_names_are_text() {
    let names = [
        "</script><script>window.pwned='script'</script>",
        "<img src=x onerror=\"window.pwned='img'\">",
        "javascript:window.pwned='url'",
        "\" onmouseover=\"window.pwned='attribute'",
        "<!-- <script>",
        "line\u{2028}separator\u{2029}paragraph & &amp; &lt;",
        "<iframe src=\"javascript:parent.pwned='iframe'\"></iframe>",
    ];
    let files = ["</script>.py", "javascript:alert(1)", "<b>bold</b>.py"];
    let stats = chain_dump(&names, &files);
    let dir = tempfile::tempdir().expect("temp dir");
    let input = "<img src=x onerror=\"window.pwned='title'\">.stats";
    std::fs::write(dir.path().join(input), &stats).expect("write the dump");
    let page = report(dir.path(), input, dir.path());
    let results = selftest(&page, "selftest&pages=all&filter=pwned");
    assert_eq!(results["title"], input);
    assert_eq!(results["pwned"], Value::Null);
    assert_eq!(
        results["elements"],
        serde_json::json!({"script": 2, "img": 0, "iframe": 0})
    );
    let shown: Vec<String> = results["sorts"]["line"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row[7].as_str().expect("name").to_string())
        .collect();
    let expected: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{}:{}({name})", files[i % files.len()], i + 1))
        .collect();
    assert_eq!(shown, expected);
    assert_eq!(results["filtered"]["count"], 5);
}

/// `pstat view --no-browser` writes the report into the temporary directory and prints its
/// path; `convert` writes one from a line profile too.
#[test]
fn view_writes_a_report_and_prints_its_path() {
    let temp = tempfile::tempdir().expect("temp dir");
    let output = crate::support::pstat(&fixtures())
        .env("TMPDIR", temp.path())
        .args(["view", "--no-browser", "stats/py313/cprofile.stats"])
        .output()
        .expect("pstat runs");
    assert!(output.status.success(), "{output:?}");
    let path = String::from_utf8(output.stdout).expect("UTF-8");
    let path = Path::new(path.trim_end());
    assert!(path.starts_with(temp.path()), "{}", path.display());
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("pstat-view-cprofile-") && name.ends_with(".html"));
    let page = std::fs::read_to_string(path).expect("the report is kept");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("Content-Security-Policy"));
}
