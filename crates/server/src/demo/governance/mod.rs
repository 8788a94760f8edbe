//! The PPN's demo **governance** (docs/governance.md): feedback forms of
//! past meetings of four CoPs, in the last full calendar quarter before
//! today and the current one, so the governance report of the last quarter
//! has every column filled; their escalations in every status (one raised
//! and overdue, one routed, one acknowledged, one closed) and a commendation
//! escalated by the manager and routed to the workforce council.
//!
//! Everything is written through the stores (`feedback::file`,
//! `escalations::open` and `escalations::transition`) by the CoP's chair or
//! secretary and the network's manager. The stores stamp "now"; afterwards
//! the rows' own times are moved into the past (filed a day or two after
//! the meeting, triaged days later), as the tests' `move_into_past` moves a
//! meeting, without a new version. The audit trail and the outbox keep the
//! time the demo was loaded. The network's communities move back to when
//! their first member joined, so that a past quarter's report lists them.
//! The latest past meeting of *Psychological
//! Practitioners* keeps no form: docs/governance.md section 3 files it.
//! The rest of the last quarter (terms, minutes, actions, members,
//! applications, a cancelled meeting) is in [`quarter`].
//! Loaded only while the network has no feedback form.
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use peerhub_domain::access::Principal;
use peerhub_domain::governance::escalation::EscalationStatus;
use peerhub_domain::governance::feedback::{FormInput, PointInput, PointKind, PointNature};
use peerhub_persistence::entities::{
    community, community_member, escalation, escalation_transition, feedback_form, feedback_point,
    meeting,
};
use peerhub_persistence::governance::escalations::{self, Move};
use peerhub_persistence::governance::feedback::{self, FormFilter};
use peerhub_persistence::sea_orm::sea_query::Expr;
use peerhub_persistence::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use peerhub_persistence::{Ctx, Db, PageRequest, meetings, networks};

use super::people::{PPN, PPN_MANAGER};
use super::support;

mod quarter;

use EscalationStatus::{Acknowledged, Closed, Routed};
use PointKind::{Advise, Alert, Assure};
use PointNature::{Commendation, Escalation};

/// The body the demo routes escalations to (one of a network's defaults).
const COUNCIL: &str = "workforce_council";

/// What happens to a point after the form is filed.
#[derive(Clone, Copy)]
enum Fate {
    /// Nothing: an escalation point stays `raised` (a commendation stays
    /// a commendation).
    Stays,
    /// Routed to the workforce council, days after the form.
    Routed,
    /// Routed, then acknowledged with the council's response.
    Acknowledged,
    /// Closed with an outcome.
    Closed,
    /// A commendation the manager escalates and routes to the council.
    Commended,
}

struct DemoPoint {
    kind: PointKind,
    nature: PointNature,
    text: &'static str,
    fate: Fate,
}

/// Which past meeting a form is for.
#[derive(Clone, Copy)]
enum When {
    /// The latest held in the last full quarter.
    LastQuarter,
    /// The latest held in the current quarter, else in the last one.
    ThisQuarter,
    /// The latest held more than the overdue days (and two) before the
    /// current quarter began: its escalation is overdue at the end of the
    /// last quarter and now.
    LongAgo,
}

struct DemoForm {
    community: &'static str,
    author: &'static str,
    when: When,
    summary: &'static str,
    outputs: &'static [&'static str],
    points: &'static [DemoPoint],
}

