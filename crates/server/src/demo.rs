//! Demo data, loaded idempotently by `peerhub demo` and `make run`.
use peerhub_domain::account::{Email, NetworkRole, UserStatus};
use peerhub_persistence::entities::user;
use peerhub_persistence::{Ctx, Db, accounts, networks};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "peerhub-demo-2026";

pub struct DemoLogin {
    pub email: &'static str,
    pub role: &'static str,
}

struct Person {
    email: &'static str,
    name: &'static str,
    network: Option<&'static str>,
    role: NetworkRole,
    profession: Option<&'static str>,
    level: Option<&'static str>,
    region: Option<&'static str>,
    label: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        email: "admin@peerhub.test",
        name: "Platform Admin",
        network: None,
        role: NetworkRole::Member,
        profession: None,
        level: None,
        region: None,
        label: "platform admin",
    },
    Person {
        email: "maya.okafor@nhs.net",
        name: "Maya Okafor",
        network: Some("ppn-midlands"),
        role: NetworkRole::Manager,
        profession: Some("CLINICAL_PSYCHOLOGIST"),
        level: Some("lead"),
        region: Some("West Midlands"),
        label: "PPN Midlands manager",
    },
    Person {
        email: "sam.patel@nhs.net",
        name: "Sam Patel",
        network: Some("ppn-midlands"),
        role: NetworkRole::Member,
        profession: Some("PWP"),
        level: Some("senior"),
        region: Some("West Midlands"),
        label: "PPN Midlands member (PWP)",
    },
    Person {
        email: "chris.evans@nhs.net",
        name: "Chris Evans",
        network: Some("ppn-midlands"),
        role: NetworkRole::Member,
        profession: Some("CAP"),
        level: Some("trainee"),
        region: Some("East Midlands"),
        label: "PPN Midlands member (CAP)",
    },
    Person {
        email: "priya.shah@nhs.net",
        name: "Priya Shah",
        network: Some("ppn-midlands"),
        role: NetworkRole::Member,
        profession: Some("CPPO"),
        level: Some("lead"),
        region: Some("East Midlands"),
        label: "PPN Midlands member (CPPO)",
    },
    Person {
        email: "grace.hill@positivepsychologyguild.org",
        name: "Grace Hill",
        network: Some("positive-psychology-guild"),
        role: NetworkRole::Manager,
        profession: Some("POSITIVE_PSYCHOLOGY_PRACTITIONER"),
        level: Some("lead"),
        region: Some("London"),
        label: "Guild manager",
    },
    Person {
        email: "tom.reed@positivepsychologyguild.org",
        name: "Tom Reed",
        network: Some("positive-psychology-guild"),
        role: NetworkRole::Member,
        profession: Some("POSITIVE_PSYCHOLOGY_PRACTITIONER"),
        level: Some("qualified"),
        region: Some("North West"),
        label: "Guild member",
    },
    Person {
        email: "ana.lima@gmail.com",
        name: "Ana Lima",
        network: Some("positive-psychology-guild"),
        role: NetworkRole::Member,
        profession: Some("COUNSELLOR"),
        level: Some("qualified"),
        region: Some("London"),
        label: "Guild member (invited, personal email)",
    },
];

const fn background(
    email: &'static str,
    name: &'static str,
    network: &'static str,
    profession: &'static str,
    level: &'static str,
    region: &'static str,
) -> Person {
    Person {
        email,
        name,
        network: Some(network),
        role: NetworkRole::Member,
        profession: Some(profession),
        level: Some(level),
        region: Some(region),
        label: "",
    }
}

const BACKGROUND: &[Person] = &[
    background(
        "lena.ward@nhs.net",
        "Lena Ward",
        "ppn-midlands",
        "PWP",
        "lead",
        "West Midlands",
    ),
    background(
        "omar.haddad@nhs.net",
        "Omar Haddad",
        "ppn-midlands",
        "CLINICAL_PSYCHOLOGIST",
        "senior",
        "East Midlands",
    ),
    background(
        "rachel.green@nhs.net",
        "Rachel Green",
        "ppn-midlands",
        "CAP",
        "qualified",
        "West Midlands",
    ),
    background(
        "daniel.kim@nhs.net",
        "Daniel Kim",
        "ppn-midlands",
        "AP",
        "qualified",
        "East Midlands",
    ),
    background(
        "fatima.begum@nhs.net",
        "Fatima Begum",
        "ppn-midlands",
        "HEALTH_PSYCHOLOGIST",
        "senior",
        "West Midlands",
    ),
    background(
        "george.mills@nhs.net",
        "George Mills",
        "ppn-midlands",
        "CPPO",
        "lead",
        "East Midlands",
    ),
    background(
        "hannah.cole@positivepsychologyguild.org",
        "Hannah Cole",
        "positive-psychology-guild",
        "COUNSELLING_PSYCHOLOGIST",
        "senior",
        "London",
    ),
    background(
        "ibrahim.noor@positivepsychologyguild.org",
        "Ibrahim Noor",
        "positive-psychology-guild",
        "PSYCHOTHERAPIST",
        "qualified",
        "London",
    ),
];

