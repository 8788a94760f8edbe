//! The rest of the PPN's **last full quarter** (docs/governance.md,
//! "Download the governance report"), so its report has every column
//! filled: the other demo areas write "now", so here their times move back
//! to when things would have happened, and a few events of the quarter are
//! added through the stores:
//!
//! - Terms of Reference approved when each CoP began, reviewed a year on;
//!   *Clinical Associate in Psychology*'s review falls due two weeks after
//!   the quarter and *Assistant Psychologists and Psychology Students*'
//!   lapsed during it.
//! - Minutes approved about a week after each meeting, actions created then
//!   and done two weeks later, but for one done late, after the quarter
//!   (open and overdue at its end).
//! - A *Physical Healthcare* meeting in the quarter, cancelled; an extra
//!   *Clinical Associate* supervision workshop held in it whose minutes
//!   are still a draft.
//! - Omar Haddad joined *Clinical Associate in Psychology* in July (to
//!   supervise); Daniel Kim stepped down as chair of *Assistant
//!   Psychologists* in August, which has had no chair since.
//! - The network's pending applications made in the last weeks of the
//!   quarter and after.
//!
//! Called once, with the rest of the governance demo.
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::calendar;
use peerhub_domain::community::{ApplicationStatus, CommunityRole, terms};
use peerhub_domain::meeting::{AttendanceStatus, MeetingDeliveryMode, MinutesItem};
use peerhub_domain::membership::Departure;
use peerhub_persistence::entities::{
    action, application, community, community_member, meeting, minutes as minutes_row,
    minutes_revision, terms_version,
};
use peerhub_persistence::meetings::{self, NewMeeting};
use peerhub_persistence::minutes::{self, Actor, MinutesInput};
use peerhub_persistence::sea_orm::sea_query::Expr;
use peerhub_persistence::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use peerhub_persistence::{Ctx, Db, memberships};

use crate::demo::support;

const ZONE: &str = "Europe/London";
const PHYSICAL: &str = "Psychological Professionals in Physical Healthcare";
const CAP: &str = "Clinical Associate in Psychology";
const ASSISTANTS: &str = "Assistant Psychologists and Psychology Students";

