//! The life of a meeting and of a series: scheduling, changing,
//! cancelling, answering and recording attendance. Pure rules; the store
//! loads the meeting, asks here, and writes the outcome.
//!
//! A meeting is `scheduled` until it is `held` (attendance or minutes were
//! recorded) or `cancelled` (only while not held); a series is `active`
//! until cancelled, which cancels its occurrences still to come.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{AttendanceStatus, MeetingStatus, SeriesStatus};
use crate::community::CommunityStatus;
use crate::validation::{Invalid, Violations};

/// Why a meeting or series refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingRefusal {
    /// An archived community accepts no new or changed meetings (409).
    CommunityArchived,
    /// The meeting was cancelled: nothing more happens to it (409).
    Cancelled,
    /// A held meeting cannot be cancelled (409).
    Held,
    /// Answers close when the meeting starts (409).
    Started,
    /// Attendance and minutes wait for the start (409).
    NotStarted,
    /// Only invitees answer (403).
    NotInvited,
    /// The series was already cancelled (409).
    SeriesCancelled,
}

impl MeetingRefusal {
    /// The problem code.
    pub fn code(self) -> &'static str {
        match self {
            Self::CommunityArchived => "community-archived",
            Self::Cancelled => "meeting-cancelled",
            Self::Held => "meeting-held",
            Self::Started => "meeting-started",
            Self::NotStarted => "meeting-not-started",
            Self::NotInvited => "not-invited",
            Self::SeriesCancelled => "series-cancelled",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::CommunityArchived => "an archived community cannot schedule or change meetings",
            Self::Cancelled => "the meeting was cancelled",
            Self::Held => "a meeting that has been held cannot be cancelled",
            Self::Started => {
                "the meeting has started; answers are closed (the core team records attendance)"
            }
            Self::NotStarted => "the meeting has not started yet",
            Self::NotInvited => {
                "only people invited to the meeting (its community's members) can answer"
            }
            Self::SeriesCancelled => "the series was already cancelled",
        }
    }
}

impl From<MeetingRefusal> for crate::Refusal {
    fn from(r: MeetingRefusal) -> Self {
        match r {
            MeetingRefusal::NotInvited => crate::Refusal::forbidden(r.code(), r.message()),
            _ => crate::Refusal::conflict(r.code(), r.message()),
        }
    }
}

/// A community schedules and changes meetings unless it is archived.
pub fn may_schedule(community: CommunityStatus) -> Result<(), MeetingRefusal> {
    match community {
        CommunityStatus::Archived => Err(MeetingRefusal::CommunityArchived),
        CommunityStatus::Proposed | CommunityStatus::Active => Ok(()),
    }
}

/// A meeting's details and agenda change unless it was cancelled.
pub fn may_change(status: MeetingStatus) -> Result<(), MeetingRefusal> {
    match status {
        MeetingStatus::Cancelled => Err(MeetingRefusal::Cancelled),
        MeetingStatus::Scheduled | MeetingStatus::Held => Ok(()),
    }
}

/// Cancelling: only a scheduled meeting; the status it moves to.
pub fn cancel(status: MeetingStatus) -> Result<MeetingStatus, MeetingRefusal> {
    match status {
        MeetingStatus::Scheduled => Ok(MeetingStatus::Cancelled),
        MeetingStatus::Cancelled => Err(MeetingRefusal::Cancelled),
        MeetingStatus::Held => Err(MeetingRefusal::Held),
    }
}

/// Recording attendance or minutes marks a scheduled meeting held; a held
/// meeting stays as it is (`None`: no change).
pub fn held(status: MeetingStatus) -> Option<MeetingStatus> {
    match status {
        MeetingStatus::Scheduled => Some(MeetingStatus::Held),
        MeetingStatus::Held | MeetingStatus::Cancelled => None,
    }
}

/// An invitee answers (RSVP) a meeting not cancelled, before it starts.
/// People not invited are refused first.
pub fn may_answer(
    invited: bool,
    status: MeetingStatus,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), MeetingRefusal> {
    if !invited {
        return Err(MeetingRefusal::NotInvited);
    }
    may_change(status)?;
    if starts_at <= now {
        return Err(MeetingRefusal::Started);
    }
    Ok(())
}

/// Attendance and minutes are recorded for a meeting not cancelled, once
/// it has started.
pub fn may_record(
    status: MeetingStatus,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), MeetingRefusal> {
    may_change(status)?;
    if starts_at > now {
        return Err(MeetingRefusal::NotStarted);
    }
    Ok(())
}

/// Cancelling a series: only an active one; the status it moves to.
pub fn cancel_series(status: SeriesStatus) -> Result<SeriesStatus, MeetingRefusal> {
    match status {
        SeriesStatus::Active => Ok(SeriesStatus::Cancelled),
        SeriesStatus::Cancelled => Err(MeetingRefusal::SeriesCancelled),
    }
}

/// Whether cancelling its series cancels this occurrence: scheduled ones
/// still to come are; past, held and cancelled ones stay as they are.
pub fn cancelled_with_series(
    status: MeetingStatus,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    status == MeetingStatus::Scheduled && starts_at > now
}

