//! Networks, network members and invitations.
use peerhub_persistence::sea_orm::ConnectionTrait;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

async fn network_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM networks").await
}

async fn patch_if(app: &TestApp, path: &str, token: &str, if_match: &str, body: Value) -> Resp {
    app.send(
        app.req(Method::PATCH, path, Some(token))
            .header("If-Match", if_match)
            .json(&body),
    )
    .await
}

/// Creates a network (allowing nhs.net) with one manager, invited by the
/// admin; returns (admin token, network id, manager token).
async fn managed_network(
    app: &TestApp,
    slug: &str,
    manager_email: &str,
) -> (String, String, String) {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    let id = id_of(&net);
    let manager = app.invited(&admin, &id, manager_email, "manager").await;
    (admin, id, manager)
}

/// Creates an invitation; returns (invitation JSON, token).
async fn invite(
    app: &TestApp,
    manager: &str,
    network_id: &str,
    email: &str,
    role: &str,
) -> (Value, String) {
    let v = app
        .post(
            "/v1/invitations",
            Some(manager),
            json!({"network_id": network_id, "email": email, "role": role}),
        )
        .await
        .expect(201);
    let token = v["token"].as_str().unwrap().to_owned();
    (v["invitation"].clone(), token)
}

async fn accept(app: &TestApp, token: &str, password: &str) -> Resp {
    app.post(
        &format!("/v1/invitations/{token}/accept"),
        None,
        json!({"display_name": "Alex Jones", "password": password}),
    )
    .await
}

async fn invitation_status(app: &TestApp, id: &str) -> String {
    let rows = app
        .query(&format!("SELECT status FROM invitations WHERE id = '{id}'"))
        .await;
    rows[0][0].as_str().unwrap().to_owned()
}

/// The caller's role in `network_id` according to GET /v1/me.
async fn my_role(app: &TestApp, token: &str, network_id: &str) -> Option<String> {
    let me = app.get("/v1/me", Some(token)).await.expect(200);
    me["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["network_id"] == network_id)
        .map(|n| n["role"].as_str().unwrap().to_owned())
}

// ---------------------------------------------------------------------------
// 1. Creating networks
// ---------------------------------------------------------------------------

dual! {
    async fn admin_creates_network(app) {
        let admin = app.admin_token().await;
        let r = app
            .post(
                "/v1/networks",
                Some(&admin),
                json!({
                    "name": "PPN Midlands",
                    "slug": "ppn-midlands",
                    "description": "Psychological Professions Network",
                    "allowed_email_domains": ["NHS.net", "nhs.net", "Gov.UK", " nhs.uk "],
                }),
            )
            .await;
        let v = r.expect(201);
        let id = id_of(&v);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "id is a uuid: {id}");
        assert_eq!(r.header("location").as_deref(), Some(format!("/v1/networks/{id}").as_str()));
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(v["name"], "PPN Midlands");
        assert_eq!(v["slug"], "ppn-midlands");
        assert_eq!(v["description"], "Psychological Professions Network");
        assert_eq!(v["allowed_email_domains"], json!(["nhs.net", "gov.uk", "nhs.uk"]));
        assert_eq!(v["require_register_to_propose"], Value::Null);
        assert_eq!(v["version"], 1);
        assert!(v["created_at"].is_string() && v["updated_at"].is_string());

        // Readable at its Location.
        let g = app.get(&format!("/v1/networks/{id}"), Some(&admin)).await;
        let gv = g.expect(200);
        assert_eq!(g.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(gv["slug"], "ppn-midlands");
        assert_eq!(gv["allowed_email_domains"], json!(["nhs.net", "gov.uk", "nhs.uk"]));

        assert_eq!(network_count(app).await, 1);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE action = 'network.created' AND entity_id = '{id}'")).await,
            1
        );
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM outbox WHERE topic = 'network.created' AND aggregate_id = '{id}' AND kind = 'event'")).await,
            1
        );
    }
}

dual! {
    async fn duplicate_slug_is_a_conflict(app) {
        let admin = app.admin_token().await;
        app.create_network(&admin, "alpha", &["nhs.net"]).await;
        let r = app
            .post("/v1/networks", Some(&admin), json!({"name": "Another", "slug": "alpha", "allowed_email_domains": []}))
            .await;
        r.problem(409, "slug-taken");
        assert_eq!(network_count(app).await, 1);
        let names = app.query("SELECT name FROM networks").await;
        assert_eq!(names[0][0], "Network alpha");
    }
}

dual! {
    async fn non_admin_cannot_create_network(app) {
        let admin = app.admin_token().await;
        let net = app.create_network(&admin, "alpha", &["nhs.net"]).await;
        let member = app.member(&id_of(&net), "x@nhs.net").await;
        let r = app
            .post("/v1/networks", Some(&member), json!({"name": "Mine", "slug": "mine", "allowed_email_domains": []}))
            .await;
        r.problem(403, "forbidden");
        // A network manager is not a platform admin either.
        let manager = app.invited(&admin, &id_of(&net), "boss@nhs.net", "manager").await;
        app.post("/v1/networks", Some(&manager), json!({"name": "Mine", "slug": "mine"}))
            .await
            .problem(403, "forbidden");
        // Nor is an anonymous caller.
        let anon = app.post("/v1/networks", None, json!({"name": "Mine", "slug": "mine"})).await;
        assert_eq!(anon.status.as_u16(), 401, "{}", anon.text);
        assert_eq!(network_count(app).await, 1);
    }
}

