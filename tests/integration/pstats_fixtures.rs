//! pstat against what Python's own pstats printed for real dumps from real interpreters
//! (tests/fixtures, made by tests/fixtures/generate.py), compared byte for byte.

use serde_json::Value;

use crate::support::{Run, first_difference, fixtures, mask_code_addresses, pstat, set_mtime};

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
    let mut refused = 0;
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
        let output = Run::from(
            pstat(&dir)
                .env("TZ", tz)
                .args(&args)
                .output()
                .expect("run pstat"),
        );
        let stdout = output.stdout().into_owned();
        // pstats takes a fraction outside 0 to 1 and ignores it; pstat refuses it with the
        // valid range (docs/differences.md, "Numbers out of range").
        let out_of_range = args.windows(2).any(|pair| {
            pair[0] == "--fraction"
                && pair[1]
                    .parse::<f64>()
                    .is_ok_and(|f| !(0.0..=1.0).contains(&f))
        });
        if out_of_range {
            refused += 1;
            if output.code() != Some(2)
                || !output.stderr().contains("is not a fraction from 0 to 1")
            {
                failures.push(format!(
                    "{name}: pstat should refuse the fraction: exited {:?}: {}",
                    output.code(),
                    output.stderr()
                ));
            }
            continue;
        }
        match case["expected"].as_str() {
            Some(expected_path) => {
                let expected = std::fs::read_to_string(dir.join(expected_path))
                    .unwrap_or_else(|e| panic!("{expected_path}: {e}"));
                let (expected, actual) = if case["mask_code_addresses"].as_bool() == Some(true) {
                    (mask_code_addresses(&expected), mask_code_addresses(&stdout))
                } else {
                    (expected, stdout)
                };
                if !output.success() {
                    failures.push(format!("{name}: pstat failed: {}", output.stderr()));
                } else if expected != actual {
                    let difference = first_difference(["python", "pstat"], &expected, &actual);
                    failures.push(format!("{name}: {difference}"));
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
                if output.code() != Some(expected_status) {
                    failures.push(format!(
                        "{name}: Python raised ({python_error}); pstat should exit {expected_status} but exited {:?}: {}",
                        output.code(),
                        output.stderr()
                    ));
                }
            }
        }
    }
    let compared = cases.len() - python_errors - refused;
    eprintln!(
        "fidelity: {identical}/{compared} cases byte-identical to pstats ({python_errors} cases where Python raises, {refused} fractions out of range refused on purpose)"
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
