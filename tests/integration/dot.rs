//! DOT call graphs: against gprof2dot's own output for the same `.stats` files (its committed
//! output, tests/fixtures/dot), rendered by Graphviz's `dot` without a warning, node and edge
//! counts against the thresholds, and hostile names shown as they are.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use pstat::export::dot;
use pstat::{FunctionId, Profile};

use crate::support::{chain_dump, fixtures, marshal_key, relative, stats_fixtures};

/// A node or edge statement of a DOT file as gprof2dot and pstat write them: `\tID [attrs];`
/// or `\tID -> ID [attrs];`, attributes as (name, unescaped value).
struct Statement {
    ids: Vec<usize>,
    attributes: BTreeMap<String, String>,
}

/// The node and edge statements of a DOT text (the header's `graph`/`node`/`edge` attribute
/// statements and `tooltip` aside).
fn statements(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(line) = line.strip_prefix('\t') else {
            continue;
        };
        let Some((head, rest)) = line.split_once(" [") else {
            continue;
        };
        let ids: Vec<usize> = match head.split(" -> ").map(str::parse).collect() {
            Ok(ids) => ids,
            Err(_) => continue,
        };
        let body = rest.strip_suffix("];").expect("statement ends with ];");
        out.push(Statement {
            ids,
            attributes: attributes(body),
        });
    }
    out
}

/// `a=b, c="d\"e"` → {a: b, c: d"e}; inside quotes `\"` and `\\` are unescaped and `\n` kept
/// as the two characters (it separates label lines).
fn attributes(body: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut chars = body.chars().peekable();
    loop {
        let name: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if name.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => value.push_str("\\n"),
                        Some(c) => value.push(c),
                        None => break,
                    },
                    c => value.push(c),
                }
            }
            chars.next(); // ','
        } else {
            value = chars.by_ref().take_while(|&c| c != ',').collect();
        }
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        map.insert(name.trim().to_string(), value);
    }
    map
}

/// What a function is across tools: (file, line, name), code-object addresses masked.
type Identity = (String, i64, String);

