//! Sampled profiles (py-spy, Python 3.15, folded stacks): pstat's figures against those a Python
//! script computed straight from each file's text (tests/fixtures/sampled/expected/), callgrind
//! read by callgrind_annotate, folded stacks back out as they came in, `.stats` in Python 3.15's
//! layout against the dumps synthesised from the same recordings, and the command line's
//! messages.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::convert::{annotate_names, callgrind_annotate};
use crate::support::{fixtures, relative, run, temp_file};

fn sampled() -> PathBuf {
    fixtures().join("sampled")
}

/// The sampled inputs with stacks, as (file, expected figures) from tests/fixtures/sampled.
fn stacked_fixtures() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for dir in ["py-spy", "tachyon", "folded"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(sampled().join(dir))
            .expect("fixture dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| !p.to_string_lossy().ends_with(".speedscope.json"))
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let expected = sampled()
                .join("expected")
                .join(dir)
                .join(format!("{name}.json"));
            let text = std::fs::read_to_string(&expected).expect("expected figures");
            out.push((file, serde_json::from_str(&text).expect("expected JSON")));
        }
    }
    assert!(out.len() >= 10, "{}", out.len());
    out
}

/// (file, line, name) as pstat keys a frame: plain folded frames have no location, so pstats'
/// builtin shape ("~", 0).
type Key = (String, i64, String);

/// The expected (self, inclusive) samples per key: per location where the dialect has lines.
fn expected_figures(expected: &Value) -> BTreeMap<Key, (i64, i64)> {
    let figures = |v: &Value| {
        (
            v["self"].as_i64().expect("self"),
            v["inclusive"].as_i64().expect("inclusive"),
        )
    };
    match expected.get("locations") {
        Some(locations) => locations
            .as_array()
            .expect("locations")
            .iter()
            .map(|l| {
                let key = (
                    l["file"].as_str().expect("file").to_string(),
                    l["line"].as_i64().expect("line"),
                    l["function"].as_str().expect("function").to_string(),
                );
                (key, figures(l))
            })
            .collect(),
        None => expected["functions"]
            .as_array()
            .expect("functions")
            .iter()
            .map(|f| {
                let key = (
                    "~".to_string(),
                    0,
                    f["function"].as_str().expect("function").to_string(),
                );
                (key, figures(f))
            })
            .collect(),
    }
}

