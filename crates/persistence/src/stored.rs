//! Reading closed sets back from their columns. A stored value that does not
//! decode is an error (500, logged), never a default: a status the code does
//! not know must not be mistaken for one it does.
use peerhub_domain::closed::ClosedSet;

use crate::error::StoreError;

/// Decodes the stored code of a closed set; `what` names the column for
/// the log (`"match.status"`).
pub fn decode<T: ClosedSet>(what: &'static str, raw: &str) -> Result<T, StoreError> {
    T::parse(raw).ok_or_else(|| {
        StoreError::Internal(format!(
            "stored {what} {raw:?} is not one of {}",
            T::allowed()
        ))
    })
}

/// Decodes a stored JSON column; `what` names it for the log. A value that
/// does not decode is an error (500), never a default: an empty rule set
/// would admit everyone, empty exclusions would switch safeguarding off.
pub fn decode_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    raw: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Internal(format!("stored {what} does not decode: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerhub_domain::community::MembershipStatus;

    #[test]
    fn unknown_stored_values_are_errors_not_defaults() {
        assert_eq!(
            decode::<MembershipStatus>("membership.status", "left").unwrap(),
            MembershipStatus::Left
        );
        let e = decode::<MembershipStatus>("membership.status", "archived").unwrap_err();
        assert!(matches!(e, StoreError::Internal(m) if m.contains("membership.status")));
    }
}
