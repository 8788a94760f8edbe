//! Platform admin rights changed by the store for scripted setup (the demo
//! data demotes the accounts it creates this way): audited, idempotent,
//! 404 for no such account.
use peerhub_persistence::{Ctx, admins};
use peerhub_tests::*;

const NO_SUCH_ID: &str = "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e";

dual! {
    async fn platform_admin_rights_are_granted_and_taken_through_the_store(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "admins", &["nhs.net"]).await;
        let nid = net["id"].as_str().unwrap();
        let token = app.member(nid, "someone@nhs.net").await;
        let uid = user_id_of(&token);
        let audits = |action: &'static str| {
            let uid = uid.clone();
            async move {
                app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND entity_id = '{uid}'")).await
            }
        };
        assert_eq!(app.get("/v1/me", Some(&token)).await.expect(200)["is_platform_admin"], false);

        let u = admins::set_platform_admin(&app.db, &Ctx::system(), &uid, true).await.unwrap();
        assert!(u.is_platform_admin);
        assert_eq!(app.get("/v1/me", Some(&token)).await.expect(200)["is_platform_admin"], true);
        assert_eq!(audits("user.platform_admin_granted").await, 1);

        // The flag it already has: nothing changes, nothing is audited.
        let again = admins::set_platform_admin(&app.db, &Ctx::system(), &uid, true).await.unwrap();
        assert_eq!(again.version, u.version);
        assert_eq!(audits("user.platform_admin_granted").await, 1);

        let u = admins::set_platform_admin(&app.db, &Ctx::system(), &uid, false).await.unwrap();
        assert!(!u.is_platform_admin);
        assert_eq!(u.version, again.version + 1);
        assert_eq!(app.get("/v1/me", Some(&token)).await.expect(200)["is_platform_admin"], false);
        assert_eq!(audits("user.platform_admin_revoked").await, 1);

        let missing = admins::set_platform_admin(&app.db, &Ctx::system(), NO_SUCH_ID, true).await.unwrap_err();
        assert!(missing.is_not_found());
    }
}
