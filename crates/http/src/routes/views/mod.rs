//! What several route modules show or share: response views, `ETag`
//! responses and the example ids of the OpenAPI document. Views import
//! nothing from the route modules, so the route modules never need to
//! import each other for them.
use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::extract::etag;

pub mod matches;
pub mod meetings;

/// Example UUIDs used in the OpenAPI document.
pub const EX_NETWORK_ID: &str = "0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e";
pub const EX_USER_ID: &str = "0193a6f2-2222-7b3a-9d4e-2f1a0b9c8d7e";
pub const EX_COMMUNITY_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";
pub const EX_MEETING_ID: &str = "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e";
pub const EX_PROGRAMME_ID: &str = "0193a6f2-8888-7b3a-9d4e-2f1a0b9c8d7e";
pub const EX_REQUEST_ID: &str = "0193a6f2-aaaa-7b3a-9d4e-2f1a0b9c8d7e";
pub const EX_MATCH_ID: &str = "0193a6f2-abcd-7b3a-9d4e-2f1a0b9c8d7e";

/// A response with the resource's version as its `ETag` and, when given, a
/// `Location`.
pub fn with_etag(
    status: StatusCode,
    version: i32,
    location: Option<String>,
) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::build(status);
    r.insert_header(("ETag", etag(version)));
    if let Some(l) = location {
        r.insert_header(("Location", l));
    }
    r
}
