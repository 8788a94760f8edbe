//! Applications to join a community, the decisions on them, the wait-list
//! and place offers (docs/memberships.md). The rules live in
//! [`peerhub_domain::application`]; these stores load, ask them, and write.
//!
//! Every change runs in one transaction that locks the community row first
//! (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's single writer, taken up
//! front by [`crate::db::begin_write`], serialises them there), so capacity
//! is checked and used under the same lock and a community never exceeds
//! it, whatever runs concurrently.
//!
//! A place counts as taken by an active member or by an unexpired offer, so
//! an approval cannot take a place that was offered to a wait-listed
//! applicant. Filling free places and ending memberships belong to
//! [`crate::memberships`].
mod decide;
mod offers;
mod policy;
mod queue;
mod rows;
mod submit;

pub use decide::{Decided, DecisionInput, decide};
pub use offers::{OfferResult, accept_offer, decline_offer, lapse_expired_offers, withdraw};
pub use policy::{ApplicationNeed, authorize};
pub use queue::{QueueEntry, list_for_community, review_queue};
pub use rows::{applicant_of, checks_of, status_of, verdict_of};
pub use submit::submit;

// Kept for callers that still name them here; they live in
// `crate::memberships` and the domain.
pub use crate::memberships::{Departure, authorize_departure, end_membership};
pub use peerhub_domain::application::{MAX_REASON_CHARS, MAX_STATEMENT_CHARS, OFFER_TTL_DAYS};
pub use peerhub_domain::membership::MAX_REMOVAL_REASON_CHARS;

impl From<peerhub_domain::application::Refusal> for crate::error::Failure {
    fn from(r: peerhub_domain::application::Refusal) -> Self {
        Self::Refused(r.into())
    }
}
