//! Scoped, expiring, revocable API tokens for integrations and scripts.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::account::{ApiTokenScope, UserStatus};
use peerhub_domain::validation::bounded_text;
use peerhub_domain::{Invalid, Violations};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

use crate::Db;
use crate::entities::{api_token, user};
use crate::error::Failure;
use crate::page::{self, Page, PageRequest};
use crate::secrets::{random_token, token_hash};
use crate::trail::{self, Audit, Ctx, new_id};

pub const TOKEN_PREFIX: &str = "phk_";
/// Longest allowed lifetime of an API token.
pub const MAX_LIFETIME_DAYS: i64 = 366;

/// The token's scopes as stored; a list or a scope that does not decode is
/// an error, never left out.
pub fn stored_scopes(t: &api_token::Model) -> Result<Vec<ApiTokenScope>, Failure> {
    let raw: Vec<String> = t.scopes.decode("api_tokens.scopes", &t.id)?;
    raw.iter()
        .map(|s| crate::stored::decode("api_token.scopes", s))
        .collect()
}

/// Creates a token; returns it with the raw secret (shown once).
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    name: &str,
    scopes: &[ApiTokenScope],
    expires_at: Option<DateTime<Utc>>,
) -> Result<(api_token::Model, String), Failure> {
    let now = Utc::now();
    let mut v = Violations::new();
    let name = v.check("name", bounded_text(name, 1, 100));
    if scopes.is_empty() {
        v.add(
            "scopes",
            Invalid::new("required", "must name at least one scope"),
        );
    }
    let mut parsed: Vec<ApiTokenScope> = scopes.to_vec();
    parsed.sort();
    parsed.dedup();
    let expires_at = expires_at.unwrap_or(now + Duration::days(90));
    if expires_at <= now {
        v.add(
            "expires_at",
            Invalid::new("in_past", "must be in the future"),
        );
    } else if expires_at > now + Duration::days(MAX_LIFETIME_DAYS) {
        v.add(
            "expires_at",
            Invalid::new(
                "too_far",
                format!("must be at most {MAX_LIFETIME_DAYS} days from now"),
            ),
        );
    }
    v.into_result()?;
    let name = name.unwrap_or_default();
    let raw = random_token(TOKEN_PREFIX);
    let txn = crate::db::begin_write(db).await?;
    let t = api_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        name: Set(name),
        scopes: Set(crate::stored::Json::strings(
            &parsed
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect::<Vec<_>>(),
        )),
        token_hash: Set(token_hash(&raw)),
        token_prefix: Set(raw.chars().take(10).collect()),
        expires_at: Set(Some(expires_at)),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("api_token.created", "api_token", &t.id).changed(vec![
            "name",
            "scopes",
            "expires_at",
        ]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok((t, raw))
}

pub async fn list(
    db: &Db,
    user_id: &str,
    page: &PageRequest,
) -> Result<Page<api_token::Model>, Failure> {
    let q = api_token::Entity::find().filter(api_token::Column::UserId.eq(user_id));
    Ok(page::fetch(db, q, api_token::Column::Id, |t| t.id.clone(), page).await?)
}

/// Revokes one of the caller's tokens. Someone else's token is "not found".
pub async fn revoke(db: &Db, ctx: &Ctx, user_id: &str, token_id: &str) -> Result<(), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let t = api_token::Entity::find_by_id(token_id.to_owned())
        .filter(api_token::Column::UserId.eq(user_id))
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("api token"))?;
    if t.revoked_at.is_none() {
        let mut am = t.into_active_model();
        am.revoked_at = Set(Some(now));
        am.update(&txn).await?;
        trail::write(
            &txn,
            ctx,
            now,
            Audit::new("api_token.revoked", "api_token", token_id).changed(vec!["revoked_at"]),
            vec![],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Resolves a presented secret to its (token, owner). `None` if unknown,
/// revoked, expired, or the owner is not active.
pub async fn authenticate(
    db: &Db,
    raw: &str,
) -> Result<Option<(api_token::Model, user::Model)>, Failure> {
    /// The owner's columns, prefixed so they do not meet the token's.
    const OWNER: &str = "u_";
    struct Row(api_token::Model, user::Model);
    impl sea_orm::FromQueryResult for Row {
        fn from_query_result(
            res: &sea_orm::QueryResult,
            pre: &str,
        ) -> Result<Self, sea_orm::DbErr> {
            Ok(Self(
                api_token::Model::from_query_result(res, pre)?,
                user::Model::from_query_result(res, OWNER)?,
            ))
        }
    }
    use sea_orm::{IdenStatic, Iterable, QuerySelect};
    let now = Utc::now();
    // One statement: the token with its owner.
    let owner: sea_orm::RelationDef = api_token::Entity::belongs_to(user::Entity)
        .from(api_token::Column::UserId)
        .to(user::Column::Id)
        .into();
    let mut q = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(raw)))
        .join(sea_orm::JoinType::InnerJoin, owner);
    for col in user::Column::iter() {
        q = q.expr_as(
            sea_orm::sea_query::Expr::col((user::Entity, col)),
            format!("{OWNER}{}", col.as_str()),
        );
    }
    let Some(Row(t, u)) = q.into_model::<Row>().one(db).await? else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    if crate::accounts::user_status_of(&u)? != UserStatus::Active {
        return Ok(None);
    }
    // A stored scope that does not decode is an error, not a narrower token.
    stored_scopes(&t)?;
    // Record use at most once a minute to keep reads cheap.
    if t.last_used_at
        .is_none_or(|l| now - l > Duration::minutes(1))
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(t.id.clone()))
            .exec(db)
            .await?;
    }
    Ok(Some((t, u)))
}
