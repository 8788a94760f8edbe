//! The PPN's demo **staff peer support** (`supporter`): five trained,
//! supervised supporters (capacity 2–3), a sixth registered without a
//! supervisor (so not matchable), twelve peers waiting, two matches already
//! active (Sam Patel's among them), and one completed dry run in its run
//! history. Loaded as [`super::matching`] describes; besides, a supporter
//! is registered only when that person is not one yet, the active matches
//! are made only together with their request, and the dry run only when the
//! programme has no run yet.
use chrono::NaiveDate;
use peerhub_domain::access::Principal;
use peerhub_domain::matching::lifecycle::MatchAnswer;
use peerhub_domain::matching::score::{PreferredMeetingMode, ProgrammeKind};
use peerhub_persistence::matching::{self, ManualPair, NewSupporter};
use peerhub_persistence::{Ctx, Db, PageRequest, networks};

use super::matching::{ASK, Ask, MEMBER, Member, ensure_people, ensure_programme, ensure_request};
use super::people::{PPN, PPN_MANAGER};
use super::support::user_id;

const PPN_PROGRAMME: &str = "NHS Staff Peer Support";

const BIRMINGHAM_TT: Option<&str> = Some("Birmingham Talking Therapies");
const NOTTINGHAM_TRAUMA: Option<&str> = Some("Midlands Trauma Service");
const LEICESTER_TT: Option<&str> = Some("Leicester Talking Therapies");

const PPN_MEMBERS: &[Member] = &[
    // Supporters.
    Member {
        email: "nadia.rahman@nhs.net",
        name: "Nadia Rahman",
        profession: "PWP",
        level: "lead",
        region: "West Midlands",
        specialties: &["long term conditions", "burnout", "step 2 interventions"],
        interests: &["supervision", "wellbeing at work"],
        team: BIRMINGHAM_TT,
        sensitive: &[("ethnicity", "British Asian")],
        ..MEMBER
    },
    Member {
        email: "joseph.adams@nhs.net",
        name: "Joseph Adams",
        profession: "CLINICAL_PSYCHOLOGIST",
        level: "senior",
        region: "West Midlands",
        specialties: &["trauma", "moral injury"],
        interests: &["reflective practice", "research"],
        team: NOTTINGHAM_TRAUMA,
        ..MEMBER
    },
    Member {
        email: "claire.dawson@nhs.net",
        name: "Claire Dawson",
        profession: "CAP",
        level: "senior",
        region: "West Midlands",
        specialties: &["returning to practice", "burnout"],
        interests: &["reflective practice"],
        ..MEMBER
    },
    Member {
        email: "michael.obi@nhs.net",
        name: "Michael Obi",
        profession: "HEALTH_PSYCHOLOGIST",
        level: "lead",
        region: "East Midlands",
        specialties: &["long term conditions", "chronic pain"],
        interests: &["research", "supervision"],
        sensitive: &[("ethnicity", "Black British")],
        ..MEMBER
    },
    Member {
        email: "helen.fox@nhs.net",
        name: "Helen Fox",
        profession: "PWP",
        level: "senior",
        region: "East Midlands",
        specialties: &["burnout", "step 2 interventions", "returning to practice"],
        interests: &["wellbeing at work"],
        team: LEICESTER_TT,
        ..MEMBER
    },
    Member {
        email: "peter.lowe@nhs.net",
        name: "Peter Lowe",
        profession: "CBT_THERAPIST",
        level: "senior",
        region: "West Midlands",
        specialties: &["burnout", "anxiety"],
        interests: &["reflective practice"],
        ..MEMBER
    },
    // Peers.
    Member {
        email: "kate.morris@nhs.net",
        name: "Kate Morris",
        profession: "CLINICAL_PSYCHOLOGIST",
        level: "qualified",
        region: "East Midlands",
        specialties: &["trauma"],
        interests: &["reflective practice"],
        ..MEMBER
    },
    Member {
        email: "amy.russell@nhs.net",
        name: "Amy Russell",
        profession: "PWP",
        level: "qualified",
        region: "West Midlands",
        specialties: &["step 2 interventions", "burnout"],
        interests: &["wellbeing at work"],
        team: BIRMINGHAM_TT,
        ..MEMBER
    },
    Member {
        email: "ryan.cooper@nhs.net",
        name: "Ryan Cooper",
        profession: "PWP",
        level: "trainee",
        region: "East Midlands",
        specialties: &["step 2 interventions"],
        line_manager: Some("helen.fox@nhs.net"),
        ..MEMBER
    },
    Member {
        email: "aisha.khan@nhs.net",
        name: "Aisha Khan",
        profession: "NURSE",
        level: "senior",
        region: "West Midlands",
        specialties: &["long term conditions"],
        interests: &["quality improvement"],
        ..MEMBER
    },
    Member {
        email: "lewis.grant@nhs.net",
        name: "Lewis Grant",
        profession: "HEALTH_PSYCHOLOGIST",
        level: "qualified",
        region: "East Midlands",
        specialties: &["chronic pain", "long term conditions"],
        interests: &["research"],
        ..MEMBER
    },
    Member {
        email: "sarah.jones@nhs.net",
        name: "Sarah Jones",
        profession: "CLINICAL_PSYCHOLOGIST",
        level: "qualified",
        region: "East Midlands",
        specialties: &["trauma"],
        interests: &["reflective practice"],
        team: NOTTINGHAM_TRAUMA,
        ..MEMBER
    },
    Member {
        email: "megan.hall@nhs.net",
        name: "Megan Hall",
        profession: "CAP",
        level: "qualified",
        region: "West Midlands",
        specialties: &["returning to practice"],
        interests: &["reflective practice"],
        ..MEMBER
    },
    Member {
        email: "david.chen@nhs.net",
        name: "David Chen",
        profession: "PWP",
        level: "senior",
        region: "East Midlands",
        specialties: &["burnout"],
        interests: &["wellbeing at work"],
        ..MEMBER
    },
    Member {
        email: "emma.wilson@nhs.net",
        name: "Emma Wilson",
        profession: "CYWP",
        level: "qualified",
        region: "West Midlands",
        specialties: &["children and young people"],
        interests: &["reflective practice"],
        ..MEMBER
    },
    Member {
        email: "joe.harris@nhs.net",
        name: "Joe Harris",
        profession: "SOCIAL_WORKER",
        level: "lead",
        region: "Yorkshire and the Humber",
        specialties: &["safeguarding adults"],
        interests: &["football"],
        team: LEICESTER_TT,
        ..MEMBER
    },
    Member {
        email: "olivia.reed@nhs.net",
        name: "Olivia Reed",
        profession: "PWP",
        level: "qualified",
        region: "East Midlands",
        specialties: &["step 2 interventions", "long term conditions"],
        interests: &["wellbeing at work"],
        ..MEMBER
    },
    Member {
        email: "hassan.ali@nhs.net",
        name: "Hassan Ali",
        profession: "CLINICAL_PSYCHOLOGIST",
        level: "trainee",
        region: "West Midlands",
        specialties: &["trauma"],
        interests: &["research"],
        ..MEMBER
    },
];

