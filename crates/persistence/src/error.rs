//! Store errors: what went wrong, in terms the HTTP layer can map.
use peerhub_domain::Violations;
use sea_orm::{DbErr, RuntimeErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist, or the caller may not know it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input breaks a rule; names the fields.
    #[error("invalid input")]
    Invalid(Violations),
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The caller is known but may not do this.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Credentials missing, wrong or no longer valid.
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Too many attempts; try again later.
    #[error("too many attempts")]
    Throttled { retry_after_secs: u64 },
    /// The server is at a bound it will not exceed (password hashing);
    /// retry shortly.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    /// `If-Match` did not match the current version.
    #[error("version mismatch")]
    Stale { current_version: i32 },
    /// The database could not be reached.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// Any other database failure (a bug or an unexpected state).
    #[error("database error")]
    Db(#[source] DbErr),
    /// Anything else unexpected.
    #[error("{0}")]
    Internal(String),
}

impl StoreError {
    /// `If-Match` check: `Stale` unless `expected` is absent or equals
    /// `current`.
    pub fn check_version(expected: Option<i32>, current: i32) -> Result<(), StoreError> {
        match expected {
            Some(v) if v != current => Err(StoreError::Stale {
                current_version: current,
            }),
            _ => Ok(()),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(Violations::single(
            field,
            peerhub_domain::Invalid::new(code, message),
        ))
    }
}

impl From<Violations> for StoreError {
    fn from(v: Violations) -> Self {
        Self::Invalid(v)
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        if is_unavailable(&e) {
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
