//! `pstat diff` on real profile pairs (tests/fixtures/diff/, made by running one program twice
//! under cProfile): the slowed function first with the change pstats' figures give, added and
//! removed functions, install prefixes matched, the noise test on unchanged runs, the JSON
//! against its schema, the SVG parsed by Python's XML parser, and the exit statuses.

use std::path::{Path, PathBuf};

use jsonschema::Validator;
use serde_json::Value;

use crate::support::{json_file, python3, repo_file, run};

fn dir() -> PathBuf {
    repo_file("tests/fixtures/diff")
}

/// What generate.py recorded with pstats for one fixture (without `.stats`).
fn expected(name: &str) -> Value {
    json_file("tests/fixtures/diff/expected.json")["profiles"][name].clone()
}

/// pstats' printed name of the program's function `name`, from expected.json.
fn printed_name(profile: &Value, name: &str) -> String {
    let functions = profile["functions"].as_object().expect("functions");
    let suffix = format!("({name})");
    let found: Vec<&String> = functions.keys().filter(|k| k.ends_with(&suffix)).collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0].clone()
}

/// `pstat diff ARGS --format json`, which must succeed.
fn diff_json(args: &[&str]) -> Value {
    let mut all: Vec<&str> = vec!["diff"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let output = run(&dir(), &all);
    assert!(output.success(), "{args:?}: {}", output.stderr());
    serde_json::from_slice(output.stdout_bytes()).expect("JSON")
}

fn functions(doc: &Value) -> &Vec<Value> {
    doc["functions"].as_array().expect("functions")
}

fn row<'a>(doc: &'a Value, display_name: &str) -> &'a Value {
    functions(doc)
        .iter()
        .find(|f| f["display_name"] == display_name)
        .unwrap_or_else(|| panic!("{display_name} missing"))
}

fn with_change<'a>(doc: &'a Value, change: &str) -> Vec<&'a str> {
    functions(doc)
        .iter()
        .filter(|f| f["change"] == change)
        .map(|f| f["display_name"].as_str().expect("name"))
        .collect()
}

fn validator() -> Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&json_file("docs/pstat-diff.schema.json"))
        .expect("the schema compiles")
}

fn assert_valid(doc: &Value, what: &str) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn the_slowed_function_comes_first_with_pstats_figures() {
    let (base, new) = (expected("slow_base"), expected("slow_new"));
    let compute = printed_name(&base, "compute");
    let doc = diff_json(&["slow_base.stats", "slow_new.stats"]);
    assert_valid(&doc, "slow");
    let first = &functions(&doc)[0];
    assert_eq!(first["display_name"], compute.as_str());
    let (tt_base, tt_new) = (
        base["functions"][&compute]["tottime"]
            .as_f64()
            .expect("tottime"),
        new["functions"][&compute]["tottime"]
            .as_f64()
            .expect("tottime"),
    );
    assert_eq!(first["tottime_delta"].as_f64(), Some(tt_new - tt_base));
    assert_eq!(first["base"]["tottime"].as_f64(), Some(tt_base));
    assert!(
        tt_new / tt_base > 2.0,
        "the fixture's slowdown: {tt_base} -> {tt_new}"
    );
    let total =
        new["total_tt"].as_f64().expect("total") - base["total_tt"].as_f64().expect("total");
    assert_eq!(doc["total"]["tottime_delta"].as_f64(), Some(total));

    // The text report's first row: Δ tottime is the difference of what print_stats prints for
    // each file, to the rounding of the printed figures.
    let output = run(&dir(), ["diff", "slow_base.stats", "slow_new.stats"]);
    assert!(output.success(), "{}", output.stderr());
    let text = output.stdout();
    let first_row = text
        .lines()
        .skip_while(|l| !l.contains("base->new"))
        .nth(1)
        .expect("a first row");
    assert!(first_row.ends_with(&compute), "{first_row}");
    let printed = |p: &Value| -> f64 {
        let figure = p["functions"][&compute]["tottime_printed"]
            .as_str()
            .expect("printed");
        figure.trim().parse().expect("a number")
    };
    let printed_delta = printed(&new) - printed(&base);
    let fields: Vec<&str> = first_row.split_whitespace().collect();
    let delta: f64 = fields[0].parse().expect("Δ tottime");
    assert!(fields[0].starts_with('+'), "{first_row}");
    assert!(
        (delta - printed_delta).abs() <= 0.001 + 1e-9,
        "{delta} vs {printed_delta}"
    );
    assert_eq!(fields[0], format!("{:+.3}", tt_new - tt_base));
    // The base and new tottime columns are print_stats' own figures.
    for (field, side) in [(fields[2], &base), (fields[3], &new)] {
        let figure = side["functions"][&compute]["tottime_printed"]
            .as_str()
            .expect("printed");
        assert_eq!(field, figure.trim());
    }
    assert!(
        text.contains("No noise estimate: one run on a side"),
        "{text}"
    );
}

