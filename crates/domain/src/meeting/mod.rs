//! Meetings of a Community of Practice: how they are held, who may answer
//! and record attendance (see [`lifecycle`]); minutes live in
//! [`crate::minutes`].
pub mod lifecycle;

use serde::{Deserialize, Serialize};

use crate::community::code_enum;
use crate::validation::{Invalid, Violations, bounded_text};

/// Longest meeting, in minutes (12 hours).
pub const MAX_DURATION_MINUTES: i32 = 12 * 60;
/// Most agenda items one meeting may have.
pub const MAX_AGENDA_ITEMS: usize = 50;
/// Most actions one set of minutes may record.
pub const MAX_ACTIONS: usize = 100;
/// Longest join URL accepted.
pub const MAX_URL_LEN: usize = 2000;

code_enum!(
    /// How a meeting is held: `in_person` (needs a `location`), `teams` or
    /// `zoom` (need a `join_url`), or `other` (either).
    MeetingDeliveryMode { InPerson => "in_person", Teams => "teams", Zoom => "zoom", Other => "other" }
);
code_enum!(
    /// Where a meeting stands: `scheduled` → `held` (attendance or minutes
    /// recorded) or `cancelled` (not once held).
    MeetingStatus { Scheduled => "scheduled", Held => "held", Cancelled => "cancelled" }
);
code_enum!(
    /// An invitee's answer to a meeting invitation (open until the start).
    RsvpResponse { Attending => "attending", Apologies => "apologies", Declined => "declined" }
);
code_enum!(
    /// Whether an invitee took part in a meeting, as the core team recorded
    /// it or as it follows from their RSVP.
    AttendanceStatus { Present => "present", Apologies => "apologies", Absent => "absent" }
);
code_enum!(
    /// Where a meeting's minutes stand: `draft` → `submitted` → `published`
    /// (approval publishes). Editing published minutes starts a new draft
    /// revision.
    MinutesStatus { Draft => "draft", Submitted => "submitted", Published => "published" }
);
code_enum!(
    /// Where an action from approved minutes stands; `open` actions carry
    /// over to the community's next meetings.
    ActionStatus { Open => "open", Done => "done" }
);
code_enum!(
    /// Where a meeting series stands; cancelling it cancels the occurrences
    /// still to come.
    SeriesStatus { Active => "active", Cancelled => "cancelled" }
);

impl MeetingDeliveryMode {
    /// Teams and Zoom meetings need a join link.
    pub fn is_online(self) -> bool {
        matches!(self, Self::Teams | Self::Zoom)
    }
}

/// Attendance when the core team has not recorded it: an RSVP of
/// `attending` counts as present, `apologies` as apologies, and `declined`
/// or no answer as absent.
pub fn default_attendance(rsvp: Option<RsvpResponse>) -> AttendanceStatus {
    match rsvp {
        Some(RsvpResponse::Attending) => AttendanceStatus::Present,
        Some(RsvpResponse::Apologies) => AttendanceStatus::Apologies,
        Some(RsvpResponse::Declined) | None => AttendanceStatus::Absent,
    }
}

/// The meeting title: 1–200 characters.
pub fn title(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 200)
}

/// Meeting length: 1 minute to 12 hours.
pub fn duration(minutes: i32) -> Result<i32, Invalid> {
    if (1..=MAX_DURATION_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {MAX_DURATION_MINUTES} minutes (12 hours)"),
        ))
    }
}

/// An absolute `http`/`https` URL with a host, at most 2,000 characters.
pub fn join_url(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let bad = || Invalid::new("invalid_url", "must be an absolute http or https URL");
    if s.len() > MAX_URL_LEN {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let u = url::Url::parse(s).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(s.to_owned())
}

/// Where and how a meeting is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Venue {
    pub mode: MeetingDeliveryMode,
    pub location: Option<String>,
    pub join_url: Option<String>,
}

/// Checks mode, location and join link together: Teams and Zoom need a
/// `join_url`, in-person meetings a `location`, `other` one of the two.
/// Blank strings count as absent.
pub fn venue(
    mode: MeetingDeliveryMode,
    location: Option<&str>,
    url: Option<&str>,
) -> Result<Venue, Violations> {
    let mut v = Violations::new();
    let location = match location.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(l) => v.check("location", bounded_text(l, 1, 500)),
    };
    let url = match url.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(u) => v.check("join_url", join_url(u)),
    };
    if !v.is_empty() {
        return Err(v);
    }
    match mode {
        m if m.is_online() && url.is_none() => v.add(
            "join_url",
            Invalid::new(
                "required",
                format!("is required for {} meetings", m.as_str()),
            ),
        ),
        MeetingDeliveryMode::InPerson if location.is_none() => v.add(
            "location",
            Invalid::new("required", "is required for in-person meetings"),
        ),
        MeetingDeliveryMode::Other if location.is_none() && url.is_none() => v.add(
            "location",
            Invalid::new("required", "give a location or a join_url"),
        ),
        _ => {}
    }
    v.into_result()?;
    Ok(Venue {
        mode,
        location,
        join_url: url,
    })
}

