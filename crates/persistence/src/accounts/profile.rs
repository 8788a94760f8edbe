//! A person's own profile.
use chrono::Utc;
use peerhub_domain::profile::ProfilePatch;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel, QuerySelect};

use super::records::list_to_json;
use crate::Db;
use crate::entities::user;
use crate::error::Failure;
use crate::trail::{self, Audit, Ctx};

/// Applies a profile update to the caller's own account.
pub async fn update_profile(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    patch: ProfilePatch,
    if_match: Option<i32>,
) -> Result<user::Model, Failure> {
    let patch = patch.validate()?;
    let changed = patch.field_names();
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("user"))?;
    peerhub_domain::Refusal::check_version(if_match, u.version)?;
    if changed.is_empty() {
        return Ok(u);
    }
    let mut am = u.into_active_model();
    if let Some(x) = patch.display_name {
        am.display_name = Set(x);
    }
    if let Some(x) = patch.job_title {
        am.job_title = Set(x);
    }
    if let Some(x) = patch.organisation {
        am.organisation = Set(x);
    }
    if let Some(x) = patch.region {
        am.region = Set(x);
    }
    if let Some(x) = patch.profession {
        am.profession = Set(x);
    }
    if let Some(x) = patch.level {
        am.level = Set(x);
    }
    if let Some(x) = patch.registers {
        am.registers = Set(list_to_json(&x));
    }
    if let Some(x) = patch.specialties {
        am.specialties = Set(list_to_json(&x));
    }
    if let Some(x) = patch.interests {
        am.interests = Set(list_to_json(&x));
    }
    if let Some(Some(m)) = &patch.line_manager_id {
        if m == user_id {
            return Err(Failure::invalid(
                "line_manager_id",
                "self",
                "cannot be yourself",
            ));
        }
        if user::Entity::find_by_id(m.clone())
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(Failure::invalid(
                "line_manager_id",
                "unknown_user",
                "is not a PeerHub user",
            ));
        }
    }
    if let Some(x) = patch.team {
        am.team = Set(x);
    }
    if let Some(x) = patch.line_manager_id {
        am.line_manager_id = Set(x);
    }
    if let Some(x) = patch.sensitive {
        am.sensitive = Set(x.map(|s| crate::stored::Json::encode(&s)).transpose()?);
    }
    let u = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("user.profile_updated", "user", &u.id).changed(changed),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}
