//! The HTTP API: routes, problem bodies, request ids and the OpenAPI document.

mod catalogue;
mod diagnoses;
mod front_door;
mod guard;
mod health;
mod http_metrics;
mod json_body;
mod metrics;
mod openapi;
mod problem;
mod request_id;
mod requirements;
mod state;
mod tenant;

use actix_web::HttpRequest;
use actix_web::middleware::from_fn;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub use front_door::{MAX_HEADER_BYTES, front_door};
pub use guard::Guard;
pub use http_metrics::track;
pub use json_body::{MAX_BODY_BYTES, read_json};
pub use metrics::metrics_listener;
pub use openapi::{ApiDoc, complete as complete_openapi, openapi_document};
pub use problem::{PROBLEM_JSON, Problem};
pub use request_id::{REQUEST_ID_HEADER, current_request_id, request_id};
pub use state::{AppState, Readiness};
pub use tenant::Tenant;

/// Registers every documented route; `utoipa-actix-web` collects their OpenAPI paths from here.
///
/// The versioned API is one scope wrapped by the guard, so that no spelling of a path can
/// reach its handlers, or its 404, without a valid token when tokens are configured.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(
            scope::scope("/v1")
                .service(diagnoses::create_diagnosis)
                .service(diagnoses::get_diagnosis)
                .service(diagnoses::get_history)
                .service(requirements::get_requirements)
                .service(catalogue::list_catalogue)
                .service(catalogue::match_catalogue)
                .service(catalogue::get_catalogue_entry)
                .wrap(from_fn(guard::guard)),
        )
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics);
}

/// Fallback for unknown routes: a 404 problem.
pub async fn not_found(request: HttpRequest) -> Result<actix_web::HttpResponse, Problem> {
    Err(Problem::not_found(format!(
        "No route for {} {}.",
        request.method(),
        request.path()
    )))
}
