//! memory_profiler recordings (tests/fixtures/mprof, recorded by `mprof run`): what pstat reads
//! and reports against what memory_profiler's own `read_mprofile_file` read from the same files
//! and what `mprof peak` printed (both written by the fixtures' generator); the SVG plot mapped
//! back to data through its documented axis transform; Chromium rendering it; hostile inputs.

use std::path::{Path, PathBuf};

use pstat::OutputFormat;
use pstat::export::memory::{self, Options};
use pstat::{ErrorKind, MemoryProfile};
use serde_json::Value;

use crate::support::{json_file, run};

const RECORDINGS: [&str; 4] = ["plain", "functions", "include-children", "multiprocess"];

fn dir() -> PathBuf {
    crate::support::fixtures().join("mprof")
}

fn read(stem: &str) -> MemoryProfile {
    let path = dir().join(format!("{stem}.dat"));
    pstat::read_path(&path, &Default::default())
        .and_then(pstat::AnyProfile::into_memory)
        .map(|mut recordings| recordings.remove(0))
        .unwrap_or_else(|e| panic!("{stem}: {e}"))
}

/// What memory_profiler's `read_mprofile_file` read from the fixture.
fn expected(stem: &str) -> Value {
    json_file(&format!("tests/fixtures/mprof/expected/{stem}.json"))
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

/// Time zero as `mprof plot` takes it, from memory_profiler's reading: the earliest of the
/// samples' and the calls' times.
fn start_of(expected: &Value) -> f64 {
    let mut times = floats(&expected["timestamp"]);
    for calls in expected["func_timestamp"]
        .as_object()
        .expect("a dict")
        .values()
    {
        for call in calls.as_array().expect("a list") {
            let call = floats(call);
            times.extend([call[0], call[1]]);
        }
    }
    times.into_iter().fold(f64::INFINITY, f64::min)
}

/// The first of the largest, as Python's `max` and numpy's `argmax` pick.
fn first_max(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

#[test]
fn recordings_read_as_memory_profiler_reads_them() {
    for stem in RECORDINGS {
        let profile = read(stem);
        let expected = expected(stem);
        let cmd_line = expected["cmd_line"].as_str().expect("a command line");
        assert_eq!(
            profile.command(),
            Some(cmd_line.trim_end_matches('\n')),
            "{stem}"
        );
        let mib: Vec<f64> = profile.samples().iter().map(|s| s.mib).collect();
        let time: Vec<f64> = profile.samples().iter().map(|s| s.time).collect();
        assert_eq!(mib, floats(&expected["mem_usage"]), "{stem}");
        assert_eq!(time, floats(&expected["timestamp"]), "{stem}");

        let functions = expected["func_timestamp"].as_object().expect("a dict");
        let names: Vec<&str> = profile
            .functions()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            names,
            functions.keys().map(String::as_str).collect::<Vec<_>>()
        );
        for function in profile.functions() {
            let calls = functions[&function.name].as_array().expect("a list");
            assert_eq!(
                function.calls.len(),
                calls.len(),
                "{stem} {}",
                function.name
            );
            for (call, values) in function.calls.iter().zip(calls) {
                let v = floats(values);
                assert_eq!(
                    [call.start.time, call.end.time, call.start.mib, call.end.mib],
                    [v[0], v[1], v[2], v[3]]
                );
                assert_eq!(call.stack_level.map(f64::from), v.get(4).copied());
            }
        }

        let children = expected["children"].as_object().expect("a dict");
        assert_eq!(profile.children().len(), children.len(), "{stem}");
        for child in profile.children() {
            let samples = children[&child.id].as_array().expect("a list");
            let pairs: Vec<(f64, f64)> = child.samples.iter().map(|s| (s.mib, s.time)).collect();
            let want: Vec<(f64, f64)> = samples
                .iter()
                .map(|s| {
                    let s = floats(s);
                    (s[0], s[1])
                })
                .collect();
            assert_eq!(pairs, want, "{stem} child {}", child.id);
        }
    }
    // The fixtures cover what the format can hold.
    assert!(read("functions").calls().any(|c| c.stack_level == Some(1)));
    assert!(!read("multiprocess").children().is_empty());
}

/// `pstat memory` prints the peak `mprof peak` printed for the same file, and its children's.
#[test]
fn peak_is_what_mprof_peak_prints() {
    for stem in RECORDINGS {
        let printed = std::fs::read_to_string(dir().join(format!("expected/{stem}.peak.txt")))
            .expect("mprof peak's output");
        let mut lines = printed.lines();
        let (file, peak) = lines
            .next()
            .and_then(|l| l.split_once('\t'))
            .expect("FILE\tPEAK MiB");
        assert_eq!(file, format!("{stem}.dat"));
        let report = run(&dir(), ["memory", file]);
        assert!(report.success(), "{}", report.stderr());
        let out = report.stdout();
        assert!(
            out.contains(&format!("\nPeak:      {peak} at ")),
            "{stem}:\n{out}"
        );
        for line in lines {
            // `  Child PID\t\t\tPEAK MiB`
            let (child, peak) = line
                .trim_start()
                .split_once("\t\t\t")
                .expect("a child line");
            assert!(
                out.contains(&format!("\n{child}: peak {peak} at ")),
                "{stem}: {line:?}\n{out}"
            );
        }
    }
}

/// Every figure of the summary, computed here from memory_profiler's reading of the file.
#[test]
fn summary_figures_equal_the_files() {
    for stem in RECORDINGS {
        let expected = expected(stem);
        let mem = floats(&expected["mem_usage"]);
        let time = floats(&expected["timestamp"]);
        let start = start_of(&expected);
        let mut end = time.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for samples in expected["children"].as_object().expect("a dict").values() {
            for s in samples.as_array().expect("a list") {
                end = end.max(floats(s)[1]);
            }
        }
        let functions = expected["func_timestamp"].as_object().expect("a dict");
        for calls in functions.values() {
            for call in calls.as_array().expect("a list") {
                end = end.max(floats(call)[1]);
            }
        }
        let peak = first_max(&mem);
        let out = run(&dir(), ["memory", &format!("{stem}.dat")])
            .stdout()
            .into_owned();
        let want = [
            format!("Duration:  {:.3} s\n", end - start),
            format!("Samples:   {} (", mem.len()),
            format!(
                "Peak:      {:.3} MiB at {:.3} s\n",
                mem[peak],
                time[peak] - start
            ),
            format!("Baseline:  {:.3} MiB", mem[0]),
        ];
        for line in want {
            assert!(out.contains(&line), "{stem}: {line:?} in\n{out}");
        }
        // The function table: calls, largest increase, memory at the end of the last call to
        // return, time inside.
        for (name, calls) in functions {
            let calls: Vec<Vec<f64>> = calls
                .as_array()
                .expect("a list")
                .iter()
                .map(floats)
                .collect();
            let increase = calls
                .iter()
                .map(|c| c[3] - c[2])
                .fold(f64::NEG_INFINITY, f64::max);
            let last = calls
                .iter()
                .fold(&calls[0], |a, c| if c[1] >= a[1] { c } else { a });
            let inside: f64 = calls.iter().map(|c| c[1] - c[0]).sum();
            let row = format!(
                "{:>7}  {:>16.3}  {:>12.3}  {:>15.3}  {name}\n",
                calls.len(),
                increase,
                last[3],
                inside
            );
            assert!(out.contains(&row), "{stem}: {row:?} in\n{out}");
        }
    }
}

#[test]
fn sort_orders_the_function_table() {
    let rows = |sort: &str| -> Vec<String> {
        let out = run(&dir(), ["memory", "functions.dat", "--sort", sort])
            .stdout()
            .into_owned();
        out.lines()
            .skip_while(|l| !l.starts_with("  calls"))
            .skip(1)
            .map(|l| l.rsplit("  ").next().unwrap_or_default().to_string())
            .collect()
    };
    let expected = expected("functions");
    let functions = expected["func_timestamp"].as_object().expect("a dict");
    let mut by_calls: Vec<(&String, usize)> = functions
        .iter()
        .map(|(n, c)| (n, c.as_array().expect("a list").len()))
        .collect();
    by_calls.sort_by_key(|&(_, calls)| std::cmp::Reverse(calls));
    let want: Vec<String> = by_calls.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(rows("calls"), want);
    let mut names: Vec<String> = functions.keys().cloned().collect();
    names.sort();
    assert_eq!(rows("name"), names);
    let bad = run(&dir(), ["memory", "functions.dat", "--sort", "size"]);
    assert_eq!(bad.code(), Some(2), "{}", bad.stderr());
}

/// The SVG's documented transform (docs/mprof.md, "The SVG"), read from its root element.
struct Transform {
    plot: [f64; 4],
    time: [f64; 2],
    mib: [f64; 2],
}

fn attribute<'a>(element: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let at = element
        .find(&key)
        .unwrap_or_else(|| panic!("{name} in {element}"))
        + key.len();
    &element[at..at + element[at..].find('"').expect("closing quote")]
}

