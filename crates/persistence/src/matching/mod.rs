//! Matching programmes: settings, supporters, requests, runs, and matches
//! with their consent lifecycle. Sessions, feedback, notes, concerns and
//! complaints live in their own stores and reach a match through
//! [`match_access`].
//!
//! One file per sub-resource; the rules are the domain's
//! ([`peerhub_domain::matching`]): these load, ask the domain, and write.
mod access;
mod answers;
mod matches;
mod pairs;
mod participants;
mod programmes;
mod requests;
mod run;
mod runs;
mod shared;
mod supporters;

pub use access::*;
pub use answers::*;
pub(crate) use matches::{Closing, close};
pub use matches::{
    StoredReason, expire_all, expire_proposals, list_matches, match_reasons, visible_reasons,
    visible_reasons_of,
};
pub use pairs::*;
pub use programmes::*;
pub use requests::*;
pub use run::*;
pub use runs::*;
pub use shared::{open_statuses, pending_statuses};
pub use supporters::*;