/// A supporter to register.
struct Supporter {
    email: &'static str,
    capacity: i32,
    /// Training date (year, month, day).
    trained_on: (i32, u32, u32),
    /// Email of their supervisor, a member of the network.
    supervisor: Option<&'static str>,
}

const PPN_SUPPORTERS: &[Supporter] = &[
    Supporter {
        email: "nadia.rahman@nhs.net",
        capacity: 3,
        trained_on: (2025, 9, 18),
        supervisor: Some("omar.haddad@nhs.net"),
    },
    Supporter {
        email: "joseph.adams@nhs.net",
        capacity: 3,
        trained_on: (2025, 9, 18),
        supervisor: Some("fatima.begum@nhs.net"),
    },
    Supporter {
        email: "claire.dawson@nhs.net",
        capacity: 3,
        trained_on: (2026, 1, 22),
        supervisor: Some("omar.haddad@nhs.net"),
    },
    Supporter {
        email: "michael.obi@nhs.net",
        capacity: 2,
        trained_on: (2025, 5, 8),
        supervisor: Some("fatima.begum@nhs.net"),
    },
    Supporter {
        email: "helen.fox@nhs.net",
        capacity: 2,
        trained_on: (2026, 1, 22),
        supervisor: Some("omar.haddad@nhs.net"),
    },
    // Trained, but nobody supervises him yet: registered, not matchable.
    Supporter {
        email: "peter.lowe@nhs.net",
        capacity: 2,
        trained_on: (2026, 1, 22),
        supervisor: None,
    },
];

/// Requests whose pair is made by the manager and accepted by both:
/// (peer's email, supporter's email).
const PPN_ACTIVE: &[(&str, &str)] = &[
    ("sam.patel@nhs.net", "nadia.rahman@nhs.net"),
    ("kate.morris@nhs.net", "joseph.adams@nhs.net"),
];

