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
