//! iCalendar values and content lines: TEXT, parameter and URI values, and
//! lines folded at 75 octets (RFC 5545 §3.1, §3.2, §3.3).

use chrono::{DateTime, Datelike, Timelike, Utc};

/// iCalendar DATE-TIME, local form (RFC 5545 §3.3.5, form #3 with `TZID`):
/// `YYYYMMDDTHHMMSS` of the time's own (wall-clock) fields. Written
/// directly rather than through a strftime pattern, which chrono parses
/// again at every call (a feed formats three times per event).
pub(super) fn ical_local(t: &(impl Datelike + Timelike)) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// iCalendar DATE-TIME, UTC form (§3.3.5, form #2): [`ical_local`] of the
/// UTC time with `Z`.
pub(super) fn ical_utc(t: &DateTime<Utc>) -> String {
    let mut s = ical_local(t);
    s.push('Z');
    s
}
/// Longest content line, in octets, excluding the line break (§3.1).
pub(super) const MAX_LINE_OCTETS: usize = 75;

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\`, `;` and `,` get a
/// backslash, a line break (LF or CRLF) becomes `\n`, a lone CR and every
/// other control character are dropped.
pub(super) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Copies the runs between the characters that change as slices.
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let with = match c {
            '\\' => "\\\\",
            ';' => "\\;",
            ',' => "\\,",
            '\n' => "\\n",
            // CR of a CRLF (whose LF gives the `\n`) or a lone CR.
            c if c.is_control() => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        out.push_str(with);
        run = i + c.len_utf8();
    }
    out.push_str(&s[run..]);
    out
}

/// A parameter value (§3.2): control characters dropped, `"` (not allowed
/// at all) replaced by `'`, and the whole quoted if it contains `:`, `;` or `,`.
pub(super) fn param_value(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    if cleaned.contains([':', ';', ',']) {
        format!("\"{cleaned}\"")
    } else {
        cleaned
    }
}

