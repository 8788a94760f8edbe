//! Accounts and access: registration, verification, login, tokens, profile, API tokens, user lookup.
