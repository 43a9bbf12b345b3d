//! line_profiler `.lprof` files: `pstat lines` against line_profiler 5.1's own output on real
//! files from line_profiler 2.1.2, 3.0.2, 4.2.0 and 5.1.0; hostile pickles; sources that
//! would block.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{converted, json_file, lprof_dir, lprof_fixtures, run, temp_file};

#[test]
fn every_expected_output_matches() {
    let dir = lprof_dir();
    let manifest = std::fs::read_to_string(dir.join("cases.json")).expect("cases.json");
    let cases: serde_json::Value = serde_json::from_str(&manifest).expect("json");
    let cases = cases.as_array().expect("a list");
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let args: Vec<&str> = case["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| a.as_str().expect("str"))
            .collect();
        let expected_path = case["expected"].as_str().expect("expected");
        let expected = std::fs::read(dir.join(expected_path)).expect("expected output");
        // Run from tests/fixtures/lprof, where the generator ran the profilers.
        let output = run(&dir, ["lines"].iter().chain(&args));
        if !output.success() || output.stdout_bytes() != expected {
            failures.push(format!(
                "{expected_path} ({}): {}",
                args.join(" "),
                output.stderr()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A minimal `.lprof` (protocol 2, as line_profiler 2.x writes it) with one function.
fn lprof_bytes(file: &str, first_line: u8, rows: &[(u8, u8, u8)]) -> Vec<u8> {
    let mut b = b"\x80\x02cline_profiler._line_profiler\nLineStats\n)\x81}(U\x04unitG".to_vec();
    b.extend(1e-6f64.to_be_bytes());
    b.extend(b"U\x07timings}");
    b.push(b'T');
    b.extend((file.len() as u32).to_le_bytes());
    b.extend(file.as_bytes());
    b.extend([b'K', first_line]);
    b.extend(b"U\x01f\x87](");
    for &(line, hits, time) in rows {
        b.extend([b'K', line, b'K', hits, b'K', time, 0x87]);
    }
    b.extend(b"esub.");
    b
}

/// Runs `pstat lines` on `bytes` and checks it fails quickly with `message` in its error.
fn refused(name: &str, bytes: &[u8], message: &str) {
    let (dir, path) = temp_file(name, bytes);
    let start = Instant::now();
    let output = run(dir.path(), ["lines", path.to_str().expect("utf-8")]);
    let elapsed = start.elapsed();
    let stderr = output.stderr();
    assert_eq!(output.code(), Some(1), "{name}: {stderr}");
    assert!(stderr.contains(message), "{name}: {stderr}");
    assert!(elapsed < Duration::from_secs(5), "{name}: {elapsed:?}");
    eprintln!("{name}: refused in {elapsed:?}: {}", stderr.trim());
}

#[test]
fn hostile_mark_flood_is_refused() {
    let mut bytes = b"\x80\x02".to_vec();
    bytes.resize(1 << 20, b'(');
    refused("marks.lprof", &bytes, "MARKs open");
}

#[test]
fn hostile_deep_lists_are_refused() {
    let depth = 100_000;
    let mut bytes = b"\x80\x02".to_vec();
    bytes.extend(std::iter::repeat_n(b']', depth));
    bytes.extend(std::iter::repeat_n(b'a', depth - 1));
    bytes.push(b'.');
    refused("deep.lprof", &bytes, "nested more than");
}

#[test]
fn hostile_memo_index_is_refused() {
    refused(
        "memo.lprof",
        b"\x80\x02]r\x00\x00\x00\x80.",
        "memo id 2147483648 out of range",
    );
}

#[test]
fn hostile_length_past_the_end_is_refused() {
    refused(
        "length.lprof",
        b"\x80\x05X\xff\xff\xff\x7fabc.",
        "larger than the remaining data",
    );
}

#[test]
fn hostile_unknown_opcode_is_refused() {
    refused(
        "opcode.lprof",
        b"\x80\x02\xff.",
        "unknown pickle opcode 0xff",
    );
}

#[test]
fn hostile_global_is_refused() {
    refused(
        "system.lprof",
        b"\x80\x02cos\nsystem\nU\x0becho pwned\x85R.",
        "refusing the global os.system",
    );
}

#[test]
fn truncated_real_files_give_errors() {
    for entry in std::fs::read_dir(lprof_dir().join("py312-lp5.1.0")).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "lprof") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        for cut in 0..bytes.len() {
            assert!(
                pstat::read(&bytes[..cut], &Default::default())
                    .and_then(pstat::AnyProfile::into_lines)
                    .is_err(),
                "{cut}"
            );
        }
        assert!(
            pstat::read(&bytes, &Default::default())
                .and_then(pstat::AnyProfile::into_lines)
                .is_ok()
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_as_source_does_not_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("source.py");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let lprof = dir.path().join("fifo.lprof");
    let fifo_name = fifo.to_str().expect("utf-8");
    std::fs::write(&lprof, lprof_bytes(fifo_name, 1, &[(2, 3, 4)])).expect("write");
    let start = Instant::now();
    let output = run(dir.path(), ["lines", lprof.to_str().expect("utf-8")]);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(output.success());
    let stdout = output.stdout();
    assert!(
        stdout.contains(&format!("Could not find file {fifo_name}")),
        "{stdout}"
    );
    // A device is treated the same way.
    std::fs::write(&lprof, lprof_bytes("/dev/zero", 1, &[(2, 3, 4)])).expect("write");
    let output = run(dir.path(), ["lines", lprof.to_str().expect("utf-8")]);
    assert!(output.stdout().contains("Could not find file /dev/zero"));
}

#[test]
fn huge_line_numbers_in_a_missing_file_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = lprof_bytes("nowhere.py", 1, &[(2, 3, 4)]);
    // Replace row (2, 3, 4) by (2**40, 3, 4) with LONG1.
    let at = bytes
        .windows(6)
        .position(|w| w == b"K\x02K\x03K\x04")
        .expect("row");
    bytes.splice(at..at + 2, *b"\x8a\x06\x00\x00\x00\x00\x00\x01");
    let path = dir.path().join("huge.lprof");
    std::fs::write(&path, bytes).expect("write");
    let output = run(dir.path(), ["lines", path.to_str().expect("utf-8")]);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr().contains("lines to show"));
}

#[test]
fn show_points_to_lines() {
    let output = run(&lprof_dir(), ["show", "py312-lp5.1.0/demo.lprof"]);
    assert_eq!(output.code(), Some(1));
    assert!(
        output.stderr().contains("use `pstat lines`"),
        "{}",
        output.stderr()
    );
}

#[test]
fn json_export_follows_its_schema() {
    let schema = json_file("docs/pstat-lines.schema.json");
    let validator = jsonschema::draft202012::options()
        .build(&schema)
        .expect("the schema compiles");
    for path in lprof_fixtures() {
        let profile = pstat::read_path(&path, &Default::default())
            .and_then(pstat::AnyProfile::into_lines)
            .expect("read");
        let mut out = Vec::new();
        let mut options = pstat::export::lines::JsonOptions::default();
        options.inputs = vec![path.display().to_string()];
        pstat::export::lines::write_json(&profile, &options, &mut out).expect("write");
        let doc: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let functions = doc["functions"].as_array().expect("functions");
        assert_eq!(functions.len(), profile.functions.len());
        for (f, json) in profile.functions.iter().zip(functions) {
            let ticks: Vec<i64> = json["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| l["ticks"].as_i64().expect("ticks"))
                .collect();
            let want: Vec<i64> = f.lines.iter().map(|l| l.time).collect();
            assert_eq!(ticks, want);
        }
    }
}

#[test]
fn callgrind_annotate_reads_line_costs() {
    let dir = tempfile::tempdir().expect("tempdir");
    for path in lprof_fixtures() {
        let out = dir.path().join("callgrind.out");
        let output = run(
            dir.path(),
            [
                "convert".as_ref(),
                "--unit".as_ref(),
                "ns".as_ref(),
                path.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ],
        );
        assert!(output.success());
        let profile = pstat::read_path(&path, &Default::default())
            .and_then(pstat::AnyProfile::into_lines)
            .expect("read");
        let want: u64 = profile
            .functions
            .iter()
            .flat_map(|f| &f.lines)
            .map(|l| (l.time as f64 * profile.unit * 1e9).round() as u64)
            .sum();
        let output = crate::support::tool("callgrind_annotate")
            .current_dir(dir.path())
            .arg(&out)
            .output()
            .expect("callgrind_annotate is installed");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let total_line = text
            .lines()
            .find(|l| l.contains("PROGRAM TOTALS"))
            .expect("totals");
        let total: u64 = total_line
            .split_whitespace()
            .next()
            .expect("number")
            .replace(',', "")
            .parse()
            .expect("a number");
        assert_eq!(total, want, "{}", path.display());
        // One cost line per timed source line inside each function's block.
        let written = std::fs::read_to_string(&out).expect("read");
        let cost_lines = written
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .count();
        let rows: usize = profile.functions.iter().map(|f| f.lines.len()).sum();
        assert_eq!(cost_lines, rows);
    }
}

#[test]
fn other_convert_formats_are_refused() {
    let path = lprof_dir().join("py27-lp2.1.2/demo.lprof");
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(
        dir.path(),
        [
            "convert".as_ref(),
            path.as_os_str(),
            "-o".as_ref(),
            "x.folded".as_ref(),
        ],
    );
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr().contains("converts to json or callgrind"));
}

/// The JSON and callgrind exports of a `.lprof` as `pstat convert` writes them, run from
/// tests/fixtures/lprof so that the input's name is the same on every machine.
#[test]
fn line_export_snapshots() {
    for format in ["json", "callgrind"] {
        let output = converted(&lprof_dir(), "py312-lp5.1.0/demo.lprof", format);
        insta::assert_snapshot!(format!("{format}_py312_lp5_1_0_demo"), output);
    }
}

/// A profile names its sources, and a stranger's profile can name any file: only what is
/// plausibly Python source is read (a `*.py`/`*.pyw` file, or a script whose `#!` line names
/// python, not under /proc, /sys or /dev), so the environment, a secret or a symlink to one
/// never reaches the report or the HTML page; `--no-source` reads none at all.
#[test]
fn only_python_sources_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = "SECRET-do-not-print";
    std::fs::write(
        dir.path().join("secret.txt"),
        format!("{secret}\n{secret}\n"),
    )
    .expect("write");
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), dir.path().join("looks.py"))
        .expect("symlink");
    std::fs::write(dir.path().join("real.py"), "x = 1\ny = 2\n").expect("write");
    std::fs::write(dir.path().join("script"), "#!/usr/bin/env python3\nz = 3\n").expect("write");
    let environ = std::env::vars()
        .next()
        .map(|(k, v)| format!("{k}={v}"))
        .expect("a variable");
    for (file, readable) in [
        ("/proc/self/environ", false),
        ("secret.txt", false),
        ("looks.py", false),
        ("real.py", true),
        ("script", true),
    ] {
        let lprof = dir.path().join("crafted.lprof");
        std::fs::write(&lprof, lprof_bytes(file, 1, &[(1, 3, 4), (2, 1, 1)])).expect("write");
        let text = run(dir.path(), ["lines", "crafted.lprof"]);
        assert!(text.success(), "{file}: {}", text.stderr());
        let html = run(dir.path(), ["convert", "crafted.lprof", "-o", "page.html"]);
        assert!(html.success(), "{file}: {}", html.stderr());
        let page = std::fs::read_to_string(dir.path().join("page.html")).expect("the page");
        for (what, out) in [("lines", text.stdout().into_owned()), ("html", page)] {
            assert!(!out.contains(secret), "{file} ({what}) printed the secret");
            assert!(
                !out.contains(&environ),
                "{file} ({what}) printed the environment"
            );
        }
        let shown = text.stdout();
        assert_eq!(
            shown.contains("Could not find file"),
            !readable,
            "{file}: {shown}"
        );
        let none = run(dir.path(), ["lines", "crafted.lprof", "--no-source"]);
        assert!(none.stdout().contains("Could not find file"), "{file}");
        assert!(!none.stdout().contains("x = 1") && !none.stdout().contains("z = 3"));
    }
}

