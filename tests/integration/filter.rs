//! Filters on real fixtures against figures Python computes independently: pstats' own numbers
//! for `.stats` dumps (totals, a focused function's cumtime, and the functions `--ignore`
//! leaves by reachability from the roots, docs/filters.md), and figures computed straight from
//! the folded text for sampled profiles.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pstat::Profile;
use pstat::query::filter::{Filter, Pattern};
use serde_json::Value;

use crate::support::{fixtures, python3_json, relative, run};

/// pstats' side of the `.stats` checks: for each file, the total time, the functions
/// `--ignore IGNORE` keeps (reachability from the roots with the ignored functions removed),
/// the ones it matches, and the cumtime of each function FOCUS matches.
const PSTATS_SIDE: &str = r#"
import json, pstats, re, sys
ignore, focus = sys.argv[1], sys.argv[2]
out = {}
for path in sys.argv[3:]:
    st = pstats.Stats(path)
    stats = st.stats
    name = pstats.func_std_string
    nodes = set(stats) | {c for v in stats.values() for c in v[4]}
    callees = {n: set() for n in nodes}
    for callee, v in stats.items():
        for caller in v[4]:
            callees[caller].add(callee)
    roots = [n for n in nodes if not (set(stats[n][4]) if n in stats else set()) - {n}]
    def reach(banned):
        seen = {r for r in roots if r not in banned}
        work = list(seen)
        while work:
            for m in callees[work.pop()]:
                if m not in banned and m not in seen:
                    seen.add(m)
                    work.append(m)
        return seen
    ignored = {n for n in nodes if re.search(ignore, name(n))}
    removed = ignored | (reach(set()) - reach(ignored))
    out[path] = {
        "total_tt": st.total_tt,
        "kept": sorted(name(n) for n in stats if n not in removed),
        "matched": sorted(name(n) for n in stats if n in ignored),
        "focus": {name(n): [v[0], v[1], v[3]] for n, v in stats.items() if re.search(focus, name(n))},
    }
print(json.dumps(out))
"#;

const IGNORE: &str = r"^<frozen importlib\._bootstrap";
const FOCUS: &str = r"\(fib\)";

fn stats_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for version in [
        "py36", "py37", "py38", "py39", "py310", "py311", "py312", "py313",
    ] {
        for name in [
            "cprofile.stats",
            "cprofile_cli.stats",
            "profile_api.stats",
            "merged.stats",
        ] {
            files.push(fixtures().join("stats").join(version).join(name));
        }
    }
    files
}

fn python(script: &str, args: &[String]) -> Value {
    python3_json(None, script, args)
}

fn pattern(text: &str) -> Vec<Pattern> {
    vec![Pattern::new(text).expect("valid pattern")]
}

fn filtered(profile: &Profile, change: impl FnOnce(&mut Filter)) -> Profile {
    let mut filter = Filter::default();
    change(&mut filter);
    profile.filter(&filter).expect("valid filter").profile
}

fn names(profile: &Profile) -> Vec<String> {
    let mut names: Vec<String> = profile
        .functions()
        .map(|id| profile.display_name(id))
        .collect();
    names.sort();
    names
}