fn numbers<const N: usize>(text: &str) -> [f64; N] {
    let values: Vec<f64> = text
        .split(' ')
        .map(|v| v.parse().expect("a number"))
        .collect();
    values.try_into().expect("count")
}

impl Transform {
    fn of(svg: &str) -> Transform {
        let root = &svg[svg.find("<svg").expect("root")..];
        let root = &root[..root.find('>').expect("end of root")];
        Transform {
            plot: numbers(attribute(root, "data-plot")),
            time: numbers(attribute(root, "data-time-range")),
            mib: numbers(attribute(root, "data-mib-range")),
        }
    }

    fn x(&self, t: f64) -> f64 {
        self.plot[0] + (t - self.time[0]) / (self.time[1] - self.time[0]) * self.plot[2]
    }

    fn y(&self, m: f64) -> f64 {
        self.plot[1] + self.plot[3] - (m - self.mib[0]) / (self.mib[1] - self.mib[0]) * self.plot[3]
    }

    /// A pixel back to (seconds, MiB).
    fn data(&self, x: f64, y: f64) -> (f64, f64) {
        let t = self.time[0] + (x - self.plot[0]) / self.plot[2] * (self.time[1] - self.time[0]);
        let m = self.mib[0]
            + (self.plot[1] + self.plot[3] - y) / self.plot[3] * (self.mib[1] - self.mib[0]);
        (t, m)
    }

