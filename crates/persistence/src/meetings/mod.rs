//! Meetings of a community: single meetings and series, agenda, who is
//! invited, RSVPs, attendance, and personal calendar feeds.
//!
//! Invitations are not stored: the people invited to a meeting are the
//! members whose membership covered its start. For a meeting still to come
//! that is exactly the current members, so people who join are invited to
//! every future meeting and people who leave drop out of them, while a past
//! meeting keeps the people who were members when it took place.
mod attendance;
mod detail;
mod feeds;
mod listing;
mod responses;
mod schedule;
mod series;
mod store;

pub use self::attendance::*;
pub use self::detail::*;
pub use self::feeds::*;
pub use self::listing::*;
pub use self::responses::*;
pub use self::schedule::*;
pub use self::series::*;
pub use self::store::*;

impl From<peerhub_domain::meeting::lifecycle::MeetingRefusal> for crate::error::Failure {
    fn from(r: peerhub_domain::meeting::lifecycle::MeetingRefusal) -> Self {
        peerhub_domain::Refusal::from(r).into()
    }
}
