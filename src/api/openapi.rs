//! The OpenAPI document: generated from the registered routes, so code and document cannot drift.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

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

/// The complete document, as served at `/openapi.json` and committed at `openapi/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::configure)
        .split_for_parts();
    document
}
