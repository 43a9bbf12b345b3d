//! The command line: exit codes, error messages that name the file, what was expected and the
//! byte offset, and reports of inputs pstats refuses.

use std::io::Read;
use std::process::Stdio;

use crate::support::{assert_only_own_escapes, fixtures, on_terminal, pstat, run, temp_file};

fn fixture_bytes(path: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(path)).expect("fixture")
}

#[test]
fn missing_file_is_named() {
    let r = run(&fixtures(), ["show", "no/such.stats"]);
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr().starts_with("pstat: reading no/such.stats: "),
        "{}",
        r.stderr()
    );
    assert!(r.stdout().is_empty());
}

#[test]
fn inputs_that_are_not_stats_say_what_they_look_like() {
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "prof.lprof",
            b"\x80\x04\x95\x10\x00\x00\x00",
            "line_profiler",
        ),
        ("prof.stats.gz", b"\x1f\x8b\x08\x00\x00\x00", "gzip"),
        ("report.txt", b"   ncalls  tottime  percall\n", "text"),
        ("empty.stats", b"", "an empty file"),
        ("noise.bin", b"\x00\x01\x02\x03", "unknown kind"),
    ];
    for (name, bytes, looks_like) in cases {
        let (dir, _) = temp_file(name, bytes);
        let r = run(dir.path(), ["show", name]);
        assert_eq!(r.code(), Some(1), "{name}");
        assert!(
            r.stderr()
                .starts_with(&format!("pstat: reading {name}: not a profile pstat reads")),
            "{name}: {}",
            r.stderr()
        );
        assert!(r.stderr().contains(looks_like), "{name}: {}", r.stderr());
        assert!(r.stderr().contains("(at byte 0)"), "{name}: {}", r.stderr());
    }
}

#[test]
fn corrupt_data_gets_the_byte_offset() {
    let mut bytes = fixture_bytes("stats/py313/cprofile.stats");
    bytes.truncate(1000);
    let (dir, _) = temp_file("cut.stats", &bytes);
    let r = run(dir.path(), ["show", "cut.stats"]);
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr()
            .starts_with("pstat: reading cut.stats: corrupt marshal data: data ends where"),
        "{}",
        r.stderr()
    );
    // The offset is where the object that the data cuts short begins: within its last 9 bytes.
    let offset: u64 = r
        .stderr()
        .rsplit_once("(at byte ")
        .and_then(|(_, rest)| rest.trim_end().strip_suffix(')'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no offset in {:?}", r.stderr()));
    assert!((991..=1000).contains(&offset), "{}", r.stderr());

    // A dict of the wrong shape names what was expected and what was found.
    let (dir, _) = temp_file("shape.stats", b"{\xe9\x01\x00\x00\x00N0");
    let r = run(dir.path(), ["show", "shape.stats"]);
    assert_eq!(
        r.stderr(),
        "pstat: reading shape.stats: not a profile: expected a function key (file, line, name), \
         found the int 1 (at byte 1)\n"
    );
}

#[test]
fn bad_sort_key_is_a_usage_error() {
    for key in ["c", "cum", "n", "t", "bogus"] {
        let r = run(
            &fixtures(),
            ["show", "stats/py313/cprofile.stats", "--sort", key],
        );
        assert_eq!(r.code(), Some(2), "{key}");
        assert!(
            r.stderr().contains("not a sort key"),
            "{key}: {}",
            r.stderr()
        );
    }
    let r = run(&fixtures(), ["show"]);
    assert_eq!(r.code(), Some(2));
}

/// pstats refuses an empty profile (TypeError); pstat reports it as empty.
#[test]
fn empty_profile_reports_zero_calls() {
    let (dir, _) = temp_file("empty.stats", b"\xfb0");
    let r = run(dir.path(), ["show", "empty.stats"]);
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    assert_eq!(
        r.stdout(),
        "Tue Nov 14 22:13:20 2023    empty.stats\n\n         0 function calls in 0.000 seconds\n\n"
    );
    let r = run(dir.path(), ["callers", "empty.stats"]);
    assert_eq!((r.code(), &*r.stdout()), (Some(0), ""));
}

#[test]
fn closed_pipe_exits_quietly() {
    // Enough output to fill a pipe buffer several times.
    let dir = fixtures();
    let files: Vec<String> = [
        "py36", "py37", "py38", "py39", "py310", "py311", "py312", "py313",
    ]
    .iter()
    .map(|tag| format!("stats/{tag}/cprofile_cli.stats"))
    .collect();
    let mut child = pstat(&dir)
        .arg("callers")
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // Dropping our end of the pipe makes pstat's next write fail with EPIPE.
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// A crafted function name with terminal escape sequences is shown escaped on a terminal and
/// passed through unchanged into a pipe (where pstats' output is reproduced byte for byte).
#[test]
fn escape_sequences_do_not_reach_a_terminal_raw() {
    // {('m.py', 1, 'evil\x1b]0;pwned\x07\x1b[31mred\u009bx'): (1, 1, 0.5, 0.5, {})}
    let name = "evil\u{1b}]0;pwned\u{7}\u{1b}[31mred\u{9b}x";
    let mut dump = b"{)\x03z\x04m.pyi\x01\x00\x00\x00u".to_vec();
    dump.extend((name.len() as u32).to_le_bytes());
    dump.extend(name.as_bytes());
    dump.extend(b")\x05i\x01\x00\x00\x00i\x01\x00\x00\x00");
    for _ in 0..2 {
        dump.push(b'g');
        dump.extend(0.5f64.to_le_bytes());
    }
    dump.extend(b"{00");
    let (dir, _) = temp_file("evil.stats", &dump);

    let piped = run(dir.path(), ["show", "evil.stats"]);
    assert!(piped.stdout().contains(name), "{:?}", piped.stdout());

    let shown = on_terminal(dir.path(), "show evil.stats", &[]);
    assert!(
        shown.contains("m.py:1(evil\\x1b]0;pwned\\x07\\x1b[31mred\\u009bx)"),
        "{shown:?}"
    );
    // On a terminal the headers are coloured: those codes are pstat's own, the only ones.
    assert!(shown.contains("\u{1b}[1m"), "coloured headers: {shown:?}");
    assert_only_own_escapes(&shown);
}
