//! Unit tests of eligibility: validation of the rules and each check.
use super::*;
use crate::taxonomy::{LEVELS, PROFESSIONS};

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
