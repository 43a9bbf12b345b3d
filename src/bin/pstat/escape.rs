//! Control characters in names, escaped on a terminal.

use std::io::{self, Write};

/// Names in a profile are data from whoever made it: on a terminal, control characters
/// (C0 other than newline and tab, DEL, C1) are shown as `\xNN` / `\uNNNN` instead of being
/// sent raw, so a crafted name cannot drive the terminal. Into a pipe or file the report goes
/// byte for byte, as pstats prints it.
///
/// This is not the rule `pstat tree` escapes its names by (the library's, which escapes newline
/// and tab too, and the bidirectional-text controls): it sees a whole report, whose own
/// newlines and tabs must pass, as bytes that may split a character between two writes.
pub struct EscapeControls<W> {
    inner: W,
    active: bool,
    /// A 0xC2 byte seen at the end of the last write: the start of a possible C1 character.
    pending_c2: bool,
}

impl<W: Write> EscapeControls<W> {
    pub fn new(inner: W, active: bool) -> Self {
        EscapeControls {
            inner,
            active,
            pending_c2: false,
        }
    }
}

impl<W: Write> Write for EscapeControls<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.active {
            return self.inner.write(buf);
        }
        let mut out = Vec::with_capacity(buf.len() + 16);
        for &byte in buf {
            if self.pending_c2 {
                self.pending_c2 = false;
                if (0x80..=0x9f).contains(&byte) {
                    out.extend_from_slice(format!("\\u{:04x}", byte).as_bytes());
                    continue;
                }
                out.push(0xc2);
            }
            match byte {
                b'\n' | b'\t' => out.push(byte),
                0x00..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{byte:02x}").as_bytes()),
                0xc2 => self.pending_c2 = true,
                _ => out.push(byte),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.pending_c2) {
            self.inner.write_all(&[0xc2])?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `EscapeControls` sends on for `writes`, written one after the other, then flushed.
    fn escaped(active: bool, writes: &[&[u8]]) -> Vec<u8> {
        let mut out = EscapeControls::new(Vec::new(), active);
        for bytes in writes {
            assert_eq!(
                out.write(bytes).expect("a Vec takes every byte"),
                bytes.len()
            );
        }
        out.flush().expect("a Vec flushes");
        out.inner
    }

    #[test]
    fn c0_controls_and_del_are_escaped() {
        assert_eq!(escaped(true, &[b"a\x00b\x1bc\x7f"]), b"a\\x00b\\x1bc\\x7f");
        assert_eq!(escaped(true, &[b"\r\x08\x1f"]), b"\\x0d\\x08\\x1f");
    }

    #[test]
    fn newline_and_tab_go_through() {
        assert_eq!(escaped(true, &[b"a\tb\n"]), b"a\tb\n");
    }

    #[test]
    fn c1_controls_are_escaped() {
        assert_eq!(escaped(true, &[b"x\xc2\x80y\xc2\x9b"]), b"x\\u0080y\\u009b");
        assert_eq!(escaped(true, &[b"\xc2\x9f"]), b"\\u009f");
    }

    #[test]
    fn c1_control_split_across_writes_is_escaped() {
        assert_eq!(escaped(true, &[b"x\xc2", b"\x9by"]), b"x\\u009by");
        assert_eq!(escaped(true, &[b"\xc2", b"\xc2", b"\x85"]), b"\xc2\\u0085");
    }

    #[test]
    fn trailing_c2_is_written_on_flush() {
        let mut out = EscapeControls::new(Vec::new(), true);
        out.write_all(b"ab\xc2").expect("a Vec takes every byte");
        assert_eq!(out.inner, b"ab");
        out.flush().expect("a Vec flushes");
        assert_eq!(out.inner, b"ab\xc2");
        out.flush().expect("a Vec flushes");
        assert_eq!(out.inner, b"ab\xc2", "written once");
    }

    #[test]
    fn utf8_text_is_untouched() {
        let text = "café → naïve ¡¿ 日本語 \u{a0}\u{ff} 🦀".as_bytes();
        assert_eq!(escaped(true, &[text]), text);
        // Split inside multi-byte characters, the 0xC2 of U+00A0 among them.
        let (a, b) = text.split_at(text.iter().position(|&b| b == 0xc2).expect("has 0xC2") + 1);
        assert_eq!(escaped(true, &[a, b]), text);
    }

    #[test]
    fn inactive_passes_bytes_through() {
        let bytes: &[u8] = b"a\x00\x1b[31m\x7f\xc2\x9b\xc2";
        assert_eq!(
            escaped(false, &[bytes, b"\xc2", b"\x80"]),
            b"a\x00\x1b[31m\x7f\xc2\x9b\xc2\xc2\x80"
        );
    }
}