dual! {
    async fn create_network_validation(app) {
        let admin = app.admin_token().await;
        let many: Vec<String> = (0..51).map(|i| format!("d{i}.nhs.net")).collect();
        let cases: Vec<(Value, &str)> = vec![
            (json!({"name": "", "slug": "ok-slug"}), "name"),
            (json!({"name": "   ", "slug": "ok-slug"}), "name"),
            (json!({"name": "x".repeat(201), "slug": "ok-slug"}), "name"),
            (json!({"name": "Fine", "slug": "Bad Slug"}), "slug"),
            (json!({"name": "Fine", "slug": "a"}), "slug"),
            (json!({"name": "Fine", "slug": "-ab"}), "slug"),
            (json!({"name": "Fine", "slug": "a--b"}), "slug"),
            (json!({"name": "Fine", "slug": "ok-slug", "allowed_email_domains": ["localhost"]}), "allowed_email_domains"),
            (json!({"name": "Fine", "slug": "ok-slug", "allowed_email_domains": ["not a domain"]}), "allowed_email_domains"),
            (json!({"name": "Fine", "slug": "ok-slug", "allowed_email_domains": ["nhs.net", ""]}), "allowed_email_domains"),
            (json!({"name": "Fine", "slug": "ok-slug", "allowed_email_domains": many}), "allowed_email_domains"),
            (json!({"name": "Fine", "slug": "ok-slug", "colour": "blue"}), "colour"),
            (json!({"name": "Fine"}), "slug"),
            (json!({"slug": "ok-slug"}), "name"),
            (json!({"name": "Fine", "slug": "ok-slug", "allowed_email_domains": "nhs.net"}), "allowed_email_domains"),
            (json!({"name": "Fine", "slug": "ok-slug", "description": ""}), "description"),
        ];
        for (body, field) in cases {
            let r = app.post("/v1/networks", Some(&admin), body.clone()).await;
            assert_eq!(r.status.as_u16(), 422, "body {body}: {}", r.text);
            assert_invalid(&r, field);
        }
        // Several bad fields at once are all reported.
        let r = app.post("/v1/networks", Some(&admin), json!({"name": "", "slug": "Bad Slug", "allowed_email_domains": ["localhost"]})).await;
        let p = assert_invalid(&r, "name");
        let f = fields(&p);
        assert!(f.contains(&"slug".to_owned()) && f.contains(&"allowed_email_domains".to_owned()), "{}", r.text);
        // 50 domains is fine.
        let fifty: Vec<String> = (0..50).map(|i| format!("d{i}.nhs.net")).collect();
        assert_eq!(network_count(app).await, 0, "nothing created by a failed request");
        let v = app
            .post("/v1/networks", Some(&admin), json!({"name": "Fifty", "slug": "fifty", "allowed_email_domains": fifty}))
            .await
            .expect(201);
        assert_eq!(v["allowed_email_domains"].as_array().unwrap().len(), 50);
        assert_eq!(network_count(app).await, 1);
    }
}

// ---------------------------------------------------------------------------
// 2. Visibility and pagination
// ---------------------------------------------------------------------------

dual! {
    async fn admin_lists_all_members_list_theirs(app) {
        let admin = app.admin_token().await;
        let a = id_of(&app.create_network(&admin, "alpha", &["nhs.net"]).await);
        let b = id_of(&app.create_network(&admin, "beta", &["nhs.uk"]).await);
        let all = app.get("/v1/networks", Some(&admin)).await.expect(200);
        assert_eq!(ids(&all), vec![a.clone(), b.clone()]);
        assert_eq!(all["next_cursor"], Value::Null);

        let ma = app.member(&a, "ann@nhs.net").await;
        let mb = app.member(&b, "bob@nhs.uk").await;
        let la = app.get("/v1/networks", Some(&ma)).await.expect(200);
        assert_eq!(ids(&la), vec![a.clone()]);
        assert_eq!(la["items"][0]["slug"], "alpha");
        let lb = app.get("/v1/networks", Some(&mb)).await.expect(200);
        assert_eq!(ids(&lb), vec![b.clone()]);
        let anon = app.get("/v1/networks", None).await;
        assert_eq!(anon.status.as_u16(), 401, "{}", anon.text);
    }
}

dual! {
    async fn members_cannot_see_other_networks(app) {
        let admin = app.admin_token().await;
        let a = id_of(&app.create_network(&admin, "alpha", &["nhs.net"]).await);
        let b = id_of(&app.create_network(&admin, "beta", &["nhs.uk"]).await);
        let ma = app.member(&a, "ann@nhs.net").await;

        let own = app.get(&format!("/v1/networks/{a}"), Some(&ma)).await;
        let v = own.expect(200);
        assert_eq!(v["slug"], "alpha");
        assert_eq!(own.header("etag").as_deref(), Some("\"1\""));

        app.get(&format!("/v1/networks/{b}"), Some(&ma)).await.problem(404, "not-found");
        let missing = uuid::Uuid::now_v7();
        app.get(&format!("/v1/networks/{missing}"), Some(&ma)).await.problem(404, "not-found");
        app.get(&format!("/v1/networks/{missing}"), Some(&admin)).await.problem(404, "not-found");
        let bad = app.get("/v1/networks/not-a-uuid", Some(&ma)).await;
        assert_eq!(bad.status.as_u16(), 400, "{}", bad.text);
        assert_eq!(bad.header("content-type").as_deref(), Some("application/problem+json"));
        // The admin sees both.
        app.get(&format!("/v1/networks/{b}"), Some(&admin)).await.expect(200);
    }
}

dual! {
    async fn network_list_pagination(app) {
        let admin = app.admin_token().await;
        let mut created = Vec::new();
        for slug in ["net-one", "net-two", "net-three"] {
            created.push(id_of(&app.create_network(&admin, slug, &[]).await));
        }
        let r = app.get("/v1/networks?limit=2", Some(&admin)).await;
        let p1 = r.expect(200);
        assert_eq!(p1["items"].as_array().unwrap().len(), 2);
        let cursor = p1["next_cursor"].as_str().expect("next_cursor on a full page").to_owned();
        let link = r.header("link").expect("Link header on a full page");
        assert!(link.contains("rel=\"next\""), "{link}");
        assert!(link.contains("cursor="), "{link}");
        assert!(link.contains("limit=2"), "{link}");
        assert!(link.contains("/v1/networks?"), "{link}");

        let r2 = app
            .send(app.req(Method::GET, "/v1/networks", Some(&admin)).query(&[("limit", "2"), ("cursor", cursor.as_str())]))
            .await;
        let p2 = r2.expect(200);
        assert_eq!(p2["items"].as_array().unwrap().len(), 1);
        assert_eq!(p2["next_cursor"], Value::Null);
        assert!(r2.header("link").is_none(), "no Link on the last page");

        let mut seen = ids(&p1);
        seen.extend(ids(&p2));
        assert_eq!(seen, created, "every network once, oldest first");

        // Exactly one page's worth: no next page.
        let r3 = app.get("/v1/networks?limit=3", Some(&admin)).await;
        let p3 = r3.expect(200);
        assert_eq!(p3["items"].as_array().unwrap().len(), 3);
        assert_eq!(p3["next_cursor"], Value::Null);
        assert!(r3.header("link").is_none());
    }
}

