//! Minutes ("notes with actions") and the actions they record.
//!
//! The working copy lives in `minutes` (draft → submitted → published);
//! each approval stores the approved text in `minutes_revisions` and
//! publishes it. Editing published minutes starts the next revision as a
//! draft while members keep seeing the last approved one.
mod actions;
mod store;
mod workflow;

pub use self::actions::*;
pub use self::store::*;
pub use self::workflow::*;

impl From<peerhub_domain::minutes::MinutesRefusal> for crate::error::Failure {
    fn from(r: peerhub_domain::minutes::MinutesRefusal) -> Self {
        peerhub_domain::Refusal::from(r).into()
    }
}