const FORMS: &[DemoForm] = &[
    DemoForm {
        community: "Chief Psychological Professions Officers (CPPO)",
        author: "priya.shah@nhs.net",
        when: When::LastQuarter,
        summary: "Workforce planning across the Midlands trusts: vacancy and turnover figures for \
                  psychological professions, the preceptorship offer for newly qualified staff, \
                  and progress on a named professional lead in every trust.",
        outputs: &[
            "A shared vacancy dashboard, refreshed every quarter",
            "Draft regional preceptorship standard for comment",
        ],
        points: &[
            DemoPoint {
                kind: Alert,
                nature: Escalation,
                text: "Vacancies for clinical psychologists in adult community mental health \
                       teams are above 18% in three trusts; waiting times for psychological \
                       therapy are rising as a result.",
                fate: Fate::Acknowledged,
            },
            DemoPoint {
                kind: Advise,
                nature: Escalation,
                text: "Fund a regional preceptorship programme for newly qualified \
                       psychological professionals from April.",
                fate: Fate::Closed,
            },
            DemoPoint {
                kind: Assure,
                nature: Commendation,
                text: "Every trust in the region now has a named lead for the psychological \
                       professions reporting to its board.",
                fate: Fate::Commended,
            },
        ],
    },
    DemoForm {
        community: "Psychological Professionals in Physical Healthcare",
        author: "omar.haddad@nhs.net",
        when: When::LastQuarter,
        summary: "Psychological care in long-term conditions: the integrated diabetes and \
                  cardiac rehabilitation pathways, and access to psychology in acute hospitals.",
        outputs: &["A mapping of psychology provision in acute trusts"],
        points: &[
            DemoPoint {
                kind: Advise,
                nature: Escalation,
                text: "Include a psychological professional in every new integrated \
                       long-term-conditions pathway commissioned by the ICBs.",
                fate: Fate::Routed,
            },
            DemoPoint {
                kind: Assure,
                nature: Commendation,
                text: "The cardiac rehabilitation pilot screened 94% of patients for anxiety \
                       and depression, with clear stepped referral routes.",
                fate: Fate::Stays,
            },
        ],
    },
    DemoForm {
        community: "Psychological Practitioners",
        author: "sam.patel@nhs.net",
        when: When::LongAgo,
        summary: "Supervision and caseloads for psychological wellbeing practitioners and \
                  other practitioner roles; step 2 and step 3 waiting times in NHS Talking \
                  Therapies.",
        outputs: &[
            "Caseload benchmarks shared with the service leads",
            "A peer supervision rota for the winter",
            "Case discussion notes added to the CoP library",
        ],
        points: &[
            DemoPoint {
                kind: Alert,
                nature: Escalation,
                text: "Step 3 waiting times in two NHS Talking Therapies services are over 18 \
                       weeks, and practitioner caseloads exceed the recommended maximum.",
                fate: Fate::Stays,
            },
            DemoPoint {
                kind: Assure,
                nature: Commendation,
                text: "Monthly group supervision now runs in every service, with full \
                       attendance recorded.",
                fate: Fate::Stays,
            },
        ],
    },
    DemoForm {
        community: "Clinical Associate in Psychology",
        author: "rachel.green@nhs.net",
        when: When::ThisQuarter,
        summary: "The first cohort of Clinical Associates in Psychology after qualifying: \
                  supervision by practitioner psychologists, scope of practice and career \
                  progression.",
        outputs: &["A scope-of-practice checklist for new posts"],
        points: &[
            DemoPoint {
                kind: Alert,
                nature: Escalation,
                text: "Two newly qualified CAPs have no practitioner psychologist to supervise \
                       them since their supervisors left.",
                fate: Fate::Stays,
            },
            DemoPoint {
                kind: Advise,
                nature: Commendation,
                text: "The apprenticeship model works well: keep funding the university places \
                       for the next intake.",
                fate: Fate::Stays,
            },
        ],
    },
];

fn principal(user_id: &str) -> Principal {
    Principal {
        user_id: user_id.to_owned(),
        is_platform_admin: false,
        token_scopes: None,
    }
}