dual! {
    async fn network_list_rejects_bad_paging(app) {
        let admin = app.admin_token().await;
        app.create_network(&admin, "alpha", &[]).await;
        for limit in ["0", "201", "-1"] {
            let r = app.get(&format!("/v1/networks?limit={limit}"), Some(&admin)).await;
            assert_invalid(&r, "limit");
        }
        app.get("/v1/networks?limit=200", Some(&admin)).await.expect(200);
        app.get("/v1/networks?limit=1", Some(&admin)).await.expect(200);
        assert_invalid(&app.get("/v1/networks?cursor=garbage", Some(&admin)).await, "cursor");
        let r = app.get("/v1/networks?limit=abc", Some(&admin)).await;
        assert_eq!(r.status.as_u16(), 400, "{}", r.text);
        assert_eq!(r.header("content-type").as_deref(), Some("application/problem+json"));
    }
}

// ---------------------------------------------------------------------------
// 3. Updating a network
// ---------------------------------------------------------------------------

dual! {
    async fn manager_updates_network_with_versions(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let path = format!("/v1/networks/{id}");

        let r = app.patch(&path, Some(&manager), json!({"allowed_email_domains": ["nhs.net", "NHS.UK"]})).await;
        let v = r.expect(200);
        assert_eq!(v["allowed_email_domains"], json!(["nhs.net", "nhs.uk"]));
        assert_eq!(v["version"], 2);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(v["name"], "Network alpha", "untouched fields stay");

        // A stale If-Match is refused and changes nothing.
        let stale = patch_if(app, &path, &manager, "\"1\"", json!({"allowed_email_domains": ["gov.uk"]})).await;
        stale.problem(412, "stale-version");
        let g = app.get(&path, Some(&manager)).await;
        let gv = g.expect(200);
        assert_eq!(gv["allowed_email_domains"], json!(["nhs.net", "nhs.uk"]));
        assert_eq!(gv["version"], 2);
        assert_eq!(g.header("etag").as_deref(), Some("\"2\""));

        // The current ETag works.
        let ok = patch_if(app, &path, &manager, "\"2\"", json!({"name": "PPN Alpha"})).await;
        let okv = ok.expect(200);
        assert_eq!(okv["name"], "PPN Alpha");
        assert_eq!(ok.header("etag").as_deref(), Some("\"3\""));

        // `*` matches any version.
        let star = patch_if(app, &path, &manager, "*", json!({"allowed_email_domains": ["gov.uk"]})).await;
        let sv = star.expect(200);
        assert_eq!(sv["allowed_email_domains"], json!(["gov.uk"]));
        assert_eq!(star.header("etag").as_deref(), Some("\"4\""));

        // Invalid values are rejected and change nothing.
        assert_invalid(&app.patch(&path, Some(&manager), json!({"allowed_email_domains": ["localhost"]})).await, "allowed_email_domains");
        assert_invalid(&app.patch(&path, Some(&manager), json!({"name": ""})).await, "name");
        assert_invalid(&app.patch(&path, Some(&manager), json!({"slug": "renamed"})).await, "slug");
        let after = app.get(&path, Some(&manager)).await.expect(200);
        assert_eq!(after["version"], 4);
        assert_eq!(after["slug"], "alpha");

        // Audit and outbox.
        let rows = app
            .query(&format!(
                "SELECT changed_fields, actor_id FROM audit_events WHERE action = 'network.updated' AND entity_id = '{id}' ORDER BY id"
            ))
            .await;
        assert_eq!(rows.len(), 3, "one audit row per applied update: {rows:?}");
        assert!(rows[0][0].as_str().unwrap().contains("allowed_email_domains"), "{rows:?}");
        assert_eq!(rows[0][1].as_str().unwrap(), user_id_of(&manager));
        let events = app
            .query(&format!("SELECT kind, payload FROM outbox WHERE topic = 'network.updated' AND aggregate_id = '{id}' ORDER BY id"))
            .await;
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0][0], "event");
        let payload: Value = serde_json::from_str(events[0][1].as_str().unwrap()).unwrap();
        assert_eq!(payload["network_id"], id.as_str());
        assert!(payload["changed"].as_array().unwrap().contains(&json!("allowed_email_domains")), "{payload}");
    }
}

dual! {
    async fn network_description_set_and_cleared(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let path = format!("/v1/networks/{id}");
        let v = app.patch(&path, Some(&manager), json!({"description": "Peers in the Midlands"})).await.expect(200);
        assert_eq!(v["description"], "Peers in the Midlands");
        assert_eq!(v["version"], 2);
        // Absent leaves it alone.
        let v = app.patch(&path, Some(&manager), json!({"name": "Renamed"})).await.expect(200);
        assert_eq!(v["description"], "Peers in the Midlands");
        // null clears.
        let v = app.patch(&path, Some(&manager), json!({"description": null})).await.expect(200);
        assert_eq!(v["description"], Value::Null);
        assert_eq!(v["version"], 4);
        let g = app.get(&path, Some(&manager)).await.expect(200);
        assert_eq!(g["description"], Value::Null);
        assert_eq!(g["name"], "Renamed");
    }
}

