//! Hostile and broken input: the error a person sees for each kind of problem (snapshots),
//! and crafted inputs that must stay within time and memory bounds.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{pstat_binary, run, temp_file};

/// Runs `pstat show` on `bytes` saved as `name`; returns (exit code, stderr).
fn show(name: &str, bytes: &[u8]) -> (Option<i32>, String) {
    let (dir, _) = temp_file(name, bytes);
    let r = run(dir.path(), ["show", name]);
    (r.code(), r.stderr().into_owned())
}

fn le(v: i32) -> [u8; 4] {
    v.to_le_bytes()
}

/// A stats dict whose only entry is `(key, value)` in raw marshal bytes.
fn dict(key: &[u8], value: &[u8]) -> Vec<u8> {
    [b"{".as_slice(), key, value, b"0"].concat()
}

const KEY: &[u8] = b")\x03z\x04m.pyi\x01\x00\x00\x00z\x01f";
const VALUE: &[u8] = b")\x05i\x01\x00\x00\x00i\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\xe0?g\x00\x00\x00\x00\x00\x00\xe0?{0";

/// One crafted input per error kind; the message must name the file, say what was expected
/// and what was found, and give the byte offset.
#[test]
fn every_error_kind_reads_clearly() {
    let long_count = [b"l".as_slice(), &le(5), &[0xff, 0x7f].repeat(5)].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", dict(KEY, &VALUE[..20])),
        ("unknown_type", dict(KEY, b"W")),
        ("dangling_ref", dict(KEY, &[b"r".as_slice(), &le(7)].concat())),
        ("string_ref_out_of_range", dict(&[b"(".as_slice(), &le(3), b"s\x01\x00\x00\x00mi\x01\x00\x00\x00R", &le(9)].concat(), VALUE)),
        ("too_deep", [b"{".as_slice(), &b")\x01".repeat(100_000)].concat()),
        ("length_too_large", dict(&[b"(".as_slice(), &le(3), b"s", &le(0x7fff_ffff)].concat(), VALUE)),
        ("negative_length", dict(&[b"(".as_slice(), &le(-1)].concat(), VALUE)),
        ("null_in_tuple", dict(b")\x03z\x04m.pyi\x01\x00\x00\x000", VALUE)),
        ("bad_long", dict(KEY, &[b"l".as_slice(), &le(1), &[0x00, 0x80]].concat())),
        ("bad_text_float", dict(KEY, b")\x05i\x01\x00\x00\x00i\x01\x00\x00\x00f\x03x.yg\x00\x00\x00\x00\x00\x00\x00\x00{0")),
        ("bad_code", dict(&[b")\x03z\x07profilei\x00\x00\x00\x00c".as_slice(), &[0u8; 24], &b"N".repeat(12)].concat(), VALUE)),
        ("not_a_dict", b")\x00".to_vec()),
        ("key_not_a_tuple", dict(b"i\x05\x00\x00\x00", VALUE)),
        ("value_wrong_length", dict(KEY, b")\x02NN")),
        ("count_not_an_int", dict(KEY, b")\x05z\x01xi\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00{0")),
        ("count_past_2_63", dict(KEY, &[b")\x05".as_slice(), &long_count, b"i\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00{0"].concat())),
        ("caller_value_wrong_shape", dict(KEY, &[b")\x05i\x01\x00\x00\x00i\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00{".as_slice(), KEY, b"z\x01x0"].concat())),
        ("pickle", b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00".to_vec()),
        ("gzip", b"\x1f\x8b\x08\x00\x00\x00\x00\x00".to_vec()),
        ("text", b"   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n".to_vec()),
        ("empty", Vec::new()),
        ("binary", b"\x00\x01\x02\x03\xff".to_vec()),
    ];
    let mut report = String::new();
    for (name, bytes) in &cases {
        let file = format!("{name}.stats");
        let (code, stderr) = show(&file, bytes);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("pstat: reading {file}: ")),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains("(at byte "),
            "{name}: no offset in {stderr}"
        );
        report.push_str(&format!("{name}: {stderr}"));
    }
    insta::assert_snapshot!("error_messages", report);
}

/// Peak memory of a pstat run, from /usr/bin/time's `%M` (KiB).
fn peak_kib(args: &[&str], cwd: &Path) -> (u64, Duration, std::process::Output) {
    let started = Instant::now();
    let output = crate::support::tool("/usr/bin/time")
        .current_dir(cwd)
        .args(["-f", "%M"])
        .arg(pstat_binary())
        .args(args)
        .output()
        .expect("/usr/bin/time (Debian's time package) runs pstat");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {stderr:?}"));
    (kib, elapsed, output)
}

