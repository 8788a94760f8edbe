//! The demo's shared constants: the password, the two networks and the
//! people everything else refers to. A leaf: it imports nothing from the
//! other demo files.
use peerhub_domain::account::NetworkRole;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "peerhub-demo-2026";

/// The slug of the PPN Midlands network.
pub const PPN: &str = "ppn-midlands";
/// The slug of the Positive Psychology Guild network.
pub const GUILD: &str = "positive-psychology-guild";

/// The PPN Midlands manager (who acts for the network).
pub const PPN_MANAGER: &str = "maya.okafor@nhs.net";
/// The guild's manager (who acts for the network).
pub const GUILD_MANAGER: &str = "grace.hill@positivepsychologyguild.org";

/// Someone with a demo login.
pub struct Person {
    pub email: &'static str,
    pub name: &'static str,
    /// The network's slug; `None` for the platform admin.
    pub network: Option<&'static str>,
    pub role: NetworkRole,
    pub profession: Option<&'static str>,
    pub level: Option<&'static str>,
    pub region: Option<&'static str>,
    /// How `peerhub demo` lists the login (empty: not listed).
    pub label: &'static str,
}

/// The listed demo logins, in the order `peerhub demo` prints them.
pub const PEOPLE: &[Person] = &[
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
        email: PPN_MANAGER,
        name: "Maya Okafor",
        network: Some(PPN),
        role: NetworkRole::Manager,
        profession: Some("CLINICAL_PSYCHOLOGIST"),
        level: Some("lead"),
        region: Some("West Midlands"),
        label: "PPN Midlands manager",
    },
    Person {
        email: "sam.patel@nhs.net",
        name: "Sam Patel",
        network: Some(PPN),
        role: NetworkRole::Member,
        profession: Some("PWP"),
        level: Some("senior"),
        region: Some("West Midlands"),
        label: "PPN Midlands member (PWP)",
    },
    Person {
        email: "chris.evans@nhs.net",
        name: "Chris Evans",
        network: Some(PPN),
        role: NetworkRole::Member,
        profession: Some("CAP"),
        level: Some("trainee"),
        region: Some("East Midlands"),
        label: "PPN Midlands member (CAP)",
    },
    Person {
        email: "priya.shah@nhs.net",
        name: "Priya Shah",
        network: Some(PPN),
        role: NetworkRole::Member,
        profession: Some("CPPO"),
        level: Some("lead"),
        region: Some("East Midlands"),
        label: "PPN Midlands member (CPPO)",
    },
    Person {
        email: GUILD_MANAGER,
        name: "Grace Hill",
        network: Some(GUILD),
        role: NetworkRole::Manager,
        profession: Some("POSITIVE_PSYCHOLOGY_PRACTITIONER"),
        level: Some("lead"),
        region: Some("London"),
        label: "Guild manager",
    },
    Person {
        email: "tom.reed@positivepsychologyguild.org",
        name: "Tom Reed",
        network: Some(GUILD),
        role: NetworkRole::Member,
        profession: Some("POSITIVE_PSYCHOLOGY_PRACTITIONER"),
        level: Some("qualified"),
        region: Some("North West"),
        label: "Guild member",
    },
    Person {
        email: "ana.lima@gmail.com",
        name: "Ana Lima",
        network: Some(GUILD),
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

/// People who make up the demo core teams; they can log in too but are
/// not listed.
pub const BACKGROUND: &[Person] = &[
    background(
        "lena.ward@nhs.net",
        "Lena Ward",
        PPN,
        "PWP",
        "lead",
        "West Midlands",
    ),
    background(
        "omar.haddad@nhs.net",
        "Omar Haddad",
        PPN,
        "CLINICAL_PSYCHOLOGIST",
        "senior",
        "East Midlands",
    ),
    background(
        "rachel.green@nhs.net",
        "Rachel Green",
        PPN,
        "CAP",
        "qualified",
        "West Midlands",
    ),
    background(
        "daniel.kim@nhs.net",
        "Daniel Kim",
        PPN,
        "AP",
        "qualified",
        "East Midlands",
    ),
    background(
        "fatima.begum@nhs.net",
        "Fatima Begum",
        PPN,
        "HEALTH_PSYCHOLOGIST",
        "senior",
        "West Midlands",
    ),
    background(
        "george.mills@nhs.net",
        "George Mills",
        PPN,
        "CPPO",
        "lead",
        "East Midlands",
    ),
    background(
        "hannah.cole@positivepsychologyguild.org",
        "Hannah Cole",
        GUILD,
        "COUNSELLING_PSYCHOLOGIST",
        "senior",
        "London",
    ),
    background(
        "ibrahim.noor@positivepsychologyguild.org",
        "Ibrahim Noor",
        GUILD,
        "PSYCHOTHERAPIST",
        "qualified",
        "London",
    ),
];
