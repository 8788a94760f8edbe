//! Private notes (their author only, and each way someone else could read
//! one proves it cannot) and safeguarding concerns (delivery to the lead
//! without the summary reaching integrations, who may read them, the
//! fallback to every manager).
use peerhub_tests::matching_world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn note_path(id: &str) -> String {
    format!("/v1/notes/{id}")
}

/// Writes a note as `token`; its JSON.
async fn write_note(app: &TestApp, w: &MatchWorld, token: &str, body: &str) -> Value {
    app.post(&w.match_path("/notes"), Some(token), json!({"body": body}))
        .await
        .expect(201)
}

async fn patch_note(
    app: &TestApp,
    id: &str,
    token: &str,
    body: Value,
    if_match: Option<&str>,
) -> Resp {
    let mut rb = app.req(Method::PATCH, &note_path(id), Some(token));
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb.json(&body)).await
}

async fn delete_note(app: &TestApp, id: &str, token: &str, if_match: Option<&str>) -> Resp {
    let mut rb = app.req(Method::DELETE, &note_path(id), Some(token));
    if let Some(m) = if_match {
        rb = rb.header("If-Match", m);
    }
    app.send(rb).await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

/// Every cell of every row of a SELECT, as one string: text, numbers,
/// booleans, timestamps, JSON and bytes (as lossy UTF-8, so text stored in
/// a blob still shows). Panics naming a column of any other type rather
/// than leaving it out, and when the SELECT returns no rows (a search of
/// nothing finds nothing).
async fn dump(app: &TestApp, sql: &str) -> String {
    use peerhub_persistence::sea_orm::{ConnectionTrait, QueryResult, Statement};
    fn cell(row: &QueryResult, i: usize, column: &str, sql: &str) -> String {
        fn show<T: std::fmt::Display>(v: Option<T>) -> String {
            v.map(|v| v.to_string()).unwrap_or_else(|| "NULL".into())
        }
        if let Ok(v) = row.try_get_by_index::<Option<String>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<Vec<u8>>>(i) {
            return show(v.map(|b| String::from_utf8_lossy(&b).into_owned()));
        }
        if let Ok(v) = row.try_get_by_index::<Option<i64>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<i32>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<i16>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<bool>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<f64>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<chrono::DateTime<chrono::Utc>>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<chrono::NaiveDateTime>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<chrono::NaiveDate>>(i) {
            return show(v);
        }
        if let Ok(v) = row.try_get_by_index::<Option<Value>>(i) {
            return show(v);
        }
        panic!("dump cannot read column `{column}` (index {i}) of: {sql}");
    }
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert!(!rows.is_empty(), "dump of no rows proves nothing: {sql}");
    let mut cells = Vec::new();
    for row in &rows {
        let columns = row.column_names();
        assert!(!columns.is_empty(), "no columns: {sql}");
        for (i, column) in columns.iter().enumerate() {
            cells.push(cell(row, i, column, sql));
        }
    }
    cells.join("\n")
}

fn concern_body(category: &str, summary: &str) -> Value {
    json!({"category": category, "summary": summary})
}

async fn raise(app: &TestApp, w: &MatchWorld, token: &str, body: Value) -> Resp {
    app.post(&w.match_path("/concerns"), Some(token), body)
        .await
}

/// Outbox rows of the concern topic: (kind, recipient, payload).
async fn concern_rows(app: &TestApp) -> Vec<(String, Option<String>, Value)> {
    app.query("SELECT kind, recipient, payload FROM outbox WHERE topic = 'safeguarding.concern_raised' ORDER BY id")
        .await
        .into_iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_str().map(str::to_owned),
                serde_json::from_str(r[2].as_str().unwrap_or_default())
                    .unwrap_or_else(|e| panic!("payload not JSON: {e}")),
            )
        })
        .collect()
}

fn email_of(slug: &str, who: &str) -> String {
    format!("{who}@{slug}.example.org")
}

// ---------------------------------------------------------------------------
// Notes: the author
// ---------------------------------------------------------------------------

