//! Demo matching programmes, through the real stores:
//!
//! - the guild's **peer exchange** (`mutual`): 30 members waiting with
//!   varied profiles, teams, three line-manager links and a few sensitive
//!   preferences, left waiting so a manager can try a dry run;
//! - the PPN's **staff peer support** (`supporter`): five trained,
//!   supervised supporters (capacity 2–3), a sixth registered without a
//!   supervisor (so not matchable), twelve peers waiting, two matches
//!   already active (Sam Patel's among them), and one completed dry run in
//!   its run history.
//!
//! Idempotent: people are created only when their email is unknown (their
//! profile is set then), a programme only when the network has none of its
//! name, a supporter or a request only when that person has none in the
//! programme; the active matches are made only together with their request;
//! the dry run only when the programme has no run yet.
use chrono::NaiveDate;
use peerhub_domain::access::Principal;
use peerhub_domain::account::{Email, NetworkRole, UserStatus};
use peerhub_domain::matching::lifecycle::MatchAnswer;
use peerhub_domain::matching::score::{
    Constraints, Preferences, PreferredMeetingMode, ProgrammeKind, Weights,
};
use peerhub_domain::profile::{ProfilePatch, SensitiveAttributes};
use peerhub_persistence::entities::{programme, user};
use peerhub_persistence::matching::{self, ManualPair, NewProgramme, NewRequest, NewSupporter};
use peerhub_persistence::{Ctx, Db, PageRequest, accounts, networks};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

use crate::demo::DEMO_PASSWORD;

/// Someone the demo creates, with the profile matching reads.
struct Member {
    email: &'static str,
    name: &'static str,
    profession: &'static str,
    level: &'static str,
    region: &'static str,
    specialties: &'static [&'static str],
    interests: &'static [&'static str],
    team: Option<&'static str>,
    /// Email of their line manager (created earlier in the list).
    line_manager: Option<&'static str>,
    /// Self-declared sensitive attributes, `(key, value)`.
    sensitive: &'static [(&'static str, &'static str)],
}

const MEMBER: Member = Member {
    email: "",
    name: "",
    profession: "",
    level: "",
    region: "",
    specialties: &[],
    interests: &[],
    team: None,
    line_manager: None,
    sensitive: &[],
};

/// A request to be matched (by email of an existing or demo person).
struct Ask {
    email: &'static str,
    areas: &'static [&'static str],
    profession: Option<&'static str>,
    level: Option<&'static str>,
    mode: Option<PreferredMeetingMode>,
    region: Option<&'static str>,
    sensitive: &'static [(&'static str, &'static str)],
    availability: Option<&'static str>,
}

const ASK: Ask = Ask {
    email: "",
    areas: &[],
    profession: None,
    level: None,
    mode: None,
    region: None,
    sensitive: &[],
    availability: None,
};

// ------------------------------------------------------ guild peer exchange

const GUILD: &str = "positive-psychology-guild";
const GUILD_MANAGER: &str = "grace.hill@positivepsychologyguild.org";
const GUILD_PROGRAMME: &str = "Guild Peer Exchange";

const LONDON_PRACTICE: Option<&str> = Some("London Wellbeing Practice");
const NORTHERN_COLLECTIVE: Option<&str> = Some("Northern Coaching Collective");
const THRIVE_SCHOOLS: Option<&str> = Some("Thrive Schools Team");

