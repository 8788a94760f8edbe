//! Exclusions, comparing keys in any script, many preference items, and
//! the property tests of scoring.
use super::*;

#[test]
fn exclusions() {
    let c = Constraints {
        exclude_same_team: true,
        exclude_line_manager: true,
        exclude_previous_pairs: true,
        min_score: 0,
    };
    let none = BTreeSet::new();
    let a = Participant {
        team: Some("Team A".into()),
        ..person(1)
    };
    let same_team = Participant {
        team: Some(" team a".into()),
        ..person(2)
    };
    assert_eq!(
        excluded(&a, &same_team, &c, &none),
        Some(Exclusion::SameTeam)
    );
    let off = Constraints::default();
    assert_eq!(excluded(&a, &same_team, &off, &none), None);
    assert_eq!(
        excluded(&person(1), &person(2), &c, &none),
        None,
        "no teams"
    );

    let managed = Participant {
        line_manager_id: Some("u1".into()),
        ..person(2)
    };
    assert_eq!(
        excluded(&a, &managed, &c, &none),
        Some(Exclusion::LineManager)
    );
    assert_eq!(
        excluded(&managed, &a, &c, &none),
        Some(Exclusion::LineManager)
    );
    assert_eq!(excluded(&a, &managed, &off, &none), None);

    let previous: BTreeSet<_> = [("u2".to_owned(), "u1".to_owned())].into();
    assert_eq!(
        excluded(&person(1), &person(2), &c, &previous),
        Some(Exclusion::PreviousPair)
    );
    assert_eq!(
        excluded(&person(2), &person(1), &c, &previous),
        Some(Exclusion::PreviousPair)
    );
    assert_eq!(excluded(&person(1), &person(2), &off, &previous), None);
    assert_eq!(excluded(&person(1), &person(3), &c, &previous), None);

    let again = Participant {
        id: "r9".into(),
        ..person(1)
    };
    assert_eq!(
        excluded(&person(1), &again, &off, &none),
        Some(Exclusion::SamePerson)
    );

    let texts: Vec<_> = [
        Exclusion::SameTeam,
        Exclusion::LineManager,
        Exclusion::PreviousPair,
        Exclusion::BelowMinimum,
        Exclusion::SamePerson,
    ]
    .iter()
    .map(|e| e.text())
    .collect();
    assert_eq!(
        texts,
        vec![
            "same team",
            "line manager",
            "paired before",
            "below the minimum score",
            "same person"
        ]
    );
}

/// [`same_key`] as it was first written: both trimmed, then compared
/// character by character in lower case.
fn reference_same_key(a: &str, b: &str) -> bool {
    let lower = |s: &str| {
        s.trim()
            .chars()
            .flat_map(char::to_lowercase)
            .collect::<Vec<_>>()
    };
    lower(a) == lower(b)
}

#[test]
fn same_key_in_any_script() {
    let cases = [
        ("PWP", " pwp\u{a0}", true),
        ("K-pop", "\u{212a}-POP", true),
        ("İstanbul", "i\u{307}stanbul", true),
        ("Straße", "STRASSE", false),
        ("ΣΊΣΥΦΟΣ", "σίσυφοσ", true),
        ("ΣΊΣΥΦΟΣ", "σίσυφος", false),
        ("Île-de-France", "ÎLE-DE-FRANCE ", true),
        ("", " ", true),
        ("a", "", false),
        ("anxiety", "burnout", false),
    ];
    for (a, b, same) in cases {
        assert_eq!(same_key(a, b), same, "{a:?} {b:?}");
        assert_eq!(same_key(b, a), same, "{b:?} {a:?}");
        assert_eq!(reference_same_key(a, b), same, "{a:?} {b:?}");
        assert_eq!(key(a) == key(b), same, "{a:?} {b:?}");
    }
}

#[test]
fn every_character_is_trimmed_and_keyed_like_the_standard_library() {
    // So that keys are trimmed and their own keys: comparing keys
    // exactly is comparing the originals with `same_key`.
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let k = key(&c.to_string());
        assert_eq!(key(&k), k, "{c:?}");
        assert_eq!(k.is_empty(), c.is_whitespace(), "{c:?}");
        for s in [format!("{c}"), format!("a{c}"), format!("{c}a")] {
            assert_eq!(trim(&s), s.trim(), "{s:?}");
        }
    }
}

#[test]
fn more_than_64_preference_items_are_shared_out() {
    let w = Weights {
        preferences: 100,
        ..zero()
    };
    let attributes: Vec<String> = (0..70).map(|i| format!("a{i:02}")).collect();
    let peer = Participant {
        preferences: Preferences {
            sensitive: attributes.iter().map(|a| (a.clone(), "x".into())).collect(),
            ..Default::default()
        },
        ..person(1)
    };
    // 100 points shared over 70 items, 1 or 2 each; only the last one,
    // a69, is met.
    let other = Participant {
        sensitive: attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), if i == 69 { "X " } else { "y" }.into()))
            .collect(),
        ..person(2)
    };
    let (s, r) = score(ProgrammeKind::Supporter, &peer, &other, &w);
    assert_eq!((s, texts(&r)), (2, vec!["your preference on a69 met: +2"]));
    assert_eq!(points(ProgrammeKind::Supporter, &peer, &other, &w), 2);
    let keyed = (Keyed::new(&peer), Keyed::new(&other));
    assert_eq!(
        Keyed::points(ProgrammeKind::Supporter, &keyed.0, &keyed.1, &w),
        2
    );
}

