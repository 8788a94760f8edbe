//! Eligibility of a person for a Community of Practice, checked against the
//! structured rules of its Terms of Reference.
//!
//! [`assess`] is pure and deterministic: one [`Check`] per rule that exists,
//! each with a plain-English reason, and an overall [`EligibilityVerdict`]. Missing
//! profile data is never a "no": it asks a person to review. Free-text
//! criteria always need a person too.
//!
//! The rules and their validation live in `rules`, the assessment in
//! `assess`.

mod assess;
#[cfg(test)]
mod properties;
mod rules;
#[cfg(test)]
mod tests;

pub use assess::{Applicant, Assessment, Check, EligibilityOutcome, EligibilityVerdict, assess};
pub use rules::{EligibilityRules, MAX_RULE_ITEM_LEN, MAX_RULE_ITEMS};
