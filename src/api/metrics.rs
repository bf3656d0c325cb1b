//! `GET /metrics`: the Prometheus text exposition, behind `--metrics-token` when one is set.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::problem::Problem;
use super::state::AppState;

/// Prometheus metrics (text exposition format). Served here only without caller tokens and
/// without `--metrics-listen`; otherwise on the metrics listener, and this port answers 404.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_metrics",
    responses(
        (status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "--metrics-token is set and the request does not carry it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Served on the metrics listener instead (--metrics-listen, or 127.0.0.1:9464 when caller tokens are configured)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    if !state.metrics_here {
        return Err(Problem::not_found(
            "Metrics are served on the metrics listener.",
        ));
    }
    exposition(&request, &state)
}

/// The exposition response, if the request carries the metrics token (when one is set).
fn exposition(request: &HttpRequest, state: &AppState) -> Result<HttpResponse, Problem> {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !state.metrics_token.admits(authorization) {
        return Err(Problem::unauthorized());
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render()))
}

/// The handler of the separate metrics listener.
pub async fn metrics_listener(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    exposition(&request, &state)
}
