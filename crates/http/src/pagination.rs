//! Cursor pagination: `?limit=&cursor=`, `{items, next_cursor}` and an
//! RFC 8288 `Link: <…>; rel="next"` header.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use peerhub_persistence::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::problem::ApiError;
use crate::state::AppState;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Pagination query parameters, shared by every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    a: String,
}

pub fn encode_cursor(after: &str) -> String {
    let json = serde_json::to_vec(&Cursor {
        a: after.to_owned(),
    })
    .unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

impl PageQuery {
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => {
                let bad = || {
                    ApiError::field(
                        "cursor",
                        "invalid_cursor",
                        "is not a cursor this API returned",
                    )
                };
                let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c.trim())
                    .map_err(|_| bad())?;
                let cur: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
                if cur.a.len() > 64 {
                    return Err(bad());
                }
                Some(cur.a)
            }
        };
        Ok(PageRequest {
            limit: limit as u64,
            after,
        })
    }
}

/// Maps every item of a page with a fallible conversion: the first item
/// that does not convert (a stored value the API does not know) fails the
/// whole answer.
pub fn try_page<M, T>(
    page: Page<M>,
    f: impl FnMut(M) -> Result<T, ApiError>,
) -> Result<Page<T>, ApiError> {
    Ok(Page {
        items: page.items.into_iter().map(f).collect::<Result<_, _>>()?,
        next_after: page.next_after,
    })
}

/// A page as returned by the API.
#[derive(Debug, Serialize)]
pub struct PageBody<T: Serialize> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Builds the list response: body plus a `Link` header to the next page.
pub fn page_response<M, T: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    page: Page<M>,
    f: impl FnMut(M) -> T,
) -> HttpResponse {
    let next_cursor = page.next_after.as_deref().map(encode_cursor);
    let body = PageBody {
        items: page.items.into_iter().map(f).collect(),
        next_cursor: next_cursor.clone(),
    };
    let mut res = HttpResponse::Ok();
    if let Some(c) = next_cursor {
        res.insert_header((
            header::LINK,
            format!("<{}>; rel=\"next\"", next_url(req, state, &c)),
        ));
    }
    res.json(body)
}

fn next_url(req: &HttpRequest, state: &AppState, cursor: &str) -> String {
    let base = state.settings.public_base_url.trim_end_matches('/');
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "cursor" {
            ser.append_pair(&k, &v);
        }
    }
    ser.append_pair("cursor", cursor);
    format!("{base}{}?{}", req.path(), ser.finish())
}

/// Declares a concrete page schema `Name { items: [Item], next_cursor }`.
#[macro_export]
macro_rules! page_schema {
    ($name:ident, $item:ty) => {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Cursor for the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_limits() {
        let q = PageQuery {
            limit: Some(10),
            cursor: Some(encode_cursor("abc")),
        };
        let r = q.to_request().unwrap();
        assert_eq!(r.after.as_deref(), Some("abc"));
        assert_eq!(r.limit, 10);
        assert!(
            PageQuery {
                limit: Some(0),
                cursor: None
            }
            .to_request()
            .is_err()
        );
        assert!(
            PageQuery {
                limit: Some(201),
                cursor: None
            }
            .to_request()
            .is_err()
        );
        assert!(
            PageQuery {
                limit: None,
                cursor: Some("!!".into())
            }
            .to_request()
            .is_err()
        );
    }
}
