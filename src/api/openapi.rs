//! The OpenAPI document: generated from the registered routes, so code and document cannot drift.
//!
//! What the service adds to every route of a kind is declared once, here, so no route can
//! forget it: the guard's bearer token and its 401 and 429 on every `/v1` route; 400, 408, 413,
//! 415 and 422 on every route that reads a JSON body; `X-Request-Id` on every response,
//! `Retry-After` on every 429 and 503 problem, `WWW-Authenticate` on every 401.

use actix_web::App;
use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Object, Ref, RefOr, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use super::json_body::MAX_BODY_BYTES;
use super::problem::PROBLEM_JSON;
use super::request_id::REQUEST_ID_HEADER;

/// Document-level information; the paths come from the routes in `routes::configure`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "connector-doctor",
        description = "Tells a security portal, in seconds and precisely, why an AWS connector works or not, and how to fix it.\n\n\
            Authentication: every `/v1` operation needs `Authorization: Bearer <token>` when the service runs with caller \
            tokens (`--api-tokens`), which it must on any non-loopback address. A service started without tokens \
            (the loopback default, for development) serves `/v1` without the header. `/healthz`, `/readyz`, `/metrics`, \
            `/openapi.json` and `/docs/` are always open; a report page opens with its signed link.",
        license(name = "Proprietary")
    ),
    tags(
        (name = "diagnoses", description = "Diagnose AWS connectors, read a diagnosis again, read a connector's history"),
        (name = "connections", description = "What each AWS connection requires: actions, managed policies, services, the policy JSON"),
        (name = "catalogue", description = "The troubleshooting catalogue: every known failure with its cause and fix"),
        (name = "reports", description = "Diagnoses as pages for people, opened by their signed `report_url`"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// Registers every route on `app` and returns it with the complete OpenAPI document, collected
/// from the same registration, so the routes served and the routes documented are one list.
pub fn with_routes<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut document) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::routes::configure)
        .split_for_parts();
    // Modifiers of [`ApiDoc`] would run before `utoipa-actix-web` adds the routes' paths.
    SharedAnswers.modify(&mut document);
    (app, document)
}

/// The answers, headers and security every route of a kind shares.
struct SharedAnswers;

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A caller token of `--api-tokens`; required on every /v1 operation when the \
                         service runs with tokens, not needed when it runs without (loopback only).",
                    ))
                    .build(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                if path.starts_with("/v1/") {
                    guarded(operation);
                }
                if operation.request_body.is_some() {
                    reads_a_body(operation);
                }
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let RefOr::T(response) = response {
                        add_headers(status, response);
                    }
                }
            }
        }
    }
}

/// A problem response.
fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// What the `/v1` guard adds: the bearer token, 401 and 429.
fn guarded(operation: &mut Operation) {
    operation.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    let responses = &mut operation.responses.responses;
    responses.insert("401".to_owned(), problem("Missing or unknown bearer token"));
    responses.insert("429".to_owned(), problem("Rate limited; see Retry-After"));
}

/// What reading a JSON body adds.
fn reads_a_body(operation: &mut Operation) {
    let limit = format!("Body over {} KiB", MAX_BODY_BYTES / 1024);
    for (status, description) in [
        ("400", "Malformed JSON"),
        (
            "408",
            "The body did not arrive in time; the connection is closed",
        ),
        ("413", limit.as_str()),
        ("415", "Body not UTF-8 JSON, or encoded"),
        ("422", "Well-formed but invalid, with field errors"),
    ] {
        operation
            .responses
            .responses
            .insert(status.to_owned(), problem(description));
    }
}

/// A string header.
fn header(description: &str) -> RefOr<Header> {
    HeaderBuilder::new()
        .schema(Some(Object::with_type(Type::String)))
        .description(Some(description))
        .build()
        .into()
}

/// `X-Request-Id` on every response; `Retry-After` on 429 and 503 problems; `WWW-Authenticate`
/// on 401.
fn add_headers(status: &str, response: &mut Response) {
    let is_problem = response.content.contains_key(PROBLEM_JSON);
    let headers = &mut response.headers;
    headers.insert(
        REQUEST_ID_HEADER.as_str().to_owned(),
        header("The caller's request id when it sent a plain one, else a new one; also in problem bodies."),
    );
    if is_problem && matches!(status, "429" | "503") {
        headers.insert(
            "retry-after".to_owned(),
            header("Seconds to wait before retrying."),
        );
    }
    if status == "401" {
        headers.insert("www-authenticate".to_owned(), header("`Bearer`."));
    }
}

/// The complete document, as served at `/openapi.json` and committed at `openapi/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    with_routes(App::new()).1
}
