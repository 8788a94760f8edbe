//! The governance bodies of a network: who escalations can be routed to
//! (docs/governance.md). A network starts with [`DEFAULT_BODIES`]; its
//! managers replace the whole list at once. A body is named by a `key`
//! (a slug, unique in the network); one that has escalations may be
//! retired but never removed.
use std::collections::HashSet;

use crate::account::{Email, is_invisible};
use crate::validation::{Invalid, Violations, bounded_text};

/// Most bodies a network may have.
pub const MAX_BODIES: usize = 50;
/// Longest key, in characters.
pub const MAX_KEY: usize = 50;
/// Longest name, in characters.
pub const MAX_NAME: usize = 200;

/// The bodies every network starts with, as (key, name).
pub const DEFAULT_BODIES: [(&str, &str); 5] = [
    ("network_chair", "Network chair"),
    ("workforce_council", "Workforce council"),
    (
        "cppo_community",
        "Chief psychological professions officers' CoP",
    ),
    ("regional_leads", "Regional leads group"),
    (
        "national_workforce",
        "National workforce, training and education directorate",
    ),
];

/// One body as sent by a manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyInput {
    pub key: String,
    pub name: String,
    pub contact_email: Option<String>,
    pub retired: bool,
}

/// One body once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub key: String,
    pub name: String,
    pub contact_email: Option<String>,
    pub retired: bool,
}

/// A key: 1–50 characters of lowercase ASCII letters, digits, `_` and `-`,
/// starting with a letter.
pub fn parse_key(raw: &str) -> Result<String, Invalid> {
    let k = raw.trim();
    if k.is_empty() {
        return Err(Invalid::new("required", "must not be empty"));
    }
    if k.chars().count() > MAX_KEY {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {MAX_KEY} characters"),
        ));
    }
    let ok = k.starts_with(|c: char| c.is_ascii_lowercase())
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok {
        return Err(Invalid::new(
            "invalid_key",
            "must be lowercase letters, digits, '_' or '-', starting with a letter",
        ));
    }
    Ok(k.to_owned())
}

/// A body's name: 1–200 characters, no control, invisible or
/// text-direction characters ([`is_invisible`]).
pub fn parse_name(raw: &str) -> Result<String, Invalid> {
    let n = bounded_text(raw, 1, MAX_NAME)?;
    if n.chars().any(is_invisible) {
        return Err(Invalid::new(
            "invisible_characters",
            "must not contain invisible or text-direction characters (such as zero-width spaces, joiners or right-to-left overrides)",
        ));
    }
    Ok(n)
}

/// Checks a whole replacement list: at most [`MAX_BODIES`] (`bodies`
/// `too_many`), each key, name and contact email valid (fields
/// `bodies[i].key` …), and no key twice (`bodies[i].key` `duplicate`).
pub fn check_list(items: &[BodyInput]) -> Result<Vec<Body>, Violations> {
    let mut v = Violations::new();
    if items.len() > MAX_BODIES {
        v.add(
            "bodies",
            Invalid::new("too_many", format!("must have at most {MAX_BODIES} items")),
        );
        return Err(v);
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, b) in items.iter().enumerate() {
        let key = v.check(&format!("bodies[{i}].key"), parse_key(&b.key));
        if let Some(k) = &key
            && !seen.insert(k.clone())
        {
            v.add(
                &format!("bodies[{i}].key"),
                Invalid::new("duplicate", "another body in the list has this key"),
            );
        }
        let name = v.check(&format!("bodies[{i}].name"), parse_name(&b.name));
        let email = match &b.contact_email {
            Some(e) => v
                .check(&format!("bodies[{i}].contact_email"), Email::parse(e))
                .map(|e| Some(e.as_str().to_owned())),
            None => Some(None),
        };
        if let (Some(key), Some(name), Some(contact_email)) = (key, name, email) {
            out.push(Body {
                key,
                name,
                contact_email,
                retired: b.retired,
            });
        }
    }
    v.into_result()?;
    Ok(out)
}

/// Why a replacement of the list is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodiesRefusal {
    /// The list leaves out a body that escalations were routed to (409
    /// `body-has-escalations`): retire it instead.
    HasEscalations(String),
}

