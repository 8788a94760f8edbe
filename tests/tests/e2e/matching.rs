//! Matching programmes end to end: settings and their validation,
//! supporters, requests, runs (dry and real) with their reasons, manual
//! pairs against the hard constraints, and the consent lifecycle.
use peerhub_tests::matching_world::*;
use peerhub_tests::world::Person;
use peerhub_tests::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

async fn person(app: &TestApp, network_id: &str, email: &str, profile: Value) -> Person {
    let token = app.member(network_id, email).await;
    if profile != json!({}) {
        app.patch("/v1/me", Some(&token), profile).await.expect(200);
    }
    Person {
        id: user_id_of(&token),
        token,
    }
}

async fn request(app: &TestApp, programme_id: &str, who: &Person, body: Value) -> String {
    let r = app
        .post(
            &format!("/v1/programmes/{programme_id}/requests"),
            Some(&who.token),
            body,
        )
        .await;
    r.expect(201)["id"].as_str().unwrap().to_owned()
}

async fn mutual_programme(app: &TestApp, w: &MatchWorld, constraints: Value) -> String {
    app.post(
        &format!("/v1/networks/{}/programmes", w.network_id),
        Some(&w.manager.token),
        json!({"name": "Peer exchange", "kind": "mutual", "constraints": constraints, "safeguarding_lead_id": w.lead.id}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn field_of(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn code_of(problem: &Value) -> String {
    problem["errors"][0]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

// ---------------------------------------------------------------------------
// Programmes
// ---------------------------------------------------------------------------

dual!(
    async fn programme_settings_are_validated_and_merged(app) {
        let w = match_world_proposed(app, "prog").await;
        let p = app
            .get(&w.programme_path(""), Some(&w.peer.token))
            .await
            .expect(200);
        assert_eq!(p["kind"], "supporter");
        assert_eq!(p["weights"]["profession"], 30);
        assert_eq!(p["max_score"], 100);
        assert_eq!(p["proposal_days"], 14);
        assert_eq!(p["constraints"]["exclude_same_team"], false);
        let path = format!("/v1/networks/{}/programmes", w.network_id);
        let base = json!({"name": "X", "kind": "mutual", "safeguarding_lead_id": w.lead.id});
        let mut bad = base.clone();
        bad["weights"] = json!({"level": 101});
        let e = app.post(&path, Some(&w.manager.token), bad).await.problem(422, "validation-failed");
        assert_eq!(field_of(&e), "weights.level");
        assert_eq!(code_of(&e), "out_of_range");
        let mut bad = base.clone();
        bad["weights"] = json!({"profession": 0, "specialties": 0, "level": 0, "region": 0, "interests": 0, "preferences": 0});
        let e = app.post(&path, Some(&w.manager.token), bad).await.problem(422, "validation-failed");
        assert_eq!(code_of(&e), "all_zero");
        let mut bad = base.clone();
        bad["constraints"] = json!({"min_score": 150});
        let e = app.post(&path, Some(&w.manager.token), bad).await.problem(422, "validation-failed");
        assert_eq!(field_of(&e), "constraints.min_score");
        assert_eq!(code_of(&e), "unreachable");
        let mut bad = base.clone();
        bad["safeguarding_lead_id"] = json!(w.peer.id);
        let e = app.post(&path, Some(&w.manager.token), bad).await.problem(422, "validation-failed");
        assert_eq!(code_of(&e), "not_manager");
        let mut bad = base.clone();
        bad["kind"] = json!("group");
        let r = app.post(&path, Some(&w.manager.token), bad).await;
        assert_eq!(field_of(&r.problem(422, "validation-failed")), "kind");
        assert_allowed_values(&r, "kind", &["mutual", "supporter"]);
        let mut bad = base.clone();
        bad["proposal_days"] = json!(0);
        let e = app.post(&path, Some(&w.manager.token), bad).await.problem(422, "validation-failed");
        assert_eq!(field_of(&e), "proposal_days");
        let mut bad = base.clone();
        bad["weights"] = json!({"charm": 5});
        app.post(&path, Some(&w.manager.token), bad).await.expect(422);
        // Nothing half-written: still one programme.
        let list = app.get(&path, Some(&w.member.token)).await.expect(200);
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        // Roles.
        app.post(&path, Some(&w.member.token), base.clone()).await.problem(403, "forbidden");
        app.post(&path, Some(&w.stranger.token), base.clone()).await.expect(404);
        app.get(&w.programme_path(""), Some(&w.stranger.token)).await.expect(404);
        app.get("/v1/programmes/0193a6f2-0000-7000-8000-000000000000", Some(&w.manager.token)).await.expect(404);
        // PATCH merges weights and constraints field by field.
        let r = app
            .req(reqwest::Method::PATCH, &w.programme_path(""), Some(&w.manager.token))
            .header("If-Match", "\"1\"")
            .json(&json!({"weights": {"level": 40}, "constraints": {"exclude_same_team": true}}));
        let p = app.send(r).await.expect(200);
        assert_eq!(p["weights"]["level"], 40);
        assert_eq!(p["weights"]["profession"], 30);
        assert_eq!(p["constraints"]["exclude_same_team"], true);
        assert_eq!(p["max_score"], 125);
        assert_eq!(p["version"], 2);
        let r = app
            .req(reqwest::Method::PATCH, &w.programme_path(""), Some(&w.manager.token))
            .header("If-Match", "\"1\"")
            .json(&json!({"name": "Late"}));
        app.send(r).await.expect(412);
        app.patch(&w.programme_path(""), Some(&w.member.token), json!({"name": "Mine"}))
            .await
            .problem(403, "forbidden");
    }
);

// ---------------------------------------------------------------------------
// Supporters
// ---------------------------------------------------------------------------

dual!(
    async fn supporters_need_training_and_supervision_to_be_matchable(app) {
        let w = match_world_proposed(app, "sup").await;
        let path = w.programme_path("/supporters");
        let s = app
            .post(&path, Some(&w.manager.token), json!({"user_id": w.member.id, "capacity": 2}))
            .await
            .expect(201);
        assert_eq!(s["matchable"], false);
        assert_eq!(s["unmatchable_reasons"], json!(["no_training_date", "no_supervisor"]));
        let sid = s["id"].as_str().unwrap().to_owned();
        // Bad input, each precise; nothing written.
        for (body, field, code) in [
            (json!({"user_id": w.supervisor.id, "capacity": 0}), "capacity", "out_of_range"),
            (json!({"user_id": w.supervisor.id, "capacity": 21}), "capacity", "out_of_range"),
            (json!({"user_id": w.supervisor.id, "capacity": 1, "trained_on": "2999-01-01"}), "trained_on", "in_future"),
            (json!({"user_id": w.supervisor.id, "capacity": 1, "supervisor_id": w.supervisor.id}), "supervisor_id", "self"),
            (json!({"user_id": w.stranger.id, "capacity": 1}), "user_id", "not_member"),
            (json!({"user_id": "nope", "capacity": 1}), "user_id", "invalid_uuid"),
        ] {
            let e = app.post(&path, Some(&w.manager.token), body).await.problem(422, "validation-failed");
            assert_eq!((field_of(&e), code_of(&e)), (field.to_owned(), code.to_owned()));
        }
        app.post(&path, Some(&w.manager.token), json!({"user_id": w.member.id, "capacity": 1}))
            .await
            .problem(409, "already-supporter");
        app.post(&path, Some(&w.member.token), json!({"user_id": w.member.id, "capacity": 1}))
            .await
            .problem(403, "forbidden");
        // An unmatchable supporter cannot be paired by hand.
        let peer2 = person(app, &w.network_id, "peer2.sup@nhs.net", json!({})).await;
        let rid = request(app, &w.programme_id, &peer2, json!({})).await;
        let e = app
            .post(&w.programme_path("/matches"), Some(&w.manager.token), json!({"request_id": rid, "supporter_id": sid}))
            .await
            .problem(422, "validation-failed");
        assert_eq!(code_of(&e), "supporter_not_matchable");
        // Recording training and a supervisor makes them matchable.
        let s = app
            .patch(&format!("/v1/supporters/{sid}"), Some(&w.manager.token), json!({"trained_on": "2026-02-01", "supervisor_id": w.supervisor.id}))
            .await
            .expect(200);
        assert_eq!(s["matchable"], true);
        assert_eq!(s["free_places"], 2);
        let list = app.get(&path, Some(&w.manager.token)).await.expect(200);
        assert_eq!(list["items"].as_array().unwrap().len(), 2);
        let fixture = &list["items"][0];
        assert_eq!(fixture["open_matches"], 1);
        assert_eq!(fixture["free_places"], 1);
        app.get(&path, Some(&w.member.token)).await.problem(403, "forbidden");
        // The status is one of a closed set; paused supporters are not matchable.
        let supporter = format!("/v1/supporters/{sid}");
        let r = app.patch(&supporter, Some(&w.manager.token), json!({"status": "retired"})).await;
        assert_allowed_values(&r, "status", &["active", "paused"]);
        let s = app.patch(&supporter, Some(&w.manager.token), json!({"status": "paused"})).await.expect(200);
        assert_eq!(s["status"], "paused");
        assert_eq!(s["matchable"], false);
        assert_eq!(s["unmatchable_reasons"], json!(["paused"]));
        // Supporters belong to supporter programmes only.
        let mutual = mutual_programme(app, &w, json!({})).await;
        app.post(&format!("/v1/programmes/{mutual}/supporters"), Some(&w.manager.token), json!({"user_id": w.member.id, "capacity": 1, "trained_on": "2026-01-01", "supervisor_id": w.supervisor.id}))
            .await
            .problem(409, "not-a-supporter-programme");
    }
);

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

dual!(
    async fn one_open_request_per_person_and_sensitive_preferences_stay_private(app) {
        let w = match_world_proposed(app, "req").await;
        let path = w.programme_path("/requests");
        let body = json!({"preferences": {"areas": ["burnout"], "mode": "online", "sensitive": {"ethnicity": "Black British"}}, "availability": "Evenings"});
        let r = app.post(&path, Some(&w.member.token), body.clone()).await.expect(201);
        assert_eq!(r["status"], "waiting");
        assert_eq!(r["preferences"]["sensitive"]["ethnicity"], "Black British");
        let rid = r["id"].as_str().unwrap().to_owned();
        app.post(&path, Some(&w.member.token), body.clone())
            .await
            .problem(409, "already-requested");
        // The manager sees every request, without sensitive preferences.
        let all = app.get(&path, Some(&w.manager.token)).await.expect(200);
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        let mine = all["items"].as_array().unwrap().iter().find(|x| x["id"] == rid.as_str()).unwrap();
        assert_eq!(mine["preferences"]["sensitive"], json!({}));
        assert_eq!(mine["preferences"]["areas"], json!(["burnout"]));
        // Members see only their own.
        let own = app.get(&path, Some(&w.member.token)).await.expect(200);
        assert_eq!(ids(&own), vec![rid.clone()]);
        let got = app.get(&format!("/v1/match-requests/{rid}"), Some(&w.member.token)).await.expect(200);
        assert_eq!(got["preferences"]["sensitive"]["ethnicity"], "Black British");
        app.get(&format!("/v1/match-requests/{rid}"), Some(&w.peer.token)).await.expect(404);
        // Validation.
        for (b, field) in [
            (json!({"preferences": {"sensitive": {"star_sign": "Leo"}}}), "preferences.sensitive"),
            (json!({"preferences": {"profession": "WIZARD"}}), "preferences.profession"),
            (json!({"preferences": {"mode": "carrier_pigeon"}}), "preferences.mode"),
            (json!({"availability": "x".repeat(1001)}), "availability"),
        ] {
            let e = app.post(&path, Some(&w.supervisor.token), b).await.problem(422, "validation-failed");
            assert_eq!(field_of(&e), field);
        }
        let r = app.post(&path, Some(&w.supervisor.token), json!({"preferences": {"sensitive": {"star_sign": "Leo"}}})).await;
        let attributes = ["gender", "ethnicity", "age_band", "sexual_orientation", "disability", "religion_or_belief", "culture"];
        assert_allowed_values(&r, "preferences.sensitive", &attributes);
        app.post(&path, Some(&w.stranger.token), json!({})).await.expect(404);
        // Someone with no request lists none of the others'; once they ask,
        // exactly their own.
        let none = app.get(&path, Some(&w.supervisor.token)).await.expect(200);
        assert_eq!(ids(&none), Vec::<String>::new());
        let sup_rid = request(app, &w.programme_id, &w.supervisor, json!({})).await;
        let theirs = app.get(&path, Some(&w.supervisor.token)).await.expect(200);
        assert_eq!(ids(&theirs), vec![sup_rid]);
        // Withdraw: others cannot, the owner can, once; then ask again.
        app.delete(&format!("/v1/match-requests/{rid}"), Some(&w.peer.token)).await.expect(404);
        app.delete(&format!("/v1/match-requests/{rid}"), Some(&w.member.token)).await.expect(204);
        app.delete(&format!("/v1/match-requests/{rid}"), Some(&w.member.token))
            .await
            .problem(409, "request-closed");
        app.post(&path, Some(&w.member.token), body).await.expect(201);
        let f = app.get(&format!("{path}?status=withdrawn"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(f["items"].as_array().unwrap().len(), 1);
        let r = app.get(&format!("{path}?status=lost"), Some(&w.manager.token)).await;
        assert_allowed_values(&r, "status", &["waiting", "matched", "closed", "withdrawn"]);
        let r = app.post(&path, Some(&w.supervisor.token), json!({"preferences": {"mode": "carrier_pigeon"}})).await;
        assert_allowed_values(&r, "preferences.mode", &["in_person", "online", "either"]);
        // Withdrawing a request in a pending proposal declines it.
        app.delete(&format!("/v1/match-requests/{}", w.peer_request_id), Some(&w.peer.token)).await.expect(204);
        let m = app.get(&w.match_path(""), Some(&w.supporter.token)).await.expect(200);
        assert_eq!(m["status"], "declined");
        assert_eq!(m["declined_by"], w.peer.id.as_str());
    }
);

// ---------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------

dual!(
    async fn a_dry_run_explains_and_changes_nothing_and_a_run_proposes(app) {
        let w = match_world_proposed(app, "run").await;
        // Decline the fixture's proposal so its request waits again.
        app.post(&w.match_path("/decline"), Some(&w.peer.token), json!({})).await.expect(200);
        let pwp = json!({"profession": "PWP", "level": "qualified", "region": "West Midlands", "specialties": ["long term conditions", "anxiety"]});
        app.patch("/v1/me", Some(&w.supporter.token), json!({"profession": "PWP", "level": "senior", "region": "West Midlands", "specialties": ["long term conditions", "anxiety"]})).await.expect(200);
        let a = person(app, &w.network_id, "a.run@nhs.net", pwp.clone()).await;
        let b = person(app, &w.network_id, "b.run@nhs.net", json!({"profession": "CAP", "level": "trainee"})).await;
        request(app, &w.programme_id, &a, json!({"preferences": {"areas": ["anxiety"]}})).await;
        request(app, &w.programme_id, &b, json!({})).await;
        // A second, unmatchable supporter.
        app.post(&w.programme_path("/supporters"), Some(&w.manager.token), json!({"user_id": w.member.id, "capacity": 1}))
            .await
            .expect(201);
        let path = w.programme_path("/matching-runs");
        let run = app.post(&path, Some(&w.manager.token), json!({"dry_run": true})).await.expect(201);
        assert_eq!(run["dry_run"], true);
        assert_eq!(run["requests"], 3);
        assert_eq!(run["supporters"], 1);
        assert_eq!(run["pairs"], 2);
        assert!(run["duration_ms"].as_f64().unwrap() >= 0.0);
        let res = &run["result"];
        let pairs = res["pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 2);
        let best = pairs.iter().find(|p| p["a"]["user_id"] == a.id.as_str()).unwrap();
        assert_eq!(best["b"]["kind"], "supporter");
        assert_eq!(best["match_id"], Value::Null);
        let points: i64 = best["reasons"].as_array().unwrap().iter().map(|r| r["points"].as_i64().unwrap()).sum();
        assert_eq!(points, best["score"].as_i64().unwrap());
        assert!(best["reasons"].as_array().unwrap().iter().any(|r| r["feature"] == "profession"));
        let total: i64 = pairs.iter().map(|p| p["score"].as_i64().unwrap()).sum();
        assert_eq!(run["total_score"].as_i64().unwrap(), total);
        assert_eq!(res["unmatched"].as_array().unwrap().len(), 1);
        assert_eq!(res["unmatched"][0]["user_id"], w.peer.id.as_str());
        assert_eq!(res["unmatched"][0]["reason"], "no candidate above the minimum score (0)");
        assert_eq!(res["unmatched"][0]["code"], "below_minimum_score");
        assert_eq!(res["unmatchable_supporters"][0]["user_id"], w.member.id.as_str());
        assert_eq!(res["unmatchable_supporters"][0]["reason"], "not matchable: no training date, no supervisor");
        assert_eq!(res["unmatchable_supporters"][0]["unmatchable_reasons"], json!(["no_training_date", "no_supervisor"]));
        // Nothing changed.
        let waiting = app.get(&w.programme_path("/requests?status=waiting"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(waiting["items"].as_array().unwrap().len(), 3);
        // Stored, readable again, listed without the result.
        let id = run["id"].as_str().unwrap();
        let again = app.get(&format!("/v1/matching-runs/{id}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(again["result"], run["result"]);
        let list = app.get(&path, Some(&w.manager.token)).await.expect(200);
        assert_eq!(list["items"][0]["id"], id);
        assert!(list["items"][0].get("result").is_none());
        app.get(&format!("/v1/matching-runs/{id}"), Some(&w.peer.token)).await.problem(403, "forbidden");
        app.post(&path, Some(&w.peer.token), json!({"dry_run": true})).await.problem(403, "forbidden");
        app.post(&path, Some(&w.stranger.token), json!({"dry_run": true})).await.expect(404);
        // A real run proposes the same pairs.
        let real = app.post(&path, Some(&w.manager.token), json!({})).await.expect(201);
        assert_eq!(real["total_score"], run["total_score"]);
        let made = real["result"]["pairs"].as_array().unwrap();
        assert!(made.iter().all(|p| p["match_id"].is_string()));
        let mid = made.iter().find(|p| p["a"]["user_id"] == a.id.as_str()).unwrap()["match_id"].as_str().unwrap().to_owned();
        let m = app.get(&format!("/v1/matches/{mid}"), Some(&a.token)).await.expect(200);
        assert_eq!(m["status"], "proposed");
        assert_eq!(m["run_id"], real["id"]);
        assert!(app.outbox_payload("a.run@nhs.net", "match.proposed").await.is_some());
        let waiting = app.get(&w.programme_path("/requests?status=waiting"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(waiting["items"].as_array().unwrap().len(), 1);
        // Mine: a sees the new match.
        let mine = app.get("/v1/matches?mine=true", Some(&a.token)).await.expect(200);
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        let all = app.get(&format!("/v1/matches?programme_id={}", w.programme_id), Some(&w.manager.token)).await.expect(200);
        assert_eq!(all["items"].as_array().unwrap().len(), 3);
        let prop = app.get(&format!("/v1/matches?programme_id={}&status=proposed", w.programme_id), Some(&w.manager.token)).await.expect(200);
        assert_eq!(prop["items"].as_array().unwrap().len(), 2);
    }
);

dual!(
    async fn mutual_runs_respect_hard_constraints_and_say_why(app) {
        let w = match_world_proposed(app, "mut").await;
        let pid = mutual_programme(app, &w, json!({"exclude_same_team": true, "exclude_previous_pairs": true})).await;
        let prof = |team: &str| json!({"profession": "PWP", "level": "qualified", "team": team});
        let a = person(app, &w.network_id, "a.mut@nhs.net", prof("North")).await;
        let b = person(app, &w.network_id, "b.mut@nhs.net", prof("North")).await;
        let c = person(app, &w.network_id, "c.mut@nhs.net", prof("South")).await;
        let ra = request(app, &pid, &a, json!({})).await;
        let rb = request(app, &pid, &b, json!({})).await;
        request(app, &pid, &c, json!({})).await;
        let run = app
            .post(&format!("/v1/programmes/{pid}/matching-runs"), Some(&w.manager.token), json!({"dry_run": true}))
            .await
            .expect(201);
        let pairs = run["result"]["pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 1);
        let ids = [pairs[0]["a"]["user_id"].as_str().unwrap(), pairs[0]["b"]["user_id"].as_str().unwrap()];
        assert!(ids.contains(&c.id.as_str()));
        assert_eq!(run["result"]["unmatched"][0]["reason"], "candidates were matched with others for a better overall fit");
        assert_eq!(run["result"]["unmatched"][0]["code"], "better_overall_fit");
        // A manual pair of the same team is refused, precisely.
        let e = app
            .post(&format!("/v1/programmes/{pid}/matches"), Some(&w.manager.token), json!({"request_id": ra, "other_request_id": rb}))
            .await
            .problem(422, "validation-failed");
        assert_eq!(field_of(&e), "other_request_id");
        assert_eq!(code_of(&e), "same_team");
        for (body, field, code) in [
            (json!({"request_id": ra}), "other_request_id", "required"),
            (json!({"request_id": ra, "other_request_id": ra}), "other_request_id", "same_request"),
            (json!({"request_id": ra, "supporter_id": w.supporter_id, "other_request_id": rb}), "supporter_id", "not_allowed"),
            (json!({"request_id": ra, "other_request_id": w.peer_request_id}), "other_request_id", "unknown_request"),
        ] {
            let e = app.post(&format!("/v1/programmes/{pid}/matches"), Some(&w.manager.token), body).await.problem(422, "validation-failed");
            assert_eq!((field_of(&e), code_of(&e)), (field.to_owned(), code.to_owned()));
        }
        // Pair a with c by hand; c declines; they are never proposed again.
        let rc = app.get(&format!("/v1/programmes/{pid}/requests"), Some(&c.token)).await.expect(200)["items"][0]["id"].as_str().unwrap().to_owned();
        let m = app
            .post(&format!("/v1/programmes/{pid}/matches"), Some(&w.manager.token), json!({"request_id": ra, "other_request_id": rc}))
            .await
            .expect(201);
        assert_eq!(m["kind"], "mutual");
        assert_eq!(m["run_id"], Value::Null);
        let mid = m["id"].as_str().unwrap();
        app.post(&format!("/v1/programmes/{pid}/matches"), Some(&w.manager.token), json!({"request_id": rb, "other_request_id": rc}))
            .await
            .problem(409, "request-not-waiting");
        app.post(&format!("/v1/matches/{mid}/decline"), Some(&c.token), json!({})).await.expect(200);
        let e = app
            .post(&format!("/v1/programmes/{pid}/matches"), Some(&w.manager.token), json!({"request_id": ra, "other_request_id": rc}))
            .await
            .problem(422, "validation-failed");
        assert_eq!(code_of(&e), "previous_pair");
        let run = app
            .post(&format!("/v1/programmes/{pid}/matching-runs"), Some(&w.manager.token), json!({"dry_run": true}))
            .await
            .expect(201);
        let pairs = run["result"]["pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 1);
        let ids = [pairs[0]["a"]["user_id"].as_str().unwrap(), pairs[0]["b"]["user_id"].as_str().unwrap()];
        assert!(ids.contains(&b.id.as_str()) && ids.contains(&c.id.as_str()));
        let unmatched = &run["result"]["unmatched"][0];
        assert_eq!(unmatched["user_id"], a.id.as_str());
        assert_eq!(unmatched["reason"], "all candidates excluded: same team, paired before");
        assert_eq!(unmatched["code"], "all_excluded");
        // With b gone too, a has nobody left: the reason names the exclusions.
        let rb_withdraw = app.delete(&format!("/v1/match-requests/{rb}"), Some(&b.token)).await;
        rb_withdraw.expect(204);
        let run = app
            .post(&format!("/v1/programmes/{pid}/matching-runs"), Some(&w.manager.token), json!({"dry_run": true}))
            .await
            .expect(201);
        let reasons: Vec<&str> = run["result"]["unmatched"].as_array().unwrap().iter().map(|u| u["reason"].as_str().unwrap()).collect();
        assert_eq!(reasons, vec!["all candidates excluded: paired before"; 2]);
    }
);

// ---------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------

dual!(
    async fn both_accept_then_either_ends_and_final_states_refuse(app) {
        let w = match_world_proposed(app, "life").await;
        let accept = w.match_path("/accept");
        app.post(&accept, Some(&w.manager.token), json!({})).await.problem(403, "not-participant");
        app.post(&accept, Some(&w.member.token), json!({})).await.expect(404);
        app.post(&accept, Some(&w.stranger.token), json!({})).await.expect(404);
        let m = app.post(&accept, Some(&w.peer.token), json!({})).await.expect(200);
        assert_eq!(m["status"], "accepted");
        assert!(m["participants"][0]["accepted_at"].is_string());
        app.post(&accept, Some(&w.peer.token), json!({})).await.problem(409, "already-accepted");
        app.post(&w.match_path("/end"), Some(&w.peer.token), json!({})).await.problem(409, "match-not-active");
        let m = app.post(&accept, Some(&w.supporter.token), json!({})).await.expect(200);
        assert_eq!(m["status"], "active");
        assert!(m["activated_at"].is_string());
        assert_eq!(m["participants"][1]["role"], "supporter");
        assert_eq!(m["participants"][0]["availability"], "Tuesday evenings");
        // Both are told, each naming the other.
        let notice = app.outbox_payload("peer.life@nhs.net", "match.activated").await.expect("peer notice");
        assert!(notice["subject"].as_str().unwrap().contains("is active"));
        assert!(notice["body"].as_str().unwrap().contains("supporter.life"));
        assert!(app.outbox_payload("supporter.life@nhs.net", "match.activated").await.is_some());
        app.post(&w.match_path("/decline"), Some(&w.peer.token), json!({})).await.problem(409, "match-not-pending");
        // Managers see it; other members do not.
        app.get(&w.match_path(""), Some(&w.manager.token)).await.expect(200);
        app.get(&w.match_path(""), Some(&w.member.token)).await.expect(404);
        // End with a private reason: only the one who ended sees it.
        let e = app
            .post(&w.match_path("/end"), Some(&w.supporter.token), json!({"reason": "x".repeat(2001)}))
            .await
            .problem(422, "validation-failed");
        assert_eq!(field_of(&e), "reason");
        let m = app
            .post(&w.match_path("/end"), Some(&w.supporter.token), json!({"reason": "Moving roles"}))
            .await
            .expect(200);
        assert_eq!(m["status"], "ended");
        assert_eq!(m["end_reason"], "Moving roles");
        for who in [&w.peer.token, &w.manager.token] {
            let v = app.get(&w.match_path(""), Some(who)).await.expect(200);
            assert_eq!(v["end_reason"], Value::Null);
        }
        app.post(&w.match_path("/end"), Some(&w.peer.token), json!({})).await.problem(409, "match-not-active");
        app.post(&accept, Some(&w.peer.token), json!({})).await.problem(409, "match-not-pending");
        let r = app.get(&format!("/v1/match-requests/{}", w.peer_request_id), Some(&w.peer.token)).await.expect(200);
        assert_eq!(r["status"], "closed");
        // The peer may ask again after an ended match.
        request(app, &w.programme_id, &w.peer, json!({})).await;
        // Events carry no reason.
        let rows = app.query("SELECT payload FROM outbox WHERE topic = 'match.ended'").await;
        assert_eq!(rows.len(), 1);
        assert!(!rows[0][0].to_string().contains("Moving roles"));
        // Ending needs no body at all (nor does `null`), but a body must be JSON.
        let w2 = match_world(app, "life2").await;
        let r = app
            .req(reqwest::Method::POST, &w2.match_path("/end"), Some(&w2.peer.token))
            .header("Content-Type", "text/plain")
            .body("bye");
        app.send(r).await.expect(415);
        let r = app.req(reqwest::Method::POST, &w2.match_path("/end"), Some(&w2.peer.token));
        let m = app.send(r).await.expect(200);
        assert_eq!(m["status"], "ended");
        let w3 = match_world(app, "life3").await;
        let r = app
            .req(reqwest::Method::POST, &w3.match_path("/end"), Some(&w3.supporter.token))
            .header("Content-Type", "application/json")
            .body("null");
        app.send(r).await.expect(200);
    }
);

dual!(
    async fn proposals_expire_and_free_their_places(app) {
        let w = match_world_proposed(app, "exp").await;
        app.post(&w.match_path("/accept"), Some(&w.peer.token), json!({})).await.expect(200);
        app.query(&format!(
            "UPDATE matches SET expires_at = '2020-01-01 00:00:00+00:00' WHERE id = '{}'",
            w.match_id
        ))
        .await;
        let m = app.get(&w.match_path(""), Some(&w.peer.token)).await.expect(200);
        assert_eq!(m["status"], "expired");
        let e = app.post(&w.match_path("/accept"), Some(&w.supporter.token), json!({})).await.problem(409, "match-not-pending");
        assert!(e["detail"].as_str().unwrap().contains("expired"));
        let r = app.get(&format!("/v1/match-requests/{}", w.peer_request_id), Some(&w.peer.token)).await.expect(200);
        assert_eq!(r["status"], "waiting");
        let s = app.get(&w.programme_path("/supporters"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(s["items"][0]["open_matches"], 0);
        let list = app.get("/v1/matches?status=expired", Some(&w.peer.token)).await.expect(200);
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
);

dual!(
    async fn a_sensitive_preference_is_explained_to_the_requester_only(app) {
        let w = match_world_proposed(app, "sens").await;
        app.post(&w.match_path("/decline"), Some(&w.supporter.token), json!({})).await.expect(200);
        // A supporter who self-declared an attribute; a peer who prefers it.
        let s = person(app, &w.network_id, "s.sens@nhs.net", json!({"profession": "PWP", "sensitive": {"ethnicity": "Black British"}})).await;
        let sid = app
            .post(&w.programme_path("/supporters"), Some(&w.manager.token), json!({"user_id": s.id, "capacity": 1, "trained_on": "2026-01-01", "supervisor_id": w.supervisor.id}))
            .await
            .expect(201)["id"].as_str().unwrap().to_owned();
        let p = person(app, &w.network_id, "p.sens@nhs.net", json!({"profession": "PWP"})).await;
        let rid = request(app, &w.programme_id, &p, json!({"preferences": {"sensitive": {"ethnicity": "black british"}}})).await;
        let m = app
            .post(&w.programme_path("/matches"), Some(&w.manager.token), json!({"request_id": rid, "supporter_id": sid}))
            .await
            .expect(201);
        let mid = m["id"].as_str().unwrap();
        // The manager (creator) sees no private reason.
        assert!(m["reasons"].as_array().unwrap().iter().all(|r| r["feature"] != "preferences"));
        let mine = app.get(&format!("/v1/matches/{mid}"), Some(&p.token)).await.expect(200);
        let private: Vec<&Value> = mine["reasons"].as_array().unwrap().iter().filter(|r| r["feature"] == "preferences").collect();
        assert_eq!(private.len(), 1);
        assert!(private[0]["text"].as_str().unwrap().to_lowercase().contains("ethnicity"));
        let theirs = app.get(&format!("/v1/matches/{mid}"), Some(&s.token)).await.expect(200);
        assert!(theirs["reasons"].as_array().unwrap().iter().all(|r| r["feature"] != "preferences"));
        assert!(mine["score"].as_i64().unwrap() > theirs["score"].as_i64().unwrap());
        assert_eq!(theirs["score"], m["score"]);
        // Nor does a run's stored result or an event.
        let run = app.post(&w.programme_path("/matching-runs"), Some(&w.manager.token), json!({"dry_run": true})).await.expect(201);
        assert!(!run.to_string().to_lowercase().contains("ethnicity"));
        let rows = app.query("SELECT payload FROM outbox").await;
        assert!(rows.iter().all(|r| !r[0].to_string().to_lowercase().contains("black british")));
    }
);

dual!(
    async fn a_full_supporter_and_a_taken_request_are_refused(app) {
        let w = match_world_proposed(app, "full").await;
        app.patch(&format!("/v1/supporters/{}", w.supporter_id), Some(&w.manager.token), json!({"capacity": 1}))
            .await
            .expect(200);
        let p = person(app, &w.network_id, "p.full@nhs.net", json!({})).await;
        let rid = request(app, &w.programme_id, &p, json!({})).await;
        let body = json!({"request_id": rid, "supporter_id": w.supporter_id});
        app.post(&w.programme_path("/matches"), Some(&w.manager.token), body.clone())
            .await
            .problem(409, "supporter-full");
        app.post(&w.programme_path("/matches"), Some(&w.manager.token), json!({"request_id": w.peer_request_id, "supporter_id": w.supporter_id}))
            .await
            .problem(409, "request-not-waiting");
        app.post(&w.programme_path("/matches"), Some(&w.member.token), body.clone())
            .await
            .problem(403, "forbidden");
        let e = app
            .post(&w.programme_path("/matches"), Some(&w.manager.token), json!({"request_id": rid}))
            .await
            .problem(422, "validation-failed");
        assert_eq!((field_of(&e), code_of(&e)), ("supporter_id".to_owned(), "required".to_owned()));
        // Pausing keeps the match but takes them out of new ones.
        let s = app
            .patch(&format!("/v1/supporters/{}", w.supporter_id), Some(&w.manager.token), json!({"status": "paused", "capacity": 2}))
            .await
            .expect(200);
        assert_eq!(s["matchable"], false);
        assert_eq!(s["open_matches"], 1);
        let e = app.post(&w.programme_path("/matches"), Some(&w.manager.token), body).await.problem(422, "validation-failed");
        assert_eq!(code_of(&e), "supporter_not_matchable");
        app.patch(&format!("/v1/supporters/{}", w.supporter_id), Some(&w.manager.token), json!({"status": "gone"}))
            .await
            .expect(422);
    }
);

dual!(
    async fn concurrent_runs_and_manual_pairs_never_match_a_request_twice(app) {
        let w = match_world_proposed(app, "race").await;
        app.post(&w.match_path("/decline"), Some(&w.peer.token), json!({})).await.expect(200);
        let pid = mutual_programme(app, &w, json!({})).await;
        let mut reqs = Vec::new();
        for i in 0..6 {
            let p = person(app, &w.network_id, &format!("r{i}.race@nhs.net"), json!({"profession": "PWP"})).await;
            reqs.push(request(app, &pid, &p, json!({})).await);
        }
        let run = format!("/v1/programmes/{pid}/matching-runs");
        let manual = format!("/v1/programmes/{pid}/matches");
        let (a, b, c) = tokio::join!(
            app.post(&run, Some(&w.manager.token), json!({})),
            app.post(&run, Some(&w.manager.token), json!({})),
            app.post(&manual, Some(&w.manager.token), json!({"request_id": reqs[0], "other_request_id": reqs[1]})),
        );
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
        assert_eq!(b.status.as_u16(), 201, "{}", b.text);
        assert!([201, 409].contains(&c.status.as_u16()), "{}", c.text);
        let all = app
            .get(&format!("/v1/matches?programme_id={pid}&limit=200"), Some(&w.manager.token))
            .await
            .expect(200);
        let items = all["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "six people make three pairs: {all}");
        let mut seen = std::collections::HashSet::new();
        for m in items {
            for p in m["participants"].as_array().unwrap() {
                assert!(seen.insert(p["request_id"].as_str().unwrap().to_owned()), "a request twice: {all}");
            }
        }
    }
);

dual!(
    async fn every_programme_read_and_change_answers_403_and_404_by_role(app) {
        let w = match_world_proposed(app, "roles").await;
        let unknown = "0193a6f2-0000-7000-8000-000000000000";
        let sup = format!("/v1/supporters/{}", w.supporter_id);
        // Managers only: members 403, strangers and unknown ids 404.
        app.patch(&sup, Some(&w.member.token), json!({"capacity": 3})).await.problem(403, "forbidden");
        app.patch(&sup, Some(&w.stranger.token), json!({"capacity": 3})).await.problem(404, "not-found");
        app.patch(&format!("/v1/supporters/{unknown}"), Some(&w.manager.token), json!({"capacity": 3}))
            .await
            .problem(404, "not-found");
        let runs = w.programme_path("/matching-runs");
        app.get(&runs, Some(&w.member.token)).await.problem(403, "forbidden");
        app.get(&runs, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&format!("/v1/matching-runs/{unknown}"), Some(&w.manager.token)).await.problem(404, "not-found");
        app.get(&w.programme_path("/supporters"), Some(&w.stranger.token)).await.problem(404, "not-found");
        app.post(&w.programme_path("/matches"), Some(&w.stranger.token), json!({"request_id": w.peer_request_id, "supporter_id": w.supporter_id}))
            .await
            .problem(404, "not-found");
        // Members read; strangers get 404.
        let list = format!("/v1/networks/{}/programmes", w.network_id);
        app.get(&list, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&w.programme_path("/requests"), Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get(&format!("/v1/matches?programme_id={}", w.programme_id), Some(&w.stranger.token))
            .await
            .problem(404, "not-found");
        app.get(&format!("/v1/match-requests/{unknown}"), Some(&w.manager.token)).await.problem(404, "not-found");
        app.delete(&format!("/v1/match-requests/{unknown}"), Some(&w.manager.token)).await.problem(404, "not-found");
        app.get(&format!("/v1/matches/{unknown}"), Some(&w.manager.token)).await.problem(404, "not-found");
        // Answers are for the two participants: a manager 403, a member 404.
        for action in ["/decline", "/end"] {
            app.post(&w.match_path(action), Some(&w.manager.token), json!({})).await.problem(403, "not-participant");
            app.post(&w.match_path(action), Some(&w.member.token), json!({})).await.problem(404, "not-found");
        }
        // A member who is not in the match lists only their own: none.
        let mine = app.get(&format!("/v1/matches?programme_id={}", w.programme_id), Some(&w.member.token)).await.expect(200);
        assert_eq!(mine["items"].as_array().unwrap().len(), 0);
        let r = app.get("/v1/matches?status=lost", Some(&w.member.token)).await;
        assert_allowed_values(&r, "status", &["proposed", "accepted", "active", "declined", "expired", "ended"]);
    }
);

dual!(
    async fn concurrent_manual_pairs_and_runs_never_exceed_a_supporters_capacity(app) {
        let w = match_world_proposed(app, "cap-race").await;
        // The fixture's proposal is declined: the supporter has no open match.
        app.post(&w.match_path("/decline"), Some(&w.peer.token), json!({})).await.expect(200);
        let sup = format!("/v1/supporters/{}", w.supporter_id);
        let s = app.patch(&sup, Some(&w.manager.token), json!({"capacity": 1})).await.expect(200);
        assert_eq!((s["capacity"].as_i64(), s["open_matches"].as_i64()), (Some(1), Some(0)), "{s}");
        // Alike enough that a run pairs someone with them (score above 0).
        let profile = json!({"profession": "PWP", "level": "qualified", "region": "West Midlands", "specialties": ["anxiety"]});
        app.patch("/v1/me", Some(&w.supporter.token), profile.clone()).await.expect(200);
        let mut requests = Vec::new();
        for i in 0..8 {
            let p = person(app, &w.network_id, &format!("r{i}.cap-race@nhs.net"), profile.clone()).await;
            requests.push(request(app, &w.programme_id, &p, json!({"preferences": {"areas": ["anxiety"]}})).await);
        }
        let dry = app.post(&w.programme_path("/matching-runs"), Some(&w.manager.token), json!({"dry_run": true})).await.expect(201);
        assert_eq!(dry["pairs"], 1, "a run would pair one request with the supporter: {dry}");

        // Eight manual pairs with the one supporter and two real runs, at once.
        let manual = w.programme_path("/matches");
        let runs = w.programme_path("/matching-runs");
        let pairs = futures_util::future::join_all(requests.iter().map(|rid| {
            app.post(&manual, Some(&w.manager.token), json!({"request_id": rid, "supporter_id": w.supporter_id}))
        }));
        let engine = futures_util::future::join_all(
            (0..2).map(|_| app.post(&runs, Some(&w.manager.token), json!({"dry_run": false}))),
        );
        let (pairs, engine) = tokio::join!(pairs, engine);

        let mut made = 0;
        for r in &pairs {
            match r.status.as_u16() {
                201 => made += 1,
                409 => {
                    let code = r.json()["code"].as_str().unwrap_or_default().to_owned();
                    assert!(["supporter-full", "request-not-waiting"].contains(&code.as_str()), "{}", r.text);
                }
                _ => panic!("a manual pair answered {}: {}", r.status, r.text),
            }
        }
        for r in &engine {
            let run = r.expect(201);
            assert_eq!(run["dry_run"], false, "{run}");
            made += run["pairs"].as_i64().unwrap_or_else(|| panic!("no pair count: {run}"));
        }
        assert_eq!(made, 1, "exactly one pairing succeeded: manual {:?}, runs {:?}",
            pairs.iter().map(|r| r.status.as_u16()).collect::<Vec<_>>(),
            engine.iter().map(|r| r.json()["pairs"].clone()).collect::<Vec<_>>());

        // The supporter has one open match, within their capacity.
        let listed = app.get(&w.programme_path("/supporters"), Some(&w.manager.token)).await.expect(200);
        let s = listed["items"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["id"] == w.supporter_id.as_str()))
            .unwrap_or_else(|| panic!("the supporter is not listed: {listed}"));
        assert_eq!(s["open_matches"], 1, "{s}");
        assert_eq!(s["free_places"], 0, "{s}");
        let open = app
            .get(&format!("/v1/matches?programme_id={}&status=proposed&limit=200", w.programme_id), Some(&w.manager.token))
            .await
            .expect(200);
        let items = open["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{open}");
        let users: Vec<&str> = items[0]["participants"].as_array().unwrap().iter().filter_map(|p| p["user_id"].as_str()).collect();
        assert!(users.contains(&w.supporter.id.as_str()), "{open}");
        // Nobody else's request was taken.
        let waiting = app
            .get(&format!("{}?status=waiting&limit=200", w.programme_path("/requests")), Some(&w.manager.token))
            .await
            .expect(200);
        assert_eq!(ids(&waiting).len(), requests.len(), "eight of nine requests still wait: {waiting}");
    }
);

// ---------------------------------------------------------------------------
// Stored codes
// ---------------------------------------------------------------------------

async fn exec(app: &TestApp, sql: &str) {
    use peerhub_persistence::sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

dual!(
    async fn run_results_stored_before_the_codes_read_with_codes(app) {
        let w = match_world(app, "legacy-run").await;
        let run = app
            .post(&w.programme_path("/matching-runs"), Some(&w.manager.token), json!({"dry_run": true}))
            .await
            .expect(201);
        let id = run["id"].as_str().unwrap().to_owned();
        // A result written before `code` and `unmatchable_reasons` existed.
        let legacy = json!({
            "pairs": [],
            "unmatched": [{"request_id": w.peer_request_id, "user_id": w.peer.id, "display_name": "P", "reason": "no candidate above the minimum score (3)"}],
            "free_places": [],
            "unmatchable_supporters": [{"supporter_id": w.supporter_id, "user_id": w.supporter.id, "display_name": "S", "places": 0, "reason": "not matchable: no training date, no supervisor"}]
        });
        exec(app, &format!("UPDATE matching_runs SET result = '{legacy}' WHERE id = '{id}'")).await;
        let got = app.get(&format!("/v1/matching-runs/{id}"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(got["result"]["unmatched"][0]["code"], "below_minimum_score");
        assert_eq!(got["result"]["unmatchable_supporters"][0]["unmatchable_reasons"], json!(["no_training_date", "no_supervisor"]));
        // A reason the code does not know is an error, never a guess.
        let unknown = legacy.to_string().replace("no candidate above", "nobody liked");
        exec(app, &format!("UPDATE matching_runs SET result = '{unknown}' WHERE id = '{id}'")).await;
        app.get(&format!("/v1/matching-runs/{id}"), Some(&w.manager.token)).await.problem(500, "internal-error");
    }
);

dual!(
    async fn stored_values_the_code_does_not_know_are_errors_not_defaults(app) {
        let w = match_world(app, "stored").await;
        // A known value reads back as its code.
        let m = app.get(&w.match_path(""), Some(&w.peer.token)).await.expect(200);
        assert_eq!((m["status"].as_str(), m["kind"].as_str()), (Some("active"), Some("supporter")));
        assert_eq!(m["participants"][0]["role"], "peer");
        assert_eq!(m["participants"][1]["role"], "supporter");
        // A match status.
        exec(app, &format!("UPDATE matches SET status = 'paused' WHERE id = '{}'", w.match_id)).await;
        app.get(&w.match_path(""), Some(&w.peer.token)).await.problem(500, "internal-error");
        // A request status.
        let rid = &w.peer_request_id;
        exec(app, &format!("UPDATE match_requests SET status = 'lost' WHERE id = '{rid}'")).await;
        app.get(&format!("/v1/match-requests/{rid}"), Some(&w.peer.token)).await.problem(500, "internal-error");
        // A supporter status.
        exec(app, &format!("UPDATE programme_supporters SET status = 'retired' WHERE id = '{}'", w.supporter_id)).await;
        app.get(&w.programme_path("/supporters"), Some(&w.manager.token)).await.problem(500, "internal-error");
        // A programme kind.
        exec(app, &format!("UPDATE programmes SET kind = 'group' WHERE id = '{}'", w.programme_id)).await;
        app.get(&w.programme_path(""), Some(&w.peer.token)).await.problem(500, "internal-error");
    }
);

dual! {
    async fn stored_settings_that_do_not_decode_fail_closed(app) {
        let w = match_world(app, "mw-stored-settings").await;
        let path = format!("/v1/programmes/{}", w.programme_id);
        app.get(&path, Some(&w.manager.token)).await.expect(200);
        // Constraints that no longer decode must not silently switch the
        // safeguarding exclusions off: the read, and a run, fail instead.
        exec(app, &format!("UPDATE programmes SET constraints = '{{\"exclude_line_manager\": \"maybe\"}}' WHERE id = '{}'", w.programme_id)).await;
        app.get(&path, Some(&w.manager.token)).await.expect(500);
        let r = app.post(&format!("{path}/matching-runs"), Some(&w.manager.token), json!({"dry_run": true})).await;
        assert_eq!(r.status.as_u16(), 500, "{}", r.text);
        exec(app, &format!("UPDATE programmes SET constraints = '{{}}', weights = '\"not an object\"' WHERE id = '{}'", w.programme_id)).await;
        app.get(&path, Some(&w.manager.token)).await.expect(500);
    }
}

dual!(
    async fn a_burst_of_real_runs_on_one_programme_matches_each_request_once(app) {
        // The engine runs outside the programme's lock: each run re-checks
        // its plan under the lock before writing it, so runs started
        // together never propose one request twice.
        let w = match_world(app, "burst").await;
        let pid = mutual_programme(app, &w, json!({})).await;
        let mut reqs = Vec::new();
        for i in 0..10 {
            let p = person(app, &w.network_id, &format!("r{i}.burst@nhs.net"), json!({"profession": "PWP"})).await;
            reqs.push(request(app, &pid, &p, json!({})).await);
        }
        let run = format!("/v1/programmes/{pid}/matching-runs");
        let burst = futures_util::future::join_all(
            (0..5).map(|_| app.post(&run, Some(&w.manager.token), json!({"dry_run": false}))),
        )
        .await;
        let mut pairs = 0;
        let mut proposed = std::collections::HashSet::new();
        for r in &burst {
            let run = r.expect(201);
            pairs += run["pairs"].as_i64().unwrap_or_else(|| panic!("no pair count: {run}"));
            let id = run["id"].as_str().unwrap();
            let full = app.get(&format!("/v1/matching-runs/{id}"), Some(&w.manager.token)).await.expect(200);
            for pair in full["result"]["pairs"].as_array().unwrap() {
                let m = pair["match_id"].as_str().unwrap_or_else(|| panic!("a real run's pair without a match: {full}"));
                assert!(proposed.insert(m.to_owned()), "one match reported by two runs: {full}");
            }
        }
        assert_eq!(pairs, 5, "ten people make five pairs, whichever run made them");
        let all = app
            .get(&format!("/v1/matches?programme_id={pid}&limit=200"), Some(&w.manager.token))
            .await
            .expect(200);
        let items = all["items"].as_array().unwrap();
        assert_eq!(items.len(), 5, "{all}");
        let mut seen = std::collections::HashSet::new();
        for m in items {
            assert!(proposed.contains(m["id"].as_str().unwrap()), "a match no run reported: {all}");
            for p in m["participants"].as_array().unwrap() {
                assert!(seen.insert(p["request_id"].as_str().unwrap().to_owned()), "a request twice: {all}");
            }
        }
        assert_eq!(seen.len(), 10);
        let waiting = app.get(&format!("/v1/programmes/{pid}/requests?status=waiting"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(waiting["items"].as_array().unwrap().len(), 0, "{waiting}");
    }
);
