//! Standard Webhooks signatures (standardwebhooks.com): a secret is
//! `whsec_` + base64 of its key bytes; a signature is `v1,` + base64 of
//! HMAC-SHA256(key, `{id}.{timestamp}.{body}`). Several signatures are
//! separated by spaces, which is how both secrets sign during a rotation.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a webhook secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Key bytes of a generated secret (192 bits; the spec asks 24–64).
pub const SECRET_BYTES: usize = 24;

/// A secret as shown to its subscriber, from random key bytes.
pub fn secret_from_key(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The key bytes of a `whsec_` secret, or `None` if it is not one.
pub fn key_of(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX)?;
    let key = STANDARD.decode(b64).ok()?;
    (!key.is_empty()).then_some(key)
}

/// `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` under `secret`.
/// `None` if the secret is not a `whsec_` secret (a stored secret that no
/// longer decodes must not sign with a default).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = key_of(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret, the current
/// one first, separated by spaces.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let sigs: Option<Vec<String>> = secrets
        .iter()
        .map(|s| sign(s, id, timestamp, body))
        .collect();
    let sigs = sigs?;
    (!sigs.is_empty()).then(|| sigs.join(" "))
}

/// Does `header` hold a valid signature under `secret`? (What a receiver
/// does; used by the tests and the bench.)
pub fn verify(secret: &str, header: &str, id: &str, timestamp: i64, body: &[u8]) -> bool {
    let Some(expected) = sign(secret, id, timestamp, body) else {
        return false;
    };
    header.split(' ').any(|s| {
        let (a, b) = (s.as_bytes(), expected.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector published with the Standard Webhooks specification
    // and its reference libraries.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_the_published_test_vector() {
        assert_eq!(sign(SECRET, ID, TS, BODY).as_deref(), Some(SIG));
        assert!(verify(SECRET, SIG, ID, TS, BODY));
    }

    #[test]
    fn any_change_breaks_the_signature() {
        assert!(!verify(SECRET, SIG, ID, TS + 1, BODY));
        assert!(!verify(SECRET, SIG, "msg_other", TS, BODY));
        assert!(!verify(SECRET, SIG, ID, TS, br#"{"test": 2432232315}"#));
        assert!(!verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            SIG,
            ID,
            TS,
            BODY
        ));
    }

    #[test]
    fn both_secrets_sign_during_a_rotation() {
        let new = secret_from_key(&[7u8; SECRET_BYTES]);
        let h = signature_header(&[&new, SECRET], ID, TS, BODY).unwrap();
        assert_eq!(h.split(' ').count(), 2);
        assert!(verify(&new, &h, ID, TS, BODY));
        assert!(verify(SECRET, &h, ID, TS, BODY));
        assert!(h.ends_with(SIG));
    }

    #[test]
    fn a_secret_that_does_not_decode_signs_nothing() {
        assert_eq!(sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ID, TS, BODY), None);
        assert_eq!(sign("whsec_!!!", ID, TS, BODY), None);
        assert_eq!(sign("whsec_", ID, TS, BODY), None);
        assert_eq!(signature_header(&[SECRET, "bad"], ID, TS, BODY), None);
        assert!(!verify("bad", SIG, ID, TS, BODY));
    }

    #[test]
    fn generated_secrets_round_trip() {
        let s = secret_from_key(&[1, 2, 3]);
        assert!(s.starts_with("whsec_"));
        assert_eq!(key_of(&s), Some(vec![1, 2, 3]));
    }
}
