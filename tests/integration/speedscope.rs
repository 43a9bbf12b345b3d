//! The speedscope reader on py-spy's real output: every function's sample counts and times
//! against the figures tests/fixtures/sampled/generate.py computed from the same files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use pstat::read::speedscope::{Options, read};
use pstat::{Measure, Profile};
use serde_json::Value;

use crate::support::{fixtures, json_file, relative};

fn speedscope_fixtures() -> Vec<PathBuf> {
    let dir = fixtures().join("sampled/py-spy");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".speedscope.json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "only {} speedscope fixtures", files.len());
    files
}

fn expected_for(path: &Path) -> Value {
    let name = path.file_name().unwrap().to_string_lossy();
    json_file(&format!("tests/fixtures/sampled/expected/py-spy/{name}"))
}

/// The one weight py-spy gives every sample (1/rate seconds).
fn sample_weight(path: &Path) -> f64 {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut weights = doc["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["weights"].as_array().unwrap())
        .map(|w| w.as_f64().unwrap());
    let first = weights.next().unwrap();
    assert!(
        weights.all(|w| w == first),
        "{}: weights differ",
        path.display()
    );
    first
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn count(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

#[test]
fn py_spy_figures_match_the_expected_ones() {
    for path in speedscope_fixtures() {
        let name = relative(&path);
        let bytes = std::fs::read(&path).unwrap();
        let profile = read(&bytes, &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = expected_for(&path);
        let weight = sample_weight(&path);
        assert_eq!(
            profile.measure(),
            Measure::Samples { timed: true },
            "{name}"
        );

        // Every location (file, line, function) is one of our functions, and nothing else is.
        let ours: HashMap<(String, i64, String), _> = profile
            .functions()
            .map(|f| {
                let key = (
                    profile.file(f).to_string(),
                    profile.line(f),
                    profile.name(f).to_string(),
                );
                (key, profile.stats(f))
            })
            .collect();
        let locations = expected["locations"].as_array().unwrap();
        assert_eq!(ours.len(), locations.len(), "{name}: function count");
        for location in locations {
            let key = (
                location["file"].as_str().unwrap().to_string(),
                location["line"].as_i64().unwrap(),
                location["function"].as_str().unwrap().to_string(),
            );
            let stats = ours
                .get(&key)
                .unwrap_or_else(|| panic!("{name}: no function {key:?}"));
            let (self_samples, inclusive) =
                (count(&location["self"]), count(&location["inclusive"]));
            assert_eq!(stats.primitive_calls, self_samples, "{name}: {key:?} self");
            assert_eq!(stats.calls, inclusive, "{name}: {key:?} inclusive");
            let (tottime, cumtime) = (self_samples as f64 * weight, inclusive as f64 * weight);
            assert!(
                close(stats.tottime, tottime),
                "{name}: {key:?} tottime {}",
                stats.tottime
            );
            assert!(
                close(stats.cumtime, cumtime),
                "{name}: {key:?} cumtime {}",
                stats.cumtime
            );
        }

        let stacks = profile.stacks().expect("stacks");
        let without = count(&expected["samples_without_python_frames"]);
        assert_eq!(stacks.samples_without_frames() as i64, without, "{name}");
        let total = count(&expected["total_samples"]);
        assert_eq!(
            profile.totals().primitive_calls + without,
            total,
            "{name}: total"
        );
        assert!(
            close(profile.totals().tottime, (total - without) as f64 * weight),
            "{name}"
        );

        check_functions(&profile, &expected, &name);
        check_threads(&profile, &expected, &name);
    }
}

/// Per (file, function), over every line: inclusive counts once per sample, from the stacks.
fn check_functions(profile: &Profile, expected: &Value, name: &str) {
    let stacks = profile.stacks().unwrap();
    let mut self_samples: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut inclusive: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut frames = Vec::new();
    for sample in stacks.samples() {
        stacks.frames_root_first(sample.stack, &mut frames);
        let key = |f| (profile.file(f), profile.name(f));
        *self_samples
            .entry(key(*frames.last().unwrap()))
            .or_default() += sample.count;
        let distinct: HashSet<_> = frames.iter().map(|&f| key(f)).collect();
        for k in distinct {
            *inclusive.entry(k).or_default() += sample.count;
        }
    }
    let functions = expected["functions"].as_array().unwrap();
    assert_eq!(inclusive.len(), functions.len(), "{name}: functions");
    for function in functions {
        let key = (
            function["file"].as_str().unwrap(),
            function["function"].as_str().unwrap(),
        );
        let got = (
            self_samples.get(&key).copied().unwrap_or(0) as i64,
            inclusive.get(&key).copied().unwrap_or(0) as i64,
        );
        let want = (count(&function["self"]), count(&function["inclusive"]));
        assert_eq!(got, want, "{name}: {key:?}");
    }
}

/// The threads: py-spy's ids, each with the name py-spy gave it somewhere, if any.
fn check_threads(profile: &Profile, expected: &Value, name: &str) {
    let mut want: BTreeMap<String, Option<String>> = BTreeMap::new();
    for thread in expected["threads"].as_array().unwrap() {
        let id = thread["tid"].as_str().unwrap().to_string();
        let thread_name = thread["name"].as_str().map(str::to_string);
        let entry = want.entry(id).or_default();
        if entry.is_none() {
            *entry = thread_name;
        }
    }
    let got: BTreeMap<String, Option<String>> = profile
        .stacks()
        .unwrap()
        .threads()
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    assert_eq!(got, want, "{name}: threads");
}

#[test]
fn thread_frames_give_every_stack_its_thread() {
    for path in speedscope_fixtures() {
        let name = relative(&path);
        let bytes = std::fs::read(&path).unwrap();
        let plain = read(&bytes, &Options::default()).unwrap();
        let mut options = Options::default();
        options.thread_frames = true;
        let profile = read(&bytes, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let threads = plain.stacks().unwrap().threads().len();
        assert_eq!(
            profile.function_count(),
            plain.function_count() + threads,
            "{name}"
        );
        let on_thread_frames: i64 = profile
            .functions()
            .filter(|&f| profile.file(f) == "~" && profile.name(f).starts_with("thread ("))
            .map(|f| profile.stats(f).calls)
            .sum();
        assert_eq!(on_thread_frames, plain.totals().primitive_calls, "{name}");
    }
}

#[test]
fn truncated_and_corrupted_files_are_errors_not_panics() {
    let path = fixtures().join("sampled/py-spy/mix.speedscope.json");
    let bytes = std::fs::read(&path).unwrap();
    // The file ends with "}\n": every shorter prefix lacks the closing brace.
    for len in 0..bytes.len() - 1 {
        let e = read(&bytes[..len], &Options::default()).unwrap_err();
        assert!(e.line().is_some(), "truncated at {len}: {e}");
    }
    let mut corrupt = bytes.clone();
    for at in 0..bytes.len() {
        for byte in [b'9', b'-', b'"', b']', 0xff] {
            corrupt[at] = byte;
            let _ = read(&corrupt, &Options::default());
        }
        corrupt[at] = bytes[at];
    }
}
