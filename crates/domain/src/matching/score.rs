//! Explainable scoring of a possible pair, and the hard constraints.
//!
//! Peer support brings together "people who have experiences in common"
//!, with choice and control and inclusive matching. The
//! score of a pair is the sum of integer points over six features, each worth
//! at most its [`Weights`] value (0 to 100 points). Every feature that earns
//! points yields one or more [`Reason`]s in plain words, so a manager can
//! explain any proposal; the score is always the sum of its reasons' points.
//!
//! | feature | full points when | partial points |
//! |---|---|---|
//! | `profession` | both have the same profession (taxonomy code) | — |
//! | `specialties` | 2 or more specialties in common | 1 in common: half (rounded up) |
//! | `level` | mutual: same level; supporter: the supporter is at least as experienced as the peer (trainee < qualified < senior < lead) | mutual, one level apart: half (rounded up) |
//! | `region` | both in the same region and neither wants to meet online only | — |
//! | `interests` | 2 or more shared interests | 1 in common: half (rounded up) |
//! | `preferences` | every preference the requester stated is met | shared out over the stated preferences (see below) |
//!
//! Texts, codes and regions are compared trimmed and case-insensitively.
//!
//! **Stated preferences.** A requester's [`Preferences`] are a list of
//! items: the areas they want to talk about (met when one of them is among the
//! other person's specialties or interests), the other person's profession,
//! their level (exact), how to meet (online: the other does not insist on in
//! person; in person: the other does not insist on online and is in the
//! preferred region, or the requester's own region when none is given; no mode
//! but a region: the other is in that region), and one item per sensitive
//! attribute. A sensitive preference is an item only when the other person has
//! self-declared that attribute (otherwise it is ignored, neither met nor
//! unmet); its reason has [`Reason::private_to`] set to the requester and must
//! be shown to nobody else (see [`visible`]). The `preferences` points of one
//! side are shared out evenly over its items (differing by at most one point,
//! earlier items first) and each met item earns its share. In a supporter
//! programme only the peer's preferences count (supporters state none). In a
//! mutual programme both sides' count: when both stated preferences each side
//! has half of the points (the side that sorts first by user id gets the odd
//! point), otherwise the one side that did has all of them. Mode
//! incompatibility is not a hard constraint: it only costs preference points.
//!
//! The mutual score is symmetric: the participants are put in a canonical
//! order (by user id, then id) first, so `score(a, b) == score(b, a)`,
//! reasons included.
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::closed_set;
use crate::profile::SensitiveAttributes;
use crate::taxonomy::{LEVELS, parse_level, parse_profession};
use crate::validation::{Invalid, Violations, bounded_list, bounded_text};

closed_set!(
    /// The kind of a matching programme. `mutual`: peer exchange, any two
    /// members waiting pair up. `supporter`: trained, supervised
    /// supporters with a capacity give 1:1 support to peers who ask for it.
    ProgrammeKind { Mutual => "mutual", Supporter => "supporter" }
);

closed_set!(
    /// How a requester wants to meet the other person: `in_person`, `online`
    /// or `either` (the same as stating nothing).
    PreferredMeetingMode { InPerson => "in_person", Online => "online", Either => "either" }
);

closed_set!(
    /// A feature of the score: each has its weight, and every reason names
    /// the one its points come from.
    ScoreFeature {
        /// The same profession.
        Profession => "profession",
        /// Specialties in common.
        Specialties => "specialties",
        /// Level fit.
        Level => "level",
        /// The same region, meeting in person.
        Region => "region",
        /// Shared interests.
        Interests => "interests",
        /// The requester's stated preferences met.
        Preferences => "preferences",
    }
);

closed_set!(
    /// A sensitive attribute a profile may self-declare
    /// ([`SensitiveAttributes`]) and a preference may name.
    SensitiveAttribute {
        Gender => "gender",
        Ethnicity => "ethnicity",
        AgeBand => "age_band",
        SexualOrientation => "sexual_orientation",
        Disability => "disability",
        ReligionOrBelief => "religion_or_belief",
        Culture => "culture",
    }
);

/// Highest value of one weight.
pub const MAX_WEIGHT: i64 = 100;
/// Highest minimum score (six features of at most [`MAX_WEIGHT`] points).
pub const MAX_MIN_SCORE: i64 = 6 * MAX_WEIGHT;
/// At most this many areas in one request's preferences...
pub const MAX_AREAS: usize = 20;
/// ...of at most this many characters each.
pub const MAX_AREA_LEN: usize = 100;
/// Longest preferred region.
pub const MAX_REGION_LEN: usize = 100;
/// Longest wanted value of a sensitive attribute.
pub const MAX_SENSITIVE_LEN: usize = 100;

/// Points per feature, each 0..=100. The defaults put experience in common
/// first:
///
/// - `profession` 30: the same profession is the strongest common ground;
/// - `specialties` 20: areas of experience in common (full for 2 or more);
/// - `level` 15: level fit (mutual: same level; supporter: at least as
///   experienced as the peer);
/// - `region` 10: same region, so they can meet in person;
/// - `interests` 10: shared interests (full for 2 or more);
/// - `preferences` 15: the requester's stated preferences met.
///
/// They add up to 100, so a score reads as a percentage with the defaults.
/// Missing fields in JSON take their default; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub profession: i64,
    pub specialties: i64,
    pub level: i64,
    pub region: i64,
    pub interests: i64,
    pub preferences: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            profession: 30,
            specialties: 20,
            level: 15,
            region: 10,
            interests: 10,
            preferences: 15,
        }
    }
}

impl Weights {
    /// `(feature, value)` of every weight, in feature order.
    pub fn fields(&self) -> [(ScoreFeature, i64); 6] {
        [
            (ScoreFeature::Profession, self.profession),
            (ScoreFeature::Specialties, self.specialties),
            (ScoreFeature::Level, self.level),
            (ScoreFeature::Region, self.region),
            (ScoreFeature::Interests, self.interests),
            (ScoreFeature::Preferences, self.preferences),
        ]
    }

    /// The highest score a pair can reach (the sum of the weights).
    pub fn max_score(&self) -> i64 {
        self.fields().iter().map(|(_, v)| v).sum()
    }

    /// Each weight must be within 0..=100 (`weights.<name>`, code
    /// `out_of_range`); and not all of them 0 (`weights`, code `all_zero`),
    /// since then nobody could ever be matched.
    pub fn check(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        for (name, value) in self.fields() {
            if !(0..=MAX_WEIGHT).contains(&value) {
                v.add(
                    &format!("weights.{name}"),
                    Invalid::new(
                        "out_of_range",
                        format!("must be between 0 and {MAX_WEIGHT}"),
                    ),
                );
            }
        }
        if v.is_empty() && self.max_score() == 0 {
            v.add(
                "weights",
                Invalid::new(
                    "all_zero",
                    "at least one weight must be above 0, or no pair could ever be proposed",
                ),
            );
        }
        v.into_result()
    }
}

/// Hard constraints of a programme, and the minimum score of a proposal.
/// All off and 0 by default. Missing fields in JSON take their default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Constraints {
    /// Never pair two people of the same team.
    pub exclude_same_team: bool,
    /// Never pair someone with their line manager.
    pub exclude_line_manager: bool,
    /// Never pair again two people who were matched, or declined, before.
    pub exclude_previous_pairs: bool,
    /// Pairs scoring below this are never proposed (0..=600). Pairs scoring 0
    /// are never proposed by a run either.
    pub min_score: i64,
}

impl Constraints {
    /// `min_score` must be within 0..=600 (`constraints.min_score`, code
    /// `out_of_range`).
    pub fn check(&self) -> Result<(), Violations> {
        if (0..=MAX_MIN_SCORE).contains(&self.min_score) {
            Ok(())
        } else {
            Err(Violations::single(
                "constraints.min_score",
                Invalid::new(
                    "out_of_range",
                    format!("must be between 0 and {MAX_MIN_SCORE}"),
                ),
            ))
        }
    }
}

/// [`Weights::check`], [`Constraints::check`], and a minimum score the weights
/// can reach (`constraints.min_score`, code `unreachable`): all violations of a
/// programme's settings at once.
pub fn check_settings(w: &Weights, c: &Constraints) -> Result<(), Violations> {
    let mut v = Violations::new();
    let weights_ok = match w.check() {
        Ok(()) => true,
        Err(e) => {
            v.0.extend(e.0);
            false
        }
    };
    match c.check() {
        Err(e) => v.0.extend(e.0),
        Ok(()) if weights_ok && c.min_score > w.max_score() => v.add(
            "constraints.min_score",
            Invalid::new(
                "unreachable",
                format!(
                    "must be at most {}, the highest score these weights can give",
                    w.max_score()
                ),
            ),
        ),
        Ok(()) => {}
    }
    v.into_result()
}

