//! pstat's `.stats` output read back by Python 3's own `pstats`.
//!
//! These tests need `python3` (CI has CPython 3.11); without it they fail, saying so. Each test
//! runs ONE Python process for all its files. Reports are compared sorted by `stdname` (a total
//! order, so no dependence on ties) and unsorted (which shows the dict order was kept), with the
//! header (file names and mtimes) left out and code-object addresses masked on both sides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pstat::{ListOptions, Profile, SortKey};
use serde_json::{Value, json};

use crate::support::{first_difference, fixtures, mask_code_addresses};

/// Fixtures that Python 3.11's `marshal.load` rejects (checked by the tests, which say so if the
/// `python3` at hand disagrees). Their output is compared against pstat's own reading instead.
const NOT_LOADABLE_BY_PYTHON3: &[(&str, &str)] = &[
    // Python 2 dumps: `R` (interned-string references) does not exist in Python 3:
    // "ValueError: bad marshal data (unknown type code)". (py27/empty.stats holds only `{0`,
    // which loads: it is compared natively, and pstats refuses both input and output.)
    ("py27/cprofile.stats", "Python 2 `R` references"),
    ("py27/cprofile_cli.stats", "Python 2 `R` references"),
    ("py27/merged.stats", "Python 2 `R` references"),
    ("py27/multiroot.stats", "Python 2 `R` references"),
    ("py27/nosubcalls.stats", "Python 2 `R` references"),
    ("py27/profile_api.stats", "Python 2 `R` references"),
    ("py27/profile_cli.stats", "Python 2 `R` references"),
    ("py27/shapes.stats", "Python 2 `R` references"),
    ("vectors/cprofile_py27v1.stats", "Python 2 `R` references"),
    ("vectors/cprofile_py27v2.stats", "Python 2 `R` references"),
    ("vectors/profile_py27v1.stats", "Python 2 `R` references"),
    ("vectors/profile_py27v2.stats", "Python 2 `R` references"),
    // `python -m profile -o` keys hold a code object, and Python 3.11-3.13 only unmarshal code
    // objects of their own layout: "SystemError: Objects/codeobject.c: bad argument to
    // internal function" for 3.6/3.7, "ValueError: bad marshal data (unknown type code)" for
    // the 3.8-3.10 layout (PyPy 3.9 uses it too).
    ("py36/profile_cli.stats", "code object of the 3.6 layout"),
    ("py37/profile_cli.stats", "code object of the 3.7 layout"),
    ("py38/profile_cli.stats", "code object of the 3.8 layout"),
    ("py39/profile_cli.stats", "code object of the 3.9 layout"),
    ("py310/profile_cli.stats", "code object of the 3.10 layout"),
    (
        "pypy3/profile_cli.stats",
        "code object of the 3.8-3.10 layout",
    ),
    // The same for `-m profile -o` of tests/fixtures/programs/shapes*.py.
    ("py36/shapes.stats", "code object of the 3.6 layout"),
    ("py36/shapes3.stats", "code object of the 3.6 layout"),
    ("py37/shapes.stats", "code object of the 3.7 layout"),
    ("py37/shapes3.stats", "code object of the 3.7 layout"),
    ("py38/shapes.stats", "code object of the 3.8 layout"),
    ("py38/shapes3.stats", "code object of the 3.8 layout"),
    ("py38/shapes38.stats", "code object of the 3.8 layout"),
    ("py39/shapes.stats", "code object of the 3.9 layout"),
    ("py39/shapes3.stats", "code object of the 3.9 layout"),
    ("py39/shapes38.stats", "code object of the 3.9 layout"),
    ("py310/shapes.stats", "code object of the 3.10 layout"),
    ("py310/shapes3.stats", "code object of the 3.10 layout"),
    ("py310/shapes38.stats", "code object of the 3.10 layout"),
    ("pypy3/shapes.stats", "code object of the 3.8-3.10 layout"),
    ("pypy3/shapes3.stats", "code object of the 3.8-3.10 layout"),
    ("pypy3/shapes38.stats", "code object of the 3.8-3.10 layout"),
];

/// Run by `python3 -c`: reads a job (JSON) from argv[1], prints the results as JSON.
/// `merges`: `pstats.Stats(*inputs).dump_stats(output)`, done first. `loads`: whether
/// `marshal.load` takes each file. `reports`: `print_stats` in dict order (which shows that the
/// order was kept), then `print_stats`, `print_callers` and `print_callees` after
/// `sort_stats('stdname')`, with `files` emptied so no header is printed.
const PYTHON: &str = r#"
import io, json, marshal, pstats, sys

def load_error(path):
    try:
        with open(path, "rb") as f:
            marshal.load(f)
        return None
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)