/// A URI value (URL, `mailto:`): not TEXT-escaped, but line breaks and other
/// control characters, which cannot appear in a content line, are dropped.
pub(super) fn uri_value(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Content lines being written: each folded and ended with CRLF.
#[derive(Default)]
pub(super) struct Lines(pub(super) String);

impl Lines {
    pub(super) fn line(&mut self, content: &str) {
        fold_into(&mut self.0, &[content]);
    }

    /// `name` (with any parameters) `:` `value`; the value already encoded.
    pub(super) fn prop(&mut self, name: &str, value: &str) {
        fold_into(&mut self.0, &[name, ":", value]);
    }
}

/// Appends the line made of `parts` folded (§3.1): no physical line longer
/// than 75 octets, the continuation lines starting with one space (which
/// counts), never splitting a UTF-8 character; every physical line ends
/// with CRLF. Copies whole runs of characters rather than one at a time.
fn fold_into(out: &mut String, parts: &[&str]) {
    let mut used = 0;
    for part in parts {
        let mut rest = *part;
        loop {
            let room = MAX_LINE_OCTETS - used;
            if rest.len() <= room {
                out.push_str(rest);
                used += rest.len();
                break;
            }
            // The longest prefix that fits and ends on a character boundary
            // (`room` itself is at most 75, and a character at most 4 octets).
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            used = 1;
            rest = &rest[cut..];
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The hand-written DATE-TIME forms equal chrono's strftime of the
        /// same pattern, for any instant from year 1000 to 9999, in UTC and
        /// as a wall-clock time elsewhere.
        #[test]
        fn date_times_equal_strftime(secs in -30_610_224_000i64..253_402_300_799i64) {
            let t = DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
            prop_assert_eq!(ical_utc(&t), t.format("%Y%m%dT%H%M%SZ").to_string());
            let local = t.with_timezone(&chrono_tz::Pacific::Chatham);
            prop_assert_eq!(ical_local(&local), local.format("%Y%m%dT%H%M%S").to_string());
            let naive = t.naive_utc();
            prop_assert_eq!(ical_local(&naive), naive.format("%Y%m%dT%H%M%S").to_string());
        }
    }

    /// Inverse of `escape_text`, independent of it.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n' | 'N') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    pub(in crate::calendar::ics) fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    #[test]
    fn text_escaping() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\u{7}h\ti"),
            "a\\\\b\\;c\\,d\\ne\\nfghi"
        );
        assert_eq!(escape_text("☕ Café: 10:00 🎉"), "☕ Café: 10:00 🎉");
        assert_eq!(escape_text("\\n"), "\\\\n");
        assert_eq!(unescape(&escape_text("x\\n,;\\")), "x\\n,;\\");
    }

    #[test]
    fn param_quoting() {
        assert_eq!(param_value("Jo Smith"), "Jo Smith");
        assert_eq!(param_value("Smith, Jo"), "\"Smith, Jo\"");
        assert_eq!(param_value("a;b"), "\"a;b\"");
        assert_eq!(param_value("Dr: Who"), "\"Dr: Who\"");
        assert_eq!(param_value("Jo \"JJ\" Smith"), "Jo 'JJ' Smith");
        assert_eq!(param_value("Jo \"JJ\", Smith"), "\"Jo 'JJ', Smith\"");
        assert_eq!(param_value("Jo\r\n\tSmith"), "JoSmith");
        assert_eq!(
            uri_value("https://x.org/a\r\nb?c=d,e;f"),
            "https://x.org/ab?c=d,e;f"
        );
    }

    #[test]
    fn folding_at_75_octets() {
        let mut out = String::new();
        fold_into(&mut out, &[&"a".repeat(75)]);
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));

        let mut out = String::new();
        fold_into(&mut out, &[&"a".repeat(76)]);
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));

        let mut out = String::new();
        fold_into(&mut out, &[&"a".repeat(75 + 74 + 1)]);
        assert_eq!(
            out,
            format!("{}\r\n {}\r\n a\r\n", "a".repeat(75), "a".repeat(74))
        );

        // A 4-octet character that would straddle octet 75 moves to the next line.
        let mut out = String::new();
        fold_into(&mut out, &[&format!("{}🎉b", "a".repeat(73))]);
        assert_eq!(out, format!("{}\r\n 🎉b\r\n", "a".repeat(73)));

        let mut out = String::new();
        fold_into(&mut out, &[""]);
        assert_eq!(out, "\r\n");
    }

    /// Characters that are interesting to escaping and folding, mixed with
    /// arbitrary ones.
    pub(in crate::calendar::ics) fn tricky_string() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            4 => any::<char>(),
            1 => prop::sample::select(vec!['\\', ';', ',', '\n', '\r', ':', '"', 'é', '漢', '🎉', ' ']),
        ];
        prop::collection::vec(c, 0..400).prop_map(String::from_iter)
    }

    proptest! {
        #[test]
        fn folded_lines_fit_and_unfold_exactly(s in tricky_string()) {
            let content = format!("DESCRIPTION:{}", escape_text(&s));
            let mut out = String::new();
            fold_into(&mut out, &[&content]);
            prop_assert!(out.ends_with("\r\n"));
            let body = &out[..out.len() - 2];
            for line in body.split("\r\n") {
                prop_assert!(line.len() <= MAX_LINE_OCTETS, "{} octets: {:?}", line.len(), line);
            }
            for (i, line) in body.split("\r\n").enumerate() {
                prop_assert_eq!(i > 0, line.starts_with(' '));
            }
            prop_assert_eq!(unfold(body), content);
            // No raw line breaks or other control characters survive escaping.
            let escaped = escape_text(&s);
            prop_assert!(!escaped.chars().any(char::is_control));
            let expected: String = s
                .chars()
                .filter(|c| *c == '\n' || !c.is_control())
                .collect();
            prop_assert_eq!(unescape(&escaped), expected);
        }

        /// Folding a line given in parts, and escaping by runs, equal the
        /// character-at-a-time forms they replaced, wherever the parts split.
        #[test]
        fn run_copies_equal_one_character_at_a_time(s in tricky_string(), at in 0usize..400) {
            prop_assert_eq!(escape_text(&s), escape_by_char(&s));
            let content = format!("DESCRIPTION:{}", escape_text(&s));
            let mut whole = String::new();
            fold_into(&mut whole, &[&content]);
            prop_assert_eq!(&whole, &fold_by_char(&content));
            let mut cut = at.min(content.len());
            while !content.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut parts = String::new();
            fold_into(&mut parts, &[&content[..cut], "", &content[cut..]]);
            prop_assert_eq!(parts, whole);
        }
    }

    fn escape_by_char(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                ';' => out.push_str("\\;"),
                ',' => out.push_str("\\,"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
        out
    }

    fn fold_by_char(line: &str) -> String {
        let mut out = String::new();
        let mut used = 0;
        for c in line.chars() {
            if used + c.len_utf8() > MAX_LINE_OCTETS {
                out.push_str("\r\n ");
                used = 1;
            }
            out.push(c);
            used += c.len_utf8();
        }
        out.push_str("\r\n");
        out
    }
}
