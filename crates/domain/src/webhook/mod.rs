//! Webhooks (docs/integrations.md): the event catalogue, what a
//! subscription may hold and point at, Standard Webhooks signatures, and
//! the retry schedule.
pub mod address;
pub mod catalogue;
pub mod schedule;
pub mod signing;

pub use catalogue::{ALL_EVENTS, EventFilter, EventType};
pub use schedule::{DeliveryStatus, DisabledReason, Next, Outcome};

use crate::account::is_invisible;
use crate::validation::{Invalid, bounded_text};

/// Most subscriptions a network may have.
pub const MAX_SUBSCRIPTIONS: u64 = 20;

/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;

/// Hours the previous secret keeps signing after a rotation, so receivers
/// can switch over without losing a delivery.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

/// Most attempts listed with one delivery.
pub const ATTEMPTS_SHOWN: u64 = 20;

/// A description: 0–500 characters, no control or invisible characters.
pub fn parse_description(raw: &str) -> Result<String, Invalid> {
    let d = bounded_text(raw, 0, MAX_DESCRIPTION)?;
    if d.chars().any(is_invisible) {
        return Err(Invalid::new(
            "invisible_characters",
            "must not contain invisible or text-direction characters (such as zero-width spaces, joiners or right-to-left overrides)",
        ));
    }
    Ok(d)
}

/// The `webhook-id` of a delivery: stable across its retries and
/// redeliveries, so a receiver can drop a duplicate.
pub fn message_id(delivery_id: &str) -> String {
    format!("msg_{delivery_id}")
}

/// The email each manager of the network gets when a subscription is
/// disabled: which one (its host and description, never its secret) and
/// why, and how to turn it back on. Returns (subject, body).
pub fn disabled_notice(host: &str, description: &str, reason: DisabledReason) -> (String, String) {
    let why = match reason {
        DisabledReason::Gone => "the receiver answered 410 Gone, which asks us to stop",
        DisabledReason::Failing => {
            "its last deliveries failed on every attempt for about a day each"
        }
        DisabledReason::Manual => "a manager turned it off",
    };
    let named = if description.is_empty() {
        String::new()
    } else {
        format!(" (\"{description}\")")
    };
    (
        format!("A PeerHub webhook to {host} was disabled"),
        format!(
            "The webhook subscription to {host}{named} was disabled because {why}.\n\n\
             Events are no longer sent to it. Its recent deliveries, with each answer's status \
             code and error, are listed by GET /v1/webhooks/{{id}}/deliveries. When the \
             receiver works again, turn the subscription back on with \
             PATCH /v1/webhooks/{{id}} {{\"enabled\": true}}; deliveries still pending resume.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_bounded_and_visible() {
        assert_eq!(
            parse_description("  Trust intranet ").as_deref(),
            Ok("Trust intranet")
        );
        assert_eq!(parse_description("").as_deref(), Ok(""));
        assert_eq!(
            parse_description("a\u{200b}b").unwrap_err().code,
            "invisible_characters"
        );
        assert_eq!(
            parse_description(&"x".repeat(MAX_DESCRIPTION + 1))
                .unwrap_err()
                .code,
            "too_long"
        );
    }

    #[test]
    fn the_disabled_notice_says_which_and_why() {
        let (subject, body) =
            disabled_notice("hooks.example.org", "Intranet", DisabledReason::Gone);
        assert_eq!(
            subject,
            "A PeerHub webhook to hooks.example.org was disabled"
        );
        assert!(body.contains("(\"Intranet\")"));
        assert!(body.contains("410 Gone"));
        let (_, body) = disabled_notice("h", "", DisabledReason::Failing);
        assert!(body.starts_with("The webhook subscription to h was disabled because its last"));
    }

    #[test]
    fn message_ids_name_the_delivery() {
        assert_eq!(message_id("0193"), "msg_0193");
    }
}
