//! A self-contained HTML report (docs/html.md): one file with its CSS, its JavaScript and the
//! profile's data inline, that opens from disk with no server and makes no request. It shows a
//! summary, the function table (every pstats column, sortable in pstats' order, filtered,
//! rendered only where visible), a page per function with its callers and callees, an icicle
//! graph (real stacks for sampled profiles, stacks estimated from call edges otherwise) and,
//! for line profiles, each function's source with its timings.
//!
//! Names in a profile come from a stranger. The data travels as JSON inside a
//! `<script type="application/json">` element with `<`, `>`, `&`, U+2028 and U+2029 escaped,
//! so nothing in it can end the element; the page's script builds its DOM from text nodes
//! only; and a Content-Security-Policy allows the page's own script and style (by hash) and
//! nothing else.

mod data;
mod diff_data;
mod order;

use std::io;

use base64_sha::sha256_base64;

use crate::Profile;
use crate::escape::markup;
use crate::model::LineProfile;
use crate::query::diff::{Diff, DiffOptions};
use crate::query::stacks::StackOptions;
use crate::report::lines::SourceProvider;

/// The page's script (hand-written, no dependencies): one function in parts, each a file of
/// its own, joined here in order into the one script the page holds. The first part opens the
/// function and reads the data, the last one runs the page and closes it.
const SCRIPT: &str = concat!(
    include_str!("html/report-1-start.js"),
    include_str!("html/report-2-data.js"),
    include_str!("html/report-3-summary.js"),
    include_str!("html/report-4-table.js"),
    include_str!("html/report-5-function.js"),
    include_str!("html/report-6-icicle.js"),
    include_str!("html/report-7-selftest.js"),
    include_str!("html/report-8-lines.js"),
);
/// The page's style sheet.
const STYLE: &str = include_str!("html/report.css");

/// Options of the HTML report.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The page's title. Default: `pstat report`.
    pub title: String,
    /// The input files' names as the user gave them, shown in the summary of a line profile
    /// (a call profile names the files it was read from). Default: empty.
    pub inputs: Vec<String>,
    /// How the icicle's stacks are estimated from call edges, for profiles without real stacks.
    /// Default: [`StackOptions::default`].
    pub stacks: StackOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            title: "pstat report".to_string(),
            inputs: Vec::new(),
            stacks: StackOptions::default(),
        }
    }
}

/// Writes the report of a call profile (cProfile, profile or a sampled profile).
pub fn write<W: io::Write>(profile: &Profile, options: &Options, mut out: W) -> io::Result<()> {
    write_head(&options.title, &mut out)?;
    data::write_calls(profile, options, &mut out)?;
    write_tail(&mut out)
}

/// Writes the report of a line profile: each function's source (read through `sources`, as
/// `pstat lines` reads it) with its hits and times.
pub fn write_lines<W: io::Write>(
    profile: &LineProfile,
    options: &Options,
    sources: &dyn SourceProvider,
    mut out: W,
) -> io::Result<()> {
    write_head(&options.title, &mut out)?;
    data::write_lines(profile, options, sources, &mut out)?;
    write_tail(&mut out)
}

/// Writes the page of a diff (`pstat diff BASE NEW -o diff.html`): the report's views over
/// the diff's functions, coloured by change. `base` and `new` are the runs `diff` was computed
/// from with `diff_options` (their call edges give each function's callers and callees on both
/// sides; their stacks, real or estimated from call edges, the icicle, drawn with the new
/// side's widths and coloured by the change of each frame's own time).
pub fn write_diff<W: io::Write>(
    base: &[Profile],
    new: &[Profile],
    diff: &Diff,
    diff_options: &DiffOptions,
    options: &Options,
    mut out: W,
) -> io::Result<()> {
    write_head(&options.title, &mut out)?;
    diff_data::write_diff(base, new, diff, diff_options, options, &mut out)?;
    write_tail(&mut out)
}

/// The Content-Security-Policy of the page: nothing may load, connect or submit; only the
/// page's own script and style sheet, named by their SHA-256, may run or apply.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        sha256_base64(SCRIPT.as_bytes()),
        sha256_base64(STYLE.as_bytes())
    )
}

fn write_head<W: io::Write>(title: &str, out: &mut W) -> io::Result<()> {
    out.write_all(b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")?;
    // The policy holds only base64 digits, letters and fixed text: no escaping needed.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        content_security_policy()
    )?;
    out.write_all(b"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")?;
    out.write_all(b"<title>")?;
    out.write_all(markup(title).as_bytes())?;
    out.write_all(b"</title>\n<style>")?;
    out.write_all(STYLE.as_bytes())?;
    out.write_all(b"</style>\n</head>\n<body>\n<script type=\"application/json\" id=\"data\">")
}