    /// The data error of a pixel written with two decimals.
    fn tolerance(&self) -> (f64, f64) {
        (
            0.006 * (self.time[1] - self.time[0]) / self.plot[2],
            0.006 * (self.mib[1] - self.mib[0]) / self.plot[3],
        )
    }
}

/// The elements `<TAG class="CLASS" …>` of an SVG, as their start tags.
fn elements<'a>(svg: &'a str, tag: &str, class: &str) -> Vec<&'a str> {
    let start = format!("<{tag} class=\"{class}\"");
    svg.match_indices(&start)
        .map(|(at, _)| &svg[at..at + svg[at..].find('>').expect("end of tag")])
        .collect()
}

fn points(element: &str) -> Vec<(f64, f64)> {
    attribute(element, "points")
        .split(' ')
        .map(|p| {
            let (x, y) = p.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

fn extents(points: &[(f64, f64)]) -> [f64; 4] {
    points.iter().fold(
        [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ],
        |[t0, t1, m0, m1], &(t, m)| [t0.min(t), t1.max(t), m0.min(m), m1.max(m)],
    )
}

fn assert_close(got: [f64; 4], want: [f64; 4], (dt, dm): (f64, f64), what: &str) {
    let tolerance = [dt, dt, dm, dm];
    for i in 0..4 {
        assert!(
            (got[i] - want[i]).abs() <= tolerance[i],
            "{what}: plotted {got:?}, data {want:?}"
        );
    }
}

/// Each line of the plot, mapped back to data through the transform the tick labels confirm,
/// spans what the file holds: the program's samples and calls from time 0, each child's
/// samples; and each call has its two brackets.
#[test]
fn svg_extents_match_the_data() {
    for stem in RECORDINGS {
        let svg = String::from_utf8(
            memory::to_vec(OutputFormat::Svg, &[read(stem)], &Options::default()).expect("writes"),
        )
        .expect("UTF-8");
        let transform = Transform::of(&svg);
        // The ticks say the same scale as the transform.
        for (class, axis) in [("xtick", 0), ("ytick", 1)] {
            let ticks = elements(&svg, "text", class);
            assert!(ticks.len() >= 3, "{stem}: {class}");
            for tick in ticks {
                let at = svg.find(tick).expect("tick") + tick.len() + 1;
                let label: f64 = svg[at..at + svg[at..].find('<').expect("end")]
                    .parse()
                    .expect("a number");
                let (drawn, want) = match axis {
                    0 => (
                        attribute(tick, "x").parse::<f64>().expect("x"),
                        transform.x(label),
                    ),
                    _ => (
                        attribute(tick, "y").parse::<f64>().expect("y") - 4.0,
                        transform.y(label),
                    ),
                };
                assert!(
                    (drawn - want).abs() < 0.01,
                    "{stem}: tick {label} at {drawn}, not {want}"
                );
            }
        }

        let expected = expected(stem);
        let start = start_of(&expected);
        let mut program: Vec<(f64, f64)> = floats(&expected["timestamp"])
            .into_iter()
            .zip(floats(&expected["mem_usage"]))
            .map(|(t, m)| (t - start, m))
            .collect();
        let mut calls = 0;
        for list in expected["func_timestamp"]
            .as_object()
            .expect("a dict")
            .values()
        {
            for call in list.as_array().expect("a list") {
                let c = floats(call);
                program.extend([(c[0] - start, c[2]), (c[1] - start, c[3])]);
                calls += 1;
            }
        }
        let lines = elements(&svg, "polyline", "memory");
        assert_eq!(lines.len(), 1, "{stem}");
        let plotted: Vec<(f64, f64)> = points(lines[0])
            .into_iter()
            .map(|(x, y)| transform.data(x, y))
            .collect();
        assert_close(
            extents(&plotted),
            extents(&program),
            transform.tolerance(),
            stem,
        );
        assert!(
            extents(&program)[0].abs() < 1e-12,
            "{stem}: time 0 is the first point"
        );

        let children = expected["children"].as_object().expect("a dict");
        let child_lines = elements(&svg, "polyline", "child");
        assert_eq!(child_lines.len(), children.len(), "{stem}");
        for (line, samples) in child_lines.iter().zip(children.values()) {
            let want: Vec<(f64, f64)> = samples
                .as_array()
                .expect("a list")
                .iter()
                .map(|s| {
                    let s = floats(s);
                    (s[1] - start, s[0])
                })
                .collect();
            let got: Vec<(f64, f64)> = points(line)
                .into_iter()
                .map(|(x, y)| transform.data(x, y))
                .collect();
            assert_close(extents(&got), extents(&want), transform.tolerance(), stem);
        }
        assert_eq!(
            elements(&svg, "polyline", "bracket").len(),
            2 * calls,
            "{stem}"
        );
        // The peak mark is on the plotted maximum.
        let peak = elements(&svg, "circle", "peak");
        let (x, y) = (
            attribute(peak[0], "cx").parse::<f64>().expect("cx"),
            attribute(peak[0], "cy").parse::<f64>().expect("cy"),
        );
        let (_, m) = transform.data(x, y);
        assert!(
            (m - extents(&program)[3]).abs() <= transform.tolerance().1,
            "{stem}"
        );
    }
}

#[test]
fn several_recordings_share_a_plot_with_a_legend() {
    let recordings: Vec<MemoryProfile> = ["plain", "functions"].map(read).into();
    let svg = String::from_utf8(
        memory::to_vec(OutputFormat::Svg, &recordings, &Options::default()).expect("writes"),
    )
    .expect("UTF-8");
    assert_eq!(elements(&svg, "polyline", "memory").len(), 2);
    assert_eq!(elements(&svg, "circle", "peak").len(), 2);
    // mprof plot draws no brackets when it overlays several files.
    assert!(elements(&svg, "polyline", "bracket").is_empty());
    let legend = &svg[svg.find("<g class=\"legend\">").expect("a legend")..];
    assert!(legend.contains("plain.dat") && legend.contains("functions.dat"));
}

fn chromium(args: &[&str], url: &Path) -> std::process::Output {
    let args = [&["--hide-scrollbars"][..], args].concat();
    crate::support::chromium(&args, &format!("file://{}", url.display()))
}

/// Chromium parses the plot (a hostile command line and function name among it) as SVG, with
/// no XML error, and draws it at its size.
#[test]
fn chromium_renders_the_plot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hostile = dir.path().join("hostile.dat");
    std::fs::write(
        &hostile,
        "CMDLINE python </title><script>alert(1)</script> & \"x\" \u{1b}[31m\n\
         MEM 1.5 100\nMEM 9 100.5\nFUNC <m>.f&g 2 100.1 8 100.4 0\n",
    )
    .expect("writes");
    for (name, input) in [
        ("functions", dir_file("functions.dat")),
        ("hostile", hostile),
    ] {
        let svg = dir.path().join(format!("{name}.svg"));
        let converted = run(
            dir.path(),
            [
                "convert".as_ref(),
                input.as_os_str(),
                "-o".as_ref(),
                svg.as_os_str(),
            ],
        );
        assert!(converted.success(), "{}", converted.stderr());
        let dom = String::from_utf8(chromium(&["--dump-dom"], &svg).stdout).expect("UTF-8");
        assert!(
            !dom.contains("This page contains the following errors"),
            "{name}: {dom}"
        );
        assert!(dom.contains("<polyline class=\"memory\""), "{name}: {dom}");
        assert!(dom.contains("memory used (in MiB)"), "{name}");
        assert!(!dom.contains("<script"), "{name}: {dom}");
        let png = dir.path().join(format!("{name}.png"));
        chromium(
            &[
                &format!("--screenshot={}", png.display()),
                "--window-size=900,520",
            ],
            &svg,
        );
        let bytes = std::fs::read(&png).expect("a screenshot");
        // PNG: signature, IHDR length and type, then width and height.
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(
            &bytes[16..24],
            [0, 0, 3, 132, 0, 0, 2, 8],
            "{name}: 900 x 520"
        );
    }
}

fn dir_file(name: &str) -> PathBuf {
    dir().join(name)
}

#[test]
fn json_holds_the_data_and_follows_its_schema() {
    let schema = json_file("docs/pstat-memory.schema.json");
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    let validator = jsonschema::draft202012::options()
        .build(&schema)
        .expect("the schema compiles");
    for stem in RECORDINGS {
        let json =
            memory::to_vec(OutputFormat::Json, &[read(stem)], &Options::default()).expect("writes");
        let doc: Value = serde_json::from_slice(&json).expect("JSON");
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{stem}: {errors:?}");
        let expected = expected(stem);
        let recording = &doc["recordings"][0];
        assert_eq!(
            floats(&recording["samples"]["mib"]),
            floats(&expected["mem_usage"])
        );
        assert_eq!(
            floats(&recording["samples"]["time"]),
            floats(&expected["timestamp"])
        );
        assert_eq!(recording["start"].as_f64(), Some(start_of(&expected)));
        let mem = floats(&expected["mem_usage"]);
        assert_eq!(
            recording["peak"]["mib"].as_f64(),
            Some(mem[first_max(&mem)])
        );
    }
}

#[test]
fn show_points_to_pstat_memory() {
    let out = run(&dir(), ["show", "functions.dat"]);
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr().contains(
            "this looks like a memory_profiler recording (mprof run): use `pstat memory`"
        ),
        "{}",
        out.stderr()
    );
    let out = run(
        &dir(),
        ["convert", "functions.dat", "-o", "-", "-f", "callgrind"],
    );
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr().contains("converts to svg, json or html"),
        "{}",
        out.stderr()
    );
    let stats = crate::support::fixtures().join("stats/py313/cprofile.stats");
    let out = run(&dir(), ["memory".as_ref(), stats.as_os_str()]);
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr()
            .contains("not a memory_profiler recording (mprof run): this looks like a cProfile"),
        "{}",
        out.stderr()
    );
}

