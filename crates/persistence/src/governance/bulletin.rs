//! The bulletin digest (docs/governance.md, "The bulletin"): managers
//! preview a network's upcoming meetings and the CoPs open to join, and
//! send it to the network's members once per period.
use peerhub_domain::webhook::EventType;
use std::collections::{HashMap, HashSet};

use chrono::{NaiveTime, SubsecRound, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::UserStatus;
use peerhub_domain::community::{CommunityKind, CommunityStatus};
use peerhub_domain::governance::bulletin::{
    self as rules, Digest, DigestCommunity, DigestMeeting, MAX_COMMUNITIES, MAX_MEETINGS, Period,
};
use peerhub_domain::meeting::{MeetingDeliveryMode, MeetingStatus};
use peerhub_domain::notification::NotificationTopic;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::access;
use crate::db::begin_write;
use crate::entities::{
    bulletin_send, community, community_member, meeting, network, network_member,
    notification_opt_out, user,
};
use crate::error::{Failure, is_unique_violation};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// The bulletin of a network for a period, as one of its managers sees
/// it, with the CoPs the manager is a current member of (whose join links
/// they may see).
pub async fn preview(
    db: &Db,
    principal: &Principal,
    network_id: &str,
    period: Period,
) -> Result<(Digest, HashSet<String>), Failure> {
    let net = access::network(db, principal, network_id, Need::Manager, None).await?;
    let d = digest(db, &net, period).await?;
    let mine: HashSet<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .filter(community_member::Column::NetworkId.eq(&net.id))
        .filter(community_member::Column::UserId.eq(&principal.user_id))
        .filter(community_member::active())
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok((d, mine))
}

/// Reads what the bulletin lists: the network's scheduled meetings whose
/// start falls in the period (UTC days, both inclusive), at most
/// [`MAX_MEETINGS`], and its CoPs open to join.
async fn digest<C: ConnectionTrait>(
    conn: &C,
    net: &network::Model,
    period: Period,
) -> Result<Digest, Failure> {
    let from = period.from.and_time(NaiveTime::MIN).and_utc();
    let until = period
        .to
        .succ_opt()
        .unwrap_or(period.to)
        .and_time(NaiveTime::MIN)
        .and_utc();
    let mut meetings = meeting::Entity::find()
        .filter(meeting::Column::NetworkId.eq(&net.id))
        .filter(meeting::Column::Status.eq(MeetingStatus::Scheduled.as_str()))
        .filter(meeting::Column::StartsAt.gte(from))
        .filter(meeting::Column::StartsAt.lt(until))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .limit(MAX_MEETINGS as u64 + 1)
        .all(conn)
        .await?;
    let more_meetings = meetings.len() > MAX_MEETINGS;
    meetings.truncate(MAX_MEETINGS);

    let cops = community::Entity::find()
        .filter(community::Column::NetworkId.eq(&net.id))
        .order_by_asc(community::Column::Name)
        .order_by_asc(community::Column::Id)
        .all(conn)
        .await?;
    let members: HashMap<String, i64> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .expr_as(
            Func::count(Expr::col(community_member::Column::UserId)),
            "n",
        )
        .filter(community_member::Column::NetworkId.eq(&net.id))
        .filter(community_member::active())
        .group_by(community_member::Column::CommunityId)
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let names: HashMap<&str, &str> = cops
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();

    let mut listed = Vec::with_capacity(meetings.len());
    for m in &meetings {
        let community_name = names.get(m.community_id.as_str()).ok_or_else(|| {
            Failure::internal(format!(
                "meeting {} names community {}, which is not in its network",
                m.id, m.community_id
            ))
        })?;
        listed.push(DigestMeeting {
            id: m.id.clone(),
            community_id: m.community_id.clone(),
            community_name: (*community_name).to_owned(),
            title: m.title.clone(),
            starts_at_local: m.starts_at_local.clone(),
            timezone: m.timezone.clone(),
            duration_minutes: m.duration_minutes,
            mode: decode::<MeetingDeliveryMode>("meetings.mode", &m.mode)?,
            location: m.location.clone(),
            join_url: m.join_url.clone(),
        });
    }
    let mut communities = Vec::new();
    for c in &cops {
        let status = decode::<CommunityStatus>("communities.status", &c.status)?;
        let kind = decode::<CommunityKind>("communities.kind", &c.kind)?;
        let n = members.get(&c.id).copied().unwrap_or(0);
        if rules::open_to_join(status, kind, c.capacity, n) && communities.len() < MAX_COMMUNITIES {
            communities.push(DigestCommunity {
                id: c.id.clone(),
                name: c.name.clone(),
                focus: c.focus.clone(),
                kind,
                places_left: rules::places_left(c.capacity, n),
            });
        }
    }
    Ok(Digest {
        network_name: net.name.clone(),
        period,
        meetings: listed,
        more_meetings,
        communities,
    })
}

/// A bulletin sent, and whether this call sent it (`false`: it had been
/// sent for this period before, and nothing was sent again).
#[derive(Debug, Clone)]
pub struct Sent {
    pub send: bulletin_send::Model,
    pub now: bool,
}

/// Sends the bulletin for a period to every active member of the network
/// who has not opted out, once per network and period: a second call (or a
/// parallel one) sends nothing and returns the first send. Each copy shows
/// join links only for the recipient's own CoPs. One transaction: the send
/// record, one email per recipient in the outbox, the audit entry and the
/// `bulletin.sent` event.
pub async fn send(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    network_id: &str,
    period: Period,
) -> Result<Sent, Failure> {
    let txn = begin_write(db).await?;
    let net = access::network(&txn, principal, network_id, Need::Manager, None).await?;
    // Microseconds, as both databases store it, so the first answer and a
    // replay's show the same `sent_at`.
    let now = Utc::now().trunc_subsecs(6);
    let record = bulletin_send::Model {
        id: new_id(),
        network_id: net.id.clone(),
        period_from: period.from,
        period_to: period.to,
        recipients: 0,
        sent_by: ctx.actor_id.clone(),
        sent_at: now,
    };
    let claimed =
        bulletin_send::Entity::insert(bulletin_send::ActiveModel::from(record.clone()).reset_all())
            .exec_without_returning(&txn)
            .await;
    match claimed {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            txn.rollback().await?;
            return earlier(db, &net.id, period).await;
        }
        Err(e) => return Err(e.into()),
    }
    let d = digest(&txn, &net, period).await?;
    let recipients = recipients(&txn, &net.id).await?;
    let mut messages = Vec::with_capacity(recipients.len() + 1);
    let subject = format!("{} bulletin: {} to {}", net.name, period.from, period.to);
    for (email, theirs) in &recipients {
        let body = rules::markdown(&d, |c| theirs.contains(c));
        messages.push(
            Message::email(
                "bulletin.sent",
                "network",
                &net.id,
                email,
                json!({"subject": subject, "body": body, "period_from": period.from, "period_to": period.to}),
            )
            .network(&net.id),
        );
    }
    let count = i32::try_from(recipients.len()).unwrap_or(i32::MAX);
    messages.push(
        Message::event(
            EventType::BulletinSent,
            "network",
            &net.id,
            json!({
                "network_id": net.id, "period_from": period.from, "period_to": period.to,
                "recipients": count, "meetings": d.meetings.len(), "communities": d.communities.len(),
            }),
        )
        .network(&net.id),
    );
    bulletin_send::Entity::update_many()
        .col_expr(bulletin_send::Column::Recipients, Expr::value(count))
        .filter(bulletin_send::Column::Id.eq(&record.id))
        .exec(&txn)
        .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("bulletin.sent", "network", &net.id).network(&net.id),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(Sent {
        send: bulletin_send::Model {
            recipients: count,
            ..record
        },
        now: true,
    })
}

