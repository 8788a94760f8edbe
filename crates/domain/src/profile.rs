//! Profile fields used by eligibility and matching, and their validation.
use serde::{Deserialize, Serialize};

use crate::taxonomy::{parse_level, parse_profession};
use crate::validation::{Violations, bounded_list, bounded_text};

/// Self-declared sensitive attributes, used only for matching preferences
/// and shown to nobody but their owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sexual_orientation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub religion_or_belief: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub culture: Option<String>,
}

/// A partial profile update. Outer `None` = leave as is; `Some(None)` =
/// clear.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub job_title: Option<Option<String>>,
    pub organisation: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub profession: Option<Option<String>>,
    pub level: Option<Option<String>>,
    pub registers: Option<Vec<String>>,
    pub specialties: Option<Vec<String>>,
    pub interests: Option<Vec<String>>,
    pub sensitive: Option<Option<SensitiveAttributes>>,
    /// The person's team (matching can keep colleagues apart).
    pub team: Option<Option<String>>,
    /// The person's line manager, a user id (matching never pairs them).
    pub line_manager_id: Option<Option<String>>,
}

pub const MAX_LIST_ITEMS: usize = 30;
pub const MAX_ITEM_LEN: usize = 100;

fn opt_text(
    v: &mut Violations,
    field: &str,
    value: Option<Option<String>>,
    max: usize,
) -> Option<Option<String>> {
    match value {
        Some(Some(s)) => v.check(field, bounded_text(&s, 1, max)).map(Some),
        other => other,
    }
}

impl ProfilePatch {
    /// Validates and normalises every present field; names each bad one.
    pub fn validate(self) -> Result<ProfilePatch, Violations> {
        let mut v = Violations::new();
        let list = |v: &mut Violations, field: &str, l: Option<Vec<String>>| {
            l.and_then(|l| v.check(field, bounded_list(&l, MAX_LIST_ITEMS, MAX_ITEM_LEN)))
        };
        let out = ProfilePatch {
            display_name: self
                .display_name
                .and_then(|s| v.check("display_name", crate::account::parse_display_name(&s))),
            job_title: opt_text(&mut v, "job_title", self.job_title, 200),
            organisation: opt_text(&mut v, "organisation", self.organisation, 200),
            region: opt_text(&mut v, "region", self.region, 100),
            profession: match self.profession {
                Some(Some(p)) => v.check("profession", parse_profession(&p)).map(Some),
                other => other,
            },
            level: match self.level {
                Some(Some(p)) => v.check("level", parse_level(&p)).map(Some),
                other => other,
            },
            registers: list(&mut v, "registers", self.registers),
            specialties: list(&mut v, "specialties", self.specialties),
            interests: list(&mut v, "interests", self.interests),
            sensitive: match self.sensitive {
                Some(Some(s)) => {
                    let mut bad = false;
                    let mut norm = |name: &str, x: Option<String>| match x {
                        Some(t) => match bounded_text(&t, 1, 100) {
                            Ok(t) => Some(t),
                            Err(e) => {
                                v.add(&format!("sensitive.{name}"), e);
                                bad = true;
                                None
                            }
                        },
                        None => None,
                    };
                    let s = SensitiveAttributes {
                        gender: norm("gender", s.gender),
                        ethnicity: norm("ethnicity", s.ethnicity),
                        age_band: norm("age_band", s.age_band),
                        sexual_orientation: norm("sexual_orientation", s.sexual_orientation),
                        disability: norm("disability", s.disability),
                        religion_or_belief: norm("religion_or_belief", s.religion_or_belief),
                        culture: norm("culture", s.culture),
                    };
                    if bad { None } else { Some(Some(s)) }
                }
                other => other,
            },
            team: opt_text(&mut v, "team", self.team, 200),
            line_manager_id: match self.line_manager_id {
                Some(Some(id)) => v
                    .check(
                        "line_manager_id",
                        uuid::Uuid::parse_str(id.trim())
                            .map(|u| u.hyphenated().to_string())
                            .map_err(|_| crate::Invalid::new("invalid_uuid", "must be a UUID")),
                    )
                    .map(Some),
                other => other,
            },
        };
        v.into_result().map(|_| out)
    }

    /// Names of the fields this patch sets (for the audit trail).
    pub fn field_names(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        macro_rules! push {
            ($($name:ident),*) => { $( if self.$name.is_some() { f.push(stringify!($name)); } )* };
        }
        push!(
            display_name,
            job_title,
            organisation,
            region,
            profession,
            level,
            registers,
            specialties,
            interests,
            sensitive,
            team,
            line_manager_id
        );
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_each_field() {
        let p = ProfilePatch {
            profession: Some(Some("wizard".into())),
            level: Some(Some("senior".into())),
            registers: Some(vec!["".into()]),
            ..Default::default()
        };
        let errs = p.validate().unwrap_err();
        let fields: Vec<_> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["profession", "registers"]);
    }

    #[test]
    fn normalises() {
        let p = ProfilePatch {
            profession: Some(Some("pwp".into())),
            job_title: Some(None),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(p.profession, Some(Some("PWP".into())));
        assert_eq!(p.job_title, Some(None));
        assert_eq!(p.field_names(), vec!["job_title", "profession"]);
    }
}
