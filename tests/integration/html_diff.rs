//! The diff page (`pstat diff BASE NEW -o diff.html`) in headless Chromium, through the page's
//! self-test as the report's tests drive it (tests/integration/html.rs): the rows, classes,
//! callers and totals a person sees, against what Python's pstats reads from both files.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::html::{python, selftest};
use crate::support::{chain_dump, fixtures, run};

/// Writes the diff page of `args` (run in `cwd`) as `diff.html` in `dir`.
fn diff_page(cwd: &Path, args: &[&str], dir: &Path) -> PathBuf {
    let page = dir.join("diff.html");
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    let out = page.display().to_string();
    all.extend(["-o", &out]);
    let output = run(cwd, &all);
    assert!(output.success(), "{args:?}: {}", output.stderr());
    page
}

/// From two dumps, as pstats reads them: the function whose own time changed most (the
/// table's first row under its default order, |Δ tottime|, as `pstat diff` orders) as the
/// table's cells, its callers on both sides as the function page's cells, the functions only
/// one side has whose printed names contain argv[3], and both totals.
const PSTATS_DIFF: &str = r#"
import io, json, pstats, sys
from pstats import f8, func_std_string
base = pstats.Stats(sys.argv[1], stream=io.StringIO()).stats
new = pstats.Stats(sys.argv[2], stream=io.StringIO()).stats
zero = (0, 0, 0.0, 0.0, {})
def calls(b, n):
    return str(n) if b == n else '%d->%d' % (b, n)
def number(x):
    return '%+.3f' % x
funcs = sorted(set(base) | set(new))
func = max(funcs, key=lambda f: abs(new.get(f, zero)[2] - base.get(f, zero)[2]))
b, n = base.get(func, zero), new.get(func, zero)
delta = n[2] - b[2]
row = [f8(b[2]), f8(n[2]), number(delta), '%+.1f%%' % (100 * delta / b[2]) if b[2] else '',
       f8(b[3]), f8(n[3]), number(n[3] - b[3]), calls(b[1], n[1]), '', func_std_string(func)]
callers = []
for c in sorted(set(b[4]) | set(n[4])):
    eb, en = b[4].get(c, (0, 0, 0.0, 0.0)), n[4].get(c, (0, 0, 0.0, 0.0))
    callers.append([calls(eb[0], en[0]), f8(eb[2]), f8(en[2]), f8(eb[3]), f8(en[3]),
                    number(en[3] - eb[3]), func_std_string(c)])
part = sys.argv[3]
print(json.dumps({
    'first': row, 'slower': delta > 0, 'name': func[2], 'callers': callers,
    'added': sorted(func_std_string(f) for f in set(new) - set(base) if part in func_std_string(f)),
    'removed': sorted(func_std_string(f) for f in set(base) - set(new) if part in func_std_string(f)),
    'totals': ['%.3f' % sum(v[2] for v in s.values()) for s in (base, new)],
}))
"#;

/// The page of two dumps of the same program with one function slowed: its first row is that
/// function, with the figures pstats reads from both files and the class `slower`; its page
/// shows its callers on both sides; the icicle's most-grown frame is it, drawn red; the
/// summary shows both totals.
#[test]
fn the_slowed_function_leads_the_diff_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = fixtures().join("diff");
    let page = diff_page(&cwd, &["slow_base.stats", "slow_new.stats"], dir.path());
    let results = selftest(&page, "selftest");
    assert_eq!(results["title"], "slow_base.stats → slow_new.stats");
    let base = cwd.join("slow_base.stats").display().to_string();
    let new = cwd.join("slow_new.stats").display().to_string();
    let expected = python(PSTATS_DIFF, &[&base, &new, "_helper"]);
    assert_eq!(
        expected["slower"], true,
        "the fixture's slowed function grew"
    );
    assert_eq!(expected["name"], "compute", "the fixture slows compute");
    assert_eq!(results["diff"]["rows"][0], expected["first"]);
    assert_eq!(results["diff"]["classes"][0], "grid diff row slower");
    // The function page opened is the first row's.
    let function = &results["function"];
    assert_eq!(function["title"], expected["first"][9]);
    assert_eq!(function["callers"], expected["callers"]);
    let icicle = &results["icicle"];
    assert!(
        icicle["note"]
            .as_str()
            .expect("note")
            .starts_with("Stacks estimated from call edges"),
        "{icicle}"
    );
    let most = &icicle["most_slower"];
    assert!(
        most["name"]
            .as_str()
            .expect("name")
            .starts_with("compute ("),
        "{most}"
    );
    assert!(
        most["colour"]
            .as_str()
            .expect("colour")
            .starts_with("rgb(255,"),
        "{most}"
    );
    let summary = results["summary"].as_str().expect("summary");
    for total in expected["totals"].as_array().expect("totals") {
        assert!(
            summary.contains(total.as_str().unwrap()),
            "{total} in {summary}"
        );
    }
}

