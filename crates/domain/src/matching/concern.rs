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

/// Why a safeguarding request was refused. Owns the problem codes and
/// messages (docs/api-guide.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcernRefusal {
    /// Only the programme's safeguarding lead (or, with none, any manager)
    /// reads its concerns (403 `not-safeguarding-lead`).
    NotSafeguardingLead,
}

impl ConcernRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSafeguardingLead => "not-safeguarding-lead",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            Self::NotSafeguardingLead => {
                "only the programme's safeguarding lead may read its safeguarding concerns"
            }
        }
    }
}

impl From<ConcernRefusal> for crate::Refusal {
    fn from(r: ConcernRefusal) -> Self {
        crate::Refusal::forbidden(r.code(), r.message())
    }
}

/// Whether a manager may read a programme's concerns: the effective lead
/// (`lead`, a lead who still manages the network) only; with no effective
/// lead, any manager (`caller_manages`).
pub fn may_list(
    lead: Option<&str>,
    caller: &str,
    caller_manages: bool,
) -> Result<(), ConcernRefusal> {
    let allowed = match lead {
        Some(lead) => lead == caller,
        None => caller_manages,
    };
    if allowed {
        Ok(())
    } else {
        Err(ConcernRefusal::NotSafeguardingLead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lead_reads_concerns_or_any_manager_without_one() {
        assert_eq!(may_list(Some("lead"), "lead", true), Ok(()));
        assert_eq!(
            may_list(Some("lead"), "other", true),
            Err(ConcernRefusal::NotSafeguardingLead)
        );
        assert_eq!(may_list(None, "manager", true), Ok(()));
        assert_eq!(
            may_list(None, "member", false),
            Err(ConcernRefusal::NotSafeguardingLead)
        );
        assert_eq!(
            crate::Refusal::from(ConcernRefusal::NotSafeguardingLead),
            crate::Refusal::forbidden(
                "not-safeguarding-lead",
                "only the programme's safeguarding lead may read its safeguarding concerns"
            )
        );
    }

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