const PPN_ASKS: &[Ask] = &[
    // In active matches.
    Ask {
        email: "sam.patel@nhs.net",
        areas: &["burnout", "step 2 interventions"],
        mode: Some(PreferredMeetingMode::InPerson),
        availability: Some("Wednesday lunchtimes"),
        ..ASK
    },
    Ask {
        email: "kate.morris@nhs.net",
        areas: &["moral injury"],
        ..ASK
    },
    // Waiting.
    Ask {
        email: "chris.evans@nhs.net",
        areas: &["returning to practice"],
        profession: Some("CAP"),
        mode: Some(PreferredMeetingMode::Online),
        availability: Some("Monday or Friday afternoons"),
        ..ASK
    },
    Ask {
        email: "amy.russell@nhs.net",
        areas: &["burnout"],
        ..ASK
    },
    Ask {
        email: "ryan.cooper@nhs.net",
        mode: Some(PreferredMeetingMode::InPerson),
        ..ASK
    },
    Ask {
        email: "aisha.khan@nhs.net",
        areas: &["long term conditions"],
        mode: Some(PreferredMeetingMode::Online),
        sensitive: &[("ethnicity", "Black British")],
        ..ASK
    },
    Ask {
        email: "lewis.grant@nhs.net",
        ..ASK
    },
    Ask {
        email: "sarah.jones@nhs.net",
        areas: &["trauma", "moral injury"],
        ..ASK
    },
    Ask {
        email: "megan.hall@nhs.net",
        areas: &["burnout", "returning to practice"],
        ..ASK
    },
    Ask {
        email: "david.chen@nhs.net",
        profession: Some("PWP"),
        level: Some("lead"),
        ..ASK
    },
    Ask {
        email: "emma.wilson@nhs.net",
        areas: &["burnout"],
        ..ASK
    },
    Ask {
        email: "joe.harris@nhs.net",
        areas: &["safeguarding adults"],
        ..ASK
    },
    Ask {
        email: "olivia.reed@nhs.net",
        ..ASK
    },
    Ask {
        email: "hassan.ali@nhs.net",
        areas: &["trauma"],
        mode: Some(PreferredMeetingMode::Online),
        ..ASK
    },
];

/// Loads the programme, its people, supporters, requests and matches;
/// skips a PPN the demo has not created.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let Some(net) = networks::find_by_slug(db, PPN).await? else {
        return Ok(());
    };
    let network_id = net.id.as_str();
    let manager = user_id(db, PPN_MANAGER).await?;
    ensure_people(db, network_id, PPN_MEMBERS).await?;
    let p = ensure_programme(
        db,
        network_id,
        &manager,
        PPN_PROGRAMME,
        "1:1 peer support for psychological professions staff: trained \
         supporters, each supervised, support colleagues who share their experience.",
        ProgrammeKind::Supporter,
        25,
    )
    .await?;
    let ctx = Ctx::system().with_actor(&manager);
    let existing = matching::list_supporters(db, &p.id, &PageRequest::default()).await?;
    for sup in PPN_SUPPORTERS {
        let uid = user_id(db, sup.email).await?;
        if existing.items.iter().any(|s| s.user_id == uid) {
            continue;
        }
        let supervisor_id = match sup.supervisor {
            Some(s) => Some(user_id(db, s).await?),
            None => None,
        };
        matching::add_supporter(
            db,
            &ctx,
            &p,
            NewSupporter {
                user_id: uid,
                capacity: sup.capacity,
                trained_on: NaiveDate::from_ymd_opt(
                    sup.trained_on.0,
                    sup.trained_on.1,
                    sup.trained_on.2,
                ),
                supervisor_id,
            },
        )
        .await?;
    }
    let supporters = matching::list_supporters(db, &p.id, &PageRequest::default()).await?;
    for a in PPN_ASKS {
        let Some(request_id) = ensure_request(db, &p, a).await? else {
            continue;
        };
        // A new request that the demo pairs and both accept.
        let Some((_, supporter_email)) = PPN_ACTIVE.iter().find(|(peer, _)| *peer == a.email)
        else {
            continue;
        };
        let supporter_user = user_id(db, supporter_email).await?;
        let Some(s) = supporters
            .items
            .iter()
            .find(|s| s.user_id == supporter_user)
        else {
            continue;
        };
        let m = matching::create_manual(
            db,
            &ctx,
            &p,
            ManualPair {
                request_id,
                other_request_id: None,
                supporter_id: Some(s.id.clone()),
            },
        )
        .await?;
        let peer = user_id(db, a.email).await?;
        for who in [peer, supporter_user.clone()] {
            let principal = Principal {
                user_id: who.clone(),
                is_platform_admin: false,
                token_scopes: None,
            };
            let access = matching::match_access(db, &principal, &m.id).await?;
            matching::answer(
                db,
                &Ctx::system().with_actor(&who),
                access,
                &who,
                MatchAnswer::Accept,
                None,
            )
            .await?;
        }
    }
    // One completed dry run, so the programme's run history is not empty.
    if matching::list_runs(db, &p.id, &PageRequest::default())
        .await?
        .items
        .is_empty()
    {
        matching::run(db, &ctx, &p, true).await?;
    }
    Ok(())
}