#[test]
fn removed_and_added_functions_are_listed() {
    let doc = diff_json(&[
        "variant_base.stats",
        "variant_new.stats",
        "--match",
        "program",
    ]);
    assert_valid(&doc, "variant");
    let (base, new) = (expected("variant_base"), expected("variant_new"));
    assert_eq!(
        with_change(&doc, "removed"),
        [printed_name(&base, "old_helper")]
    );
    assert_eq!(
        with_change(&doc, "added"),
        [printed_name(&new, "new_helper")]
    );
    assert!(with_change(&doc, "moved").is_empty());
    let output = run(
        &dir(),
        [
            "diff",
            "variant_base.stats",
            "variant_new.stats",
            "-m",
            "program",
        ],
    );
    let text = output.stdout();
    let flagged = |flag: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains(&format!("  {flag} ")))
            .map(|l| l.rsplit(' ').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(flagged("removed"), [printed_name(&base, "old_helper")]);
    assert_eq!(flagged("added  "), [printed_name(&new, "new_helper")]);
}

#[test]
fn install_prefixes_match_after_path_normalisation() {
    let (a, b) = (expected("prefix_a"), expected("prefix_b"));
    let work_a = printed_name(&a, "work");
    let work_b = printed_name(&b, "work");
    // The fixtures do come from two prefixes.
    assert!(
        work_a.starts_with("/tmp/prefixA/lib/python3.12/site-packages/diffpkg/"),
        "{work_a}"
    );
    assert!(
        work_b.starts_with("/tmp/prefixB/venv/lib/python3.12/site-packages/diffpkg/"),
        "{work_b}"
    );
    let doc = diff_json(&["prefix_a.stats", "prefix_b.stats"]);
    assert_valid(&doc, "prefix");
    assert!(
        with_change(&doc, "added").is_empty(),
        "{:?}",
        with_change(&doc, "added")
    );
    assert!(with_change(&doc, "removed").is_empty());
    let work = row(&doc, "<site-packages>/diffpkg/core.py:8(work)");
    assert_eq!(work["change"], "matched");
    assert_eq!(
        work["base"]["calls"].as_f64(),
        a["functions"][&work_a]["calls"].as_f64()
    );
    // The functions each profile has, as pstats reads them, are all there, once.
    assert_eq!(
        functions(&doc).len(),
        pstats_function_count("prefix_a.stats"),
    );

    // Without it, the package's functions are on one side each; --map does the same job.
    let raw = diff_json(&["prefix_a.stats", "prefix_b.stats", "--no-normalize-paths"]);
    let package = |names: Vec<&str>| names.iter().filter(|n| n.contains("diffpkg")).count();
    let in_package = expected("prefix_a")["functions"]
        .as_object()
        .expect("functions")
        .keys()
        .filter(|k| k.contains("diffpkg"))
        .count();
    assert_eq!(in_package, 5);
    assert_eq!(package(with_change(&raw, "removed")), in_package);
    assert_eq!(package(with_change(&raw, "added")), in_package);
    let mapped = diff_json(&[
        "prefix_a.stats",
        "prefix_b.stats",
        "--no-normalize-paths",
        "--map",
        "/tmp/prefixA/lib=/tmp/prefixB/venv/lib",
    ]);
    assert!(with_change(&mapped, "added").is_empty());
    assert!(with_change(&mapped, "removed").is_empty());
}

/// How many functions Python's pstats reads from a fixture.
fn pstats_function_count(name: &str) -> usize {
    let script = "import pstats,sys; print(len(pstats.Stats(sys.argv[1]).stats))";
    String::from_utf8_lossy(&python3(Some(&dir()), script, [name]))
        .trim()
        .parse()
        .expect("a count")
}

fn runs(prefix: &str) -> Vec<String> {
    (1..=5).map(|i| format!("{prefix}{i}.stats")).collect()
}

fn several(base: &str, new: &str, extra: &[&str]) -> Value {
    let (base, new) = (runs(base), runs(new));
    let mut args: Vec<&str> = vec!["--base"];
    args.extend(base.iter().map(String::as_str));
    args.push("--new");
    args.extend(new.iter().map(String::as_str));
    args.extend(extra);
    diff_json(&args)
}