dual! {
    async fn author_writes_reads_updates_and_deletes_own_note(app) {
        let w = match_world(app, "mn-own").await;
        let text = "Session 2: we talked about night shifts.\nAsk about supervision next time.";
        let r = app
            .post(&w.match_path("/notes"), Some(&w.peer.token), json!({"body": format!("  {text}  ")}))
            .await;
        let n = r.expect(201);
        let id = id_of(&n);
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(r.header("location"), Some(note_path(&id)));
        assert_eq!(n["match_id"], w.match_id.as_str());
        assert_eq!(n["body"], text, "trimmed, newlines kept");
        assert_eq!(n["version"], 1);
        assert_eq!(n["created_at"], n["updated_at"]);

        let g = app.get(&note_path(&id), Some(&w.peer.token)).await;
        assert_eq!(g.expect(200), n);
        assert_eq!(g.header("etag").as_deref(), Some("\"1\""));
        let list = app.get(&w.match_path("/notes"), Some(&w.peer.token)).await.expect(200);
        assert_eq!(list["items"], json!([n]));

        let r = patch_note(app, &id, &w.peer.token, json!({"body": "Rewritten."}), Some("\"1\"")).await;
        let u = r.expect(200);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(u["body"], "Rewritten.");
        assert_eq!(u["version"], 2);
        assert_eq!(app.get(&note_path(&id), Some(&w.peer.token)).await.expect(200)["body"], "Rewritten.");
        // the same text again changes nothing
        let same = patch_note(app, &id, &w.peer.token, json!({"body": "Rewritten."}), None).await.expect(200);
        assert_eq!(same["version"], 2);

        delete_note(app, &id, &w.peer.token, Some("\"2\"")).await.expect(204);
        app.get(&note_path(&id), Some(&w.peer.token)).await.problem(404, "not-found");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM match_notes WHERE id = '{id}'")).await, 0, "the row is gone");
        assert_eq!(app.get(&w.match_path("/notes"), Some(&w.peer.token)).await.expect(200)["items"], json!([]));
        delete_note(app, &id, &w.peer.token, None).await.problem(404, "not-found");
    }
}

