//! The bulletin digest: managers preview upcoming meetings and the CoPs
//! open to join (JSON, Markdown, HTML) and send it to the network's members
//! once per period; members opt out in their notification preferences.
use chrono::{Duration, Utc};
use peerhub_tests::world::*;
use peerhub_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const NO_SUCH_ID: &str = "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e";
const JOIN: &str = "https://teams.microsoft.com/l/meetup-join/bulletin";

fn bulletin_path(w: &CopWorld) -> String {
    format!("/v1/networks/{}/reports/bulletin", w.network_id)
}

/// Schedules a Teams meeting `days` days from now, at 14:00 London time.
async fn meeting_in(app: &TestApp, w: &CopWorld, title: &str, days: i64) -> Value {
    let local = (Utc::now() + Duration::days(days))
        .format("%Y-%m-%dT14:00")
        .to_string();
    app.post(
        &w.community_path("/meetings"),
        Some(&w.chair.token),
        json!({
            "title": title, "starts_at_local": local, "timezone": "Europe/London",
            "duration_minutes": 90, "mode": "teams", "join_url": JOIN,
        }),
    )
    .await
    .expect(201)
}

async fn get_as(app: &TestApp, path: &str, token: &str, accept: &str) -> Resp {
    app.send(
        app.req(Method::GET, path, Some(token))
            .header("Accept", accept),
    )
    .await
}

dual! {
    async fn managers_preview_upcoming_meetings_and_cops_open_to_join(app) {
        let w = cop_world(app, "bulletin-preview", 2).await;
        meeting_in(app, &w, "Soon [with] *marks*", 3).await;
        meeting_in(app, &w, "Later than the default period", 30).await;
        let v = app.get(&bulletin_path(&w), Some(&w.manager.token)).await.expect(200);
        let today = Utc::now().date_naive();
        assert_eq!(v["period"]["from"], today.to_string());
        assert_eq!(v["period"]["to"], (today + Duration::days(13)).to_string());
        let meetings = v["meetings"].as_array().cloned().unwrap_or_default();
        assert_eq!(meetings.len(), 1, "{v}");
        assert_eq!(meetings[0]["title"], "Soon [with] *marks*");
        assert_eq!(meetings[0]["community_name"], w.community_name.as_str());
        assert_eq!(meetings[0]["timezone"], "Europe/London");
        assert_eq!(meetings[0]["mode"], "teams");
        // The manager is not a member of the CoP: no join link.
        assert_eq!(meetings[0]["join_url"], Value::Null);
        assert_eq!(v["more_meetings"], false);
        // Capacity 50; chair, co-chair, secretary and 2 members.
        let cops = v["communities"].as_array().cloned().unwrap_or_default();
        assert_eq!(cops.len(), 1);
        assert_eq!(cops[0]["places_left"], 45);
        assert_eq!(cops[0]["kind"], "closed");

        // A longer period takes the later meeting in.
        let to = (today + Duration::days(40)).to_string();
        let v = app.get(&format!("{}?to={to}", bulletin_path(&w)), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["meetings"].as_array().map(Vec::len), Some(2));

        // A cancelled meeting is not listed.
        let m = meeting_in(app, &w, "Cancelled one", 2).await;
        app.post(&format!("/v1/meetings/{}/cancel", id_of(&m)), Some(&w.chair.token), json!({"reason": "Room unavailable"}))
            .await
            .expect(200);
        let v = app.get(&bulletin_path(&w), Some(&w.manager.token)).await.expect(200);
        assert_eq!(v["meetings"].as_array().map(Vec::len), Some(1));
    }
}

