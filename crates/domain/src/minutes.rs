//! Minutes ("notes with actions") of a meeting and the actions they
//! record: what minutes may say, who drafts, submits and approves them,
//! and how the working copy moves `draft` → `submitted` → `published`.
//! Pure rules; the store loads the minutes, asks here, and writes.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::community::CommunityRole;
use crate::meeting::{
    ActionStatus, MAX_ACTIONS, MAX_AGENDA_ITEMS, MeetingDeliveryMode, MinutesStatus,
};
use crate::validation::{Invalid, Violations, bounded_text};

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

/// An open action is overdue once its due date has passed.
pub fn is_overdue(status: ActionStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status == ActionStatus::Open && due_on < today
}

/// Why a request about minutes is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutesRefusal {
    /// Only the minute taker drafts and submits (403).
    NotMinuteTaker,
    /// Only a chair or co-chair approves (403).
    NotChair,
    /// Nobody approves minutes they submitted, unless they are the whole
    /// core team (403).
    OwnSubmission,
    /// Only a draft is submitted (409); names the current status.
    NotDraft(MinutesStatus),
    /// Only submitted minutes are approved (409); names the current status.
    NotSubmitted(MinutesStatus),
    /// Only an action's owner, the core team or a manager changes it (403
    /// `forbidden`).
    NotActionOwner,
}

impl MinutesRefusal {
    /// The problem code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotMinuteTaker => "not-minute-taker",
            Self::NotChair => "not-chair",
            Self::OwnSubmission => "own-submission",
            Self::NotDraft(_) => "minutes-not-draft",
            Self::NotSubmitted(_) => "minutes-not-submitted",
            Self::NotActionOwner => "forbidden",
        }
    }

    pub fn message(self) -> String {
        match self {
            Self::NotMinuteTaker => "minutes are drafted and submitted by the secretary, or by the chair or a co-chair when the community has no secretary".into(),
            Self::NotChair => "minutes are approved by the community's chair or a co-chair".into(),
            Self::OwnSubmission => {
                "you submitted these minutes; another chair or co-chair approves them".into()
            }
            Self::NotDraft(s) => format!(
                "only a draft can be submitted; these minutes are {}",
                s.as_str()
            ),
            Self::NotSubmitted(s) => format!(
                "only submitted minutes can be approved; these minutes are {}",
                s.as_str()
            ),
            Self::NotActionOwner => {
                "only the action's owner, the core team or a manager may change it".into()
            }
        }
    }
}

impl From<MinutesRefusal> for crate::Refusal {
    fn from(r: MinutesRefusal) -> Self {
        match r {
            MinutesRefusal::NotMinuteTaker
            | MinutesRefusal::NotChair
            | MinutesRefusal::OwnSubmission
            | MinutesRefusal::NotActionOwner => crate::Refusal::forbidden(r.code(), r.message()),
            MinutesRefusal::NotDraft(_) | MinutesRefusal::NotSubmitted(_) => {
                crate::Refusal::conflict(r.code(), r.message())
            }
        }
    }
}

/// Who may draft and submit a community's minutes: the secretary; the
/// chair or a co-chair when the community has no secretary.
pub fn may_draft(role: Option<CommunityRole>, has_secretary: bool) -> Result<(), MinutesRefusal> {
    match role {
        Some(CommunityRole::Secretary) => Ok(()),
        Some(CommunityRole::Chair | CommunityRole::CoChair) if !has_secretary => Ok(()),
        _ => Err(MinutesRefusal::NotMinuteTaker),
    }
}

/// Saving minutes: the working copy becomes a draft. `current` is the
/// working copy's status and revision, if there is one; editing published
/// minutes starts the next revision. Returns the new status and revision.
pub fn redraft(current: Option<(MinutesStatus, i32)>) -> (MinutesStatus, i32) {
    let revision = match current {
        None => 1,
        Some((MinutesStatus::Published, r)) => r + 1,
        Some((MinutesStatus::Draft | MinutesStatus::Submitted, r)) => r,
    };
    (MinutesStatus::Draft, revision)
}