/// Checks recorded attendance: every person listed was invited, and none
/// is listed twice. Errors name `[i].user_id`.
pub fn attendance_entries(
    entries: &[(String, AttendanceStatus)],
    invited: &BTreeSet<String>,
) -> Result<(), Violations> {
    let mut v = Violations::new();
    let mut seen = BTreeSet::new();
    for (i, (u, _)) in entries.iter().enumerate() {
        if !invited.contains(u) {
            v.add(
                &format!("[{i}].user_id"),
                Invalid::new("not_invited", "was not invited to this meeting"),
            );
        } else if !seen.insert(u.as_str()) {
            v.add(
                &format!("[{i}].user_id"),
                Invalid::new("duplicate", "appears more than once"),
            );
        }
    }
    v.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeetingStatus::{Cancelled, Held, Scheduled};
    use chrono::Duration;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2027-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn archived_communities_schedule_nothing() {
        assert_eq!(may_schedule(CommunityStatus::Active), Ok(()));
        assert_eq!(may_schedule(CommunityStatus::Proposed), Ok(()));
        assert_eq!(
            may_schedule(CommunityStatus::Archived),
            Err(MeetingRefusal::CommunityArchived)
        );
    }

    #[test]
    fn cancelled_meetings_do_not_change() {
        assert_eq!(may_change(Scheduled), Ok(()));
        assert_eq!(may_change(Held), Ok(()));
        assert_eq!(may_change(Cancelled), Err(MeetingRefusal::Cancelled));
    }

    #[test]
    fn only_a_scheduled_meeting_is_cancelled() {
        assert_eq!(cancel(Scheduled), Ok(Cancelled));
        assert_eq!(cancel(Cancelled), Err(MeetingRefusal::Cancelled));
        assert_eq!(cancel(Held), Err(MeetingRefusal::Held));
    }

    #[test]
    fn recording_marks_a_scheduled_meeting_held() {
        assert_eq!(held(Scheduled), Some(Held));
        assert_eq!(held(Held), None);
        assert_eq!(held(Cancelled), None);
    }

    #[test]
    fn answers_close_at_the_start() {
        let now = at();
        let later = now + Duration::hours(1);
        assert_eq!(may_answer(true, Scheduled, later, now), Ok(()));
        assert_eq!(
            may_answer(true, Scheduled, now, now),
            Err(MeetingRefusal::Started)
        );
        assert_eq!(
            may_answer(true, Cancelled, later, now),
            Err(MeetingRefusal::Cancelled)
        );
        // Not being invited is refused before anything else.
        assert_eq!(
            may_answer(false, Cancelled, now, now),
            Err(MeetingRefusal::NotInvited)
        );
    }

    #[test]
    fn recording_waits_for_the_start() {
        let now = at();
        assert_eq!(may_record(Scheduled, now, now), Ok(()));
        assert_eq!(may_record(Held, now - Duration::days(1), now), Ok(()));
        assert_eq!(
            may_record(Scheduled, now + Duration::minutes(1), now),
            Err(MeetingRefusal::NotStarted)
        );
        assert_eq!(
            may_record(Cancelled, now + Duration::minutes(1), now),
            Err(MeetingRefusal::Cancelled)
        );
    }

    #[test]
    fn series_cancel_once_and_take_future_occurrences() {
        assert_eq!(
            cancel_series(SeriesStatus::Active),
            Ok(SeriesStatus::Cancelled)
        );
        assert_eq!(
            cancel_series(SeriesStatus::Cancelled),
            Err(MeetingRefusal::SeriesCancelled)
        );
        let now = at();
        let later = now + Duration::days(7);
        assert!(cancelled_with_series(Scheduled, later, now));
        assert!(!cancelled_with_series(Scheduled, now, now));
        assert!(!cancelled_with_series(Held, later, now));
        assert!(!cancelled_with_series(Cancelled, later, now));
    }

    #[test]
    fn attendance_names_invitees_once() {
        let invited: BTreeSet<String> = ["a".to_owned(), "b".to_owned()].into();
        let e = |u: &str| (u.to_owned(), AttendanceStatus::Present);
        assert!(attendance_entries(&[e("a"), e("b")], &invited).is_ok());
        let v = attendance_entries(&[e("a"), e("c"), e("a")], &invited).unwrap_err();
        let got: Vec<_> =
            v.0.iter()
                .map(|f| (f.field.as_str(), f.code.as_str()))
                .collect();
        assert_eq!(
            got,
            [("[1].user_id", "not_invited"), ("[2].user_id", "duplicate")]
        );
    }

    #[test]
    fn refusals_have_their_codes_and_kinds() {
        let all = [
            MeetingRefusal::CommunityArchived,
            MeetingRefusal::Cancelled,
            MeetingRefusal::Held,
            MeetingRefusal::Started,
            MeetingRefusal::NotStarted,
            MeetingRefusal::NotInvited,
            MeetingRefusal::SeriesCancelled,
        ];
        for r in all {
            match crate::Refusal::from(r) {
                crate::Refusal::Forbidden { code, message } => {
                    assert_eq!(r, MeetingRefusal::NotInvited);
                    assert_eq!((code, message.as_str()), (r.code(), r.message()));
                }
                crate::Refusal::Conflict { code, message } => {
                    assert_eq!((code, message.as_str()), (r.code(), r.message()));
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(MeetingRefusal::Held.code(), "meeting-held");
    }
}
