use sea_orm::entity::prelude::*;

use peerhub_domain::community::{CadenceUnit, CommunityKind, DeliveryMode, OrganisedAround};
use peerhub_domain::eligibility::EligibilityRules;
use serde::{Deserialize, Serialize};

use crate::stored::Json;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "community_proposals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub network_id: String,
    pub proposed_by: String,
    pub name: String,
    pub focus: String,
    pub audience: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Json<Details>,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_reason: Option<String>,
    pub community_id: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

crate::entities::versioned!();

// The stored shape of `details` (typed JSON).

/// The cadence of the proposed community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    pub every: i32,
    pub unit: CadenceUnit,
}

/// The proposed Terms of Reference (validated), kept until approval turns
/// them into the community's first draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedTerms {
    pub purpose: String,
    pub aims: Vec<String>,
    pub eligibility: EligibilityRules,
    pub meeting_arrangements: String,
    pub chairing_arrangements: String,
    pub notes_arrangements: String,
    pub max_secretaries: i32,
}

/// Everything about a proposal that has no column of its own (the
/// `details` JSON). Name, focus and audience are columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub organised_around: OrganisedAround,
    pub kind: CommunityKind,
    pub capacity: i32,
    pub fee_note: Option<String>,
    pub cadence: Cadence,
    pub duration_minutes: i32,
    pub delivery_mode: DeliveryMode,
    pub rationale: Option<String>,
    pub terms: Option<ProposedTerms>,
}
