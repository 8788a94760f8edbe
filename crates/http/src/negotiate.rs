//! Content negotiation for resources offered in several media types (the
//! governance report, the bulletin, the audit trail): the client's `Accept` picks one of
//! the offered types, and a request that accepts none of them is answered
//! with 406 `not-acceptable`, naming the types offered.
use actix_web::HttpRequest;
use actix_web::http::{StatusCode, header};

use crate::problem::ApiError;

/// Longest `Accept` header read (longer ones are cut; the media ranges
/// that remain decide).
const MAX_ACCEPT: usize = 2048;

/// The offered media type (`type/subtype`, lowercase, the server's order
/// of preference) the client prefers. No `Accept` header picks the first
/// offered; otherwise [`preferred`] decides, and a request that accepts
/// none of them is 406 `not-acceptable`, naming those offered.
pub fn choose(req: &HttpRequest, offered: &[&'static str]) -> Result<&'static str, ApiError> {
    let values: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect();
    let Some(first) = offered.first().copied() else {
        return Err(ApiError::Internal(anyhow::anyhow!("nothing offered")));
    };
    if values.is_empty() {
        return Ok(first);
    }
    let mut accept = values.join(",");
    accept.truncate(
        (0..=MAX_ACCEPT.min(accept.len()))
            .rev()
            .find(|i| accept.is_char_boundary(*i))
            .unwrap_or(0),
    );
    preferred(&accept, offered).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-acceptable",
            format!(
                "This resource is offered as {}; the Accept header allows none of them.",
                offered.join(", ")
            ),
        )
    })
}

/// The best offered type for an `Accept` value (RFC 9110 section 12.5.1):
/// each offer's quality is that of the most specific range matching it
/// (`type/subtype` over `type/*` over `*/*`); the highest quality wins,
/// ties go to the earlier offer; `None` when every offer has quality 0.
/// Parameters other than `q` are ignored.
pub fn preferred(accept: &str, offered: &[&'static str]) -> Option<&'static str> {
    let ranges: Vec<(String, String, f32)> = accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let mime = parts.next()?.trim().to_ascii_lowercase();
            let (t, s) = mime.split_once('/')?;
            let mut q = 1.0_f32;
            for p in parts {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0);
                }
            }
            Some((t.trim().to_owned(), s.trim().to_owned(), q))
        })
        .collect();
    let quality = |t: &str, s: &str| -> f32 {
        let mut best: Option<(u8, f32)> = None;
        for (rt, rs, q) in &ranges {
            let specificity = if rt == t && rs == s {
                3
            } else if rt == t && rs == "*" {
                2
            } else if rt == "*" && rs == "*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(b, _)| specificity > b) {
                best = Some((specificity, *q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    let mut chosen: Option<(&'static str, f32)> = None;
    for m in offered {
        let (t, s) = m.split_once('/').unwrap_or((m, ""));
        let q = quality(t, s);
        if q > 0.0 && chosen.is_none_or(|(_, b)| q > b) {
            chosen = Some((m, q));
        }
    }
    chosen.map(|(m, _)| m)
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
    fn the_most_specific_range_gives_a_type_its_quality() {
        const R: &[&str] = &["application/json", "text/html", "text/csv"];
        assert_eq!(preferred("TEXT/HTML; charset=utf-8", R), Some("text/html"));
        assert_eq!(
            preferred("text/csv, application/json", R),
            Some("application/json")
        );
        // What a browser sends.
        assert_eq!(
            preferred(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                R
            ),
            Some("text/html")
        );
        assert_eq!(
            preferred("text/*;q=0.9, text/csv;q=0.1, */*;q=0.2", R),
            Some("text/html")
        );
        assert_eq!(preferred("*/*, application/json;q=0", R), Some("text/html"));
        assert_eq!(preferred("garbage", R), None);
        assert_eq!(preferred("", R), None);
    }

    #[test]
    fn nothing_acceptable_is_406() {
        assert_eq!(pick(Some("application/xml")), Err(406));
        assert_eq!(pick(Some("text/csv;q=0")), Err(406));
        assert_eq!(pick(Some("image/*")), Err(406));
    }
}
