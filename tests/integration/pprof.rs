//! pprof export: `go tool pprof` reads every fixture's export, and its totals and flat figures
//! are the ones CPython's pstats (or the expected figures a Python script computed from each
//! sampled file's text) gives; hostile names come through.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{fixtures, python3_json, relative, run, stats_fixtures, temp_file};

/// `go` must be on the PATH (`tests/run` installs golang-go): a test that skipped without it
/// would pass while checking nothing.
fn require_go() {
    crate::support::tool("go");
}

/// `go tool pprof -top` over every node, with values in `sample_index`: (total, flat per name).
fn pprof_top(path: &Path, sample_index: &str, unit: Option<&str>) -> (i64, BTreeMap<String, i64>) {
    let mut command = crate::support::tool("go");
    command.args([
        "tool",
        "pprof",
        "-top",
        "-nodecount=0",
        "-nodefraction=0",
        "-edgefraction=0",
    ]);
    command.arg(format!("-sample_index={sample_index}"));
    if let Some(unit) = unit {
        command.arg(format!("-unit={unit}"));
    }
    let output = command.arg(path).output().expect("go tool pprof runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "go tool pprof failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let number = |text: &str| -> i64 {
        let digits = text.trim_end_matches(unit.unwrap_or(""));
        digits
            .parse()
            .unwrap_or_else(|_| panic!("a number in pprof's output: {text:?}"))
    };
    let mut total = None;
    let mut flat = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Showing nodes accounting for ") {
            // "Showing nodes accounting for X, 100% of TOTAL total"
            let of = rest.split(" of ").nth(1).expect("a total");
            total = Some(number(of.trim_end_matches(" total")));
        } else if line.trim_start().starts_with("flat") {
            in_table = true;
        } else if in_table {
            // flat flat% sum% cum cum% name: the name is the rest after five fields.
            let mut rest = line.trim_start();
            let mut fields = Vec::new();
            for _ in 0..5 {
                let end = rest.find(' ').unwrap_or(rest.len());
                fields.push(&rest[..end]);
                rest = rest[end..].trim_start_matches(' ');
            }
            *flat.entry(rest.to_string()).or_insert(0) += number(fields[0]);
        }
    }
    // An empty profile has no "Showing" line.
    (total.unwrap_or(0), flat)
}

