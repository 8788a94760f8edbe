//! Meetings of a Community of Practice: how they are held, who may answer
//! and record attendance, and the minutes workflow.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::community::{CommunityRole, code_enum};
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

/// One section of the minutes, following the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesItem {
    pub agenda_item: String,
    pub discussion: String,
    pub decisions: Vec<String>,
}

/// An action recorded in the minutes. `id` is set once the minutes are
/// published and the action is tracked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: Option<String>,
    pub description: String,
    pub owner_id: String,
    pub due_on: NaiveDate,
}

/// What minutes record ("notes with actions").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesContent {
    pub held_at: DateTime<Utc>,
    pub mode: MeetingDeliveryMode,
    pub chair_id: Option<String>,
    pub attendees: Vec<String>,
    pub apologies: Vec<String>,
    pub items: Vec<MinutesItem>,
    pub actions: Vec<ActionItem>,
}

/// Who the minutes may name: `invited` for attendees, apologies and chair;
/// `member` (a current member) for action owners; `known_action` for an
/// action id that belongs to this meeting.
pub struct MinutesPeople<'a> {
    pub invited: &'a dyn Fn(&str) -> bool,
    pub member: &'a dyn Fn(&str) -> bool,
    pub known_action: &'a dyn Fn(&str) -> bool,
}

/// Checks minutes content: texts bounded, people known, nobody both present
/// and sending apologies, no duplicate action ids.
pub fn minutes(c: MinutesContent, who: &MinutesPeople<'_>) -> Result<MinutesContent, Violations> {
    let mut v = Violations::new();
    if let Some(ch) = &c.chair_id
        && !(who.invited)(ch)
    {
        v.add(
            "chair_id",
            Invalid::new("not_invited", "must be someone invited to the meeting"),
        );
    }
    for (field, list) in [("attendees", &c.attendees), ("apologies", &c.apologies)] {
        if list.len() > 1000 {
            v.add(
                field,
                Invalid::new("too_many", "must have at most 1000 people"),
            );
            continue;
        }
        for (i, u) in list.iter().enumerate() {
            if !(who.invited)(u) {
                v.add(
                    &format!("{field}[{i}]"),
                    Invalid::new("not_invited", "must be someone invited to the meeting"),
                );
            } else if list[..i].contains(u) {
                v.add(
                    &format!("{field}[{i}]"),
                    Invalid::new("duplicate", "appears more than once"),
                );
            }
        }
    }
    for (i, u) in c.apologies.iter().enumerate() {
        if c.attendees.contains(u) {
            v.add(
                &format!("apologies[{i}]"),
                Invalid::new("conflict", "is also listed as an attendee"),
            );
        }
    }
    if c.items.len() > MAX_AGENDA_ITEMS {
        v.add(
            "items",
            Invalid::new(
                "too_many",
                format!("must have at most {MAX_AGENDA_ITEMS} items"),
            ),
        );
    }
    let mut items = Vec::with_capacity(c.items.len());
    for (i, it) in c.items.iter().enumerate() {
        let heading = v.check(
            &format!("items[{i}].agenda_item"),
            bounded_text(&it.agenda_item, 1, 500),
        );
        let discussion = if it.discussion.trim().is_empty() {
            Some(String::new())
        } else {
            v.check(
                &format!("items[{i}].discussion"),
                bounded_text_multiline(&it.discussion, 20_000),
            )
        };
        let decisions = v.check(
            &format!("items[{i}].decisions"),
            crate::validation::bounded_list(&it.decisions, 50, 2000),
        );
        if let (Some(agenda_item), Some(discussion), Some(decisions)) =
            (heading, discussion, decisions)
        {
            items.push(MinutesItem {
                agenda_item,
                discussion,
                decisions,
            });
        }
    }
    if c.actions.len() > MAX_ACTIONS {
        v.add(
            "actions",
            Invalid::new(
                "too_many",
                format!("must have at most {MAX_ACTIONS} actions"),
            ),
        );
    }
    let mut actions = Vec::with_capacity(c.actions.len());
    let mut seen: Vec<&str> = Vec::new();
    for (i, a) in c.actions.iter().enumerate() {
        let description = v.check(
            &format!("actions[{i}].description"),
            bounded_text(&a.description, 1, 2000),
        );
        if !(who.member)(&a.owner_id) {
            v.add(
                &format!("actions[{i}].owner_id"),
                Invalid::new("not_a_member", "must be a current member of the community"),
            );
        }
        if let Some(id) = &a.id {
            if !(who.known_action)(id) {
                v.add(
                    &format!("actions[{i}].id"),
                    Invalid::new("unknown_action", "is not an action of this meeting"),
                );
            } else if seen.contains(&id.as_str()) {
                v.add(
                    &format!("actions[{i}].id"),
                    Invalid::new("duplicate", "appears more than once"),
                );
            }
            seen.push(id);
        }
        if let Some(description) = description {
            actions.push(ActionItem {
                description,
                ..a.clone()
            });
        }
    }
    v.into_result()?;
    Ok(MinutesContent {
        items,
        actions,
        ..c
    })
}

