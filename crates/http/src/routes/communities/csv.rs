//! The roster as an RFC 4180 CSV file: content negotiation, cells guarded
//! against formulas, and the keyset-streamed response.
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::{StreamExt, stream};
use peerhub_persistence::rosters::{self, EXPORT_CHUNK, RosterEntry, RosterFilter};
use peerhub_persistence::{Db, PageRequest};

use crate::problem::ApiResult;

/// True when the client prefers `text/csv` to JSON: `text/csv` (or
/// `text/*`) is acceptable with a quality at least that of JSON.
pub(super) fn wants_csv(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    // (type, subtype, q) per media range.
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
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            Some((t.trim().to_owned(), s.trim().to_owned(), q))
        })
        .collect();
    // The most specific range matching type/subtype decides its quality.
    let quality = |t: &str, s: &str, allow_any: bool| -> Option<f32> {
        let mut best: Option<(u8, f32)> = None;
        for (rt, rs, q) in &ranges {
            let specificity = if rt == t && rs == s {
                3
            } else if rt == t && rs == "*" {
                2
            } else if allow_any && rt == "*" && rs == "*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(b, _)| specificity > b) {
                best = Some((specificity, *q));
            }
        }
        best.map(|(_, q)| q)
    };
    let Some(csv) = quality("text", "csv", false).filter(|q| *q > 0.0) else {
        return false;
    };
    let json = quality("application", "json", true).unwrap_or(0.0);
    csv >= json
}

const CSV_HEADER: &str = "user_id,display_name,email,role,status,joined_at,ended_at,updated_at,profession,level,organisation,region\r\n";

/// Appends one RFC 4180 field. Cells a spreadsheet would read as a formula
/// get a leading `'`: see [`peerhub_domain::csv::neutralise`].
fn push_cell(out: &mut String, raw: &str) {
    let guarded = peerhub_domain::csv::neutralise(raw);
    let value: &str = &guarded;
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn time_cell(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn push_row(out: &mut String, e: &RosterEntry) {
    let ended = e.ended_at.as_ref().map(time_cell).unwrap_or_default();
    let cells: [&str; 12] = [
        &e.user_id,
        &e.display_name,
        &e.email,
        &e.role,
        &e.status,
        &time_cell(&e.joined_at),
        &ended,
        &time_cell(&e.updated_at),
        e.profession.as_deref().unwrap_or_default(),
        e.level.as_deref().unwrap_or_default(),
        e.organisation.as_deref().unwrap_or_default(),
        e.region.as_deref().unwrap_or_default(),
    ];
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, c);
    }
    out.push_str("\r\n");
}

fn csv_chunk(rows: &[RosterEntry], with_header: bool) -> Bytes {
    let mut out = String::with_capacity(rows.len() * 160 + CSV_HEADER.len());
    if with_header {
        out.push_str(CSV_HEADER);
    }
    for r in rows {
        push_row(&mut out, r);
    }
    Bytes::from(out)
}

/// What the export stream still has to fetch: the keyset position after
/// the last row sent, or `None` when done.
struct ExportState {
    db: Db,
    community_id: String,
    filter: RosterFilter,
    after: Option<String>,
}

/// Streams the whole roster as CSV, fetching [`EXPORT_CHUNK`] rows at a
/// time by keyset, so memory stays flat however large the community. The
/// first chunk is read before the response starts, so a database failure
/// there is still a proper problem response.
pub(super) async fn csv_response(
    db: Db,
    community_id: String,
    filter: RosterFilter,
) -> ApiResult<HttpResponse> {
    let chunk = |after: Option<String>| PageRequest {
        limit: EXPORT_CHUNK,
        after,
    };
    let first = rosters::list(&db, &community_id, &filter, &chunk(None)).await?;
    let first_bytes = csv_chunk(&first.items, true);
    let filename = format!("community-{community_id}-members.csv");
    let state = ExportState {
        db,
        community_id,
        filter,
        after: first.next_after,
    };
    let rest = stream::unfold(state, move |mut st| async move {
        let after = st.after.take()?;
        match rosters::list(&st.db, &st.community_id, &st.filter, &chunk(Some(after))).await {
            Ok(page) => {
                st.after = page.next_after;
                Some((Ok(csv_chunk(&page.items, false)), st))
            }
            Err(e) => {
                tracing::error!(error = ?e, community_id = %st.community_id, "roster export failed mid-stream");
                Some((
                    Err(std::io::Error::other(
                        "roster export failed; see the server log",
                    )),
                    st,
                ))
            }
        }
    });
    let body = stream::once(async move { Ok::<_, std::io::Error>(first_bytes) }).chain(rest);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .append_header((header::VARY, "Accept"))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn csv(accept: &str) -> bool {
        wants_csv(
            &TestRequest::default()
                .insert_header((header::ACCEPT, accept))
                .to_http_request(),
        )
    }

    #[test]
    fn negotiation() {
        assert!(csv("text/csv"));
        assert!(csv("text/csv, application/json"));
        assert!(csv("application/json, text/csv"));
        assert!(csv("text/csv;q=0.9, application/json;q=0.9"));
        assert!(csv("text/*, */*;q=0.1"));
        assert!(!csv("text/csv;q=0.5, application/json"));
        assert!(!csv("text/csv;q=0"));
        assert!(!csv("*/*"));
        assert!(!csv("application/json"));
        assert!(!wants_csv(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn cells_are_quoted_and_guarded() {
        let mut s = String::new();
        push_cell(&mut s, "Doe, \"Jo\"");
        assert_eq!(s, "\"Doe, \"\"Jo\"\"\"");
        for (raw, want) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@cmd", "'@cmd"),
            ("plain", "plain"),
            ("a\r\nb", "\"a\r\nb\""),
            ("=1,2", "\"'=1,2\""),
        ] {
            let mut s = String::new();
            push_cell(&mut s, raw);
            assert_eq!(s, want, "{raw}");
        }
    }
}
