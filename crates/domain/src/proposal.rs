//! Community proposals: a member proposes a new Community of Practice; a
//! manager approves it (which creates the community with the proposer as
//! chair) or rejects it with a reason. A proposal is `pending` until
//! decided, then `approved` or `rejected` for good. Pure rules and the
//! wording of the proposer's email; the store loads, asks here, and writes.
use crate::account::UserStatus;
use crate::community::{ProposalDecision, ProposalStatus};
use crate::validation::{Invalid, Violations, bounded_text};

/// Longest rationale, in characters.
pub const MAX_RATIONALE: usize = 4000;
/// Longest decision reason, in characters.
pub const MAX_REASON: usize = 2000;

/// Why a request about a proposal is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalRefusal {
    /// The network requires a register the proposer's profile does not
    /// list (403).
    RegisterRequired { network: String, register: String },
    /// Only the proposer and the network's managers see a proposal (403).
    NotVisible,
    /// The proposal was already decided (409); names its status.
    NotPending(ProposalStatus),
    /// The proposer left the network (or was erased), so cannot chair the
    /// new community (409).
    ProposerNotMember,
}

impl ProposalRefusal {
    /// The problem code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RegisterRequired { .. } => "register-required",
            Self::NotVisible => "forbidden",
            Self::NotPending(_) => "proposal-not-pending",
            Self::ProposerNotMember => "proposer-not-member",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::RegisterRequired { network, register } => format!(
                "Proposing a community in {network} needs membership of the register \"{register}\"; add it to the registers in your profile (PATCH /v1/me) and try again."
            ),
            Self::NotVisible => {
                "only the proposer and the network's managers may see this proposal".into()
            }
            Self::NotPending(s) => format!("this proposal was already decided ({})", s.as_str()),
            Self::ProposerNotMember => "the proposer is no longer a member of this network, so cannot chair the community; reject the proposal instead".into(),
        }
    }
}

impl From<ProposalRefusal> for crate::Refusal {
    fn from(r: ProposalRefusal) -> Self {
        match r {
            ProposalRefusal::RegisterRequired { .. } | ProposalRefusal::NotVisible => {
                crate::Refusal::forbidden(r.code(), r.message())
            }
            ProposalRefusal::NotPending(_) | ProposalRefusal::ProposerNotMember => {
                crate::Refusal::conflict(r.code(), r.message())
            }
        }
    }
}

/// The network's register rule: when it names a register (`required`,
/// blank meaning none), the proposer's `registers` must list it, ignoring
/// case and surrounding spaces.
pub fn may_propose(
    network_name: &str,
    required: Option<&str>,
    registers: &[String],
) -> Result<(), ProposalRefusal> {
    let Some(required) = required.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(());
    };
    let wanted = required.to_lowercase();
    if registers.iter().any(|r| r.trim().to_lowercase() == wanted) {
        return Ok(());
    }
    Err(ProposalRefusal::RegisterRequired {
        network: network_name.to_owned(),
        register: required.to_owned(),
    })
}

/// Who sees a proposal: its proposer and the network's managers.
pub fn may_see(is_proposer: bool, is_manager: bool) -> Result<(), ProposalRefusal> {
    if is_proposer || is_manager {
        Ok(())
    } else {
        Err(ProposalRefusal::NotVisible)
    }
}

/// Checks a decision's reason: optional, 1–2,000 characters, and required
/// when rejecting.
pub fn decision_reason(
    decision: ProposalDecision,
    reason: Option<&str>,
) -> Result<Option<String>, Violations> {
    let mut v = Violations::new();
    let reason = reason.and_then(|r| v.check("reason", bounded_text(r, 1, MAX_REASON)));
    if decision.needs_reason() && reason.is_none() && v.is_empty() {
        v.add(
            "reason",
            Invalid::new("required", "is required when rejecting a proposal"),
        );
    }
    v.into_result()?;
    Ok(reason)
}

/// Where the proposer stands when a proposal is approved: the new
/// community needs them as its chair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposer {
    pub status: UserStatus,
    /// Still a member of the proposal's network.
    pub in_network: bool,
}

/// Decides a proposal: only a pending one; approving needs a proposer who
/// is still in the network and not erased (`None`: the account is gone).
/// Returns the status it moves to.
pub fn decide(
    status: ProposalStatus,
    decision: ProposalDecision,
    proposer: Option<Proposer>,
) -> Result<ProposalStatus, ProposalRefusal> {
    if status != ProposalStatus::Pending {
        return Err(ProposalRefusal::NotPending(status));
    }
    match decision {
        ProposalDecision::Approve => match proposer {
            Some(p) if p.status != UserStatus::Erased && p.in_network => {
                Ok(ProposalStatus::Approved)
            }
            _ => Err(ProposalRefusal::ProposerNotMember),
        },
        ProposalDecision::Reject => Ok(ProposalStatus::Rejected),
    }
}

/// Whether the proposer is emailed about a rejection: not once erased.
pub fn emailed_on_rejection(proposer: UserStatus) -> bool {
    proposer != UserStatus::Erased
}

