//! Who sent a request: its client address, as failed authentications, the rate limit without
//! tokens and the refusals' log lines count it.

use actix_web::dev::ServiceRequest;
use actix_web::web;

use super::state::AppState;

/// The client address of a request: the peer's, or behind trusted proxies the one their
/// `X-Forwarded-For` names. Refusals are counted and logged by it when no tenant is known, and
/// failed authentications and the rate limit without tokens are counted per client address.
pub fn client_address(request: &ServiceRequest) -> String {
    let Some(peer) = request.peer_addr().map(|address| address.ip()) else {
        return String::new();
    };
    let forwarded_for = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok());
    match request.app_data::<web::Data<AppState>>() {
        Some(state) => state.trusted_proxies.client(peer, forwarded_for),
        None => peer,
    }
    .to_string()
}