/// Free text that may span lines (tabs and newlines allowed, other control
/// characters not), trimmed, at most `max` characters.
pub fn bounded_text_multiline(raw: &str, max: usize) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new(
            "control_characters",
            "must not contain control characters other than newlines and tabs",
        ));
    }
    Ok(s.to_owned())
}

/// May someone with `role` in the community draft and submit its minutes?
/// The secretary does; the chair or a co-chair does when the community has
/// no secretary.
pub fn may_draft(role: Option<CommunityRole>, has_secretary: bool) -> bool {
    match role {
        Some(CommunityRole::Secretary) => true,
        Some(CommunityRole::Chair | CommunityRole::CoChair) => !has_secretary,
        _ => false,
    }
}

/// Why an approval is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalRefusal {
    /// Only a chair or co-chair approves.
    NotChair,
    /// Nobody approves minutes they submitted, unless they are the whole
    /// core team.
    OwnSubmission,
}

/// Decides whether someone may approve submitted minutes.
pub fn may_approve(
    role: Option<CommunityRole>,
    is_submitter: bool,
    core_team_size: usize,
) -> Result<(), ApprovalRefusal> {
    if !matches!(role, Some(CommunityRole::Chair | CommunityRole::CoChair)) {
        return Err(ApprovalRefusal::NotChair);
    }
    if is_submitter && core_team_size > 1 {
        return Err(ApprovalRefusal::OwnSubmission);
    }
    Ok(())
}

/// An open action is overdue once its due date has passed.
pub fn is_overdue(status: ActionStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status == ActionStatus::Open && due_on < today
}

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
    fn drafting_and_approval() {
        assert!(may_draft(Some(CommunityRole::Secretary), true));
        assert!(!may_draft(Some(CommunityRole::Chair), true));
        assert!(may_draft(Some(CommunityRole::Chair), false));
        assert!(may_draft(Some(CommunityRole::CoChair), false));
        assert!(!may_draft(Some(CommunityRole::Member), false));
        assert!(!may_draft(None, false));
        assert_eq!(may_approve(Some(CommunityRole::Chair), false, 3), Ok(()));
        assert_eq!(
            may_approve(Some(CommunityRole::Secretary), false, 3),
            Err(ApprovalRefusal::NotChair)
        );
        assert_eq!(
            may_approve(Some(CommunityRole::Chair), true, 2),
            Err(ApprovalRefusal::OwnSubmission)
        );
        assert_eq!(may_approve(Some(CommunityRole::Chair), true, 1), Ok(()));
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

    fn content() -> MinutesContent {
        MinutesContent {
            held_at: Utc::now(),
            mode: MeetingDeliveryMode::Teams,
            chair_id: Some("a".into()),
            attendees: vec!["a".into(), "b".into()],
            apologies: vec!["c".into()],
            items: vec![MinutesItem {
                agenda_item: "Welcome".into(),
                discussion: "Line 1\nLine 2".into(),
                decisions: vec!["Agreed".into()],
            }],
            actions: vec![ActionItem {
                id: None,
                description: "Circulate slides".into(),
                owner_id: "b".into(),
                due_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            }],
        }
    }

    #[test]
    fn minutes_rules() {
        let invited = |u: &str| ["a", "b", "c"].contains(&u);
        let member = |u: &str| ["a", "b"].contains(&u);
        let known = |id: &str| id == "x";
        let who = MinutesPeople {
            invited: &invited,
            member: &member,
            known_action: &known,
        };
        assert!(minutes(content(), &who).is_ok());
        let mut c = content();
        c.apologies.push("a".into());
        c.actions[0].owner_id = "c".into();
        c.actions.push(ActionItem {
            id: Some("y".into()),
            ..c.actions[0].clone()
        });
        let e = minutes(c, &who).unwrap_err();
        let fields: Vec<_> =
            e.0.iter()
                .map(|f| (f.field.as_str(), f.code.as_str()))
                .collect();
        assert!(fields.contains(&("apologies[1]", "conflict")), "{fields:?}");
        assert!(fields.contains(&("actions[0].owner_id", "not_a_member")));
        assert!(fields.contains(&("actions[1].id", "unknown_action")));
        let mut c = content();
        c.attendees.push("a".into());
        let e = minutes(c, &who).unwrap_err();
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code.as_str()),
            ("attendees[2]", "duplicate")
        );
        let mut c = content();
        c.items[0].discussion = "bad\u{7}".into();
        assert_eq!(
            minutes(c, &who).unwrap_err().0[0].field,
            "items[0].discussion"
        );
    }

    #[test]
    fn overdue() {
        let d = |n| NaiveDate::from_ymd_opt(2027, 1, n).unwrap();
        assert!(is_overdue(ActionStatus::Open, d(1), d(2)));
        assert!(!is_overdue(ActionStatus::Open, d(2), d(2)));
        assert!(!is_overdue(ActionStatus::Done, d(1), d(2)));
    }
}
