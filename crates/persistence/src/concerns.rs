//! Safeguarding concerns: a participant of a match raises one to the
//! programme's safeguarding lead.
//!
//! Delivery is an email (outbox) to the lead with the category, the
//! summary written for the lead, who raised it and the programme — never
//! any private note. When the programme has no lead, or its lead is no
//! longer a manager of the network, every manager of the network gets the
//! email instead and the concern is recorded without a lead. An event
//! `safeguarding.concern_raised` tells integrations that a concern exists
//! (ids, programme, category, who raised it, the lead) without its text.
//!
//! Who reads concerns: the person who raised one; the programme's
//! safeguarding lead (while a manager); the lead it was delivered to
//! (while a manager); and, while the programme has no lead who is a
//! manager, the network's managers (the people it is delivered to).
use chrono::Utc;
use peerhub_domain::Invalid;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::{NetworkRole, UserStatus};
pub use peerhub_domain::matching::concern::ConcernCategory;
use peerhub_domain::matching::concern::{self as concern_rules, ConcernRefusal};
use peerhub_domain::meeting::bounded_text_multiline;
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::access;
use crate::entities::{network_member, programme, safeguarding_concern, user};
use crate::error::Failure;
use crate::matching;
use crate::page::{Page, PageRequest};
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// Longest summary, in characters (after trimming).
pub const SUMMARY_MAX: usize = 4_000;

/// The outbox topic of the lead's email and of the integration event.
pub const TOPIC: &str = "safeguarding.concern_raised";

/// A concern's summary: trimmed, 1 to [`SUMMARY_MAX`] characters, newlines
/// and tabs allowed.
pub fn summary_of(raw: &str) -> Result<String, Invalid> {
    let s = bounded_text_multiline(raw, SUMMARY_MAX)?;
    if s.is_empty() {
        return Err(Invalid::new("required", "must not be empty"));
    }
    Ok(s)
}

/// What a participant raises.
#[derive(Debug, Clone)]
pub struct NewConcern {
    pub category: ConcernCategory,
    pub summary: String,
}

impl From<ConcernRefusal> for Failure {
    fn from(r: ConcernRefusal) -> Self {
        Self::Refused(r.into())
    }
}

/// The programme's safeguarding lead if they are (still) a manager of its
/// network.
async fn effective_lead<C: ConnectionTrait>(
    conn: &C,
    p: &programme::Model,
) -> Result<Option<String>, Failure> {
    let Some(lead) = &p.safeguarding_lead_id else {
        return Ok(None);
    };
    let role = access::role_in(conn, lead, &p.network_id).await?;
    Ok((role == Some(NetworkRole::Manager)).then(|| lead.clone()))
}

/// The people a concern is delivered to: the lead, or every manager.
async fn recipients<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    lead: Option<&str>,
) -> Result<Vec<user::Model>, Failure> {
    let ids: Vec<String> = match lead {
        Some(l) => vec![l.to_owned()],
        None => {
            network_member::Entity::find()
                .select_only()
                .column(network_member::Column::UserId)
                .filter(network_member::Column::NetworkId.eq(network_id))
                .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
                .into_tuple()
                .all(conn)
                .await?
        }
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Status.ne(UserStatus::Erased.as_str()))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?)
}

/// Raises a concern on a match (its participants only, in any status).
pub async fn raise(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    match_id: &str,
    input: NewConcern,
) -> Result<safeguarding_concern::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let a = matching::participant_access(&txn, principal, match_id).await?;
    let mut v = peerhub_domain::Violations::new();
    let category = input.category;
    let summary = v.check("summary", summary_of(&input.summary));
    v.into_result()?;
    let Some(summary) = summary else {
        return Err(Failure::internal("validated concern incomplete"));
    };
    let p = a.programme;
    let lead = effective_lead(&txn, &p).await?;
    let to = recipients(&txn, &p.network_id, lead.as_deref()).await?;
    let raiser = user::Entity::find_by_id(principal.user_id.clone())
        .one(&txn)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_else(|| "A participant".into());
    let c = safeguarding_concern::ActiveModel {
        id: Set(new_id()),
        match_id: Set(a.m.id.clone()),
        programme_id: Set(p.id.clone()),
        network_id: Set(p.network_id.clone()),
        raised_by: Set(principal.user_id.clone()),
        lead_id: Set(lead.clone()),
        category: Set(category.as_str().to_owned()),
        summary: Set(summary),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let n = concern_rules::raised_notice(
        &raiser,
        &p.name,
        category,
        &c.summary,
        lead.is_some(),
        &c.id,
        &c.match_id,
    );
    let mut messages: Vec<Message> = to
        .iter()
        .map(|u| {
            Message::email(
                TOPIC,
                "safeguarding_concern",
                &c.id,
                &u.email,
                json!({
                    "subject": n.subject,
                    "body": n.body,
                    "concern_id": c.id,
                    "programme_id": p.id,
                    "match_id": c.match_id,
                    "category": c.category,
                }),
            )
            .network(&p.network_id)
        })
        .collect();
    messages.push(
        Message::event(
            EventType::SafeguardingConcernRaised,
            "safeguarding_concern",
            &c.id,
            json!({
                "concern_id": c.id,
                "match_id": c.match_id,
                "programme_id": p.id,
                "programme_name": p.name,
                "network_id": p.network_id,
                "category": c.category,
                "raised_by": c.raised_by,
                "lead_id": c.lead_id,
                "raised_at": c.created_at,
            }),
        )
        .network(&p.network_id),
    );
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("safeguarding_concern.raised", "safeguarding_concern", &c.id)
            .network(&p.network_id)
            .changed(vec!["category", "summary"]),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// True when `user_id` manages the network.
async fn is_manager<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    network_id: &str,
) -> Result<bool, Failure> {
    Ok(access::role_in(conn, user_id, network_id).await? == Some(NetworkRole::Manager))
}

