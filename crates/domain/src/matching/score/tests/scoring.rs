//! Scoring scenarios: each feature, level fit, regions, stated and
//! sensitive preferences, stored reasons.
use super::*;

#[test]
fn experience_in_common_with_plain_reasons() {
    let a = Participant {
        specialties: strings(&["anxiety", "Long-term conditions", "grief"]),
        interests: strings(&["running", "music"]),
        ..pwp(1)
    };
    let b = Participant {
        specialties: strings(&["long-term conditions", "ANXIETY"]),
        interests: strings(&["Running"]),
        ..pwp(2)
    };
    let (s, r) = score(ProgrammeKind::Mutual, &a, &b, &Weights::default());
    assert_eq!(
        texts(&r),
        vec![
            "same profession (PWP): +30",
            "2 shared specialties (anxiety, Long-term conditions): +20",
            "same level (qualified): +15",
            "both in West Midlands, so they can meet in person: +10",
            "1 shared interest (running): +5",
        ]
    );
    assert_eq!(s, 80);
    let features: Vec<_> = r.iter().map(|r| r.feature).collect();
    assert_eq!(
        features,
        vec![
            ScoreFeature::Profession,
            ScoreFeature::Specialties,
            ScoreFeature::Level,
            ScoreFeature::Region,
            ScoreFeature::Interests
        ]
    );
    assert!(r.iter().all(|r| r.private_to.is_none()));
}

#[test]
fn one_shared_item_earns_half_rounded_up() {
    let w = Weights {
        specialties: 15,
        ..zero()
    };
    let a = Participant {
        specialties: strings(&["anxiety"]),
        ..person(1)
    };
    let b = Participant {
        specialties: strings(&["anxiety", "grief"]),
        ..person(2)
    };
    let (s, r) = score(ProgrammeKind::Mutual, &a, &b, &w);
    assert_eq!(s, 8);
    assert_eq!(texts(&r), vec!["1 shared specialty (anxiety): +8"]);
}

#[test]
fn nothing_in_common_scores_zero_without_reasons() {
    let a = Participant {
        profession: Some("PWP".into()),
        ..person(1)
    };
    let b = Participant {
        profession: Some("CAP".into()),
        ..person(2)
    };
    assert_eq!(
        score(ProgrammeKind::Mutual, &a, &b, &Weights::default()),
        (0, vec![])
    );
    // Missing values never match each other.
    assert_eq!(
        score(
            ProgrammeKind::Mutual,
            &person(1),
            &person(2),
            &Weights::default()
        ),
        (0, vec![])
    );
}

#[test]
fn zero_weight_features_give_no_reason() {
    let w = Weights {
        profession: 0,
        ..Default::default()
    };
    let (s, r) = score(ProgrammeKind::Mutual, &pwp(1), &pwp(2), &w);
    assert_eq!(s, 25);
    assert!(r.iter().all(|r| r.feature != ScoreFeature::Profession));
}

#[test]
fn mutual_level_fit() {
    let w = Weights {
        level: 15,
        ..zero()
    };
    let at = |n, l: &str| Participant {
        level: Some(l.into()),
        ..person(n)
    };
    let (s, r) = score(
        ProgrammeKind::Mutual,
        &at(1, "senior"),
        &at(2, "qualified"),
        &w,
    );
    assert_eq!(
        (s, texts(&r)),
        (8, vec!["one level apart (qualified, senior): +8"])
    );
    let (s, _) = score(
        ProgrammeKind::Mutual,
        &at(1, "lead"),
        &at(2, "qualified"),
        &w,
    );
    assert_eq!(s, 0);
    let (s, r) = score(ProgrammeKind::Mutual, &at(1, "Lead"), &at(2, "lead"), &w);
    assert_eq!((s, texts(&r)), (15, vec!["same level (lead): +15"]));
    // Unknown levels are ignored.
    assert_eq!(
        score(ProgrammeKind::Mutual, &at(1, "guru"), &at(2, "guru"), &w).0,
        0
    );
}

#[test]
fn supporter_must_be_at_least_as_experienced() {
    let w = Weights {
        level: 15,
        ..zero()
    };
    let at = |n, l: &str| Participant {
        level: Some(l.into()),
        ..person(n)
    };
    let peer = at(1, "qualified");
    let (s, r) = score(ProgrammeKind::Supporter, &peer, &at(2, "senior"), &w);
    assert_eq!(
        (s, texts(&r)),
        (
            15,
            vec!["supporter is at least as experienced (senior ≥ qualified): +15"]
        )
    );
    assert_eq!(
        score(ProgrammeKind::Supporter, &peer, &at(2, "qualified"), &w).0,
        15
    );
    assert_eq!(
        score(ProgrammeKind::Supporter, &peer, &at(2, "trainee"), &w).0,
        0
    );
    // The direction matters: a is the peer.
    assert_eq!(
        score(ProgrammeKind::Supporter, &at(2, "senior"), &peer, &w).0,
        0
    );
}

