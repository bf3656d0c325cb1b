//! The HTTP API: routes, problem bodies, request ids, the OpenAPI document and the report
//! pages for people.

mod catalogue;
mod client_address;
mod coverage_view;
mod diagnoses;
mod front_door;
mod guard;
mod health;
mod http_metrics;
mod json_body;
mod metrics;
mod openapi;
mod path_param;
mod problem;
mod refusals;
mod report_page;
mod report_view;
mod request_id;
mod requirements;
mod routes;
mod server_settings;
mod state;
mod tenant;

pub use front_door::{MAX_HEADER_BYTES, front_door};
pub use guard::Guard;
pub use http_metrics::track;
pub use json_body::{MAX_BODY_BYTES, read_json};
pub use metrics::metrics_listener;
pub use openapi::{openapi_document, with_routes};
pub use problem::{PROBLEM_JSON, Problem};
pub use refusals::{Refusals, Refused};
pub use request_id::{REQUEST_ID_HEADER, current_request_id, request_id};
pub use routes::not_found;
pub use server_settings::{DEFAULT_METRICS_LISTEN, ServerSettings};
pub use state::{AppState, DrainFlag};
pub use tenant::Tenant;
