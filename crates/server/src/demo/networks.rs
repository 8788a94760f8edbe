//! The demo networks, and the communities in them with approved Terms of
//! Reference (docs/getting-started.md lists the demo). A network is created
//! only when its slug is unknown, a community only when its network has
//! none of its name.
use peerhub_domain::account::NetworkRole;
use peerhub_domain::community::{CadenceUnit, CommunityKind, DeliveryMode, RawSettings};
use peerhub_persistence::communities::{self, TermsDraft};
use peerhub_persistence::{Ctx, Db, PageRequest, networks};

use super::people::{GUILD, PPN};
use super::support;

/// Creates the two networks unless present.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let ctx = Ctx::system();
    for (name, slug, domains, register) in [
        (
            "PPN Midlands",
            PPN,
            vec!["nhs.net".to_owned(), "nhs.uk".to_owned()],
            None,
        ),
        (
            "Positive Psychology Guild",
            GUILD,
            vec!["positivepsychologyguild.org".to_owned()],
            Some("Register of Positive Psychology Practitioners".to_owned()),
        ),
    ] {
        if networks::find_by_slug(db, slug).await?.is_none() {
            networks::create(
                db,
                &ctx,
                networks::NewNetwork {
                    name: name.into(),
                    slug: slug.into(),
                    description: None,
                    allowed_email_domains: domains,
                    require_register_to_propose: register,
                },
            )
            .await?;
        }
    }
    Ok(())
}

struct DemoCop {
    network: &'static str,
    name: &'static str,
    focus: &'static str,
    audience: &'static str,
    kind: CommunityKind,
    capacity: i32,
    every: i32,
    unit: CadenceUnit,
    minutes: i32,
    fee_note: Option<&'static str>,
    rules: &'static str,
    meeting: &'static str,
}

/// The five PPN Midlands CoPs (who each is for, how often and how long)
/// and the guild's two groups (docs/getting-started.md lists the demo).
const COPS: &[DemoCop] = &[
    DemoCop {
        network: PPN,
        name: "Chief Psychological Professions Officers (CPPO)",
        focus: "Engage with and support CPPOs and senior Trust psychology leads across the Midlands: sharing information, system intelligence and best practice.",
        audience: "Chief Psychological Professions Officers or the most senior psychological professional in their organisation.",
        kind: CommunityKind::Open,
        capacity: 40,
        every: 3,
        unit: CadenceUnit::Months,
        minutes: 120,
        fee_note: None,
        rules: r#"{"levels": ["lead"], "regions": ["West Midlands", "East Midlands"], "other_criteria": ["Chief Psychological Professions Officer, or the most senior psychological professional in their organisation"]}"#,
        meeting: "Every 3 months for 2 hours, online.",
    },
    DemoCop {
        network: PPN,
        name: "Psychological Practitioners",
        focus: "Professional growth through sharing and enhancing skills, knowledge and practice.",
        audience: "Trainee, qualified, senior and lead practitioners and education providers in the PWP, CYWP, EMHP and MHWP professions across the Midlands.",
        kind: CommunityKind::Open,
        capacity: 120,
        every: 3,
        unit: CadenceUnit::Months,
        minutes: 120,
        fee_note: None,
        rules: r#"{"professions": ["PWP", "CYWP", "EMHP", "MHWP"], "levels": ["trainee", "qualified", "senior", "lead"], "regions": ["West Midlands", "East Midlands"], "allow_out_of_region": true}"#,
        meeting: "Every 3 months for 2 hours, online.",
    },
    DemoCop {
        network: PPN,
        name: "Psychological Professionals in Physical Healthcare",
        focus: "Implementing psychological professional roles in physical healthcare: business cases, benchmarking services across specialties and localities, links with NHS Talking Therapies LTC leads.",
        audience: "Psychological professions leads and service leads working in physical healthcare across the Midlands.",
        kind: CommunityKind::Open,
        capacity: 60,
        every: 3,
        unit: CadenceUnit::Months,
        minutes: 90,
        fee_note: None,
        rules: r#"{"levels": ["senior", "lead"], "regions": ["West Midlands", "East Midlands"], "other_criteria": ["Works in a physical healthcare setting"]}"#,
        meeting: "Every 3 months for 1.5 hours, online.",
    },
    DemoCop {
        network: PPN,
        name: "Clinical Associate in Psychology",
        focus: "Share good practice, successes and challenges, ways of working and case examples: a reflective space for qualified and trainee CAPs.",
        audience: "Qualified or trainee CAPs, and stakeholder representatives from regional training providers and employers across the Midlands.",
        kind: CommunityKind::Open,
        capacity: 60,
        every: 2,
        unit: CadenceUnit::Months,
        minutes: 60,
        fee_note: None,
        rules: r#"{"professions": ["CAP"], "levels": ["trainee", "qualified"], "regions": ["West Midlands", "East Midlands"]}"#,
        meeting: "Every 2 months for 1 hour, or up to 2 hours when a presentation is delivered.",
    },
    DemoCop {
        network: PPN,
        name: "Assistant Psychologists and Psychology Students",
        focus: "Foster collaboration and empower individuals through the exchange of skills, knowledge and best practice.",
        audience: "Undergraduate psychology students on BPS-accredited courses and postgraduate Assistant Psychologists in health and social care across the Midlands.",
        kind: CommunityKind::Open,
        capacity: 100,
        every: 3,
        unit: CadenceUnit::Months,
        minutes: 60,
        fee_note: None,
        rules: r#"{"professions": ["AP", "APP", "PSYCHOLOGY_STUDENT"], "regions": ["West Midlands", "East Midlands"]}"#,
        meeting: "Every 3 months for 1 hour, online.",
    },
    DemoCop {
        network: GUILD,
        name: "Strengths-Based Practice Circle",
        focus: "A closed peer group on strengths-based practice with clients.",
        audience: "Practitioner members on the Register of Positive Psychology Practitioners.",
        kind: CommunityKind::Closed,
        capacity: 8,
        every: 4,
        unit: CadenceUnit::Weeks,
        minutes: 90,
        fee_note: Some("Members share the facilitator's fee."),
        rules: r#"{"registers": ["Register of Positive Psychology Practitioners"]}"#,
        meeting: "Every 4 weeks for 90 minutes with a facilitator (fee shared by members).",
    },
    DemoCop {
        network: GUILD,
        name: "Wellbeing in Schools Interest Group",
        focus: "An open interest group on positive psychology in education settings.",
        audience: "Any guild member interested in wellbeing in schools.",
        kind: CommunityKind::Open,
        capacity: 20,
        every: 2,
        unit: CadenceUnit::Months,
        minutes: 60,
        fee_note: None,
        rules: r#"{}"#,
        meeting: "Every 2 months for 1 hour, online.",
    },
];