dual! {
    async fn both_participants_keep_notes_and_each_lists_only_their_own(app) {
        let w = match_world(app, "mn-lists").await;
        let a1 = id_of(&write_note(app, &w, &w.peer.token, "peer one").await);
        let b1 = id_of(&write_note(app, &w, &w.supporter.token, "supporter one").await);
        let a2 = id_of(&write_note(app, &w, &w.peer.token, "peer two").await);
        let a3 = id_of(&write_note(app, &w, &w.peer.token, "peer three").await);
        let all = app.get(&w.match_path("/notes"), Some(&w.peer.token)).await.expect(200);
        assert_eq!(ids(&all), vec![a1.clone(), a2.clone(), a3.clone()], "oldest first, own only");
        let theirs = app.get(&w.match_path("/notes"), Some(&w.supporter.token)).await;
        let theirs_body = theirs.expect(200);
        assert_eq!(ids(&theirs_body), vec![b1]);
        assert!(!theirs.text.contains("peer one") && !theirs.text.contains("peer two"));
        // paginated
        let r = app.get(&w.match_path("/notes?limit=2"), Some(&w.peer.token)).await;
        let p1 = r.expect(200);
        assert_eq!(ids(&p1), vec![a1, a2]);
        assert!(r.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
        let cursor = p1["next_cursor"].as_str().unwrap().to_owned();
        let p2 = app
            .get(&w.match_path(&format!("/notes?limit=2&cursor={cursor}")), Some(&w.peer.token))
            .await
            .expect(200);
        assert_eq!(ids(&p2), vec![a3]);
        assert_eq!(p2["next_cursor"], Value::Null);
        assert_violation(&app.get(&w.match_path("/notes?limit=0"), Some(&w.peer.token)).await, "limit", "out_of_range");
    }
}

dual! {
    async fn notes_can_be_written_after_the_match_ended_and_before_it_starts(app) {
        let w = match_world_proposed(app, "mn-status").await;
        write_note(app, &w, &w.supporter.token, "Before we meet: read their request.").await;
        for p in [&w.peer, &w.supporter] {
            app.post(&w.match_path("/accept"), Some(&p.token), json!({})).await.expect(200);
        }
        w.end(app).await;
        let n = write_note(app, &w, &w.peer.token, "Looking back: it helped.").await;
        assert_eq!(n["body"], "Looking back: it helped.");
        let id = id_of(&n);
        patch_note(app, &id, &w.peer.token, json!({"body": "Looking back: it helped a lot."}), None).await.expect(200);
    }
}

// ---------------------------------------------------------------------------
// Notes: everyone else gets 404
// ---------------------------------------------------------------------------

dual! {
    async fn the_other_participant_cannot_read_a_note(app) {
        let w = match_world(app, "mn-other-get").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private to the peer").await);
        let r = app.get(&note_path(&id), Some(&w.supporter.token)).await;
        r.problem(404, "not-found");
        assert!(!r.text.contains("private to the peer"));
    }
}

dual! {
    async fn the_other_participant_cannot_change_a_note(app) {
        let w = match_world(app, "mn-other-patch").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private to the peer").await);
        patch_note(app, &id, &w.supporter.token, json!({"body": "overwritten"}), None)
            .await
            .problem(404, "not-found");
        let n = app.get(&note_path(&id), Some(&w.peer.token)).await.expect(200);
        assert_eq!(n["body"], "private to the peer");
        assert_eq!(n["version"], 1);
    }
}

dual! {
    async fn the_other_participant_cannot_delete_a_note(app) {
        let w = match_world(app, "mn-other-del").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private to the peer").await);
        delete_note(app, &id, &w.supporter.token, None).await.problem(404, "not-found");
        app.get(&note_path(&id), Some(&w.peer.token)).await.expect(200);
    }
}

dual! {
    async fn the_other_participant_does_not_see_a_note_in_their_list(app) {
        let w = match_world(app, "mn-other-list").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private to the peer").await);
        let r = app.get(&w.match_path("/notes"), Some(&w.supporter.token)).await;
        assert_eq!(r.expect(200)["items"], json!([]));
        assert!(!r.text.contains(&id) && !r.text.contains("private to the peer"));
    }
}

dual! {
    async fn a_hidden_note_answers_exactly_like_a_missing_one(app) {
        let w = match_world(app, "mn-same-404").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private").await);
        let missing = "0193a6f2-0000-7000-8000-000000000000";
        for token in [&w.supporter.token, &w.manager.token, &w.admin] {
            let hidden = app.get(&note_path(&id), Some(token)).await.problem(404, "not-found");
            let absent = app.get(&note_path(missing), Some(token)).await.problem(404, "not-found");
            for key in ["type", "title", "status", "detail", "code"] {
                assert_eq!(hidden[key], absent[key], "{key} differs");
            }
        }
    }
}

dual! {
    async fn a_network_manager_gets_404_for_notes(app) {
        let w = match_world(app, "mn-manager").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private").await);
        for m in [&w.manager, &w.lead] {
            app.get(&note_path(&id), Some(&m.token)).await.problem(404, "not-found");
            patch_note(app, &id, &m.token, json!({"body": "x"}), None).await.problem(404, "not-found");
            delete_note(app, &id, &m.token, None).await.problem(404, "not-found");
        }
        app.get(&note_path(&id), Some(&w.peer.token)).await.expect(200);
    }
}

dual! {
    async fn a_network_manager_gets_404_for_a_matchs_notes(app) {
        let w = match_world(app, "mn-manager-match").await;
        write_note(app, &w, &w.peer.token, "private").await;
        // they can see the match itself, but not its notes
        app.get(&w.match_path(""), Some(&w.manager.token)).await.expect(200);
        for m in [&w.manager, &w.lead] {
            app.get(&w.match_path("/notes"), Some(&m.token)).await.problem(404, "not-found");
            app.post(&w.match_path("/notes"), Some(&m.token), json!({"body": "manager note"}))
                .await
                .problem(404, "not-found");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM match_notes WHERE body = 'manager note'").await, 0);
    }
}

dual! {
    async fn the_platform_admin_gets_404_for_notes(app) {
        let w = match_world(app, "mn-admin").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private").await);
        app.get(&note_path(&id), Some(&w.admin)).await.problem(404, "not-found");
        patch_note(app, &id, &w.admin, json!({"body": "x"}), None).await.problem(404, "not-found");
        delete_note(app, &id, &w.admin, None).await.problem(404, "not-found");
        app.get(&w.match_path("/notes"), Some(&w.admin)).await.problem(404, "not-found");
        app.post(&w.match_path("/notes"), Some(&w.admin), json!({"body": "admin note"}))
            .await
            .problem(404, "not-found");
        assert_eq!(app.get(&note_path(&id), Some(&w.peer.token)).await.expect(200)["body"], "private");
    }
}

dual! {
    async fn members_strangers_and_anonymous_callers_get_nothing(app) {
        let w = match_world(app, "mn-others").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "private").await);
        for p in [&w.member, &w.stranger, &w.supervisor] {
            app.get(&note_path(&id), Some(&p.token)).await.problem(404, "not-found");
            app.get(&w.match_path("/notes"), Some(&p.token)).await.problem(404, "not-found");
            app.post(&w.match_path("/notes"), Some(&p.token), json!({"body": "x"})).await.problem(404, "not-found");
        }
        app.get(&note_path(&id), None).await.problem(401, "authentication-required");
        app.get(&w.match_path("/notes"), None).await.problem(401, "authentication-required");
    }
}

