//! `X-Request-Id`: taken from the caller when well-formed, else made; echoed, logged and put in problem bodies.

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use super::http_metrics::MatchedRoute;
use super::refusals::Refused;

/// The request id header.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// A caller's id is kept only if it is short and plain, so it cannot forge log lines.
fn accept(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let plain = (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    plain.then(|| text.to_owned())
}

/// Middleware: sets the request id for the whole handling of the request and logs the outcome.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(accept)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let span = tracing::info_span!("request", request_id = %id, method = %req.method());
    let started = std::time::Instant::now();
    // Handler and extractor errors become responses inside `call`, so inside the scope:
    // their problem bodies carry the id.
    let mut response = REQUEST_ID
        .scope(id.clone(), next.call(req))
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    let matched = response.request().extensions_mut().remove::<MatchedRoute>();
    let route = matched.map(|route| route.0).unwrap_or_else(|| {
        response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned())
    });
    // A refused request is logged by `Refusals`, at most once per caller and reason and interval.
    let refused = response.request().extensions().contains::<Refused>();
    span.in_scope(|| {
        if refused {
            return;
        }
        tracing::info!(
            route,
            status = response.status().as_u16(),
            duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "request served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}