/// In pstat's own text formats a name is data: a newline or a control character in it is
/// escaped into a pipe too, so it cannot make a fake row or reach a terminal later (`less`,
/// `cat` of a saved report). The line report's headers, the memory summary and the diff.
#[test]
fn names_in_plain_text_are_escaped_into_a_pipe() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lprof = dir.path().join("crafted.lprof");
    std::fs::write(&lprof, lprof_bytes("a\nFAKE\u{1b}[2J.py", 1, &[(1, 3, 4)])).expect("write");
    let text = run(dir.path(), ["lines", "crafted.lprof", "-m"]);
    assert!(text.success(), "{}", text.stderr());
    let shown = text.stdout();
    assert!(shown.contains("a\\x0aFAKE\\x1b[2J.py"), "{shown}");
    assert!(
        !shown.lines().any(|line| line.starts_with("FAKE")),
        "{shown}"
    );
    assert!(!shown.contains('\u{1b}'), "{shown}");

    std::fs::write(
        dir.path().join("m.dat"),
        "CMDLINE python app.py \u{1b}]0;title\u{7}\nMEM 1.0 10.0\nFUNC m.f\u{1b}[31m 1.0 10.0 2.0 11.0 0\nMEM 2.0 12.0\n",
    )
    .expect("write");
    let memory = run(dir.path(), ["memory", "m.dat"]);
    assert!(memory.success(), "{}", memory.stderr());
    assert!(
        memory.stdout().contains("app.py \\x1b]0;title\\x07"),
        "{}",
        memory.stdout()
    );
    assert!(
        memory.stdout().contains("m.f\\x1b[31m"),
        "{}",
        memory.stdout()
    );
    assert!(!memory.stdout().contains('\u{1b}'));

    // Folded stacks are text: a C0 control makes them binary data, a bidi control does not.
    std::fs::write(
        dir.path().join("a.folded"),
        "main;evil\u{202e}txt 5\nmain 1\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("b.folded"),
        "main;evil\u{202e}txt 9\nmain 1\n",
    )
    .expect("write");
    for args in [
        ["diff", "a.folded", "b.folded"].as_slice(),
        &["tree", "b.folded"],
    ] {
        let out = run(dir.path(), args);
        assert!(out.success(), "{args:?}: {}", out.stderr());
        assert!(
            out.stdout().contains("evil\\u{202e}txt"),
            "{args:?}: {}",
            out.stdout()
        );
        assert!(!out.stdout().contains('\u{202e}'), "{args:?}");
    }
}
