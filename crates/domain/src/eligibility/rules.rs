//! The structured eligibility rules of a ToR version, validated and
//! normalised.
use serde::{Deserialize, Serialize};

use crate::taxonomy::{LEVELS, PROFESSIONS, parse_level, parse_profession};
use crate::validation::{Invalid, Violations, bounded_list};

/// At most this many regions, registers or other criteria in one rule set.
pub const MAX_RULE_ITEMS: usize = 30;
/// At most this many characters in one region, register or other criterion.
pub const MAX_RULE_ITEM_LEN: usize = 200;

/// Structured eligibility rules of a ToR version. An empty list means "no
/// rule of this kind".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRules {
    /// Taxonomy codes, e.g. `PWP`.
    #[serde(default)]
    pub professions: Vec<String>,
    /// `trainee`, `qualified`, `senior` or `lead`.
    #[serde(default)]
    pub levels: Vec<String>,
    /// Free-text region names, e.g. `West Midlands`.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Members from other regions may attend at the core team's discretion.
    #[serde(default)]
    pub allow_out_of_region: bool,
    /// E.g. `HCPC`, `Register of Positive Psychology Practitioners`; holding
    /// any one suffices.
    #[serde(default)]
    pub registers: Vec<String>,
    /// Free text; always needs a person to review.
    #[serde(default)]
    pub other_criteria: Vec<String>,
}

fn field_name(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Parses each code with `parse`, naming a bad item `field[i]`; drops
/// duplicates, keeping the first.
fn parse_codes(
    v: &mut Violations,
    field: &str,
    raw: &[String],
    max_items: usize,
    parse: fn(&str) -> Result<String, Invalid>,
) -> Vec<String> {
    if raw.len() > max_items {
        v.add(
            field,
            Invalid::new("too_many", format!("must have at most {max_items} items")),
        );
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, item) in raw.iter().enumerate() {
        if let Some(code) = v.check(&format!("{field}[{i}]"), parse(item))
            && !out.contains(&code)
        {
            out.push(code);
        }
    }
    out
}

impl EligibilityRules {
    /// Validates and normalises: professions via [`parse_profession`] (an
    /// unknown one is reported as e.g. `eligibility.professions[2]` with code
    /// `unknown_profession`), levels via [`parse_level`], regions, registers
    /// and other criteria via [`bounded_list`] (at most [`MAX_RULE_ITEMS`]
    /// items of at most [`MAX_RULE_ITEM_LEN`] characters); duplicates are
    /// dropped. Field names are prefixed by `prefix` (e.g. `eligibility`).
    pub fn validate(self, prefix: &str) -> Result<EligibilityRules, Violations> {
        let mut v = Violations::new();
        let professions = parse_codes(
            &mut v,
            &field_name(prefix, "professions"),
            &self.professions,
            PROFESSIONS.len(),
            parse_profession,
        );
        let levels = parse_codes(
            &mut v,
            &field_name(prefix, "levels"),
            &self.levels,
            LEVELS.len(),
            parse_level,
        );
        let mut list = |name: &str, l: &[String]| {
            v.check(
                &field_name(prefix, name),
                bounded_list(l, MAX_RULE_ITEMS, MAX_RULE_ITEM_LEN),
            )
            .unwrap_or_default()
        };
        let regions = list("regions", &self.regions);
        let registers = list("registers", &self.registers);
        let other_criteria = list("other_criteria", &self.other_criteria);
        v.into_result().map(|_| EligibilityRules {
            professions,
            levels,
            regions,
            allow_out_of_region: self.allow_out_of_region,
            registers,
            other_criteria,
        })
    }
}
