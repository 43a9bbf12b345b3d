//! Text escaped for where it is written: one rule for each kind of output, so that every writer
//! of that kind escapes alike. Names, file names and command lines in a profile come from
//! whoever made it; each rule keeps such text from ending its string or element, starting
//! markup, or acting on a terminal, and otherwise leaves it as it is.
//!
//! | where the text goes | function |
//! |---|---|
//! | HTML or XML (SVG) content, or a quoted attribute | [`markup`], [`markup_into`] |
//! | a JSON string in an HTML `<script>` element | [`json_in_script`] |
//! | a DOT label or tooltip (Graphviz's escString) | [`dot_into`] |
//! | a text report on a terminal | [`terminal_into`] |
//! | input quoted in an error message | [`quote`] |
//!
//! The module knows nothing of profiles: text in, escaped text out. The writers that call
//! these per function of a large profile get no allocation of their own from them.

use std::fmt::Write as _;
use std::io;

/// Appends `text` for HTML or XML 1.0 element content or a quoted attribute: `&`, `<`, `>`, `"`
/// and `'` as `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&#39;`; the characters XML 1.0 forbids
/// (the C0 controls other than tab, newline and carriage return, and the noncharacters U+FFFE
/// and U+FFFF) as U+FFFD; everything else as it is.
///
/// One rule serves the HTML pages and the SVG files: `&#39;` means `'` in both (XML's `&apos;`
/// is not an HTML 4 entity), and the characters XML forbids, which would leave an SVG not
/// well-formed, are parse errors in HTML as well (all but form feed).
pub(crate) fn markup_into(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let escaped = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            '\t' | '\n' | '\r' => continue,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => "\u{fffd}",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(escaped);
        start = i + c.len_utf8();
    }
    out.push_str(&text[start..]);
}

/// [`markup_into`] into a new string.
pub(crate) fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    markup_into(&mut out, text);
    out
}

