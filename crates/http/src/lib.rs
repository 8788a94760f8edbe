//! PeerHub HTTP layer: actix handlers, DTOs, the auth extractor, the
//! problem+json error type and the OpenAPI document.

// Large `json!` examples in schema attributes nest deeper than the default.
#![recursion_limit = "256"]

pub mod auth;
pub mod context;
pub mod extract;
pub mod guard;
pub mod limits;
pub mod metrics;
pub mod middleware;
pub mod negotiate;
pub mod openapi;
pub mod pagination;
pub mod problem;
pub mod routes;
pub mod state;

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

pub use metrics::Metrics;
pub use problem::{ApiError, Problem};
pub use state::{AppState, HttpSettings};

/// Registers every documented handler. Order matters where paths overlap:
/// literal segments before `{params}`.
pub fn register(cfg: &mut ServiceConfig) {
    use routes::*;
    cfg.service(health::live)
        .service(health::ready)
        .service(system::metrics)
        .service(system::taxonomy)
        .service(auth::register)
        .service(auth::verify)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::logout_all)
        .service(auth::request_password_reset)
        .service(auth::confirm_password_reset)
        .service(me::change_password)
        .service(me::get_me)
        .service(me::update_me)
        .service(me::export_me)
        .service(me::erase_me)
        .service(api_tokens::create)
        .service(api_tokens::list)
        .service(api_tokens::revoke)
        .service(invitations::create)
        .service(invitations::list)
        .service(invitations::accept)
        .service(users::lookup)
        .service(users::disable)
        .service(users::enable)
        .service(networks::create)
        .service(networks::list)
        .service(networks::get)
        .service(networks::update)
        .service(networks::members)
        .service(networks::update_member)
        .service(networks::remove_member);
    // Literal paths before templated ones: each module orders its own.
    communities::register(cfg);
    applications::register(cfg);
    meetings::register(cfg);
    series::register(cfg);
    attendance::register(cfg);
    calendars::register(cfg);
    minutes::register(cfg);
    actions::register(cfg);
    proposals::register(cfg);
    programmes::register(cfg);
    matches::register(cfg);
    match_sessions::register(cfg);
    match_notes::register(cfg);
    complaints::register(cfg);
    governance::register(cfg);
    notifications::register(cfg);
    audit_events::register(cfg);
    webhooks::register(cfg);
}

/// The OpenAPI document. Build it once and share it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(register)
        .split_for_parts();
    openapi::finish(doc)
}

/// The document as pretty JSON (what `peerhub openapi` prints and
/// openapi/openapi.json holds).
pub fn openapi_json(doc: &utoipa::openapi::OpenApi) -> String {
    let mut s = doc.to_pretty_json().unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// Precomputed data for the fallback handler.
#[derive(Clone)]
pub struct Routes(Arc<Vec<(Vec<String>, Vec<&'static str>)>>);

impl Routes {
    pub fn new(doc: &utoipa::openapi::OpenApi) -> Self {
        Self(Arc::new(openapi::route_table(doc)))
    }

    fn allowed(&self, path: &str) -> Option<&[&'static str]> {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.0
            .iter()
            .find(|(tpl, _)| {
                tpl.len() == segs.len() && tpl.iter().zip(&segs).all(|(t, s)| segment_matches(t, s))
            })
            .map(|(_, m)| m.as_slice())
    }
}

/// Whether a path segment matches a template segment: a literal, a
/// `{param}`, or a `{param}` with a literal suffix such as `{secret}.ics`.
fn segment_matches(template: &str, segment: &str) -> bool {
    match template.strip_prefix('{').and_then(|t| t.split_once('}')) {
        Some((_, suffix)) => segment.len() > suffix.len() && segment.ends_with(suffix),
        None => template == segment,
    }
}

/// Unknown routes (404) and known routes with the wrong method (405).
pub async fn fallback(req: HttpRequest, routes: web::Data<Routes>) -> HttpResponse {
    let err = match routes.allowed(req.path()) {
        Some(methods) if req.method() != Method::OPTIONS || !methods.is_empty() => ApiError::new(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            format!(
                "{} is not allowed here; allowed: {}",
                req.method(),
                methods.join(", ")
            ),
        )
        .with_allow(methods.join(", ")),
        _ => ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not-found",
            format!("No route matches {}", req.path()),
        ),
    };
    err.error_response()
}

/// Configures the whole API on an actix `App`: handlers, extractor error
/// handlers, the spec and Swagger UI, and the fallback.
pub fn configure(
    cfg: &mut web::ServiceConfig,
    doc: &utoipa::openapi::OpenApi,
    spec_json: Arc<String>,
) {
    cfg.app_data(web::PathConfig::default().error_handler(extract::path_error))
        .app_data(web::QueryConfig::default().error_handler(extract::query_error))
        .app_data(web::JsonConfig::default().error_handler(|e, _| {
            ApiError::bad_request(
                "malformed-json",
                format!("The request body is not valid JSON: {e}"),
            )
            .into()
        }))
        .app_data(web::Data::new(Routes::new(doc)));
    register(&mut ServiceConfig::new(cfg));
    let spec = spec_json.clone();
    cfg.route(
        "/openapi.json",
        web::get().to(move || {
            let spec = spec.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(spec.as_str().to_owned())
            }
        }),
    );
    cfg.route(
        "/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header(("Location", "/docs/"))
                .finish()
        }),
    );
    cfg.service(
        utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc.clone()),
    );
}