def reports(path):
    try:
        st = pstats.Stats(path, stream=io.StringIO())
    except Exception as e:
        return {"load": type(e).__name__}
    st.files = []
    out = {}
    for what in ("unsorted", "stats", "callers", "callees"):
        st.stream = io.StringIO()
        try:
            if what == "unsorted":
                st.print_stats()
                out[what] = st.stream.getvalue()
                continue
            st.sort_stats("stdname")
            getattr(st, "print_" + what)()
            out[what] = st.stream.getvalue()
        except Exception as e:
            out[what] = "raised %s: %s" % (type(e).__name__, e)
    return out

with open(sys.argv[1]) as f:
    job = json.load(f)
for inputs, output in job.get("merges", []):
    pstats.Stats(*inputs).dump_stats(output)
json.dump({
    "version": sys.version.split()[0],
    "load_errors": {p: load_error(p) for p in job.get("loads", [])},
    "reports": {p: reports(p) for p in job.get("reports", [])},
}, sys.stdout)
"#;

/// Runs [`PYTHON`] on `job` in one `python3` process.
fn python(job: &Value) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let job_path = dir.path().join("job.json");
    std::fs::write(&job_path, job.to_string()).expect("write job");
    let output = crate::support::tool("python3")
        .arg("-c")
        .arg(PYTHON)
        .arg(&job_path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "these tests compare with Python's own pstats and need `python3` on PATH \
                 (CI has CPython 3.11); running it failed: {e}"
            )
        });
    assert!(
        output.status.success(),
        "python3 failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python3 printed JSON")
}

