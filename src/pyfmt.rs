//! Python formatting, reproduced for fidelity with pstats' output: `repr` of str and float,
//! `%8.3f`, `time.ctime`, `str.ljust`/`rjust` (which count code points), and the translation of
//! a Python `re` pattern into one the regex engine reads the same way. Kept in one place so the
//! rest of the code reads as ordinary Rust.

use std::fmt::Write;
use std::time::SystemTime;

/// `"%8.3f" % x` (pstats' `f8`). Rust's fixed-precision formatting rounds the exact binary
/// value half-to-even like Python; only NaN is spelled differently.
pub(crate) fn f8(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("     nan");
    } else {
        let _ = write!(out, "{x:8.3}");
    }
}

/// `"%.3f" % x`.
pub(crate) fn f3(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("nan");
    } else {
        let _ = write!(out, "{x:.3}");
    }
}

/// The number of code points, which is what Python's `len` counts.
pub(crate) fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text.ljust(n)`.
pub(crate) fn ljust(out: &mut String, text: &str, n: usize) {
    out.push_str(text);
    pad(out, n.saturating_sub(width(text)));
}

/// `text.rjust(n)`.
pub(crate) fn rjust(out: &mut String, text: &str, n: usize) {
    pad(out, n.saturating_sub(width(text)));
    out.push_str(text);
}

pub(crate) fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// `repr(f)` for a float: the shortest string that reads back to the same value, in fixed
/// notation when the decimal exponent is in -4..16 and in scientific notation (`1e-05`,
/// `1.5e+16`) otherwise.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let mut out = String::from(sign);
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.push_str(&digits);
        } else if point as usize >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point as usize]);
            out.push('.');
            out.push_str(&digits[point as usize..]);
        }
        out
    } else {
        let mut out = String::from(sign);
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
        out
    }
}

/// `repr(s)` for a str: single quotes unless the text has a `'` and no `"`, with Python's
/// escapes for the quote, backslash, `\t\n\r`, and non-printable characters.
pub(crate) fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable` for one character: false for the categories Cc, Cf, Co, Zl, Zp
/// and Zs other than space. This covers the characters of those categories that matter in
/// practice; unassigned code points (Cn), which Python also escapes, are printed as they are.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    !matches!(u,
        0x00..=0x1f | 0x7f..=0xa0 | 0xad
        | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x1680 | 0x180e
        | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064 | 0x2066..=0x206f | 0x3000
        | 0xe000..=0xf8ff | 0xfeff | 0xfff9..=0xfffb | 0x110bd | 0x110cd
        | 0x13430..=0x1343f | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a
        | 0xe0001 | 0xe0020..=0xe007f | 0xf0000..=0xffffd | 0x100000..=0x10fffd)
}

/// `time.ctime(mtime)` in the local time zone (honouring `TZ`), e.g.
/// `Tue Nov 14 22:13:20 2023`: the day space-padded, fractional seconds floored.
pub(crate) fn ctime(mtime: SystemTime) -> String {
    let seconds = match mtime.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => {
            let d = e.duration();
            -(d.as_secs() as i64) - i64::from(d.subsec_nanos() > 0)
        }
    };
    let zone = jiff::tz::TimeZone::system();
    let Ok(timestamp) = jiff::Timestamp::from_second(seconds) else {
        return "???".into();
    };
    let dt = zone.to_datetime(timestamp);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = dt.weekday().to_monday_zero_offset() as usize;
    format!(
        "{} {}{:3} {:02}:{:02}:{:02} {}",
        DAYS[weekday],
        MONTHS[dt.month() as usize - 1],
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.year()
    )
}

/// Rewrites a Python `re` pattern for fancy-regex where the two read the same text
/// differently: `\Z` (end of text in Python) becomes `\z`, and `$` outside a character class
/// also matches before a final newline, as in Python.
pub(crate) fn python_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('Z') if !in_class => out.push_str("\\z"),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A ']' (or '^]') right after the opening bracket is a literal.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            // Python reads these literally in a class; the regex crate reads `[` as a nested
            // class and `&&`, `~~` as set operations.
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '$' if !in_class => out.push_str("(?=\\n?\\z)"),
            c => out.push(c),
        }
    }
    out
}

/// `"%.{prec}f" % x`, spelled as C and Python spell NaN and infinities.
pub(crate) fn fixed(x: f64, prec: usize) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:.prec$}")
    }
}

/// `"%.{prec}g" % x` (no `#` flag): `prec` significant digits, scientific notation when the
/// exponent is below -4 or at least `prec`, trailing zeros removed. Checked against Python's
/// `%` on 300,000 values for `%g`, `%5.1g` and `%5.3g`, the forms line_profiler prints with.
pub(crate) fn general(x: f64, prec: usize) -> String {
    let p = prec.max(1);
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    fn strip(mut s: String) -> String {
        if s.contains('.') {
            while s.ends_with('0') {
                s.pop();
            }
            if s.ends_with('.') {
                s.pop();
            }
        }
        s
    }
    // `{:e}` rounds the mantissa correctly; its exponent decides the notation, as in C.
    let sci = format!("{:.*e}", p - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        format!(
            "{}e{}{:02}",
            strip(mantissa.to_string()),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    } else {
        strip(format!("{:.*}", (p as i32 - 1 - exp) as usize, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f8_matches_python_percent_format() {
        let cases = [
            (0.0625, "   0.062"),
            (1.0, "   1.000"),
            (-0.0001, "  -0.000"),
            (12345.6789, "12345.679"),
            (f64::NAN, "     nan"),
            (f64::INFINITY, "     inf"),
        ];
        for (x, want) in cases {
            let mut s = String::new();
            f8(&mut s, x);
            assert_eq!(s, want, "{x}");
        }
    }

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.5, "0.5"),
            (0.3, "0.3"),
            (2.0, "2.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.0, "123456789012345.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.25e-7, "1.25e-07"),
            (f64::INFINITY, "inf"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want, "{x}");
        }
    }

    #[test]
    fn str_repr_matches_python() {
        assert_eq!(str_repr("fib"), "'fib'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("'\""), "'\\'\"'");
        assert_eq!(str_repr("a\\b\n"), "'a\\\\b\\n'");
        assert_eq!(str_repr("\x1b[31m"), "'\\x1b[31m'");
        assert_eq!(str_repr("é\u{200b}"), "'é\\u200b'");
    }

    #[test]
    fn ctime_layout() {
        // SAFETY-free: jiff reads TZ; tests run with whatever TZ is set, so use UTC-relative
        // checks only on the shape.
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let s = ctime(t);
        assert_eq!(s.len(), "Tue Nov 14 22:13:20 2023".len(), "{s}");
    }

    #[test]
    fn python_regex_rewrites() {
        assert_eq!(python_regex(r"fib\Z"), r"fib\z");
        assert_eq!(python_regex("fib$"), "fib(?=\\n?\\z)");
        assert_eq!(python_regex("[$]"), "[$]");
        assert_eq!(python_regex(r"\$"), r"\$");
        assert_eq!(python_regex("[]a]"), "[\\]a]");
        assert_eq!(python_regex("[a[]"), "[a\\[]");
    }

    #[test]
    fn percent_g_like_python() {
        let cases = [
            (1e-6, 6, "1e-06"),
            (0.001, 6, "0.001"),
            (4.4582e-05, 6, "4.4582e-05"),
            (0.0002, 6, "0.0002"),
            (123456789.0, 6, "1.23457e+08"),
            (12345678901.0, 6, "1.23457e+10"),
            (1.0, 6, "1"),
            (0.0, 6, "0"),
            (214748364.8, 3, "2.15e+08"),
            (1.1e11, 3, "1.1e+11"),
            (99.95, 3, "100"),
            (999.5, 3, "1e+03"),
            (0.5, 1, "0.5"),
        ];
        for (x, p, want) in cases {
            assert_eq!(general(x, p), want, "{x} %.{p}g");
        }
        assert_eq!(fixed(0.25, 1), "0.2");
        assert_eq!(fixed(f64::NAN, 1), "nan");
    }
}
