//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::state::AppState;
use crate::domain::CacheStatus;

/// Liveness body.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok` when the process answers.
    pub status: Liveness,
}

/// Whether the process answers.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    /// It does.
    Ok,
}

/// Readiness body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessResponse {
    /// `ready`, or `draining` while shutting down.
    pub status: ReadinessStatus,
    /// `ok`, or `degraded` while the shared cache is unreachable (diagnoses still work).
    pub cache: CacheStatus,
}

/// Whether the service takes new work.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    /// Serving.
    Ready,
    /// Shutting down: finishing what it has, taking nothing new.
    Draining,
}

/// Liveness: the process answers.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_health",
    responses((status = 200, description = "The process answers", body = HealthResponse))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<HealthResponse> {
    web::Json(HealthResponse {
        status: Liveness::Ok,
    })
}

/// Readiness: 200 while serving (a cache outage only degrades it), 503 while draining.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_readiness",
    responses(
        (status = 200, description = "Ready", body = ReadinessResponse),
        (status = 503, description = "Draining for shutdown", body = ReadinessResponse),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let cache = state.service.cache_status();
    if state.drain.is_draining() {
        HttpResponse::ServiceUnavailable().json(ReadinessResponse {
            status: ReadinessStatus::Draining,
            cache,
        })
    } else {
        HttpResponse::Ok().json(ReadinessResponse {
            status: ReadinessStatus::Ready,
            cache,
        })
    }
}
