//! How the command meets its surroundings: standard input as `-`, the modes of the files it
//! writes, devices as outputs, the messages of everyday mistakes, shell completions and man
//! pages.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{fixtures, lprof_fixtures, pstat, pstat_binary, run};

const STATS: &str = "stats/py313/cprofile.stats";

/// Runs `pstat ARGS` in `cwd` with `input` on standard input: (status, stdout, stderr).
fn run_with_stdin(cwd: &Path, args: &[&str], input: &[u8]) -> (Option<i32>, Vec<u8>, String) {
    let mut child = pstat(cwd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pstat");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(input).expect("pstat reads its input");
    drop(stdin);
    let output = child.wait_with_output().expect("pstat ends");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), output.stdout, stderr)
}

/// The report without the header's line that names the input (and its time).
fn without_file_line(report: &[u8]) -> String {
    let text = String::from_utf8_lossy(report);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| *l != "<stdin>" && !l.ends_with(STATS))
        .collect();
    lines.join("\n")
}

#[test]
fn dash_reads_standard_input_for_every_command() {
    let dir = fixtures();
    let bytes = std::fs::read(dir.join(STATS)).expect("fixture");
    for command in ["show", "callers", "callees"] {
        let from_file = run(&dir, [command, STATS, "--sort", "cumulative"]);
        assert!(from_file.success(), "{}", from_file.stderr());
        let (code, out, err) =
            run_with_stdin(&dir, &[command, "-", "--sort", "cumulative"], &bytes);
        assert_eq!(code, Some(0), "{command}: {err}");
        let out_text = String::from_utf8_lossy(&out);
        // print_callers and print_callees print no header with the files.
        let named = out_text.lines().any(|l| l == "<stdin>");
        assert_eq!(named, command == "show", "{command}: {out_text}");
        assert_eq!(
            without_file_line(&out),
            without_file_line(from_file.stdout().as_bytes()),
            "{command}"
        );
    }
    // convert: the same bytes as from the file.
    let from_file = run(&dir, ["convert", STATS, "-o", "-", "--format", "folded"]);
    let (code, out, err) = run_with_stdin(
        &dir,
        &["convert", "-", "-o", "-", "--format", "folded"],
        &bytes,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(String::from_utf8_lossy(&out), from_file.stdout());
    // lines: a line profile from standard input, and convert recognises it there too.
    let lprof = &lprof_fixtures()[0];
    let expected = run(&dir, ["lines".as_ref(), lprof.as_os_str()]);
    let lprof_bytes = std::fs::read(lprof).expect("lprof fixture");
    let (code, out, err) = run_with_stdin(&dir, &["lines", "-"], &lprof_bytes);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(String::from_utf8_lossy(&out), expected.stdout());
    let (code, out, err) = run_with_stdin(
        &dir,
        &["convert", "-", "-o", "-", "--format", "json"],
        &lprof_bytes,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        String::from_utf8_lossy(&out).contains("\"pstat-lines\""),
        "a line profile's JSON"
    );
}

#[test]
fn dash_twice_is_refused() {
    let (code, out, err) = run_with_stdin(&fixtures(), &["show", "-", "-"], b"");
    assert_eq!(code, Some(1));
    assert!(out.is_empty());
    assert_eq!(
        err,
        "pstat: `-` (standard input) is given more than once; it can be read only once\n"
    );
}

/// Runs `pstat convert` under a umask, through the shell.
fn convert_under_umask(cwd: &Path, umask: &str, input: &Path, output: &str) {
    let status = Command::new("sh")
        .current_dir(cwd)
        .arg("-c")
        .arg(format!(
            "umask {umask} && exec \"$0\" convert \"$1\" -o \"$2\""
        ))
        .arg(pstat_binary())
        .arg(input)
        .arg(output)
        .status()
        .expect("sh runs pstat");
    assert!(status.success());
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("output exists")
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn new_outputs_get_the_umask_mode_and_replaced_ones_keep_theirs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixtures().join(STATS);
    for (umask, expected) in [("022", 0o644), ("027", 0o640), ("002", 0o664)] {
        let name = format!("new-{umask}.svg");
        convert_under_umask(dir.path(), umask, &input, &name);
        assert_eq!(mode(&dir.path().join(&name)), expected, "umask {umask}");
    }
    let existing = dir.path().join("existing.callgrind");
    std::fs::write(&existing, "old").expect("write");
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o604)).expect("chmod");
    convert_under_umask(dir.path(), "077", &input, "existing.callgrind");
    assert_eq!(mode(&existing), 0o604, "the replaced file's mode");
    let text = std::fs::read_to_string(&existing).expect("read");
    assert!(
        text.starts_with("# callgrind format"),
        "replaced: {text:.40}"
    );
}

