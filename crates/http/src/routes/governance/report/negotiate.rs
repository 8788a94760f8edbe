//! Content negotiation for the report: the representation `Accept` prefers
//! among those offered, or 406 `not-acceptable`.
use actix_web::HttpRequest;
use actix_web::http::{StatusCode, header};

use crate::problem::ApiError;

/// What the report can be answered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    Html,
    Csv,
}

/// Offered types, in the server's order of preference (used on ties).
const OFFERED: [(Representation, &str, &str); 3] = [
    (Representation::Json, "application", "json"),
    (Representation::Html, "text", "html"),
    (Representation::Csv, "text", "csv"),
];

/// Longest `Accept` header read (longer ones are cut; the media ranges
/// that remain decide).
const MAX_ACCEPT: usize = 2048;

/// The representation `req` prefers; JSON without an `Accept` header.
pub fn choose(req: &HttpRequest) -> Result<Representation, ApiError> {
    let values: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return Ok(Representation::Json);
    }
    let mut accept = values.join(",");
    accept.truncate(
        (0..=MAX_ACCEPT.min(accept.len()))
            .rev()
            .find(|i| accept.is_char_boundary(*i))
            .unwrap_or(0),
    );
    preferred(&accept).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-acceptable",
            "This report is offered as application/json, text/csv or text/html.",
        )
    })
}

/// The best offered representation for an `Accept` value: the highest
/// quality (the most specific matching range decides a type's quality),
/// ties broken by [`OFFERED`] order; `None` when every offer has quality 0.
fn preferred(accept: &str) -> Option<Representation> {
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
    let mut chosen: Option<(Representation, f32)> = None;
    for (r, t, s) in OFFERED {
        let q = quality(t, s);
        if q > 0.0 && chosen.is_none_or(|(_, b)| q > b) {
            chosen = Some((r, q));
        }
    }
    chosen.map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Representation::*;

    #[test]
    fn each_offered_type_is_chosen_by_name() {
        assert_eq!(preferred("application/json"), Some(Json));
        assert_eq!(preferred("text/csv"), Some(Csv));
        assert_eq!(preferred("text/html"), Some(Html));
        assert_eq!(preferred("TEXT/HTML; charset=utf-8"), Some(Html));
    }

    #[test]
    fn wildcards_and_ties_prefer_json_then_html() {
        assert_eq!(preferred("*/*"), Some(Json));
        assert_eq!(preferred("text/*"), Some(Html));
        assert_eq!(preferred("text/csv, application/json"), Some(Json));
        // What a browser sends.
        assert_eq!(
            preferred("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Some(Html)
        );
    }

    #[test]
    fn quality_decides() {
        assert_eq!(preferred("application/json;q=0.5, text/csv"), Some(Csv));
        assert_eq!(preferred("text/*;q=0.9, text/csv;q=0.1, */*;q=0.2"), Some(Html));
        assert_eq!(preferred("*/*, application/json;q=0"), Some(Html));
    }

    #[test]
    fn nothing_offered_is_none() {
        assert_eq!(preferred("application/xml"), None);
        assert_eq!(preferred("image/png, text/plain"), None);
        assert_eq!(preferred("text/csv;q=0"), None);
        assert_eq!(preferred("garbage"), None);
        assert_eq!(preferred(""), None);
    }
}