/// `text` with each code object's address (` at 0x…`) written ` at 0x#`: Python prints a
/// real one, pstat zeros.
fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" at 0x") {
        let (head, tail) = rest.split_at(at + " at 0x".len());
        out.push_str(head);
        out.push('#');
        rest = tail.trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

fn identity(profile: &Profile, id: FunctionId) -> Identity {
    (
        profile.file(id).to_string(),
        profile.line(id),
        mask(profile.name(id)),
    )
}

/// gprof2dot's node: its first label line is `module:line:name`, its tooltip the file.
fn gprof2dot_identity(node: &Statement) -> Identity {
    let label = &node.attributes["label"];
    let first = label.split("\\n").next().expect("a label line");
    let (_module, rest) = first.split_once(':').expect("module:line:name");
    let (line, name) = rest.split_once(':').expect("line:name");
    (
        node.attributes["tooltip"].clone(),
        line.parse().expect("a line number"),
        mask(name),
    )
}

/// The label lines after the name (and pstat's file:line): cumulative %, (self %), calls.
fn figures(label: &str) -> Vec<String> {
    let lines: Vec<&str> = label.split("\\n").collect();
    lines[lines.len() - 3..]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Every attribute of a node but its label and tooltip (which say the name differently), and
/// its figures.
type NodeFacts = (BTreeMap<String, String>, Vec<String>);

fn node_facts(node: &Statement) -> NodeFacts {
    let mut attributes = node.attributes.clone();
    let label = attributes.remove("label").expect("label");
    attributes.remove("tooltip");
    (attributes, figures(&label))
}

struct Graph {
    nodes: BTreeMap<Identity, NodeFacts>,
    /// (caller, callee) → every attribute, the label (`%\ncalls×`) among them.
    edges: BTreeMap<(Identity, Identity), BTreeMap<String, String>>,
}

fn gprof2dot_graph(text: &str) -> Graph {
    let statements = statements(text);
    let mut ids = BTreeMap::new();
    let mut nodes = BTreeMap::new();
    for node in statements.iter().filter(|s| s.ids.len() == 1) {
        let identity = gprof2dot_identity(node);
        ids.insert(node.ids[0], identity.clone());
        assert!(nodes.insert(identity, node_facts(node)).is_none());
    }
    let mut edges = BTreeMap::new();
    for edge in statements.iter().filter(|s| s.ids.len() == 2) {
        let key = (ids[&edge.ids[0]].clone(), ids[&edge.ids[1]].clone());
        assert!(edges.insert(key, edge.attributes.clone()).is_none());
    }
    Graph { nodes, edges }
}

fn pstat_graph(profile: &Profile, text: &str) -> Graph {
    let functions: Vec<FunctionId> = profile.all_functions().collect();
    let identity_of = |index: usize| identity(profile, functions[index]);
    let statements = statements(text);
    let mut nodes = BTreeMap::new();
    for node in statements.iter().filter(|s| s.ids.len() == 1) {
        assert!(
            nodes
                .insert(identity_of(node.ids[0]), node_facts(node))
                .is_none()
        );
    }
    let mut edges = BTreeMap::new();
    for edge in statements.iter().filter(|s| s.ids.len() == 2) {
        let key = (identity_of(edge.ids[0]), identity_of(edge.ids[1]));
        assert!(edges.insert(key, edge.attributes.clone()).is_none());
    }
    Graph { nodes, edges }
}

fn dot_text(profile: &Profile, options: &dot::Options) -> String {
    let mut out = Vec::new();
    dot::write(profile, options, &mut out).expect("writes to memory");
    String::from_utf8(out).expect("UTF-8")
}

fn thresholds(node_fraction: f64, edge_fraction: f64) -> dot::Options {
    let mut options = dot::Options::default();
    options.node_fraction = node_fraction;
    options.edge_fraction = edge_fraction;
    options
}

/// The committed gprof2dot outputs: (stats file, options, gprof2dot's DOT).
fn gprof2dot_outputs() -> Vec<(PathBuf, dot::Options, String)> {
    let expected = fixtures().join("dot/expected");
    let mut out = Vec::new();
    for stats in stats_fixtures() {
        let tag = stats.parent().and_then(Path::file_name).expect("tag");
        let stem = stats.file_stem().expect("stem").to_string_lossy();
        let runs = [
            (format!("{stem}.dot"), dot::Options::default()),
            (format!("{stem}.all.dot"), thresholds(0.0, 0.0)),
        ];
        for (name, options) in runs {
            let path = expected.join(tag).join(name);
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((stats.clone(), options, text));
            }
        }
    }
    out
}

/// Every figure gprof2dot prints (percentages, calls, colours, pen widths, font and arrow
/// sizes) for every function and edge, and the sets of functions and edges, are pstat's too;
/// only the name lines and tooltips differ, on purpose (docs/differences.md).
#[test]
fn graphs_equal_gprof2dots() {
    let outputs = gprof2dot_outputs();
    assert!(
        outputs.len() >= 70,
        "only {} gprof2dot outputs",
        outputs.len()
    );
    let mut compared_edges = 0;
    for (stats, options, expected) in &outputs {
        let name = format!("{} at {options:?}", relative(stats));
        let profile = pstat::read_path(stats, &Default::default())
            .and_then(pstat::AnyProfile::into_calls)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = gprof2dot_graph(expected);
        let actual = pstat_graph(&profile, &dot_text(&profile, options));
        assert!(!expected.nodes.is_empty(), "{name}");
        assert_eq!(
            actual.nodes.keys().collect::<Vec<_>>(),
            expected.nodes.keys().collect::<Vec<_>>(),
            "{name}: functions"
        );
        for (identity, facts) in &expected.nodes {
            assert_eq!(&actual.nodes[identity], facts, "{name}: {identity:?}");
        }
        assert_eq!(
            actual.edges.keys().collect::<Vec<_>>(),
            expected.edges.keys().collect::<Vec<_>>(),
            "{name}: edges"
        );
        for (key, attributes) in &expected.edges {
            assert_eq!(&actual.edges[key], attributes, "{name}: {key:?}");
        }
        compared_edges += expected.edges.len();
    }
    assert!(compared_edges > 1000, "{compared_edges}");
}

/// The header is gprof2dot's, line for line.
#[test]
fn header_is_gprof2dots() {
    let expected = std::fs::read_to_string(fixtures().join("dot/expected/py313/cprofile.dot"))
        .expect("gprof2dot output");
    let profile = pstat::read_path(
        fixtures().join("stats/py313/cprofile.stats"),
        &Default::default(),
    )
    .and_then(pstat::AnyProfile::into_calls)
    .expect("reads");
    let actual = dot_text(&profile, &dot::Options::default());
    let header = |text: &str| text.lines().take(5).collect::<Vec<_>>().join("\n");
    assert_eq!(header(&actual), header(&expected));
    assert!(actual.ends_with("\n}\n"));
}

/// Graphviz's `dot`: renders `text` as SVG; the SVG, or a panic with its complaint. Any
/// output on standard error (a warning) fails too.
fn render(text: &str, name: &str) -> String {
    let mut child = crate::support::tool("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Graphviz's dot runs (Debian's graphviz; .ci/run installs it)");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = text.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("dot finishes");
    writer.join().expect("writer").expect("dot reads its input");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.is_empty(),
        "{name}: dot says {stderr}"
    );
    String::from_utf8(output.stdout).expect("UTF-8 SVG")
}