/// Welch's p-value for the fixtures' tottimes of `function`, computed by Python from
/// expected.json with the t distribution's CDF integrated numerically (no SciPy needed).
fn python_welch(base: &str, new: &str, function: &str) -> f64 {
    let script = r#"
import json, math, sys
e = json.load(open("expected.json"))["profiles"]
base, new, name = sys.argv[1], sys.argv[2], sys.argv[3]
def tts(prefix):
    out = []
    for i in range(1, 6):
        fs = e["%s%d" % (prefix, i)]["functions"]
        out.append(sum(v["tottime"] for k, v in fs.items() if k.endswith("(%s)" % name)))
    return out
a, b = tts(base), tts(new)
def mv(x):
    m = sum(x) / len(x)
    return m, sum((v - m) ** 2 for v in x) / (len(x) - 1)
(ma, va), (mb, vb) = mv(a), mv(b)
sa, sb = va / 5, vb / 5
t = abs(mb - ma) / math.sqrt(sa + sb)
df = (sa + sb) ** 2 / (sa * sa / 4 + sb * sb / 4)
# Student's t density, integrated from |t| to infinity by Simpson's rule after x = t + u/(1-u).
c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
f = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)
n = 200000
h = 1.0 / n
s = 0.0
for i in range(n):
    u = i * h
    for w, uu in ((1, u), (4, u + h / 2), (1, u + h)):
        if uu >= 1:
            continue
        s += w * f(t + uu / (1 - uu)) / (1 - uu) ** 2
print(2 * s * h / 6)
"#;
    String::from_utf8_lossy(&python3(Some(&dir()), script, [base, new, function]))
        .trim()
        .parse()
        .expect("a p-value")
}

#[test]
fn unchanged_runs_are_noise_and_a_slowdown_is_not() {
    let doc = several("same_base", "same_new", &[]);
    assert_valid(&doc, "same");
    assert_eq!(doc["noise_estimate"], true);
    let compute = printed_name(&expected("same_base1"), "compute");
    let parse = printed_name(&expected("same_base1"), "parse");
    for name in [&compute, &parse] {
        let r = row(&doc, name);
        assert_eq!(r["verdict"]["kind"], "noise", "{name}: {r}");
        let ours = r["verdict"]["p"].as_f64().expect("p");
        let theirs = python_welch(
            "same_base",
            "same_new",
            name.rsplit('(').next().unwrap().trim_end_matches(')'),
        );
        assert!((ours - theirs).abs() < 1e-4, "{name}: {ours} vs {theirs}");
    }
    assert_eq!(doc["total"]["verdict"]["kind"], "noise");

    let slow = several("same_new", "slow_run", &[]);
    let r = row(&slow, &compute);
    assert_eq!(r["verdict"]["kind"], "significant", "{r}");
    let ours = r["verdict"]["p"].as_f64().expect("p");
    let theirs = python_welch("same_new", "slow_run", "compute");
    assert!((ours - theirs).abs() < 1e-4, "{ours} vs {theirs}");
    assert_eq!(functions(&slow)[0]["display_name"], compute.as_str());

    // The text marks the noise and shows the spreads.
    let (base, new) = (runs("same_base"), runs("same_new"));
    let mut args: Vec<&str> = vec!["diff", "--base"];
    args.extend(base.iter().map(String::as_str));
    args.push("--new");
    args.extend(new.iter().map(String::as_str));
    args.extend(["--match", "compute"]);
    let output = run(&dir(), &args);
    let text = output.stdout();
    assert!(text.contains("±base"), "{text}");
    let line = text
        .lines()
        .find(|l| l.ends_with(&compute))
        .expect("compute's row");
    assert!(line.contains("  noise "), "{line}");
}