/// Line managers come before the people they manage.
const GUILD_MEMBERS: &[Member] = &[
    Member {
        email: "amara.osei@positivepsychologyguild.org",
        name: "Amara Osei",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "senior",
        region: "London",
        specialties: &["character strengths", "resilience", "wellbeing at work"],
        interests: &["research", "writing"],
        team: LONDON_PRACTICE,
        sensitive: &[("ethnicity", "Black British"), ("gender", "woman")],
        ..MEMBER
    },
    Member {
        email: "kemi.adeyemi@positivepsychologyguild.org",
        name: "Kemi Adeyemi",
        profession: "COUNSELLOR",
        level: "qualified",
        region: "London",
        specialties: &["grief and loss", "resilience"],
        interests: &["writing", "arts and creativity"],
        sensitive: &[("ethnicity", "Black British"), ("gender", "woman")],
        ..MEMBER
    },
    Member {
        email: "jonah.price@positivepsychologyguild.org",
        name: "Jonah Price",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "qualified",
        region: "London",
        specialties: &["character strengths", "positive relationships"],
        interests: &["research"],
        team: LONDON_PRACTICE,
        ..MEMBER
    },
    Member {
        email: "marcus.bell@positivepsychologyguild.org",
        name: "Marcus Bell",
        profession: "OCCUPATIONAL_PSYCHOLOGIST",
        level: "lead",
        region: "London",
        specialties: &["wellbeing at work", "leadership coaching", "burnout"],
        interests: &["supervision", "research"],
        ..MEMBER
    },
    Member {
        email: "zara.ahmed@positivepsychologyguild.org",
        name: "Zara Ahmed",
        profession: "OCCUPATIONAL_PSYCHOLOGIST",
        level: "senior",
        region: "London",
        specialties: &["wellbeing at work", "leadership coaching"],
        interests: &["supervision"],
        line_manager: Some("marcus.bell@positivepsychologyguild.org"),
        ..MEMBER
    },
    Member {
        email: "priscilla.young@positivepsychologyguild.org",
        name: "Priscilla Young",
        profession: "COUNSELLING_PSYCHOLOGIST",
        level: "lead",
        region: "South East",
        specialties: &["post-traumatic growth", "grief and loss"],
        interests: &["supervision", "nature-based practice"],
        ..MEMBER
    },
    Member {
        email: "owen.hughes@positivepsychologyguild.org",
        name: "Owen Hughes",
        profession: "PSYCHOTHERAPIST",
        level: "senior",
        region: "South West",
        specialties: &["mindfulness", "post-traumatic growth"],
        interests: &["nature-based practice", "writing"],
        ..MEMBER
    },
    Member {
        email: "liam.walsh@positivepsychologyguild.org",
        name: "Liam Walsh",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "senior",
        region: "North West",
        specialties: &["strengths-based coaching", "leadership coaching"],
        interests: &["group facilitation"],
        team: NORTHERN_COLLECTIVE,
        ..MEMBER
    },
    Member {
        email: "ella.morgan@positivepsychologyguild.org",
        name: "Ella Morgan",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "qualified",
        region: "North West",
        specialties: &["strengths-based coaching", "hope and optimism"],
        interests: &["group facilitation", "digital wellbeing"],
        team: NORTHERN_COLLECTIVE,
        line_manager: Some("liam.walsh@positivepsychologyguild.org"),
        ..MEMBER
    },
    Member {
        email: "nina.kowalski@positivepsychologyguild.org",
        name: "Nina Kowalski",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "qualified",
        region: "North West",
        specialties: &["strengths-based coaching", "resilience"],
        interests: &["digital wellbeing"],
        team: NORTHERN_COLLECTIVE,
        ..MEMBER
    },
    Member {
        email: "ravi.menon@positivepsychologyguild.org",
        name: "Ravi Menon",
        profession: "COUNSELLOR",
        level: "senior",
        region: "Yorkshire and the Humber",
        specialties: &["burnout", "mindfulness"],
        interests: &["neurodiversity", "research"],
        ..MEMBER
    },
    Member {
        email: "leo.fischer@positivepsychologyguild.org",
        name: "Leo Fischer",
        profession: "EDUCATIONAL_PSYCHOLOGIST",
        level: "lead",
        region: "West Midlands",
        specialties: &["positive education", "resilience"],
        interests: &["research", "neurodiversity"],
        team: THRIVE_SCHOOLS,
        ..MEMBER
    },
    Member {
        email: "harriet.shaw@positivepsychologyguild.org",
        name: "Harriet Shaw",
        profession: "EDUCATIONAL_PSYCHOLOGIST",
        level: "senior",
        region: "West Midlands",
        specialties: &["positive education", "hope and optimism"],
        interests: &["neurodiversity"],
        team: THRIVE_SCHOOLS,
        ..MEMBER
    },
    Member {
        email: "maisie.turner@positivepsychologyguild.org",
        name: "Maisie Turner",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "qualified",
        region: "West Midlands",
        specialties: &["positive education", "character strengths"],
        interests: &["arts and creativity"],
        team: THRIVE_SCHOOLS,
        line_manager: Some("leo.fischer@positivepsychologyguild.org"),
        ..MEMBER
    },
    Member {
        email: "sofia.rossi@positivepsychologyguild.org",
        name: "Sofia Rossi",
        profession: "COUNSELLOR",
        level: "qualified",
        region: "London",
        specialties: &["positive relationships", "mindfulness"],
        interests: &["arts and creativity"],
        sensitive: &[("gender", "woman")],
        ..MEMBER
    },
    Member {
        email: "ben.carter@positivepsychologyguild.org",
        name: "Ben Carter",
        profession: "COUNSELLOR",
        level: "qualified",
        region: "South East",
        specialties: &["positive relationships", "grief and loss"],
        interests: &["writing"],
        sensitive: &[("gender", "man")],
        ..MEMBER
    },
    Member {
        email: "isla.campbell@positivepsychologyguild.org",
        name: "Isla Campbell",
        profession: "PSYCHOTHERAPIST",
        level: "qualified",
        region: "South West",
        specialties: &["mindfulness", "burnout"],
        interests: &["nature-based practice"],
        ..MEMBER
    },
    Member {
        email: "aaron.blake@positivepsychologyguild.org",
        name: "Aaron Blake",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "trainee",
        region: "London",
        specialties: &["hope and optimism"],
        interests: &["digital wellbeing", "research"],
        ..MEMBER
    },
    Member {
        email: "freya.lund@positivepsychologyguild.org",
        name: "Freya Lund",
        profession: "COUNSELLING_PSYCHOLOGIST",
        level: "senior",
        region: "London",
        specialties: &["post-traumatic growth", "resilience"],
        interests: &["supervision", "writing"],
        team: LONDON_PRACTICE,
        ..MEMBER
    },
    Member {
        email: "yusuf.ali@positivepsychologyguild.org",
        name: "Yusuf Ali",
        profession: "PSYCHOTHERAPIST",
        level: "lead",
        region: "Yorkshire and the Humber",
        specialties: &["grief and loss", "mindfulness"],
        interests: &["supervision"],
        sensitive: &[("religion_or_belief", "Muslim")],
        ..MEMBER
    },
    Member {
        email: "hana.suzuki@positivepsychologyguild.org",
        name: "Hana Suzuki",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "senior",
        region: "South East",
        specialties: &["mindfulness", "character strengths"],
        interests: &["arts and creativity", "writing"],
        ..MEMBER
    },
    Member {
        email: "patrick.doyle@positivepsychologyguild.org",
        name: "Patrick Doyle",
        profession: "OCCUPATIONAL_PSYCHOLOGIST",
        level: "qualified",
        region: "North West",
        specialties: &["burnout", "wellbeing at work"],
        interests: &["digital wellbeing"],
        ..MEMBER
    },
    Member {
        email: "chloe.martin@positivepsychologyguild.org",
        name: "Chloe Martin",
        profession: "COUNSELLOR",
        level: "trainee",
        region: "Yorkshire and the Humber",
        specialties: &["resilience"],
        interests: &["neurodiversity"],
        ..MEMBER
    },
    Member {
        email: "samuel.okoro@positivepsychologyguild.org",
        name: "Samuel Okoro",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "lead",
        region: "London",
        specialties: &[
            "strengths-based coaching",
            "character strengths",
            "leadership coaching",
        ],
        interests: &["supervision", "group facilitation"],
        ..MEMBER
    },
    Member {
        email: "lucy.bennett@positivepsychologyguild.org",
        name: "Lucy Bennett",
        profession: "EDUCATIONAL_PSYCHOLOGIST",
        level: "qualified",
        region: "South West",
        specialties: &["positive education", "hope and optimism"],
        interests: &["research"],
        ..MEMBER
    },
    Member {
        email: "tariq.hussain@positivepsychologyguild.org",
        name: "Tariq Hussain",
        profession: "COUNSELLOR",
        level: "senior",
        region: "West Midlands",
        specialties: &["burnout", "grief and loss"],
        interests: &["supervision"],
        sensitive: &[("religion_or_belief", "Muslim")],
        ..MEMBER
    },
    Member {
        email: "rosa.garcia@positivepsychologyguild.org",
        name: "Rosa Garcia",
        profession: "PSYCHOTHERAPIST",
        level: "senior",
        region: "London",
        specialties: &["post-traumatic growth", "positive relationships"],
        interests: &["arts and creativity"],
        ..MEMBER
    },
    Member {
        email: "imogen.clarke@positivepsychologyguild.org",
        name: "Imogen Clarke",
        profession: "POSITIVE_PSYCHOLOGY_PRACTITIONER",
        level: "qualified",
        region: "Yorkshire and the Humber",
        specialties: &["hope and optimism", "resilience"],
        interests: &["group facilitation", "writing"],
        ..MEMBER
    },
    Member {
        email: "callum.fraser@positivepsychologyguild.org",
        name: "Callum Fraser",
        profession: "OTHER",
        level: "trainee",
        region: "Scotland",
        specialties: &["sports performance"],
        interests: &["mountaineering"],
        ..MEMBER
    },
];

