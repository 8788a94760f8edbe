//! The report's representations, chosen by `Accept` through
//! [`crate::negotiate`] (406 `not-acceptable` for anything else).
use actix_web::HttpRequest;

use crate::problem::ApiError;

/// What the report can be answered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    Html,
    Csv,
}

/// Offered types, in the server's order of preference (used on ties).
const OFFERED: [&str; 3] = ["application/json", "text/html", "text/csv"];

/// The representation `req` prefers ([`crate::negotiate::choose`]); JSON
/// without an `Accept` header.
pub fn choose(req: &HttpRequest) -> Result<Representation, ApiError> {
    Ok(match crate::negotiate::choose(req, &OFFERED)? {
        "text/html" => Representation::Html,
        "text/csv" => Representation::Csv,
        _ => Representation::Json,
    })
}