// ---------------------------------------------------------------------------
// Notes: no text in the trail, the outbox or anyone else's export
// ---------------------------------------------------------------------------

dual! {
    async fn audit_entries_for_notes_hold_no_text(app) {
        let w = match_world(app, "mn-audit").await;
        let secret = "AUDIT-CANARY my peer mentioned their divorce";
        let id = id_of(&write_note(app, &w, &w.peer.token, secret).await);
        let secret2 = "AUDIT-CANARY-2 rewritten";
        patch_note(app, &id, &w.peer.token, json!({"body": secret2}), None).await.expect(200);
        delete_note(app, &id, &w.peer.token, None).await.expect(204);
        let rows = app
            .query(&format!("SELECT action, changed_fields, actor_id, network_id FROM audit_events WHERE entity_id = '{id}' ORDER BY id"))
            .await;
        let got: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r[0].as_str().unwrap().to_owned(), r[1].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("match_note.created".to_owned(), "[\"body\"]".to_owned()),
                ("match_note.updated".to_owned(), "[\"body\"]".to_owned()),
                ("match_note.deleted".to_owned(), "[]".to_owned()),
            ]
        );
        assert!(rows.iter().all(|r| r[2] == w.peer.id.as_str() && r[3] == w.network_id.as_str()));
        let all = dump(app, "SELECT id, actor_id, network_id, action, entity_type, entity_id, changed_fields, request_id FROM audit_events").await;
        assert!(!all.contains("AUDIT-CANARY"), "note text in the audit trail");
    }
}

dual! {
    async fn the_outbox_never_carries_note_text(app) {
        let w = match_world(app, "mn-outbox").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "OUTBOX-CANARY one").await);
        patch_note(app, &id, &w.peer.token, json!({"body": "OUTBOX-CANARY two"}), None).await.expect(200);
        write_note(app, &w, &w.supporter.token, "OUTBOX-CANARY three").await;
        raise(app, &w, &w.peer.token, concern_body("other", "Please call me.")).await.expect(201);
        w.end(app).await;
        let all = dump(app, "SELECT id, kind, topic, network_id, aggregate_type, aggregate_id, recipient, payload, status, last_error, request_id FROM outbox").await;
        assert!(!all.is_empty());
        assert!(!all.contains("OUTBOX-CANARY"), "note text in the outbox");
    }
}

dual! {
    async fn a_repeated_post_does_not_store_note_text_in_the_clear(app) {
        let w = match_world(app, "mn-idem").await;
        let send = || {
            app.send(
                app.req(Method::POST, &w.match_path("/notes"), Some(&w.peer.token))
                    .header("Idempotency-Key", "note-key-1")
                    .json(&json!({"body": "IDEM-CANARY private"})),
            )
        };
        let first = send().await;
        let n = first.expect(201);
        let again = send().await;
        assert_eq!(again.expect(201), n);
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(app.count("SELECT COUNT(*) FROM match_notes").await, 1);
        let stored = dump(app, "SELECT id, scope_hash, request_hash, status, response_headers, response_body FROM idempotency_keys").await;
        assert!(!stored.contains("IDEM-CANARY"), "note text stored in the clear");
    }
}

dual! {
    async fn only_the_authors_export_holds_the_note(app) {
        let w = match_world(app, "mn-export").await;
        let secret = "EXPORT-CANARY what I felt after session three";
        write_note(app, &w, &w.peer.token, secret).await;
        let mine = app.get("/v1/me/export", Some(&w.peer.token)).await;
        mine.expect(200);
        assert!(mine.text.contains(secret), "the author's export holds their note");
        for (who, token) in [
            ("other participant", &w.supporter.token),
            ("manager", &w.manager.token),
            ("lead", &w.lead.token),
            ("admin", &w.admin),
        ] {
            let r = app.get("/v1/me/export", Some(token)).await;
            r.expect(200);
            assert!(!r.text.contains("EXPORT-CANARY"), "note text in the {who}'s export");
        }
    }
}

// ---------------------------------------------------------------------------
// Notes: bad input
// ---------------------------------------------------------------------------