#[test]
fn a_device_is_written_to_not_replaced() {
    let r = run(
        &fixtures(),
        ["convert", STATS, "-o", "/dev/null", "--format", "json"],
    );
    assert!(r.success(), "{}", r.stderr());
    let meta = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(!meta.is_file(), "/dev/null is still a device");
}

/// Everyday mistakes, each one line that names the path and what to do.
#[test]
fn everyday_mistakes_have_one_line_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("empty.prof"), b"").expect("write");
    std::fs::write(d.join("report.txt"), b"   ncalls  tottime  percall\n").expect("write");
    std::fs::write(d.join("newer.prof"), b"{\xf0").expect("write");
    std::fs::create_dir(d.join("adir")).expect("mkdir");
    std::fs::copy(fixtures().join(STATS), d.join("app.prof")).expect("copy");
    std::fs::copy(&lprof_fixtures()[0], d.join("app.lprof")).expect("copy");
    let cases: &[(&str, &[&str])] = &[
        ("missing input", &["show", "missing.prof"]),
        ("directory as input", &["show", "adir"]),
        ("empty file", &["show", "empty.prof"]),
        ("printed report", &["show", "report.txt"]),
        ("newer or damaged", &["show", "newer.prof"]),
        ("lprof to show", &["show", "app.lprof"]),
        ("stats to lines", &["lines", "app.prof"]),
        (
            "missing output directory",
            &["convert", "app.prof", "-o", "missing/dir/out.svg"],
        ),
        (
            "output is a directory",
            &["convert", "app.prof", "-o", "adir", "--format", "svg"],
        ),
        (
            "output is the input",
            &["convert", "app.prof", "-o", "app.prof"],
        ),
    ];
    let mut report = String::new();
    for (what, args) in cases {
        let r = run(d, *args);
        assert_eq!(r.code(), Some(1), "{what}: {}", r.stderr());
        let stderr = r.stderr();
        assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr}");
        assert!(
            !stderr.contains(".pstat-"),
            "{what}: names a temporary file: {stderr}"
        );
        // An OS error's text once, not repeated by its cause.
        if let Some(at) = stderr.find("(os error") {
            let os = &stderr[..at];
            let last = os.rsplit(": ").next().unwrap_or(os);
            assert_eq!(
                stderr.matches(last.trim()).count(),
                1,
                "{what}: repeated: {stderr}"
            );
        }
        report.push_str(&format!("{what}: {stderr}"));
    }
    insta::assert_snapshot!("everyday_mistakes", report);
}

/// The subcommands `pstat --help` lists.
fn subcommands() -> Vec<String> {
    let help = run(&fixtures(), ["--help"]);
    let text = help.stdout();
    let commands = text.split("Commands:").nth(1).expect("a Commands section");
    let commands = commands.split("\n\n").next().unwrap_or_default();
    let names: Vec<String> = commands
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 7, "{names:?}");
    names
}

/// The long options `pstat SUB --help` lists.
fn long_options(sub: &str) -> Vec<String> {
    let help = run(&fixtures(), [sub, "--help"]);
    help.stdout()
        .split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| {
            w.trim_end_matches([',', '.'])
                .split('=')
                .next()
                .unwrap_or(w)
                .to_string()
        })
        .filter(|w| {
            w.chars()
                .skip(2)
                .all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .collect()
}

#[test]
fn completions_cover_every_subcommand() {
    let subcommands = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&fixtures(), ["completions", shell]);
        assert!(r.success(), "{shell}: {}", r.stderr());
        let script = r.stdout();
        for sub in &subcommands {
            assert!(script.contains(sub.as_str()), "{shell} completes {sub}");
        }
        for option in long_options("convert") {
            // fish names long options without their dashes (`-l output`).
            let name = option.trim_start_matches('-');
            assert!(script.contains(name), "{shell} completes convert {option}");
        }
    }
    // bash loads the script and registers the completion.
    let script = run(&fixtures(), ["completions", "bash"])
        .stdout()
        .into_owned();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{script}\ncomplete -p pstat"))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("pstat"));
}

