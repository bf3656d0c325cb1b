//! What each connection needs: actions, managed policies, services and the policy JSON to paste.

use actix_web::{get, web};

use crate::requirements::{Requirements, RequirementsBody};

/// What each connection type needs.
#[utoipa::path(tag = "catalogue", responses((status = 200, body = RequirementsBody)))]
#[get("/requirements")]
pub async fn get_requirements() -> web::Json<RequirementsBody> {
    web::Json(Requirements::builtin().body())
}
