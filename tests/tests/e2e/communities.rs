//! Communities of Practice and their Terms of Reference.
use peerhub_persistence::sea_orm::ConnectionTrait;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

fn body(network_id: &str) -> Value {
    json!({
        "network_id": network_id, "name": "Psychological Practitioners",
        "focus": "Professional growth through sharing practice", "audience": "PWP, CYWP, EMHP and MHWP practitioners",
        "kind": "closed", "cadence": {"every": 3, "unit": "months"}, "duration_minutes": 120
    })
}

fn terms(eligibility: Value) -> Value {
    json!({
        "purpose": "Peer learning", "aims": ["Share practice", "Grow skills"], "eligibility": eligibility,
        "meeting_arrangements": "Quarterly on Teams", "chairing_arrangements": "Chair and co-chairs",
        "notes_arrangements": "Secretary drafts, chair approves"
    })
}

/// (admin, manager, member, network id) in a fresh network.
async fn setup(app: &TestApp, slug: &str) -> (String, String, String, String) {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    let nid = net["id"].as_str().unwrap().to_owned();
    let manager = app
        .invited(
            &admin,
            &nid,
            &format!("manager@{slug}.example.org"),
            "manager",
        )
        .await;
    let member = app.member(&nid, &format!("member.{slug}@nhs.net")).await;
    (admin, manager, member, nid)
}

dual! {
    async fn manager_creates_reads_updates_and_archives(app) {
        let (_admin, manager, member, nid) = setup(app, "cop-crud").await;
        let r = app.post("/v1/communities", Some(&manager), body(&nid)).await;
        let c = r.expect(201);
        assert_eq!(c["capacity"], 10, "closed groups default to 10");
        assert_eq!(c["status"], "active");
        assert_eq!(c["member_count"], 0);
        assert_eq!(c["has_approved_terms"], false);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        let id = c["id"].as_str().unwrap();
        assert_eq!(r.header("location"), Some(format!("/v1/communities/{id}")));
        let open = app.post("/v1/communities", Some(&manager), json!({"kind": "open", "name": "Interest group"}).as_object().unwrap().iter().fold(body(&nid), |mut b, (k, v)| { b[k] = v.clone(); b })).await.expect(201);
        assert_eq!(open["capacity"], 20, "open groups default to 20");
        // members read
        let got = app.get(&format!("/v1/communities/{id}"), Some(&member)).await.expect(200);
        assert_eq!(got["name"], "Psychological Practitioners");
        // manager updates with If-Match
        let path = format!("/v1/communities/{id}");
        let r = app.send(app.req(Method::PATCH, &path, Some(&manager)).header("If-Match", "\"1\"").json(&json!({"capacity": 8, "cadence": {"every": 2, "unit": "months"}}))).await;
        let u = r.expect(200);
        assert_eq!(u["capacity"], 8);
        assert_eq!(u["cadence"]["every"], 2);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        app.send(app.req(Method::PATCH, &path, Some(&manager)).header("If-Match", "\"1\"").json(&json!({"capacity": 9}))).await.problem(412, "stale-version");
        // archive, idempotently; no further changes
        let a = app.post(&format!("{path}/archive"), Some(&manager), json!({})).await.expect(200);
        assert_eq!(a["status"], "archived");
        assert!(a["archived_at"].is_string());
        app.post(&format!("{path}/archive"), Some(&manager), json!({})).await.expect(200);
        app.patch(&path, Some(&manager), json!({"capacity": 9})).await.problem(409, "community-archived");
        // audit and outbox
        let rows = app.query(&format!("SELECT action FROM audit_events WHERE entity_id = '{id}' ORDER BY id")).await;
        let actions: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["community.created", "community.updated", "community.archived"]);
        let ev = app.query(&format!("SELECT topic FROM outbox WHERE aggregate_id = '{id}' ORDER BY id")).await;
        assert_eq!(ev.len(), 3);
    }
}

