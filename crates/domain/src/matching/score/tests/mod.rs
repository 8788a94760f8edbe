//! Tests of scoring: shared helpers and the settings and preference
//! checks here; scoring scenarios in `scoring`; exclusions, keys and the
//! property tests in `keys`.
use std::collections::BTreeSet;

use proptest::prelude::*;
use serde::Deserialize;

use super::compare::{common, count_common, key, same_key, trim};
use super::evaluate::keyed;
use super::test_support::*;
use super::*;
use crate::profile::SensitiveAttributes;
use crate::validation::Violations;

mod keys;
mod scoring;

fn texts(reasons: &[Reason]) -> Vec<&str> {
    reasons.iter().map(|r| r.text.as_str()).collect()
}

/// The (field, code) pairs of a failed check.
fn errors<T: std::fmt::Debug>(r: Result<T, Violations>) -> Vec<(String, String)> {
    r.unwrap_err()
        .0
        .into_iter()
        .map(|v| (v.field, v.code))
        .collect()
}

fn err(l: &[(&str, &str)]) -> Vec<(String, String)> {
    l.iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect()
}

fn zero() -> Weights {
    Weights {
        profession: 0,
        specialties: 0,
        level: 0,
        region: 0,
        interests: 0,
        preferences: 0,
    }
}

fn pwp(n: usize) -> Participant {
    Participant {
        profession: Some("PWP".into()),
        level: Some("qualified".into()),
        region: Some("West Midlands".into()),
        ..person(n)
    }
}

#[test]
fn default_weights_add_up_to_100_and_are_valid() {
    let w = Weights::default();
    assert_eq!(
        w.fields(),
        [
            (ScoreFeature::Profession, 30),
            (ScoreFeature::Specialties, 20),
            (ScoreFeature::Level, 15),
            (ScoreFeature::Region, 10),
            (ScoreFeature::Interests, 10),
            (ScoreFeature::Preferences, 15)
        ]
    );
    assert_eq!(w.max_score(), 100);
    assert!(w.check().is_ok());
    assert!(Constraints::default().check().is_ok());
    assert!(check_settings(&w, &Constraints::default()).is_ok());
}

#[test]
fn weights_out_of_range_name_each_field() {
    let w = Weights {
        profession: -1,
        region: 101,
        ..Default::default()
    };
    assert_eq!(
        errors(w.check()),
        err(&[
            ("weights.profession", "out_of_range"),
            ("weights.region", "out_of_range")
        ])
    );
    assert_eq!(
        w.check().unwrap_err().0[0].message,
        "must be between 0 and 100"
    );
    let edges = Weights {
        profession: 0,
        preferences: 100,
        ..Default::default()
    };
    assert!(edges.check().is_ok());
    assert_eq!(errors(zero().check()), err(&[("weights", "all_zero")]));
}

#[test]
fn min_score_range_and_reachability() {
    let c = |min_score| Constraints {
        min_score,
        ..Default::default()
    };
    assert!(c(0).check().is_ok());
    assert!(c(600).check().is_ok());
    for bad in [-1, 601] {
        let e = c(bad).check().unwrap_err();
        assert_eq!(e.0[0].field, "constraints.min_score");
        assert_eq!(e.0[0].code, "out_of_range");
        assert_eq!(e.0[0].message, "must be between 0 and 600");
    }
    // The defaults reach 100 at most.
    assert_eq!(
        errors(check_settings(&Weights::default(), &c(101))),
        err(&[("constraints.min_score", "unreachable")])
    );
    assert!(check_settings(&Weights::default(), &c(100)).is_ok());
    // Every violation at once.
    let w = Weights {
        level: 200,
        ..Default::default()
    };
    assert_eq!(
        errors(check_settings(&w, &c(-5))),
        err(&[
            ("weights.level", "out_of_range"),
            ("constraints.min_score", "out_of_range")
        ])
    );
}

/// Deserialises `T` from a map of `(key, value)` pairs.
fn from_map<'a, T, V>(pairs: Vec<(&'a str, V)>) -> Result<T, serde::de::value::Error>
where
    T: Deserialize<'a>,
    V: serde::de::IntoDeserializer<'a, serde::de::value::Error>,
{
    T::deserialize(serde::de::value::MapDeserializer::new(pairs.into_iter()))
}

