//! A requester's stated preferences about the other person as items, and
//! how the preference points are shared out over them.
use super::compare::{common, count_common, humanise, mode, same, same_as, trim, value};
use super::participant::Participant;
use super::reasons::Reasons;
use super::sets::{PreferredMeetingMode, ScoreFeature};

/// One stated preference of a requester about the other person.
pub(super) struct Item {
    pub(super) met: bool,
    pub(super) what: String,
    pub(super) private: bool,
}

/// The preference items of one requester about the other person, in order:
/// listed when explaining, else only counted with which are met (allocating
/// nothing up to 64 items).
pub(super) struct Items {
    pub(super) explain: bool,
    pub(super) list: Vec<Item>,
    pub(super) count: usize,
    /// Bit `i`: whether item `i` is met, for the first 64 items...
    pub(super) met: u64,
    /// ...and for the others.
    pub(super) more: Vec<bool>,
}

impl Items {
    pub(super) fn new(explain: bool) -> Self {
        Self {
            explain,
            list: Vec::new(),
            count: 0,
            met: 0,
            more: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, met: bool, what: impl FnOnce() -> String, private: bool) {
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

    pub(super) fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The preference items `r` stated that apply to `o` (see the module docs).
pub(super) fn items<const KEYED: bool>(r: &Participant, o: &Participant, explain: bool) -> Items {
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
pub(super) fn preference_reasons(out: &mut Reasons, r: &Participant, items: Items, budget: i64) {
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