/// `pstat convert FILE -o - --format json`, parsed.
fn json_export(file: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["convert".to_string(), file.display().to_string()];
    args.extend(["-o", "-", "--format", "json"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = run(&fixtures(), &args);
    assert!(output.success(), "{}: {}", relative(file), output.stderr());
    serde_json::from_slice(output.stdout_bytes()).expect("JSON")
}

/// Per key, the (primitive_calls, calls) of a JSON export: the samples as leaf and on the stack.
fn exported_figures(doc: &Value) -> BTreeMap<Key, (i64, i64)> {
    doc["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| {
            let key = (
                f["file"].as_str().expect("file").to_string(),
                f["line"].as_i64().expect("line"),
                f["name"].as_str().expect("name").to_string(),
            );
            let figures = (
                f["primitive_calls"].as_i64().expect("primitive_calls"),
                f["calls"].as_i64().expect("calls"),
            );
            (key, figures)
        })
        .collect()
}

/// For every function of every sampled fixture, the samples as leaf and on the stack that
/// `pstat convert -o x.json` reports are those counted in Python from the file's text, and so
/// are the total samples and the threads.
#[test]
fn json_figures_equal_those_counted_from_the_text() {
    for (file, expected) in stacked_fixtures() {
        let name = relative(&file);
        let doc = json_export(&file, &[]);
        assert_eq!(
            exported_figures(&doc),
            expected_figures(&expected),
            "{name}"
        );
        assert_eq!(doc["measure"], "samples", "{name}");
        let total = doc["totals"]["primitive_calls"].as_i64().expect("total")
            + doc["samples_without_frames"].as_i64().expect("without");
        let python_total = expected["total_samples"].as_i64().expect("total");
        assert_eq!(total, python_total, "{name}");
        let mut tids: Vec<&str> = doc["threads"]
            .as_array()
            .expect("threads")
            .iter()
            .map(|t| t["id"].as_str().expect("id"))
            .collect();
        let mut expected_tids: Vec<&str> = expected
            .get("threads")
            .and_then(Value::as_array)
            .map(|threads| {
                threads
                    .iter()
                    .map(|t| t["tid"].as_str().expect("tid"))
                    .collect()
            })
            .unwrap_or_default();
        tids.sort();
        expected_tids.sort();
        expected_tids.dedup();
        assert_eq!(tids, expected_tids, "{name}");
    }
}

/// Python 3.15's sampled dumps: each entry's cc and nc as the dump holds them (read by Python).
#[test]
fn sampled_dumps_read_with_their_marker() {
    for stem in ["mix", "recursive", "threads", "vector"] {
        let file = sampled().join(format!("pstats315/{stem}.pstats"));
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(
                sampled().join(format!("expected/pstats315/{stem}.pstats.json")),
            )
            .expect("expected"),
        )
        .expect("JSON");
        let doc = json_export(&file, &[]);
        assert_eq!(doc["measure"], "samples", "{stem}");
        assert_eq!(doc["time_unit"], "s", "{stem}");
        let want: BTreeMap<Key, (i64, i64)> = expected["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                let key = (
                    e["file"].as_str().expect("file").to_string(),
                    e["line"].as_i64().expect("line"),
                    e["function"].as_str().expect("function").to_string(),
                );
                (
                    key,
                    (e["cc"].as_i64().expect("cc"), e["nc"].as_i64().expect("nc")),
                )
            })
            .collect();
        assert_eq!(exported_figures(&doc), want, "{stem}");
        assert_eq!(
            doc["totals"]["primitive_calls"].as_i64(),
            expected["total_samples"].as_i64(),
            "{stem}"
        );
        let report = run(
            &fixtures(),
            ["show", &file.display().to_string(), "-n", "1"],
        );
        assert!(report.success(), "{}", report.stderr());
        let total = expected["total_samples"].as_i64().expect("total");
        assert!(
            report
                .stdout()
                .contains(&format!("         {total} samples in ")),
            "{}",
            report.stdout()
        );
    }
}

/// callgrind_annotate `--inclusive=yes` on pstat's callgrind gives every function the samples
/// it is on (counted in Python from the text), recursion or not; with `--rate` the same samples
/// in nanoseconds. Self costs are the samples as leaf.
#[test]
fn callgrind_annotate_gives_inclusive_samples() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut checked, mut skipped) = (0, 0);
    for (file, expected) in stacked_fixtures() {
        let name = relative(&file);
        let figures = expected_figures(&expected);
        for (rate, unit) in [(None, 1), (Some("250"), 4_000_000)] {
            let out = dir.path().join("out.callgrind");
            let mut args = vec![
                "convert".to_string(),
                file.display().to_string(),
                "-o".into(),
                out.display().to_string(),
            ];
            if let Some(rate) = rate {
                args.extend(["--rate".to_string(), rate.to_string()]);
            }
            let output = run(&fixtures(), &args);
            assert!(output.success(), "{name}: {}", output.stderr());
            let mut options = pstat::ReadOptions::default();
            options.sample_interval = rate.map(|r| 1.0 / r.parse::<f64>().expect("rate"));
            let profile = pstat::read_path(&file, &options)
                .and_then(pstat::AnyProfile::into_calls)
                .expect("reads");
            let names = annotate_names(&profile);
            let (_, inclusive) = callgrind_annotate(&out, true);
            let (total, exclusive) = callgrind_annotate(&out, false);
            let samples: i64 = figures.values().map(|f| f.0).sum();
            let stacks = profile.stacks().expect("stacks");
            let roots: std::collections::HashSet<pstat::FunctionId> = (0..stacks.stack_count())
                .map(pstat::StackId::from_index)
                .filter(|&s| stacks.parent(s).is_none())
                .map(|s| stacks.frame(s))
                .collect();
            assert_eq!(total, samples as u64 * unit, "{name}");
            for id in profile.functions() {
                let key = (
                    profile.file(id).to_string(),
                    profile.line(id),
                    profile.name(id).to_string(),
                );
                let (leaf, on_stack) = figures[&key];
                let annotated = &names[id.index()];
                let got = inclusive.get(annotated).copied().unwrap_or(0);
                // callgrind_annotate sums the calls into a function when it has any: a function
                // that is also a root of some stacks (`<module>` reached again through an
                // import) cannot show those samples (docs/callgrind.md). Everything else is exact.
                let root_and_called = roots.contains(&id) && profile.callers(id).len() > 0;
                if root_and_called {
                    assert!(got < on_stack as u64 * unit, "{name}: {annotated}");
                    skipped += 1;
                    continue;
                }
                checked += 1;
                assert_eq!(got, on_stack as u64 * unit, "{name}: {annotated} inclusive");
                let got = exclusive.get(annotated).copied().unwrap_or(0);
                assert_eq!(got, leaf as u64 * unit, "{name}: {annotated} self");
            }
        }
    }
    assert!(
        checked > 200 && skipped < 10,
        "{checked} checked, {skipped} skipped"
    );
}