#[test]
fn man_pages_cover_every_subcommand_and_option() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = run(dir.path(), ["man", "pages"]);
    assert!(r.success(), "{}", r.stderr());
    let page = |name: &str| {
        std::fs::read_to_string(dir.path().join("pages").join(format!("{name}.1")))
            .unwrap_or_else(|e| panic!("{name}.1: {e}"))
    };
    assert!(page("pstat").starts_with(".ie \\n(.g .ds Aq"));
    assert!(page("pstat").contains(".TH pstat 1"));
    for sub in subcommands() {
        let name = format!("pstat-{sub}");
        let text = page(&name);
        assert!(text.contains(&format!(".TH {name} 1")), "{name}: title");
        for option in long_options(&sub) {
            // roff escapes the hyphens of option names.
            let escaped = option.replace('-', "\\-");
            assert!(text.contains(&escaped), "{name} documents {option}");
        }
    }
}

/// `pstat ARGS` on a pseudo-terminal, in the fixtures directory, with extra environment.
fn on_terminal(args: &str, env: &[(&str, &str)]) -> String {
    crate::support::on_terminal(&fixtures(), args, env)
}

#[test]
fn colour_on_a_terminal_unless_no_color_or_never() {
    let args = format!("show {STATS} --sort tottime -n 3");
    let bold_header = "\u{1b}[1m   ncalls  tottime";
    let coloured = on_terminal(&args, &[]);
    assert!(coloured.contains(bold_header), "{coloured:?}");
    assert!(
        coloured.contains("\u{1b}[2m   Ordered by: internal time\u{1b}[0m"),
        "{coloured:?}"
    );
    for (extra, env) in [
        ("", [("NO_COLOR", "1")]),
        (" --color never", [("TERM", "xterm")]),
    ] {
        let plain = on_terminal(&format!("{args}{extra}"), &env);
        assert!(!plain.contains('\u{1b}'), "{extra} {env:?}: {plain:?}");
    }
    // Into a pipe: none by default, and what pstats prints; `always` colours there too.
    let piped = run(&fixtures(), ["show", STATS, "--sort", "tottime", "-n", "3"]);
    assert!(!piped.stdout().contains('\u{1b}'));
    let forced = run(
        &fixtures(),
        [
            "show", STATS, "--sort", "tottime", "-n", "3", "--color", "always",
        ],
    );
    assert!(forced.stdout().contains(bold_header));
    let stripped = ["\u{1b}[1m", "\u{1b}[2m", "\u{1b}[0m"]
        .iter()
        .fold(forced.stdout().into_owned(), |text, code| {
            text.replace(code, "")
        });
    assert_eq!(
        stripped,
        piped.stdout(),
        "colour adds codes and nothing else"
    );
}

#[test]
fn merging_shows_progress_on_a_terminal_only() {
    let files = "stats/py313/cprofile.stats stats/py312/cprofile.stats stats/py311/cprofile.stats";
    let shown = on_terminal(&format!("show {files} -n 1"), &[]);
    assert!(
        shown.contains("merging ") && shown.contains("/3 files"),
        "{shown:?}"
    );
    let piped = run(
        &fixtures(),
        [
            "show",
            "stats/py313/cprofile.stats",
            "stats/py312/cprofile.stats",
            "-n",
            "1",
        ],
    );
    assert!(piped.success());
    assert_eq!(
        piped.stderr(),
        "",
        "silent when standard error is not a terminal"
    );
}

