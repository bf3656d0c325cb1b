//! The route table: every documented route, with the `/v1` scope behind its guard.

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, web};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use super::problem::Problem;
use super::{catalogue, diagnoses, guard, health, metrics, report_page, requirements};

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
        // Not behind the guard: a report link carries its own signature.
        .route(
            "/reports/assets/report.js",
            web::get().to(report_page::get_report_script),
        )
        .service(report_page::get_report_page)
        // Every other path under /reports/ (`/reports/{id}/`, `/reports/a/b`) is a wrong link
        // like any other: the same 404 page.
        .route(
            "/reports/{rest:.*}",
            web::get().to(report_page::missing_report),
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
