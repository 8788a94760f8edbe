//! Demo meetings: for each demo community, a year of past meetings by its
//! cadence with attendance and approved minutes with actions, and the next
//! two meetings scheduled. Everything goes through the real stores, so the
//! same rules apply as to people using the API. Skipped for a community
//! that already has meetings.
use chrono::{Duration, NaiveDate, Utc};
use peerhub_domain::calendar;
use peerhub_domain::community::{CommunityRole, DeliveryMode};
use peerhub_domain::meeting::{
    ActionItem, ActionStatus, AttendanceStatus, MeetingDeliveryMode, MinutesItem,
};
use peerhub_persistence::communities;
use peerhub_persistence::entities::community;
use peerhub_persistence::meetings::{self, NewSeries};
use peerhub_persistence::minutes::{self, Actor, MinutesInput};
use peerhub_persistence::{Ctx, Db};

use super::support;

struct Team {
    community: &'static str,
    chair: &'static str,
    co_chair: Option<&'static str>,
    secretary: Option<&'static str>,
    members: &'static [&'static str],
    zone: &'static str,
}

const TEAMS: &[Team] = &[
    Team {
        community: "Chief Psychological Professions Officers (CPPO)",
        chair: "priya.shah@nhs.net",
        co_chair: Some("george.mills@nhs.net"),
        secretary: None,
        members: &["omar.haddad@nhs.net"],
        zone: "Europe/London",
    },
    Team {
        community: "Psychological Practitioners",
        chair: "lena.ward@nhs.net",
        co_chair: None,
        secretary: Some("sam.patel@nhs.net"),
        members: &["daniel.kim@nhs.net", "fatima.begum@nhs.net"],
        zone: "Europe/London",
    },
    Team {
        community: "Psychological Professionals in Physical Healthcare",
        chair: "fatima.begum@nhs.net",
        co_chair: None,
        secretary: Some("omar.haddad@nhs.net"),
        members: &["george.mills@nhs.net"],
        zone: "Europe/London",
    },
    Team {
        community: "Clinical Associate in Psychology",
        chair: "rachel.green@nhs.net",
        co_chair: None,
        secretary: None,
        members: &["lena.ward@nhs.net"],
        zone: "Europe/London",
    },
    Team {
        community: "Assistant Psychologists and Psychology Students",
        chair: "daniel.kim@nhs.net",
        co_chair: Some("rachel.green@nhs.net"),
        secretary: None,
        members: &["lena.ward@nhs.net"],
        zone: "Europe/London",
    },
    Team {
        community: "Strengths-Based Practice Circle",
        chair: "hannah.cole@positivepsychologyguild.org",
        co_chair: None,
        secretary: Some("ibrahim.noor@positivepsychologyguild.org"),
        members: &[],
        zone: "Europe/London",
    },
    Team {
        community: "Wellbeing in Schools Interest Group",
        chair: "ibrahim.noor@positivepsychologyguild.org",
        co_chair: None,
        secretary: None,
        members: &["hannah.cole@positivepsychologyguild.org"],
        zone: "Europe/London",
    },
];

const AGENDA: &[&str] = &[
    "Welcome, introductions and apologies",
    "Actions from the last meeting",
    "Reflective practice and case discussion",
    "Any other business",
];

/// Makes `email` an active member with `role` (see [`support::join`]).
async fn ensure_member(
    db: &Db,
    c: &community::Model,
    email: &str,
    role: CommunityRole,
) -> anyhow::Result<String> {
    let uid = support::user_id(db, email).await?;
    support::join(db, c, &uid, role).await?;
    Ok(uid)
}

/// Loads the meetings of every demo community that has none. Needs the
/// communities and their people.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    for team in TEAMS {
        let Some(c) = support::community_named(db, None, team.community).await? else {
            continue;
        };
        if !meetings::of_community(db, &c.id).await?.is_empty() {
            continue;
        }
        load_team(db, &c, team).await?;
    }
    Ok(())
}

