//! Reading the audit trail (`GET /v1/audit-events`, docs/integrations.md,
//! "Read the audit trail"): which filters a query may carry and how each
//! is checked, whose entries a caller may ask for, the keyset position that
//! pages the trail newest first, and the shape of one CSV row.
//!
//! Entries are append-only and hold the *names* of the fields that changed,
//! never their values (docs/decisions.md, "Audit trail"), so nothing here
//! ever sees note text or concern details.
use chrono::{DateTime, SecondsFormat, Utc};

use crate::validation::{Invalid, Violations};

/// Longest `entity_type` filter: a slug of `[a-z_]`.
pub const ENTITY_TYPE_MAX: usize = 50;
/// Longest `action` filter: `[a-z_.]`, e.g. `minutes.approved`.
pub const ACTION_MAX: usize = 80;

/// The filters of one query, as received (each `None` when absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawFilter<'a> {
    pub network_id: Option<&'a str>,
    pub entity_type: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub action: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// The checked filters: ids are hyphenated lowercase UUIDs, `from` is
/// inclusive and `to` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub network_id: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Whose entries a query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The entries stamped with this network.
    Network(String),
    /// Every entry, including those of no network (sign-ins, account
    /// changes): platform admins only.
    All,
}

fn uuid(raw: &str) -> Result<String, Invalid> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| Invalid::new("invalid_uuid", "must be a UUID"))
}

fn pattern(
    raw: &str,
    max: usize,
    allowed: fn(char) -> bool,
    what: &str,
) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > max || !s.chars().all(allowed) {
        return Err(Invalid::new(
            "invalid_format",
            format!("must be 1 to {max} characters of {what}"),
        ));
    }
    Ok(s.to_owned())
}

/// An `entity_type` filter: `[a-z_]{1,50}`, e.g. `minutes`.
pub fn parse_entity_type(raw: &str) -> Result<String, Invalid> {
    pattern(
        raw,
        ENTITY_TYPE_MAX,
        |c| c.is_ascii_lowercase() || c == '_',
        "a-z and _",
    )
}

/// An `action` filter: `[a-z_.]{1,80}`, e.g. `minutes.approved`.
pub fn parse_action(raw: &str) -> Result<String, Invalid> {
    pattern(
        raw,
        ACTION_MAX,
        |c| c.is_ascii_lowercase() || c == '_' || c == '.',
        "a-z, _ and .",
    )
}

/// An RFC 3339 date-time. An unencoded `+` in a query string arrives as a
/// space, so `…T09:00:00 01:00` is read as `…T09:00:00+01:00`.
pub fn parse_time(raw: &str) -> Result<DateTime<Utc>, Invalid> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc3339(&raw.replace(' ', "+")))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Invalid::new(
                "invalid_datetime",
                "must be an RFC 3339 date-time, e.g. 2026-12-01T00:00:00Z",
            )
        })
}

impl Filter {
    /// Checks every filter, naming each one that is wrong: ids must be
    /// UUIDs, `entity_type` and `action` bounded slugs, `from` and `to`
    /// RFC 3339 date-times with `from` not after `to`.
    pub fn parse(raw: &RawFilter<'_>) -> Result<Filter, Violations> {
        let mut v = Violations::new();
        let id = |field: &str, r: Option<&str>, v: &mut Violations| {
            r.and_then(|r| v.check(field, uuid(r)))
        };
        let network_id = id("network_id", raw.network_id, &mut v);
        let entity_id = id("entity_id", raw.entity_id, &mut v);
        let actor_id = id("actor_id", raw.actor_id, &mut v);
        let entity_type = raw
            .entity_type
            .and_then(|r| v.check("entity_type", parse_entity_type(r)));
        let action = raw.action.and_then(|r| v.check("action", parse_action(r)));
        let from = raw.from.and_then(|r| v.check("from", parse_time(r)));
        let to = raw.to.and_then(|r| v.check("to", parse_time(r)));
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            v.add("from", Invalid::new("after_to", "must not be after `to`"));
        }
        v.into_result()?;
        Ok(Filter {
            network_id,
            entity_type,
            entity_id,
            actor_id,
            action,
            from,
            to,
        })
    }

    /// Whose entries this query reads: the named network; with none named,
    /// everything for a platform admin, and for anyone else a 422 naming
    /// `network_id` (a manager reads one network at a time). Whether the
    /// caller may read that network is the access policy's question
    /// ([`crate::access::decide`] with [`crate::access::Need::Manager`]).
    pub fn scope(&self, is_platform_admin: bool) -> Result<Scope, Violations> {
        match (&self.network_id, is_platform_admin) {
            (Some(n), _) => Ok(Scope::Network(n.clone())),
            (None, true) => Ok(Scope::All),
            (None, false) => Err(Violations::single(
                "network_id",
                Invalid::new(
                    "required",
                    "is required unless you are a platform admin: name the network you manage",
                ),
            )),
        }
    }
}

