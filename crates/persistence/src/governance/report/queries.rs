//! The report's aggregate queries: one per topic, each `GROUP BY
//! community_id` over one network, built with sea-query so the same SQL
//! runs on SQLite and PostgreSQL. Every cut-off is a bound parameter
//! computed in Rust (no date arithmetic in SQL). Conditional counts are
//! `SUM(CASE WHEN … THEN 1 ELSE 0 END)`.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::community::{ApplicationStatus, CommunityRole};
use peerhub_domain::governance::feedback::{PointKind, PointNature};
use peerhub_domain::governance::report::{Figures, age_days};
use peerhub_domain::meeting::{ActionStatus, AttendanceStatus, MeetingStatus, RsvpResponse};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, QueryResult};

use super::{Cutoffs, decode_for};
use crate::error::Failure;

fn col(table: &'static str, column: &'static str) -> Expr {
    Expr::col((table, column))
}

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`.
fn count_if(cond: impl Into<Condition>) -> Expr {
    Func::sum(Expr::case(cond.into(), 1).finally(0)).into()
}

async fn run<C: ConnectionTrait>(
    conn: &C,
    stmt: &SelectStatement,
) -> Result<Vec<QueryResult>, Failure> {
    let st = conn.get_database_backend().build(stmt);
    Ok(conn.query_all_raw(st).await?)
}

fn int(row: &QueryResult, name: &str) -> Result<i64, Failure> {
    Ok(row.try_get::<Option<i64>>("", name)?.unwrap_or(0))
}

fn id(row: &QueryResult) -> Result<String, Failure> {
    Ok(row.try_get::<String>("", "community_id")?)
}

/// The network's `escalation_overdue_days`.
pub(super) async fn escalation_overdue_days<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
) -> Result<i32, Failure> {
    let q = Query::select()
        .expr_as(col("networks", "escalation_overdue_days"), "days")
        .from("networks")
        .and_where(col("networks", "id").eq(network_id))
        .to_owned();
    let rows = run(conn, &q).await?;
    let row = rows.first().ok_or(Failure::not_found("network"))?;
    Ok(row.try_get::<i32>("", "days")?)
}

/// A meeting `m` that started in the period.
fn meeting_in_period(cut: &Cutoffs) -> Condition {
    Condition::all()
        .add(col("m", "starts_at").gte(cut.start))
        .add(col("m", "starts_at").lt(cut.end))
}

/// A meeting `m` that counts as held: not cancelled and started by now.
fn held(cut: &Cutoffs) -> Condition {
    Condition::all()
        .add(col("m", "status").ne(MeetingStatus::Cancelled.as_str()))
        .add(col("m", "starts_at").lte(cut.now))
}

/// Held and cancelled meetings, and held ones without approved minutes.
pub(super) async fn meetings<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
    out: &mut HashMap<String, Figures>,
) -> Result<(), Failure> {
    let q = Query::select()
        .expr_as(col("m", "community_id"), "community_id")
        .expr_as(count_if(held(cut)), "held")
        .expr_as(
            count_if(col("m", "status").eq(MeetingStatus::Cancelled.as_str())),
            "cancelled",
        )
        .expr_as(
            count_if(held(cut).add(col("mi", "published_revision").is_null())),
            "unapproved",
        )
        .from_as("meetings", "m")
        .join_as(
            JoinType::LeftJoin,
            "minutes",
            "mi",
            col("mi", "meeting_id").equals(("m", "id")),
        )
        .and_where(col("m", "network_id").eq(network_id))
        .cond_where(meeting_in_period(cut))
        .group_by_col(("m", "community_id"))
        .to_owned();
    for row in run(conn, &q).await? {
        let f = out.entry(id(&row)?).or_default();
        f.meetings_held = int(&row, "held")?;
        f.meetings_cancelled = int(&row, "cancelled")?;
        f.held_without_approved_minutes = int(&row, "unapproved")?;
    }
    Ok(())
}

/// Meetings whose minutes were approved (any revision) in the period.
pub(super) async fn minutes_approved<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
    out: &mut HashMap<String, Figures>,
) -> Result<(), Failure> {
    let q = Query::select()
        .expr_as(col("m", "community_id"), "community_id")
        .expr_as(Func::count_distinct(col("r", "meeting_id")), "approved")
        .from_as("minutes_revisions", "r")
        .join_as(
            JoinType::InnerJoin,
            "meetings",
            "m",
            col("m", "id").equals(("r", "meeting_id")),
        )
        .and_where(col("m", "network_id").eq(network_id))
        .and_where(col("r", "approved_at").gte(cut.start))
        .and_where(col("r", "approved_at").lt(cut.end))
        .group_by_col(("m", "community_id"))
        .to_owned();
    for row in run(conn, &q).await? {
        out.entry(id(&row)?).or_default().minutes_approved = int(&row, "approved")?;
    }
    Ok(())
}

/// Invitations to held meetings (everyone who was a member of the CoP
/// when the meeting started, as `meetings::invitee_ids` decides) and, of
/// those, attendances: recorded `present`, or unrecorded with an
/// `attending` RSVP (the default in `peerhub_domain::meeting`).
pub(super) async fn attendance<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
    out: &mut HashMap<String, Figures>,
) -> Result<(), Failure> {
    let member_then = Condition::all()
        .add(col("cm", "community_id").equals(("m", "community_id")))
        .add(col("cm", "joined_at").lte(col("m", "starts_at")))
        .add(
            Condition::any()
                .add(col("cm", "ended_at").is_null())
                .add(col("cm", "ended_at").gt(col("m", "starts_at"))),
        );
    let present = Condition::any()
        .add(col("r", "attendance").eq(AttendanceStatus::Present.as_str()))
        .add(
            Condition::all()
                .add(col("r", "attendance").is_null())
                .add(col("r", "rsvp").eq(RsvpResponse::Attending.as_str())),
        );
    let q = Query::select()
        .expr_as(col("m", "community_id"), "community_id")
        .expr_as(Func::count(Expr::val(1)), "invited")
        .expr_as(count_if(present), "present")
        .from_as("meetings", "m")
        .join_as(JoinType::InnerJoin, "community_members", "cm", member_then)
        .join_as(
            JoinType::LeftJoin,
            "meeting_responses",
            "r",
            Condition::all()
                .add(col("r", "meeting_id").equals(("m", "id")))
                .add(col("r", "user_id").equals(("cm", "user_id"))),
        )
        .and_where(col("m", "network_id").eq(network_id))
        .cond_where(meeting_in_period(cut).add(held(cut)))
        .group_by_col(("m", "community_id"))
        .to_owned();
    for row in run(conn, &q).await? {
        let f = out.entry(id(&row)?).or_default();
        f.invitations = int(&row, "invited")?;
        f.attendances = int(&row, "present")?;
    }
    Ok(())
}

/// Members at the period's end, joiners and leavers in it; and into `team`
/// how many chairs and secretaries the CoP had at its end.
pub(super) async fn members<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
    out: &mut HashMap<String, Figures>,
    team: &mut HashMap<String, (i64, i64)>,
) -> Result<(), Failure> {
    let at_end = || {
        Condition::all()
            .add(col("cm", "joined_at").lt(cut.as_of))
            .add(
                Condition::any()
                    .add(col("cm", "ended_at").is_null())
                    .add(col("cm", "ended_at").gte(cut.as_of)),
            )
    };
    let q = Query::select()
        .expr_as(col("cm", "community_id"), "community_id")
        .expr_as(count_if(at_end()), "at_end")
        .expr_as(
            count_if(
                Condition::all()
                    .add(col("cm", "joined_at").gte(cut.start))
                    .add(col("cm", "joined_at").lt(cut.end)),
            ),
            "joined",
        )
        .expr_as(
            count_if(
                Condition::all()
                    .add(col("cm", "ended_at").gte(cut.start))
                    .add(col("cm", "ended_at").lt(cut.end)),
            ),
            "left",
        )
        .expr_as(
            count_if(at_end().add(col("cm", "role").eq(CommunityRole::Chair.as_str()))),
            "chairs",
        )
        .expr_as(
            count_if(at_end().add(col("cm", "role").eq(CommunityRole::Secretary.as_str()))),
            "secretaries",
        )
        .from_as("community_members", "cm")
        .and_where(col("cm", "network_id").eq(network_id))
        .and_where(col("cm", "joined_at").lt(cut.end))
        .group_by_col(("cm", "community_id"))
        .to_owned();
    for row in run(conn, &q).await? {
        let cid = id(&row)?;
        team.insert(
            cid.clone(),
            (int(&row, "chairs")?, int(&row, "secretaries")?),
        );
        let f = out.entry(cid).or_default();
        f.members_at_end = int(&row, "at_end")?;
        f.joiners = int(&row, "joined")?;
        f.leavers = int(&row, "left")?;
    }
    Ok(())
}

/// Applications pending now, and the oldest one's age in whole days.
pub(super) async fn applications<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    out: &mut HashMap<String, Figures>,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let q = Query::select()
        .expr_as(col("a", "community_id"), "community_id")
        .expr_as(Func::count(Expr::val(1)), "pending")
        .expr_as(Func::min(col("a", "created_at")), "oldest")
        .from_as("applications", "a")
        .and_where(col("a", "network_id").eq(network_id))
        .and_where(col("a", "status").eq(ApplicationStatus::Pending.as_str()))
        .group_by_col(("a", "community_id"))
        .to_owned();
    for row in run(conn, &q).await? {
        let oldest = row.try_get::<Option<DateTime<Utc>>>("", "oldest")?;
        let f = out.entry(id(&row)?).or_default();
        f.pending_applications = int(&row, "pending")?;
        f.oldest_pending_days = oldest.map(|t| age_days(t, now));
    }
    Ok(())
}

/// Actions open at the period's end (created by then, and open now or done
/// after it), and of those the ones past their due date.
pub(super) async fn actions<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
    out: &mut HashMap<String, Figures>,
) -> Result<(), Failure> {
    let q = Query::select()
        .expr_as(col("x", "community_id"), "community_id")
        .expr_as(Func::count(Expr::val(1)), "open")
        .expr_as(count_if(col("x", "due_on").lt(cut.on)), "overdue")
        .from_as("actions", "x")
        .and_where(col("x", "network_id").eq(network_id))
        .and_where(col("x", "created_at").lt(cut.as_of))
        .cond_where(
            Condition::any()
                .add(col("x", "status").eq(ActionStatus::Open.as_str()))
                .add(col("x", "done_at").gte(cut.as_of)),
        )
        .group_by_col(("x", "community_id"))
        .to_owned();
    for row in run(conn, &q).await? {
        let f = out.entry(id(&row)?).or_default();
        f.actions_open = int(&row, "open")?;
        f.actions_overdue = int(&row, "overdue")?;
    }
    Ok(())
}

/// Triple A points of meetings that started in the period, by kind and
/// nature.
pub(super) async fn feedback_points<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
    out: &mut HashMap<String, Figures>,
) -> Result<(), Failure> {
    let q = Query::select()
        .expr_as(col("p", "community_id"), "community_id")
        .expr_as(col("p", "kind"), "kind")
        .expr_as(col("p", "nature"), "nature")
        .expr_as(Func::count(Expr::val(1)), "points")
        .from_as("feedback_points", "p")
        .join_as(
            JoinType::InnerJoin,
            "meetings",
            "m",
            col("m", "id").equals(("p", "meeting_id")),
        )
        .and_where(col("p", "network_id").eq(network_id))
        .cond_where(meeting_in_period(cut))
        .group_by_columns([("p", "community_id"), ("p", "kind"), ("p", "nature")])
        .to_owned();
    for row in run(conn, &q).await? {
        let cid = id(&row)?;
        let kind: String = row.try_get("", "kind")?;
        let nature: String = row.try_get("", "nature")?;
        let kind = decode_for::<PointKind>("feedback_point.kind", &kind, &cid)?;
        let nature = decode_for::<PointNature>("feedback_point.nature", &nature, &cid)?;
        let n = int(&row, "points")?;
        let f = out.entry(cid).or_default();
        match kind {
            PointKind::Advise => f.advise += n,
            PointKind::Assure => f.assure += n,
            PointKind::Alert => f.alert += n,
        }
        match nature {
            PointNature::Escalation => f.escalation_points += n,
            PointNature::Commendation => f.commendation_points += n,
        }
    }
    Ok(())
}

/// Escalations raised in the period, open at its end (raised by then, not
/// closed by then), and of those the overdue ones.
pub(super) async fn escalations<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
    out: &mut HashMap<String, Figures>,
) -> Result<(), Failure> {
    let open = || {
        Condition::all()
            .add(col("e", "raised_at").lt(cut.as_of))
            .add(
                Condition::any()
                    .add(col("e", "closed_at").is_null())
                    .add(col("e", "closed_at").gte(cut.as_of)),
            )
    };
    let q = Query::select()
        .expr_as(col("e", "community_id"), "community_id")
        .expr_as(count_if(col("e", "raised_at").gte(cut.start)), "raised")
        .expr_as(count_if(open()), "open")
        .expr_as(
            count_if(open().add(col("e", "raised_at").lt(cut.overdue_before))),
            "overdue",
        )
        .from_as("escalations", "e")
        .and_where(col("e", "network_id").eq(network_id))
        .and_where(col("e", "raised_at").lt(cut.end))
        .group_by_col(("e", "community_id"))
        .to_owned();
    for row in run(conn, &q).await? {
        let f = out.entry(id(&row)?).or_default();
        f.escalations_raised = int(&row, "raised")?;
        f.escalations_open = int(&row, "open")?;
        f.escalations_overdue = int(&row, "overdue")?;
    }
    Ok(())
}

/// The Terms of Reference in force at the period's end, per CoP: the
/// version approved last by then, with its review date (`None` inside when
/// it has none). CoPs with no version approved by then are absent.
pub(super) async fn terms_in_force<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    cut: &Cutoffs,
) -> Result<HashMap<String, Option<NaiveDate>>, Failure> {
    let latest = Query::select()
        .expr(Func::max(col("t2", "approved_at")))
        .from_as("terms_versions", "t2")
        .and_where(col("t2", "community_id").equals(("t", "community_id")))
        .and_where(col("t2", "approved_at").lt(cut.as_of))
        .to_owned();
    let q = Query::select()
        .expr_as(col("t", "community_id"), "community_id")
        .expr_as(col("t", "review_due"), "review_due")
        .from_as("terms_versions", "t")
        .join_as(
            JoinType::InnerJoin,
            "communities",
            "c",
            col("c", "id").equals(("t", "community_id")),
        )
        .and_where(col("c", "network_id").eq(network_id))
        .and_where(col("t", "approved_at").lt(cut.as_of))
        .and_where(col("t", "approved_at").in_subquery(latest))
        .to_owned();
    let mut out: HashMap<String, Option<NaiveDate>> = HashMap::new();
    for row in run(conn, &q).await? {
        let review = row.try_get::<Option<NaiveDate>>("", "review_due")?;
        // Two versions approved at the same instant: the later review wins.
        let e = out.entry(id(&row)?).or_insert(review);
        *e = Ord::max(*e, review);
    }
    Ok(out)
}
