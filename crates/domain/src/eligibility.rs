//! Eligibility of a person for a Community of Practice, checked against the
//! structured rules of its Terms of Reference.
//!
//! [`assess`] is pure and deterministic: one [`Check`] per rule that exists,
//! each with a plain-English reason, and an overall [`EligibilityVerdict`]. Missing
//! profile data is never a "no": it asks a person to review. Free-text
//! criteria always need a person too.
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

/// What a person brings (from their profile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applicant {
    pub profession: Option<String>,
    pub level: Option<String>,
    pub region: Option<String>,
    pub registers: Vec<String>,
}

crate::closed_set!(
    /// The result of one eligibility check: `needs_review` when profile
    /// data is missing or the criterion is free text (a person decides).
    EligibilityOutcome { Met => "met", NotMet => "not_met", NeedsReview => "needs_review" }
);

crate::closed_set!(
    /// The overall eligibility verdict: `ineligible` when any check is not
    /// met, otherwise `needs_review` when any check needs review, otherwise
    /// `eligible`.
    EligibilityVerdict { Eligible => "eligible", Ineligible => "ineligible", NeedsReview => "needs_review" }
);

/// One rule checked against the applicant. `rule` is `professions`,
/// `levels`, `regions`, `registers` or `other_criteria[i]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub rule: String,
    pub outcome: EligibilityOutcome,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub verdict: EligibilityVerdict,
    pub checks: Vec<Check>,
}

/// Key for comparing free text and codes: trimmed, case-insensitive.
fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

fn check(rule: &str, outcome: EligibilityOutcome, reason: String) -> Check {
    Check {
        rule: rule.to_owned(),
        outcome,
        reason,
    }
}

/// A "one of the listed values" rule (professions, levels).
fn one_of(rule: &str, what: &str, value: Option<&String>, allowed: &[String]) -> Check {
    let list = allowed.join(", ");
    match value.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => check(
            rule,
            EligibilityOutcome::NeedsReview,
            format!("no {what} on the profile; the rule asks for one of {list}"),
        ),
        Some(v) if allowed.iter().any(|a| key(a) == key(v)) => check(
            rule,
            EligibilityOutcome::Met,
            format!("{what} {v} is one of {list}"),
        ),
        Some(v) => check(
            rule,
            EligibilityOutcome::NotMet,
            format!("{what} {v} is not one of {list}"),
        ),
    }
}

fn region_check(region: Option<&String>, rules: &EligibilityRules) -> Check {
    let list = rules.regions.join(", ");
    match region.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => check(
            "regions",
            EligibilityOutcome::NeedsReview,
            format!("no region on the profile; the rule asks for one of {list}"),
        ),
        Some(r) if rules.regions.iter().any(|a| key(a) == key(r)) => check(
            "regions",
            EligibilityOutcome::Met,
            format!("region {r} is one of {list}"),
        ),
        Some(r) if rules.allow_out_of_region => check(
            "regions",
            EligibilityOutcome::NeedsReview,
            format!(
                "region {r} is outside {list}; the Terms of Reference allow members \
                 from other regions at the core team's discretion"
            ),
        ),
        Some(r) => check(
            "regions",
            EligibilityOutcome::NotMet,
            format!(
                "region {r} is outside {list}; the Terms of Reference do not admit \
                 members from other regions"
            ),
        ),
    }
}

fn register_check(held: &[String], required: &[String]) -> Check {
    let list = required.join(", ");
    match required
        .iter()
        .find(|r| held.iter().any(|h| key(h) == key(r)))
    {
        Some(r) => check(
            "registers",
            EligibilityOutcome::Met,
            format!("holds {}, one of the registers: {list}", r.trim()),
        ),
        None => check(
            "registers",
            EligibilityOutcome::NotMet,
            format!("holds none of the registers: {list}"),
        ),
    }
}

