//! Safeguarding concerns a match's participant raises to the programme's
//! safeguarding lead.
use crate::closed_set;

closed_set!(
    /// What a safeguarding concern is about.
    ConcernCategory {
        /// A risk to the person themselves.
        RiskToSelf => "risk_to_self",
        /// A risk to other people.
        RiskToOthers => "risk_to_others",
        /// A risk to patients or to the safety of care.
        PatientSafety => "patient_safety",
        Other => "other",
    }
);

impl ConcernCategory {
    /// In plain words, for the lead's email.
    pub fn label(self) -> &'static str {
        match self {
            Self::RiskToSelf => "risk to self",
            Self::RiskToOthers => "risk to others",
            Self::PatientSafety => "patient safety",
            Self::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_have_codes_and_plain_labels() {
        let codes: Vec<&str> = ConcernCategory::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            ["risk_to_self", "risk_to_others", "patient_safety", "other"]
        );
        for c in ConcernCategory::ALL {
            assert_eq!(c.label(), c.as_str().replace('_', " "));
        }
    }
}
