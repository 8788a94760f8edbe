//! Networks (tenants), their settings and their people.
use chrono::Utc;
use peerhub_domain::Violations;
use peerhub_domain::access::Principal;
use peerhub_domain::account::NetworkRole;
use peerhub_domain::network::{
    NetworkRefusal, RoleChange, change_role, parse_allowed_domains, parse_slug,
};
use peerhub_domain::retention;
use peerhub_domain::validation::bounded_text;
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::accounts::list_to_json;
use crate::entities::{network, network_member, user};
use crate::error::{Failure, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::trail::{self, Audit, Ctx, Message, new_id};

pub fn allowed_domains(n: &network::Model) -> Result<Vec<String>, Failure> {
    n.allowed_email_domains
        .decode("networks.allowed_email_domains", &n.id)
}

pub struct NewNetwork {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub allowed_email_domains: Vec<String>,
    pub require_register_to_propose: Option<String>,
}

fn check_register(v: &mut Violations, r: Option<String>) -> Option<String> {
    r.and_then(|r| v.check("require_register_to_propose", bounded_text(&r, 1, 200)))
}

pub async fn create(db: &Db, ctx: &Ctx, input: NewNetwork) -> Result<network::Model, Failure> {
    let mut v = Violations::new();
    let name = v.check("name", bounded_text(&input.name, 1, 200));
    let slug = v.check("slug", parse_slug(&input.slug));
    let description = input
        .description
        .and_then(|d| v.check("description", bounded_text(&d, 1, 2000)));
    let domains = v.check(
        "allowed_email_domains",
        parse_allowed_domains(&input.allowed_email_domains),
    );
    let register = check_register(&mut v, input.require_register_to_propose);
    v.into_result()?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let n = network::ActiveModel {
        id: Set(new_id()),
        name: Set(name.unwrap_or_default()),
        slug: Set(slug.unwrap_or_default()),
        description: Set(description),
        allowed_email_domains: Set(list_to_json(&domains.unwrap_or_default())),
        require_register_to_propose: Set(register),
        escalation_overdue_days: Set(peerhub_domain::governance::escalation::DEFAULT_OVERDUE_DAYS),
        private_note_retention_days: Set(retention::PRIVATE_NOTES.default),
        closed_match_retention_days: Set(retention::CLOSED_MATCHES.default),
        audit_retention_days: Set(retention::AUDIT.default),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Failure::from(NetworkRefusal::SlugTaken)
        } else {
            e.into()
        }
    })?;
    crate::governance::bodies::seed_defaults(&txn, &n.id, now).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("network.created", "network", &n.id)
            .network(&n.id)
            .changed(vec![
                "name",
                "slug",
                "description",
                "allowed_email_domains",
                "require_register_to_propose",
            ]),
        vec![
            Message::event(
                EventType::NetworkCreated,
                "network",
                &n.id,
                json!({"network_id": n.id, "name": n.name, "slug": n.slug}),
            )
            .network(&n.id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// Networks the caller belongs to (all of them for a platform admin).
pub async fn list_visible(
    db: &Db,
    principal: &Principal,
    page: &PageRequest,
) -> Result<Page<network::Model>, Failure> {
    let mut q = network::Entity::find();
    if !principal.is_platform_admin {
        let ids = crate::access::network_ids_of(db, &principal.user_id).await?;
        q = q.filter(network::Column::Id.is_in(ids));
    }
    Ok(page::fetch(db, q, network::Column::Id, |n| n.id.clone(), page).await?)
}

#[derive(Default)]
pub struct NetworkPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub allowed_email_domains: Option<Vec<String>>,
    pub require_register_to_propose: Option<Option<String>>,
    pub escalation_overdue_days: Option<i32>,
    pub private_note_retention_days: Option<i32>,
    pub closed_match_retention_days: Option<i32>,
    pub audit_retention_days: Option<i32>,
}

pub async fn update(
    db: &Db,
    ctx: &Ctx,
    network_id: &str,
    patch: NetworkPatch,
    if_match: Option<i32>,
) -> Result<network::Model, Failure> {
    let mut v = Violations::new();
    let mut changed = Vec::new();
    let name = patch
        .name
        .and_then(|n| v.check("name", bounded_text(&n, 1, 200)));
    let description = match patch.description {
        Some(Some(d)) => v.check("description", bounded_text(&d, 1, 2000)).map(Some),
        other => other,
    };
    let domains = patch
        .allowed_email_domains
        .and_then(|d| v.check("allowed_email_domains", parse_allowed_domains(&d)));
    let register = patch
        .require_register_to_propose
        .map(|r| check_register(&mut v, r));
    let overdue = patch.escalation_overdue_days.and_then(|d| {
        v.check(
            "escalation_overdue_days",
            peerhub_domain::governance::escalation::parse_overdue_days(d),
        )
    });
    let days = |v: &mut Violations, s: retention::Setting, d: Option<i32>| {
        d.and_then(|d| v.check(s.field, s.parse(d)))
    };
    let notes_days = days(
        &mut v,
        retention::PRIVATE_NOTES,
        patch.private_note_retention_days,
    );
    let matches_days = days(
        &mut v,
        retention::CLOSED_MATCHES,
        patch.closed_match_retention_days,
    );
    let audit_days = days(&mut v, retention::AUDIT, patch.audit_retention_days);
    v.into_result()?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let n = network::Entity::find_by_id(network_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("network"))?;
    peerhub_domain::Refusal::check_version(if_match, n.version)?;
    let mut am = n.clone().into_active_model();
    if let Some(x) = name {
        am.name = Set(x);
        changed.push("name");
    }
    if let Some(x) = description {
        am.description = Set(x);
        changed.push("description");
    }
    if let Some(x) = domains {
        am.allowed_email_domains = Set(list_to_json(&x));
        changed.push("allowed_email_domains");
    }
    if let Some(x) = register {
        am.require_register_to_propose = Set(x);
        changed.push("require_register_to_propose");
    }
    if let Some(x) = overdue {
        am.escalation_overdue_days = Set(x);
        changed.push("escalation_overdue_days");
    }
    if let Some(x) = notes_days {
        am.private_note_retention_days = Set(x);
        changed.push(retention::PRIVATE_NOTES.field);
    }
    if let Some(x) = matches_days {
        am.closed_match_retention_days = Set(x);
        changed.push(retention::CLOSED_MATCHES.field);
    }
    if let Some(x) = audit_days {
        am.audit_retention_days = Set(x);
        changed.push(retention::AUDIT.field);
    }
    if changed.is_empty() {
        return Ok(n);
    }
    let n = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("network.updated", "network", &n.id)
            .network(&n.id)
            .changed(changed.clone()),
        vec![
            Message::event(
                EventType::NetworkUpdated,
                "network",
                &n.id,
                json!({"network_id": n.id, "changed": changed}),
            )
            .network(&n.id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

impl From<NetworkRefusal> for Failure {
    fn from(r: NetworkRefusal) -> Self {
        Self::Refused(r.into())
    }
}

/// A person in a network, with their role.
#[derive(Debug, Clone)]
pub struct Member {
    pub membership: network_member::Model,
    pub user: user::Model,
}

pub async fn members(
    db: &Db,
    network_id: &str,
    role: Option<NetworkRole>,
    page: &PageRequest,
) -> Result<Page<Member>, Failure> {
    let mut q =
        network_member::Entity::find().filter(network_member::Column::NetworkId.eq(network_id));
    if let Some(r) = role {
        q = q.filter(network_member::Column::Role.eq(r.as_str()));
    }
    let p = page::fetch(db, q, network_member::Column::Id, |m| m.id.clone(), page).await?;
    let ids: Vec<String> = p.items.iter().map(|m| m.user_id.clone()).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let items = p
        .items
        .into_iter()
        .filter_map(|m| {
            let u = users.iter().find(|u| u.id == m.user_id)?.clone();
            Some(Member {
                membership: m,
                user: u,
            })
        })
        .collect();
    Ok(Page {
        items,
        next_after: p.next_after,
    })
}

/// Changes a member's network role. The last manager cannot step down.
pub async fn set_member_role(
    db: &Db,
    ctx: &Ctx,
    network_id: &str,
    user_id: &str,
    role: NetworkRole,
    if_match: Option<i32>,
) -> Result<Member, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (_, m, u) = lock_member(&txn, network_id, user_id, if_match).await?;
    let current = crate::stored::decode::<NetworkRole>("network_member.role", &m.role)?;
    let managers = if current == NetworkRole::Manager {
        manager_count(&txn, network_id).await?
    } else {
        0
    };
    if change_role(current, role, managers)? == RoleChange::Unchanged {
        return Ok(Member {
            membership: m,
            user: u,
        });
    }
    let mut am = m.into_active_model();
    am.role = Set(role.as_str().to_owned());
    let m = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("network.member_role_changed", "network_member", &m.id)
            .network(network_id)
            .changed(vec!["role"]),
        vec![
            Message::event(
                EventType::NetworkMemberRoleChanged,
                "network",
                network_id,
                json!({"network_id": network_id, "user_id": user_id, "role": role.as_str()}),
            )
            .network(network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(Member {
        membership: m,
        user: u,
    })
}

/// How many managers a network has (lock the network row first when the
/// answer guards a change).
pub(crate) async fn manager_count<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
) -> Result<u64, Failure> {
    Ok(network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
        .count(conn)
        .await?)
}

/// Demo/bootstrap helper: makes `user_id` a member of the network with the
/// given role unless already one.
pub async fn ensure_member(
    db: &Db,
    ctx: &Ctx,
    network_id: &str,
    user_id: &str,
    role: NetworkRole,
) -> Result<(), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let exists = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    if exists.is_none() {
        let m = crate::accounts::new_membership(network_id, user_id, role, now)
            .insert(&txn)
            .await?;
        trail::write(
            &txn,
            ctx,
            now,
            Audit::new("network.member_added", "network_member", &m.id)
                .network(network_id)
                .changed(vec!["role"]),
            vec![],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<network::Model>, Failure> {
    Ok(network::Entity::find()
        .filter(network::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Locks the network row (the lock that keeps "at least one manager" true
/// under concurrent role changes, removals and erasure), then loads the
/// person's membership, checked against `If-Match`, and their account.
pub(crate) async fn lock_member<C: sea_orm::ConnectionTrait>(
    txn: &C,
    network_id: &str,
    user_id: &str,
    if_match: Option<i32>,
) -> Result<(network::Model, network_member::Model, user::Model), Failure> {
    let net = network::Entity::find_by_id(network_id.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(Failure::not_found("network"))?;
    let m = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(user_id))
        .one(txn)
        .await?
        .ok_or(Failure::not_found("network member"))?;
    peerhub_domain::Refusal::check_version(if_match, m.version)?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .one(txn)
        .await?
        .ok_or(Failure::not_found("network member"))?;
    Ok((net, m, u))
}