#[test]
fn exit_statuses() {
    let d = dir();
    // Without the gate a slowdown exits 0.
    assert_eq!(
        run(&d, ["diff", "slow_base.stats", "slow_new.stats"]).code(),
        Some(0)
    );
    let gated = run(
        &d,
        [
            "diff",
            "slow_base.stats",
            "slow_new.stats",
            "--fail-if-slower",
            "10",
            "-n",
            "1",
        ],
    );
    assert_eq!(gated.code(), Some(3), "{}", gated.stderr());
    assert_eq!(gated.stderr().lines().count(), 1, "{}", gated.stderr());
    assert!(
        gated
            .stderr()
            .starts_with("pstat: slower: total time grew by +"),
        "{}",
        gated.stderr()
    );
    // A function above --min-delta trips it too (total time grew by less than 100%); the
    // reverse direction does not.
    let function = run(
        &d,
        [
            "diff",
            "slow_base.stats",
            "slow_new.stats",
            "--fail-if-slower",
            "100",
            "--min-delta",
            "0.05",
        ],
    );
    assert_eq!(function.code(), Some(3));
    assert!(
        function.stderr().contains("(compute) grew by +"),
        "{}",
        function.stderr()
    );
    let faster = run(
        &d,
        [
            "diff",
            "slow_new.stats",
            "slow_base.stats",
            "--fail-if-slower",
            "10",
        ],
    );
    assert_eq!(faster.code(), Some(0), "{}", faster.stderr());
    // Usage errors exit 2, unreadable inputs and profiles of different kinds 1.
    assert_eq!(run(&d, ["diff", "slow_base.stats"]).code(), Some(2));
    assert_eq!(
        run(&d, ["diff", "--base", "slow_base.stats"]).code(),
        Some(2)
    );
    assert_eq!(
        run(
            &d,
            ["diff", "slow_base.stats", "slow_new.stats", "--sort", "x"]
        )
        .code(),
        Some(2)
    );
    assert_eq!(
        run(&d, ["diff", "slow_base.stats", "missing.stats"]).code(),
        Some(1)
    );
    let folded = repo_file("tests/fixtures/sampled/py-spy/mix.folded");
    let mixed = run(
        &d,
        [Path::new("diff"), Path::new("slow_base.stats"), &folded],
    );
    assert_eq!(mixed.code(), Some(1));
    assert!(
        mixed.stderr().contains("cannot compare"),
        "{}",
        mixed.stderr()
    );
}

#[test]
fn folded_and_svg_outputs() {
    let out = tempfile::tempdir().expect("temp dir");
    let folded = out.path().join("d.folded");
    let svg = out.path().join("d.svg");
    for path in [&folded, &svg] {
        let output = run(
            &dir(),
            [
                Path::new("diff"),
                Path::new("slow_base.stats"),
                Path::new("slow_new.stats"),
                Path::new("-o"),
                path,
            ],
        );
        assert!(output.success(), "{}", output.stderr());
    }
    let text = std::fs::read_to_string(&folded).expect("folded");
    let mut compute = (0u64, 0u64);
    for line in text.lines() {
        let mut fields = line.rsplitn(3, ' ');
        let new: u64 = fields.next().expect("new").parse().expect("count");
        let base: u64 = fields.next().expect("base").parse().expect("count");
        let stack = fields.next().expect("stack");
        if stack
            .rsplit(';')
            .next()
            .is_some_and(|f| f.starts_with("compute ("))
        {
            compute = (compute.0 + base, compute.1 + new);
        }
    }
    // The leaf counts of compute are its own time in microseconds on each side.
    let tottime = |name: &str| {
        let p = expected(name);
        let key = printed_name(&p, "compute");
        (p["functions"][&key]["tottime"].as_f64().expect("tottime") * 1e6).round() as u64
    };
    assert_eq!(compute, (tottime("slow_base"), tottime("slow_new")));

    // Python's XML parser reads the SVG; compute's frame is there, drawn red (slower).
    let script = r#"
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
for g in root.iter("{http://www.w3.org/2000/svg}g"):
    title = g.find("s:title", ns)
    rect = g.find("s:rect", ns)
    if title is not None and rect is not None and title.text.startswith("compute ("):
        print(title.text, rect.get("fill"))
"#;
    let found = String::from_utf8_lossy(&python3(None, script, [&svg])).into_owned();
    let line = found
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no compute frame"));
    assert!(line.contains("rgb(255,"), "{line}");
}

/// The README's diff example is what pstat prints.
#[test]
fn readme_example_is_the_diffs_output() {
    let readme = std::fs::read_to_string(repo_file("README.md")).expect("README");
    let command = "pstat diff tests/fixtures/diff/slow_base.stats tests/fixtures/diff/slow_new.stats -n 5 --strip-dirs";
    let marker = format!("{command}`):\n\n```\n");
    let start = readme.find(&marker).expect("the example's marker") + marker.len();
    let len = readme[start..].find("```").expect("the example's end");
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    let output = run(&repo_file("."), &args);
    assert!(output.success(), "{}", output.stderr());
    assert_eq!(&readme[start..start + len], output.stdout());
}