/// A folded file's stacks as a multiset: stack text → summed count, without empty stacks.
fn stack_multiset(text: &str) -> BTreeMap<String, u64> {
    let mut stacks = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (stack, count) = line.rsplit_once(' ').expect("stack count");
        if stack.is_empty() {
            continue;
        }
        *stacks.entry(stack.to_string()).or_insert(0) += count.parse::<u64>().expect("count");
    }
    stacks
}

/// Folded stacks read and written back are the same multiset of stacks (plain frames, and
/// py-spy's `name (file:line)` frames without thread frames).
#[test]
fn folded_stacks_come_back_as_they_went_in() {
    let mut files = vec![];
    for stem in ["mix", "recursive", "threads"] {
        files.push(format!("sampled/folded/{stem}.folded"));
    }
    files.push("sampled/py-spy/mix.default.folded".into());
    files.push("sampled/py-spy/threads.default.folded".into());
    for file in files {
        let input = std::fs::read_to_string(fixtures().join(&file)).expect("fixture");
        let output = crate::support::converted(&fixtures(), &file, "folded");
        assert_eq!(stack_multiset(&output), stack_multiset(&input), "{file}");
    }
}

/// With `--thread-frames`, each stack starts with its thread, named as py-spy names it.
#[test]
fn thread_frames_keep_threads_apart() {
    let output = run(
        &fixtures(),
        [
            "convert",
            "sampled/tachyon/threads.collapsed.txt",
            "-o",
            "-",
            "-f",
            "folded",
            "--thread-frames",
        ],
    );
    assert!(output.success(), "{}", output.stderr());
    let text = output.stdout();
    let roots: std::collections::BTreeSet<&str> = text
        .lines()
        .map(|l| l.split(';').next().expect("root"))
        .collect();
    assert!(roots.len() >= 4, "{roots:?}");
    assert!(roots.iter().all(|r| r.starts_with("thread (")), "{roots:?}");
}

/// The sampled `.stats` pstat writes from a py-spy recording is, as Python's marshal reads it,
/// the dict that `generate.py` synthesised from the same recording by following Python 3.15's
/// `PstatsCollector` (tests/fixtures/sampled/pstats315/): same keys, figures, callers and marker.
#[test]
fn sampled_stats_equal_python_315_layout() {
    let dir = tempfile::tempdir().expect("temp dir");
    for stem in ["mix", "recursive", "threads"] {
        let out = dir.path().join(format!("{stem}.stats"));
        let output = run(
            &fixtures(),
            [
                "convert",
                &format!("sampled/py-spy/{stem}.folded"),
                "--rate",
                "250",
                "-o",
                &out.display().to_string(),
            ],
        );
        assert!(output.success(), "{}", output.stderr());
        let reference = sampled().join(format!("pstats315/{stem}.pstats"));
        let script = "import marshal, sys\n\
            a = marshal.load(open(sys.argv[1], 'rb'))\n\
            b = marshal.load(open(sys.argv[2], 'rb'))\n\
            assert list(a)[-1] == ('__sampled__',) and a[('__sampled__',)] is True, list(a)[-1]\n\
            if a != b:\n\
            \x20   for k in sorted(set(a) | set(b), key=repr):\n\
            \x20       if a.get(k) != b.get(k): print(k, a.get(k), b.get(k))\n\
            \x20   sys.exit(1)\n\
            print(len(a))\n";
        let python = crate::support::tool("python3")
            .arg("-c")
            .arg(script)
            .arg(&out)
            .arg(&reference)
            .output()
            .expect("python3 must be installed: .ci/run installs it");
        assert!(
            python.status.success(),
            "{stem}: {}{}",
            String::from_utf8_lossy(&python.stdout),
            String::from_utf8_lossy(&python.stderr)
        );
    }
}

