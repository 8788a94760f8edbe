//! Email addresses and domains, and the invisible characters refused in
//! them and in names.
use icu_properties::CodePointSetData;
use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::validation::Invalid;

/// A normalised email address: NFKC-normalised, trimmed and lower-cased, so
/// that full-width or other compatibility forms of one address compare equal
/// (`ｓａｍ@ｎｈｓ.ｎｅｔ` is `sam@nhs.net`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Accepts `local@domain` with a dotted domain of letters, digits and
    /// hyphens. Deliberately stricter than RFC 5322: no quoted local parts,
    /// no IP literals, no spaces. The input is NFKC-normalised, trimmed and
    /// lower-cased first; invisible or text-direction characters
    /// ([`is_invisible`]) are refused with `invisible_characters`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        // Far longer than any address even before normalisation (NFKC can
        // turn one character into many, so the length is checked again).
        if raw.len() > 4 * Self::MAX_LEN {
            return Err(Invalid::new("too_long", "must be at most 254 characters"));
        }
        let s: String = raw.trim().nfkc().collect();
        let s = s.trim().to_lowercase();
        let bad = || {
            Invalid::new(
                "invalid_email",
                "must be an email address like name@nhs.net",
            )
        };
        if s.is_empty() {
            return Err(Invalid::new("required", "must not be empty"));
        }
        if s.chars().any(is_invisible) {
            return Err(Invalid::new(
                "invisible_characters",
                "must not contain invisible or text-direction characters (such as zero-width spaces or right-to-left marks); type the address rather than pasting it",
            ));
        }
        if s.len() > Self::MAX_LEN {
            return Err(Invalid::new("too_long", "must be at most 254 characters"));
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        {
            return Err(bad());
        }
        parse_domain(domain).map_err(|_| bad())?;
        if !domain.contains('.') {
            return Err(bad());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates a DNS domain name (lower-cased): labels of letters, digits
/// and inner hyphens, 1–63 characters each, 253 at most in all.
pub fn parse_domain(raw: &str) -> Result<String, Invalid> {
    let d = raw.trim().trim_end_matches('.').to_lowercase();
    let bad = || Invalid::new("invalid_domain", "must be a domain name like nhs.net");
    if d.is_empty() || d.len() > 253 {
        return Err(bad());
    }
    for label in d.split('.') {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(bad());
        }
    }
    Ok(d)
}

/// True when `email`'s domain is `allowed` itself or a subdomain of it:
/// `nhs.net` allows `x@nhs.net` and `x@trust.nhs.net`, not `x@evilnhs.net`.
pub fn domain_allowed(email: &Email, allowed: &[String]) -> bool {
    let domain = email.domain();
    allowed.iter().any(|a| {
        let a = a.trim().trim_end_matches('.').to_ascii_lowercase();
        !a.is_empty()
            && (domain == a
                || (domain.len() > a.len()
                    && domain.ends_with(&a)
                    && domain.as_bytes()[domain.len() - a.len() - 1] == b'.'))
    })
}

/// True for a character that is not displayed or that changes the direction
/// of the text around it: Unicode `Bidi_Control` (U+061C, U+200E/F,
/// U+202A–U+202E, U+2066–U+2069) or `Default_Ignorable_Code_Point`
/// (zero-width spaces and joiners, U+FEFF, the soft hyphen, variation
/// selectors, Hangul fillers, tag characters, …). The sets come from the
/// Unicode Character Database compiled into `icu_properties` (ICU4X).
pub fn is_invisible(c: char) -> bool {
    CodePointSetData::new::<BidiControl>().contains(c)
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_normalises_and_rejects_garbage() {
        assert_eq!(
            Email::parse(" A.B@NHS.net ").unwrap().as_str(),
            "a.b@nhs.net"
        );
        for bad in [
            "",
            "x",
            "x@",
            "@nhs.net",
            "x@nhs",
            "a b@nhs.net",
            "x@-a.net",
            "a..b@nhs.net",
            "x@nhs..net",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@nhs.net", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code, "too_long");
    }

    #[test]
    fn domain_match_is_exact_or_subdomain() {
        let allowed = vec!["nhs.net".to_owned(), "Gov.UK".to_owned()];
        let ok = |e: &str| domain_allowed(&Email::parse(e).unwrap(), &allowed);
        assert!(ok("x@nhs.net"));
        assert!(ok("X@NHS.NET"));
        assert!(ok("x@trust.nhs.net"));
        assert!(ok("x@dept.gov.uk"));
        assert!(!ok("x@evilnhs.net"));
        assert!(!ok("x@nhs.net.evil.com"));
        assert!(!ok("x@gmail.com"));
        assert!(!domain_allowed(&Email::parse("x@nhs.net").unwrap(), &[]));
    }

    #[test]
    fn email_applies_nfkc_before_comparing() {
        let plain = Email::parse("sam@nhs.net").unwrap();
        for variant in [
            "ｓａｍ@ｎｈｓ.ｎｅｔ",
            "ＳＡＭ＠ＮＨＳ．ＮＥＴ",
            " Sam@NHS.net\u{3000}",
            "\u{3000}ｓam@nhs.net",
        ] {
            assert_eq!(Email::parse(variant).unwrap(), plain, "{variant:?}");
        }
        // Compatibility ligatures and superscripts fold to their letters.
        assert_eq!(
            Email::parse("ﬁona@nhs.net").unwrap().as_str(),
            "fiona@nhs.net"
        );
        assert_eq!(
            Email::parse("sam²@nhs.net").unwrap().as_str(),
            "sam2@nhs.net"
        );
    }

    #[test]
    fn email_refuses_invisible_and_direction_characters() {
        for bad in [
            "sa\u{200B}m@nhs.net",
            "sam\u{200D}@nhs.net",
            "\u{FEFF}sam@nhs.net",
            "sam@nhs\u{00AD}.net",
            "sam@\u{202E}ten.shn",
            "sam\u{200E}@nhs.net",
            "sam@nhs.net\u{2066}",
            "sam\u{E0041}@nhs.net",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code,
                "invisible_characters",
                "{bad:?}"
            );
        }
        assert_eq!(
            Email::parse(&"a".repeat(2000)).unwrap_err().code,
            "too_long"
        );
    }
}
