//! Hand-checked plans: greedy traps, minimum scores, exclusions, capacity
//! and private reasons.
use super::*;

/// A greedy choice of the best pair is not optimal: A–B 60, A–C 40,
/// B–D 40, and C–D, A–D, B–C score 0. Greedy takes A–B and strands C and
/// D (total 60); the optimum is A–C + B–D (80).
fn greedy_trap() -> Input {
    let w = Weights {
        profession: 0,
        specialties: 40,
        level: 0,
        region: 0,
        interests: 60,
        preferences: 0,
    };
    let p = |n: usize, s: &[&str], i: &[&str]| Participant {
        specialties: strings(s),
        interests: strings(i),
        ..person(n)
    };
    Input {
        weights: w,
        ..mutual(vec![
            p(1, &["anxiety", "grief"], &["running", "music"]), // A
            p(2, &["trauma", "burnout"], &["running", "music"]), // B
            p(3, &["anxiety", "grief"], &["chess"]),            // C
            p(4, &["trauma", "burnout"], &["films"]),           // D
        ])
    }
}

#[test]
fn greedy_trap_scores_by_hand() {
    let input = greedy_trap();
    let s = |i: usize, j: usize| {
        score(
            ProgrammeKind::Mutual,
            &input.requests[i],
            &input.requests[j],
            &input.weights,
        )
        .0
    };
    // A–B: 2 shared interests (60); A–C, B–D: 2 shared specialties (40).
    assert_eq!((s(0, 1), s(0, 2), s(1, 3)), (60, 40, 40));
    assert_eq!((s(2, 3), s(0, 3), s(1, 2)), (0, 0, 0));
    assert_eq!(brute_mutual(&input), 80);
}

#[test]
fn greedy_trap_plan_is_optimal() {
    let p = plan(&greedy_trap());
    assert_eq!(ids(&p), vec![("r1", "r3"), ("r2", "r4")]);
    assert_eq!(p.total_score, 80);
    assert!(p.unmatched.is_empty());
    assert_eq!(
        texts(&p.pairs[0].reasons),
        vec!["2 shared specialties (anxiety, grief): +40"]
    );
}

/// Three PWPs: X–Y 45 (profession 40 + 1 shared interest 5), X–Z 40,
/// Y–Z 40; with min_score 45 only X–Y is
/// allowed and Z is told why.
fn three_with_minimum() -> Input {
    let w = Weights {
        profession: 40,
        specialties: 0,
        level: 0,
        region: 0,
        interests: 10,
        preferences: 0,
    };
    let p = |n: usize, i: &[&str]| Participant {
        profession: Some("PWP".into()),
        interests: strings(i),
        ..person(n)
    };
    Input {
        weights: w,
        constraints: Constraints {
            min_score: 45,
            ..Default::default()
        },
        ..mutual(vec![p(1, &["running"]), p(2, &["running"]), p(3, &[])])
    }
}

#[test]
fn hand_checked_minimum_score_plan() {
    let input = three_with_minimum();
    assert_eq!(brute_mutual(&input), 45);
    let p = plan(&input);
    assert_eq!(
        reasons_of(&p)
            .iter()
            .filter(|(id, _)| *id == "r3")
            .collect::<Vec<_>>(),
        vec![&("r3", "no candidate above the minimum score (45)")]
    );
}

#[test]
fn hand_checked_minimum_score_plan_is_optimal() {
    let input = three_with_minimum();
    let p = plan(&input);
    assert_eq!(ids(&p), vec![("r1", "r2")]);
    assert_eq!(p.total_score, 45);
    assert_eq!(
        texts(&p.pairs[0].reasons),
        vec![
            "same profession (PWP): +40",
            "1 shared interest (running): +5"
        ]
    );
    assert_eq!(
        reasons_of(&p),
        vec![("r3", "no candidate above the minimum score (45)")]
    );
}

fn texts(r: &[Reason]) -> Vec<&str> {
    r.iter().map(|r| r.text.as_str()).collect()
}

#[test]
fn nobody_else_waiting() {
    let p = plan(&mutual(vec![person(1)]));
    assert_eq!(
        reasons_of(&p),
        vec![("r1", "no candidate: nobody else is waiting")]
    );
    assert_eq!(plan(&mutual(vec![])).unmatched, vec![]);
}

/// r1 is in r2's team and managed by r3: every candidate is excluded.
fn excluded_everywhere() -> Input {
    let pwp = |n: usize, team: &str| Participant {
        profession: Some("PWP".into()),
        team: Some(team.into()),
        ..person(n)
    };
    let managed = Participant {
        line_manager_id: Some("u3".into()),
        ..pwp(1, "north")
    };
    Input {
        constraints: Constraints {
            exclude_same_team: true,
            exclude_line_manager: true,
            ..Default::default()
        },
        ..mutual(vec![managed, pwp(2, "North "), pwp(3, "south")])
    }
}

