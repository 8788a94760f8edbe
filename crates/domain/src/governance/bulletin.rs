//! The bulletin digest (docs/governance.md, "The bulletin"): a network's
//! upcoming meetings and the CoPs open to join, for a period that starts
//! today by default. Managers preview it and send it to the network's
//! members once per period; members opt out in their notification
//! preferences.
use chrono::{Days, NaiveDate};

use crate::community::{CommunityKind, CommunityStatus};
use crate::meeting::MeetingDeliveryMode;
use crate::validation::{Invalid, Violations};

/// The default period, in days, starting today.
pub const DEFAULT_DAYS: u64 = 14;
/// The longest period a bulletin may cover, in days.
pub const MAX_DAYS: i64 = 92;
/// Most meetings one bulletin lists; a longer list says it was cut short.
pub const MAX_MEETINGS: usize = 200;
/// Most CoPs one bulletin lists.
pub const MAX_COMMUNITIES: usize = 200;

/// The days a bulletin covers, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Days covered (at least 1).
    pub fn days(self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// The period asked for: `from` defaults to `today`, `to` to the last of
/// [`DEFAULT_DAYS`] days from `from`. `from` after `to` is `from`
/// `after_to`; more than [`MAX_DAYS`] days is `to` `too_long`.
pub fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Period, Violations> {
    let from = from.unwrap_or(today);
    let to = match to {
        Some(t) => t,
        None => from
            .checked_add_days(Days::new(DEFAULT_DAYS - 1))
            .unwrap_or(NaiveDate::MAX),
    };
    let mut v = Violations::new();
    if from > to {
        v.add(
            "from",
            Invalid::new("after_to", "must be on or before `to`"),
        );
    } else if (Period { from, to }).days() > MAX_DAYS {
        v.add(
            "to",
            Invalid::new(
                "too_long",
                format!("the period must be at most {MAX_DAYS} days"),
            ),
        );
    }
    v.into_result()?;
    Ok(Period { from, to })
}

/// Places left in a CoP: capacity less its current members, never below 0.
pub fn places_left(capacity: i32, members: i64) -> i64 {
    (i64::from(capacity) - members).max(0)
}

/// Whether a CoP is open to join: it is active, and it is an open group or
/// has places left (a full closed group takes applications only onto its
/// wait-list, so it is not advertised).
pub fn open_to_join(
    status: CommunityStatus,
    kind: CommunityKind,
    capacity: i32,
    members: i64,
) -> bool {
    status == CommunityStatus::Active
        && (kind == CommunityKind::Open || places_left(capacity, members) > 0)
}

/// Whether a recipient sees a meeting's join link: only members of the
/// meeting's CoP do, so a bulletin forwarded outside the CoP does not let
/// strangers into the call.
pub fn shows_join_link(recipient_communities: &[&str], meeting_community: &str) -> bool {
    recipient_communities.contains(&meeting_community)
}

/// Text safe to put inside a Markdown list item: every ASCII punctuation
/// character that has a meaning inline in CommonMark (emphasis, code,
/// links, images, HTML, entities, tables, strikethrough) is
/// backslash-escaped, and line breaks become spaces, so a CoP or meeting
/// name cannot add a heading, a link or an HTML tag to the bulletin. Marks
/// that matter only at the start of a line (`-`, `+`, `1.`, `=`) are left
/// as they are: the text never starts one.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '<'
            | '>' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// An upcoming meeting, as the bulletin lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestMeeting {
    pub id: String,
    pub community_id: String,
    pub community_name: String,
    pub title: String,
    /// Local wall-clock start, ISO 8601 without an offset (`2026-12-10T14:00:00`), in `timezone`.
    pub starts_at_local: String,
    /// The IANA zone of `starts_at_local`, e.g. `Europe/London`.
    pub timezone: String,
    pub duration_minutes: i32,
    pub mode: MeetingDeliveryMode,
    pub location: Option<String>,
    pub join_url: Option<String>,
}