/// Pure: one check per rule that exists, in order professions, levels,
/// regions, registers, then one per other criterion. Any `NotMet` makes the
/// verdict `Ineligible`; otherwise any `NeedsReview` makes it `NeedsReview`;
/// otherwise (including when there are no rules at all) `Eligible`.
pub fn assess(applicant: &Applicant, rules: &EligibilityRules) -> Assessment {
    let mut checks = Vec::new();
    if !rules.professions.is_empty() {
        checks.push(one_of(
            "professions",
            "profession",
            applicant.profession.as_ref(),
            &rules.professions,
        ));
    }
    if !rules.levels.is_empty() {
        checks.push(one_of(
            "levels",
            "level",
            applicant.level.as_ref(),
            &rules.levels,
        ));
    }
    if !rules.regions.is_empty() {
        checks.push(region_check(applicant.region.as_ref(), rules));
    }
    if !rules.registers.is_empty() {
        checks.push(register_check(&applicant.registers, &rules.registers));
    }
    for (i, c) in rules.other_criteria.iter().enumerate() {
        checks.push(check(
            &format!("other_criteria[{i}]"),
            EligibilityOutcome::NeedsReview,
            format!("\"{}\" needs a person to review", c.trim()),
        ));
    }
    let verdict = if checks
        .iter()
        .any(|c| c.outcome == EligibilityOutcome::NotMet)
    {
        EligibilityVerdict::Ineligible
    } else if checks
        .iter()
        .any(|c| c.outcome == EligibilityOutcome::NeedsReview)
    {
        EligibilityVerdict::NeedsReview
    } else {
        EligibilityVerdict::Eligible
    };
    Assessment { verdict, checks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The PPN Midlands Psychological Practitioners CoP: open to trainee,
    /// qualified, senior and lead PWP, CYWP, EMHP and MHWP practitioners
    /// across the Midlands (docs/domain.md).
    fn practitioners() -> EligibilityRules {
        EligibilityRules {
            professions: strings(&["PWP", "CYWP", "EMHP", "MHWP"]),
            levels: strings(&["trainee", "qualified", "senior", "lead"]),
            regions: strings(&["West Midlands", "East Midlands"]),
            ..Default::default()
        }
    }

    fn pwp() -> Applicant {
        Applicant {
            profession: Some("PWP".into()),
            level: Some("senior".into()),
            region: Some("West Midlands".into()),
            registers: vec![],
        }
    }

    fn only(a: &Applicant, r: &EligibilityRules) -> Check {
        let mut checks = assess(a, r).checks;
        assert_eq!(checks.len(), 1, "{checks:?}");
        checks.remove(0)
    }

    #[test]
    fn no_rules_is_eligible_with_no_checks() {
        let a = assess(&Applicant::default(), &EligibilityRules::default());
        assert_eq!(a.verdict, EligibilityVerdict::Eligible);
        assert!(a.checks.is_empty());
        // allow_out_of_region alone is not a rule.
        let r = EligibilityRules {
            allow_out_of_region: true,
            ..Default::default()
        };
        assert!(assess(&Applicant::default(), &r).checks.is_empty());
    }

    #[test]
    fn practitioner_cop_admits_a_pwp() {
        let a = assess(&pwp(), &practitioners());
        assert_eq!(a.verdict, EligibilityVerdict::Eligible);
        let rules: Vec<_> = a.checks.iter().map(|c| c.rule.as_str()).collect();
        assert_eq!(rules, vec!["professions", "levels", "regions"]);
        assert!(
            a.checks
                .iter()
                .all(|c| c.outcome == EligibilityOutcome::Met)
        );
        assert_eq!(
            a.checks[0].reason,
            "profession PWP is one of PWP, CYWP, EMHP, MHWP"
        );
        assert_eq!(
            a.checks[1].reason,
            "level senior is one of trainee, qualified, senior, lead"
        );
        assert_eq!(
            a.checks[2].reason,
            "region West Midlands is one of West Midlands, East Midlands"
        );
    }

    #[test]
    fn practitioner_cop_refuses_a_cap() {
        let cap = Applicant {
            profession: Some("CAP".into()),
            ..pwp()
        };
        let a = assess(&cap, &practitioners());
        assert_eq!(a.verdict, EligibilityVerdict::Ineligible);
        assert_eq!(a.checks[0].rule, "professions");
        assert_eq!(a.checks[0].outcome, EligibilityOutcome::NotMet);
        assert_eq!(
            a.checks[0].reason,
            "profession CAP is not one of PWP, CYWP, EMHP, MHWP"
        );
        assert_eq!(a.checks[1].outcome, EligibilityOutcome::Met);
    }

    #[test]
    fn missing_profession_needs_review() {
        let r = EligibilityRules {
            professions: strings(&["PWP", "CYWP", "EMHP", "MHWP"]),
            ..Default::default()
        };
        for profession in [None, Some("  ".to_owned())] {
            let a = Applicant {
                profession,
                ..Default::default()
            };
            let c = only(&a, &r);
            assert_eq!(c.outcome, EligibilityOutcome::NeedsReview);
            assert_eq!(
                c.reason,
                "no profession on the profile; the rule asks for one of PWP, CYWP, EMHP, MHWP"
            );
            assert_eq!(assess(&a, &r).verdict, EligibilityVerdict::NeedsReview);
        }
    }

    #[test]
    fn profession_matches_case_insensitively() {
        let r = EligibilityRules {
            professions: strings(&["PWP"]),
            ..Default::default()
        };
        let a = Applicant {
            profession: Some(" pwp ".into()),
            ..Default::default()
        };
        let c = only(&a, &r);
        assert_eq!(c.outcome, EligibilityOutcome::Met);
        assert_eq!(c.reason, "profession pwp is one of PWP");
    }

    #[test]
    fn levels() {
        let r = EligibilityRules {
            levels: strings(&["trainee", "qualified"]),
            ..Default::default()
        };
        let with = |level: Option<&str>| Applicant {
            level: level.map(str::to_owned),
            ..Default::default()
        };
        let c = only(&with(Some("qualified")), &r);
        assert_eq!(c.rule, "levels");
        assert_eq!(c.outcome, EligibilityOutcome::Met);
        assert_eq!(c.reason, "level qualified is one of trainee, qualified");
        let c = only(&with(Some("lead")), &r);
        assert_eq!(c.outcome, EligibilityOutcome::NotMet);
        assert_eq!(c.reason, "level lead is not one of trainee, qualified");
        let c = only(&with(None), &r);
        assert_eq!(c.outcome, EligibilityOutcome::NeedsReview);
        assert_eq!(
            c.reason,
            "no level on the profile; the rule asks for one of trainee, qualified"
        );
    }

    fn midlands(allow_out_of_region: bool) -> EligibilityRules {
        EligibilityRules {
            regions: strings(&["West Midlands", "East Midlands"]),
            allow_out_of_region,
            ..Default::default()
        }
    }

    fn from(region: Option<&str>) -> Applicant {
        Applicant {
            region: region.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn region_in_region_is_met_case_insensitively() {
        for allow in [false, true] {
            let c = only(&from(Some("  east MIDLANDS ")), &midlands(allow));
            assert_eq!(c.rule, "regions");
            assert_eq!(c.outcome, EligibilityOutcome::Met);
            assert_eq!(
                c.reason,
                "region east MIDLANDS is one of West Midlands, East Midlands"
            );
        }
    }

    #[test]
    fn region_outside_allowed_needs_review() {
        let a = assess(&from(Some("Wales")), &midlands(true));
        assert_eq!(a.verdict, EligibilityVerdict::NeedsReview);
        assert_eq!(a.checks[0].outcome, EligibilityOutcome::NeedsReview);
        assert_eq!(
            a.checks[0].reason,
            "region Wales is outside West Midlands, East Midlands; the Terms of Reference \
             allow members from other regions at the core team's discretion"
        );
    }

    #[test]
    fn region_outside_not_allowed_is_not_met() {
        let a = assess(&from(Some("Wales")), &midlands(false));
        assert_eq!(a.verdict, EligibilityVerdict::Ineligible);
        assert_eq!(a.checks[0].outcome, EligibilityOutcome::NotMet);
        assert_eq!(
            a.checks[0].reason,
            "region Wales is outside West Midlands, East Midlands; the Terms of Reference \
             do not admit members from other regions"
        );
    }

    #[test]
    fn missing_region_needs_review() {
        for allow in [false, true] {
            for region in [None, Some("")] {
                let c = only(&from(region), &midlands(allow));
                assert_eq!(c.outcome, EligibilityOutcome::NeedsReview);
                assert_eq!(
                    c.reason,
                    "no region on the profile; the rule asks for one of West Midlands, East Midlands"
                );
            }
        }
    }

    #[test]
    fn registers_any_one_suffices() {
        let r = EligibilityRules {
            registers: strings(&["HCPC", "BABCP"]),
            ..Default::default()
        };
        let holding = |l: &[&str]| Applicant {
            registers: strings(l),
            ..Default::default()
        };
        let c = only(&holding(&["UKCP", "babcp"]), &r);
        assert_eq!(c.rule, "registers");
        assert_eq!(c.outcome, EligibilityOutcome::Met);
        assert_eq!(c.reason, "holds BABCP, one of the registers: HCPC, BABCP");
        let c = only(&holding(&["UKCP"]), &r);
        assert_eq!(c.outcome, EligibilityOutcome::NotMet);
        assert_eq!(c.reason, "holds none of the registers: HCPC, BABCP");
        let a = assess(&holding(&[]), &r);
        assert_eq!(a.verdict, EligibilityVerdict::Ineligible);
        assert_eq!(
            a.checks[0].reason,
            "holds none of the registers: HCPC, BABCP"
        );
    }

    #[test]
    fn other_criteria_need_review() {
        let r = EligibilityRules {
            other_criteria: strings(&["working in physical healthcare", "BPS-accredited course"]),
            ..Default::default()
        };
        let a = assess(&Applicant::default(), &r);
        assert_eq!(a.verdict, EligibilityVerdict::NeedsReview);
        assert_eq!(
            a.checks,
            vec![
                Check {
                    rule: "other_criteria[0]".into(),
                    outcome: EligibilityOutcome::NeedsReview,
                    reason: "\"working in physical healthcare\" needs a person to review".into(),
                },
                Check {
                    rule: "other_criteria[1]".into(),
                    outcome: EligibilityOutcome::NeedsReview,
                    reason: "\"BPS-accredited course\" needs a person to review".into(),
                },
            ]
        );
    }

    #[test]
    fn not_met_outweighs_needs_review() {
        let r = EligibilityRules {
            other_criteria: strings(&["anything"]),
            ..practitioners()
        };
        let a = Applicant {
            profession: Some("CAP".into()),
            region: None,
            ..pwp()
        };
        let a = assess(&a, &r);
        assert_eq!(a.verdict, EligibilityVerdict::Ineligible);
        let rules: Vec<_> = a.checks.iter().map(|c| c.rule.as_str()).collect();
        assert_eq!(
            rules,
            vec!["professions", "levels", "regions", "other_criteria[0]"]
        );
    }

    #[test]
    fn verdict_and_outcome_strings_round_trip() {
        for v in [
            EligibilityVerdict::Eligible,
            EligibilityVerdict::Ineligible,
            EligibilityVerdict::NeedsReview,
        ] {
            assert_eq!(EligibilityVerdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(EligibilityVerdict::NeedsReview.as_str(), "needs_review");
        assert_eq!(EligibilityVerdict::parse("maybe"), None);
        for o in [
            EligibilityOutcome::Met,
            EligibilityOutcome::NotMet,
            EligibilityOutcome::NeedsReview,
        ] {
            assert_eq!(EligibilityOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(EligibilityOutcome::NotMet.as_str(), "not_met");
        assert_eq!(EligibilityOutcome::parse("Met"), None);
        // Stored checks (JSON) keep their wire form.
        let c: Check =
            serde_json::from_str(r#"{"rule":"regions","outcome":"not_met","reason":"r"}"#).unwrap();
        assert_eq!(c.outcome, EligibilityOutcome::NotMet);
        assert_eq!(
            serde_json::to_value(&c).unwrap()["outcome"],
            serde_json::json!("not_met")
        );
    }

    #[test]
    fn validate_normalises_and_dedups() {
        let r = EligibilityRules {
            professions: strings(&[" pwp", "CYWP", "PWP"]),
            levels: strings(&["Senior", "senior", "lead "]),
            regions: strings(&[" West Midlands ", "west midlands", "East Midlands"]),
            allow_out_of_region: true,
            registers: strings(&["HCPC", "hcpc"]),
            other_criteria: strings(&["  must work in the NHS "]),
        }
        .validate("eligibility")
        .unwrap();
        assert_eq!(
            r,
            EligibilityRules {
                professions: strings(&["PWP", "CYWP"]),
                levels: strings(&["senior", "lead"]),
                regions: strings(&["West Midlands", "East Midlands"]),
                allow_out_of_region: true,
                registers: strings(&["HCPC"]),
                other_criteria: strings(&["must work in the NHS"]),
            }
        );
        assert_eq!(
            EligibilityRules::default().validate("eligibility"),
            Ok(EligibilityRules::default())
        );
    }

    #[test]
    fn validate_names_each_bad_field() {
        let errs = EligibilityRules {
            professions: strings(&["PWP", "CYWP", "wizard", "sorcerer"]),
            levels: strings(&["guru"]),
            regions: strings(&["Midlands", " "]),
            registers: vec!["x".repeat(MAX_RULE_ITEM_LEN + 1)],
            other_criteria: vec!["ok".to_owned(); MAX_RULE_ITEMS + 1],
            ..Default::default()
        }
        .validate("eligibility")
        .unwrap_err();
        let got: Vec<_> = errs
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("eligibility.professions[2]", "unknown_profession"),
                ("eligibility.professions[3]", "unknown_profession"),
                ("eligibility.levels[0]", "unknown_level"),
                ("eligibility.regions", "required"),
                ("eligibility.registers", "too_long"),
                ("eligibility.other_criteria", "too_many"),
            ]
        );
        assert_eq!(errs.0[3].message, "item 1 must not be empty");
    }

    #[test]
    fn validate_without_prefix_and_too_many_codes() {
        let errs = EligibilityRules {
            professions: vec!["PWP".to_owned(); PROFESSIONS.len() + 1],
            levels: vec!["lead".to_owned(); LEVELS.len() + 1],
            ..Default::default()
        }
        .validate("")
        .unwrap_err();
        let got: Vec<_> = errs
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("professions", "too_many"), ("levels", "too_many")]
        );
    }

    // ---- property tests ----

    const REGIONS: &[&str] = &[
        "West Midlands",
        "East Midlands",
        "Wales",
        "London",
        "North East",
    ];
    const REGISTERS: &[&str] = &["HCPC", "BABCP", "BPS", "UKCP", "BACP"];

    /// Some text in random ASCII case, padded with spaces.
    fn messy(s: &'static str) -> impl Strategy<Value = String> {
        (any::<bool>(), any::<bool>(), 0..3usize).prop_map(move |(upper, lower, pad)| {
            let s = if upper {
                s.to_uppercase()
            } else if lower {
                s.to_lowercase()
            } else {
                s.to_owned()
            };
            format!("{}{s}{}", " ".repeat(pad), " ".repeat(pad))
        })
    }

    fn pick(pool: Vec<&'static str>) -> BoxedStrategy<String> {
        prop_oneof![
            6 => prop::sample::select(pool).prop_flat_map(messy),
            // Anything at all, including blanks and non-ASCII.
            1 => "\\PC{0,12}",
        ]
        .boxed()
    }

    fn codes(table: &'static [(&'static str, &'static str)]) -> Vec<&'static str> {
        table.iter().map(|(c, _)| *c).collect()
    }

    fn profession() -> BoxedStrategy<String> {
        pick(codes(PROFESSIONS))
    }

    fn level() -> BoxedStrategy<String> {
        pick(codes(LEVELS))
    }

    fn rules() -> impl Strategy<Value = EligibilityRules> {
        (
            prop::collection::vec(profession(), 0..5),
            prop::collection::vec(level(), 0..4),
            prop::collection::vec(pick(REGIONS.to_vec()), 0..4),
            any::<bool>(),
            prop::collection::vec(pick(REGISTERS.to_vec()), 0..4),
            prop::collection::vec("[A-Za-z ]{0,20}", 0..3),
        )
            .prop_map(
                |(professions, levels, regions, allow_out_of_region, registers, other_criteria)| {
                    EligibilityRules {
                        professions,
                        levels,
                        regions,
                        allow_out_of_region,
                        registers,
                        other_criteria,
                    }
                },
            )
    }

    fn applicant() -> impl Strategy<Value = Applicant> {
        (
            prop::option::of(profession()),
            prop::option::of(level()),
            prop::option::of(pick(REGIONS.to_vec())),
            prop::collection::vec(pick(REGISTERS.to_vec()), 0..3),
        )
            .prop_map(|(profession, level, region, registers)| Applicant {
                profession,
                level,
                region,
                registers,
            })
    }

    /// Rules as stored (validated) or raw, so both are covered.
    fn any_rules() -> impl Strategy<Value = EligibilityRules> {
        (rules(), any::<bool>()).prop_map(|(r, validated)| {
            if validated {
                r.clone().validate("eligibility").unwrap_or(r)
            } else {
                r
            }
        })
    }

    fn pick_from(l: &[String], i: prop::sample::Index, fallback: Option<String>) -> Option<String> {
        if l.is_empty() {
            fallback
        } else {
            Some(l[i.index(l.len())].clone())
        }
    }

    proptest! {
        #[test]
        fn ineligible_iff_some_check_not_met(a in applicant(), r in any_rules()) {
            let x = assess(&a, &r);
            let not_met = x.checks.iter().any(|c| c.outcome == EligibilityOutcome::NotMet);
            prop_assert_eq!(x.verdict == EligibilityVerdict::Ineligible, not_met);
            let review = x.checks.iter().any(|c| c.outcome == EligibilityOutcome::NeedsReview);
            prop_assert_eq!(x.verdict == EligibilityVerdict::NeedsReview, !not_met && review);
            prop_assert_eq!(
                x.verdict == EligibilityVerdict::Eligible,
                x.checks.iter().all(|c| c.outcome == EligibilityOutcome::Met)
            );
        }

        #[test]
        fn another_criterion_never_makes_eligible(
            a in applicant(),
            r in any_rules(),
            extra in "[A-Za-z ]{1,30}",
        ) {
            let before = assess(&a, &r).verdict;
            let mut more = r.clone();
            more.other_criteria.push(extra);
            let after = assess(&a, &more).verdict;
            prop_assert_ne!(after, EligibilityVerdict::Eligible);
            if before == EligibilityVerdict::Ineligible {
                prop_assert_eq!(after, EligibilityVerdict::Ineligible);
            }
        }

        #[test]
        fn applicant_taken_from_the_rules_is_never_ineligible(
            r in any_rules(),
            fallback in applicant(),
            picks in any::<[prop::sample::Index; 4]>(),
            extra_registers in prop::collection::vec(pick(REGISTERS.to_vec()), 0..3),
        ) {
            let mut registers = extra_registers;
            if let Some(reg) = pick_from(&r.registers, picks[3], None) {
                registers.insert(picks[3].index(registers.len() + 1), reg);
            }
            let a = Applicant {
                profession: pick_from(&r.professions, picks[0], fallback.profession),
                level: pick_from(&r.levels, picks[1], fallback.level),
                region: pick_from(&r.regions, picks[2], fallback.region),
                registers,
            };
            let x = assess(&a, &r);
            prop_assert_ne!(x.verdict, EligibilityVerdict::Ineligible, "{:?}", x.checks);
        }

        #[test]
        fn deterministic_with_one_check_per_rule(a in applicant(), r in any_rules()) {
            let x = assess(&a, &r);
            prop_assert_eq!(&x, &assess(&a.clone(), &r.clone()));
            let mut expected: Vec<String> = [
                ("professions", r.professions.is_empty()),
                ("levels", r.levels.is_empty()),
                ("regions", r.regions.is_empty()),
                ("registers", r.registers.is_empty()),
            ]
            .into_iter()
            .filter(|(_, empty)| !empty)
            .map(|(name, _)| name.to_owned())
            .collect();
            expected.extend((0..r.other_criteria.len()).map(|i| format!("other_criteria[{i}]")));
            let got: Vec<String> = x.checks.iter().map(|c| c.rule.clone()).collect();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn validated_rules_are_normalised_and_stable(r in rules()) {
            if let Ok(v) = r.validate("eligibility") {
                prop_assert!(v.professions.iter().all(|p| parse_profession(p).as_ref() == Ok(p)));
                prop_assert!(v.levels.iter().all(|l| parse_level(l).as_ref() == Ok(l)));
                prop_assert_eq!(v.clone().validate("eligibility"), Ok(v));
            }
        }
    }
}