dual! {
    async fn create_validation_names_fields(app) {
        let (_admin, manager, _member, nid) = setup(app, "cop-valid").await;
        let cases: Vec<(Value, &str)> = vec![
            (json!({"capacity": 0}), "capacity"),
            (json!({"capacity": 501}), "capacity"),
            (json!({"capacity": -3}), "capacity"),
            (json!({"cadence": {"every": 0, "unit": "months"}}), "cadence.every"),
            (json!({"cadence": {"every": 13, "unit": "months"}}), "cadence.every"),
            (json!({"cadence": {"every": 1, "unit": "years"}}), "cadence.unit"),
            (json!({"duration_minutes": 0}), "duration_minutes"),
            (json!({"duration_minutes": 721}), "duration_minutes"),
            (json!({"kind": "secret"}), "kind"),
            (json!({"delivery_mode": "carrier pigeon"}), "delivery_mode"),
            (json!({"organised_around": "vibes"}), "organised_around"),
            (json!({"name": " "}), "name"),
            (json!({"name": "x".repeat(201)}), "name"),
            (json!({"status": "archived"}), "status"),
            (json!({"network_id": "nope"}), "network_id"),
            (json!({"colour": "red"}), "colour"),
        ];
        for (patch, field) in cases {
            let mut b = body(&nid);
            for (k, v) in patch.as_object().unwrap() {
                b[k] = v.clone();
            }
            let p = app.post("/v1/communities", Some(&manager), b).await.problem(422, "validation-failed");
            assert!(fields(&p).contains(&field.to_owned()), "{field}: {p}");
        }
        let mut b = body(&nid);
        b.as_object_mut().unwrap().remove("cadence");
        let p = app.post("/v1/communities", Some(&manager), b).await.problem(422, "validation-failed");
        assert_eq!(fields(&p), vec!["cadence"]);
        assert_eq!(app.query("SELECT COUNT(*) FROM communities").await[0][0], 0);
    }
}

dual! {
    async fn roles_and_networks_decide_access(app) {
        let (admin, manager, member, nid) = setup(app, "cop-roles").await;
        // a member cannot create or change
        app.post("/v1/communities", Some(&member), body(&nid)).await.problem(403, "forbidden");
        let c = app.post("/v1/communities", Some(&manager), body(&nid)).await.expect(201);
        let id = c["id"].as_str().unwrap();
        app.patch(&format!("/v1/communities/{id}"), Some(&member), json!({"capacity": 5})).await.problem(403, "forbidden");
        app.post(&format!("/v1/communities/{id}/archive"), Some(&member), json!({})).await.problem(403, "forbidden");
        // another network's people see nothing
        let other = app.create_network(&admin, "cop-other", &["nhs.uk"]).await;
        let outsider = app.invited(&admin, other["id"].as_str().unwrap(), "boss@other.example.org", "manager").await;
        app.get(&format!("/v1/communities/{id}"), Some(&outsider)).await.problem(404, "not-found");
        app.patch(&format!("/v1/communities/{id}"), Some(&outsider), json!({"capacity": 5})).await.problem(404, "not-found");
        app.post("/v1/communities", Some(&outsider), body(&nid)).await.problem(404, "not-found");
        app.get(&format!("/v1/communities/{id}/terms/versions"), Some(&outsider)).await.problem(404, "not-found");
        let listed = app.get("/v1/communities", Some(&outsider)).await.expect(200);
        assert_eq!(listed["items"].as_array().unwrap().len(), 0);
        // API tokens are not accepted here
        let t = app.post("/v1/api-tokens", Some(&manager), json!({"name": "t", "scopes": ["memberships:read"], "current_password": PASSWORD})).await.expect(201);
        let secret = t["secret"].as_str().unwrap();
        app.get(&format!("/v1/communities/{id}"), Some(secret)).await.problem(403, "insufficient-scope");
        app.get("/v1/communities", Some(secret)).await.problem(403, "insufficient-scope");
        // not found and malformed ids
        app.get("/v1/communities/0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e", Some(&manager)).await.problem(404, "not-found");
        app.get("/v1/communities/nope", Some(&manager)).await.problem(400, "invalid-parameter");
    }
}