/// Each hostile input is refused with what was wrong and on which line, never a panic.
#[test]
fn hostile_inputs_are_refused_with_their_line() {
    let long_number = format!("CMDLINE x\nMEM {} 1\n", "9".repeat(10 << 20));
    let long_command = format!("CMDLINE {}\n", "a".repeat(10 << 20));
    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        (
            "huge",
            b"CMDLINE x\nMEM 1 1\nMEM 1e400 2\n".to_vec(),
            3,
            "finite",
        ),
        (
            "too large",
            b"MEM 1 1\nCHLD 3 2e15 2\n".to_vec(),
            2,
            "no larger than 1e15",
        ),
        ("nan", b"MEM 1 1\nMEM nan 2\n".to_vec(), 2, "finite"),
        (
            "inf time",
            b"MEM 1 1\nFUNC f 1 inf 2 3\n".to_vec(),
            2,
            "finite",
        ),
        (
            "missing",
            b"CMDLINE x\nMEM 1\n".to_vec(),
            2,
            "MEM <MiB> <time>",
        ),
        (
            "missing end",
            b"MEM 1 1\nFUNC m.f 1 2 3\n".to_vec(),
            2,
            "FUNC <name>",
        ),
        (
            "not a number",
            b"MEM 1 1\nCHLD 3 x 2\n".to_vec(),
            2,
            "CHLD <child>",
        ),
        (
            "level",
            b"MEM 1 1\nFUNC m.f 1 2 3 4 x\n".to_vec(),
            2,
            "stack level",
        ),
        (
            "blank line",
            b"MEM 1 1\n\nMEM 2 2\n".to_vec(),
            2,
            "a line `CMDLINE",
        ),
        (
            "junk after",
            b"MEM 1 1\n\x00\xff\xfe junk\n".to_vec(),
            2,
            "UTF-8",
        ),
        (
            "long number",
            long_number.into_bytes(),
            2,
            "larger than the limit",
        ),
        (
            "long command",
            long_command.into_bytes(),
            1,
            "larger than the limit",
        ),
    ];
    for (what, input, line, message) in cases {
        let e = pstat::read::mprof::read(&input).expect_err(what);
        assert_eq!(e.line(), Some(line), "{what}: {e}");
        assert!(e.to_string().contains(message), "{what}: {e}");
        assert!(e.offset().is_some(), "{what}");
    }
    // Junk from the first byte is not a recording at all.
    let junk: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let mut memory = pstat::ReadOptions::default();
    memory.kind = Some(pstat::ProfileKind::Memory);
    let e = pstat::read(&junk, &memory).expect_err("junk");
    assert!(matches!(e.kind(), ErrorKind::WrongFormat { .. }), "{e}");

    // The command line names the file and the line.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("bad.dat"),
        "CMDLINE x\nMEM 1 1\nMEM nan 2\n",
    )
    .expect("writes");
    let out = run(dir.path(), ["memory", "bad.dat"]);
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr().starts_with("pstat: reading bad.dat: "),
        "{}",
        out.stderr()
    );
    assert!(
        out.stderr().contains("(line 3, byte 22)"),
        "{}",
        out.stderr()
    );
}

