//! memory_profiler recordings out: an SVG plot of memory against time, as `mprof plot` draws
//! it ([`write_svg`]), pstat's JSON for them ([`write_json`], schema in docs/mprof.md and
//! docs/pstat-memory.schema.json), and an HTML page with the summary and the plot
//! ([`write_html`]). [`write()`] picks one by [`OutputFormat`] and refuses the
//! formats a recording has no meaning in.

use std::io;

use crate::error::{Error, ErrorKind};
use crate::format::OutputFormat;
use crate::model::{MemoryProfile, MemorySample};

pub use crate::export::memory_svg::write_svg;

/// The version of the JSON document [`write_json`] writes (its `version` field).
pub const JSON_VERSION: u32 = 1;

/// Options for [`write_svg`]. The JSON takes none.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// Width of the SVG in pixels. Default: 900.
    pub width: u32,
    /// Height of the SVG in pixels. Default: 520.
    pub height: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            width: 900,
            height: 520,
        }
    }
}

/// Writes the recordings as `format` (SVG or JSON); any other format is
/// [`ErrorKind::UnsupportedOutput`].
pub fn write<W: io::Write>(
    format: OutputFormat,
    recordings: &[MemoryProfile],
    options: &Options,
    out: W,
) -> Result<(), Error> {
    match format {
        OutputFormat::Svg => write_svg(recordings, options, out)?,
        OutputFormat::Json => write_json(recordings, out)?,
        OutputFormat::Html => write_html(recordings, options, out)?,
        format => {
            return Err(Error::new(
                ErrorKind::UnsupportedOutput {
                    format,
                    input: "a memory_profiler recording",
                },
                None,
            ));
        }
    }
    Ok(())
}

/// The Content-Security-Policy of the page [`write_html`] writes: no script at all, the
/// page's own style, and images only from `data:` URLs (the plot).
pub const HTML_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// Writes the recordings as one self-contained HTML page, as the HTML report shows a memory
/// recording: the summary `pstat memory` prints, then the plot [`write_svg`] draws, as a
/// `data:` image (so nothing in it is parsed as HTML). The page has no script, and its
/// Content-Security-Policy ([`HTML_POLICY`]) lets no request leave it. Names are escaped.
pub fn write_html<W: io::Write>(
    recordings: &[MemoryProfile],
    options: &Options,
    mut out: W,
) -> io::Result<()> {
    use crate::escape::markup;
    use crate::export::html::base64_sha::base64;
    let mut svg = Vec::new();
    write_svg(recordings, options, &mut svg)?;
    let summary = crate::report::memory::to_string(recordings, &Default::default());
    let title = recordings
        .iter()
        .map(|r| {
            r.command()
                .or(r.path())
                .unwrap_or("memory_profiler recording")
        })
        .collect::<Vec<_>>()
        .join(", ");
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{HTML_POLICY}\">\n\
         <title>Memory: {}</title>\n\
         <style>body{{font-family:sans-serif;margin:1.5em}}\
         pre{{font-size:13px;background:#f6f6f6;padding:1em;overflow-x:auto}}\
         img{{max-width:100%;height:auto}}</style>\n</head>\n<body>\n\
         <h1>memory_profiler recording</h1>\n<pre id=\"summary\">{}</pre>\n\
         <img id=\"plot\" width=\"{}\" height=\"{}\" alt=\"memory (MiB) against time (s)\" \
         src=\"data:image/svg+xml;base64,{}\">\n</body>\n</html>\n",
        markup(&title),
        markup(&summary),
        options.width,
        options.height,
        base64(&svg)
    )
}

/// Writes `format` into memory.
pub fn to_vec(
    format: OutputFormat,
    recordings: &[MemoryProfile],
    options: &Options,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    write(format, recordings, options, &mut out)?;
    Ok(out)
}

/// Writes the recordings as pstat's memory JSON (docs/mprof.md, "JSON"): every figure the file
/// holds, in file order, with the summary figures `pstat memory` prints.
pub fn write_json<W: io::Write>(recordings: &[MemoryProfile], mut out: W) -> io::Result<()> {
    write!(
        out,
        "{{\"format\":\"pstat-memory\",\"version\":{JSON_VERSION},\"recordings\":["
    )?;
    for (i, profile) in recordings.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_recording(profile, &mut out)?;
    }
    out.write_all(b"]}\n")
}