dual! {
    async fn only_managers_of_the_network_may_update_it(app) {
        let (admin, a, _manager_a) = managed_network(app, "alpha", "boss@nhs.net").await;
        let member = app.member(&a, "ann@nhs.net").await;
        let b = id_of(&app.create_network(&admin, "beta", &["nhs.uk"]).await);
        let manager_b = app.invited(&admin, &b, "chief@nhs.uk", "manager").await;

        let path = format!("/v1/networks/{a}");
        app.patch(&path, Some(&member), json!({"name": "Hijacked"})).await.problem(403, "forbidden");
        app.patch(&path, Some(&manager_b), json!({"name": "Hijacked"})).await.problem(404, "not-found");
        let missing = uuid::Uuid::now_v7();
        app.patch(&format!("/v1/networks/{missing}"), Some(&manager_b), json!({"name": "X"})).await.problem(404, "not-found");
        let g = app.get(&path, Some(&member)).await.expect(200);
        assert_eq!(g["name"], "Network alpha");
        assert_eq!(g["version"], 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'network.updated'").await, 0);
        // A platform admin may.
        app.patch(&path, Some(&admin), json!({"name": "By admin"})).await.expect(200);
    }
}

// ---------------------------------------------------------------------------
// 4. Members and roles
// ---------------------------------------------------------------------------

dual! {
    async fn manager_lists_members_with_roles(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let ann = app.member(&id, "ann@nhs.net").await;
        app.member(&id, "bob@nhs.net").await;
        let path = format!("/v1/networks/{id}/members");

        let all = app.get(&path, Some(&manager)).await.expect(200);
        let items = all["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "{all}");
        let role_of = |email: &str| {
            items.iter().find(|m| m["email"] == email).map(|m| m["role"].as_str().unwrap().to_owned())
        };
        assert_eq!(role_of("boss@nhs.net").as_deref(), Some("manager"));
        assert_eq!(role_of("ann@nhs.net").as_deref(), Some("member"));
        assert_eq!(role_of("bob@nhs.net").as_deref(), Some("member"));
        for m in items {
            assert_eq!(m["network_id"], id.as_str());
            assert_eq!(m["status"], "active");
            assert_eq!(m["version"], 1);
        }

        let managers = app.get(&format!("{path}?role=manager"), Some(&manager)).await.expect(200);
        let mi = managers["items"].as_array().unwrap();
        assert_eq!(mi.len(), 1);
        assert_eq!(mi[0]["email"], "boss@nhs.net");
        assert_eq!(mi[0]["user_id"], user_id_of(&manager).as_str());
        let members = app.get(&format!("{path}?role=member"), Some(&manager)).await.expect(200);
        assert_eq!(members["items"].as_array().unwrap().len(), 2);

        // Paging works here too.
        let p1 = app.get(&format!("{path}?limit=2"), Some(&manager)).await.expect(200);
        assert_eq!(p1["items"].as_array().unwrap().len(), 2);
        assert!(p1["next_cursor"].is_string());

        app.get(&path, Some(&ann)).await.problem(403, "forbidden");
        let bad = app.get(&format!("{path}?role=owner"), Some(&manager)).await;
        let p = bad.expect(422);
        assert_eq!(bad.header("content-type").as_deref(), Some("application/problem+json"));
        assert!(fields(&p).contains(&"role".to_owned()), "{}", bad.text);
    }
}

dual! {
    async fn manager_promotes_member(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let ann = app.member(&id, "ann@nhs.net").await;
        let ann_id = user_id_of(&ann);
        let path = format!("/v1/networks/{id}/members/{ann_id}");

        let r = app.patch(&path, Some(&manager), json!({"role": "manager"})).await;
        let v = r.expect(200);
        assert_eq!(v["role"], "manager");
        assert_eq!(v["user_id"], ann_id.as_str());
        assert_eq!(v["email"], "ann@nhs.net");
        assert_eq!(v["version"], 2);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(my_role(app, &ann, &id).await.as_deref(), Some("manager"));
        // Ann can now act as a manager.
        app.get(&format!("/v1/networks/{id}/members"), Some(&ann)).await.expect(200);

        // Setting the same role again changes nothing.
        let same = app.patch(&path, Some(&manager), json!({"role": "manager"})).await;
        assert_eq!(same.expect(200)["version"], 2);

        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'network.member_role_changed'").await,
            1
        );
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM outbox WHERE topic = 'network.member_role_changed' AND aggregate_id = '{id}' AND kind = 'event'")).await,
            1
        );

        // With two managers, one may step down (with the right If-Match).
        let boss_id = user_id_of(&manager);
        let down = patch_if(app, &format!("/v1/networks/{id}/members/{boss_id}"), &ann, "\"1\"", json!({"role": "member"})).await;
        let dv = down.expect(200);
        assert_eq!(dv["role"], "member");
        assert_eq!(down.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(my_role(app, &manager, &id).await.as_deref(), Some("member"));
    }
}

dual! {
    async fn last_manager_cannot_step_down(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let boss_id = user_id_of(&manager);
        let path = format!("/v1/networks/{id}/members/{boss_id}");
        app.patch(&path, Some(&manager), json!({"role": "member"})).await.problem(409, "last-manager");
        assert_eq!(my_role(app, &manager, &id).await.as_deref(), Some("manager"));
        let rows = app
            .query(&format!("SELECT role, version FROM network_members WHERE network_id = '{id}' AND user_id = '{boss_id}'"))
            .await;
        assert_eq!(rows[0][0], "manager");
        assert_eq!(rows[0][1], 1);
    }
}

dual! {
    async fn member_role_change_errors(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let ann = app.member(&id, "ann@nhs.net").await;
        let ann_id = user_id_of(&ann);
        let path = format!("/v1/networks/{id}/members/{ann_id}");

        let stranger = uuid::Uuid::now_v7();
        app.patch(&format!("/v1/networks/{id}/members/{stranger}"), Some(&manager), json!({"role": "manager"}))
            .await
            .problem(404, "not-found");
        // Someone with an account but not in this network is unknown here too.
        let admin = app.admin_token().await;
        let other_net = id_of(&app.create_network(&admin, "beta", &["nhs.uk"]).await);
        let outsider = app.member(&other_net, "out@nhs.uk").await;
        app.patch(&format!("/v1/networks/{id}/members/{}", user_id_of(&outsider)), Some(&manager), json!({"role": "manager"}))
            .await
            .problem(404, "not-found");

        assert_invalid(&app.patch(&path, Some(&manager), json!({"role": "owner"})).await, "role");
        assert_invalid(&app.patch(&path, Some(&manager), json!({})).await, "role");
        patch_if(app, &path, &manager, "\"7\"", json!({"role": "manager"})).await.problem(412, "stale-version");
        let bad = app.patch(&format!("/v1/networks/{id}/members/not-a-uuid"), Some(&manager), json!({"role": "manager"})).await;
        assert_eq!(bad.status.as_u16(), 400, "{}", bad.text);
        // A plain member may not change roles, not even their own.
        app.patch(&path, Some(&ann), json!({"role": "manager"})).await.problem(403, "forbidden");

        assert_eq!(my_role(app, &ann, &id).await.as_deref(), Some("member"));
        let rows = app
            .query(&format!("SELECT role, version FROM network_members WHERE network_id = '{id}' AND user_id = '{ann_id}'"))
            .await;
        assert_eq!(rows[0][0], "member");
        assert_eq!(rows[0][1], 1);
    }
}

// ---------------------------------------------------------------------------
// 5. Invitations
// ---------------------------------------------------------------------------

dual! {
    async fn manager_creates_invitation(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let r = app
            .post(
                "/v1/invitations",
                Some(&manager),
                json!({"network_id": id, "email": " Alex.Jones@GMAIL.com ", "role": "member"}),
            )
            .await;
        let v = r.expect(201);
        let token = v["token"].as_str().unwrap();
        assert!(token.len() >= 20, "a real token: {token}");
        assert_eq!(v["accept_url"], format!("http://peerhub.test/v1/invitations/{token}/accept"));
        let inv = &v["invitation"];
        assert_eq!(inv["status"], "pending");
        assert_eq!(inv["email"], "alex.jones@gmail.com");
        assert_eq!(inv["role"], "member");
        assert_eq!(inv["network_id"], id.as_str());
        assert_eq!(inv["community_ids"], json!([]));
        assert_eq!(inv["created_by"], user_id_of(&manager).as_str());
        assert_eq!(inv["accepted_user_id"], Value::Null);
        assert!(inv["expires_at"].is_string());

        let mail = app.outbox_payload("alex.jones@gmail.com", "invitation.created").await.expect("invitation email");
        assert_eq!(mail["token"], token);
        assert!(mail["subject"].as_str().unwrap().contains("Network alpha"), "{mail}");
        assert!(mail["body"].as_str().unwrap().contains(token), "{mail}");
        let kinds = app
            .query("SELECT kind FROM outbox WHERE topic = 'invitation.created' AND recipient = 'alex.jones@gmail.com'")
            .await;
        assert_eq!(kinds, vec![vec![json!("email")]]);
        // The token is stored only hashed.
        let stored = app.count(&format!("SELECT COUNT(*) FROM invitations WHERE token_hash = '{token}'")).await;
        assert_eq!(stored, 0);

        // Default role is member; community ids are kept.
        let c = uuid::Uuid::now_v7().to_string();
        let v = app
            .post("/v1/invitations", Some(&manager), json!({"network_id": id, "email": "sam@nhs.net", "community_ids": [c]}))
            .await
            .expect(201);
        assert_eq!(v["invitation"]["role"], "member");
        assert_eq!(v["invitation"]["community_ids"], json!([c]));
    }
}

dual! {
    async fn invitation_create_permissions(app) {
        let (admin, a, _manager_a) = managed_network(app, "alpha", "boss@nhs.net").await;
        let member = app.member(&a, "ann@nhs.net").await;
        let b = id_of(&app.create_network(&admin, "beta", &["nhs.uk"]).await);
        let manager_b = app.invited(&admin, &b, "chief@nhs.uk", "manager").await;
        let before = app.count("SELECT COUNT(*) FROM invitations").await;

        app.post("/v1/invitations", Some(&member), json!({"network_id": a, "email": "x@gmail.com"}))
            .await
            .problem(403, "forbidden");
        app.post("/v1/invitations", Some(&manager_b), json!({"network_id": a, "email": "x@gmail.com"}))
            .await
            .problem(404, "not-found");
        let missing = uuid::Uuid::now_v7().to_string();
        app.post("/v1/invitations", Some(&manager_b), json!({"network_id": missing, "email": "x@gmail.com"}))
            .await
            .problem(404, "not-found");
        let anon = app.post("/v1/invitations", None, json!({"network_id": a, "email": "x@gmail.com"})).await;
        assert_eq!(anon.status.as_u16(), 401, "{}", anon.text);

        assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, before);
        assert!(app.outbox_payload("x@gmail.com", "invitation.created").await.is_none());
    }
}

