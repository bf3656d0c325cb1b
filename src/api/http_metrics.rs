//! Counts every HTTP request by route template (never the raw path), method and status.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::state::AppState;

/// The route template a request matched, found once per request: the access log line reads it
/// too (finding it walks the router's table and allocates).
#[derive(Clone)]
pub struct MatchedRoute(pub String);

/// Middleware: records the request in the HTTP metrics.
pub async fn track(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(request).await?.map_into_boxed_body();
    if let Some(state) = state {
        // Unmatched paths share one label, so scanners cannot grow the series without bound.
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        state.metrics.http_request(
            &route,
            response.request().method().as_str(),
            response.status().as_u16(),
            started.elapsed(),
        );
        response
            .request()
            .extensions_mut()
            .insert(MatchedRoute(route));
    }
    Ok(response)
}
