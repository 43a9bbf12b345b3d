//! `pstat convert`: callgrind checked by callgrind_annotate against pstats' figures, folded
//! stacks and speedscope checked for what they promise, on every fixture; the command line's
//! output handling.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pstat::export::{self, TimeUnit};
use pstat::{FunctionId, Profile};

use crate::support::{app_fixtures, converted, fixtures, json_file, read_fixture, relative, run};

/// Every non-empty fixture dump.
fn stats_fixtures() -> Vec<PathBuf> {
    let mut files = crate::support::stats_fixtures();
    files.retain(|file| !file.ends_with("empty.stats"));
    files
}

/// The name callgrind_annotate gives a function: `file:function`, where a function sharing its
/// name with another in the same file is written `name:line`.
pub(crate) fn annotate_names(profile: &Profile) -> Vec<String> {
    let ids: Vec<FunctionId> = profile.all_functions().collect();
    let file = |id: FunctionId| match profile.file(id) {
        "" => "~".to_string(),
        f => f.to_string(),
    };
    let mut lines: HashMap<(String, &str), Vec<i64>> = HashMap::new();
    for &id in &ids {
        let entry = lines.entry((file(id), profile.name(id))).or_default();
        if !entry.contains(&profile.line(id)) {
            entry.push(profile.line(id));
        }
    }
    ids.iter()
        .map(|&id| {
            let name = profile.name(id);
            match lines[&(file(id), name)].len() {
                1 => format!("{}:{name}", file(id)),
                _ => format!("{}:{name}:{}", file(id), profile.line(id)),
            }
        })
        .collect()
}

