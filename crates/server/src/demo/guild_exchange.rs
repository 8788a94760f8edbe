//! The guild's demo **peer exchange** (`mutual`): 30 members waiting with
//! varied profiles, teams, three line-manager links and a few sensitive
//! preferences, left waiting so a manager can try a dry run. Loaded as
//! [`super::matching`] describes.
use peerhub_domain::matching::score::{PreferredMeetingMode, ProgrammeKind};
use peerhub_persistence::{Db, networks};

use super::matching::{ASK, Ask, MEMBER, Member, ensure_people, ensure_programme, ensure_request};
use super::people::{GUILD, GUILD_MANAGER};
use super::support::user_id;

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

/// Loads the programme, its people and their requests; skips a guild the
/// demo has not created.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let Some(net) = networks::find_by_slug(db, GUILD).await? else {
        return Ok(());
    };
    let network_id = net.id.as_str();
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