dual! {
    async fn note_bodies_are_validated(app) {
        let w = match_world(app, "mn-valid").await;
        let path = w.match_path("/notes");
        let post = |body: Value| app.post(&path, Some(&w.peer.token), body);
        assert_violation(&post(json!({"body": ""})).await, "body", "required");
        assert_violation(&post(json!({"body": "   \n  "})).await, "body", "required");
        assert_violation(&post(json!({"body": "x".repeat(10_001)})).await, "body", "too_long");
        assert_violation(&post(json!({"body": "bell\u{7}"})).await, "body", "control_characters");
        assert_violation(&post(json!({})).await, "body", "required");
        assert_violation(&post(json!({"body": "ok", "shared": true})).await, "shared", "unknown_field");
        assert_violation(&post(json!({"body": 5})).await, "body", "invalid_type");
        assert_eq!(app.count("SELECT COUNT(*) FROM match_notes").await, 0, "nothing written");
        let n = post(json!({"body": "é".repeat(10_000)})).await.expect(201);
        let id = id_of(&n);
        assert_violation(&patch_note(app, &id, &w.peer.token, json!({"body": " "}), None).await, "body", "required");
        assert_violation(&patch_note(app, &id, &w.peer.token, json!({"body": "y".repeat(10_001)}), None).await, "body", "too_long");
        assert_eq!(app.get(&note_path(&id), Some(&w.peer.token)).await.expect(200)["version"], 1);
        // a non-participant learns nothing from validation either
        app.post(&w.match_path("/notes"), Some(&w.manager.token), json!({"body": ""})).await.problem(404, "not-found");
    }
}

dual! {
    async fn a_stale_if_match_is_refused(app) {
        let w = match_world(app, "mn-stale").await;
        let id = id_of(&write_note(app, &w, &w.peer.token, "v1").await);
        patch_note(app, &id, &w.peer.token, json!({"body": "v2"}), Some("\"1\"")).await.expect(200);
        patch_note(app, &id, &w.peer.token, json!({"body": "v3"}), Some("\"1\"")).await.problem(412, "stale-version");
        delete_note(app, &id, &w.peer.token, Some("\"1\"")).await.problem(412, "stale-version");
        let n = app.get(&note_path(&id), Some(&w.peer.token)).await.expect(200);
        assert_eq!((n["body"].as_str(), n["version"].as_i64()), (Some("v2"), Some(2)));
        patch_note(app, &id, &w.peer.token, json!({"body": "v3"}), Some("nope")).await.problem(400, "invalid-if-match");
        delete_note(app, &id, &w.peer.token, Some("\"2\"")).await.expect(204);
    }
}

dual! {
    async fn unknown_and_malformed_ids(app) {
        let w = match_world(app, "mn-ids").await;
        let missing = "0193a6f2-0000-7000-8000-000000000000";
        app.get(&note_path(missing), Some(&w.peer.token)).await.problem(404, "not-found");
        patch_note(app, missing, &w.peer.token, json!({"body": "x"}), None).await.problem(404, "not-found");
        delete_note(app, missing, &w.peer.token, None).await.problem(404, "not-found");
        let unknown_match = format!("/v1/matches/{missing}/notes");
        app.get(&unknown_match, Some(&w.peer.token)).await.problem(404, "not-found");
        app.post(&unknown_match, Some(&w.peer.token), json!({"body": "x"})).await.problem(404, "not-found");
        app.get(&note_path("not-a-uuid"), Some(&w.peer.token)).await.problem(400, "invalid-parameter");
        patch_note(app, "not-a-uuid", &w.peer.token, json!({"body": "x"}), None).await.problem(400, "invalid-parameter");
        delete_note(app, "not-a-uuid", &w.peer.token, None).await.problem(400, "invalid-parameter");
        app.get("/v1/matches/not-a-uuid/notes", Some(&w.peer.token)).await.problem(400, "invalid-parameter");
        app.post("/v1/matches/not-a-uuid/notes", Some(&w.peer.token), json!({"body": "x"}))
            .await
            .problem(400, "invalid-parameter");
        // a note id is not a match id, and the other way round
        let id = id_of(&write_note(app, &w, &w.peer.token, "x").await);
        app.get(&format!("/v1/matches/{id}/notes"), Some(&w.peer.token)).await.problem(404, "not-found");
        app.get(&note_path(&w.match_id), Some(&w.peer.token)).await.problem(404, "not-found");
    }
}