/// Writes `text` as a JSON string, quotes included, for a `<script type="application/json">`
/// element: what JSON itself requires (`"` and `\` escaped, C0 controls as `\u00NN`), and `<`,
/// `>`, `&`, U+2028 and U+2029 as `\u` escapes too. Inside the element nothing can then end it
/// (`</script>`) or open a comment (`<!--`), and the line and paragraph separators, line breaks
/// to older JavaScript, cannot either; a JSON parser reads the string back unchanged.
pub(crate) fn json_in_script<W: io::Write + ?Sized>(out: &mut W, text: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let escape: Option<&[u8]> = match c {
            '"' => Some(b"\\\""),
            '\\' => Some(b"\\\\"),
            '<' => Some(b"\\u003c"),
            '>' => Some(b"\\u003e"),
            '&' => Some(b"\\u0026"),
            '\u{2028}' => Some(b"\\u2028"),
            '\u{2029}' => Some(b"\\u2029"),
            '\u{0}'..='\u{1f}' => None,
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        match escape {
            Some(escape) => out.write_all(escape)?,
            None => write!(out, "\\u{:04x}", c as u32)?,
        }
        start = i + c.len_utf8();
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

/// Which double-quoted DOT string a text goes into: Graphviz unescapes a label's backslashes
/// once and a tooltip's twice (Graphviz 2.43, docs/dot.md, "Escaping").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DotString {
    /// A node's or edge's `label`.
    Label,
    /// A node's `tooltip` (in SVG output, the `<title>` of its link).
    Tooltip,
}

/// Appends `text` for the inside of a double-quoted DOT string that Graphviz reads as an
/// escString (a label or tooltip), so that it shows `text` and nothing else: `"` is escaped
/// with a backslash and `\` is doubled (quadrupled in a tooltip), since a bare `\` would start
/// `\n`, `\N`, `\G`, … or escape the closing quote; `&` is written `&amp;` (Graphviz turns
/// HTML entities into characters); a control character (a newline among them, which would
/// start a new label line or continue the string) is shown as its Unicode control picture
/// (U+2400 + code, U+2421 for DEL); and the noncharacters U+FFFE and U+FFFF, which XML (and so
/// Graphviz's SVG) forbids, as U+FFFD. Once more than `max_bytes` bytes are written, the rest
/// of `text` is left out and `…` ends it (Graphviz refuses a quoted string past a length).
/// docs/dot.md, "Escaping".
pub(crate) fn dot_into(out: &mut String, text: &str, string: DotString, max_bytes: usize) {
    let backslash = match string {
        DotString::Label => "\\\\",
        DotString::Tooltip => "\\\\\\\\",
    };
    let start = out.len();
    for c in text.chars() {
        if out.len() - start > max_bytes {
            out.push('…');
            return;
        }
        match c {
            '\\' => out.push_str(backslash),
            '"' => out.push_str("\\\""),
            '&' => out.push_str("&amp;"),
            '\u{7f}' => out.push('\u{2421}'),
            c if (c as u32) < 0x20 => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'))
            }
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// Appends `text` for a text report read on a terminal, with the characters that could act on
/// the terminal escaped: C0 controls (newline and tab included, since the report's layout is
/// one line per entry), DEL and C1 controls as `\xNN`; the line and paragraph separators and
/// the bidirectional-text controls (U+061C, U+200E, U+200F, U+2028 to U+202E, U+2066 to
/// U+2069), which reorder or break what follows them, as `\u{NNNN}`; with `ascii`, every other
/// non-ASCII character as `\u{NNNN}` too, so the output is ASCII. The escapes are for reading,
/// not for reversing: a backslash in the text is left as it is. docs/tree.md, "Names".
pub(crate) fn terminal_into(out: &mut String, text: &str, ascii: bool) {
    for c in text.chars() {
        match c {
            c if ascii && !c.is_ascii() && !c.is_control() => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// `text` for a line of one of pstat's own text reports (the tree, the diff, the memory
/// summary, the line report's headers), escaped as [`terminal_into`] escapes it without
/// `ascii`, whether or not the output is a terminal: a newline in a name would otherwise make
/// a row of its own in a pipe, and a file read by a script would hold the raw controls. Text
/// with nothing to escape is returned as it is.
pub(crate) fn plain(text: &str) -> std::borrow::Cow<'_, str> {
    let needs = |c: char| {
        matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{61c}' | '\u{200e}' | '\u{200f}')
            || matches!(c, '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(needs) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    terminal_into(&mut out, text, false);
    std::borrow::Cow::Owned(out)
}

/// How many characters of input [`quote`] shows.
const QUOTED_CHARS: usize = 60;

/// Input text for an error message: in backquotes, invalid UTF-8 as U+FFFD, each character as
/// Rust's `char::escape_debug` writes it (controls, quotes and backslashes escaped, so that the
/// message stays one line and the quoted text can be told from the words around it), and past
/// 60 characters cut, with `…` before the closing backquote. The text readers (folded stacks,
/// mprof recordings, speedscope) quote what they found with it.
pub(crate) fn quote(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut out = String::from("`");
    for (i, c) in text.chars().enumerate() {
        if i == QUOTED_CHARS {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_text_in_html_and_xml() {
        assert_eq!(
            markup("</title><script>x</script> & \"'"),
            "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt; &amp; &quot;&#39;"
        );
        // XML 1.0 forbids most C0 controls and U+FFFE/U+FFFF; tab, newline and carriage
        // return, DEL and the C1 controls are allowed.
        assert_eq!(
            markup("<a & \"b\"\x1b>\0\u{fffe}\u{ffff}"),
            "&lt;a &amp; &quot;b&quot;\u{fffd}&gt;\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(
            markup("a\tb\nc\rd\u{7f}\u{85}é→"),
            "a\tb\nc\rd\u{7f}\u{85}é→"
        );
        let mut out = String::from("<title>");
        markup_into(&mut out, "it's");
        assert_eq!(out, "<title>it&#39;s");
    }

    fn in_script(text: &str) -> String {
        let mut out = Vec::new();
        json_in_script(&mut out, text).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn json_in_a_script_has_no_markup() {
        let hostile = "</script><!-- \"\\\n\u{0}\u{1f}\u{2028}\u{2029} & é";
        let text = in_script(hostile);
        assert_eq!(
            text,
            r#""\u003c/script\u003e\u003c!-- \"\\\u000a\u0000\u001f\u2028\u2029 \u0026 é""#
        );
        let back: String = serde_json::from_str(&text).expect("JSON");
        assert_eq!(back, hostile);
        assert_eq!(in_script(""), r#""""#);
    }

    fn dot_label(text: &str) -> String {
        let mut out = String::new();
        dot_into(&mut out, text, DotString::Label, 4096);
        out
    }

    #[test]
    fn dot_leaves_nothing_that_ends_the_string_or_starts_a_line() {
        assert_eq!(dot_label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(dot_label("x\\"), "x\\\\");
        assert_eq!(
            dot_label("a\nb\r\0\t\u{7f}"),
            "a\u{240a}b\u{240d}\u{2400}\u{2409}\u{2421}"
        );
        assert_eq!(dot_label("&amp; <{}>|"), "&amp;amp; <{}>|");
        assert_eq!(dot_label("\u{fffe}\u{ffff}"), "\u{fffd}\u{fffd}");
        let mut tooltip = String::new();
        dot_into(&mut tooltip, "a\\b", DotString::Tooltip, 4096);
        assert_eq!(tooltip, "a\\\\\\\\b");
    }

    #[test]
    fn dot_text_past_the_limit_is_cut() {
        let long = dot_label(&"\\".repeat(10_000));
        assert!(long.len() <= 4096 + 2 + '…'.len_utf8());
        assert!(long.ends_with("\\\\…"));
        // The limit counts what this call writes, not what the string held before.
        let mut out = String::from("label=\"");
        dot_into(&mut out, "abcdef", DotString::Label, 3);
        assert_eq!(out, "label=\"abcd…");
        let mut out = String::new();
        dot_into(&mut out, "abcd", DotString::Label, 3);
        assert_eq!(out, "abcd", "nothing left out, no `…`");
    }

    #[test]
    fn terminal_controls_and_bidi_are_escaped() {
        let mut out = String::new();
        terminal_into(&mut out, "a\nb\x1b[31mc\u{85}d\u{202e}e\u{2069}é→", false);
        assert_eq!(out, "a\\x0ab\\x1b[31mc\\x85d\\u{202e}e\\u{2069}é→");
        out.clear();
        terminal_into(&mut out, "\x1bé\u{202e}\u{9f}", true);
        assert_eq!(out, "\\x1b\\u{00e9}\\u{202e}\\x9f");
        out.clear();
        terminal_into(&mut out, "back\\slash\t", false);
        assert_eq!(out, "back\\slash\\x09");
    }

    #[test]
    fn quotes_are_short_one_line_and_backquoted() {
        assert_eq!(quote(b"1x"), "`1x`");
        assert_eq!(quote(b"a\nb\x1b'\"\\"), "`a\\nb\\u{1b}\\'\\\"\\\\`");
        assert_eq!(quote(b"\xffok"), "`\u{fffd}ok`");
        let long = "é".repeat(61);
        assert_eq!(quote(long.as_bytes()), format!("`{}…`", "é".repeat(60)));
        assert_eq!(
            quote("é".repeat(60).as_bytes()),
            format!("`{}`", "é".repeat(60))
        );
    }
}