/// What the thresholds keep, from the profile's figures (pstats' own): a function whose
/// cumtime is at least `node_fraction` of pstats' total time (or of the largest cumtime, if
/// larger), and an edge between two kept functions whose cumtime (for a bare count, the
/// callee's cumtime times the count over the callee's calls) is at least `edge_fraction` of
/// it. A zero total keeps everything.
fn expected_counts(profile: &Profile, node_fraction: f64, edge_fraction: f64) -> (usize, usize) {
    let total = profile
        .functions()
        .map(|f| profile.stats(f).cumtime)
        .fold(profile.totals().tottime, f64::max);
    let share = |time: f64| if total == 0.0 { 1.0 } else { time / total };
    let kept = |f: FunctionId| share(profile.stats(f).cumtime) >= node_fraction;
    let nodes = profile.all_functions().filter(|&f| kept(f)).count();
    let mut edges = 0;
    for callee in profile.functions().filter(|&f| kept(f)) {
        let stats = profile.stats(callee);
        for (caller, call) in profile.callers(callee) {
            let time = match call {
                pstat::CallStats::Timed { cumtime, .. } => cumtime,
                pstat::CallStats::Count(n) if stats.calls == 0 => n as f64 * stats.cumtime,
                pstat::CallStats::Count(n) => {
                    (n as f64 / stats.calls as f64).min(1.0) * stats.cumtime
                }
            };
            if kept(caller) && share(time) >= edge_fraction {
                edges += 1;
            }
        }
    }
    (nodes, edges)
}

fn svg_count(svg: &str, class: &str) -> usize {
    svg.matches(&format!("<g id=\"{class}")).count()
}

/// Every `.stats` fixture (those gprof2dot cannot read too) and every sampled fixture renders
/// with `dot` without a warning, with as many nodes and edges as the thresholds keep.
#[test]
fn dot_renders_every_fixture_within_the_thresholds() {
    let mut inputs: Vec<PathBuf> = stats_fixtures();
    for dir in ["py-spy", "tachyon", "folded", "pstats315"] {
        let dir = fixtures().join("sampled").join(dir);
        for entry in std::fs::read_dir(&dir).expect("sampled fixtures") {
            inputs.push(entry.expect("entry").path());
        }
    }
    inputs.sort();
    let mut rendered = 0;
    for input in &inputs {
        let name = relative(input);
        let Ok(profile) =
            pstat::read_path(input, &Default::default()).and_then(pstat::AnyProfile::into_calls)
        else {
            continue; // the empty dumps
        };
        for (n, e) in [(0.005, 0.001), (0.0, 0.0)] {
            let text = dot_text(&profile, &thresholds(n, e));
            let svg = render(&text, &name);
            let (nodes, edges) = expected_counts(&profile, n, e);
            assert_eq!(svg_count(&svg, "node"), nodes, "{name} -n {n}: nodes");
            assert_eq!(
                svg_count(&svg, "edge"),
                edges,
                "{name} -n {n} -e {e}: edges"
            );
            if n == 0.0 {
                assert_eq!(nodes, profile.all_functions().len(), "{name}");
            }
            rendered += 1;
        }
        // Other thresholds, counted in the text (Graphviz draws what the text holds).
        let (n, e) = (0.05, 0.02);
        let statements = statements(&dot_text(&profile, &thresholds(n, e)));
        let counted = |arity| statements.iter().filter(|s| s.ids.len() == arity).count();
        assert_eq!(
            (counted(1), counted(2)),
            expected_counts(&profile, n, e),
            "{name} -n {n} -e {e}"
        );
        let sampled = profile.measure().is_sampled();
        let text = dot_text(&profile, &thresholds(0.0, 0.0));
        if profile.function_count() > 0 {
            assert_eq!(text.contains(" samples\""), sampled, "{name}");
            assert_eq!(text.contains("×\""), !sampled, "{name}");
        }
    }
    assert!(rendered >= 2 * 100, "{rendered}");
}