// ---------------------------------------------------------------------------
// Safeguarding concerns
// ---------------------------------------------------------------------------

dual! {
    async fn a_concern_reaches_the_safeguarding_lead(app) {
        let slug = "sg-lead";
        let w = match_world(app, slug).await;
        let summary = "My peer said they have thought about ending their life.\nThey agreed I could raise this.";
        let r = raise(app, &w, &w.supporter.token, concern_body("risk_to_self", summary)).await;
        let c = r.expect(201);
        let id = id_of(&c);
        assert_eq!(r.header("location"), Some(format!("/v1/safeguarding-concerns/{id}")));
        assert_eq!(c["match_id"], w.match_id.as_str());
        assert_eq!(c["programme_id"], w.programme_id.as_str());
        assert_eq!(c["category"], "risk_to_self");
        assert_eq!(c["summary"], summary);
        assert_eq!(c["raised_by"], w.supporter.id.as_str());
        assert_eq!(c["lead_id"], w.lead.id.as_str());
        assert!(c["created_at"].is_string());

        let rows = concern_rows(app).await;
        let emails: Vec<_> = rows.iter().filter(|(k, _, _)| k == "email").collect();
        assert_eq!(emails.len(), 1, "one email, to the lead: {rows:?}");
        let (_, to, mail) = emails[0];
        assert_eq!(to.as_deref(), Some(email_of(slug, "lead").as_str()));
        let body = mail["body"].as_str().unwrap();
        assert!(body.contains(summary), "{body}");
        assert!(body.contains("risk to self"), "{body}");
        assert!(body.contains(&format!("supporter.{slug}")), "who raised it: {body}");
        assert!(body.contains("Peer support"), "the programme: {body}");
        let subject = mail["subject"].as_str().unwrap();
        assert!(subject.contains("Peer support") && !subject.contains("ending their life"), "{subject}");
        assert!(app.outbox_payload(&email_of(slug, "manager"), "safeguarding.concern_raised").await.is_none());

        let events: Vec<_> = rows.iter().filter(|(k, _, _)| k == "event").collect();
        assert_eq!(events.len(), 1);
        let e = &events[0].2;
        assert_eq!(e["concern_id"], id.as_str());
        assert_eq!(e["match_id"], w.match_id.as_str());
        assert_eq!(e["programme_id"], w.programme_id.as_str());
        assert_eq!(e["network_id"], w.network_id.as_str());
        assert_eq!(e["category"], "risk_to_self");
        assert_eq!(e["raised_by"], w.supporter.id.as_str());
        assert_eq!(e["lead_id"], w.lead.id.as_str());
        assert!(e.get("summary").is_none());
        assert!(!e.to_string().contains("ending their life"), "summary in the event: {e}");

        let audit = app
            .query(&format!("SELECT action, changed_fields FROM audit_events WHERE entity_id = '{id}'"))
            .await;
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0][0], "safeguarding_concern.raised");
        assert!(!dump(app, "SELECT id, actor_id, network_id, action, entity_type, entity_id, changed_fields, request_id FROM audit_events").await.contains("ending their life"));
    }
}

dual! {
    async fn either_participant_may_raise_a_concern_in_any_status(app) {
        let w = match_world_proposed(app, "sg-status").await;
        raise(app, &w, &w.peer.token, concern_body("patient_safety", "Before we start: a ward issue.")).await.expect(201);
        for p in [&w.peer, &w.supporter] {
            app.post(&w.match_path("/accept"), Some(&p.token), json!({})).await.expect(200);
        }
        w.end(app).await;
        let c = raise(app, &w, &w.supporter.token, concern_body("risk_to_others", "After it ended.")).await.expect(201);
        assert_eq!(c["category"], "risk_to_others");
        assert_eq!(app.count("SELECT COUNT(*) FROM safeguarding_concerns").await, 2);
    }
}

