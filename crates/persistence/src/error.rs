//! Use-case failures ([`Failure`]) and storage failures ([`StoreError`]).
use peerhub_domain::{Refusal, Violations};
use sea_orm::{DbErr, RuntimeErr};

/// What a use case ends in when it does not succeed: the domain refused,
/// the server is at a bound, or storage failed. Stores return this; the
/// HTTP layer maps it (crates/http/src/problem.rs).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The domain's rules said no.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The server is at a bound it will not exceed (password hashing);
    /// retry shortly (503).
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Storage failures, and only those.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// Any other database failure (a bug or an unexpected state).
    #[error("database error")]
    Db(#[source] DbErr),
    /// A stored value that does not decode, or a row that breaks an
    /// invariant the schema cannot state.
    #[error("{0}")]
    Internal(String),
}

impl Failure {
    /// The thing does not exist, or the caller may not know it exists.
    pub fn not_found(what: &'static str) -> Self {
        Self::Refused(Refusal::NotFound(what))
    }

    /// True when the domain answered "not found".
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Refused(Refusal::NotFound(_)))
    }

    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Refused(Refusal::invalid(field, code, message))
    }

    /// Several invalid fields.
    pub fn violations(v: Violations) -> Self {
        Self::Refused(Refusal::Invalid(v))
    }

    /// A storage invariant broke (logged as a 500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Store(StoreError::Internal(message.into()))
    }
}

impl From<Violations> for Failure {
    fn from(v: Violations) -> Self {
        Self::violations(v)
    }
}

impl From<DbErr> for Failure {
    fn from(e: DbErr) -> Self {
        Self::Store(StoreError::from(e))
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        if is_unavailable(&e) {
            crate::db::health().mark_down(&e);
            StoreError::Unavailable(e)
        } else {
            StoreError::Db(e)
        }
    }
}

/// True for errors that mean "cannot reach the database" rather than "the
/// statement failed".
pub fn is_unavailable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as SqlxError;
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(se))
        | DbErr::Exec(RuntimeErr::SqlxError(se))
        | DbErr::Query(RuntimeErr::SqlxError(se)) => matches!(
            se.as_ref(),
            SqlxError::Io(_)
                | SqlxError::PoolTimedOut
                | SqlxError::PoolClosed
                | SqlxError::WorkerCrashed
                | SqlxError::Tls(_)
        ),
        DbErr::Conn(_) => true,
        _ => false,
    }
}

/// True when the error is a unique-constraint violation.
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
