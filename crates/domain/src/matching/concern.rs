//! Safeguarding concerns a match's participant raises to the programme's
//! safeguarding lead.
pub use crate::application::notice::Notice;
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

/// The facts about someone asking to read one concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader<'a> {
    /// The caller.
    pub caller: &'a str,
    /// The caller uses an API token (concerns are never read that way).
    pub by_token: bool,
    /// Who raised the concern.
    pub raised_by: &'a str,
    /// The lead it was delivered to, if any.
    pub delivered_to: Option<&'a str>,
    /// The caller manages the concern's network.
    pub caller_manages: bool,
    /// The programme's effective lead now: `None` when the programme is
    /// gone, `Some(None)` when it has no lead who manages the network.
    pub current_lead: Option<Option<&'a str>>,
}

/// Whether a person may read one safeguarding concern: never with an API
/// token; always the person who raised it; otherwise only a manager of the
/// network who is the lead it was delivered to, the programme's effective
/// lead, or (while the programme has no effective lead) any manager.
/// Everyone else is told it does not exist.
pub fn may_read(r: Reader<'_>) -> bool {
    if r.by_token {
        return false;
    }
    if r.raised_by == r.caller {
        return true;
    }
    if !r.caller_manages {
        return false;
    }
    if r.delivered_to == Some(r.caller) {
        return true;
    }
    match r.current_lead {
        Some(Some(lead)) => lead == r.caller,
        Some(None) => true,
        None => false,
    }
}

/// The email to each recipient of a new concern: raised by `raiser` in
/// `programme`; `to_lead` when it goes to the programme's lead rather than
/// to every manager.
pub fn raised_notice(
    raiser: &str,
    programme: &str,
    category: ConcernCategory,
    summary: &str,
    to_lead: bool,
    concern_id: &str,
    match_id: &str,
) -> Notice {
    let why = if to_lead {
        "You are this programme's safeguarding lead."
    } else {
        "This programme has no safeguarding lead who is a manager of the network, so every manager receives this notice. Please agree who follows it up, and name a safeguarding lead for the programme."
    };
    Notice {
        subject: format!("Safeguarding concern raised in {programme}"),
        body: format!(
            "{raiser} raised a safeguarding concern in the programme \"{programme}\".\n\nCategory: {}\n\nWhat they wrote for you:\n{summary}\n\n{why}\nConcern {concern_id} on match {match_id}: read it with GET /v1/safeguarding-concerns/{concern_id}.",
            category.label(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_reads_one_concern() {
        let base = Reader {
            caller: "me",
            by_token: false,
            raised_by: "raiser",
            delivered_to: Some("lead"),
            caller_manages: true,
            current_lead: Some(Some("lead")),
        };
        // The raiser, even without managing; never with a token.
        let raiser = Reader {
            caller: "raiser",
            caller_manages: false,
            ..base
        };
        assert!(may_read(raiser));
        assert!(!may_read(Reader {
            by_token: true,
            ..raiser
        }));
        // A manager who is neither lead is refused while there is a lead.
        assert!(!may_read(base));
        // The lead it was delivered to, while a manager, even if the
        // programme is gone or has another lead now.
        let delivered = Reader {
            delivered_to: Some("me"),
            current_lead: None,
            ..base
        };
        assert!(may_read(delivered));
        assert!(!may_read(Reader {
            caller_manages: false,
            ..delivered
        }));
        // The current effective lead.
        assert!(may_read(Reader {
            current_lead: Some(Some("me")),
            ..base
        }));
        // Any manager while there is no effective lead; nobody else.
        let no_lead = Reader {
            current_lead: Some(None),
            ..base
        };
        assert!(may_read(no_lead));
        assert!(!may_read(Reader {
            caller_manages: false,
            ..no_lead
        }));
        // The programme is gone: only the raiser and delivered lead.
        assert!(!may_read(Reader {
            current_lead: None,
            ..base
        }));
    }

    #[test]
    fn raised_notice_wording() {
        let n = raised_notice(
            "Sam",
            "Buddies",
            ConcernCategory::RiskToSelf,
            "line one\nline two",
            true,
            "c1",
            "m1",
        );
        assert_eq!(n.subject, "Safeguarding concern raised in Buddies");
        assert_eq!(
            n.body,
            "Sam raised a safeguarding concern in the programme \"Buddies\".\n\nCategory: risk to self\n\nWhat they wrote for you:\nline one\nline two\n\nYou are this programme's safeguarding lead.\nConcern c1 on match m1: read it with GET /v1/safeguarding-concerns/c1."
        );
        let n = raised_notice("Sam", "B", ConcernCategory::Other, "x", false, "c1", "m1");
        assert!(n.body.contains("\n\nThis programme has no safeguarding lead who is a manager of the network, so every manager receives this notice. Please agree who follows it up, and name a safeguarding lead for the programme.\nConcern c1"));
    }

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