fn write_tail<W: io::Write>(out: &mut W) -> io::Result<()> {
    out.write_all(b"</script>\n<script>")?;
    out.write_all(SCRIPT.as_bytes())?;
    out.write_all(b"</script>\n</body>\n</html>\n")
}

/// Base64: of the SHA-256 digests a Content-Security-Policy names its script and style by, and
/// of the data block's float columns.
pub(crate) mod base64_sha {
    use sha2::{Digest, Sha256};

    pub(super) fn sha256_base64(bytes: &[u8]) -> String {
        base64(&Sha256::digest(bytes))
    }

    /// Standard base64 with padding (RFC 4648, section 4).
    pub(crate) fn base64(bytes: &[u8]) -> String {
        let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
        base64_into(bytes, &mut out);
        // Base64 digits and `=` are ASCII.
        String::from_utf8(out).unwrap_or_default()
    }

    /// [`base64`] appended to `out`.
    pub(crate) fn base64_into(bytes: &[u8], out: &mut Vec<u8>) {
        const DIGITS: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let digit = |n: u32, shift: u32| DIGITS[(n >> shift) as usize & 63];
        let start = out.len();
        out.resize(start + bytes.len() / 3 * 4, 0);
        let text = &mut out[start..];
        // Six bytes (eight digits) a step, read as one big-endian word of eight, two digits
        // at a time from a table of every pair...
        const PAIRS: [[u8; 2]; 4096] = {
            let mut pairs = [[0u8; 2]; 4096];
            let mut i = 0;
            while i < 4096 {
                pairs[i] = [DIGITS[i >> 6], DIGITS[i & 63]];
                i += 1;
            }
            pairs
        };
        let mut done = 0;
        while done + 8 <= bytes.len() {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[done..done + 8]);
            let n = u64::from_be_bytes(word);
            let at = done / 3 * 4;
            let digits = &mut text[at..at + 8];
            for (k, pair) in digits.chunks_exact_mut(2).enumerate() {
                pair.copy_from_slice(&PAIRS[(n >> (52 - 12 * k)) as usize & 4095]);
            }
            done += 6;
        }
        // ...then three at a time.
        let mut chunks = bytes[done..].chunks_exact(3);
        for (chunk, text) in (&mut chunks).zip(text[done / 3 * 4..].chunks_exact_mut(4)) {
            let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
            text.copy_from_slice(&[digit(n, 18), digit(n, 12), digit(n, 6), digit(n, 0)]);
        }
        match *chunks.remainder() {
            [a] => {
                let n = u32::from(a) << 16;
                out.extend_from_slice(&[digit(n, 18), digit(n, 12), b'=', b'=']);
            }
            [a, b] => {
                let n = (u32::from(a) << 16) | (u32::from(b) << 8);
                out.extend_from_slice(&[digit(n, 18), digit(n, 12), digit(n, 6), b'=']);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_rfc4648s() {
        // RFC 4648, section 10.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64_sha::base64(input.as_bytes()), expected, "{input:?}");
        }
        // Longer input goes six bytes a step: bytes 0 to 63, as Python's base64.b64encode
        // writes them, and every shorter prefix of a multiple of three agrees with it.
        let bytes: Vec<u8> = (0..64).collect();
        let expected = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
        assert_eq!(base64_sha::base64(&bytes), expected);
        for len in (0..64).step_by(3) {
            assert_eq!(base64_sha::base64(&bytes[..len]), expected[..len / 3 * 4]);
        }
        // FIPS 180-2's example "abc".
        assert_eq!(
            sha256_base64(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn the_data_cannot_end_its_element() {
        let profile = crate::read_path(
            "tests/fixtures/stats/py313/cprofile.stats",
            &Default::default(),
        )
        .and_then(crate::AnyProfile::into_calls)
        .expect("fixture reads");
        let mut page = Vec::new();
        write(&profile, &Options::default(), &mut page).expect("writes");
        let page = String::from_utf8(page).expect("UTF-8");
        let start = page.find("id=\"data\">").expect("data block") + 10;
        let end = start + page[start..].find("</script>").expect("end");
        let block = &page[start..end];
        assert!(!block.contains(['<', '>', '&', '\u{2028}', '\u{2029}']));
        let value: serde_json::Value = serde_json::from_str(block).expect("JSON");
        assert_eq!(value["kind"], "calls");
        // One script element that runs, and its hash is the one the policy names.
        assert_eq!(page.matches("<script>").count(), 1);
        assert!(page.contains(&content_security_policy()));
    }
}
