//! The OpenAPI document: generated from the registered routes, so code and document cannot drift.

use actix_web::App;
use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use super::json_body::MAX_BODY_BYTES;
use super::problem::PROBLEM_JSON;

/// Document-level information; the paths come from the routes in [`super::configure`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "connector-doctor",
        description = "Tells a security portal, in seconds and precisely, why an AWS connector works or not, and how to fix it.",
        license(name = "Proprietary")
    ),
    tags(
        (name = "diagnoses", description = "Diagnose AWS connectors"),
        (name = "catalogue", description = "The troubleshooting catalogue and what each connection requires"),
        (name = "operations", description = "Health and readiness"),
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
    GuardedRoutes.modify(&mut document);
    (app, document)
}

/// Documents the answers the service gives on every route of a kind, once, so no route can
/// forget one: what the guard adds to every `/v1` route (the optional bearer token, 401, 429),
/// and what reading a JSON body adds to every route that takes one (400, 408, 413, 415, 422).
struct GuardedRoutes;

impl Modify for GuardedRoutes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let guard = |operation: &mut Operation| {
            // Either no token (authentication off) or a bearer token.
            operation.security = Some(vec![
                SecurityRequirement::default(),
                SecurityRequirement::new("bearer", Vec::<String>::new()),
            ]);
            let responses = &mut operation.responses.responses;
            responses.insert(
                "401".to_owned(),
                problem("Missing or unknown bearer token").into(),
            );
            responses.insert(
                "429".to_owned(),
                problem("Rate limited; see Retry-After").into(),
            );
        };
        let body_read = |operation: &mut Operation| {
            if operation.request_body.is_none() {
                return;
            }
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
                    .insert(status.to_owned(), problem(description).into());
            }
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                if path.starts_with("/v1/") {
                    guard(operation);
                }
                body_read(operation);
            }
        }
    }
}

/// The complete document, as served at `/openapi.json` and committed at `openapi/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    with_routes(App::new()).1
}
