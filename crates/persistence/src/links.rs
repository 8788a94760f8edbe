//! Links put into emails. The API's own base URL is always known; a front
//! end's base URL (`PEERHUB_APP_BASE_URL`) is optional, and without it the
//! emails carry the token and the API call to make instead of a page link.

#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Where the API is served, e.g. `https://api.example.org`.
    pub api_base: String,
    /// Where a front end serves `/verify-email` and `/accept-invitation`.
    pub app_base: Option<String>,
}

impl Links {
    /// A front-end page that verifies the email, if a front end is configured.
    pub fn verify_page(&self, token: &str) -> Option<String> {
        self.app_base
            .as_deref()
            .map(|b| format!("{}/verify-email?token={token}", b.trim_end_matches('/')))
    }

    /// A front-end page that accepts the invitation, if configured.
    pub fn invitation_page(&self, token: &str) -> Option<String> {
        self.app_base.as_deref().map(|b| {
            format!(
                "{}/accept-invitation?token={token}",
                b.trim_end_matches('/')
            )
        })
    }

    /// The API endpoint that accepts an invitation (POST).
    pub fn invitation_api(&self, token: &str) -> String {
        format!(
            "{}/v1/invitations/{token}/accept",
            self.api_base.trim_end_matches('/')
        )
    }

    /// The API endpoint that verifies an email (POST `{token}`).
    pub fn verify_api(&self) -> String {
        format!("{}/v1/auth/verify", self.api_base.trim_end_matches('/'))
    }

    /// A front-end page that completes a password reset, if configured.
    pub fn reset_page(&self, token: &str) -> Option<String> {
        self.app_base
            .as_deref()
            .map(|b| format!("{}/reset-password?token={token}", b.trim_end_matches('/')))
    }

    /// The API endpoint that completes a password reset.
    pub fn reset_api(&self) -> String {
        format!(
            "{}/v1/auth/password-reset/confirm",
            self.api_base.trim_end_matches('/')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_point_at_the_app_only_when_configured() {
        let api_only = Links {
            api_base: "https://api.example.org/".into(),
            app_base: None,
        };
        assert_eq!(api_only.verify_page("t"), None);
        assert_eq!(api_only.invitation_page("t"), None);
        assert_eq!(
            api_only.invitation_api("t"),
            "https://api.example.org/v1/invitations/t/accept"
        );
        assert_eq!(
            api_only.verify_api(),
            "https://api.example.org/v1/auth/verify"
        );
        let with_app = Links {
            app_base: Some("https://app.example.org/".into()),
            ..api_only
        };
        assert_eq!(
            with_app.verify_page("t").as_deref(),
            Some("https://app.example.org/verify-email?token=t")
        );
        assert_eq!(
            with_app.invitation_page("t").as_deref(),
            Some("https://app.example.org/accept-invitation?token=t")
        );
    }
}
