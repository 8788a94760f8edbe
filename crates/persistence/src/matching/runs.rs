//! A run's stored result, and the runs of a programme.
use peerhub_domain::matching::plan::{RunSideKind, UnmatchedReason};
use peerhub_domain::matching::score::Reason;
use peerhub_domain::matching::supporter::SupporterUnmatchableReason;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::Db;
use crate::entities::matching_run;
use crate::error::Failure;
use crate::page::{self, Page, PageRequest};

/// One side of a pair in a run's result.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunSide {
    pub kind: RunSideKind,
    /// The request's or supporter's id.
    pub id: String,
    pub user_id: String,
    pub display_name: String,
}

/// A proposed pair in a run's result, as a manager sees it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunPair {
    /// The proposal created (`null` in a dry run).
    pub match_id: Option<String>,
    pub a: RunSide,
    pub b: RunSide,
    pub score: i64,
    /// As a manager may see them ([`peerhub_domain::matching::score::visible`] with no viewer).
    pub reasons: Vec<Reason>,
}

/// Someone waiting who stays unmatched, and why.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunUnmatched {
    pub request_id: String,
    pub user_id: String,
    pub display_name: String,
    /// Absent in results stored before the codes were: [`result_of`] reads
    /// it from `reason`.
    #[serde(default)]
    pub code: Option<UnmatchedReason>,
    pub reason: String,
}

/// A supporter with places left, or one who could not be matched at all.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunSupporter {
    pub supporter_id: String,
    pub user_id: String,
    pub display_name: String,
    /// Places left after the run (0 for an unmatchable supporter).
    pub places: i64,
    /// Why they were left out of the run (empty for free places). Absent in
    /// results stored before the codes were: [`result_of`] reads it from
    /// `reason`.
    #[serde(default)]
    pub unmatchable_reasons: Vec<SupporterUnmatchableReason>,
    /// Why they were left out of the run, if they were, in plain words.
    pub reason: Option<String>,
}

/// What a run found.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    pub pairs: Vec<RunPair>,
    pub unmatched: Vec<RunUnmatched>,
    /// Supporter programmes: matchable supporters with places left.
    pub free_places: Vec<RunSupporter>,
    /// Supporter programmes: supporters left out of the run (no training
    /// date, no supervisor, or paused).
    pub unmatchable_supporters: Vec<RunSupporter>,
}

/// A run's stored result, with every unmatched person's reason code and
/// every unmatchable supporter's reasons (read from the texts of results
/// stored before the codes were). A result that does not read back is an
/// error.
pub fn result_of(r: &matching_run::Model) -> Result<RunResult, Failure> {
    let broken =
        |what: String| Failure::internal(format!("stored matching_run.result of {}: {what}", r.id));
    let mut result: RunResult = r.result.decode("matching_runs.result", &r.id)?;
    for u in &mut result.unmatched {
        if u.code.is_none() {
            u.code = Some(
                UnmatchedReason::from_text(&u.reason)
                    .ok_or_else(|| broken(format!("unknown reason {:?}", u.reason)))?,
            );
        }
    }
    for s in &mut result.unmatchable_supporters {
        if let (true, Some(text)) = (s.unmatchable_reasons.is_empty(), &s.reason) {
            let listed = text.strip_prefix("not matchable: ").unwrap_or(text);
            s.unmatchable_reasons = listed
                .split(", ")
                .map(|t| {
                    SupporterUnmatchableReason::from_text(t)
                        .ok_or_else(|| broken(format!("unknown supporter reason {t:?}")))
                })
                .collect::<Result<_, _>>()?;
        }
    }
    Ok(result)
}

/// Loads a run.
pub async fn find_run<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<matching_run::Model, Failure> {
    crate::load::find_or_404::<matching_run::Entity, _>(conn, id, "matching run").await
}

/// A programme's runs, oldest first.
pub async fn list_runs(
    db: &Db,
    programme_id: &str,
    page: &PageRequest,
) -> Result<Page<matching_run::Model>, Failure> {
    Ok(page::fetch(
        db,
        matching_run::Entity::find().filter(matching_run::Column::ProgrammeId.eq(programme_id)),
        matching_run::Column::Id,
        |r| r.id.clone(),
        page,
    )
    .await?)
}
