//! Account statuses, network roles, API token scopes and token types.

crate::closed_set!(
    /// Where an account stands: `pending_verification` until the email
    /// address is proven, then `active`; a platform admin may make it
    /// `disabled` (and `active` again); `erased` at the person's request
    /// (pseudonymised, cannot log in).
    UserStatus {
        PendingVerification => "pending_verification",
        Active => "active",
        Disabled => "disabled",
        /// Erased at the person's request: pseudonymised, cannot log in.
        Erased => "erased",
    }
);

impl UserStatus {
    /// Whether a password reset may be asked for and completed: an active
    /// account, or one still proving its mailbox (the reset proves it, as
    /// verification does); never a disabled or erased one.
    pub fn may_reset_password(self) -> bool {
        matches!(self, UserStatus::Active | UserStatus::PendingVerification)
    }
}

crate::closed_set!(
    /// A person's role within one network. A manager outranks a member
    /// (the order of the variants).
    NetworkRole { Member => "member", Manager => "manager" }
);

crate::closed_set!(
    /// What an API token may do. Tokens act for their owner, limited to
    /// these; each operation that accepts tokens names the scope it needs.
    ApiTokenScope {
        MembershipsRead => "memberships:read",
        ReportsRead => "reports:read",
        UsersRead => "users:read",
        NetworksRead => "networks:read",
        MetricsRead => "metrics:read",
    }
);

crate::closed_set!(
    /// The state a registration leaves the account in: always
    /// `pending_verification` (the same answer whether or not the address
    /// already has an account).
    RegistrationStatus { PendingVerification => "pending_verification" }
);

crate::closed_set!(
    /// How to present an access token: always `Bearer` (RFC 6750), in
    /// `Authorization: Bearer <token>`.
    TokenType { Bearer => "Bearer" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for s in ApiTokenScope::ALL {
            assert_eq!(ApiTokenScope::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ApiTokenScope::parse("admin"), None);
        assert_eq!(
            serde_json::to_string(&ApiTokenScope::UsersRead).unwrap(),
            "\"users:read\""
        );
    }

    #[test]
    fn only_active_and_unverified_accounts_reset_their_password() {
        for &s in UserStatus::ALL {
            assert_eq!(
                s.may_reset_password(),
                matches!(s, UserStatus::Active | UserStatus::PendingVerification),
                "{s:?}"
            );
        }
        assert!(!UserStatus::Disabled.may_reset_password());
        assert!(!UserStatus::Erased.may_reset_password());
    }

    #[test]
    fn account_codes_are_the_stored_and_wire_forms() {
        assert_eq!(
            UserStatus::parse("pending_verification"),
            Some(UserStatus::PendingVerification)
        );
        assert_eq!(UserStatus::Erased.as_str(), "erased");
        assert_eq!(UserStatus::parse("Active"), None);
        // Raising a role compares variants: a manager outranks a member.
        assert!(NetworkRole::Manager > NetworkRole::Member);
        assert_eq!(
            NetworkRole::parse_field("owner").unwrap_err().message,
            "must be one of member, manager"
        );
        assert_eq!(
            serde_json::to_string(&TokenType::Bearer).unwrap(),
            "\"Bearer\""
        );
        assert_eq!(
            RegistrationStatus::PendingVerification.as_str(),
            UserStatus::PendingVerification.as_str()
        );
    }
}
