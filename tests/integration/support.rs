//! What the test files share: where the fixtures are, the `pstat` binary as a command, files
//! written for one test, and the line where two texts first differ.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use assert_cmd::cargo::cargo_bin;
use pstat::Profile;
use serde_json::Value;

/// A file of the repository, by its path from the repository's root.
pub fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A JSON file of the repository (a schema), parsed.
pub fn json_file(path: &str) -> Value {
    let text = std::fs::read_to_string(repo_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// tests/fixtures, where pstats' cases are run from.
pub fn fixtures() -> PathBuf {
    repo_file("tests/fixtures")
}

/// tests/fixtures/lprof, where the line_profiler fixtures' generator ran the profilers.
pub fn lprof_dir() -> PathBuf {
    fixtures().join("lprof")
}

/// A fixture's path from tests/fixtures (`stats/py313/cprofile.stats`), for messages.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(fixtures())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A fixture read by `pstat::read_path`, by its path from tests/fixtures.
pub fn read_fixture(path: &str) -> Profile {
    pstat::read_path(fixtures().join(path), &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `.stats` fixture under tests/fixtures/stats/, sorted.
pub fn stats_fixtures() -> Vec<PathBuf> {
    let files = fixture_files(&fixtures().join("stats"), "stats");
    assert!(files.len() >= 70, "only {} fixtures", files.len());
    files
}

/// The `python -m cProfile -o` dumps of whole programs under tests/fixtures/apps/, one per
/// program and interpreter, sorted.
pub fn app_fixtures() -> Vec<PathBuf> {
    let files = fixture_files(&fixtures().join("apps"), "stats");
    assert!(files.len() >= 10, "only {} app fixtures", files.len());
    files
}

/// Every real `.lprof` fixture under tests/fixtures/lprof/, sorted.
pub fn lprof_fixtures() -> Vec<PathBuf> {
    let files = fixture_files(&lprof_dir(), "lprof");
    assert!(files.len() >= 12, "only {} .lprof fixtures", files.len());
    files
}

/// The files with this extension one directory below `root` (`root/*/*.ext`), sorted.
fn fixture_files(root: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(root).expect("fixture directory") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).expect("fixture subdirectory") {
            let file = file.expect("entry").path();
            if file.extension().is_some_and(|e| e == extension) {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}

/// The `pstat` binary Cargo built for these tests, for tools that run it (`script`, `time`).
pub fn pstat_binary() -> PathBuf {
    cargo_bin("pstat")
}

/// `pstat` as a command to complete, run in `cwd` with `TZ=UTC` (reports print the dumps'
/// mtimes in local time).
pub fn pstat(cwd: &Path) -> Command {
    let mut command = Command::new(pstat_binary());
    command.current_dir(cwd).env("TZ", "UTC");
    command
}

/// Runs `pstat ARGS` in `cwd` to the end.
pub fn run<I, S>(cwd: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    pstat(cwd).args(args).output().expect("run pstat").into()
}

/// The external programs the tests run, each with the Debian package that provides it
/// (`tests/run` installs them all).
const TOOLS: &[(&str, &str)] = &[
    ("callgrind_annotate", "valgrind"),
    ("chromium", "chromium"),
    ("dot", "graphviz"),
    ("go", "golang-go"),
    ("python3", "python3"),
    ("pypy3", "pypy3"),
    ("script", "bsdutils"),
    ("/usr/bin/time", "time"),
    ("kill", "procps"),
    ("bash", "bash"),
];

/// Whether `program` is on the PATH (or, given as a path, is a file).
pub fn installed(program: &Path) -> bool {
    if program.components().count() > 1 {
        return program.is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// A command for the external `program`, after checking that it is installed: a missing one
/// fails the test with one line naming it and its package, not with a panic deep in a helper.
pub fn tool(program: impl AsRef<Path>) -> Command {
    let program = program.as_ref();
    let name = program.to_string_lossy();
    let package = TOOLS
        .iter()
        .find(|(tool, _)| Path::new(tool).file_name() == program.file_name())
        .map(|(_, package)| *package);
    if !installed(program) {
        match package {
            Some(package) => {
                panic!("the tests need `{name}` (Debian's {package}); `tests/run` installs it")
            }
            None => panic!("the tests need `{name}`, which is not installed"),
        }
    }
    Command::new(program)
}

/// `pstat ARGS` run on a pseudo-terminal by `script` (util-linux) in `cwd`, with `TZ=UTC`,
/// `TERM=xterm`, no `NO_COLOR` and the extra environment `env`: what it printed. pstat must
/// succeed.
pub fn on_terminal(cwd: &Path, args: &str, env: &[(&str, &str)]) -> String {
    let mut command = tool("script");
    command
        .current_dir(cwd)
        .env("TZ", "UTC")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .args([
            "-qec",
            &format!("{} {args}", pstat_binary().display()),
            "/dev/null",
        ])
        .output()
        .expect("script (util-linux) runs pstat on a terminal");
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{shown}");
    shown
}

/// Fails unless the only escape sequences in `shown` are pstat's own (bold, dim, reset): the
/// control characters of names reached the terminal escaped.
pub fn assert_only_own_escapes(shown: &str) {
    let own_codes_removed = ["\u{1b}[1m", "\u{1b}[2m", "\u{1b}[0m"]
        .iter()
        .fold(shown.to_string(), |text, code| text.replace(code, ""));
    assert!(
        !own_codes_removed.contains('\u{1b}') && !own_codes_removed.contains('\u{9b}'),
        "{shown:?}"
    );
}

/// Runs `python3 -c SCRIPT ARGS…` (in `cwd` when given) and returns its standard output; fails
/// the test, with Python's standard error, if the script fails.
pub fn python3<I, S>(cwd: Option<&Path>, script: &str, args: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = tool("python3");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let output = command
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// [`python3`]'s output parsed as JSON.
pub fn python3_json<I, S>(cwd: Option<&Path>, script: &str, args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    serde_json::from_slice(&python3(cwd, script, args)).expect("JSON from python3")
}

/// The standard output of `pstat convert INPUT -o - --format FORMAT` run in `cwd`, which must
/// succeed.
pub fn converted(cwd: &Path, input: &str, format: &str) -> String {
    let output = run(cwd, ["convert", input, "-o", "-", "--format", format]);
    assert!(output.success(), "{input} as {format}: {}", output.stderr());
    output.stdout().into_owned()
}

/// What a finished run of pstat left: its exit code and its output.
pub struct Run(Output);

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run(output)
    }
}

impl Run {
    /// The exit code; `None` if a signal ended the process.
    pub fn code(&self) -> Option<i32> {
        self.0.status.code()
    }

    /// Whether pstat exited 0.
    pub fn success(&self) -> bool {
        self.0.status.success()
    }

    /// Standard output as text (invalid UTF-8 shown as U+FFFD).
    pub fn stdout(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0.stdout)
    }

    /// Standard output as written.
    pub fn stdout_bytes(&self) -> &[u8] {
        &self.0.stdout
    }

    /// Standard error as text (invalid UTF-8 shown as U+FFFD).
    pub fn stderr(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0.stderr)
    }
}

/// Sets a file's mtime (git checkouts reset the fixtures' mtimes, which reports print).
pub fn set_mtime(path: &Path, seconds: u64) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
        .expect("set mtime");
}

/// Writes `bytes` as `name` in a fresh directory, with the mtime 1700000000
/// (Tue Nov 14 22:13:20 2023 UTC).
pub fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    set_mtime(&path, 1_700_000_000);
    (dir, path)
}

/// Where two texts first differ, for a failure message; `names` says whose each one is.
pub fn first_difference(names: [&str; 2], expected: &str, actual: &str) -> String {
    let [expected_name, actual_name] = names;
    let width = expected_name.len().max(actual_name.len()) + 1;
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!(
                "line {}:\n  {:width$} {e:?}\n  {:width$} {a:?}",
                i + 1,
                format!("{expected_name}:"),
                format!("{actual_name}:"),
            );
        }
    }
    format!(
        "line counts differ: {expected_name} {} lines, {actual_name} {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
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

/// Runs Debian's headless `chromium` (which tests/run installs) on `url` with `args` added, as
/// this machine needs it (no sandbox as root, no GPU, no background requests) and with a fresh
/// profile; it must succeed. Its output: the DOM with `--dump-dom`.
pub fn chromium(args: &[&str], url: &str) -> Output {
    let profile = tempfile::tempdir().expect("temp dir");
    let output = tool("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
        ])
        .args(args)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Appends a marshal `u` string (4-byte length, UTF-8).
pub fn marshal_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'u');
    out.extend((text.len() as u32).to_le_bytes());
    out.extend(text.as_bytes());
}