#[test]
fn all_candidates_excluded_names_each_exclusion() {
    let input = excluded_everywhere();
    let p = plan(&input);
    assert_eq!(
        reasons_of(&p)[0],
        ("r1", "all candidates excluded: same team, line manager")
    );
    let only_teams = Input {
        requests: input.requests[..2].to_vec(),
        ..input.clone()
    };
    assert_eq!(
        reasons_of(&plan(&only_teams)),
        vec![
            ("r1", "all candidates excluded: same team"),
            ("r2", "all candidates excluded: same team")
        ]
    );
    let previous = Input {
        requests: vec![person(1), person(2)],
        constraints: Constraints {
            exclude_previous_pairs: true,
            ..Default::default()
        },
        previous: [("u2".to_owned(), "u1".to_owned())].into(),
        ..input.clone()
    };
    assert_eq!(
        reasons_of(&plan(&previous))[0],
        ("r1", "all candidates excluded: paired before")
    );
}

#[test]
fn the_allowed_pair_is_proposed_around_exclusions() {
    let p = plan(&excluded_everywhere());
    assert_eq!(ids(&p), vec![("r2", "r3")]);
    assert_eq!(p.unmatched.len(), 1);
}

#[test]
fn excluded_and_below_minimum_reasons_after_matching() {
    // r2–r3 is the only allowed pair: r1 is excluded from r2 and scores
    // nothing with r3.
    let pwp = |n: usize, team: &str| Participant {
        profession: Some("PWP".into()),
        team: Some(team.into()),
        ..person(n)
    };
    let r1 = Participant {
        profession: Some("CAP".into()),
        ..pwp(1, "north")
    };
    let input = Input {
        constraints: Constraints {
            exclude_same_team: true,
            ..Default::default()
        },
        ..mutual(vec![r1, pwp(2, "north"), pwp(3, "south")])
    };
    let p = plan(&input);
    assert_eq!(
        reasons_of(&p)
            .into_iter()
            .filter(|(id, _)| *id == "r1")
            .collect::<Vec<_>>(),
        vec![(
            "r1",
            "no candidate above the minimum score (0); the others are excluded: same team"
        )]
    );
}

#[test]
fn odd_one_out_was_matched_with_others() {
    let p = plan(&Input {
        weights: weights_only_profession(),
        ..mutual(
            (1..=3)
                .map(|n| Participant {
                    profession: Some("PWP".into()),
                    ..person(n)
                })
                .collect(),
        )
    });
    assert_eq!(p.pairs.len(), 1);
    assert_eq!(p.total_score, 10);
    assert_eq!(p.unmatched.len(), 1);
    assert_eq!(
        p.unmatched[0].reason,
        "candidates were matched with others for a better overall fit"
    );
}

#[test]
fn supporter_programme_respects_capacity_and_lists_free_places() {
    let peer = |n: usize, level: &str| Participant {
        profession: Some("PWP".into()),
        level: Some(level.into()),
        ..person(n)
    };
    let supporter = |n: usize, level: &str| Participant {
        id: format!("s{n}"),
        ..peer(n, level)
    };
    // s10 (lead) can take 2; s11 (qualified) 1; s12 has no place.
    let input = supporter_input(
        vec![
            peer(1, "senior"),
            peer(2, "trainee"),
            peer(3, "lead"),
            peer(4, "senior"),
        ],
        vec![
            (supporter(10, "lead"), 2),
            (supporter(11, "qualified"), 1),
            (supporter(12, "lead"), 0),
        ],
    );
    // Seniors and the lead need s10 for the level points (45 vs 30).
    // Best: s10 takes two of r1/r3/r4 (45 each), s11 takes r2 (45) → 135,
    // and the third senior/lead could only get s11 (30) which is taken.
    assert_eq!(brute_supporter(&input), 135);
    let p = plan(&input);
    assert_eq!(p.total_score, 135);
    assert_eq!(p.pairs.len(), 3);
    assert!(p.pairs.iter().any(|x| x.a == "r2" && x.b == "s11"));
    assert_eq!(p.unmatched.len(), 1);
    assert_eq!(
        p.unmatched[0].reason,
        "candidates were matched with others for a better overall fit"
    );
    assert_eq!(p.free_places, vec![]);
    let r2 = p.pairs.iter().find(|x| x.a == "r2").unwrap();
    assert_eq!(
        texts(&r2.reasons),
        vec![
            "same profession (PWP): +30",
            "supporter is at least as experienced (qualified ≥ trainee): +15"
        ]
    );
}