/// A recording with no samples (a program that ended before the first) still summarises and
/// plots.
#[test]
fn empty_recordings_do_not_break_anything() {
    for text in [
        "CMDLINE python x.py\n",
        "FUNC m.f 1 2 3 4\n",
        "CHLD 1 2 3\n",
    ] {
        let profile = pstat::read::mprof::read(text.as_bytes()).expect(text);
        let report =
            pstat::report::memory::to_string(std::slice::from_ref(&profile), &Default::default());
        assert!(report.contains("Peak:      none (no samples)"), "{report}");
        for format in [OutputFormat::Svg, OutputFormat::Json] {
            memory::to_vec(format, std::slice::from_ref(&profile), &Options::default())
                .expect(text);
        }
    }
}

/// Undoes the HTML escapes `write_html` uses.
fn unescape_html(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Standard base64 (RFC 4648) decoded, for the page's `data:` image.
fn from_base64(text: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for chunk in text.trim_end_matches('=').as_bytes().chunks(4) {
        let bits = chunk
            .iter()
            .fold(0u32, |acc, &c| (acc << 6) | u32::from(digit(c)))
            << (6 * (4 - chunk.len()));
        out.extend_from_slice(&bits.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// The HTML report of a recording: `pstat memory`'s summary and the plot `-o x.svg` draws,
/// byte for byte, in a page with no script that Chromium shows with its title intact, also for
/// a hostile command line.
#[test]
fn html_page_holds_the_summary_and_the_plot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hostile = dir.path().join("hostile.dat");
    std::fs::write(
        &hostile,
        "CMDLINE python </title></pre><script>document.title='pwned'</script><img src=x>\n\
         MEM 1.5 100\nMEM 9 100.5\nFUNC <m>.f&g 2 100.1 8 100.4 0\n",
    )
    .expect("writes");
    for input in [dir_file("functions.dat"), hostile] {
        let stem = input
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let page = dir.path().join(format!("{stem}.html"));
        let svg = dir.path().join(format!("{stem}.svg"));
        for out in [&page, &svg] {
            let r = run(
                dir.path(),
                [
                    "convert".as_ref(),
                    input.as_os_str(),
                    "-o".as_ref(),
                    out.as_os_str(),
                ],
            );
            assert!(r.success(), "{}", r.stderr());
        }
        let html = std::fs::read_to_string(&page).expect("page");
        assert!(html.contains(memory::HTML_POLICY), "{stem}: its policy");
        assert!(!html.contains("<script"), "{stem}: no script element");
        let summary = run(dir.path(), ["memory".as_ref(), input.as_os_str()]);
        let pre = html
            .split("<pre id=\"summary\">")
            .nth(1)
            .and_then(|rest| rest.split("</pre>").next())
            .expect("a summary");
        assert_eq!(unescape_html(pre), summary.stdout(), "{stem}: the summary");
        let data = html
            .split("src=\"data:image/svg+xml;base64,")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the plot");
        assert_eq!(
            from_base64(data),
            std::fs::read(&svg).expect("svg"),
            "{stem}: the plot is -o x.svg's"
        );
        let dom = String::from_utf8(chromium(&["--dump-dom"], &page).stdout).expect("UTF-8");
        assert!(dom.contains("<title>Memory: "), "{stem}: {dom}");
        assert!(
            !dom.contains("<title>pwned</title>"),
            "{stem}: no script ran"
        );
        assert_eq!(dom.matches("<img").count(), 1, "{stem}: only the plot");
        assert!(dom.contains("<pre id=\"summary\">"), "{stem}: {dom}");
    }
}
