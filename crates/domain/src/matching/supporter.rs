//! Supporters in a supporter programme: their status and whether runs and
//! manual pairs may use them.
//!
//! A supporter is registered by a manager and may be registered before
//! they are ready (say, while still in training), but is matched only when
//! they are `active`, have a training date and have a supervisor.
use crate::closed_set;
use crate::validation::Invalid;

/// Most places (people supported at once) of one supporter: a supporter's
/// `capacity` is 1 to this.
pub const MAX_PLACES: i32 = 20;

closed_set!(
    /// Where a supporter stands: `active` supporters are matched; `paused`
    /// ones keep their current matches but get no new ones.
    SupporterStatus { Active => "active", Paused => "paused" }
);

closed_set!(
    /// Why a supporter cannot be matched now.
    SupporterUnmatchableReason {
        /// Their status is `paused`.
        Paused => "paused",
        /// No supporter training date is recorded.
        NoTrainingDate => "no_training_date",
        /// Nobody supervises their support work.
        NoSupervisor => "no_supervisor",
    }
);

impl SupporterUnmatchableReason {
    /// In plain words, e.g. `no training date` (for messages and a run's
    /// `reason` text).
    pub fn text(self) -> &'static str {
        match self {
            Self::Paused => "paused",
            Self::NoTrainingDate => "no training date",
            Self::NoSupervisor => "no supervisor",
        }
    }

    /// The reason whose [`text`](Self::text) is `s` (reading run results
    /// stored before the codes were).
    pub fn from_text(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.text() == s.trim())
    }
}

/// Why a supporter with this status, training date (`trained`) and
/// supervisor (`supervised`) cannot be matched, in this order: paused, no
/// training date, no supervisor. Empty when they can be matched.
pub fn unmatchable_reasons(
    status: SupporterStatus,
    trained: bool,
    supervised: bool,
) -> Vec<SupporterUnmatchableReason> {
    let mut r = Vec::new();
    if status != SupporterStatus::Active {
        r.push(SupporterUnmatchableReason::Paused);
    }
    if !trained {
        r.push(SupporterUnmatchableReason::NoTrainingDate);
    }
    if !supervised {
        r.push(SupporterUnmatchableReason::NoSupervisor);
    }
    r
}

/// `reasons` in plain words, joined: `no training date, no supervisor`.
pub fn reasons_text(reasons: &[SupporterUnmatchableReason]) -> String {
    reasons
        .iter()
        .map(|r| r.text())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A supporter's capacity: 1 to [`MAX_PLACES`].
pub fn check_places(capacity: i32) -> Result<i32, Invalid> {
    if (1..=MAX_PLACES).contains(&capacity) {
        Ok(capacity)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {MAX_PLACES}"),
        ))
    }
}

/// Places left to a supporter of `capacity` with `open` open matches (never
/// below 0).
pub fn free_places(capacity: i32, open: i32) -> usize {
    usize::try_from(capacity.saturating_sub(open)).unwrap_or(0)
}

/// A supporter as the matchability rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: SupporterStatus,
    /// A training date is recorded.
    pub trained: bool,
    /// A supervisor is recorded.
    pub supervised: bool,
    pub capacity: i32,
    /// Their open (pending or active) matches.
    pub open: i32,
}

impl Standing {
    /// Why they cannot be matched now ([`unmatchable_reasons`]).
    pub fn unmatchable_reasons(&self) -> Vec<SupporterUnmatchableReason> {
        unmatchable_reasons(self.status, self.trained, self.supervised)
    }

    /// Places a run may give them: none when they cannot be matched.
    pub fn places(&self) -> usize {
        if self.unmatchable_reasons().is_empty() {
            free_places(self.capacity, self.open)
        } else {
            0
        }
    }
}

/// Why a supporter is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupporterRefusal {
    /// Supporters belong to supporter programmes (409).
    NotSupporterProgramme,
    /// The person is already a supporter in the programme (409).
    AlreadySupporter,
    /// A manual pair with a supporter who cannot be matched (422 on
    /// `supporter_id`).
    NotMatchable(Vec<SupporterUnmatchableReason>),
    /// A manual pair with a supporter with no free place (409).
    Full { capacity: i32, open: i32 },
}

impl SupporterRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSupporterProgramme => "not-a-supporter-programme",
            Self::AlreadySupporter => "already-supporter",
            Self::NotMatchable(_) => "supporter_not_matchable",
            Self::Full { .. } => "supporter-full",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::NotSupporterProgramme => "this is a mutual (peer exchange) programme: everyone takes part by making a request; supporters belong to supporter programmes".into(),
            Self::AlreadySupporter => "this person is already a supporter in this programme".into(),
            Self::NotMatchable(why) => format!(
                "this supporter cannot be matched: {} (a supporter needs a training date and a supervisor, and must be active)",
                reasons_text(why)
            ),
            Self::Full { capacity, open } => format!(
                "this supporter has no free place (capacity {capacity}, {open} open matches)"
            ),
        }
    }
}

