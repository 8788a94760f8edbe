//! A participant as the engine sees them, and a request's stated
//! preferences about the other person.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sets::{PreferredMeetingMode, SensitiveAttribute};
use crate::profile::SensitiveAttributes;
use crate::taxonomy::{parse_level, parse_profession};
use crate::validation::{Invalid, Violations, bounded_list, bounded_text};

/// At most this many areas in one request's preferences...
pub const MAX_AREAS: usize = 20;
/// ...of at most this many characters each.
pub const MAX_AREA_LEN: usize = 100;
/// Longest preferred region.
pub const MAX_REGION_LEN: usize = 100;
/// Longest wanted value of a sensitive attribute.
pub const MAX_SENSITIVE_LEN: usize = 100;

/// A request's preferences about the other person. All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    /// Areas they want to talk about (matched against the other person's
    /// specialties and interests).
    pub areas: Vec<String>,
    /// Preferred profession of the other person (taxonomy code).
    pub profession: Option<String>,
    /// Preferred level of the other person (`trainee` .. `lead`).
    pub level: Option<String>,
    /// Where they want to meet; `None` is the same as `either`.
    pub mode: Option<PreferredMeetingMode>,
    /// Where they want to meet in person (default: their own region);
    /// ignored when meeting online.
    pub region: Option<String>,
    /// Wanted values of sensitive attributes, e.g. `{"ethnicity": "…"}`;
    /// keys are [`SensitiveAttribute`] codes. Used only when the other person has
    /// self-declared that attribute; shown to nobody but the requester.
    pub sensitive: BTreeMap<String, String>,
}

impl Preferences {
    /// Validates and normalises: areas via [`bounded_list`] (at most
    /// [`MAX_AREAS`] of [`MAX_AREA_LEN`] characters, duplicates dropped),
    /// profession and level via the taxonomy (upper-/lower-case codes),
    /// region trimmed (1..=[`MAX_REGION_LEN`]), sensitive keys lower-cased and
    /// a [`SensitiveAttribute`] code (else `preferences.sensitive`, code
    /// `unknown_attribute`), values 1..=[`MAX_SENSITIVE_LEN`] characters
    /// (`preferences.sensitive.<key>`). Fields are named `preferences.<x>`.
    pub fn check(&self) -> Result<Preferences, Violations> {
        let mut v = Violations::new();
        let areas = v
            .check(
                "preferences.areas",
                bounded_list(&self.areas, MAX_AREAS, MAX_AREA_LEN),
            )
            .unwrap_or_default();
        let profession = self
            .profession
            .as_deref()
            .and_then(|p| v.check("preferences.profession", parse_profession(p)));
        let level = self
            .level
            .as_deref()
            .and_then(|l| v.check("preferences.level", parse_level(l)));
        let region = self
            .region
            .as_deref()
            .and_then(|r| v.check("preferences.region", bounded_text(r, 1, MAX_REGION_LEN)));
        let mut sensitive = BTreeMap::new();
        for (raw_key, value) in &self.sensitive {
            let key = raw_key.trim().to_ascii_lowercase();
            if SensitiveAttribute::parse(&key).is_none() {
                let shown: String = raw_key.chars().take(40).collect();
                v.add(
                    "preferences.sensitive",
                    Invalid::new(
                        "unknown_attribute",
                        format!(
                            "\"{shown}\" is not a sensitive attribute; must be one of {}",
                            <SensitiveAttribute as crate::closed::ClosedSet>::allowed()
                        ),
                    ),
                );
                continue;
            }
            let field = format!("preferences.sensitive.{key}");
            if sensitive.contains_key(&key) {
                v.add(&field, Invalid::new("duplicate", "is given more than once"));
                continue;
            }
            if let Some(value) = v.check(&field, bounded_text(value, 1, MAX_SENSITIVE_LEN)) {
                sensitive.insert(key, value);
            }
        }
        v.into_result().map(|_| Preferences {
            areas,
            profession,
            level,
            mode: self.mode,
            region,
            sensitive,
        })
    }
}

/// The self-declared sensitive attributes of a profile as a map keyed by
/// [`SensitiveAttribute`] codes (empty values left out), for [`Participant::sensitive`].
pub fn sensitive_map(s: &SensitiveAttributes) -> BTreeMap<String, String> {
    use SensitiveAttribute as A;
    [
        (A::Gender, &s.gender),
        (A::Ethnicity, &s.ethnicity),
        (A::AgeBand, &s.age_band),
        (A::SexualOrientation, &s.sexual_orientation),
        (A::Disability, &s.disability),
        (A::ReligionOrBelief, &s.religion_or_belief),
        (A::Culture, &s.culture),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (k.as_str().to_owned(), v.to_owned()))
    })
    .collect()
}

/// One participant as the engine sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participant {
    /// The request (or supporter) id.
    pub id: String,
    pub user_id: String,
    pub profession: Option<String>,
    pub level: Option<String>,
    pub region: Option<String>,
    pub specialties: Vec<String>,
    pub interests: Vec<String>,
    pub team: Option<String>,
    pub line_manager_id: Option<String>,
    /// Self-declared sensitive attributes only (see [`sensitive_map`]).
    pub sensitive: BTreeMap<String, String>,
    pub preferences: Preferences,
}