/// Loads the demo networks and people unless present. Returns the logins.
pub async fn load(db: &Db) -> anyhow::Result<Vec<DemoLogin>> {
    let ctx = Ctx::system();
    for (name, slug, domains, register) in [
        (
            "PPN Midlands",
            "ppn-midlands",
            vec!["nhs.net".to_owned(), "nhs.uk".to_owned()],
            None,
        ),
        (
            "Positive Psychology Guild",
            "positive-psychology-guild",
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
    let mut logins = Vec::new();
    for p in PEOPLE {
        let email =
            Email::parse(p.email).map_err(|e| anyhow::anyhow!("demo email {}: {e}", p.email))?;
        let u = match accounts::find_by_email(db, &email).await? {
            Some(u) => u,
            None if p.network.is_none() => {
                accounts::create_admin(db, p.email, DEMO_PASSWORD, p.name).await?
            }
            None => create_person(db, p).await?,
        };
        if let Some(slug) = p.network
            && let Some(n) = networks::find_by_slug(db, slug).await?
        {
            networks::ensure_member(db, &ctx, &n.id, &u.id, p.role).await?;
        }
        logins.push(DemoLogin {
            email: p.email,
            role: p.label,
        });
    }
    // People who make up the demo core teams; they can log in too but
    // are not listed.
    for p in BACKGROUND {
        let email =
            Email::parse(p.email).map_err(|e| anyhow::anyhow!("demo email {}: {e}", p.email))?;
        let u = match accounts::find_by_email(db, &email).await? {
            Some(u) => u,
            None => create_person(db, p).await?,
        };
        if let Some(slug) = p.network
            && let Some(n) = networks::find_by_slug(db, slug).await?
        {
            networks::ensure_member(db, &ctx, &n.id, &u.id, p.role).await?;
        }
    }
    load_communities(db).await?;
    load_memberships(db).await?;
    crate::demo_meetings::load(db).await?;
    crate::demo_matching::load(db).await?;
    Ok(logins)
}

async fn create_person(db: &Db, p: &Person) -> anyhow::Result<user::Model> {
    // Created like an admin (active, with a password), then demoted and
    // given a profile: the same validation and audit paths as real users.
    let u = accounts::create_admin(db, p.email, DEMO_PASSWORD, p.name).await?;
    let mut am = u.into_active_model();
    am.is_platform_admin = Set(false);
    am.status = Set(UserStatus::Active.as_str().to_owned());
    am.profession = Set(p.profession.map(str::to_owned));
    am.level = Set(p.level.map(str::to_owned));
    am.region = Set(p.region.map(str::to_owned));
    Ok(am.update(db).await?)
}

struct DemoCop {
    network: &'static str,
    name: &'static str,
    focus: &'static str,
    audience: &'static str,
    kind: &'static str,
    capacity: i32,
    every: i32,
    minutes: i32,
    rules: &'static str,
    meeting: &'static str,
}

/// The five PPN Midlands CoPs (who each is for, how often and how long)
/// and the guild's two groups (docs/getting-started.md lists the demo).
const COPS: &[DemoCop] = &[
    DemoCop {
        network: "ppn-midlands",
        name: "Chief Psychological Professions Officers (CPPO)",
        focus: "Engage with and support CPPOs and senior Trust psychology leads across the Midlands: sharing information, system intelligence and best practice.",
        audience: "Chief Psychological Professions Officers or the most senior psychological professional in their organisation.",
        kind: "open",
        capacity: 40,
        every: 3,
        minutes: 120,
        rules: r#"{"levels": ["lead"], "regions": ["West Midlands", "East Midlands"], "other_criteria": ["Chief Psychological Professions Officer, or the most senior psychological professional in their organisation"]}"#,
        meeting: "Every 3 months for 2 hours, online.",
    },
    DemoCop {
        network: "ppn-midlands",
        name: "Psychological Practitioners",
        focus: "Professional growth through sharing and enhancing skills, knowledge and practice.",
        audience: "Trainee, qualified, senior and lead practitioners and education providers in the PWP, CYWP, EMHP and MHWP professions across the Midlands.",
        kind: "open",
        capacity: 120,
        every: 3,
        minutes: 120,
        rules: r#"{"professions": ["PWP", "CYWP", "EMHP", "MHWP"], "levels": ["trainee", "qualified", "senior", "lead"], "regions": ["West Midlands", "East Midlands"], "allow_out_of_region": true}"#,
        meeting: "Every 3 months for 2 hours, online.",
    },
    DemoCop {
        network: "ppn-midlands",
        name: "Psychological Professionals in Physical Healthcare",
        focus: "Implementing psychological professional roles in physical healthcare: business cases, benchmarking services across specialties and localities, links with NHS Talking Therapies LTC leads.",
        audience: "Psychological professions leads and service leads working in physical healthcare across the Midlands.",
        kind: "open",
        capacity: 60,
        every: 3,
        minutes: 90,
        rules: r#"{"levels": ["senior", "lead"], "regions": ["West Midlands", "East Midlands"], "other_criteria": ["Works in a physical healthcare setting"]}"#,
        meeting: "Every 3 months for 1.5 hours, online.",
    },
    DemoCop {
        network: "ppn-midlands",
        name: "Clinical Associate in Psychology",
        focus: "Share good practice, successes and challenges, ways of working and case examples: a reflective space for qualified and trainee CAPs.",
        audience: "Qualified or trainee CAPs, and stakeholder representatives from regional training providers and employers across the Midlands.",
        kind: "open",
        capacity: 60,
        every: 2,
        minutes: 60,
        rules: r#"{"professions": ["CAP"], "levels": ["trainee", "qualified"], "regions": ["West Midlands", "East Midlands"]}"#,
        meeting: "Every 2 months for 1 hour, or up to 2 hours when a presentation is delivered.",
    },
    DemoCop {
        network: "ppn-midlands",
        name: "Assistant Psychologists and Psychology Students",
        focus: "Foster collaboration and empower individuals through the exchange of skills, knowledge and best practice.",
        audience: "Undergraduate psychology students on BPS-accredited courses and postgraduate Assistant Psychologists in health and social care across the Midlands.",
        kind: "open",
        capacity: 100,
        every: 3,
        minutes: 60,
        rules: r#"{"professions": ["AP", "APP", "PSYCHOLOGY_STUDENT"], "regions": ["West Midlands", "East Midlands"]}"#,
        meeting: "Every 3 months for 1 hour, online.",
    },
    DemoCop {
        network: "positive-psychology-guild",
        name: "Strengths-Based Practice Circle",
        focus: "A closed peer group on strengths-based practice with clients.",
        audience: "Practitioner members on the Register of Positive Psychology Practitioners.",
        kind: "closed",
        capacity: 8,
        every: 4,
        minutes: 90,
        rules: r#"{"registers": ["Register of Positive Psychology Practitioners"]}"#,
        meeting: "Every 4 weeks for 90 minutes with a facilitator (fee shared by members).",
    },
    DemoCop {
        network: "positive-psychology-guild",
        name: "Wellbeing in Schools Interest Group",
        focus: "An open interest group on positive psychology in education settings.",
        audience: "Any guild member interested in wellbeing in schools.",
        kind: "open",
        capacity: 20,
        every: 2,
        minutes: 60,
        rules: r#"{}"#,
        meeting: "Every 2 months for 1 hour, online.",
    },
];

async fn load_communities(db: &Db) -> anyhow::Result<()> {
    use peerhub_domain::community::{CadenceUnit, CommunityKind, DeliveryMode, RawSettings};
    use peerhub_persistence::communities::{self, ListFilter, TermsDraft};
    for cop in COPS {
        let Some(net) = networks::find_by_slug(db, cop.network).await? else {
            continue;
        };
        // The network's manager acts, so drafts and approvals name a person.
        let managers = networks::members(
            db,
            &net.id,
            Some(NetworkRole::Manager),
            &peerhub_persistence::PageRequest::default(),
        )
        .await?;
        let ctx = match managers.items.first() {
            Some(m) => Ctx::system().with_actor(&m.user.id),
            None => Ctx::system(),
        };
        let admin = peerhub_domain::access::Principal {
            user_id: String::new(),
            is_platform_admin: true,
            token_scopes: None,
        };
        let existing = communities::list(
            db,
            &admin,
            &ListFilter {
                network_id: Some(net.id.clone()),
                status: None,
                q: Some(cop.name.to_owned()),
            },
            &peerhub_persistence::PageRequest::default(),
        )
        .await?;
        if existing.items.iter().any(|c| c.name == cop.name) {
            continue;
        }
        let c = communities::create(
            db,
            &ctx,
            &net.id,
            RawSettings {
                name: Some(cop.name.into()),
                focus: Some(cop.focus.into()),
                audience: Some(cop.audience.into()),
                kind: CommunityKind::parse(cop.kind),
                capacity: Some(cop.capacity),
                cadence_every: Some(cop.every),
                cadence_unit: Some(if cop.network == "ppn-midlands" {
                    CadenceUnit::Months
                } else if cop.kind == "closed" {
                    CadenceUnit::Weeks
                } else {
                    CadenceUnit::Months
                }),
                duration_minutes: Some(cop.minutes),
                delivery_mode: Some(DeliveryMode::Online),
                fee_note: Some(if cop.kind == "closed" && cop.network != "ppn-midlands" {
                    Some("Members share the facilitator's fee.".into())
                } else {
                    None
                }),
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
                aims: vec!["Share good practice".into(), "Support professional development".into()],
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

/// A few members, core-team roles and pending applications with each
/// verdict, so the review queue has something to show.
async fn load_memberships(db: &Db) -> anyhow::Result<()> {
    use peerhub_domain::community::{ApplicationDecision, CommunityRole};
    use peerhub_domain::profile::ProfilePatch;
    use peerhub_persistence::StoreError;
    use peerhub_persistence::applications::{self, DecisionInput};
    use peerhub_persistence::entities::community;
    use peerhub_persistence::memberships;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    async fn user_id(db: &Db, email: &str) -> anyhow::Result<String> {
        let e = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(accounts::find_by_email(db, &e)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo user {email} missing"))?
            .id)
    }
    async fn cop(db: &Db, name: &str) -> anyhow::Result<community::Model> {
        community::Entity::find()
            .filter(community::Column::Name.eq(name))
            .one(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo community {name} missing"))
    }
    /// Applies unless an open application or a membership already exists.
    async fn apply(db: &Db, email: &str, community: &str) -> anyhow::Result<Option<String>> {
        let uid = user_id(db, email).await?;
        let c = cop(db, community).await?;
        match applications::submit(
            db,
            &Ctx::system().with_actor(&uid),
            &uid,
            &c.id,
            Some("I would like to join.".into()),
        )
        .await
        {
            Ok(a) => Ok(Some(a.id)),
            Err(StoreError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    async fn core(
        db: &Db,
        email: &str,
        community: &str,
        role: CommunityRole,
    ) -> anyhow::Result<()> {
        let uid = user_id(db, email).await?;
        let c = cop(db, community).await?;
        if memberships::active_of(db, &c.id, &uid).await?.is_none() {
            let txn = peerhub_persistence::db::begin_write(db).await?;
            memberships::insert_member(
                &txn,
                &Ctx::system(),
                &c,
                &uid,
                role,
                None,
                // Long enough ago to have been invited to the demo's past
                // year of meetings.
                chrono::Utc::now() - chrono::Duration::days(400),
            )
            .await?;
            txn.commit().await?;
        }
        Ok(())
    }

    // Tom holds the guild's register (his profile says so).
    let tom = user_id(db, "tom.reed@positivepsychologyguild.org").await?;
    let holds = accounts::json_to_list(&accounts::get(db, &tom).await?.registers)?;
    if holds.is_empty() {
        accounts::update_profile(
            db,
            &Ctx::system().with_actor(&tom),
            &tom,
            ProfilePatch {
                registers: Some(vec!["Register of Positive Psychology Practitioners".into()]),
                ..Default::default()
            },
            None,
        )
        .await?;
    }

    // Core teams.
    core(
        db,
        "priya.shah@nhs.net",
        "Chief Psychological Professions Officers (CPPO)",
        CommunityRole::Chair,
    )
    .await?;
    core(
        db,
        "sam.patel@nhs.net",
        "Psychological Practitioners",
        CommunityRole::Secretary,
    )
    .await?;

    // Tom applies to the guild's closed circle and the guild manager approves.
    if let Some(a) = apply(
        db,
        "tom.reed@positivepsychologyguild.org",
        "Strengths-Based Practice Circle",
    )
    .await?
    {
        let grace = user_id(db, "grace.hill@positivepsychologyguild.org").await?;
        applications::decide(
            db,
            &Ctx::system().with_actor(&grace),
            &a,
            DecisionInput {
                decision: ApplicationDecision::Approve,
                reason: None,
                override_reason: None,
            },
        )
        .await?;
    }

    // Pending applications, one of each verdict and more:
    // Chris (CAP) to the practitioners' CoP → ineligible (profession);
    // Chris to the CAP CoP → eligible; Sam to physical healthcare →
    // needs review (a free-text criterion); Ana (no register) to the
    // closed circle → ineligible; Ana to the open interest group → eligible.
    apply(db, "chris.evans@nhs.net", "Psychological Practitioners").await?;
    apply(
        db,
        "chris.evans@nhs.net",
        "Clinical Associate in Psychology",
    )
    .await?;
    apply(
        db,
        "sam.patel@nhs.net",
        "Psychological Professionals in Physical Healthcare",
    )
    .await?;
    apply(db, "ana.lima@gmail.com", "Strengths-Based Practice Circle").await?;
    apply(
        db,
        "ana.lima@gmail.com",
        "Wellbeing in Schools Interest Group",
    )
    .await?;
    Ok(())
}