/// Texts that are often the same key in another spelling, and any text.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(
                &[
                    "", " ", "a", "Straße", "strasse", "\u{212a}", "k", "İ", "i\u{307}", "ΣΣ", "σς"
                ][..]
            ),
            prop::sample::select(&["", " ", "\u{a0}", "\t", "\u{3000}"][..]),
            any::<bool>(),
        )
            .prop_map(|(t, space, upper)| {
                let t = if upper {
                    t.to_uppercase()
                } else {
                    t.to_owned()
                };
                format!("{space}{t}{space}")
            }),
        "\\s?\\PC{0,4}\\s?",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn same_key_is_the_equality_of_keys(a in text(), b in text()) {
        let same = reference_same_key(&a, &b);
        prop_assert_eq!(same_key(&a, &b), same);
        prop_assert_eq!(key(&a) == key(&b), same);
        prop_assert_eq!(key(&key(&a)), key(&a));
        prop_assert_eq!(trim(&a), a.trim());
    }

    #[test]
    fn counting_items_in_common_allocates_nothing_and_agrees(
        mine in proptest::collection::vec(text(), 0..5),
        theirs in proptest::collection::vec(text(), 0..5),
        more in proptest::collection::vec(text(), 0..3),
    ) {
        let all = common(&mine, &[&theirs, &more]).len();
        let keys = |l: &[String]| l.iter().map(|s| key(s)).collect::<Vec<_>>();
        let (kmine, ktheirs, kmore) = (keys(&mine), keys(&theirs), keys(&more));
        for cap in 1..=2 {
            prop_assert_eq!(count_common::<false>(&mine, &[&theirs, &more], cap), all.min(cap));
            prop_assert_eq!(
                count_common::<true>(&kmine, &[&ktheirs, &kmore], cap),
                all.min(cap)
            );
        }
    }

    #[test]
    fn keyed_participants_score_and_are_excluded_the_same(
        a in participant(1),
        b in participant(2),
        w in weights(),
        c in constraints(),
        previous in previous(),
        supporter in any::<bool>(),
    ) {
        let kind = if supporter { ProgrammeKind::Supporter } else { ProgrammeKind::Mutual };
        let expected = points(kind, &a, &b, &w);
        let (ka, kb) = (keyed(&a), keyed(&b));
        // The keyed copies score the same with any comparison...
        prop_assert_eq!(points(kind, &ka, &kb, &w), expected);
        prop_assert_eq!(score(kind, &ka, &kb, &w).0, expected);
        prop_assert_eq!(excluded(&ka, &kb, &c, &previous), excluded(&a, &b, &c, &previous));
        // ...and with the exact comparison of keys.
        let (ka, kb) = (Keyed::new(&a), Keyed::new(&b));
        prop_assert_eq!(Keyed::points(kind, &ka, &kb, &w), expected);
        prop_assert_eq!(keyed(&ka.0), ka.0);
    }

    #[test]
    fn mutual_score_is_symmetric(
        a in participant(1),
        b in participant(2),
        w in weights(),
    ) {
        prop_assert_eq!(score(ProgrammeKind::Mutual, &a, &b, &w), score(ProgrammeKind::Mutual, &b, &a, &w));
    }

    #[test]
    fn score_is_the_sum_of_reasons_within_the_weights(
        a in participant(1),
        b in participant(2),
        w in weights(),
        supporter in any::<bool>(),
    ) {
        let kind = if supporter { ProgrammeKind::Supporter } else { ProgrammeKind::Mutual };
        let (s, reasons) = score(kind, &a, &b, &w);
        prop_assert_eq!(s, reasons.iter().map(|r| r.points).sum::<i64>());
        prop_assert!(s <= w.max_score());
        for (name, weight) in w.fields() {
            let points: i64 = reasons
                .iter()
                .filter(|r| r.feature == name)
                .map(|r| r.points)
                .sum();
            prop_assert!(points <= weight, "{} {} > {}", name, points, weight);
        }
        for r in &reasons {
            prop_assert!(r.points > 0);
            let suffix = format!(": +{}", r.points);
            prop_assert!(r.text.ends_with(&suffix));
            if let Some(owner) = &r.private_to {
                prop_assert_eq!(r.feature, ScoreFeature::Preferences);
                prop_assert!(owner == &a.user_id || owner == &b.user_id);
                prop_assert!(r.text.starts_with("your preference on "));
                if supporter {
                    prop_assert_eq!(owner, &a.user_id);
                }
            }
        }
        // Deterministic, and the same points without the texts.
        prop_assert_eq!(points(kind, &a, &b, &w), s);
        prop_assert_eq!(score(kind, &a, &b, &w), (s, reasons));
    }

    #[test]
    fn sensitive_attributes_matter_only_through_preferences(
        a in participant(1),
        b in participant(2),
        w in weights(),
    ) {
        // Without sensitive preferences, declared attributes change nothing.
        let mut a = a;
        let mut b = b;
        a.preferences.sensitive.clear();
        b.preferences.sensitive.clear();
        let before = score(ProgrammeKind::Mutual, &a, &b, &w);
        a.sensitive.clear();
        b.sensitive.clear();
        prop_assert_eq!(score(ProgrammeKind::Mutual, &a, &b, &w), before);
    }

    #[test]
    fn valid_preferences_stay_valid(p in preferences()) {
        let once = p.check().unwrap();
        prop_assert_eq!(once.check().unwrap(), once.clone());
    }
}