/// One agenda item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub title: String,
    pub presenter_id: Option<String>,
    /// Planned minutes for the item.
    pub minutes: Option<i32>,
}

/// Checks an agenda; `is_member` says whether a presenter is a current
/// member of the community. Errors name `agenda[i].field` (with `prefix`).
pub fn agenda(
    items: Vec<AgendaItem>,
    prefix: &str,
    is_member: impl Fn(&str) -> bool,
) -> Result<Vec<AgendaItem>, Violations> {
    let mut v = Violations::new();
    if items.len() > MAX_AGENDA_ITEMS {
        v.add(
            prefix,
            Invalid::new(
                "too_many",
                format!("must have at most {MAX_AGENDA_ITEMS} items"),
            ),
        );
        return Err(v);
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.into_iter().enumerate() {
        let title = v.check(
            &format!("{prefix}[{i}].title"),
            bounded_text(&it.title, 1, 500),
        );
        if let Some(p) = &it.presenter_id
            && !is_member(p)
        {
            v.add(
                &format!("{prefix}[{i}].presenter_id"),
                Invalid::new("not_a_member", "must be a current member of the community"),
            );
        }
        if let Some(m) = it.minutes
            && !(1..=MAX_DURATION_MINUTES).contains(&m)
        {
            v.add(
                &format!("{prefix}[{i}].minutes"),
                Invalid::new("out_of_range", "must be between 1 and 720"),
            );
        }
        if let Some(title) = title {
            out.push(AgendaItem {
                title,
                presenter_id: it.presenter_id,
                minutes: it.minutes,
            });
        }
    }
    v.into_result()?;
    Ok(out)
}

/// A cancellation reason: 1–2,000 characters.
pub fn cancel_reason(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 2000)
}

pub use crate::minutes::{
    ActionItem, MinutesContent, MinutesItem, MinutesPeople, bounded_text_multiline, is_overdue,
    minutes,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venues() {
        use MeetingDeliveryMode::{InPerson, Other, Teams, Zoom};
        assert!(venue(Teams, None, Some("https://teams.microsoft.com/l/x")).is_ok());
        let e = venue(Zoom, Some("Room 1"), None).unwrap_err();
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code.as_str()),
            ("join_url", "required")
        );
        let e = venue(InPerson, None, None).unwrap_err();
        assert_eq!(e.0[0].field, "location");
        assert!(venue(Other, None, None).is_err());
        assert!(venue(Other, Some("Leicester"), None).is_ok());
        for bad in [
            "ftp://x.org/a",
            "https://",
            "not a url",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                venue(Teams, None, Some(bad)).unwrap_err().0[0].code,
                "invalid_url",
                "{bad}"
            );
        }
        let blank = venue(InPerson, Some("  "), Some("")).unwrap_err();
        assert_eq!(blank.0[0].field, "location");
    }

    #[test]
    fn closed_sets_have_their_wire_codes() {
        let codes = |all: &[&str]| all.join(", ");
        let mode: Vec<&str> = MeetingDeliveryMode::ALL
            .iter()
            .map(|m| m.as_str())
            .collect();
        assert_eq!(codes(&mode), "in_person, teams, zoom, other");
        let online: Vec<_> = MeetingDeliveryMode::ALL
            .iter()
            .filter(|m| m.is_online())
            .collect();
        assert_eq!(
            online,
            [&MeetingDeliveryMode::Teams, &MeetingDeliveryMode::Zoom]
        );
        assert_eq!(
            MeetingStatus::parse_field("postponed").unwrap_err().message,
            "must be one of scheduled, held, cancelled"
        );
        assert_eq!(
            RsvpResponse::parse_field("maybe").unwrap_err().message,
            "must be one of attending, apologies, declined"
        );
        assert_eq!(
            AttendanceStatus::parse_field("late").unwrap_err().message,
            "must be one of present, apologies, absent"
        );
        assert_eq!(
            MinutesStatus::parse_field("final").unwrap_err().message,
            "must be one of draft, submitted, published"
        );
        assert_eq!(
            ActionStatus::parse_field("finished").unwrap_err().message,
            "must be one of open, done"
        );
        assert_eq!(
            SeriesStatus::parse_field("paused").unwrap_err().message,
            "must be one of active, cancelled"
        );
        assert_eq!(
            serde_json::to_string(&MeetingDeliveryMode::InPerson).unwrap(),
            "\"in_person\""
        );
    }

    #[test]
    fn durations() {
        assert!(duration(0).is_err());
        assert!(duration(721).is_err());
        assert_eq!(duration(120), Ok(120));
    }

    #[test]
    fn attendance_defaults_from_rsvp() {
        assert_eq!(
            default_attendance(Some(RsvpResponse::Attending)),
            AttendanceStatus::Present
        );
        assert_eq!(
            default_attendance(Some(RsvpResponse::Apologies)),
            AttendanceStatus::Apologies
        );
        assert_eq!(
            default_attendance(Some(RsvpResponse::Declined)),
            AttendanceStatus::Absent
        );
        assert_eq!(default_attendance(None), AttendanceStatus::Absent);
    }
}