/// Everyone in [`GUILD_MEMBERS`] asks, and Tom Reed (a listed demo login).
const GUILD_ASKS: &[Ask] = &[
    Ask {
        email: "tom.reed@positivepsychologyguild.org",
        areas: &["strengths-based coaching"],
        mode: Some(PreferredMeetingMode::Online),
        availability: Some("Weekday evenings"),
        ..ASK
    },
    Ask {
        email: "amara.osei@positivepsychologyguild.org",
        areas: &["burnout"],
        ..ASK
    },
    Ask {
        email: "kemi.adeyemi@positivepsychologyguild.org",
        areas: &["resilience", "grief and loss"],
        mode: Some(PreferredMeetingMode::InPerson),
        sensitive: &[("ethnicity", "Black British")],
        availability: Some("Saturday mornings"),
        ..ASK
    },
    Ask {
        email: "jonah.price@positivepsychologyguild.org",
        profession: Some("POSITIVE_PSYCHOLOGY_PRACTITIONER"),
        ..ASK
    },
    Ask {
        email: "marcus.bell@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "zara.ahmed@positivepsychologyguild.org",
        areas: &["leadership coaching"],
        level: Some("lead"),
        ..ASK
    },
    Ask {
        email: "priscilla.young@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "owen.hughes@positivepsychologyguild.org",
        areas: &["post-traumatic growth"],
        ..ASK
    },
    Ask {
        email: "liam.walsh@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "ella.morgan@positivepsychologyguild.org",
        areas: &["leadership coaching"],
        ..ASK
    },
    Ask {
        email: "nina.kowalski@positivepsychologyguild.org",
        mode: Some(PreferredMeetingMode::Online),
        ..ASK
    },
    Ask {
        email: "ravi.menon@positivepsychologyguild.org",
        areas: &["burnout"],
        mode: Some(PreferredMeetingMode::Online),
        ..ASK
    },
    Ask {
        email: "leo.fischer@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "harriet.shaw@positivepsychologyguild.org",
        areas: &["positive education"],
        ..ASK
    },
    Ask {
        email: "maisie.turner@positivepsychologyguild.org",
        areas: &["positive education"],
        level: Some("lead"),
        ..ASK
    },
    Ask {
        email: "sofia.rossi@positivepsychologyguild.org",
        mode: Some(PreferredMeetingMode::InPerson),
        sensitive: &[("gender", "woman")],
        ..ASK
    },
    Ask {
        email: "ben.carter@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "isla.campbell@positivepsychologyguild.org",
        areas: &["burnout"],
        ..ASK
    },
    Ask {
        email: "aaron.blake@positivepsychologyguild.org",
        level: Some("senior"),
        mode: Some(PreferredMeetingMode::Online),
        ..ASK
    },
    Ask {
        email: "freya.lund@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "yusuf.ali@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "hana.suzuki@positivepsychologyguild.org",
        areas: &["mindfulness"],
        ..ASK
    },
    Ask {
        email: "patrick.doyle@positivepsychologyguild.org",
        areas: &["burnout", "wellbeing at work"],
        mode: Some(PreferredMeetingMode::Online),
        ..ASK
    },
    Ask {
        email: "chloe.martin@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "samuel.okoro@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "lucy.bennett@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "tariq.hussain@positivepsychologyguild.org",
        areas: &["burnout"],
        ..ASK
    },
    Ask {
        email: "rosa.garcia@positivepsychologyguild.org",
        // Nobody has self-declared a culture, so this is never used.
        sensitive: &[("culture", "Latin American")],
        ..ASK
    },
    Ask {
        email: "imogen.clarke@positivepsychologyguild.org",
        ..ASK
    },
    Ask {
        email: "callum.fraser@positivepsychologyguild.org",
        mode: Some(PreferredMeetingMode::InPerson),
        availability: Some("Weekends, Edinburgh or Glasgow"),
        ..ASK
    },
];