/// No command writes over one of its inputs, by any name: the same path, a hard link, a
/// symlink. The input is left as it was and the command fails naming both.
#[test]
fn no_output_overwrites_an_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().join("base.stats");
    let new = dir.path().join("new.stats");
    std::fs::copy(fixtures().join("diff/slow_base.stats"), &base).expect("copy");
    std::fs::copy(fixtures().join("diff/slow_new.stats"), &new).expect("copy");
    let lprof = dir.path().join("a.lprof");
    std::fs::copy(&lprof_fixtures()[0], &lprof).expect("copy");
    let lprof_new = dir.path().join("b.lprof");
    std::fs::copy(&lprof_fixtures()[0], &lprof_new).expect("copy");
    std::fs::hard_link(&new, dir.path().join("hard.stats")).expect("hard link");
    std::os::unix::fs::symlink(&new, dir.path().join("soft.json")).expect("symlink");
    let before = std::fs::read(&new).expect("read");
    let cases: [&[&str]; 6] = [
        &[
            "diff",
            "base.stats",
            "new.stats",
            "-f",
            "text",
            "-o",
            "new.stats",
        ],
        &[
            "diff",
            "base.stats",
            "new.stats",
            "-f",
            "json",
            "-o",
            "hard.stats",
        ],
        &[
            "diff",
            "base.stats",
            "new.stats",
            "-f",
            "json",
            "-o",
            "soft.json",
        ],
        &[
            "diff",
            "--base",
            "base.stats",
            "--new",
            "new.stats",
            "-f",
            "svg",
            "-o",
            "./new.stats",
        ],
        &["convert", "base.stats", "new.stats", "-o", "soft.json"],
        &["diff", "a.lprof", "b.lprof", "-f", "text", "-o", "b.lprof"],
    ];
    for args in cases {
        let written = run(dir.path(), args);
        assert_eq!(written.code(), Some(1), "{args:?}: {}", written.stderr());
        assert!(
            written.stderr().contains("refusing to write")
                && written.stderr().contains("it is the input"),
            "{args:?}: {}",
            written.stderr()
        );
    }
    assert_eq!(std::fs::read(&new).expect("read"), before);
    let lprof_before = std::fs::read(&lprof_fixtures()[0]).expect("read");
    assert_eq!(std::fs::read(&lprof_new).expect("read"), lprof_before);
}

