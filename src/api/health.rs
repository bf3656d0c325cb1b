//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::state::AppState;

/// Liveness body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the process answers.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Readiness body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, or `draining` while shutting down.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `ok`, or `degraded` while the shared cache is unreachable (diagnoses still work).
    #[schema(example = "ok")]
    pub cache: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: 200 while serving (a cache outage only degrades it), 503 while draining.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Draining for shutdown", body = Readiness),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let cache = state.service.cache_status();
    if state.drain.is_draining() {
        HttpResponse::ServiceUnavailable().json(Readiness {
            status: "draining",
            cache,
        })
    } else {
        HttpResponse::Ok().json(Readiness {
            status: "ready",
            cache,
        })
    }
}