/// Submitting: only a draft; the status it moves to.
pub fn submit(status: MinutesStatus) -> Result<MinutesStatus, MinutesRefusal> {
    match status {
        MinutesStatus::Draft => Ok(MinutesStatus::Submitted),
        s => Err(MinutesRefusal::NotDraft(s)),
    }
}

/// Approving (which publishes): a chair or co-chair, not the submitter
/// unless they are the whole core team, and only submitted minutes.
pub fn approve(
    role: Option<CommunityRole>,
    is_submitter: bool,
    core_team_size: usize,
    status: MinutesStatus,
) -> Result<MinutesStatus, MinutesRefusal> {
    if !matches!(role, Some(CommunityRole::Chair | CommunityRole::CoChair)) {
        return Err(MinutesRefusal::NotChair);
    }
    if is_submitter && core_team_size > 1 {
        return Err(MinutesRefusal::OwnSubmission);
    }
    match status {
        MinutesStatus::Submitted => Ok(MinutesStatus::Published),
        s => Err(MinutesRefusal::NotSubmitted(s)),
    }
}

/// The chair the minutes name when none is given: the community's chair
/// (the lowest id if several) among the people invited.
pub fn default_chair<'a>(
    core_team: impl IntoIterator<Item = (&'a str, CommunityRole)>,
    invited: impl Fn(&str) -> bool,
) -> Option<String> {
    core_team
        .into_iter()
        .filter(|(u, r)| *r == CommunityRole::Chair && invited(u))
        .map(|(u, _)| u)
        .min()
        .map(str::to_owned)
}

/// Marking an action done or open again: the status it moves to, or
/// `None` when it already has it.
/// Who may change an action's status: its owner, the community's core
/// team, or a manager.
pub fn may_change_action(
    is_owner: bool,
    is_manager: bool,
    role: Option<CommunityRole>,
) -> Result<(), MinutesRefusal> {
    if is_owner || is_manager || role.is_some_and(|r| r.is_core()) {
        Ok(())
    } else {
        Err(MinutesRefusal::NotActionOwner)
    }
}

