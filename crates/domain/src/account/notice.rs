//! The wording of account emails: registration, verification, password
//! change and reset, and an admin disabling or enabling an account.
pub use crate::application::notice::Notice;

/// How long an email verification link stays valid.
pub const VERIFICATION_TTL_HOURS: i64 = 48;
/// How long a password-reset token stays valid.
pub const RESET_TTL_MINUTES: i64 = 30;

/// " Reason given: …." for a notice, or nothing. A reason that already
/// ends a sentence gets no extra full stop.
pub fn reason_line(reason: Option<&str>) -> String {
    match reason {
        Some(r) if r.ends_with(['.', '!', '?']) => format!(" Reason given: {r}"),
        Some(r) => format!(" Reason given: {r}."),
        None => String::new(),
    }
}

/// To the owner of an address that already has an account, when someone
/// registers with it in `network`.
pub fn registration_attempted(network: &str) -> Notice {
    Notice {
        subject: "Someone tried to register with your email".to_owned(),
        body: format!(
            "Someone tried to register a PeerHub account for {network} with this address, which already has an account. If it was you, log in instead; if you have forgotten your password, ask for a reset. If it was not you, you can ignore this message."
        ),
    }
}

/// The verification email for a registration in `network`: the `link` to
/// open when there is a web page, else the `api` path to send `token` to.
pub fn verification(network: &str, link: Option<&str>, api: &str, token: &str) -> Notice {
    let how = match link {
        Some(l) => format!("by opening {l}"),
        None => format!("by sending this token to POST {api}"),
    };
    Notice {
        subject: "Verify your PeerHub email address".to_owned(),
        body: format!(
            "Welcome to {network}. Confirm your email address {how}: {token}. It expires in {VERIFICATION_TTL_HOURS} hours. Confirming sets the password chosen when this registration was made. If you did not ask to register, ignore this email: nothing happens unless the token is used."
        ),
    }
}

/// After a password change or reset (every session has ended).
pub fn password_changed() -> Notice {
    Notice {
        subject: "Your PeerHub password was changed".to_owned(),
        body: "The password of your PeerHub account was changed and every session was ended. If this was not you, ask for a password reset at once and tell a manager of your network.".to_owned(),
    }
}

/// The password-reset email: the `link` to open when there is a web page,
/// else the `api` path to send `token` to with the new password.
pub fn password_reset(link: Option<&str>, api: &str, token: &str) -> Notice {
    let how = match link {
        Some(l) => format!("open {l}"),
        None => format!("send this token with your new password to POST {api}"),
    };
    Notice {
        subject: "Reset your PeerHub password".to_owned(),
        body: format!(
            "Someone asked to reset the password of your PeerHub account. To choose a new one, {how}: {token}. It works once and expires in {RESET_TTL_MINUTES} minutes; using it ends every session. If it was not you, ignore this email: your password stays as it is."
        ),
    }
}

/// To the person whose account a platform admin disabled.
pub fn disabled(reason: Option<&str>) -> Notice {
    Notice {
        subject: "Your PeerHub account has been disabled".to_owned(),
        body: format!(
            "A platform admin has disabled your PeerHub account. You can no longer log in, \
             you have been signed out everywhere, and your API tokens do not work while the \
             account is disabled.{} If you think this is a mistake, contact the managers of \
             your network.",
            reason_line(reason)
        ),
    }
}

/// To the person whose account a platform admin enabled again.
pub fn enabled(reason: Option<&str>) -> Notice {
    Notice {
        subject: "Your PeerHub account has been enabled again".to_owned(),
        body: format!(
            "A platform admin has enabled your PeerHub account again. Log in with your email \
             address and password (POST /v1/auth/login); the sessions you had were ended when \
             the account was disabled. Your API tokens work again until they expire: review \
             them with GET /v1/api-tokens.{}",
            reason_line(reason)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_lines_end_with_one_full_stop() {
        assert_eq!(reason_line(None), "");
        assert_eq!(reason_line(Some("spam")), " Reason given: spam.");
        assert_eq!(reason_line(Some("spam!")), " Reason given: spam!");
        assert_eq!(reason_line(Some("why?")), " Reason given: why?");
        assert_eq!(reason_line(Some("done.")), " Reason given: done.");
    }

    #[test]
    fn registration_notices() {
        let n = registration_attempted("Peer Network");
        assert_eq!(n.subject, "Someone tried to register with your email");
        assert_eq!(
            n.body,
            "Someone tried to register a PeerHub account for Peer Network with this address, which already has an account. If it was you, log in instead; if you have forgotten your password, ask for a reset. If it was not you, you can ignore this message."
        );
        let n = verification("Peer Network", Some("https://x/verify#t"), "/v1/x", "tok");
        assert_eq!(n.subject, "Verify your PeerHub email address");
        assert_eq!(
            n.body,
            "Welcome to Peer Network. Confirm your email address by opening https://x/verify#t: tok. It expires in 48 hours. Confirming sets the password chosen when this registration was made. If you did not ask to register, ignore this email: nothing happens unless the token is used."
        );
        let n = verification("N", None, "/v1/auth/verify-email", "tok");
        assert!(
            n.body
                .starts_with("Welcome to N. Confirm your email address by sending this token to POST /v1/auth/verify-email: tok. It expires")
        );
    }

    #[test]
    fn password_notices() {
        let n = password_changed();
        assert_eq!(n.subject, "Your PeerHub password was changed");
        assert_eq!(
            n.body,
            "The password of your PeerHub account was changed and every session was ended. If this was not you, ask for a password reset at once and tell a manager of your network."
        );
        let n = password_reset(None, "/v1/auth/password-reset/confirm", "tok");
        assert_eq!(n.subject, "Reset your PeerHub password");
        assert_eq!(
            n.body,
            "Someone asked to reset the password of your PeerHub account. To choose a new one, send this token with your new password to POST /v1/auth/password-reset/confirm: tok. It works once and expires in 30 minutes; using it ends every session. If it was not you, ignore this email: your password stays as it is."
        );
        assert!(
            password_reset(Some("https://x/reset#t"), "/api", "tok")
                .body
                .contains("To choose a new one, open https://x/reset#t: tok. It works once")
        );
    }

    #[test]
    fn disable_and_enable_notices() {
        let n = disabled(Some("spam"));
        assert_eq!(n.subject, "Your PeerHub account has been disabled");
        assert_eq!(
            n.body,
            "A platform admin has disabled your PeerHub account. You can no longer log in, you have been signed out everywhere, and your API tokens do not work while the account is disabled. Reason given: spam. If you think this is a mistake, contact the managers of your network."
        );
        let n = enabled(None);
        assert_eq!(n.subject, "Your PeerHub account has been enabled again");
        assert_eq!(
            n.body,
            "A platform admin has enabled your PeerHub account again. Log in with your email address and password (POST /v1/auth/login); the sessions you had were ended when the account was disabled. Your API tokens work again until they expire: review them with GET /v1/api-tokens."
        );
    }
}
