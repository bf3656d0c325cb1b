//! The guard in front of `/v1`: bearer token to tenant, then the caller's rate limit.
//! Health, readiness, metrics, the document and the explorer stay open.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use std::sync::Arc;

use super::{ApiTokens, RateLimiter};
use crate::api::{Problem, Tenant};
use crate::metrics::Metrics;

/// What the guard checks against.
pub struct Guard {
    /// Known tokens; authentication is off when empty.
    pub tokens: ApiTokens,
    /// Per-caller rate limits.
    pub limiter: RateLimiter,
    /// Where refusals are counted.
    pub metrics: Arc<Metrics>,
}

fn bearer(request: &ServiceRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Middleware: authenticates and rate-limits `/v1` requests.
pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !request.path().starts_with("/v1/") {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let Some(guard) = request.app_data::<web::Data<Guard>>().cloned() else {
        return Ok(request.error_response(Problem::internal()));
    };
    let caller = if guard.tokens.is_enabled() {
        let Some(tenant) = bearer(&request).and_then(|token| guard.tokens.tenant_of(token)) else {
            guard.metrics.rejected("unauthorized");
            return Ok(request.error_response(Problem::unauthorized()));
        };
        let tenant = tenant.to_owned();
        request.extensions_mut().insert(Tenant(tenant.clone()));
        tenant
    } else {
        // Without tokens every caller is the same tenant; limit per client address instead.
        request
            .peer_addr()
            .map(|address| address.ip().to_string())
            .unwrap_or_default()
    };
    if let Err(wait) = guard.limiter.check(&caller) {
        guard.metrics.rejected("rate_limited");
        return Ok(request.error_response(Problem::rate_limited(wait)));
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
