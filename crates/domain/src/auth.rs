//! Signing in: who may log in, and the refusals of registration, login,
//! re-authentication and refresh (docs/api-guide.md lists the codes).
use crate::account::UserStatus;

/// Why signing in (or registering) was refused. Owns the problem codes and
/// messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthRefusal {
    /// 409 `email-taken`.
    EmailTaken,
    /// The address is outside the network's allowed domains (403
    /// `invitation-required`).
    InvitationRequired,
    /// Unknown email or wrong password: one answer for both (401
    /// `invalid-credentials`).
    InvalidCredentials,
    /// Accepting an invitation for an existing account with a wrong
    /// password (401 `invalid-credentials`).
    InvitationPasswordWrong,
    /// 403 `email-not-verified`.
    EmailNotVerified,
    /// Disabled or erased (403 `account-disabled`).
    AccountDisabled,
    /// The current password given for a sensitive change is wrong (403
    /// `reauthentication-failed`).
    ReauthenticationFailed,
    /// 401 `invalid-refresh-token`.
    InvalidRefreshToken,
    /// A bearer token that does not verify, has expired, or no longer
    /// admits its account ([`session_admits`]): 401 `invalid-token`.
    InvalidToken,
}

impl AuthRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::EmailTaken => "email-taken",
            Self::InvitationRequired => "invitation-required",
            Self::InvalidCredentials | Self::InvitationPasswordWrong => "invalid-credentials",
            Self::EmailNotVerified => "email-not-verified",
            Self::AccountDisabled => "account-disabled",
            Self::ReauthenticationFailed => "reauthentication-failed",
            Self::InvalidRefreshToken => "invalid-refresh-token",
            Self::InvalidToken => "invalid-token",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::EmailTaken => "an account with this email already exists",
            Self::InvitationRequired => {
                "this network accepts self-registration only from its allowed email domains; ask a network manager for an invitation"
            }
            Self::InvalidCredentials => "email or password is incorrect",
            Self::InvitationPasswordWrong => {
                "an account with this email exists; give its password to accept"
            }
            Self::EmailNotVerified => "verify your email address before logging in",
            Self::AccountDisabled => "this account is disabled",
            Self::ReauthenticationFailed => "the current password is incorrect",
            Self::InvalidRefreshToken => "the refresh token is unknown, expired or revoked",
            Self::InvalidToken => "the bearer token is invalid or expired",
        }
    }
}

impl From<AuthRefusal> for crate::Refusal {
    fn from(r: AuthRefusal) -> Self {
        use AuthRefusal::*;
        match r {
            EmailTaken => crate::Refusal::conflict(r.code(), r.message()),
            InvalidCredentials | InvitationPasswordWrong | InvalidRefreshToken | InvalidToken => {
                crate::Refusal::unauthorized(r.code(), r.message())
            }
            InvitationRequired | EmailNotVerified | AccountDisabled | ReauthenticationFailed => {
                crate::Refusal::forbidden(r.code(), r.message())
            }
        }
    }
}

/// Whether an account in `status` may log in (after its password checked
/// out): active only.
pub fn may_log_in(status: UserStatus) -> Result<(), AuthRefusal> {
    match status {
        UserStatus::Active => Ok(()),
        UserStatus::PendingVerification => Err(AuthRefusal::EmailNotVerified),
        UserStatus::Disabled | UserStatus::Erased => Err(AuthRefusal::AccountDisabled),
    }
}

/// What a verified access token says: whose it is and when it was issued
/// (to the millisecond). Its signature, issuer, audience and lifetime are
/// checked before one is made; whether the account still accepts it is
/// [`session_admits`], decided on the account row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClaim {
    pub user_id: String,
    pub issued_at_ms: i64,
}

/// Whether an access token issued at `issued_at_ms` still admits its
/// account: the account is active, and no "log out everywhere", password
/// change or reset (`sessions_valid_after_ms`) came after the token.
pub fn session_admits(
    status: UserStatus,
    sessions_valid_after_ms: Option<i64>,
    issued_at_ms: i64,
) -> Result<(), AuthRefusal> {
    if status != UserStatus::Active
        || sessions_valid_after_ms.is_some_and(|after| issued_at_ms < after)
    {
        return Err(AuthRefusal::InvalidToken);
    }
    Ok(())
}

/// Whether an existing account in `status` may join a network by
/// accepting an invitation: not a disabled one.
pub fn may_accept_invitation(status: UserStatus) -> Result<(), AuthRefusal> {
    if status == UserStatus::Disabled {
        Err(AuthRefusal::AccountDisabled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Refusal;

    #[test]
    fn only_active_accounts_log_in() {
        for &s in UserStatus::ALL {
            let expected = match s {
                UserStatus::Active => Ok(()),
                UserStatus::PendingVerification => Err(AuthRefusal::EmailNotVerified),
                _ => Err(AuthRefusal::AccountDisabled),
            };
            assert_eq!(may_log_in(s), expected, "{s:?}");
        }
    }

    #[test]
    fn a_session_admits_only_an_active_account_not_cut_off_after_it() {
        for &s in UserStatus::ALL {
            assert_eq!(
                session_admits(s, None, 1_000).is_ok(),
                s == UserStatus::Active,
                "{s:?}"
            );
        }
        let active = UserStatus::Active;
        // Issued before the cut-off: refused; at or after it: admitted.
        assert_eq!(
            session_admits(active, Some(1_001), 1_000),
            Err(AuthRefusal::InvalidToken)
        );
        assert_eq!(session_admits(active, Some(1_000), 1_000), Ok(()));
        assert_eq!(session_admits(active, Some(999), 1_000), Ok(()));
        assert_eq!(
            Refusal::from(AuthRefusal::InvalidToken),
            Refusal::unauthorized("invalid-token", "the bearer token is invalid or expired")
        );
    }

    #[test]
    fn disabled_accounts_cannot_accept_invitations() {
        for &s in UserStatus::ALL {
            assert_eq!(
                may_accept_invitation(s).is_err(),
                s == UserStatus::Disabled,
                "{s:?}"
            );
        }
    }

    #[test]
    fn refusals_keep_codes_messages_and_kinds() {
        assert_eq!(
            Refusal::from(AuthRefusal::EmailTaken),
            Refusal::conflict("email-taken", "an account with this email already exists")
        );
        assert_eq!(
            Refusal::from(AuthRefusal::InvalidCredentials),
            Refusal::unauthorized("invalid-credentials", "email or password is incorrect")
        );
        assert_eq!(
            Refusal::from(AuthRefusal::InvalidRefreshToken),
            Refusal::unauthorized(
                "invalid-refresh-token",
                "the refresh token is unknown, expired or revoked"
            )
        );
        assert_eq!(
            Refusal::from(AuthRefusal::AccountDisabled),
            Refusal::forbidden("account-disabled", "this account is disabled")
        );
        assert_eq!(
            Refusal::from(AuthRefusal::ReauthenticationFailed),
            Refusal::forbidden(
                "reauthentication-failed",
                "the current password is incorrect"
            )
        );
        assert!(matches!(
            Refusal::from(AuthRefusal::InvitationRequired),
            Refusal::Forbidden {
                code: "invitation-required",
                ..
            }
        ));
        assert!(matches!(
            Refusal::from(AuthRefusal::EmailNotVerified),
            Refusal::Forbidden {
                code: "email-not-verified",
                ..
            }
        ));
        assert!(matches!(
            Refusal::from(AuthRefusal::InvitationPasswordWrong),
            Refusal::Unauthorized {
                code: "invalid-credentials",
                ..
            }
        ));
    }
}
