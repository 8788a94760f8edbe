//! Display names.
use super::email::is_invisible;
use crate::validation::Invalid;

/// Display names: 1–100 characters once trimmed, not only whitespace, no
/// control characters, and no invisible or text-direction characters
/// ([`is_invisible`], code `invisible_characters`), which could hide or
/// reorder what other members see.
pub fn parse_display_name(raw: &str) -> Result<String, Invalid> {
    let name = crate::validation::bounded_text(raw, 1, 100)?;
    if name.chars().all(char::is_whitespace) {
        return Err(Invalid::new("required", "must not be empty"));
    }
    if name.chars().any(is_invisible) {
        return Err(Invalid::new(
            "invisible_characters",
            "must not contain invisible or text-direction characters (such as zero-width spaces, joiners or right-to-left overrides)",
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_refuse_direction_controls() {
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let name = format!("Sam{c}Patel");
            assert_eq!(
                parse_display_name(&name).unwrap_err().code,
                "invisible_characters",
                "U+{:04X}",
                c as u32
            );
        }
        // The classic RLO trick: shows as "Sam Patelexe.gpj".
        assert_eq!(
            parse_display_name("Sam Patel\u{202E}gpj.exe")
                .unwrap_err()
                .code,
            "invisible_characters"
        );
    }

    #[test]
    fn display_names_refuse_default_ignorables() {
        for c in [
            '\u{00AD}',
            '\u{034F}',
            '\u{115F}',
            '\u{1160}',
            '\u{17B4}',
            '\u{17B5}',
            '\u{180B}',
            '\u{180E}',
            '\u{180F}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{2061}',
            '\u{2064}',
            '\u{3164}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{FEFF}',
            '\u{FFA0}',
            '\u{1BCA0}',
            '\u{1BCA3}',
            '\u{1D173}',
            '\u{1D17A}',
            '\u{E0000}',
            '\u{E0001}',
            '\u{E007F}',
            '\u{E0FFF}',
        ] {
            let name = format!("Sam{c}Patel");
            assert_eq!(
                parse_display_name(&name).unwrap_err().code,
                "invisible_characters",
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn display_names_refuse_empty_and_invisible_only() {
        for empty in ["", "   ", "\u{3000}\u{2003} ", "\t\n"] {
            assert_eq!(
                parse_display_name(empty).unwrap_err().code,
                "required",
                "{empty:?}"
            );
        }
        for invisible in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}",
            " \u{FEFF} ",
            "\u{3164}",
        ] {
            assert_eq!(
                parse_display_name(invisible).unwrap_err().code,
                "invisible_characters",
                "{invisible:?}"
            );
        }
    }

    #[test]
    fn display_names_keep_ordinary_text() {
        for name in [
            "Sam Patel",
            "Zoë O'Brien-Smith",
            "محمد علي",
            "李小龍",
            "Ṣadé Adú",
            "  Ana Lima ",
        ] {
            assert_eq!(parse_display_name(name).unwrap(), name.trim());
        }
        assert_eq!(
            parse_display_name(&"x".repeat(101)).unwrap_err().code,
            "too_long"
        );
        assert_eq!(
            parse_display_name("a\u{7}b").unwrap_err().code,
            "control_characters"
        );
    }
}