impl From<SupporterRefusal> for crate::Refusal {
    fn from(r: SupporterRefusal) -> Self {
        match r {
            SupporterRefusal::NotMatchable(_) => {
                crate::Refusal::invalid("supporter_id", r.code(), r.message())
            }
            _ => crate::Refusal::conflict(r.code(), r.message()),
        }
    }
}

/// Whether a manager may pair this supporter by hand now: matchable, with a
/// free place.
pub fn check_pairable(s: &Standing) -> Result<(), SupporterRefusal> {
    let why = s.unmatchable_reasons();
    if !why.is_empty() {
        return Err(SupporterRefusal::NotMatchable(why));
    }
    if s.open >= s.capacity {
        return Err(SupporterRefusal::Full {
            capacity: s.capacity,
            open: s.open,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::SupporterUnmatchableReason::*;
    use super::*;

    #[test]
    fn only_active_trained_and_supervised_supporters_are_matchable() {
        use SupporterStatus::Active;
        assert!(unmatchable_reasons(Active, true, true).is_empty());
        assert_eq!(
            unmatchable_reasons(Active, false, true),
            vec![NoTrainingDate]
        );
        assert_eq!(unmatchable_reasons(Active, true, false), vec![NoSupervisor]);
        assert_eq!(
            unmatchable_reasons(SupporterStatus::Paused, false, false),
            vec![Paused, NoTrainingDate, NoSupervisor]
        );
    }

    #[test]
    fn reasons_read_back_from_their_text() {
        for r in SupporterUnmatchableReason::ALL {
            assert_eq!(SupporterUnmatchableReason::from_text(r.text()), Some(*r));
        }
        assert_eq!(NoTrainingDate.as_str(), "no_training_date");
        assert_eq!(SupporterUnmatchableReason::from_text("tired"), None);
    }

    fn ready(open: i32) -> Standing {
        Standing {
            status: SupporterStatus::Active,
            trained: true,
            supervised: true,
            capacity: 2,
            open,
        }
    }

    #[test]
    fn reasons_read_as_plain_words() {
        assert_eq!(
            reasons_text(&[NoTrainingDate, NoSupervisor]),
            "no training date, no supervisor"
        );
        assert_eq!(reasons_text(&[]), "");
    }

    #[test]
    fn capacity_is_one_to_max_places() {
        assert_eq!(check_places(1), Ok(1));
        assert_eq!(check_places(MAX_PLACES), Ok(MAX_PLACES));
        for c in [0, -1, MAX_PLACES + 1] {
            let e = check_places(c).unwrap_err();
            assert_eq!(e.code, "out_of_range");
            assert_eq!(e.message, "must be between 1 and 20");
        }
    }

    #[test]
    fn free_places_never_go_below_zero() {
        assert_eq!(free_places(3, 1), 2);
        assert_eq!(free_places(3, 3), 0);
        assert_eq!(free_places(2, 5), 0, "capacity lowered below open matches");
        assert_eq!(ready(1).places(), 1);
        let paused = Standing {
            status: SupporterStatus::Paused,
            ..ready(0)
        };
        assert_eq!(paused.places(), 0, "an unmatchable supporter has no places");
    }

    #[test]
    fn manual_pairs_need_a_matchable_supporter_with_a_free_place() {
        assert_eq!(check_pairable(&ready(1)), Ok(()));
        let full = check_pairable(&ready(2)).unwrap_err();
        assert_eq!(
            full,
            SupporterRefusal::Full {
                capacity: 2,
                open: 2
            }
        );
        assert_eq!(full.code(), "supporter-full");
        assert_eq!(
            full.message(),
            "this supporter has no free place (capacity 2, 2 open matches)"
        );
        let untrained = Standing {
            trained: false,
            ..ready(2)
        };
        let r = check_pairable(&untrained).unwrap_err();
        assert_eq!(r, SupporterRefusal::NotMatchable(vec![NoTrainingDate]));
        assert_eq!(
            r.message(),
            "this supporter cannot be matched: no training date (a supporter needs a training date and a supervisor, and must be active)"
        );
        let crate::Refusal::Invalid(v) = crate::Refusal::from(r) else {
            panic!("not invalid");
        };
        assert_eq!(v.0[0].field, "supporter_id");
        assert_eq!(v.0[0].code, "supporter_not_matchable");
    }

    #[test]
    fn supporter_refusals_are_conflicts_with_their_codes() {
        for (r, code) in [
            (
                SupporterRefusal::NotSupporterProgramme,
                "not-a-supporter-programme",
            ),
            (SupporterRefusal::AlreadySupporter, "already-supporter"),
        ] {
            let crate::Refusal::Conflict { code: c, .. } = crate::Refusal::from(r) else {
                panic!("not a conflict");
            };
            assert_eq!(c, code);
        }
    }
}