#[test]
fn region_counts_only_when_they_can_meet_in_person() {
    let w = Weights {
        region: 10,
        ..zero()
    };
    let with = |n, m: Option<PreferredMeetingMode>| Participant {
        region: Some("West Midlands".into()),
        preferences: Preferences {
            mode: m,
            ..Default::default()
        },
        ..person(n)
    };
    let (s, r) = score(
        ProgrammeKind::Mutual,
        &with(1, Some(PreferredMeetingMode::InPerson)),
        &with(2, None),
        &w,
    );
    assert_eq!(
        (s, texts(&r)),
        (10, vec!["both in West Midlands, meeting in person: +10"])
    );
    let online = score(
        ProgrammeKind::Mutual,
        &with(1, Some(PreferredMeetingMode::Online)),
        &with(2, Some(PreferredMeetingMode::Either)),
        &w,
    );
    assert_eq!(online.0, 0);
    let elsewhere = Participant {
        region: Some("East Midlands".into()),
        ..with(2, None)
    };
    assert_eq!(
        score(ProgrammeKind::Mutual, &with(1, None), &elsewhere, &w).0,
        0
    );
}

#[test]
fn one_stated_preference_met_earns_all_preference_points() {
    let w = Weights {
        preferences: 15,
        ..zero()
    };
    let peer = Participant {
        preferences: Preferences {
            profession: Some("PWP".into()),
            ..Default::default()
        },
        ..person(1)
    };
    let (s, r) = score(ProgrammeKind::Supporter, &peer, &pwp(2), &w);
    assert_eq!((s, texts(&r)), (15, vec!["preferred profession met: +15"]));
    assert_eq!(r[0].feature, ScoreFeature::Preferences);
    // Supporter programme: the supporter's own preferences do not count.
    let picky_supporter = Participant {
        preferences: Preferences {
            profession: Some("CAP".into()),
            ..Default::default()
        },
        ..pwp(2)
    };
    assert_eq!(
        score(ProgrammeKind::Supporter, &peer, &picky_supporter, &w).0,
        15
    );
}

#[test]
fn preference_points_are_shared_over_stated_items() {
    let w = Weights {
        preferences: 15,
        ..zero()
    };
    let peer = Participant {
        region: Some("West Midlands".into()),
        preferences: Preferences {
            areas: strings(&["burnout", "anxiety"]),
            profession: Some("PWP".into()),
            level: Some("senior".into()),
            mode: Some(PreferredMeetingMode::InPerson),
            ..Default::default()
        },
        ..person(1)
    };
    let supporter = Participant {
        interests: strings(&["Anxiety"]),
        level: Some("lead".into()),
        ..pwp(2)
    };
    // 4 items: 3, 4, 4, 4 points; level (senior) is not met.
    let (s, r) = score(ProgrammeKind::Supporter, &peer, &supporter, &w);
    assert_eq!(
        texts(&r),
        vec![
            "preferred areas to talk about met (anxiety): +3",
            "preferred profession met: +4",
            "preferred in-person meeting in West Midlands met: +4",
        ]
    );
    assert_eq!(s, 11);
    // Online-only supporter: the in-person preference is not met.
    let online = Participant {
        preferences: Preferences {
            mode: Some(PreferredMeetingMode::Online),
            ..Default::default()
        },
        ..supporter.clone()
    };
    assert_eq!(score(ProgrammeKind::Supporter, &peer, &online, &w).0, 7);
    // A preferred region elsewhere.
    let elsewhere = Participant {
        preferences: Preferences {
            region: Some("East Midlands".into()),
            ..peer.preferences.clone()
        },
        ..peer.clone()
    };
    assert_eq!(
        score(ProgrammeKind::Supporter, &elsewhere, &supporter, &w).0,
        7
    );
}

#[test]
fn online_and_region_preferences() {
    let w = Weights {
        preferences: 10,
        ..zero()
    };
    let wants = |m: Option<PreferredMeetingMode>, r: Option<&str>| Participant {
        preferences: Preferences {
            mode: m,
            region: r.map(str::to_owned),
            ..Default::default()
        },
        ..person(1)
    };
    let other = |m: Option<PreferredMeetingMode>| Participant {
        region: Some("East Midlands".into()),
        preferences: Preferences {
            mode: m,
            ..Default::default()
        },
        ..person(2)
    };
    let online = wants(Some(PreferredMeetingMode::Online), Some("ignored"));
    let (s, r) = score(ProgrammeKind::Supporter, &online, &other(None), &w);
    assert_eq!((s, texts(&r)), (10, vec!["both can meet online: +10"]));
    assert_eq!(
        score(
            ProgrammeKind::Supporter,
            &online,
            &other(Some(PreferredMeetingMode::InPerson)),
            &w
        )
        .0,
        0
    );
    let region = wants(None, Some("east midlands"));
    let (s, r) = score(ProgrammeKind::Supporter, &region, &other(None), &w);
    assert_eq!(
        (s, texts(&r)),
        (10, vec!["preferred region (east midlands) met: +10"])
    );
    // In person without any region known: only the mode counts.
    let anywhere = wants(Some(PreferredMeetingMode::InPerson), None);
    let (s, r) = score(ProgrammeKind::Supporter, &anywhere, &other(None), &w);
    assert_eq!(
        (s, texts(&r)),
        (10, vec!["preferred in-person meeting met: +10"])
    );
    // No stated preference at all: nothing.
    assert_eq!(
        score(
            ProgrammeKind::Supporter,
            &wants(None, None),
            &other(None),
            &w
        )
        .0,
        0
    );
}