/// Runs callgrind_annotate on `path` and returns (program total, cost per `file:function`).
pub(crate) fn callgrind_annotate(path: &Path, inclusive: bool) -> (u64, HashMap<String, u64>) {
    // Run beside the output (a directory of its own): callgrind_annotate strips the working
    // directory from file names, and fixtures name files under /tmp.
    let output = crate::support::tool("callgrind_annotate")
        .current_dir(path.parent().unwrap_or(Path::new("/")))
        .arg("--threshold=100")
        .arg(format!(
            "--inclusive={}",
            if inclusive { "yes" } else { "no" }
        ))
        .arg(path)
        .output()
        .expect("callgrind_annotate (from valgrind) must be installed: .ci/run installs it");
    assert!(
        output.status.success(),
        "callgrind_annotate failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut total = None;
    let mut costs = HashMap::new();
    for line in text.lines() {
        // "1,234 (12.34%)  file:function"
        let Some((number, rest)) = line.trim_start().split_once(' ') else {
            continue;
        };
        let Ok(cost) = number.replace(',', "").parse::<u64>() else {
            continue;
        };
        let Some((_, name)) = rest.split_once(")  ") else {
            continue;
        };
        if name == "PROGRAM TOTALS" {
            total = Some(cost);
        } else {
            *costs.entry(name.to_string()).or_insert(0) += cost;
        }
    }
    (total.expect("PROGRAM TOTALS line"), costs)
}

fn ns(seconds: f64) -> u64 {
    let v = (seconds * 1e9).round();
    if v.is_finite() && v > 0.0 {
        v as u64
    } else {
        0
    }
}

/// callgrind_annotate reads pstat's callgrind for every fixture; its program total is the sum
/// of the functions' tottimes (pstats' total time, within rounding), each function's self cost
/// is its tottime, and each function's inclusive cost (which callgrind_annotate sums from the
/// calls into it) is its cumtime wherever the edges are consistent with it — always inside
/// recursion cycles, which is where pyprof2calltree doubles it.
#[test]
fn callgrind_annotate_agrees_with_pstats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut checked = 0;
    let mut recursive_checked = 0;
    // The apps' dumps include threads that Python 3.12's cProfile sees start: call edges
    // with time and no call, which a `calls=0` line would turn into the caller's self cost.
    for fixture in stats_fixtures().into_iter().chain(app_fixtures()) {
        let profile = pstat::read_path(&fixture, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture reads");
        let out = dir.path().join("out.callgrind");
        let file = std::fs::File::create(&out).expect("create");
        export::callgrind::write(&profile, &export::callgrind::Options::default(), file)
            .expect("write");

        let names = annotate_names(&profile);
        let (total, self_costs) = callgrind_annotate(&out, false);
        let expected_total: u64 = profile
            .functions()
            .map(|id| ns(profile.stats(id).tottime))
            .sum();
        assert_eq!(total, expected_total, "{}", relative(&fixture));
        // Callgrind costs cannot be negative: a crafted negative time counts as 0.
        let pstats_total: f64 = profile
            .functions()
            .map(|id| profile.stats(id).tottime.max(0.0) * 1e9)
            .sum();
        assert!(
            (total as f64 - pstats_total).abs() <= profile.function_count() as f64 / 2.0 + 1.0,
            "{}: total {total} vs pstats {pstats_total}",
            relative(&fixture)
        );
        for id in profile.functions() {
            let name = &names[id.index()];
            let cost = self_costs.get(name).copied().unwrap_or(0);
            assert_eq!(
                cost,
                ns(profile.stats(id).tottime),
                "{}: self cost of {name}",
                relative(&fixture)
            );
        }

        let (_, inclusive) = callgrind_annotate(&out, true);
        for id in profile.functions() {
            let name = &names[id.index()];
            let callers = profile.callers(id).len() as u64;
            let recursive = profile
                .callers(id)
                .any(|(caller, _)| caller == id || profile.callers(caller).any(|(c, _)| c == id));
            if callers == 0 || !recursive || !profile.has_timed_edges() {
                continue;
            }
            let cost = inclusive.get(name).copied().unwrap_or(0);
            let want = ns(profile.stats(id).cumtime);
            assert!(
                cost.abs_diff(want) <= callers,
                "{}: inclusive cost of recursive {name} is {cost}, cumtime {want}",
                relative(&fixture)
            );
            recursive_checked += 1;
        }
        checked += 1;
    }
    eprintln!(
        "callgrind_annotate: {checked} fixtures, {recursive_checked} recursive functions' inclusive costs equal cumtime"
    );
    assert!(recursive_checked > 20);
}

/// Folded stacks add up to the total time, keep every function's own time, and have
/// well-formed frames.
#[test]
fn folded_stacks_keep_every_functions_time() {
    for fixture in stats_fixtures() {
        let profile = pstat::read_path(&fixture, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture reads");
        let mut out = Vec::new();
        export::folded::write(&profile, &export::folded::Options::default(), &mut out)
            .expect("write");
        let text = String::from_utf8(out).expect("UTF-8");
        let mut sum = 0u64;
        let mut by_leaf: HashMap<String, (u64, u64)> = HashMap::new();
        for line in text.lines() {
            let (stack, count) = line.rsplit_once(' ').expect("count");
            let count: u64 = count.parse().expect("integer count");
            assert!(count > 0, "{line}");
            // Functions with no location (builtins: file `~`, line 0) are their bare name.
            let builtin = |frame: &str| {
                profile.functions().any(|id| {
                    profile.file(id) == "~" && profile.line(id) == 0 && profile.name(id) == frame
                })
            };
            assert!(
                stack.split(';').all(|frame| frame == "[other callers]"
                    || (frame.contains(" (") && frame.ends_with(')'))
                    || builtin(frame)),
                "{line}"
            );
            let leaf = stack.rsplit(';').next().expect("leaf").to_string();
            let entry = by_leaf.entry(leaf).or_default();
            entry.0 += count;
            entry.1 += 1;
            sum += count;
        }
        let total_us: f64 = profile
            .functions()
            .map(|id| profile.stats(id).tottime.max(0.0) * 1e6)
            .sum();
        assert_eq!(sum, total_us.round() as u64, "{}", relative(&fixture));
        for id in profile.functions() {
            let us = profile.stats(id).tottime * 1e6;
            let frame = match (profile.file(id), profile.line(id)) {
                ("~", 0) => profile.name(id).to_string(),
                (file, line) => format!("{} ({file}:{line})", profile.name(id)),
            };
            let (got, lines) = by_leaf.get(&frame).copied().unwrap_or((0, 0));
            // A function's own time is rounded once, not per stack.
            assert!(
                (got as f64 - us.max(0.0)).abs() < 1.0,
                "{}: {frame} has {got} us in {lines} stacks, tottime {us} us",
                relative(&fixture)
            );
        }
    }
}

#[test]
fn speedscope_output_matches_its_published_schema() {
    let schema = json_file("tests/schemas/speedscope-file-format-schema.json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    for fixture in stats_fixtures() {
        let profile = pstat::read_path(&fixture, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture reads");
        let mut out = Vec::new();
        export::speedscope::write(&profile, &export::speedscope::Options::default(), &mut out)
            .expect("write");
        let document: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .take(5)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", relative(&fixture));
        let profile_json = &document["profiles"][0];
        let weights: u64 = profile_json["weights"]
            .as_array()
            .expect("weights")
            .iter()
            .map(|w| w.as_u64().expect("integer"))
            .sum();
        assert_eq!(profile_json["endValue"].as_u64(), Some(weights));
        let frames = document["shared"]["frames"]
            .as_array()
            .expect("frames")
            .len();
        for sample in profile_json["samples"].as_array().expect("samples") {
            for frame in sample.as_array().expect("sample") {
                assert!((frame.as_u64().expect("index") as usize) < frames);
            }
        }
    }
}

#[test]
fn svg_renders_for_every_fixture() {
    for fixture in stats_fixtures() {
        let profile = pstat::read_path(&fixture, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .expect("fixture reads");
        let mut options = export::flamegraph::Options::default();
        options.title = relative(&fixture);
        options.unit = TimeUnit::Us;
        let mut out = Vec::new();
        export::flamegraph::write(&profile, &options, &mut out).expect("write");
        let svg = String::from_utf8(out).expect("UTF-8");
        assert!(svg.starts_with("<?xml"), "{}", relative(&fixture));
        assert!(
            svg.contains(&relative(&fixture)),
            "title in {}",
            relative(&fixture)
        );
    }
}

#[test]
fn output_format_follows_the_name_and_unknown_names_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixtures().join("stats/py313/cprofile.stats");
    let input = input.to_str().expect("UTF-8 path");
    for (name, starts) in [
        ("callgrind.out", "# callgrind format"),
        ("x.folded", ""),
        ("x.svg", "<?xml"),
        ("x.speedscope.json", "{\"$schema\""),
        ("x.json", "{\n  \"format\": \"pstat-profile\""),
    ] {
        let output = run(dir.path(), ["convert", input, "-o", name]);
        assert!(output.success(), "{name}: {}", output.stderr());
        let written = std::fs::read_to_string(dir.path().join(name)).expect("output written");
        assert!(written.starts_with(starts), "{name}");
    }
    // A stats dump: a marshalled dict, which pstat recognises as one.
    let output = run(dir.path(), ["convert", input, "-o", "x.stats"]);
    assert!(output.success());
    let written = std::fs::read(dir.path().join("x.stats")).expect("written");
    assert_eq!(
        pstat::read::detect(&written),
        pstat::Detected::Profile(pstat::InputFormat::Stats)
    );

    let output = run(dir.path(), ["convert", input, "-o", "report.txt"]);
    assert_eq!(output.code(), Some(2));
    let stderr = output.stderr();
    assert!(
        stderr.contains("callgrind, folded, svg, json, speedscope, stats"),
        "{stderr}"
    );
    assert!(!dir.path().join("report.txt").exists());

    let output = run(
        dir.path(),
        [
            "convert",
            input,
            "-o",
            "-",
            "--format",
            "callgrind",
            "--unit",
            "us",
        ],
    );
    assert!(output.success());
    assert!(output.stdout().contains("events: us\n"));
}

#[test]
fn never_writes_over_an_input_and_leaves_nothing_on_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.stats");
    std::fs::copy(fixtures().join("stats/py313/cprofile.stats"), &input).expect("copy");
    let before = std::fs::read(&input).expect("read");
    let output = run(
        dir.path(),
        [
            "convert",
            "in.stats",
            "-o",
            "./in.stats",
            "--format",
            "callgrind",
        ],
    );
    assert_eq!(output.code(), Some(1));
    assert!(
        output.stderr().contains("refusing to write"),
        "{}",
        output.stderr()
    );
    assert_eq!(std::fs::read(&input).expect("read"), before);

    // A hard link is the same file under another name.
    std::fs::hard_link(&input, dir.path().join("link.callgrind")).expect("link");
    let output = run(dir.path(), ["convert", "in.stats", "-o", "link.callgrind"]);
    assert_eq!(output.code(), Some(1));
    assert_eq!(std::fs::read(&input).expect("read"), before);

    // A bad input leaves no output and no temporary file behind.
    std::fs::write(dir.path().join("bad.stats"), b"{)\x03").expect("write");
    let output = run(dir.path(), ["convert", "bad.stats", "-o", "out.callgrind"]);
    assert_eq!(output.code(), Some(1));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 3, "{left:?}");
}

#[test]
fn callgrind_snapshots() {
    for name in ["vectors/cprofile_v4.stats", "vectors/profile_v4.stats"] {
        let profile = read_fixture(&format!("stats/{name}"));
        let mut options = export::callgrind::Options::default();
        options.command = Some(name.to_string());
        let mut out = Vec::new();
        export::callgrind::write(&profile, &options, &mut out).expect("write");
        insta::assert_snapshot!(
            format!("callgrind_{}", name.replace(['/', '.'], "_")),
            String::from_utf8(out).expect("UTF-8")
        );
    }
}

#[test]
fn folded_snapshot() {
    let profile = read_fixture("stats/vectors/cprofile_v4.stats");
    let mut out = Vec::new();
    export::folded::write(&profile, &export::folded::Options::default(), &mut out).expect("write");
    insta::assert_snapshot!(
        "folded_vectors_cprofile_v4",
        String::from_utf8(out).expect("UTF-8")
    );
}

/// Speedscope and the SVG flame graph as `pstat convert` writes them, run from tests/fixtures
/// so that the title (the input's name as given) is the same on every machine.
#[test]
fn speedscope_and_svg_snapshots() {
    for format in ["speedscope", "svg"] {
        let output = converted(&fixtures(), "stats/py313/cprofile.stats", format);
        insta::assert_snapshot!(format!("{format}_py313_cprofile"), output);
    }
}

/// `pstat convert a b c -o all.stats` is the merge command: it writes what the library's
/// pstats-style combination writes (which convert_stats checks against Python's own merge).
#[test]
fn merge_command_writes_the_combined_profile() {
    let dir = tempfile::tempdir().expect("temp dir");
    let inputs = [
        "stats/py313/cprofile.stats",
        "stats/py313/cprofile_cli.stats",
        "stats/py313/nosubcalls.stats",
    ];
    let all = dir.path().join("all.stats");
    let output = run(
        &fixtures(),
        ["convert"]
            .iter()
            .chain(&inputs)
            .chain(&["-o", all.to_str().expect("UTF-8 path")]),
    );
    assert!(output.success(), "{}", output.stderr());
    let profiles = inputs.iter().map(|p| read_fixture(p)).collect();
    let mut expected = Vec::new();
    export::stats::write(
        &Profile::combine(profiles).expect("one kind"),
        &export::stats::Options::default(),
        &mut expected,
    )
    .expect("write");
    assert_eq!(std::fs::read(&all).expect("output"), expected);
}

/// Huge figures follow one rule in every integer output (docs/security.md, "Huge figures"):
/// a cost past u64::MAX, or infinite, is u64::MAX, and sums saturate: callgrind's `summary:`
/// and `totals:` wrapped to a number smaller than their parts before (or overflowed).
#[test]
fn huge_figures_saturate_in_every_integer_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stats = dir.path().join("huge.stats");
    crate::support::python3(
        None,
        "import marshal, sys\n\
         d = {('a.py', 1, 'f'): (1, 1, 1e300, 1e300, {}),\n\
              ('a.py', 2, 'g'): (1, 1, float('inf'), float('inf'), {('a.py', 1, 'f'): (1, 1, 1e300, 1e300)}),\n\
              ('a.py', 3, 'h'): (1, 1, 1.5, 1.5, {})}\n\
         marshal.dump(d, open(sys.argv[1], 'wb'))",
        [&stats],
    );
    let text = converted(dir.path(), "huge.stats", "callgrind");
    let max = u64::MAX.to_string();
    assert!(text.contains(&format!("\nsummary: {max}\n")), "{text}");
    assert!(text.contains(&format!("\ntotals: {max}\n")), "{text}");
    // Each function's own cost: 1e300 s and infinity are u64::MAX ns, 1.5 s is 1500000000.
    let own: Vec<&str> = text
        .lines()
        .filter(|line| {
            line.starts_with(|c: char| c.is_ascii_digit()) && line.split(' ').count() == 2
        })
        .collect();
    assert!(own.contains(&format!("1 {max}").as_str()), "{own:?}");
    assert!(own.contains(&format!("2 {max}").as_str()), "{own:?}");
    assert!(own.contains(&"3 1500000000"), "{own:?}");
    // Every format writes it (a debug build's overflow checks panicked in the stack counts,
    // in inferno's sums for the SVG and in the differential flame graph before).
    for format in ["svg", "speedscope", "pprof", "html", "json", "dot"] {
        converted(dir.path(), "huge.stats", format);
    }
    let args = ["diff", "huge.stats", "huge.stats", "-f", "svg", "-o", "-"];
    let diff = run(dir.path(), args);
    assert!(diff.success(), "{}", diff.stderr());
    // Sampled inputs past 2^53 samples in all are refused, where the counts would saturate
    // at one place and the times at another.
    let max = u64::MAX;
    std::fs::write(
        dir.path().join("huge.folded"),
        format!("a;b {max}\na;c {max}\n"),
    )
    .expect("write");
    let refused = run(dir.path(), ["show", "huge.folded"]);
    assert_eq!(refused.code(), Some(1), "{}", refused.stderr());
    assert!(
        refused.stderr().contains(
            "the sample count of a folded-stack file is larger than the limit of 9007199254740992 (line 1"
        ),
        "{}",
        refused.stderr()
    );
    let folded = converted(dir.path(), "huge.stats", "folded");
    for line in folded.lines() {
        let count: u64 = line
            .rsplit(' ')
            .next()
            .and_then(|c| c.parse().ok())
            .expect("a count");
        assert!(count == u64::MAX || count == 1_500_000, "{line}");
    }
}