dual! {
    async fn concerns_are_validated(app) {
        let w = match_world(app, "sg-valid").await;
        let t = &w.peer.token;
        let categories = ["risk_to_self", "risk_to_others", "patient_safety", "other"];
        assert_allowed_values(&raise(app, &w, t, concern_body("danger", "x")).await, "category", &categories);
        assert_violation(&raise(app, &w, t, concern_body("other", "")).await, "summary", "required");
        assert_violation(&raise(app, &w, t, concern_body("other", "  ")).await, "summary", "required");
        assert_violation(&raise(app, &w, t, concern_body("other", &"x".repeat(4_001))).await, "summary", "too_long");
        // A category outside the set does not parse, so it is the one
        // violation named.
        let both = raise(app, &w, t, concern_body("", "")).await;
        assert_allowed_values(&both, "category", &categories);
        assert_eq!(field_codes(&both.problem(422, "validation-failed")).len(), 1);
        assert_violation(&raise(app, &w, t, json!({"summary": "x"})).await, "category", "required");
        assert_violation(&raise(app, &w, t, json!({"category": "other", "summary": "x", "note_id": "y"})).await, "note_id", "unknown_field");
        assert_eq!(app.count("SELECT COUNT(*) FROM safeguarding_concerns").await, 0, "nothing written");
        assert!(concern_rows(app).await.is_empty(), "nothing sent");
        raise(app, &w, t, concern_body("other", &"x".repeat(4_000))).await.expect(201);
    }
}