dual! {
    async fn list_filters_and_paginates(app) {
        let (_admin, manager, member, nid) = setup(app, "cop-list").await;
        for (name, focus) in [("Alpha Practitioners", "practice"), ("Beta Leaders", "Leadership in CAMHS"), ("Gamma", "students")] {
            let mut b = body(&nid);
            b["name"] = json!(name);
            b["focus"] = json!(focus);
            app.post("/v1/communities", Some(&manager), b).await.expect(201);
        }
        let mut b = body(&nid);
        b["status"] = json!("proposed");
        b["name"] = json!("Delta");
        let proposed = app.post("/v1/communities", Some(&manager), b).await.expect(201);
        assert_eq!(proposed["status"], "proposed");
        let all = app.get("/v1/communities?limit=2", Some(&member)).await;
        let v = all.expect(200);
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert!(all.header("link").unwrap().contains("rel=\"next\""));
        let rest = app.get(&format!("/v1/communities?limit=2&cursor={}", v["next_cursor"].as_str().unwrap()), Some(&member)).await.expect(200);
        assert_eq!(rest["items"].as_array().unwrap().len(), 2);
        assert_eq!(rest["next_cursor"], Value::Null);
        let q = app.get("/v1/communities?q=camhs", Some(&member)).await.expect(200);
        assert_eq!(q["items"][0]["name"], "Beta Leaders");
        assert_eq!(q["items"].as_array().unwrap().len(), 1);
        let q = app.get("/v1/communities?q=PRACTITIONERS", Some(&member)).await.expect(200);
        assert_eq!(q["items"].as_array().unwrap().len(), 1);
        let p = app.get("/v1/communities?status=proposed", Some(&member)).await.expect(200);
        assert_eq!(p["items"].as_array().unwrap().len(), 1);
        let n = app.get(&format!("/v1/communities?network_id={nid}&status=active"), Some(&member)).await.expect(200);
        assert_eq!(n["items"].as_array().unwrap().len(), 3);
        app.get("/v1/communities?status=gone", Some(&member)).await.problem(422, "validation-failed");
        app.get("/v1/communities?network_id=x", Some(&member)).await.problem(422, "validation-failed");
        // proposed → active by PATCH; other transitions refused
        let pid = proposed["id"].as_str().unwrap();
        let a = app.patch(&format!("/v1/communities/{pid}"), Some(&manager), json!({"status": "active"})).await.expect(200);
        assert_eq!(a["status"], "active");
        app.patch(&format!("/v1/communities/{pid}"), Some(&manager), json!({"status": "proposed"})).await.problem(422, "validation-failed");
    }
}

