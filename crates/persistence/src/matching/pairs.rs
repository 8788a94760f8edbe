//! A manager's own pairs, checked like a run's.
use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::matching::plan::check_pair;
use peerhub_domain::matching::request;
use peerhub_domain::matching::score::ProgrammeKind;
use peerhub_domain::matching::supporter;
use peerhub_domain::validation::{Invalid, Violations};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};

use super::access::authorise_programme;
use super::matches::{expire_proposals, insert_match};
use super::participants::{
    excluded_error, previous_pairs, request_participant, supporter_participant,
};
use super::programmes::{constraints_of, kind_of, weights_of};
use super::requests::request_status_of;
use super::shared::{canonical_uuid, lock_programme, refused, users_by_id};
use super::supporters::{open_matches_by_supporter, standing};
use crate::Db;
use crate::db::begin_write;
use crate::entities::{match_request, peer_match, programme, programme_supporter};
use crate::error::Failure;
use crate::trail::Ctx;

/// A manager's own pairing.
#[derive(Debug, Clone)]
pub struct ManualPair {
    pub request_id: String,
    /// Mutual programmes: the other person's request.
    pub other_request_id: Option<String>,
    /// Supporter programmes: the supporter.
    pub supporter_id: Option<String>,
}

async fn waiting_request<C: ConnectionTrait>(
    conn: &C,
    p: &programme::Model,
    field: &str,
    id: &str,
) -> Result<match_request::Model, Failure> {
    let r = match_request::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .filter(|r| r.programme_id == p.id)
        .ok_or_else(|| {
            Failure::invalid(
                field,
                "unknown_request",
                "is not a request in this programme",
            )
        })?;
    request::check_waiting(&r.id, request_status_of(&r)?).map_err(refused)?;
    Ok(r)
}

/// Pairs two people by hand (no caller to check: the demo data), checked
/// like a run's pairs: both must be waiting (and the supporter matchable
/// with a free place), and the pair must pass the hard constraints and the
/// minimum score.
pub async fn create_manual(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    input: ManualPair,
) -> Result<peer_match::Model, Failure> {
    let txn = begin_write(db).await?;
    let p = lock_programme(&txn, &p.id).await?;
    let m = create_in(&txn, ctx, &p, input).await?;
    txn.commit().await?;
    Ok(m)
}

/// Pairs two people by hand for a caller, as [`create_manual`]. One
/// transaction locks the programme, checks the caller's standing (`need`)
/// against the locked row, then the ids (422 `invalid_uuid`) and the pair
/// against the locked row's settings, and writes.
pub async fn create_manual_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    programme_id: &str,
    need: Need,
    input: ManualPair,
) -> Result<peer_match::Model, Failure> {
    let txn = begin_write(db).await?;
    let locked = lock_programme(&txn, programme_id).await?;
    let p = authorise_programme(&txn, principal, locked, need)
        .await?
        .programme;
    let input = ManualPair {
        request_id: canonical_uuid("request_id", &input.request_id)?,
        other_request_id: input
            .other_request_id
            .as_deref()
            .map(|x| canonical_uuid("other_request_id", x))
            .transpose()?,
        supporter_id: input
            .supporter_id
            .as_deref()
            .map(|x| canonical_uuid("supporter_id", x))
            .transpose()?,
    };
    let m = create_in(&txn, ctx, &p, input).await?;
    txn.commit().await?;
    Ok(m)
}

/// The pair itself, in the caller's transaction with the programme locked.
async fn create_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    input: ManualPair,
) -> Result<peer_match::Model, Failure> {
    let kind = kind_of(p)?;
    let mut v = Violations::new();
    match kind {
        ProgrammeKind::Supporter => {
            if input.supporter_id.is_none() {
                v.add(
                    "supporter_id",
                    Invalid::new("required", "is required in a supporter programme"),
                );
            }
            if input.other_request_id.is_some() {
                v.add(
                    "other_request_id",
                    Invalid::new(
                        "not_allowed",
                        "a supporter programme pairs a request with a supporter",
                    ),
                );
            }
        }
        ProgrammeKind::Mutual => {
            if input.other_request_id.is_none() {
                v.add(
                    "other_request_id",
                    Invalid::new("required", "is required in a mutual programme"),
                );
            }
            if input.supporter_id.is_some() {
                v.add(
                    "supporter_id",
                    Invalid::new(
                        "not_allowed",
                        "a mutual programme has no supporters; pair two requests",
                    ),
                );
            }
        }
    }
    if input.other_request_id.as_deref() == Some(input.request_id.as_str()) {
        v.add(
            "other_request_id",
            Invalid::new("same_request", "must be a different request"),
        );
    }
    v.into_result()?;
    let weights = weights_of(p)?;
    let constraints = constraints_of(p)?;
    let now = Utc::now();
    expire_proposals(txn, Some(&p.id)).await?;
    let a = waiting_request(txn, p, "request_id", &input.request_id).await?;
    let previous = previous_pairs(txn, &p.id).await?;
    let m = if let Some(sid) = &input.supporter_id {
        let s = programme_supporter::Entity::find_by_id(sid.clone())
            .lock_exclusive()
            .one(txn)
            .await?
            .filter(|s| s.programme_id == p.id)
            .ok_or_else(|| {
                Failure::invalid(
                    "supporter_id",
                    "unknown_supporter",
                    "is not a supporter in this programme",
                )
            })?;
        let open = open_matches_by_supporter(txn, vec![s.id.clone()])
            .await?
            .get(&s.id)
            .copied()
            .unwrap_or(0);
        supporter::check_pairable(&standing(&s, open)?).map_err(refused)?;
        let users = users_by_id(txn, vec![a.user_id.clone(), s.user_id.clone()]).await?;
        let (Some(ua), Some(us)) = (users.get(&a.user_id), users.get(&s.user_id)) else {
            return Err(Failure::not_found("user"));
        };
        let (score, reasons) = check_pair(
            kind,
            &request_participant(&a, ua)?,
            &supporter_participant(&s, us)?,
            &weights,
            &constraints,
            &previous,
        )
        .map_err(|e| excluded_error("supporter_id", e, constraints.min_score))?;
        insert_match(
            txn,
            ctx,
            p,
            None,
            &a,
            None,
            Some(&s),
            &s.user_id,
            score,
            &reasons,
            &users,
            now,
        )
        .await?
    } else {
        let other = input.other_request_id.clone().unwrap_or_default();
        let b = waiting_request(txn, p, "other_request_id", &other).await?;
        let users = users_by_id(txn, vec![a.user_id.clone(), b.user_id.clone()]).await?;
        let (Some(ua), Some(ub)) = (users.get(&a.user_id), users.get(&b.user_id)) else {
            return Err(Failure::not_found("user"));
        };
        let (score, reasons) = check_pair(
            kind,
            &request_participant(&a, ua)?,
            &request_participant(&b, ub)?,
            &weights,
            &constraints,
            &previous,
        )
        .map_err(|e| excluded_error("other_request_id", e, constraints.min_score))?;
        insert_match(
            txn,
            ctx,
            p,
            None,
            &a,
            Some(&b),
            None,
            &b.user_id,
            score,
            &reasons,
            &users,
            now,
        )
        .await?
    };
    Ok(m)
}
