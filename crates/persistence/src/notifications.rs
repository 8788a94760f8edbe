//! A person's notification preferences: which optional kinds of email
//! they want ([`NotificationTopic`]). No row means they want it.
use chrono::Utc;
use peerhub_domain::notification::NotificationTopic;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::Db;
use crate::db::begin_write;
use crate::entities::notification_opt_out;
use crate::error::Failure;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx};

/// Whether the person wants each optional kind of email, in
/// [`NotificationTopic::ALL`] order. A stored topic that does not decode is
/// an error.
pub async fn preferences<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<(NotificationTopic, bool)>, Failure> {
    let off: Vec<String> = notification_opt_out::Entity::find()
        .select_only()
        .column(notification_opt_out::Column::Topic)
        .filter(notification_opt_out::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut topics = Vec::with_capacity(off.len());
    for o in &off {
        topics.push(decode::<NotificationTopic>(
            "notification_opt_outs.topic",
            o,
        )?);
    }
    Ok(NotificationTopic::ALL
        .iter()
        .map(|t| (*t, !topics.contains(t)))
        .collect())
}

/// Sets the topics given (`true`: wants it) and leaves the others; the
/// preferences afterwards. Audited without the values' meaning beyond
/// which topics changed.
pub async fn set(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    changes: &[(NotificationTopic, bool)],
) -> Result<Vec<(NotificationTopic, bool)>, Failure> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    for (topic, wants) in changes {
        if *wants {
            notification_opt_out::Entity::delete_many()
                .filter(notification_opt_out::Column::UserId.eq(user_id))
                .filter(notification_opt_out::Column::Topic.eq(topic.as_str()))
                .exec(&txn)
                .await?;
        } else {
            notification_opt_out::Entity::insert(notification_opt_out::ActiveModel {
                user_id: sea_orm::ActiveValue::Set(user_id.to_owned()),
                topic: sea_orm::ActiveValue::Set(topic.as_str().to_owned()),
                created_at: sea_orm::ActiveValue::Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    notification_opt_out::Column::UserId,
                    notification_opt_out::Column::Topic,
                ])
                .do_nothing()
                .to_owned(),
            )
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?;
        }
    }
    if !changes.is_empty() {
        trail::write(
            &txn,
            ctx,
            now,
            Audit::new("notification_preferences.updated", "user", user_id)
                .changed(vec!["notifications"]),
            vec![],
        )
        .await?;
    }
    let after = preferences(&txn, user_id).await?;
    txn.commit().await?;
    Ok(after)
}
