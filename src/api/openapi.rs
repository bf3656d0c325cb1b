//! The OpenAPI document: generated from the registered routes, so code and document cannot drift.

use actix_web::App;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

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

/// Finishes the document the routes were collected into (modifiers of [`ApiDoc`] would run
/// before `utoipa-actix-web` adds the routes' paths).
pub fn complete(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    GuardedRoutes.modify(&mut document);
    document
}

/// Documents what the guard adds to every `/v1` route: the optional bearer token, and its
/// 401 and 429 answers. Done once here so no route can forget it.
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
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path.starts_with("/v1/") {
                for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                    guard(operation);
                }
            }
        }
    }
}

/// The complete document, as served at `/openapi.json` and committed at `openapi/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::configure)
        .split_for_parts();
    complete(document)
}
