//! Data protection: a person's export of everything held about them, and
//! erasure (pseudonymisation) at their request.
//!
//! `export` uses `matching_export`; `erasure` stands alone.
mod erasure;
mod export;
mod matching_export;

pub use erasure::erase;
pub use export::{Export, export};
pub use matching_export::{
    ComplaintRecord, ConcernRecord, FeedbackRecord, MatchRecord, MatchingExport, NoteRecord,
    RequestRecord, SessionRecord, SupporterRecord,
};