dual! {
    async fn markdown_and_html_are_offered_and_anything_else_is_406(app) {
        let w = cop_world(app, "bulletin-formats", 1).await;
        meeting_in(app, &w, "Title with <script>alert(1)</script> [link](http://evil.example)", 3).await;
        let r = get_as(app, &bulletin_path(&w), &w.manager.token, "text/markdown").await;
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap_or_default().starts_with("text/markdown"));
        assert!(r.header("vary").unwrap_or_default().starts_with("Accept"));
        let md = r.text.clone();
        assert!(md.starts_with("# "), "{md}");
        assert!(md.contains("## Upcoming meetings"));
        assert!(md.contains("## Communities of Practice open to join"));
        // Names cannot add links or tags.
        assert!(md.contains("\\<script\\>"), "{md}");
        assert!(md.contains("\\[link\\]\\(http://evil.example\\)"), "{md}");

        let r = get_as(app, &bulletin_path(&w), &w.manager.token, "text/html").await;
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap_or_default().starts_with("text/html"));
        let doc = scraper::Html::parse_document(&r.text);
        let sel = |s: &str| scraper::Selector::parse(s).unwrap();
        assert_eq!(doc.select(&sel("script")).count(), 0);
        assert_eq!(doc.select(&sel("h1")).count(), 1);
        assert_eq!(doc.select(&sel("h2")).count(), 2);
        assert_eq!(doc.select(&sel("html[lang=en]")).count(), 1);
        let cells: Vec<String> = doc.select(&sel("td")).map(|c| c.text().collect()).collect();
        assert!(cells.iter().any(|c| c.contains("<script>alert(1)</script>")), "{cells:?}");
        let links: Vec<_> = doc.select(&sel("[href], [src]")).map(|e| e.value().clone()).collect();
        assert!(links.is_empty(), "the page links out: {links:?}");
        assert!(r.text.contains("@page{size:A4"));

        let r = get_as(app, &bulletin_path(&w), &w.manager.token, "application/xml").await;
        let p = r.problem(406, "not-acceptable");
        assert!(p["detail"].as_str().unwrap_or_default().contains("text/markdown"));
    }
}

dual! {
    async fn bad_periods_roles_and_networks_are_refused(app) {
        let w = cop_world(app, "bulletin-refused", 1).await;
        let p = bulletin_path(&w);
        let r = app.get(&format!("{p}?from=2027-02-02&to=2027-02-01"), Some(&w.manager.token)).await;
        assert_violation(&r, "from", "after_to");
        let r = app.get(&format!("{p}?from=2027-01-01&to=2027-04-03"), Some(&w.manager.token)).await;
        assert_violation(&r, "to", "too_long");
        app.get(&format!("{p}?from=2027-01-01&to=2027-04-02"), Some(&w.manager.token)).await.expect(200);
        let r = app.get(&format!("{p}?from=tomorrow"), Some(&w.manager.token)).await;
        assert_eq!(r.status, 400, "{}", r.text);
        // The chair leads a CoP but does not manage the network.
        app.get(&p, Some(&w.chair.token)).await.problem(403, "forbidden");
        app.get(&p, Some(&w.stranger.token)).await.problem(404, "not-found");
        app.post(&format!("{p}/send"), Some(&w.chair.token), json!({})).await.problem(403, "forbidden");
        app.post(&format!("{p}/send"), Some(&w.stranger.token), json!({})).await.problem(404, "not-found");
        let r = app.post(&format!("{p}/send"), Some(&w.manager.token), json!({"from": "2027-02-02", "to": "2027-02-01"})).await;
        assert_violation(&r, "from", "after_to");
        app.get(&format!("/v1/networks/{NO_SUCH_ID}/reports/bulletin"), Some(&w.manager.token)).await.problem(404, "not-found");
        assert_eq!(app.count("SELECT COUNT(*) FROM bulletin_sends").await, 0);
    }
}

