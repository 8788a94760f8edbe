//! Rules for CSV exports that people open in spreadsheets.
use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula (or, for tab
/// and carriage return, that some spreadsheets strip before doing so):
/// `=`, `+`, `-`, `@`, tab, CR, `;` and the full-width `＝`, `＋`, `－`, `＠`,
/// `；` (U+FF1D, U+FF0B, U+FF0D, U+FF20, U+FF1B).
const TRIGGERS: [char; 12] = [
    '=', '+', '-', '@', '\t', '\r', ';', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}', '\u{FF1B}',
];

/// True for a character a spreadsheet may skip before deciding that a cell
/// is a formula: whitespace, zero-width characters and the BOM
/// (U+200B–U+200D, U+2060, U+FEFF) and every other invisible or
/// text-direction character ([`crate::account::is_invisible`]).
fn skippable(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
        || crate::account::is_invisible(c)
}

/// True when a spreadsheet could read `raw` as a formula: it starts with a
/// trigger character ([`TRIGGERS`]), possibly after whitespace or invisible
/// characters.
pub fn is_formula_like(raw: &str) -> bool {
    raw.chars()
        .find(|c| TRIGGERS.contains(c) || !skippable(*c))
        .is_some_and(|c| TRIGGERS.contains(&c))
}

/// Neutralises a cell value a spreadsheet would read as a formula (CSV
/// injection) by prefixing a `'`, which makes spreadsheets show the value
/// as text; other values are returned unchanged. See [`is_formula_like`].
/// The result still needs RFC 4180 quoting.
pub fn neutralise(raw: &str) -> Cow<'_, str> {
    if is_formula_like(raw) {
        Cow::Owned(format!("'{raw}"))
    } else {
        Cow::Borrowed(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_unchanged() {
        for v in [
            "",
            "Sam Patel",
            "sam@nhs.net",
            "2026-01-01T09:00:00Z",
            "  padded",
            "\u{200B}",
            " \u{FEFF} ",
            "a=b",
            "O'Brien",
            "x-1",
        ] {
            assert!(matches!(neutralise(v), Cow::Borrowed(_)), "{v:?}");
            assert_eq!(neutralise(v), v);
        }
    }

    #[test]
    fn leading_triggers_are_neutralised() {
        for v in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            ";x",
            "\u{FF1D}1+1",
            "\u{FF0B}1",
            "\u{FF0D}1",
            "\u{FF20}SUM(A1)",
            "\u{FF1B}x",
        ] {
            assert_eq!(neutralise(v), format!("'{v}"), "{v:?}");
        }
    }

    #[test]
    fn triggers_after_whitespace_or_invisible_characters_are_neutralised() {
        for v in [
            " =1+1",
            "  \t=1",
            "\n@SUM(A1)",
            "\u{00A0}-1",
            "\u{200B}=1+1",
            "\u{200C}+1",
            "\u{200D}-1",
            "\u{2060}@x",
            "\u{FEFF}=1",
            "\u{FEFF} \u{200B}\u{FF1D}1",
            "\u{202E}=1",
            " ;x",
        ] {
            assert_eq!(neutralise(v), format!("'{v}"), "{v:?}");
        }
    }

    #[test]
    fn existing_export_expectations_hold() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("qualified"), "qualified");
    }
}
