use super::*;
use crate::model::testing::fs;
use crate::model::{Builder, Merge};
use crate::query::NameFilter;

/// A profile of (file, line, name, tottime, calls) functions with cumtime = tottime.
fn profile(functions: &[(&str, i64, &str, f64, i64)]) -> Profile {
    let mut b = Builder::default();
    for &(file, line, name, tottime, calls) in functions {
        let key = b.key(file, line, name);
        b.add_entry(
            key,
            fs(calls, calls, tottime, tottime),
            std::iter::empty(),
            Merge::Replace,
        );
    }
    b.finish()
}

fn find<'a>(diff: &'a Diff, name: &str) -> &'a FunctionDiff {
    diff.functions
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn matches_moves_adds_and_removes() {
    let base = profile(&[
        ("/a/m.py", 1, "main", 1.0, 1),
        ("/a/m.py", 10, "f", 2.0, 3),
        ("/a/m.py", 20, "gone", 0.5, 1),
        ("/a/m.py", 30, "twin", 0.1, 1),
        ("/a/m.py", 40, "twin", 0.1, 1),
    ]);
    let new = profile(&[
        ("/a/m.py", 1, "main", 1.5, 1),
        ("/a/m.py", 12, "f", 6.0, 3),
        ("/a/m.py", 25, "fresh", 0.25, 2),
        ("/a/m.py", 31, "twin", 0.1, 1),
        ("/a/m.py", 41, "twin", 0.1, 1),
    ]);
    let diff = diff(&[base], &[new], &DiffOptions::default()).expect("diff");
    assert_eq!(find(&diff, "main").change, Change::Matched);
    let f = find(&diff, "f");
    assert_eq!(f.change, Change::Moved { base_line: 10 });
    assert_eq!(
        (f.line, f.tottime_delta(), f.tottime_ratio()),
        (12, 4.0, Some(3.0))
    );
    assert_eq!(find(&diff, "gone").change, Change::Removed);
    assert_eq!(find(&diff, "fresh").change, Change::Added);
    // Two candidates on each side: not matched as moved.
    let twins: Vec<Change> = diff
        .functions
        .iter()
        .filter(|f| f.name == "twin")
        .map(|f| f.change)
        .collect();
    assert_eq!(
        twins,
        [
            Change::Removed,
            Change::Removed,
            Change::Added,
            Change::Added
        ]
    );
    assert_eq!(diff.functions.len(), 8);
    assert_eq!(diff.total_verdict, Verdict::Unknown);
    assert!((diff.tottime_delta() - 4.25).abs() < 1e-12);
    let rows = diff.select(&Selection::default());
    assert_eq!(rows[0].name, "f");
    assert_eq!(rows[1].name, "main");
}

#[test]
fn prefixes_match_after_rewriting_and_collisions_add_up() {
    let base = profile(&[("/x/lib/python3.12/site-packages/p/a.py", 3, "g", 1.0, 1)]);
    let new = profile(&[
        (
            "/y/venv/lib/python3.12/site-packages/p/a.py",
            3,
            "g",
            1.0,
            1,
        ),
        ("/z/site-packages/p/a.py", 3, "g", 0.5, 2),
    ]);
    let diff = diff(
        std::slice::from_ref(&base),
        std::slice::from_ref(&new),
        &DiffOptions::default(),
    )
    .expect("diff");
    assert_eq!(diff.functions.len(), 1);
    let g = &diff.functions[0];
    assert_eq!(g.file, "<site-packages>/p/a.py");
    assert_eq!(
        (g.change, g.new.tottime, g.new.calls),
        (Change::Matched, 1.5, 3.0)
    );
    let mut options = DiffOptions::default();
    options.paths.canonical = false;
    let diff = super::diff(&[base], &[new], &options).expect("diff");
    assert_eq!(diff.functions.len(), 3);
}

#[test]
fn several_runs_give_means_spreads_and_verdicts() {
    let run = |f: f64, g: f64| profile(&[("m.py", 1, "f", f, 1), ("m.py", 2, "g", g, 1)]);
    let base = [run(1.0, 1.0), run(1.1, 1.2), run(0.9, 0.8)];
    let new = [run(3.0, 1.1), run(3.1, 0.9), run(2.9, 1.0)];
    let diff = diff(&base, &new, &DiffOptions::default()).expect("diff");
    let f = find(&diff, "f");
    assert!((f.base.tottime - 1.0).abs() < 1e-12 && (f.new.tottime - 3.0).abs() < 1e-12);
    assert!((f.base.tottime_spread - 0.1).abs() < 1e-9);
    assert!(matches!(f.verdict, Verdict::Significant { p } if p < 0.001));
    assert!(find(&diff, "g").verdict.is_noise());
    assert!(diff.has_noise_estimate());
}

#[test]
fn normalize_scales_runs_to_the_new_total() {
    let base = profile(&[("m.py", 1, "f", 1.0, 1), ("m.py", 2, "g", 1.0, 1)]);
    let new = profile(&[("m.py", 1, "f", 2.0, 1), ("m.py", 2, "g", 2.0, 1)]);
    let options = DiffOptions {
        normalize: true,
        ..DiffOptions::default()
    };
    let diff = diff(&[base], &[new], &options).expect("diff");
    assert!(diff.functions.iter().all(|f| f.tottime_delta() == 0.0));
    assert_eq!(diff.base.totals.tottime, 4.0);
}

#[test]
fn kinds_must_agree() {
    let calls = profile(&[("m.py", 1, "f", 1.0, 1)]);
    let samples = crate::read(b"main;f 3\n", &Default::default())
        .and_then(crate::AnyProfile::into_calls)
        .expect("folded");
    let error = diff(&[calls], &[samples], &DiffOptions::default()).expect_err("mixed");
    assert!(
        matches!(error.kind(), ErrorKind::Incomparable { .. }),
        "{error}"
    );
}

#[test]
fn selection_and_gate() {
    let base = profile(&[("m.py", 1, "f", 1.0, 1), ("m.py", 2, "g", 1.0, 1)]);
    let new = profile(&[
        ("m.py", 1, "f", 1.05, 1),
        ("m.py", 2, "g", 0.5, 1),
        ("m.py", 3, "h", 0.1, 1),
    ]);
    let diff = diff(&[base], &[new], &DiffOptions::default()).expect("diff");
    let mut selection = Selection {
        min_delta: Some("10%".parse().expect("percent")),
        ..Selection::default()
    };
    let names: Vec<&str> = diff
        .select(&selection)
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["g", "h"]);
    selection.min_delta = None;
    selection.sort = DiffSort::Ratio;
    selection.matches = vec![NameFilter::new("[fg]").expect("regex")];
    let names: Vec<&str> = diff
        .select(&selection)
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["f", "g"]);
    // Total time went down: only a function can fail the gate.
    assert_eq!(diff.gate(3.0, None), None);
    assert_eq!(
        diff.gate(3.0, Some(MinDelta::Seconds(0.01))),
        Some(GateFailure::Function {
            name: "m.py:3(h)".to_string(),
            percent: None,
            delta: 0.1
        })
    );
    assert!(matches!(
        diff.gate(3.0, Some(MinDelta::Percent(1.0))),
        Some(GateFailure::Function { .. })
    ));
    assert!("x".parse::<MinDelta>().is_err() && "-1".parse::<MinDelta>().is_err());
}