dual! {
    async fn invitation_create_validation(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let before = app.count("SELECT COUNT(*) FROM invitations").await;
        let cases: Vec<(Value, &str)> = vec![
            (json!({"network_id": id, "email": "not-an-email"}), "email"),
            (json!({"network_id": id, "email": ""}), "email"),
            (json!({"network_id": id, "email": "x@localhost"}), "email"),
            (json!({"network_id": id, "email": "x@gmail.com", "role": "owner"}), "role"),
            (json!({"network_id": id, "email": "x@gmail.com", "community_ids": ["nope"]}), "community_ids[0]"),
            (json!({"network_id": "nope", "email": "x@gmail.com"}), "network_id"),
            (json!({"email": "x@gmail.com"}), "network_id"),
            (json!({"network_id": id}), "email"),
            (json!({"network_id": id, "email": "x@gmail.com", "extra": 1}), "extra"),
        ];
        for (body, field) in cases {
            let r = app.post("/v1/invitations", Some(&manager), body.clone()).await;
            assert_eq!(r.status.as_u16(), 422, "body {body}: {}", r.text);
            assert_invalid(&r, field);
        }
        let c = uuid::Uuid::now_v7().to_string();
        let r = app
            .post("/v1/invitations", Some(&manager), json!({"network_id": id, "email": "x@gmail.com", "community_ids": [c, "bad"]}))
            .await;
        let p = assert_invalid(&r, "community_ids[1]");
        assert!(!fields(&p).contains(&"community_ids[0]".to_owned()), "{}", r.text);
        let many: Vec<String> = (0..51).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        assert_invalid(
            &app.post("/v1/invitations", Some(&manager), json!({"network_id": id, "email": "x@gmail.com", "community_ids": many})).await,
            "community_ids",
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, before);
    }
}

dual! {
    async fn managers_list_invitations(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let member = app.member(&id, "ann@nhs.net").await;
        let (inv, _token) = invite(app, &manager, &id, "alex@gmail.com", "member").await;

        let pending = app
            .get(&format!("/v1/invitations?network_id={id}&status=pending"), Some(&manager))
            .await
            .expect(200);
        let items = pending["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{pending}");
        assert_eq!(items[0]["id"], inv["id"]);
        assert_eq!(items[0]["email"], "alex@gmail.com");
        assert_eq!(items[0]["status"], "pending");
        assert!(items[0].get("token").is_none() && items[0].get("token_hash").is_none(), "no token in lists");

        // The accepted manager invitation from setup is listed as accepted.
        let accepted = app
            .get(&format!("/v1/invitations?network_id={id}&status=accepted"), Some(&manager))
            .await
            .expect(200);
        let acc = accepted["items"].as_array().unwrap();
        assert_eq!(acc.len(), 1);
        assert_eq!(acc[0]["email"], "boss@nhs.net");
        assert_eq!(acc[0]["accepted_user_id"], user_id_of(&manager).as_str());
        let all = app.get(&format!("/v1/invitations?network_id={id}"), Some(&manager)).await.expect(200);
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        let expired = app
            .get(&format!("/v1/invitations?network_id={id}&status=expired"), Some(&manager))
            .await
            .expect(200);
        assert_eq!(expired["items"], json!([]));

        app.get(&format!("/v1/invitations?network_id={id}&status=pending"), Some(&member))
            .await
            .problem(403, "forbidden");
        assert_invalid(&app.get(&format!("/v1/invitations?network_id={id}&status=bogus"), Some(&manager)).await, "status");
        let missing = app.get("/v1/invitations", Some(&manager)).await;
        assert_eq!(missing.status.as_u16(), 400, "{}", missing.text);
        assert_eq!(missing.header("content-type").as_deref(), Some("application/problem+json"));
        assert_invalid(&app.get("/v1/invitations?network_id=nope", Some(&manager)).await, "network_id");
        assert_invalid(&app.get(&format!("/v1/invitations?network_id={id}&limit=0"), Some(&manager)).await, "limit");
    }
}