/// A request's preferences about the other person. All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    /// Areas they want to talk about (matched against the other person's
    /// specialties and interests).
    pub areas: Vec<String>,
    /// Preferred profession of the other person (taxonomy code).
    pub profession: Option<String>,
    /// Preferred level of the other person (`trainee` .. `lead`).
    pub level: Option<String>,
    /// Where they want to meet; `None` is the same as `either`.
    pub mode: Option<PreferredMeetingMode>,
    /// Where they want to meet in person (default: their own region);
    /// ignored when meeting online.
    pub region: Option<String>,
    /// Wanted values of sensitive attributes, e.g. `{"ethnicity": "…"}`;
    /// keys are [`SensitiveAttribute`] codes. Used only when the other person has
    /// self-declared that attribute; shown to nobody but the requester.
    pub sensitive: BTreeMap<String, String>,
}

impl Preferences {
    /// Validates and normalises: areas via [`bounded_list`] (at most
    /// [`MAX_AREAS`] of [`MAX_AREA_LEN`] characters, duplicates dropped),
    /// profession and level via the taxonomy (upper-/lower-case codes),
    /// region trimmed (1..=[`MAX_REGION_LEN`]), sensitive keys lower-cased and
    /// a [`SensitiveAttribute`] code (else `preferences.sensitive`, code
    /// `unknown_attribute`), values 1..=[`MAX_SENSITIVE_LEN`] characters
    /// (`preferences.sensitive.<key>`). Fields are named `preferences.<x>`.
    pub fn check(&self) -> Result<Preferences, Violations> {
        let mut v = Violations::new();
        let areas = v
            .check(
                "preferences.areas",
                bounded_list(&self.areas, MAX_AREAS, MAX_AREA_LEN),
            )
            .unwrap_or_default();
        let profession = self
            .profession
            .as_deref()
            .and_then(|p| v.check("preferences.profession", parse_profession(p)));
        let level = self
            .level
            .as_deref()
            .and_then(|l| v.check("preferences.level", parse_level(l)));
        let region = self
            .region
            .as_deref()
            .and_then(|r| v.check("preferences.region", bounded_text(r, 1, MAX_REGION_LEN)));
        let mut sensitive = BTreeMap::new();
        for (raw_key, value) in &self.sensitive {
            let key = raw_key.trim().to_ascii_lowercase();
            if SensitiveAttribute::parse(&key).is_none() {
                let shown: String = raw_key.chars().take(40).collect();
                v.add(
                    "preferences.sensitive",
                    Invalid::new(
                        "unknown_attribute",
                        format!(
                            "\"{shown}\" is not a sensitive attribute; must be one of {}",
                            <SensitiveAttribute as crate::closed::ClosedSet>::allowed()
                        ),
                    ),
                );
                continue;
            }
            let field = format!("preferences.sensitive.{key}");
            if sensitive.contains_key(&key) {
                v.add(&field, Invalid::new("duplicate", "is given more than once"));
                continue;
            }
            if let Some(value) = v.check(&field, bounded_text(value, 1, MAX_SENSITIVE_LEN)) {
                sensitive.insert(key, value);
            }
        }
        v.into_result().map(|_| Preferences {
            areas,
            profession,
            level,
            mode: self.mode,
            region,
            sensitive,
        })
    }
}

/// The self-declared sensitive attributes of a profile as a map keyed by
/// [`SensitiveAttribute`] codes (empty values left out), for [`Participant::sensitive`].
pub fn sensitive_map(s: &SensitiveAttributes) -> BTreeMap<String, String> {
    use SensitiveAttribute as A;
    [
        (A::Gender, &s.gender),
        (A::Ethnicity, &s.ethnicity),
        (A::AgeBand, &s.age_band),
        (A::SexualOrientation, &s.sexual_orientation),
        (A::Disability, &s.disability),
        (A::ReligionOrBelief, &s.religion_or_belief),
        (A::Culture, &s.culture),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (k.as_str().to_owned(), v.to_owned()))
    })
    .collect()
}

/// One participant as the engine sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participant {
    /// The request (or supporter) id.
    pub id: String,
    pub user_id: String,
    pub profession: Option<String>,
    pub level: Option<String>,
    pub region: Option<String>,
    pub specialties: Vec<String>,
    pub interests: Vec<String>,
    pub team: Option<String>,
    pub line_manager_id: Option<String>,
    /// Self-declared sensitive attributes only (see [`sensitive_map`]).
    pub sensitive: BTreeMap<String, String>,
    pub preferences: Preferences,
}

/// One feature's contribution to a score, in plain words. Stored with a
/// match (and in a run's result) in this form, and read back as it is: the
/// privacy rule ([`visible`]) applies to stored reasons too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The weight it comes from.
    pub feature: ScoreFeature,
    /// Always above 0.
    pub points: i64,
    /// E.g. `same profession (PWP): +30`.
    pub text: String,
    /// Set when it reveals a sensitive preference: shown only to the
    /// requester (this user id) whose preference it was.
    #[serde(default)]
    pub private_to: Option<String>,
}

impl Reason {
    /// Whether `viewer` (a user id; `None` for a manager or anyone else) may
    /// see this reason.
    pub fn visible_to(&self, viewer: Option<&str>) -> bool {
        match &self.private_to {
            None => true,
            Some(owner) => viewer == Some(owner.as_str()),
        }
    }
}

/// The reasons `viewer` may see and the sum of their points: what to show a
/// manager (`None`) or a participant instead of the full score, so that a
/// private preference cannot be told from the numbers either.
pub fn visible(reasons: &[Reason], viewer: Option<&str>) -> (i64, Vec<Reason>) {
    let shown: Vec<Reason> = reasons
        .iter()
        .filter(|r| r.visible_to(viewer))
        .cloned()
        .collect();
    (shown.iter().map(|r| r.points).sum(), shown)
}

/// `s` without leading and trailing white space, like [`str::trim`]; quick
/// when it starts and ends with a visible ASCII character, as most texts do.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Whether two texts or codes are the same, trimmed and case-insensitively:
/// whether their [`key`]s are equal, without building them.
fn same_key(a: &str, b: &str) -> bool {
    if equal(a, b) {
        return true;
    }
    let (a, b) = (trim(a), trim(b));
    // Most texts differ from the first character: two ASCII characters that
    // are not the same letter whatever the case lower-case differently.
    if let (Some(x), Some(y)) = (a.as_bytes().first(), b.as_bytes().first())
        && x.is_ascii()
        && y.is_ascii()
        && !x.eq_ignore_ascii_case(y)
    {
        return false;
    }
    // Equal up to the case of ASCII letters (other bytes equal): the same
    // characters up to case.
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// `a == b`, quicker when they differ in length or first byte, as most
/// short texts that differ do.
fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// `s` trimmed and lower-cased: `same_key(a, b)` is `key(a) == key(b)`, and
/// a key is its own key.
fn key(s: &str) -> String {
    let s = trim(s);
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.chars().flat_map(char::to_lowercase).collect()
    }
}

/// A non-empty trimmed value.
fn value(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(trim).filter(|s| !s.is_empty())
}

/// Whether `a` and `b` are the same key: [`same_key`], or plain equality
/// when both are [`key`]s already (`KEYED`: texts of [`Keyed`] participants).
fn same_as<const KEYED: bool>(a: &str, b: &str) -> bool {
    if KEYED { equal(a, b) } else { same_key(a, b) }
}

fn same<const KEYED: bool>(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((value(a), value(b)), (Some(x), Some(y)) if same_as::<KEYED>(x, y))
}

/// Whether `s` is in one of the lists of `theirs`.
fn in_any<const KEYED: bool>(s: &str, theirs: &[&[String]]) -> bool {
    theirs
        .iter()
        .any(|l| l.iter().any(|t| same_as::<KEYED>(s, t)))
}

/// Items of `mine` (trimmed, in order, first spelling kept) also in one of
/// the lists of `theirs`.
/// Lists are short (at most 30 items), so pairwise comparison is cheapest.
fn common<'a>(mine: &'a [String], theirs: &[&[String]]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for s in mine.iter().map(|s| trim(s)).filter(|s| !s.is_empty()) {
        if in_any::<false>(s, theirs) && !out.iter().any(|o| same_key(o, s)) {
            out.push(s);
        }
    }
    out
}

/// `common(mine, theirs).len().min(cap)` for `cap` 1 or 2, allocating
/// nothing: it is enough to know the first item in common.
fn count_common<const KEYED: bool>(mine: &[String], theirs: &[&[String]], cap: usize) -> usize {
    let mut first: Option<&str> = None;
    for s in mine.iter().map(|s| trim(s)).filter(|s| !s.is_empty()) {
        match first {
            Some(f) if same_as::<KEYED>(f, s) => {}
            _ if !in_any::<KEYED>(s, theirs) => {}
            Some(_) => return 2.min(cap),
            None if cap <= 1 => return 1,
            None => first = Some(s),
        }
    }
    usize::from(first.is_some())
}

/// The number of items in common for [`graded`] (exact when explaining,
/// else at most 2, which [`graded`] does not tell from more), and the items
/// when explaining.
fn shared<'a, const KEYED: bool>(
    mine: &'a [String],
    theirs: &[String],
    explain: bool,
) -> (usize, Vec<&'a str>) {
    if explain {
        let items = common(mine, &[theirs]);
        (items.len(), items)
    } else {
        (count_common::<KEYED>(mine, &[theirs], 2), Vec::new())
    }
}