/// Every command whose output is cut short by its reader (`| head -c 100`) exits 0 and says
/// nothing, as README promises: the outputs here are larger than a pipe's buffer, so each
/// write after the reader leaves fails with a broken pipe.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.stats");
    let made = crate::support::tool("python3")
        .arg(crate::support::repo_file("bench/synth_stats.py"))
        .args(["8000"])
        .arg(&big)
        .status()
        .expect("python3 runs");
    assert!(made.success());
    let other = dir.path().join("other.stats");
    let made = crate::support::tool("python3")
        .arg(crate::support::repo_file("bench/synth_stats.py"))
        .args(["8000"])
        .arg(&other)
        .arg("2")
        .status()
        .expect("python3 runs");
    assert!(made.success());
    let lprof = lprof_fixtures()[0].display().to_string();
    let mprof = fixtures().join("mprof/functions.dat").display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["show", "big.stats"],
        vec!["callers", "big.stats"],
        vec!["callees", "big.stats"],
        vec!["tree", "big.stats", "--node-fraction", "0"],
        vec!["diff", "big.stats", "other.stats"],
        vec!["diff", "big.stats", "other.stats", "-f", "json"],
        vec!["diff", "big.stats", "other.stats", "-f", "svg", "-o", "-"],
        vec![
            "diff",
            "big.stats",
            "other.stats",
            "-f",
            "folded",
            "-o",
            "-",
        ],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec![
            "lines", &lprof, &lprof, &lprof, &lprof, &lprof, &lprof, &lprof, &lprof,
        ],
        vec!["convert", &mprof, "-f", "svg", "-o", "-"],
    ];
    let formats = [
        "callgrind",
        "folded",
        "svg",
        "json",
        "speedscope",
        "stats",
        "dot",
        "pprof",
        "html",
    ];
    let converts = formats
        .iter()
        .map(|f| vec!["convert", "big.stats", "-f", f, "-o", "-"]);
    for args in cases.into_iter().chain(converts) {
        let mut child = pstat(dir.path())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run pstat");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut first = [0u8; 100];
        let _ = std::io::Read::read(&mut stdout, &mut first);
        drop(stdout);
        let output = child.wait_with_output().expect("pstat ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// Numbers that make no sense are refused with the valid range, not turned into `nan` or
/// `inf` times or ignored: rates, line_profiler's unit, pstats' fraction, an mprof recording
/// whose clock goes backwards.
#[test]
fn numbers_out_of_range_are_refused() {
    let dir = fixtures();
    let folded = "sampled/py-spy/mix.folded";
    let lprof = lprof_fixtures()[0].display().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["show", folded, "--rate", "NaN"],
            "is not a sampling rate",
        ),
        (
            vec!["show", folded, "--rate", "inf"],
            "is not a sampling rate",
        ),
        (
            vec!["show", folded, "--rate", "1e-320"],
            "is not a sampling rate",
        ),
        (
            vec!["show", folded, "--rate", "0"],
            "is not a sampling rate",
        ),
        (vec!["tree", folded, "--rate=-5"], "is not a sampling rate"),
        (
            vec!["lines", &lprof, "-u", "NaN"],
            "is not a number above 0",
        ),
        (
            vec!["lines", &lprof, "-u", "inf"],
            "is not a number above 0",
        ),
        (
            vec!["show", STATS, "--fraction", "2"],
            "is not a fraction from 0 to 1",
        ),
        (
            vec!["show", STATS, "--fraction", "-1"],
            "is not a fraction from 0 to 1",
        ),
        (
            vec!["show", STATS, "--fraction", "NaN"],
            "is not a fraction from 0 to 1",
        ),
    ];
    for (args, message) in cases {
        let refused = run(&dir, &args);
        assert_eq!(refused.code(), Some(2), "{args:?}: {}", refused.stderr());
        assert!(
            refused.stderr().contains(message),
            "{args:?}: {}",
            refused.stderr()
        );
    }
    let (_tmp, backwards) = crate::support::temp_file(
        "backwards.dat",
        b"CMDLINE python app.py\nMEM 10.0 100.0\nMEM 11.0 101.0\nMEM 12.0 56.0\n",
    );
    let refused = run(&dir, ["memory".as_ref(), backwards.as_os_str()]);
    assert_eq!(refused.code(), Some(1), "{}", refused.stderr());
    assert!(
        refused.stderr().contains(
            "expected a time no earlier than the sample before, found 56 after 101 (line 4"
        ),
        "{}",
        refused.stderr()
    );
    let mut options = pstat::ReadOptions::default();
    options.sample_interval = Some(f64::NAN);
    let input = std::fs::read(dir.join(folded)).expect("fixture");
    assert!(pstat::read(&input, &options).is_err());
}

/// A signal during a conversion (Ctrl-C, SIGTERM, SIGHUP) leaves no `.pstat-XXXXXX` temporary
/// file beside the output, and pstat ends as the signal ends a process.
#[test]
fn a_signal_during_a_conversion_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.stats");
    let made = crate::support::tool("python3")
        .arg(crate::support::repo_file("bench/synth_stats.py"))
        .args(["150000"])
        .arg(&big)
        .status()
        .expect("python3 runs");
    assert!(made.success());
    let temporary = |dir: &Path| {
        std::fs::read_dir(dir)
            .expect("list")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(".pstat-"))
    };
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let mut child = pstat(dir.path())
            .args(["convert", "big.stats", "-o", "out.html"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run pstat");
        let started = std::time::Instant::now();
        while !temporary(dir.path()) {
            assert!(
                child.try_wait().expect("wait").is_none(),
                "SIG{signal}: the conversion ended before its temporary file was seen"
            );
            assert!(
                started.elapsed().as_secs() < 60,
                "no temporary file after 60 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let killed = crate::support::tool("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = child.wait().expect("pstat ends");
        assert_eq!(status.signal(), Some(number), "SIG{signal}: {status:?}");
        assert!(!temporary(dir.path()), "SIG{signal} left a temporary file");
        assert!(
            !dir.path().join("out.html").exists(),
            "SIG{signal}: a partial output"
        );
    }
}