/// A programme's concerns, newest first, for its safeguarding lead (or,
/// while it has no lead who is a manager, for the network's managers).
/// Non-managers get 404 `programme`; other managers 403
/// `not-safeguarding-lead`.
pub async fn list_for_programme<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    programme_id: &str,
    page: &PageRequest,
) -> Result<Page<safeguarding_concern::Model>, Failure> {
    let pa = matching::programme_access(conn, principal, programme_id, Need::Member).await?;
    if !pa.manager {
        return Err(Failure::not_found("programme"));
    }
    let p = pa.programme;
    let lead = effective_lead(conn, &p).await?;
    let manages = match lead {
        Some(_) => false,
        None => is_manager(conn, &principal.user_id, &p.network_id).await?,
    };
    concern_rules::may_list(lead.as_deref(), &principal.user_id, manages)?;
    let mut q = safeguarding_concern::Entity::find()
        .filter(safeguarding_concern::Column::ProgrammeId.eq(&p.id));
    if let Some(after) = &page.after {
        q = q.filter(safeguarding_concern::Column::Id.lt(after.clone()));
    }
    let mut items = q
        .order_by_desc(safeguarding_concern::Column::Id)
        .limit(page.limit + 1)
        .all(conn)
        .await?;
    let next_after = if items.len() as u64 > page.limit {
        items.truncate(page.limit as usize);
        items.last().map(|c| c.id.clone())
    } else {
        None
    };
    Ok(Page { items, next_after })
}

/// One concern, for the person who raised it or a lead who may read it
/// (see the module documentation); 404 `safeguarding concern` for anyone
/// else.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
) -> Result<safeguarding_concern::Model, Failure> {
    let hidden = Failure::not_found("safeguarding concern");
    if principal.is_token() {
        return Err(hidden);
    }
    let Some(c) = safeguarding_concern::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
    else {
        return Err(hidden);
    };
    // The facts the rule needs, loaded only when it will look at them.
    let raiser = c.raised_by == principal.user_id;
    let caller_manages = !raiser && is_manager(conn, &principal.user_id, &c.network_id).await?;
    let delivered = c.lead_id.as_deref() == Some(principal.user_id.as_str());
    let current_lead = if caller_manages && !delivered {
        match programme::Entity::find_by_id(c.programme_id.clone())
            .one(conn)
            .await?
        {
            Some(p) => Some(effective_lead(conn, &p).await?),
            None => None,
        }
    } else {
        None
    };
    let reader = concern_rules::Reader {
        caller: &principal.user_id,
        by_token: principal.is_token(),
        raised_by: &c.raised_by,
        delivered_to: c.lead_id.as_deref(),
        caller_manages,
        current_lead: current_lead.as_ref().map(Option::as_deref),
    };
    if concern_rules::may_read(reader) {
        Ok(c)
    } else {
        Err(hidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_required_and_bounded() {
        assert_eq!(summary_of(" a\nb ").ok().as_deref(), Some("a\nb"));
        assert_eq!(summary_of(" ").map_err(|e| e.code), Err("required"));
        assert!(summary_of(&"x".repeat(SUMMARY_MAX)).is_ok());
        assert_eq!(
            summary_of(&"x".repeat(SUMMARY_MAX + 1)).map_err(|e| e.code),
            Err("too_long")
        );
    }
}
