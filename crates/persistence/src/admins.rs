//! Platform admin rights, for scripted setup (the `peerhub` CLI and the demo
//! data): no HTTP route grants or takes them. Accounts are created as admins
//! by `accounts::create_admin`; [`set_platform_admin`] changes the flag of an
//! existing account, audited like any other write.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

use crate::Db;
use crate::entities::user;
use crate::error::Failure;
use crate::load;
use crate::trail::{self, Audit, Ctx};

/// Grants (`true`) or takes away (`false`) platform admin rights, in one
/// transaction with its audit entry (`user.platform_admin_granted` or
/// `user.platform_admin_revoked`). Setting the flag it already has changes
/// nothing and writes no audit entry. 404 `user` when there is no such
/// account.
pub async fn set_platform_admin(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    is_platform_admin: bool,
) -> Result<user::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = load::find_for_update_or_404::<user::Entity, _>(&txn, user_id, "user").await?;
    if u.is_platform_admin == is_platform_admin {
        return Ok(u);
    }
    let mut am = u.into_active_model();
    am.is_platform_admin = Set(is_platform_admin);
    let u = am.update(&txn).await?;
    let action = if is_platform_admin {
        "user.platform_admin_granted"
    } else {
        "user.platform_admin_revoked"
    };
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new(action, "user", &u.id).changed(vec!["is_platform_admin"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}