dual! {
    async fn accepting_invitation_creates_active_account(app) {
        // The network allows only nhs.net, yet a gmail.com invitee may join.
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let (inv, token) = invite(app, &manager, &id, "alex@gmail.com", "manager").await;
        let users_before = app.count("SELECT COUNT(*) FROM users").await;

        let r = accept(app, &token, PASSWORD).await;
        let v = r.expect(201);
        let user_id = v["user_id"].as_str().unwrap().to_owned();
        assert_eq!(v["network_id"], id.as_str());
        assert_eq!(v["tokens"]["token_type"], "Bearer");
        assert!(v["tokens"]["refresh_token"].is_string());
        let access = v["tokens"]["access_token"].as_str().unwrap().to_owned();
        assert_eq!(user_id_of(&access), user_id);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before + 1);

        // The returned token works, and so does logging in.
        let me = app.get("/v1/me", Some(&access)).await.expect(200);
        assert_eq!(me["status"], "active");
        assert_eq!(me["email"], "alex@gmail.com");
        assert_eq!(me["display_name"], "Alex Jones");
        let login = app.login("alex@gmail.com", PASSWORD).await;
        assert_eq!(my_role(app, &login, &id).await.as_deref(), Some("manager"));
        // The role is real: the new manager may list members.
        app.get(&format!("/v1/networks/{id}/members"), Some(&login)).await.expect(200);

        // Single use.
        accept(app, &token, PASSWORD).await.problem(409, "invitation-not-pending");
        accept(app, &token, "another long passphrase").await.problem(409, "invitation-not-pending");
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before + 1);

        let iid = id_of(&inv);
        assert_eq!(invitation_status(app, &iid).await, "accepted");
        let listed = app
            .get(&format!("/v1/invitations?network_id={id}&status=accepted"), Some(&manager))
            .await
            .expect(200);
        let row = listed["items"].as_array().unwrap().iter().find(|i| i["id"] == iid.as_str()).cloned().unwrap();
        assert_eq!(row["status"], "accepted");
        assert_eq!(row["accepted_user_id"], user_id.as_str());
        assert!(row["accepted_at"].is_string());
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM outbox WHERE topic = 'network.member_joined' AND aggregate_id = '{id}'")).await,
            2,
            "the setup manager and alex joined"
        );
    }
}

dual! {
    async fn unknown_invitation_token(app) {
        app.admin_token().await;
        accept(app, "no-such-token", PASSWORD).await.problem(404, "not-found");
        accept(app, &"x".repeat(300), PASSWORD).await.problem(404, "not-found");
    }
}

dual! {
    async fn weak_password_keeps_invitation_pending(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let (inv, token) = invite(app, &manager, &id, "alex@gmail.com", "member").await;
        let iid = id_of(&inv);
        let users_before = app.count("SELECT COUNT(*) FROM users").await;

        assert_invalid(&accept(app, &token, "short").await, "password");
        assert_invalid(&accept(app, &token, "alex@gmail.com").await, "password");
        let r = app
            .post(&format!("/v1/invitations/{token}/accept"), None, json!({"display_name": "", "password": PASSWORD}))
            .await;
        assert_invalid(&r, "display_name");

        assert_eq!(invitation_status(app, &iid).await, "pending");
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);
        let pending = app
            .get(&format!("/v1/invitations?network_id={id}&status=pending"), Some(&manager))
            .await
            .expect(200);
        assert_eq!(ids(&pending), vec![iid.clone()]);

        let v = accept(app, &token, PASSWORD).await.expect(201);
        assert_eq!(v["network_id"], id.as_str());
        assert_eq!(invitation_status(app, &iid).await, "accepted");
    }
}

dual! {
    async fn existing_account_accepts_with_its_password(app) {
        let admin = app.admin_token().await;
        let a = id_of(&app.create_network(&admin, "alpha", &["nhs.net"]).await);
        let existing = app.member(&a, "sam@nhs.net").await;
        let sam_id = user_id_of(&existing);
        let (_admin, b, manager_b) = managed_network(app, "beta", "chief@nhs.net").await;
        let (inv, token) = invite(app, &manager_b, &b, "Sam@NHS.net", "member").await;
        let iid = id_of(&inv);
        let users_before = app.count("SELECT COUNT(*) FROM users").await;

        accept(app, &token, "not the right password").await.problem(401, "invalid-credentials");
        assert_eq!(invitation_status(app, &iid).await, "pending");
        assert_eq!(my_role(app, &existing, &b).await, None);

        let v = accept(app, &token, PASSWORD).await.expect(201);
        assert_eq!(v["user_id"], sam_id.as_str());
        assert_eq!(v["network_id"], b.as_str());
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before, "no second account");
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'sam@nhs.net'").await, 1);
        assert_eq!(invitation_status(app, &iid).await, "accepted");

        let token = app.login("sam@nhs.net", PASSWORD).await;
        assert_eq!(my_role(app, &token, &a).await.as_deref(), Some("member"));
        assert_eq!(my_role(app, &token, &b).await.as_deref(), Some("member"));
        let listed = app.get("/v1/networks", Some(&token)).await.expect(200);
        let mut seen = ids(&listed);
        seen.sort();
        let mut want = vec![a.clone(), b.clone()];
        want.sort();
        assert_eq!(seen, want);
        // The display name of the existing account is not overwritten.
        let me = app.get("/v1/me", Some(&token)).await.expect(200);
        assert_eq!(me["display_name"], "sam");
    }
}