/// pstat's speedscope from a folded recording: per frame, the samples as leaf and on the stack
/// summed from the speedscope document itself equal those Python counted from the folded text.
#[test]
fn speedscope_sums_equal_the_folded_counts() {
    for stem in ["mix", "recursive", "threads"] {
        let file = format!("sampled/py-spy/{stem}.folded");
        let doc: Value =
            serde_json::from_str(&crate::support::converted(&fixtures(), &file, "speedscope"))
                .expect("JSON");
        let frames = doc["shared"]["frames"].as_array().expect("frames");
        let mut figures: HashMap<Key, (i64, i64)> = HashMap::new();
        for profile in doc["profiles"].as_array().expect("profiles") {
            assert_eq!(profile["unit"], "none");
            let weights = profile["weights"].as_array().expect("weights");
            for (stack, weight) in profile["samples"]
                .as_array()
                .expect("samples")
                .iter()
                .zip(weights)
            {
                let weight = weight.as_i64().expect("weight");
                let stack: Vec<usize> = stack
                    .as_array()
                    .expect("stack")
                    .iter()
                    .map(|i| i.as_u64().expect("index") as usize)
                    .collect();
                let key = |i: usize| -> Key {
                    let f = &frames[i];
                    (
                        f["file"].as_str().unwrap_or("~").to_string(),
                        f["line"].as_i64().unwrap_or(0),
                        f["name"].as_str().expect("name").to_string(),
                    )
                };
                let mut seen = std::collections::HashSet::new();
                for &i in &stack {
                    if seen.insert(i) {
                        figures.entry(key(i)).or_default().1 += weight;
                    }
                }
                if let Some(&leaf) = stack.last() {
                    figures.entry(key(leaf)).or_default().0 += weight;
                }
            }
        }
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(sampled().join(format!("expected/py-spy/{stem}.folded.json")))
                .expect("expected"),
        )
        .expect("JSON");
        let figures: BTreeMap<Key, (i64, i64)> = figures.into_iter().collect();
        assert_eq!(figures, expected_figures(&expected), "{stem}");
    }
}

/// Errors in folded stacks name the file, the line and the byte; mixing a cProfile dump with
/// sampled stacks is refused with both kinds named.
#[test]
fn sampled_inputs_fail_clearly() {
    let (dir, path) = temp_file("bad.folded", b"main;f 1\nmain;f\n");
    let output = run(dir.path(), ["show", path.to_str().expect("path")]);
    assert_eq!(output.code(), Some(1));
    assert!(
        output.stderr().contains(
            "bad.folded: not valid folded stacks: expected a line `frame;frame;… COUNT`, found `main;f` (line 2, byte 9)"
        ),
        "{}",
        output.stderr()
    );
    let (dir, path) = temp_file("big.folded", b"f 18446744073709551616\n");
    let output = run(dir.path(), ["show", path.to_str().expect("path")]);
    assert!(
        output.stderr().contains("(line 1, byte 2)"),
        "{}",
        output.stderr()
    );
    let output = run(
        &fixtures(),
        [
            "show",
            "stats/py313/cprofile.stats",
            "sampled/folded/mix.folded",
        ],
    );
    assert_eq!(output.code(), Some(1));
    assert!(
        output.stderr().contains("merging sampled/folded/mix.folded: cannot merge a sampled profile with stacks, without times into a profile of calls and seconds"),
        "{}",
        output.stderr()
    );
}

