//! Property tests of eligibility: the verdict follows the checks, more
//! criteria never make anyone eligible, and validation is stable.
use proptest::prelude::*;

use super::*;
use crate::taxonomy::{LEVELS, PROFESSIONS, parse_level, parse_profession};

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
