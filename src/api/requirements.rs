//! What each connection needs: actions, managed policies, services and the policy JSON to paste.

use actix_web::{get, web};

use crate::requirements::{Requirements, RequirementsResponse};

/// What each connection type needs.
#[utoipa::path(
    tag = "connections",
    operation_id = "get_requirements",
    responses((status = 200, description = "What each connection requires", body = RequirementsResponse))
)]
#[get("/requirements")]
pub async fn get_requirements() -> web::Json<RequirementsResponse> {
    web::Json(Requirements::builtin().body())
}
