//! Errors of the API itself as `application/problem+json` (RFC 9457), each with the request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use super::request_id::current_request_id;
use crate::domain::FieldError;

/// The media type of problem bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    #[schema(example = "https://connector-doctor.dev/problems/validation")]
    pub problem_type: String,
    /// Short summary of the problem type.
    #[schema(example = "The request is invalid")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The request id, as in the `X-Request-Id` header.
    pub request_id: Option<String>,
    /// Field errors of a 422.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds to wait before retrying, for 429 and 503.
    #[serde(skip)]
    pub retry_after: Option<u64>,
    /// Whether the connection is closed after this answer (its request could not be read whole,
    /// or the connection itself is refused).
    #[serde(skip)]
    pub close_connection: bool,
}

impl Problem {
    fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("https://connector-doctor.dev/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            request_id: current_request_id(),
            errors: Vec::new(),
            retry_after: None,
            close_connection: false,
        }
    }

    /// 400: a request the service cannot read as meant (not the body: see `malformed_json`).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request is malformed",
            detail,
        )
    }

    /// 408: the body did not arrive in time; the connection is closed.
    pub fn body_timeout(limit: std::time::Duration) -> Self {
        let mut problem = Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "body-timeout",
            "The body did not arrive in time",
            format!(
                "The whole body must arrive within {} ms of the request's headers.",
                limit.as_millis()
            ),
        );
        problem.close_connection = true;
        problem
    }

    /// 431: the request's header section is larger than allowed.
    pub fn headers_too_large(limit: usize) -> Self {
        let mut problem = Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            "The request headers are too large",
            format!("The header section must be at most {limit} bytes."),
        );
        problem.close_connection = true;
        problem
    }

    /// 503: this connection is over a connection cap; it is closed after the answer.
    pub fn too_many_connections(detail: impl Into<String>) -> Self {
        let mut problem = Self::unavailable(detail, 1);
        problem.close_connection = true;
        problem
    }

    /// 400: the body is not valid JSON.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "The body is not valid JSON",
            detail,
        )
    }

    /// 404: nothing here.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 413: the body is larger than allowed.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The body is too large",
            format!("The body must be at most {limit} bytes."),
        )
    }

    /// 415: the body is not JSON.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "The body must be JSON",
            detail,
        )
    }

    /// 422: well-formed but invalid, with one error per field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The request is invalid",
            "One or more fields are invalid; see `errors`.",
        );
        problem.errors = errors;
        problem
    }

    /// 401: no or an unknown bearer token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            "Send a valid token as `Authorization: Bearer <token>`.",
        )
    }

    /// 429: the caller's rate limit is spent.
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        let mut problem = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            "The rate limit of this caller is spent; retry after the given delay.",
        );
        problem.retry_after = Some(wait.as_secs().max(1));
        problem
    }

    /// 429: too many failed authentications from this client address.
    pub fn too_many_failed_authentications(wait: std::time::Duration) -> Self {
        let mut problem = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "failed-authentications",
            "Too many failed authentications",
            "Too many requests from this address had no valid token; retry after the given delay.",
        );
        problem.retry_after = Some(wait.as_secs().max(1));
        problem
    }

    /// 503: not serving right now.
    pub fn unavailable(detail: impl Into<String>, retry_after: u64) -> Self {
        let mut problem = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The service cannot serve this request now",
            detail,
        );
        problem.retry_after = Some(retry_after);
        problem
    }

    /// 500: a bug; the detail stays generic so nothing internal leaks.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "An unexpected error occurred; the request id identifies it in the logs.",
        )
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED.as_u16() {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.close_connection {
            response.force_close();
        }
        response.body(serde_json::to_string(self).unwrap_or_default())
    }
}