dual! {
    async fn terms_are_versioned_and_approved_by_managers(app) {
        let (_admin, manager, member, nid) = setup(app, "cop-terms").await;
        let c = app.post("/v1/communities", Some(&manager), body(&nid)).await.expect(201);
        let id = c["id"].as_str().unwrap();
        app.get(&format!("/v1/communities/{id}/terms"), Some(&member)).await.problem(404, "not-found");
        // Profession and level codes are closed sets, spelt exactly.
        let p = app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({"professions": ["pwp"]}))).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "eligibility.professions[0]");
        let rules = json!({"professions": ["PWP", "CYWP", "PWP"], "levels": ["senior"], "regions": ["West Midlands"], "allow_out_of_region": true});
        let d1 = app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(rules)).await.expect(201);
        assert_eq!(d1["version"], 1);
        assert_eq!(d1["status"], "draft");
        assert_eq!(d1["eligibility"]["professions"], json!(["PWP", "CYWP"]));
        assert_eq!(d1["eligibility"]["levels"], json!(["senior"]));
        // a member cannot draft or approve; drafts are hidden from members
        app.post(&format!("/v1/communities/{id}/terms"), Some(&member), terms(json!({}))).await.problem(403, "forbidden");
        app.post(&format!("/v1/communities/{id}/terms/1/approve"), Some(&member), json!({})).await.problem(403, "forbidden");
        let seen = app.get(&format!("/v1/communities/{id}/terms/versions"), Some(&member)).await.expect(200);
        assert_eq!(seen["items"].as_array().unwrap().len(), 0);
        let approved = app.post(&format!("/v1/communities/{id}/terms/1/approve"), Some(&manager), json!({})).await.expect(200);
        assert_eq!(approved["status"], "approved");
        assert!(approved["approved_at"].is_string());
        assert_eq!(approved["approved_by"], user_id_of(&manager));
        let due = chrono::NaiveDate::parse_from_str(approved["review_due"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let today = chrono::Utc::now().date_naive();
        assert_eq!(due, today.checked_add_months(chrono::Months::new(12)).unwrap());
        app.post(&format!("/v1/communities/{id}/terms/1/approve"), Some(&manager), json!({})).await.problem(409, "terms-not-draft");
        // version 2 supersedes version 1; history is kept
        app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({"professions": ["CAP"]}))).await.expect(201);
        let cur = app.get(&format!("/v1/communities/{id}/terms"), Some(&member)).await.expect(200);
        assert_eq!(cur["version"], 1, "a draft does not replace the current version");
        app.post(&format!("/v1/communities/{id}/terms/2/approve"), Some(&manager), json!({})).await.expect(200);
        let cur = app.get(&format!("/v1/communities/{id}/terms"), Some(&member)).await.expect(200);
        assert_eq!(cur["version"], 2);
        let all = app.get(&format!("/v1/communities/{id}/terms/versions"), Some(&manager)).await.expect(200);
        let statuses: Vec<&str> = all["items"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["superseded", "approved"]);
        let c = app.get(&format!("/v1/communities/{id}"), Some(&member)).await.expect(200);
        assert_eq!(c["has_approved_terms"], true);
        // an older draft cannot be approved over a newer approved version
        app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({}))).await.expect(201);
        app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({}))).await.expect(201);
        app.post(&format!("/v1/communities/{id}/terms/4/approve"), Some(&manager), json!({})).await.expect(200);
        app.post(&format!("/v1/communities/{id}/terms/3/approve"), Some(&manager), json!({})).await.problem(409, "terms-outdated");
        // unknown version, bad version
        app.post(&format!("/v1/communities/{id}/terms/99/approve"), Some(&manager), json!({})).await.problem(404, "not-found");
        app.post(&format!("/v1/communities/{id}/terms/zero/approve"), Some(&manager), json!({})).await.problem(400, "invalid-parameter");
        let audit = app.query(&format!("SELECT COUNT(*) FROM audit_events WHERE entity_id = '{id}' AND action = 'terms.approved'")).await;
        assert_eq!(audit[0][0], 3);
    }
}

dual! {
    async fn terms_validation(app) {
        let (_admin, manager, _member, nid) = setup(app, "cop-tv").await;
        let c = app.post("/v1/communities", Some(&manager), body(&nid)).await.expect(201);
        let id = c["id"].as_str().unwrap();
        let p = app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({"professions": ["PWP", "WIZARD"]}))).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "eligibility.professions[1]");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("PWP"), "{p}");
        let p = app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({"levels": ["guru"]}))).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "eligibility.levels[0]");
        let p = app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({"shoe_size": [9]}))).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "eligibility.shoe_size");
        let mut t = terms(json!({}));
        t["purpose"] = json!("");
        t["max_secretaries"] = json!(9);
        let p = app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), t).await.problem(422, "validation-failed");
        assert_eq!(fields(&p), vec!["purpose", "max_secretaries"]);
        assert_eq!(app.query("SELECT COUNT(*) FROM terms_versions").await[0][0], 0);
        // archived communities keep their terms as they are
        app.post(&format!("/v1/communities/{id}/archive"), Some(&manager), json!({})).await.expect(200);
        app.post(&format!("/v1/communities/{id}/terms"), Some(&manager), terms(json!({}))).await.problem(409, "community-archived");
    }
}

