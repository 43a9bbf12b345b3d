//! Text escaped for where it is written: one rule for each kind of output, so that every writer
//! of that kind escapes alike. Names, file names and command lines in a profile come from
//! whoever made it; each rule keeps such text from ending its string or element, starting
//! markup, or acting on a terminal, and otherwise leaves it as it is.
//!
//! | where the text goes | function |
//! |---|---|
//! | HTML or XML (SVG) content, or a quoted attribute | [`markup`], [`markup_into`] |
//!
//! The module knows nothing of profiles: text in, escaped text out. The writers that call
//! these per function of a large profile get no allocation of their own from them.

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
}
