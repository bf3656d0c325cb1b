//! `GET /metrics`: the Prometheus text exposition.

use actix_web::{HttpResponse, get, web};

use super::problem::Problem;
use super::state::AppState;

/// Prometheus metrics (text exposition format). Served here unless `--metrics-listen` moves
/// them to a port of their own, closed to callers.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_metrics",
    responses(
        (status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 404, description = "Served on --metrics-listen instead", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    if !state.metrics_here {
        return Err(Problem::not_found(
            "Metrics are served on the metrics listener.",
        ));
    }
    Ok(exposition(&state))
}

/// The exposition response.
pub fn exposition(state: &AppState) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// The handler of the separate metrics listener.
pub async fn metrics_listener(state: web::Data<AppState>) -> HttpResponse {
    exposition(&state)
}