dual! {
    async fn non_participants_cannot_raise_a_concern(app) {
        let w = match_world(app, "sg-nonpart").await;
        for token in [&w.manager.token, &w.lead.token, &w.admin, &w.member.token, &w.stranger.token, &w.supervisor.token] {
            raise(app, &w, token, concern_body("other", "x")).await.problem(404, "not-found");
        }
        // The body's rules are checked after access (an empty summary is
        // 404 for them); a body that does not parse, such as a category
        // outside the set, is 422 for anyone and says nothing of the match.
        raise(app, &w, &w.manager.token, concern_body("other", "")).await.problem(404, "not-found");
        raise(app, &w, &w.manager.token, concern_body("danger", "x")).await.problem(422, "validation-failed");
        app.post("/v1/matches/0193a6f2-0000-7000-8000-000000000000/concerns", Some(&w.peer.token), concern_body("other", "x"))
            .await
            .problem(404, "not-found");
        app.post("/v1/matches/nope/concerns", Some(&w.peer.token), concern_body("other", "x"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(app.count("SELECT COUNT(*) FROM safeguarding_concerns").await, 0);
    }
}

dual! {
    async fn the_lead_lists_and_reads_concerns(app) {
        let w = match_world(app, "sg-read").await;
        let first = id_of(&raise(app, &w, &w.peer.token, concern_body("other", "first")).await.expect(201));
        let second = id_of(&raise(app, &w, &w.supporter.token, concern_body("patient_safety", "second")).await.expect(201));
        let list = app.get(&w.programme_path("/concerns"), Some(&w.lead.token)).await.expect(200);
        assert_eq!(ids(&list), vec![second.clone(), first.clone()], "newest first");
        assert_eq!(list["items"][0]["summary"], "second");
        let r = app.get(&w.programme_path("/concerns?limit=1"), Some(&w.lead.token)).await;
        let p1 = r.expect(200);
        assert_eq!(ids(&p1), vec![second.clone()]);
        let cursor = p1["next_cursor"].as_str().unwrap().to_owned();
        let p2 = app
            .get(&w.programme_path(&format!("/concerns?limit=1&cursor={cursor}")), Some(&w.lead.token))
            .await
            .expect(200);
        assert_eq!(ids(&p2), vec![first.clone()]);
        assert_eq!(p2["next_cursor"], Value::Null);
        let one = app.get(&format!("/v1/safeguarding-concerns/{first}"), Some(&w.lead.token)).await.expect(200);
        assert_eq!(one, list["items"][1]);
    }
}

dual! {
    async fn other_managers_may_not_list_concerns(app) {
        let w = match_world(app, "sg-403").await;
        raise(app, &w, &w.peer.token, concern_body("other", "x")).await.expect(201);
        app.get(&w.programme_path("/concerns"), Some(&w.manager.token)).await.problem(403, "not-safeguarding-lead");
        app.get(&w.programme_path("/concerns"), Some(&w.admin)).await.problem(403, "not-safeguarding-lead");
        for p in [&w.peer, &w.supporter, &w.member] {
            app.get(&w.programme_path("/concerns"), Some(&p.token)).await.problem(404, "not-found");
        }
        app.get(&w.programme_path("/concerns"), Some(&w.stranger.token)).await.problem(404, "not-found");
        app.get("/v1/programmes/0193a6f2-0000-7000-8000-000000000000/concerns", Some(&w.lead.token))
            .await
            .problem(404, "not-found");
        app.get("/v1/programmes/nope/concerns", Some(&w.lead.token)).await.problem(400, "invalid-parameter");
    }
}

dual! {
    async fn a_concern_is_read_by_its_raiser_and_the_lead_only(app) {
        let w = match_world(app, "sg-get").await;
        let id = id_of(&raise(app, &w, &w.peer.token, concern_body("risk_to_self", "about me")).await.expect(201));
        let path = format!("/v1/safeguarding-concerns/{id}");
        let mine = app.get(&path, Some(&w.peer.token)).await.expect(200);
        assert_eq!(mine["summary"], "about me");
        assert_eq!(app.get(&path, Some(&w.lead.token)).await.expect(200), mine);
        for token in [&w.supporter.token, &w.manager.token, &w.admin, &w.member.token, &w.stranger.token] {
            app.get(&path, Some(token)).await.problem(404, "not-found");
        }
        app.get("/v1/safeguarding-concerns/0193a6f2-0000-7000-8000-000000000000", Some(&w.lead.token))
            .await
            .problem(404, "not-found");
        app.get("/v1/safeguarding-concerns/nope", Some(&w.lead.token)).await.problem(400, "invalid-parameter");
    }
}

dual! {
    async fn without_a_lead_who_manages_every_manager_is_told(app) {
        let slug = "sg-fallback";
        let w = match_world(app, slug).await;
        app.patch(
            &format!("/v1/networks/{}/members/{}", w.network_id, w.lead.id),
            Some(&w.manager.token),
            json!({"role": "member"}),
        )
        .await
        .expect(200);
        let c = raise(app, &w, &w.peer.token, concern_body("risk_to_others", "Fallback summary")).await.expect(201);
        assert_eq!(c["lead_id"], Value::Null, "no lead who manages");
        let rows = concern_rows(app).await;
        let mut to: Vec<String> = rows
            .iter()
            .filter(|(k, _, _)| k == "email")
            .filter_map(|(_, r, _)| r.clone())
            .collect();
        to.sort();
        assert_eq!(to, vec![email_of(slug, "manager")], "every manager, not the demoted lead");
        let mail = app.outbox_payload(&email_of(slug, "manager"), "safeguarding.concern_raised").await.unwrap();
        assert!(mail["body"].as_str().unwrap().contains("Fallback summary"));
        let event = rows.iter().find(|(k, _, _)| k == "event").unwrap();
        assert_eq!(event.2["lead_id"], Value::Null);
        // the managers it went to can read it; the demoted lead cannot
        let id = id_of(&c);
        let list = app.get(&w.programme_path("/concerns"), Some(&w.manager.token)).await.expect(200);
        assert_eq!(ids(&list), vec![id.clone()]);
        app.get(&format!("/v1/safeguarding-concerns/{id}"), Some(&w.manager.token)).await.expect(200);
        app.get(&w.programme_path("/concerns"), Some(&w.lead.token)).await.problem(404, "not-found");
        app.get(&format!("/v1/safeguarding-concerns/{id}"), Some(&w.lead.token)).await.problem(404, "not-found");
    }
}

dual! {
    async fn a_concern_never_carries_note_text(app) {
        let slug = "sg-nonote";
        let w = match_world(app, slug).await;
        write_note(app, &w, &w.peer.token, "NOTE-CANARY they told me about a patient").await;
        write_note(app, &w, &w.supporter.token, "NOTE-CANARY my own reflections").await;
        let c = raise(app, &w, &w.peer.token, concern_body("patient_safety", "A patient safety worry; please call.")).await;
        assert!(!c.text.contains("NOTE-CANARY"));
        let id = id_of(&c.expect(201));
        let read = app.get(&format!("/v1/safeguarding-concerns/{id}"), Some(&w.lead.token)).await;
        assert_eq!(read.expect(200)["id"], id.as_str());
        assert!(!read.text.contains("NOTE-CANARY"));
        let list = app.get(&w.programme_path("/concerns"), Some(&w.lead.token)).await;
        assert_eq!(ids(&list.expect(200)), vec![id.clone()]);
        assert!(!list.text.contains("NOTE-CANARY"));
        assert!(!dump(app, "SELECT id, match_id, programme_id, network_id, raised_by, lead_id, category, summary FROM safeguarding_concerns").await.contains("NOTE-CANARY"));
        assert!(!dump(app, "SELECT id, kind, topic, network_id, aggregate_type, aggregate_id, recipient, payload, status, last_error, request_id FROM outbox").await.contains("NOTE-CANARY"));
    }
}
