//! Assessing an applicant against the rules: one check per rule, each with
//! a plain-English reason, and the verdict.
use serde::{Deserialize, Serialize};

use super::rules::EligibilityRules;

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