/// Appends a marshal function key `(file, line, name)`.
pub fn marshal_key(out: &mut Vec<u8>, (file, line, name): (&str, i32, &str)) {
    out.extend(b")\x03");
    marshal_str(out, file);
    out.push(b'i');
    out.extend(line.to_le_bytes());
    marshal_str(out, name);
}

/// A stats dump of one function per name, the i-th in `files[i % files.len()]` at line i + 1,
/// each called once (1 s, 1 s) by the one before it: names and files as a stranger may write
/// them, for the escaping tests.
pub fn chain_dump(names: &[&str], files: &[&str]) -> Vec<u8> {
    let mut stats = vec![b'{'];
    for (i, name) in names.iter().enumerate() {
        let file = files[i % files.len()];
        marshal_key(&mut stats, (file, i as i32 + 1, name));
        // (cc, nc, tt, ct, callers): each called once by the previous one.
        stats.extend(b")\x05i\x01\x00\x00\x00i\x01\x00\x00\x00");
        stats.extend(b"g\x00\x00\x00\x00\x00\x00\xf0?g\x00\x00\x00\x00\x00\x00\xf0?{");
        if i > 0 {
            let caller = (files[(i - 1) % files.len()], i as i32, names[i - 1]);
            marshal_key(&mut stats, caller);
            stats.extend(b")\x04i\x01\x00\x00\x00i\x01\x00\x00\x00");
            stats.extend(b"g\x00\x00\x00\x00\x00\x00\xf0?g\x00\x00\x00\x00\x00\x00\xf0?");
        }
        stats.push(b'0');
    }
    stats.push(b'0');
    stats
}
