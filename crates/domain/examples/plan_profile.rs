//! Times the scoring of every pair and a whole mutual [`plan`] on 1,000
//! generated requests (a profiling aid, e.g. under `perf record -g`):
//!
//! ```text
//! cargo run -q --release -p peerhub-domain --example plan_profile
//! ```
//!
//! Two populations from a fixed seed: `plain` (codes and texts spelt one way,
//! everyone meeting online) and `varied` (mixed case, stray spaces, non-ASCII
//! texts, sensitive attributes and every meeting mode). With
//! `PLAN_PROFILE_DIGEST=1` it also prints digests of every pair's full score
//! (points and reasons) and of the plans, to check that a change to the
//! scoring leaves every result as it was.
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Instant;

use peerhub_domain::matching::plan::{Input, plan};
use peerhub_domain::matching::score::{
    Constraints, Participant, Preferences, PreferredMeetingMode, ProgrammeKind, Weights, points,
    score,
};

/// A linear congruential generator: small, seedable, reproducible.
struct Lcg(u64);

impl Lcg {
    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }

    fn pick<'a>(&mut self, l: &[&'a str]) -> &'a str {
        l[self.below(l.len())]
    }

    fn some_of(&mut self, l: &[&str], n: usize) -> Vec<String> {
        (0..n).map(|_| self.pick(l).to_owned()).collect()
    }
}

const PROFESSIONS: [&str; 5] = ["PWP", "CAP", "EMHP", "CYWP", "MHWP"];
const LEVELS: [&str; 4] = ["trainee", "qualified", "senior", "lead"];
const REGIONS: [&str; 4] = ["West Midlands", "East Midlands", "London", "North West"];
const TOPICS: [&str; 8] = [
    "anxiety",
    "depression",
    "long term conditions",
    "supervision",
    "burnout",
    "research",
    "leadership",
    "returning to practice",
];

/// Everyone spelt one way and meeting online: the case first profiled.
fn plain(n: usize) -> Vec<Participant> {
    let mut g = Lcg(7);
    (0..n)
        .map(|i| {
            let specialties = g.some_of(&TOPICS, 3);
            let interests = g.some_of(&TOPICS, 3);
            Participant {
                id: format!("{i:05}"),
                user_id: format!("u{i:05}"),
                profession: Some(g.pick(&PROFESSIONS).into()),
                level: Some(g.pick(&LEVELS).into()),
                region: Some(g.pick(&REGIONS).into()),
                specialties,
                interests,
                team: Some(format!("Team {}", g.below(50))),
                line_manager_id: None,
                sensitive: Default::default(),
                preferences: Preferences {
                    areas: vec![g.pick(&TOPICS).into()],
                    mode: Some(PreferredMeetingMode::Online),
                    ..Default::default()
                },
            }
        })
        .collect()
}

