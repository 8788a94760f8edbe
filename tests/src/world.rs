//! A community with a core team and members, for meeting and minutes
//! tests. Memberships start `JOINED_DAYS_AGO` days ago so meetings in the
//! recent past have invitees.
use chrono::{Duration, Utc};
use peerhub_domain::community::CommunityRole;
use peerhub_persistence::entities::community;
use peerhub_persistence::sea_orm::EntityTrait;
use peerhub_persistence::{Ctx, memberships};
use serde_json::json;

use crate::{TestApp, user_id_of};

pub const JOINED_DAYS_AGO: i64 = 400;

/// A person: their access token and user id.
#[derive(Debug, Clone)]
pub struct Person {
    pub token: String,
    pub id: String,
}

/// A network with one community (cadence every 3 months, 120 minutes) and
/// its people.
pub struct CopWorld {
    pub admin: String,
    pub network_id: String,
    pub community_id: String,
    pub community_name: String,
    /// A network manager (not a community member).
    pub manager: Person,
    pub chair: Person,
    pub co_chair: Person,
    pub secretary: Person,
    /// Plain members.
    pub members: Vec<Person>,
    /// In the network, not in the community.
    pub outsider: Person,
    /// In another network.
    pub stranger: Person,
}

impl CopWorld {
    pub fn community_path(&self, rest: &str) -> String {
        format!("/v1/communities/{}{rest}", self.community_id)
    }
}

/// Adds a person to a community with `role`, joined `days_ago` days ago.
pub async fn add_member(
    app: &TestApp,
    community_id: &str,
    user_id: &str,
    role: CommunityRole,
    days_ago: i64,
) {
    let c = community::Entity::find_by_id(community_id.to_owned())
        .one(&app.db)
        .await
        .expect("community lookup")
        .expect("community exists");
    memberships::insert_member(
        &app.db,
        &Ctx::system(),
        &c,
        user_id,
        role,
        None,
        Utc::now() - Duration::days(days_ago),
    )
    .await
    .expect("insert member");
}

async fn person(app: &TestApp, network_id: &str, email: &str) -> Person {
    let token = app.member(network_id, email).await;
    let id = user_id_of(&token);
    Person { token, id }
}

/// Builds the world under a unique `slug`. `with_members` plain members.
pub async fn cop_world(app: &TestApp, slug: &str, with_members: usize) -> CopWorld {
    let admin = app.admin_token().await;
    let net = app.create_network(&admin, slug, &["nhs.net"]).await;
    let network_id = net["id"].as_str().unwrap_or_default().to_owned();
    let mtoken = app
        .invited(
            &admin,
            &network_id,
            &format!("manager@{slug}.example.org"),
            "manager",
        )
        .await;
    let manager = Person {
        id: user_id_of(&mtoken),
        token: mtoken,
    };
    let c = app
        .community(&manager.token, &network_id, "closed", 50, json!({}))
        .await;
    let community_id = c["id"].as_str().unwrap_or_default().to_owned();
    let community_name = c["name"].as_str().unwrap_or_default().to_owned();
    let chair = person(app, &network_id, &format!("chair.{slug}@nhs.net")).await;
    let co_chair = person(app, &network_id, &format!("cochair.{slug}@nhs.net")).await;
    let secretary = person(app, &network_id, &format!("secretary.{slug}@nhs.net")).await;
    for (p, role) in [
        (&chair, CommunityRole::Chair),
        (&co_chair, CommunityRole::CoChair),
        (&secretary, CommunityRole::Secretary),
    ] {
        add_member(app, &community_id, &p.id, role, JOINED_DAYS_AGO).await;
    }
    let mut members = Vec::new();
    for i in 0..with_members {
        let p = person(app, &network_id, &format!("member{i}.{slug}@nhs.net")).await;
        add_member(
            app,
            &community_id,
            &p.id,
            CommunityRole::Member,
            JOINED_DAYS_AGO,
        )
        .await;
        members.push(p);
    }
    let outsider = person(app, &network_id, &format!("outsider.{slug}@nhs.net")).await;
    let other = app
        .create_network(&admin, &format!("{slug}-other"), &["other.example.org"])
        .await;
    let stranger = person(
        app,
        other["id"].as_str().unwrap_or_default(),
        &format!("stranger.{slug}@other.example.org"),
    )
    .await;
    CopWorld {
        admin,
        network_id,
        community_id,
        community_name,
        manager,
        chair,
        co_chair,
        secretary,
        members,
        outsider,
        stranger,
    }
}

/// Moves a meeting (start, end and local start, by whole days) so it
/// started about `days` days ago: tests of attendance and minutes need a
/// meeting that has started.
pub async fn move_into_past(app: &TestApp, meeting_id: &str, days: i64) {
    use peerhub_persistence::entities::meeting;
    use peerhub_persistence::sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let m = meeting::Entity::find_by_id(meeting_id.to_owned())
        .one(&app.db)
        .await
        .expect("meeting lookup")
        .expect("meeting exists");
    let shift = Duration::days((m.starts_at - Utc::now()).num_days() + days + 1);
    let (starts, ends) = (m.starts_at - shift, m.ends_at - shift);
    let local = chrono::NaiveDateTime::parse_from_str(&m.starts_at_local, "%Y-%m-%dT%H:%M:%S")
        .map(|l| (l - shift).format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_else(|_| m.starts_at_local.clone());
    let version = m.version;
    let mut am = m.into_active_model();
    am.starts_at_local = Set(local);
    am.starts_at = Set(starts);
    am.ends_at = Set(ends);
    // Time passing is not a change to the meeting: keep its version (the
    // entity would otherwise stamp the next one).
    am.version = Set(version);
    am.update(&app.db).await.expect("move meeting");
}
