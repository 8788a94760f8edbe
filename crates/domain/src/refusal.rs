//! Why a use case refused: the one error vocabulary of the domain.
//!
//! Each aggregate's rules return their own typed refusal (for example
//! [`crate::matching::lifecycle::Refusal`]); each converts into this enum,
//! which names the kind of refusal, its problem code and a plain-English
//! message. The HTTP layer maps the kinds to statuses in one place
//! (`crates/http/src/problem.rs`); docs/api-guide.md lists every code.
use crate::validation::{Invalid, Violations};

/// A refusal: the request is understood, and the rules say no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The thing does not exist, or the caller may not know it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input breaks a rule; names the fields.
    #[error("invalid input")]
    Invalid(Violations),
    /// The request conflicts with the current state (409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A state change the workflow does not allow (409), naming the states
    /// allowed next (the problem's `allowed` member).
    #[error("{message}")]
    Transition {
        code: &'static str,
        message: String,
        allowed: Vec<&'static str>,
    },
    /// The caller is known but may not do this (403).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Credentials missing, wrong or no longer valid (401).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Too many failed attempts; try again later (429).
    #[error("too many attempts")]
    Throttled { retry_after_secs: u64 },
    /// `If-Match` named a version that is no longer current (412).
    #[error("version mismatch")]
    Stale { current_version: i32 },
}

impl Refusal {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn transition(
        code: &'static str,
        message: impl Into<String>,
        allowed: Vec<&'static str>,
    ) -> Self {
        Self::Transition {
            code,
            message: message.into(),
            allowed,
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

    /// One invalid field.
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(Violations::single(field, Invalid::new(code, message)))
    }

    /// The optimistic-concurrency rule: `If-Match` (when given) must name
    /// the current version.
    pub fn check_version(expected: Option<i32>, current: i32) -> Result<(), Refusal> {
        match expected {
            Some(v) if v != current => Err(Refusal::Stale {
                current_version: current,
            }),
            _ => Ok(()),
        }
    }
}

impl From<Violations> for Refusal {
    fn from(v: Violations) -> Self {
        Self::Invalid(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_current_version_passes() {
        assert_eq!(Refusal::check_version(None, 3), Ok(()));
        assert_eq!(Refusal::check_version(Some(3), 3), Ok(()));
    }

    #[test]
    fn an_old_version_is_stale_and_names_the_current_one() {
        assert_eq!(
            Refusal::check_version(Some(2), 3),
            Err(Refusal::Stale { current_version: 3 })
        );
    }

    #[test]
    fn one_invalid_field_is_named() {
        let Refusal::Invalid(v) = Refusal::invalid("name", "too_long", "at most 3") else {
            panic!("not invalid");
        };
        assert_eq!(v.0[0].field, "name");
        assert_eq!(v.0[0].code, "too_long");
    }
}