#[test]
fn supporter_programme_without_places() {
    let none = supporter_input(vec![person(1)], vec![]);
    assert_eq!(
        reasons_of(&plan(&none)),
        vec![("r1", "no candidate: no supporter is available")]
    );
    let full = supporter_input(vec![person(1)], vec![(person(9), 0)]);
    let p = plan(&full);
    assert_eq!(
        reasons_of(&p),
        vec![("r1", "no candidate: no supporter has a free place")]
    );
    assert_eq!(p.free_places, vec![]);
    // Nothing in common: unmatched, and the supporter's place stays free.
    let idle = supporter_input(vec![person(1)], vec![(person(9), 2)]);
    let p = plan(&idle);
    assert_eq!(
        reasons_of(&p),
        vec![("r1", "no candidate above the minimum score (0)")]
    );
    assert_eq!(
        p.free_places,
        vec![FreePlaces {
            id: "r9".into(),
            places: 2
        }]
    );
    // The supporter is the requester's line manager.
    let managed = Participant {
        profession: Some("PWP".into()),
        line_manager_id: Some("u9".into()),
        ..person(1)
    };
    let boss = Participant {
        profession: Some("PWP".into()),
        ..person(9)
    };
    let mut lm = supporter_input(vec![managed], vec![(boss, 1)]);
    lm.constraints.exclude_line_manager = true;
    assert_eq!(
        reasons_of(&plan(&lm)),
        vec![("r1", "all candidates excluded: line manager")]
    );
    lm.constraints.exclude_line_manager = false;
    assert_eq!(plan(&lm).pairs.len(), 1);
}

#[test]
fn check_pair_reports_the_first_exclusion_or_the_minimum() {
    let w = Weights::default();
    let pwp = |n: usize| Participant {
        profession: Some("PWP".into()),
        team: Some("t".into()),
        ..person(n)
    };
    let none = BTreeSet::new();
    let c = Constraints {
        exclude_same_team: true,
        min_score: 31,
        ..Default::default()
    };
    assert_eq!(
        check_pair(ProgrammeKind::Mutual, &pwp(1), &pwp(2), &w, &c, &none),
        Err(Exclusion::SameTeam)
    );
    let other = Participant {
        team: None,
        ..pwp(2)
    };
    assert_eq!(
        check_pair(ProgrammeKind::Mutual, &pwp(1), &other, &w, &c, &none),
        Err(Exclusion::BelowMinimum)
    );
    let c30 = Constraints {
        min_score: 30,
        ..c.clone()
    };
    let (s, r) = check_pair(ProgrammeKind::Mutual, &pwp(1), &other, &w, &c30, &none).unwrap();
    assert_eq!((s, texts(&r)), (30, vec!["same profession (PWP): +30"]));
    // A manager may pair two people with nothing in common if the
    // minimum is 0; a run never would.
    assert_eq!(
        check_pair(
            ProgrammeKind::Mutual,
            &person(1),
            &person(2),
            &w,
            &Constraints::default(),
            &none
        ),
        Ok((0, vec![]))
    );
    assert_eq!(
        check_pair(
            ProgrammeKind::Mutual,
            &person(1),
            &person(1),
            &w,
            &Constraints::default(),
            &none
        ),
        Err(Exclusion::SamePerson)
    );
}

#[test]
fn private_reasons_travel_with_the_pair() {
    let w = Weights {
        preferences: 20,
        ..weights_only_profession()
    };
    let peer = Participant {
        profession: Some("PWP".into()),
        preferences: Preferences {
            mode: Some(PreferredMeetingMode::Online),
            sensitive: [("gender".to_owned(), "woman".to_owned())].into(),
            ..Default::default()
        },
        ..person(1)
    };
    let supporter = Participant {
        id: "s1".into(),
        profession: Some("PWP".into()),
        sensitive: [("gender".to_owned(), "Woman".to_owned())].into(),
        ..person(2)
    };
    let p = plan(&Input {
        weights: w,
        ..supporter_input(vec![peer], vec![(supporter, 1)])
    });
    assert_eq!(p.pairs.len(), 1);
    let pair = &p.pairs[0];
    assert_eq!(pair.score, 30);
    let (shown, reasons) = crate::matching::score::visible(&pair.reasons, None);
    assert_eq!(shown, 20);
    assert_eq!(
        texts(&reasons),
        vec!["same profession (PWP): +10", "both can meet online: +10"]
    );
    let (mine, _) = crate::matching::score::visible(&pair.reasons, Some("u1"));
    assert_eq!(mine, 30);
}
