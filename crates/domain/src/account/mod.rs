//! People, credentials and roles.
//!
//! One file per concern: `email` (addresses, domains, invisible
//! characters), `password` (the password policy), `name` (display names,
//! using `email`'s invisible-character test), `status` (closed sets) and
//! `notice` (the wording of account emails).
mod email;
mod name;
pub mod notice;
mod password;
mod status;

pub use email::{Email, domain_allowed, is_invisible, parse_domain};
pub use name::parse_display_name;
pub use password::{
    PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, PASSWORD_MIN_SCORE, PASSWORD_RULE, check_new_password,
    check_password,
};
pub use status::{ApiTokenScope, NetworkRole, RegistrationStatus, TokenType, UserStatus};