#[test]
fn stats_filters_agree_with_pstats() {
    let files = stats_files();
    let mut args = vec![IGNORE.to_string(), FOCUS.to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let expected = python(PSTATS_SIDE, &args);
    let mut ignored_somewhere = false;
    let mut focused_somewhere = false;
    for file in &files {
        let what = relative(file);
        let want = &expected[file.display().to_string().as_str()];
        let profile = pstat::read_path(file, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture reads");
        let total = want["total_tt"].as_f64().expect("total");

        // --hide keeps pstats' total, and the hidden time is charged, not lost.
        let hidden = filtered(&profile, |f| f.hide = pattern(IGNORE));
        assert_eq!(hidden.totals().tottime, total, "{what}: --hide total");
        let sum: f64 = hidden.functions().map(|id| hidden.stats(id).tottime).sum();
        assert!(
            (sum - total).abs() <= 1e-9 * total.max(1.0),
            "{what}: {sum} vs {total}"
        );
        assert!(
            names(&hidden)
                .iter()
                .all(|n| !n.contains("<frozen importlib._bootstrap"))
        );

        // --ignore of the import machinery removes it and what only it reaches, nothing else.
        let ignored = filtered(&profile, |f| f.ignore = pattern(IGNORE));
        let kept: Vec<String> = want["kept"]
            .as_array()
            .expect("kept")
            .iter()
            .map(|v| v.as_str().expect("name").to_string())
            .collect();
        assert_eq!(names(&ignored), kept, "{what}: --ignore");
        ignored_somewhere |= !want["matched"].as_array().expect("matched").is_empty();

        // --focus keeps the focused function's own figures: its whole cumtime.
        let focus = filtered(&profile, |f| f.focus = pattern(FOCUS));
        for (name, figures) in want["focus"].as_object().expect("focus") {
            let id = focus
                .functions()
                .find(|&id| focus.display_name(id) == *name)
                .unwrap_or_else(|| panic!("{what}: {name} kept"));
            let stats = focus.stats(id);
            assert_eq!(
                [
                    stats.primitive_calls as f64,
                    stats.calls as f64,
                    stats.cumtime
                ],
                [
                    figures[0].as_f64().expect("cc"),
                    figures[1].as_f64().expect("nc"),
                    figures[2].as_f64().expect("ct")
                ],
                "{what}: {name}"
            );
            focused_somewhere = true;
        }
    }
    assert!(ignored_somewhere && focused_somewhere);
}

#[test]
fn report_says_what_the_filter_cut_in_one_line() {
    let file = "stats/py313/cprofile_cli.stats";
    let plain = run(&fixtures(), ["show", file, "-s", "cumulative"]);
    let hidden = run(
        &fixtures(),
        ["show", file, "-s", "cumulative", "--hide", IGNORE],
    );
    assert!(hidden.success(), "{}", hidden.stderr());
    let (plain, hidden) = (plain.stdout(), hidden.stdout());
    // The totals line is pstats' own; one note line is added, the rows lose the hidden ones.
    let totals = |text: &str| text.lines().nth(2).map(str::to_string);
    assert_eq!(totals(&plain), totals(&hidden));
    let note: Vec<&str> = hidden
        .lines()
        .filter(|l| {
            l.starts_with("   Filtered by <--hide '^<frozen importlib\\\\._bootstrap'>: kept ")
        })
        .collect();
    assert_eq!(note.len(), 1, "{hidden}");
    assert!(!hidden.contains("<frozen importlib._bootstrap>"));
    assert_eq!(plain.lines().count() - hidden.lines().count() + 1, {
        let profile = pstat::read_path(fixtures().join(file), &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("reads");
        let hidden = filtered(&profile, |f| f.hide = pattern(IGNORE));
        profile.function_count() - hidden.function_count()
    });
}

/// The sampled side: figures per function name computed from the folded text after each filter
/// (focus keeps samples with a matching frame, ignore drops them, hide removes matching frames,
/// root and leaf cut at the outermost and innermost match, depth keeps the first N+1 frames).
const FOLDED_SIDE: &str = r#"
import collections, json, re, sys
path, op, pat = sys.argv[1], sys.argv[2], sys.argv[3]
def frame_name(frame):
    m = re.match(r"^(.*) \((.*):(\d+)\)$", frame)
    return m.group(1) if m else frame
self_ = collections.Counter(); incl = collections.Counter(); total = 0
for line in open(path, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line.strip():
        continue
    stack, count = line.rsplit(" ", 1)
    frames = [f for f in stack.split(";") if not re.match(r"^thread \(", f)]
    match = lambda f: re.search(pat, f)
    if op == "focus" and not any(map(match, frames)): continue
    if op == "ignore" and any(map(match, frames)): continue
    if op == "hide": frames = [f for f in frames if not match(f)]
    if op == "root":
        at = [i for i, f in enumerate(frames) if match(f)]
        if not at: continue
        frames = frames[at[0]:]
    if op == "leaf":
        at = [i for i, f in enumerate(frames) if match(f)]
        if not at: continue
        frames = frames[:at[-1] + 1]
    if op == "depth": frames = frames[:int(pat) + 1]
    if not frames: continue
    total += int(count)
    names = [frame_name(f) for f in frames]
    self_[names[-1]] += int(count)
    for n in set(names): incl[n] += int(count)
print(json.dumps({"total": total, "self": self_, "inclusive": incl}))
"#;

#[test]
fn sampled_filters_agree_with_the_folded_text() {
    let cases = [
        ("focus", "number_phase"),
        ("ignore", "text_phase"),
        ("hide", "number_phase"),
        ("root", "number_phase"),
        ("leaf", "number_phase"),
        ("depth", "2"),
        ("focus", "fib|spin"),
        ("hide", "main"),
    ];
    for file in [
        "sampled/folded/mix.folded",
        "sampled/folded/recursive.folded",
        "sampled/py-spy/mix.folded",
        "sampled/py-spy/recursive.folded",
        "sampled/py-spy/threads.folded",
    ] {
        let path = fixtures().join(file);
        let profile = pstat::read_path(&path, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture reads");
        // Plain folded frames have no location: one function per name, so the inclusive
        // counts compare too; py-spy's are keyed by line, so only the self counts add up.
        let plain = file.starts_with("sampled/folded/");
        for (op, pat) in cases {
            let want = python(
                FOLDED_SIDE,
                &[path.display().to_string(), op.to_string(), pat.to_string()],
            );
            let got = filtered(&profile, |f| match op {
                "focus" => f.focus = pattern(pat),
                "ignore" => f.ignore = pattern(pat),
                "hide" => f.hide = pattern(pat),
                "root" => f.root = pattern(pat),
                "leaf" => f.leaf = pattern(pat),
                _ => f.depth = Some(pat.parse().expect("depth")),
            });
            let what = format!("{file} --{op} {pat}");
            assert_eq!(
                got.totals().primitive_calls,
                want["total"].as_i64().expect("total"),
                "{what}"
            );
            let mut own: BTreeMap<String, i64> = BTreeMap::new();
            let mut inclusive: BTreeMap<String, i64> = BTreeMap::new();
            for id in got.functions() {
                let stats = got.stats(id);
                if stats.primitive_calls > 0 {
                    *own.entry(got.name(id).to_string()).or_default() += stats.primitive_calls;
                }
                *inclusive.entry(got.name(id).to_string()).or_default() += stats.calls;
            }
            let counts = |v: &Value| -> BTreeMap<String, i64> {
                v.as_object()
                    .expect("counts")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_i64().expect("count")))
                    .collect()
            };
            assert_eq!(own, counts(&want["self"]), "{what}: self");
            if plain {
                assert_eq!(inclusive, counts(&want["inclusive"]), "{what}: inclusive");
            }
        }
    }
}