/// The send recorded for the period before.
async fn earlier(db: &Db, network_id: &str, period: Period) -> Result<Sent, Failure> {
    let send = bulletin_send::Entity::find()
        .filter(bulletin_send::Column::NetworkId.eq(network_id))
        .filter(bulletin_send::Column::PeriodFrom.eq(period.from))
        .filter(bulletin_send::Column::PeriodTo.eq(period.to))
        .one(db)
        .await?
        .ok_or_else(|| Failure::internal("a bulletin send vanished after a conflict"))?;
    Ok(Sent { send, now: false })
}

/// Every active member of the network who wants the bulletin: their email
/// and the CoPs they are current members of.
async fn recipients<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
) -> Result<Vec<(String, HashSet<String>)>, Failure> {
    let ids: Vec<String> = network_member::Entity::find()
        .select_only()
        .column(network_member::Column::UserId)
        .filter(network_member::Column::NetworkId.eq(network_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let opted_out: HashSet<String> = notification_opt_out::Entity::find()
            .select_only()
            .column(notification_opt_out::Column::UserId)
            .filter(notification_opt_out::Column::UserId.is_in(chunk.to_vec()))
            .filter(notification_opt_out::Column::Topic.eq(NotificationTopic::Bulletin.as_str()))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
            .order_by_asc(user::Column::Id)
            .all(conn)
            .await?;
        let mut theirs: HashMap<String, HashSet<String>> = HashMap::new();
        let rows: Vec<(String, String)> = community_member::Entity::find()
            .select_only()
            .column(community_member::Column::UserId)
            .column(community_member::Column::CommunityId)
            .filter(community_member::Column::NetworkId.eq(network_id))
            .filter(community_member::Column::UserId.is_in(chunk.to_vec()))
            .filter(community_member::active())
            .into_tuple()
            .all(conn)
            .await?;
        for (u, c) in rows {
            theirs.entry(u).or_default().insert(c);
        }
        for u in users {
            if !opted_out.contains(&u.id) {
                let cops = theirs.remove(&u.id).unwrap_or_default();
                out.push((u.email, cops));
            }
        }
    }
    Ok(out)
}
