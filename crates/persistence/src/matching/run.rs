//! Running the engine over everyone waiting in a programme.
//!
//! A run reads its inputs, runs the engine on a blocking thread (never on
//! an async worker, and outside any transaction), and only then opens the
//! write transaction. A real run locks the programme there and checks
//! that what the engine used still holds: the programme's kind, weights
//! and constraints are the ones it used, every request in a pair is still
//! waiting, and every supporter in a pair is still matchable with enough
//! free places. If anything changed meanwhile (another run, a manual
//! pair, a withdrawal, a settings change), the plan is not written as it
//! is: the run computes it once more, under the lock, from what the
//! transaction reads then (the one case where the engine runs inside the
//! write transaction), so it can never propose a request twice.
//! Everything else (say, a PATCH of the programme's description) goes on
//! while the engine works.
use peerhub_domain::webhook::EventType;
use std::collections::HashMap;
use std::time::Instant;

use chrono::Utc;
use peerhub_domain::matching::plan::{Input, Plan, RunSideKind, plan};
use peerhub_domain::matching::request::MatchRequestStatus;
use peerhub_domain::matching::score::{self, Participant, ProgrammeKind};
use peerhub_domain::matching::supporter;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::json;

use super::matches::{expire_proposals, insert_match};
use super::participants::{previous_pairs, request_participant, supporter_participant};
use super::programmes::{constraints_of, kind_of, weights_of};
use super::runs::{RunPair, RunResult, RunSide, RunSupporter, RunUnmatched};
use super::shared::{lock_programme, to_json};
use super::supporters::{open_matches_by_supporter, standing};
use crate::Db;
use crate::db::begin_write;
use crate::entities::{match_request, matching_run, programme, programme_supporter, user};
use crate::error::Failure;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// What a run reads: the engine's input, and the rows that name people in
/// the result.
struct Inputs {
    input: Input,
    requests: Vec<match_request::Model>,
    supporters: Vec<programme_supporter::Model>,
    users: HashMap<String, user::Model>,
    /// Supporters left out of the run, and why.
    unmatchable: Vec<RunSupporter>,
}

/// Reads everyone waiting in programme `p` (and, in a supporter programme,
/// its supporters with their free places), with `p`'s settings.
async fn load<C: ConnectionTrait>(conn: &C, p: &programme::Model) -> Result<Inputs, Failure> {
    let kind = kind_of(p)?;
    let requests = match_request::Entity::find()
        .filter(match_request::Column::ProgrammeId.eq(&p.id))
        .filter(match_request::Column::Status.eq(MatchRequestStatus::Waiting.as_str()))
        .all(conn)
        .await?;
    let supporters = if kind == ProgrammeKind::Supporter {
        programme_supporter::Entity::find()
            .filter(programme_supporter::Column::ProgrammeId.eq(&p.id))
            .all(conn)
            .await?
    } else {
        Vec::new()
    };
    let users = people_in(conn, &p.id, kind).await?;
    let open =
        open_matches_by_supporter(conn, supporters.iter().map(|s| s.id.clone()).collect()).await?;
    let mut unmatchable = Vec::new();
    let mut engine_supporters = Vec::new();
    for s in &supporters {
        let Some(u) = users.get(&s.user_id) else {
            continue;
        };
        let st = standing(s, open.get(&s.id).copied().unwrap_or(0))?;
        let why = st.unmatchable_reasons();
        if why.is_empty() {
            engine_supporters.push((supporter_participant(s, u)?, st.places()));
        } else {
            unmatchable.push(RunSupporter {
                supporter_id: s.id.clone(),
                user_id: s.user_id.clone(),
                display_name: u.display_name.clone(),
                places: 0,
                reason: Some(format!("not matchable: {}", supporter::reasons_text(&why))),
                unmatchable_reasons: why,
            });
        }
    }
    let mut engine_requests: Vec<Participant> = Vec::with_capacity(requests.len());
    for r in &requests {
        if let Some(u) = users.get(&r.user_id) {
            engine_requests.push(request_participant(r, u)?);
        }
    }
    Ok(Inputs {
        input: Input {
            kind,
            requests: engine_requests,
            supporters: engine_supporters,
            weights: weights_of(p)?,
            constraints: constraints_of(p)?,
            previous: previous_pairs(conn, &p.id).await?,
        },
        requests,
        supporters,
        users,
        unmatchable,
    })
}