/// A feature graded by items in common ([`graded`]): specialties or
/// interests, with its reason naming the items.
fn graded_lists<const KEYED: bool>(
    out: &mut Reasons,
    (feature, weight): (ScoreFeature, i64),
    (mine, theirs): (&[String], &[String]),
    (one, many): (&str, &str),
) {
    let (n, items) = shared::<KEYED>(mine, theirs, out.explain);
    out.add(
        feature,
        graded(n, weight),
        || format!("{} ({})", plural(n, one, many), items.join(", ")),
        None,
    );
}

/// Rank of a level (0 = trainee), whatever its case.
fn rank<const KEYED: bool>(level: &str) -> Option<usize> {
    // The codes are keys.
    LEVELS
        .iter()
        .position(|(code, _)| same_as::<KEYED>(code, level))
}

/// Half the points, rounded up.
fn half(w: i64) -> i64 {
    w - w / 2
}

/// Full points for 2 or more items in common, half for 1.
fn graded(n: usize, w: i64) -> i64 {
    match n {
        0 => 0,
        1 => half(w),
        _ => w,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn humanise(attribute: &str) -> String {
    attribute.replace('_', " ")
}

fn mode(p: &Participant) -> PreferredMeetingMode {
    p.preferences.mode.unwrap_or(PreferredMeetingMode::Either)
}

/// The points of a pair, and their reasons when `explain` is on (texts are
/// only built then: a run scores every pair but explains only its proposals).
struct Reasons {
    explain: bool,
    total: i64,
    list: Vec<Reason>,
}

impl Reasons {
    fn add(
        &mut self,
        feature: ScoreFeature,
        points: i64,
        what: impl FnOnce() -> String,
        private_to: Option<&str>,
    ) {
        if points > 0 {
            self.total += points;
            if self.explain {
                self.list.push(Reason {
                    feature,
                    points,
                    text: format!("{}: +{points}", what()),
                    private_to: private_to.map(str::to_owned),
                });
            }
        }
    }
}

/// One stated preference of a requester about the other person.
struct Item {
    met: bool,
    what: String,
    private: bool,
}

/// The preference items of one requester about the other person, in order:
/// listed when explaining, else only counted with which are met (allocating
/// nothing up to 64 items).
struct Items {
    explain: bool,
    list: Vec<Item>,
    count: usize,
    /// Bit `i`: whether item `i` is met, for the first 64 items...
    met: u64,
    /// ...and for the others.
    more: Vec<bool>,
}

impl Items {
    fn new(explain: bool) -> Self {
        Self {
            explain,
            list: Vec::new(),
            count: 0,
            met: 0,
            more: Vec::new(),
        }
    }

    fn push(&mut self, met: bool, what: impl FnOnce() -> String, private: bool) {
        if self.explain {
            self.list.push(Item {
                met,
                what: what(),
                private,
            });
        } else if self.count < 64 {
            self.met |= u64::from(met) << self.count;
        } else {
            self.more.push(met);
        }
        self.count += 1;
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The preference items `r` stated that apply to `o` (see the module docs).
fn items<const KEYED: bool>(r: &Participant, o: &Participant, explain: bool) -> Items {
    let p = &r.preferences;
    let mut out = Items::new(explain);
    if p.areas.iter().any(|a| !trim(a).is_empty()) {
        let theirs: [&[String]; 2] = [&o.specialties, &o.interests];
        if explain {
            let met = common(&p.areas, &theirs);
            out.push(
                !met.is_empty(),
                || format!("preferred areas to talk about met ({})", met.join(", ")),
                false,
            );
        } else {
            let met = count_common::<KEYED>(&p.areas, &theirs, 1) > 0;
            out.push(met, String::new, false);
        }
    }
    if value(&p.profession).is_some() {
        out.push(
            same::<KEYED>(&p.profession, &o.profession),
            || "preferred profession met".to_owned(),
            false,
        );
    }
    if value(&p.level).is_some() {
        out.push(
            same::<KEYED>(&p.level, &o.level),
            || "preferred level met".to_owned(),
            false,
        );
    }
    let wanted_region = value(&p.region).or(value(&r.region));
    match mode(r) {
        PreferredMeetingMode::Online => out.push(
            mode(o) != PreferredMeetingMode::InPerson,
            || "both can meet online".to_owned(),
            false,
        ),
        PreferredMeetingMode::InPerson => {
            let in_region = match wanted_region {
                Some(wr) => value(&o.region).is_some_and(|or| same_as::<KEYED>(or, wr)),
                None => true,
            };
            out.push(
                mode(o) != PreferredMeetingMode::Online && in_region,
                || match wanted_region {
                    Some(wr) => format!("preferred in-person meeting in {wr} met"),
                    None => "preferred in-person meeting met".to_owned(),
                },
                false,
            );
        }
        PreferredMeetingMode::Either => {
            if let Some(wr) = value(&p.region) {
                out.push(
                    value(&o.region).is_some_and(|or| same_as::<KEYED>(or, wr)),
                    || format!("preferred region ({wr}) met"),
                    false,
                );
            }
        }
    }
    for (attribute, wanted) in &p.sensitive {
        let declared = o
            .sensitive
            .get(attribute)
            .map(|s| trim(s))
            .filter(|s| !s.is_empty());
        if let Some(declared) = declared
            && !trim(wanted).is_empty()
        {
            out.push(
                same_as::<KEYED>(declared, wanted),
                || format!("your preference on {} met", humanise(attribute)),
                true,
            );
        }
    }
    out
}

/// Shares `budget` points out over `r`'s items about `o`; adds the met ones.
fn preference_reasons(out: &mut Reasons, r: &Participant, items: Items, budget: i64) {
    let n = items.count as i64;
    let share = |i: i64| budget * (i + 1) / n - budget * i / n;
    if items.explain {
        for (i, item) in (0..).zip(items.list) {
            if item.met {
                let private_to = item.private.then_some(r.user_id.as_str());
                out.add(
                    ScoreFeature::Preferences,
                    share(i),
                    || item.what,
                    private_to,
                );
            }
        }
    } else {
        let met = (0..64).map(|i| items.met >> i & 1 == 1).chain(items.more);
        for (i, met) in (0..n).zip(met) {
            if met {
                out.add(ScoreFeature::Preferences, share(i), String::new, None);
            }
        }
    }
}

/// Score of a pair: for mutual, symmetric (preferences of both sides count);
/// for supporter, `a` is the peer (requester), `b` the supporter (level fit:
/// supporter at least as experienced as the peer). See the module docs for
/// the rules. The score is the sum of the reasons' points; reasons come in
/// feature order and only for features that earn points.
pub fn score(
    kind: ProgrammeKind,
    a: &Participant,
    b: &Participant,
    w: &Weights,
) -> (i64, Vec<Reason>) {
    let out = evaluate::<false>(kind, a, b, w, true);
    (out.total, out.list)
}

/// `score(kind, a, b, w).0` without building the reasons.
pub fn points(kind: ProgrammeKind, a: &Participant, b: &Participant, w: &Weights) -> i64 {
    evaluate::<false>(kind, a, b, w, false).total
}

/// A participant with every compared text a [`key`] (trimmed and
/// lower-cased): profession, level, region, specialties, interests, team,
/// the values of sensitive attributes, and the preferred areas, profession,
/// level, region and sensitive values. Ids, the user id, the line manager and
/// the names of sensitive attributes are kept as they are. Scoring keys
/// compares them exactly, which is quicker: [`Keyed::points`] is always
/// [`points`] of the originals, but reasons must be built from the
/// originals (they keep the first spelling).
pub(crate) struct Keyed(Participant);

impl Keyed {
    pub(crate) fn new(p: &Participant) -> Self {
        Self(keyed(p))
    }

    /// `points(kind, a, b, w)` of the originals of `a` and `b`.
    pub(crate) fn points(kind: ProgrammeKind, a: &Keyed, b: &Keyed, w: &Weights) -> i64 {
        evaluate::<true>(kind, &a.0, &b.0, w, false).total
    }
}

/// A copy of `p` with every compared text a [`key`] (see [`Keyed`]).
fn keyed(p: &Participant) -> Participant {
    let one = |s: &Option<String>| s.as_deref().map(key);
    let list = |l: &[String]| l.iter().map(|s| key(s)).collect();
    let values = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(attribute, v)| (attribute.clone(), key(v)))
            .collect()
    };
    let r = &p.preferences;
    Participant {
        id: p.id.clone(),
        user_id: p.user_id.clone(),
        profession: one(&p.profession),
        level: one(&p.level),
        region: one(&p.region),
        specialties: list(&p.specialties),
        interests: list(&p.interests),
        team: one(&p.team),
        line_manager_id: p.line_manager_id.clone(),
        sensitive: values(&p.sensitive),
        preferences: Preferences {
            areas: list(&r.areas),
            profession: one(&r.profession),
            level: one(&r.level),
            mode: r.mode,
            region: one(&r.region),
            sensitive: values(&r.sensitive),
        },
    }
}

/// The score of `a` and `b` (see [`score`]), the reasons only when
/// `explain`. `KEYED`: both are [`Keyed`] participants (never explained).
fn evaluate<const KEYED: bool>(
    kind: ProgrammeKind,
    a: &Participant,
    b: &Participant,
    w: &Weights,
    explain: bool,
) -> Reasons {
    let (p, q) = match kind {
        ProgrammeKind::Mutual if (&b.user_id, &b.id) < (&a.user_id, &a.id) => (b, a),
        _ => (a, b),
    };
    let mut out = Reasons {
        explain,
        total: 0,
        list: Vec::new(),
    };

    if same::<KEYED>(&p.profession, &q.profession) {
        let code = value(&p.profession).unwrap_or_default();
        out.add(
            ScoreFeature::Profession,
            w.profession,
            || format!("same profession ({code})"),
            None,
        );
    }

    graded_lists::<KEYED>(
        &mut out,
        (ScoreFeature::Specialties, w.specialties),
        (&p.specialties, &q.specialties),
        ("shared specialty", "shared specialties"),
    );

    let levels = value(&p.level).zip(value(&q.level));
    if let Some((lp, lq)) = levels
        && let (Some(rp), Some(rq)) = (rank::<KEYED>(lp), rank::<KEYED>(lq))
    {
        let (lp, lq) = (LEVELS[rp].0, LEVELS[rq].0);
        match kind {
            ProgrammeKind::Supporter if rq >= rp => out.add(
                ScoreFeature::Level,
                w.level,
                || format!("supporter is at least as experienced ({lq} ≥ {lp})"),
                None,
            ),
            ProgrammeKind::Supporter => {}
            ProgrammeKind::Mutual if rp == rq => out.add(
                ScoreFeature::Level,
                w.level,
                || format!("same level ({lp})"),
                None,
            ),
            ProgrammeKind::Mutual if rp.abs_diff(rq) == 1 => {
                let (lo, hi) = if rp < rq { (lp, lq) } else { (lq, lp) };
                out.add(
                    ScoreFeature::Level,
                    half(w.level),
                    || format!("one level apart ({lo}, {hi})"),
                    None,
                )
            }
            ProgrammeKind::Mutual => {}
        }
    }

    if same::<KEYED>(&p.region, &q.region)
        && mode(p) != PreferredMeetingMode::Online
        && mode(q) != PreferredMeetingMode::Online
    {
        let region = value(&p.region).unwrap_or_default();
        let how = if mode(p) == PreferredMeetingMode::InPerson
            || mode(q) == PreferredMeetingMode::InPerson
        {
            "meeting in person"
        } else {
            "so they can meet in person"
        };
        out.add(
            ScoreFeature::Region,
            w.region,
            || format!("both in {region}, {how}"),
            None,
        );
    }

    graded_lists::<KEYED>(
        &mut out,
        (ScoreFeature::Interests, w.interests),
        (&p.interests, &q.interests),
        ("shared interest", "shared interests"),
    );

    match kind {
        ProgrammeKind::Supporter => {
            let it = items::<KEYED>(p, q, explain);
            preference_reasons(&mut out, p, it, w.preferences);
        }
        ProgrammeKind::Mutual => {
            let (ip, iq) = (items::<KEYED>(p, q, explain), items::<KEYED>(q, p, explain));
            let (bp, bq) = match (ip.is_empty(), iq.is_empty()) {
                (false, false) => (half(w.preferences), w.preferences / 2),
                _ => (w.preferences, w.preferences),
            };
            if !ip.is_empty() {
                preference_reasons(&mut out, p, ip, bp);
            }
            if !iq.is_empty() {
                preference_reasons(&mut out, q, iq, bq);
            }
        }
    }

    out
}

/// Why a pair may not be proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exclusion {
    SameTeam,
    LineManager,
    PreviousPair,
    BelowMinimum,
    SamePerson,
}

impl Exclusion {
    /// In plain words, e.g. "same team".
    pub fn text(self) -> &'static str {
        match self {
            Self::SameTeam => "same team",
            Self::LineManager => "line manager",
            Self::PreviousPair => "paired before",
            Self::BelowMinimum => "below the minimum score",
            Self::SamePerson => "same person",
        }
    }

    /// A stable code, e.g. `same_team` (for API errors).
    pub fn code(self) -> &'static str {
        match self {
            Self::SameTeam => "same_team",
            Self::LineManager => "line_manager",
            Self::PreviousPair => "previous_pair",
            Self::BelowMinimum => "below_minimum",
            Self::SamePerson => "same_person",
        }
    }
}

