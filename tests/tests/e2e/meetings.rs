//! Meetings: scheduling, series, agenda, RSVP and attendance.
use peerhub_tests::world::*;
use peerhub_tests::*;
use serde_json::json;

fn teams_meeting(title: &str, local: &str) -> serde_json::Value {
    json!({
        "title": title, "starts_at_local": local, "timezone": "Europe/London", "duration_minutes": 120,
        "mode": "teams", "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
        "agenda": [{"title": "Welcome", "minutes": 10}]
    })
}

dual! {
    async fn smoke_schedule_rsvp_attendance_minutes(app) {
        let w = cop_world(app, "mtg-smoke", 2).await;
        let r = app.post(&w.community_path("/meetings"), Some(&w.chair.token), teams_meeting("Spring meeting", "2030-04-01T10:00")).await;
        let m = r.expect(201);
        assert_eq!(m["starts_at"], "2030-04-01T09:00:00Z");
        let id = m["id"].as_str().unwrap().to_owned();
        app.req(reqwest::Method::PUT, &format!("/v1/meetings/{id}/rsvp"), Some(&w.members[0].token));
        let r = app.send(app.req(reqwest::Method::PUT, &format!("/v1/meetings/{id}/rsvp"), Some(&w.members[0].token)).json(&json!({"response": "attending"}))).await;
        r.expect(200);
        let d = app.get(&format!("/v1/meetings/{id}"), Some(&w.members[0].token)).await.expect(200);
        assert_eq!(d["my_rsvp"], "attending");
        assert_eq!(d["invitee_count"], 5);
        move_into_past(app, &id, 30).await;
        let r = app.send(app.req(reqwest::Method::PUT, &format!("/v1/meetings/{id}/attendance"), Some(&w.secretary.token)).json(&json!([{"user_id": w.members[1].id, "status": "apologies"}]))).await;
        let a = r.expect(200);
        assert_eq!((a["present"].as_u64(), a["apologies"].as_u64(), a["absent"].as_u64()), (Some(1), Some(1), Some(3)), "{a}");
        let s = app.post(&w.community_path("/meeting-series"), Some(&w.chair.token), json!({"first_starts_at_local": "2030-01-10T10:00", "timezone": "Europe/London", "count": 4, "join_url": "https://teams.microsoft.com/l/x"})).await.expect(201);
        assert_eq!(s["meetings"].as_array().unwrap().len(), 4);
        let cal = app.get(&w.community_path("/calendar.ics"), Some(&w.members[0].token)).await;
        assert_eq!(cal.status.as_u16(), 200);
        let f = app.post("/v1/me/calendar-feed", Some(&w.members[0].token), json!({})).await.expect(201);
        let url = f["url"].as_str().unwrap();
        let path = &url[url.find("/v1/").unwrap()..];
        let feed = app.get(path, None).await;
        assert_eq!(feed.status.as_u16(), 200, "{}", feed.text);
        assert!(feed.text.contains("BEGIN:VEVENT"));
    }
}