/// Where a page of the trail ends: entries are listed newest first by
/// `(occurred_at, id)`, and the next page starts strictly after this
/// position. `id` breaks ties between entries of the same instant (ids are
/// UUID v7, so their order is their creation order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub occurred_at: DateTime<Utc>,
    pub id: String,
}

impl Position {
    /// The text carried inside the opaque page cursor:
    /// `<unix seconds>.<nanoseconds, 9 digits>|<id>` (at most 58
    /// characters, so it fits the cursor's 64). Nanoseconds keep the exact
    /// stored instant, so the next page neither repeats nor skips an entry.
    pub fn encode(&self) -> String {
        format!(
            "{}.{:09}|{}",
            self.occurred_at.timestamp(),
            self.occurred_at.timestamp_subsec_nanos(),
            self.id
        )
    }

    /// Reads [`Position::encode`]'s text back; anything else is an
    /// `invalid_cursor` (the cursor is opaque to clients).
    pub fn parse(raw: &str) -> Result<Position, Invalid> {
        let bad = || Invalid::new("invalid_cursor", "is not a cursor this API returned");
        let (at, id) = raw.split_once('|').ok_or_else(bad)?;
        let (secs, nanos) = at.split_once('.').ok_or_else(bad)?;
        if nanos.len() != 9 {
            return Err(bad());
        }
        let secs: i64 = secs.parse().map_err(|_| bad())?;
        let nanos: u32 = nanos.parse().map_err(|_| bad())?;
        if nanos >= 1_000_000_000 {
            return Err(bad());
        }
        let occurred_at = DateTime::from_timestamp(secs, nanos).ok_or_else(bad)?;
        let id = uuid(id).map_err(|_| bad())?;
        Ok(Position { occurred_at, id })
    }
}

/// The columns of the CSV form, in order (the header row).
pub const CSV_HEADER: [&str; 11] = [
    "id",
    "occurred_at",
    "actor_id",
    "actor_display_name",
    "network_id",
    "action",
    "entity_type",
    "entity_id",
    "changed_fields",
    "request_id",
    "client_address",
];

/// One entry as the CSV form shows it.
#[derive(Debug, Clone, Copy)]
pub struct CsvEntry<'a> {
    pub id: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<&'a str>,
    pub actor_display_name: Option<&'a str>,
    pub network_id: Option<&'a str>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub changed_fields: &'a [String],
    pub request_id: Option<&'a str>,
    pub client_address: Option<&'a str>,
}