#[test]
fn mutual_preferences_of_both_sides_count_half_each() {
    let w = Weights {
        preferences: 15,
        ..zero()
    };
    let a = Participant {
        preferences: Preferences {
            profession: Some("PWP".into()),
            ..Default::default()
        },
        ..pwp(1)
    };
    let b = Participant {
        preferences: Preferences {
            level: Some("qualified".into()),
            ..Default::default()
        },
        ..pwp(2)
    };
    // u1 sorts first and gets the odd point.
    let (s, r) = score(ProgrammeKind::Mutual, &b, &a, &w);
    assert_eq!(
        texts(&r),
        vec!["preferred profession met: +8", "preferred level met: +7"]
    );
    assert_eq!(s, 15);
    // Only one side stated preferences: it has all the points.
    let plain = pwp(2);
    assert_eq!(score(ProgrammeKind::Mutual, &plain, &a, &w).0, 15);
}

#[test]
fn sensitive_preferences_count_only_if_self_declared_and_stay_private() {
    let w = Weights {
        preferences: 10,
        ..zero()
    };
    let peer = Participant {
        preferences: Preferences {
            profession: Some("CAP".into()),
            sensitive: [
                ("ethnicity".to_owned(), "Black British".to_owned()),
                ("religion_or_belief".to_owned(), "Muslim".to_owned()),
            ]
            .into(),
            ..Default::default()
        },
        ..person(1)
    };
    let declared = Participant {
        sensitive: [("ethnicity".to_owned(), "black british ".to_owned())].into(),
        ..pwp(2)
    };
    // Items: profession (unmet, 5), ethnicity (met, 5); religion is not
    // declared by the other so it is ignored.
    let (s, r) = score(ProgrammeKind::Supporter, &peer, &declared, &w);
    assert_eq!(
        (s, texts(&r)),
        (5, vec!["your preference on ethnicity met: +5"])
    );
    assert_eq!(r[0].private_to.as_deref(), Some("u1"));
    assert!(!r[0].text.contains("Black"), "the value is not repeated");
    assert_eq!(visible(&r, None), (0, vec![]));
    assert_eq!(visible(&r, Some("u2")), (0, vec![]));
    assert_eq!(visible(&r, Some("u1")), (5, r.clone()));
    // Not declared: no points, and it does not dilute other items.
    let undeclared = pwp(3);
    assert_eq!(
        score(ProgrammeKind::Supporter, &peer, &undeclared, &w),
        (0, vec![])
    );
    // Declared with another value: the item counts as unmet.
    let other = Participant {
        sensitive: [("ethnicity".to_owned(), "White".to_owned())].into(),
        profession: Some("CAP".into()),
        ..pwp(4)
    };
    let (s, r) = score(ProgrammeKind::Supporter, &peer, &other, &w);
    assert_eq!((s, texts(&r)), (5, vec!["preferred profession met: +5"]));
    // Multi-word attribute names read as words.
    let multi = Participant {
        preferences: Preferences {
            sensitive: [("religion_or_belief".to_owned(), "muslim".to_owned())].into(),
            ..Default::default()
        },
        ..person(5)
    };
    let muslim = Participant {
        sensitive: [("religion_or_belief".to_owned(), "Muslim".to_owned())].into(),
        ..person(6)
    };
    let (_, r) = score(ProgrammeKind::Mutual, &muslim, &multi, &w);
    assert_eq!(
        texts(&r),
        vec!["your preference on religion or belief met: +10"]
    );
    assert_eq!(r[0].private_to.as_deref(), Some("u5"));
}

#[test]
fn stored_reasons_read_back_and_keep_their_privacy() {
    // The form stored with a match and in a run's result.
    let stored = r#"[
        {"feature": "profession", "points": 30, "text": "same profession (PWP): +30", "private_to": null},
        {"feature": "preferences", "points": 5, "text": "your preference on ethnicity met: +5", "private_to": "u1"},
        {"feature": "region", "points": 10, "text": "same region (London): +10"}
    ]"#;
    let r: Vec<Reason> = serde_json::from_str(stored).unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[2].private_to, None, "an absent owner is no owner");
    assert_eq!(
        serde_json::from_str::<Vec<Reason>>(&serde_json::to_string(&r).unwrap()).unwrap(),
        r
    );
    let (points, shown) = visible(&r, None);
    assert_eq!(points, 40);
    assert!(shown.iter().all(|x| x.private_to.is_none()));
    assert_eq!(visible(&r, Some("u2")).0, 40);
    assert_eq!(visible(&r, Some("u1")), (45, r.clone()));
    // An unknown feature does not read back.
    assert!(
        serde_json::from_str::<Vec<Reason>>(r#"[{"feature": "luck", "points": 1, "text": "x"}]"#)
            .is_err()
    );
}