dual! {
    async fn invitation_raises_existing_member_role(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let ann = app.member(&id, "ann@nhs.net").await;
        let (_inv, token) = invite(app, &manager, &id, "ann@nhs.net", "manager").await;
        accept(app, &token, PASSWORD).await.expect(201);
        assert_eq!(my_role(app, &ann, &id).await.as_deref(), Some("manager"));
        let ann_id = user_id_of(&ann);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM network_members WHERE network_id = '{id}' AND user_id = '{ann_id}'")).await,
            1
        );
    }
}

dual! {
    async fn expired_invitation_cannot_be_accepted(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let (inv, token) = invite(app, &manager, &id, "alex@gmail.com", "member").await;
        let iid = id_of(&inv);

        // SQLite stores sea-orm timestamps as RFC 3339 text
        // (`2026-12-05T05:24:56.018987062+00:00`) and compares them as text;
        // PostgreSQL parses the same literal into its timestamptz.
        app.db
            .execute_unprepared(&format!("UPDATE invitations SET expires_at = '2020-01-01T00:00:00+00:00' WHERE id = '{iid}'"))
            .await
            .unwrap();

        accept(app, &token, PASSWORD).await.problem(409, "invitation-not-pending");
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'alex@gmail.com'").await, 0);

        let expired = app
            .get(&format!("/v1/invitations?network_id={id}&status=expired"), Some(&manager))
            .await
            .expect(200);
        let items = expired["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{expired}");
        assert_eq!(items[0]["id"], iid.as_str());
        assert_eq!(items[0]["status"], "expired");
        assert!(items[0]["expires_at"].as_str().unwrap().starts_with("2020-01-01T00:00:00"), "{expired}");
        let pending = app
            .get(&format!("/v1/invitations?network_id={id}&status=pending"), Some(&manager))
            .await
            .expect(200);
        assert_eq!(pending["items"], json!([]));
        let all = app.get(&format!("/v1/invitations?network_id={id}"), Some(&manager)).await.expect(200);
        let row = all["items"].as_array().unwrap().iter().find(|i| i["id"] == iid.as_str()).cloned().unwrap();
        assert_eq!(row["status"], "expired");
    }
}

dual! {
    async fn invitation_expiry_boundary_is_exact(app) {
        // Same-day timestamps either side of now: on SQLite this exercises
        // the text comparison of the stored format.
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let (gone, gone_token) = invite(app, &manager, &id, "gone@gmail.com", "member").await;
        let (live, live_token) = invite(app, &manager, &id, "live@gmail.com", "member").await;
        let fmt = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        let now = chrono::Utc::now();
        for (inv, at) in [(&gone, now - chrono::Duration::minutes(1)), (&live, now + chrono::Duration::minutes(5))] {
            app.db
                .execute_unprepared(&format!("UPDATE invitations SET expires_at = '{}' WHERE id = '{}'", fmt(at), id_of(inv)))
                .await
                .unwrap();
        }
        let expired = app.get(&format!("/v1/invitations?network_id={id}&status=expired"), Some(&manager)).await.expect(200);
        assert_eq!(ids(&expired), vec![id_of(&gone)]);
        let pending = app.get(&format!("/v1/invitations?network_id={id}&status=pending"), Some(&manager)).await.expect(200);
        assert_eq!(ids(&pending), vec![id_of(&live)]);
        assert_eq!(pending["items"][0]["status"], "pending");
        accept(app, &gone_token, PASSWORD).await.problem(409, "invitation-not-pending");
        accept(app, &live_token, PASSWORD).await.expect(201);
    }
}

dual! {
    async fn disabled_account_cannot_accept_invitation(app) {
        // A disabled account must not be able to (re)join or be promoted via
        // an invitation, just as it cannot log in.
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let dis = app.member(&id, "dis@nhs.net").await;
        let dis_id = user_id_of(&dis);
        app.db.execute_unprepared("UPDATE users SET status = 'disabled' WHERE email = 'dis@nhs.net'").await.unwrap();
        app.post("/v1/auth/login", None, json!({"email": "dis@nhs.net", "password": PASSWORD}))
            .await
            .problem(403, "account-disabled");
        let (inv, token) = invite(app, &manager, &id, "dis@nhs.net", "manager").await;
        let sessions = format!("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = '{dis_id}'");
        let sessions_before = app.count(&sessions).await;

        accept(app, &token, PASSWORD).await.problem(403, "account-disabled");
        assert_eq!(invitation_status(app, &id_of(&inv)).await, "pending");
        let rows = app
            .query(&format!("SELECT role FROM network_members WHERE network_id = '{id}' AND user_id = '{dis_id}'"))
            .await;
        assert_eq!(rows, vec![vec![json!("member")]], "role unchanged");
        assert_eq!(app.count(&sessions).await, sessions_before, "no new session for a disabled account");
    }
}

dual! {
    async fn unverified_account_accepting_invitation_gets_a_working_login(app) {
        // An account that registered but never verified is invited. Either
        // accepting activates it (the invitation token reached that mailbox)
        // and the returned tokens work, or it is refused and the invitation
        // stays usable. A 201 with tokens that are rejected at once, and a
        // consumed invitation, is neither.
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        app.post(
            "/v1/auth/register",
            None,
            json!({"email": "pend@nhs.net", "password": PASSWORD, "display_name": "Pend", "network_id": id}),
        )
        .await
        .expect(202);
        let (inv, token) = invite(app, &manager, &id, "pend@nhs.net", "member").await;
        let r = accept(app, &token, PASSWORD).await;
        if r.status.as_u16() == 201 {
            let access = r.json()["tokens"]["access_token"].as_str().unwrap().to_owned();
            let me = app.get("/v1/me", Some(&access)).await;
            let mv = me.expect(200);
            assert_eq!(mv["status"], "active");
            app.login("pend@nhs.net", PASSWORD).await;
        } else {
            assert!(r.status.is_client_error(), "{}", r.text);
            assert_eq!(r.header("content-type").as_deref(), Some("application/problem+json"));
            assert_eq!(invitation_status(app, &id_of(&inv)).await, "pending");
        }
    }
}