/// Mixed spellings (case, spaces, non-ASCII), sensitive attributes and
/// preferences, every meeting mode.
fn varied(n: usize) -> Vec<Participant> {
    const P: [&str; 6] = ["PWP", "pwp", " CAP", "EMHP ", "Cywp", ""];
    const L: [&str; 6] = ["trainee", "Qualified", " senior", "LEAD", "guru", " "];
    const R: [&str; 6] = [
        "West Midlands",
        "west midlands ",
        "Île-de-France",
        "ÎLE-DE-FRANCE",
        " London",
        "",
    ];
    const T: [&str; 10] = [
        "anxiety",
        "Anxiety ",
        " BURNOUT",
        "burnout",
        "Ärger",
        "ärger",
        "İstanbul",
        "grief",
        "  ",
        "ΣΊΣΥΦΟΣ",
    ];
    const S: [&str; 5] = ["a", "A ", "é", "É", " "];
    const MODES: [Option<PreferredMeetingMode>; 4] = [
        None,
        Some(PreferredMeetingMode::Online),
        Some(PreferredMeetingMode::InPerson),
        Some(PreferredMeetingMode::Either),
    ];
    let mut g = Lcg(11);
    let opt = |g: &mut Lcg, l: &[&str]| (g.below(4) > 0).then(|| g.pick(l).to_owned());
    (0..n)
        .map(|i| {
            let (ns, ni) = (g.below(5), g.below(5));
            let specialties = g.some_of(&T, ns);
            let interests = g.some_of(&T, ni);
            let sensitive = (0..g.below(3))
                .map(|_| {
                    (
                        g.pick(&["gender", "ethnicity"]).to_owned(),
                        g.pick(&S).into(),
                    )
                })
                .collect();
            let wanted = (0..g.below(3))
                .map(|_| {
                    (
                        g.pick(&["gender", "ethnicity"]).to_owned(),
                        g.pick(&S).into(),
                    )
                })
                .collect();
            let nareas = g.below(3);
            Participant {
                id: format!("{i:05}"),
                user_id: format!("u{:05}", (i * 7) % n),
                profession: opt(&mut g, &P),
                level: opt(&mut g, &L),
                region: opt(&mut g, &R),
                specialties,
                interests,
                team: Some(format!("Team {}", g.below(50))),
                line_manager_id: (g.below(10) == 0).then(|| format!("u{:05}", g.below(n))),
                sensitive,
                preferences: Preferences {
                    areas: g.some_of(&T, nareas),
                    profession: opt(&mut g, &P),
                    level: opt(&mut g, &L),
                    mode: MODES[g.below(4)],
                    region: opt(&mut g, &R),
                    sensitive: wanted,
                },
            }
        })
        .collect()
}

fn digest(x: &impl std::fmt::Debug) -> u64 {
    let mut h = DefaultHasher::new();
    format!("{x:?}").hash(&mut h);
    h.finish()
}

fn run(name: &str, people: Vec<Participant>, check: bool) {
    let w = Weights::default();
    let n = people.len();
    let start = Instant::now();
    let mut sum = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            sum += points(ProgrammeKind::Mutual, &people[i], &people[j], &w);
        }
    }
    println!(
        "{name:>6}: scoring only {:>9.1?} (sum {sum})",
        start.elapsed()
    );
    if check {
        let mut h = DefaultHasher::new();
        for (i, a) in people.iter().enumerate() {
            for b in &people[i + 1..] {
                for kind in [ProgrammeKind::Mutual, ProgrammeKind::Supporter] {
                    format!("{:?}", score(kind, a, b, &w)).hash(&mut h);
                }
            }
        }
        println!("{name:>6}: digest of every score {:016x}", h.finish());
    }
    let constraints = Constraints {
        exclude_same_team: true,
        exclude_line_manager: true,
        min_score: 20,
        ..Default::default()
    };
    let mutual = Input {
        kind: ProgrammeKind::Mutual,
        requests: people,
        supporters: vec![],
        weights: w,
        constraints,
        previous: Default::default(),
    };
    let start = Instant::now();
    let p = plan(&mutual);
    println!(
        "{name:>6}: plan {:>9.1?}, {} pairs, total {}",
        start.elapsed(),
        p.pairs.len(),
        p.total_score
    );
    if check {
        println!("{name:>6}: digest of the plan {:016x}", digest(&p));
        let (supporters, requests) = mutual.requests.split_at(n / 5);
        let supporter = Input {
            kind: ProgrammeKind::Supporter,
            requests: requests.to_vec(),
            supporters: supporters.iter().map(|s| (s.clone(), 3)).collect(),
            ..mutual.clone()
        };
        let p = plan(&supporter);
        println!(
            "{name:>6}: supporter plan {} pairs, total {}, digest {:016x}",
            p.pairs.len(),
            p.total_score,
            digest(&p)
        );
    }
}

fn main() {
    let check = std::env::var_os("PLAN_PROFILE_DIGEST").is_some_and(|v| v == "1");
    run("plain", plain(1000), check);
    run("varied", varied(1000), check);
}
