//! The library's layers depend one way (docs/design.md, "Layers"): a module names only
//! modules at its own layer or below, counted on non-test code. This test reads the sources
//! and fails on any `crate::…` path that reaches up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module's layer; a module may name modules of its own layer or lower ones.
const LAYERS: &[(&str, u8)] = &[
    // Codecs, format names and shared leaf helpers: they know nothing of profiles.
    ("marshal", 0),
    ("pickle", 0),
    ("format", 0),
    ("escape", 0),
    ("threads", 0),
    ("pyfmt", 0),
    ("error", 1),
    ("model", 2),
    ("read", 3),
    ("query", 3),
    ("pysource", 3),
    ("report", 4),
    ("export", 5),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The library's sources, without the binary's.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments and test modules: `#[cfg(test)]` items are skipped
/// to their closing brace (or `;`), and files that are test modules themselves are empty.
fn non_test_code(path: &Path, text: &str) -> Vec<(usize, String)> {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return Vec::new();
    }
    let mut kept = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let code = line.split("//").next().unwrap_or_default().trim();
        if code == "#[cfg(test)]" {
            // Skip the item: to the `;` of `mod tests;`, or to the brace that closes it.
            let mut depth = 0i64;
            let mut opened = false;
            for (_, line) in lines.by_ref() {
                let code = line.split("//").next().unwrap_or_default();
                depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
                opened |= code.contains('{');
                if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        if !code.is_empty() {
            kept.push((n + 1, code.to_string()));
        }
    }
    kept
}

/// The crate root's re-exports: a name used as `crate::Name` belongs to the module it comes from.
fn root_names(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let text: String = lib
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ");
    for item in text.split("pub use ").skip(1) {
        let item = item.split(';').next().unwrap_or_default();
        let module = item
            .split("::")
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let tail = item.split_once("::").map_or("", |(_, t)| t);
        for name in tail.split([',', '{', '}', ' ']) {
            let name = name.rsplit("::").next().unwrap_or_default().trim();
            if !name.is_empty() && name != "as" && name != "self" {
                names.insert(name.to_string(), module.clone());
            }
        }
        // `pub use a::B as C`: C is a's too.
        if let Some((_, alias)) = item.rsplit_once(" as ") {
            names.insert(alias.trim().to_string(), module.clone());
        }
    }
    names
}

/// The first segment of every `crate::…` path in a line, `crate::{a::B, c}` giving `a` and `c`.
fn crate_paths(code: &str) -> Vec<String> {
    let segment = |text: &str| -> String {
        text.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + 7..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let mut depth = 0;
                let mut start = 0;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            names.push(segment(&group[start..i]));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            names.push(segment(&group[start..i]));
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
            }
            None => names.push(segment(rest)),
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

#[test]
fn no_module_names_a_module_above_its_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let roots = root_names(&lib);
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&src).expect("under src/");
        let first = relative.components().next().expect("a component");
        let module = first.as_os_str().to_string_lossy();
        let module = module.trim_end_matches(".rs");
        if module == "lib" {
            continue;
        }
        let own = layer(module).unwrap_or_else(|| {
            panic!(
                "src/{} is in no layer: add it to LAYERS",
                relative.display()
            )
        });
        let text = std::fs::read_to_string(path).expect("a source file");
        for (n, code) in non_test_code(path, &text) {
            for name in crate_paths(&code) {
                let target = match layer(&name) {
                    Some(_) => name.clone(),
                    None => match roots.get(&name) {
                        Some(module) => module.clone(),
                        None => panic!(
                            "src/{}:{n}: crate::{name} is no module and no re-export",
                            relative.display()
                        ),
                    },
                };
                let theirs = layer(&target).expect("re-exports come from layered modules");
                if theirs > own {
                    upward.push(format!(
                        "src/{}:{n}: {module} (layer {own}) names crate::{name} ({target}, layer {theirs})",
                        relative.display()
                    ));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "{} upward references:\n{}",
        upward.len(),
        upward.join("\n")
    );
}
