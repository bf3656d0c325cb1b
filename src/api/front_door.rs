//! Checks every request meets before routing: its connection within the connection caps, and
//! its header section within [`MAX_HEADER_BYTES`].

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::client_address::client_address;
use super::problem::Problem;
use super::state::AppState;
use crate::metrics::Rejection;
use crate::security::{ConnectionSlot, OverCap};

/// Largest accepted header section (names, values and their separators), in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The size of a header section as sent: `name: value\r\n` per field.
fn header_bytes(request: &ServiceRequest) -> usize {
    request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// Middleware: refuses requests of connections over a cap (503, closed) and oversized
/// header sections (431, closed).
pub async fn front_door(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let over = request
        .conn_data::<ConnectionSlot>()
        .and_then(|slot| slot.over);
    let refusal = match over {
        Some(OverCap::Total) => Some((
            Rejection::Connections,
            Problem::too_many_connections(
                "The service has as many connections open as it takes; retry after the given delay.",
            ),
        )),
        Some(OverCap::Address) => Some((
            Rejection::ConnectionsPerAddress,
            Problem::too_many_connections(
                "This client address has as many connections open as it may; close one or retry later.",
            ),
        )),
        None if header_bytes(&request) > MAX_HEADER_BYTES => Some((
            Rejection::HeadersTooLarge,
            Problem::headers_too_large(MAX_HEADER_BYTES),
        )),
        None => None,
    };
    if let Some((reason, problem)) = refusal {
        if let Some(state) = request.app_data::<web::Data<AppState>>() {
            state
                .refusals
                .refuse(&request, &client_address(&request), reason);
        }
        return Ok(request.error_response(problem));
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
