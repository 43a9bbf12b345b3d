//! What a person sees: pstat's SVG flame graphs rendered by headless Chromium (Debian's
//! `chromium`, which .ci/run installs), after the graph's own script has fitted the labels.

use std::path::Path;

use crate::support::{chromium, fixtures, run};

/// The document as Chromium has it after running its scripts (`--dump-dom`).
fn rendered(svg: &Path) -> String {
    let output = chromium(&["--dump-dom"], &format!("file://{}", svg.display()));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Undoes the five XML escapes.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Each frame's (full name from its tooltip, label as drawn), for the frames wide enough to
/// show a label.
fn frames(dom: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for group in dom.split("<g><title>").skip(1) {
        let Some((title, rest)) = group.split_once("</title>") else {
            continue;
        };
        // The tooltip is `NAME (COUNT UNIT, P%)`.
        let name = unescape(title.rsplit_once(" (").map_or(title, |(name, _)| name));
        let Some(text) = rest
            .split_once("<text")
            .and_then(|(_, t)| t.split_once('>'))
        else {
            continue;
        };
        let label = match text.1.split_once("</text>") {
            Some((label, _)) if !text.0.ends_with('/') => unescape(label),
            _ => continue,
        };
        let label = label.trim_end().to_string();
        if !label.is_empty() {
            out.push((name, label));
        }
    }
    out
}

/// Labels keep the function's name: truncated on the right (`name (fi..`), never on the left,
/// for a cProfile profile and a sampled one; and only the cProfile graph says its stacks are
/// estimated.
#[test]
fn flame_graph_labels_start_with_the_function() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (input, estimated) in [
        ("stats/py313/cprofile.stats", true),
        ("sampled/py-spy/threads.folded", false),
    ] {
        let svg = dir.path().join("graph.svg");
        let output = run(
            &fixtures(),
            ["convert", input, "-o", &svg.display().to_string()],
        );
        assert!(output.success(), "{input}: {}", output.stderr());
        let dom = rendered(&svg);
        assert_eq!(
            dom.contains("stacks estimated from call edges"),
            estimated,
            "{input}"
        );
        let frames = frames(&dom);
        let truncated = frames
            .iter()
            .filter(|(_, label)| label.ends_with(".."))
            .count();
        assert!(frames.len() >= 5 && truncated > 0, "{input}: {frames:?}");
        for (name, label) in &frames {
            assert!(!label.starts_with(".."), "{input}: {label:?} for {name:?}");
            let shown = label.strip_suffix("..").unwrap_or(label);
            assert!(name.starts_with(shown), "{input}: {label:?} for {name:?}");
        }
    }
}
