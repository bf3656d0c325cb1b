//! The tenant a request acts for: diagnoses, history and cache entries are scoped to it.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};

use super::problem::Problem;

/// The tenant of the request, as the `/v1` guard established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(pub String);

impl Tenant {
    /// The tenant of every request when no API tokens are configured (and only then).
    pub fn unauthenticated() -> Self {
        Self("default".to_owned())
    }
}

impl Deref for Tenant {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl FromRequest for Tenant {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    /// Set by the `/v1` guard. A handler reached without it refuses: there is no implicit
    /// tenant, so a routing mistake fails closed instead of acting for somebody.
    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let tenant = request.extensions().get::<Tenant>().cloned();
        ready(tenant.ok_or_else(Problem::unauthorized))
    }
}