pub fn action_transition(current: ActionStatus, wanted: ActionStatus) -> Option<ActionStatus> {
    (current != wanted).then_some(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_is_changed_by_its_owner_the_core_team_or_a_manager() {
        assert_eq!(may_change_action(true, false, None), Ok(()));
        assert_eq!(may_change_action(false, true, None), Ok(()));
        for r in [
            CommunityRole::Chair,
            CommunityRole::CoChair,
            CommunityRole::Secretary,
        ] {
            assert_eq!(may_change_action(false, false, Some(r)), Ok(()));
        }
        assert_eq!(
            may_change_action(false, false, Some(CommunityRole::Member)),
            Err(MinutesRefusal::NotActionOwner)
        );
        assert_eq!(
            may_change_action(false, false, None),
            Err(MinutesRefusal::NotActionOwner)
        );
        let r: crate::Refusal = MinutesRefusal::NotActionOwner.into();
        assert!(matches!(
            r,
            crate::Refusal::Forbidden {
                code: "forbidden",
                ..
            }
        ));
    }

    #[test]
    fn the_minute_taker_drafts() {
        assert_eq!(may_draft(Some(CommunityRole::Secretary), true), Ok(()));
        assert_eq!(may_draft(Some(CommunityRole::Chair), false), Ok(()));
        assert_eq!(may_draft(Some(CommunityRole::CoChair), false), Ok(()));
        for (role, has_secretary) in [
            (Some(CommunityRole::Chair), true),
            (Some(CommunityRole::CoChair), true),
            (Some(CommunityRole::Member), false),
            (Some(CommunityRole::Facilitator), false),
            (None, false),
        ] {
            assert_eq!(
                may_draft(role, has_secretary),
                Err(MinutesRefusal::NotMinuteTaker),
                "{role:?}"
            );
        }
    }

    #[test]
    fn saving_makes_a_draft_and_published_minutes_a_new_revision() {
        assert_eq!(redraft(None), (MinutesStatus::Draft, 1));
        assert_eq!(
            redraft(Some((MinutesStatus::Draft, 2))),
            (MinutesStatus::Draft, 2)
        );
        assert_eq!(
            redraft(Some((MinutesStatus::Submitted, 2))),
            (MinutesStatus::Draft, 2)
        );
        assert_eq!(
            redraft(Some((MinutesStatus::Published, 2))),
            (MinutesStatus::Draft, 3)
        );
    }

    #[test]
    fn only_a_draft_is_submitted() {
        assert_eq!(submit(MinutesStatus::Draft), Ok(MinutesStatus::Submitted));
        let r = submit(MinutesStatus::Published).unwrap_err();
        assert_eq!(r, MinutesRefusal::NotDraft(MinutesStatus::Published));
        assert_eq!(r.code(), "minutes-not-draft");
        assert_eq!(
            r.message(),
            "only a draft can be submitted; these minutes are published"
        );
        assert_eq!(
            submit(MinutesStatus::Submitted),
            Err(MinutesRefusal::NotDraft(MinutesStatus::Submitted))
        );
    }

    #[test]
    fn a_chair_approves_submitted_minutes_of_others() {
        use CommunityRole::{Chair, CoChair, Secretary};
        use MinutesStatus::{Draft, Published, Submitted};
        assert_eq!(approve(Some(Chair), false, 3, Submitted), Ok(Published));
        assert_eq!(approve(Some(CoChair), false, 3, Submitted), Ok(Published));
        assert_eq!(
            approve(Some(Secretary), false, 3, Submitted),
            Err(MinutesRefusal::NotChair)
        );
        assert_eq!(
            approve(None, false, 3, Submitted),
            Err(MinutesRefusal::NotChair)
        );
        assert_eq!(
            approve(Some(Chair), true, 2, Submitted),
            Err(MinutesRefusal::OwnSubmission)
        );
        // A one-person core team approves its own submission.
        assert_eq!(approve(Some(Chair), true, 1, Submitted), Ok(Published));
        // Who may approve is checked before the status.
        assert_eq!(
            approve(Some(Secretary), false, 3, Draft),
            Err(MinutesRefusal::NotChair)
        );
        let r = approve(Some(Chair), false, 3, Draft).unwrap_err();
        assert_eq!(r, MinutesRefusal::NotSubmitted(Draft));
        assert_eq!(r.code(), "minutes-not-submitted");
        assert_eq!(
            r.message(),
            "only submitted minutes can be approved; these minutes are draft"
        );
        assert_eq!(
            approve(Some(Chair), false, 3, Published),
            Err(MinutesRefusal::NotSubmitted(Published))
        );
    }

    #[test]
    fn refusals_map_to_forbidden_or_conflict() {
        for r in [
            MinutesRefusal::NotMinuteTaker,
            MinutesRefusal::NotChair,
            MinutesRefusal::OwnSubmission,
        ] {
            assert!(matches!(
                crate::Refusal::from(r),
                crate::Refusal::Forbidden { code, .. } if code == r.code()
            ));
        }
        for r in [
            MinutesRefusal::NotDraft(MinutesStatus::Submitted),
            MinutesRefusal::NotSubmitted(MinutesStatus::Draft),
        ] {
            assert!(matches!(
                crate::Refusal::from(r),
                crate::Refusal::Conflict { code, .. } if code == r.code()
            ));
        }
        assert_eq!(MinutesRefusal::NotChair.code(), "not-chair");
        assert_eq!(MinutesRefusal::OwnSubmission.code(), "own-submission");
    }

    #[test]
    fn the_default_chair_is_an_invited_chair() {
        let core = [
            ("z", CommunityRole::Chair),
            ("b", CommunityRole::Chair),
            ("a", CommunityRole::Secretary),
        ];
        assert_eq!(default_chair(core, |_| true), Some("b".into()));
        assert_eq!(default_chair(core, |u| u == "z"), Some("z".into()));
        assert_eq!(default_chair(core, |u| u == "a"), None);
    }

    #[test]
    fn actions_move_between_open_and_done() {
        use ActionStatus::{Done, Open};
        assert_eq!(action_transition(Open, Done), Some(Done));
        assert_eq!(action_transition(Done, Open), Some(Open));
        assert_eq!(action_transition(Open, Open), None);
        assert_eq!(action_transition(Done, Done), None);
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