/// Creates each missing community, drafted and approved by its network's
/// manager. Needs the networks and their managers.
pub async fn load_communities(db: &Db) -> anyhow::Result<()> {
    for cop in COPS {
        let Some(net) = networks::find_by_slug(db, cop.network).await? else {
            continue;
        };
        if support::community_named(db, Some(&net.id), cop.name)
            .await?
            .is_some()
        {
            continue;
        }
        // The network's manager acts, so drafts and approvals name a person.
        let managers = networks::members(
            db,
            &net.id,
            Some(NetworkRole::Manager),
            &PageRequest::default(),
        )
        .await?;
        let ctx = match managers.items.first() {
            Some(m) => Ctx::system().with_actor(&m.user.id),
            None => Ctx::system(),
        };
        let c = communities::create(
            db,
            &ctx,
            &net.id,
            RawSettings {
                name: Some(cop.name.into()),
                focus: Some(cop.focus.into()),
                audience: Some(cop.audience.into()),
                kind: Some(cop.kind),
                capacity: Some(cop.capacity),
                cadence_every: Some(cop.every),
                cadence_unit: Some(cop.unit),
                duration_minutes: Some(cop.minutes),
                delivery_mode: Some(DeliveryMode::Online),
                fee_note: Some(cop.fee_note.map(str::to_owned)),
                ..Default::default()
            },
            None,
        )
        .await?;
        let t = communities::draft_terms(
            db,
            &ctx,
            &c,
            TermsDraft {
                purpose: cop.focus.into(),
                aims: vec![
                    "Share good practice".into(),
                    "Support professional development".into(),
                ],
                eligibility: serde_json::from_str(cop.rules)?,
                meeting_arrangements: cop.meeting.into(),
                chairing_arrangements: "A chair, with co-chairs if the community wishes; reviewed yearly.".into(),
                notes_arrangements: "The secretary drafts notes with actions; the chair approves them before they are shared.".into(),
                max_secretaries: None,
            },
        )
        .await?;
        communities::approve_terms(db, &ctx, &c, t.number).await?;
    }
    Ok(())
}
