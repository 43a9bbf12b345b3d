//! How a function's file is rewritten before the two sides are matched (docs/diff.md,
//! "Matching"): the same library sits under a different prefix on another machine or in
//! another virtualenv.

/// How file paths are rewritten before functions are matched across the sides of a diff.
/// Rewrites apply in this order: the first `maps` prefix that matches, the canonical forms,
/// then `strip_dirs`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PathNormalization {
    /// Rewrite paths below a `site-packages/` or `dist-packages/` directory to
    /// `<site-packages>/…`, and paths below `lib/pythonX.Y/` (the standard library of an
    /// installation, a virtualenv's or pyenv's prefix) to `<stdlib>/…`. Default: true.
    pub canonical: bool,
    /// Prefix rewrites, `(old, new)`: a path that starts with `old` has it replaced by `new`;
    /// the first that matches applies. Default: none.
    pub maps: Vec<(String, String)>,
    /// Keep only the file's base name, as pstats' `strip_dirs` does. Default: false.
    pub strip_dirs: bool,
}

impl Default for PathNormalization {
    fn default() -> Self {
        PathNormalization {
            canonical: true,
            maps: Vec::new(),
            strip_dirs: false,
        }
    }
}

/// The canonical prefix of third-party packages.
pub const SITE_PACKAGES: &str = "<site-packages>";
/// The canonical prefix of the standard library.
pub const STDLIB: &str = "<stdlib>";

impl PathNormalization {
    /// The path as the diff matches and shows it.
    pub fn apply(&self, path: &str) -> String {
        let mut path = match self
            .maps
            .iter()
            .find_map(|(old, new)| path.strip_prefix(old.as_str()).map(|rest| (new, rest)))
        {
            Some((new, rest)) => format!("{new}{rest}"),
            None => path.to_string(),
        };
        if self.canonical
            && let Some(canonical) = canonical(&path)
        {
            path = canonical;
        }
        if self.strip_dirs {
            // os.path.basename, as pstats' func_strip_path uses it.
            if let Some(at) = path.rfind('/') {
                path.drain(..=at);
            }
        }
        path
    }
}

/// `<site-packages>/rest` or `<stdlib>/rest`, if the path lies below such a directory. Windows
/// separators count as `/` for finding the directory; the rest keeps `/`.
fn canonical(path: &str) -> Option<String> {
    let unified: String;
    let slashed = if path.contains('\\') {
        unified = path.replace('\\', "/");
        unified.as_str()
    } else {
        path
    };
    let rest_after = |dir: &str| -> Option<usize> {
        // The last such directory: a package vendored inside another keeps its own prefix.
        let at = slashed.rfind(dir)?;
        let starts_component = at == 0 || slashed.as_bytes()[at - 1] == b'/';
        starts_component.then_some(at + dir.len())
    };
    let site = [rest_after("site-packages/"), rest_after("dist-packages/")]
        .into_iter()
        .flatten()
        .max();
    if let Some(rest) = site {
        return Some(format!("{SITE_PACKAGES}/{}", &slashed[rest..]));
    }
    stdlib_rest(slashed).map(|rest| format!("{STDLIB}/{}", &slashed[rest..]))
}

/// Where the path continues after its last `lib/pythonX.Y/` (or `lib64/…`) directory.
fn stdlib_rest(path: &str) -> Option<usize> {
    let bytes = path.as_bytes();
    let mut found = None;
    let mut from = 0;
    while let Some(offset) = path[from..].find("python") {
        let at = from + offset;
        from = at + "python".len();
        let before = &path[..at];
        if !(before.ends_with("/lib/")
            || before.ends_with("/lib64/")
            || before == "lib/"
            || before == "lib64/")
        {
            continue;
        }
        // X.Y/, digits on both sides of one dot.
        let mut i = from;
        let digits = |i: &mut usize| {
            let start = *i;
            while *i < bytes.len() && bytes[*i].is_ascii_digit() {
                *i += 1;
            }
            *i > start
        };
        if digits(&mut i)
            && bytes.get(i) == Some(&b'.')
            && {
                i += 1;
                digits(&mut i)
            }
            && bytes.get(i) == Some(&b'/')
        {
            found = Some(i + 1);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical_of(path: &str) -> String {
        PathNormalization::default().apply(path)
    }

    #[test]
    fn installs_and_standard_libraries_become_canonical() {
        for (path, expected) in [
            (
                "/tmp/a/lib/python3.12/site-packages/pkg/core.py",
                "<site-packages>/pkg/core.py",
            ),
            (
                "/home/u/venv/lib/python3.11/site-packages/pkg/core.py",
                "<site-packages>/pkg/core.py",
            ),
            (
                "/usr/lib/python3/dist-packages/pkg/core.py",
                "<site-packages>/pkg/core.py",
            ),
            (
                r"C:\Py\Lib\site-packages\pkg\core.py",
                "<site-packages>/pkg/core.py",
            ),
            (
                "/root/.pyenv/versions/3.12.1/lib/python3.12/json/decoder.py",
                "<stdlib>/json/decoder.py",
            ),
            ("/usr/lib64/python3.9/os.py", "<stdlib>/os.py"),
            ("/src/mysite-packages/x.py", "/src/mysite-packages/x.py"),
            ("/src/lib/pythonic/x.py", "/src/lib/pythonic/x.py"),
            ("/src/lib/python3.12x/x.py", "/src/lib/python3.12x/x.py"),
            ("~", "~"),
            (
                "<frozen importlib._bootstrap>",
                "<frozen importlib._bootstrap>",
            ),
        ] {
            assert_eq!(canonical_of(path), expected, "{path}");
        }
    }

    #[test]
    fn maps_apply_first_and_strip_dirs_last() {
        let mut paths = PathNormalization {
            maps: vec![
                ("/build/a/".to_string(), "/src/".to_string()),
                ("/build/".to_string(), "/other/".to_string()),
            ],
            ..PathNormalization::default()
        };
        assert_eq!(paths.apply("/build/a/x.py"), "/src/x.py");
        assert_eq!(paths.apply("/build/b/x.py"), "/other/b/x.py");
        paths.strip_dirs = true;
        assert_eq!(paths.apply("/build/a/x.py"), "x.py");
        assert_eq!(paths.apply("~"), "~");
        paths.canonical = false;
        paths.strip_dirs = false;
        assert_eq!(
            paths.apply("/v/lib/python3.12/site-packages/p.py"),
            "/v/lib/python3.12/site-packages/p.py"
        );
    }
}