/// Functions only one side has are marked `added` or `removed` in the change column, with
/// `pstat diff`'s calls column (`-> N`, `N ->`); the rows are those pstats finds on one side
/// only.
#[test]
fn added_and_removed_functions_are_marked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = fixtures().join("diff");
    let page = diff_page(
        &cwd,
        &["variant_base.stats", "variant_new.stats"],
        dir.path(),
    );
    let results = selftest(&page, "selftest&filter=_helper");
    let base = cwd.join("variant_base.stats").display().to_string();
    let new = cwd.join("variant_new.stats").display().to_string();
    let expected = python(PSTATS_DIFF, &[&base, &new, "_helper"]);
    let rows = results["filtered"]["rows"].as_array().expect("rows");
    let marked = |change: &str, calls: &str| -> Vec<Value> {
        let mut names: Vec<Value> = rows
            .iter()
            .filter(|row| row[8] == change)
            .inspect(|row| {
                let shown = row[7].as_str().expect("calls");
                assert!(shown.contains(calls), "{row}");
            })
            .map(|row| row[9].clone())
            .collect();
        names.sort_by_key(|name| name.as_str().map(str::to_string));
        names
    };
    let added = marked("added", "-> ");
    let removed = marked("removed", " ->");
    assert!(!added.is_empty() && !removed.is_empty());
    assert_eq!(&Value::from(added), &expected["added"]);
    assert_eq!(&Value::from(removed), &expected["removed"]);
}

/// `--base … --new …`: each side the mean of its runs, the summary saying how many.
#[test]
fn runs_on_each_side_are_their_means() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = fixtures().join("diff");
    let runs =
        |side: &str| -> Vec<String> { (1..=5).map(|i| format!("same_{side}{i}.stats")).collect() };
    let (base, new) = (runs("base"), runs("new"));
    let mut args = vec!["--base"];
    args.extend(base.iter().map(String::as_str));
    args.push("--new");
    args.extend(new.iter().map(String::as_str));
    let page = diff_page(&cwd, &args, dir.path());
    let results = selftest(&page, "selftest");
    let means = python(
        "import io, json, pstats, sys\n\
         t = [pstats.Stats(p, stream=io.StringIO()).total_tt for p in sys.argv[1:]]\n\
         print(json.dumps(['%.3f' % (sum(t[:5]) / 5), '%.3f' % (sum(t[5:]) / 5)]))",
        &base
            .iter()
            .chain(&new)
            .map(|f| cwd.join(f).display().to_string())
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let summary = results["summary"].as_str().expect("summary");
    assert!(summary.contains("Base (5 runs, their means)"), "{summary}");
    for mean in means.as_array().expect("means") {
        assert!(
            summary.contains(mean.as_str().unwrap()),
            "{mean} in {summary}"
        );
    }
}

/// Names that would run as script if they reached the page as markup, on both sides and in
/// the files' names: every page of the diff (table, each function, icicle, summary) is drawn,
/// nothing runs, no element is added, and the table shows each name exactly.
#[test]
fn hostile_names_in_a_diff_are_text() {
    let names = [
        "</script><script>window.pwned='script'</script>",
        "<img src=x onerror=\"window.pwned='img'\">",
        "javascript:window.pwned='url'",
        "\" onmouseover=\"window.pwned='attribute'",
        "<iframe src=\"javascript:parent.pwned='iframe'\"></iframe>",
        "line\u{2028}separator\u{2029}paragraph & &amp; &lt;",
    ];
    let files = ["</script>.py", "javascript:alert(1)", "<b>bold</b>.py"];
    let dir = tempfile::tempdir().expect("temp dir");
    let base_name = "<img src=x onerror=\"window.pwned='base'\">.stats";
    let new_name = "<svg onload=\"window.pwned='new'\">&amp;.stats";
    // The base lacks the last name (added on the new side); the new side renames the first
    // (removed, and another added).
    std::fs::write(dir.path().join(base_name), chain_dump(&names[..5], &files)).expect("base");
    let mut renamed: Vec<&str> = names.to_vec();
    renamed[0] = "<script>window.pwned='renamed'</script>";
    std::fs::write(dir.path().join(new_name), chain_dump(&renamed, &files)).expect("new");
    let page = diff_page(dir.path(), &[base_name, new_name], dir.path());
    let results = selftest(&page, "selftest&pages=all&filter=pwned");
    assert_eq!(results["title"], format!("{base_name} → {new_name}"));
    assert_eq!(results["pwned"], Value::Null);
    assert_eq!(
        results["elements"],
        serde_json::json!({"script": 2, "img": 0, "iframe": 0})
    );
    let mut shown: Vec<String> = results["sorts"]["line"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row[9].as_str().expect("name").to_string())
        .collect();
    shown.sort();
    let mut expected: Vec<String> = names
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, name)| format!("{}:{}({name})", files[i % files.len()], i + 1))
        .chain([
            format!("{}:1({})", files[0], names[0]),
            format!("{}:1({})", files[0], renamed[0]),
        ])
        .collect();
    expected.sort();
    assert_eq!(shown, expected);
}
