//! PeerHub persistence: sea-orm entities, connection setup and one store per
//! aggregate. A store method that changes data runs one transaction: load →
//! ask the domain to decide → write the change, its audit entry and its
//! outbox event → commit.

pub mod access;
pub mod account_control;
pub mod accounts;
pub mod admins;
pub mod api_tokens;
pub mod applications;
pub mod audit;
pub mod caller;
pub mod communities;
pub mod complaints;
pub mod concerns;
pub mod db;
pub mod delivered_retention;
pub mod entities;
pub mod error;
pub mod governance;
pub mod housekeeping;
pub mod idempotency;
pub mod invitations;
pub mod links;
mod load;
pub mod match_notes;
pub mod match_sessions;
pub mod matching;
pub mod meetings;
pub mod memberships;
mod memo;
pub mod minutes;
pub mod networks;
pub mod notifications;
pub mod outbox;
pub mod page;
pub mod privacy;
pub mod proposals;
pub mod retention;
pub mod rosters;
pub mod secrets;
pub mod sessions;
pub mod stored;
pub mod trail;
pub mod webhooks;

pub use db::{Db, DbOptions, connect, migrate};
pub use error::{Failure, StoreError};
pub use page::{Page, PageRequest};
pub use trail::Ctx;

pub use sea_orm;