/// A CoP open to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestCommunity {
    pub id: String,
    pub name: String,
    pub focus: String,
    pub kind: CommunityKind,
    pub places_left: i64,
}

/// What a bulletin holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub network_name: String,
    pub period: Period,
    pub meetings: Vec<DigestMeeting>,
    /// More meetings fell in the period than [`MAX_MEETINGS`].
    pub more_meetings: bool,
    pub communities: Vec<DigestCommunity>,
}

/// A meeting's mode in words.
pub fn mode_text(mode: MeetingDeliveryMode) -> &'static str {
    match mode {
        MeetingDeliveryMode::InPerson => "in person",
        MeetingDeliveryMode::Teams => "Microsoft Teams",
        MeetingDeliveryMode::Zoom => "Zoom",
        MeetingDeliveryMode::Other => "other",
    }
}

/// The local start as people read it: `2026-12-10 14:00 (Europe/London)`.
pub fn when_text(m: &DigestMeeting) -> String {
    format!(
        "{} ({})",
        m.starts_at_local.replacen('T', " ", 1),
        m.timezone
    )
}

/// The bulletin as Markdown (also the body of the emailed copy). A
/// meeting's join link appears only when `sees_link(community_id)` holds
/// (members of that CoP, [`shows_join_link`]). Every name is escaped
/// ([`markdown_text`]).
pub fn markdown(d: &Digest, sees_link: impl Fn(&str) -> bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} bulletin, {} to {}\n",
        markdown_text(&d.network_name),
        d.period.from,
        d.period.to
    );
    let _ = writeln!(out, "## Upcoming meetings\n");
    if d.meetings.is_empty() {
        let _ = writeln!(out, "No meetings are scheduled in this period.");
    }
    for m in &d.meetings {
        let _ = write!(
            out,
            "- **{}**: {}, {}, {} minutes, {}",
            markdown_text(&m.community_name),
            markdown_text(&m.title),
            when_text(m),
            m.duration_minutes,
            mode_text(m.mode)
        );
        if let Some(l) = &m.location {
            let _ = write!(out, ", {}", markdown_text(l));
        }
        if let (Some(url), true) = (&m.join_url, sees_link(&m.community_id)) {
            let _ = write!(out, ", join: <{}>", url.replace(['<', '>', ' '], ""));
        }
        out.push('\n');
    }
    if d.more_meetings {
        let _ = writeln!(
            out,
            "\nMore meetings are scheduled than this bulletin lists ({MAX_MEETINGS}); see each CoP's calendar."
        );
    }
    let _ = writeln!(out, "\n## Communities of Practice open to join\n");
    if d.communities.is_empty() {
        let _ = writeln!(out, "No CoP is open to join at the moment.");
    }
    for c in &d.communities {
        let places = match c.kind {
            CommunityKind::Open => "open group".to_owned(),
            CommunityKind::Closed => format!("{} places left", c.places_left),
        };
        let _ = writeln!(
            out,
            "- **{}**: {} ({places})",
            markdown_text(&c.name),
            markdown_text(&c.focus)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_default_is_fourteen_days_from_today() {
        let p = period(None, None, d("2026-12-06")).unwrap();
        assert_eq!((p.from, p.to), (d("2026-12-06"), d("2026-12-19")));
        assert_eq!(p.days(), 14);
        let p = period(Some(d("2027-01-01")), None, d("2026-12-06")).unwrap();
        assert_eq!(p.to, d("2027-01-14"));
        let p = period(None, Some(d("2026-12-06")), d("2026-12-06")).unwrap();
        assert_eq!(p.days(), 1);
    }

    #[test]
    fn from_after_to_and_long_periods_are_refused() {
        let e = period(
            Some(d("2027-01-02")),
            Some(d("2027-01-01")),
            d("2026-12-06"),
        )
        .unwrap_err();
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code.as_str()),
            ("from", "after_to")
        );
        let e = period(None, Some(d("2026-12-05")), d("2026-12-06")).unwrap_err();
        assert_eq!(e.0[0].code, "after_to");
        let from = d("2027-01-01");
        let last = from
            .checked_add_days(Days::new(MAX_DAYS as u64 - 1))
            .unwrap();
        assert!(period(Some(from), Some(last), d("2026-12-06")).is_ok());
        let over = last.succ_opt().unwrap();
        let e = period(Some(from), Some(over), d("2026-12-06")).unwrap_err();
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code.as_str()),
            ("to", "too_long")
        );
    }

    #[test]
    fn a_cop_is_open_to_join_when_active_and_open_or_with_places() {
        use CommunityKind::{Closed, Open};
        use CommunityStatus::{Active, Archived, Proposed};
        assert!(open_to_join(Active, Closed, 8, 7));
        assert!(!open_to_join(Active, Closed, 8, 8));
        assert!(!open_to_join(Active, Closed, 8, 9));
        assert!(open_to_join(Active, Open, 20, 20));
        assert!(!open_to_join(Archived, Open, 20, 1));
        assert!(!open_to_join(Proposed, Closed, 8, 0));
        assert_eq!(places_left(8, 10), 0);
        assert_eq!(places_left(8, 3), 5);
    }

    #[test]
    fn join_links_only_for_the_cops_members() {
        assert!(shows_join_link(&["a", "b"], "b"));
        assert!(!shows_join_link(&["a"], "b"));
        assert!(!shows_join_link(&[], "b"));
    }

    #[test]
    fn markdown_text_cannot_add_structure() {
        assert_eq!(markdown_text("Anxiety CoP"), "Anxiety CoP");
        assert_eq!(
            markdown_text("# [click](http://x) <b>*"),
            r"\# \[click\]\(http://x\) \<b\>\*"
        );
        assert_eq!(markdown_text("a\nb\r\nc"), "a b  c");
    }

    fn digest() -> Digest {
        Digest {
            network_name: "PPN Midlands".into(),
            period: Period {
                from: d("2026-12-06"),
                to: d("2026-12-19"),
            },
            meetings: vec![DigestMeeting {
                id: "m1".into(),
                community_id: "c1".into(),
                community_name: "Anxiety [CoP]".into(),
                title: "December meeting".into(),
                starts_at_local: "2026-12-10T14:00".into(),
                timezone: "Europe/London".into(),
                duration_minutes: 90,
                mode: MeetingDeliveryMode::Teams,
                location: None,
                join_url: Some("https://teams.example/j/1".into()),
            }],
            more_meetings: false,
            communities: vec![DigestCommunity {
                id: "c1".into(),
                name: "Anxiety [CoP]".into(),
                focus: "Practice".into(),
                kind: CommunityKind::Closed,
                places_left: 3,
            }],
        }
    }

    #[test]
    fn markdown_lists_meetings_and_cops_with_links_only_for_members() {
        let md = markdown(&digest(), |c| c == "c1");
        assert!(md.starts_with("# PPN Midlands bulletin, 2026-12-06 to 2026-12-19\n"));
        assert!(md.contains("- **Anxiety \\[CoP\\]**: December meeting, 2026-12-10 14:00 (Europe/London), 90 minutes, Microsoft Teams, join: <https://teams.example/j/1>"), "{md}");
        assert!(md.contains("(3 places left)"));
        let md = markdown(&digest(), |_| false);
        assert!(!md.contains("teams.example"));
        let mut empty = digest();
        empty.meetings.clear();
        empty.communities.clear();
        empty.more_meetings = true;
        let md = markdown(&empty, |_| true);
        assert!(md.contains("No meetings are scheduled"));
        assert!(md.contains("No CoP is open to join"));
        assert!(md.contains("More meetings are scheduled"));
    }
}