// --------------------------------------------------- NHS staff peer support

const PPN: &str = "ppn-midlands";
const PPN_MANAGER: &str = "maya.okafor@nhs.net";
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

// ------------------------------------------------------------------ loading

/// Loads both programmes (see the module docs). Skips a network that the
/// demo has not created.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    if let Some(net) = networks::find_by_slug(db, GUILD).await? {
        load_guild(db, &net.id).await?;
    }
    if let Some(net) = networks::find_by_slug(db, PPN).await? {
        load_ppn(db, &net.id).await?;
    }
    Ok(())
}

async fn load_guild(db: &Db, network_id: &str) -> anyhow::Result<()> {
    let manager = user_id(db, GUILD_MANAGER).await?;
    ensure_people(db, network_id, GUILD_MEMBERS).await?;
    let p = ensure_programme(
        db,
        network_id,
        &manager,
        GUILD_PROGRAMME,
        "Peer exchange: members pair up to share practice, give and receive \
         feedback and support each other's development. Not supervision.",
        ProgrammeKind::Mutual,
        20,
    )
    .await?;
    for a in GUILD_ASKS {
        ensure_request(db, &p, a).await?;
    }
    Ok(())
}

async fn load_ppn(db: &Db, network_id: &str) -> anyhow::Result<()> {
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

async fn user_id(db: &Db, email: &str) -> anyhow::Result<String> {
    Ok(find_user(db, email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {email} missing"))?
        .id)
}

async fn find_user(db: &Db, email: &str) -> anyhow::Result<Option<user::Model>> {
    let e = Email::parse(email).map_err(|e| anyhow::anyhow!("demo email {email}: {e}"))?;
    Ok(accounts::find_by_email(db, &e).await?)
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Creates the network members whose email is unknown, with their
/// profiles. One after the other, in list order: line managers exist before
/// the people they manage, and ids (which order people in the engine's
/// tie-breaks) come out in the same order on every load.
async fn ensure_people(db: &Db, network_id: &str, members: &[Member]) -> anyhow::Result<()> {
    for m in members {
        if find_user(db, m.email).await?.is_some() {
            continue;
        }
        // As in `demo::load`: created like an admin (active, with a
        // password), then demoted.
        let u = accounts::create_admin(db, m.email, DEMO_PASSWORD, m.name).await?;
        set_up_person(db, network_id, m, u).await?;
    }
    Ok(())
}

/// Demotes a new account, adds it to the network and sets its profile
/// through the same store as PATCH /v1/me.
async fn set_up_person(
    db: &Db,
    network_id: &str,
    m: &Member,
    u: user::Model,
) -> anyhow::Result<()> {
    let mut am = u.into_active_model();
    am.is_platform_admin = Set(false);
    am.status = Set(UserStatus::Active.as_str().to_owned());
    let u = am.update(db).await?;
    networks::ensure_member(db, &Ctx::system(), network_id, &u.id, NetworkRole::Member).await?;
    let line_manager_id = match m.line_manager {
        Some(e) => Some(user_id(db, e).await?),
        None => None,
    };
    let sensitive = (!m.sensitive.is_empty()).then(|| {
        let get = |key: &str| {
            m.sensitive
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        };
        SensitiveAttributes {
            gender: get("gender"),
            ethnicity: get("ethnicity"),
            age_band: get("age_band"),
            sexual_orientation: get("sexual_orientation"),
            disability: get("disability"),
            religion_or_belief: get("religion_or_belief"),
            culture: get("culture"),
        }
    });
    accounts::update_profile(
        db,
        &Ctx::system().with_actor(&u.id),
        &u.id,
        ProfilePatch {
            profession: Some(Some(m.profession.to_owned())),
            level: Some(Some(m.level.to_owned())),
            region: Some(Some(m.region.to_owned())),
            specialties: Some(owned(m.specialties)),
            interests: Some(owned(m.interests)),
            team: Some(m.team.map(str::to_owned)),
            line_manager_id: Some(line_manager_id),
            sensitive: sensitive.map(Some),
            ..Default::default()
        },
        None,
    )
    .await?;
    Ok(())
}

/// The network's programme of this name, created by its manager (also its
/// safeguarding lead) if missing, with every hard constraint on.
async fn ensure_programme(
    db: &Db,
    network_id: &str,
    manager: &str,
    name: &str,
    description: &str,
    kind: ProgrammeKind,
    min_score: i64,
) -> anyhow::Result<programme::Model> {
    if let Some(p) = programme::Entity::find()
        .filter(programme::Column::NetworkId.eq(network_id))
        .filter(programme::Column::Name.eq(name))
        .one(db)
        .await?
    {
        return Ok(p);
    }
    Ok(matching::create_programme(
        db,
        &Ctx::system().with_actor(manager),
        network_id,
        NewProgramme {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            kind,
            weights: Some(Weights::default()),
            constraints: Some(Constraints {
                exclude_same_team: true,
                exclude_line_manager: true,
                exclude_previous_pairs: true,
                min_score,
            }),
            proposal_days: Some(14),
            safeguarding_lead_id: manager.to_owned(),
        },
    )
    .await?)
}

/// Makes the request unless its person already has one (of any status) in
/// the programme; returns the new request's id.
async fn ensure_request(db: &Db, p: &programme::Model, a: &Ask) -> anyhow::Result<Option<String>> {
    let uid = user_id(db, a.email).await?;
    let mine =
        matching::list_requests(db, &p.id, Some(&uid), None, &PageRequest::default()).await?;
    if !mine.items.is_empty() {
        return Ok(None);
    }
    let r = matching::create_request(
        db,
        &Ctx::system().with_actor(&uid),
        p,
        &uid,
        NewRequest {
            preferences: Preferences {
                areas: owned(a.areas),
                profession: a.profession.map(str::to_owned),
                level: a.level.map(str::to_owned),
                mode: a.mode,
                region: a.region.map(str::to_owned),
                sensitive: a
                    .sensitive
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            },
            availability: a.availability.map(str::to_owned),
        },
    )
    .await?;
    Ok(Some(r.id))
}
