//! Content negotiation for resources offered in several media types (the
//! governance report, the bulletin): the client's `Accept` picks one of
//! the offered types, and a request that accepts none of them is answered
//! with 406 `not-acceptable`, naming the types offered.
use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::{Accept, Header, Quality};

use crate::problem::ApiError;

/// The offered media type (`type/subtype`, lowercase) the client prefers.
/// No `Accept` header, or `*/*`, picks the first offered; `text/*` picks
/// the first offered text type. Parameters other than `q` are ignored, and
/// `q=0` rules a type out. A header that does not parse is treated like
/// none, as RFC 9110 allows.
pub fn choose(req: &HttpRequest, offered: &[&'static str]) -> Result<&'static str, ApiError> {
    let Some(first) = offered.first().copied() else {
        return Err(ApiError::Internal(anyhow::anyhow!("nothing offered")));
    };
    if req.headers().get(actix_web::http::header::ACCEPT).is_none() {
        return Ok(first);
    }
    let Ok(accept) = Accept::parse(req) else {
        return Ok(first);
    };
    // Highest quality first; for equal quality, the more specific range
    // wins (RFC 9110 section 12.5.1).
    let mut ranges: Vec<(Quality, u8, String, String)> = accept
        .0
        .iter()
        .map(|q| {
            let quality = q.quality;
            let t = q.item.type_().as_str().to_ascii_lowercase();
            let s = q.item.subtype().as_str().to_ascii_lowercase();
            let specific = u8::from(t != "*") + u8::from(s != "*");
            (quality, specific, t, s)
        })
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let excluded = |m: &str| {
        ranges
            .iter()
            .any(|(q, _, t, s)| *q == Quality::ZERO && format!("{t}/{s}") == m)
    };
    for (q, _, t, s) in &ranges {
        if *q == Quality::ZERO {
            continue;
        }
        let hit = offered.iter().copied().find(|m| {
            let (ot, os) = m.split_once('/').unwrap_or((m, ""));
            (t == "*" || t == ot) && (s == "*" || s == os) && !excluded(m)
        });
        if let Some(m) = hit {
            return Ok(m);
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "not-acceptable",
        format!(
            "This resource is offered as {}; the Accept header allows none of them.",
            offered.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const OFFERED: &[&str] = &["application/json", "text/csv", "text/html"];

    fn pick(accept: Option<&str>) -> Result<&'static str, u16> {
        let mut r = TestRequest::default();
        if let Some(a) = accept {
            r = r.insert_header(("Accept", a));
        }
        choose(&r.to_http_request(), OFFERED).map_err(|e| e.to_problem().status)
    }

    #[test]
    fn picks_the_preferred_offered_type() {
        assert_eq!(pick(None), Ok("application/json"));
        assert_eq!(pick(Some("*/*")), Ok("application/json"));
        assert_eq!(pick(Some("text/csv")), Ok("text/csv"));
        assert_eq!(pick(Some("TEXT/HTML")), Ok("text/html"));
        assert_eq!(pick(Some("text/*")), Ok("text/csv"));
        assert_eq!(
            pick(Some("text/html, application/json;q=0.9")),
            Ok("text/html")
        );
        assert_eq!(
            pick(Some("application/json;q=0.5, text/csv")),
            Ok("text/csv")
        );
        assert_eq!(pick(Some("text/*;q=0.8, text/html")), Ok("text/html"));
        assert_eq!(pick(Some("*/*, text/csv;q=0")), Ok("application/json"));
        assert_eq!(pick(Some("text/*, text/csv;q=0")), Ok("text/html"));
    }

    #[test]
    fn nothing_acceptable_is_406() {
        assert_eq!(pick(Some("application/xml")), Err(406));
        assert_eq!(pick(Some("text/csv;q=0")), Err(406));
        assert_eq!(pick(Some("image/*")), Err(406));
    }
}
