//! pstat against what Python's own pstats printed for real dumps from real interpreters
//! (tests/fixtures, made by tests/fixtures/generate.py), compared byte for byte.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use assert_cmd::cargo::cargo_bin;
use serde_json::Value;

use crate::fixtures;

fn pstat(cwd: &Path, tz: &str, args: &[String]) -> std::process::Output {
    Command::new(cargo_bin("pstat"))
        .current_dir(cwd)
        .env("TZ", tz)
        .args(args)
        .output()
        .expect("run pstat")
}

/// Sets a fixture's mtime to what the generator used (git checkouts reset it).
fn set_mtime(path: &Path, seconds: u64) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open fixture");
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
        .expect("set mtime");
}

/// The address in `<code object … at 0x…>` is where Python happened to load the object;
/// pstat prints a fixed one of the same width.
pub fn mask_code_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" at 0x") {
        let (head, tail) = rest.split_at(at + " at 0x".len());
        out.push_str(head);
        let hex = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str(&"#".repeat(hex));
        rest = &tail[hex..];
    }
    out.push_str(rest);
    out
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n  python: {e:?}\n  pstat:  {a:?}", i + 1);
        }
    }
    format!(
        "line counts differ: python {} lines, pstat {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}

/// Every case in cases.json: pstat's output must equal pstats' byte for byte. Cases where
/// Python raised must not make pstat fail (see docs/differences.md).
#[test]
fn matches_pstats_byte_for_byte() {
    let dir = fixtures();
    let manifest = std::fs::read_to_string(dir.join("cases.json")).expect("cases.json");
    let cases: Vec<Value> = serde_json::from_str(&manifest).expect("valid cases.json");
    assert!(
        cases.len() > 500,
        "only {} cases in the manifest",
        cases.len()
    );

    let mut mtimes_set = std::collections::HashSet::new();
    let (mut identical, mut python_errors, mut failures) = (0, 0, Vec::new());
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let tz = case["tz"].as_str().unwrap_or("UTC");
        let args: Vec<String> = case["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| a.as_str().expect("string arg").to_string())
            .collect();
        let mtime = case["mtime"].as_u64().expect("mtime");
        for file in args.iter().filter(|a| a.ends_with(".stats")) {
            if mtimes_set.insert(file.clone()) {
                set_mtime(&dir.join(file), mtime);
            }
        }
        let output = pstat(&dir, tz, &args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        match case["expected"].as_str() {
            Some(expected_path) => {
                let expected = std::fs::read_to_string(dir.join(expected_path))
                    .unwrap_or_else(|e| panic!("{expected_path}: {e}"));
                let (expected, actual) = if case["mask_code_addresses"].as_bool() == Some(true) {
                    (mask_code_addresses(&expected), mask_code_addresses(&stdout))
                } else {
                    (expected, stdout)
                };
                if !output.status.success() {
                    failures.push(format!(
                        "{name}: pstat failed: {}",
                        String::from_utf8_lossy(&output.stderr)
                    ));
                } else if expected != actual {
                    failures.push(format!("{name}: {}", first_difference(&expected, &actual)));
                } else {
                    identical += 1;
                }
            }
            None => {
                python_errors += 1;
                let python_error = case["python_error"].as_str().expect("python_error");
                // pstats raises KeyError for a sort key it does not accept: pstat refuses it as a
                // usage error. Everything else pstats raises on, pstat reports sanely
                // (docs/differences.md).
                let expected_status = if python_error.starts_with("KeyError") {
                    2
                } else {
                    0
                };
                if output.status.code() != Some(expected_status) {
                    failures.push(format!(
                        "{name}: Python raised ({python_error}); pstat should exit {expected_status} but exited {:?}: {}",
                        output.status.code(),
                        String::from_utf8_lossy(&output.stderr)
                    ));
                }
            }
        }
    }
    let compared = cases.len() - python_errors;
    eprintln!(
        "fidelity: {identical}/{compared} cases byte-identical to pstats ({python_errors} cases where Python raises)"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} cases differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