/// Hard constraints (not the minimum score): `previous` holds unordered
/// user-id pairs (either order) that were matched or declined before.
///
/// Checked in this order: the same person (same user or same id; always,
/// whatever the constraints), the same team (both have a team and it is the
/// same, case-insensitively), line manager (either is the other's), paired
/// before. Each but the first applies only if its constraint is on.
pub fn excluded(
    a: &Participant,
    b: &Participant,
    c: &Constraints,
    previous: &BTreeSet<(String, String)>,
) -> Option<Exclusion> {
    if a.user_id == b.user_id || a.id == b.id {
        return Some(Exclusion::SamePerson);
    }
    if c.exclude_same_team && same::<false>(&a.team, &b.team) {
        return Some(Exclusion::SameTeam);
    }
    let manages = |m: &Participant, x: &Participant| {
        x.line_manager_id
            .as_deref()
            .is_some_and(|l| trim(l) == trim(&m.user_id))
    };
    if c.exclude_line_manager && (manages(a, b) || manages(b, a)) {
        return Some(Exclusion::LineManager);
    }
    if c.exclude_previous_pairs && !previous.is_empty() {
        let ab = (a.user_id.clone(), b.user_id.clone());
        let ba = (b.user_id.clone(), a.user_id.clone());
        if previous.contains(&ab) || previous.contains(&ba) {
            return Some(Exclusion::PreviousPair);
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Participants for tests and their proptest strategies.
    use super::*;
    use proptest::collection::{btree_map, vec};
    use proptest::prelude::*;
    use proptest::sample::select;

    pub fn strings(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A participant with request id `r<n>` and user id `u<n>`.
    pub fn person(n: usize) -> Participant {
        Participant {
            id: format!("r{n}"),
            user_id: format!("u{n}"),
            ..Default::default()
        }
    }

    /// `value` as someone might type it: as is, upper- or lower-cased (in
    /// full Unicode: `Straße` becomes `STRASSE`, another key), or with
    /// spaces around (plain or no-break; never control characters, which
    /// [`Preferences::check`] refuses).
    fn typed(value: &'static str) -> impl Strategy<Value = String> {
        (0..6usize).prop_map(move |how| match how {
            0 => value.to_uppercase(),
            1 => value.to_lowercase(),
            2 => format!(" {value}"),
            3 => format!("{value}\u{a0} "),
            _ => value.to_owned(),
        })
    }

    /// One of `values`, [`typed`].
    fn spelt(values: &'static [&'static str]) -> impl Strategy<Value = String> {
        select(values).prop_flat_map(typed)
    }

    fn opt(values: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
        prop::option::of(spelt(values))
    }

    /// Some of `values` in order, each [`typed`].
    fn some_of(values: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
        prop::sample::subsequence(values, 0..=values.len())
            .prop_flat_map(|v| v.into_iter().map(typed).collect::<Vec<_>>())
    }

    fn sensitive() -> impl Strategy<Value = BTreeMap<String, String>> {
        btree_map(
            select(&["gender", "ethnicity", "age_band"][..]).prop_map(str::to_owned),
            spelt(&["a", "b", "é", "É"]),
            0..=3,
        )
    }

    /// Regions: one spelt two ways, and non-ASCII ones.
    const REGIONS: &[&str] = &[
        "West Midlands",
        "east midlands",
        "East Midlands",
        "Île-de-France",
        "ÎLE-DE-FRANCE",
    ];

    pub fn preferences() -> impl Strategy<Value = Preferences> {
        (
            some_of(&["anxiety", "Burnout", "trauma", "Straße", "\u{212a}-pop"]),
            opt(&["PWP", "CAP", "pwp"]),
            opt(&["trainee", "qualified", "senior", "lead"]),
            prop::option::of(select(PreferredMeetingMode::ALL)),
            opt(REGIONS),
            sensitive(),
        )
            .prop_map(
                |(areas, profession, level, mode, region, sensitive)| Preferences {
                    areas,
                    profession,
                    level,
                    mode,
                    region,
                    sensitive,
                },
            )
    }

    /// A participant with request id `r<n>` and user id `u<n>`, other fields
    /// drawn from small pools so that features often match, in mixed case,
    /// with spaces around and non-ASCII texts ([`typed`]); line managers
    /// are among `u0`..`u5`.
    pub fn participant(n: usize) -> impl Strategy<Value = Participant> {
        (
            (
                opt(&["PWP", "CAP", "pwp"]),
                opt(&["trainee", "qualified", "senior", "lead"]),
                opt(REGIONS),
                some_of(&["anxiety", "burnout", "Trauma", "grief", "straße", "K-pop"]),
                some_of(&["running", "music", "Reading", "Σίσυφος", "ΣΊΣΥΦΟΣ"]),
            ),
            (
                opt(&["t1", "T1", "t2"]),
                opt(&["u0", "u1", "u2", "u3", "u4", "u5"]),
                sensitive(),
                preferences(),
            ),
        )
            .prop_map(
                move |(
                    (profession, level, region, specialties, interests),
                    (team, line_manager_id, sensitive, preferences),
                )| Participant {
                    id: format!("r{n}"),
                    user_id: format!("u{n}"),
                    profession,
                    level,
                    region,
                    specialties,
                    interests,
                    team,
                    line_manager_id,
                    sensitive,
                    preferences,
                },
            )
    }

    /// `count` participants numbered from `first`.
    pub fn participants(
        first: usize,
        count: std::ops::RangeInclusive<usize>,
    ) -> impl Strategy<Value = Vec<Participant>> {
        vec(Just(()), count).prop_flat_map(move |v| {
            (0..v.len())
                .map(|i| participant(first + i))
                .collect::<Vec<_>>()
        })
    }

    pub fn weights() -> impl Strategy<Value = Weights> {
        (
            0..=MAX_WEIGHT,
            0..=MAX_WEIGHT,
            0..=MAX_WEIGHT,
            0..=MAX_WEIGHT,
            0..=MAX_WEIGHT,
            0..=MAX_WEIGHT,
        )
            .prop_map(
                |(profession, specialties, level, region, interests, preferences)| Weights {
                    profession,
                    specialties,
                    level,
                    region,
                    interests,
                    preferences,
                },
            )
    }

    pub fn constraints() -> impl Strategy<Value = Constraints> {
        (any::<bool>(), any::<bool>(), any::<bool>(), 0..=60i64).prop_map(
            |(exclude_same_team, exclude_line_manager, exclude_previous_pairs, min_score)| {
                Constraints {
                    exclude_same_team,
                    exclude_line_manager,
                    exclude_previous_pairs,
                    min_score,
                }
            },
        )
    }

    /// Unordered user-id pairs among `u0`..`u7`.
    pub fn previous() -> impl Strategy<Value = BTreeSet<(String, String)>> {
        proptest::collection::btree_set(
            (0..8usize, 0..8usize).prop_map(|(a, b)| (format!("u{a}"), format!("u{b}"))),
            0..6,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use proptest::prelude::*;

    fn texts(reasons: &[Reason]) -> Vec<&str> {
        reasons.iter().map(|r| r.text.as_str()).collect()
    }

    /// The (field, code) pairs of a failed check.
    fn errors<T: std::fmt::Debug>(r: Result<T, Violations>) -> Vec<(String, String)> {
        r.unwrap_err()
            .0
            .into_iter()
            .map(|v| (v.field, v.code))
            .collect()
    }

    fn err(l: &[(&str, &str)]) -> Vec<(String, String)> {
        l.iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect()
    }

    fn zero() -> Weights {
        Weights {
            profession: 0,
            specialties: 0,
            level: 0,
            region: 0,
            interests: 0,
            preferences: 0,
        }
    }

    fn pwp(n: usize) -> Participant {
        Participant {
            profession: Some("PWP".into()),
            level: Some("qualified".into()),
            region: Some("West Midlands".into()),
            ..person(n)
        }
    }

    #[test]
    fn default_weights_add_up_to_100_and_are_valid() {
        let w = Weights::default();
        assert_eq!(
            w.fields(),
            [
                (ScoreFeature::Profession, 30),
                (ScoreFeature::Specialties, 20),
                (ScoreFeature::Level, 15),
                (ScoreFeature::Region, 10),
                (ScoreFeature::Interests, 10),
                (ScoreFeature::Preferences, 15)
            ]
        );
        assert_eq!(w.max_score(), 100);
        assert!(w.check().is_ok());
        assert!(Constraints::default().check().is_ok());
        assert!(check_settings(&w, &Constraints::default()).is_ok());
    }

    #[test]
    fn weights_out_of_range_name_each_field() {
        let w = Weights {
            profession: -1,
            region: 101,
            ..Default::default()
        };
        assert_eq!(
            errors(w.check()),
            err(&[
                ("weights.profession", "out_of_range"),
                ("weights.region", "out_of_range")
            ])
        );
        assert_eq!(
            w.check().unwrap_err().0[0].message,
            "must be between 0 and 100"
        );
        let edges = Weights {
            profession: 0,
            preferences: 100,
            ..Default::default()
        };
        assert!(edges.check().is_ok());
        assert_eq!(errors(zero().check()), err(&[("weights", "all_zero")]));
    }

    #[test]
    fn min_score_range_and_reachability() {
        let c = |min_score| Constraints {
            min_score,
            ..Default::default()
        };
        assert!(c(0).check().is_ok());
        assert!(c(600).check().is_ok());
        for bad in [-1, 601] {
            let e = c(bad).check().unwrap_err();
            assert_eq!(e.0[0].field, "constraints.min_score");
            assert_eq!(e.0[0].code, "out_of_range");
            assert_eq!(e.0[0].message, "must be between 0 and 600");
        }
        // The defaults reach 100 at most.
        assert_eq!(
            errors(check_settings(&Weights::default(), &c(101))),
            err(&[("constraints.min_score", "unreachable")])
        );
        assert!(check_settings(&Weights::default(), &c(100)).is_ok());
        // Every violation at once.
        let w = Weights {
            level: 200,
            ..Default::default()
        };
        assert_eq!(
            errors(check_settings(&w, &c(-5))),
            err(&[
                ("weights.level", "out_of_range"),
                ("constraints.min_score", "out_of_range")
            ])
        );
    }

    /// Deserialises `T` from a map of `(key, value)` pairs.
    fn from_map<'a, T, V>(pairs: Vec<(&'a str, V)>) -> Result<T, serde::de::value::Error>
    where
        T: Deserialize<'a>,
        V: serde::de::IntoDeserializer<'a, serde::de::value::Error>,
    {
        T::deserialize(serde::de::value::MapDeserializer::new(pairs.into_iter()))
    }

    #[test]
    fn settings_deserialise_with_defaults_and_refuse_unknown_fields() {
        let w: Weights = from_map(vec![("profession", 50i64)]).unwrap();
        assert_eq!(w.profession, 50);
        assert_eq!(w.specialties, 20);
        assert!(from_map::<Weights, _>(vec![("profesion", 50i64)]).is_err());
        let c: Constraints = from_map(vec![("exclude_same_team", true)]).unwrap();
        assert!(c.exclude_same_team && !c.exclude_line_manager && c.min_score == 0);
        let p: Preferences = from_map(vec![("areas", vec!["anxiety"])]).unwrap();
        assert_eq!(p.areas, strings(&["anxiety"]));
        let mode = |s: &str| {
            PreferredMeetingMode::deserialize(
                serde::de::IntoDeserializer::<serde::de::value::Error>::into_deserializer(s),
            )
        };
        assert_eq!(mode("in_person").unwrap(), PreferredMeetingMode::InPerson);
        assert!(mode("by_post").is_err());
        assert!(from_map::<Preferences, _>(vec![("colour", "red")]).is_err());
        assert_eq!(
            ProgrammeKind::parse("supporter"),
            Some(ProgrammeKind::Supporter)
        );
        assert_eq!(ProgrammeKind::Mutual.as_str(), "mutual");
        assert_eq!(
            PreferredMeetingMode::parse_field("x").unwrap_err().message,
            "must be one of in_person, online, either"
        );
    }

    #[test]
    fn preferences_are_normalised() {
        let p = Preferences {
            areas: strings(&[" anxiety ", "Anxiety", "burnout"]),
            profession: Some(" pwp".into()),
            level: Some("Senior".into()),
            mode: Some(PreferredMeetingMode::InPerson),
            region: Some(" West Midlands ".into()),
            sensitive: [(" Ethnicity ".to_owned(), " x ".to_owned())].into(),
        }
        .check()
        .unwrap();
        assert_eq!(p.areas, strings(&["anxiety", "burnout"]));
        assert_eq!(p.profession.as_deref(), Some("PWP"));
        assert_eq!(p.level.as_deref(), Some("senior"));
        assert_eq!(p.region.as_deref(), Some("West Midlands"));
        assert_eq!(
            p.sensitive,
            [("ethnicity".to_owned(), "x".to_owned())].into()
        );
        assert_eq!(
            Preferences::default().check().unwrap(),
            Preferences::default()
        );
    }

    #[test]
    fn preferences_name_each_bad_field() {
        let p = Preferences {
            areas: vec!["x".to_owned(); MAX_AREAS + 1],
            profession: Some("wizard".into()),
            level: Some("guru".into()),
            mode: None,
            region: Some("r".repeat(MAX_REGION_LEN + 1)),
            sensitive: [
                ("star_sign".to_owned(), "leo".to_owned()),
                ("gender".to_owned(), "  ".to_owned()),
                ("culture".to_owned(), "c".repeat(MAX_SENSITIVE_LEN + 1)),
            ]
            .into(),
        };
        assert_eq!(
            errors(p.check()),
            err(&[
                ("preferences.areas", "too_many"),
                ("preferences.profession", "unknown_profession"),
                ("preferences.level", "unknown_level"),
                ("preferences.region", "too_long"),
                ("preferences.sensitive.culture", "too_long"),
                ("preferences.sensitive.gender", "required"),
                ("preferences.sensitive", "unknown_attribute"),
            ])
        );
        let e = p.check().unwrap_err();
        assert!(
            e.0[6]
                .message
                .starts_with("\"star_sign\" is not a sensitive attribute")
        );
        let long = Preferences {
            areas: vec!["a".repeat(MAX_AREA_LEN + 1)],
            ..Default::default()
        };
        assert_eq!(
            errors(long.check()),
            err(&[("preferences.areas", "too_long")])
        );
        let twice = Preferences {
            sensitive: [
                ("gender".to_owned(), "a".to_owned()),
                ("GENDER".to_owned(), "b".to_owned()),
            ]
            .into(),
            ..Default::default()
        };
        assert_eq!(
            errors(twice.check()),
            err(&[("preferences.sensitive.gender", "duplicate")])
        );
    }

    #[test]
    fn sensitive_keys_are_those_of_the_profile() {
        let s = SensitiveAttributes {
            gender: Some("g".into()),
            ethnicity: Some("e".into()),
            age_band: Some("a".into()),
            sexual_orientation: Some("s".into()),
            disability: Some("d".into()),
            religion_or_belief: Some("r".into()),
            culture: Some(" ".into()),
        };
        // The profile accepts every SensitiveAttribute (unknown fields are
        // refused there)...
        let all: Vec<(&str, ())> = SensitiveAttribute::ALL
            .iter()
            .map(|k| (k.as_str(), ()))
            .collect();
        assert!(from_map::<SensitiveAttributes, _>(all).is_ok());
        assert!(from_map::<SensitiveAttributes, _>(vec![("star_sign", ())]).is_err());
        // ...and has no other attribute.
        let full = SensitiveAttributes {
            culture: Some("c".into()),
            ..s.clone()
        };
        let keys: Vec<String> = sensitive_map(&full).into_keys().collect();
        let mut expected: Vec<String> = SensitiveAttribute::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect();
        expected.sort();
        assert_eq!(keys, expected);
        let m = sensitive_map(&s);
        assert_eq!(m.len(), 6, "blank culture left out");
        assert_eq!(m["religion_or_belief"], "r");
    }

    #[test]
    fn experience_in_common_with_plain_reasons() {
        let a = Participant {
            specialties: strings(&["anxiety", "Long-term conditions", "grief"]),
            interests: strings(&["running", "music"]),
            ..pwp(1)
        };
        let b = Participant {
            specialties: strings(&["long-term conditions", "ANXIETY"]),
            interests: strings(&["Running"]),
            ..pwp(2)
        };
        let (s, r) = score(ProgrammeKind::Mutual, &a, &b, &Weights::default());
        assert_eq!(
            texts(&r),
            vec![
                "same profession (PWP): +30",
                "2 shared specialties (anxiety, Long-term conditions): +20",
                "same level (qualified): +15",
                "both in West Midlands, so they can meet in person: +10",
                "1 shared interest (running): +5",
            ]
        );
        assert_eq!(s, 80);
        let features: Vec<_> = r.iter().map(|r| r.feature).collect();
        assert_eq!(
            features,
            vec![
                ScoreFeature::Profession,
                ScoreFeature::Specialties,
                ScoreFeature::Level,
                ScoreFeature::Region,
                ScoreFeature::Interests
            ]
        );
        assert!(r.iter().all(|r| r.private_to.is_none()));
    }

    #[test]
    fn one_shared_item_earns_half_rounded_up() {
        let w = Weights {
            specialties: 15,
            ..zero()
        };
        let a = Participant {
            specialties: strings(&["anxiety"]),
            ..person(1)
        };
        let b = Participant {
            specialties: strings(&["anxiety", "grief"]),
            ..person(2)
        };
        let (s, r) = score(ProgrammeKind::Mutual, &a, &b, &w);
        assert_eq!(s, 8);
        assert_eq!(texts(&r), vec!["1 shared specialty (anxiety): +8"]);
    }

    #[test]
    fn nothing_in_common_scores_zero_without_reasons() {
        let a = Participant {
            profession: Some("PWP".into()),
            ..person(1)
        };
        let b = Participant {
            profession: Some("CAP".into()),
            ..person(2)
        };
        assert_eq!(
            score(ProgrammeKind::Mutual, &a, &b, &Weights::default()),
            (0, vec![])
        );
        // Missing values never match each other.
        assert_eq!(
            score(
                ProgrammeKind::Mutual,
                &person(1),
                &person(2),
                &Weights::default()
            ),
            (0, vec![])
        );
    }

    #[test]
    fn zero_weight_features_give_no_reason() {
        let w = Weights {
            profession: 0,
            ..Default::default()
        };
        let (s, r) = score(ProgrammeKind::Mutual, &pwp(1), &pwp(2), &w);
        assert_eq!(s, 25);
        assert!(r.iter().all(|r| r.feature != ScoreFeature::Profession));
    }

    #[test]
    fn mutual_level_fit() {
        let w = Weights {
            level: 15,
            ..zero()
        };
        let at = |n, l: &str| Participant {
            level: Some(l.into()),
            ..person(n)
        };
        let (s, r) = score(
            ProgrammeKind::Mutual,
            &at(1, "senior"),
            &at(2, "qualified"),
            &w,
        );
        assert_eq!(
            (s, texts(&r)),
            (8, vec!["one level apart (qualified, senior): +8"])
        );
        let (s, _) = score(
            ProgrammeKind::Mutual,
            &at(1, "lead"),
            &at(2, "qualified"),
            &w,
        );
        assert_eq!(s, 0);
        let (s, r) = score(ProgrammeKind::Mutual, &at(1, "Lead"), &at(2, "lead"), &w);
        assert_eq!((s, texts(&r)), (15, vec!["same level (lead): +15"]));
        // Unknown levels are ignored.
        assert_eq!(
            score(ProgrammeKind::Mutual, &at(1, "guru"), &at(2, "guru"), &w).0,
            0
        );
    }

    #[test]
    fn supporter_must_be_at_least_as_experienced() {
        let w = Weights {
            level: 15,
            ..zero()
        };
        let at = |n, l: &str| Participant {
            level: Some(l.into()),
            ..person(n)
        };
        let peer = at(1, "qualified");
        let (s, r) = score(ProgrammeKind::Supporter, &peer, &at(2, "senior"), &w);
        assert_eq!(
            (s, texts(&r)),
            (
                15,
                vec!["supporter is at least as experienced (senior ≥ qualified): +15"]
            )
        );
        assert_eq!(
            score(ProgrammeKind::Supporter, &peer, &at(2, "qualified"), &w).0,
            15
        );
        assert_eq!(
            score(ProgrammeKind::Supporter, &peer, &at(2, "trainee"), &w).0,
            0
        );
        // The direction matters: a is the peer.
        assert_eq!(
            score(ProgrammeKind::Supporter, &at(2, "senior"), &peer, &w).0,
            0
        );
    }

    #[test]
    fn region_counts_only_when_they_can_meet_in_person() {
        let w = Weights {
            region: 10,
            ..zero()
        };
        let with = |n, m: Option<PreferredMeetingMode>| Participant {
            region: Some("West Midlands".into()),
            preferences: Preferences {
                mode: m,
                ..Default::default()
            },
            ..person(n)
        };
        let (s, r) = score(
            ProgrammeKind::Mutual,
            &with(1, Some(PreferredMeetingMode::InPerson)),
            &with(2, None),
            &w,
        );
        assert_eq!(
            (s, texts(&r)),
            (10, vec!["both in West Midlands, meeting in person: +10"])
        );
        let online = score(
            ProgrammeKind::Mutual,
            &with(1, Some(PreferredMeetingMode::Online)),
            &with(2, Some(PreferredMeetingMode::Either)),
            &w,
        );
        assert_eq!(online.0, 0);
        let elsewhere = Participant {
            region: Some("East Midlands".into()),
            ..with(2, None)
        };
        assert_eq!(
            score(ProgrammeKind::Mutual, &with(1, None), &elsewhere, &w).0,
            0
        );
    }

    #[test]
    fn one_stated_preference_met_earns_all_preference_points() {
        let w = Weights {
            preferences: 15,
            ..zero()
        };
        let peer = Participant {
            preferences: Preferences {
                profession: Some("PWP".into()),
                ..Default::default()
            },
            ..person(1)
        };
        let (s, r) = score(ProgrammeKind::Supporter, &peer, &pwp(2), &w);
        assert_eq!((s, texts(&r)), (15, vec!["preferred profession met: +15"]));
        assert_eq!(r[0].feature, ScoreFeature::Preferences);
        // Supporter programme: the supporter's own preferences do not count.
        let picky_supporter = Participant {
            preferences: Preferences {
                profession: Some("CAP".into()),
                ..Default::default()
            },
            ..pwp(2)
        };
        assert_eq!(
            score(ProgrammeKind::Supporter, &peer, &picky_supporter, &w).0,
            15
        );
    }

    #[test]
    fn preference_points_are_shared_over_stated_items() {
        let w = Weights {
            preferences: 15,
            ..zero()
        };
        let peer = Participant {
            region: Some("West Midlands".into()),
            preferences: Preferences {
                areas: strings(&["burnout", "anxiety"]),
                profession: Some("PWP".into()),
                level: Some("senior".into()),
                mode: Some(PreferredMeetingMode::InPerson),
                ..Default::default()
            },
            ..person(1)
        };
        let supporter = Participant {
            interests: strings(&["Anxiety"]),
            level: Some("lead".into()),
            ..pwp(2)
        };
        // 4 items: 3, 4, 4, 4 points; level (senior) is not met.
        let (s, r) = score(ProgrammeKind::Supporter, &peer, &supporter, &w);
        assert_eq!(
            texts(&r),
            vec![
                "preferred areas to talk about met (anxiety): +3",
                "preferred profession met: +4",
                "preferred in-person meeting in West Midlands met: +4",
            ]
        );
        assert_eq!(s, 11);
        // Online-only supporter: the in-person preference is not met.
        let online = Participant {
            preferences: Preferences {
                mode: Some(PreferredMeetingMode::Online),
                ..Default::default()
            },
            ..supporter.clone()
        };
        assert_eq!(score(ProgrammeKind::Supporter, &peer, &online, &w).0, 7);
        // A preferred region elsewhere.
        let elsewhere = Participant {
            preferences: Preferences {
                region: Some("East Midlands".into()),
                ..peer.preferences.clone()
            },
            ..peer.clone()
        };
        assert_eq!(
            score(ProgrammeKind::Supporter, &elsewhere, &supporter, &w).0,
            7
        );
    }

    #[test]
    fn online_and_region_preferences() {
        let w = Weights {
            preferences: 10,
            ..zero()
        };
        let wants = |m: Option<PreferredMeetingMode>, r: Option<&str>| Participant {
            preferences: Preferences {
                mode: m,
                region: r.map(str::to_owned),
                ..Default::default()
            },
            ..person(1)
        };
        let other = |m: Option<PreferredMeetingMode>| Participant {
            region: Some("East Midlands".into()),
            preferences: Preferences {
                mode: m,
                ..Default::default()
            },
            ..person(2)
        };
        let online = wants(Some(PreferredMeetingMode::Online), Some("ignored"));
        let (s, r) = score(ProgrammeKind::Supporter, &online, &other(None), &w);
        assert_eq!((s, texts(&r)), (10, vec!["both can meet online: +10"]));
        assert_eq!(
            score(
                ProgrammeKind::Supporter,
                &online,
                &other(Some(PreferredMeetingMode::InPerson)),
                &w
            )
            .0,
            0
        );
        let region = wants(None, Some("east midlands"));
        let (s, r) = score(ProgrammeKind::Supporter, &region, &other(None), &w);
        assert_eq!(
            (s, texts(&r)),
            (10, vec!["preferred region (east midlands) met: +10"])
        );
        // In person without any region known: only the mode counts.
        let anywhere = wants(Some(PreferredMeetingMode::InPerson), None);
        let (s, r) = score(ProgrammeKind::Supporter, &anywhere, &other(None), &w);
        assert_eq!(
            (s, texts(&r)),
            (10, vec!["preferred in-person meeting met: +10"])
        );
        // No stated preference at all: nothing.
        assert_eq!(
            score(
                ProgrammeKind::Supporter,
                &wants(None, None),
                &other(None),
                &w
            )
            .0,
            0
        );
    }

    #[test]
    fn mutual_preferences_of_both_sides_count_half_each() {
        let w = Weights {
            preferences: 15,
            ..zero()
        };
        let a = Participant {
            preferences: Preferences {
                profession: Some("PWP".into()),
                ..Default::default()
            },
            ..pwp(1)
        };
        let b = Participant {
            preferences: Preferences {
                level: Some("qualified".into()),
                ..Default::default()
            },
            ..pwp(2)
        };
        // u1 sorts first and gets the odd point.
        let (s, r) = score(ProgrammeKind::Mutual, &b, &a, &w);
        assert_eq!(
            texts(&r),
            vec!["preferred profession met: +8", "preferred level met: +7"]
        );
        assert_eq!(s, 15);
        // Only one side stated preferences: it has all the points.
        let plain = pwp(2);
        assert_eq!(score(ProgrammeKind::Mutual, &plain, &a, &w).0, 15);
    }

    #[test]
    fn sensitive_preferences_count_only_if_self_declared_and_stay_private() {
        let w = Weights {
            preferences: 10,
            ..zero()
        };
        let peer = Participant {
            preferences: Preferences {
                profession: Some("CAP".into()),
                sensitive: [
                    ("ethnicity".to_owned(), "Black British".to_owned()),
                    ("religion_or_belief".to_owned(), "Muslim".to_owned()),
                ]
                .into(),
                ..Default::default()
            },
            ..person(1)
        };
        let declared = Participant {
            sensitive: [("ethnicity".to_owned(), "black british ".to_owned())].into(),
            ..pwp(2)
        };
        // Items: profession (unmet, 5), ethnicity (met, 5); religion is not
        // declared by the other so it is ignored.
        let (s, r) = score(ProgrammeKind::Supporter, &peer, &declared, &w);
        assert_eq!(
            (s, texts(&r)),
            (5, vec!["your preference on ethnicity met: +5"])
        );
        assert_eq!(r[0].private_to.as_deref(), Some("u1"));
        assert!(!r[0].text.contains("Black"), "the value is not repeated");
        assert_eq!(visible(&r, None), (0, vec![]));
        assert_eq!(visible(&r, Some("u2")), (0, vec![]));
        assert_eq!(visible(&r, Some("u1")), (5, r.clone()));
        // Not declared: no points, and it does not dilute other items.
        let undeclared = pwp(3);
        assert_eq!(
            score(ProgrammeKind::Supporter, &peer, &undeclared, &w),
            (0, vec![])
        );
        // Declared with another value: the item counts as unmet.
        let other = Participant {
            sensitive: [("ethnicity".to_owned(), "White".to_owned())].into(),
            profession: Some("CAP".into()),
            ..pwp(4)
        };
        let (s, r) = score(ProgrammeKind::Supporter, &peer, &other, &w);
        assert_eq!((s, texts(&r)), (5, vec!["preferred profession met: +5"]));
        // Multi-word attribute names read as words.
        let multi = Participant {
            preferences: Preferences {
                sensitive: [("religion_or_belief".to_owned(), "muslim".to_owned())].into(),
                ..Default::default()
            },
            ..person(5)
        };
        let muslim = Participant {
            sensitive: [("religion_or_belief".to_owned(), "Muslim".to_owned())].into(),
            ..person(6)
        };
        let (_, r) = score(ProgrammeKind::Mutual, &muslim, &multi, &w);
        assert_eq!(
            texts(&r),
            vec!["your preference on religion or belief met: +10"]
        );
        assert_eq!(r[0].private_to.as_deref(), Some("u5"));
    }

    #[test]
    fn stored_reasons_read_back_and_keep_their_privacy() {
        // The form stored with a match and in a run's result.
        let stored = r#"[
            {"feature": "profession", "points": 30, "text": "same profession (PWP): +30", "private_to": null},
            {"feature": "preferences", "points": 5, "text": "your preference on ethnicity met: +5", "private_to": "u1"},
            {"feature": "region", "points": 10, "text": "same region (London): +10"}
        ]"#;
        let r: Vec<Reason> = serde_json::from_str(stored).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].private_to, None, "an absent owner is no owner");
        assert_eq!(
            serde_json::from_str::<Vec<Reason>>(&serde_json::to_string(&r).unwrap()).unwrap(),
            r
        );
        let (points, shown) = visible(&r, None);
        assert_eq!(points, 40);
        assert!(shown.iter().all(|x| x.private_to.is_none()));
        assert_eq!(visible(&r, Some("u2")).0, 40);
        assert_eq!(visible(&r, Some("u1")), (45, r.clone()));
        // An unknown feature does not read back.
        assert!(
            serde_json::from_str::<Vec<Reason>>(
                r#"[{"feature": "luck", "points": 1, "text": "x"}]"#
            )
            .is_err()
        );
    }
    #[test]
    fn exclusions() {
        let c = Constraints {
            exclude_same_team: true,
            exclude_line_manager: true,
            exclude_previous_pairs: true,
            min_score: 0,
        };
        let none = BTreeSet::new();
        let a = Participant {
            team: Some("Team A".into()),
            ..person(1)
        };
        let same_team = Participant {
            team: Some(" team a".into()),
            ..person(2)
        };
        assert_eq!(
            excluded(&a, &same_team, &c, &none),
            Some(Exclusion::SameTeam)
        );
        let off = Constraints::default();
        assert_eq!(excluded(&a, &same_team, &off, &none), None);
        assert_eq!(
            excluded(&person(1), &person(2), &c, &none),
            None,
            "no teams"
        );

        let managed = Participant {
            line_manager_id: Some("u1".into()),
            ..person(2)
        };
        assert_eq!(
            excluded(&a, &managed, &c, &none),
            Some(Exclusion::LineManager)
        );
        assert_eq!(
            excluded(&managed, &a, &c, &none),
            Some(Exclusion::LineManager)
        );
        assert_eq!(excluded(&a, &managed, &off, &none), None);

        let previous: BTreeSet<_> = [("u2".to_owned(), "u1".to_owned())].into();
        assert_eq!(
            excluded(&person(1), &person(2), &c, &previous),
            Some(Exclusion::PreviousPair)
        );
        assert_eq!(
            excluded(&person(2), &person(1), &c, &previous),
            Some(Exclusion::PreviousPair)
        );
        assert_eq!(excluded(&person(1), &person(2), &off, &previous), None);
        assert_eq!(excluded(&person(1), &person(3), &c, &previous), None);

        let again = Participant {
            id: "r9".into(),
            ..person(1)
        };
        assert_eq!(
            excluded(&person(1), &again, &off, &none),
            Some(Exclusion::SamePerson)
        );

        let texts: Vec<_> = [
            Exclusion::SameTeam,
            Exclusion::LineManager,
            Exclusion::PreviousPair,
            Exclusion::BelowMinimum,
            Exclusion::SamePerson,
        ]
        .iter()
        .map(|e| e.text())
        .collect();
        assert_eq!(
            texts,
            vec![
                "same team",
                "line manager",
                "paired before",
                "below the minimum score",
                "same person"
            ]
        );
    }

    /// [`same_key`] as it was first written: both trimmed, then compared
    /// character by character in lower case.
    fn reference_same_key(a: &str, b: &str) -> bool {
        let lower = |s: &str| {
            s.trim()
                .chars()
                .flat_map(char::to_lowercase)
                .collect::<Vec<_>>()
        };
        lower(a) == lower(b)
    }

    #[test]
    fn same_key_in_any_script() {
        let cases = [
            ("PWP", " pwp\u{a0}", true),
            ("K-pop", "\u{212a}-POP", true),
            ("İstanbul", "i\u{307}stanbul", true),
            ("Straße", "STRASSE", false),
            ("ΣΊΣΥΦΟΣ", "σίσυφοσ", true),
            ("ΣΊΣΥΦΟΣ", "σίσυφος", false),
            ("Île-de-France", "ÎLE-DE-FRANCE ", true),
            ("", " ", true),
            ("a", "", false),
            ("anxiety", "burnout", false),
        ];
        for (a, b, same) in cases {
            assert_eq!(same_key(a, b), same, "{a:?} {b:?}");
            assert_eq!(same_key(b, a), same, "{b:?} {a:?}");
            assert_eq!(reference_same_key(a, b), same, "{a:?} {b:?}");
            assert_eq!(key(a) == key(b), same, "{a:?} {b:?}");
        }
    }

    #[test]
    fn every_character_is_trimmed_and_keyed_like_the_standard_library() {
        // So that keys are trimmed and their own keys: comparing keys
        // exactly is comparing the originals with `same_key`.
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let k = key(&c.to_string());
            assert_eq!(key(&k), k, "{c:?}");
            assert_eq!(k.is_empty(), c.is_whitespace(), "{c:?}");
            for s in [format!("{c}"), format!("a{c}"), format!("{c}a")] {
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
    }

    #[test]
    fn more_than_64_preference_items_are_shared_out() {
        let w = Weights {
            preferences: 100,
            ..zero()
        };
        let attributes: Vec<String> = (0..70).map(|i| format!("a{i:02}")).collect();
        let peer = Participant {
            preferences: Preferences {
                sensitive: attributes.iter().map(|a| (a.clone(), "x".into())).collect(),
                ..Default::default()
            },
            ..person(1)
        };
        // 100 points shared over 70 items, 1 or 2 each; only the last one,
        // a69, is met.
        let other = Participant {
            sensitive: attributes
                .iter()
                .enumerate()
                .map(|(i, a)| (a.clone(), if i == 69 { "X " } else { "y" }.into()))
                .collect(),
            ..person(2)
        };
        let (s, r) = score(ProgrammeKind::Supporter, &peer, &other, &w);
        assert_eq!((s, texts(&r)), (2, vec!["your preference on a69 met: +2"]));
        assert_eq!(points(ProgrammeKind::Supporter, &peer, &other, &w), 2);
        let keyed = (Keyed::new(&peer), Keyed::new(&other));
        assert_eq!(
            Keyed::points(ProgrammeKind::Supporter, &keyed.0, &keyed.1, &w),
            2
        );
    }

    /// Texts that are often the same key in another spelling, and any text.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            (
                prop::sample::select(
                    &[
                        "", " ", "a", "Straße", "strasse", "\u{212a}", "k", "İ", "i\u{307}", "ΣΣ",
                        "σς"
                    ][..]
                ),
                prop::sample::select(&["", " ", "\u{a0}", "\t", "\u{3000}"][..]),
                any::<bool>(),
            )
                .prop_map(|(t, space, upper)| {
                    let t = if upper {
                        t.to_uppercase()
                    } else {
                        t.to_owned()
                    };
                    format!("{space}{t}{space}")
                }),
            "\\s?\\PC{0,4}\\s?",
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn same_key_is_the_equality_of_keys(a in text(), b in text()) {
            let same = reference_same_key(&a, &b);
            prop_assert_eq!(same_key(&a, &b), same);
            prop_assert_eq!(key(&a) == key(&b), same);
            prop_assert_eq!(key(&key(&a)), key(&a));
            prop_assert_eq!(trim(&a), a.trim());
        }

        #[test]
        fn counting_items_in_common_allocates_nothing_and_agrees(
            mine in proptest::collection::vec(text(), 0..5),
            theirs in proptest::collection::vec(text(), 0..5),
            more in proptest::collection::vec(text(), 0..3),
        ) {
            let all = common(&mine, &[&theirs, &more]).len();
            let keys = |l: &[String]| l.iter().map(|s| key(s)).collect::<Vec<_>>();
            let (kmine, ktheirs, kmore) = (keys(&mine), keys(&theirs), keys(&more));
            for cap in 1..=2 {
                prop_assert_eq!(count_common::<false>(&mine, &[&theirs, &more], cap), all.min(cap));
                prop_assert_eq!(
                    count_common::<true>(&kmine, &[&ktheirs, &kmore], cap),
                    all.min(cap)
                );
            }
        }

        #[test]
        fn keyed_participants_score_and_are_excluded_the_same(
            a in participant(1),
            b in participant(2),
            w in weights(),
            c in constraints(),
            previous in previous(),
            supporter in any::<bool>(),
        ) {
            let kind = if supporter { ProgrammeKind::Supporter } else { ProgrammeKind::Mutual };
            let expected = points(kind, &a, &b, &w);
            let (ka, kb) = (keyed(&a), keyed(&b));
            // The keyed copies score the same with any comparison...
            prop_assert_eq!(points(kind, &ka, &kb, &w), expected);
            prop_assert_eq!(score(kind, &ka, &kb, &w).0, expected);
            prop_assert_eq!(excluded(&ka, &kb, &c, &previous), excluded(&a, &b, &c, &previous));
            // ...and with the exact comparison of keys.
            let (ka, kb) = (Keyed::new(&a), Keyed::new(&b));
            prop_assert_eq!(Keyed::points(kind, &ka, &kb, &w), expected);
            prop_assert_eq!(keyed(&ka.0), ka.0);
        }

        #[test]
        fn mutual_score_is_symmetric(
            a in participant(1),
            b in participant(2),
            w in weights(),
        ) {
            prop_assert_eq!(score(ProgrammeKind::Mutual, &a, &b, &w), score(ProgrammeKind::Mutual, &b, &a, &w));
        }

        #[test]
        fn score_is_the_sum_of_reasons_within_the_weights(
            a in participant(1),
            b in participant(2),
            w in weights(),
            supporter in any::<bool>(),
        ) {
            let kind = if supporter { ProgrammeKind::Supporter } else { ProgrammeKind::Mutual };
            let (s, reasons) = score(kind, &a, &b, &w);
            prop_assert_eq!(s, reasons.iter().map(|r| r.points).sum::<i64>());
            prop_assert!(s <= w.max_score());
            for (name, weight) in w.fields() {
                let points: i64 = reasons
                    .iter()
                    .filter(|r| r.feature == name)
                    .map(|r| r.points)
                    .sum();
                prop_assert!(points <= weight, "{} {} > {}", name, points, weight);
            }
            for r in &reasons {
                prop_assert!(r.points > 0);
                let suffix = format!(": +{}", r.points);
                prop_assert!(r.text.ends_with(&suffix));
                if let Some(owner) = &r.private_to {
                    prop_assert_eq!(r.feature, ScoreFeature::Preferences);
                    prop_assert!(owner == &a.user_id || owner == &b.user_id);
                    prop_assert!(r.text.starts_with("your preference on "));
                    if supporter {
                        prop_assert_eq!(owner, &a.user_id);
                    }
                }
            }
            // Deterministic, and the same points without the texts.
            prop_assert_eq!(points(kind, &a, &b, &w), s);
            prop_assert_eq!(score(kind, &a, &b, &w), (s, reasons));
        }

        #[test]
        fn sensitive_attributes_matter_only_through_preferences(
            a in participant(1),
            b in participant(2),
            w in weights(),
        ) {
            // Without sensitive preferences, declared attributes change nothing.
            let mut a = a;
            let mut b = b;
            a.preferences.sensitive.clear();
            b.preferences.sensitive.clear();
            let before = score(ProgrammeKind::Mutual, &a, &b, &w);
            a.sensitive.clear();
            b.sensitive.clear();
            prop_assert_eq!(score(ProgrammeKind::Mutual, &a, &b, &w), before);
        }

        #[test]
        fn valid_preferences_stay_valid(p in preferences()) {
            let once = p.check().unwrap();
            prop_assert_eq!(once.check().unwrap(), once.clone());
        }
    }
}