/// The report of a sampled profile: pstats' table under a header that counts samples.
#[test]
fn sampled_report_snapshot() {
    let output = run(
        &fixtures(),
        [
            "show",
            "sampled/py-spy/threads.folded",
            "--sort",
            "cumulative",
            "-n",
            "8",
        ],
    );
    assert!(output.success(), "{}", output.stderr());
    // The first line is the file's mtime, which differs between checkouts.
    let text: String = output
        .stdout()
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(text);
}

/// Every truncation of a folded file, and single-byte corruptions across it, read without a
/// panic, and what reads goes through every report and exporter.
#[test]
fn damaged_folded_files_never_panic() {
    let bytes = std::fs::read(sampled().join("py-spy/recursive.folded")).expect("fixture");
    let mut inputs: Vec<Vec<u8>> = (0..bytes.len())
        .step_by(7)
        .map(|n| bytes[..n].to_vec())
        .collect();
    for (i, replacement) in (0..bytes.len()).step_by(13).zip(
        [b';', b' ', b'\n', b'9', 0, 0xff, b'(', b':']
            .iter()
            .cycle(),
    ) {
        let mut damaged = bytes.clone();
        damaged[i] = *replacement;
        inputs.push(damaged);
    }
    let list = pstat::ListOptions::default();
    for input in &inputs {
        let Ok(profile) =
            pstat::read(input, &Default::default()).and_then(pstat::AnyProfile::into_calls)
        else {
            continue;
        };
        pstat::report::write_callers(&profile, &list, std::io::sink()).expect("report");
        for format in [
            pstat::OutputFormat::Callgrind,
            pstat::OutputFormat::Folded,
            pstat::OutputFormat::Speedscope,
            pstat::OutputFormat::Json,
            pstat::OutputFormat::Stats,
        ] {
            let input = pstat::export::Input::Calls(&profile);
            pstat::export::write(format, input, &Default::default(), std::io::sink())
                .expect("export");
        }
    }
    assert!(inputs.len() > 300, "{}", inputs.len());
}

/// The README's sampled example is what pstat prints, not a hand-written approximation.
#[test]
fn readme_example_is_the_reports_output() {
    let readme = std::fs::read_to_string(crate::support::repo_file("README.md")).expect("README");
    let marker = "--rate 250 --sort tottime -n 5 --strip-dirs`):\n\n```\n";
    let start = readme.find(marker).expect("the example's marker") + marker.len();
    let len = readme[start..].find("```").expect("the example's end");
    let output = run(
        &crate::support::repo_file("."),
        [
            "show",
            "tests/fixtures/sampled/py-spy/mix.folded",
            "--rate",
            "250",
            "--sort",
            "tottime",
            "-n",
            "5",
            "--strip-dirs",
        ],
    );
    assert!(output.success(), "{}", output.stderr());
    // The report's first two lines are the file's mtime and path, and a blank line.
    let report: String = output
        .stdout()
        .lines()
        .skip(2)
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        &readme[start..start + len],
        report.trim_end_matches('\n').to_string() + "\n"
    );
}

/// Several sampled inputs are merged by adding their samples: a recording merged with itself
/// has every figure doubled, and with `--strip-dirs` the same figures under stripped names.
#[test]
fn sampled_inputs_merge_by_adding_samples() {
    let file = sampled().join("py-spy/mix.folded");
    let once = exported_figures(&json_export(&file, &[]));
    for extra in [&[][..], &["--strip-dirs"][..]] {
        let mut args = vec![file.display().to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let merged = exported_figures(&json_export(
            &file,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
        let want: BTreeMap<Key, (i64, i64)> = once
            .iter()
            .map(|((f, l, n), (leaf, on))| {
                let f = match extra.is_empty() {
                    true => f.clone(),
                    false => f.rsplit('/').next().expect("name").to_string(),
                };
                ((f, *l, n.clone()), (2 * leaf, 2 * on))
            })
            .collect();
        assert_eq!(merged, want, "{extra:?}");
    }
}
