//! Participants for tests and their proptest strategies.
use std::collections::{BTreeMap, BTreeSet};

use super::*;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;

pub fn strings(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| (*s).to_owned()).collect()
}

/// A participant with request id `r<n>` and user id `u<n>`.
pub fn person(n: usize) -> Participant {
    Participant {
        id: format!("r{n}"),
        user_id: format!("u{n}"),
        ..Default::default()
    }
}

/// `value` as someone might type it: as is, upper- or lower-cased (in
/// full Unicode: `Straße` becomes `STRASSE`, another key), or with
/// spaces around (plain or no-break; never control characters, which
/// [`Preferences::check`] refuses).
fn typed(value: &'static str) -> impl Strategy<Value = String> {
    (0..6usize).prop_map(move |how| match how {
        0 => value.to_uppercase(),
        1 => value.to_lowercase(),
        2 => format!(" {value}"),
        3 => format!("{value}\u{a0} "),
        _ => value.to_owned(),
    })
}

/// One of `values`, [`typed`].
fn spelt(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    select(values).prop_flat_map(typed)
}

fn opt(values: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop::option::of(spelt(values))
}

/// Some of `values` in order, each [`typed`].
fn some_of(values: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    prop::sample::subsequence(values, 0..=values.len())
        .prop_flat_map(|v| v.into_iter().map(typed).collect::<Vec<_>>())
}

fn sensitive() -> impl Strategy<Value = BTreeMap<String, String>> {
    btree_map(
        select(&["gender", "ethnicity", "age_band"][..]).prop_map(str::to_owned),
        spelt(&["a", "b", "é", "É"]),
        0..=3,
    )
}

/// Regions: one spelt two ways, and non-ASCII ones.
const REGIONS: &[&str] = &[
    "West Midlands",
    "east midlands",
    "East Midlands",
    "Île-de-France",
    "ÎLE-DE-FRANCE",
];

pub fn preferences() -> impl Strategy<Value = Preferences> {
    (
        some_of(&["anxiety", "Burnout", "trauma", "Straße", "\u{212a}-pop"]),
        opt(&["PWP", "CAP", "pwp"]),
        opt(&["trainee", "qualified", "senior", "lead"]),
        prop::option::of(select(PreferredMeetingMode::ALL)),
        opt(REGIONS),
        sensitive(),
    )
        .prop_map(
            |(areas, profession, level, mode, region, sensitive)| Preferences {
                areas,
                profession,
                level,
                mode,
                region,
                sensitive,
            },
        )
}

/// A participant with request id `r<n>` and user id `u<n>`, other fields
/// drawn from small pools so that features often match, in mixed case,
/// with spaces around and non-ASCII texts ([`typed`]); line managers
/// are among `u0`..`u5`.
pub fn participant(n: usize) -> impl Strategy<Value = Participant> {
    (
        (
            opt(&["PWP", "CAP", "pwp"]),
            opt(&["trainee", "qualified", "senior", "lead"]),
            opt(REGIONS),
            some_of(&["anxiety", "burnout", "Trauma", "grief", "straße", "K-pop"]),
            some_of(&["running", "music", "Reading", "Σίσυφος", "ΣΊΣΥΦΟΣ"]),
        ),
        (
            opt(&["t1", "T1", "t2"]),
            opt(&["u0", "u1", "u2", "u3", "u4", "u5"]),
            sensitive(),
            preferences(),
        ),
    )
        .prop_map(
            move |(
                (profession, level, region, specialties, interests),
                (team, line_manager_id, sensitive, preferences),
            )| Participant {
                id: format!("r{n}"),
                user_id: format!("u{n}"),
                profession,
                level,
                region,
                specialties,
                interests,
                team,
                line_manager_id,
                sensitive,
                preferences,
            },
        )
}

/// `count` participants numbered from `first`.
pub fn participants(
    first: usize,
    count: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Vec<Participant>> {
    vec(Just(()), count).prop_flat_map(move |v| {
        (0..v.len())
            .map(|i| participant(first + i))
            .collect::<Vec<_>>()
    })
}

pub fn weights() -> impl Strategy<Value = Weights> {
    (
        0..=MAX_WEIGHT,
        0..=MAX_WEIGHT,
        0..=MAX_WEIGHT,
        0..=MAX_WEIGHT,
        0..=MAX_WEIGHT,
        0..=MAX_WEIGHT,
    )
        .prop_map(
            |(profession, specialties, level, region, interests, preferences)| Weights {
                profession,
                specialties,
                level,
                region,
                interests,
                preferences,
            },
        )
}

pub fn constraints() -> impl Strategy<Value = Constraints> {
    (any::<bool>(), any::<bool>(), any::<bool>(), 0..=60i64).prop_map(
        |(exclude_same_team, exclude_line_manager, exclude_previous_pairs, min_score)| {
            Constraints {
                exclude_same_team,
                exclude_line_manager,
                exclude_previous_pairs,
                min_score,
            }
        },
    )
}

/// Unordered user-id pairs among `u0`..`u7`.
pub fn previous() -> impl Strategy<Value = BTreeSet<(String, String)>> {
    proptest::collection::btree_set(
        (0..8usize, 0..8usize).prop_map(|(a, b)| (format!("u{a}"), format!("u{b}"))),
        0..6,
    )
}