/// The wording of the emails about a proposal.
pub mod notice {
    /// An email's subject and body.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Notice {
        pub subject: String,
        pub body: String,
    }

    /// To the proposer: the community `name` in `network` was approved;
    /// `note` is the manager's optional note.
    pub fn approved(name: &str, network: &str, note: Option<&str>) -> Notice {
        Notice {
            subject: format!("Your proposed community \"{name}\" was approved"),
            body: format!(
                "Your proposal for the community \"{name}\" in {network} was approved. The community is now active and you are its chair.{} Next, agree the Terms of Reference with the network's managers so that people can apply.",
                note.map(|r| format!(" Note from the manager: {r}"))
                    .unwrap_or_default()
            ),
        }
    }

    /// To the proposer: the community `name` in `network` was not
    /// approved, for `reason`.
    pub fn rejected(name: &str, network: &str, reason: &str) -> Notice {
        Notice {
            subject: format!("Your proposed community \"{name}\" was not approved"),
            body: format!(
                "Your proposal for the community \"{name}\" in {network} was not approved. Reason: {reason}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProposalDecision::{Approve, Reject};
    use ProposalStatus::{Approved, Pending, Rejected};

    fn member() -> Option<Proposer> {
        Some(Proposer {
            status: UserStatus::Active,
            in_network: true,
        })
    }

    #[test]
    fn a_pending_proposal_is_approved_or_rejected() {
        assert_eq!(decide(Pending, Approve, member()), Ok(Approved));
        assert_eq!(decide(Pending, Reject, member()), Ok(Rejected));
        // Rejecting needs nothing of the proposer.
        assert_eq!(decide(Pending, Reject, None), Ok(Rejected));
    }

    #[test]
    fn a_decided_proposal_is_not_decided_again() {
        for s in [Approved, Rejected] {
            for d in [Approve, Reject] {
                assert_eq!(decide(s, d, member()), Err(ProposalRefusal::NotPending(s)));
            }
        }
        let r = ProposalRefusal::NotPending(Approved);
        assert_eq!(r.code(), "proposal-not-pending");
        assert_eq!(r.message(), "this proposal was already decided (approved)");
    }

    #[test]
    fn approval_needs_a_proposer_still_in_the_network() {
        let gone = |status, in_network| Some(Proposer { status, in_network });
        for p in [
            None,
            gone(UserStatus::Active, false),
            gone(UserStatus::Erased, true),
        ] {
            assert_eq!(
                decide(Pending, Approve, p),
                Err(ProposalRefusal::ProposerNotMember)
            );
        }
        assert_eq!(
            decide(Pending, Approve, gone(UserStatus::Disabled, true)),
            Ok(Approved)
        );
    }

    #[test]
    fn the_register_rule() {
        let regs = vec!["GMC ".to_owned(), "NMC".to_owned()];
        assert_eq!(may_propose("North", None, &[]), Ok(()));
        assert_eq!(may_propose("North", Some("  "), &[]), Ok(()));
        assert_eq!(may_propose("North", Some("gmc"), &regs), Ok(()));
        let r = may_propose("North", Some(" HCPC "), &regs).unwrap_err();
        assert_eq!(r.code(), "register-required");
        assert_eq!(
            r.message(),
            "Proposing a community in North needs membership of the register \"HCPC\"; add it to the registers in your profile (PATCH /v1/me) and try again."
        );
    }

    #[test]
    fn only_proposer_and_managers_see_a_proposal() {
        assert_eq!(may_see(true, false), Ok(()));
        assert_eq!(may_see(false, true), Ok(()));
        assert_eq!(may_see(false, false), Err(ProposalRefusal::NotVisible));
    }

    #[test]
    fn rejections_need_a_reason() {
        assert_eq!(decision_reason(Approve, None), Ok(None));
        assert_eq!(
            decision_reason(Approve, Some(" ok ")),
            Ok(Some("ok".to_owned()))
        );
        let v = decision_reason(Reject, None).unwrap_err();
        assert_eq!(
            (v.0[0].field.as_str(), v.0[0].code.as_str()),
            ("reason", "required")
        );
        let long = "x".repeat(MAX_REASON + 1);
        let v = decision_reason(Reject, Some(&long)).unwrap_err();
        assert_eq!(v.0.len(), 1);
        assert_eq!(v.0[0].code, "too_long");
    }

    #[test]
    fn refusals_map_to_forbidden_or_conflict() {
        assert!(matches!(
            crate::Refusal::from(ProposalRefusal::NotVisible),
            crate::Refusal::Forbidden {
                code: "forbidden",
                ..
            }
        ));
        assert!(matches!(
            crate::Refusal::from(ProposalRefusal::ProposerNotMember),
            crate::Refusal::Conflict {
                code: "proposer-not-member",
                ..
            }
        ));
    }

    #[test]
    fn rejection_emails_skip_erased_proposers() {
        assert!(emailed_on_rejection(UserStatus::Active));
        assert!(!emailed_on_rejection(UserStatus::Erased));
    }

    #[test]
    fn notices() {
        let n = notice::approved("Wound care", "North", None);
        assert_eq!(
            n.subject,
            "Your proposed community \"Wound care\" was approved"
        );
        assert_eq!(
            n.body,
            "Your proposal for the community \"Wound care\" in North was approved. The community is now active and you are its chair. Next, agree the Terms of Reference with the network's managers so that people can apply."
        );
        let n = notice::approved("Wound care", "North", Some("Welcome"));
        assert!(
            n.body
                .contains("you are its chair. Note from the manager: Welcome Next,")
        );
        let n = notice::rejected("Wound care", "North", "Overlaps another");
        assert_eq!(
            n.subject,
            "Your proposed community \"Wound care\" was not approved"
        );
        assert_eq!(
            n.body,
            "Your proposal for the community \"Wound care\" in North was not approved. Reason: Overlaps another"
        );
    }
}
