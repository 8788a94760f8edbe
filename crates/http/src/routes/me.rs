//! The caller's own account: profile and memberships.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::account::{NetworkRole, UserStatus};
use peerhub_domain::meeting::{AttendanceStatus, RsvpResponse};
use peerhub_domain::profile::{ProfilePatch, SensitiveAttributes};
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use peerhub_persistence::accounts::{self, json_to_list, sensitive_of};
use peerhub_persistence::caller::own_account;
use peerhub_persistence::entities::{network, user};
use peerhub_persistence::{access, stored};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Caller, Person};
use crate::extract::{IfMatch, JsonBody, etag};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`) in PATCH bodies.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkRoleView {
    pub network_id: String,
    pub network_name: String,
    pub network_slug: String,
    pub role: NetworkRole,
}

/// A person's own profile (only ever shown to themselves).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": super::EX_USER_ID, "email": "sam.patel@nhs.net", "display_name": "Sam Patel", "status": "active",
    "is_platform_admin": false, "job_title": "Senior PWP", "organisation": "Midlands Partnership NHS FT",
    "region": "West Midlands", "profession": "PWP", "level": "senior", "registers": ["BABCP"],
    "specialties": ["long term conditions"], "interests": ["supervision"], "sensitive": null,
    "team": "Talking Therapies North", "line_manager_id": null,
    "networks": [{"network_id": super::EX_NETWORK_ID, "network_name": "PPN Midlands", "network_slug": "ppn-midlands", "role": "member"}],
    "version": 3, "created_at": "2026-05-01T09:30:00Z", "updated_at": "2026-05-02T10:00:00Z"
}))]
pub struct Me {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub status: UserStatus,
    pub is_platform_admin: bool,
    pub job_title: Option<String>,
    pub organisation: Option<String>,
    pub region: Option<String>,
    /// A profession code from GET /v1/taxonomy.
    pub profession: Option<Profession>,
    pub level: Option<CareerLevel>,
    pub registers: Vec<String>,
    pub specialties: Vec<String>,
    pub interests: Vec<String>,
    /// Self-declared; used only for matching preferences.
    pub sensitive: Option<SensitiveAttributesView>,
    /// My team; matching programmes can keep colleagues apart.
    pub team: Option<String>,
    /// My line manager (a user id); matching programmes can keep us apart.
    pub line_manager_id: Option<String>,
    pub networks: Vec<NetworkRoleView>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Optional, self-declared attributes (each up to 100 characters).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitiveAttributesView {
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub age_band: Option<String>,
    pub sexual_orientation: Option<String>,
    pub disability: Option<String>,
    pub religion_or_belief: Option<String>,
    pub culture: Option<String>,
}

impl From<SensitiveAttributes> for SensitiveAttributesView {
    fn from(s: SensitiveAttributes) -> Self {
        Self {
            gender: s.gender,
            ethnicity: s.ethnicity,
            age_band: s.age_band,
            sexual_orientation: s.sexual_orientation,
            disability: s.disability,
            religion_or_belief: s.religion_or_belief,
            culture: s.culture,
        }
    }
}

impl From<SensitiveAttributesView> for SensitiveAttributes {
    fn from(s: SensitiveAttributesView) -> Self {
        Self {
            gender: s.gender,
            ethnicity: s.ethnicity,
            age_band: s.age_band,
            sexual_orientation: s.sexual_orientation,
            disability: s.disability,
            religion_or_belief: s.religion_or_belief,
            culture: s.culture,
        }
    }
}

async fn me_view(state: &AppState, u: user::Model) -> ApiResult<Me> {
    let networks = access::networks_of(&state.db, &u.id).await?;
    view_of(u, networks)
}

/// The view of an account with its networks and roles.
fn view_of(u: user::Model, networks: Vec<(network::Model, NetworkRole)>) -> ApiResult<Me> {
    let networks = networks
        .into_iter()
        .map(|(n, role)| NetworkRoleView {
            network_id: n.id,
            network_name: n.name,
            network_slug: n.slug,
            role,
        })
        .collect();
    let status = stored::decode("user.status", &u.status)?;
    let profession = u
        .profession
        .as_deref()
        .map(|p| stored::decode("user.profession", p))
        .transpose()?;
    let level = u
        .level
        .as_deref()
        .map(|l| stored::decode("user.level", l))
        .transpose()?;
    Ok(Me {
        sensitive: sensitive_of(&u)?.map(Into::into),
        registers: u.registers.decode("users.registers", &u.id)?,
        specialties: u.specialties.decode("users.specialties", &u.id)?,
        interests: u.interests.decode("users.interests", &u.id)?,
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        status,
        is_platform_admin: u.is_platform_admin,
        job_title: u.job_title,
        organisation: u.organisation,
        region: u.region,
        team: u.team,
        line_manager_id: u.line_manager_id,
        profession,
        level,
        networks,
        version: u.version,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

/// Read my profile and network roles
///
/// The answer carries the profile's version as its `ETag`, for `If-Match`
/// on PATCH.
///
/// Access: any signed-in person (their own account); API tokens are refused.
#[utoipa::path(
    tag = "me",
    operation_id = "getMe",
    security(("bearer" = [])),
    responses((status = 200, description = "My profile", body = Me, headers(("ETag" = String, description = "Profile version"))))
)]
#[get("/v1/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    caller.person_only()?;
    // One statement: the account (a session is authenticated on it) with
    // its networks.
    let (_, u, networks) = own_account(&state.db, caller.who()).await?;
    let v = view_of(u, networks)?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(v.version)))
        .json(v))
}

/// Fields to change; absent fields stay, `null` clears an optional field.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"job_title": "Senior PWP", "profession": "PWP", "level": "senior", "region": "West Midlands", "specialties": ["long term conditions"]}))]
pub struct MePatch {
    #[validate(length(max = 1000))]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub job_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub organisation: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    /// A profession code from GET /v1/taxonomy.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Profession>)]
    pub profession: Option<Option<Profession>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<CareerLevel>)]
    pub level: Option<Option<CareerLevel>>,
    /// Up to 30 items of up to 100 characters.
    pub registers: Option<Vec<String>>,
    pub specialties: Option<Vec<String>>,
    pub interests: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<SensitiveAttributesView>)]
    pub sensitive: Option<Option<SensitiveAttributesView>>,
    /// Up to 200 characters.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub team: Option<Option<String>>,
    /// The user id of my line manager (not myself).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub line_manager_id: Option<Option<String>>,
}

/// Update my profile
///
/// Absent fields stay as they are; `null` clears an optional field.
/// Honours `If-Match` (412 `stale-version` when stale). A bad field changes
/// nothing (422 naming each bad field).
///
/// Access: any signed-in person (their own account); API tokens are refused.
#[utoipa::path(
    tag = "me",
    operation_id = "updateMe",
    security(("bearer" = [])),
    request_body = MePatch,
    params(("If-Match" = Option<String>, Header, description = "ETag from GET /v1/me")),
    responses(
        (status = 200, description = "Updated profile", body = Me, headers(("ETag" = String, description = "Profile version"))),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    person: Person,
    if_match: IfMatch,
    body: JsonBody<MePatch>,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let b = body.0;
    let patch = ProfilePatch {
        display_name: b.display_name,
        job_title: b.job_title,
        organisation: b.organisation,
        region: b.region,
        profession: b.profession.map(|p| p.map(|p| p.as_str().to_owned())),
        level: b.level.map(|l| l.map(|l| l.as_str().to_owned())),
        registers: b.registers,
        specialties: b.specialties,
        interests: b.interests,
        sensitive: b.sensitive.map(|s| s.map(Into::into)),
        team: b.team,
        line_manager_id: b.line_manager_id,
    };
    let u = accounts::update_profile(&state.db, &auth.ctx(), &auth.0.user_id, patch, if_match.0)
        .await?;
    let v = me_view(&state, u).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(v.version)))
        .json(v))
}

/// One entry of the audit trail (field names only, never values).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub network_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub changed_fields: Vec<String>,
    pub request_id: Option<String>,
}

impl TryFrom<peerhub_persistence::entities::audit_event::Model> for AuditEventView {
    type Error = peerhub_persistence::Failure;

    fn try_from(a: peerhub_persistence::entities::audit_event::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            changed_fields: json_to_list(&a.changed_fields)?,
            id: a.id,
            occurred_at: a.occurred_at,
            actor_id: a.actor_id,
            network_id: a.network_id,
            action: a.action,
            entity_type: a.entity_type,
            entity_id: a.entity_id,
            request_id: a.request_id,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipRecord {
    pub network_id: String,
    pub role: NetworkRole,
    pub joined_at: DateTime<Utc>,
}

/// Everything PeerHub holds about me.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyExport {
    pub exported_at: DateTime<Utc>,
    pub profile: Me,
    pub memberships: Vec<MembershipRecord>,
    pub api_tokens: Vec<crate::routes::api_tokens::ApiTokenView>,
    pub invitations_received: Vec<crate::routes::invitations::InvitationView>,
    pub invitations_sent: Vec<crate::routes::invitations::InvitationView>,
    /// Audit entries where I acted or that are about my account.
    pub audit_events: Vec<AuditEventView>,
    /// My answers to meeting invitations and my recorded attendance.
    pub meeting_responses: Vec<MeetingResponseRecord>,
    /// Actions from minutes that I own.
    pub actions: Vec<crate::routes::meetings::ActionView>,
    /// Matching: my requests, supporter roles, matches (without what the
    /// other person may not see), their sessions, my own notes, feedback,
    /// concerns I raised and complaints I made.
    #[schema(value_type = Object)]
    pub matching: peerhub_persistence::privacy::MatchingExport,
}

/// One meeting answer or attendance record.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingResponseRecord {
    pub meeting_id: String,
    pub rsvp: Option<RsvpResponse>,
    pub rsvp_at: Option<DateTime<Utc>>,
    pub attendance: Option<AttendanceStatus>,
    pub attendance_at: Option<DateTime<Utc>>,
}

/// Export everything held about me as JSON
///
/// The answer is a download (`Content-Disposition: attachment`) of my
/// profile, memberships, tokens (never their secrets), invitations, audit
/// entries, meeting answers, actions and matching records.
///
/// Access: any signed-in person (their own account); API tokens are refused.
#[utoipa::path(
    tag = "me",
    operation_id = "exportMe",
    security(("bearer" = [])),
    responses((status = 200, description = "My data", body = MyExport))
)]
#[get("/v1/me/export")]
pub async fn export_me(state: web::Data<AppState>, person: Person) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let x = peerhub_persistence::privacy::export(&state.db, &auth.0.user_id).await?;
    let body = MyExport {
        exported_at: Utc::now(),
        memberships: x
            .memberships
            .into_iter()
            .map(|m| {
                Ok(MembershipRecord {
                    role: stored::decode("network_member.role", &m.role)?,
                    network_id: m.network_id,
                    joined_at: m.created_at,
                })
            })
            .collect::<ApiResult<_>>()?,
        api_tokens: x
            .api_tokens
            .into_iter()
            .map(TryInto::try_into)
            .collect::<ApiResult<_>>()?,
        invitations_received: x
            .invitations_received
            .into_iter()
            .map(TryInto::try_into)
            .collect::<ApiResult<_>>()?,
        invitations_sent: x
            .invitations_sent
            .into_iter()
            .map(TryInto::try_into)
            .collect::<ApiResult<_>>()?,
        audit_events: x
            .audit_events
            .into_iter()
            .map(AuditEventView::try_from)
            .collect::<Result<_, _>>()?,
        meeting_responses: x
            .meeting_responses
            .into_iter()
            .map(|r| {
                Ok(MeetingResponseRecord {
                    rsvp: r
                        .rsvp
                        .as_deref()
                        .map(|v| stored::decode("meeting_response.rsvp", v))
                        .transpose()?,
                    attendance: r
                        .attendance
                        .as_deref()
                        .map(|v| stored::decode("meeting_response.attendance", v))
                        .transpose()?,
                    meeting_id: r.meeting_id,
                    rsvp_at: r.rsvp_at,
                    attendance_at: r.attendance_at,
                })
            })
            .collect::<ApiResult<_>>()?,
        actions: {
            let names =
                std::collections::HashMap::from([(x.user.id.clone(), x.user.display_name.clone())]);
            x.actions
                .into_iter()
                .map(|a| crate::routes::meetings::action_view(a, &names))
                .collect::<ApiResult<Vec<_>>>()?
        },
        matching: x.matching,
        profile: me_view(&state, x.user).await?,
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"peerhub-export.json\"",
        ))
        .json(body))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "my current passphrase"}))]
pub struct Reauthentication {
    /// The account's current password (checked under the login lockout).
    #[validate(length(max = 1024))]
    pub current_password: String,
}

/// Erase my account
///
/// My name and email are pseudonymised everywhere, my profile is cleared,
/// my sessions, API tokens and memberships end. The only manager of a
/// network must hand over first (409 `last-manager`). Needs the current
/// password (403 `reauthentication-failed`, under the login lockout: 429
/// `too-many-attempts`).
///
/// Access: any signed-in person (their own account); API tokens are refused.
#[utoipa::path(
    tag = "me",
    operation_id = "eraseMe",
    security(("bearer" = [])),
    request_body = Reauthentication,
    responses(
        (status = 204, description = "Erased"),
        (status = 403, description = "`reauthentication-failed`: the current password is wrong; `insufficient-scope` for API tokens", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last-manager`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`: the lockout of the address applies; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me")]
pub async fn erase_me(
    state: web::Data<AppState>,
    person: Person,
    req: HttpRequest,
    body: JsonBody<Reauthentication>,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let ctx = auth.ctx_with_client(&req);
    accounts::reauthenticate(&state.db, &ctx, &auth.0.user_id, &body.0.current_password).await?;
    peerhub_persistence::privacy::erase(&state.db, &ctx, &auth.0.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "my current passphrase", "new_password": "a new long passphrase"}))]
pub struct PasswordChange {
    #[validate(length(max = 1024))]
    pub current_password: String,
    /// The same policy as registration; must differ from the current one.
    #[validate(length(max = 1024))]
    pub new_password: String,
}

/// Change my password
///
/// Needs the current password (403 `reauthentication-failed`, under the
/// login lockout). Every session ends, this one included, and the answer is
/// a new token pair for this client; the person is told by email.
///
/// Access: any signed-in person (their own account); API tokens are refused.
#[utoipa::path(
    tag = "me",
    operation_id = "changePassword",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; every earlier session ended; here is a new one", body = crate::routes::auth::TokenPair),
        (status = 403, description = "`reauthentication-failed`, or `insufficient-scope` for API tokens", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`new_password` breaks the policy or is `unchanged`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: password hashing is at its bound; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    person: Person,
    req: HttpRequest,
    body: JsonBody<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let b = body.0;
    let u = accounts::change_password(
        &state.db,
        &auth.ctx_with_client(&req),
        &auth.0.user_id,
        &b.current_password,
        &b.new_password,
    )
    .await?;
    // Sessions cut off at this second; the new one starts after it.
    let refresh =
        peerhub_persistence::sessions::start(&state.db, &u.id, state.settings.refresh_token_ttl)
            .await?;
    Ok(HttpResponse::Ok().json(crate::routes::auth::token_pair(&state, &u.id, refresh).await?))
}