/// The cells of one CSV row, in [`CSV_HEADER`] order: absent values are
/// empty cells, the time is RFC 3339 in UTC, the changed field names are
/// joined with single spaces, and every cell a spreadsheet would read as a
/// formula is neutralised ([`crate::csv::neutralise`]; display names are
/// chosen by people). RFC 4180 quoting is the writer's job.
pub fn csv_cells(e: &CsvEntry<'_>) -> [String; 11] {
    let cell = |s: Option<&str>| crate::csv::neutralise(s.unwrap_or_default()).into_owned();
    [
        cell(Some(e.id)),
        e.occurred_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        cell(e.actor_id),
        cell(e.actor_display_name),
        cell(e.network_id),
        cell(Some(e.action)),
        cell(Some(e.entity_type)),
        cell(Some(e.entity_id)),
        cell(Some(&e.changed_fields.join(" "))),
        cell(e.request_id),
        cell(e.client_address),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e";

    fn codes(v: &Violations) -> Vec<(&str, &str)> {
        v.0.iter()
            .map(|x| (x.field.as_str(), x.code.as_str()))
            .collect()
    }

    #[test]
    fn no_filters_is_no_filter() {
        assert_eq!(Filter::parse(&RawFilter::default()), Ok(Filter::default()));
    }

    #[test]
    fn every_filter_parses() {
        let f = Filter::parse(&RawFilter {
            network_id: Some(ID),
            entity_type: Some("minutes"),
            entity_id: Some(" 0193A6F2-1111-7B3A-9D4E-2F1A0B9C8D7E "),
            actor_id: Some(ID),
            action: Some("minutes.approved"),
            from: Some("2026-12-01T00:00:00Z"),
            to: Some("2026-12-02T01:00:00 01:00"),
        })
        .unwrap();
        assert_eq!(f.network_id.as_deref(), Some(ID));
        assert_eq!(f.entity_id.as_deref(), Some(ID), "hyphenated lowercase");
        assert_eq!(f.entity_type.as_deref(), Some("minutes"));
        assert_eq!(f.action.as_deref(), Some("minutes.approved"));
        assert_eq!(f.from, Some(parse_time("2026-12-01T00:00:00Z").unwrap()));
        assert_eq!(f.to, Some(parse_time("2026-12-02T00:00:00Z").unwrap()));
    }

    #[test]
    fn every_bad_filter_is_named() {
        let e = Filter::parse(&RawFilter {
            network_id: Some("nope"),
            entity_type: Some("Minutes"),
            entity_id: Some("1"),
            actor_id: Some(""),
            action: Some("minutes approved"),
            from: Some("yesterday"),
            to: Some("2026-12-01"),
        })
        .unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("network_id", "invalid_uuid"),
                ("entity_id", "invalid_uuid"),
                ("actor_id", "invalid_uuid"),
                ("entity_type", "invalid_format"),
                ("action", "invalid_format"),
                ("from", "invalid_datetime"),
                ("to", "invalid_datetime"),
            ]
        );
    }

    #[test]
    fn slugs_are_bounded() {
        assert!(parse_entity_type("safeguarding_concern").is_ok());
        assert!(parse_entity_type(&"a".repeat(ENTITY_TYPE_MAX)).is_ok());
        for bad in ["", " ", "a.b", "a-b", "é", "match note", "'; drop"] {
            assert!(parse_entity_type(bad).is_err(), "{bad:?}");
        }
        assert!(parse_entity_type(&"a".repeat(ENTITY_TYPE_MAX + 1)).is_err());
        assert!(parse_action("network.member_role_changed").is_ok());
        assert!(parse_action(&"a.".repeat(ACTION_MAX / 2)).is_ok());
        assert!(parse_action(&"a".repeat(ACTION_MAX + 1)).is_err());
        for bad in ["", "Minutes.approved", "a/b", "a%", "a,b"] {
            assert!(parse_action(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn from_after_to_names_from() {
        let raw = |from, to| RawFilter {
            from: Some(from),
            to: Some(to),
            ..RawFilter::default()
        };
        let e = Filter::parse(&raw("2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z")).unwrap_err();
        assert_eq!(codes(&e), [("from", "after_to")]);
        // equal is an empty period, not an error; earlier is fine
        assert!(Filter::parse(&raw("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z")).is_ok());
        assert!(Filter::parse(&raw("2026-12-01T00:00:00Z", "2026-12-01T00:00:01Z")).is_ok());
        // offsets are compared as instants
        let e =
            Filter::parse(&raw("2026-12-01T10:00:00+01:00", "2026-12-01T08:30:00Z")).unwrap_err();
        assert_eq!(codes(&e), [("from", "after_to")]);
    }

    #[test]
    fn managers_name_their_network_admins_may_not() {
        let with = Filter {
            network_id: Some(ID.into()),
            ..Filter::default()
        };
        assert_eq!(with.scope(false), Ok(Scope::Network(ID.into())));
        assert_eq!(with.scope(true), Ok(Scope::Network(ID.into())));
        assert_eq!(Filter::default().scope(true), Ok(Scope::All));
        let e = Filter::default().scope(false).unwrap_err();
        assert_eq!(codes(&e), [("network_id", "required")]);
    }

    #[test]
    fn positions_round_trip_to_the_nanosecond() {
        for at in [
            "2026-12-01T09:00:00Z",
            "2026-12-01T09:00:00.123456789Z",
            "1969-12-31T23:59:59.5Z",
            "2300-01-01T00:00:00.000001Z",
        ] {
            let p = Position {
                occurred_at: parse_time(at).unwrap(),
                id: ID.into(),
            };
            let text = p.encode();
            assert!(text.len() <= 64, "{text}");
            assert_eq!(Position::parse(&text), Ok(p), "{at}");
        }
    }

    #[test]
    fn foreign_positions_are_refused() {
        for bad in [
            "",
            ID,
            "1700000000|x",
            "1700000000.5|0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e",
            "1700000000.1000000000|0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e",
            "x.000000000|0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e",
            "1700000000.000000000|not-a-uuid",
            "99999999999999999.000000000|0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e",
        ] {
            assert_eq!(
                Position::parse(bad).map_err(|e| e.code),
                Err("invalid_cursor"),
                "{bad}"
            );
        }
    }

    #[test]
    fn csv_rows_have_the_header_shape_and_are_guarded() {
        let fields = vec!["status".to_owned(), "ended_at".to_owned()];
        let e = CsvEntry {
            id: ID,
            occurred_at: parse_time("2026-12-01T09:00:00.25Z").unwrap(),
            actor_id: Some(ID),
            actor_display_name: Some("=HYPERLINK(\"http://x\")"),
            network_id: None,
            action: "membership.left",
            entity_type: "community_member",
            entity_id: ID,
            changed_fields: &fields,
            request_id: Some("-req"),
            client_address: None,
        };
        let cells = csv_cells(&e);
        assert_eq!(cells.len(), CSV_HEADER.len());
        assert_eq!(
            cells,
            [
                ID,
                "2026-12-01T09:00:00.250Z",
                ID,
                "'=HYPERLINK(\"http://x\")",
                "",
                "membership.left",
                "community_member",
                ID,
                "status ended_at",
                "'-req",
                "",
            ]
            .map(str::to_owned)
        );
    }
}