impl BodiesRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::HasEscalations(_) => "body-has-escalations",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::HasEscalations(key) => format!(
                "escalations have been routed to the body {key}, so it cannot be removed; keep it in the list with retired: true"
            ),
        }
    }
}

impl From<BodiesRefusal> for crate::Refusal {
    fn from(r: BodiesRefusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

/// Checks the bodies a replacement leaves out: none may have had
/// escalations routed to it (`has_escalations` answers for a key).
pub fn may_remove<'a>(
    removed: impl IntoIterator<Item = &'a str>,
    has_escalations: impl Fn(&str) -> bool,
) -> Result<(), BodiesRefusal> {
    for key in removed {
        if has_escalations(key) {
            return Err(BodiesRefusal::HasEscalations(key.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(key: &str, name: &str) -> BodyInput {
        BodyInput {
            key: key.into(),
            name: name.into(),
            contact_email: None,
            retired: false,
        }
    }

    #[test]
    fn bodies_with_escalations_are_retired_not_removed() {
        assert_eq!(may_remove(["a", "b"], |_| false), Ok(()));
        let r = may_remove(["a", "b"], |k| k == "b").unwrap_err();
        assert_eq!(r, BodiesRefusal::HasEscalations("b".into()));
        assert_eq!(r.code(), "body-has-escalations");
        assert!(r.message().contains("retired: true"), "{}", r.message());
        assert!(matches!(
            crate::Refusal::from(r),
            crate::Refusal::Conflict {
                code: "body-has-escalations",
                ..
            }
        ));
    }

    #[test]
    fn defaults_are_valid() {
        let items: Vec<BodyInput> = DEFAULT_BODIES.iter().map(|(k, n)| input(k, n)).collect();
        assert_eq!(check_list(&items).map(|l| l.len()), Ok(5));
    }

    #[test]
    fn keys_are_slugs() {
        assert_eq!(parse_key(" network_chair ").as_deref(), Ok("network_chair"));
        assert_eq!(parse_key("a-1").as_deref(), Ok("a-1"));
        assert_eq!(parse_key("").unwrap_err().code, "required");
        for bad in ["1abc", "Abc", "a b", "a.b", "_a", "é"] {
            assert_eq!(parse_key(bad).unwrap_err().code, "invalid_key", "{bad}");
        }
        assert_eq!(parse_key(&"a".repeat(51)).unwrap_err().code, "too_long");
        assert!(parse_key(&"a".repeat(50)).is_ok());
    }

    #[test]
    fn names_refuse_invisible_characters() {
        assert_eq!(parse_name(" Council ").as_deref(), Ok("Council"));
        assert_eq!(parse_name("").unwrap_err().code, "required");
        assert_eq!(
            parse_name("Coun\u{200b}cil").unwrap_err().code,
            "invisible_characters"
        );
        assert_eq!(
            parse_name("\u{202e}licnuoC").unwrap_err().code,
            "invisible_characters"
        );
        assert_eq!(parse_name(&"n".repeat(201)).unwrap_err().code, "too_long");
    }

    #[test]
    fn list_limits_duplicates_and_emails() {
        let many: Vec<BodyInput> = (0..51).map(|i| input(&format!("b{i}"), "B")).collect();
        let e = check_list(&many).unwrap_err();
        assert_eq!(e.0[0].field, "bodies");
        assert_eq!(e.0[0].code, "too_many");
        assert!(check_list(&many[..50]).is_ok());

        let e = check_list(&[input("a", "A"), input("a", "B")]).unwrap_err();
        assert_eq!(e.0[0].field, "bodies[1].key");
        assert_eq!(e.0[0].code, "duplicate");

        let mut bad = input("a", "A");
        bad.contact_email = Some("not an email".into());
        let e = check_list(&[bad]).unwrap_err();
        assert_eq!(e.0[0].field, "bodies[0].contact_email");

        let mut good = input("a", "A");
        good.contact_email = Some(" Chair@NHS.net ".into());
        good.retired = true;
        let l = check_list(&[good]).unwrap();
        assert_eq!(l[0].contact_email.as_deref(), Some("chair@nhs.net"));
        assert!(l[0].retired);
    }
}