#[test]
fn settings_deserialise_with_defaults_and_refuse_unknown_fields() {
    let w: Weights = from_map(vec![("profession", 50i64)]).unwrap();
    assert_eq!(w.profession, 50);
    assert_eq!(w.specialties, 20);
    assert!(from_map::<Weights, _>(vec![("profesion", 50i64)]).is_err());
    let c: Constraints = from_map(vec![("exclude_same_team", true)]).unwrap();
    assert!(c.exclude_same_team && !c.exclude_line_manager && c.min_score == 0);
    let p: Preferences = from_map(vec![("areas", vec!["anxiety"])]).unwrap();
    assert_eq!(p.areas, strings(&["anxiety"]));
    let mode = |s: &str| {
        PreferredMeetingMode::deserialize(
            serde::de::IntoDeserializer::<serde::de::value::Error>::into_deserializer(s),
        )
    };
    assert_eq!(mode("in_person").unwrap(), PreferredMeetingMode::InPerson);
    assert!(mode("by_post").is_err());
    assert!(from_map::<Preferences, _>(vec![("colour", "red")]).is_err());
    assert_eq!(
        ProgrammeKind::parse("supporter"),
        Some(ProgrammeKind::Supporter)
    );
    assert_eq!(ProgrammeKind::Mutual.as_str(), "mutual");
    assert_eq!(
        PreferredMeetingMode::parse_field("x").unwrap_err().message,
        "must be one of in_person, online, either"
    );
}

#[test]
fn preferences_are_normalised() {
    let p = Preferences {
        areas: strings(&[" anxiety ", "Anxiety", "burnout"]),
        profession: Some(" pwp".into()),
        level: Some("Senior".into()),
        mode: Some(PreferredMeetingMode::InPerson),
        region: Some(" West Midlands ".into()),
        sensitive: [(" Ethnicity ".to_owned(), " x ".to_owned())].into(),
    }
    .check()
    .unwrap();
    assert_eq!(p.areas, strings(&["anxiety", "burnout"]));
    assert_eq!(p.profession.as_deref(), Some("PWP"));
    assert_eq!(p.level.as_deref(), Some("senior"));
    assert_eq!(p.region.as_deref(), Some("West Midlands"));
    assert_eq!(
        p.sensitive,
        [("ethnicity".to_owned(), "x".to_owned())].into()
    );
    assert_eq!(
        Preferences::default().check().unwrap(),
        Preferences::default()
    );
}

#[test]
fn preferences_name_each_bad_field() {
    let p = Preferences {
        areas: vec!["x".to_owned(); MAX_AREAS + 1],
        profession: Some("wizard".into()),
        level: Some("guru".into()),
        mode: None,
        region: Some("r".repeat(MAX_REGION_LEN + 1)),
        sensitive: [
            ("star_sign".to_owned(), "leo".to_owned()),
            ("gender".to_owned(), "  ".to_owned()),
            ("culture".to_owned(), "c".repeat(MAX_SENSITIVE_LEN + 1)),
        ]
        .into(),
    };
    assert_eq!(
        errors(p.check()),
        err(&[
            ("preferences.areas", "too_many"),
            ("preferences.profession", "unknown_profession"),
            ("preferences.level", "unknown_level"),
            ("preferences.region", "too_long"),
            ("preferences.sensitive.culture", "too_long"),
            ("preferences.sensitive.gender", "required"),
            ("preferences.sensitive", "unknown_attribute"),
        ])
    );
    let e = p.check().unwrap_err();
    assert!(
        e.0[6]
            .message
            .starts_with("\"star_sign\" is not a sensitive attribute")
    );
    let long = Preferences {
        areas: vec!["a".repeat(MAX_AREA_LEN + 1)],
        ..Default::default()
    };
    assert_eq!(
        errors(long.check()),
        err(&[("preferences.areas", "too_long")])
    );
    let twice = Preferences {
        sensitive: [
            ("gender".to_owned(), "a".to_owned()),
            ("GENDER".to_owned(), "b".to_owned()),
        ]
        .into(),
        ..Default::default()
    };
    assert_eq!(
        errors(twice.check()),
        err(&[("preferences.sensitive.gender", "duplicate")])
    );
}

#[test]
fn sensitive_keys_are_those_of_the_profile() {
    let s = SensitiveAttributes {
        gender: Some("g".into()),
        ethnicity: Some("e".into()),
        age_band: Some("a".into()),
        sexual_orientation: Some("s".into()),
        disability: Some("d".into()),
        religion_or_belief: Some("r".into()),
        culture: Some(" ".into()),
    };
    // The profile accepts every SensitiveAttribute (unknown fields are
    // refused there)...
    let all: Vec<(&str, ())> = SensitiveAttribute::ALL
        .iter()
        .map(|k| (k.as_str(), ()))
        .collect();
    assert!(from_map::<SensitiveAttributes, _>(all).is_ok());
    assert!(from_map::<SensitiveAttributes, _>(vec![("star_sign", ())]).is_err());
    // ...and has no other attribute.
    let full = SensitiveAttributes {
        culture: Some("c".into()),
        ..s.clone()
    };
    let keys: Vec<String> = sensitive_map(&full).into_keys().collect();
    let mut expected: Vec<String> = SensitiveAttribute::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    expected.sort();
    assert_eq!(keys, expected);
    let m = sensitive_map(&s);
    assert_eq!(m.len(), 6, "blank culture left out");
    assert_eq!(m["religion_or_belief"], "r");
}