async fn load_team(db: &Db, c: &community::Model, team: &Team) -> anyhow::Result<()> {
    let chair = ensure_member(db, c, team.chair, CommunityRole::Chair).await?;
    let co_chair = match team.co_chair {
        Some(e) => Some(ensure_member(db, c, e, CommunityRole::CoChair).await?),
        None => None,
    };
    let secretary = match team.secretary {
        Some(e) => Some(ensure_member(db, c, e, CommunityRole::Secretary).await?),
        None => None,
    };
    let mut members = Vec::new();
    for e in team.members {
        members.push(ensure_member(db, c, e, CommunityRole::Member).await?);
    }

    // A year of the cadence, from about a year ago, plus the next two.
    let tz = calendar::parse_timezone(team.zone).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = Utc::now();
    let first_day = (now - Duration::days(358)).date_naive();
    let first = first_day
        .and_hms_opt(10, 0, 0)
        .ok_or_else(|| anyhow::anyhow!("bad demo start"))?;
    let settings = communities::settings_of(c)?;
    let every = u32::try_from(settings.cadence_every)
        .map_err(|_| anyhow::anyhow!("demo community {} has a negative cadence", c.name))?;
    let all = calendar::occurrences(
        first,
        every,
        settings.cadence_unit,
        Some(calendar::MAX_OCCURRENCES),
        None,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let past = all
        .iter()
        .filter(|l| calendar::resolve(tz, **l).is_ok_and(|at| at < now))
        .count();
    let count = (past + 2).min(all.len());
    let chair_ctx = Ctx::system().with_actor(&chair);
    let in_person = settings.delivery_mode == DeliveryMode::InPerson;
    let slug: String = c
        .name
        .to_lowercase()
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
        .collect();
    let (_, series) = meetings::create_series(
        db,
        &chair_ctx,
        c,
        NewSeries {
            first_starts_at_local: calendar::format_local(first),
            timezone: team.zone.into(),
            count: Some(count as i64),
            until: None,
            title: Some(format!("{} meeting", c.name)),
            duration_minutes: None,
            mode: Some(if in_person {
                MeetingDeliveryMode::InPerson
            } else {
                MeetingDeliveryMode::Teams
            }),
            location: in_person.then(|| "Birmingham, Centre for Psychological Professions".into()),
            join_url: Some(format!(
                "https://teams.microsoft.com/l/meetup-join/demo-{slug}"
            )),
            agenda: Some(
                AGENDA
                    .iter()
                    .map(|t| peerhub_domain::meeting::AgendaItem {
                        title: (*t).into(),
                        presenter_id: None,
                        minutes: None,
                    })
                    .collect(),
            ),
        },
    )
    .await?;

    let (drafter, drafter_role) = match &secretary {
        Some(s) => (s.clone(), CommunityRole::Secretary),
        None => (chair.clone(), CommunityRole::Chair),
    };
    let (approver, approver_role) = match (&secretary, &co_chair) {
        (None, Some(cc)) => (cc.clone(), CommunityRole::CoChair),
        _ => (chair.clone(), CommunityRole::Chair),
    };
    let owners: Vec<String> = members
        .iter()
        .chain(secretary.iter())
        .chain(std::iter::once(&chair))
        .cloned()
        .collect();
    let held: Vec<_> = series.iter().filter(|m| m.starts_at < now).collect();
    for (i, m) in held.iter().enumerate() {
        // Attendance: everyone invited was there but one, who sent apologies.
        let invited: Vec<String> = meetings::invitee_ids(db, m).await?.into_iter().collect();
        let records = invited
            .iter()
            .enumerate()
            .map(|(k, u)| {
                let s = if k == i % invited.len().max(1) && invited.len() > 2 {
                    AttendanceStatus::Apologies
                } else {
                    AttendanceStatus::Present
                };
                (u.clone(), s)
            })
            .collect();
        meetings::record_attendance(db, &chair_ctx, &m.id, records).await?;

        let day: NaiveDate = m.starts_at.date_naive();
        let owner = &owners[i % owners.len()];
        let drafter_actor = Actor {
            user_id: &drafter,
            role: Some(drafter_role),
        };
        let drafter_ctx = Ctx::system().with_actor(&drafter);
        minutes::save(
            db,
            &drafter_ctx,
            &m.id,
            &drafter_actor,
            MinutesInput {
                items: Some(vec![
                    MinutesItem {
                        agenda_item: AGENDA[0].into(),
                        discussion: "The chair welcomed members; apologies were noted.".into(),
                        decisions: vec![],
                    },
                    MinutesItem {
                        agenda_item: AGENDA[1].into(),
                        discussion: "Open actions were reviewed.".into(),
                        decisions: vec![],
                    },
                    MinutesItem {
                        agenda_item: AGENDA[2].into(),
                        discussion: "Members shared approaches to supervision and reflected on a recent case.".into(),
                        decisions: vec![format!("Share a practice summary in the forum before meeting {}", i + 2)],
                    },
                    MinutesItem {
                        agenda_item: AGENDA[3].into(),
                        discussion: String::new(),
                        decisions: vec![],
                    },
                ]),
                actions: vec![ActionItem {
                    id: None,
                    description: "Post a short practice summary on the forum".into(),
                    owner_id: owner.clone(),
                    due_on: day + Duration::days(28),
                }],
                ..Default::default()
            },
            None,
        )
        .await?;
        minutes::submit(db, &drafter_ctx, &m.id, &drafter_actor, None).await?;
        minutes::approve(
            db,
            &Ctx::system().with_actor(&approver),
            c,
            &m.id,
            &Actor {
                user_id: &approver,
                role: Some(approver_role),
            },
            None,
        )
        .await?;
        // Older actions are done; the latest stays open for the next meeting.
        if i + 1 < held.len() {
            let open = minutes::list_actions(
                db,
                &peerhub_domain::access::Principal {
                    user_id: chair.clone(),
                    is_platform_admin: true,
                    token_scopes: None,
                },
                &minutes::ActionFilter {
                    meeting_id: Some(m.id.clone()),
                    ..Default::default()
                },
                &peerhub_persistence::PageRequest::default(),
            )
            .await?;
            for a in open.items {
                minutes::set_action_status(
                    db,
                    &Ctx::system().with_actor(&a.owner_id),
                    &a.id,
                    ActionStatus::Done,
                    None,
                )
                .await?;
            }
        }
    }
    Ok(())
}
