//! Accounts: admin bootstrap, self-registration, verification, login with
//! throttling, password reset and change, profile.
//!
//! One file per sub-resource; siblings import only from files below them
//! (`records` ← `registration`, `verification`, `login` ← `password`), so
//! no two files import each other.
use peerhub_domain::auth::AuthRefusal;

use crate::error::Failure;

mod login;
mod password;
mod profile;
mod records;
mod registration;
mod verification;

pub use peerhub_domain::lockout::{LOCKOUT_MINUTES, MAX_FAILED_LOGINS, THROTTLE_WINDOW_MINUTES};

pub(crate) use login::checked_password;
pub use login::{login, logout_all, reauthenticate, throttle_key};
pub use password::{
    RESET_TTL_MINUTES, change_password, confirm_password_reset, request_password_reset,
};
pub use profile::update_profile;
pub use records::{
    find_by_email, find_in_network, get, json_to_list, memberships, sensitive_of, user_status_of,
};
pub(crate) use records::{list_to_json, new_membership, new_user};
pub use registration::{Registered, Registration, VERIFICATION_TTL_HOURS, create_admin, register};
pub use verification::verify_email;

impl From<AuthRefusal> for Failure {
    fn from(r: AuthRefusal) -> Self {
        Self::Refused(r.into())
    }
}