/// The people a run names: everyone with a waiting request in programme
/// `programme_id` and, in a supporter programme, its supporters. One query
/// per side with a subquery, rather than their ids sent back in `IN`
/// lists of 500 (a list that long costs more to send than the rows).
async fn people_in<C: ConnectionTrait>(
    conn: &C,
    programme_id: &str,
    kind: ProgrammeKind,
) -> Result<HashMap<String, user::Model>, Failure> {
    let waiting = Query::select()
        .column(match_request::Column::UserId)
        .from(match_request::Entity)
        .and_where(match_request::Column::ProgrammeId.eq(programme_id))
        .and_where(match_request::Column::Status.eq(MatchRequestStatus::Waiting.as_str()))
        .to_owned();
    let mut out: HashMap<String, user::Model> = user::Entity::find()
        .filter(user::Column::Id.in_subquery(waiting))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    if kind == ProgrammeKind::Supporter {
        let supporters = Query::select()
            .column(programme_supporter::Column::UserId)
            .from(programme_supporter::Entity)
            .and_where(programme_supporter::Column::ProgrammeId.eq(programme_id))
            .to_owned();
        for u in user::Entity::find()
            .filter(user::Column::Id.in_subquery(supporters))
            .all(conn)
            .await?
        {
            out.insert(u.id.clone(), u);
        }
    }
    Ok(out)
}

/// Runs the engine on a blocking thread; the plan and the engine's time in
/// microseconds.
async fn engine(inputs: Inputs) -> Result<(Inputs, Plan, i64), Failure> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let planned = plan(&inputs.input);
        let micros = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
        (inputs, planned, micros)
    })
    .await
    .map_err(|e| Failure::internal(format!("the matching engine stopped: {e}")))
}