/// A dict that repeats one key a million times, a million deep-nested tuples in a value, and
/// other inputs built to exhaust memory or time: each finishes quickly, and memory stays a
/// small multiple of the input.
#[test]
fn crafted_inputs_stay_within_bounds() {
    let dir = tempfile::tempdir().expect("temp dir");
    // One flagged key, then a million entries that refer to it: later values replace earlier
    // ones, as in Python.
    let mut duplicates = b"{\xa9\x03z\x04m.pyi\x01\x00\x00\x00z\x01f".to_vec();
    duplicates.extend(VALUE);
    for _ in 0..1_000_000 {
        duplicates.extend([b"r".as_slice(), &le(0)].concat());
        duplicates.extend(VALUE);
    }
    duplicates.push(b'0');
    // Every caller of one function repeated: a million entries in one callers dict.
    let mut callers = [KEY, b")\x05i\x01\x00\x00\x00i\x01\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00g\x00\x00\x00\x00\x00\x00\x00\x00{"].concat();
    for i in 0..1_000_000 {
        callers.extend(b")\x03z\x04m.pyi");
        callers.extend(le(i % 1000));
        callers.extend(b"z\x01gi\x01\x00\x00\x00");
    }
    callers.extend(b"00");
    // NaN and infinite times, negative counts.
    let nan = [KEY, b")\x05i\xff\xff\xff\xffi\xfe\xff\xff\xffg\x00\x00\x00\x00\x00\x00\xf8\x7fg\x00\x00\x00\x00\x00\x00\xf0\x7f{0"].concat();
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "duplicates.stats",
            duplicates,
            &["show", "duplicates.stats"],
        ),
        (
            "callers.stats",
            [b"{".as_slice(), &callers, b"0"].concat(),
            &["callers", "callers.stats"],
        ),
        (
            "nesting.stats",
            [b"{".as_slice(), KEY, &b"[\x01\x00\x00\x00".repeat(200_000)].concat(),
            &["show", "nesting.stats"],
        ),
        (
            "nan.stats",
            [b"{".as_slice(), &nan, b"0"].concat(),
            &["show", "nan.stats", "--sort", "time"],
        ),
    ];
    for (name, bytes, args) in cases {
        std::fs::write(dir.path().join(name), &bytes).expect("write");
        let (kib, elapsed, output) = peak_kib(args, dir.path());
        let input_kib = bytes.len() as u64 / 1024;
        eprintln!(
            "{name}: {} KiB input, {kib} KiB peak, {elapsed:?}",
            input_kib
        );
        assert!(
            kib <= 12 * input_kib + 64 * 1024,
            "{name}: {kib} KiB peak for {input_kib} KiB"
        );
        assert!(
            elapsed < Duration::from_secs(20),
            "{name}: took {elapsed:?}"
        );
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{name}: {:?}",
            output.status
        );
    }
}

/// Inputs without end or beyond memory end with an error that names them, at once: devices and
/// pipes are refused from their first bytes unless those begin a profile, a stream that does
/// is cut at `--max-input`, a file past it is refused before it is read, and a buffer that
/// cannot be had (under `ulimit -v`) is an error, not an abort.
#[test]
fn endless_and_oversized_inputs_are_refused_in_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pstat = pstat_binary();
    let unknown = "this looks like binary data of an unknown kind";
    let text = "this looks like text";
    let cases: Vec<(String, &str)> = vec![
        (format!("{} show /dev/zero", pstat.display()), unknown),
        (format!("{} show /dev/urandom", pstat.display()), unknown),
        (format!("{} lines /dev/zero", pstat.display()), unknown),
        (
            format!("{} callers /dev/zero -n 5", pstat.display()),
            unknown,
        ),
        (format!("yes | {} show -", pstat.display()), text),
        (
            format!("cat /dev/urandom | {} tree -", pstat.display()),
            unknown,
        ),
        (
            format!("yes 'a;b 1' | {} show - --max-input 1M", pstat.display()),
            "reading standard input: an input is larger than the limit of 1048576",
        ),
        (
            format!(
                "yes 'a;b 1' | head -c 2000000 > big.folded && truncate -s 6G big.folded && \
                 {} show big.folded",
                pstat.display()
            ),
            "reading big.folded: a file read whole is larger than the limit of 4294967296",
        ),
        (
            format!(
                "yes 'a;b 1' | head -c 2000000 > big.folded && truncate -s 6G big.folded && \
                 ulimit -v 4000000 && {} show big.folded --max-input 8G",
                pstat.display()
            ),
            "reading big.folded: not enough memory for 6442450944 bytes of input",
        ),
    ];
    for (script, message) in cases {
        let started = Instant::now();
        let output = crate::support::tool("bash")
            .current_dir(dir.path())
            .args(["-c", &script])
            .output()
            .expect("bash runs");
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{script}: {stderr}");
        assert!(stderr.contains(message), "{script}: {stderr}");
        assert!(took < Duration::from_secs(10), "{script}: {took:?}");
        let _ = std::fs::remove_file(dir.path().join("big.folded"));
    }
}