/// Every dump under tests/fixtures/stats, as `tag/name.stats`.
fn stats_fixtures() -> Vec<String> {
    let root = fixtures().join("stats");
    crate::support::stats_fixtures()
        .iter()
        .map(|file| {
            file.strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// A dump under tests/fixtures/stats, by its `tag/name.stats`.
fn stats_path(name: &str) -> PathBuf {
    fixtures().join("stats").join(name)
}

fn read(path: &Path) -> Profile {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pstat::read(&bytes, &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes `profile` with the stats exporter as `dir/name`, the fixture name made flat.
fn write_stats(profile: &Profile, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name.replace('/', "_"));
    let file = std::fs::File::create(&path).expect("create output");
    let options = pstat::export::stats::Options::default();
    pstat::export::stats::write(profile, &options, std::io::BufWriter::new(file))
        .expect("write stats");
    path
}

fn path_key(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_string()
}

/// What pstat itself prints for `profile` (no header: a profile from `pstat::read` names no
/// file), in the shape [`PYTHON`] reports: Python refuses an empty profile.
fn pstat_reports(profile: &Profile) -> Value {
    if profile.function_count() == 0 {
        return json!({"load": "TypeError"});
    }
    let file_order = ListOptions::default();
    let mut by_stdname = ListOptions::default();
    by_stdname.sort = vec![SortKey::StdName];
    type Report = fn(&Profile, &ListOptions, &mut Vec<u8>) -> std::io::Result<()>;
    let text = |write: Report, options: &ListOptions| {
        let mut out = Vec::new();
        write(profile, options, &mut out).expect("report");
        String::from_utf8(out).expect("UTF-8 report")
    };
    json!({
        "unsorted": text(|p, o, w| pstat::report::write_stats(p, o, w), &file_order),
        "stats": text(|p, o, w| pstat::report::write_stats(p, o, w), &by_stdname),
        "callers": text(|p, o, w| pstat::report::write_callers(p, o, w), &by_stdname),
        "callees": text(|p, o, w| pstat::report::write_callees(p, o, w), &by_stdname),
    })
}

/// The differences between two sets of reports, one line of explanation each.
fn differences(what: &str, expected: &Value, actual: &Value) -> Vec<String> {
    let (Some(expected), Some(actual)) = (expected.as_object(), actual.as_object()) else {
        return vec![format!("{what}: missing reports")];
    };
    let mut found = Vec::new();
    let keys: std::collections::BTreeSet<_> = expected.keys().chain(actual.keys()).collect();
    for key in keys {
        let text = |v: Option<&Value>| mask_code_addresses(v.and_then(Value::as_str).unwrap_or(""));
        let (e, a) = (text(expected.get(key)), text(actual.get(key)));
        if e != a {
            found.push(format!(
                "{what} [{key}]: {}",
                first_difference(["expected", "written"], &e, &a)
            ));
        }
    }
    found
}

fn assert_no_differences(failures: Vec<String>, compared: usize) {
    assert!(
        failures.is_empty(),
        "{} differences over {compared} files:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every fixture Python 3 can load itself: Python's reports of pstat's output equal Python's
/// reports of the input. Also checks, in the same process, that `marshal.load` rejects exactly
/// the files in [`NOT_LOADABLE_BY_PYTHON3`].
#[test]
fn python_reads_back_the_same_as_from_the_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_loadable: BTreeMap<&str, &str> = NOT_LOADABLE_BY_PYTHON3.iter().copied().collect();
    let mut pairs = Vec::new();
    let mut loads = Vec::new();
    for name in stats_fixtures() {
        let input = stats_path(&name);
        loads.push(path_key(&input));
        if not_loadable.contains_key(name.as_str()) {
            continue;
        }
        let output = write_stats(&read(&input), dir.path(), &name);
        pairs.push((name, path_key(&input), path_key(&output)));
    }
    let reports: Vec<&String> = pairs.iter().flat_map(|(_, i, o)| [i, o]).collect();
    let result = python(&json!({"loads": loads, "reports": reports}));
    let version = result["version"].as_str().unwrap_or("?");

    let rejected: Vec<String> = stats_fixtures()
        .into_iter()
        .filter(|name| {
            let input = path_key(&stats_path(name));
            !result["load_errors"][&input].is_null()
        })
        .collect();
    let listed: Vec<String> = not_loadable.keys().map(|k| k.to_string()).collect();
    assert_eq!(
        rejected, listed,
        "Python {version}'s marshal.load rejects other fixtures than the 3.11-3.13 ones listed \
         in NOT_LOADABLE_BY_PYTHON3"
    );

    let mut failures = Vec::new();
    for (name, input, output) in &pairs {
        let (expected, actual) = (&result["reports"][input], &result["reports"][output]);
        // Only the empty dumps may fail to load (pstats refuses an empty profile): anything
        // else would make the comparison vacuous.
        let printed = expected["stats"]
            .as_str()
            .is_some_and(|t| t.contains(" function calls "));
        if printed == name.ends_with("/empty.stats") {
            failures.push(format!("{name}: Python's report of the input: {expected}"));
        }
        failures.extend(differences(name, expected, actual));
    }
    eprintln!(
        "Python {version}: {} fixtures read back natively, {} via pstat's reading",
        pairs.len(),
        listed.len()
    );
    assert_no_differences(failures, pairs.len());
}

/// The fixtures Python 3 cannot load (Python 2 dumps, code objects of another Python): Python
/// loads pstat's output of them and prints what pstat prints for the input.
#[test]
fn python_reads_back_what_pstat_reads_from_files_python_cannot_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cases = Vec::new();
    for (name, _why) in NOT_LOADABLE_BY_PYTHON3 {
        let profile = read(&stats_path(name));
        let output = write_stats(&profile, dir.path(), name);
        cases.push((*name, path_key(&output), pstat_reports(&profile)));
    }
    let reports: Vec<&String> = cases.iter().map(|(_, o, _)| o).collect();
    let result = python(&json!({"reports": reports}));
    let mut failures = Vec::new();
    for (name, output, expected) in &cases {
        failures.extend(differences(name, expected, &result["reports"][output]));
    }
    assert_no_differences(failures, cases.len());
}

/// `Profile::combine` written out prints in Python as what pstats' own `add` dumps: for each
/// group, `Stats(a, b, ...)`, which adds in the order a, c, b, ... as combine does.
#[test]
fn combined_profiles_match_pstats_add() {
    let groups: &[&[&str]] = &[
        &["py311/cprofile.stats", "py311/cprofile_cli.stats"],
        &["py313/cprofile.stats", "py313/nosubcalls.stats"],
        &[
            "py313/cprofile.stats",
            "py313/cprofile_cli.stats",
            "py313/nosubcalls.stats",
        ],
        &[
            "py39/cprofile.stats",
            "py313/cprofile.stats",
            "py311/merged.stats",
        ],
        // The `profile` module's int caller counts are summed, not tupled.
        &["py311/profile_api.stats", "py313/profile_api.stats"],
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let mut merges = Vec::new();
    let mut cases = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let inputs: Vec<PathBuf> = group.iter().map(|name| stats_path(name)).collect();
        let combined =
            Profile::combine(inputs.iter().map(|p| read(p)).collect()).expect("one kind");
        let ours = write_stats(&combined, dir.path(), &format!("combined_{i}.stats"));
        let theirs = dir.path().join(format!("pstats_add_{i}.stats"));
        let inputs: Vec<String> = inputs.iter().map(|p| path_key(p)).collect();
        merges.push(json!([inputs, path_key(&theirs)]));
        cases.push((group.join(" + "), path_key(&theirs), path_key(&ours)));
    }
    let reports: Vec<&String> = cases.iter().flat_map(|(_, t, o)| [t, o]).collect();
    let result = python(&json!({"merges": merges, "reports": reports}));
    let mut failures = Vec::new();
    for (what, theirs, ours) in &cases {
        failures.extend(differences(
            what,
            &result["reports"][theirs],
            &result["reports"][ours],
        ));
    }
    assert_no_differences(failures, cases.len());
}