/// Whether `planned`, made from `used`, still holds for the locked
/// programme `p`: the same kind, weights and constraints; every request in
/// a pair still waiting; every supporter in a pair still matchable with as
/// many free places as the plan gives them. Locks the rows it checks.
async fn still_holds<C: ConnectionTrait>(
    conn: &C,
    p: &programme::Model,
    used: &Input,
    planned: &Plan,
) -> Result<bool, Failure> {
    if kind_of(p)? != used.kind
        || weights_of(p)? != used.weights
        || constraints_of(p)? != used.constraints
    {
        return Ok(false);
    }
    let mut request_ids = Vec::new();
    let mut places: HashMap<String, usize> = HashMap::new();
    for pair in &planned.pairs {
        request_ids.push(pair.a.clone());
        match used.kind {
            ProgrammeKind::Mutual => request_ids.push(pair.b.clone()),
            ProgrammeKind::Supporter => *places.entry(pair.b.clone()).or_insert(0) += 1,
        }
    }
    if !request_ids.is_empty() {
        let waiting = match_request::Entity::find()
            .filter(match_request::Column::Id.is_in(request_ids.clone()))
            .filter(match_request::Column::ProgrammeId.eq(&p.id))
            .filter(match_request::Column::Status.eq(MatchRequestStatus::Waiting.as_str()))
            .lock_exclusive()
            .all(conn)
            .await?;
        if waiting.len() != request_ids.len() {
            return Ok(false);
        }
    }
    if !places.is_empty() {
        let ids: Vec<String> = places.keys().cloned().collect();
        let rows = programme_supporter::Entity::find()
            .filter(programme_supporter::Column::Id.is_in(ids.clone()))
            .filter(programme_supporter::Column::ProgrammeId.eq(&p.id))
            .lock_exclusive()
            .all(conn)
            .await?;
        if rows.len() != places.len() {
            return Ok(false);
        }
        let open = open_matches_by_supporter(conn, ids).await?;
        for s in &rows {
            let st = standing(s, open.get(&s.id).copied().unwrap_or(0))?;
            if st.places() < places.get(&s.id).copied().unwrap_or(0) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Writes `expired` on the programme's proposals past their deadline, in
/// a transaction of its own.
async fn expire(db: &Db, programme_id: &str) -> Result<(), Failure> {
    let txn = begin_write(db).await?;
    expire_proposals(&txn, Some(programme_id)).await?;
    txn.commit().await?;
    Ok(())
}

/// Runs the engine over everyone waiting in a programme. A dry run stores
/// the run and changes nothing else; otherwise every pair becomes a
/// proposed match. The engine runs outside any transaction and lock; a
/// real run then checks its plan under the programme's lock and, when it
/// no longer holds, computes it once more under the lock (see the module
/// comment), so two runs never propose one request twice.
pub async fn run(db: &Db, ctx: &Ctx, p: &programme::Model, dry_run: bool) -> Result<Ran, Failure> {
    kind_of(p)?;
    expire(db, &p.id).await?;
    let current = p.clone();
    let (inputs, planned, micros) = engine(load(db, &current).await?).await?;
    let txn = begin_write(db).await?;
    let (p, inputs, planned, micros) = if dry_run {
        (current, inputs, planned, micros)
    } else {
        let locked = lock_programme(&txn, &p.id).await?;
        if still_holds(&txn, &locked, &inputs.input, &planned).await? {
            (locked, inputs, planned, micros)
        } else {
            // Something the plan used changed while the engine worked:
            // once more, under the lock, from what this transaction reads.
            expire_proposals(&txn, Some(&locked.id)).await?;
            let (inputs, planned, micros) = engine(load(&txn, &locked).await?).await?;
            (locked, inputs, planned, micros)
        }
    };
    let now = Utc::now();
    let run_id = new_id();
    let result = write_plan(&txn, ctx, &p, &run_id, dry_run, &inputs, &planned, now).await?;
    let total_score: i64 = result.pairs.iter().map(|p| p.score).sum();
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let r = matching_run::Model {
        id: run_id,
        programme_id: p.id.clone(),
        dry_run,
        requests: count(inputs.input.requests.len()),
        supporters: count(inputs.input.supporters.len()),
        pairs: count(result.pairs.len()),
        unmatched: count(result.unmatched.len()),
        total_score,
        duration_micros: micros,
        result: to_json(&result)?,
        created_by: ctx.actor_id.clone(),
        created_at: now,
    };
    // Written without reading the row back: the caller answers with the
    // result in hand (a run over 1,000 people stores a large JSON value).
    matching_run::Entity::insert(matching_run::ActiveModel::from(r.clone()).reset_all())
        .exec_without_returning(&txn)
        .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("matching_run.created", "matching_run", &r.id).network(&p.network_id),
        vec![
            Message::event(
                EventType::MatchingRunCompleted,
                "matching_run",
                &r.id,
                json!({
                    "run_id": r.id, "programme_id": p.id, "dry_run": dry_run,
                    "requests": r.requests, "supporters": r.supporters, "pairs": r.pairs,
                    "unmatched": r.unmatched, "total_score": r.total_score,
                }),
            )
            .network(&p.network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(Ran { run: r, result })
}

/// A run just made: its row and its result, as written.
pub struct Ran {
    pub run: matching_run::Model,
    pub result: RunResult,
}

/// The run's result, as a manager sees it; in a real run every pair is
/// written as a proposal.
#[allow(clippy::too_many_arguments)]
async fn write_plan<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    run_id: &str,
    dry_run: bool,
    inputs: &Inputs,
    planned: &Plan,
    now: chrono::DateTime<Utc>,
) -> Result<RunResult, Failure> {
    let users = &inputs.users;
    let name = |uid: &str| {
        users
            .get(uid)
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    };
    let requests_by_id: HashMap<&str, &match_request::Model> =
        inputs.requests.iter().map(|r| (r.id.as_str(), r)).collect();
    let supporters_by_id: HashMap<&str, &programme_supporter::Model> = inputs
        .supporters
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut result = RunResult {
        unmatchable_supporters: inputs.unmatchable.clone(),
        ..RunResult::default()
    };
    for pair in &planned.pairs {
        let Some(a) = requests_by_id.get(pair.a.as_str()) else {
            continue;
        };
        let (b_side, b_request, b_supporter, b_user) = match inputs.input.kind {
            ProgrammeKind::Mutual => {
                let Some(b) = requests_by_id.get(pair.b.as_str()) else {
                    continue;
                };
                (
                    RunSide {
                        kind: RunSideKind::Request,
                        id: b.id.clone(),
                        user_id: b.user_id.clone(),
                        display_name: name(&b.user_id),
                    },
                    Some(*b),
                    None,
                    b.user_id.clone(),
                )
            }
            ProgrammeKind::Supporter => {
                let Some(s) = supporters_by_id.get(pair.b.as_str()) else {
                    continue;
                };
                (
                    RunSide {
                        kind: RunSideKind::Supporter,
                        id: s.id.clone(),
                        user_id: s.user_id.clone(),
                        display_name: name(&s.user_id),
                    },
                    None,
                    Some(*s),
                    s.user_id.clone(),
                )
            }
        };
        let match_id = if dry_run {
            None
        } else {
            let m = insert_match(
                conn,
                ctx,
                p,
                Some(run_id),
                a,
                b_request,
                b_supporter,
                &b_user,
                pair.score,
                &pair.reasons,
                users,
                now,
            )
            .await?;
            Some(m.id)
        };
        let (score, reasons) = score::visible(&pair.reasons, None);
        result.pairs.push(RunPair {
            match_id,
            a: RunSide {
                kind: RunSideKind::Request,
                id: a.id.clone(),
                user_id: a.user_id.clone(),
                display_name: name(&a.user_id),
            },
            b: b_side,
            score,
            reasons,
        });
    }
    for u in &planned.unmatched {
        if let Some(r) = requests_by_id.get(u.id.as_str()) {
            result.unmatched.push(RunUnmatched {
                request_id: r.id.clone(),
                user_id: r.user_id.clone(),
                display_name: name(&r.user_id),
                code: Some(u.code),
                reason: u.reason.clone(),
            });
        }
    }
    for f in &planned.free_places {
        if let Some(s) = supporters_by_id.get(f.id.as_str()) {
            result.free_places.push(RunSupporter {
                supporter_id: s.id.clone(),
                user_id: s.user_id.clone(),
                display_name: name(&s.user_id),
                places: f.places as i64,
                unmatchable_reasons: Vec::new(),
                reason: None,
            });
        }
    }
    Ok(result)
}
