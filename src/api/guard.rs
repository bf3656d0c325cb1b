//! The guard of the `/v1` scope: bearer token to tenant, then the caller's rate limit. Failed
//! authentications are limited per client address (`429` beyond `--failed-auth-per-minute`).
//!
//! It wraps the scope itself, not the app: the router matches the percent-decoded path, so a
//! test of the raw path (`/%761/...`) could be walked past. Every request that reaches a `/v1`
//! handler, whatever its spelling, has passed here; health, readiness, metrics, the document and
//! the explorer live outside the scope and stay open.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use futures::StreamExt;

use super::client_address::client_address;
use super::json_body::MAX_BODY_BYTES;
use super::problem::Problem;
use super::refusals::Refusals;
use super::tenant::Tenant;
use crate::metrics::Rejection;
use crate::security::{ApiTokens, RateLimiter};

/// What the guard checks against.
pub struct Guard {
    /// Known tokens; authentication is off when empty.
    pub tokens: ApiTokens,
    /// Per-caller rate limits.
    pub limiter: RateLimiter,
    /// Failed authentications per client address; a valid token never meets it.
    pub failed_authentications: RateLimiter,
    /// Where refusals are counted.
    pub refusals: Arc<Refusals>,
    /// How long a body may take to arrive (a refused request's small body is read and dropped).
    pub body_timeout: Duration,
}

/// What the `Authorization` headers of a request say.
enum Credential<'a> {
    /// No header.
    Missing,
    /// One `Bearer` header with this token.
    Bearer(&'a str),
    /// Another scheme, or a value that is not text.
    Unusable,
    /// More than one header: which one counts would be a guess, so none does.
    Repeated,
}

fn credential(request: &ServiceRequest) -> Credential<'_> {
    let mut values = request.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Credential::Missing;
    };
    if values.next().is_some() {
        return Credential::Repeated;
    }
    let bearer = value
        .to_str()
        .ok()
        .and_then(|text| text.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    bearer.map_or(Credential::Unusable, Credential::Bearer)
}

/// Middleware of the `/v1` scope: authenticates, then rate-limits. Deny by default: without
/// its settings it answers 500, and with tokens configured no request is given a tenant
/// unless its token names one.
pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(guard) = request.app_data::<web::Data<Guard>>().cloned() else {
        return Ok(request.error_response(Problem::internal()));
    };
    let address = client_address(&request);
    let credential = credential(&request);
    if matches!(credential, Credential::Repeated) {
        let problem = Problem::bad_request("Send one Authorization header, not several.");
        return Ok(refusal(request, &guard, &address, Rejection::BadRequest, problem).await);
    }
    let (tenant, caller) = if guard.tokens.is_enabled() {
        let tenant = match credential {
            Credential::Bearer(token) => guard.tokens.tenant_of(token),
            _ => None,
        };
        let Some(tenant) = tenant else {
            // Counted only once the token is known to be wrong: a caller with a valid token is
            // never slowed by failures from its address.
            guard.refusals.failed_authentication();
            let (reason, problem) = match guard.failed_authentications.check(&address) {
                Ok(()) => (Rejection::Unauthorized, Problem::unauthorized()),
                Err(wait) => (
                    Rejection::FailedAuthentications,
                    Problem::too_many_failed_authentications(wait),
                ),
            };
            return Ok(refusal(request, &guard, &address, reason, problem).await);
        };
        (Tenant(tenant.to_owned()), tenant.to_owned())
    } else {
        // Without tokens every caller is the same tenant; limit per client address instead.
        (Tenant::unauthenticated(), address)
    };
    if let Err(wait) = guard.limiter.check(&caller) {
        let problem = Problem::rate_limited(wait);
        return Ok(refusal(request, &guard, &caller, Rejection::RateLimited, problem).await);
    }
    request.extensions_mut().insert(tenant);
    next.call(request)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// A refused request's answer, after its small unread body is read and dropped: answering
/// before the body is read makes the server close the connection (it cannot tell where the
/// next request starts), and reconnecting costs the caller, and the service, more than the
/// bytes. A large body, or one that does not arrive in time, closes the connection instead.
async fn refusal(
    mut request: ServiceRequest,
    guard: &Guard,
    caller: &str,
    reason: Rejection,
    problem: Problem,
) -> ServiceResponse<BoxBody> {
    guard.refusals.refuse(&request, caller, reason);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > 0 && declared <= MAX_BODY_BYTES {
        let mut payload = request.take_payload();
        let drain = async { while let Some(Ok(_)) = payload.next().await {} };
        let _ = tokio::time::timeout(guard.body_timeout, drain).await;
    }
    request.error_response(problem)
}
