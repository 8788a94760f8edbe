//! Private notes on a match: written by a participant, readable, editable
//! and deletable by their author only.
//!
//! Everyone else — the other participant, the network's managers, platform
//! admins, API tokens — gets 404 `note` for a note and 404 `match` for the
//! match's notes collection, exactly as for something that does not exist.
//! The audit trail records that a note was created, changed or deleted
//! (field name `body` at most), never its text; no outbox message carries
//! it.
use chrono::Utc;
use peerhub_domain::Invalid;
use peerhub_domain::access::Principal;
use peerhub_domain::meeting::bounded_text_multiline;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter,
};

use crate::Db;
use crate::entities::{match_note, peer_match, programme};
use crate::error::Failure;
use crate::matching;
use crate::page::{self, Page, PageRequest};
use crate::trail::{self, Audit, Ctx, new_id};

/// Longest note, in characters (after trimming).
pub const BODY_MAX: usize = 10_000;

/// A note's text: trimmed, 1 to [`BODY_MAX`] characters, newlines and tabs
/// allowed.
pub fn body_of(raw: &str) -> Result<String, Invalid> {
    let s = bounded_text_multiline(raw, BODY_MAX)?;
    if s.is_empty() {
        return Err(Invalid::new("required", "must not be empty"));
    }
    Ok(s)
}

fn check_body(raw: &str) -> Result<String, Failure> {
    body_of(raw).map_err(|e| Failure::violations(peerhub_domain::Violations::single("body", e)))
}

/// Writes a note on a match (its participants only; any status, so a
/// participant can still reflect after the match ended).
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    match_id: &str,
    body: &str,
) -> Result<match_note::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let a = matching::participant_access(&txn, principal, match_id).await?;
    let body = check_body(body)?;
    let note = match_note::ActiveModel {
        id: Set(new_id()),
        match_id: Set(a.m.id.clone()),
        author_id: Set(principal.user_id.clone()),
        body: Set(body),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("match_note.created", "match_note", &note.id)
            .network(&a.programme.network_id)
            .changed(vec!["body"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(note)
}

/// The caller's own notes on a match, oldest first (participants only;
/// the other participant's notes never appear).
pub async fn list_own<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    match_id: &str,
    page: &PageRequest,
) -> Result<Page<match_note::Model>, Failure> {
    let a = matching::participant_access(conn, principal, match_id).await?;
    let q = match_note::Entity::find()
        .filter(match_note::Column::MatchId.eq(&a.m.id))
        .filter(match_note::Column::AuthorId.eq(&principal.user_id));
    Ok(page::fetch(conn, q, match_note::Column::Id, |n| n.id.clone(), page).await?)
}

/// True when `principal` wrote `note` (API tokens never do: notes are for
/// people).
fn is_author(principal: &Principal, note: &match_note::Model) -> bool {
    !principal.is_token() && note.author_id == principal.user_id
}

/// One of the caller's own notes; 404 `note` for anyone but its author.
pub async fn find_own<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    note_id: &str,
) -> Result<match_note::Model, Failure> {
    match_note::Entity::find_by_id(note_id.to_owned())
        .one(conn)
        .await?
        .filter(|n| is_author(principal, n))
        .ok_or(Failure::not_found("note"))
}

/// Locks the caller's own note for a change.
async fn lock_own<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    note_id: &str,
) -> Result<match_note::Model, Failure> {
    use sea_orm::QuerySelect;
    match_note::Entity::find_by_id(note_id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .filter(|n| is_author(principal, n))
        .ok_or(Failure::not_found("note"))
}

/// The network a match belongs to (for the audit entry).
async fn network_of<C: ConnectionTrait>(
    conn: &C,
    match_id: &str,
) -> Result<Option<String>, Failure> {
    let Some(m) = peer_match::Entity::find_by_id(match_id.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(programme::Entity::find_by_id(m.programme_id)
        .one(conn)
        .await?
        .map(|p| p.network_id))
}

fn audit(action: &'static str, note_id: &str, network_id: Option<&str>) -> Audit {
    let a = Audit::new(action, "match_note", note_id);
    match network_id {
        Some(n) => a.network(n),
        None => a,
    }
}

/// Replaces the text of the caller's own note (`If-Match` honoured).
pub async fn update(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    note_id: &str,
    body: &str,
    if_match: Option<i32>,
) -> Result<match_note::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let n = lock_own(&txn, principal, note_id).await?;
    peerhub_domain::Refusal::check_version(if_match, n.version)?;
    let body = check_body(body)?;
    if body == n.body {
        return Ok(n);
    }
    let network_id = network_of(&txn, &n.match_id).await?;
    let mut am = n.into_active_model();
    am.body = Set(body);
    let n = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        audit("match_note.updated", &n.id, network_id.as_deref()).changed(vec!["body"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// Deletes the caller's own note for good (`If-Match` honoured).
pub async fn delete(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    note_id: &str,
    if_match: Option<i32>,
) -> Result<(), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let n = lock_own(&txn, principal, note_id).await?;
    peerhub_domain::Refusal::check_version(if_match, n.version)?;
    let network_id = network_of(&txn, &n.match_id).await?;
    let id = n.id.clone();
    n.delete(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        audit("match_note.deleted", &id, network_id.as_deref()),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_trimmed_required_and_bounded() {
        assert_eq!(
            body_of("  Felt heard.\nFollow up.  ").ok().as_deref(),
            Some("Felt heard.\nFollow up.")
        );
        assert_eq!(body_of("   ").map_err(|e| e.code), Err("required"));
        assert_eq!(body_of("").map_err(|e| e.code), Err("required"));
        assert!(body_of(&"x".repeat(BODY_MAX)).is_ok());
        assert_eq!(
            body_of(&"x".repeat(BODY_MAX + 1)).map_err(|e| e.code),
            Err("too_long")
        );
        assert_eq!(
            body_of("a\u{7}b").map_err(|e| e.code),
            Err("control_characters")
        );
    }
}
