//! The score of a pair: every feature in turn, with its reasons when
//! explaining, on the participants as given or on their keyed copies.
use std::collections::BTreeMap;

use super::compare::{graded, half, key, mode, plural, rank, same, shared, value};
use super::items::{items, preference_reasons};
use super::participant::{Participant, Preferences};
use super::reasons::{Reason, Reasons};
use super::sets::{PreferredMeetingMode, ProgrammeKind, ScoreFeature};
use super::settings::Weights;
use crate::taxonomy::LEVELS;

/// Score of a pair: for mutual, symmetric (preferences of both sides count);
/// for supporter, `a` is the peer (requester), `b` the supporter (level fit:
/// supporter at least as experienced as the peer). See the module docs for
/// the rules. The score is the sum of the reasons' points; reasons come in
/// feature order and only for features that earn points.
pub fn score(
    kind: ProgrammeKind,
    a: &Participant,
    b: &Participant,
    w: &Weights,
) -> (i64, Vec<Reason>) {
    let out = evaluate::<false>(kind, a, b, w, true);
    (out.total, out.list)
}

/// `score(kind, a, b, w).0` without building the reasons.
pub fn points(kind: ProgrammeKind, a: &Participant, b: &Participant, w: &Weights) -> i64 {
    evaluate::<false>(kind, a, b, w, false).total
}

/// A participant with every compared text a [`key`] (trimmed and
/// lower-cased): profession, level, region, specialties, interests, team,
/// the values of sensitive attributes, and the preferred areas, profession,
/// level, region and sensitive values. Ids, the user id, the line manager and
/// the names of sensitive attributes are kept as they are. Scoring keys
/// compares them exactly, which is quicker: [`Keyed::points`] is always
/// [`points`] of the originals, but reasons must be built from the
/// originals (they keep the first spelling).
pub(crate) struct Keyed(pub(super) Participant);

impl Keyed {
    pub(crate) fn new(p: &Participant) -> Self {
        Self(keyed(p))
    }

    /// `points(kind, a, b, w)` of the originals of `a` and `b`.
    pub(crate) fn points(kind: ProgrammeKind, a: &Keyed, b: &Keyed, w: &Weights) -> i64 {
        evaluate::<true>(kind, &a.0, &b.0, w, false).total
    }
}

/// A copy of `p` with every compared text a [`key`] (see [`Keyed`]).
pub(super) fn keyed(p: &Participant) -> Participant {
    let one = |s: &Option<String>| s.as_deref().map(key);
    let list = |l: &[String]| l.iter().map(|s| key(s)).collect();
    let values = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(attribute, v)| (attribute.clone(), key(v)))
            .collect()
    };
    let r = &p.preferences;
    Participant {
        id: p.id.clone(),
        user_id: p.user_id.clone(),
        profession: one(&p.profession),
        level: one(&p.level),
        region: one(&p.region),
        specialties: list(&p.specialties),
        interests: list(&p.interests),
        team: one(&p.team),
        line_manager_id: p.line_manager_id.clone(),
        sensitive: values(&p.sensitive),
        preferences: Preferences {
            areas: list(&r.areas),
            profession: one(&r.profession),
            level: one(&r.level),
            mode: r.mode,
            region: one(&r.region),
            sensitive: values(&r.sensitive),
        },
    }
}

/// The score of `a` and `b` (see [`score`]), the reasons only when
/// `explain`. `KEYED`: both are [`Keyed`] participants (never explained).
fn evaluate<const KEYED: bool>(
    kind: ProgrammeKind,
    a: &Participant,
    b: &Participant,
    w: &Weights,
    explain: bool,
) -> Reasons {
    let (p, q) = match kind {
        ProgrammeKind::Mutual if (&b.user_id, &b.id) < (&a.user_id, &a.id) => (b, a),
        _ => (a, b),
    };
    let mut out = Reasons {
        explain,
        total: 0,
        list: Vec::new(),
    };

    if same::<KEYED>(&p.profession, &q.profession) {
        let code = value(&p.profession).unwrap_or_default();
        out.add(
            ScoreFeature::Profession,
            w.profession,
            || format!("same profession ({code})"),
            None,
        );
    }

    graded_lists::<KEYED>(
        &mut out,
        (ScoreFeature::Specialties, w.specialties),
        (&p.specialties, &q.specialties),
        ("shared specialty", "shared specialties"),
    );

    let levels = value(&p.level).zip(value(&q.level));
    if let Some((lp, lq)) = levels
        && let (Some(rp), Some(rq)) = (rank::<KEYED>(lp), rank::<KEYED>(lq))
    {
        let (lp, lq) = (LEVELS[rp].0, LEVELS[rq].0);
        match kind {
            ProgrammeKind::Supporter if rq >= rp => out.add(
                ScoreFeature::Level,
                w.level,
                || format!("supporter is at least as experienced ({lq} ≥ {lp})"),
                None,
            ),
            ProgrammeKind::Supporter => {}
            ProgrammeKind::Mutual if rp == rq => out.add(
                ScoreFeature::Level,
                w.level,
                || format!("same level ({lp})"),
                None,
            ),
            ProgrammeKind::Mutual if rp.abs_diff(rq) == 1 => {
                let (lo, hi) = if rp < rq { (lp, lq) } else { (lq, lp) };
                out.add(
                    ScoreFeature::Level,
                    half(w.level),
                    || format!("one level apart ({lo}, {hi})"),
                    None,
                )
            }
            ProgrammeKind::Mutual => {}
        }
    }

    if same::<KEYED>(&p.region, &q.region)
        && mode(p) != PreferredMeetingMode::Online
        && mode(q) != PreferredMeetingMode::Online
    {
        let region = value(&p.region).unwrap_or_default();
        let how = if mode(p) == PreferredMeetingMode::InPerson
            || mode(q) == PreferredMeetingMode::InPerson
        {
            "meeting in person"
        } else {
            "so they can meet in person"
        };
        out.add(
            ScoreFeature::Region,
            w.region,
            || format!("both in {region}, {how}"),
            None,
        );
    }

    graded_lists::<KEYED>(
        &mut out,
        (ScoreFeature::Interests, w.interests),
        (&p.interests, &q.interests),
        ("shared interest", "shared interests"),
    );

    match kind {
        ProgrammeKind::Supporter => {
            let it = items::<KEYED>(p, q, explain);
            preference_reasons(&mut out, p, it, w.preferences);
        }
        ProgrammeKind::Mutual => {
            let (ip, iq) = (items::<KEYED>(p, q, explain), items::<KEYED>(q, p, explain));
            let (bp, bq) = match (ip.is_empty(), iq.is_empty()) {
                (false, false) => (half(w.preferences), w.preferences / 2),
                _ => (w.preferences, w.preferences),
            };
            if !ip.is_empty() {
                preference_reasons(&mut out, p, ip, bp);
            }
            if !iq.is_empty() {
                preference_reasons(&mut out, q, iq, bq);
            }
        }
    }

    out
}

/// A feature graded by items in common ([`graded`]): specialties or
/// interests, with its reason naming the items.
fn graded_lists<const KEYED: bool>(
    out: &mut Reasons,
    (feature, weight): (ScoreFeature, i64),
    (mine, theirs): (&[String], &[String]),
    (one, many): (&str, &str),
) {
    let (n, items) = shared::<KEYED>(mine, theirs, out.explain);
    out.add(
        feature,
        graded(n, weight),
        || format!("{} ({})", plural(n, one, many), items.join(", ")),
        None,
    );
}
