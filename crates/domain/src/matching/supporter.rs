//! Supporters in a supporter programme: their status and whether runs and
//! manual pairs may use them.
//!
//! A supporter is registered by a manager and may be registered before
//! they are ready (say, while still in training), but is matched only when
//! they are `active`, have a training date and have a supervisor.
use crate::closed_set;

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
}