/// The first day of the calendar quarter holding `day`.
fn quarter_start(day: NaiveDate) -> NaiveDate {
    let month = (day.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The latest meeting of `held` starting in `[from, to)`.
fn latest(
    held: &[meeting::Model],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<&meeting::Model> {
    held.iter()
        .filter(|m| m.starts_at >= from && m.starts_at < to)
        .max_by_key(|m| m.starts_at)
}

/// Loads the PPN's governance demo while the network has no feedback
/// form. Needs the meetings.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let Some(net) = networks::find_by_slug(db, PPN).await? else {
        return Ok(());
    };
    let admin = Principal {
        user_id: String::new(),
        is_platform_admin: true,
        token_scopes: None,
    };
    let filter = FormFilter {
        network_id: Some(net.id.clone()),
        ..Default::default()
    };
    let page = PageRequest {
        limit: 1,
        after: None,
    };
    if !feedback::list(db, &admin, &filter, &page)
        .await?
        .items
        .is_empty()
    {
        return Ok(());
    }
    let now = Utc::now();
    let this_quarter = midnight(quarter_start(now.date_naive()));
    let last_quarter = midnight(quarter_start(this_quarter.date_naive() - Duration::days(1)));
    let long_ago = this_quarter - Duration::days(i64::from(net.escalation_overdue_days) + 2);
    backdate_communities(db, &net.id).await?;
    let manager = support::user_id(db, PPN_MANAGER).await?;
    let manager_ctx = Ctx::system().with_actor(&manager);
    let manager_p = principal(&manager);

    for spec in FORMS {
        let Some(c) = support::community_named(db, Some(&net.id), spec.community).await? else {
            continue;
        };
        let held: Vec<meeting::Model> = meetings::of_community(db, &c.id)
            .await?
            .into_iter()
            .filter(|m| m.status != "cancelled" && m.starts_at < now)
            .collect();
        let m = match spec.when {
            When::LastQuarter => latest(&held, last_quarter, this_quarter),
            When::ThisQuarter => latest(&held, this_quarter, now)
                .or_else(|| latest(&held, last_quarter, this_quarter)),
            When::LongAgo => latest(&held, DateTime::<Utc>::MIN_UTC, long_ago),
        };
        let Some(m) = m else { continue };
        // Filed a day after the meeting, within its quarter and the past.
        let quarter_end = if m.starts_at < this_quarter {
            this_quarter - Duration::minutes(1)
        } else {
            now
        };
        let filed = (m.starts_at + Duration::days(1)).min(quarter_end).min(now);
        let author = support::user_id(db, spec.author).await?;
        let input = FormInput {
            content_summary: spec
                .summary
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            outputs: support::owned(spec.outputs),
            points: spec
                .points
                .iter()
                .map(|p| PointInput {
                    kind: p.kind,
                    nature: p.nature,
                    text: p.text.split_whitespace().collect::<Vec<_>>().join(" "),
                })
                .collect(),
        };
        let rec = feedback::file(
            db,
            &Ctx::system().with_actor(&author),
            &principal(&author),
            &m.id,
            &input,
        )
        .await?;
        backdate_form(db, &rec.form.id, filed).await?;
        for (p, spec_point) in rec.points.iter().zip(spec.points) {
            let (id, raised) = match (&p.escalation, spec_point.fate) {
                (Some(e), _) => (e.id.clone(), filed),
                (None, Fate::Commended) => {
                    let e = escalations::open(db, &manager_ctx, &manager_p, &p.point.id).await?;
                    (e.escalation.id, filed + Duration::days(3))
                }
                (None, _) => continue,
            };
            let at = |days: i64| (raised + Duration::days(days)).min(now);
            let moves: Vec<(EscalationStatus, Option<&str>, &str, DateTime<Utc>)> =
                match spec_point.fate {
                    Fate::Stays => vec![],
                    Fate::Routed | Fate::Commended => vec![(
                        Routed,
                        Some(COUNCIL),
                        "For the workforce council's next meeting: it sets the regional \
                         workforce priorities.",
                        at(6),
                    )],
                    Fate::Acknowledged => vec![
                        (
                            Routed,
                            Some(COUNCIL),
                            "Vacancies are for the workforce council, which holds the \
                             regional recruitment plan.",
                            at(5),
                        ),
                        (
                            Acknowledged,
                            None,
                            "The council has added psychology vacancies to its risk register \
                             and asked each trust for a recruitment plan by the next meeting.",
                            at(19),
                        ),
                    ],
                    Fate::Closed => vec![(
                        Closed,
                        None,
                        "Agreed by the ICB: a regional preceptorship programme is funded \
                         from April, hosted by the training hub.",
                        at(26),
                    )],
                };
            let mut steps = Vec::new();
            for (status, to, note, when) in moves {
                escalations::transition(
                    db,
                    &manager_ctx,
                    &manager_p,
                    &id,
                    Move {
                        status,
                        routed_to: to.map(str::to_owned),
                        note: Some(note.split_whitespace().collect::<Vec<_>>().join(" ")),
                    },
                    None,
                )
                .await?;
                steps.push((status, when));
            }
            backdate_escalation(db, &id, raised.min(now), &steps).await?;
        }
    }
    let q = quarter::Quarter {
        start: last_quarter,
        end: this_quarter,
    };
    quarter::load(db, &net.id, &manager, &q, now).await?;
    Ok(())
}

/// The demo communities are created when the demo loads, but their core
/// teams joined (and their meetings started) long before; a report of a
/// past quarter lists only communities created by its end
/// (docs/governance.md, "Who is in the report"). So each community of the
/// network moves back to when its first member joined; its version stays.
async fn backdate_communities(db: &Db, network_id: &str) -> anyhow::Result<()> {
    let all = community::Entity::find()
        .filter(community::Column::NetworkId.eq(network_id))
        .all(db)
        .await?;
    for c in all {
        let first = community_member::Entity::find()
            .filter(community_member::Column::CommunityId.eq(&c.id))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.joined_at)
            .min();
        if let Some(at) = first.filter(|at| *at < c.created_at) {
            community::Entity::update_many()
                .col_expr(community::Column::CreatedAt, Expr::value(at))
                .filter(community::Column::Id.eq(&c.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Moves a form (and its points) to the time it was filed.
async fn backdate_form(db: &Db, form_id: &str, at: DateTime<Utc>) -> anyhow::Result<()> {
    feedback_form::Entity::update_many()
        .col_expr(feedback_form::Column::CreatedAt, Expr::value(at))
        .col_expr(feedback_form::Column::UpdatedAt, Expr::value(at))
        .filter(feedback_form::Column::Id.eq(form_id))
        .exec(db)
        .await?;
    feedback_point::Entity::update_many()
        .col_expr(feedback_point::Column::CreatedAt, Expr::value(at))
        .filter(feedback_point::Column::FormId.eq(form_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Moves an escalation to the time it was raised and its moves (`steps`,
/// one per status) to theirs; its version stays.
async fn backdate_escalation(
    db: &Db,
    id: &str,
    raised: DateTime<Utc>,
    steps: &[(EscalationStatus, DateTime<Utc>)],
) -> anyhow::Result<()> {
    let last = steps.last().map_or(raised, |(_, at)| *at);
    let closed = steps.iter().find(|(s, _)| *s == Closed).map(|(_, at)| *at);
    let mut q = escalation::Entity::update_many()
        .col_expr(escalation::Column::RaisedAt, Expr::value(raised))
        .col_expr(escalation::Column::CreatedAt, Expr::value(raised))
        .col_expr(escalation::Column::UpdatedAt, Expr::value(last));
    if let Some(at) = closed {
        q = q.col_expr(escalation::Column::ClosedAt, Expr::value(at));
    }
    q.filter(escalation::Column::Id.eq(id)).exec(db).await?;
    let raised_step = std::iter::once((None, raised));
    let moved = steps.iter().map(|(s, at)| (Some(*s), *at));
    for (status, at) in raised_step.chain(moved) {
        let to = status.unwrap_or(EscalationStatus::Raised);
        escalation_transition::Entity::update_many()
            .col_expr(escalation_transition::Column::At, Expr::value(at))
            .filter(escalation_transition::Column::EscalationId.eq(id))
            .filter(escalation_transition::Column::ToStatus.eq(to.as_str()))
            .exec(db)
            .await?;
    }
    Ok(())
}
