//! A network with a supporter programme and one match, for tests of
//! matches, sessions, feedback, notes, concerns and complaints.
use serde_json::{Value, json};

use crate::world::Person;
use crate::{TestApp, user_id_of};

/// A supporter programme with one match between a peer and a supporter.
pub struct MatchWorld {
    pub admin: String,
    pub network_id: String,
    /// A network manager who is not the safeguarding lead.
    pub manager: Person,
    /// A network manager named the programme's safeguarding lead.
    pub lead: Person,
    pub programme_id: String,
    /// The peer who asked for support (participant `a`).
    pub peer: Person,
    pub peer_request_id: String,
    /// The supporter (participant `b`); trained and supervised.
    pub supporter: Person,
    pub supporter_id: String,
    /// The supporter's supervisor (a network member).
    pub supervisor: Person,
    /// Another member of the network, not in the match.
    pub member: Person,
    /// A member of another network.
    pub stranger: Person,
    /// Active (both accepted) unless built with `match_world_proposed`.
    pub match_id: String,
}

impl MatchWorld {
    pub fn match_path(&self, rest: &str) -> String {
        format!("/v1/matches/{}{rest}", self.match_id)
    }

    pub fn programme_path(&self, rest: &str) -> String {
        format!("/v1/programmes/{}{rest}", self.programme_id)
    }

    /// The peer ends the (active) match.
    pub async fn end(&self, app: &TestApp) -> Value {
        app.post(&self.match_path("/end"), Some(&self.peer.token), json!({}))
            .await
            .expect(200)
    }
}

async fn person(app: &TestApp, network_id: &str, email: &str) -> Person {
    let token = app.member(network_id, email).await;
    Person {
        id: user_id_of(&token),
        token,
    }
}

async fn manager(app: &TestApp, admin: &str, network_id: &str, email: &str) -> Person {
    let token = app.invited(admin, network_id, email, "manager").await;
    Person {
        id: user_id_of(&token),
        token,
    }
}

/// Builds the world under a unique `slug`, with an active match.
pub async fn match_world(app: &TestApp, slug: &str) -> MatchWorld {
    let w = match_world_proposed(app, slug).await;
    for p in [&w.peer, &w.supporter] {
        app.post(&w.match_path("/accept"), Some(&p.token), json!({}))
            .await
            .expect(200);
    }
    w
}

/// Builds the world under a unique `slug`; the match is only proposed.
pub async fn match_world_proposed(app: &TestApp, slug: &str) -> MatchWorld {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    let network_id = net["id"].as_str().unwrap_or_default().to_owned();
    let mgr = manager(
        app,
        &admin,
        &network_id,
        &format!("manager@{slug}.example.org"),
    )
    .await;
    let lead = manager(
        app,
        &admin,
        &network_id,
        &format!("lead@{slug}.example.org"),
    )
    .await;
    let peer = person(app, &network_id, &format!("peer.{slug}@nhs.net")).await;
    let supporter = person(app, &network_id, &format!("supporter.{slug}@nhs.net")).await;
    let supervisor = person(app, &network_id, &format!("supervisor.{slug}@nhs.net")).await;
    let member = person(app, &network_id, &format!("member.{slug}@nhs.net")).await;
    let other = app
        .create_network(&admin, &format!("{slug}-other"), &["other.example.org"])
        .await;
    let stranger = person(
        app,
        other["id"].as_str().unwrap_or_default(),
        &format!("stranger.{slug}@other.example.org"),
    )
    .await;
    let programme = app
        .post(
            &format!("/v1/networks/{network_id}/programmes"),
            Some(&mgr.token),
            json!({"name": "Peer support", "kind": "supporter", "safeguarding_lead_id": lead.id}),
        )
        .await
        .expect(201);
    let programme_id = programme["id"].as_str().unwrap_or_default().to_owned();
    let s = app
        .post(
            &format!("/v1/programmes/{programme_id}/supporters"),
            Some(&mgr.token),
            json!({"user_id": supporter.id, "capacity": 2, "trained_on": "2026-01-15", "supervisor_id": supervisor.id}),
        )
        .await
        .expect(201);
    let supporter_id = s["id"].as_str().unwrap_or_default().to_owned();
    let r = app
        .post(
            &format!("/v1/programmes/{programme_id}/requests"),
            Some(&peer.token),
            json!({"preferences": {"areas": ["burnout"]}, "availability": "Tuesday evenings"}),
        )
        .await
        .expect(201);
    let peer_request_id = r["id"].as_str().unwrap_or_default().to_owned();
    let m = app
        .post(
            &format!("/v1/programmes/{programme_id}/matches"),
            Some(&mgr.token),
            json!({"request_id": peer_request_id, "supporter_id": supporter_id}),
        )
        .await
        .expect(201);
    let match_id = m["id"].as_str().unwrap_or_default().to_owned();
    MatchWorld {
        admin,
        network_id,
        manager: mgr,
        lead,
        programme_id,
        peer,
        peer_request_id,
        supporter,
        supporter_id,
        supervisor,
        member,
        stranger,
        match_id,
    }
}
