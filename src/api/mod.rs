//! The HTTP API: routes, problem bodies, request ids and the OpenAPI document.

mod catalogue;
mod diagnoses;
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
use utoipa_actix_web::service_config::ServiceConfig;

pub use http_metrics::track;
pub use json_body::{MAX_BODY_BYTES, read_json};
pub use metrics::metrics_listener;
pub use openapi::{ApiDoc, complete as complete_openapi, openapi_document};
pub use problem::{PROBLEM_JSON, Problem};
pub use request_id::{REQUEST_ID_HEADER, current_request_id, request_id};
pub use state::{AppState, Readiness};
pub use tenant::Tenant;

/// Registers every documented route; `utoipa-actix-web` collects their OpenAPI paths from here.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(diagnoses::create_diagnosis)
        .service(diagnoses::get_diagnosis)
        .service(diagnoses::get_history)
        .service(requirements::get_requirements)
        .service(catalogue::list_catalogue)
        .service(catalogue::match_catalogue)
        .service(catalogue::get_catalogue_entry)
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