fn write_recording<W: io::Write>(profile: &MemoryProfile, out: &mut W) -> io::Result<()> {
    write!(out, "\n{{\"file\":{}", string(profile.path()))?;
    write!(out, ",\"command\":{}", string(profile.command()))?;
    write!(out, ",\"start\":{}", number_or_null(profile.start()))?;
    write!(out, ",\"duration\":{}", number(profile.duration()))?;
    write!(out, ",\"peak\":{}", sample_or_null(profile.peak()))?;
    write!(out, ",\"baseline\":{}", sample_or_null(profile.baseline()))?;
    out.write_all(b",\"samples\":")?;
    write_samples(profile.samples(), out)?;
    out.write_all(b",\"children\":[")?;
    for (i, child) in profile.children().iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            "\n{{\"id\":{},\"peak\":{},\"samples\":",
            string(Some(&child.id)),
            sample_or_null(child.peak())
        )?;
        write_samples(&child.samples, out)?;
        out.write_all(b"}")?;
    }
    out.write_all(b"],\"functions\":[")?;
    for (i, function) in profile.functions().iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            "\n{{\"name\":{},\"largest_increase\":{},\"memory_at_end\":{},\"time_inside\":{},\"calls\":[",
            string(Some(&function.name)),
            number(function.largest_increase()),
            number(function.memory_at_end()),
            number(function.time_inside())
        )?;
        for (j, call) in function.calls.iter().enumerate() {
            if j > 0 {
                out.write_all(b",")?;
            }
            let level = call
                .stack_level
                .map_or_else(|| "null".to_string(), |l| l.to_string());
            write!(
                out,
                "{{\"start\":{},\"end\":{},\"stack_level\":{level}}}",
                sample(call.start),
                sample(call.end)
            )?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"]}")
}

/// Samples as two parallel arrays, `time` and `mib`: compact for long recordings.
fn write_samples<W: io::Write>(samples: &[MemorySample], out: &mut W) -> io::Result<()> {
    out.write_all(b"{\"time\":[")?;
    for (i, s) in samples.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(number(s.time).as_bytes())?;
    }
    out.write_all(b"],\"mib\":[")?;
    for (i, s) in samples.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(number(s.mib).as_bytes())?;
    }
    out.write_all(b"]}")
}

/// A JSON number: Rust's shortest text that reads back to the same `f64` (the reader admits
/// finite values only; anything else would be `null`).
fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value:?}")
    } else {
        "null".to_string()
    }
}

fn number_or_null(value: Option<f64>) -> String {
    value.map_or_else(|| "null".to_string(), number)
}

fn sample(s: MemorySample) -> String {
    format!("{{\"mib\":{},\"time\":{}}}", number(s.mib), number(s.time))
}

fn sample_or_null(s: Option<MemorySample>) -> String {
    s.map_or_else(|| "null".to_string(), sample)
}

fn string(text: Option<&str>) -> String {
    match text {
        Some(text) => serde_json::to_string(text).unwrap_or_else(|_| "null".to_string()),
        None => "null".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_json_and_keeps_every_figure() {
        let profile = crate::read::mprof::read(
            b"CMDLINE a \"b\"\nMEM 1.5 100.25\nMEM 2 101\nFUNC m.f 1 100.5 2 100.75 0\nCHLD 9 3 100.3\n",
        )
        .expect("reads");
        let json = to_vec(OutputFormat::Json, &[profile], &Options::default()).expect("writes");
        let value: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        let recording = &value["recordings"][0];
        assert_eq!(value["version"], 1);
        assert_eq!(recording["command"], "a \"b\"");
        assert_eq!(recording["samples"]["mib"][0], 1.5);
        assert_eq!(recording["peak"]["time"], 101.0);
        assert_eq!(recording["functions"][0]["calls"][0]["stack_level"], 0);
        assert_eq!(recording["children"][0]["id"], "9");
    }

    #[test]
    fn other_formats_are_refused() {
        let e = to_vec(OutputFormat::Folded, &[], &Options::default()).expect_err("refused");
        assert!(e.to_string().contains("cannot be written as folded"), "{e}");
    }
}
