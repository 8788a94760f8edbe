//! Listing escalations (docs/governance.md): the networks a manager
//! manages, narrowed by filters, with `overdue` per network.
use std::collections::HashMap;

use chrono::Utc;
use peerhub_domain::access::{AccessRefusal, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::governance::escalation::{self as rules, EscalationStatus};
use peerhub_domain::governance::feedback::PointNature;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::escalations::{EscalationRecord, records};
use crate::entities::{escalation, network, network_member};
use crate::error::Failure;
use crate::page::{self, Page, PageRequest};

/// What a list of escalations is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct EscalationFilter {
    pub network_id: Option<String>,
    pub community_id: Option<String>,
    pub status: Option<EscalationStatus>,
    pub nature: Option<PointNature>,
    pub routed_to: Option<String>,
    pub overdue: Option<bool>,
}

/// Escalations of the networks the caller manages (every network for a
/// platform admin), oldest first; 403 for someone who manages none. The
/// caller has checked a `network_id` or `community_id` filter.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    f: &EscalationFilter,
    page: &PageRequest,
) -> Result<Page<EscalationRecord>, Failure> {
    let now = Utc::now();
    let mut nets = network::Entity::find()
        .select_only()
        .column(network::Column::Id)
        .column(network::Column::EscalationOverdueDays);
    if !principal.is_platform_admin {
        let managed: Vec<String> = network_member::Entity::find()
            .select_only()
            .column(network_member::Column::NetworkId)
            .filter(network_member::Column::UserId.eq(&principal.user_id))
            .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
            .into_tuple()
            .all(conn)
            .await?;
        if managed.is_empty() {
            return Err(peerhub_domain::Refusal::from(AccessRefusal::RoleTooLow).into());
        }
        nets = nets.filter(network::Column::Id.is_in(managed));
    }
    if let Some(n) = &f.network_id {
        nets = nets.filter(network::Column::Id.eq(n));
    }
    let days: HashMap<String, i32> = nets.into_tuple().all(conn).await?.into_iter().collect();
    if days.is_empty() {
        return Ok(Page {
            items: Vec::new(),
            next_after: None,
        });
    }
    let mut q = escalation::Entity::find()
        .filter(escalation::Column::NetworkId.is_in(days.keys().cloned().collect::<Vec<_>>()));
    if let Some(c) = &f.community_id {
        q = q.filter(escalation::Column::CommunityId.eq(c));
    }
    if let Some(s) = f.status {
        q = q.filter(escalation::Column::Status.eq(s.as_str()));
    }
    if let Some(n) = f.nature {
        q = q.filter(escalation::Column::Nature.eq(n.as_str()));
    }
    if let Some(b) = &f.routed_to {
        q = q.filter(escalation::Column::RoutedTo.eq(b));
    }
    if let Some(overdue) = f.overdue {
        // Overdue per network: not closed and raised before its cut-off.
        let mut late = Condition::any();
        for (n, d) in &days {
            late = late.add(
                Condition::all()
                    .add(escalation::Column::NetworkId.eq(n))
                    .add(escalation::Column::RaisedAt.lt(rules::overdue_before(*d, now))),
            );
        }
        let late = Condition::all()
            .add(escalation::Column::Status.ne(EscalationStatus::Closed.as_str()))
            .add(late);
        q = q.filter(if overdue { late } else { late.not() });
    }
    let page = page::fetch(conn, q, escalation::Column::Id, |e| e.id.clone(), page).await?;
    let items = records(conn, page.items, &days, now).await?;
    Ok(Page {
        items,
        next_after: page.next_after,
    })
}