/// The interpreter that wrote a fixture's dumps (code objects and 2.7's old marshal versions
/// need their own).
fn interpreter(file: &Path) -> PathBuf {
    let tag = file
        .parent()
        .and_then(Path::file_name)
        .map(|t| t.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let tag = if tag == "vectors" && stem.is_some_and(|n| n.contains("py27")) {
        "py27"
    } else {
        tag.as_str()
    };
    let pyenv = |v: &str| {
        let python = PathBuf::from(format!("/root/.pyenv/versions/{v}/bin/python"));
        assert!(
            python.is_file(),
            "the tests need Python {v} from pyenv at {} (`pyenv install {v}`)",
            python.display()
        );
        python
    };
    match tag {
        "py27" => pyenv("2.7.18"),
        "py36" => pyenv("3.6.15"),
        "py37" => pyenv("3.7.16"),
        "py38" => pyenv("3.8.18"),
        "py39" => pyenv("3.9.18"),
        "py310" => pyenv("3.10.13"),
        "py311" | "yappi" => pyenv("3.11.7"),
        "py312" => pyenv("3.12.1"),
        "pypy3" => PathBuf::from("/usr/bin/pypy3"),
        _ => pyenv("3.13.0"),
    }
}

/// pstats' figures for each dump: per function the name pstat's pprof export gives it
/// (docs/pprof.md: `name (file:line)`, a builtin's name alone; code objects' addresses masked),
/// its tottime and its ncalls, and the total time. Runs under 2.7 and 3.x.
const PSTATS_FIGURES: &str = r#"
import json, marshal, pstats, re, sys
try:
    text_type = unicode
except NameError:
    text_type = str
def text(x):
    if isinstance(x, text_type):
        return x
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    return re.sub(r" at 0x[0-9a-fA-F]+", " at 0x000000000000", repr(x))
out = {}
for path in sys.argv[1:]:
    try:
        stats = pstats.Stats(path)
    except TypeError:
        # 2.7's pstats refuses an empty dump ("Cannot create or construct"): nothing in it.
        with open(path, "rb") as f:
            assert marshal.load(f) == {}
        out[path] = {"total": 0.0, "functions": []}
        continue
    rows = []
    for (file, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
        file, name = text(file), text(name)
        label = name if (file == "~" and line == 0) else "%s (%s:%d)" % (name, file, line)
        rows.append([label, tt, nc])
    out[path] = {"total": stats.total_tt, "functions": rows}
sys.stdout.write(json.dumps(out))
"#;

fn pstats_figures(python: &Path, files: &[PathBuf]) -> Value {
    let output = crate::support::tool(python)
        .arg("-c")
        .arg(PSTATS_FIGURES)
        .args(files)
        .output()
        .expect("the fixture's Python runs");
    assert!(
        output.status.success(),
        "pstats under {}: {}",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from Python")
}

fn mask(name: &str) -> String {
    crate::support::mask_code_addresses(name)
}

/// Every `.stats` fixture through `pstat convert -o x.pb.gz` and `go tool pprof -top`: the
/// total is pstats' total time, each function's flat time its tottime and its flat calls its
/// ncalls, in nanoseconds rounded (a function's own time is rounded once, so within 1 ns).
#[test]
fn go_tool_pprof_agrees_with_pstats() {
    require_go();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut by_tag: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in stats_fixtures() {
        by_tag.entry(interpreter(&file)).or_default().push(file);
    }
    let mut checked = 0;
    for (python, files) in &by_tag {
        let expected = pstats_figures(python, files);
        for file in files {
            let name = relative(file);
            let out = dir.path().join("out.pb.gz");
            let result = run(
                Path::new("."),
                [
                    "convert",
                    &file.to_string_lossy(),
                    "-o",
                    &out.to_string_lossy(),
                ],
            );
            assert!(result.success(), "{name}: {}", result.stderr());
            let figures = &expected[file.to_string_lossy().as_ref()];
            let (total, flat) = pprof_top(&out, "wall", Some("ns"));
            let flat: BTreeMap<String, i64> =
                flat.into_iter().map(|(k, v)| (mask(&k), v)).collect();
            // pprof's total is pstats' total time; a negative tottime (only the crafted
            // vectors have one) counts as 0.
            let rows = figures["functions"].as_array().expect("rows");
            let tottimes = rows.iter().map(|r| r[1].as_f64().expect("tottime"));
            let want_total = if tottimes.clone().any(|t| t < 0.0) {
                tottimes.map(|t| t.max(0.0)).sum::<f64>() * 1e9
            } else {
                figures["total"].as_f64().expect("total") * 1e9
            };
            assert!(
                (total as f64 - want_total).abs() <= 1.0,
                "{name}: pprof total {total} ns, pstats {want_total} ns"
            );
            let (_, calls) = pprof_top(&out, "calls", None);
            let calls: BTreeMap<String, i64> =
                calls.into_iter().map(|(k, v)| (mask(&k), v)).collect();
            for row in rows {
                let label = mask(row[0].as_str().expect("label"));
                let tottime = row[1].as_f64().expect("tottime").max(0.0) * 1e9;
                let got = flat.get(&label).copied().unwrap_or(0);
                assert!(
                    (got as f64 - tottime).abs() < 1.0,
                    "{name}: flat time of {label:?} is {got} ns, tottime {tottime} ns"
                );
                let ncalls = row[2].as_i64().expect("ncalls");
                assert_eq!(
                    calls.get(&label).copied().unwrap_or(0),
                    ncalls,
                    "{name}: flat calls of {label:?}"
                );
            }
            // Nothing else carries time: every name pprof shows is one of pstats' functions
            // (or the root that gathers small callers).
            for (label, value) in &flat {
                assert!(
                    *value == 0 || rows.iter().any(|r| mask(r[0].as_str().unwrap()) == *label),
                    "{name}: pprof shows {label:?} with {value} ns, which pstats does not list"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 70, "{checked}");
}

/// The sampled fixtures: flat samples per function are the expected `self` samples (computed
/// in Python from each file's text), the total the samples with a frame; for Python 3.15's
/// dumps, which hold no stacks, each function's leaf samples and time.
#[test]
fn go_tool_pprof_reads_sampled_profiles_exactly() {
    require_go();
    let sampled = fixtures().join("sampled");
    let dir = tempfile::tempdir().expect("temp dir");
    let label = |file: &str, function: &str| match file {
        "" | "~" => function.to_string(),
        file => format!("{function} ({file})"),
    };
    let mut checked = 0;
    for sub in ["py-spy", "tachyon", "folded", "pstats315"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(sampled.join(sub))
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for file in files {
            let base = file.file_name().unwrap().to_string_lossy().into_owned();
            let expected_name = if base.ends_with(".json") {
                base.clone()
            } else {
                format!("{base}.json")
            };
            let expected: Value = serde_json::from_str(
                &std::fs::read_to_string(sampled.join("expected").join(sub).join(expected_name))
                    .expect("expected figures"),
            )
            .expect("JSON");
            let out = dir.path().join("out.pprof");
            let result = run(
                Path::new("."),
                [
                    "convert",
                    &file.to_string_lossy(),
                    "-o",
                    &out.to_string_lossy(),
                ],
            );
            assert!(result.success(), "{base}: {}", result.stderr());
            let (total, flat) = pprof_top(&out, "samples", None);
            let mut want: BTreeMap<String, i64> = BTreeMap::new();
            let want_total = if sub == "pstats315" {
                for entry in expected["entries"].as_array().expect("entries") {
                    let name = label(
                        entry["file"].as_str().unwrap(),
                        entry["function"].as_str().unwrap(),
                    );
                    *want.entry(name).or_insert(0) += entry["cc"].as_i64().unwrap();
                }
                expected["total_samples"].as_i64().unwrap()
            } else {
                for function in expected["functions"].as_array().expect("functions") {
                    let name = label(
                        function["file"].as_str().unwrap_or(""),
                        function["function"].as_str().unwrap(),
                    );
                    *want.entry(name).or_insert(0) += function["self"].as_i64().unwrap();
                }
                expected["total_samples"].as_i64().unwrap()
                    - expected["samples_without_python_frames"]
                        .as_i64()
                        .unwrap_or(0)
            };
            assert_eq!(total, want_total, "{sub}/{base}: total samples");
            want.retain(|_, v| *v != 0);
            let got: BTreeMap<String, i64> = flat.into_iter().filter(|(_, v)| *v != 0).collect();
            assert_eq!(got, want, "{sub}/{base}: flat samples per function");
            if sub == "pstats315" {
                let (_, wall) = pprof_top(&out, "wall", Some("ns"));
                for entry in expected["entries"].as_array().unwrap() {
                    let name = label(
                        entry["file"].as_str().unwrap(),
                        entry["function"].as_str().unwrap(),
                    );
                    let tt: f64 = expected["entries"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|e| {
                            label(e["file"].as_str().unwrap(), e["function"].as_str().unwrap())
                                == name
                        })
                        .map(|e| e["tt"].as_f64().unwrap() * 1e9)
                        .sum();
                    let got = wall.get(&name).copied().unwrap_or(0) as f64;
                    // Each key's time is rounded once: within 1 ns per key of the function.
                    assert!(
                        (got - tt).abs() <= 4.0,
                        "{base}: wall of {name}: {got} vs {tt}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 14, "{checked}");
}

/// Names with quotes, a newline, a tab, a NUL, U+FFFD (what invalid UTF-8 becomes) and
/// `(file:line)` of their own come through pprof unchanged; a crafted name that repeats another function's
/// label is told apart.
#[test]
fn hostile_names_survive() {
    require_go();
    let folded = "main;we\"ird 'name' 5\nmain;semi,colon 3\nmain;bad \u{fffd} 2\n";
    let (_dir, input) = temp_file("hostile.folded", folded.as_bytes());
    let out = input.with_file_name("out.pb.gz");
    let result = run(
        input.parent().unwrap(),
        ["convert", "hostile.folded", "-o", "out.pb.gz"],
    );
    assert!(result.success(), "{}", result.stderr());
    let (total, flat) = pprof_top(&out, "samples", None);
    assert_eq!(total, 10);
    assert_eq!(flat.get("we\"ird 'name'"), Some(&5), "{flat:?}");
    assert_eq!(flat.get("semi,colon"), Some(&3), "{flat:?}");
    assert_eq!(flat.get("bad \u{fffd}"), Some(&2), "{flat:?}");
    // A newline or a NUL cannot be part of a folded frame: speedscope's frames can hold them.
    let speedscope = |frames: Value| {
        let n = frames.as_array().map_or(0, Vec::len);
        serde_json::json!({
            "$schema": "https://www.speedscope.app/file-format-schema.json",
            "shared": {"frames": frames},
            "profiles": [{"type": "sampled", "name": "p", "unit": "none", "startValue": 0,
                          "endValue": n * (n + 1) / 2,
                          "samples": (0..n).map(|i| vec![i]).collect::<Vec<_>>(),
                          "weights": (1..=n).collect::<Vec<_>>()}]
        })
        .to_string()
    };
    let convert = |name: &str, text: String| {
        let (dir, input) = temp_file(name, text.as_bytes());
        let result = run(dir.path(), ["convert", name, "-o", "out.pprof"]);
        assert!(result.success(), "{}", result.stderr());
        (dir, input.with_file_name("out.pprof"))
    };
    // pprof's -top prints a name with a newline on two lines: read that one with -raw.
    let (_dir, out) = convert(
        "h.speedscope.json",
        speedscope(serde_json::json!([{"name": "new\nline\ttab", "file": "a\"b.py", "line": 3}])),
    );
    let raw = crate::support::tool("go")
        .args(["tool", "pprof", "-raw"])
        .arg(&out)
        .output()
        .expect("go tool pprof");
    let raw = String::from_utf8_lossy(&raw.stdout);
    assert!(raw.contains("new\nline\ttab (a\"b.py) a\"b.py:3"), "{raw}");
    let (_dir, out) = convert(
        "h.speedscope.json",
        speedscope(serde_json::json!([
            {"name": "f (a.py:1)"},
            {"name": "f", "file": "a.py", "line": 1},
            {"name": "nul\u{0}byte"},
            {"name": "<lambda>"},
        ])),
    );
    let (total, flat) = pprof_top(&out, "samples", None);
    assert_eq!(total, 10);
    // The bare frame named "f (a.py:1)" and the function f in a.py are two functions; a
    // bare `<lambda>` is not "simplified" away by pprof.
    assert_eq!(flat.get("f (a.py:1)"), Some(&1), "{flat:?}");
    assert_eq!(flat.get("f (a.py)"), Some(&2), "{flat:?}");
    assert_eq!(flat.get("nul\u{0}byte"), Some(&3), "{flat:?}");
    assert_eq!(flat.get("<lambda>"), Some(&4), "{flat:?}");
}

/// A profile big enough for many gzip blocks (`gen_profile.py`, 2,000 functions, about 400 KB
/// of protobuf in 64 KiB blocks deflated on worker threads): the file is one gzip member that
/// Python's zlib reads to its end, inflating to the same protobuf as the export without gzip,
/// and `go tool pprof` reads it with pstats' total time and each function's tottime as its
/// flat time.
#[test]
fn blocks_deflated_on_threads_make_one_gzip_member_that_go_tool_pprof_reads() {
    require_go();
    let dir = tempfile::tempdir().expect("temp dir");
    let stats = dir.path().join("gen.stats");
    let generated = crate::support::tool("python3")
        .arg("bench/gen_profile.py")
        .args(["--functions", "2000", "--seed", "3", "-q", "--out"])
        .arg(&stats)
        .status()
        .expect("python3 runs");
    assert!(generated.success(), "gen_profile.py failed");
    let profile = pstat::read_path(&stats, &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .expect("reads");
    let mut options = pstat::export::pprof::Options::default();
    options.gzip_block = 1 << 16;
    options.threads = pstat::Threads::Count(std::num::NonZeroUsize::new(3).expect("not zero"));
    let mut gzipped = Vec::new();
    pstat::export::pprof::write(&profile, &options, &mut gzipped).expect("writes");
    options.gzip = false;
    let mut plain = Vec::new();
    pstat::export::pprof::write(&profile, &options, &mut plain).expect("writes");
    assert!(
        plain.len() > 4 << 16,
        "{} bytes: several blocks",
        plain.len()
    );
    let out = dir.path().join("out.pb.gz");
    let raw = dir.path().join("out.pb");
    std::fs::write(&out, &gzipped).expect("write");
    std::fs::write(&raw, &plain).expect("write");
    // One member: a gzip decompressor (wbits 31) ends at the file's end with nothing unused;
    // then the figures pstats gives for the dump, names as pprof's export labels them.
    let expected = python3_json(
        None,
        r#"
import json, pstats, sys, zlib
data = open(sys.argv[1], "rb").read()
d = zlib.decompressobj(31)
inflated = d.decompress(data) + d.flush()
assert d.eof and not d.unused_data, "more than one gzip member"
assert inflated == open(sys.argv[2], "rb").read(), "inflates to another protobuf"
s = pstats.Stats(sys.argv[3])
flat = {}
for (file, line, name), (cc, nc, tt, ct, callers) in s.stats.items():
    label = name if (file, line) == ("~", 0) else "%s (%s:%d)" % (name, file, line)
    flat[label] = tt
print(json.dumps({"total": s.total_tt, "flat": flat}))
"#,
        [&out, &raw, &stats],
    );
    let (total, flat) = pprof_top(&out, "wall", Some("ns"));
    let want = expected["total"].as_f64().expect("total") * 1e9;
    assert!(
        (total as f64 - want).abs() <= 1.0,
        "pprof total {total} ns, pstats {want} ns"
    );
    let rows = expected["flat"].as_object().expect("rows");
    assert!(rows.len() > 1000, "{} functions", rows.len());
    for (label, tottime) in rows {
        let tottime = tottime.as_f64().expect("tottime") * 1e9;
        let got = flat.get(label).copied().unwrap_or(0);
        assert!(
            (got as f64 - tottime).abs() < 1.0,
            "flat time of {label:?} is {got} ns, tottime {tottime} ns"
        );
    }
    assert_eq!(pprof_top(&raw, "wall", Some("ns")), (total, flat));
}