/// The texts `dot` drew and the tooltips it kept, read by Python's XML parser.
fn svg_texts(svg: &str) -> Vec<String> {
    let script = r#"
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
out = []
for e in root.iter():
    if e.tag.endswith('}text') and e.text is not None:
        out.append(e.text)
    for k, v in e.attrib.items():
        if k.endswith('}title'):
            out.append(v)
print(json.dumps(out))
"#;
    let mut child = crate::support::tool("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(svg.as_bytes())
        .expect("python reads");
    let output = child.wait_with_output().expect("python finishes");
    assert!(output.status.success(), "the SVG is XML");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Names from a stranger: quotes, backslashes (one at the end, one before `N`, which Graphviz
/// would expand), braces, `<`/`>`, `&` and an entity, a newline, a tab and NUL. `dot` renders the
/// graph and draws each name exactly, its control characters as their Unicode pictures, on
/// one label line; every tooltip is the function's `file:line(name)`.
#[test]
fn hostile_names_render_as_themselves() {
    let names = [
        "quote\" -> 1 [label=\"x",
        "back\\slash\\",
        "\\N\\G\\l\\",
        "{brace} <b>tag</b> |port|",
        "amp & &amp; &#92;",
        "new\nline\r\0nul\ttab",
        "}\n}\ndigraph x {",
    ];
    let files = ["/tmp/a\"b.py", "/tmp/c\\d.py", "e\nf.py", "g&amp;.py"];
    let stats = chain_dump(&names, &files);
    let profile = pstat::read(&stats, &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .expect("the crafted dump reads");
    assert_eq!(profile.function_count(), names.len());
    let text = dot_text(&profile, &thresholds(0.0, 0.0));
    // One line per statement, plus the header's five and the closing brace.
    assert_eq!(text.lines().count(), 5 + names.len() * 2 - 1 + 1, "{text}");
    let svg = render(&text, "hostile names");
    assert_eq!(svg_count(&svg, "node"), names.len());
    assert_eq!(svg_count(&svg, "edge"), names.len() - 1);
    let drawn = svg_texts(&svg);
    let pictured = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '\u{7f}' => '\u{2421}',
                c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).expect("picture"),
                c => c,
            })
            .collect()
    };
    for (i, name) in names.iter().enumerate() {
        let file = files[i % files.len()];
        assert!(drawn.contains(&pictured(name)), "{name:?} in {drawn:?}");
        let tooltip = pictured(&format!("{file}:{}({name})", i + 1));
        assert!(drawn.contains(&tooltip), "{tooltip:?} in {drawn:?}");
        let base = pictured(file.rsplit('/').next().expect("base"));
        assert!(drawn.contains(&format!("{base}:{}", i + 1)), "{base:?}");
    }
}

/// A name longer than Graphviz reads in one quoted string is cut, and the graph renders.
#[test]
fn long_names_are_cut_to_what_graphviz_reads() {
    let long = "\\\"".repeat(20_000);
    let mut stats = vec![b'{'];
    marshal_key(&mut stats, (&long, 1, &long));
    stats.extend(b")\x05i\x01\x00\x00\x00i\x01\x00\x00\x00");
    stats.extend(b"g\x00\x00\x00\x00\x00\x00\xf0?g\x00\x00\x00\x00\x00\x00\xf0?{00");
    let profile = pstat::read(&stats, &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .expect("reads");
    let text = dot_text(&profile, &dot::Options::default());
    assert!(text.len() < 40_000, "{}", text.len());
    let svg = render(&text, "long names");
    assert_eq!(svg_count(&svg, "node"), 1);
    assert!(svg_texts(&svg).iter().any(|t| t.ends_with('…')));
}

/// On the command line, `--node-fraction` and `--edge-fraction` are the graph's thresholds, as
/// gprof2dot's `-n` and `-e`: at 0 and 0 the graph has gprof2dot's `-n 0 -e 0` functions and
/// calls, and without them its defaults'.
#[test]
fn command_line_fractions_are_the_thresholds() {
    let stats = "stats/py313/cprofile.stats";
    let profile = crate::support::read_fixture(stats);
    for (extra, expected) in [
        (
            &["--node-fraction", "0", "--edge-fraction", "0"][..],
            "cprofile.all.dot",
        ),
        (&[][..], "cprofile.dot"),
    ] {
        let r = crate::support::run(
            &fixtures(),
            [&["convert", stats, "-o", "-", "--format", "dot"][..], extra].concat(),
        );
        assert!(r.success(), "{}", r.stderr());
        let ours = pstat_graph(&profile, &r.stdout());
        let text = std::fs::read_to_string(fixtures().join("dot/expected/py313").join(expected))
            .expect("gprof2dot's output");
        let theirs = gprof2dot_graph(&text);
        assert_eq!(
            ours.nodes.keys().collect::<Vec<_>>(),
            theirs.nodes.keys().collect::<Vec<_>>(),
            "{expected}"
        );
        assert_eq!(
            ours.edges.keys().collect::<Vec<_>>(),
            theirs.edges.keys().collect::<Vec<_>>(),
            "{expected}"
        );
    }
}
