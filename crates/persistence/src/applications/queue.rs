//! Reading applications: a community's list and a network's review queue.
use std::collections::HashMap;

use peerhub_domain::community::ApplicationStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::Db;
use crate::entities::{application, community, user};
use crate::error::Failure;
use crate::load::joined;
use crate::page::{self, Page, PageRequest};

/// A community's applications, oldest first, optionally by status.
pub async fn list_for_community(
    db: &Db,
    community_id: &str,
    status: Option<ApplicationStatus>,
    page: &PageRequest,
) -> Result<Page<application::Model>, Failure> {
    let mut q =
        application::Entity::find().filter(application::Column::CommunityId.eq(community_id));
    if let Some(s) = status {
        q = q.filter(application::Column::Status.eq(s.as_str()));
    }
    Ok(page::fetch(db, q, application::Column::Id, |a| a.id.clone(), page).await?)
}

/// One entry of the review queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub application: application::Model,
    pub community_name: String,
    pub applicant_name: String,
}

/// Pending applications across a network's communities, oldest first.
pub async fn review_queue(
    db: &Db,
    network_id: &str,
    page: &PageRequest,
) -> Result<Page<QueueEntry>, Failure> {
    let q = application::Entity::find()
        .filter(application::Column::NetworkId.eq(network_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Pending.as_str()));
    let p = page::fetch(db, q, application::Column::Id, |a| a.id.clone(), page).await?;
    let mut community_ids: Vec<String> = p.items.iter().map(|a| a.community_id.clone()).collect();
    community_ids.sort();
    community_ids.dedup();
    let mut user_ids: Vec<String> = p.items.iter().map(|a| a.user_id.clone()).collect();
    user_ids.sort();
    user_ids.dedup();
    let names: HashMap<String, String> = community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .column(community::Column::Name)
        .filter(community::Column::Id.is_in(community_ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let people: HashMap<String, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(user_ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let items = p
        .items
        .into_iter()
        .map(|a| {
            Ok(QueueEntry {
                community_name: joined(&names, "community", &a.community_id)?,
                applicant_name: joined(&people, "user", &a.user_id)?,
                application: a,
            })
        })
        .collect::<Result<_, Failure>>()?;
    Ok(Page {
        items,
        next_after: p.next_after,
    })
}