dual! {
    async fn sending_emails_each_member_once_per_period_with_their_own_links(app) {
        let w = cop_world(app, "bulletin-send", 2).await;
        meeting_in(app, &w, "Planning", 3).await;
        // One member opts out.
        let prefs = app.get("/v1/me/notifications", Some(&w.members[1].token)).await.expect(200);
        assert_eq!(prefs, json!({"bulletin": true}));
        let prefs = app.patch("/v1/me/notifications", Some(&w.members[1].token), json!({"bulletin": false})).await.expect(200);
        assert_eq!(prefs, json!({"bulletin": false}));

        let p = format!("{}/send", bulletin_path(&w));
        // A parallel burst: exactly one send.
        let sends = (0..5).map(|_| app.post(&p, Some(&w.manager.token), json!({})));
        let answers = futures_util::future::join_all(sends).await;
        let created: Vec<&Resp> = answers.iter().filter(|r| r.status == 201).collect();
        assert_eq!(created.len(), 1, "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(answers.iter().all(|r| r.status == 201 || r.status == 200));
        let first = created[0].json();
        let recipients = first["recipients"].as_i64().unwrap_or(-1);
        let emails = app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'bulletin.sent' AND recipient IS NOT NULL").await;
        assert_eq!(emails, recipients);
        assert!(recipients >= 6, "{first}");
        // A replay answers the first send and sends nothing.
        let again = app.post(&p, Some(&w.manager.token), json!({})).await.expect(200);
        assert_eq!(again["sent_at"], first["sent_at"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE topic = 'bulletin.sent' AND recipient IS NOT NULL").await, emails);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'bulletin.sent'").await, 1);

        let chair = app.outbox_payload("chair.bulletin-send@nhs.net", "bulletin.sent").await.expect("the chair's copy");
        assert!(chair["body"].as_str().unwrap_or_default().contains(JOIN), "{chair}");
        let outsider_email: String = app
            .query(&format!("SELECT email FROM users WHERE id = '{}'", w.outsider.id))
            .await[0][0].as_str().unwrap_or_default().to_owned();
        let outsider = app.outbox_payload(&outsider_email, "bulletin.sent").await.expect("the outsider's copy");
        assert!(!outsider["body"].as_str().unwrap_or_default().contains(JOIN));
        assert!(outsider["subject"].as_str().unwrap_or_default().contains("bulletin"));
        let opted_out: String = app
            .query(&format!("SELECT email FROM users WHERE id = '{}'", w.members[1].id))
            .await[0][0].as_str().unwrap_or_default().to_owned();
        assert!(app.outbox_payload(&opted_out, "bulletin.sent").await.is_none());

        // Another period is another send.
        let today = Utc::now().date_naive();
        let other = json!({"from": (today + Duration::days(14)).to_string()});
        app.post(&p, Some(&w.manager.token), other).await.expect(201);
    }
}

dual! {
    async fn notification_preferences_are_checked(app) {
        let w = cop_world(app, "bulletin-prefs", 1).await;
        let t = &w.members[0].token;
        app.patch("/v1/me/notifications", Some(t), json!({"bulletin": false})).await.expect(200);
        // Twice is the same.
        app.patch("/v1/me/notifications", Some(t), json!({"bulletin": false})).await.expect(200);
        // An empty patch changes nothing.
        let v = app.patch("/v1/me/notifications", Some(t), json!({})).await.expect(200);
        assert_eq!(v["bulletin"], false);
        let v = app.patch("/v1/me/notifications", Some(t), json!({"bulletin": true})).await.expect(200);
        assert_eq!(v["bulletin"], true);
        let r = app.patch("/v1/me/notifications", Some(t), json!({"bulletin": "no"})).await;
        assert!(r.status == 400 || r.status == 422, "{}", r.text);
        let r = app.patch("/v1/me/notifications", Some(t), json!({"newsletter": false})).await;
        assert!(r.status == 400 || r.status == 422, "{}", r.text);
        app.get("/v1/me/notifications", None).await.problem(401, "authentication-required");
        // A stored topic that no longer decodes is an error, never ignored.
        app.query(&format!(
            "INSERT INTO notification_opt_outs (user_id, topic, created_at) VALUES ('{}', 'carrier_pigeon', CURRENT_TIMESTAMP)",
            w.members[0].id
        ))
        .await;
        app.get("/v1/me/notifications", Some(t)).await.problem(500, "internal-error");
    }
}