dual! {
    async fn the_core_team_drafts_terms_but_only_managers_approve(app) {
        let (_admin, manager, member, nid) = setup(app, "cop-core").await;
        let c = app.community(&manager, &nid, "closed", 10, json!({})).await;
        let id = c["id"].as_str().unwrap();
        // the member joins and is made secretary
        let a = app.post(&format!("/v1/communities/{id}/applications"), Some(&member), json!({})).await.expect(201);
        app.post(&format!("/v1/applications/{}/decision", a["id"].as_str().unwrap()), Some(&manager), json!({"decision": "approve"})).await.expect(200);
        let uid = user_id_of(&member);
        app.post(&format!("/v1/communities/{id}/terms"), Some(&member), terms(json!({}))).await.problem(403, "forbidden");
        app.patch(&format!("/v1/communities/{id}/members/{uid}"), Some(&manager), json!({"role": "secretary"})).await.expect(200);
        // now core: drafts, sees drafts and applications, but cannot approve or change settings
        let d = app.post(&format!("/v1/communities/{id}/terms"), Some(&member), terms(json!({"professions": ["PWP"]}))).await.expect(201);
        assert_eq!(d["drafted_by"], uid);
        let v = app.get(&format!("/v1/communities/{id}/terms/versions"), Some(&member)).await.expect(200);
        assert!(v["items"].as_array().unwrap().iter().any(|t| t["status"] == "draft"));
        app.get(&format!("/v1/communities/{id}/applications"), Some(&member)).await.expect(200);
        app.post(&format!("/v1/communities/{id}/terms/{}/approve", d["version"]), Some(&member), json!({})).await.problem(403, "forbidden");
        app.patch(&format!("/v1/communities/{id}"), Some(&member), json!({"capacity": 11})).await.problem(403, "forbidden");
    }
}

dual! {
    async fn closed_sets_name_their_allowed_values(app) {
        let (_admin, manager, member, nid) = setup(app, "cop-enums").await;
        // A query value outside the set: 422 naming the allowed values.
        let p = app.get("/v1/communities?status=gone", Some(&member)).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "status");
        assert_eq!(p["errors"][0]["code"], "invalid_value");
        assert_eq!(p["errors"][0]["message"], "must be one of proposed, active, archived");
        // A body value outside the set: 422 naming them too.
        let mut b = body(&nid);
        b["kind"] = json!("secret");
        let p = app.post("/v1/communities", Some(&manager), b).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "kind");
        let m = p["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("closed") && m.contains("open"), "{m}");
        let mut b = body(&nid);
        b["cadence"]["unit"] = json!("years");
        let p = app.post("/v1/communities", Some(&manager), b).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "cadence.unit");
        let m = p["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("weeks") && m.contains("months"), "{m}");
        let mut b = body(&nid);
        b["delivery_mode"] = json!("carrier pigeon");
        let p = app.post("/v1/communities", Some(&manager), b).await.problem(422, "validation-failed");
        let m = p["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("in_person") && m.contains("online") && m.contains("hybrid"), "{m}");
        // In the set but refused by a rule.
        let mut b = body(&nid);
        b["status"] = json!("archived");
        let p = app.post("/v1/communities", Some(&manager), b).await.problem(422, "validation-failed");
        assert_eq!(p["errors"][0]["field"], "status");
        assert_eq!(p["errors"][0]["message"], "must be proposed or active");
        assert_eq!(app.query("SELECT COUNT(*) FROM communities").await[0][0], 0);

        // Answers carry the codes.
        let c = app.post("/v1/communities", Some(&manager), body(&nid)).await.expect(201);
        assert_eq!(c["kind"], "closed");
        assert_eq!(c["organised_around"], "field_of_practice");
        assert_eq!(c["delivery_mode"], "online");
        assert_eq!(c["cadence"]["unit"], "months");
        assert_eq!(c["status"], "active");
        let id = c["id"].as_str().unwrap().to_owned();
        // A stored value the code does not know is an error, never a default.
        app.db
            .execute_unprepared(&format!("UPDATE communities SET delivery_mode = 'carrier_pigeon' WHERE id = '{id}'"))
            .await
            .unwrap();
        app.get(&format!("/v1/communities/{id}"), Some(&member)).await.problem(500, "internal-error");
        app.get("/v1/communities", Some(&member)).await.problem(500, "internal-error");
    }
}