/// The quarter being reported: its first instant and the instant after it.
pub struct Quarter {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Quarter {
    /// The quarter's `days`-th day (0 = its first).
    fn day(&self, days: i64) -> NaiveDate {
        (self.start + Duration::days(days)).date_naive()
    }
}

/// Loads the quarter's events and moves the other areas' times back.
pub async fn load(
    db: &Db,
    network_id: &str,
    manager: &str,
    q: &Quarter,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    backdate_terms(db, network_id, q).await?;
    backdate_minutes_and_actions(db, network_id, q, now).await?;
    extra_meetings(db, network_id, manager, q).await?;
    members(db, network_id, q).await?;
    backdate_applications(db, network_id, q, now).await?;
    Ok(())
}

/// Terms approved when each CoP began (its `created_at`), reviewed a year
/// on; two CoPs' reviews are due soon after the quarter or lapsed in it.
async fn backdate_terms(db: &Db, network_id: &str, q: &Quarter) -> anyhow::Result<()> {
    let last_day = q.day(0).max((q.end - Duration::days(1)).date_naive());
    let all = community::Entity::find()
        .filter(community::Column::NetworkId.eq(network_id))
        .all(db)
        .await?;
    for c in all {
        let approved = c.created_at;
        let review = match c.name.as_str() {
            CAP => last_day.checked_add_signed(Duration::days(14)),
            ASSISTANTS => last_day.checked_sub_signed(Duration::days(20)),
            _ => terms::review_due(approved.date_naive()),
        };
        terms_version::Entity::update_many()
            .col_expr(terms_version::Column::ApprovedAt, Expr::value(approved))
            .col_expr(terms_version::Column::CreatedAt, Expr::value(approved))
            .col_expr(terms_version::Column::ReviewDue, Expr::value(review))
            .filter(terms_version::Column::CommunityId.eq(&c.id))
            .filter(terms_version::Column::ApprovedAt.is_not_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Minutes approved eight days after each meeting; its actions created
/// then and done two weeks later (by their due date), except the done
/// action due last before the quarter ended, done nine days after it.
async fn backdate_minutes_and_actions(
    db: &Db,
    network_id: &str,
    q: &Quarter,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let held = meeting::Entity::find()
        .filter(meeting::Column::NetworkId.eq(network_id))
        .filter(meeting::Column::StartsAt.lt(now))
        .all(db)
        .await?;
    for m in &held {
        let approved = (m.starts_at + Duration::days(8)).min(now);
        let submitted = (m.starts_at + Duration::days(5)).min(approved);
        minutes_revision::Entity::update_many()
            .col_expr(minutes_revision::Column::ApprovedAt, Expr::value(approved))
            .filter(minutes_revision::Column::MeetingId.eq(&m.id))
            .exec(db)
            .await?;
        minutes_row::Entity::update_many()
            .col_expr(minutes_row::Column::SubmittedAt, Expr::value(submitted))
            .col_expr(
                minutes_row::Column::CreatedAt,
                Expr::value((m.starts_at + Duration::days(2)).min(submitted)),
            )
            .col_expr(minutes_row::Column::UpdatedAt, Expr::value(approved))
            .filter(minutes_row::Column::MeetingId.eq(&m.id))
            .filter(minutes_row::Column::PublishedRevision.is_not_null())
            .exec(db)
            .await?;
        for a in action::Entity::find()
            .filter(action::Column::MeetingId.eq(&m.id))
            .all(db)
            .await?
        {
            let due = a.due_on.and_time(NaiveTime::MIN).and_utc();
            let done = a
                .done_at
                .map(|_| (approved + Duration::days(14)).min(due).min(now));
            action::Entity::update_many()
                .col_expr(action::Column::CreatedAt, Expr::value(approved))
                .col_expr(
                    action::Column::UpdatedAt,
                    Expr::value(done.unwrap_or(approved)),
                )
                .col_expr(action::Column::DoneAt, Expr::value(done))
                .filter(action::Column::Id.eq(&a.id))
                .exec(db)
                .await?;
        }
    }
    // Done late: due in the quarter, done after it.
    let late = action::Entity::find()
        .filter(action::Column::NetworkId.eq(network_id))
        .filter(action::Column::DoneAt.is_not_null())
        .filter(action::Column::DueOn.gte(q.start.date_naive()))
        .filter(action::Column::DueOn.lt(q.end.date_naive()))
        .order_by_desc(action::Column::DueOn)
        .order_by_asc(action::Column::Id)
        .one(db)
        .await?;
    if let Some(a) = late {
        let done = (q.end + Duration::days(9)).min(now);
        action::Entity::update_many()
            .col_expr(action::Column::DoneAt, Expr::value(Some(done)))
            .col_expr(action::Column::UpdatedAt, Expr::value(done))
            .filter(action::Column::Id.eq(&a.id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Creates a meeting through the store (a month ahead, as the store asks
/// for a meeting to come) and moves it to 14:00 London time on `day`.
async fn meeting_on(
    db: &Db,
    manager: &str,
    community_id: &str,
    title: &str,
    day: NaiveDate,
) -> anyhow::Result<meeting::Model> {
    let ctx = Ctx::system().with_actor(manager);
    let principal = Principal {
        user_id: manager.to_owned(),
        is_platform_admin: false,
        token_scopes: None,
    };
    let tz = calendar::parse_timezone(ZONE).map_err(|e| anyhow::anyhow!("{e}"))?;
    let two = NaiveTime::from_hms_opt(14, 0, 0).unwrap_or(NaiveTime::MIN);
    let ahead = (Utc::now() + Duration::days(30)).date_naive().and_time(two);
    let m = meetings::create(
        db,
        &ctx,
        &principal,
        community_id,
        CommunityNeed::Manager,
        NewMeeting {
            title: title.to_owned(),
            starts_at_local: calendar::format_local(ahead),
            timezone: ZONE.to_owned(),
            duration_minutes: 90,
            mode: MeetingDeliveryMode::Teams,
            location: None,
            join_url: Some("https://teams.microsoft.com/l/meetup-join/demo-extra".into()),
            agenda: vec![],
        },
    )
    .await?;
    let local = day.and_time(two);
    let starts = calendar::resolve(tz, local).map_err(|e| anyhow::anyhow!("{e}"))?;
    let created = starts - Duration::days(30);
    meeting::Entity::update_many()
        .col_expr(meeting::Column::StartsAt, Expr::value(starts))
        .col_expr(
            meeting::Column::EndsAt,
            Expr::value(starts + Duration::minutes(i64::from(m.duration_minutes))),
        )
        .col_expr(
            meeting::Column::StartsAtLocal,
            Expr::value(calendar::format_local(local)),
        )
        .col_expr(meeting::Column::CreatedAt, Expr::value(created))
        .col_expr(meeting::Column::UpdatedAt, Expr::value(created))
        .filter(meeting::Column::Id.eq(&m.id))
        .exec(db)
        .await?;
    Ok(meetings::find(db, &m.id).await?)
}

/// A cancelled *Physical Healthcare* meeting and an extra *Clinical
/// Associate* workshop held in the quarter, its minutes still a draft.
async fn extra_meetings(
    db: &Db,
    network_id: &str,
    manager: &str,
    q: &Quarter,
) -> anyhow::Result<()> {
    if let Some(c) = support::community_named(db, Some(network_id), PHYSICAL).await? {
        let m = meeting_on(
            db,
            manager,
            &c.id,
            "Extra session: psychology in acute hospitals",
            q.day(50),
        )
        .await?;
        let principal = Principal {
            user_id: manager.to_owned(),
            is_platform_admin: false,
            token_scopes: None,
        };
        meetings::cancel(
            db,
            &Ctx::system().with_actor(manager),
            &principal,
            &m.id,
            CommunityNeed::Manager,
            "The guest speaker from the acute trust was unwell; the topic moves to the next meeting.",
            None,
        )
        .await?;
        let cancelled = m.starts_at - Duration::days(2);
        meeting::Entity::update_many()
            .col_expr(meeting::Column::CancelledAt, Expr::value(Some(cancelled)))
            .col_expr(meeting::Column::UpdatedAt, Expr::value(cancelled))
            .filter(meeting::Column::Id.eq(&m.id))
            .exec(db)
            .await?;
    }
    if let Some(c) = support::community_named(db, Some(network_id), CAP).await? {
        let m = meeting_on(
            db,
            manager,
            &c.id,
            "Supervision workshop for newly qualified CAPs",
            q.day(78),
        )
        .await?;
        let invited: Vec<String> = meetings::invitee_ids(db, &m).await?.into_iter().collect();
        let records = invited
            .iter()
            .map(|u| (u.clone(), AttendanceStatus::Present))
            .collect();
        meetings::record_attendance(db, &Ctx::system().with_actor(manager), &m.id, records).await?;
        let chair = support::user_id(db, "rachel.green@nhs.net").await?;
        minutes::save(
            db,
            &Ctx::system().with_actor(&chair),
            &m.id,
            &Actor {
                user_id: &chair,
                role: Some(CommunityRole::Chair),
            },
            MinutesInput {
                items: Some(vec![MinutesItem {
                    agenda_item: "Supervision arrangements".into(),
                    discussion: "Members described their supervision since qualifying; two \
                                 have no practitioner psychologist supervisor at present."
                        .into(),
                    decisions: vec![],
                }]),
                ..Default::default()
            },
            None,
        )
        .await?;
    }
    Ok(())
}

/// Omar Haddad joins the CAP CoP in July; Daniel Kim steps down as chair
/// of the assistants' CoP in August.
async fn members(db: &Db, network_id: &str, q: &Quarter) -> anyhow::Result<()> {
    if let Some(c) = support::community_named(db, Some(network_id), CAP).await? {
        let omar = support::user_id(db, "omar.haddad@nhs.net").await?;
        if memberships::active_of(db, &c.id, &omar).await?.is_none() {
            let txn = peerhub_persistence::db::begin_write(db).await?;
            let joined = q.start + Duration::days(20) + Duration::hours(9);
            memberships::insert_member(
                &txn,
                &Ctx::system(),
                &c,
                &omar,
                CommunityRole::Member,
                None,
                joined,
            )
            .await?;
            txn.commit().await?;
        }
    }
    if let Some(c) = support::community_named(db, Some(network_id), ASSISTANTS).await? {
        let daniel = support::user_id(db, "daniel.kim@nhs.net").await?;
        if let Some(m) = memberships::active_of(db, &c.id, &daniel).await? {
            memberships::end_membership(
                db,
                &Ctx::system().with_actor(&daniel),
                &c.id,
                &daniel,
                Departure::Leave,
                None,
                None,
            )
            .await?;
            let left = q.start + Duration::days(58) + Duration::hours(16);
            community_member::Entity::update_many()
                .col_expr(community_member::Column::EndedAt, Expr::value(Some(left)))
                .col_expr(community_member::Column::UpdatedAt, Expr::value(left))
                .filter(community_member::Column::Id.eq(&m.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// The network's pending applications, made from a fortnight before the
/// quarter ended, a week or so apart.
async fn backdate_applications(
    db: &Db,
    network_id: &str,
    q: &Quarter,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let pending = application::Entity::find()
        .filter(application::Column::NetworkId.eq(network_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Pending.as_str()))
        .order_by_asc(application::Column::CreatedAt)
        .order_by_asc(application::Column::Id)
        .all(db)
        .await?;
    for (i, a) in (0_i64..).zip(pending) {
        let at =
            (q.end - Duration::days(16) + Duration::days(9 * i) + Duration::hours(11)).min(now);
        application::Entity::update_many()
            .col_expr(application::Column::CreatedAt, Expr::value(at))
            .col_expr(application::Column::UpdatedAt, Expr::value(at))
            .filter(application::Column::Id.eq(&a.id))
            .exec(db)
            .await?;
    }
    Ok(())
}