dual! {
    async fn invitation_accept_password_guesses_are_throttled(app) {
        // Accepting for an existing account checks its password, so it must
        // share login's per-email throttle (5 failures in 15 minutes lock the
        // email for 15 minutes). Otherwise a manager, who can invite any email
        // and receives the token, can guess a stranger's password without limit.
        let admin = app.admin_token().await;
        let a = id_of(&app.create_network(&admin, "alpha", &["nhs.net"]).await);
        app.member(&a, "victim@nhs.net").await;
        let (_admin, b, manager_b) = managed_network(app, "beta", "chief@nhs.net").await;
        let (inv, token) = invite(app, &manager_b, &b, "victim@nhs.net", "member").await;
        for i in 0..5 {
            accept(app, &token, &format!("wrong guess number {i}")).await.problem(401, "invalid-credentials");
        }
        // The email is now locked, whichever way the password is tried.
        let r = accept(app, &token, PASSWORD).await;
        r.problem(429, "too-many-attempts");
        assert!(r.header("retry-after").is_some());
        assert_eq!(invitation_status(app, &id_of(&inv)).await, "pending");
        app.post("/v1/auth/login", None, json!({"email": "victim@nhs.net", "password": PASSWORD}))
            .await
            .problem(429, "too-many-attempts");
    }
}

// ---------------------------------------------------------------------------
// 6. Cross-network isolation
// ---------------------------------------------------------------------------

dual! {
    async fn manager_cannot_reach_another_network(app) {
        let (admin, a, manager_a) = managed_network(app, "alpha", "boss@nhs.net").await;
        let b = id_of(&app.create_network(&admin, "beta", &["nhs.uk"]).await);
        let manager_b = app.invited(&admin, &b, "chief@nhs.uk", "manager").await;
        let member_b = app.member(&b, "bea@nhs.uk").await;
        let (inv_b, token_b) = invite(app, &manager_b, &b, "guest@gmail.com", "member").await;

        let list = app.get("/v1/networks", Some(&manager_a)).await.expect(200);
        assert_eq!(ids(&list), vec![a.clone()]);

        let nb = format!("/v1/networks/{b}");
        app.get(&nb, Some(&manager_a)).await.problem(404, "not-found");
        app.patch(&nb, Some(&manager_a), json!({"name": "Hijacked"})).await.problem(404, "not-found");
        patch_if(app, &nb, &manager_a, "\"1\"", json!({"allowed_email_domains": ["evil.com"]})).await.problem(404, "not-found");
        patch_if(app, &nb, &manager_a, "\"9\"", json!({"allowed_email_domains": ["evil.com"]})).await.problem(404, "not-found");
        app.get(&format!("{nb}/members"), Some(&manager_a)).await.problem(404, "not-found");
        app.get(&format!("{nb}/members?role=manager"), Some(&manager_a)).await.problem(404, "not-found");
        for target in [user_id_of(&member_b), user_id_of(&manager_b), user_id_of(&manager_a)] {
            app.patch(&format!("{nb}/members/{target}"), Some(&manager_a), json!({"role": "manager"}))
                .await
                .problem(404, "not-found");
        }
        app.post("/v1/invitations", Some(&manager_a), json!({"network_id": b, "email": "spy@gmail.com", "role": "manager"}))
            .await
            .problem(404, "not-found");
        for q in ["", "&status=pending", "&status=accepted", "&status=expired"] {
            app.get(&format!("/v1/invitations?network_id={b}{q}"), Some(&manager_a)).await.problem(404, "not-found");
        }

        // Network B is untouched.
        let nbv = app.get(&nb, Some(&manager_b)).await.expect(200);
        assert_eq!(nbv["version"], 1);
        assert_eq!(nbv["name"], "Network beta");
        assert_eq!(nbv["allowed_email_domains"], json!(["nhs.uk"]));
        assert_eq!(my_role(app, &member_b, &b).await.as_deref(), Some("member"));
        assert_eq!(my_role(app, &manager_a, &b).await, None);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM invitations WHERE network_id = '{b}'")).await, 2);
        assert!(app.outbox_payload("spy@gmail.com", "invitation.created").await.is_none());
        assert_eq!(invitation_status(app, &id_of(&inv_b)).await, "pending");

        // And the reverse holds too.
        app.get(&format!("/v1/networks/{a}"), Some(&manager_b)).await.problem(404, "not-found");
        app.get(&format!("/v1/invitations?network_id={a}"), Some(&manager_b)).await.problem(404, "not-found");
        // B's invitation is still usable by its invitee.
        accept(app, &token_b, PASSWORD).await.expect(201);
    }
}

dual! {
    async fn unknown_codes_name_the_allowed_values(app) {
        let (_admin, id, manager) = managed_network(app, "alpha", "boss@nhs.net").await;
        let ann = app.member(&id, "ann@nhs.net").await;
        let ann_id = user_id_of(&ann);
        let invitations = app.count("SELECT COUNT(*) FROM invitations").await;

        // Query parameters: the member list's role, the invitation list's status.
        let r = app.get(&format!("/v1/networks/{id}/members?role=owner"), Some(&manager)).await;
        assert_violation(&r, "role", "invalid_value");
        assert_allowed_values(&r, "role", &["member", "manager"]);
        let r = app.get(&format!("/v1/invitations?network_id={id}&status=revoked"), Some(&manager)).await;
        assert_violation(&r, "status", "invalid_value");
        assert_allowed_values(&r, "status", &["pending", "accepted", "expired"]);

        // Bodies: a role change and an invitation's role.
        let r = app.patch(&format!("/v1/networks/{id}/members/{ann_id}"), Some(&manager), json!({"role": "owner"})).await;
        assert_allowed_values(&r, "role", &["member", "manager"]);
        let r = app
            .post("/v1/invitations", Some(&manager), json!({"network_id": id, "email": "x@gmail.com", "role": "admin"}))
            .await;
        assert_allowed_values(&r, "role", &["member", "manager"]);

        // Nothing changed.
        assert_eq!(my_role(app, &ann, &id).await.as_deref(), Some("member"));
        assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, invitations);

        // Known codes are answered as the same codes.
        let (inv, _) = invite(app, &manager, &id, "y@gmail.com", "manager").await;
        assert_eq!(inv["role"], "manager");
        assert_eq!(inv["status"], "pending");
        let listed = app.get(&format!("/v1/invitations?network_id={id}&status=pending"), Some(&manager)).await.expect(200);
        assert!(listed["items"].as_array().unwrap().iter().any(|i| i["id"] == inv["id"] && i["role"] == "manager"));
        let managers = app.get(&format!("/v1/networks/{id}/members?role=manager"), Some(&manager)).await.expect(200);
        assert_eq!(managers["items"][0]["role"], "manager");
        assert_eq!(managers["items"][0]["status"], "active");
    }
}
