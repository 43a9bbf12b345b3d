//! The JSON export of every fixture: valid against docs/pstat-profile.schema.json, faithful to the
//! profile it came from, and in the documented order. A snapshot makes format changes visible.

use std::time::{Duration, SystemTime};

use jsonschema::Validator;
use pstat::export::json::{self, Options};
use pstat::{CallStats, FunctionId, Profile, SourceFile};
use serde_json::{Value, json};

use crate::support::{fixtures, json_file, read_fixture, relative, repo_file, stats_fixtures};

fn schema() -> Value {
    json_file("docs/pstat-profile.schema.json")
}

fn validator() -> Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the schema compiles")
}

fn assert_valid(validator: &Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn export(profile: &Profile, pretty: bool) -> Value {
    let mut options = Options::default();
    options.pretty = pretty;
    serde_json::from_slice(&json::to_vec(profile, &options)).expect("the export is JSON")
}

/// The profiles each fixture gives: as read, and after strip_dirs (which merges functions and
/// keeps the totals).
fn fixture_profiles() -> Vec<(String, Profile)> {
    let mut profiles = Vec::new();
    for path in stats_fixtures() {
        let name = relative(&path);
        let profile = pstat::read_path(&path, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        profiles.push((format!("{name} --strip-dirs"), profile.strip_dirs()));
        profiles.push((name, profile));
    }
    profiles
}

/// A time as the export writes it: a number, or one of three strings.
fn seconds(value: &Value) -> f64 {
    match value {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        _ => value
            .as_f64()
            .unwrap_or_else(|| panic!("{value} is not a time")),
    }
}

fn same_time(value: &Value, expected: f64) -> bool {
    let actual = seconds(value);
    actual.to_bits() == expected.to_bits() || (actual.is_nan() && expected.is_nan())
}

/// Everything docs/json.md promises about the document, checked against the profile.
fn check_against_profile(profile: &Profile, doc: &Value, what: &str) {
    let functions = doc["functions"].as_array().expect("functions");
    let edges = doc["edges"].as_array().expect("edges");
    let listed = profile.function_count();
    let index = |value: &Value| -> usize {
        let id = value.as_u64().expect("an id") as usize;
        assert!(id < functions.len(), "{what}: id {id} out of range");
        id
    };
    let key = |f: &Value| {
        (
            f["file"].as_str().expect("file").to_owned(),
            f["line"].as_i64().expect("line"),
            f["name"].as_str().expect("name").to_owned(),
        )
    };
    let key_of = |id: FunctionId| {
        (
            profile.file(id).to_owned(),
            profile.line(id),
            profile.name(id).to_owned(),
        )
    };

    assert_eq!(doc["format"], "pstat-profile", "{what}");
    assert_eq!(doc["version"], 1, "{what}");
    assert_eq!(doc["time_unit"], "s", "{what}");

    let inputs = doc["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), profile.files().len(), "{what}: inputs");
    for (input, file) in inputs.iter().zip(profile.files()) {
        assert_eq!(input["path"], file.path.as_str(), "{what}");
        let mtime: Option<jiff::Timestamp> = input["mtime"]
            .as_str()
            .map(|s| s.parse().expect("RFC 3339"));
        let expected = file.mtime.and_then(|t| jiff::Timestamp::try_from(t).ok());
        assert_eq!(mtime, expected, "{what}: mtime");
    }

    let totals = profile.totals();
    assert_eq!(doc["totals"]["calls"], totals.calls, "{what}");
    assert_eq!(
        doc["totals"]["primitive_calls"], totals.primitive_calls,
        "{what}"
    );
    assert!(
        same_time(&doc["totals"]["tottime"], totals.tottime),
        "{what}"
    );

    // Functions: ids are indexes, listed ones first in file order with their figures.
    for (i, function) in functions.iter().enumerate() {
        assert_eq!(function["id"], i, "{what}: function {i}");
        assert_eq!(function["listed"], i < listed, "{what}: function {i}");
    }
    for (i, id) in profile.functions().enumerate() {
        let function = &functions[i];
        assert_eq!(key(function), key_of(id), "{what}: function {i}");
        assert_eq!(function["display_name"], profile.display_name(id), "{what}");
        let stats = profile.stats(id);
        assert_eq!(function["primitive_calls"], stats.primitive_calls, "{what}");
        assert_eq!(function["calls"], stats.calls, "{what}");
        assert!(same_time(&function["tottime"], stats.tottime), "{what}");
        assert!(same_time(&function["cumtime"], stats.cumtime), "{what}");
    }
    for function in &functions[listed..] {
        assert_eq!(function["calls"], 0, "{what}: caller-only function");
        assert_eq!(function["tottime"], 0.0, "{what}: caller-only function");
    }
    let mut keys: Vec<_> = functions.iter().map(key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), functions.len(), "{what}: a function twice");

    // Edges: exactly profile.callers(id) for each listed id in order.
    let expected_edges: usize = profile
        .functions()
        .map(|id| profile.callers(id).len())
        .sum();
    assert_eq!(edges.len(), expected_edges, "{what}: edge count");
    let mut edges = edges.iter();
    let mut first_seen = Vec::new();
    let (mut timed, mut counts) = (0, 0);
    for (i, callee) in profile.functions().enumerate() {
        for (caller, call) in profile.callers(callee) {
            let edge = edges.next().expect("as many edges as callers");
            assert_eq!(index(&edge["callee"]), i, "{what}: edge order");
            let caller_index = index(&edge["caller"]);
            assert_eq!(key(&functions[caller_index]), key_of(caller), "{what}");
            assert_eq!(profile.is_listed(caller), caller_index < listed, "{what}");
            if caller_index >= listed && !first_seen.contains(&caller_index) {
                first_seen.push(caller_index);
            }
            assert_eq!(edge["calls"], call.calls(), "{what}");
            match call {
                CallStats::Timed {
                    primitive_calls,
                    tottime,
                    cumtime,
                    ..
                } => {
                    timed += 1;
                    assert_eq!(edge.as_object().map(|o| o.len()), Some(6), "{what}");
                    assert_eq!(edge["primitive_calls"], primitive_calls, "{what}");
                    assert!(same_time(&edge["tottime"], tottime), "{what}");
                    assert!(same_time(&edge["cumtime"], cumtime), "{what}");
                }
                CallStats::Count(_) => {
                    counts += 1;
                    assert_eq!(edge.as_object().map(|o| o.len()), Some(3), "{what}");
                }
            }
        }
    }
    // Caller-only functions are numbered in order of first appearance, and each appears.
    let numbered: Vec<usize> = (listed..functions.len()).collect();
    assert_eq!(first_seen, numbered, "{what}: caller-only functions");
    let edge_kind = match (timed, counts) {
        (0, 0) => "none",
        (_, 0) => "timed",
        (0, _) => "count",
        _ => "mixed",
    };
    assert_eq!(doc["edge_kind"], edge_kind, "{what}");

    let top_level: Vec<Value> = profile
        .top_level()
        .iter()
        .map(|&id| {
            let i = profile.functions().position(|f| f == id).expect("listed");
            json!(i)
        })
        .collect();
    assert_eq!(doc["top_level"], Value::Array(top_level), "{what}");
}

#[test]
fn every_fixture_exports_valid_json() {
    let validator = validator();
    let mut checked = 0;
    for (name, profile) in fixture_profiles() {
        let doc = export(&profile, false);
        assert_valid(&validator, &doc, &name);
        assert_eq!(export(&profile, true), doc, "{name}: pretty differs");
        checked += 1;
    }
    assert!(checked >= 140, "only {checked} exports");
}

#[test]
fn every_fixture_export_matches_its_profile() {
    for (name, profile) in fixture_profiles() {
        check_against_profile(&profile, &export(&profile, false), &name);
    }
}

#[test]
fn combined_profiles_list_every_input_in_pstats_order() {
    let dir = fixtures().join("stats/py313");
    let read = |stem: &str| {
        pstat::read_path(dir.join(stem), &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture reads")
    };
    let profile = Profile::combine(vec![
        read("cprofile.stats"),
        read("cprofile_cli.stats"),
        read("profile_api.stats"),
    ])
    .expect("one kind");
    let doc = export(&profile, false);
    assert_valid(&validator(), &doc, "combined");
    check_against_profile(&profile, &doc, "combined");
    let paths: Vec<&str> = doc["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|input| {
            let path = input["path"].as_str().expect("path");
            path.rsplit('/').next().unwrap_or(path)
        })
        .collect();
    assert_eq!(
        paths,
        ["cprofile.stats", "profile_api.stats", "cprofile_cli.stats"]
    );
    // cProfile's tuples and the profile module's counts, merged.
    assert_eq!(doc["edge_kind"], "mixed");
}

#[test]
fn the_schema_is_valid_and_strict() {
    let schema = schema();
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );

    let validator = validator();
    let profile = read_fixture("stats/vectors/cprofile_v4.stats");
    let doc = export(&profile, false);
    assert_valid(&validator, &doc, "cprofile_v4");

    type Change = fn(&mut Value);
    let broken: [(&str, Change); 16] = [
        ("unknown top-level field", |d| d["extra"] = json!(1)),
        ("unknown function field", |d| {
            d["functions"][0]["percall"] = json!(0.5)
        }),
        ("unknown edge field", |d| d["edges"][0]["weight"] = json!(1)),
        ("missing function field", |d| {
            d["functions"][0]
                .as_object_mut()
                .map(|f| f.remove("listed"));
        }),
        ("missing top-level field", |d| {
            d.as_object_mut().map(|f| f.remove("edge_kind"));
        }),
        ("timed edge without cumtime", |d| {
            d["edges"][0].as_object_mut().map(|e| e.remove("cumtime"));
        }),
        (
            "count edge with a time",
            |d| d["edges"][0] = json!({"caller": 0, "callee": 1, "calls": 2, "tottime": 0.5}),
        ),
        ("negative id", |d| d["edges"][0]["caller"] = json!(-1)),
        ("fractional count", |d| {
            d["functions"][0]["calls"] = json!(1.5)
        }),
        ("time as another string", |d| {
            d["functions"][0]["tottime"] = json!("nan")
        }),
        ("time as null", |d| d["totals"]["tottime"] = Value::Null),
        ("other version", |d| d["version"] = json!(2)),
        ("other format", |d| d["format"] = json!("pstat-lines")),
        ("other unit", |d| d["time_unit"] = json!("ms")),
        (
            "mtime not RFC 3339",
            |d| d["inputs"] = json!([{"path": "a", "mtime": "Tue Nov 14 22:13:20 2023"}]),
        ),
        ("unknown edge kind", |d| d["edge_kind"] = json!("partial")),
    ];
    for (what, change) in broken {
        let mut bad = doc.clone();
        change(&mut bad);
        assert!(!validator.is_valid(&bad), "the schema accepts a {what}");
    }

    // What crafted files can hold is kept as read, and the schema says so.
    let mut crafted = doc.clone();
    crafted["functions"][0]["tottime"] = json!("NaN");
    crafted["functions"][0]["cumtime"] = json!("-Infinity");
    crafted["functions"][0]["calls"] = json!(-3);
    crafted["functions"][0]["line"] = json!(-1);
    crafted["edges"][0]["cumtime"] = json!("Infinity");
    crafted["inputs"] = json!([{"path": "a", "mtime": null}]);
    assert_valid(&validator, &crafted, "crafted values");
}

/// cprofile_v4 as the fixture cases read it: relative path, mtime 1700000000.
fn cprofile_v4() -> Profile {
    let bytes =
        std::fs::read(fixtures().join("stats/vectors/cprofile_v4.stats")).expect("read fixture");
    let mut profile = pstat::read(&bytes, &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .expect("fixture reads");
    profile.set_source(SourceFile {
        path: "stats/vectors/cprofile_v4.stats".into(),
        mtime: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
    });
    profile
}

#[test]
fn cprofile_v4_snapshot() {
    let json = json::to_vec(&cprofile_v4(), &Options::default());
    insta::assert_snapshot!(String::from_utf8(json).expect("UTF-8"));
}

#[test]
fn profile_v4_pretty_snapshot() {
    let bytes =
        std::fs::read(fixtures().join("stats/vectors/profile_v4.stats")).expect("read fixture");
    let profile = pstat::read(&bytes, &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .expect("fixture reads");
    let mut options = Options::default();
    options.pretty = true;
    let json = json::to_vec(&profile, &options);
    insta::assert_snapshot!(String::from_utf8(json).expect("UTF-8"));
}

/// The example in docs/json.md is this exporter's output, not a hand-written approximation.
#[test]
fn docs_example_is_the_exporters_output() {
    let docs = repo_file("docs/json.md");
    let text = std::fs::read_to_string(docs).expect("read docs/json.md");
    let marker = "<!-- example: stats/vectors/cprofile_v4.stats -->\n```json\n";
    let start = text.find(marker).expect("the example's marker") + marker.len();
    let len = text[start..].find("```").expect("the example's end");
    let example = &text[start..start + len];
    let json = json::to_vec(&cprofile_v4(), &Options::default());
    let actual = String::from_utf8(json).expect("UTF-8");
    assert!(
        example == actual,
        "docs/json.md's example is out of date; the exporter now writes:\n{actual}"
    );
}
